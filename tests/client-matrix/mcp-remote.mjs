// The client-matrix scenario (scenario.mjs) through mcp-remote (npm mcp-remote), the stdio <->
// remote bridge that desktop hosts launch for remote servers: the TypeScript SDK 1.x client
// starts the bridge on stdio, and the bridge reaches the server's streamable HTTP endpoint
// (--transport http-only) or its legacy SSE stream (--transport sse-only). Nothing to do on
// stdio: the bridge only ever talks HTTP to the server.
//
//   node mcp-remote.mjs --transport sse|http --url http://127.0.0.1:PORT

import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { main, option, packageVersion, withProtocolVersion } from './scenario.mjs';

const version = packageVersion('mcp-remote');
const kind = option('transport');
const proxy = fileURLToPath(new URL('./node_modules/mcp-remote/dist/proxy.js', import.meta.url));
const target = kind === 'sse' ? `${option('url')}/sse` : `${option('url')}/mcp`;

const client = new Client({ name: 'invoicer-client-matrix', version: '1.0.0' });
let bridge;
await main('mcp-remote', version, {
  async connect() {
    bridge = new StdioClientTransport({
      command: process.execPath,
      args: [proxy, target, '--transport', kind === 'sse' ? 'sse-only' : 'http-only'],
      // The bridge keeps its state (OAuth, client ids) under MCP_REMOTE_CONFIG_DIR.
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        MCP_REMOTE_CONFIG_DIR: process.env.MCP_REMOTE_CONFIG_DIR ?? '',
      },
      stderr: 'pipe',
    });
    // Its log goes to stderr; kept for the outcome line (warnings) and the cell's log.
    const log = [];
    bridge.stderr?.on('data', (chunk) => {
      process.stderr.write(chunk);
      log.push(...String(chunk).split('\n').filter(Boolean));
    });
    this.log = log;
    await client.connect(withProtocolVersion(bridge));
    return `${client.getServerVersion()?.name} ${bridge.negotiated} via ${kind === 'sse' ? 'sse-only' : 'http-only'}`;
  },
  listTools: async () => (await client.listTools()).tools,
  callTool: (name, args) => client.callTool({ name, arguments: args }),
  close: () => client.close(),
  info() {
    const warnings = (this.log ?? []).filter((line) => /warn|error|deprecat/i.test(line));
    return warnings.length ? { bridge_warnings: warnings.slice(0, 5) } : {};
  },
});

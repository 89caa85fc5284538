// The client-matrix scenario (scenario.mjs) with the official TypeScript SDK 1.x
// (npm @modelcontextprotocol/sdk): Client with its stdio, SSE and streamable HTTP transports.
//
//   node sdk-v1.mjs --transport stdio --bin INVOICER --db FILE
//   node sdk-v1.mjs --transport sse|http --url http://127.0.0.1:PORT

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { main, option, packageVersion, serverEnv, withProtocolVersion } from './scenario.mjs';

const version = packageVersion('@modelcontextprotocol/sdk');

function transport(kind) {
  if (kind === 'stdio') {
    return new StdioClientTransport({
      command: option('bin'),
      args: ['--db', option('db'), 'serve', '--stdio'],
      env: serverEnv(),
      stderr: 'inherit',
    });
  }
  if (kind === 'sse') {
    return new SSEClientTransport(new URL(`${option('url')}/sse`));
  }
  return new StreamableHTTPClientTransport(new URL(`${option('url')}/mcp`));
}

const client = new Client({ name: 'invoicer-client-matrix', version: '1.0.0' });
await main('TypeScript SDK 1.x', version, {
  async connect() {
    const connected = withProtocolVersion(transport(option('transport')));
    await client.connect(connected);
    return `${client.getServerVersion()?.name} ${connected.negotiated}`;
  },
  listTools: async () => (await client.listTools()).tools,
  callTool: (name, args) => client.callTool({ name, arguments: args }),
  close: () => client.close(),
});

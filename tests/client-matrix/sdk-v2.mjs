// The client-matrix scenario (scenario.mjs) with the official TypeScript SDK 2.x
// (npm @modelcontextprotocol/client): Client with its stdio, SSE and streamable HTTP transports,
// in the SDK's default version negotiation (the `initialize` handshake).
//
//   node sdk-v2.mjs --transport stdio --bin INVOICER --db FILE
//   node sdk-v2.mjs --transport sse|http --url http://127.0.0.1:PORT

import { Client, SSEClientTransport, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { main, option, packageVersion, serverEnv } from './scenario.mjs';

const version = packageVersion('@modelcontextprotocol/client');

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
await main('TypeScript SDK 2.x', version, {
  async connect() {
    await client.connect(transport(option('transport')));
    return `${client.getServerVersion()?.name} ${client.getNegotiatedProtocolVersion() ?? ''}`.trim();
  },
  listTools: async () => (await client.listTools()).tools,
  callTool: (name, args) => client.callTool({ name, arguments: args }),
  close: () => client.close(),
});

// The client-matrix scenario (scenario.mjs) with the MCP Inspector's CLI mode (npm
// @modelcontextprotocol/inspector, `mcp-inspector --cli`). Every step is one CLI process that
// connects, initializes, makes its one request and exits, so the steps of a run share a file
// database: the HTTP server's, or on stdio the --db that every spawned server is given.
// Arguments go as --tool-arg key=<JSON value>, one per top-level field.
//
//   node inspector.mjs --transport stdio --bin INVOICER --db FILE
//   node inspector.mjs --transport sse|http --url http://127.0.0.1:PORT

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { main, option, packageVersion, serverEnv } from './scenario.mjs';

const version = packageVersion('@modelcontextprotocol/inspector');
const launcher = fileURLToPath(
  new URL('./node_modules/@modelcontextprotocol/inspector/clients/launcher/build/index.js', import.meta.url),
);
const kind = option('transport');

/** The target arguments: a URL with its transport, or the server command for stdio. */
function target() {
  if (kind === 'stdio') {
    const env = Object.entries(serverEnv()).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
    return [...env, '--transport', 'stdio', '--', option('bin'), '--db', option('db'), 'serve', '--stdio'];
  }
  const url = kind === 'sse' ? `${option('url')}/sse` : `${option('url')}/mcp`;
  return ['--transport', kind, '--server-url', url];
}

const calls = [];

/** One CLI run; its parsed {result} or {error} document. */
function cli(args) {
  const run = spawnSync(process.execPath, [launcher, '--cli', '--format', 'json', ...args, ...target()], {
    encoding: 'utf8',
    timeout: 30_000,
    env: process.env,
  });
  calls.push(run.status);
  if (run.stderr) {
    process.stderr.write(run.stderr);
  }
  const line = run.stdout.trim().split('\n').filter((l) => l.startsWith('{')).pop();
  if (!line) {
    throw new Error(`inspector exited ${run.status ?? run.signal}: ${run.stderr.trim().slice(-300)}`);
  }
  return { status: run.status, stderr: run.stderr, ...JSON.parse(line) };
}

const warnings = [];
await main('MCP Inspector CLI', version, {
  connect: () => 'per call',
  listTools() {
    const out = cli(['--method', 'tools/list']);
    // The CLI's one-line schema portability summary is worth keeping.
    warnings.push(...out.stderr.split('\n').filter((l) => /portability|warn/i.test(l)).map((l) => l.trim()));
    if (!out.result) {
      throw new Error(`tools/list: ${JSON.stringify(out.error)}`);
    }
    return out.result.tools;
  },
  callTool(name, args) {
    const pairs = Object.entries(args).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
    const out = cli(['--method', 'tools/call', '--tool-name', name, '--tool-arg', ...pairs]);
    if (!out.result) {
      throw new Error(`${name}: ${JSON.stringify(out.error)}`);
    }
    // Exit status 5 means "the tool returned isError": the result is printed all the same.
    if (out.result.isError !== (out.status === 5)) {
      throw new Error(`${name}: exit status ${out.status} with isError ${out.result.isError}`);
    }
    return out.result;
  },
  close() {},
  info: () => ({ cli_exit_codes: calls, ...(warnings.length ? { cli_notes: [...new Set(warnings)] } : {}) }),
});

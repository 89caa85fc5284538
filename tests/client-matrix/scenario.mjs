// The client-matrix scenario for the Node clients (sdk-v1.mjs, sdk-v2.mjs, mcp-remote.mjs,
// inspector.mjs); scenario.py is the same for the Python SDKs. Each client script supplies an
// adapter { connect(), listTools(), callTool(name, args), close() } and calls main(); main runs
// the steps of scenario.json and prints one JSON line:
//
//   {"client","version","transport","ok","steps":{step: outcome},"error","warnings":[...]}
//
// and exits 0 when every step behaved as expected, 1 otherwise.

import { readFileSync } from 'node:fs';

export const SCENARIO = JSON.parse(readFileSync(new URL('./scenario.json', import.meta.url), 'utf8'));

/** The installed version of npm package `name` (the scripts run beside node_modules). */
export function packageVersion(name) {
  const file = new URL(`./node_modules/${name}/package.json`, import.meta.url);
  return JSON.parse(readFileSync(file, 'utf8')).version;
}

/** `--name value` from the command line. */
export function option(name) {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? process.argv[at + 1] : undefined;
}

/** The environment of a server the client starts on stdio. */
export function serverEnv() {
  return {
    PATH: process.env.PATH ?? '',
    INVOICER_LOG: 'warn',
    INVOICER_NOW: process.env.INVOICER_NOW ?? '',
  };
}

/**
 * `transport` noting the protocol version the SDK 1.x client negotiated as `negotiated` (the
 * client hands it to every transport that takes it, and has no getter of its own).
 */
export function withProtocolVersion(transport) {
  const set = transport.setProtocolVersion?.bind(transport);
  transport.negotiated = '?';
  transport.setProtocolVersion = (version) => {
    transport.negotiated = version;
    set?.(version);
  };
  return transport;
}

class Failed extends Error {}

function expect(condition, what) {
  if (!condition) {
    throw new Failed(what);
  }
}

function texts(result) {
  return (result.content ?? []).filter((c) => c.type === 'text').map((c) => c.text);
}

/** The data of a successful tool result: structuredContent, else the JSON text block. */
function data(name, result) {
  expect(result, `${name}: no result`);
  if (result.isError === true) {
    const text = texts(result).join(' ');
    let body;
    try {
      body = JSON.parse(text);
    } catch {
      throw new Failed(`tool error ${text.slice(0, 120)}`);
    }
    throw new Failed(`tool error ${body.code} ${body.field ?? ''}: ${body.message}`);
  }
  if (result.structuredContent) {
    return result.structuredContent;
  }
  const json = texts(result).find((t) => t.trimStart().startsWith('{'));
  expect(json, `${name}: neither structuredContent nor a JSON text block`);
  return JSON.parse(json);
}

/** The {code, message, field} body of a tool error. */
function errorBody(name, result) {
  expect(result.isError === true, `${name} should have failed, got ${JSON.stringify(result).slice(0, 200)}`);
  const text = texts(result);
  expect(text.length === 1, `${name}: expected one text block, got ${text.length}`);
  let body;
  try {
    body = JSON.parse(text[0]);
  } catch {
    throw new Failed(`${name}: error text is not JSON: ${text[0].slice(0, 120)}`);
  }
  return body;
}

async function runScenario(client, out) {
  const { expect: want } = SCENARIO;
  const step = async (name, fn) => {
    out.failed_step = name;
    out.steps[name] = await fn();
  };

  await step('initialize', async () => (await client.connect()) ?? 'ok');
  await step('tools/list', async () => {
    const tools = await client.listTools();
    expect(tools.length === SCENARIO.tool_count, `expected ${SCENARIO.tool_count} tools, got ${tools.length}`);
    return tools.length;
  });
  await step('set_seller_profile', async () => {
    const seller = data('set_seller_profile', await client.callTool('set_seller_profile', SCENARIO.seller));
    expect(seller.party?.name === SCENARIO.seller.party.name, `seller ${JSON.stringify(seller.party)}`);
    return 'ok';
  });
  let id;
  await step('create_invoice_draft', async () => {
    const doc = data('create_invoice_draft', await client.callTool('create_invoice_draft', SCENARIO.draft));
    expect(doc.status === 'draft' && doc.id !== undefined, `draft ${JSON.stringify(doc).slice(0, 200)}`);
    id = doc.id;
    return `id ${id}`;
  });
  await step('finalize_invoice', async () => {
    const doc = data('finalize_invoice', await client.callTool('finalize_invoice', { id }));
    expect(doc.number === want.number && doc.status === want.status,
      `expected ${want.number} ${want.status}, got ${doc.number} ${doc.status}`);
    return `${doc.number} ${doc.status}`;
  });
  await step('error call', async () => {
    const bad = structuredClone(SCENARIO.draft);
    bad.lines[0].quantity = SCENARIO.bad_quantity;
    const body = errorBody('create_invoice_draft', await client.callTool('create_invoice_draft', bad));
    expect(body.code === want.error_code && body.field === want.error_field,
      `expected ${want.error_code} ${want.error_field}, got ${body.code} ${body.field}`);
    return `${body.code} ${body.field}`;
  });
  delete out.failed_step;
}

/** Run the scenario with `client` and print the outcome line; never returns. */
export async function main(name, version, client) {
  const out = { client: name, version, transport: option('transport'), ok: false, steps: {}, warnings: [] };
  // What the client library prints as warnings or errors is part of the outcome.
  for (const level of ['warn', 'error']) {
    console[level] = (...args) => out.warnings.push(args.map(String).join(' ').slice(0, 300));
  }
  const deadline = setTimeout(() => {
    out.error = `${out.failed_step}: no answer within 60 s`;
    process.stdout.write(`${JSON.stringify(out)}\n`);
    process.exit(1);
  }, 60_000);
  try {
    await runScenario(client, out);
    out.ok = true;
  } catch (e) {
    const why = e instanceof Failed ? e.message : `${e?.name ?? 'Error'}: ${e?.message ?? e}`;
    out.error = `${out.failed_step}: ${why.replace(/\s+/g, ' ').slice(0, 300)}`;
  }
  try {
    await Promise.race([client.close(), new Promise((_, fail) => setTimeout(() => fail(new Error('timed out')), 5000))]);
  } catch (e) {
    out.warnings.push(`close: ${e}`);
  }
  clearTimeout(deadline);
  Object.assign(out, client.info?.() ?? {});
  process.stdout.write(`${JSON.stringify(out)}\n`);
  process.exit(out.ok ? 0 : 1);
}

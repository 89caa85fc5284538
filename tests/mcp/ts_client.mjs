// MCP client for invoicer's integration tests, built on the official TypeScript SDK 1.x (npm
// `@modelcontextprotocol/sdk`, the SDK most desktop and IDE clients, n8n and the Inspector are
// built on). The Rust tests (tests/mcp.rs) start the real binary and run one case of this
// script; it prints one JSON document on stdout. A failed expectation exits non-zero.
//
//   node ts_client.mjs scenario --transport stdio|sse|http (--url URL | --bin B --db F)
//   node ts_client.mjs surface --bin B --db F
//
// The SDK checks every structuredContent against the tool's output schema (and throws when it
// does not match), so `scenario` passing means every result it saw matched its schema, and
// the errors reached the caller as results with isError. Warnings the SDK prints (e.g. for
// schema formats its validator does not know) are counted.

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

const warnings = [];
for (const level of ['warn', 'error']) {
  const original = console[level];
  console[level] = (...args) => {
    warnings.push(args.map(String).join(' '));
    original.apply(console, args);
  };
}

function option(name) {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? process.argv[at + 1] : undefined;
}

function expect(condition, what) {
  if (!condition) {
    throw new Error(what);
  }
}

function transportFor(kind) {
  if (kind === 'stdio') {
    return new StdioClientTransport({
      command: option('bin'),
      args: ['--db', option('db'), 'serve', '--stdio'],
      env: { PATH: process.env.PATH ?? '', INVOICER_LOG: 'warn', INVOICER_NOW: process.env.INVOICER_NOW ?? '' },
      stderr: 'ignore',
    });
  }
  const url = option('url');
  if (kind === 'sse') {
    return new SSEClientTransport(new URL(`${url}/sse`));
  }
  return new StreamableHTTPClientTransport(new URL(`${url}/mcp`));
}

async function connect(kind) {
  const client = new Client({ name: 'invoicer-ts-test', version: '1.0.0' });
  await client.connect(transportFor(kind));
  return client;
}

/** A tool call that must succeed: its structured content. */
async function call(client, name, args) {
  const result = await client.callTool({ name, arguments: args });
  expect(!result.isError, `${name} failed: ${JSON.stringify(result.content)}`);
  expect(result.structuredContent, `${name} returned no structuredContent`);
  return result.structuredContent;
}

/** A tool call that must fail with a tool error: its {code, message, field} body. */
async function callError(client, name, args) {
  const result = await client.callTool({ name, arguments: args });
  expect(result.isError === true, `${name} should have failed`);
  const text = result.content.filter((c) => c.type === 'text');
  expect(text.length === 1, `${name}: error content ${JSON.stringify(result.content)}`);
  return JSON.parse(text[0].text);
}

const SELLER = {
  party: {
    name: 'Muster Consulting', address_lines: ['Lindenweg 3'], postcode: '10115', city: 'Berlin',
    country_code: 'DE', vat_id: 'DE811234567',
  },
  payment: { iban: 'DE89 3704 0044 0532 0130 00', bic: 'COBADEFFXXX' },
  language: 'de',
  payment_days: 30,
};

const DRAFT = {
  issue_date: '2026-11-21',
  buyer: { name: 'Kunde GmbH', address_lines: ['Hauptstr. 1'], postcode: '80331', city: 'München', country_code: 'DE' },
  lines: [{ description: 'Beratung', quantity: '10', unit_code: 'HUR', unit_price: '1000.00', vat_rate: '19' }],
};

async function scenario() {
  const client = await connect(option('transport'));
  const out = {};
  try {
    const { tools } = await client.listTools();
    out.tools = tools.length;
    out.protocol = client.getServerVersion() ? 'initialized' : 'none';
    await call(client, 'set_seller_profile', SELLER);
    const draft = await call(client, 'create_invoice_draft', DRAFT);
    out.draft = { status: draft.status, total_gross: draft.total_gross };
    const finalized = await call(client, 'finalize_invoice', { id: draft.id });
    out.finalized = { number: finalized.number, status: finalized.status, pdf: finalized.archive.pdf };
    const paid = await call(client, 'record_payment', { id: finalized.number, date: '2026-11-25' });
    out.paid = { status: paid.status, amount_due: paid.amount_due };
    const got = await call(client, 'get_invoice', { id: finalized.number });
    out.got = { number: got.number, lines: got.lines.length };
    const listed = await call(client, 'list_invoices', { status: 'paid', limit: 10 });
    out.listed = listed.items.map((item) => item.number);
    const pdf = await call(client, 'render_invoice_pdf', { id: finalized.number });
    out.pdf_pages = pdf.pages;
    // With a progress callback the SDK sends a progress token, and a render that takes a
    // while (a draft of 200 lines, several pages) reports when it starts.
    const long = await call(client, 'create_invoice_draft', { ...DRAFT, lines: Array(200).fill(DRAFT.lines[0]) });
    const steps = [];
    const rendered = await client.callTool(
      { name: 'render_invoice_pdf', arguments: { id: long.id } },
      undefined,
      { onprogress: (step) => steps.push([step.progress, step.total]) },
    );
    expect(!rendered.isError, `render failed: ${JSON.stringify(rendered.content)}`);
    out.progress = steps;
    await call(client, 'delete_invoice_draft', { id: long.id });
    await call(client, 'get_invoice_history', { id: finalized.number });

    // Every other tool once, so each output schema meets a real result (the SDK checks them).
    const customer = await call(client, 'upsert_customer', DRAFT.buyer);
    const customers = await call(client, 'list_customers', {});
    const second = await call(client, 'create_invoice_draft', { ...DRAFT, buyer: undefined, customer_id: customer.id });
    const updated = await call(client, 'update_invoice_draft', { id: second.id, patch: { notes: 'Danke' } });
    const deleted = await call(client, 'delete_invoice_draft', { id: second.id, reason: 'duplicate' });
    const third = await call(client, 'create_invoice_draft', DRAFT);
    const issued = await call(client, 'finalize_invoice', { id: third.id });
    const writtenOff = await call(client, 'mark_invoice_uncollectible', { id: issued.id, reason: 'insolvent' });
    const voided = await call(client, 'void_invoice', { id: issued.id, reason: 'written off' });
    const credit = await call(client, 'create_credit_note', { invoice: finalized.number, lines: [{ position: 1, quantity: '1' }], reason: 'one hour less' });
    const creditIssued = await call(client, 'finalize_invoice', { id: credit.id });
    const creditNote = await call(client, 'get_invoice', { id: credit.id });
    const exported = await call(client, 'export_einvoice', { id: finalized.number, format: 'facturx-xml' });
    out.others = {
      customers: customers.customers.length,
      updated: updated.status,
      deleted: deleted.deleted,
      uncollectible: writtenOff.status,
      voided: voided.status,
      credit_note: [creditIssued.number, creditNote.kind, creditNote.corrects.number],
      exported: exported.mime_type,
    };
    await call(client, 'preview_next_number', {});
    await call(client, 'get_invoice_template', { language: 'en' });
    await call(client, 'list_customers', {});
    await call(client, 'get_seller_profile', {});

    // Errors reach the caller as results it can read, on every tool kind.
    const bad = structuredClone(DRAFT);
    bad.lines[0].quantity = 'zehn';
    out.bad_quantity = await callError(client, 'create_invoice_draft', bad);
    out.not_found = await callError(client, 'get_invoice', { id: 99999 });
    out.void_paid = await callError(client, 'void_invoice', { id: finalized.number });
    out.bad_limit = await callError(client, 'list_invoices', { limit: 0 });
  } finally {
    await client.close();
  }
  out.warnings = warnings;
  return out;
}

async function surface() {
  const { encode } = await import('gpt-tokenizer/encoding/o200k_base');
  const client = await connect('stdio');
  try {
    const { tools } = await client.listTools();
    const perTool = {};
    let tokens = 0;
    for (const tool of tools) {
      // What a model is given: name, description and input schema.
      const facing = JSON.stringify({ name: tool.name, description: tool.description, inputSchema: tool.inputSchema });
      const count = encode(facing).length;
      perTool[tool.name] = { tokens: count, bytes: Buffer.byteLength(JSON.stringify(tool)) };
      tokens += count;
    }
    return {
      tools: tools.length,
      list_bytes: Buffer.byteLength(JSON.stringify({ tools })),
      model_facing_tokens: tokens,
      per_tool: perTool,
      warnings,
    };
  } finally {
    await client.close();
  }
}

const cases = { scenario, surface };
const run = cases[process.argv[2]];
if (!run) {
  console.error(`unknown case ${process.argv[2]}; one of ${Object.keys(cases).join(', ')}`);
  process.exit(2);
}
try {
  process.stdout.write(`${JSON.stringify(await run())}\n`);
  process.exit(0);
} catch (error) {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
}

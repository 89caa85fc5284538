"""MCP client for invoicer's integration tests, built on the official Python SDK (PyPI `mcp`).

The Rust tests (tests/mcp.rs) start the real `invoicer` binary and run one case of this script
against it; the case prints one JSON document on stdout, which the Rust side checks and compares
across transports. A failed expectation exits non-zero with the reason on stderr.

    client.py scenario    --transport stdio|sse|http|http-modern (--url URL | --bin B --db F)
    client.py auth        --url BASE --token T
    client.py oauth-scopes --url BASE --token ACCESS_TOKEN
    client.py oauth-builtin --url BASE --password P [--scope S]
    client.py read-only   --url BASE --id N
    client.py concurrency --url BASE --bin B --db F --clients N
    client.py limits      --url BASE
    client.py shutdown    --url BASE --pid P --id N
    client.py malformed   --url BASE
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import json
import os
import signal
import sys
import time
from contextlib import asynccontextmanager
from typing import Any

import httpx2
from mcp import Client, StdioServerParameters
from mcp.client.sse import sse_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client
from mcp.shared.exceptions import MCPError

SELLER = {
    "party": {
        "name": "Muster Consulting",
        "address_lines": ["Lindenweg 3"],
        "postcode": "10115",
        "city": "Berlin",
        "country_code": "DE",
        "vat_id": "DE811234567",
    },
    "payment": {"iban": "DE89 3704 0044 0532 0130 00", "bic": "COBADEFFXXX"},
    "language": "de",
    "payment_days": 30,
}

CUSTOMER = {
    "name": "Kunde GmbH",
    "address_lines": ["Hauptstr. 1"],
    "postcode": "80331",
    "city": "München",
    "country_code": "DE",
    "vat_id": "DE123456789",
}


def draft(customer_id: int | None = None, price: str = "1000.00") -> dict[str, Any]:
    payload: dict[str, Any] = {
        "issue_date": "2026-11-21",
        "lines": [
            {"description": "Beratung", "quantity": "10", "unit_code": "HUR",
             "unit_price": price, "vat_rate": "19"},
            {"description": "Fachbuch", "quantity": "2", "unit_price": "24.50", "vat_rate": "7"},
        ],
    }
    if customer_id is None:
        payload["buyer"] = CUSTOMER
    else:
        payload["customer_id"] = customer_id
    return payload


class Failed(Exception):
    pass


def expect(condition: bool, what: str) -> None:
    if not condition:
        raise Failed(what)


def connect(args: argparse.Namespace, transport: str, token: str | None = None) -> Client:
    """A client on `transport`: stdio launches the binary, the others reach --url."""
    headers = {"Authorization": f"Bearer {token}"} if token else None
    if transport == "stdio":
        params = StdioServerParameters(
            command=args.bin, args=["--db", args.db, "serve", "--stdio"],
            env={"PATH": os.environ.get("PATH", ""), "INVOICER_LOG": "warn",
                 "INVOICER_NOW": os.environ.get("INVOICER_NOW", "")},
        )
        return Client(params, mode="legacy")
    if transport == "sse":
        return Client(sse_client(f"{args.url}/sse", headers=headers), mode="legacy")
    http = streamable_http_client(f"{args.url}/mcp", http_client=create_mcp_http_client(headers=headers))
    # "http" negotiates a session with initialize (protocol 2025-11-25); "http-modern" lets the
    # SDK discover the newest protocol (2026-07-28, no sessions).
    return Client(http, mode="legacy" if transport == "http" else "auto")


def has_null(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, dict):
        return any(has_null(v) for v in value.values())
    if isinstance(value, list):
        return any(has_null(v) for v in value)
    return False


async def call(client: Client, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    """Call a tool that must succeed; its structured content."""
    result = await client.call_tool(name, arguments)
    text = [c.text for c in result.content if getattr(c, "type", None) == "text"]
    expect(not result.is_error, f"{name} failed: {text}")
    expect(result.structured_content is not None, f"{name} returned no structuredContent")
    # One copy of the result: a one-line summary beside the structured content, not its JSON.
    expect(len(text) == 1 and not text[0].startswith("{"),
           f"{name}: expected one summary line beside structuredContent, got {text}")
    expect(not has_null(result.structured_content), f"{name}: nulls in {result.structured_content}")
    return result.structured_content


async def call_error(client: Client, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    """Call a tool that must fail with a tool error; its {code, message, field} body."""
    result = await client.call_tool(name, arguments)
    expect(result.is_error is True, f"{name} should have failed: {result.structured_content}")
    # The body is the one text block, never structuredContent (it would not match the tool's
    # output schema, and some clients then throw instead of showing the model the error).
    expect(result.structured_content is None, f"{name}: structuredContent on an error")
    text = [c.text for c in result.content if getattr(c, "type", None) == "text"]
    expect(len(text) == 1, f"{name}: error content {result.content}")
    body = json.loads(text[0])
    expect(isinstance(body, dict) and {"code", "message"} <= set(body) <= {"code", "message", "field"},
           f"{name}: error body {body}")
    body.setdefault("field", None)
    return body


def stable(document: dict[str, Any]) -> dict[str, Any]:
    """A document without the fields that differ between runs (times)."""
    return {k: v for k, v in document.items() if k not in ("created_at", "updated_at", "finalized_at")}


async def scenario(args: argparse.Namespace) -> dict[str, Any]:
    out: dict[str, Any] = {}
    async with connect(args, args.transport) as client:
        tools = (await client.list_tools()).tools
        out["tools"] = sorted(t.name for t in tools)
        for tool in tools:
            expect(tool.output_schema is not None and tool.output_schema.get("type") == "object",
                   f"{tool.name} has no object output schema")
            expect(tool.input_schema.get("type") == "object", f"{tool.name} input schema")
            expect(bool(tool.description), f"{tool.name} has no description")
        create = next(t for t in tools if t.name == "create_invoice_draft")
        line_schema = json.dumps(create.input_schema)
        expect("ISO 8601" in line_schema or "YYYY-MM-DD" in json.dumps(create.description),
               "create_invoice_draft does not explain dates")
        out["template_de_buyer"] = (await call(client, "get_invoice_template", {"language": "de"}))["buyer"]["name"]

        profile_error = await call_error(client, "get_seller_profile", {})
        out["no_profile"] = profile_error["code"]
        await call(client, "set_seller_profile", SELLER)
        out["seller"] = (await call(client, "get_seller_profile", {}))["party"]["name"]
        customer = await call(client, "upsert_customer", CUSTOMER)
        out["customer_id"] = customer["id"]
        customers = await call(client, "list_customers", {"query": "Kunde"})
        out["customers"] = [c["name"] for c in customers["customers"]]

        doc = await call(client, "create_invoice_draft", draft(customer["id"]))
        out["draft"] = {k: doc.get(k) for k in ("id", "status", "number", "amount_due")}
        out["draft_totals"] = {k: doc[k] for k in ("total_net", "total_vat", "total_gross")}
        doc = await call(client, "update_invoice_draft", {"id": doc["id"], "patch": {"notes": "Danke!"}})
        out["notes"] = (await call(client, "get_invoice", {"id": doc["id"]}))["notes"]
        out["next_number"] = (await call(client, "preview_next_number", {"issue_date": "2026-11-21"}))["number"]
        doc = await call(client, "finalize_invoice", {"id": doc["id"]})
        number = doc["number"]
        out["finalized"] = {k: doc[k] for k in ("number", "status", "issue_date", "due_date", "amount_due")}
        doc = await call(client, "record_payment", {"id": number, "amount": "5000.00", "date": "2026-11-25"})
        out["after_part_payment"] = {k: doc[k] for k in ("status", "amount_paid", "amount_due")}
        doc = await call(client, "record_payment", {"id": doc["id"], "date": "2026-11-26", "method": "transfer"})
        out["after_payment"] = {k: doc[k] for k in ("status", "amount_paid", "amount_due")}

        result = await client.call_tool("render_invoice_pdf", {"id": number})
        expect(not result.is_error, f"render failed: {result.content}")
        info = result.structured_content
        blobs = [c.resource for c in result.content if getattr(c, "type", None) == "resource"]
        expect(len(blobs) == 1, "render_invoice_pdf returns one embedded resource")
        links = [c for c in result.content if getattr(c, "type", None) == "resource_link"]
        expect(len(links) == 1 and str(links[0].uri) == str(blobs[0].uri)
               and links[0].mime_type == "application/pdf",
               f"a resource link beside the embedded PDF: {links}")
        pdf = base64.b64decode(blobs[0].blob)
        expect(pdf.startswith(b"%PDF-"), "the resource is a PDF")
        expect(blobs[0].mime_type == "application/pdf", f"mime type {blobs[0].mime_type}")
        expect(hashlib.sha256(pdf).hexdigest() == info["sha256"], "sha256 matches the bytes")
        expect(info["size_bytes"] == len(pdf), "size matches")
        out["pdf"] = {"file_name": info["file_name"], "pages": info["pages"], "uri": str(blobs[0].uri),
                      "embedded": info["embedded"]}
        url = info.get("download_url")
        if args.transport == "stdio":
            expect(url is None, "no download URL over stdio")
        else:
            expect(url.startswith(f"{args.url}/invoices/{doc['id']}.pdf?expires=") and "&sig=" in url,
                   f"a signed download URL: {url}")
            async with httpx2.AsyncClient() as http:
                response = await http.get(url)
            expect(response.status_code == 200, f"download: {response.status_code}")
            expect(response.content == pdf, "the download is the same PDF")
            expect(response.headers["content-type"] == "application/pdf", "download content type")
        out["pdf_sha256"] = info["sha256"]

        exported = await client.call_tool("export_einvoice", {"id": number, "format": "facturx"})
        expect(not exported.is_error, f"export failed: {exported.content}")
        info = exported.structured_content
        blobs = [c.resource for c in exported.content if getattr(c, "type", None) == "resource"]
        expect(len(blobs) == 1 and blobs[0].mime_type == "application/pdf", "a Factur-X PDF")
        facturx_pdf = base64.b64decode(blobs[0].blob)
        expect(b"<fx:ConformanceLevel>EN 16931</fx:ConformanceLevel>" in facturx_pdf, "Factur-X XMP")
        expect(hashlib.sha256(facturx_pdf).hexdigest() == info["sha256"], "sha256 of the Factur-X PDF")
        if args.transport != "stdio":
            async with httpx2.AsyncClient() as http:
                response = await http.get(info["download_url"])
            expect(response.content == facturx_pdf, "the Factur-X download is the same PDF")
        out["einvoice"] = {k: info[k] for k in ("format", "file_name", "mime_type", "embedded")}
        refused = await call_error(client, "export_einvoice", {"id": number, "format": "xrechnung-cii"})
        out["xrechnung_refused"] = {k: refused[k] for k in ("code", "field")}
        read = await client.read_resource(f"invoice://{doc['id']}/einvoice/facturx-xml")
        out["einvoice_resource"] = [read.contents[0].mime_type, "<rsm:CrossIndustryInvoice" in read.contents[0].text]
        # The Factur-X PDF back in as a draft: nothing left unread, the same totals.
        imported = await call(client, "import_einvoice", {"base64": base64.b64encode(facturx_pdf).decode()})
        out["imported"] = {"kind": imported["kind"], "status": imported["status"],
                           "total_gross": imported["total_gross"], "syntax": imported["import"]["syntax"],
                           "unsupported": imported["import"]["unsupported"],
                           "differences": imported["import"]["differences"]}
        await call(client, "delete_invoice_draft", {"id": imported["id"], "reason": "import checked"})

        got = await call(client, "get_invoice", {"id": number})
        out["get_by_number"] = stable(got)
        listed = await call(client, "list_invoices", {"status": "paid"})
        out["listed_paid"] = [item["number"] for item in listed["items"]]
        history = await call(client, "get_invoice_history", {"id": number})
        out["history"] = [(e["verb"], e["source"]) for e in history["events"]]

        credit = await call(client, "create_credit_note", {"invoice": number, "lines": [{"position": 2, "quantity": "1"}], "reason": "Buch zurück"})
        out["credit_note"] = {k: credit[k] for k in ("kind", "status", "amount_due")}
        await call(client, "delete_invoice_draft", {"id": credit["id"], "reason": "doch nicht"})

        # Errors a model can correct: code, message and field.
        bad = await call_error(client, "void_invoice", {"id": number})
        out["void_paid"] = {k: bad[k] for k in ("code", "field")}
        bad_line = draft(customer["id"])
        bad_line["lines"][0]["quantity"] = "zehn"
        bad = await call_error(client, "create_invoice_draft", bad_line)
        out["bad_quantity"] = {k: bad[k] for k in ("code", "field")}
        bad = await call_error(client, "create_invoice_draft", {**draft(customer["id"]), "colour": "red"})
        out["unknown_field"] = {k: bad[k] for k in ("code", "field")}
        bad = await call_error(client, "get_invoice", {"id": 99999})
        out["unknown_id"] = bad["code"]
        bad = await call_error(client, "record_payment", {"id": number, "amount": "1.00"})
        out["overpay"] = bad["code"]
        try:
            await client.call_tool("no_such_tool", {})
            raise Failed("an unknown tool must be a protocol error")
        except MCPError as e:
            out["unknown_tool"] = e.code

        templates = await client.list_resource_templates()
        out["resource_templates"] = sorted(t.uri_template for t in templates.resource_templates)
        listed = await client.list_resources()
        out["resources"] = sorted(str(r.uri) for r in listed.resources)
        read = await client.read_resource(f"invoice://{doc['id']}")
        out["resource_json_number"] = json.loads(read.contents[0].text)["number"]
        read = await client.read_resource(f"invoice://{number}/pdf")
        expect(base64.b64decode(read.contents[0].blob) == pdf, "the PDF resource is the same PDF")
        out["resource_pdf_mime"] = read.contents[0].mime_type
        try:
            await client.read_resource("invoice://4242")
            raise Failed("reading a missing document must fail")
        except MCPError as e:
            out["missing_resource"] = "error"
    return out


async def auth(args: argparse.Namespace) -> dict[str, Any]:
    out: dict[str, Any] = {}
    async with httpx2.AsyncClient() as http:
        out["health_without_token"] = (await http.get(f"{args.url}/health")).status_code
        body = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
        mcp_headers = {"Accept": "application/json, text/event-stream"}
        out["mcp_without_token"] = (await http.post(f"{args.url}/mcp", json=body, headers=mcp_headers)).status_code
        wrong = {**mcp_headers, "Authorization": "Bearer wrong-token-wrong-token"}
        out["mcp_wrong_token"] = (await http.post(f"{args.url}/mcp", json=body, headers=wrong)).status_code
        out["sse_without_token"] = (await http.get(f"{args.url}/sse")).status_code
        out["pdf_without_token"] = (await http.get(f"{args.url}/invoices/1.pdf")).status_code
        good = {"Authorization": f"Bearer {args.token}"}
        out["bad_host"] = (await http.get(f"{args.url}/invoices/1.pdf", headers={**good, "Host": "evil.example"})).status_code
        out["bad_origin"] = (await http.get(f"{args.url}/invoices/1.pdf", headers={**good, "Origin": "https://evil.example"})).status_code
        out["good_origin"] = (await http.get(f"{args.url}/invoices/1.pdf", headers={**good, "Origin": "http://localhost:6274"})).status_code
        response = await http.get(f"{args.url}/invoices/1.pdf", headers={**good, "Host": "evil.example"})
        expect(args.token not in response.text, "the token is never echoed")
    for transport in ("http", "sse"):
        try:
            async with connect(args, transport) as client:
                await client.list_tools()
            raise Failed(f"{transport} without a token must be refused")
        except Failed:
            raise
        except BaseException:
            out[f"{transport}_client_without_token"] = "refused"
        async with connect(args, transport, token=args.token) as client:
            out[f"{transport}_tools_with_token"] = len((await client.list_tools()).tools)
    return out


async def read_only(args: argparse.Namespace) -> dict[str, Any]:
    out: dict[str, Any] = {}
    async with connect(args, "http") as client:
        out["tools"] = sorted(t.name for t in (await client.list_tools()).tools)
        refused = await call_error(client, "create_invoice_draft", draft())
        out["create"] = refused["code"]
        refused = await call_error(client, "record_payment", {"id": args.id})
        out["pay"] = refused["code"]
        out["get"] = (await call(client, "get_invoice", {"id": args.id}))["status"]
        out["render_pages"] = (await call(client, "render_invoice_pdf", {"id": args.id}))["pages"]
    return out


async def concurrency(args: argparse.Namespace) -> dict[str, Any]:
    """N clients at once over all three transports, each creating and finalizing one invoice."""
    transports = ["http", "sse", "stdio", "http-modern"]

    async def one(i: int) -> tuple[str, str]:
        transport = transports[i % len(transports)]
        async with connect(args, transport) as client:
            doc = await call(client, "create_invoice_draft", draft(price=f"{100 + i}.00"))
            doc = await call(client, "finalize_invoice", {"id": doc["id"]})
            return transport, doc["number"]

    results = await asyncio.gather(*(one(i) for i in range(args.clients)))
    return {"numbers": sorted(number for _, number in results),
            "per_transport": {t: sum(1 for r, _ in results if r == t) for t in transports}}


async def limits(args: argparse.Namespace) -> dict[str, Any]:
    """Run against a server with --max-sessions-per-ip 2 and --init-timeout-secs 1."""
    out: dict[str, Any] = {}
    async with httpx2.AsyncClient(timeout=10) as http:
        async with http.stream("GET", f"{args.url}/sse") as first:
            lines = first.aiter_lines()
            expect(await anext(lines) == "event: endpoint", "the first SSE event is endpoint")
            data = await anext(lines)
            expect(data.startswith("data: /message?sessionId="), f"endpoint data {data}")
            async with http.stream("GET", f"{args.url}/sse") as second:
                expect(second.status_code == 200, "second session opens")
                third = await http.get(f"{args.url}/sse")
                out["third_session"] = third.status_code
                health = (await http.get(f"{args.url}/health")).json()
                out["open_sse_sessions"] = health["sessions"]["sse"]
            # The first one never initializes: the server closes it after the init timeout.
            started = time.monotonic()
            async for _ in lines:
                pass
            out["closed_uninitialized_after_s"] = round(time.monotonic() - started, 1)
        out["open_after_close"] = (await http.get(f"{args.url}/health")).json()["sessions"]["sse"]
        big = "x" * (5 * 1024 * 1024)
        try:
            response = await http.post(f"{args.url}/mcp", content=big,
                                       headers={"Content-Type": "application/json",
                                                "Accept": "application/json, text/event-stream"})
            out["huge_body"] = response.status_code
        except (httpx2.ReadError, httpx2.WriteError, httpx2.RemoteProtocolError):
            # The server answered 413 and closed while the client was still sending: the
            # reset can reach the client before the answer does.
            out["huge_body"] = "reset"
    # On a new connection: the one the huge body came on may be closed by the server after
    # its 413 while the pool still holds it.
    async with httpx2.AsyncClient(timeout=10) as fresh:
        out["health_after_huge_body"] = (await fresh.get(f"{args.url}/health")).status_code
    return out


async def shutdown(args: argparse.Namespace) -> dict[str, Any]:
    """SIGTERM while slow renders (a 1000-line draft, four at once) run: they still complete."""
    results: list[Any] = []
    try:
        # Stateless streamable HTTP: four plain POSTs, no session stream that would try to
        # reconnect to the stopping server.
        async with connect(args, "http-modern") as client:
            # The SDK lists tools to validate results; do it now, not after SIGTERM.
            await client.list_tools()
            tasks = [asyncio.create_task(client.call_tool("render_invoice_pdf", {"id": args.id}))
                     for _ in range(4)]
            async with httpx2.AsyncClient() as http:
                while (await http.get(f"{args.url}/health")).json()["tool_calls_in_flight"] < 4:
                    await asyncio.sleep(0.01)
            os.kill(args.pid, signal.SIGTERM)
            results = await asyncio.gather(*tasks)
    except BaseException:
        # Leaving the session (DELETE, the GET stream) fails once the server is gone; only the
        # answers to the calls made before SIGTERM matter.
        if len(results) != 4:
            raise
    for result in results:
        expect(not result.is_error, f"an in-flight render failed: {result.content}")
    info = results[0].structured_content
    links = [c for c in results[0].content if getattr(c, "type", None) == "resource_link"]
    expect(len(links) == 1 and str(links[0].uri) == f"invoice://{args.id}/pdf",
           "a PDF too large to embed is linked")
    return {"in_flight_pages": info["pages"], "embedded": info["embedded"],
            "completed": len(results)}


async def malformed(args: argparse.Namespace) -> dict[str, Any]:
    out: dict[str, Any] = {}
    headers = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
    async with httpx2.AsyncClient(timeout=10) as http:
        response = await http.post(f"{args.url}/mcp", content=b"{not json", headers=headers)
        out["http_not_json"] = response.status_code
        async with http.stream("GET", f"{args.url}/sse") as stream:
            lines = stream.aiter_lines()
            await anext(lines)
            endpoint = (await anext(lines)).removeprefix("data: ")
            response = await http.post(f"{args.url}{endpoint}", content=b"{not json", headers=headers)
            out["sse_not_json"] = [response.status_code, response.json()["error"]["code"]]
            response = await http.post(f"{args.url}{endpoint}", json={"hello": "world"}, headers=headers)
            out["sse_not_jsonrpc"] = [response.status_code, response.json()["error"]["code"]]
        response = await http.post(f"{args.url}/message?sessionId=nope", json={"jsonrpc": "2.0", "id": 1, "method": "ping"})
        out["sse_unknown_session"] = response.status_code
    return out


async def oauth_scopes(args: argparse.Namespace) -> dict[str, Any]:
    """With an OAuth access token (--token) over streamable HTTP and SSE: the tools it may see,
    a reading call, and the answer to a writing one."""
    out: dict[str, Any] = {}
    for transport in ("http", "sse"):
        async with connect(args, transport, token=args.token) as client:
            tools = sorted(t.name for t in (await client.list_tools()).tools)
            listed = await call(client, "list_invoices", {})
            refused = await call_error(client, "create_invoice_draft", draft())
            out[transport] = {"tools": tools, "listed": len(listed["items"]),
                              "write": {k: refused[k] for k in ("code", "message")}}
    return out


async def oauth_builtin(args: argparse.Namespace) -> dict[str, Any]:
    """The SDK's OAuth client against the built-in authorization server: discovery from the 401,
    dynamic registration, PKCE, the consent page answered over HTTP (a wrong password first,
    then --password), the token exchange, tool calls with the token, then the tokens it holds
    (for the Rust side to replay and revoke)."""
    import html
    import re
    from urllib.parse import parse_qs, urlparse

    from mcp.client.auth import OAuthClientProvider
    from mcp.shared.auth import AuthorizationCodeResult, OAuthClientMetadata

    class Memory:
        def __init__(self) -> None:
            self.tokens = None
            self.client = None

        async def get_tokens(self):  # noqa: ANN201
            return self.tokens

        async def set_tokens(self, tokens) -> None:  # noqa: ANN001
            self.tokens = tokens

        async def get_client_info(self):  # noqa: ANN201
            return self.client

        async def set_client_info(self, info) -> None:  # noqa: ANN001
            self.client = info

    out: dict[str, Any] = {}
    answer: dict[str, str | None] = {}

    async def redirect_handler(url: str) -> None:
        async with httpx2.AsyncClient() as http:
            page = await http.get(url)
            expect(page.status_code == 200, f"consent page: {page.status_code} {page.text[:300]}")
            expect("frame-ancestors 'none'" in page.headers.get("content-security-policy", ""),
                   "the consent page may not be framed")
            fields = {k: html.unescape(v) for k, v in
                      re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page.text)}
            out["consent_fields"] = sorted(fields)
            wrong = await http.post(f"{args.url}/oauth/authorize", data={**fields, "password": "not the password"})
            out["wrong_password"] = [wrong.status_code, "Wrong password." in wrong.text]
            forged = await http.post(f"{args.url}/oauth/authorize",
                                     data={**fields, "form_token": "1.AAAA", "password": args.password})
            out["forged_form"] = forged.status_code
            # The owner gives reading only when --scope asks for no more.
            access = "write" if "invoices:write" in args.scope.split() else "read"
            allowed = await http.post(f"{args.url}/oauth/authorize",
                                      data={**fields, "password": args.password, "access": access})
            expect(allowed.status_code == 303, f"consent: {allowed.status_code} {allowed.text[:300]}")
            query = parse_qs(urlparse(allowed.headers["location"]).query)
            answer["code"] = query["code"][0]
            answer["state"] = query.get("state", [None])[0]

    async def callback_handler() -> AuthorizationCodeResult:
        return AuthorizationCodeResult(code=answer["code"], state=answer["state"])

    storage = Memory()
    provider = OAuthClientProvider(
        server_url=f"{args.url}/mcp",
        client_metadata=OAuthClientMetadata(
            redirect_uris=["http://127.0.0.1:53682/callback"], client_name="Python SDK test",
            grant_types=["authorization_code", "refresh_token"], response_types=["code"],
            token_endpoint_auth_method="none", scope=args.scope),
        storage=storage, redirect_handler=redirect_handler, callback_handler=callback_handler)
    http = streamable_http_client(f"{args.url}/mcp", http_client=create_mcp_http_client(auth=provider))
    async with Client(http, mode="legacy") as client:
        out["tools"] = sorted(t.name for t in (await client.list_tools()).tools)
        listed = await call(client, "list_invoices", {})
        out["listed"] = len(listed["items"])
        if "invoices:write" in args.scope.split():
            created = await call(client, "create_invoice_draft", draft())
            out["created"] = created["status"]
        else:
            refused = await call_error(client, "create_invoice_draft", draft())
            out["write"] = refused["code"]
    out["client_id"] = storage.client.client_id
    out["access_token"] = storage.tokens.access_token
    out["refresh_token"] = storage.tokens.refresh_token
    out["scope"] = storage.tokens.scope
    return out


CASES = {"scenario": scenario, "auth": auth, "read-only": read_only, "concurrency": concurrency,
         "limits": limits, "shutdown": shutdown, "malformed": malformed, "oauth-scopes": oauth_scopes,
         "oauth-builtin": oauth_builtin}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("case", choices=sorted(CASES))
    parser.add_argument("--transport", default="http")
    parser.add_argument("--url")
    parser.add_argument("--bin")
    parser.add_argument("--db")
    parser.add_argument("--token")
    parser.add_argument("--password")
    parser.add_argument("--scope", default="invoices:read invoices:write")
    parser.add_argument("--id", type=int)
    parser.add_argument("--pid", type=int)
    parser.add_argument("--clients", type=int, default=50)
    args = parser.parse_args()
    try:
        out = asyncio.run(asyncio.wait_for(CASES[args.case](args), timeout=120))
    except Failed as e:
        print(f"FAILED: {e}", file=sys.stderr)
        sys.exit(1)
    print(json.dumps(out, ensure_ascii=False, sort_keys=True))


if __name__ == "__main__":
    main()

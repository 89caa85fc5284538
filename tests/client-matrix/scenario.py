"""The client-matrix scenario for the Python SDK clients (python-sdk-v1.py, python-sdk-v2.py).

The same steps as scenario.mjs, from scenario.json. A client script passes an async context
manager that connects (the `initialize` step) and yields an adapter with `list_tools()` and
`call_tool(name, args)`, the latter returning a dict {isError, content, structuredContent}.
`main` prints one JSON line

    {"client","version","transport","ok","steps":{step: outcome},"error","warnings":[...]}

and exits 0 when every step behaved as expected, 1 otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import json
import os
import sys
import warnings
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

SCENARIO = json.loads((Path(__file__).parent / "scenario.json").read_text(encoding="utf-8"))


class Failed(Exception):
    pass


def expect(condition: Any, what: str) -> None:
    if not condition:
        raise Failed(what)


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--transport", choices=["stdio", "sse", "http"], required=True)
    parser.add_argument("--url")
    parser.add_argument("--bin")
    parser.add_argument("--db")
    return parser.parse_args()


def server_env() -> dict[str, str]:
    """The environment of a server the client starts on stdio."""
    return {"PATH": os.environ.get("PATH", ""), "INVOICER_LOG": "warn",
            "INVOICER_NOW": os.environ.get("INVOICER_NOW", "")}


def _texts(result: dict[str, Any]) -> list[str]:
    return [c["text"] for c in result.get("content") or [] if c.get("type") == "text"]


def _data(name: str, result: dict[str, Any]) -> dict[str, Any]:
    """The data of a successful tool result: structuredContent, else the JSON text block."""
    if result.get("isError"):
        text = " ".join(_texts(result))
        try:
            body = json.loads(text)
        except ValueError:
            raise Failed(f"tool error {text[:120]}") from None
        raise Failed(f"tool error {body.get('code')} {body.get('field') or ''}: {body.get('message')}")
    if result.get("structuredContent"):
        return result["structuredContent"]
    block = next((t for t in _texts(result) if t.lstrip().startswith("{")), None)
    expect(block, f"{name}: neither structuredContent nor a JSON text block")
    return json.loads(block)


def _error_body(name: str, result: dict[str, Any]) -> dict[str, Any]:
    expect(result.get("isError") is True, f"{name} should have failed, got {json.dumps(result)[:200]}")
    text = _texts(result)
    expect(len(text) == 1, f"{name}: expected one text block, got {len(text)}")
    try:
        return json.loads(text[0])
    except ValueError:
        raise Failed(f"{name}: error text is not JSON: {text[0][:120]}") from None


async def _run(connect: Callable[[], AbstractAsyncContextManager[Any]], out: dict[str, Any]) -> None:
    want = SCENARIO["expect"]

    def done(step: str, outcome: Any) -> None:
        out["steps"][step] = outcome

    out["failed_step"] = "initialize"
    async with connect() as client:
        done("initialize", getattr(client, "info", "ok"))
        out["failed_step"] = "tools/list"
        tools = await client.list_tools()
        expect(len(tools) == SCENARIO["tool_count"], f"expected {SCENARIO['tool_count']} tools, got {len(tools)}")
        done("tools/list", len(tools))

        out["failed_step"] = "set_seller_profile"
        seller = _data("set_seller_profile", await client.call_tool("set_seller_profile", SCENARIO["seller"]))
        expect(seller.get("party", {}).get("name") == SCENARIO["seller"]["party"]["name"], f"seller {seller}")
        done("set_seller_profile", "ok")

        out["failed_step"] = "create_invoice_draft"
        doc = _data("create_invoice_draft", await client.call_tool("create_invoice_draft", SCENARIO["draft"]))
        expect(doc.get("status") == "draft" and "id" in doc, f"draft {json.dumps(doc)[:200]}")
        done("create_invoice_draft", f"id {doc['id']}")

        out["failed_step"] = "finalize_invoice"
        doc = _data("finalize_invoice", await client.call_tool("finalize_invoice", {"id": doc["id"]}))
        expect(doc.get("number") == want["number"] and doc.get("status") == want["status"],
               f"expected {want['number']} {want['status']}, got {doc.get('number')} {doc.get('status')}")
        done("finalize_invoice", f"{doc['number']} {doc['status']}")

        out["failed_step"] = "error call"
        bad = copy.deepcopy(SCENARIO["draft"])
        bad["lines"][0]["quantity"] = SCENARIO["bad_quantity"]
        body = _error_body("create_invoice_draft", await client.call_tool("create_invoice_draft", bad))
        expect(body.get("code") == want["error_code"] and body.get("field") == want["error_field"],
               f"expected {want['error_code']} {want['error_field']}, got {body.get('code')} {body.get('field')}")
        done("error call", f"{body['code']} {body['field']}")
        out["failed_step"] = "close"
    del out["failed_step"]


def _describe(error: BaseException) -> str:
    """One line for an exception, unwrapping the exception groups anyio raises."""
    while isinstance(error, BaseExceptionGroup) and error.exceptions:
        error = error.exceptions[0]
    if isinstance(error, Failed):
        return str(error)
    return f"{type(error).__name__}: {error}".splitlines()[0][:300]


def main(name: str, version: str, transport: str, connect: Callable[[], AbstractAsyncContextManager[Any]]) -> None:
    out: dict[str, Any] = {"client": name, "version": version, "transport": transport, "ok": False,
                           "steps": {}, "warnings": []}

    # Warnings the SDK raises (deprecations and the like) are part of the outcome.
    def record(message: Any, category: Any, filename: str, lineno: int, file: Any = None, line: Any = None) -> None:
        out["warnings"].append(f"{category.__name__}: {message}"[:300])

    warnings.simplefilter("always")
    warnings.showwarning = record

    try:
        asyncio.run(asyncio.wait_for(_run(connect, out), 60))
        out["ok"] = True
    except BaseException as error:  # noqa: BLE001 - every failure becomes the outcome line
        if isinstance(error, (TimeoutError, asyncio.TimeoutError)):
            out["error"] = f"{out.get('failed_step')}: no answer within 60 s"
        else:
            out["error"] = f"{out.get('failed_step')}: {_describe(error)}"
    sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
    sys.stdout.flush()
    os._exit(0 if out["ok"] else 1)

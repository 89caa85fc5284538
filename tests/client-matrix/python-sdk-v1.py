"""The client-matrix scenario (scenario.py) with the official Python SDK 1.x (PyPI `mcp` 1.x):
ClientSession over stdio_client, sse_client and streamable_http_client.

    python python-sdk-v1.py --transport stdio --bin INVOICER --db FILE
    python python-sdk-v1.py --transport sse|http --url http://127.0.0.1:PORT
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import version
from typing import Any

from mcp import ClientSession, StdioServerParameters
from mcp.client.sse import sse_client
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client

from scenario import arguments, main, server_env  # isort: skip (beside this script)


class Adapter:
    def __init__(self, session: ClientSession, info: str) -> None:
        self.session = session
        self.info = info

    async def list_tools(self) -> list[Any]:
        return (await self.session.list_tools()).tools

    async def call_tool(self, name: str, args: dict[str, Any]) -> dict[str, Any]:
        result = await self.session.call_tool(name, args)
        return result.model_dump(mode="json", by_alias=True)


def streams(args: Any):
    if args.transport == "stdio":
        params = StdioServerParameters(command=args.bin, args=["--db", args.db, "serve", "--stdio"], env=server_env())
        return stdio_client(params, errlog=sys.stderr)
    if args.transport == "sse":
        return sse_client(f"{args.url}/sse")
    return streamable_http_client(f"{args.url}/mcp")


@asynccontextmanager
async def connect() -> AsyncIterator[Adapter]:
    async with streams(ARGS) as (read, write, *_), ClientSession(read, write) as session:
        init = await session.initialize()
        yield Adapter(session, f"{init.serverInfo.name} {init.protocolVersion}")


ARGS = arguments()
main("Python SDK 1.x", version("mcp"), ARGS.transport, connect)

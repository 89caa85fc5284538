"""The client-matrix scenario (scenario.py) with the official Python SDK 2.x (PyPI `mcp` 2.x):
`mcp.Client` on a URL (streamable HTTP), on sse_client, and on StdioServerParameters, in the
SDK's default version negotiation (mode "auto": server/discover, else the initialize handshake).

    python python-sdk-v2.py --transport stdio --bin INVOICER --db FILE
    python python-sdk-v2.py --transport sse|http --url http://127.0.0.1:PORT
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import version
from typing import Any

from mcp import Client, StdioServerParameters
from mcp.client.sse import sse_client

from scenario import arguments, main, server_env  # isort: skip (beside this script)


class Adapter:
    def __init__(self, client: Client) -> None:
        self.client = client
        server = client.server_info.name if client.server_info else "?"
        self.info = f"{server} {client.protocol_version}"

    async def list_tools(self) -> list[Any]:
        return (await self.client.list_tools()).tools

    async def call_tool(self, name: str, args: dict[str, Any]) -> dict[str, Any]:
        result = await self.client.call_tool(name, args)
        return result.model_dump(mode="json", by_alias=True)


def target(args: Any) -> Any:
    if args.transport == "stdio":
        return StdioServerParameters(command=args.bin, args=["--db", args.db, "serve", "--stdio"], env=server_env())
    if args.transport == "sse":
        return sse_client(f"{args.url}/sse")
    return f"{args.url}/mcp"


@asynccontextmanager
async def connect() -> AsyncIterator[Adapter]:
    async with Client(target(ARGS)) as client:
        yield Adapter(client)


ARGS = arguments()
main("Python SDK 2.x", version("mcp"), ARGS.transport, connect)

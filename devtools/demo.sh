#!/usr/bin/env bash
# Run the demo: the development eID provider, the mail worker and Glas, stopped together.
set -euo pipefail
cd "$(dirname "$0")/.."
host=${HOST:-127.0.0.1}
port=${PORT:-5000}
oidc_port=${OIDC_PORT:-5001}
flask=(.venv/bin/flask --app wsgi)

pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

node devtools/eid-provider/server.mjs --host "$host" --port "$oidc_port" \
  --clients instance/eid-clients.json &
pids+=($!)
"${flask[@]}" worker &
pids+=($!)

.venv/bin/python devtools/personas.py "http://$host:$port" "http://$host:$oidc_port"
"${flask[@]}" run --host "$host" --port "$port"

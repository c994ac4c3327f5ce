#!/usr/bin/env bash
# The API against its own OpenAPI document (issue 19 §4): a fresh register
# is served, schemathesis sends it what the document allows and what it
# does not, with every check on, and a client generated from the document
# lists, creates and updates a person.
#
#   contract/schemathesis.sh [BINARY]     (default target/debug/rekisteri)
#
# Needs `schemathesis` and `openapi-python-client` (PyPI) on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-target/debug/rekisteri}
DATA=$(mktemp -d)
PORT=${PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
BASE="http://127.0.0.1:$PORT"
rk() { "$BIN" --data-dir "$DATA" "$@"; }

rk user add anna --role admin >/dev/null
rk user commitment anna --signed 2026-11-24 >/dev/null
TOKEN=$(rk token create anna)
"$BIN" --data-dir "$DATA" serve --bind "127.0.0.1:$PORT" >"$DATA/serve.log" 2>&1 &
SERVER=$!
CLIENT=$(mktemp -d)
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$DATA" "$CLIENT"' EXIT
for _ in $(seq 1 50); do
  if python3 -c "import urllib.request,sys; urllib.request.urlopen(sys.argv[1], timeout=1)" "$BASE/healthz" 2>/dev/null; then break; fi
  sleep 0.2
done

echo "== schemathesis: $BASE/api/v1/openapi.json (seed ${SEED:-1}, ${EXAMPLES:-20} examples)"
schemathesis --config-file contract/schemathesis.toml run "$BASE/api/v1/openapi.json" \
  --checks all \
  -H "Authorization: Bearer $TOKEN" \
  --max-examples "${EXAMPLES:-20}" \
  --seed "${SEED:-1}" \
  --workers 2

echo "== a generated client lists, creates and updates a person"
python3 -c "import urllib.request,sys; sys.stdout.buffer.write(urllib.request.urlopen(sys.argv[1]).read())" \
  "$BASE/api/v1/openapi.json" >"$CLIENT/openapi.json"
(cd "$CLIENT" && openapi-python-client generate --path openapi.json --meta none --output-path rekisteri_client >/dev/null)
PYTHONPATH="$CLIENT" python3 contract/client_check.py "$BASE" "$TOKEN"

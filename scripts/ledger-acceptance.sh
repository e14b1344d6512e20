#!/usr/bin/env bash
# Acceptance from outside: a client written only from the C2SP specs
# (scripts/c2sp-client/check_log.py) reads a running server's keys,
# checkpoint and tiles, recomputes the root, verifies the signature, and
# checks a later checkpoint is consistent with the earlier one.
# Usage: scripts/ledger-acceptance.sh PATH/TO/liuhen PYTHON
set -euo pipefail
bin=${1:?usage: ledger-acceptance.sh PATH/TO/liuhen PYTHON}
python=${2:?usage: ledger-acceptance.sh PATH/TO/liuhen PYTHON}
here=$(cd "$(dirname "$0")" && pwd)
data=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$bin" serve --demo --data "$data" --listen "127.0.0.1:$port" >"$data/out.log" 2>"$data/err.log" &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$data"' EXIT
base="http://127.0.0.1:$port"
for _ in $(seq 1 600); do curl -fsS "$base/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
token=$(curl -fsS -X POST "$base/api/v1/auth/login" -H 'content-type: application/json' \
  -d '{"login":"supervisor1","password":"liuhen-demo-supervisor1"}' | python3 -c 'import sys,json; print(json.load(sys.stdin)["token"])')
id=$(curl -fsS -H "Authorization: Bearer $token" "$base/api/v1/cases?limit=1" | python3 -c 'import sys,json; print(json.load(sys.stdin)["items"][0]["id"])')
grow() { # each read of a case is one ledger entry
  for _ in $(seq 1 "$1"); do curl -fsS -o /dev/null -H "Authorization: Bearer $token" "$base/api/v1/cases/$id"; done
}
grow 600              # past one full tile, so level-1 tiles exist
sleep 1
(sleep 1; grow 300) &
grower=$!
"$python" "$here/c2sp-client/check_log.py" --url "$base" --watch 4
wait $grower

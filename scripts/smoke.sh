#!/usr/bin/env bash
# Starts the real binary the way the README does (embedded defaults + demo
# data, here in a temporary folder and on a free port) and checks what a new
# user would: health, login, their cases, isolation between units, the
# OpenAPI document. Usage: scripts/smoke.sh PATH/TO/liuhen [OPENAPI_OUT]
set -euo pipefail
bin=${1:?usage: smoke.sh PATH/TO/liuhen [OPENAPI_OUT]}
openapi_out=${2:-}
data=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$bin" serve --demo --data "$data" --listen "127.0.0.1:$port" >"$data/out.log" 2>"$data/err.log" &
pid=$!
cleanup() { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$data"; }
trap cleanup EXIT
base="http://127.0.0.1:$port"
for _ in $(seq 1 600); do
  curl -fsS "$base/healthz" >/dev/null 2>&1 && break
  kill -0 "$pid" 2>/dev/null || { cat "$data/err.log" >&2; echo "smoke: server exited" >&2; exit 1; }
  sleep 0.1
done
passed=0 failed=0
check() { # name, command...
  if "${@:2}"; then passed=$((passed+1)); echo "ok   $1"; else failed=$((failed+1)); echo "FAIL $1"; fi
}
json() { python3 -c "import sys,json; d=json.load(sys.stdin); print($1)"; }
check "healthz answers 200" curl -fsS -o /dev/null "$base/healthz"
check "demo-logins.json lists every role" python3 - "$data/demo-logins.json" <<'PY'
import json, sys
logins = json.load(open(sys.argv[1]))
roles = {l["role"] for l in logins}
assert {"officer","leader","reviewer","archivist","supervisor","station","admin"} <= roles, roles
assert all(set(l) == {"login","password","role","unit"} for l in logins)
PY
login() {
  pw=$(python3 -c "import json,sys; print([l['password'] for l in json.load(open('$data/demo-logins.json')) if l['login']=='$1'][0])")
  curl -fsS -X POST "$base/api/v1/auth/login" -H 'content-type: application/json' \
    -d "{\"login\":\"$1\",\"password\":\"$pw\"}" | json 'd["token"]'
}
t1=$(login officer1)
t3=$(login officer3)
cases=$(curl -fsS -H "Authorization: Bearer $t1" "$base/api/v1/cases")
check "officer1 lists the cases of their unit" test "$(echo "$cases" | json 'd["total"]')" -gt 0
id=$(echo "$cases" | json 'd["items"][0]["id"]')
cause=$(echo "$cases" | json 'd["items"][0]["cause"]')
check "officer1 reads one" test "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $t1" "$base/api/v1/cases/$id")" = 200
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $t3" "$base/api/v1/cases/$id")
check "officer3 of another unit cannot read it ($code)" test "$code" = 404 -o "$code" = 403
other=$(curl -fsS -H "Authorization: Bearer $t3" "$base/api/v1/cases")
check "officer3's list does not show its title" bash -c "! grep -qF -- '$cause' <<<'$other'"
q=$(python3 -c "import urllib.parse,sys; print(urllib.parse.quote(sys.argv[1]))" "$cause")
found=$(curl -fsS -H "Authorization: Bearer $t3" "$base/api/v1/cases?q=$q")
check "officer3's search finds nothing" test "$(echo "$found" | json 'd["total"]')" = 0
check "a bearer token from the CLI works" bash -c "
  tok=\$('$bin' admin token create --data '$data' --login station1 --name smoke 2>/dev/null)
  test \"\$(curl -s -o /dev/null -w '%{http_code}' -H \"Authorization: Bearer \$tok\" '$base/api/v1/me')\" = 200"
check "metrics are Prometheus text" bash -c "curl -fsS '$base/metrics' | grep -q '^liuhen_http_requests_total'"
if [ -n "$openapi_out" ]; then
  curl -fsS "$base/openapi.json" >"$openapi_out"
fi
kill -TERM "$pid"
check "SIGTERM stops the server cleanly" wait "$pid"
trap 'rm -rf "$data"' EXIT
echo "smoke: $passed passed, $failed failed"
[ "$failed" = 0 ]

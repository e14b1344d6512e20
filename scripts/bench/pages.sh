#!/usr/bin/env bash
# Web UI pages: the bytes each page transfers before media (the HTML and
# the static files it names, as a browser with an empty cache fetches them)
# against the 150 KB budget, and the demo's case page served on loopback
# (p50/p95 over sequential requests on one keep-alive connection) against
# the API reads it replaces — GET /api/v1/cases/{id} plus its compliance —
# measured in the same run. Every page and API read writes its ledger entry.
# Usage: scripts/bench/pages.sh [REQUESTS] (default 300). Builds the release binary.
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-300}
cargo build --release -q -p liuhen
bin=${CARGO_TARGET_DIR:-target}/release/liuhen
work=$(mktemp -d "${TMPDIR:-/var/tmp}/liuhen-pages.XXXXXX")
cleanup() { kill "$pid" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
LIUHEN_LOG=warn "$bin" serve --demo --data "$work/data" --listen "127.0.0.1:$port" >"$work/out.log" 2>"$work/err.log" &
pid=$!
for _ in $(seq 1 600); do curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
python3 - "$port" "$n" <<'PY'
import http.client, json, re, statistics, sys, time
port, n = int(sys.argv[1]), int(sys.argv[2])
conn = http.client.HTTPConnection("127.0.0.1", port)

def req(method, path, body=None, headers=None):
    conn.request(method, path, body=body, headers=headers or {})
    r = conn.getresponse()
    return r.status, dict(r.getheaders()), r.read()

def login(who):
    s, h, b = req("POST", "/api/v1/auth/login", json.dumps({"login": who, "password": "liuhen-demo-" + who}),
                  {"content-type": "application/json"})
    assert s == 200, b
    return json.loads(b)["token"]

token = login("leader1")
cookie = {"cookie": "liuhen_session=" + token, "accept": "text/html"}
bearer = {"authorization": "Bearer " + token}
s, _, b = req("GET", "/api/v1/cases?limit=200", headers=bearer)
cases = json.loads(b)["items"]
# The demo's richest case: the one with the most acts.
def acts(c):
    return len(json.loads(req("GET", f"/api/v1/cases/{c['id']}/acts", headers=bearer)[2]))
case = max(cases, key=acts)["id"]
s, _, b = req("GET", f"/api/v1/cases/{case}/documents", headers=bearer)
docs = json.loads(b)
doc = docs[0]["id"] if docs else None

pages = ["/", "/workbench", "/cases", "/cases/new", f"/cases/{case}", f"/cases/{case}/review",
         f"/upload?case={case}", "/supervision", "/ledger", "/access", "/password"]
if doc:
    pages.append(f"/documents/{doc}")
static_sizes = {}
worst = 0
print(f"{'page':<52} {'HTML':>8} {'static':>8} {'total':>8}")
for p in pages:
    s, h, b = req("GET", p, headers=cookie if p != "/" else {"accept": "text/html"})
    if s != 200:
        print(f"{p:<52} status {s}")
        continue
    assets = sorted(set(re.findall(r'(?:href|src)="(/static/[^"?]+)', b.decode())))
    st = 0
    for a in assets:
        if a not in static_sizes:
            static_sizes[a] = len(req("GET", a)[2])
        st += static_sizes[a]
    total = len(b) + st
    worst = max(worst, total)
    print(f"{p[:52]:<52} {len(b):>8} {st:>8} {total:>8}")
print(f"largest page: {worst / 1000:.1f} KB (budget 150 KB): {'ok' if worst <= 150_000 else 'OVER'}")

def timed(fn):
    out = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    out.sort()
    return statistics.median(out), out[int(len(out) * 0.95) - 1]

def page():
    s, _, _ = req("GET", f"/cases/{case}", headers=cookie)
    assert s == 200

def api():
    for p in (f"/api/v1/cases/{case}", f"/api/v1/cases/{case}/compliance"):
        s, _, _ = req("GET", p, headers=bearer)
        assert s == 200

for _ in range(20):
    page(); api()
pm, pp = timed(page)
am, ap = timed(api)
print(f"case page      p50 {pm:6.2f} ms  p95 {pp:6.2f} ms  ({n} requests)")
print(f"API case+compl p50 {am:6.2f} ms  p95 {ap:6.2f} ms")
print(f"ratio page/API p95 {pp / ap:.2f} (target <= 1.5), p50 {pm / am:.2f}; page p95 target <= 50 ms: {'ok' if pp <= 50 else 'OVER'}")
PY

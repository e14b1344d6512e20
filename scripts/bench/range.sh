#!/usr/bin/env bash
# Range playback: 1 MiB range reads of one evidence file under wrk, liuhen
# against nginx serving the same file from disk, in the same run. liuhen's
# reads are authenticated and each viewing session is a ledger entry.
# Usage: scripts/bench/range.sh [SIZE_MIB] [SECONDS] (defaults 256, 10).
# Needs nginx and wrk (Debian packages), curl, python3. Builds the release binary.
set -euo pipefail
cd "$(dirname "$0")/../.."
size_mib=${1:-256}
secs=${2:-10}
cargo build --release -q -p liuhen
bin=${CARGO_TARGET_DIR:-target}/release/liuhen
# The server refuses LIUHEN_* settings it does not know: keep this one to the script.
bench_dir=${LIUHEN_BENCH_DIR:-/var/tmp}
unset LIUHEN_BENCH_DIR
work=$(mktemp -d "$bench_dir/liuhen-range.XXXXXX")
chmod 755 "$work"
cleanup() { kill "$pid" 2>/dev/null || true; nginx -c "$work/nginx.conf" -s stop 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
head -c $((size_mib * 1024 * 1024)) /dev/urandom >"$work/clip.mp4"
chmod 644 "$work/clip.mp4"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port=$(free_port)
uscc=$(python3 -c "
A='0123456789ABCDEFGHJKLMNPQRTUWXY'; W=[1,3,9,27,19,26,16,17,20,29,25,13,8,24,10,30,28]; b='11330100MB0B54321'
print(b + A[(31 - sum(A.index(c) * w for c, w in zip(b, W)) % 31) % 31])")
"$bin" admin agency add --data "$work/data" --name 基准测试局 --short-name 基准 --uscc "$uscc" >/dev/null 2>&1
"$bin" admin unit add --data "$work/data" --parent 基准测试局 --name 一队 >/dev/null 2>&1
echo "bench-password-1" | "$bin" admin user add --data "$work/data" --login officer1 --name 测试 --role officer \
  --unit 一队 --cert-no 99000001 --password-stdin >/dev/null 2>&1
LIUHEN_LOG=warn "$bin" serve --data "$work/data" --listen "127.0.0.1:$port" >"$work/out.log" 2>"$work/err.log" &
pid=$!
base="http://127.0.0.1:$port"
for _ in $(seq 1 600); do curl -fsS "$base/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
token=$(curl -fsS -X POST "$base/api/v1/auth/login" -H 'content-type: application/json' \
  -d '{"login":"officer1","password":"bench-password-1"}' | python3 -c 'import sys,json; print(json.load(sys.stdin)["token"])')
bytes=$(stat -c %s "$work/clip.mp4")
loc=$(curl -fsS -D - -o /dev/null -X POST "$base/api/v1/uploads" -H "Authorization: Bearer $token" \
  -H 'Tus-Resumable: 1.0.0' -H "Upload-Length: $bytes" \
  -H "Upload-Metadata: filename $(printf clip.mp4 | base64),filetype $(printf video/mp4 | base64)" \
  | tr -d '\r' | awk -F': ' 'tolower($1)=="location"{print $2}')
id=$(curl -fsS -D - -o /dev/null -X PATCH -T "$work/clip.mp4" "$base$loc" -H "Authorization: Bearer $token" \
  -H 'Tus-Resumable: 1.0.0' -H 'Upload-Offset: 0' -H 'Content-Type: application/offset+octet-stream' \
  | tr -d '\r' | awk -F': ' 'tolower($1)=="liuhen-evidence-id"{print $2}')
nport=$(free_port)
cat >"$work/nginx.conf" <<NGINX
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  server { listen 127.0.0.1:$nport; root $work; }
}
NGINX
nginx -c "$work/nginx.conf"
# Each request asks for a random 1 MiB range.
cat >"$work/range.lua" <<'LUA'
local size = tonumber(os.getenv("SIZE"))
math.randomseed(42)
request = function()
  local start = math.random(0, size - 1048576)
  wrk.headers["Range"] = "bytes=" .. start .. "-" .. (start + 1048575)
  return wrk.format("GET")
end
LUA
cat "$work/clip.mp4" >/dev/null
run_wrk() { SIZE=$bytes wrk -t2 -c8 -d"${secs}s" --latency -s "$work/range.lua" "$@"; }
ours=$(run_wrk -H "Authorization: Bearer $token" "$base/api/v1/evidence/$id/content")
theirs=$(run_wrk "http://127.0.0.1:$nport/clip.mp4")
rps() { awk '/Requests\/sec/{print $2}' <<<"$1"; }
p99() { awk '/ 99%/{print $2}' <<<"$1"; }
echo "liuhen: $(rps "$ours") req/s, p99 $(p99 "$ours"); nginx: $(rps "$theirs") req/s, p99 $(p99 "$theirs")"
python3 -c "print('ratio %.2f' % ($(rps "$ours") / $(rps "$theirs")))"

#!/usr/bin/env bash
# Evidence upload throughput: one file through tus on loopback, against
# sha256sum and `openssl dgst -sm3` on the same file, in the same run; and the
# server's peak RSS. Usage: scripts/bench/upload.sh [SIZE_MIB] (default 2048).
# Builds the release binary, or uses BENCH_BIN (to compare two builds in
# one sitting). Needs curl, sha256sum, openssl, python3.
set -euo pipefail
cd "$(dirname "$0")/../.."
size_mib=${1:-2048}
if [ -n "${BENCH_BIN:-}" ]; then
  bin=$BENCH_BIN
else
  cargo build --release -q -p liuhen
  bin=${CARGO_TARGET_DIR:-target}/release/liuhen
fi
# The server refuses LIUHEN_* settings it does not know: keep this one to the script.
bench_dir=${LIUHEN_BENCH_DIR:-/var/tmp}
unset LIUHEN_BENCH_DIR
work=$(mktemp -d "$bench_dir/liuhen-upload.XXXXXX")
trap 'kill ${pid:-} 2>/dev/null || true; rm -rf "$work"' EXIT
head -c $((size_mib * 1024 * 1024)) /dev/urandom >"$work/clip.bin"
bytes=$(stat -c %s "$work/clip.bin")
cat "$work/clip.bin" >/dev/null # into the page cache, for every contender alike
secs() { local s; s=$(date +%s.%N); "$@" >/dev/null; python3 -c "print($(date +%s.%N) - $s)"; }
t_sha=$(secs sha256sum "$work/clip.bin")
t_sm3=$(secs openssl dgst -sm3 "$work/clip.bin")
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# An agency and one officer, made before the server starts, so its memory is the upload's alone.
uscc=$(python3 -c "
A='0123456789ABCDEFGHJKLMNPQRTUWXY'; W=[1,3,9,27,19,26,16,17,20,29,25,13,8,24,10,30,28]; b='11330100MB0B54321'
print(b + A[(31 - sum(A.index(c) * w for c, w in zip(b, W)) % 31) % 31])")
"$bin" admin agency add --data "$work/data" --name 基准测试局 --short-name 基准 --uscc "$uscc" >/dev/null
"$bin" admin unit add --data "$work/data" --parent 基准测试局 --name 一队 >/dev/null
echo "bench-password-1" | "$bin" admin user add --data "$work/data" --login officer1 --name 测试 --role officer \
  --unit 一队 --cert-no 99000001 --password-stdin >/dev/null
"$bin" serve --data "$work/data" --listen "127.0.0.1:$port" >"$work/out.log" 2>"$work/err.log" &
pid=$!
base="http://127.0.0.1:$port"
for _ in $(seq 1 600); do curl -fsS "$base/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
token=$(curl -fsS -X POST "$base/api/v1/auth/login" -H 'content-type: application/json' \
  -d '{"login":"officer1","password":"bench-password-1"}' | python3 -c 'import sys,json; print(json.load(sys.stdin)["token"])')
loc=$(curl -fsS -D - -o /dev/null -X POST "$base/api/v1/uploads" -H "Authorization: Bearer $token" \
  -H 'Tus-Resumable: 1.0.0' -H "Upload-Length: $bytes" -H "Upload-Metadata: filename $(printf clip.bin | base64)" \
  | tr -d '\r' | awk -F': ' 'tolower($1)=="location"{print $2}')
t_up=$(secs curl -fsS -X PATCH -T "$work/clip.bin" "$base$loc" -H "Authorization: Bearer $token" \
  -H 'Tus-Resumable: 1.0.0' -H 'Upload-Offset: 0' -H 'Content-Type: application/offset+octet-stream')
rss_kib=$(awk '/VmHWM/{print $2}' "/proc/$pid/status")
rate() { python3 -c "print($bytes / $1 / 1048576)"; }
slower=$(python3 -c "print(max($t_sha, $t_sm3))")
printf 'upload of %d MiB through tus on loopback: %.0f MiB/s (SHA-256 + SM3 computed, fsynced, stored)\n' "$size_mib" "$(rate "$t_up")"
printf 'baseline sha256sum: %.0f MiB/s; openssl dgst -sm3: %.0f MiB/s\n' "$(rate "$t_sha")" "$(rate "$t_sm3")"
printf 'ratio to the slower baseline: %.2f\n' "$(python3 -c "print($slower / $t_up)")"
printf 'server peak RSS: %d MiB\n' $((rss_kib / 1024))

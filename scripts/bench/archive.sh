#!/usr/bin/env bash
# Case-file packages: one archived demo case with a large clip added, then
#  - export: the package streamed as a tar file over loopback, against `cp` of
#    the same clip (the bulk of the package) in the same run;
#  - verify: `liuhen verify` of that tar file, offline, against `sha256sum`
#    and `openssl dgst -sm3` of the same file run in parallel;
#  - peak RSS of `liuhen verify` and the server's growth while exporting.
# Assembly (every original re-hashed, each ledger proof made) is timed too.
# Usage: scripts/bench/archive.sh [SIZE_MIB] (default 2048). Builds the
# release binary, or uses BENCH_BIN. Needs curl, sha256sum, openssl, python3, /usr/bin/time.
set -euo pipefail
cd "$(dirname "$0")/../.."
size_mib=${1:-2048}
if [ -n "${BENCH_BIN:-}" ]; then
  bin=$BENCH_BIN
else
  cargo build --release -q -p liuhen
  bin=${CARGO_TARGET_DIR:-target}/release/liuhen
fi
bench_dir=${LIUHEN_BENCH_DIR:-/var/tmp}
unset LIUHEN_BENCH_DIR
work=$(mktemp -d "$bench_dir/liuhen-archive.XXXXXX")
trap 'kill ${pid:-} 2>/dev/null || true; rm -rf "$work"' EXIT
secs() { local s; s=$(date +%s.%N); "$@" >/dev/null; python3 -c "print($(date +%s.%N) - $s)"; }
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
LIUHEN_LOG=warn "$bin" serve --demo --data "$work/data" --listen "127.0.0.1:$port" >"$work/out.log" 2>"$work/err.log" &
pid=$!
base="http://127.0.0.1:$port"
for _ in $(seq 1 900); do curl -fsS "$base/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
login() {
  curl -fsS -X POST "$base/api/v1/auth/login" -H 'content-type: application/json' \
    -d "{\"login\":\"$1\",\"password\":\"liuhen-demo-$1\"}" | python3 -c 'import sys,json; print(json.load(sys.stdin)["token"])'
}
officer=$(login officer1)
archivist=$(login archivist1)
case_id=$(curl -fsS "$base/api/v1/cases?limit=100" -H "Authorization: Bearer $archivist" | python3 -c '
import sys, json
print(next(c["id"] for c in json.load(sys.stdin)["items"] if c["cause"] == "销售超过保质期的食品"))')

# The clip: filed with the archived case by the officer whose case it is.
head -c $((size_mib * 1024 * 1024)) /dev/urandom >"$work/clip.mp4"
bytes=$(stat -c %s "$work/clip.mp4")
meta="filename $(printf clip.mp4 | base64 -w0),filetype $(printf video/mp4 | base64 -w0),case_id $(printf '%s' "$case_id" | base64 -w0)"
loc=$(curl -fsS -D - -o /dev/null -X POST "$base/api/v1/uploads" -H "Authorization: Bearer $officer" \
  -H 'Tus-Resumable: 1.0.0' -H "Upload-Length: $bytes" -H "Upload-Metadata: $meta" \
  | tr -d '\r' | awk -F': ' 'tolower($1)=="location"{print $2}')
curl -fsS -X PATCH -T "$work/clip.mp4" "$base$loc" -H "Authorization: Bearer $officer" \
  -H 'Tus-Resumable: 1.0.0' -H 'Upload-Offset: 0' -H 'Content-Type: application/offset+octet-stream' >/dev/null
sha=$(sha256sum "$work/clip.mp4" | cut -d' ' -f1)
original="$work/data/blobs/objects/sha256/${sha:0:2}/${sha:2:2}/$sha"
[ -f "$original" ] || { echo "the clip's original is not where the local store keeps it" >&2; exit 2; }
rm "$work/clip.mp4"

t_assemble=$(secs curl -fsS -X POST "$base/api/v1/cases/$case_id/archive" -H "Authorization: Bearer $archivist")
archive_id=$(curl -fsS "$base/api/v1/cases/$case_id/archive" -H "Authorization: Bearer $archivist" \
  | python3 -c 'import sys,json; print(json.load(sys.stdin)["id"])')
curl -fsS "$base/ledger/keys" >"$work/keys.txt"

cat "$original" >/dev/null # into the page cache, for every contender alike
rss_before=$(awk '/VmRSS/{print $2}' "/proc/$pid/status")
t_cp=$(secs cp "$original" "$work/copy.bin")
rm "$work/copy.bin"
sample() { local peak=0 v; while kill -0 "$pid" 2>/dev/null; do v=$(awk '/VmRSS/{print $2}' "/proc/$pid/status"); [ "$v" -gt "$peak" ] && peak=$v; echo "$peak" >"$work/peak"; sleep 0.05; done; }
sample & sampler=$!
t_export=$(secs curl -fsS "$base/api/v1/archives/$archive_id/package" -H "Authorization: Bearer $archivist" -o "$work/case.tar")
kill "$sampler" 2>/dev/null || true
rss_peak=$(cat "$work/peak")
tar_bytes=$(stat -c %s "$work/case.tar")

both() { sha256sum "$1" >/dev/null & openssl dgst -sm3 "$1" >/dev/null & wait; }
t_base=$(secs both "$work/case.tar")
/usr/bin/time -f '%e %M' -o "$work/verify.time" "$bin" verify "$work/case.tar" --key "$work/keys.txt" >"$work/verify.out"
read -r t_verify verify_kib <"$work/verify.time"
grep -q 'verified$' "$work/verify.out" || { cat "$work/verify.out" >&2; exit 1; }

mib() { python3 -c "print($1 / $2 / 1048576)"; }
printf 'assembly of a case with a %d MiB clip (every original re-hashed, proofs made): %.1f s\n' "$size_mib" "$t_assemble"
printf 'export (tar over loopback, %d MiB): %.0f MiB/s; cp of the clip: %.0f MiB/s; ratio %.2f\n' \
  "$((tar_bytes / 1048576))" "$(mib "$tar_bytes" "$t_export")" "$(mib "$bytes" "$t_cp")" \
  "$(python3 -c "print(($tar_bytes / $t_export) / ($bytes / $t_cp))")"
printf 'server RSS during export: %d MiB before, %d MiB at most\n' $((rss_before / 1024)) $((rss_peak / 1024))
printf 'liuhen verify: %.0f MiB/s; sha256sum + openssl dgst -sm3 in parallel: %.0f MiB/s; ratio %.2f\n' \
  "$(mib "$tar_bytes" "$t_verify")" "$(mib "$tar_bytes" "$t_base")" "$(python3 -c "print($t_base / $t_verify)")"
printf 'liuhen verify peak RSS: %d MiB\n' $((verify_kib / 1024))

#!/usr/bin/env bash
# Starts liuhen with demo data and runs upload.mjs against it with a 50 MiB file.
# Usage: scripts/tus-acceptance/run.sh PATH/TO/liuhen [SERVE ARGS...]
# With `--blob-url s3://…` among the serve arguments, it also checks that the
# original went to the bucket and not to the local folder.
set -euo pipefail
bin=${1:?usage: run.sh PATH/TO/liuhen [SERVE ARGS...]}
shift
remote=no
case " $* " in *" --blob-url "*) remote=yes ;; esac
here=$(cd "$(dirname "$0")" && pwd)
(cd "$here" && npm ci --no-audit --no-fund --silent)
data=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$bin" serve --demo --data "$data" --listen "127.0.0.1:$port" "$@" >"$data/out.log" 2>"$data/err.log" &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$data"' EXIT
base="http://127.0.0.1:$port"
for _ in $(seq 1 600); do curl -fsS "$base/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
token=$(curl -fsS -X POST "$base/api/v1/auth/login" -H 'content-type: application/json' \
  -d '{"login":"officer1","password":"liuhen-demo-officer1"}' | python3 -c 'import sys,json; print(json.load(sys.stdin)["token"])')
head -c $((50 * 1024 * 1024)) /dev/urandom >"$data/clip.bin"
node "$here/upload.mjs" "$base" "$token" "$data/clip.bin"
if [ "$remote" = yes ]; then
  local_objects=$(find "$data/blobs/objects" -type f | wc -l)
  if [ "$local_objects" != 0 ]; then
    echo "FAIL: with --blob-url the original must not be kept in the local folder ($local_objects found)" >&2
    exit 1
  fi
  echo "ok: the original is in the object store, not in the local folder"
fi

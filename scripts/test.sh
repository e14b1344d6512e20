#!/usr/bin/env bash
# Runs the whole test suite on SQLite and local files. The media tests drive
# real ffmpeg/ffprobe (Debian package `ffmpeg`); it is installed when missing
# and this runs as root, as on a fresh machine. Extra arguments go to cargo.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v ffmpeg >/dev/null 2>&1 || ! command -v ffprobe >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ffmpeg >/dev/null
  else
    echo "the tests need ffmpeg and ffprobe: apt-get install ffmpeg" >&2
    exit 2
  fi
fi
exec cargo test --workspace "$@"

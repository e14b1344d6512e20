#!/usr/bin/env bash
# Runs the whole test suite on SQLite and local files. The media tests drive
# real ffmpeg/ffprobe (Debian package `ffmpeg`); the build links the system
# OpenSSL for upload digests (`libssl-dev`, `pkg-config`); documents render
# with `fonts-noto-cjk` and are checked with `poppler-utils` and `qpdf`, their officers' QR codes
# read back with `zbar-tools`. They are installed
# when missing and this runs as root, as on a fresh machine. Extra arguments
# go to cargo.
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
command -v ffmpeg >/dev/null 2>&1 && command -v ffprobe >/dev/null 2>&1 || need+=(ffmpeg)
command -v pkg-config >/dev/null 2>&1 || need+=(pkg-config)
pkg-config --exists openssl 2>/dev/null || need+=(libssl-dev)
# Documents: PDFs are rendered with Noto CJK and checked with pdftotext and qpdf.
[ -f /usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc ] || need+=(fonts-noto-cjk)
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
command -v qpdf >/dev/null 2>&1 || need+=(qpdf)
command -v zbarimg >/dev/null 2>&1 || need+=(zbar-tools)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "the tests need: apt-get install ${need[*]}" >&2
    exit 2
  fi
fi
exec cargo test --workspace "$@"

#!/usr/bin/env bash
# Makes the body-camera clips the demo (`liuhen serve --demo`) uploads, into
# crates/liuhen-service/demo-media/. Run once by hand; the files are committed
# and compiled into the binary, so neither the product nor its build needs
# ffmpeg. Usage: scripts/make-demo-media.sh [OUT_DIR]
#
# Each clip is ffmpeg's synthetic test pattern (testsrc) at 320x180 and one
# frame a second, H.264, no audio, with the elapsed time drawn on it: a real,
# playable video whose length is what the demo's acts need, a few hundred KB
# for a quarter of an hour. No metadata or encoder tags are written, so the
# output (single-threaded x264) depends only on the ffmpeg and x264 versions.
#
#   bodycam-05m.mp4       5 minutes, progressive MP4 (moov first)
#   bodycam-10m.mp4      10 minutes, progressive MP4 (moov first)
#   bodycam-15m-frag.mp4 15 minutes, fragmented MP4 (one fragment a minute),
#                        as cameras that write while recording do
set -euo pipefail
out=${1:-$(dirname "$0")/../crates/liuhen-service/demo-media}
mkdir -p "$out"
command -v ffmpeg >/dev/null || { echo "make-demo-media: ffmpeg is needed (Debian package ffmpeg)" >&2; exit 1; }

font=/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf
overlay=""
if [ -f "$font" ]; then
  overlay=",drawtext=fontfile=$font:fontsize=13:fontcolor=white:box=1:boxcolor=black@0.6:x=8:y=8:text='LIUHEN DEMO  %{pts\\:hms}'"
else
  echo "make-demo-media: $font is missing (Debian fonts-dejavu-core); the clips get no caption" >&2
fi

make() { # NAME SECONDS [extra ffmpeg output options...]
  local name=$1 seconds=$2
  shift 2
  ffmpeg -hide_banner -loglevel error -y \
    -f lavfi -i "testsrc=size=320x180:rate=1:duration=$seconds$overlay" \
    -c:v libx264 -threads 1 -preset veryslow -crf 40 -pix_fmt yuv420p -g 60 \
    -map_metadata -1 -fflags +bitexact -flags:v +bitexact "$@" "$out/$name"
  echo "$name: $(stat -c %s "$out/$name") bytes, $(ffprobe -v error -show_entries format=duration -of csv=p=0 "$out/$name") s"
}

make bodycam-05m.mp4 300 -movflags +faststart
make bodycam-10m.mp4 600 -movflags +faststart
make bodycam-15m-frag.mp4 900 -movflags +frag_keyframe+empty_moov+default_base_moof

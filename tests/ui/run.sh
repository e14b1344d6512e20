#!/usr/bin/env bash
# Browser tests of the web UI: Debian chromium driven by playwright-core,
# run by `node --test`. Installs what is missing (chromium, the CJK fonts
# and ffmpeg through apt when running as root; the pinned npm packages),
# builds the debug binary once (honouring CARGO_TARGET_DIR), and runs the
# test files given (default: every tests/ui/*.test.mjs). Each test file starts its own
# server with --demo on a fresh data folder and a free port.
# Screenshots: target/ui-screenshots/<name>-<width>.png.
# Usage: tests/ui/run.sh [NODE TEST OPTIONS...] [TEST FILES...]
#   e.g. tests/ui/run.sh --test-name-pattern=leader1 tests/ui/roles.test.mjs
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
options=()
files=()
for a in "$@"; do
  case "$a" in
    -*) options+=("$a") ;;
    /*) files+=("$a") ;;
    *) files+=("$(pwd)/$a") ;;
  esac
done
root=$(cd "$here/../.." && pwd)
cd "$root"
start=$(date +%s)

chromium=${LIUHEN_TEST_UI_CHROMIUM:-/usr/bin/chromium}
need=()
[ -x "$chromium" ] || need+=(chromium)
# Chinese text in screenshots, not boxes.
fc-list :lang=zh 2>/dev/null | grep -q . || need+=(fonts-noto-cjk)
# Camera clips for the evidence pages and the walkthrough.
command -v ffmpeg >/dev/null 2>&1 || need+=(ffmpeg)
command -v node >/dev/null 2>&1 || need+=(nodejs npm)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "the UI tests need: apt-get install ${need[*]}" >&2
    exit 2
  fi
fi
node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 20 ]; then
  echo "the UI tests need Node 20 or later (playwright-core); this is $(node --version)" >&2
  exit 2
fi

# The pinned playwright-core, unless it is there already. It never downloads a browser.
pinned=$(node -p "require('$here/package.json').dependencies['playwright-core']")
installed=$(node -p "try { require('$here/node_modules/playwright-core/package.json').version } catch { '' }")
if [ "$pinned" != "$installed" ]; then
  (cd "$here" && npm ci --no-audit --no-fund --silent)
fi

cargo build -p liuhen
target=${CARGO_TARGET_DIR:-target}
case "$target" in /*) ;; *) target="$root/$target" ;; esac
export LIUHEN_TEST_UI_BIN="$target/debug/liuhen"
export LIUHEN_TEST_UI_CHROMIUM="$chromium"

# Servers the test files start are listed here; whatever is still listed
# when this ends (a test process killed before it could stop its server)
# is stopped with its process group.
pids=$(mktemp -d)
export LIUHEN_TEST_UI_PIDS="$pids"
cleanup() {
  for f in "$pids"/*.pid; do
    [ -e "$f" ] || continue
    { read -r pid; read -r data; } <"$f"
    kill -KILL -- "-$pid" 2>/dev/null || true
    case "$data" in */liuhen-ui-*) rm -rf "$data" ;; esac
  done
  rm -rf "$pids"
}
trap cleanup EXIT

rm -rf "$root/target/ui-screenshots"
[ ${#files[@]} -gt 0 ] || files=("$here"/*.test.mjs)
status=0
node --test --test-reporter=spec --test-concurrency=1 ${options[@]+"${options[@]}"} "${files[@]}" || status=$?
echo "ui tests: $(($(date +%s) - start)) s; screenshots in target/ui-screenshots/"
exit "$status"

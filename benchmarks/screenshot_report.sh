#!/usr/bin/env bash
# Write a run's HTML report and screenshot it with headless Chromium (a check to look at, not a test).
#   benchmarks/screenshot_report.sh RUN_DIR [OUT.png] [-- --compare OTHER_RUN ...]
# Needs Debian's chromium (apt-get install -y chromium). The page is self-contained, and the
# flags below keep Chromium off the network.
set -euo pipefail
run_dir=${1:?usage: $0 RUN_DIR [OUT.png] [-- galrec report options]}
png=${2:-$run_dir/report.png}
shift $(( $# >= 2 ? 2 : 1 ))
[[ ${1:-} == "--" ]] && shift
here=$(cd "$(dirname "$0")/.." && pwd)
galrec=${GALREC:-$here/.venv/bin/galrec}
browser=$(command -v chromium || command -v chromium-browser || true)
[[ -n $browser ]] || { echo "chromium not found: apt-get install -y chromium" >&2; exit 2; }

html=$(mktemp --suffix=.html)
profile=$(mktemp -d)
trap 'rm -rf "$html" "$profile"' EXIT
"$galrec" report "$run_dir" --out "$html" "$@" >/dev/null
"$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$profile" --hide-scrollbars --window-size=1200,2000 \
  --screenshot="$(realpath -m "$png")" "file://$html" 2>/dev/null
echo "$png"

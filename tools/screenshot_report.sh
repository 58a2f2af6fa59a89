#!/usr/bin/env bash
# PNG screenshots of a tour report (report.html) in headless Chromium, to look at.
# Usage: tools/screenshot_report.sh REPORT_DIR [OUT_DIR] [NAME ...]
#   writes OUT_DIR/report-top.png (header and summary table) and OUT_DIR/<NAME>.png for each entry
#   (the page scrolled to its section); NAMEs default to every entry in REPORT_DIR/results.json.
#   OUT_DIR defaults to REPORT_DIR/screenshots. CHROMIUM picks the browser (default: chromium,
#   else chromium-browser, else google-chrome); WIDTH and HEIGHT the window (1280 x 1800).
set -euo pipefail
dir=$(cd "${1:?usage: tools/screenshot_report.sh REPORT_DIR [OUT_DIR] [NAME ...]}" && pwd)
out=${2:-$dir/screenshots}
shift $(($# < 2 ? $# : 2))
[[ -f $dir/report.html ]] || { echo "screenshot_report: no report.html in $dir" >&2; exit 2; }
browser=${CHROMIUM:-}
for b in chromium chromium-browser google-chrome; do
  [[ -n $browser ]] && break
  command -v "$b" >/dev/null 2>&1 && browser=$b
done
[[ -n $browser ]] || { echo "screenshot_report: no chromium on PATH (set CHROMIUM)" >&2; exit 2; }
names=("$@")
if [[ ${#names[@]} -eq 0 ]]; then
  mapfile -t names < <(python3 -c 'import json, sys
for e in json.load(open(sys.argv[1]))["entries"]: print(e["name"])' "$dir/results.json")
fi
mkdir -p "$out"
shot() {  # shot PNG URL
  timeout 120 "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars \
    --window-size="${WIDTH:-1280},${HEIGHT:-1800}" --screenshot="$1" "$2" >/dev/null 2>&1
  [[ -s $1 ]] || { echo "screenshot_report: $browser wrote no $1" >&2; exit 1; }
  echo "$1"
}
shot "$out/report-top.png" "file://$dir/report.html"
for n in "${names[@]}"; do
  anchor=entry-$(printf '%s' "$n" | tr -c 'A-Za-z0-9-' '-')
  shot "$out/$n.png" "file://$dir/report.html#$anchor"
done

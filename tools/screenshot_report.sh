#!/usr/bin/env bash
# PNG screenshots of a tour report (report.html) in headless Chromium, to look at.
# Usage: tools/screenshot_report.sh REPORT_DIR [OUT_DIR] [NAME ...]
#   writes OUT_DIR/report-top.png (header and summary table) and OUT_DIR/<NAME>.png for each entry
#   (its section alone); NAMEs default to every entry in REPORT_DIR/results.json.
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
  timeout 120 "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --virtual-time-budget=5000 \
    --window-size="${WIDTH:-1280},${HEIGHT:-1800}" --screenshot="$1" "$2" >/dev/null 2>&1
  [[ -s $1 ]] || { echo "screenshot_report: $browser wrote no $1" >&2; exit 1; }
  echo "$1"
}
shot "$out/report-top.png" "file://$dir/report.html"
# one entry per shot: a temporary copy of the page (beside it, so figures/ resolves) that shows
# only that entry's section (headless Chromium does not paint a page scrolled to a #fragment)
tmp=$(mktemp "$dir/.screenshot-XXXXXX.html")
trap 'rm -f "$tmp"' EXIT
for n in "${names[@]}"; do
  grep -q "id=.entry-$n[\"']" "$dir/report.html" || { echo "screenshot_report: no entry $n in the report" >&2; exit 2; }
done
for n in "${names[@]}"; do
  anchor=entry-$(printf '%s' "$n" | tr -c 'A-Za-z0-9-' '-')
  only="<style>main > :not(section#$anchor) { display: none; }</style></head>"
  sed "s|</head>|$only|" "$dir/report.html" >"$tmp"
  shot "$out/$n.png" "file://$tmp"
done

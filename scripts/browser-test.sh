#!/usr/bin/env bash
# Loads the HTML report of the bundled example in headless Chromium and checks what
# a reader sees: no console errors, every grade in the chart, the companies table
# sorts, Vastaamo's incidents with mental-health data and a history chart are
# there, and — as of 2021-03-01, while its 2020 breach still counts — Vastaamo's
# contributor with mental-health data; saves screenshots (target/browser-test/).
#
# Not part of `cargo test`: it installs Debian's chromium when missing (about
# 200 MB). Run it by hand or from CI with: bash scripts/browser-test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null; then
  apt-get update -qq && apt-get install -y -qq chromium >/dev/null
fi
cargo build --release --quiet
out=target/browser-test
mkdir -p "$out"
target/release/riskrate report examples/incidents.jsonl --as-of 2026-11-28 \
  --detail digitalmentalhealthconsortium --output "$out/report.html"
# The same data as of a date when Vastaamo's 2020 breach still counts (by the
# README's date, 2026-11-28, it has expired and is listed as such).
target/release/riskrate report examples/incidents.jsonl --as-of 2021-03-01 \
  --detail digitalmentalhealthconsortium --output "$out/report-2021.html"
url="file://$PWD/$out/report.html"
flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run
  --disable-background-networking --disable-component-update --disable-sync
  --user-data-dir="$(mktemp -d)")
timeout 120 chromium "${flags[@]}" --window-size=1300,5600 --screenshot="$out/report.png" "$url" 2>"$out/screenshot.log"
timeout 120 chromium "${flags[@]}" --enable-logging=stderr --v=0 --virtual-time-budget=3000 \
  --dump-dom "$url#sort=score-asc" >"$out/sorted.html" 2>"$out/console.log"
timeout 120 chromium "${flags[@]}" --virtual-time-budget=3000 \
  --dump-dom "$url#sort=score-desc" >"$out/sorted-desc.html" 2>/dev/null
timeout 120 chromium "${flags[@]}" --window-size=1300,5600 --screenshot="$out/report-2021.png" \
  "file://$PWD/$out/report-2021.html" 2>/dev/null
timeout 120 chromium "${flags[@]}" --virtual-time-budget=3000 \
  --dump-dom "file://$PWD/$out/report-2021.html" >"$out/report-2021-dom.html" 2>/dev/null
python3 - "$out" <<'PY'
import html.parser, pathlib, re, sys
out = pathlib.Path(sys.argv[1])
passed = failed = 0
def check(ok, label):
    global passed, failed
    print(("ok   " if ok else "FAIL ") + label)
    passed += bool(ok)
    failed += not ok

console = (out / "console.log").read_text(errors="replace")
errors = [l for l in console.splitlines() if "CONSOLE" in l or "Uncaught" in l]
check(not errors, f"no console errors or messages ({len(errors)})")

class Rows(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(); self.in_body = False; self.rows = []; self.cell = 0; self.sorted = None
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table" and a.get("id") == "companies":
            self.sorted = a.get("data-sorted"); self.in_table = True
        if tag == "tbody" and self.sorted is not None and not self.rows and not self.in_body:
            self.in_body = True
        if self.in_body and tag == "tr":
            self.rows.append([]); self.cell = 0
        if self.in_body and tag == "td":
            self.rows[-1].append(a.get("data-v"))
    def handle_endtag(self, tag):
        if tag == "tbody" and self.in_body:
            self.in_body = False

for name, want in (("sorted.html", "score-asc"), ("sorted-desc.html", "score-desc")):
    p = Rows(); p.feed((out / name).read_text())
    scores = [float(r[2]) for r in p.rows]
    ok_order = scores == sorted(scores, reverse=want.endswith("desc"))
    check(p.sorted == want and len(scores) == 11 and ok_order, f"sorting (the function a header click runs, here via #sort=): {want} gives {scores[:3]}…")

page = (out / "sorted.html").read_text()
bars = re.findall(r'class="bar" data-grade="([A-F])"[^>]*height="([0-9.]+)"', page)
check(sorted(g for g, h in bars if float(h) > 0) == list("ABCDF"), f"every grade in the chart: {bars}")
vastaamo = re.search(r'<details class="company" id="company-digitalmentalhealthconsortium" open="">(.*?)</details>', page, re.S)
check(vastaamo is not None and "mental health records" in vastaamo.group(1), "Vastaamo's incidents with mental-health data")
check(vastaamo is not None and "<polyline" in vastaamo.group(1) and "score history" in vastaamo.group(1), "Vastaamo's history chart")
check((out / "report.png").stat().st_size > 50_000, f"screenshot saved: {out / 'report.png'}")
page21 = (out / "report-2021-dom.html").read_text()
v21 = re.search(r'<details class="company" id="company-digitalmentalhealthconsortium" open="">(.*?)</details>', page21, re.S)
rows = re.findall(r"<tr>(.*?)</tr>", v21.group(1) if v21 else "", re.S)
counted = [r for r in rows if "mental health records" in r and re.search(r'class="num">[0-9<]+%</td>$', r)]
check(bool(counted), "as of 2021-03-01: Vastaamo's contributor (a counted share) with mental-health data")
check((out / "report-2021.png").stat().st_size > 50_000, f"screenshot saved: {out / 'report-2021.png'}")
print(f"browser test: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
PY

#!/usr/bin/env python3
"""Counts the library's public API from its rustdoc (what an embedder can name):
public modules, items by kind, inherent methods, and the names at the crate root.
Items under `#[doc(hidden)]` are not counted (rustdoc leaves them out), nor the
methods of chrono's NaiveDate, which the crate re-exports.

    cargo doc --no-deps --lib && scripts/public-api.py [target/doc/riskrate]
"""
import html
import os
import re
import sys

root = sys.argv[1] if len(sys.argv) > 1 else "target/doc/riskrate"
listing = open(os.path.join(root, "all.html"), encoding="utf-8").read().replace("<wbr>", "")
kinds = {}
for m in re.finditer(r'<h3 id="([a-z-]+)">([^<]*)</h3><ul class="all-items">(.*?)</ul>', listing):
    kinds[m.group(2)] = len(re.findall(r"<li>", m.group(3)))

modules = sum(1 for d, _, files in os.walk(root) if "index.html" in files) - 1

methods = 0
for d, _, files in os.walk(root):
    for f in files:
        if re.match(r"(struct|enum)\..*\.html$", f) and f != "struct.NaiveDate.html":
            page = open(os.path.join(d, f), encoding="utf-8").read()
            inherent = page.split('id="implementations-list"', 1)
            if len(inherent) == 2:
                inherent = re.split(r'id="(trait-implementations|synthetic-implementations|blanket-implementations)', inherent[1])[0]
                methods += len(set(re.findall(r'id="method\.([a-z0-9_]+)"', inherent)))

index = open(os.path.join(root, "index.html"), encoding="utf-8").read().replace("<wbr>", "")
main = index.split('<section id="main-content"', 1)[1]
root_items = sorted(set(html.unescape(n) for n in re.findall(r'<dt(?: id="[^"]*")?><a class="[a-z]+" href="[^"]*"[^>]*>([^<]+)</a>', main)))
reexports = re.findall(r'<dt id="reexport\.([A-Za-z0-9_]+)"', main)
names = sorted(set(root_items) | set(reexports))
types = [n for n in names if n[:1].isupper()]

print(f"public modules      {modules}")
for k, n in kinds.items():
    print(f"{k:<20}{n}")
print(f"inherent methods    {methods}")
print(f"crate root names    {len(names)} ({len(types)} types): {' '.join(names)}")

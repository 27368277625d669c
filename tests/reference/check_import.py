#!/usr/bin/env python3
"""Imports every public data set of ../shared/data and checks what a user relies on:
every source record is accounted for (written + rejected = read), every result rates
without error, the VCDB sample's healthcare incidents with Medical data carry the
health class and their data_total, and Vastaamo is rated from each source that has
it as of 2020-11-01 (printed as the table in docs/formats.md).

Usage: check_import.py RISKRATE_BINARY SHARED_DATA_DIR      Prints 'N passed, N failed'.
"""
import csv
import json
import pathlib
import re
import subprocess
import sys
import tempfile

binary, data = sys.argv[1], pathlib.Path(sys.argv[2])
SOURCES = [
    ("hhs archive", "hhs", data / "hhs_ocr_breach_report_archive.csv", ["--encoding", "mac-roman"]),
    ("hhs current", "hhs", data / "hhs_ocr_breach_report_current.csv", []),
    ("hibp", "hibp", data / "hibp_breaches.json", []),
    ("wikipedia", "wikipedia", data / "wikipedia_list_of_data_breaches.csv", []),
    ("vcdb sample", "veris", data / "vcdb-sample", []),
    ("rankiteo detail", "rankiteo", data / "seed" / "rankiteo-incident.json", []),
    ("rankiteo rating", "rankiteo", data / "seed" / "rankiteo-rating.json", []),
]
passed = failed = 0


def check(ok, label):
    global passed, failed
    print(("ok   " if ok else "FAIL ") + label)
    if ok:
        passed += 1
    else:
        failed += 1


with tempfile.TemporaryDirectory() as tmp:
    vastaamo = []
    for label, source, path, extra in SOURCES:
        out = pathlib.Path(tmp) / (label.replace(" ", "-") + ".jsonl")
        r = subprocess.run([binary, "import", "--from", source, *extra, str(path), "-o", str(out)],
                           capture_output=True, text=True)
        m = re.search(r"read (\d+) source records: (\d+) incidents written, (\d+) rejected", r.stderr)
        ok = r.returncode == 0 and m is not None and int(m[1]) == int(m[2]) + int(m[3])
        written = sum(1 for _ in open(out)) if out.exists() else -1
        check(ok and written == int(m[2]), f"import {label}: {m[0] if m else r.stderr[-200:]}")
        s = subprocess.run([binary, "score", str(out), "--strict", "--as-of", "2020-11-01", "--format", "json"],
                           capture_output=True, text=True)
        check(s.returncode == 0, f"rate {label}: exit {s.returncode}")
        if s.returncode == 0:
            doc = json.loads(s.stdout)
            for rating in doc["ratings"]:
                if rating["company"] in ("vastaamo", "digitalmentalhealthconsortium"):
                    vastaamo.append((label, rating))
        if source == "veris":
            recs = {x["id"]: x for x in map(json.loads, open(out))}
            man = list(csv.DictReader(open(path / "MANIFEST.csv")))
            med = [x for x in man if x["healthcare_62"] == "True" and x["medical"] == "True"]
            bad = []
            for x in med:
                d = json.load(open(path / x["file"]))
                rid = "veris:" + (d.get("plus", {}).get("master_id") or d["incident_id"])
                rec = recs.get(rid, {})
                want = None if x["data_total"] in ("", "None") else int(x["data_total"])
                if "health" not in rec.get("data_types", []) or rec.get("records") != want:
                    bad.append(x["file"])
            check(not bad and len(med) == 16, f"vcdb: {len(med)} healthcare incidents with Medical data carry health and data_total {bad}")
    names = {label for label, _ in vastaamo}
    check({"hibp", "wikipedia", "rankiteo detail", "rankiteo rating"} <= names, f"vastaamo rated from {sorted(names)}")
    print("\n| source | score | grade | interval | risk points | next grade change | explanation |")
    print("|---|---|---|---|---|---|---|")
    for label, r in vastaamo:
        ngc = r["next_grade_change"]
        print(f"| {label} | {r['score']} | {r['grade']} | {r['interval']['low']}–{r['interval']['high']} | "
              f"{r['risk_points']:.2f} | {ngc['grade'] + ' on ' + ngc['date'] if ngc else '-'} | {r['explanation']} |")
    health = [label for label, r in vastaamo if "health records" in r["explanation"]]
    check(set(health) == {"hibp", "rankiteo detail"}, f"explanations name health data where the source does: {health}")

    # Every source in one run: the accounting adds up with the merged reports,
    # --duplicates lists each merged incident, Anthem's 2015 breach (HHS archive
    # and Wikipedia) is one incident of two reports, and with --no-merge the
    # output is each source's own import, one after another.
    specs = [f"{source}:{extra[1] + ':' if extra else ''}{path}" for _, source, path, extra in SOURCES]
    both, dups = pathlib.Path(tmp) / "all.jsonl", pathlib.Path(tmp) / "dups.jsonl"
    r = subprocess.run([binary, "import", *specs, "-o", str(both), "--duplicates", str(dups)],
                       capture_output=True, text=True)
    m = re.search(r"read (\d+) source records: (\d+) incidents written, (\d+) merged into another's incident \((\d+) incidents of several reports\), (\d+) rejected", r.stderr)
    ok = r.returncode == 0 and m is not None and int(m[1]) == int(m[2]) + int(m[3]) + int(m[5])
    clusters = [json.loads(x) for x in open(dups)] if dups.exists() else []
    check(ok and len(clusters) == int(m[4]) and sum(len(c["reports"]) - 1 for c in clusters) == int(m[3]),
          f"import of every source at once: {m[0] if m else r.stderr[-300:]}")
    anthem = [c for c in clusters if c["id"] == "hhs:anthem:02/13/2015:78800000"]
    check(len(anthem) == 1 and {x["id"] for x in anthem[0]["reports"]} == {"wikipedia:15", "hhs:anthem:02/13/2015:78800000"},
          f"anthem 2015: one incident of the HHS and Wikipedia reports {anthem}")
    apart = pathlib.Path(tmp) / "apart.jsonl"
    r = subprocess.run([binary, "import", *specs, "-o", str(apart), "--no-merge"], capture_output=True, text=True)
    each = b"".join((pathlib.Path(tmp) / (label.replace(" ", "-") + ".jsonl")).read_bytes() for label, *_ in SOURCES)
    check(r.returncode == 0 and apart.read_bytes() == each, "--no-merge: every source's own import, in order")
print(f"import check: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)

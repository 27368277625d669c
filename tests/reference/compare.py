#!/usr/bin/env python3
"""Runs the engine and the independent reference on generated inputs and compares
every company's score, grade, exact score, risk points, interval, counts, industry
percentile and next grade change, and the summary counts.

Usage: compare.py RISKRATE_BINARY [ROUNDS]
Prints 'N passed, N failed' and exits 1 on any difference.
"""
import json
import pathlib
import subprocess
import sys
import tempfile

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import reference  # noqa: E402

binary = sys.argv[1]
rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 6
# (seed, incidents, companies, as-of): small companies with many incidents stress
# recurrence and next-grade-change; many companies stress percentiles.
PLANS = [(s, n, m, a) for s, (n, m), a in zip(
    range(1, 100),
    [(3000, 40), (2000, 400), (5000, 60), (1500, 15), (4000, 800), (2500, 100),
     (3000, 30), (6000, 1000)],
    ["2021-06-30", "2024-01-01", "2019-12-31", "2026-11-28", "2022-02-28", "2020-11-01",
     "2025-07-15", "2023-03-01"])][:rounds]

passed = failed = 0
for seed, n, m, as_of in PLANS:
    with tempfile.TemporaryDirectory() as tmp:
        path = pathlib.Path(tmp) / "gen.jsonl"
        with open(path, "w") as f:
            subprocess.run([sys.executable, str(HERE / "gen.py"), str(seed), str(n), str(m)],
                           stdout=f, check=True)
        got = subprocess.run([binary, "score", str(path), "--as-of", as_of, "--format", "json"],
                             capture_output=True, text=True)
        if got.returncode != 0:
            print(f"FAIL seed {seed}: exit {got.returncode}: {got.stderr[-300:]}")
            failed += 1
            continue
        got = json.loads(got.stdout)
        want = reference.rate(reference.read_jsonl(path), reference.dt.date.fromisoformat(as_of))
    diffs = []
    gs = dict(got["summary"])
    if gs != want["summary"]:
        diffs.append(f"summary {gs} != {want['summary']}")
    have = {r["company"]: r for r in got["ratings"]}
    if set(have) != set(want["ratings"]):
        diffs.append(f"companies differ: {sorted(set(have) ^ set(want['ratings']))[:5]}")
    for key, w in want["ratings"].items():
        h = have.get(key)
        if h is None:
            continue
        for k in ("score", "grade", "next_grade_change", "company_name", "industry"):
            if h[k] != w[k]:
                diffs.append(f"{key}.{k}: {h[k]} != {w[k]}")
        if {"low": h["interval"]["low"], "high": h["interval"]["high"]} != w["interval"]:
            diffs.append(f"{key}.interval: {h['interval']} != {w['interval']}")
        if h["incidents"] != w["incidents"]:
            diffs.append(f"{key}.incidents: {h['incidents']} != {w['incidents']}")
        for k in ("score_exact", "risk_points", "industry_percentile"):
            a, b = h[k], w[k]
            if (a is None) != (b is None) or (a is not None and abs(a - b) > 1e-9 * max(1, abs(b))):
                diffs.append(f"{key}.{k}: {a} != {b}")
    label = f"seed {seed}: {n} incidents, {m} companies, as of {as_of}: {len(want['ratings'])} rated, {want['summary']['rejected']} rejected"
    if diffs:
        failed += 1
        print(f"FAIL {label}")
        for d in diffs[:15]:
            print("   ", d)
    else:
        passed += 1
        print(f"ok   {label}")
print(f"reference: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)

#!/usr/bin/env python3
"""Checks `riskrate diff` independently: the default rules against a copy with the
breach half-life halved, on generated data. Both ratings come from the independent
reference implementation; rho (Pearson of average ranks), tau-b (pairwise
definition), the migration matrix, the grade changes, the score changes and the
movers' order are computed here and compared with diff's JSON.

Usage: check_diff.py RISKRATE_BINARY      Prints 'N passed, N failed'.
"""
import json
import math
import pathlib
import subprocess
import sys
import tempfile

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
import reference  # noqa: E402

binary = sys.argv[1]


def ranks(v):
    order = sorted(range(len(v)), key=lambda i: v[i])
    r = [0.0] * len(v)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and v[order[j + 1]] == v[order[i]]:
            j += 1
        for k in order[i:j + 1]:
            r[k] = (i + j + 2) / 2
        i = j + 1
    return r


def spearman(x, y):
    rx, ry = ranks(x), ranks(y)
    mx, my = sum(rx) / len(rx), sum(ry) / len(ry)
    sxy = sum((a - mx) * (b - my) for a, b in zip(rx, ry))
    sxx = sum((a - mx) ** 2 for a in rx)
    syy = sum((b - my) ** 2 for b in ry)
    return sxy / math.sqrt(sxx * syy)


def tau_b(x, y):
    c = d = tx = ty = 0
    for i in range(len(x)):
        for j in range(i + 1, len(x)):
            dx, dy = x[i] - x[j], y[i] - y[j]
            if dx == 0 and dy == 0:
                continue
            if dx == 0:
                tx += 1
            elif dy == 0:
                ty += 1
            elif (dx > 0) == (dy > 0):
                c += 1
            else:
                d += 1
    return (c - d) / math.sqrt((c + d + tx) * (c + d + ty))


passed = failed = 0
for seed, n, m, as_of in [(11, 4000, 300, "2022-06-30"), (12, 3000, 150, "2024-02-29")]:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        data = tmp / "gen.jsonl"
        with open(data, "w") as f:
            subprocess.run([sys.executable, str(HERE / "gen.py"), str(seed), str(n), str(m)], stdout=f, check=True)
        default = (ROOT / "scoring-rules" / "default.toml").read_text()
        halved = default.replace('name = "default"', 'name = "breach-half-life-halved"').replace(
            "[types.breach]\nbase = 60\nhalf_life_days = 365", "[types.breach]\nbase = 60\nhalf_life_days = 182.5")
        assert halved != default
        (tmp / "b.toml").write_text(halved)
        out = subprocess.run([binary, "diff", "--rules", str(ROOT / "scoring-rules" / "default.toml"),
                              "--rules", str(tmp / "b.toml"), str(data), "--as-of", as_of,
                              "--format", "json", "--top", "1000000"], capture_output=True, text=True)
        if out.returncode != 0:
            print(f"FAIL seed {seed}: exit {out.returncode}: {out.stderr[-300:]}")
            failed += 1
            continue
        got = json.loads(out.stdout)
        records = reference.read_jsonl(data)
    date = reference.dt.date.fromisoformat(as_of)
    want_a = reference.rate(records, date)["ratings"]
    saved = reference.TYPES["breach"]
    reference.TYPES["breach"] = (60, 182.5, 1825, True)
    want_b = reference.rate(records, date)["ratings"]
    reference.TYPES["breach"] = saved

    keys = sorted(set(want_a) & set(want_b), key=lambda k: k.encode())
    xa = [want_a[k]["score_exact"] for k in keys]
    xb = [want_b[k]["score_exact"] for k in keys]
    grades = ["A", "B", "C", "D", "F"]
    matrix = [[0] * 5 for _ in grades]
    for k in keys:
        matrix[grades.index(want_a[k]["grade"])][grades.index(want_b[k]["grade"])] += 1
    changes = {k: want_b[k]["score"] - want_a[k]["score"] for k in keys}
    movers = sorted((k for k in keys if changes[k] != 0), key=lambda k: (-abs(changes[k]), k.encode()))
    diffs = []
    if got["companies"] != len(keys):
        diffs.append(f"companies {got['companies']} != {len(keys)}")
    if abs(got["spearman_rho"] - spearman(xa, xb)) > 1e-9:
        diffs.append(f"rho {got['spearman_rho']} != {spearman(xa, xb)}")
    if abs(got["kendall_tau_b"] - tau_b(xa, xb)) > 1e-9:
        diffs.append(f"tau {got['kendall_tau_b']} != {tau_b(xa, xb)}")
    if got["migration"] != matrix:
        diffs.append(f"migration {got['migration']} != {matrix}")
    gc = sum(1 for k in keys if want_a[k]["grade"] != want_b[k]["grade"])
    if got["grade_changes"] != gc:
        diffs.append(f"grade changes {got['grade_changes']} != {gc}")
    mean = sum(abs(v) for v in changes.values()) / len(keys)
    if abs(got["mean_abs_change"] - mean) > 1e-9 or got["max_abs_change"] != max(abs(v) for v in changes.values()):
        diffs.append("score change summary differs")
    if [x["company"] for x in got["movers"]] != movers:
        diffs.append(f"movers differ: {[x['company'] for x in got['movers']][:5]} vs {movers[:5]}")
    for x in got["movers"]:
        if x["change"] != changes[x["company"]]:
            diffs.append(f"{x['company']} change {x['change']} != {changes[x['company']]}")
            break
    # Halving a half-life can only shrink points: the driver is decay, never positive.
    for x in got["movers"]:
        if x["driver"] is None or x["driver"]["factor"] != "decay" or x["driver"]["points"] > 0:
            diffs.append(f"{x['company']}: driver {x['driver']}")
            break
    label = f"seed {seed}: {len(keys)} companies, {len(movers)} movers, {gc} grade changes, rho {got['spearman_rho']:.4f}, tau-b {got['kendall_tau_b']:.4f}"
    if diffs:
        failed += 1
        print("FAIL " + label)
        for d in diffs[:10]:
            print("    " + d)
    else:
        passed += 1
        print("ok   " + label)
print(f"diff check: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)

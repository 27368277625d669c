#!/usr/bin/env python3
"""Every command's output on valid input, byte for byte, against the outputs kept in
tests/reference/outputs/: a change that moves a byte of any of them shows here, so a
refactor can prove it changed nothing (and a deliberate change regenerates them in
the same commit, with the reason in CHANGELOG.md).

They were first written by the code before issue 17 (8d3bd27); its final code
matched all but two: `completions bash` (the `-o` flags commands gained) and the HHS
Mac Roman fixture's rejection lines (a CSV record after a CRLF is on its own line
now, not the line before).

Usage: outputs.py RISKRATE_BINARY            compare; prints 'N passed, N failed'
       outputs.py RISKRATE_BINARY --update   write the outputs from this binary
"""
import pathlib
import subprocess
import sys
import tempfile

root = pathlib.Path(__file__).resolve().parents[2]
kept = root / "tests" / "reference" / "outputs"
binary, update = sys.argv[1], "--update" in sys.argv[2:]

EX = "examples/incidents.jsonl"
SEED = "tests/data/vastaamo.json"
IMP = "tests/data/import"
SHORT = "scoring-rules/short-memory.toml"
DEFAULT = "scoring-rules/default.toml"
AS_OF = ["--as-of", "2026-11-28"]

# (name, arguments); an argument "{gen}" is the generated file below.
CASES = [
    ("score-table", ["score", EX, *AS_OF, "--color", "never"]),
    ("score-json", ["score", EX, *AS_OF, "-f", "json"]),
    ("score-json-all", ["score", EX, *AS_OF, "-f", "json", "--contributors", "all"]),
    ("score-jsonl", ["score", EX, *AS_OF, "-f", "jsonl"]),
    ("score-csv", ["score", EX, *AS_OF, "-f", "csv"]),
    ("score-seed-json", ["score", SEED, "--as-of", "2020-11-01", "-f", "json"]),
    ("score-gen-csv", ["score", "{gen}", "--as-of", "2024-06-30", "-f", "csv"]),
    ("score-gen-json", ["score", "{gen}", "--as-of", "2024-06-30", "-f", "json", "--rules", SHORT]),
    ("explain-text", ["explain", "northwind-clinics", EX, *AS_OF]),
    ("explain-json", ["explain", "northwind-clinics", EX, *AS_OF, "-f", "json"]),
    ("explain-what-if", ["explain", "northwind-clinics", EX, *AS_OF, "-f", "json",
                         "--without", "NWC-2026-001", "--as-disputed", "NWC-2025-014"]),
    ("explain-seed", ["explain", "Vastaamo", SEED, "--as-of", "2020-11-01"]),
    ("report-html", ["report", EX, *AS_OF, "--detail", "digitalmentalhealthconsortium"]),
    ("report-gen-html", ["report", "{gen}", "--as-of", "2024-06-30", "--details", "3"]),
    ("diff-table", ["diff", "--rules", DEFAULT, "--rules", SHORT, "{gen}", "--as-of", "2024-06-30"]),
    ("diff-json", ["diff", "--rules", DEFAULT, "--rules", SHORT, "{gen}", "--as-of", "2024-06-30", "-f", "json"]),
    ("backtest-json", ["backtest", "{gen}", "--from", "2019-01-01", "--to", "2023-01-01", "--step", "1y", "-f", "json"]),
    ("backtest-table", ["backtest", "{gen}", "--from", "2019-01-01", "--to", "2023-01-01", "--step", "1y"]),
    ("history-csv", ["history", "digitalmentalhealthconsortium", EX, "--from", "2020-09-01", "--to", "2023-09-01", "--step", "30d"]),
    ("history-json", ["history", "northwind-clinics", EX, "--from", "2024-01-01", "--to", "2027-01-01", "--step", "60d", "-f", "json"]),
    ("history-svg", ["history", "digitalmentalhealthconsortium", EX, "--from", "2020-09-01", "--to", "2023-09-01", "--step", "30d", "-f", "svg"]),
    ("import-hhs", ["import", "--from", "hhs", f"{IMP}/hhs-current.csv"]),
    ("import-hhs-macroman", ["import", "--from", "hhs", "--encoding", "mac-roman", f"{IMP}/hhs-archive-macroman.csv"]),
    ("import-hibp", ["import", "--from", "hibp", f"{IMP}/hibp.json"]),
    ("import-wikipedia", ["import", "--from", "wikipedia", f"{IMP}/wikipedia.csv"]),
    ("import-veris", ["import", "--from", "veris", f"{IMP}/veris"]),
    ("import-rankiteo", ["import", "rankiteo:" + f"{IMP}/rankiteo-incident.json", "rankiteo:tests/data/rankiteo-rating.json"]),
    ("import-csv", ["import", "--from", "csv", "--mapping", f"{IMP}/mapping.toml", f"{IMP}/log.csv"]),
    ("gen", ["gen", "--incidents", "200", "--companies", "40", "--seed", "3"]),
    ("rules-show", ["rules", "show"]),
    ("rules-show-short", ["rules", "show", SHORT]),
    ("rules-check", ["rules", "check", DEFAULT]),
    ("completions-bash", ["completions", "bash"]),
    ("man", ["man"]),
]

passed = failed = 0
with tempfile.TemporaryDirectory() as tmp:
    gen = pathlib.Path(tmp) / "gen.jsonl"
    r = subprocess.run([binary, "gen", "--incidents", "1500", "--companies", "60", "--seed", "11",
                        "-o", str(gen)], cwd=root, capture_output=True)
    if r.returncode != 0:
        sys.exit(f"gen failed: {r.stderr.decode()}")
    kept.mkdir(parents=True, exist_ok=True)
    for name, args in CASES:
        args = [str(gen) if a == "{gen}" else a for a in args]
        r = subprocess.run([binary, *args], cwd=root, capture_output=True,
                           env={"PATH": "/usr/bin:/bin", "NO_COLOR": "1"})
        # Both streams: stderr carries the accounting of jsonl/csv and import's report.
        got = r.stdout + b"\n--- stderr ---\n" + r.stderr.replace(str(gen).encode(), b"{gen}")
        got += f"--- exit {r.returncode} ---\n".encode()
        path = kept / (name + ".out")
        if update:
            path.write_bytes(got)
            continue
        want = path.read_bytes() if path.exists() else b""
        ok = got == want
        passed, failed = passed + ok, failed + (not ok)
        if not ok:
            # Where the first difference is, to start reading from.
            at = next((i for i, (a, b) in enumerate(zip(got, want)) if a != b), min(len(got), len(want)))
            print(f"FAIL {name}: differs at byte {at} ({len(got)} bytes, kept {len(want)})")
if update:
    print(f"outputs: {len(CASES)} written to {kept.relative_to(root)}")
else:
    print(f"outputs: {passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)

#!/usr/bin/env python3
"""The two large hostile inputs, against the release binary: a single 50 MB line
and 1,000,000 incidents of one company. Expected: a clear rejection (the line is
above the record limit) or a correct, fully accounted rating — no panic, no hang
(each run has a time limit), and bounded memory (peak RSS is checked).

Usage: hostile_large.py RISKRATE_BINARY      Prints 'N passed, N failed'.
"""
import json
import pathlib
import resource
import subprocess
import sys
import tempfile
import time

binary = sys.argv[1]
passed = failed = 0


def check(ok, label):
    global passed, failed
    print(("ok   " if ok else "FAIL ") + label)
    passed, failed = passed + ok, failed + (not ok)


def run(args, timeout):
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    r = subprocess.run([binary, *args], capture_output=True, timeout=timeout)
    peak_mb = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
    return r, peak_mb


with tempfile.TemporaryDirectory() as tmp:
    # Lines and records over the limit are skipped as they stream, never held whole:
    # a 300 MB one costs no more memory than a small file. These come first, as the
    # peak RSS measured is the largest of any run so far.
    # (Written in pieces: a child forked from a process holding 300 MB would count it.)
    def write(path, *parts):
        with open(path, "w") as f:
            for p in parts:
                for _ in range(300) if p is None else [0]:
                    f.write("x" * 1_000_000 if p is None else p)

    huge = pathlib.Path(tmp) / "huge.jsonl"
    write(huge, '{"id":"a","company":"c","type":"ddos","date":"2020"}\n{"pad":"', None,
          '"}\r{"id":"b","company":"c","type":"ddos","date":"2020"}\n')
    for label, args, stdin in [("file", [str(huge)], None),
                               ("stdin", ["-", "--input-format", "jsonl"], huge)]:
        with open(stdin, "rb") if stdin else open("/dev/null", "rb") as inp:
            before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
            r = subprocess.run([binary, "score", *args, "--as-of", "2021-01-01", "--format", "json"],
                               stdin=inp, capture_output=True, timeout=120)
            mb = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
        doc = json.loads(r.stdout)
        rej = doc["rejected"][0] if doc["rejected"] else {}
        check(r.returncode == 0 and doc["summary"]["counted"] == 2 and rej.get("line") == 2
              and "300000010 bytes" in rej.get("message", "") and mb < 100,
              f"300 MB JSON Lines line ({label}): skipped at line 2, the lines around it read, peak RSS {mb:.0f} MB")
    # An endless input (a device, or a pipe of junk) streams in bounded memory: it
    # can only be JSON Lines, as it starts with neither [ nor {.
    for label, args, stdin in [("/dev/zero", ["/dev/zero"], None), ("stdin of zeros", ["-"], "/dev/zero")]:
        with open(stdin or "/dev/null", "rb") as inp:
            p = subprocess.Popen([binary, "score", *args], stdin=inp, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
            time.sleep(3)
            with open(f"/proc/{p.pid}/status") as st:
                hwm = next((int(l.split()[1]) for l in st if l.startswith("VmHWM:")), 0) / 1024
            alive = p.poll() is None
            p.kill()
            p.wait()
        check(alive and hwm < 100, f"{label}: read as it streams, peak RSS {hwm:.0f} MB after 3 s")

    hhs = pathlib.Path(tmp) / "hhs.csv"
    head = ("Name of Covered Entity,State,Covered Entity Type,Individuals Affected,Breach Submission Date,"
            "Type of Breach,Location of Breached Information,Business Associate Present,Web Description\n")
    row = "{},PA,Healthcare Provider,9271,10/08/2024,Hacking/IT Incident,Network Server,No,\n"
    write(hhs, head + row.format("A") + '"', None, '"' + row.format("")[1:] + row.format("B"))
    hibp = pathlib.Path(tmp) / "hibp.json"
    write(hibp, '[{"Name":"A","Title":"A","BreachDate":"2019-05-24"},{"Description":"', None,
          '"},{"Name":"B","Title":"B","BreachDate":"2019-05-24"}]')
    arr = pathlib.Path(tmp) / "array.json"
    write(arr, '[{"id":"a","company":"c","type":"ddos","date":"2020"},\n{"pad":"', None,
          '"},\n{"id":"b","company":"c","type":"ddos","date":"2020"}]\n')
    with open(arr, "rb") as inp:
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        r = subprocess.run([binary, "score", "-", "--input-format", "json", "--as-of", "2021-01-01",
                            "--format", "json"], stdin=inp, capture_output=True, timeout=120)
        mb = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
    doc = json.loads(r.stdout)
    check(r.returncode == 0 and doc["summary"]["counted"] == 2 and mb < 100,
          f"300 MB element of a JSON array on stdin: skipped as it streams, peak RSS {mb:.0f} MB")
    for source, path in [("hhs", hhs), ("hibp", hibp)]:
        r, mb = run(["import", "--from", source, str(path)], 120)
        check(r.returncode == 0 and r.stdout.count(b"\n") == 2 and b"above the limit" in r.stderr and mb < 100,
              f"300 MB {source} record: skipped, the records around it imported, peak RSS {mb:.0f} MB")

    # Bounded work: a report of 80,000 companies each in an industry of its own
    # (an industry table built by a pass over the companies per industry took
    # 350 s), inside a time limit that only a quadratic run misses.
    many = pathlib.Path(tmp) / "industries.jsonl"
    with open(many, "w") as f:
        for i in range(80_000):
            f.write('{"id":"i%d","company":"c%d","industry":"ind%d","type":"breach","date":"2020-05"}\n' % (i, i, i))
    try:
        r, mb = run(["report", str(many), "--as-of", "2021-01-01"], 60)
        check(r.returncode == 0 and r.stdout.count(b"<tr><td>ind") == 80_000,
              f"report of 80,000 industries: within the time limit, peak RSS {mb:.0f} MB")
    except subprocess.TimeoutExpired:
        check(False, "report of 80,000 industries: over the time limit")

    big = pathlib.Path(tmp) / "big.jsonl"
    big.write_text('{"id":"a","company":"c","type":"breach","date":"2020","pad":"' + "x" * 50_000_000 + '"}\n')
    r, mb = run(["score", str(big), "--as-of", "2021-01-01", "--format", "json"], 120)
    doc = json.loads(r.stdout)
    rej = doc["rejected"][0] if doc["rejected"] else {}
    check(r.returncode == 0 and b"panicked" not in r.stderr and doc["summary"]["rejected"] == 1
          and rej.get("line") == 1 and "above the limit" in rej.get("message", "") and mb < 1024,
          f"50 MB line: rejected at line 1 ({rej.get('message', '')[:60]}…), peak RSS {mb:.0f} MB")
    r, mb = run(["score", str(big), "--as-of", "2021-01-01", "--format", "json", "--max-record-bytes", "60000000"], 120)
    doc = json.loads(r.stdout)
    check(r.returncode == 0 and doc["summary"]["counted"] == 1 and mb < 1024,
          f"50 MB line with the limit raised: rated, peak RSS {mb:.0f} MB")

    one = pathlib.Path(tmp) / "one.jsonl"
    with open(one, "w") as f:
        for i in range(1_000_000):
            f.write('{"id":"i%d","company":"c","type":"%s","date":"20%02d-%02d-15"}\n'
                    % (i, ("breach", "ransomware", "attack")[i % 3], 10 + i % 13, 1 + i % 12))
    r, mb = run(["score", str(one), "--as-of", "2021-01-01", "--format", "json"], 300)
    doc = json.loads(r.stdout)
    s = doc["summary"]
    check(r.returncode == 0 and s["read"] == 1_000_000 and s["read"] == s["counted"] + s["expired"] + s["future"] + s["rejected"]
          and doc["ratings"][0]["score"] == 100 and mb < 2560,
          f"1,000,000 incidents of one company: {s}, score {doc['ratings'][0]['score']}, peak RSS {mb:.0f} MB")
print(f"hostile (large): {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)

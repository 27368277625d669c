#!/usr/bin/env python3
"""Generates canonical incident JSON Lines that exercise every form of SCORING.md §1:
aliases in any case, several comma-separated types, every date form, disclosed
dates, statuses, numbers as strings, linkid, flags, duplicates and broken records
(bad values, unknown names, invalid JSON, blank lines).

Usage: gen.py SEED N_INCIDENTS N_COMPANIES > file.jsonl
"""
import json
import random
import sys

TYPE_SPELLINGS = ["ransomware", "Extortion", "breach", "Data Breach", "attack", "cyber attack",
                  "Intrusion", "malware", "PHISHING", "account takeover", "ddos", "DDoS",
                  "vulnerability", "other", "Data Breach, Extortion", "attack, ddos",
                  "ddos, Attack", "vulnerability, other"]
CLASS_SPELLINGS = ["mental health records", "therapy notes", "Psychiatric", "medical", "PHI",
                   "health records", "genetic", "biometric", "sex_life", "criminal_record",
                   "SSN", "social security numbers", "passport", "personal identity code",
                   "payment_card", "credit card", "bank", "virtual_currency", "passwords",
                   "api keys", "trade secrets", "source_code", "internal", "system",
                   "location", "names", "email addresses", "contact details", "PII"]
INDUSTRIES = ["healthcare", "finance", "retail", "education", "technology", None]


def date_forms(rng, year_lo=2014, year_hi=2027):
    y = rng.randint(year_lo, year_hi)
    m = rng.randint(1, 12)
    d = rng.randint(1, 28)
    form = rng.randrange(6)
    if form == 0:
        return f"{y:04d}-{m:02d}-{d:02d}"
    if form == 1:
        return f"{y:04d}-{m:02d}"
    if form == 2:
        return f"{m:02d}/{y:04d}"
    if form == 3:
        return f"{m}/{y:04d}"
    if form == 4:
        return f"{y:04d}"
    return f"{y:04d}-{m:02d}-{d:02d}"


def maybe_str(rng, x):
    return str(x) if rng.random() < 0.3 else x


def good_record(rng, i, companies):
    c = rng.choice(companies)
    r = {"id": f"I{i:06d}" if rng.random() < 0.95 else i + 10_000_000}
    if rng.random() < 0.1:
        r["linkid"] = c["key"]
    else:
        r["company"] = c["key"]
    if rng.random() < 0.7:
        r["company_name"] = c["name"]
    if c["industry"] and rng.random() < 0.8:
        r["industry"] = c["industry"]
    r["type"] = rng.choice(TYPE_SPELLINGS)
    r["date"] = date_forms(rng)
    if rng.random() < 0.25:
        r["disclosed"] = date_forms(rng, 2015, 2027)
    if rng.random() < 0.8:
        r["severity"] = maybe_str(rng, rng.choice([0, 5, 10, 35, 50, 72.5, 90, 100]))
    if rng.random() < 0.8:
        r["impact"] = maybe_str(rng, rng.randint(1, 5))
    if rng.random() < 0.7:
        k = rng.randint(0, 3)
        dts = [rng.choice(CLASS_SPELLINGS) for _ in range(k)]
        r["data_types"] = ";".join(dts) if rng.random() < 0.1 else dts
    if rng.random() < 0.6:
        r["records"] = maybe_str(rng, rng.choice([0, 1, 999, 1000, 25_000, 4_000_000, 200_000_000]))
    if rng.random() < 0.4:
        r["status"] = rng.choice(["confirmed", "alleged", "disputed", "Alleged", "CONFIRMED"])
    if rng.random() < 0.2:
        r["third_party"] = rng.random() < 0.5
    if rng.random() < 0.2:
        r["vulnerable_subjects"] = rng.random() < 0.5
    return r


def broken(rng, r):
    kind = rng.randrange(12)
    if kind == 0:
        r["severity"] = rng.choice([120, -1, "high", "101"])
    elif kind == 1:
        r["impact"] = rng.choice([0, 6, 2.5, "big"])
    elif kind == 2:
        r["date"] = rng.choice(["2021-02-30", "13/2020", "yesterday", "2020/10", "20-1-1"])
    elif kind == 3:
        r["type"] = rng.choice(["earthquake", "breach, flood", ""])
    elif kind == 4:
        r["data_types"] = ["health records", "horoscopes"]
    elif kind == 5:
        r["records"] = rng.choice([-5, 2.5, "many"])
    elif kind == 6:
        r.pop("id", None)
    elif kind == 7:
        r.pop("company", None)
        r.pop("linkid", None)
    elif kind == 8:
        r["status"] = "rumoured"
    elif kind == 9:
        r["disclosed"] = "someday"
    elif kind == 10:
        return "{not json"
    else:
        r["third_party"] = "perhaps"
    return json.dumps(r)


def main():
    seed, n, m = (int(x) for x in sys.argv[1:4])
    rng = random.Random(seed)
    companies = [{"key": f"co{j:04d}", "name": f"Company {j}", "industry": rng.choice(INDUSTRIES)}
                 for j in range(m)]
    lines = []
    for i in range(n):
        r = good_record(rng, i, companies)
        roll = rng.random()
        if roll < 0.06:
            lines.append(broken(rng, r))
        elif roll < 0.09 and i > 0:
            # A duplicate id: reuse an earlier id with different content.
            r["id"] = f"I{rng.randrange(i):06d}"
            lines.append(json.dumps(r))
        else:
            lines.append(json.dumps(r))
        if rng.random() < 0.01:
            lines.append("")
    sys.stdout.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()

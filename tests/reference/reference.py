#!/usr/bin/env python3
"""An independent implementation of SCORING.md (default rules), written from the
contract alone and sharing no code with the Rust engine. CI runs it against the
engine on generated data (compare.py).

Numbers are those of SCORING.md; only the alias lists come from the rules file, as
SCORING.md says the rules file holds the full list. Standard library only.

Usage: reference.py AS_OF FILE.jsonl  -> JSON {"summary": ..., "ratings": {...}}
"""
import datetime as dt
import json
import math
import pathlib
import sys
import tomllib

ROOT = pathlib.Path(__file__).resolve().parents[2]

TYPES = {  # base, half-life, cut-off, recurring
    "ransomware": (100, 365, 1825, True),
    "breach": (60, 365, 1825, True),
    "attack": (20, 180, 730, False),
    "ddos": (15, 180, 730, False),
    "vulnerability": (5, 90, 365, False),
    "other": (20, 180, 730, False),
}
CLASSES = {
    "mental_health": 2.75, "health": 2.5, "genetic": 2.5, "biometric": 2.5,
    "sex_life": 2.5, "criminal_record": 2.5, "national_id": 2.0,
    "payment_card": 1.75, "bank_account": 1.75, "virtual_currency": 1.75,
    "credentials": 1.75, "secrets": 1.75, "source_code": 1.75,
    "internal": 1.25, "system": 1.25, "location": 1.25, "personal": 1.0,
}
IMPACT = {1: 0.5, 2: 0.75, 3: 1.0, 4: 1.5, 5: 2.0}
GRADES = [("A", 850), ("B", 700), ("C", 550), ("D", 400), ("F", -10**9)]


def load_aliases():
    rules = tomllib.loads((ROOT / "scoring-rules" / "default.toml").read_text())
    types = {n.lower(): n for n in TYPES}
    for n, t in rules["types"].items():
        for a in t.get("aliases", []):
            types[a.strip().lower()] = n
    classes = {n.lower(): n for n in CLASSES}
    for n, c in rules["data_classes"].items():
        for a in c.get("aliases", []):
            classes[a.strip().lower()] = n
    return types, classes


TYPE_ALIAS, CLASS_ALIAS = load_aliases()


class Reject(Exception):
    pass


def missing(v):
    return v is None or (isinstance(v, str) and v.strip() == "")


def parse_date(v):
    if isinstance(v, bool) or not isinstance(v, (str, int)):
        raise Reject("date")
    s = str(v).strip()
    try:
        if "/" in s:
            m, y = s.split("/")
            if not (m.isdigit() and 1 <= len(m) <= 2 and y.isdigit() and len(y) == 4):
                raise Reject("date")
            return dt.date(int(y), int(m), 1)
        parts = s.split("-")
        if len(parts) == 1 and len(s) == 4 and s.isdigit():
            return dt.date(int(s), 1, 1)
        if len(parts) == 2 and len(parts[0]) == 4 and len(parts[1]) == 2 and all(p.isdigit() for p in parts):
            return dt.date(int(parts[0]), int(parts[1]), 1)
        if len(parts) == 3 and [len(p) for p in parts] == [4, 2, 2] and all(p.isdigit() for p in parts):
            return dt.date(int(parts[0]), int(parts[1]), int(parts[2]))
    except ValueError:
        raise Reject("date")
    raise Reject("date")


def number(v):
    if isinstance(v, bool):
        raise ValueError
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, str):
        x = float(v.strip())
        if math.isfinite(x):
            return x
    raise ValueError


def whole(v):
    x = number(v)
    if x != int(x):
        raise ValueError
    return int(x)


def text(v, field):
    if isinstance(v, bool) or isinstance(v, (list, dict)):
        raise Reject(field)
    if isinstance(v, float):
        return repr(v)
    return str(v)


def normalise(r):
    """A record dict -> incident dict, or Reject."""
    if not isinstance(r, dict):
        raise Reject("record")
    if missing(r.get("id")):
        raise Reject("id")
    iid = text(r["id"], "id")
    company = r.get("company")
    if missing(company):
        company = r.get("linkid")
    if missing(company):
        raise Reject("company")
    company = text(company, "company")
    if missing(r.get("type")) or not isinstance(r["type"], str):
        raise Reject("type")
    best = None
    for part in r["type"].split(","):
        if not part.strip():
            continue
        name = TYPE_ALIAS.get(part.strip().lower())
        if name is None:
            raise Reject("type")
        if best is None or TYPES[name][0] > TYPES[best][0]:
            best = name
    if best is None:
        raise Reject("type")
    if missing(r.get("date")):
        raise Reject("date")
    date = parse_date(r["date"])
    disclosed = None if missing(r.get("disclosed")) else parse_date(r["disclosed"])
    sev = r.get("severity")
    if missing(sev):
        sev = 50.0
    else:
        try:
            sev = number(sev)
        except (ValueError, TypeError):
            raise Reject("severity")
        if not 0 <= sev <= 100:
            raise Reject("severity")
    imp = r.get("impact")
    if missing(imp):
        imp = 3
    else:
        try:
            imp = whole(imp)
        except (ValueError, TypeError, OverflowError):
            raise Reject("impact")
        if imp not in IMPACT:
            raise Reject("impact")
    classes = set()
    dts = r.get("data_types")
    if dts is not None:
        items = dts.split(";") if isinstance(dts, str) else dts
        if not isinstance(items, list):
            raise Reject("data_types")
        for d in items:
            if d is None:
                continue
            if not isinstance(d, str):
                raise Reject("data_types")
            if not d.strip():
                continue
            c = CLASS_ALIAS.get(d.strip().lower())
            if c is None:
                raise Reject("data_types")
            classes.add(c)
    rec = r.get("records")
    if missing(rec):
        rec = None
    else:
        try:
            rec = whole(rec)
        except (ValueError, TypeError, OverflowError):
            raise Reject("records")
        if rec < 0:
            raise Reject("records")
    status = r.get("status")
    status = "confirmed" if missing(status) else str(status).strip().lower()
    if status not in ("confirmed", "alleged", "disputed"):
        raise Reject("status")
    for f in ("third_party", "vulnerable_subjects"):
        if r.get(f) not in (None, True, False):
            raise Reject(f)
    return {
        "id": iid, "company": company, "type": best, "date": date,
        "eff": disclosed or date, "severity": sev, "impact": imp, "classes": classes,
        "records": rec, "status": status, "third_party": bool(r.get("third_party")),
        "vulnerable": bool(r.get("vulnerable_subjects")),
        "company_name": None if missing(r.get("company_name")) else text(r["company_name"], "company_name"),
        "industry": None if missing(r.get("industry")) else text(r["industry"], "industry"),
    }


def weight(inc, k):
    base, _, _, recurring = TYPES[inc["type"]]
    s = max(0.1, inc["severity"] / 100)
    i = IMPACT[inc["impact"]]
    d = max([CLASSES[c] for c in inc["classes"]], default=1.0)
    if inc["vulnerable"]:
        d += 0.25
    d = min(d, 3.0)
    if inc["records"] is None:
        v = 1.0
    elif inc["records"] == 0:
        v = 0.75
    else:
        v = min(max(1 + 0.25 * math.log10(inc["records"] / 1000), 0.75), 2.0)
    c = {"confirmed": 1.0, "alleged": 0.5, "disputed": 0.5}[inc["status"]]
    if inc["third_party"]:
        c *= 0.5
    r = min(1 + 0.25 * (k - 1), 1.75) if recurring else 1.0
    return base * s * i * d * v * c * r


def points_at(items, days):
    """items: (weight, age today, half-life, cut-off) of counted incidents."""
    e = 0.0
    for w, t, h, cut in items:
        if t + days <= cut:
            e += w * 2 ** (-(t + days) / h)
    return e


def score_exact(e):
    return 100 + 900 * math.exp(-e / 150)


def rnd(x):
    return math.floor(x + 0.5)


def grade(score):
    for g, lo in GRADES:
        if score >= lo:
            return g


def chi2_even_inv(k, p):
    """Inverse CDF of chi-squared with 2k degrees of freedom (k >= 1), by bisection on
    the Poisson identity P(X <= x) = 1 - sum_{i<k} e^{-x/2} (x/2)^i / i!."""
    def cdf(x):
        lam = x / 2
        term, total = math.exp(-lam), 0.0
        for i in range(k):
            total += term
            term *= lam / (i + 1)
        return 1 - total
    lo, hi = 0.0, 1.0
    while cdf(hi) < p:
        hi *= 2
    for _ in range(200):
        mid = (lo + hi) / 2
        if cdf(mid) < p:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def rate(records, as_of):
    accepted, rejected, seen = [], 0, set()
    for r in records:
        try:
            inc = normalise(r)
        except Reject:
            rejected += 1
            continue
        if inc["id"] in seen:
            rejected += 1
            continue
        seen.add(inc["id"])
        accepted.append(inc)
    by_company = {}
    for inc in accepted:
        by_company.setdefault(inc["company"], []).append(inc)
    out = {}
    totals = {"counted": 0, "expired": 0, "future": 0}
    for company, incs in by_company.items():
        counted, expired, future = [], 0, 0
        for inc in incs:
            t = (as_of - inc["eff"]).days
            base, h, cut, recurring = TYPES[inc["type"]]
            if t < 0:
                future += 1
                continue
            if t > cut:
                expired += 1
                continue
            k = 1
            if recurring:
                for o in incs:
                    if o is inc or not TYPES[o["type"]][3] or (as_of - o["eff"]).days < 0:
                        continue
                    lo = inc["eff"] - dt.timedelta(days=1095)
                    if lo <= o["eff"] < inc["eff"] or (o["eff"] == inc["eff"] and o["id"].encode() < inc["id"].encode()):
                        k += 1
            counted.append((weight(inc, k), t, h, cut))
        e = points_at(counted, 0)
        n = len(counted)
        sx = score_exact(e)
        sc = rnd(sx)
        g = grade(sc)
        if n == 0:
            e_lo, e_hi = 0.0, chi2_even_inv(1, 0.95) / 2 * 10
        else:
            e_lo = e * (chi2_even_inv(n, 0.05) / 2) / n
            e_hi = e * (chi2_even_inv(n + 1, 0.95) / 2) / n
        nxt = None
        if g != "A" and counted:
            order = [x[0] for x in GRADES]
            horizon = max(cut - t for _, t, _, cut in counted) + 1
            for d in range(1, horizon + 1):
                g2 = grade(rnd(score_exact(points_at(counted, d))))
                if order.index(g2) < order.index(g):
                    nxt = {"grade": g2, "date": (as_of + dt.timedelta(days=d)).isoformat()}
                    break
        out[company] = {
            "company": company, "score": sc, "grade": g, "score_exact": sx, "risk_points": e,
            "interval": {"low": rnd(score_exact(e_hi)), "high": rnd(score_exact(e_lo))},
            "incidents": {"counted": n, "expired": expired, "future": future},
            "next_grade_change": nxt,
            "industry": next((i["industry"] for i in incs if i["industry"]), None),
            "company_name": next((i["company_name"] for i in incs if i["company_name"]), None),
        }
        totals["counted"] += n
        totals["expired"] += expired
        totals["future"] += future
    peers = {}
    for r in out.values():
        if r["industry"] is not None:
            peers.setdefault(r["industry"], []).append(r["score_exact"])
    for r in out.values():
        group = peers.get(r["industry"]) if r["industry"] is not None else None
        if not group or len(group) < 2:
            r["industry_percentile"] = None
            continue
        lower = sum(1 for s in group if s < r["score_exact"])
        tied = sum(1 for s in group if s == r["score_exact"]) - 1
        r["industry_percentile"] = 100 * (lower + 0.5 * tied) / (len(group) - 1)
    summary = dict(totals, rejected=rejected, companies=len(out))
    summary["read"] = summary["counted"] + summary["expired"] + summary["future"] + rejected
    return {"summary": summary, "ratings": out}


def read_jsonl(path):
    """Each non-blank line is a record; an unparseable line stays a record (rejected)."""
    records = []
    for line in pathlib.Path(path).read_bytes().split(b"\n"):
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except ValueError:
            records.append(None)
    return records


if __name__ == "__main__":
    as_of = dt.date.fromisoformat(sys.argv[1])
    json.dump(rate(read_jsonl(sys.argv[2]), as_of), sys.stdout, indent=1, sort_keys=True)

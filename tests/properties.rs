//! Properties a user relies on, over random incident sets: scores stay in bounds;
//! removing an incident, ageing the ratings or lowering a severity never lowers a
//! score; every record is accounted for; nothing panics on arbitrary input.

use proptest::prelude::*;
use riskrate::unstable::{Dataset, Format, NaiveDate};

use crate::util::{date, default_rules, with_report};

const TYPES: &[&str] = &[
    "ransomware",
    "Data Breach",
    "attack",
    "ddos",
    "vulnerability",
    "other",
    "breach, ddos",
];
const CLASSES: &[&str] = &[
    "therapy notes",
    "PHI",
    "ssn",
    "passwords",
    "internal",
    "names",
    "genetic",
];

#[derive(Debug, Clone)]
struct Inc {
    company: u8,
    kind: usize,
    day: i64,
    disclosed_later: Option<i64>,
    severity: u8,
    impact: u8,
    classes: Vec<usize>,
    records: Option<u64>,
    status: usize,
    third_party: bool,
    vulnerable: bool,
}

fn inc() -> impl Strategy<Value = Inc> {
    (
        0u8..3,
        0..TYPES.len(),
        0i64..2600,
        proptest::option::of(0i64..400),
        0u8..=100,
        1u8..=5,
        proptest::collection::vec(0..CLASSES.len(), 0..3),
        proptest::option::of(0u64..50_000_000),
        0usize..3,
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(
            |(
                company,
                kind,
                day,
                disclosed_later,
                severity,
                impact,
                classes,
                records,
                status,
                third_party,
                vulnerable,
            )| Inc {
                company,
                kind,
                day,
                disclosed_later,
                severity,
                impact,
                classes,
                records,
                status,
                third_party,
                vulnerable,
            },
        )
}

fn origin() -> NaiveDate {
    date("2015-01-01")
}

fn day(d: i64) -> String {
    (origin() + chrono::Duration::days(d))
        .format("%Y-%m-%d")
        .to_string()
}

fn jsonl(incs: &[Inc]) -> String {
    jsonl_without(incs, None)
}

/// As [`jsonl`], leaving out the incident at `skip`: the others keep their ids
/// (`i` and their place in `incs`). Renumbering them would change which of two
/// same-day incidents comes first by id, and so which one the recurrence factor
/// falls on (SCORING.md orders recurring incidents by date, then id): a change of
/// another company's score that has nothing to do with the removal.
fn jsonl_without(incs: &[Inc], skip: Option<usize>) -> String {
    let mut s = String::new();
    for (i, x) in incs.iter().enumerate().filter(|(i, _)| Some(*i) != skip) {
        let status = ["confirmed", "alleged", "disputed"][x.status];
        let mut r = serde_json::json!({
            "id": format!("i{i}"),
            "company": format!("c{}", x.company),
            "industry": "same",
            "type": TYPES[x.kind],
            "date": day(x.day),
            "severity": x.severity,
            "impact": x.impact,
            "data_types": x.classes.iter().map(|c| CLASSES[*c]).collect::<Vec<_>>(),
            "status": status,
            "third_party": x.third_party,
            "vulnerable_subjects": x.vulnerable,
        });
        if let Some(d) = x.disclosed_later {
            r["disclosed"] = day(x.day + d).into();
        }
        if let Some(n) = x.records {
            r["records"] = n.into();
        }
        s.push_str(&r.to_string());
        s.push('\n');
    }
    s
}

/// The pieces of a line split at each lone CR (a CR at its very end comes before
/// the LF that ends the line: a CRLF, not a lone CR).
fn pieces(l: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, b) in l.iter().enumerate() {
        if *b == b'\r' && i + 1 < l.len() {
            out.push(&l[start..i]);
            start = i + 1;
        }
    }
    out.push(&l[start..]);
    out
}

/// company → (score, score_exact) as of `as_of`.
fn scores(incs: &[Inc], as_of: NaiveDate) -> Vec<(String, i64, f64)> {
    scores_of(&jsonl(incs), as_of)
}

fn scores_of(text: &str, as_of: NaiveDate) -> Vec<(String, i64, f64)> {
    with_report(text, &as_of.format("%Y-%m-%d").to_string(), |r| {
        r.ratings
            .iter()
            .map(|x| (x.company.to_string(), x.score, x.score_exact))
            .collect()
    })
}

fn score_of(list: &[(String, i64, f64)], company: &str) -> Option<(i64, f64)> {
    list.iter().find(|x| x.0 == company).map(|x| (x.1, x.2))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, .. ProptestConfig::default() })]

    #[test]
    fn scores_intervals_and_grades_stay_in_bounds(incs in proptest::collection::vec(inc(), 1..25), at in 0i64..3000) {
        let rules = default_rules();
        let text = jsonl(&incs);
        let mut data = Dataset::new();
        data.read_bytes(text.as_bytes(), "p.jsonl", Format::Jsonl).unwrap();
        let resolved = data.resolve_unmerged(&rules);
        let report = riskrate::unstable::rate(&resolved, origin() + chrono::Duration::days(at));
        for r in &report.ratings {
            prop_assert!((100..=1000).contains(&r.score), "{}", r.score);
            prop_assert!((100.0..=1000.0).contains(&r.score_exact));
            prop_assert!(r.interval.low <= r.score && r.score <= r.interval.high, "{:?} {}", r.interval, r.score);
            prop_assert!(r.risk_points >= 0.0);
            let expected_grade = rules.grades()[rules.grade_index(r.score)].grade.as_str();
            prop_assert_eq!(r.grade, expected_grade);
            if let Some(p) = r.industry_percentile {
                prop_assert!((0.0..=100.0).contains(&p));
            }
            if let Some(g) = &r.next_grade_change {
                prop_assert!(g.date > report.as_of);
            }
            let shares: f64 = r.contributors().map(|a| a.share).sum();
            prop_assert!(r.counts.counted == 0 || (shares - 1.0).abs() < 1e-9);
        }
        let s = report.summary;
        prop_assert_eq!(s.read, s.counted + s.expired + s.future + s.rejected);
        prop_assert_eq!(s.read as usize, incs.len());
    }

    #[test]
    fn removing_an_incident_never_lowers_a_score(incs in proptest::collection::vec(inc(), 2..20), drop in any::<prop::sample::Index>(), at in 0i64..3000) {
        let as_of = origin() + chrono::Duration::days(at);
        let before = scores(&incs, as_of);
        let after = scores_of(&jsonl_without(&incs, Some(drop.index(incs.len()))), as_of);
        for (company, score, exact) in &after {
            let (s0, e0) = score_of(&before, company).unwrap();
            prop_assert!(*score >= s0 && *exact >= e0, "{company}: {s0} -> {score}");
        }
    }

    #[test]
    fn ageing_never_lowers_a_score_when_nothing_is_future(incs in proptest::collection::vec(inc(), 1..20), later in 1i64..2500) {
        // As of the last effective date, no incident is future.
        let last = incs.iter().map(|x| x.day + x.disclosed_later.unwrap_or(0)).max().unwrap();
        let t1 = origin() + chrono::Duration::days(last);
        let t2 = t1 + chrono::Duration::days(later);
        let (a, b) = (scores(&incs, t1), scores(&incs, t2));
        for ((c1, s1, e1), (c2, s2, e2)) in a.iter().zip(&b) {
            prop_assert_eq!(c1, c2);
            prop_assert!(s2 >= s1 && e2 >= e1, "{c1}: {s1} -> {s2}");
        }
    }

    #[test]
    fn more_severity_never_raises_a_score(incs in proptest::collection::vec(inc(), 1..20), pick in any::<prop::sample::Index>(), extra in 1u8..=100, at in 0i64..3000) {
        let as_of = origin() + chrono::Duration::days(at);
        let mut worse = incs.clone();
        let i = pick.index(incs.len());
        worse[i].severity = worse[i].severity.saturating_add(extra).min(100);
        let (a, b) = (scores(&incs, as_of), scores(&worse, as_of));
        for ((c, s1, e1), (_, s2, e2)) in a.iter().zip(&b) {
            prop_assert!(s2 <= s1 && e2 <= e1, "{c}: {s1} -> {s2}");
        }
    }

    #[test]
    fn rating_is_deterministic(incs in proptest::collection::vec(inc(), 1..20)) {
        let a = with_report(&jsonl(&incs), "2020-06-30", |r| format!("{:?}", r.ratings));
        let b = with_report(&jsonl(&incs), "2020-06-30", |r| format!("{:?}", r.ratings));
        prop_assert_eq!(a, b);
    }

    /// Arbitrary lines — JSON-ish fragments, wrong types, garbage bytes — never panic
    /// and every non-blank line ends up counted somewhere.
    #[test]
    fn arbitrary_input_is_accounted_for(lines in proptest::collection::vec(line(), 0..30)) {
        let rules = default_rules();
        let mut data = Dataset::new();
        let mut bytes = Vec::new();
        for l in &lines {
            bytes.extend_from_slice(l);
            bytes.push(b'\n');
        }
        data.read_bytes(&bytes, "fuzz.jsonl", Format::Jsonl).unwrap();
        let resolved = data.resolve_unmerged(&rules);
        let report = riskrate::unstable::rate(&resolved, date("2020-01-01"));
        // A lone CR (one not before the LF) ends a line too.
        let non_blank = lines
            .iter()
            .flat_map(|l| pieces(l))
            .filter(|l| !l.iter().all(u8::is_ascii_whitespace))
            .count();
        let s = report.summary;
        prop_assert_eq!(s.read as usize, non_blank);
        prop_assert_eq!(s.read, s.counted + s.expired + s.future + s.rejected);
        // A report rated for writing (explanations rendered by the writer) writes
        // the same bytes as one that holds its explanations.
        let for_writing = riskrate::unstable::rate_for_writing(&resolved, date("2020-01-01"), None);
        for fmt in [
            riskrate::unstable::OutputFormat::Json,
            riskrate::unstable::OutputFormat::Jsonl,
            riskrate::unstable::OutputFormat::Csv,
            riskrate::unstable::OutputFormat::Table,
        ] {
            let mut out = Vec::new();
            riskrate::unstable::write_report(&mut out, &report, fmt, riskrate::unstable::Contributors::All).unwrap();
            let mut out2 = Vec::new();
            riskrate::unstable::write_report(&mut out2, &for_writing, fmt, riskrate::unstable::Contributors::All).unwrap();
            prop_assert_eq!(out, out2);
        }
    }
}

fn line() -> impl Strategy<Value = Vec<u8>> {
    let field = prop_oneof![
        Just("\"id\":\"x\"".to_string()),
        Just("\"id\":7".to_string()),
        Just("\"company\":\"c\"".to_string()),
        Just("\"linkid\":null".to_string()),
        Just("\"type\":\"breach\"".to_string()),
        Just("\"type\":[\"breach\"]".to_string()),
        Just("\"date\":\"2019-05\"".to_string()),
        Just("\"date\":2019".to_string()),
        Just("\"disclosed\":{}".to_string()),
        Just("\"severity\":\"1e309\"".to_string()),
        Just("\"impact\":-3".to_string()),
        Just("\"records\":18446744073709551616".to_string()),
        Just("\"records\":\"0\"".to_string()),
        Just("\"data_types\":\"ssn;;phi\"".to_string()),
        Just("\"status\":true".to_string()),
        Just("\"third_party\":\"yes\"".to_string()),
        "\"[a-z_]{1,12}\":\"[^\"\\\\\n]{0,8}\"",
    ];
    prop_oneof![
        3 => proptest::collection::vec(field, 0..8).prop_map(|fs| format!("{{{}}}", fs.join(",")).into_bytes()),
        1 => proptest::collection::vec(any::<u8>(), 0..40).prop_map(|mut v| { v.retain(|b| *b != b'\n'); v }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 150, .. ProptestConfig::default() })]

    /// SCORING.md §4's percentile, counted directly for each company, equals what
    /// the engine gives (which sorts each industry once): many companies, a few
    /// industries, one with a single company, and ties (every company with nothing
    /// counted scores exactly 1000).
    #[test]
    fn industry_percentiles_follow_the_formula(
        incs in proptest::collection::vec((0u8..40, 0..TYPES.len(), 0i64..2600, 0u8..=100), 1..80),
        at in 0i64..3000,
    ) {
        let industries = ["health", "retail", "energy", "alone"];
        let mut text = String::new();
        for (i, (company, kind, day_n, severity)) in incs.iter().enumerate() {
            // Company 39 alone has the industry "alone"; the others take theirs from
            // the company number, so a company's incidents agree on it.
            let industry = if *company == 39 { industries[3] } else { industries[usize::from(*company) % 3] };
            text.push_str(&serde_json::json!({
                "id": format!("i{i}"),
                "company": format!("c{company}"),
                "industry": industry,
                "type": TYPES[*kind],
                "date": day(*day_n),
                "severity": severity,
            }).to_string());
            text.push('\n');
        }
        let as_of = origin() + chrono::Duration::days(at);
        with_report(&text, &as_of.format("%Y-%m-%d").to_string(), |report| {
            for r in &report.ratings {
                let same: Vec<f64> = report.ratings.iter()
                    .filter(|o| o.industry == r.industry)
                    .map(|o| o.score_exact)
                    .collect();
                let n = same.len();
                let expected = (n >= 2).then(|| {
                    let lower = same.iter().filter(|s| **s < r.score_exact).count();
                    let tied_others = same.iter().filter(|s| **s == r.score_exact).count() - 1;
                    100.0 * (lower as f64 + 0.5 * tied_others as f64) / (n - 1) as f64
                });
                assert_eq!(r.industry_percentile, expected, "{}", r.company);
            }
        });
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, .. ProptestConfig::default() })]

    /// A resolution holds its incidents grouped by company (keys in byte order, each
    /// company's in input order), whatever the rules reject on the way (unknown
    /// types, ids used twice), and keeps that shape when a what-if removes some;
    /// `items_in_input_order` gives them back in input order.
    #[test]
    fn resolutions_group_incidents_by_company(
        incs in proptest::collection::vec((0u8..12, 0usize..4, 0u8..30, any::<bool>()), 0..60),
        drop in proptest::collection::vec(0u8..30, 0..4),
    ) {
        let mut text = String::new();
        for (company, kind, id, _) in &incs {
            let kind = ["breach", "ransomware", "no such type", "ddos"][*kind];
            // Keys of several lengths, some sharing a long prefix.
            let company = format!("{}{company}", if company % 3 == 0 { "a-rather-long-common-prefix-" } else { "k" });
            text.push_str(&serde_json::json!({
                "id": format!("i{id}"), "company": company, "type": kind, "date": "2020-01-01",
            }).to_string());
            text.push('\n');
        }
        let rules = default_rules();
        let mut data = Dataset::new();
        data.read_bytes(text.as_bytes(), "g.jsonl", Format::Jsonl).unwrap();
        let res = data.resolve_unmerged(&rules);
        check_grouping(&res)?;
        let ids: Vec<String> = drop.iter().map(|i| format!("i{i}")).collect();
        let (fewer, _) = res.without(&ids);
        check_grouping(&fewer)?;
        prop_assert!(fewer.items().iter().all(|r| !ids.iter().any(|id| id == r.id())));
        let (disputed, _) = res.as_disputed(&ids);
        check_grouping(&disputed)?;
        prop_assert_eq!(disputed.items().len(), res.items().len());
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 60, .. ProptestConfig::default() })]

    /// The grouping a dataset keeps from its first resolve is worked out again when
    /// more incidents arrive (a second file, or one record pushed): resolving then
    /// gives what reading everything first gives.
    #[test]
    fn reading_more_after_a_resolve_regroups(incs in proptest::collection::vec(inc(), 2..30), cut in any::<prop::sample::Index>()) {
        let rules = default_rules();
        let text = jsonl(&incs);
        let lines: Vec<&str> = text.lines().collect();
        let k = cut.index(lines.len());
        let (first, second) = (lines[..k].join("\n"), lines[k..].join("\n"));
        let as_of = origin() + chrono::Duration::days(3000);

        let mut whole = Dataset::new();
        whole.read_bytes(text.as_bytes(), "a.jsonl", Format::Jsonl).unwrap();
        let mut parts = Dataset::new();
        parts.read_bytes(first.as_bytes(), "a.jsonl", Format::Jsonl).unwrap();
        let early = parts.resolve_unmerged(&rules);
        check_grouping(&early)?;
        drop(early);
        parts.read_bytes(second.as_bytes(), "a.jsonl", Format::Jsonl).unwrap();
        let (a, b) = (whole.resolve_unmerged(&rules), parts.resolve_unmerged(&rules));
        check_grouping(&b)?;
        let ids = |r: &riskrate::unstable::Resolution<'_>| r.items().iter().map(|x| x.id().to_string()).collect::<Vec<_>>();
        prop_assert_eq!(ids(&a), ids(&b));
        let scores = |r: &riskrate::unstable::Resolution<'_>| {
            riskrate::unstable::rate(r, as_of).ratings.iter().map(|x| (x.company.to_string(), x.score_exact)).collect::<Vec<_>>()
        };
        prop_assert_eq!(scores(&a), scores(&b));
    }
}

fn check_grouping(res: &riskrate::unstable::Resolution<'_>) -> Result<(), TestCaseError> {
    let in_order: Vec<&riskrate::unstable::Resolved<'_>> = res.items_in_input_order();
    // Input order: (input, line) increases.
    let at = |r: &riskrate::unstable::Resolved<'_>| (r.incident.file, r.incident.line);
    prop_assert!(in_order.windows(2).all(|w| at(w[0]) < at(w[1])));
    let mut expected: Vec<&riskrate::unstable::Resolved<'_>> = in_order.clone();
    expected.sort_by(|a, b| a.company().cmp(b.company())); // stable: input order kept
    let got: Vec<&riskrate::unstable::Resolved<'_>> = res.items().iter().collect();
    prop_assert_eq!(got.len(), expected.len());
    for (g, e) in got.iter().zip(&expected) {
        prop_assert!(std::ptr::eq(g.incident, e.incident));
    }
    let companies: Vec<(&str, &[riskrate::unstable::Resolved<'_>])> = res.companies().collect();
    prop_assert!(companies.windows(2).all(|w| w[0].0 < w[1].0));
    let mut at = 0;
    for (key, list) in companies {
        prop_assert!(!list.is_empty());
        prop_assert!(list.iter().all(|r| r.company() == key));
        prop_assert!(std::ptr::eq(list.as_ptr(), res.items()[at..].as_ptr()));
        prop_assert!(std::ptr::eq(res.company(key), list));
        at += list.len();
    }
    prop_assert_eq!(at, res.items().len());
    prop_assert!(res.company("no such company").is_empty());
    Ok(())
}

/// Each rejection's id and reason, without the place of an earlier record it
/// names (feeds read in batches count lines from 1 in each).
fn rejection_reasons(r: &riskrate::Report) -> Vec<(Option<String>, String)> {
    r.rejected
        .iter()
        .map(|x| {
            let m = x.message.split(": already used by the record at").next();
            (x.id.clone(), m.unwrap_or_default().to_string())
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, .. ProptestConfig::default() })]

    /// An engine fed in batches, rated between them, rates as one fed everything at
    /// once: the same report, duplicates across batches caught as in one read.
    #[test]
    fn an_engine_fed_in_batches_rates_as_one_fed_at_once(
        incs in proptest::collection::vec(inc(), 1..30),
        cuts in proptest::collection::vec(0usize..30, 0..4),
        repeat in proptest::option::of(0usize..30),
        at in 0i64..3000,
    ) {
        use riskrate::{Engine, RateOptions};
        let mut lines: Vec<String> = jsonl(&incs).lines().map(str::to_string).collect();
        // A record repeated in a later batch: a duplicate id to catch across them.
        if let Some(r) = repeat {
            let again = lines[r % lines.len()].clone();
            lines.push(again);
        }
        let as_of = NaiveDate::from_ymd_opt(2016, 1, 1).unwrap() + chrono::Days::new(at as u64);
        let options = RateOptions::default();
        let mut at_once = Engine::new(default_rules());
        at_once.read((lines.join("\n") + "\n").as_bytes(), "feed.jsonl", Format::Jsonl).unwrap();
        let mut batched = Engine::new(default_rules());
        let mut bounds: Vec<usize> = cuts.iter().map(|c| c % (lines.len() + 1)).collect();
        bounds.push(0);
        bounds.push(lines.len());
        bounds.sort_unstable();
        bounds.dedup();
        for w in bounds.windows(2) {
            let batch: String = lines[w[0]..w[1]].iter().map(|l| format!("{l}\n")).collect();
            batched.read(batch.as_bytes(), "feed.jsonl", Format::Jsonl).unwrap();
            let _ = batched.rate(as_of, &options);
        }
        let (a, b) = (at_once.rate(as_of, &options), batched.rate(as_of, &options));
        prop_assert_eq!(&a.ratings, &b.ratings);
        prop_assert_eq!(a.summary, b.summary);
        // The same rejections, but for the lines they name (each batch counts its
        // own lines from 1).
        prop_assert_eq!(rejection_reasons(&a), rejection_reasons(&b));
    }
}

/// One record of a feed that grows: few ids (so that duplicates are common), few
/// companies, an industry and a name that a company may gain only in a later
/// record, a type the rules may not know, and a record the dataset rejects.
fn feed_line() -> impl Strategy<Value = String> {
    (
        0u8..12,
        0u8..6,
        0u8..4,
        any::<bool>(),
        0u8..4,
        0i64..2600,
        0u8..12,
    )
        .prop_map(|(id, company, industry, named, kind, day_n, broken)| {
            let kind = ["breach", "ransomware", "ddos", "no such type"][kind as usize];
            let mut r = serde_json::json!({
                "id": format!("i{id}"),
                "company": format!("c{company}"),
                "type": kind,
                "date": day(day_n),
            });
            if let Some(i) = ["health", "retail", "health"].get(industry as usize) {
                r["industry"] = (*i).into();
            }
            if named {
                r["company_name"] = format!("Company {company}").into();
            }
            match broken {
                0 => r["date"] = "not a date".into(),
                1 => r["impact"] = 9.into(),
                _ => {}
            }
            r.to_string()
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, .. ProptestConfig::default() })]

    /// Incidents added to an engine that has rated are accounted for by rating
    /// again only what they change, and the result is the full rating's: every
    /// report, every one company's rating (asked in between, or at the end), the
    /// totals and the rejections, duplicates across batches included.
    #[test]
    fn an_updated_engine_rates_as_a_fresh_one(
        lines in proptest::collection::vec(feed_line(), 1..40),
        cuts in proptest::collection::vec(0usize..40, 0..5),
        asks in proptest::collection::vec(0u8..8, 6),
        at in 0i64..3000,
        contributors in proptest::option::of(0usize..3),
    ) {
        use riskrate::{Engine, RateOptions};
        let as_of = NaiveDate::from_ymd_opt(2016, 1, 1).unwrap() + chrono::Days::new(at as u64);
        let options = RateOptions::default().contributors(contributors);
        let mut bounds: Vec<usize> = cuts.iter().map(|c| c % (lines.len() + 1)).collect();
        bounds.extend([0, lines.len()]);
        bounds.sort_unstable();
        bounds.dedup();
        let mut updated = Engine::new(default_rules());
        for (n, w) in bounds.windows(2).enumerate() {
            let batch: String = lines[w[0]..w[1]].iter().map(|l| format!("{l}\n")).collect();
            updated.read(batch.as_bytes(), "feed.jsonl", Format::Jsonl).unwrap();
            // In between, a report, one company's rating, or nothing.
            match asks[n % asks.len()] {
                0..=2 => { let _ = updated.rate(as_of, &options); }
                3..=5 => { let _ = updated.rating(&format!("c{}", asks[n % asks.len()]), as_of); }
                _ => {}
            }
        }
        let mut fresh = Engine::new(default_rules());
        fresh.read((lines.join("\n") + "\n").as_bytes(), "feed.jsonl", Format::Jsonl).unwrap();
        let (a, b) = (fresh.rate(as_of, &options), updated.rate(as_of, &options));
        prop_assert_eq!(&a.ratings, &b.ratings);
        prop_assert_eq!(a.summary, b.summary);
        // The same rejections, but for the lines they name (each batch counts its
        // own lines from 1).
        prop_assert_eq!(rejection_reasons(&a), rejection_reasons(&b));
        // Each company's own rating: the full report's, with every contributor.
        let all = fresh.with_rules(default_rules()).rate(as_of, &RateOptions::default());
        for whole in &all.ratings {
            let one = updated.rating(&whole.company, as_of);
            prop_assert_eq!(one.as_ref(), Some(whole));
        }
        prop_assert_eq!(updated.rating("no such company", as_of), None);
    }
}

//! Merging the reports of one incident: from the command line on slices of
//! public sources, and as properties of the library over random feeds.

use proptest::prelude::*;
use riskrate::unstable::resolve::Merges;
use riskrate::unstable::rules::DEFAULT_RULES_TOML;
use riskrate::unstable::{Dataset, Format, Rules};
use serde_json::Value;

use crate::util::{Dir, date, riskrate, root};

/// A `[merge]` table as a rules file may hold it.
const MERGE: &str = r#"
[merge]
window_days = 90
records_ratio = 10.0
within_source = "copies"
max_candidates = 64
families = [["breach", "ransomware"]]
"#;

/// The default rules with [`MERGE`] in place of their `[merge]` table.
fn merge_text() -> String {
    let base = DEFAULT_RULES_TOML.split("\n[merge]\n").next().unwrap();
    format!("{base}\n{MERGE}")
}

fn merge_rules() -> Rules {
    Rules::from_toml(&merge_text(), "merge.toml").unwrap()
}

fn fixture(name: &str) -> String {
    root(&format!("tests/data/merge/{name}"))
        .display()
        .to_string()
}

/// `score --format json` of the fixtures `files` as of `as_of` with `extra` flags.
fn score(dir: &Dir, files: &[&str], as_of: &str, extra: &[&str]) -> Value {
    let rules = dir.create("merge.toml", merge_text());
    let out = riskrate()
        .arg("score")
        .args(files.iter().map(|f| fixture(f)))
        .args(["--as-of", as_of, "--format", "json", "--rules"])
        .arg(&rules)
        .args(extra)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn rating<'v>(doc: &'v Value, company: &str) -> &'v Value {
    doc["ratings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["company"] == company)
        .unwrap()
}

fn accounted(doc: &Value) {
    let s = &doc["summary"];
    let n = |k: &str| s[k].as_u64().unwrap_or(0);
    assert_eq!(
        n("read"),
        n("counted") + n("expired") + n("future") + n("rejected") + n("merged"),
        "{s}"
    );
}

/// Anthem's 2015 breach, filed with HHS (78.8M people, 2015-02-13) and listed
/// by Wikipedia (80M, 2015): one incident with both reports, counted once; the
/// incident keeps the id of the report its day comes from (HHS: a day, where
/// Wikipedia gives a year) and lists the other as merged into it.
#[test]
fn anthem_in_hhs_and_wikipedia_is_one_incident_with_two_reports() {
    let dir = Dir::new();
    let doc = score(&dir, &["hhs.jsonl", "wikipedia.jsonl"], "2015-06-01", &[]);
    accounted(&doc);
    assert_eq!(doc["summary"]["merged"], 1);
    let anthem = rating(&doc, "anthem");
    assert_eq!(anthem["incidents"]["counted"], 1, "{anthem}");
    let top = &anthem["contributors"][0];
    assert_eq!(top["id"], "hhs:anthem:02/13/2015:78800000");
    let ids: Vec<&str> = top["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["wikipedia:15", "hhs:anthem:02/13/2015:78800000"]);
    // Wikipedia's count is the larger; the HHS report gives the day.
    assert!(
        top["sources"][0]["fields"]
            .as_array()
            .unwrap()
            .contains(&"records".into())
    );
    assert!(
        top["sources"][1]["fields"]
            .as_array()
            .unwrap()
            .contains(&"date".into())
    );
    assert_eq!(
        doc["merged"],
        serde_json::json!([{
            "id": "wikipedia:15",
            "source": format!("{}:1", fixture("wikipedia.jsonl")),
            "into": "hhs:anthem:02/13/2015:78800000"
        }])
    );
    let explanation = anthem["explanation"].as_str().unwrap();
    assert!(explanation.contains("(2 reports)"), "{explanation}");

    // The same run without merging: two incidents, nothing merged.
    let apart = score(
        &dir,
        &["hhs.jsonl", "wikipedia.jsonl"],
        "2015-06-01",
        &["--no-merge"],
    );
    accounted(&apart);
    assert_eq!(rating(&apart, "anthem")["incidents"]["counted"], 2);
    assert!(apart["summary"].get("merged").is_none());
    assert!(apart.get("merged").is_none());
    // Counted twice, one report multiplies the other: the score is lower.
    assert!(
        rating(&apart, "anthem")["score_exact"].as_f64().unwrap()
            < anthem["score_exact"].as_f64().unwrap()
    );
}

/// `explain` lists a merged incident's reports and the fields each gave.
#[test]
fn explain_lists_each_report_and_what_it_gave() {
    let dir = Dir::new();
    let rules = dir.create("merge.toml", merge_text());
    let out = riskrate()
        .args(["explain", "anthem"])
        .arg(fixture("hhs.jsonl"))
        .arg(fixture("wikipedia.jsonl"))
        .args(["--as-of", "2015-06-01", "--rules"])
        .arg(&rules)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("report 1 of 2: wikipedia:15"), "{text}");
    assert!(text.contains("records"), "{text}");
    assert!(
        text.contains("report 2 of 2: hhs:anthem:02/13/2015:78800000"),
        "{text}"
    );
}

/// Rules without a `[merge]` table rate every report as an incident of its
/// own: the output is --no-merge's, byte for byte.
#[test]
fn rules_without_a_merge_table_merge_nothing() {
    let dir = Dir::new();
    let base = DEFAULT_RULES_TOML.split("\n[merge]\n").next().unwrap();
    let rules = dir.create("no-merge.toml", base);
    let run = |extra: &[&str]| {
        riskrate()
            .arg("score")
            .arg("--rules")
            .arg(&rules)
            .arg(fixture("hhs.jsonl"))
            .arg(fixture("wikipedia.jsonl"))
            .args(["--as-of", "2015-06-01", "--format", "json"])
            .args(extra)
            .output()
            .unwrap()
            .stdout
    };
    assert_eq!(run(&[]), run(&["--no-merge"]));
}

/// Within one source the default rules merge nothing (SCORING.md counts two
/// records equal but for their ids as two incidents); with `within_source =
/// "copies"` copies of one report (all but the id equal) are one, and reports
/// that differ stay two.
#[test]
fn within_one_source_only_copies_merge() {
    let rules = merge_rules();
    let text = [
        r#"{"id":"a","company":"c","type":"breach","date":"2020-01-10","records":100}"#,
        r#"{"id":"b","company":"c","type":"breach","date":"2020-01-10","records":100}"#,
        r#"{"id":"d","company":"c","type":"breach","date":"2020-01-12","records":100}"#,
    ]
    .join("\n");
    let mut data = Dataset::new();
    data.read_bytes(text.as_bytes(), "one.jsonl", Format::Jsonl)
        .unwrap();
    let mut room = Merges::default();
    let res = data.resolve(&rules, &mut room);
    let ids: Vec<&str> = res.items().iter().map(|r| r.id()).collect();
    assert_eq!(ids, ["a", "d"]);
    assert_eq!(res.merged().folded(), 1);
    let report = riskrate::unstable::rate(&res, date("2020-06-01"));
    let s = report.summary;
    assert_eq!((s.read, s.counted, s.merged), (3, 2, 1));

    let default = crate::util::default_rules();
    let mut room = Merges::default();
    let res = data.resolve(&default, &mut room);
    assert_eq!(res.items().len(), 3);
    assert_eq!(res.merged().folded(), 0);
}

/// A what-if naming any report of a merged incident takes out the incident.
#[test]
fn without_a_report_is_without_its_incident() {
    let rules = merge_rules();
    let mut data = Dataset::new();
    for f in ["hhs.jsonl", "wikipedia.jsonl"] {
        data.read_path(&root(&format!("tests/data/merge/{f}")), Format::Jsonl)
            .unwrap();
    }
    let mut room = Merges::default();
    let res = data.resolve(&rules, &mut room);
    let (without, unknown) = res.without(&["wikipedia:15".to_string()]);
    assert!(unknown.is_empty());
    assert!(
        without
            .company("anthem")
            .iter()
            .all(|r| r.incident.date.date.format("%Y").to_string() != "2015")
    );
    assert_eq!(
        without.company("anthem").len(),
        res.company("anthem").len() - 1
    );
}

/// One report of a feed line: few companies, dates over a few years, counts
/// that may or may not agree, types of one family or not.
fn report_line() -> impl Strategy<Value = (u8, String)> {
    (
        0u8..4,
        0u8..3,
        0u8..3,
        0i64..900,
        0u8..4,
        0u8..3,
        any::<bool>(),
    )
        .prop_map(|(source, company, kind, day_n, records, classes, named)| {
            let kind = ["breach", "ransomware", "ddos"][kind as usize];
            let classes =
                [&["health"][..], &["personal"], &["health", "national_id"]][classes as usize];
            let day = date("2018-01-01") + chrono::Days::new(day_n as u64);
            let mut r = serde_json::json!({
                "company": format!("c{company}"),
                "type": kind,
                "date": day.format("%Y-%m-%d").to_string(),
                "data_types": classes,
            });
            if records > 0 {
                r["records"] = (10u64.pow(u32::from(records) * 2)).into();
            }
            if named {
                r["company_name"] = format!("Company {company}").into();
            }
            (source, r.to_string())
        })
}

/// The lines of each source, ids given in order.
fn sources(lines: &[(u8, String)]) -> Vec<(String, String)> {
    let mut by: std::collections::BTreeMap<u8, String> = Default::default();
    for (i, (s, line)) in lines.iter().enumerate() {
        let mut v: Value = serde_json::from_str(line).unwrap();
        v["id"] = format!("s{s}-{i}").into();
        let text = by.entry(*s).or_default();
        text.push_str(&v.to_string());
        text.push('\n');
    }
    by.into_iter()
        .map(|(s, text)| (format!("source{s}.jsonl"), text))
        .collect()
}

fn read(files: &[(String, String)]) -> Dataset {
    let mut data = Dataset::new();
    for (name, text) in files {
        data.read_bytes(text.as_bytes(), name, Format::Jsonl)
            .unwrap();
    }
    data
}

/// Each company's score, grade, counts and interval under the merge rules.
fn scores(data: &Dataset, as_of: &str) -> Vec<(String, i64, u64, u64, i64, i64)> {
    let rules = merge_rules();
    let mut room = Merges::default();
    let res = data.resolve(&rules, &mut room);
    let report = riskrate::unstable::rate(&res, date(as_of));
    let s = report.summary;
    assert_eq!(
        s.read,
        s.counted + s.expired + s.future + s.rejected + s.merged
    );
    report
        .ratings
        .iter()
        .map(|r| {
            (
                r.company.to_string(),
                r.score,
                r.counts.counted,
                r.counts.expired,
                r.interval.low,
                r.interval.high,
            )
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, .. ProptestConfig::default() })]

    /// The same source imported again (every record re-posted under a new id,
    /// as a second input) changes no rating.
    #[test]
    fn a_source_read_twice_changes_no_rating(
        lines in proptest::collection::vec(report_line(), 1..30),
        at in 0i64..1500,
    ) {
        let as_of = (date("2018-01-01") + chrono::Days::new(at as u64)).format("%Y-%m-%d").to_string();
        let once = sources(&lines);
        let mut twice = once.clone();
        for (name, text) in &once {
            let again: String = text
                .lines()
                .map(|l| {
                    let mut v: Value = serde_json::from_str(l).unwrap();
                    v["id"] = format!("again-{}", v["id"].as_str().unwrap()).into();
                    v.to_string() + "\n"
                })
                .collect();
            twice.push((format!("again-{name}"), again));
        }
        prop_assert_eq!(scores(&read(&once), &as_of), scores(&read(&twice), &as_of));
    }

    /// The order the inputs are given in changes no rating.
    #[test]
    fn input_order_changes_no_rating(
        lines in proptest::collection::vec(report_line(), 1..30),
        at in 0i64..1500,
    ) {
        let as_of = (date("2018-01-01") + chrono::Days::new(at as u64)).format("%Y-%m-%d").to_string();
        let files = sources(&lines);
        let mut reversed = files.clone();
        reversed.reverse();
        prop_assert_eq!(scores(&read(&files), &as_of), scores(&read(&reversed), &as_of));
    }

    /// Reports from different sources that all describe one incident (one
    /// company, one family, days apart, counts that agree) are one counted
    /// incident, whose points are at least each report's alone.
    #[test]
    fn one_incident_s_reports_count_once_and_the_richest_fields_win(
        reports in proptest::collection::vec((0i64..60, proptest::option::of(1000u64..5000), 0u8..3, 0u8..2, proptest::option::of(0u8..101)), 1..6),
    ) {
        let rules = merge_rules();
        let files: Vec<(String, String)> = reports
            .iter()
            .enumerate()
            .map(|(i, (day_n, records, classes, kind, severity))| {
                let kind = ["breach", "ransomware"][*kind as usize];
                let classes = [&["personal"][..], &["health"], &["mental_health", "personal"]][*classes as usize];
                let mut r = serde_json::json!({
                    "id": format!("r{i}"),
                    "company": "one",
                    "type": kind,
                    "date": (date("2020-03-01") + chrono::Days::new(*day_n as u64)).format("%Y-%m-%d").to_string(),
                    "data_types": classes,
                });
                if let Some(n) = records {
                    r["records"] = (*n).into();
                }
                if let Some(s) = severity {
                    r["severity"] = (*s).into();
                }
                (format!("source{i}.jsonl"), r.to_string() + "\n")
            })
            .collect();
        let data = read(&files);
        let mut room = Merges::default();
        let res = data.resolve(&rules, &mut room);
        let as_of = date("2020-09-01");
        let report = riskrate::unstable::rate(&res, as_of);
        prop_assert_eq!(report.ratings.len(), 1);
        let merged = &report.ratings[0];
        prop_assert_eq!(merged.counts.counted, 1);
        prop_assert_eq!(report.summary.merged, reports.len() as u64 - 1);
        let top = &merged.incidents[0];
        // Each report alone: every factor but decay is at most the merged one's.
        for (name, text) in &files {
            let alone = read(&[(name.clone(), text.clone())]);
            let res1 = alone.resolve_unmerged(&rules);
            let r1 = riskrate::unstable::rate(&res1, as_of);
            let f1 = r1.ratings[0].incidents[0].factors;
            let f = top.factors;
            let without_decay = |f: riskrate::unstable::rate::score::Factors| {
                f.base * f.severity * f.impact * f.data * f.volume * f.confidence
            };
            prop_assert!(without_decay(f) >= without_decay(f1) * (1.0 - 1e-12), "{:?} < {:?}", f, f1);
        }
    }

    /// An engine fed in batches (one source, as a stream) rates as one fed at
    /// once, merging included.
    #[test]
    fn an_updated_engine_merges_as_a_fresh_one(
        lines in proptest::collection::vec(report_line(), 1..30),
        cut in 0usize..30,
        at in 0i64..1500,
    ) {
        use riskrate::{Engine, RateOptions};
        let as_of = date("2018-01-01") + chrono::Days::new(at as u64);
        let files = sources(&lines);
        let mut fresh = Engine::new(merge_rules());
        let mut updated = Engine::new(merge_rules());
        for (name, text) in &files {
            fresh.read(text.as_bytes(), name, Format::Jsonl).unwrap();
            let all: Vec<&str> = text.lines().collect();
            let (a, b) = all.split_at(cut.min(all.len()));
            for part in [a, b] {
                let batch: String = part.iter().map(|l| format!("{l}\n")).collect();
                updated.read(batch.as_bytes(), name, Format::Jsonl).unwrap();
                let _ = updated.rate(as_of, &RateOptions::default());
            }
        }
        let (x, y) = (fresh.rate(as_of, &RateOptions::default()), updated.rate(as_of, &RateOptions::default()));
        prop_assert_eq!(x.summary, y.summary);
        let key = |r: &riskrate::Rating| (r.company.clone(), r.score, r.incidents, r.contributors.iter().map(|c| (c.id.clone(), c.sources.len())).collect::<Vec<_>>());
        prop_assert_eq!(x.ratings.iter().map(key).collect::<Vec<_>>(), y.ratings.iter().map(key).collect::<Vec<_>>());
        prop_assert_eq!(x.merged.len(), y.merged.len());
    }
}

/// A back-test's outcome is a new incident: a later report of one already known
/// at the cutoff is merged into it, so it is no event.
#[test]
fn a_later_report_of_a_known_incident_is_no_new_event() {
    use riskrate::unstable::analysis::backtest::{BacktestParams, backtest};
    let rules = merge_rules();
    let mut data = Dataset::new();
    for (name, line) in [
        (
            "a.jsonl",
            r#"{"id":"a1","company":"c","type":"breach","date":"2020-01-10","records":1000}"#,
        ),
        (
            "a.jsonl",
            r#"{"id":"a2","company":"d","type":"breach","date":"2019-06-01","records":50}"#,
        ),
        (
            "b.jsonl",
            r#"{"id":"b1","company":"c","type":"breach","date":"2020-02-20","records":1200}"#,
        ),
    ] {
        data.read_bytes(line.as_bytes(), name, Format::Jsonl)
            .unwrap();
    }
    let params = BacktestParams {
        from: date("2020-02-01"),
        to: date("2020-02-01"),
        step_days: 30,
        horizon_days: 365,
        events: vec![rules.type_id("breach").unwrap()],
    };
    let mut room = Merges::default();
    let merged = backtest(&data.resolve(&rules, &mut room), &params).unwrap();
    let apart = backtest(&data.resolve_unmerged(&rules), &params).unwrap();
    assert_eq!((merged.pooled.companies, merged.pooled.events), (2, 0));
    assert_eq!((apart.pooled.companies, apart.pooled.events), (2, 1));
}

/// `premera` (Wikipedia) and `premera-blue-cross` (HHS) are one company under
/// an alias, in TOML or CSV, and their 2015 breach is one incident; without the
/// alias they are two companies of one incident each.
#[test]
fn an_alias_makes_two_keys_one_company() {
    let dir = Dir::new();
    let toml = dir.create(
        "aliases.toml",
        "[aliases]\n\"premera-blue-cross\" = \"premera\"\n",
    );
    let csv = dir.create("aliases.csv", "alias,company\nPremera Blue Cross,premera\n");
    let apart = score(&dir, &["hhs.jsonl", "wikipedia.jsonl"], "2015-06-01", &[]);
    assert_eq!(rating(&apart, "premera")["incidents"]["counted"], 1);
    assert_eq!(
        rating(&apart, "premera-blue-cross")["incidents"]["counted"],
        1
    );
    for file in [&toml, &csv] {
        let file = file.display().to_string();
        let doc = score(
            &dir,
            &["hhs.jsonl", "wikipedia.jsonl"],
            "2015-06-01",
            &["--aliases", &file],
        );
        accounted(&doc);
        let premera = rating(&doc, "premera");
        assert_eq!(premera["incidents"]["counted"], 1, "{premera}");
        assert_eq!(
            premera["contributors"][0]["sources"]
                .as_array()
                .unwrap()
                .len(),
            2
        );
        assert!(
            doc["ratings"]
                .as_array()
                .unwrap()
                .iter()
                .all(|r| r["company"] != "premera-blue-cross")
        );
    }
    // A bad aliases file stops the run, naming its place.
    let bad = dir.create("bad.toml", "[aliases]\na = \"b\"\nb = \"c\"\n");
    let out = riskrate()
        .arg("score")
        .arg(fixture("hhs.jsonl"))
        .arg("--aliases")
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("bad.toml:2:1: key \"b\" is itself an alias"),
        "{err}"
    );
}

/// Aliases set on an engine move the incidents it holds and every later one.
#[test]
fn an_engine_s_aliases_move_what_it_holds_and_what_comes() {
    use riskrate::{Aliases, Engine, RateOptions};
    let mut engine = Engine::new(crate::util::default_rules());
    let hhs = std::fs::read(root("tests/data/merge/hhs.jsonl")).unwrap();
    engine.read(&hhs[..], "hhs.jsonl", Format::Jsonl).unwrap();
    let before = engine.rate(date("2015-06-01"), &RateOptions::default());
    assert!(
        before
            .ratings
            .iter()
            .any(|r| r.company == "premera-blue-cross")
    );
    engine.set_aliases(Aliases::from_pairs([("premera-blue-cross", "premera")], "code").unwrap());
    let wiki = std::fs::read(root("tests/data/merge/wikipedia.jsonl")).unwrap();
    engine
        .read(&wiki[..], "wikipedia.jsonl", Format::Jsonl)
        .unwrap();
    let after = engine.rate(date("2015-06-01"), &RateOptions::default());
    assert!(
        after
            .ratings
            .iter()
            .all(|r| r.company != "premera-blue-cross")
    );
    let premera = after
        .ratings
        .iter()
        .find(|r| r.company == "premera")
        .unwrap();
    assert_eq!(premera.incidents.counted, 1);
    assert_eq!(premera.contributors[0].sources.len(), 2);
    assert_eq!(after.summary.merged, 2);
}

/// Placeholder names (the rules' `[identity]` list) are rejected with that
/// reason, in every spelling of the list's words, rather than pooled into one
/// company; a name that only holds such a word is a company.
#[test]
fn placeholder_companies_are_rejected_not_pooled() {
    let rules = crate::util::default_rules();
    for key in [
        "Unknown",
        "UNKNOWN",
        "private-medical-practice",
        "Private Medical  Practice",
        "N/A",
        "n.a.",
    ] {
        assert!(rules.is_placeholder(key), "{key}");
    }
    let long = "unknown-".repeat(20);
    for key in [
        "unknown-worlds",
        "acme",
        "practice-fusion",
        "private-bank",
        "Ünknown",
        &long,
    ] {
        assert!(!rules.is_placeholder(key), "{key}");
    }
    let text = [
        r#"{"id":"a","company":"Unknown","type":"breach","date":"2020-01-01"}"#,
        r#"{"id":"b","company":"unknown","type":"breach","date":"2020-02-01"}"#,
        r#"{"id":"c","company":"private-medical-practice","type":"breach","date":"2020-03-01"}"#,
        r#"{"id":"d","company":"unknown-worlds","type":"breach","date":"2020-03-01"}"#,
    ]
    .join("\n");
    let mut data = Dataset::new();
    data.read_bytes(text.as_bytes(), "p.jsonl", Format::Jsonl)
        .unwrap();
    let mut room = Merges::default();
    let res = data.resolve(&rules, &mut room);
    let kept: Vec<&str> = res.items().iter().map(|r| r.company()).collect();
    assert_eq!(kept, ["unknown-worlds"]);
    assert_eq!(res.rejected().len(), 3);
    for r in res.rejected() {
        assert_eq!(r.field.as_deref(), Some("company"), "{r:?}");
        assert!(r.message.contains("is a placeholder"), "{r:?}");
    }
    // Rules without the list rate them as any company.
    let base = DEFAULT_RULES_TOML.split("\n[identity]\n").next().unwrap();
    let plain = Rules::from_toml(base, "plain.toml").unwrap();
    assert!(!plain.is_placeholder("unknown"));
    assert_eq!(data.resolve_unmerged(&plain).items().len(), 4);
}

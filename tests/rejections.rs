//! One test per class of rejected record: each names the line, the id when known,
//! the field, and why — and the record is counted, never dropped.

use riskrate::unstable::{Dataset, Format, Rules};

use crate::util::{Dir, date, default_rules, run_on};

/// Reads `line` (one JSONL record after a good one) and returns the one rejection.
fn reject_one(line: &str) -> riskrate::Rejection {
    let rules = default_rules();
    let mut d = Dataset::new();
    let text = format!(
        "{{\"id\":\"good\",\"company\":\"c\",\"type\":\"breach\",\"date\":\"2020-01-01\"}}\n{line}\n"
    );
    d.read_bytes(text.as_bytes(), "in.jsonl", Format::Jsonl)
        .unwrap();
    assert_eq!(
        d.resolve_unmerged(&rules).items().len(),
        1,
        "the good record stands: {:?}",
        d.resolve_unmerged(&rules).rejected()
    );
    assert_eq!(
        d.resolve_unmerged(&rules).rejected().len(),
        1,
        "exactly one rejection for {line}"
    );
    let resolved = d.resolve_unmerged(&rules);
    let report = riskrate::unstable::rate(&resolved, date("2021-01-01"));
    let s = report.summary;
    assert_eq!(s.read, 2);
    assert_eq!(s.read, s.counted + s.expired + s.future + s.rejected);
    let r = d.resolve_unmerged(&rules).rejected()[0].clone();
    assert_eq!((r.file.as_str(), r.line), ("in.jsonl", 2));
    r
}

fn assert_rejected(line: &str, field: Option<&str>, id: Option<&str>, message_has: &str) {
    let r = reject_one(line);
    assert_eq!(r.field.as_deref(), field, "{r:?}");
    assert_eq!(r.id.as_deref(), id, "{r:?}");
    assert!(
        r.message.contains(message_has),
        "{:?} lacks {message_has:?}",
        r.message
    );
}

const BASE: &str = r#""company":"c","type":"breach","date":"2020-01-01""#;

#[test]
fn missing_id() {
    assert_rejected(&format!("{{{BASE}}}"), Some("id"), None, "missing id");
    assert_rejected(
        &format!("{{\"id\":\"\",{BASE}}}"),
        Some("id"),
        None,
        "missing id",
    );
}

#[test]
fn missing_company() {
    assert_rejected(
        r#"{"id":"x","type":"breach","date":"2020"}"#,
        Some("company"),
        Some("x"),
        "missing company",
    );
}

#[test]
fn missing_or_unknown_type() {
    assert_rejected(
        r#"{"id":"x","company":"c","date":"2020"}"#,
        Some("type"),
        Some("x"),
        "missing type",
    );
    assert_rejected(
        r#"{"id":"x","company":"c","type":"earthquake","date":"2020"}"#,
        Some("type"),
        Some("x"),
        "unknown type \"earthquake\"",
    );
    // One unknown part of a list rejects the record: no silent guessing.
    assert_rejected(
        r#"{"id":"x","company":"c","type":"breach, flood","date":"2020"}"#,
        Some("type"),
        Some("x"),
        "flood",
    );
}

#[test]
fn missing_or_bad_date() {
    assert_rejected(
        r#"{"id":"x","company":"c","type":"breach"}"#,
        Some("date"),
        Some("x"),
        "missing date",
    );
    for bad in [
        "2021-02-30",
        "13/2020",
        "2020/10",
        "yesterday",
        "20-10-01",
        "2020-1-5",
    ] {
        assert_rejected(
            &format!(r#"{{"id":"x","company":"c","type":"breach","date":"{bad}"}}"#),
            Some("date"),
            Some("x"),
            "is not a date",
        );
    }
}

#[test]
fn bad_disclosed_date() {
    assert_rejected(
        &format!(r#"{{"id":"x",{BASE},"disclosed":"soon"}}"#),
        Some("disclosed"),
        Some("x"),
        "is not a date",
    );
}

#[test]
fn severity_out_of_range_or_not_a_number() {
    assert_rejected(
        &format!(r#"{{"id":"x1",{BASE},"severity":120}}"#),
        Some("severity"),
        Some("x1"),
        "severity 120 is outside 0..=100",
    );
    assert_rejected(
        &format!(r#"{{"id":"x",{BASE},"severity":-1}}"#),
        Some("severity"),
        Some("x"),
        "outside 0..=100",
    );
    assert_rejected(
        &format!(r#"{{"id":"x",{BASE},"severity":"high"}}"#),
        Some("severity"),
        Some("x"),
        "not a number",
    );
    assert_rejected(
        &format!(r#"{{"id":"x",{BASE},"severity":"NaN"}}"#),
        Some("severity"),
        Some("x"),
        "not a number",
    );
}

#[test]
fn impact_out_of_range_or_fractional() {
    assert_rejected(
        &format!(r#"{{"id":"x",{BASE},"impact":0}}"#),
        Some("impact"),
        Some("x"),
        "impact 0 is outside 1..=5",
    );
    assert_rejected(
        &format!(r#"{{"id":"x",{BASE},"impact":"6"}}"#),
        Some("impact"),
        Some("x"),
        "outside 1..=5",
    );
    assert_rejected(
        &format!(r#"{{"id":"x",{BASE},"impact":2.5}}"#),
        Some("impact"),
        Some("x"),
        "not an integer",
    );
}

#[test]
fn unknown_data_class() {
    assert_rejected(
        &format!(r#"{{"id":"x",{BASE},"data_types":["health records","horoscopes"]}}"#),
        Some("data_types"),
        Some("x"),
        "unknown data class \"horoscopes\"",
    );
    assert_rejected(
        &format!(r#"{{"id":"x",{BASE},"data_types":[1]}}"#),
        Some("data_types"),
        Some("x"),
        "names of data classes",
    );
    assert_rejected(
        &format!(r#"{{"id":"x",{BASE},"data_types":5}}"#),
        Some("data_types"),
        Some("x"),
        "list of data classes",
    );
}

#[test]
fn negative_or_fractional_records() {
    assert_rejected(
        &format!(r#"{{"id":"x",{BASE},"records":-5}}"#),
        Some("records"),
        Some("x"),
        "negative",
    );
    assert_rejected(
        &format!(r#"{{"id":"x",{BASE},"records":2.5}}"#),
        Some("records"),
        Some("x"),
        "not a whole number",
    );
    assert_rejected(
        &format!(r#"{{"id":"x",{BASE},"records":"many"}}"#),
        Some("records"),
        Some("x"),
        "not a whole number",
    );
}

#[test]
fn unknown_status() {
    assert_rejected(
        &format!(r#"{{"id":"x",{BASE},"status":"rumoured"}}"#),
        Some("status"),
        Some("x"),
        "confirmed, alleged, disputed",
    );
}

#[test]
fn flags_that_are_not_booleans() {
    assert_rejected(
        &format!(r#"{{"id":"x",{BASE},"third_party":"perhaps"}}"#),
        Some("third_party"),
        Some("x"),
        "not true or false",
    );
    assert_rejected(
        &format!(r#"{{"id":"x",{BASE},"vulnerable_subjects":[true]}}"#),
        Some("vulnerable_subjects"),
        Some("x"),
        "not true or false",
    );
}

#[test]
fn duplicate_id_keeps_the_first() {
    let r =
        reject_one(r#"{"id":"good","company":"other","type":"ransomware","date":"2020-06-01"}"#);
    assert_eq!(r.field.as_deref(), Some("id"));
    assert!(
        r.message
            .contains("duplicate id \"good\": already used by the record at in.jsonl:1"),
        "{}",
        r.message
    );
}

#[test]
fn a_field_given_twice() {
    assert_rejected(
        &format!(r#"{{"id":"x",{BASE},"severity":10,"severity":90}}"#),
        Some("severity"),
        Some("x"),
        "given twice",
    );
}

#[test]
fn invalid_json_is_a_rejected_record_not_the_end() {
    let rules = default_rules();
    let mut d = Dataset::new();
    let text = "{\"id\":\"a\",\"company\":\"c\",\"type\":\"breach\",\"date\":\"2020\"}\n{not json\n\n[1,2]\n{\"id\":\"b\",\"company\":\"c\",\"type\":\"ddos\",\"date\":\"2020\"}\n";
    d.read_bytes(text.as_bytes(), "in.jsonl", Format::Jsonl)
        .unwrap();
    assert_eq!(d.resolve_unmerged(&rules).items().len(), 2);
    let lines: Vec<u64> = d
        .resolve_unmerged(&rules)
        .rejected()
        .iter()
        .map(|r| r.line)
        .collect();
    assert_eq!(lines, vec![2, 4], "the blank line 3 is not a record");
    assert!(
        d.resolve_unmerged(&rules).rejected()[0]
            .message
            .contains("not a valid JSON incident object")
    );
    assert!(
        d.resolve_unmerged(&rules)
            .rejected()
            .iter()
            .all(|r| r.field.is_none() && r.id.is_none())
    );
}

#[test]
fn csv_rows_with_the_wrong_width_or_bad_bytes() {
    let rules = default_rules();
    let mut d = Dataset::new();
    let mut text =
        b"id,company,type,date,data_types\n1,c,breach,2020-01,health records;ssn\n2,c,breach\n"
            .to_vec();
    text.extend_from_slice(b"3,c\xff,ddos,2020,\n4,c,ddos,2020,\n");
    d.read_bytes(&text, "in.csv", Format::Csv).unwrap();
    assert_eq!(d.resolve_unmerged(&rules).items().len(), 2);
    let resolved = d.resolve_unmerged(&rules);
    let r = resolved.rejected();
    assert_eq!(r.len(), 2);
    assert_eq!(r[0].line, 3);
    assert!(
        r[0].message.contains("has 3 fields but the header has 5"),
        "{}",
        r[0].message
    );
    assert_eq!(r[1].line, 4);
    assert!(r[1].message.contains("not UTF-8"), "{}", r[1].message);
}

#[test]
fn every_rejection_reaches_json_output_and_stderr() {
    let dir = Dir::new();
    let f = dir.create(
        "in.jsonl",
        "{\"id\":\"ok\",\"company\":\"c\",\"type\":\"breach\",\"date\":\"2020-01-01\"}\n{\"id\":\"x1\",\"company\":\"c\",\"type\":\"breach\",\"date\":\"2020-01-01\",\"severity\":120}\n",
    );
    let out = run_on(&["score", "--as-of", "2020-11-01", "--format", "json"], &f);
    assert!(out.status.success());
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rej = &doc["rejected"][0];
    assert_eq!(rej["line"], 2);
    assert_eq!(rej["id"], "x1");
    assert_eq!(rej["field"], "severity");
    assert_eq!(rej["message"], "severity 120 is outside 0..=100");
    assert_eq!(doc["summary"]["rejected"], 1);
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("1 record rejected"), "{err}");
    assert!(
        err.contains(":2 id \"x1\" field severity: severity 120 is outside 0..=100"),
        "{err}"
    );
}

#[test]
fn type_names_come_from_the_rules() {
    // The same records under a rules file with extra aliases: an alias the default
    // rejects is accepted, proving names come from the rules, not from code.
    let text = riskrate::unstable::rules::DEFAULT_RULES_TOML.replace(
        "aliases = [\"unknown\", \"misconfiguration\"]",
        "aliases = [\"unknown\", \"misconfiguration\", \"earthquake\"]",
    );
    let rules = Rules::from_toml(&text, "custom").unwrap();
    let mut d = Dataset::new();
    d.read_bytes(
        br#"{"id":"x","company":"c","type":"Earthquake","date":"2020"}"#,
        "in.jsonl",
        Format::Jsonl,
    )
    .unwrap();
    assert_eq!(d.resolve_unmerged(&rules).rejected().len(), 0);
}

#[test]
fn a_rejected_record_does_not_claim_its_id() {
    // Only an *accepted* record's id blocks a later one (SCORING.md §1).
    let rules = default_rules();
    let mut d = Dataset::new();
    let text = "{\"id\":\"x\",\"company\":\"c\",\"type\":\"breach\",\"date\":\"2020\",\"impact\":9}\n{\"id\":\"x\",\"company\":\"c\",\"type\":\"breach\",\"date\":\"2020\"}\n";
    d.read_bytes(text.as_bytes(), "in.jsonl", Format::Jsonl)
        .unwrap();
    assert_eq!(d.resolve_unmerged(&rules).items().len(), 1);
    assert_eq!(d.resolve_unmerged(&rules).items()[0].incident.line, 2);
    assert_eq!(
        d.resolve_unmerged(&rules).rejected()[0].field.as_deref(),
        Some("impact")
    );
}

#[test]
fn duplicates_are_found_across_files() {
    let rules = default_rules();
    let mut d = Dataset::new();
    let rec = "{\"id\":\"x\",\"company\":\"c\",\"type\":\"breach\",\"date\":\"2020\"}\n";
    d.read_bytes(rec.as_bytes(), "a.jsonl", Format::Jsonl)
        .unwrap();
    d.read_bytes(rec.as_bytes(), "b.jsonl", Format::Jsonl)
        .unwrap();
    assert_eq!(d.resolve_unmerged(&rules).rejected().len(), 1);
    assert_eq!(d.resolve_unmerged(&rules).rejected()[0].file, "b.jsonl");
    assert!(
        d.resolve_unmerged(&rules).rejected()[0]
            .message
            .contains("already used by the record at a.jsonl:1")
    );
}

/// Rejections found while reading (bad JSON, bad fields) and while resolving (an
/// unknown type, a duplicate id) come out together in input order, across files and
/// across the chunks a large file is read in.
#[test]
fn rejections_of_every_stage_come_out_in_input_order() {
    let rules = default_rules();
    let good = |i: usize| {
        format!(
            r#"{{"id":"g{i}","company":"c{}","type":"breach","date":"2020-01-01"}}"#,
            i % 7
        )
    };
    let mut lines = Vec::new();
    for i in 0..30_000 {
        lines.push(match i % 1000 {
            3 => "not json".to_string(),
            10 => format!(r#"{{"id":"t{i}","company":"c","type":"meteor","date":"2020-01-01"}}"#),
            11 => good(i - 2), // the id of line 9 again
            12 => format!(r#"{{"id":"s{i}",{BASE},"severity":500}}"#),
            _ => good(i),
        });
    }
    let text = lines.join("\n");
    let mut d = Dataset::new();
    d.read_bytes(text.as_bytes(), "a.jsonl", Format::Jsonl)
        .unwrap();
    d.read_bytes(text.as_bytes(), "b.jsonl", Format::Jsonl)
        .unwrap();
    let resolved = d.resolve_unmerged(&rules);
    let got: Vec<(String, u64)> = resolved
        .rejected()
        .iter()
        .map(|r| (r.file.clone(), r.line))
        .collect();
    let mut want = Vec::new();
    for file in ["a.jsonl", "b.jsonl"] {
        for i in 0..30_000u64 {
            if matches!(i % 1000, 3 | 10 | 11 | 12) || (file == "b.jsonl") {
                want.push((file.to_string(), i + 1));
            }
        }
    }
    // Every line of b.jsonl repeats an id of a.jsonl (or is bad on its own).
    assert_eq!(got.len(), want.len());
    assert_eq!(got, want);
    let s = riskrate::unstable::rate(&resolved, date("2021-01-01")).summary;
    assert_eq!(s.read, 60_000);
    assert_eq!(s.rejected, want.len() as u64);
}

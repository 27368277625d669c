//! Data-driven cases: `tests/cases/*.json` hold incidents, an as-of date, optionally
//! a rules file, and either the expected ratings or the expected error. The first
//! nine are SCORING.md's worked cases (copied from the shared contract); the others
//! pin readings of the contract this project chose (see each file's `note`).

use std::path::Path;

use riskrate::unstable::{Dataset, Format, Rules};
use serde_json::Value;

use crate::util::{date, root};

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-6 * b.abs().max(1.0)
}

fn run_case(path: &Path) -> Vec<String> {
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut diffs = Vec::new();
    let rules = match doc.get("rules").and_then(Value::as_str) {
        Some(file) => Rules::from_path(&path.parent().unwrap().join(file)),
        None => Ok(Rules::default_rules().unwrap()),
    };
    let expected = &doc["expected"];
    let rules = match (rules, expected.get("error").and_then(Value::as_str)) {
        (Ok(r), None) => r,
        (Err(e), Some(want)) => {
            if !e.to_string().contains(want) {
                diffs.push(format!("error {e:?} lacks {want:?}"));
            }
            return diffs;
        }
        (Ok(_), Some(want)) => return vec![format!("expected error {want:?}, got none")],
        (Err(e), None) => return vec![format!("unexpected error: {e}")],
    };
    let mut jsonl = String::new();
    for r in doc["incidents"].as_array().unwrap() {
        jsonl.push_str(&r.to_string());
        jsonl.push('\n');
    }
    let mut data = Dataset::new();
    data.read_bytes(jsonl.as_bytes(), "case.jsonl", Format::Jsonl)
        .unwrap();
    let resolved = data.resolve_unmerged(&rules);
    let report = riskrate::unstable::rate(&resolved, date(doc["as_of"].as_str().unwrap()));
    let s = report.summary;
    if s.read != s.counted + s.expired + s.future + s.rejected {
        diffs.push(format!("accounting does not add up: {s:?}"));
    }
    if s.read as usize != doc["incidents"].as_array().unwrap().len() {
        diffs.push(format!(
            "read {} records of {}",
            s.read,
            doc["incidents"].as_array().unwrap().len()
        ));
    }
    if s.rejected != expected["rejected"].as_u64().unwrap() {
        diffs.push(format!(
            "rejected {} != {}",
            s.rejected, expected["rejected"]
        ));
    }
    let want_ratings = expected["ratings"].as_array().unwrap();
    if report.ratings.len() != want_ratings.len() {
        diffs.push(format!(
            "{} ratings, expected {}",
            report.ratings.len(),
            want_ratings.len()
        ));
    }
    for w in want_ratings {
        let key = w["company"].as_str().unwrap();
        let Some(r) = report.ratings.iter().find(|r| r.company == key) else {
            diffs.push(format!("{key}: missing"));
            continue;
        };
        let mut check = |what: &str, ok: bool, got: String| {
            if !ok {
                diffs.push(format!("{key}.{what}: got {got}, want {}", w[what]));
            }
        };
        check(
            "score",
            w["score"].as_i64() == Some(r.score),
            r.score.to_string(),
        );
        check(
            "grade",
            w["grade"].as_str() == Some(r.grade),
            r.grade.to_string(),
        );
        check(
            "score_exact",
            close(r.score_exact, w["score_exact"].as_f64().unwrap()),
            r.score_exact.to_string(),
        );
        check(
            "risk_points",
            close(r.risk_points, w["risk_points"].as_f64().unwrap()),
            r.risk_points.to_string(),
        );
        let iv = &w["interval"];
        check(
            "interval",
            iv["low"].as_i64() == Some(r.interval.low)
                && iv["high"].as_i64() == Some(r.interval.high),
            format!("{:?}", r.interval),
        );
        let c = &w["incidents"];
        check(
            "incidents",
            c["counted"].as_u64() == Some(r.counts.counted)
                && c["expired"].as_u64() == Some(r.counts.expired)
                && c["future"].as_u64() == Some(r.counts.future),
            format!("{:?}", r.counts),
        );
        let pct_ok = match (w["industry_percentile"].as_f64(), r.industry_percentile) {
            (None, None) => true,
            (Some(a), Some(b)) => close(b, a),
            _ => false,
        };
        check(
            "industry_percentile",
            pct_ok,
            format!("{:?}", r.industry_percentile),
        );
        let ngc = &w["next_grade_change"];
        let ngc_ok = match &r.next_grade_change {
            None => ngc.is_null(),
            Some(g) => {
                ngc["grade"].as_str() == Some(g.grade.as_str())
                    && ngc["date"].as_str() == Some(g.date.format("%Y-%m-%d").to_string().as_str())
            }
        };
        check(
            "next_grade_change",
            ngc_ok,
            format!("{:?}", r.next_grade_change),
        );
        if let Some(name) = w.get("company_name") {
            check(
                "company_name",
                name.as_str() == r.company_name,
                format!("{:?}", r.company_name),
            );
        }
        if let Some(words) = w.get("explanation_contains").and_then(Value::as_array) {
            for word in words {
                let word = word.as_str().unwrap();
                if !r.explanation.contains(word) {
                    diffs.push(format!(
                        "{key}: explanation {:?} lacks {word:?}",
                        r.explanation
                    ));
                }
            }
        }
    }
    diffs
}

#[test]
fn every_case_file_matches() {
    let mut paths: Vec<_> = std::fs::read_dir(root("tests/cases"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    assert!(
        paths.len() >= 9,
        "the worked cases of SCORING.md are missing"
    );
    let mut failures = Vec::new();
    for p in &paths {
        let diffs = run_case(p);
        if !diffs.is_empty() {
            failures.push(format!("{}:\n    {}", p.display(), diffs.join("\n    ")));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        paths.len(),
        failures.join("\n")
    );
}

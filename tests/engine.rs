//! Issue 18, first step: the owned `Engine` facade gives what the CLI gives, in
//! owned values a service can keep, serve and send across threads.

use riskrate::unstable::{Format, NaiveDate, Rules};
use riskrate::{Engine, RateOptions, Report};

use crate::util::{Dir, riskrate, root};

fn engine_of(path: &std::path::Path) -> Engine {
    let mut e = Engine::new(Rules::default_rules().unwrap());
    e.read_path(path, Format::Auto).unwrap();
    e
}

fn all() -> RateOptions {
    let mut o = RateOptions::default();
    o.contributors = None;
    o
}

/// What `riskrate ARGS... PATH` prints.
fn cli(args: &[&str], path: &std::path::Path) -> String {
    let out = riskrate().args(args).arg(path).output().unwrap();
    String::from_utf8(out.stdout).unwrap()
}

/// The CLI's JSON document for `path` as of `as_of`, every contributor listed.
fn cli_json(path: &std::path::Path, as_of: &str) -> String {
    cli(
        &[
            "score",
            "--as-of",
            as_of,
            "-f",
            "json",
            "--contributors",
            "all",
        ],
        path,
    )
}

#[test]
fn the_engine_s_report_serialises_to_the_cli_s_json() {
    let dir = Dir::new();
    let generated = dir.path().join("gen.jsonl");
    let out = riskrate()
        .args([
            "gen",
            "--incidents",
            "3000",
            "--companies",
            "80",
            "--seed",
            "9",
            "-o",
        ])
        .arg(&generated)
        .output()
        .unwrap();
    assert!(out.status.success());
    // Rejections too: their file, line, id, field and reason.
    let bad = dir.create(
        "bad.jsonl",
        "{\"id\":\"a\",\"company\":\"c\",\"type\":\"ddos\",\"date\":\"2020\"}\nnot json\n{\"id\":\"b\",\"company\":\"c\",\"type\":\"flood\",\"date\":\"2020\"}\n",
    );
    for (path, as_of) in [
        (bad, "2021-01-01"),
        (root("examples/incidents.jsonl"), "2026-11-28"),
        (root("tests/data/vastaamo.json"), "2020-11-01"),
        (generated, "2024-06-30"),
    ] {
        let engine = engine_of(&path);
        let date = NaiveDate::parse_from_str(as_of, "%Y-%m-%d").unwrap();
        let report = engine.rate(date, &all());
        // Byte for byte (compared as text: parsing floats back can move the last bit).
        let cli = cli_json(&path, as_of);
        let ours = serde_json::to_string_pretty(&report).unwrap() + "\n";
        assert_eq!(ours, cli, "{}", path.display());
        // And the CLI's document reads back into a report that writes the same bytes.
        let back: Report = serde_json::from_str(&cli).unwrap();
        assert_eq!(back.ratings.len(), report.ratings.len());
        assert_eq!(back.summary, report.summary);
    }
}

#[test]
fn one_company_s_rating_is_the_one_a_full_rate_gives() {
    let engine = engine_of(&root("examples/incidents.jsonl"));
    let as_of = NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
    let report = engine.rate(as_of, &all());
    assert_eq!(report.ratings.len(), 11);
    for full in &report.ratings {
        let one = engine.rating(&full.company, as_of).unwrap();
        assert_eq!(&one, full, "{}", full.company);
    }
    assert!(engine.rating("nobody", as_of).is_none());
    // Five contributors when asked for five.
    let mut five = RateOptions::default();
    five.contributors = Some(1);
    let short = engine.rate(as_of, &five);
    assert!(short.ratings.iter().all(|r| r.contributors.len() <= 1));
}

#[test]
fn results_outlive_the_engine_and_cross_threads() {
    let engine = std::sync::Arc::new(engine_of(&root("examples/incidents.jsonl")));
    let as_of = NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let e = std::sync::Arc::clone(&engine);
            std::thread::spawn(move || e.rate(as_of, &RateOptions::default()))
        })
        .collect();
    let reports: Vec<Report> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let first = reports[0].clone();
    drop(engine);
    assert!(reports.iter().all(|r| *r == first));
    assert_eq!(first.ratings[0].company, "bluepeak-retail");
}

#[test]
fn history_backtest_and_other_rules_give_what_the_cli_gives() {
    let path = root("examples/incidents.jsonl");
    let engine = engine_of(&path);
    // Both parsed by one parser from shortest-digit text: equal exactly when the
    // numbers are.
    let parsed = |text: &str| serde_json::from_str::<serde_json::Value>(text).unwrap();
    let from = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
    let to = NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
    let dates = riskrate::unstable::analysis::history::dates(from, to, 45).unwrap();
    let points = engine.history("northwind-clinics", &dates).unwrap();
    let out = cli(
        &[
            "history",
            "northwind-clinics",
            "--from",
            "2024-01-01",
            "--to",
            "2026-11-28",
            "--step",
            "45d",
            "-f",
            "json",
        ],
        &path,
    );
    let printed = parsed(&out);
    assert_eq!(
        parsed(&serde_json::to_string(&points).unwrap()),
        printed["points"]
    );
    assert!(engine.history("nobody", &dates).is_none());

    // Other rules on the same incidents: the CLI's score under --rules.
    let short = root("scoring-rules/short-memory.toml");
    let other = engine.with_rules(Rules::from_path(&short).unwrap());
    let report = other.rate(to, &all());
    let rules_flag = short.display().to_string();
    let args = [
        "score",
        "--as-of",
        "2026-11-28",
        "-f",
        "json",
        "--contributors",
        "all",
    ];
    let out = cli(&[&args[..], &["--rules", &rules_flag]].concat(), &path);
    assert_eq!(serde_json::to_string_pretty(&report).unwrap() + "\n", out);
    // The first engine still rates under its own rules.
    assert_eq!(engine.rules().name(), "default");
    assert_ne!(engine.rate(to, &all()), report);

    // The back-test: the same pooled AUC as the CLI's.
    let params = riskrate::unstable::analysis::backtest::BacktestParams {
        from: NaiveDate::from_ymd_opt(2024, 1, 1).unwrap(),
        to: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
        step_days: 180,
        horizon_days: 365,
        events: engine
            .rules()
            .types()
            .iter()
            .enumerate()
            .filter(|(_, t)| t.recurring)
            .map(|(i, _)| i as u16)
            .collect(),
    };
    let bt = engine.backtest(&params).unwrap();
    let out = cli(
        &[
            "backtest",
            "--from",
            "2024-01-01",
            "--to",
            "2026-01-01",
            "--step",
            "180d",
            "--horizon",
            "365d",
            "-f",
            "json",
        ],
        &path,
    );
    let printed = parsed(&out);
    assert_eq!(
        parsed(&serde_json::to_string(&bt.pooled).unwrap()),
        printed["pooled"]
    );
}

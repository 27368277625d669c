//! The `Engine` facade gives what the CLI gives, in owned values a service can
//! keep, serve and send across threads; its rules can be edited in code.

use riskrate::{Engine, RateOptions, Report};
use riskrate::{Format, NaiveDate, Rules};

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

/// Rules edited in code are validated as a file is, lose nothing they do not
/// change, and rate as the same rules read from a file.
#[test]
fn rules_edited_in_code_rate_as_the_same_rules_from_a_file() {
    let rules = Rules::default_rules().unwrap();
    // No change: the same values, so the same ratings.
    let same = rules.edit([]).unwrap();
    assert_eq!(same.to_toml(), rules.to_toml());
    let data = root("examples/incidents.jsonl");
    let as_of = NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
    let base = engine_of(&data);
    let unchanged = base.with_rules(same).rate(as_of, &all());
    assert_eq!(unchanged.ratings, base.rate(as_of, &all()).ratings);

    // A heavier ransomware lowers exactly the companies that have one counted.
    let heavier = rules.set("types.ransomware.base", 150.0).unwrap();
    let edited = base.with_rules(heavier.clone()).rate(as_of, &all());
    let before = base.rate(as_of, &all());
    for (a, b) in before.ratings.iter().zip(&edited.ratings) {
        let ransomware = a.contributors.iter().any(|c| c.kind == "ransomware");
        assert_eq!(b.score < a.score, ransomware, "{}", a.company);
    }
    // ... and rates as the same change made to the file.
    let text = DEFAULT_RULES.replace(
        "[types.ransomware]\nbase = 100",
        "[types.ransomware]\nbase = 150",
    );
    let from_file = Rules::from_toml(&text, "edited.toml").unwrap();
    let scores = |r: &Report| r.ratings.iter().map(|x| x.score_exact).collect::<Vec<_>>();
    assert_eq!(
        scores(&edited),
        scores(&base.with_rules(from_file).rate(as_of, &all()))
    );
    assert_ne!(heavier.sha256(), rules.sha256());

    // A new type, its keys given together, names records of that type.
    let with_skimming = rules
        .edit([
            ("types.skimming.base", 15.0.into()),
            ("types.skimming.half_life_days", 180.into()),
            ("types.skimming.cutoff_days", 730.into()),
            ("types.skimming.recurring", true.into()),
            ("types.skimming.aliases", (&["card skimming"][..]).into()),
        ])
        .unwrap();
    let mut e = Engine::new(with_skimming);
    let line = r#"{"id":"p1","company":"acme","type":"card skimming","date":"2026-10-01"}"#;
    e.read(line.as_bytes(), "feed.jsonl", Format::Jsonl)
        .unwrap();
    let r = e.rate(as_of, &all());
    assert_eq!((r.summary.counted, r.summary.rejected), (1, 0));
    assert_eq!(r.ratings[0].contributors[0].kind, "skimming");
}

/// Every bad edit is refused with the problem named, and the rules it was made
/// on are left as they were.
#[test]
fn a_bad_edit_of_the_rules_is_refused_with_its_problem() {
    let rules = Rules::default_rules().unwrap();
    let problem = |e: riskrate::RulesError| {
        assert_eq!(e.origin, "<default edited in code>");
        e.problems
            .iter()
            .map(|p| p.message.clone())
            .collect::<Vec<_>>()
            .join("; ")
    };
    for (path, value, why) in [
        (
            "interval.level",
            riskrate::Setting::from(1.5),
            "between 0 and 1",
        ),
        ("types.breach.bogus", 1.into(), "bogus"),
        ("grades.99.min_score", 1.into(), "not an index of a list of"),
        ("name.first", "x".into(), "holds a value"),
        ("types..base", 1.into(), "none of them empty"),
        ("types.skimming.base", 10.into(), "skimming"),
        ("types.breach.cutoff_days", 1825.5.into(), "cutoff_days"),
        ("version", "".into(), "version"),
    ] {
        let got = problem(rules.set(path, value).unwrap_err());
        assert!(got.contains(why), "{path}: {got}");
    }
    assert_eq!(rules.to_toml(), Rules::default_rules().unwrap().to_toml());
}

const DEFAULT_RULES: &str = include_str!("../scoring-rules/default.toml");

/// `Engine::explain` is the CLI's `explain --format json` document, byte for
/// byte, for every company of the example feed and the Vastaamo seed.
#[test]
fn the_engine_s_explanation_is_the_cli_s() {
    for (file, as_of) in [
        ("examples/incidents.jsonl", "2026-11-28"),
        ("tests/data/vastaamo.json", "2020-11-01"),
    ] {
        let path = root(file);
        let engine = engine_of(&path);
        let day = NaiveDate::parse_from_str(as_of, "%Y-%m-%d").unwrap();
        let report = engine.rate(day, &all());
        assert!(!report.ratings.is_empty());
        for r in &report.ratings {
            let mine = engine.explain(&r.company, day).unwrap();
            assert_eq!(&mine.rating, r);
            let cli = cli(
                &["explain", &r.company, "--as-of", as_of, "--format", "json"],
                &path,
            );
            assert_eq!(
                serde_json::to_string_pretty(&mine).unwrap() + "\n",
                cli,
                "{}",
                r.company
            );
            let back: riskrate::Explanation = serde_json::from_str(&cli).unwrap();
            assert_eq!(back, mine);
        }
        assert!(engine.explain("no such company", day).is_none());
    }
}

/// `Engine::compare` is the CLI's `diff --format json` document, byte for byte,
/// and reads back from it.
#[test]
fn the_engine_s_comparison_is_the_cli_s_diff() {
    let path = root("examples/incidents.jsonl");
    let engine = engine_of(&path);
    let other = Rules::from_path(&root("scoring-rules/short-memory.toml")).unwrap();
    let day = NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
    for top in [3usize, 20] {
        let mine = engine.compare(&other, day, top);
        let out = riskrate()
            .args(["diff", "--rules"])
            .arg(root("scoring-rules/default.toml"))
            .arg("--rules")
            .arg(root("scoring-rules/short-memory.toml"))
            .arg(&path)
            .args([
                "--as-of",
                "2026-11-28",
                "--format",
                "json",
                "--top",
                &top.to_string(),
            ])
            .output()
            .unwrap();
        let cli = String::from_utf8(out.stdout).unwrap();
        assert_eq!(serde_json::to_string_pretty(&mine).unwrap() + "\n", cli);
        let back: riskrate::analysis::Diff = serde_json::from_str(&cli).unwrap();
        assert_eq!(back, mine);
        assert!(!mine.movers.is_empty() && mine.movers.len() <= top);
    }
}

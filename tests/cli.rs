//! Each command end to end through the binary: formats, exit codes, files, stdin,
//! escaping and byte-identical output across runs and thread counts.

use serde_json::Value;

use crate::util::{Dir, riskrate, root, run_on};

fn json_of(out: &std::process::Output) -> Value {
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

/// Must show: the seed record as of 2020-11-01.
#[test]
fn seed_record_as_of_2020_11_01_as_json() {
    let out = run_on(
        &["score", "--as-of", "2020-11-01", "--format", "json"],
        root("tests/data/vastaamo.json"),
    );
    let doc = json_of(&out);
    assert_eq!(doc["riskrate"], env!("CARGO_PKG_VERSION"));
    assert_eq!(doc["rules"]["name"], "default");
    assert_eq!(doc["rules"]["version"], "2");
    assert_eq!(doc["rules"]["sha256"].as_str().unwrap().len(), 64);
    assert_eq!(doc["as_of"], "2020-11-01");
    assert_eq!(
        doc["summary"],
        serde_json::json!({"read": 1, "counted": 1, "expired": 0, "future": 0, "rejected": 0, "companies": 1})
    );
    let r = &doc["ratings"][0];
    assert_eq!(r["company"], "digitalmentalhealthconsortium");
    assert_eq!(r["company_name"], "Vastaamo");
    assert_eq!(r["score"], 290);
    assert_eq!(r["grade"], "F");
    assert!((r["score_exact"].as_f64().unwrap() - 289.943_455_295_556_7).abs() < 1e-9);
    assert!((r["risk_points"].as_f64().unwrap() - 233.350_250_874_628_84).abs() < 1e-9);
    assert_eq!(
        r["interval"],
        serde_json::json!({"level": 0.9, "low": 101, "high": 931})
    );
    assert_eq!(
        r["incidents"],
        serde_json::json!({"counted": 1, "expired": 0, "future": 0})
    );
    assert_eq!(r["industry_percentile"], Value::Null);
    assert_eq!(
        r["next_grade_change"],
        serde_json::json!({"grade": "D", "date": "2021-05-03"})
    );
    let c = &r["contributors"][0];
    assert_eq!(c["id"], "DIG1769432657");
    assert_eq!(c["type"], "breach");
    assert_eq!(c["effective_date"], "2020-10-01");
    assert_eq!(c["share"], 1.0);
    assert_eq!(c["factors"]["data"], 2.75);
    assert_eq!(c["factors"]["impact"], 1.5);
    assert_eq!(
        r["explanation"],
        "Vastaamo: 290 (F) as of 2020-11-01. 1 incident counted. Largest: breach DIG1769432657 of 2020-10 \
         — 100% of risk points; mental health records, national ids. Improves to D on 2021-05-03 if nothing new happens."
    );
    assert_eq!(doc["rejected"], serde_json::json!([]));
}

/// Must show: the same record has expired by 2026-11-28.
#[test]
fn seed_record_has_expired_by_2026_11_28() {
    let out = run_on(
        &["score", "--as-of", "2026-11-28", "--format", "json"],
        root("tests/data/vastaamo.json"),
    );
    let r = &json_of(&out)["ratings"][0];
    assert_eq!(
        (r["score"].as_i64(), r["grade"].as_str()),
        (Some(1000), Some("A"))
    );
    assert_eq!(r["incidents"]["expired"], 1);
    assert_eq!(r["next_grade_change"], Value::Null);
    assert!(
        r["explanation"]
            .as_str()
            .unwrap()
            .contains("No incident fell inside the rating window (1 expired)")
    );
}

#[test]
fn the_rankiteo_seed_reads_as_it_is() {
    let out = run_on(
        &["score", "--as-of", "2020-11-01", "--format", "json"],
        root("tests/data/rankiteo-rating.json"),
    );
    let r = &json_of(&out)["ratings"][0];
    assert_eq!(r["company"], "digitalmentalhealthconsortium");
    // Without data types: 60 x 1.0 x 1.5 x 1.0 x decay(31 days).
    assert!((r["risk_points"].as_f64().unwrap() - 90.0 * 0.942_829_296_463_146_8).abs() < 1e-9);
}

#[test]
fn the_bundled_example_covers_every_grade() {
    let out = run_on(
        &["score", "--as-of", "2026-11-28", "--format", "json"],
        root("examples/incidents.jsonl"),
    );
    let doc = json_of(&out);
    let mut grades: Vec<&str> = doc["ratings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["grade"].as_str().unwrap())
        .collect();
    grades.sort_unstable();
    grades.dedup();
    assert_eq!(grades, ["A", "B", "C", "D", "F"]);
    assert!(doc["ratings"].as_array().unwrap().len() >= 8);
    assert_eq!(doc["summary"]["rejected"], 0);
    let types: std::collections::BTreeSet<&str> = doc["ratings"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["contributors"].as_array().unwrap())
        .map(|c| c["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types.len(),
        6,
        "every type contributes somewhere: {types:?}"
    );
}

#[test]
fn table_is_the_default_format() {
    let out = run_on(
        &["score", "--as-of", "2020-11-01"],
        root("tests/data/vastaamo.json"),
    );
    let text = stdout(&out);
    assert!(
        text.starts_with("riskrate 0.1.0 · rules default v2 (sha256 "),
        "{text}"
    );
    assert!(
        text.contains("digitalmentalhealthconsortium  Vastaamo    290  F      101–931"),
        "{text}"
    );
    assert!(text.contains("D on 2021-05-03"), "{text}");
    assert!(
        text.contains("read 1 = counted 1 + expired 0 + future 0 + rejected 0 · 1 company"),
        "{text}"
    );
}

#[test]
fn jsonl_and_csv_formats() {
    let ex = root("examples/incidents.jsonl");
    let out = run_on(
        &["score", "--as-of", "2026-11-28", "--format", "jsonl"],
        &ex,
    );
    let lines: Vec<Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 11);
    assert_eq!(lines[0]["company"], "bluepeak-retail");
    assert_eq!(lines[0]["as_of"], "2026-11-28");
    assert_eq!(lines[0]["rules"]["name"], "default");
    assert_eq!(lines[0]["rules"]["sha256"].as_str().unwrap().len(), 64);

    let out = run_on(&["score", "--as-of", "2026-11-28", "--format", "csv"], &ex);
    let text = stdout(&out);
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let headers = rdr.headers().unwrap().clone();
    assert_eq!(&headers[0], "company");
    assert_eq!(&headers[3], "score");
    assert_eq!(&headers[19], "rules_sha256");
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 11);
    assert_eq!(
        (&rows[0][16], &rows[0][17], &rows[0][18]),
        ("2026-11-28", "default", "2")
    );
}

#[test]
fn contributors_are_limited_unless_all_is_asked() {
    let dir = Dir::new();
    let mut text = String::new();
    for i in 0..8 {
        text.push_str(&format!(
            "{{\"id\":\"i{i}\",\"company\":\"c\",\"type\":\"attack\",\"date\":\"2020-10-0{}\"}}\n",
            i + 1
        ));
    }
    let f = dir.create("many.jsonl", text);
    let count = |extra: &[&str]| {
        let out = riskrate()
            .args(["score", "--as-of", "2020-11-01", "--format", "json"])
            .args(extra)
            .arg(&f)
            .output()
            .unwrap();
        json_of(&out)["ratings"][0]["contributors"]
            .as_array()
            .unwrap()
            .len()
    };
    assert_eq!(count(&[]), 5);
    assert_eq!(count(&["--contributors", "all"]), 8);
    assert_eq!(count(&["--contributors", "2"]), 2);
}

#[test]
fn strict_exits_1_and_writes_nothing() {
    let dir = Dir::new();
    let f = dir.create(
        "in.jsonl",
        "{\"id\":\"a\",\"company\":\"c\",\"type\":\"breach\",\"date\":\"2020\"}\n{\"id\":\"b\",\"company\":\"c\",\"type\":\"breach\",\"date\":\"2020\",\"impact\":0}\n",
    );
    let out = run_on(&["score", "--strict", "--as-of", "2021-01-01"], &f);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("field impact: impact 0 is outside 1..=5")
    );
    // Without --strict the same input succeeds.
    let out = run_on(&["score", "--as-of", "2021-01-01"], &f);
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn errors_exit_2() {
    let dir = Dir::new();
    let good = dir.create(
        "in.jsonl",
        "{\"id\":\"a\",\"company\":\"c\",\"type\":\"breach\",\"date\":\"2020\"}\n",
    );
    // Unreadable file.
    let out = riskrate()
        .args(["score", "--as-of", "2021-01-01"])
        .arg(dir.path().join("nope.jsonl"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nope.jsonl"));
    // Bad rules.
    let bad = dir.create("bad.toml", "name = 1\n");
    let out = riskrate()
        .args(["score", "--rules"])
        .arg(&bad)
        .arg(&good)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid rules"));
    // Bad flags and values.
    for args in [
        &["score", "--bogus"][..],
        &["score", "--as-of", "2021-13-01"],
        &["score", "--format", "xml"],
    ] {
        let out = riskrate().args(args).arg(&good).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
    }
    // A JSON array cut short is a broken document.
    let cut = dir.create(
        "cut.json",
        "[{\"id\":\"a\",\"company\":\"c\",\"type\":\"breach\",\"date\":\"2020\"},\n",
    );
    let out = run_on(&["score", "--as-of", "2021-01-01"], &cut);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("cut.json:"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn several_files_stdin_and_input_formats() {
    let dir = Dir::new();
    let a = dir.create(
        "a.jsonl",
        "{\"id\":\"a\",\"company\":\"c\",\"type\":\"breach\",\"date\":\"2020-06\"}\n",
    );
    let b = dir.create(
        "b.json",
        "[\n {\"id\":\"b\",\"company\":\"d\",\"type\":\"ddos\",\"date\":\"2020-07-01\"},\n {\"id\":\"b2\",\"company\":\"d\",\"type\":\"nope\",\"date\":\"2020\"}\n]\n",
    );
    let c = dir.create(
        "c.txt",
        "id,company,type,date,data_types\nc,e,ransomware,06/2020,PHI;ssn\n",
    );
    let out = riskrate()
        .args(["score", "--as-of", "2021-01-01", "--format", "json"])
        .arg(&a)
        .arg(&b)
        .arg("-")
        .write_stdin(
            "{\"id\":\"s\",\"company\":\"f\",\"type\":\"vulnerability\",\"date\":\"2020-12\"}\n",
        )
        .output()
        .unwrap();
    let doc = json_of(&out);
    assert_eq!(doc["summary"]["read"], 4);
    assert_eq!(doc["summary"]["rejected"], 1);
    assert_eq!(
        doc["rejected"][0]["line"], 3,
        "array elements keep their line"
    );
    assert!(
        doc["rejected"][0]["file"]
            .as_str()
            .unwrap()
            .ends_with("b.json")
    );
    let companies: Vec<&str> = doc["ratings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["company"].as_str().unwrap())
        .collect();
    assert_eq!(companies, ["c", "d", "f"]);

    let out = run_on(
        &[
            "score",
            "--as-of",
            "2021-01-01",
            "--format",
            "json",
            "--input-format",
            "csv",
        ],
        &c,
    );
    let doc = json_of(&out);
    assert_eq!(doc["ratings"][0]["contributors"][0]["factors"]["data"], 2.5);
}

#[test]
fn output_goes_to_a_file_when_asked() {
    let dir = Dir::new();
    let target = dir.path().join("out.json");
    let out = riskrate()
        .args([
            "score",
            "--as-of",
            "2020-11-01",
            "--format",
            "json",
            "--output",
        ])
        .arg(&target)
        .arg(root("tests/data/vastaamo.json"))
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(out.stdout.is_empty());
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&target).unwrap()).unwrap();
    assert_eq!(doc["ratings"][0]["score"], 290);
}

#[test]
fn output_is_byte_identical_across_runs_and_thread_counts() {
    let dir = Dir::new();
    // Enough companies that work really is split between threads.
    let mut text = String::new();
    for i in 0..3000 {
        text.push_str(&format!(
            "{{\"id\":\"i{i}\",\"company\":\"co{}\",\"industry\":\"ind{}\",\"type\":\"{}\",\"date\":\"20{:02}-{:02}-15\",\"severity\":{},\"records\":{}}}\n",
            i % 700,
            i % 7,
            ["breach", "ransomware", "attack", "ddos", "vulnerability", "other"][i % 6],
            16 + i % 5,
            1 + i % 12,
            i % 101,
            i * 37
        ));
    }
    let f = dir.create("big.jsonl", text);
    let run = |threads: &str, format: &str| {
        let out = riskrate()
            .env("RAYON_NUM_THREADS", threads)
            .args([
                "score",
                "--as-of",
                "2020-06-30",
                "--format",
                format,
                "--contributors",
                "all",
            ])
            .arg(&f)
            .output()
            .unwrap();
        assert!(out.status.success());
        out.stdout
    };
    for format in ["json", "csv", "table"] {
        let one = run("1", format);
        assert_eq!(one, run("1", format), "{format}: two runs differ");
        assert_eq!(one, run("2", format), "{format}: 1 vs 2 threads differ");
        assert_eq!(one, run("8", format), "{format}: 1 vs 8 threads differ");
    }
}

#[test]
fn explain_shows_every_incident_and_factor() {
    let ex = root("examples/incidents.jsonl");
    let out = run_on(&["explain", "harbor-bank", "--as-of", "2026-11-28"], &ex);
    let text = stdout(&out);
    assert!(text.contains("Harbor Bank (harbor-bank)"), "{text}");
    assert!(text.contains("ID            TYPE    STANDING"), "{text}");
    assert!(text.contains("HRB-2025-003  breach  counted"), "{text}");
    assert!(text.contains("HRB-2024-020  attack  EXPIRED"), "{text}");
    assert!(
        text.contains("next grade change: B on 2027-06-22"),
        "{text}"
    );
    assert!(
        text.contains("Harbor Bank: 589 (C) as of 2026-11-28."),
        "{text}"
    );

    // A future incident is marked, and the company_name finds the company.
    let out = run_on(
        &[
            "explain",
            "Galaxy Games",
            "--as-of",
            "2026-11-28",
            "--format",
            "json",
        ],
        &ex,
    );
    let doc = json_of(&out);
    let standings: Vec<&str> = doc["incidents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["standing"].as_str().unwrap())
        .collect();
    assert_eq!(standings, ["counted", "future"]);
    assert_eq!(doc["rating"]["company"], "galaxy-games");
    assert_eq!(doc["incidents"][1]["points"], 0.0);
    assert!(
        doc["incidents"][0]["source"]
            .as_str()
            .unwrap()
            .ends_with("incidents.jsonl:25")
    );
}

#[test]
fn explain_an_unknown_company_exits_2() {
    let out = run_on(
        &["explain", "nobody", "--as-of", "2026-11-28"],
        root("examples/incidents.jsonl"),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no company `nobody`"));
}

#[test]
fn every_help_shows_a_worked_example() {
    for args in [
        &["score", "--help"][..],
        &["explain", "--help"],
        &["rules", "--help"],
        &["rules", "check", "--help"],
        &["rules", "show", "--help"],
    ] {
        let out = riskrate().args(args).output().unwrap();
        assert!(out.status.success(), "{args:?}");
        let text = stdout(&out);
        assert!(text.contains("Example"), "{args:?}: {text}");
        assert!(text.contains("riskrate "), "{args:?}");
    }
}

#[test]
fn input_text_is_escaped_in_every_output() {
    let dir = Dir::new();
    let f = dir.create(
        "evil.jsonl",
        "{\"id\":\"=cmd|' /C calc'!A0\",\"company\":\"@evil\",\"company_name\":\"\\u001b[31mRed\\u202e\",\"industry\":\"=1+1\",\"type\":\"breach\",\"date\":\"2020-10\"}\n",
    );
    let out = run_on(&["score", "--as-of", "2020-11-01", "--format", "csv"], &f);
    let text = stdout(&out);
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let row = rdr.records().next().unwrap().unwrap();
    assert_eq!(&row[0], "'@evil");
    assert_eq!(&row[2], "'=1+1");
    assert!(
        row.iter()
            .all(|cell| !cell.starts_with(['=', '+', '-', '@'])),
        "{row:?}"
    );

    for args in [&["score", "--format", "table"][..], &["explain", "@evil"]] {
        let out = riskrate()
            .args(args)
            .args(["--as-of", "2020-11-01"])
            .arg(&f)
            .output()
            .unwrap();
        let text = stdout(&out);
        assert!(
            !text.contains('\u{1b}') && !text.contains('\u{202e}'),
            "{args:?}: {text:?}"
        );
        assert!(text.contains("\\u{1b}[31mRed\\u{202e}"), "{args:?}: {text}");
    }

    let out = run_on(&["score", "--as-of", "2020-11-01", "--format", "json"], &f);
    let raw = stdout(&out);
    assert!(!raw.contains('\u{1b}'), "JSON escapes control characters");
    assert_eq!(
        json_of(&out)["ratings"][0]["company_name"],
        "\u{1b}[31mRed\u{202e}"
    );
}

#[test]
fn a_closed_pipe_is_not_a_crash_and_not_a_success() {
    let dir = Dir::new();
    let mut text = String::new();
    for i in 0..20000 {
        text.push_str(&format!(
            "{{\"id\":\"i{i}\",\"company\":\"c{i}\",\"type\":\"ddos\",\"date\":\"2020\"}}\n"
        ));
    }
    let f = dir.create("many.jsonl", text);
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("riskrate"))
        .args(["score", "--as-of", "2020-06-01", "--format", "jsonl"])
        .arg(&f)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Read one line, then close the pipe.
    let mut stdout = child.stdout.take().unwrap();
    let mut buf = [0u8; 64];
    std::io::Read::read(&mut stdout, &mut buf).unwrap();
    drop(stdout);
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    // The output was cut short: that is not the status of a complete run.
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("closed the pipe"), "{stderr}");
    assert!(!stderr.contains("panicked"));
}

#[test]
fn gen_is_deterministic_and_valid() {
    let run = |seed: &str| {
        let out = riskrate()
            .args([
                "gen",
                "--incidents",
                "3000",
                "--companies",
                "200",
                "--seed",
                seed,
            ])
            .output()
            .unwrap();
        assert!(out.status.success());
        out.stdout
    };
    let a = run("7");
    assert_eq!(a, run("7"), "the same seed gives the same bytes");
    assert_ne!(a, run("8"), "different seeds differ");
    assert_eq!(a.iter().filter(|b| **b == b'\n').count(), 3000);
    // Every generated record is valid canonical input.
    let out = riskrate()
        .args([
            "score",
            "-",
            "--as-of",
            "2026-01-01",
            "--format",
            "json",
            "--strict",
        ])
        .write_stdin(a)
        .output()
        .unwrap();
    let doc = json_of(&out);
    assert_eq!(doc["summary"]["rejected"], 0);
    assert_eq!(doc["summary"]["read"], 3000);
    // Heavy tail: the busiest company has many times the mean number of incidents.
    let max = doc["ratings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let c = &r["incidents"];
            c["counted"].as_u64().unwrap()
                + c["expired"].as_u64().unwrap()
                + c["future"].as_u64().unwrap()
        })
        .max()
        .unwrap();
    assert!(max >= 5 * 3000 / 200, "busiest company has {max} incidents");
}

#[test]
fn diff_of_rules_against_themselves_moves_nobody() {
    let rules = root("scoring-rules/default.toml");
    let out = riskrate()
        .args([
            "diff",
            "--as-of",
            "2026-11-28",
            "--format",
            "json",
            "--rules",
        ])
        .arg(&rules)
        .arg("--rules")
        .arg(&rules)
        .arg(root("examples/incidents.jsonl"))
        .output()
        .unwrap();
    let doc = json_of(&out);
    assert_eq!(doc["spearman_rho"], 1.0);
    assert_eq!(doc["kendall_tau_b"], 1.0);
    assert_eq!(doc["grade_changes"], 0);
    assert_eq!(doc["max_abs_change"], 0);
    assert_eq!(doc["movers"], serde_json::json!([]));
    let diagonal: u64 = (0..5)
        .map(|i| doc["migration"][i][i].as_u64().unwrap())
        .sum();
    assert_eq!(diagonal, doc["companies"].as_u64().unwrap());
}

/// A mover's explanations under A and B are the ones `score` gives under each
/// rules file (diff renders them only for the movers it shows), in JSON and in
/// the table.
#[test]
fn diff_movers_carry_the_explanations_score_gives() {
    let (a, b) = (
        root("scoring-rules/default.toml"),
        root("scoring-rules/short-memory.toml"),
    );
    let input = root("examples/incidents.jsonl");
    let explanations = |rules: &std::path::Path| -> std::collections::HashMap<String, String> {
        let out = riskrate()
            .args([
                "score",
                "--as-of",
                "2026-11-28",
                "--format",
                "json",
                "--rules",
            ])
            .arg(rules)
            .arg(&input)
            .output()
            .unwrap();
        json_of(&out)["ratings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["company"].as_str().unwrap().to_string(),
                    r["explanation"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let (under_a, under_b) = (explanations(&a), explanations(&b));
    let diff = |format: &str| {
        riskrate()
            .args([
                "diff",
                "--as-of",
                "2026-11-28",
                "--format",
                format,
                "--rules",
            ])
            .arg(&a)
            .arg("--rules")
            .arg(&b)
            .arg(&input)
            .output()
            .unwrap()
    };
    let doc = json_of(&diff("json"));
    let movers = doc["movers"].as_array().unwrap();
    assert!(!movers.is_empty());
    let table = stdout(&diff("table"));
    for m in movers {
        let company = m["company"].as_str().unwrap();
        let (ea, eb) = (&under_a[company], &under_b[company]);
        assert!(!ea.is_empty() && !eb.is_empty());
        assert_eq!(m["a"]["explanation"], ea.as_str(), "{company}");
        assert_eq!(m["b"]["explanation"], eb.as_str(), "{company}");
        assert!(table.contains(&format!("    A: {ea}")), "{table}");
        assert!(table.contains(&format!("    B: {eb}")), "{table}");
    }
}

#[test]
fn diff_gates_a_rules_change() {
    let run = |n: &str| {
        riskrate()
            .args([
                "diff",
                "--as-of",
                "2026-11-28",
                "--fail-if-moved",
                n,
                "--rules",
            ])
            .arg(root("scoring-rules/default.toml"))
            .arg("--rules")
            .arg(root("scoring-rules/short-memory.toml"))
            .arg(root("examples/incidents.jsonl"))
            .output()
            .unwrap()
    };
    let out = run("2");
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.contains("grade migration (rows: A, columns: B)"),
        "{text}"
    );
    assert!(text.contains("driven by decay"), "{text}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("more than --fail-if-moved 2"));
    assert_eq!(run("100").status.code(), Some(0));
    // Exactly two rules files.
    let out = riskrate()
        .args(["diff", "--as-of", "2026-11-28", "--rules"])
        .arg(root("scoring-rules/default.toml"))
        .arg(root("examples/incidents.jsonl"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn backtest_on_stable_risk_beats_chance() {
    let generated = riskrate()
        .args([
            "gen",
            "--incidents",
            "20000",
            "--companies",
            "2000",
            "--seed",
            "5",
        ])
        .output()
        .unwrap();
    assert!(generated.status.success());
    let out = riskrate()
        .args([
            "backtest",
            "-",
            "--from",
            "2018-01-01",
            "--to",
            "2023-01-01",
            "--step",
            "1y",
            "--horizon",
            "365d",
            "--format",
            "json",
        ])
        .write_stdin(generated.stdout)
        .output()
        .unwrap();
    let doc = json_of(&out);
    assert_eq!(doc["events"], serde_json::json!(["ransomware", "breach"]));
    assert!(doc["population"].as_str().unwrap().contains("known by T"));
    let cutoffs = doc["cutoffs"].as_array().unwrap();
    assert_eq!(cutoffs.len(), 6);
    let pooled = &doc["pooled"];
    let auc = pooled["auc"]["auc"].as_f64().unwrap();
    assert!(auc > 0.6, "AUC {auc}");
    assert!(pooled["auc"]["low"].as_f64().unwrap() > 0.5);
    // Event rates rise from the best grade to the worst.
    let grades = pooled["grades"].as_array().unwrap();
    let first = grades[0]["event_rate"].as_f64().unwrap();
    let last = grades[4]["event_rate"].as_f64().unwrap();
    assert!(last > first, "{first} {last}");
    assert_eq!(grades[0]["lift"], 1.0);
    let companies: u64 = cutoffs
        .iter()
        .map(|c| c["companies"].as_u64().unwrap())
        .sum();
    assert_eq!(pooled["companies"].as_u64().unwrap(), companies);
}

#[test]
fn backtest_never_rates_a_company_before_its_first_incident() {
    // One company whose only incident is after the cutoff: not in the population.
    let dir = Dir::new();
    let f = dir.create(
        "in.jsonl",
        "{\"id\":\"a\",\"company\":\"early\",\"type\":\"breach\",\"date\":\"2019-06-01\"}\n{\"id\":\"b\",\"company\":\"early\",\"type\":\"breach\",\"date\":\"2020-03-01\"}\n{\"id\":\"c\",\"company\":\"late\",\"type\":\"breach\",\"date\":\"2020-02-01\"}\n{\"id\":\"d\",\"company\":\"quiet\",\"type\":\"ddos\",\"date\":\"2019-01-01\"}\n",
    );
    let out = run_on(
        &[
            "backtest",
            "--from",
            "2020-01-01",
            "--to",
            "2020-01-01",
            "--horizon",
            "365d",
            "--format",
            "json",
        ],
        &f,
    );
    let doc = json_of(&out);
    let c = &doc["cutoffs"][0];
    assert_eq!(
        c["companies"], 2,
        "early and quiet were known by the cutoff"
    );
    assert_eq!(c["events"], 1, "early's 2020-03 breach");
    assert_eq!(
        c["auc"]["auc"], 1.0,
        "early (breached) scored below quiet (a ddos)"
    );
}

#[test]
fn history_series_and_chart() {
    let ex = root("examples/incidents.jsonl");
    let out = run_on(
        &[
            "history",
            "digitalmentalhealthconsortium",
            "--from",
            "2020-09-01",
            "--to",
            "2026-09-01",
            "--step",
            "1y",
        ],
        &ex,
    );
    let text = stdout(&out);
    let rows: Vec<&str> = text.lines().collect();
    assert_eq!(
        rows[0],
        "date,score,score_exact,grade,interval_low,interval_high,risk_points,counted"
    );
    assert_eq!(rows.len(), 1 + 7);
    assert!(
        rows[1].starts_with("2020-09-01,1000,1000,A,"),
        "before the breach: {}",
        rows[1]
    );
    assert!(
        rows[7].starts_with("2026-08-31,1000,1000,A,837,1000,0,0"),
        "expired: {}",
        rows[7]
    );
    // The score recovers monotonically after the breach.
    let scores: Vec<i64> = rows[2..7]
        .iter()
        .map(|r| r.split(',').nth(1).unwrap().parse().unwrap())
        .collect();
    assert!(scores.windows(2).all(|w| w[0] <= w[1]), "{scores:?}");

    let out = run_on(
        &[
            "history",
            "northwind-clinics",
            "--from",
            "2025-01-01",
            "--to",
            "2030-01-01",
            "--step",
            "30d",
            "--format",
            "svg",
        ],
        &ex,
    );
    let svg = stdout(&out);
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert!(svg.contains("<polyline"));
    for band in ["A ≥ 850", "B ≥ 700", "C ≥ 550", "D ≥ 400", "F ≥ 100"] {
        assert!(svg.contains(band), "{band}");
    }

    let dir = Dir::new();
    let evil = dir.create(
        "evil.jsonl",
        "{\"id\":\"x\",\"company\":\"e\",\"company_name\":\"<script>alert(1)</script>\",\"type\":\"breach\",\"date\":\"2020\"}\n",
    );
    let out = run_on(
        &[
            "history",
            "e",
            "--from",
            "2020-01-01",
            "--to",
            "2021-01-01",
            "--format",
            "svg",
        ],
        &evil,
    );
    let svg = stdout(&out);
    assert!(
        !svg.contains("<script>") && svg.contains("&lt;script&gt;"),
        "{svg}"
    );
}

#[test]
fn explain_what_if_without_or_disputed() {
    let ex = root("examples/incidents.jsonl");
    let run = |extra: &[&str]| {
        let out = riskrate()
            .args([
                "explain",
                "northwind-clinics",
                "--as-of",
                "2026-11-28",
                "--format",
                "json",
            ])
            .args(extra)
            .arg(&ex)
            .output()
            .unwrap();
        json_of(&out)
    };
    let real = run(&[]);
    assert!(real.get("what_if").is_none());
    let disputed = run(&["--as-disputed", "NWC-2026-001"]);
    let w = &disputed["what_if"];
    assert_eq!(w["as_disputed"], serde_json::json!(["NWC-2026-001"]));
    assert!(
        w["score_change"].as_i64().unwrap() > 0,
        "disputing an incident never lowers a score"
    );
    let contributor = w["rating"]["contributors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "NWC-2026-001")
        .unwrap();
    assert_eq!(contributor["factors"]["confidence"], 0.5);
    let without = run(&["--without", "NWC-2026-001", "--without", "NWC-2025-014"]);
    assert_eq!(without["what_if"]["rating"]["incidents"]["counted"], 1);
    assert_eq!(
        without["rating"]["score"], real["rating"]["score"],
        "the real rating is unchanged"
    );

    let out = run_on(
        &[
            "explain",
            "northwind-clinics",
            "--as-of",
            "2026-11-28",
            "--without",
            "NOPE",
        ],
        &ex,
    );
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn report_is_one_self_contained_escaped_html_file() {
    let dir = Dir::new();
    let f = dir.create(
        "in.jsonl",
        "{\"id\":\"x<1>\",\"company\":\"evil\",\"company_name\":\"<script>alert(1)</script>\",\"industry\":\"<b>\",\"type\":\"breach\",\"date\":\"2020-06\",\"data_types\":[\"therapy notes\"]}\n{\"id\":\"y\",\"company\":\"ok\",\"industry\":\"<b>\",\"type\":\"ddos\",\"date\":\"2020-09\"}\n",
    );
    let out = run_on(&["report", "--as-of", "2020-11-01", "--detail", "ok"], &f);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let page = stdout(&out);
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert_eq!(page.matches("<script>").count(), 1, "only our own script");
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(
        !page.contains("src=\"http") && !page.contains("href=\"http"),
        "no external resources"
    );
    assert!(page.contains("class=\"bar\" data-grade=\"F\""));
    assert!(
        page.contains("id=\"company-ok\" open"),
        "--detail unfolds the company"
    );
    assert!(page.contains("mental health records"));
    assert!(page.contains("<polyline"), "history charts");
    assert!(page.contains("<table id=\"industries\">"));
    let out = run_on(
        &["report", "--as-of", "2020-11-01", "--detail", "nobody"],
        &f,
    );
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn colour_only_when_asked_or_on_a_terminal_without_no_color() {
    let ex = root("examples/incidents.jsonl");
    let run = |args: &[&str], env: &[(&str, &str)]| {
        let mut c = riskrate();
        c.args(["score", "--as-of", "2026-11-28"])
            .args(args)
            .arg(&ex);
        for (k, v) in env {
            c.env(k, v);
        }
        stdout(&c.output().unwrap())
    };
    let plain = run(&[], &[]);
    assert!(!plain.contains('\u{1b}'), "not a terminal: no colour");
    let always = run(&["--color", "always"], &[]);
    assert!(always.contains("\u{1b}[31mF\u{1b}[0m"), "{always}");
    assert!(
        !run(&[], &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]).contains('\u{1b}'),
        "NO_COLOR wins"
    );
    assert!(run(&[], &[("CLICOLOR_FORCE", "1")]).contains('\u{1b}'));
    assert!(!run(&["--color", "never"], &[("CLICOLOR_FORCE", "1")]).contains('\u{1b}'));
    // Colour never changes the columns: strip the codes and the tables are the same.
    let stripped = always
        .replace("\u{1b}[0m", "")
        .replace("\u{1b}[32m", "")
        .replace("\u{1b}[92m", "")
        .replace("\u{1b}[33m", "")
        .replace("\u{1b}[38;5;208m", "")
        .replace("\u{1b}[31m", "");
    assert_eq!(stripped, plain);
}

#[test]
fn completions_and_man_page() {
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let out = riskrate().args(["completions", shell]).output().unwrap();
        assert!(out.status.success(), "{shell}");
        assert!(stdout(&out).contains("riskrate"), "{shell}");
    }
    let man = stdout(&riskrate().arg("man").output().unwrap());
    assert!(man.contains(".TH riskrate 1"), "{man}");
    assert!(man.contains("score"));
}

//! Hostile input: each case with its expected outcome — a rejection naming the
//! line and field, a clear error, or a correct rating — and never a panic. The two
//! large cases (a 50 MB line, a million incidents of one company) run against the
//! release binary in `tests/reference/hostile_large.py` (CI), to keep this suite fast.

use serde_json::Value;

use crate::util::{Dir, riskrate, run_on};

struct Outcome {
    code: Option<i32>,
    doc: Option<Value>,
    stderr: String,
}

fn score(bytes: &[u8], name: &str, extra: &[&str]) -> Outcome {
    let dir = Dir::new();
    let f = dir.create(name, bytes);
    let out = riskrate()
        .args(["score", "--as-of", "2021-01-01", "--format", "json"])
        .args(extra)
        .arg(&f)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_ne!(out.status.code(), Some(101), "a panic: {stderr}");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    Outcome {
        code: out.status.code(),
        doc: serde_json::from_str(&stdout).ok(),
        stderr,
    }
}

/// (read, counted, expired, future, rejected), checking the accounting adds up.
fn summary(o: &Outcome) -> (u64, u64, u64, u64, u64) {
    let s = &o
        .doc
        .as_ref()
        .unwrap_or_else(|| panic!("no JSON: {}", o.stderr))["summary"];
    let g = |k: &str| s[k].as_u64().unwrap();
    assert_eq!(
        g("read"),
        g("counted") + g("expired") + g("future") + g("rejected")
    );
    (
        g("read"),
        g("counted"),
        g("expired"),
        g("future"),
        g("rejected"),
    )
}

fn rejection(o: &Outcome, k: usize) -> (u64, Option<String>, String) {
    let r = &o.doc.as_ref().unwrap()["rejected"][k];
    (
        r["line"].as_u64().unwrap(),
        r["field"].as_str().map(str::to_string),
        r["message"].as_str().unwrap().to_string(),
    )
}

const OK: &str = r#"{"id":"a","company":"c","type":"breach","date":"2020"}"#;

#[test]
fn empty_and_whitespace_only_files_rate_nothing() {
    assert_eq!(summary(&score(b"", "e.jsonl", &[])), (0, 0, 0, 0, 0));
    assert_eq!(
        summary(&score(b"  \n\t\n \r\n", "w.jsonl", &[])),
        (0, 0, 0, 0, 0)
    );
    assert_eq!(summary(&score(b"", "e.csv", &[])), (0, 0, 0, 0, 0));
    assert_eq!(summary(&score(b"  ", "e.json", &[])), (0, 0, 0, 0, 0));
}

#[test]
fn bom_and_crlf_are_read() {
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(OK.as_bytes());
    assert_eq!(summary(&score(&bom, "b.jsonl", &[])).1, 1);
    let crlf = format!("{OK}\r\n{}\r\n", OK.replace("\"a\"", "\"b\""));
    assert_eq!(summary(&score(crlf.as_bytes(), "c.jsonl", &[])).1, 2);
    let csv = b"\xEF\xBB\xBFid,company,type,date\r\na,c,breach,2020\r\n";
    assert_eq!(summary(&score(csv, "c.csv", &[])).1, 1);
}

#[test]
fn invalid_utf8_and_nul_bytes_are_rejected_records() {
    let o = score(
        b"{\"id\":\"a\",\"company\":\"c\xff\",\"type\":\"breach\",\"date\":\"2020\"}\n",
        "u.jsonl",
        &[],
    );
    assert_eq!(summary(&o), (1, 0, 0, 0, 1));
    assert_eq!(rejection(&o, 0).0, 1);
    let nul = format!("{OK}\0\n\0\0\n{}\n", OK.replace("\"a\"", "\"b\""));
    let o = score(nul.as_bytes(), "n.jsonl", &[]);
    assert_eq!(summary(&o), (3, 1, 0, 0, 2));
    assert_eq!((rejection(&o, 0).0, rejection(&o, 1).0), (1, 2));
}

#[test]
fn deep_nesting_is_rejected_by_a_configurable_limit() {
    let deep = format!(
        r#"{{"id":"a","company":"c","type":"breach","date":"2020","x":{}{}}}"#,
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    let o = score(deep.as_bytes(), "d.jsonl", &[]);
    assert_eq!(summary(&o).4, 1);
    let (line, field, message) = rejection(&o, 0);
    assert_eq!((line, field), (1, None));
    assert!(
        message.contains("nests 10001 levels deep, above the limit of 64 (--max-depth)"),
        "{message}"
    );
    // Raised, the limit lets it through; the unknown field is skipped.
    assert_eq!(
        summary(&score(
            deep.as_bytes(),
            "d.jsonl",
            &["--max-depth", "20000"]
        ))
        .1,
        1
    );
}

#[test]
fn large_records_are_rejected_by_a_configurable_limit() {
    let big = format!(
        r#"{{"id":"a","company":"c","type":"breach","date":"2020","pad":"{}"}}"#,
        "x".repeat(2 << 20)
    );
    let o = score(big.as_bytes(), "big.jsonl", &[]);
    assert!(
        rejection(&o, 0)
            .2
            .contains("above the limit of 1048576 (--max-record-bytes)")
    );
    assert_eq!(
        summary(&score(
            big.as_bytes(),
            "big.jsonl",
            &["--max-record-bytes", "4000000"]
        ))
        .1,
        1
    );
}

#[test]
fn extreme_numbers() {
    let lines = [
        r#"{"id":"a","company":"c","type":"breach","date":"2020","severity":1e400}"#,
        r#"{"id":"b","company":"c","type":"breach","date":"2020","severity":-0}"#,
        r#"{"id":"c","company":"c","type":"breach","date":"2020","severity":"NaN"}"#,
        r#"{"id":"d","company":"c","type":"breach","date":"2020","records":1e400}"#,
        r#"{"id":"e","company":"c","type":"breach","date":"2020","impact":-0}"#,
        r#"{"id":"f","company":"c","type":"breach","date":"2020","records":18446744073709551616}"#,
        r#"{"id":"g","company":"c","type":"breach","date":"2020","severity":"-0"}"#,
    ];
    let o = score(lines.join("\n").as_bytes(), "n.jsonl", &[]);
    assert_eq!(summary(&o), (7, 2, 0, 0, 5), "-0 is a severity of 0");
    let r: Vec<_> = (0..5).map(|k| rejection(&o, k)).collect();
    assert!(r[0].2.contains("number out of range"), "{:?}", r[0]);
    assert_eq!(
        r[0].1.as_deref(),
        Some("severity"),
        "the parser's failing field is named"
    );
    assert_eq!(r[2].1.as_deref(), Some("records"));
    assert_eq!((r[1].0, r[1].1.as_deref()), (3, Some("severity")));
    assert!(r[2].2.contains("number out of range"));
    assert_eq!((r[3].0, r[3].1.as_deref()), (5, Some("impact")));
    assert_eq!(
        (r[4].0, r[4].1.as_deref()),
        (6, Some("records")),
        "{:?}",
        r[4]
    );
}

#[test]
fn impossible_and_extreme_dates() {
    let dates = [
        "2020-02-30",
        "0000-01-01",
        "9999-12-31",
        "+275760-09-13",
        "-0001-01-01",
        "2020-00",
        "00/2020",
    ];
    let text: Vec<String> = dates
        .iter()
        .enumerate()
        .map(|(i, d)| format!(r#"{{"id":"{i}","company":"c","type":"breach","date":"{d}"}}"#))
        .collect();
    let o = score(text.join("\n").as_bytes(), "d.jsonl", &[]);
    assert_eq!(
        summary(&o),
        (7, 0, 1, 1, 5),
        "year 0 is long expired; 9999 is future"
    );
    for k in 0..5 {
        assert_eq!(rejection(&o, k).1.as_deref(), Some("date"));
    }
    // A far as-of date is a correct rating too (nothing overflows).
    let dir = Dir::new();
    let f = dir.create("x.jsonl", OK);
    let out = run_on(&["score", "--as-of", "9999-12-31", "--format", "json"], &f);
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["ratings"][0]["score"], 1000);
}

#[test]
fn duplicate_keys_arrays_and_scalars_where_objects_belong() {
    let text = "{\"id\":\"a\",\"id\":\"b\",\"company\":\"c\",\"type\":\"breach\",\"date\":\"2020\"}\n[{\"id\":\"a\"}]\n\"text\"\n42\nnull\n";
    let o = score(text.as_bytes(), "k.jsonl", &[]);
    assert_eq!(summary(&o), (5, 0, 0, 0, 5));
    assert_eq!(rejection(&o, 0).1.as_deref(), Some("id"));
    assert!(rejection(&o, 0).2.contains("given twice"));
    assert!(rejection(&o, 1).2.contains("expected an incident object"));
    // A JSON document that is a scalar is a broken document: exit 2, named.
    let o = score(b"42", "s.json", &[]);
    assert_eq!(o.code, Some(2));
    assert!(o.stderr.contains("s.json:1:1"), "{}", o.stderr);
}

#[test]
fn unknown_fields_are_ignored() {
    let text = r#"{"id":"a","company":"c","type":"breach","date":"2020","foo":{"bar":[1,{"x":null}]},"baz":null,"":1}"#;
    assert_eq!(summary(&score(text.as_bytes(), "u.jsonl", &[])).1, 1);
}

#[test]
fn terminal_escapes_in_names_never_reach_a_terminal() {
    let text = serde_json::json!({
        "id": "\u{1b}]0;owned\u{7}", "company": "\u{1b}[2J\u{1b}[31mEVIL",
        "company_name": "\u{202e}\u{1b}[1mname", "industry": "=cmd|' /C calc'!A0",
        "type": "breach", "date": "2020"
    })
    .to_string();
    let dir = Dir::new();
    let f = dir.create("e.jsonl", &text);
    for args in [
        &["score", "--format", "table"][..],
        &["score", "--format", "csv"],
        &["explain", "\u{1b}[2J\u{1b}[31mEVIL"],
    ] {
        let out = riskrate()
            .args(args)
            .args(["--as-of", "2021-01-01"])
            .arg(&f)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout);
        if args[1] != "--format" || args[2] == "table" {
            assert!(
                !text.contains('\u{1b}') && !text.contains('\u{202e}'),
                "{args:?}: {text:?}"
            );
        } else {
            assert!(text.contains(",'=cmd|"), "{text}");
        }
    }
}

#[test]
fn hostile_rules_files_are_refused_clearly() {
    let base = riskrate::unstable::rules::DEFAULT_RULES_TOML;
    let cases = [
        (
            "half_life_days = 365",
            "half_life_days = 0",
            "half_life_days = 0 is out of range",
        ),
        (
            "half_life_days = 365",
            "half_life_days = -5",
            "half_life_days = -5 is out of range",
        ),
        ("base = 60", "base = nan", "base = NaN is out of range"),
        ("base = 60", "base = inf", "base = inf is out of range"),
        ("base = 60", "base = -1", "base = -1 is out of range"),
        (
            "multiplier = 2.75",
            "multiplier = 1e300",
            "multiplier = 1e300 is out of range",
        ),
        ("scale = 150", "scale = 0", "scale = 0 is out of range"),
        ("level = 0.90", "level = 1.5", "level = 1.5 is out of range"),
    ];
    let dir = Dir::new();
    for (from, to, want) in cases {
        let text = base.replacen(from, to, 1);
        assert_ne!(text, base, "{from}");
        let f = dir.create("r.toml", &text);
        let out = run_on(&["rules", "check"], &f);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{to}: {err}");
        assert!(err.contains(want), "{to}: {err}");
    }
    // An enormous alias list is just a big list: loaded, and still unambiguous.
    let many: Vec<String> = (0..50_000).map(|i| format!("\"alias {i}\"")).collect();
    let text = base.replacen(
        "aliases = [\"unknown\", \"misconfiguration\"]",
        &format!("aliases = [{}]", many.join(", ")),
        1,
    );
    let f = dir.create("big.toml", &text);
    let out = run_on(&["rules", "check"], &f);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A file beyond the size limit is refused before it is parsed.
    let huge = dir.create("huge.toml", vec![b'#'; 5 << 20]);
    let out = run_on(&["rules", "check"], &huge);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("a rules file is at most 4194304 bytes"));
}

#[test]
fn jsonl_and_csv_outputs_still_account_on_stderr() {
    let dir = Dir::new();
    let f = dir.create("a.jsonl", format!("{OK}\nnot json\n"));
    for format in ["jsonl", "csv"] {
        let out = run_on(&["score", "--as-of", "2021-01-01", "--format", format], &f);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("read 2 = counted 1 + expired 0 + future 0 + rejected 1; 1 companies"),
            "{err}"
        );
        assert!(!out.stdout.is_empty());
    }
}

#[test]
fn a_failed_run_never_leaves_a_half_written_output() {
    let dir = Dir::new();
    let target = dir.create("ratings.json", "previous ratings\n");
    let input = dir.create("in.jsonl", OK);
    // A run that fails (bad rules) leaves the previous file as it was.
    let bad = dir.create("bad.toml", "name = 1\n");
    let out = riskrate()
        .args([
            "score",
            "--as-of",
            "2021-01-01",
            "--format",
            "json",
            "--rules",
        ])
        .arg(&bad)
        .arg("--output")
        .arg(&target)
        .arg(&input)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        std::fs::read_to_string(&target).unwrap(),
        "previous ratings\n"
    );
    // An output that cannot be written is an error, and no temporary file is left.
    let nowhere = dir.path().join("missing-dir").join("ratings.json");
    let out = riskrate()
        .args(["score", "--as-of", "2021-01-01", "--output"])
        .arg(&nowhere)
        .arg(&input)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("missing-dir"), "{stderr}");
    assert!(stderr.contains("No such file or directory"), "{stderr}");
    assert!(
        !stderr.contains("riskrate-tmp"),
        "no temporary name: {stderr}"
    );
    // A successful run replaces the file whole.
    let out = riskrate()
        .args([
            "score",
            "--as-of",
            "2021-01-01",
            "--format",
            "json",
            "--output",
        ])
        .arg(&target)
        .arg(&input)
        .output()
        .unwrap();
    assert!(out.status.success());
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&target).unwrap()).unwrap();
    assert_eq!(doc["summary"]["read"], 1);
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains("riskrate-tmp"))
        .collect();
    assert!(leftovers.is_empty());
}

#[test]
fn a_file_larger_than_one_read_block_keeps_every_line_number() {
    // JSON Lines files are read in 16 MiB blocks; lines cut by a block edge must keep
    // their numbers, and none may be lost or read twice.
    let mut text = String::with_capacity(20 << 20);
    let pad = "x".repeat(150);
    let mut n = 0u64;
    while text.len() < (18 << 20) {
        n += 1;
        text.push_str(&format!(
            "{{\"id\":\"i{n}\",\"company\":\"c{}\",\"type\":\"ddos\",\"date\":\"2020\",\"note\":\"{pad}\"}}\n",
            n % 50
        ));
    }
    text.push_str("{broken\n");
    let last = n + 1;
    let o = score(text.as_bytes(), "big.jsonl", &[]);
    assert_eq!(summary(&o), (last, n, 0, 0, 1), "every line read once");
    assert_eq!(rejection(&o, 0).0, last);
}

/// Runs `import` with `args`, returning (status, stdout lines, stderr); never a
/// panic, and never longer than 60 s (a hang is a failure, not a stuck suite).
fn import(args: &[&std::ffi::OsStr]) -> (Option<i32>, Vec<String>, String) {
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("riskrate"))
        .arg("import")
        .args(args)
        .env_remove("RUST_BACKTRACE")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed().as_secs() > 60 {
            child.kill().unwrap();
            panic!("import {args:?} hung");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{stderr}");
    let lines = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    (out.status.code(), lines, stderr)
}

fn os(s: &str) -> &std::ffi::OsStr {
    std::ffi::OsStr::new(s)
}

/// Imports `text` as a CSV through the fixture mapping (tests/data/import/mapping.toml).
fn import_mapped(text: &str, extra: &[&str]) -> (Option<i32>, Vec<String>, String) {
    let dir = Dir::new();
    let csv = dir.create("log.csv", text);
    let mapping = crate::util::root("tests/data/import/mapping.toml");
    let mut args = vec![
        os("--from"),
        os("csv"),
        os("--mapping"),
        mapping.as_os_str(),
    ];
    args.extend(extra.iter().map(|a| os(a)));
    args.push(csv.as_os_str());
    import(&args)
}

#[test]
fn r17_record_limits_hold_on_every_import_path() {
    let dir = Dir::new();
    let pad = "x".repeat(5000);
    let hhs_head = "Name of Covered Entity,State,Covered Entity Type,Individuals Affected,Breach Submission Date,Type of Breach,Location of Breached Information,Business Associate Present,Web Description\n";
    let hhs_row = |n: &str| {
        format!(
            "{n},PA,Healthcare Provider,9271,10/08/2024,Hacking/IT Incident,Network Server,No,\n"
        )
    };
    let cases: Vec<(&str, &str, String)> = vec![
        (
            "hhs",
            "h.csv",
            format!(
                "{hhs_head}{}\"{pad}\",PA,Healthcare Provider,1,10/08/2024,Theft,x,No,\n{}",
                hhs_row("A"),
                hhs_row("B")
            ),
        ),
        (
            "wikipedia",
            "w.csv",
            format!(
                ",Entity,Year,Records,Organization type,Method,Sources\n1,Alpha,2019,100,web,hacked,[1]\n2,\"{pad}\",2019,100,web,hacked,[1]\n3,Beta,2019,100,web,hacked,[1]\n"
            ),
        ),
        (
            "hibp",
            "b.json",
            format!(
                "[{{\"Name\":\"A\",\"Title\":\"A\",\"BreachDate\":\"2019-05-24\"}},{{\"Name\":\"Big\",\"Description\":\"{pad}\"}},{{\"Name\":\"B\",\"Title\":\"B\",\"BreachDate\":\"2019-05-24\"}}]"
            ),
        ),
        (
            "rankiteo",
            "r.json",
            format!(
                "[{{\"linkid\":\"a\",\"id\":\"R1\",\"type\":\"breach\",\"date\":\"2020-10\"}},{{\"note\":\"{pad}\"}},{{\"linkid\":\"b\",\"id\":\"R2\",\"type\":\"breach\",\"date\":\"2020-10\"}}]"
            ),
        ),
    ];
    for (source, name, text) in &cases {
        let f = dir.create(name, text);
        let (code, lines, stderr) = import(&[
            os("--from"),
            os(source),
            os("--max-record-bytes"),
            os("1000"),
            f.as_os_str(),
        ]);
        assert_eq!(code, Some(0), "{source}: {stderr}");
        assert!(
            stderr.contains("above the limit of 1000 (--max-record-bytes)"),
            "{source}: {stderr}"
        );
        assert!(
            stderr.contains("3 records, 1 rejected"),
            "{source}: {stderr}"
        );
        assert_eq!(lines.len(), 2, "{source}: the records around it are read");
    }
    // Mapped CSV.
    let (code, lines, stderr) = import_mapped(
        &format!(
            "Case,Organisation,Reported,Kind,People affected,Sector\n1,Acme,05.02.2015,LEAK,10,x\n2,\"{pad}\",05.02.2015,LEAK,10,x\n3,Beta,05.02.2015,HACK,10,x\n"
        ),
        &["--max-record-bytes", "1000"],
    );
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.contains("log.csv:3: record is"), "{stderr}");
    assert_eq!(lines.len(), 2);
    // Depth, in the JSON sources and a VERIS file.
    let deep = format!("{}1{}", "[".repeat(100), "]".repeat(100));
    let hibp = dir.create(
        "deep.json",
        format!("[{{\"Name\":\"A\",\"Title\":\"A\",\"BreachDate\":\"2019-05-24\",\"X\":{deep}}}]"),
    );
    let veris = dir.create(
        "deep-veris.json",
        format!("{{\"incident_id\":\"x\",\"x\":{deep}}}"),
    );
    for (source, f) in [("hibp", &hibp), ("rankiteo", &hibp), ("veris", &veris)] {
        let (code, lines, stderr) = import(&[os("--from"), os(source), f.as_os_str()]);
        // Every record rejected: nothing imported is a failure (status 1).
        assert_eq!(code, Some(1), "{source}: {stderr}");
        assert!(stderr.contains("(--max-depth)"), "{source}: {stderr}");
        assert!(stderr.contains("nothing imported"), "{source}: {stderr}");
        assert!(lines.is_empty());
    }
    // The limits are flags of the rating commands too: score reads sources through them.
    let f = dir.create("h2.csv", &cases[0].2);
    let out = riskrate()
        .args([
            "score",
            "--input-format",
            "hhs",
            "--max-record-bytes",
            "1000",
            "--as-of",
            "2025-01-01",
            "-f",
            "json",
        ])
        .arg(&f)
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["summary"]["read"], 3);
    assert_eq!(doc["summary"]["rejected"], 1);
}

#[test]
fn r17_rules_mapping_and_veris_files_are_read_with_a_cap() {
    // /dev/zero never ends: each is refused after its cap, not read forever.
    let example = crate::util::root("examples/incidents.jsonl");
    let out = riskrate()
        .args(["score", "--rules", "/dev/zero"])
        .arg(&example)
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("at most 4194304 bytes"));
    let log = crate::util::root("tests/data/import/log.csv");
    let (code, _, stderr) = import(&[
        os("--from"),
        os("csv"),
        os("--mapping"),
        os("/dev/zero"),
        log.as_os_str(),
    ]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("a mapping file is at most"), "{stderr}");
    let (code, lines, stderr) = import(&[os("--from"), os("veris"), os("/dev/zero")]);
    assert_eq!(code, Some(1), "nothing imported: {stderr}");
    assert!(lines.is_empty());
    assert!(
        stderr.contains("/dev/zero:1: file is more than 1048576 bytes"),
        "{stderr}"
    );
}

#[test]
fn r17_one_bad_veris_entry_never_sinks_the_rest() {
    let dir = Dir::new();
    let v = dir.path().join("vcdb");
    std::fs::create_dir(&v).unwrap();
    for f in std::fs::read_dir(crate::util::root("tests/data/import/veris")).unwrap() {
        let f = f.unwrap().path();
        std::fs::copy(&f, v.join(f.file_name().unwrap())).unwrap();
    }
    std::fs::write(v.join("empty.json"), "").unwrap();
    std::fs::write(v.join("not-json.json"), "not json\n").unwrap();
    std::fs::write(
        v.join("twice.json"),
        r#"{"incident_id":"a","incident_id":"b"}"#,
    )
    .unwrap();
    std::fs::write(
        v.join("huge.json"),
        format!("{{\"x\":\"{}\"}}", "y".repeat(3000)),
    )
    .unwrap();
    std::os::unix::fs::symlink("loop.json", v.join("loop.json")).unwrap();
    std::fs::create_dir(v.join("folder.json")).unwrap();
    let fifo = v.join("fifo.json");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let (code, lines, stderr) = import(&[
        os("--from"),
        os("veris"),
        os("--max-record-bytes"),
        os("2000"),
        v.as_os_str(),
    ]);
    assert_eq!(code, Some(0), "{stderr}");
    // The four fixtures: three incidents and a false positive; four bad entries.
    assert_eq!(lines.len(), 3, "{stderr}");
    assert!(stderr.contains("8 records, 5 rejected"), "{stderr}");
    for expected in [
        "empty.json:1: empty file",
        "not-json.json:1: not a VERIS JSON incident",
        "twice.json:1: not a VERIS JSON incident: the field `incident_id` is given twice",
        "huge.json:1: file is more than 2000 bytes",
        "fifo.json: skipped: a FIFO, not a regular file",
        "folder.json: skipped: a directory",
        "loop.json: skipped:",
    ] {
        assert!(stderr.contains(expected), "{expected}: {stderr}");
    }
}

#[test]
fn r17_an_unclosed_csv_quote_is_reported_at_its_line_and_the_rest_read() {
    let (code, lines, stderr) = import_mapped(
        "Case,Organisation,Reported,Kind,People affected,Sector\n1,Acme,05.02.2015,LEAK,10,x\n2,\"Broken,05.02.2015,LEAK,10,x\n3,Beta,05.02.2015,HACK,10,x\n4,Gamma,05.02.2015,HACK,10,x\n",
        &[],
    );
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains("log.csv:3: unclosed quote: the quote opened on line 3 is never closed"),
        "{stderr}"
    );
    assert_eq!(lines.len(), 3, "rows 1, 3 and 4 are read: {stderr}");
    assert!(stderr.contains("4 records, 1 rejected"), "{stderr}");
}

#[test]
fn r17_a_lone_cr_ends_a_line_in_every_format() {
    let a = r#"{"id":"a","company":"c","type":"ddos","date":"2020"}"#;
    let bad = r#"{"id":"b","company":"c","type":"bad","date":"2020"}"#;
    let ok = r#"{"id":"d","company":"c","type":"ddos","date":"2020"}"#;
    let cases: Vec<(&str, String)> = vec![
        ("cr.jsonl", format!("{a}\r{bad}\r{ok}\r")),
        ("cr.json", format!("[{a},\r{bad},\r{ok}]")),
        (
            "cr.csv",
            "id,company,type,date\ra,c,ddos,2020\rb,c,bad,2020\rd,c,ddos,2020\r".into(),
        ),
    ];
    for (name, text) in &cases {
        let o = score(text.as_bytes(), name, &[]);
        assert_eq!(summary(&o), (3, 2, 0, 0, 1), "{name}: {}", o.stderr);
        let doc = o.doc.as_ref().unwrap();
        let expected_line = if name.ends_with(".csv") { 3 } else { 2 };
        assert_eq!(doc["rejected"][0]["line"], expected_line, "{name}");
    }
}

#[test]
fn r17_history_and_backtest_refuse_more_than_100000_points() {
    let ex = crate::util::root("examples/incidents.jsonl");
    for args in [
        vec![
            "history",
            "harbor-bank",
            "--from",
            "0000-01-01",
            "--to",
            "9999-12-31",
            "--step",
            "1d",
        ],
        vec![
            "backtest",
            "--from",
            "0000-01-01",
            "--to",
            "9999-12-31",
            "--step",
            "1d",
        ],
    ] {
        let out = riskrate()
            .args(&args)
            .arg(&ex)
            .timeout(std::time::Duration::from_secs(60))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains("at most 100000"), "{stderr}");
    }
    // At the limit, it runs.
    let out = riskrate()
        .args([
            "history",
            "harbor-bank",
            "--from",
            "2000-01-01",
            "--to",
            "2100-01-01",
            "--step",
            "1d",
            "-f",
            "csv",
        ])
        .arg(&ex)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).lines().count(),
        36526 + 1
    );
}

#[test]
fn r17_a_far_future_report_draws_a_bounded_chart() {
    let o = Dir::new();
    let f = o.create(
        "far.jsonl",
        "{\"id\":\"a\",\"company\":\"c\",\"type\":\"breach\",\"date\":\"0001-01-01\"}\n{\"id\":\"b\",\"company\":\"d\",\"type\":\"breach\",\"date\":\"2020-01-01\"}\n",
    );
    let out = run_on(&["report", "--as-of", "9999-12-31"], &f);
    assert!(out.status.success());
    // Two companies in detail, each a chart of at most 600 points.
    assert!(out.stdout.len() < 200_000, "{} bytes", out.stdout.len());
}

#[test]
fn r17_gen_refuses_what_it_cannot_make_and_writes_only_readable_dates() {
    for (args, expected) in [
        (
            vec!["--companies", "18446744073709551615"],
            "at most 100000000",
        ),
        (
            vec!["--companies", "3", "--start", "+10000-01-01"],
            "years 0000 to 9999",
        ),
        (
            vec!["--companies", "3", "--end=-0001-01-01"],
            "years 0000 to 9999",
        ),
    ] {
        let out = riskrate()
            .args(["gen", "--incidents", "5"])
            .args(&args)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
    // Disclosures after 9999-12-31 are left out: every date reads back.
    let out = riskrate()
        .args([
            "gen",
            "--incidents",
            "300",
            "--companies",
            "5",
            "--start",
            "9999-12-01",
            "--end",
            "9999-12-31",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let o = score(&out.stdout, "gen.jsonl", &[]);
    assert_eq!(summary(&o).4, 0, "{}", o.stderr);
    assert_eq!(summary(&o).0, 300);
}

#[test]
fn r17_report_industries_are_grouped_once() {
    // Companies of three industries, listed out of order: each industry's row counts
    // its own companies and grades (the table is built from one sorted pass).
    let mut text = String::new();
    for i in 0..30 {
        let ind = ["zeta", "alpha", "mid"][i % 3];
        let date = if i % 2 == 0 { "2020-10" } else { "2010-01" };
        text.push_str(&format!(
            "{{\"id\":\"i{i}\",\"company\":\"c{i}\",\"industry\":\"{ind}\",\"type\":\"breach\",\"date\":\"{date}\"}}\n"
        ));
    }
    let dir = Dir::new();
    let f = dir.create("in.jsonl", text);
    let out = run_on(&["report", "--as-of", "2021-01-01"], &f);
    let html = String::from_utf8_lossy(&out.stdout);
    let table = &html[html.find("<table id=\"industries\">").unwrap()..];
    let rows: Vec<&str> = table.split("<tr><td>").skip(1).collect();
    assert_eq!(rows.len(), 3);
    for (row, name) in rows.iter().zip(["alpha", "mid", "zeta"]) {
        assert!(
            row.starts_with(&format!("{name}</td><td class=\"num\">10</td>")),
            "{row}"
        );
    }
}

#[test]
fn r17_rules_text_with_controls_or_invisible_characters_is_refused() {
    let default = std::fs::read_to_string(crate::util::root("scoring-rules/default.toml")).unwrap();
    for (from, to, what) in [
        (
            "grade = \"A\"",
            "grade = \"A\\u202e\"",
            "[[grades]].grade holds U+202E",
        ),
        (
            "name = \"default\"",
            "name = \"d\\u001b[2J\"",
            "holds U+001B",
        ),
        (
            "label = \"health records\"",
            "label = \"health\\u200b records\"",
            "label holds U+200B",
        ),
        (
            "[types.breach]",
            "[types.\"bre\\u0007ach\"]",
            "the type name",
        ),
    ] {
        assert!(default.contains(from), "{from}");
        let dir = Dir::new();
        let f = dir.create("r.toml", default.replacen(from, to, 1));
        for cmd in [&["rules", "check"][..], &["rules", "show"]] {
            let out = riskrate().args(cmd).arg(&f).output().unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{to}: {stderr}");
            assert!(stderr.contains(what), "{to}: {stderr}");
            assert!(stderr.contains("r.toml:"), "names the place: {stderr}");
        }
    }
}

#[test]
fn r17_input_text_is_escaped_in_csv_svg_and_html_too() {
    let dir = Dir::new();
    let f = dir.create(
        "evil.jsonl",
        "{\"id\":\"i\\u001b]0;x\\u0007\",\"company\":\"evil\",\"company_name\":\"\\u001b[31mRed\\r\\u202e\",\"industry\":\"\\u0001ind\",\"type\":\"breach\",\"date\":\"2020-10\"}\n",
    );
    let out = run_on(&["score", "--as-of", "2020-11-01", "--format", "csv"], &f);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        !text.contains(['\u{1b}', '\u{1}', '\u{7}', '\r']),
        "{text:?}"
    );
    assert!(text.contains("\\u{1b}[31mRed\\u{d}\u{202e}"), "{text:?}");
    for args in [
        &["report", "--as-of", "2020-11-01"][..],
        &[
            "history",
            "evil",
            "--from",
            "2020-01-01",
            "--to",
            "2020-12-01",
            "--format",
            "svg",
        ],
    ] {
        let out = run_on(args, &f);
        assert!(out.status.success(), "{args:?}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            !text.contains(['\u{1b}', '\u{1}', '\u{7}', '\u{202e}']),
            "{args:?}: controls and bidi overrides are made visible"
        );
        assert!(text.contains("\\u{1b}[31mRed"), "{args:?}");
    }
}

#[test]
fn r17_imported_company_keys_are_unicode_normalised() {
    let dir = Dir::new();
    let f = dir.create(
        "hibp.json",
        "[{\"Name\":\"A\",\"Title\":\"M\u{fc}ller GmbH\",\"BreachDate\":\"2019-05-24\"},\
          {\"Name\":\"B\",\"Title\":\"Mu\u{308}ller GmbH\",\"BreachDate\":\"2019-06-24\"},\
          {\"Name\":\"C\",\"Title\":\"M\u{dc}LLER GMBH\",\"BreachDate\":\"2019-07-24\"},\
          {\"Name\":\"D\",\"Title\":\"\u{130}stanbul Hastanesi\",\"BreachDate\":\"2019-07-24\"},\
          {\"Name\":\"E\",\"Title\":\"\",\"BreachDate\":\"2019-07-24\"}]",
    );
    let (code, lines, stderr) = import(&[os("--from"), os("hibp"), f.as_os_str()]);
    assert_eq!(code, Some(0), "{stderr}");
    let keys: Vec<String> = lines
        .iter()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["company"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(
        keys,
        ["müller", "müller", "müller", "istanbul-hastanesi", "e"]
    );
}

#[test]
fn r17_a_disclosure_before_the_date_is_counted_with_a_warning() {
    let text = "{\"id\":\"a\",\"company\":\"c\",\"type\":\"ddos\",\"date\":\"2020-05-10\",\"disclosed\":\"2020-05\"}\n\
                {\"id\":\"b\",\"company\":\"c\",\"type\":\"ddos\",\"date\":\"2020-05-10\",\"disclosed\":\"2020-04-30\"}\n";
    let o = score(text.as_bytes(), "d.jsonl", &[]);
    // Both counted (SCORING.md ages an incident from its disclosure, as given) …
    assert_eq!(summary(&o), (2, 2, 0, 0, 0));
    // … and the one disclosed wholly before its date is named on stderr.
    assert!(
        o.stderr.contains("1 record is disclosed before its date")
            && o.stderr.contains("d.jsonl:2 id b"),
        "{}",
        o.stderr
    );
}

#[test]
fn r17_duplicate_keys_are_rejected_in_hibp_too() {
    let dir = Dir::new();
    let f = dir.create(
        "hibp.json",
        "[{\"Name\":\"A\",\"Name\":\"B\",\"Title\":\"A\",\"BreachDate\":\"2019-05-24\"},\
          {\"Name\":\"C\",\"Title\":\"C\",\"Description\":\"x\",\"Description\":\"y\",\"BreachDate\":\"2019-05-24\"},\
          {\"Name\":\"D\",\"Title\":\"D\",\"BreachDate\":\"2019-05-24\"}]",
    );
    let (code, lines, stderr) = import(&[os("--from"), os("hibp"), f.as_os_str()]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(lines.len(), 1, "{stderr}");
    assert!(stderr.contains("`Name` is given twice"), "{stderr}");
    assert!(stderr.contains("`Description` is given twice"), "{stderr}");
}

#[test]
fn r17_without_takes_ids_with_commas() {
    // The HHS importer makes ids such as hhs:acme:01/02/2020:1,234.
    let dir = Dir::new();
    let f = dir.create(
        "in.jsonl",
        "{\"id\":\"hhs:acme:01/02/2020:1,234\",\"company\":\"acme\",\"type\":\"breach\",\"date\":\"2020-01-02\"}\n\
         {\"id\":\"x,y\",\"company\":\"acme\",\"type\":\"ddos\",\"date\":\"2020-03-02\"}\n\
         {\"id\":\"z\",\"company\":\"acme\",\"type\":\"ddos\",\"date\":\"2020-04-02\"}\n",
    );
    let out = riskrate()
        .args(["explain", "acme", "--as-of", "2020-06-01", "-f", "json"])
        .args(["--without", "hhs:acme:01/02/2020:1,234", "--without", "x,y"])
        .arg(&f)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["what_if"]["rating"]["incidents"]["counted"], 1);
}

#[test]
fn r17_csv_lines_are_the_records_own_after_crlf_and_blank_lines() {
    let o = score(
        b"id,company,type,date\r\na,c,ddos,2020\r\nb,c,bad,2020\r\n\r\nd,c,bad,2020\r\n",
        "crlf.csv",
        &[],
    );
    let doc = o.doc.as_ref().unwrap();
    let lines: Vec<u64> = doc["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, [3, 5]);
    // A quote inside an unquoted cell is a character: the rows stay rows.
    let (code, lines, stderr) = import_mapped(
        "Case,Organisation,Reported,Kind,People affected,Sector\n1,Acme 5\" Disks,05.02.2015,LEAK,10,x\n2,Beta,05.02.2015,HACK,10,x\n",
        &[],
    );
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(lines.len(), 2, "{stderr}");
}

#[test]
fn r17_a_json_array_streamed_from_stdin_reads_as_the_file_does() {
    // A file of moderate size is parsed whole; stdin (size unknown) streams element
    // by element. Both read the same, rejections and lines included.
    let text = "\u{feff}[\n{\"id\":\"a\",\"company\":\"c\",\"type\":\"ddos\",\"date\":\"2020\"},\r\n{\"id\":\"b\",\"company\":\"c\",\"type\":\"flood\",\"date\":\"2020\"},\r{\"note\":\"x, ] \\\" [\"},\n{\"id\":\"d\",\"company\":\"d\",\"type\":\"ddos\",\"date\":\"2020\",\"deep\":[[[[1]]]]}\n]\n";
    let dir = Dir::new();
    let f = dir.create("in.json", text);
    let from_file = riskrate()
        .args([
            "score",
            "--as-of",
            "2021-01-01",
            "-f",
            "json",
            "--max-depth",
            "3",
        ])
        .arg(&f)
        .output()
        .unwrap();
    let from_stdin = riskrate()
        .args([
            "score",
            "-",
            "--input-format",
            "json",
            "--as-of",
            "2021-01-01",
            "-f",
            "json",
            "--max-depth",
            "3",
        ])
        .write_stdin(text)
        .output()
        .unwrap();
    let doc = |o: &std::process::Output, name: &str| -> Value {
        let mut d: Value = serde_json::from_slice(&o.stdout).unwrap();
        for r in d["rejected"].as_array_mut().unwrap() {
            assert_eq!(r["file"], name);
            r["file"] = "".into();
        }
        d
    };
    let a = doc(&from_file, &f.display().to_string());
    assert_eq!(a, doc(&from_stdin, "-"));
    assert_eq!(a["summary"]["read"], 4);
    let lines: Vec<u64> = a["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, [3, 4, 5]);
    // Junk that is not JSON at all is refused at once, not read to its end.
    let out = riskrate()
        .args(["score", "--input-format", "json", "/dev/zero"])
        .timeout(std::time::Duration::from_secs(30))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("a JSON input must be an array"));
}

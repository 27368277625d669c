//! Importers on small fixtures (tests/data/import, see its README for sources and
//! licences): each mapping rule a user relies on, the accounting, encodings, company
//! identity and cross-source duplicates.

use serde_json::Value;

use crate::util::{Dir, riskrate, root, run_on};

fn fixture(name: &str) -> std::path::PathBuf {
    root("tests/data/import").join(name)
}

/// Imports `args` and returns (records written, stderr).
fn import(args: &[&str]) -> (Vec<Value>, String) {
    let out = riskrate().arg("import").args(args).output().unwrap();
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(out.status.success(), "exit {:?}: {err}", out.status.code());
    let recs = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (recs, err)
}

fn by_id<'a>(recs: &'a [Value], id: &str) -> &'a Value {
    recs.iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("no {id} in {recs:?}"))
}

#[test]
fn hhs_archive_needs_its_encoding_and_maps_every_column() {
    let archive = fixture("hhs-archive-macroman.csv");
    let out = run_on(&["import", "--from", "hhs"], &archive);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("hhs-archive-macroman.csv:2:1: not UTF-8 at byte offset"),
        "{err}"
    );
    assert!(err.contains("--encoding mac-roman"), "{err}");

    let a = archive.display().to_string();
    let (recs, err) = import(&["--from", "hhs", "--encoding", "mac-roman", &a]);
    assert!(
        err.contains("read 5 source records: 4 incidents written, 1 rejected"),
        "{err}"
    );
    assert!(
        err.contains("duplicate id"),
        "the archive's repeated row is rejected as a duplicate: {err}"
    );
    let cvs = &recs[0];
    assert_eq!(
        cvs["company_name"],
        "CVS Caremark Part D Services, L.L.C. (É??CVSÉ?ù)"
    );
    assert_eq!(cvs["company"], "cvs-caremark-part-d-services-llc-é-cvsé-ù");
    assert_eq!(cvs["type"], "breach");
    assert_eq!(cvs["date"], "2024-02-23");
    assert_eq!(cvs["records"], 11193);
    assert_eq!(cvs["data_types"], serde_json::json!(["health"]));
    assert_eq!(cvs["third_party"], true);
    assert_eq!(cvs["industry"], "healthcare business associate");
    let blank = recs
        .iter()
        .find(|r| r["company_name"] == "Valperaiso Fire Department")
        .unwrap();
    assert!(
        blank.get("records").is_none(),
        "a blank count is unknown, not zero"
    );

    let (recs, _) = import(&[
        "--from",
        "hhs",
        &fixture("hhs-current.csv").display().to_string(),
    ]);
    assert_eq!(recs.len(), 3);
    assert_eq!(recs[0]["company"], "theracom");
    assert_eq!(recs[0]["severity"], 80.0, "Hacking/IT Incident");
}

#[test]
fn hibp_rejects_fabricated_and_spam_lists_and_maps_data_classes() {
    let (recs, err) = import(&[
        "--from",
        "hibp",
        &fixture("hibp.json").display().to_string(),
    ]);
    assert!(
        err.contains("read 4 source records: 2 incidents written, 2 rejected"),
        "{err}"
    );
    assert!(
        err.contains("HIBP marks this breach as fabricated"),
        "{err}"
    );
    assert!(
        err.contains("HIBP marks this as a spam list, not a breach"),
        "{err}"
    );
    let v = by_id(&recs, "hibp:Vastaamo");
    assert_eq!(v["company"], "vastaamo");
    assert_eq!(v["date"], "2019-03-31", "BreachDate, not AddedDate");
    assert!(
        v.get("disclosed").is_none(),
        "AddedDate is not a disclosure date"
    );
    assert_eq!(v["records"], 30433);
    assert_eq!(
        v["data_types"],
        serde_json::json!(["health", "national_id", "personal"])
    );
}

#[test]
fn wikipedia_counts_in_words_and_year_ranges() {
    let (recs, err) = import(&[
        "--from",
        "wikipedia",
        &fixture("wikipedia.csv").display().to_string(),
    ]);
    assert!(
        err.contains("read 7 source records: 7 incidents written, 0 rejected"),
        "{err}"
    );
    assert_eq!(
        by_id(&recs, "wikipedia:48")["records"],
        5_000_000,
        "over 5,000,000"
    );
    assert_eq!(
        by_id(&recs, "wikipedia:47")["records"],
        10_000,
        "tens of thousands"
    );
    assert!(
        by_id(&recs, "wikipedia:34").get("records").is_none(),
        "63 stores is not a count of records"
    );
    assert!(
        by_id(&recs, "wikipedia:10").get("records").is_none(),
        "unknown"
    );
    assert_eq!(
        by_id(&recs, "wikipedia:144")["date"],
        "2014",
        "2014 and 2015 began in 2014"
    );
    let v = by_id(&recs, "wikipedia:320");
    assert_eq!(
        (v["company"].as_str(), v["industry"].as_str()),
        (Some("vastaamo"), Some("healthcare"))
    );
    assert!(v.get("data_types").is_none(), "the table names no data");
}

#[test]
fn veris_types_data_classes_and_victims() {
    let (recs, err) = import(&["--from", "veris", &fixture("veris").display().to_string()]);
    assert!(
        err.contains("read 4 source records: 3 incidents written, 1 rejected"),
        "{err}"
    );
    assert!(err.contains("a false positive is not an incident"), "{err}");
    let h = by_id(&recs, "veris:riskrate-fixture-0001");
    assert_eq!(h["type"], "breach");
    assert_eq!(h["industry"], "healthcare", "NAICS 62");
    assert_eq!(
        h["data_types"],
        serde_json::json!(["health"]),
        "Personal is implied by Medical"
    );
    assert_eq!(h["records"], 48000, "data_total");
    assert_eq!(h["vulnerable_subjects"], true, "patients");
    assert_eq!(h["impact"], 4, "Damaging");
    assert_eq!(h["date"], "2021-03-09");
    let r = by_id(&recs, "veris:riskrate-fixture-0002");
    assert_eq!(r["type"], "ransomware");
    assert_eq!(r["status"], "alleged", "Suspected");
    assert_eq!(r["date"], "2022-11");
    assert!(
        r.get("impact").is_none(),
        "Unknown rating: the default applies"
    );
    let u = by_id(&recs, "veris:riskrate-fixture-0003");
    assert_eq!(
        u["company_name"],
        "unnamed victim (veris:riskrate-fixture-0003)"
    );
    assert_eq!(u["type"], "breach");
    assert_eq!(u["vulnerable_subjects"], true, "students");
}

#[test]
fn rankiteo_both_shapes() {
    let (recs, _) = import(&[
        &format!("rankiteo:{}", fixture("rankiteo-incident.json").display()),
        &format!(
            "rankiteo:{}",
            root("tests/data/rankiteo-rating.json").display()
        ),
    ]);
    let detail = recs.iter().find(|r| r["company"] == "vastaamo").unwrap();
    assert_eq!(detail["type"], "ransomware", "Data Breach, Extortion");
    assert_eq!(detail["records"], 10_000, "Tens of thousands");
    assert_eq!(
        detail["data_types"],
        serde_json::json!(["mental_health", "national_id", "personal"])
    );
    assert_eq!(detail["date"], "2020-10");
    let rating = by_id(&recs, "DIG1769432657");
    assert_eq!(rating["company"], "digitalmentalhealthconsortium");
    assert_eq!(rating["date"], "2020-10");
}

#[test]
fn any_csv_through_a_mapping_and_one_key_per_organisation() {
    let (recs, err) = import(&[
        "--from",
        "csv",
        "--mapping",
        &fixture("mapping.toml").display().to_string(),
        &fixture("log.csv").display().to_string(),
    ]);
    assert!(
        err.contains("read 3 source records: 2 incidents written, 1 rejected"),
        "{err}"
    );
    assert!(err.contains("does not match the date format"), "{err}");
    assert_eq!(recs[0]["company"], "anthem");
    assert_eq!(
        recs[1]["company"], "anthem",
        "Anthem Inc. and ANTHEM, INC. are one company"
    );
    assert_eq!(recs[0]["company_name"], "Anthem Inc.");
    assert_eq!(recs[1]["company_name"], "ANTHEM, INC.");
    assert_eq!(recs[0]["records"], 78_800_000);
    assert_eq!(recs[1]["type"], "attack", "HACK = attack");
    assert_eq!(recs[0]["date"], "2015-02-05");
}

#[test]
fn one_breach_in_several_sources_is_reported_not_dropped() {
    // Without merging (the default merges Canva's two reports): the likely
    // pairs are listed, and every record is written.
    let (recs, err) = import(&[
        "--no-merge",
        &format!("wikipedia:{}", fixture("wikipedia.csv").display()),
        &format!("rankiteo:{}", fixture("rankiteo-incident.json").display()),
        &format!("hibp:{}", fixture("hibp.json").display()),
    ]);
    let vastaamo = recs.iter().filter(|r| r["company"] == "vastaamo").count();
    assert_eq!(vastaamo, 3, "counted once per source");
    assert!(err.contains("likely cross-source duplicate"), "{err}");
    assert!(
        err.contains(
            "vastaamo: wikipedia:320 (2020) ~ rankiteo:vastaamo:2020-10:1 (2020-10), 0 days apart"
        ),
        "{err}"
    );
    assert!(
        err.contains("canva: wikipedia:50 (2019) ~ hibp:Canva (2019-05-24), 0 days apart"),
        "{err}"
    );
}

#[test]
fn score_reads_sources_directly_and_says_what_they_know() {
    let run = |source: &str, file: std::path::PathBuf| {
        let out = run_on(
            &[
                "score",
                "--as-of",
                "2020-11-01",
                "--format",
                "json",
                "--input-format",
                source,
            ],
            file,
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
        let s = &doc["summary"];
        assert_eq!(
            s["read"].as_u64().unwrap(),
            ["counted", "expired", "future", "rejected"]
                .iter()
                .map(|k| s[*k].as_u64().unwrap())
                .sum::<u64>()
        );
        doc["ratings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["company"] == "vastaamo")
            .cloned()
            .unwrap()
    };
    let hibp = run("hibp", fixture("hibp.json"));
    assert!(
        hibp["explanation"]
            .as_str()
            .unwrap()
            .contains("health records"),
        "{}",
        hibp["explanation"]
    );
    let rankiteo = run("rankiteo", fixture("rankiteo-incident.json"));
    assert!(
        rankiteo["explanation"]
            .as_str()
            .unwrap()
            .contains("mental health records")
    );
    let wiki = run("wikipedia", fixture("wikipedia.csv"));
    assert!(
        !wiki["explanation"]
            .as_str()
            .unwrap()
            .contains("health records"),
        "Wikipedia names no data"
    );
    // The detail (ransomware, mental health data) is the most severe view of the breach.
    assert!(rankiteo["score"].as_i64() < hibp["score"].as_i64());
    assert!(rankiteo["score"].as_i64() < wiki["score"].as_i64());
}

#[test]
fn import_writes_canonical_records_that_score_reads_back() {
    let dir = Dir::new();
    let out = dir.path().join("all.jsonl");
    let status = riskrate()
        .args(["import", "-o"])
        .arg(&out)
        .arg(format!("veris:{}", fixture("veris").display()))
        .arg(format!("hibp:{}", fixture("hibp.json").display()))
        .output()
        .unwrap();
    assert!(status.status.success());
    let scored = run_on(
        &[
            "score",
            "--strict",
            "--as-of",
            "2024-01-01",
            "--format",
            "json",
        ],
        &out,
    );
    assert!(
        scored.status.success(),
        "every imported record is valid canonical input"
    );
    let doc: Value = serde_json::from_slice(&scored.stdout).unwrap();
    assert_eq!(doc["summary"]["read"], 5);
}

/// Line numbers, and the ids made from them, are the same in a CRLF file as in
/// an LF one, and count the lines inside a quoted cell; a bare CR ends a line
/// too. (Mapped CSV without an id column, and canonical CSV read by `score`.)
#[test]
fn line_numbers_and_generated_ids_are_right_whatever_the_line_ends() {
    let dir = Dir::new();
    let mapping = dir.create(
        "m.toml",
        "id_prefix = \"m\"\n[columns]\ncompany = \"Org\"\ndate = \"When\"\ntype = \"Kind\"\n",
    );
    let rows = [
        "Org,When,Kind",
        "\"Acme{nl}Corp\",2020-01-01,breach",
        "Beta,bad,breach",
        "Gamma,2021-01-01,breach",
    ];
    for nl in ["\n", "\r\n", "\r"] {
        let text: String = rows.iter().map(|r| r.replace("{nl}", nl) + nl).collect();
        let f = dir.create("lines.csv", &text);
        let out = riskrate()
            .args(["import", "--from", "csv", "--mapping"])
            .arg(&mapping)
            .arg(&f)
            .output()
            .unwrap();
        let (stdout, stderr) = (
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
        );
        let ids: Vec<String> = stdout
            .lines()
            .map(|l| {
                serde_json::from_str::<Value>(l).unwrap()["id"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect();
        // Acme's row starts on line 2 and holds two lines; Gamma is on line 5.
        assert_eq!(ids, ["m:line2", "m:line5"], "{nl:?}: {stdout}");
        assert!(
            stderr.contains("lines.csv:4 id \"m:line4\" field date"),
            "{nl:?}: {stderr}"
        );

        let canonical =
            format!("id,company,type,date{nl}a,acme,breach,2020-01-01{nl}b,beta,breach,bad{nl}");
        let f = dir.create("canonical.csv", canonical);
        let out = run_on(&["score", "--as-of", "2024-01-01"], &f);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("canonical.csv:3 id \"b\" field date"),
            "{nl:?}: {stderr}"
        );
    }
}

/// `--strict` fails (status 1) on any rejected source record, and a run that
/// imports nothing fails too; neither writes, so an `-o` file keeps what it held.
#[test]
fn strict_and_nothing_imported_fail_and_leave_the_output_alone() {
    let dir = Dir::new();
    let out = dir.create("out.jsonl", "kept\n");
    let hibp = fixture("hibp.json");
    let run = |args: &[&str], input: &std::path::Path| {
        riskrate()
            .arg("import")
            .args(args)
            .arg("-o")
            .arg(&out)
            .arg(input)
            .output()
            .unwrap()
    };
    // The fixture holds records the importer rejects (fabricated, spam lists).
    let strict = run(&["--from", "hibp", "--strict"], &hibp);
    let err = String::from_utf8_lossy(&strict.stderr);
    assert_eq!(strict.status.code(), Some(1), "{err}");
    assert!(
        err.contains("--strict: a source record was rejected; nothing written"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "kept\n");

    let empty = dir.create("empty.json", "[]");
    let nothing = run(&["--from", "hibp"], &empty);
    let err = String::from_utf8_lossy(&nothing.stderr);
    assert_eq!(nothing.status.code(), Some(1), "{err}");
    assert!(
        err.contains("nothing imported: 0 of 0 source records rejected"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "kept\n");

    // Without --strict the same file imports what it can, and succeeds.
    let lenient = run(&["--from", "hibp"], &hibp);
    assert!(lenient.status.success());
    assert_ne!(std::fs::read_to_string(&out).unwrap(), "kept\n");
}

/// One company many times in two sources, all in one year: the duplicate search
/// looks at a bounded number of pairs (it compared every pair of a company's
/// incidents, and 40,000 of one company took 38 s), and says when it stopped.
#[test]
fn many_incidents_of_one_company_stop_the_duplicate_search_at_its_limit() {
    let dir = Dir::new();
    let hhs_header = "Name of Covered Entity,State,Covered Entity Type,Individuals Affected,\
Breach Submission Date,Type of Breach,Location of Breached Information,\
Business Associate Present,Web Description\n";
    let mut hhs = hhs_header.to_string();
    let mut wiki = ",Entity,Year,Records,Organization type,Method,Sources\n".to_string();
    // 2,100 × 2,000 pairs: past the 4,194,304 comparisons of the limit.
    for i in 0..2100 {
        hhs += &format!(
            "Acme Health,PA,Healthcare Provider,{},10/08/2024,Hacking/IT Incident,Network Server,No,\n",
            1000 + i
        );
    }
    for i in 0..2000 {
        wiki += &format!("{i},Acme Health,2024,{},healthcare,hacked,[1]\n", 1000 + i);
    }
    let hhs = dir.create("hhs.csv", hhs).display().to_string();
    let wiki = dir.create("wiki.csv", wiki).display().to_string();
    let (recs, err) = import(&[
        "--no-merge",
        &format!("hhs:{hhs}"),
        &format!("wikipedia:{wiki}"),
    ]);
    assert_eq!(recs.len(), 4100, "nothing is dropped: {err}");
    assert!(
        err.contains(
            "at least 4194304 likely cross-source duplicate pairs (same company key and \
             type family, dates within 90 days; the search stopped after 4194304 comparisons)"
        ),
        "{err}"
    );
    assert!(err.contains("… and 4194294 more"), "{err}");

    // Below the limit, the count is whole and says so.
    let (_, err) = import(&[
        "--no-merge",
        &format!("hhs:{hhs}"),
        &format!("wikipedia:{}", dir.create("one.csv", ",Entity,Year,Records,Organization type,Method,Sources\n0,Acme Health,2024,5,healthcare,hacked,[1]\n").display()),
    ]);
    assert!(
        err.contains("riskrate: 2100 likely cross-source duplicate pairs (same company key and type family, dates within 90 days); all kept:"),
        "{err}"
    );
}

/// Sources imported together: Canva's 2019 breach in HIBP and Wikipedia is
/// written once, with its merged fields and both reports; `--duplicates` lists
/// it; every record is accounted for; `--no-merge` writes each record as read.
#[test]
fn sources_imported_together_merge_the_reports_of_one_incident() {
    let dir = crate::util::Dir::new();
    let dups = dir.path().join("dups.jsonl");
    let hibp = format!("hibp:{}", fixture("hibp.json").display());
    let wiki = format!("wikipedia:utf-8:{}", fixture("wikipedia.csv").display());
    let out = riskrate()
        .args(["import", &hibp, &wiki, "--duplicates"])
        .arg(&dups)
        .output()
        .unwrap();
    assert!(out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("read 11 source records: 8 incidents written, 1 merged into another's incident (1 incidents of several reports), 2 rejected"),
        "{err}"
    );
    let recs: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let canva = by_id(&recs, "hibp:Canva");
    assert_eq!(canva["records"], 140_000_000);
    assert_eq!(canva["date"], "2019-05-24");
    let ids: Vec<&str> = canva["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["wikipedia:50", "hibp:Canva"]);
    assert!(recs.iter().all(|r| r["id"] != "wikipedia:50"));
    let clusters: Vec<Value> = std::fs::read_to_string(&dups)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(clusters.len(), 1);
    assert_eq!(clusters[0]["id"], "hibp:Canva");
    assert_eq!(clusters[0]["reports"].as_array().unwrap().len(), 2);
    // As CSV when the file says so: one row per report.
    let csv_dups = dir.path().join("dups.csv");
    let out = riskrate()
        .args(["import", &hibp, &wiki, "-o"])
        .arg(dir.path().join("all.jsonl"))
        .arg("--duplicates")
        .arg(&csv_dups)
        .output()
        .unwrap();
    assert!(out.status.success());
    let rows = std::fs::read_to_string(&csv_dups).unwrap();
    let rows: Vec<&str> = rows.lines().collect();
    assert_eq!(rows[0], "incident,company,report,source,fields");
    assert_eq!(rows.len(), 3);
    assert!(
        rows[1].starts_with("hibp:Canva,canva,wikipedia:50,"),
        "{rows:?}"
    );
    assert!(rows[2].ends_with(",date"), "{rows:?}");
    // --duplicates may not be the output.
    let same = riskrate()
        .args(["import", &hibp, &wiki, "-o"])
        .arg(&dups)
        .arg("--duplicates")
        .arg(&dups)
        .output()
        .unwrap();
    assert_eq!(same.status.code(), Some(2));

    let apart = riskrate()
        .args(["import", &hibp, &wiki, "--no-merge"])
        .output()
        .unwrap();
    let apart = String::from_utf8(apart.stdout).unwrap();
    assert_eq!(apart.lines().count(), 9);
    assert!(!apart.contains("\"sources\""));
}

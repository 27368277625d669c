//! Rules files: the default is complete and documented; bad files are refused with
//! every problem at once, each at its line and column.

use riskrate::unstable::Rules;
use riskrate::unstable::rules::DEFAULT_RULES_TOML;

use crate::util::{Dir, dataset, date, riskrate, root, run_on};

#[test]
fn the_default_rules_load_and_match_the_file_on_disk() {
    let embedded = Rules::default_rules().unwrap();
    let on_disk = Rules::from_path(&root("scoring-rules/default.toml")).unwrap();
    assert_eq!(embedded.name(), "default");
    assert_eq!(embedded.version(), "2");
    assert_eq!(embedded.sha256(), on_disk.sha256());
    assert_eq!(embedded.sha256().len(), 64);
    let changed = Rules::from_toml(
        &DEFAULT_RULES_TOML.replace("version = \"2\"", "version = \"2b\""),
        "x",
    )
    .unwrap();
    assert_ne!(changed.sha256(), embedded.sha256());
    let types: Vec<&str> = embedded.types().iter().map(|t| t.name.as_str()).collect();
    assert_eq!(
        types,
        [
            "ransomware",
            "breach",
            "attack",
            "ddos",
            "vulnerability",
            "other"
        ]
    );
    assert_eq!(embedded.data_classes().len(), 17);
    let grades: Vec<(&str, i64)> = embedded
        .grades()
        .iter()
        .map(|g| (g.grade.as_str(), g.min_score))
        .collect();
    assert_eq!(
        grades,
        [("A", 850), ("B", 700), ("C", 550), ("D", 400), ("F", 100)]
    );
}

#[test]
fn the_aliases_of_scoring_md_resolve() {
    let r = Rules::default_rules().unwrap();
    let ty = |s: &str| r.types()[usize::from(r.type_id(s).unwrap())].name.clone();
    for (alias, name) in [
        ("Extortion", "ransomware"),
        ("DATA BREACH", "breach"),
        ("cyber attack", "attack"),
        ("intrusion", "attack"),
        ("malware", "attack"),
        ("phishing", "attack"),
        ("account takeover", "attack"),
        ("DDoS", "ddos"),
        ("vulnerability", "vulnerability"),
        ("other", "other"),
    ] {
        assert_eq!(ty(alias), name, "{alias}");
    }
    let class = |s: &str| {
        r.data_classes()[usize::from(r.class_id(s).unwrap())]
            .name
            .clone()
    };
    for (alias, name) in [
        ("mental health records", "mental_health"),
        ("Therapy Notes", "mental_health"),
        ("psychiatric", "mental_health"),
        ("medical", "health"),
        ("medical records", "health"),
        ("PHI", "health"),
        ("health records", "health"),
        ("ssn", "national_id"),
        ("social security numbers", "national_id"),
        ("passport", "national_id"),
        ("personal identity code", "national_id"),
        ("payment", "payment_card"),
        ("bank", "bank_account"),
        ("credit card", "payment_card"),
        ("passwords", "credentials"),
        ("api keys", "secrets"),
        ("trade secrets", "secrets"),
        ("names", "personal"),
        ("email addresses", "personal"),
        ("contact details", "personal"),
        ("pii", "personal"),
        ("genetic", "genetic"),
        ("sex_life", "sex_life"),
    ] {
        assert_eq!(class(alias), name, "{alias}");
    }
}

/// Every knob of the default file is explained by a comment: the comment block just
/// above it, or a comment in its section (or above the section) that names it.
#[test]
fn every_knob_of_the_default_rules_is_documented() {
    let lines: Vec<&str> = DEFAULT_RULES_TOML.lines().collect();
    let mut undocumented = Vec::new();
    let mut section_comments = String::new();
    let mut pending_comments = String::new();
    for (i, line) in lines.iter().enumerate() {
        let t = line.trim();
        if let Some(c) = t.strip_prefix('#') {
            pending_comments.push_str(c);
            pending_comments.push('\n');
            continue;
        }
        if t.starts_with('[') {
            // A new table of the same family keeps the family's comments.
            let family_continues =
                t.starts_with("[types.") || t.starts_with("[data_classes.") || t == "[[grades]]";
            if !family_continues || !pending_comments.is_empty() {
                section_comments = std::mem::take(&mut pending_comments);
            }
            continue;
        }
        let Some((key, _)) = t.split_once('=') else {
            pending_comments.clear();
            continue;
        };
        let key = key.trim();
        let above = i > 0 && lines[i - 1].trim_start().starts_with('#');
        if !above && !section_comments.contains(key) && !pending_comments.contains(key) {
            undocumented.push(format!("line {}: {key}", i + 1));
        }
        if !above {
            pending_comments.clear();
        } else {
            section_comments.push_str(&pending_comments);
            pending_comments.clear();
        }
    }
    assert!(
        undocumented.is_empty(),
        "knobs without a comment: {undocumented:?}"
    );
}

const BROKEN: &str = r#"name = "broken"
version = "2"

[severity]
default = 150
flor = 0.1

[impact]
default = 3
multipliers = [0.5, 0.75, 1.0, 1.5, 2.0]

[data]
none = 1.0
vulnerable_subjects_bonus = 0.25
max = 3.0

[volume]
unknown = 1.0
zero = 0.75
reference_records = 1000
per_decade = 0.25
min = 0.75
max = 2.0

[confidence]
confirmed = 1.0
alleged = 0.5
disputed = "half"
third_party = 0.5

[recurrence]
window_days = 1095
step = 0.25
max = 1.75

[score]
min = 100
max = 1000
scale = 150

[interval]
level = 0.90
unseen_incident_points = 10

[[grades]]
grade = "A"
min_score = 850

[[grades]]
grade = "B"
min_score = 900

[[grades]]
grade = "F"
min_score = 100

[types.breach]
base = 60
half_life_days = 365
cutoff_days = 1825
recurring = true
aliases = ["data breach"]

[types.ransomware]
base = 100
half_life_days = 365
cutoff_days = 1825
recurring = true
aliases = ["Data Breach"]

[data_classes.personal]
multiplier = 1.0
"#;

#[test]
fn a_broken_rules_file_reports_every_problem_with_its_place() {
    let err = Rules::from_toml(BROKEN, "broken.toml").unwrap_err();
    let got: Vec<(usize, usize, &str)> = err
        .problems
        .iter()
        .map(|p| (p.line, p.col, p.message.as_str()))
        .collect();
    let expect = [
        (5, 11, "[severity].default = 150 is out of range: 0..=100"),
        (
            6,
            1,
            "unknown key `flor` in [severity]; did you mean `floor`?",
        ),
        (
            28,
            12,
            "[confidence].disputed must be a number, found a string",
        ),
    ];
    for e in expect {
        assert!(got.contains(&e), "missing {e:?} in {got:#?}");
    }
    let text = err.to_string();
    assert!(text.contains("missing `floor` in [severity]"), "{text}");
    assert!(
        text.contains(
            "grade bands out of order: B (min_score 900) must be below A (min_score 850)"
        ),
        "{text}"
    );
    assert!(
        text.contains("type alias `Data Breach` of `ransomware` is already claimed by `breach`"),
        "{text}"
    );
    assert!(
        text.starts_with("invalid rules broken.toml: 6 problems"),
        "{text}"
    );
    assert!(
        text.contains("broken.toml:6:1: unknown key `flor`"),
        "{text}"
    );
}

#[test]
fn a_toml_syntax_error_is_placed() {
    let err = Rules::from_toml("name = \"x\"\nversion = \n", "syntax.toml").unwrap_err();
    assert_eq!(err.problems.len(), 1);
    assert_eq!(err.problems[0].line, 2);
    assert!(
        err.problems[0].message.starts_with("TOML syntax"),
        "{:?}",
        err.problems
    );
}

#[test]
fn missing_tables_and_unknown_sections_are_reported() {
    let err = Rules::from_toml(
        "name = \"x\"\nversion = \"1\"\n[scroe]\nmin = 1\n",
        "t.toml",
    )
    .unwrap_err();
    let text = err.to_string();
    assert!(text.contains("missing table [severity]"), "{text}");
    assert!(
        text.contains("unknown key `scroe` in the rules; did you mean `score`?"),
        "{text}"
    );
}

#[test]
fn shown_rules_load_back_and_rate_identically() {
    let original = Rules::default_rules().unwrap();
    let shown = Rules::from_toml(&original.to_toml(), "shown").unwrap();
    let examples = std::fs::read_to_string(root("examples/incidents.jsonl")).unwrap();
    let data = dataset(&examples);
    let (a, b) = (
        data.resolve_unmerged(&original),
        data.resolve_unmerged(&shown),
    );
    let (ra, rb) = (
        riskrate::unstable::rate(&a, date("2026-11-28")),
        riskrate::unstable::rate(&b, date("2026-11-28")),
    );
    assert_eq!(ra.ratings.len(), rb.ratings.len());
    for (x, y) in ra.ratings.iter().zip(&rb.ratings) {
        assert_eq!(
            (x.company, x.score_exact.to_bits()),
            (y.company, y.score_exact.to_bits())
        );
        assert_eq!(x.explanation, y.explanation);
    }
}

#[test]
fn rules_check_and_show_from_the_command_line() {
    let out = run_on(&["rules", "check"], root("scoring-rules/default.toml"));
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("ok: "), "{text}");
    assert!(text.contains("rules default v2"), "{text}");

    let dir = Dir::new();
    let bad = dir.create("bad.toml", BROKEN);
    let out = run_on(&["rules", "check"], &bad);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("bad.toml:5:11: [severity].default = 150 is out of range"),
        "{err}"
    );
    assert!(err.contains("6 problems"), "{err}");

    let out = riskrate().args(["rules", "show"]).output().unwrap();
    assert!(out.status.success());
    let shown = String::from_utf8(out.stdout).unwrap();
    assert!(
        shown.starts_with("# Effective rules from built-in default: default v2, sha256 "),
        "{shown}"
    );
    let again = dir.create("shown.toml", &shown);
    let out = run_on(&["rules", "check"], &again);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Rating every company at once (each thread reusing its working lists from one
/// company to the next) gives each company what rating it alone gives: nothing of
/// a large company is left over for the small ones after it.
#[test]
fn companies_rated_together_are_rated_as_alone() {
    let rules = Rules::default_rules().unwrap();
    let kinds = ["breach", "ransomware", "attack", "ddos", "vulnerability"];
    let mut text = String::new();
    let mut x = 3u64;
    for c in 0..300 {
        // Every tenth company has many incidents; the others one to three.
        let n = if c % 10 == 0 { 40 } else { 1 + c % 3 };
        for k in 0..n {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            text.push_str(&format!(
                r#"{{"id":"i{c}-{k}","company":"c{c:03}","type":"{}","date":"20{:02}-{:02}-{:02}","severity":{},"records":{}}}"#,
                kinds[(x >> 20) as usize % kinds.len()],
                18 + (x >> 30) % 8,
                1 + (x >> 35) % 12,
                1 + (x >> 40) % 28,
                (x >> 45) % 101,
                (x >> 50) % 100_000,
            ));
            text.push('\n');
        }
    }
    let data = dataset(&text);
    let resolved = data.resolve_unmerged(&rules);
    let as_of = date("2026-01-01");
    for keep in [None, Some(2)] {
        let together = riskrate::unstable::rate_keeping(&resolved, as_of, keep);
        assert_eq!(together.ratings.len(), 300);
        for (r, (company, list)) in together.ratings.iter().zip(resolved.companies()) {
            let alone = riskrate::unstable::rate::rate_company(&rules, company, list, as_of);
            assert_eq!(r.company, alone.company);
            assert_eq!(r.score_exact.to_bits(), alone.score_exact.to_bits());
            assert_eq!(r.counts, alone.counts);
            assert_eq!(r.next_grade_change, alone.next_grade_change);
            let kept = keep.map_or(alone.incidents.len(), |n| {
                n.min(alone.counts.counted as usize)
            });
            let ids = |r: &riskrate::unstable::Rating<'_>| -> Vec<(String, u64, u64)> {
                r.incidents
                    .iter()
                    .map(|a| {
                        (
                            a.item.id().to_string(),
                            a.points.to_bits(),
                            a.share.to_bits(),
                        )
                    })
                    .collect()
            };
            assert_eq!(ids(r), ids(&alone)[..kept].to_vec(), "{company}");
        }
    }
}

#[test]
fn keeping_fewer_incidents_changes_nothing_else() {
    let rules = Rules::default_rules().unwrap();
    let examples = std::fs::read_to_string(root("examples/incidents.jsonl")).unwrap();
    let data = dataset(&examples);
    let resolved = data.resolve_unmerged(&rules);
    let full = riskrate::unstable::rate(&resolved, date("2026-11-28"));
    let kept = riskrate::unstable::rate_keeping(&resolved, date("2026-11-28"), Some(1));
    assert_eq!(full.summary, kept.summary);
    for (a, b) in full.ratings.iter().zip(&kept.ratings) {
        assert_eq!(a.score_exact.to_bits(), b.score_exact.to_bits());
        assert_eq!(
            (a.interval, &a.next_grade_change, &a.explanation),
            (b.interval, &b.next_grade_change, &b.explanation)
        );
        assert_eq!(a.counts, b.counts);
        assert!(b.incidents.len() <= 1);
        let firsts = (
            a.contributors().next().map(|x| &x.item.incident.id),
            b.contributors().next().map(|x| &x.item.incident.id),
        );
        assert_eq!(firsts.0, firsts.1);
    }
}

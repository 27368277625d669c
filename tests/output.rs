//! Issue 17, item 1: one output path for every command — inputs are never
//! overwritten, devices and FIFOs are written not replaced, regular files are
//! replaced atomically (permissions kept, symlinks and hard links written
//! through, no temporary file left behind), and write errors end with status 2.

use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::util::{Dir, riskrate, root};

const AS_OF: &str = "2026-11-28";

fn example() -> PathBuf {
    root("examples/incidents.jsonl")
}

/// The binary as a plain process, for tests that set its standard streams.
fn bin() -> Command {
    let mut c = Command::new(assert_cmd::cargo::cargo_bin("riskrate"));
    c.env_remove("RUST_BACKTRACE")
        .env_remove("RAYON_NUM_THREADS");
    c
}

fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("riskrate-tmp"))
        .collect()
}

/// Every command, with `out` as its `-o` and `input` (JSON Lines incidents) as
/// its input where it has one.
fn every_command(input: &Path, out: &Path) -> Vec<Vec<String>> {
    let i = input.display().to_string();
    let o = out.display().to_string();
    let rules = root("scoring-rules/default.toml").display().to_string();
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    vec![
        s(&["score", &i, "--as-of", AS_OF, "-o", &o]),
        s(&["explain", "harbor-bank", &i, "--as-of", AS_OF, "-o", &o]),
        s(&["report", &i, "--as-of", AS_OF, "-o", &o]),
        s(&[
            "diff", "--rules", &rules, "--rules", &rules, &i, "--as-of", AS_OF, "-o", &o,
        ]),
        s(&[
            "backtest",
            &i,
            "--from",
            "2024-01-01",
            "--to",
            "2025-01-01",
            "-o",
            &o,
        ]),
        s(&[
            "history",
            "harbor-bank",
            &i,
            "--from",
            "2024-01-01",
            "--to",
            "2025-01-01",
            "-o",
            &o,
        ]),
        s(&[
            "import",
            "--from",
            "rankiteo",
            &root("tests/data/rankiteo-rating.json")
                .display()
                .to_string(),
            "-o",
            &o,
        ]),
        s(&["gen", "--incidents", "50", "--companies", "5", "-o", &o]),
        s(&["rules", "show", "-o", &o]),
        s(&["completions", "bash", "-o", &o]),
        s(&["man", "-o", &o]),
    ]
}

#[test]
fn r17_an_output_that_is_an_input_is_refused_and_the_input_kept() {
    let dir = Dir::new();
    let original = std::fs::read(example()).unwrap();
    let input = dir.create("in.jsonl", &original);
    let link = dir.path().join("link.jsonl");
    std::os::unix::fs::symlink(&input, &link).unwrap();
    let hard = dir.path().join("hard.jsonl");
    std::fs::hard_link(&input, &hard).unwrap();
    // The target named directly, through a symlink, and through a hard link.
    for target in [&input, &link, &hard] {
        let out = riskrate()
            .args(["score", "--as-of", AS_OF, "-o"])
            .arg(target)
            .arg(&input)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains("refusing to write"), "{stderr}");
        assert!(stderr.contains("in.jsonl"), "names the input: {stderr}");
        assert_eq!(std::fs::read(&input).unwrap(), original);
    }
    // Standard input redirected from the target.
    let out = bin()
        .args(["score", "-", "--as-of", AS_OF, "-o"])
        .arg(&input)
        .stdin(std::fs::File::open(&input).unwrap())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("standard input"));
    assert_eq!(std::fs::read(&input).unwrap(), original);
    // Standard output appended to an input would read its own output.
    let appended = std::fs::OpenOptions::new()
        .append(true)
        .open(&input)
        .unwrap();
    let out = bin()
        .args(["score", "--as-of", AS_OF])
        .arg(&input)
        .stdout(appended)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(std::fs::read(&input).unwrap(), original);
    // The rules and the mapping file are inputs too.
    let rules = dir.create(
        "rules.toml",
        std::fs::read(root("scoring-rules/default.toml")).unwrap(),
    );
    let before = std::fs::read(&rules).unwrap();
    for args in [vec!["score", "--rules"], vec!["rules", "show"]] {
        let out = riskrate()
            .args(&args)
            .arg(&rules)
            .arg("-o")
            .arg(&rules)
            .args(if args[0] == "score" {
                vec![input.as_os_str()]
            } else {
                vec![]
            })
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert_eq!(std::fs::read(&rules).unwrap(), before, "{args:?}");
    }
    let mapping = dir.create(
        "map.toml",
        std::fs::read(root("tests/data/import/mapping.toml")).unwrap(),
    );
    let before = std::fs::read(&mapping).unwrap();
    let out = riskrate()
        .args(["import", "--from", "csv", "--mapping"])
        .arg(&mapping)
        .arg(root("tests/data/import/log.csv"))
        .arg("-o")
        .arg(&mapping)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(std::fs::read(&mapping).unwrap(), before);
    // Every command that reads an input refuses it as its output.
    for args in every_command(&input, &input) {
        if ["gen", "rules", "completions", "man", "import"].contains(&args[0].as_str()) {
            continue;
        }
        let out = riskrate().args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert_eq!(std::fs::read(&input).unwrap(), original, "{args:?}");
    }
}

#[test]
fn r17_devices_and_fifos_are_written_never_replaced() {
    let out = riskrate()
        .args(["score", "--as-of", AS_OF, "-o", "/dev/null"])
        .arg(example())
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(
        std::fs::metadata("/dev/null")
            .unwrap()
            .file_type()
            .is_char_device()
    );
    // /dev/stdout is the process's standard output, written as it is.
    let out = riskrate()
        .args(["score", "--as-of", AS_OF, "-f", "csv", "-o", "/dev/stdout"])
        .arg(example())
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("company,"));
    // A FIFO: the reader at the other end gets the ratings; the FIFO stays one.
    let dir = Dir::new();
    let fifo = dir.path().join("ratings.fifo");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let reader = Command::new("cat")
        .arg(&fifo)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let out = riskrate()
        .args(["score", "--as-of", AS_OF, "-f", "jsonl", "-o"])
        .arg(&fifo)
        .arg(example())
        .output()
        .unwrap();
    assert!(out.status.success());
    let read = reader.wait_with_output().unwrap();
    assert_eq!(String::from_utf8_lossy(&read.stdout).lines().count(), 11);
    assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
    assert!(leftovers(dir.path()).is_empty());
}

#[test]
fn r17_every_command_reports_a_full_disk_with_status_2() {
    let dir = Dir::new();
    let input = dir.create("in.jsonl", std::fs::read(example()).unwrap());
    for args in every_command(&input, Path::new("/dev/full")) {
        let out = riskrate().args(&args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.to_lowercase().contains("no space left"),
            "{args:?}: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
    // Standard output on a full disk, for every command, and for clap's help and
    // version.
    let mut all = every_command(&input, Path::new("-"));
    for extra in [&["--help"][..], &["--version"], &["score", "--help"]] {
        all.push(extra.iter().map(|s| s.to_string()).collect());
    }
    for args in all {
        let out = bin()
            .args(&args)
            .stdout(std::fs::File::create("/dev/full").unwrap())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

#[test]
fn r17_a_message_that_cannot_reach_stderr_is_status_2_not_a_panic() {
    let dir = Dir::new();
    // Two rejected records: the run has something to say on stderr.
    let input = dir.create("in.jsonl", "{\"id\":1}\nnot json\n");
    let out = bin()
        .args(["score", "--as-of", AS_OF, "-f", "jsonl"])
        .arg(&input)
        .stderr(std::fs::File::create("/dev/full").unwrap())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    // And an error message on a full stderr is still exit 2, not 101.
    let out = bin()
        .args(["score", "--rules", "/nonexistent.toml"])
        .arg(&input)
        .stderr(std::fs::File::create("/dev/full").unwrap())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn r17_a_regular_file_is_replaced_atomically_keeping_mode_and_links() {
    let dir = Dir::new();
    let target = dir.create("ratings.json", "old\n");
    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o600)).unwrap();
    let link = dir.path().join("via-link.json");
    std::os::unix::fs::symlink("ratings.json", &link).unwrap();
    let other_name = dir.path().join("other-name.json");
    std::fs::hard_link(&target, &other_name).unwrap();
    let run = |to: &Path, format: &str| {
        let out = riskrate()
            .args(["score", "--as-of", AS_OF, "-f", format, "-o"])
            .arg(to)
            .arg(example())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    // Through the symlink: the link stays a link, its file gets the ratings.
    run(&link, "json");
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    let text = std::fs::read_to_string(&target).unwrap();
    assert!(text.starts_with('{'), "{text}");
    // The mode is kept, and the other hard link sees the new content.
    let meta = std::fs::metadata(&target).unwrap();
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    assert_eq!(meta.nlink(), 2);
    assert_eq!(std::fs::read_to_string(&other_name).unwrap(), text);
    // A singly linked file is replaced by a rename: a new inode, the mode kept.
    let single = dir.create("single.csv", "old\n");
    std::fs::set_permissions(&single, std::fs::Permissions::from_mode(0o640)).unwrap();
    let ino = std::fs::metadata(&single).unwrap().ino();
    run(&single, "csv");
    let meta = std::fs::metadata(&single).unwrap();
    assert_ne!(meta.ino(), ino);
    assert_eq!(meta.permissions().mode() & 0o777, 0o640);
    assert!(
        std::fs::read_to_string(&single)
            .unwrap()
            .starts_with("company,")
    );
    // `-o -` is standard output.
    let out = riskrate()
        .args(["score", "--as-of", AS_OF, "-f", "csv", "-o", "-"])
        .arg(example())
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("company,"));
    assert!(!dir.path().join("-").exists());
    assert!(leftovers(dir.path()).is_empty());
}

#[test]
fn r17_a_planted_symlink_at_the_old_temporary_name_is_not_followed() {
    let dir = Dir::new();
    let victim = dir.create("victim.txt", "precious\n");
    // The name the temporary file used to have, pointing at another file.
    std::os::unix::fs::symlink(&victim, dir.path().join(".out.json.riskrate-tmp")).unwrap();
    let out = riskrate()
        .args(["score", "--as-of", AS_OF, "-f", "json", "-o"])
        .arg(dir.path().join("out.json"))
        .arg(example())
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n");
    assert!(
        std::fs::read_to_string(dir.path().join("out.json"))
            .unwrap()
            .starts_with('{')
    );
}

#[test]
fn r17_concurrent_runs_to_one_output_leave_one_whole_output() {
    let dir = Dir::new();
    let target = dir.path().join("out.jsonl");
    let spawn = |seed: &str| {
        Command::new(assert_cmd::cargo::cargo_bin("riskrate"))
            .args([
                "gen",
                "--incidents",
                "20000",
                "--companies",
                "100",
                "--seed",
                seed,
                "-o",
            ])
            .arg(&target)
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let runs: Vec<_> = ["1", "2", "3", "4"].into_iter().map(spawn).collect();
    for r in runs {
        assert!(r.wait_with_output().unwrap().status.success());
    }
    let text = std::fs::read_to_string(&target).unwrap();
    assert_eq!(text.lines().count(), 20000);
    assert!(!text.contains('\0'));
    for line in text.lines() {
        serde_json::from_str::<serde_json::Value>(line).unwrap();
    }
    assert!(leftovers(dir.path()).is_empty());
}

#[test]
fn r17_a_signal_removes_the_temporary_file() {
    for signal in ["TERM", "INT"] {
        let dir = Dir::new();
        let target = dir.path().join("big.jsonl");
        let mut child = Command::new(assert_cmd::cargo::cargo_bin("riskrate"))
            .args([
                "gen",
                "--incidents",
                "50000000",
                "--companies",
                "1000",
                "-o",
            ])
            .arg(&target)
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Wait for the temporary file, then signal the run.
        let started = std::time::Instant::now();
        while leftovers(dir.path()).is_empty() {
            assert!(
                started.elapsed().as_secs() < 60,
                "no temporary file appeared"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let killed = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(child.id().to_string())
            .status()
            .unwrap();
        assert!(killed.success());
        let status = child.wait().unwrap();
        assert!(!status.success());
        assert!(leftovers(dir.path()).is_empty(), "after SIG{signal}");
        assert!(!target.exists());
    }
}

#[test]
fn r17_a_file_the_user_may_not_write_is_not_replaced() {
    // Root may write anything: the check runs as `nobody` where setpriv can
    // switch to it (CI runs as root on Debian, which has it).
    let root_user = Command::new("id").arg("-u").output().unwrap().stdout == b"0\n";
    let setpriv = Command::new("setpriv").arg("--version").output().is_ok();
    if !root_user || !setpriv {
        eprintln!("skipped: needs root and setpriv to run as another user");
        return;
    }
    let dir = Dir::new();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let input = dir.create("in.jsonl", std::fs::read(example()).unwrap());
    std::fs::set_permissions(&input, std::fs::Permissions::from_mode(0o644)).unwrap();
    let target = dir.create("ratings.json", "keep\n");
    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o444)).unwrap();
    let out = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(assert_cmd::cargo::cargo_bin("riskrate"))
        .args(["score", "--as-of", AS_OF, "-o"])
        .arg(&target)
        .arg(&input)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("ratings.json: Permission denied"),
        "{stderr}"
    );
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep\n");
}

//! Helpers: a temporary directory, the binary, and the library on in-memory data.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use riskrate::unstable::{Dataset, Format, NaiveDate, Report, Rules};

/// A temporary directory that holds test files.
pub struct Dir {
    tmp: tempfile::TempDir,
}

impl Dir {
    pub fn new() -> Dir {
        Dir {
            tmp: tempfile::tempdir().unwrap(),
        }
    }
    pub fn path(&self) -> &Path {
        self.tmp.path()
    }
    pub fn create(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let p = self.tmp.path().join(name);
        std::fs::write(&p, contents).unwrap();
        p
    }
}

/// The `riskrate` binary, with an environment that does not change its output.
pub fn riskrate() -> Command {
    let mut c = Command::cargo_bin("riskrate").unwrap();
    c.env_remove("RUST_BACKTRACE")
        .env_remove("RAYON_NUM_THREADS");
    c
}

/// Runs `riskrate` with `args` and then `input`, to the end.
pub fn run_on(args: &[&str], input: impl AsRef<std::ffi::OsStr>) -> std::process::Output {
    riskrate().args(args).arg(input).output().unwrap()
}

/// The project's own files (examples, fixtures).
pub fn root(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

pub fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

pub fn default_rules() -> Rules {
    Rules::default_rules().unwrap()
}

/// Reads JSON Lines text into a dataset.
pub fn dataset(jsonl: &str) -> Dataset {
    let mut d = Dataset::new();
    d.read_bytes(jsonl.as_bytes(), "input.jsonl", Format::Jsonl)
        .unwrap();
    d
}

/// Rates `jsonl` as of `as_of` and hands the report to `f`.
pub fn with_report<T>(jsonl: &str, as_of: &str, f: impl FnOnce(&Report<'_>) -> T) -> T {
    let rules = default_rules();
    let data = dataset(jsonl);
    let resolved = data.resolve_unmerged(&rules);
    let report = riskrate::unstable::rate(&resolved, date(as_of));
    f(&report)
}

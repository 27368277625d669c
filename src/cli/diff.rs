//! `riskrate diff`: the same incidents under two sets of rules — who moves and why.

use std::path::PathBuf;

use clap::Args;
use riskrate::unstable::analysis::compare::compare;
use riskrate::unstable::render::diff::{write_diff_json, write_diff_table};
use riskrate::unstable::render::write::rejection_summary;
use riskrate::unstable::resolve::Merges;
use riskrate::unstable::{Error, Rules, rate_for_writing};

use super::output::output;
use super::{Exit, InputArgs, parse_date};

const EXAMPLE: &str = "\
Examples:
  # What would a short-memory rule set change on the bundled incidents?
  riskrate diff --rules scoring-rules/default.toml --rules scoring-rules/short-memory.toml \\
      examples/incidents.jsonl --as-of 2026-11-28

  # A CI gate for a rules change: fail when more than 5 companies change grade
  riskrate diff --rules old.toml --rules new.toml corpus.jsonl --as-of 2026-01-01 --fail-if-moved 5

The files are read once and rated under both rules. Exit status: 0 ok, 1 more
companies changed grade than --fail-if-moved allows, 2 error.";

/// Compare the ratings of the same incidents under two sets of rules.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLE)]
pub struct DiffArgs {
    /// The two rules files, A then B: `--rules A.toml --rules B.toml`.
    #[arg(long, value_name = "FILE", num_args = 1, required = true)]
    pub rules: Vec<PathBuf>,

    #[command(flatten)]
    pub input: InputArgs,

    /// Rate as of this date (YYYY-MM-DD). Default: today (UTC).
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub as_of: Option<chrono::NaiveDate>,

    /// Output format: table or json.
    #[arg(long, short = 'f', value_name = "FORMAT", default_value = "table", value_parser = ["table", "json"])]
    pub format: String,

    /// How many of the largest movers to list.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub top: usize,

    /// Exit with status 1 when more than N companies change grade.
    #[arg(long, value_name = "N")]
    pub fail_if_moved: Option<usize>,

    /// Write the output to FILE instead of standard output (`-`): a regular file is
    /// replaced atomically, a device or FIFO written directly; an input is refused.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

pub fn run(args: &DiffArgs) -> Result<Exit, Error> {
    let [path_a, path_b] = args.rules.as_slice() else {
        return Err(Error::Usage(format!(
            "diff needs exactly two --rules files (A and B), got {}",
            args.rules.len()
        )));
    };
    let (rules_a, rules_b) = (Rules::from_path(path_a)?, Rules::from_path(path_b)?);
    let out = output(
        args.output.as_deref(),
        &args
            .input
            .inputs()
            .files(args.rules.iter().map(PathBuf::as_path)),
    )?;
    let data = super::until_exit(args.input.load()?);
    let as_of = args
        .as_of
        .unwrap_or_else(|| chrono::Utc::now().date_naive());
    let (mut room_a, mut room_b) = (
        super::until_exit(Merges::default()),
        super::until_exit(Merges::default()),
    );
    let resolved = super::until_exit((
        args.input.resolve(&data, &rules_a, &mut room_a),
        args.input.resolve(&data, &rules_b, &mut room_b),
    ));
    let (res_a, res_b) = (&resolved.0, &resolved.1);
    for (label, res) in [("A", res_a), ("B", res_b)] {
        if !res.rejected().is_empty() {
            say!(
                "riskrate: under {label}: {}",
                rejection_summary(res.rejected(), 3)
            );
        }
    }
    // Only counted incidents can drive a move (compare::driver): the others are not
    // kept. Explanations are rendered for the movers shown only, as they are written.
    let keep = Some(usize::MAX);
    let reports = super::until_exit(rayon::join(
        || rate_for_writing(res_a, as_of, keep),
        || rate_for_writing(res_b, as_of, keep),
    ));
    let (report_a, report_b) = (&reports.0, &reports.1);
    let cmp = compare(report_a, report_b);
    out.write(|w| {
        if args.format == "json" {
            write_diff_json(w, report_a, report_b, &cmp, args.top)
        } else {
            write_diff_table(w, report_a, report_b, &cmp, args.top)
        }
    })?;
    match args.fail_if_moved {
        Some(n) if cmp.agreement.grade_changes > n => {
            say!(
                "riskrate: {} companies changed grade, more than --fail-if-moved {n}",
                cmp.agreement.grade_changes
            );
            Ok(Exit::Failed)
        }
        _ => Ok(Exit::Ok),
    }
}

//! `riskrate score`: rate every company in the input.

use std::path::PathBuf;

use clap::Args;
use riskrate::unstable::resolve::Merges;
use riskrate::unstable::{
    Contributors, Error, OutputFormat, rate_for_writing, write_report, write_table_styled,
};

use super::output::output;
use super::{Exit, InputArgs, RatingArgs, warn_rejected};

const EXAMPLE: &str = "\
Examples:
  # Rate the bundled incidents as of a fixed date, as a table
  riskrate score examples/incidents.jsonl --as-of 2026-11-28

  # The seed record of SCORING.md as JSON: Vastaamo scores 290 (F), interval 101-931
  riskrate score tests/data/vastaamo.json --as-of 2020-11-01 --format json

  # Several files and standard input; fail (exit 1) if any record is rejected
  cat more.csv | riskrate score a.jsonl b.json - --input-format csv --strict

Exit status: 0 ok, 1 a record was rejected under --strict, 2 error.";

/// Rate every company in the input files.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLE)]
pub struct ScoreArgs {
    #[command(flatten)]
    pub input: InputArgs,

    #[command(flatten)]
    pub rating: RatingArgs,

    /// Output format: table, json, jsonl or csv.
    #[arg(long, short = 'f', value_name = "FORMAT", default_value = "table", value_parser = parse_output)]
    pub format: OutputFormat,

    /// Contributors listed per company in json/jsonl: a number or `all`.
    #[arg(long, value_name = "N|all", default_value = "5", value_parser = parse_contributors)]
    pub contributors: Contributors,

    /// Abort with exit status 1 if any record is rejected.
    #[arg(long)]
    pub strict: bool,

    /// Write the output to FILE instead of standard output (`-`): a regular file is
    /// replaced atomically, a device or FIFO written directly; an input is refused.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Colour grades in table output: auto (when stdout is a terminal and NO_COLOR
    /// is not set), always or never.
    #[arg(long, value_name = "WHEN", default_value = "auto", value_parser = ["auto", "always", "never"])]
    pub color: String,

    /// Print the time of each stage (read, resolve, rate, write) to stderr.
    #[arg(long, hide = true)]
    pub timings: bool,
}

fn parse_output(s: &str) -> Result<OutputFormat, String> {
    s.parse().map_err(|e: Error| e.to_string())
}

fn parse_contributors(s: &str) -> Result<Contributors, String> {
    s.parse().map_err(|e: Error| e.to_string())
}

/// ", rss R MB, peak P MB" from /proc/self/status where there is one (Linux), so
/// `--timings` shows which stage sets the peak; empty elsewhere.
fn memory_note() -> String {
    let Ok(status) = std::fs::read_to_string("/proc/self/status") else {
        return String::new();
    };
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .map(|kb| kb / 1024)
    };
    match (field("VmRSS:"), field("VmHWM:")) {
        (Some(rss), Some(peak)) => format!(", rss {rss} MB, peak {peak} MB"),
        _ => String::new(),
    }
}

pub fn run(args: &ScoreArgs) -> Result<Exit, Error> {
    let clock = std::time::Instant::now();
    let lap = |stage: &str| {
        if args.timings {
            say!(
                "riskrate: timing: {stage} done at {:.3} s{}",
                clock.elapsed().as_secs_f64(),
                memory_note()
            );
        }
    };
    let out = output(
        args.output.as_deref(),
        &args.input.inputs().file(args.rating.rules.as_deref()),
    )?;
    let rules = args.rating.load_rules()?;
    let progress = args.input.progress();
    let data = super::until_exit(args.input.load()?);
    lap("read");
    progress.stage(format!("resolving {} records", data.read_count()));
    let mut room = super::until_exit(Merges::default());
    let resolved = super::until_exit(args.input.resolve(&data, &rules, &mut room));
    lap("resolve");
    progress.stage(format!("rating {} incidents", resolved.items().len()));
    if warn_rejected(resolved.rejected(), 5) && args.strict {
        say!("riskrate: --strict: no ratings written");
        return Ok(Exit::Failed);
    }
    // Only the contributors printed are kept: the rest of each company's incidents
    // would cost memory and nothing else.
    let keep = match (args.format, args.contributors) {
        (_, Contributors::All) => None,
        (OutputFormat::Json | OutputFormat::Jsonl, Contributors::Top(n)) => Some(n.max(1)),
        _ => Some(1),
    };
    let report = super::until_exit(rate_for_writing(&resolved, args.rating.as_of(), keep));
    lap("rate");
    progress.stage(format!("writing {} ratings", report.ratings.len()));
    let style = super::table_style(out.is_stdout() && super::use_color(&args.color));
    out.write(|w| match args.format {
        OutputFormat::Table => write_table_styled(w, &report, &style),
        f => write_report(w, &report, f, args.contributors),
    })?;
    lap("write");
    drop(progress);
    if matches!(args.format, OutputFormat::Jsonl | OutputFormat::Csv) {
        // These formats carry no totals; the accounting still goes somewhere.
        let s = report.summary;
        say!(
            "riskrate: {}; {} companies",
            riskrate::unstable::render::write::accounting(&s),
            s.companies
        );
    }
    Ok(Exit::Ok)
}

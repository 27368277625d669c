//! `riskrate history`: one company's rating series, as CSV, JSON or an SVG chart.

use riskrate::unstable::model::DateExt;
use riskrate::unstable::resolve::Merges;
use std::path::PathBuf;

use chrono::NaiveDate;
use clap::Args;
use riskrate::unstable::Error;
use riskrate::unstable::analysis::history::{dates, history, incidents_of};
use riskrate::unstable::escape;
use riskrate::unstable::render::chart::svg;

use super::backtest::parse_days;
use super::output::output;
use super::{Exit, InputArgs, parse_date};

const EXAMPLE: &str = "\
Examples:
  # Vastaamo's rating month by month for three years after the breach, as a chart
  riskrate history digitalmentalhealthconsortium examples/incidents.jsonl \\
      --from 2020-09-01 --to 2023-09-01 --step 30d --format svg --output vastaamo.svg

  # The same series as CSV
  riskrate history digitalmentalhealthconsortium examples/incidents.jsonl \\
      --from 2020-09-01 --to 2023-09-01 --step 30d";

/// One company's score, grade and interval at each date of a period.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLE)]
pub struct HistoryArgs {
    /// The company key.
    #[arg(value_name = "COMPANY")]
    pub company: String,
    #[command(flatten)]
    pub input: InputArgs,
    /// Rules file to use instead of the built-in default rules.
    #[arg(long, value_name = "FILE")]
    pub rules: Option<PathBuf>,
    /// First date.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub from: NaiveDate,
    /// Last date.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub to: NaiveDate,
    /// Time between points (90d, 4w, 1y).
    #[arg(long, value_name = "DURATION", default_value = "30d", value_parser = parse_days)]
    pub step: u64,
    /// Output format: csv, json or svg.
    #[arg(long, short = 'f', value_name = "FORMAT", default_value = "csv", value_parser = ["csv", "json", "svg"])]
    pub format: String,
    /// Write the output to FILE instead of standard output (`-`): a regular file is
    /// replaced atomically, a device or FIFO written directly; an input is refused.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

pub fn run(args: &HistoryArgs) -> Result<Exit, Error> {
    if args.to < args.from {
        return Err(Error::Usage(format!(
            "--to {} is before --from {}",
            args.to, args.from
        )));
    }
    let at = dates(args.from, args.to, args.step)?;
    let out = output(
        args.output.as_deref(),
        &args.input.inputs().file(args.rules.as_deref()),
    )?;
    let rules = super::load_rules(args.rules.as_deref())?;
    let data = super::until_exit(args.input.load()?);
    let mut room = super::until_exit(Merges::default());
    let resolved = super::until_exit(args.input.resolve(&data, &rules, &mut room));
    let list = incidents_of(&resolved, &args.company);
    let Some(first) = list.first() else {
        return Err(Error::Usage(format!(
            "no accepted incident of company `{}` in the input",
            escape::terminal(&args.company)
        )));
    };
    let name = list
        .iter()
        .find_map(|r| r.company_name())
        .unwrap_or_else(|| first.company());
    let series = history(&resolved, &args.company, &at);
    out.write(|w| match args.format.as_str() {
        "json" => {
            let doc = serde_json::json!({
                "riskrate": env!("CARGO_PKG_VERSION"),
                "rules": riskrate::unstable::render::write::RulesMeta::of(&rules),
                "company": args.company,
                "company_name": name,
                "points": series,
            });
            serde_json::to_writer_pretty(&mut *w, &doc).map_err(std::io::Error::from)?;
            w.write_all(b"\n")
        }
        "svg" => w.write_all(
            svg(
                &rules,
                &format!("{name}: score {} to {}", args.from, args.to),
                &series,
            )
            .as_bytes(),
        ),
        _ => {
            writeln!(
                w,
                "date,score,score_exact,grade,interval_low,interval_high,risk_points,counted"
            )?;
            for p in &series {
                writeln!(
                    w,
                    "{},{},{},{},{},{},{},{}",
                    p.date.ymd(),
                    p.score,
                    p.score_exact,
                    escape::csv_cell(&p.grade),
                    p.interval.low,
                    p.interval.high,
                    p.risk_points,
                    p.counted
                )?;
            }
            Ok(())
        }
    })?;
    Ok(Exit::Ok)
}

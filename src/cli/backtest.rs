//! `riskrate backtest`: do the rules' low scores predict new incidents?

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::Args;
use riskrate::unstable::Error;
use riskrate::unstable::analysis::backtest::{BacktestParams, backtest};
use riskrate::unstable::render::backtest::{write_backtest_json, write_backtest_table};
use riskrate::unstable::resolve::Merges;

use super::output::output;
use super::{Exit, InputArgs, parse_date, warn_rejected};

const EXAMPLE: &str = "\
Examples:
  # Eight yearly cutoffs on synthetic companies with stable risk
  riskrate gen --incidents 100000 --companies 10000 --seed 1 > gen.jsonl
  riskrate backtest gen.jsonl --from 2017-01-01 --to 2024-01-01 --step 365d --horizon 365d

  # Only ransomware as the outcome, with the short-memory rules
  riskrate backtest incidents.jsonl --rules scoring-rules/short-memory.toml \\
      --from 2019-01-01 --to 2023-01-01 --step 90d --horizon 365d --events ransomware

Durations are days (90d), weeks (13w) or years of 365 days (1y).";

/// Back-test the rules: rate at each cutoff from what was known then, and measure
/// how well the scores predict the next incidents.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLE)]
pub struct BacktestArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Rules file to use instead of the built-in default rules.
    #[arg(long, value_name = "FILE")]
    pub rules: Option<PathBuf>,
    /// First cutoff.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub from: NaiveDate,
    /// Last cutoff.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub to: NaiveDate,
    /// Time between cutoffs.
    #[arg(long, value_name = "DURATION", default_value = "90d", value_parser = parse_days)]
    pub step: u64,
    /// How long after a cutoff an event counts.
    #[arg(long, value_name = "DURATION", default_value = "365d", value_parser = parse_days)]
    pub horizon: u64,
    /// Incident types (names or aliases) whose occurrence is the outcome. Default:
    /// the rules' recurring types (breach and ransomware by default).
    #[arg(long, value_name = "TYPES", value_delimiter = ',')]
    pub events: Vec<String>,
    /// Output format: table or json.
    #[arg(long, short = 'f', value_name = "FORMAT", default_value = "table", value_parser = ["table", "json"])]
    pub format: String,
    /// Write the output to FILE instead of standard output (`-`): a regular file is
    /// replaced atomically, a device or FIFO written directly; an input is refused.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// "90d", "13w", "1y" (365 days) or a bare number of days.
pub fn parse_days(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let (num, mult) = match s.chars().last() {
        Some('d') => (&s[..s.len() - 1], 1),
        Some('w') => (&s[..s.len() - 1], 7),
        Some('y') => (&s[..s.len() - 1], 365),
        _ => (s, 1),
    };
    match num.parse::<u64>() {
        Ok(n) if n > 0 && n <= 100_000 => Ok(n * mult),
        _ => Err(format!("`{s}` is not a duration such as 90d, 13w or 1y")),
    }
}

pub fn run(args: &BacktestArgs) -> Result<Exit, Error> {
    if args.to < args.from {
        return Err(Error::Usage(format!(
            "--to {} is before --from {}",
            args.to, args.from
        )));
    }
    // Refused before anything is read: too many cutoffs.
    riskrate::unstable::analysis::history::dates(args.from, args.to, args.step)?;
    let out = output(
        args.output.as_deref(),
        &args.input.inputs().file(args.rules.as_deref()),
    )?;
    let rules = super::load_rules(args.rules.as_deref())?;
    let events = if args.events.is_empty() {
        rules
            .types()
            .iter()
            .enumerate()
            .filter(|(_, t)| t.recurring)
            .filter_map(|(i, _)| u16::try_from(i).ok())
            .collect()
    } else {
        args.events
            .iter()
            .map(|e| {
                rules
                    .type_id(e)
                    .ok_or_else(|| Error::Usage(format!("--events: unknown incident type `{e}`")))
            })
            .collect::<Result<Vec<_>, _>>()?
    };
    let data = super::until_exit(args.input.load()?);
    let mut room = super::until_exit(Merges::default());
    let resolved = super::until_exit(args.input.resolve(&data, &rules, &mut room));
    warn_rejected(resolved.rejected(), 3);
    let params = BacktestParams {
        from: args.from,
        to: args.to,
        step_days: args.step,
        horizon_days: args.horizon,
        events,
    };
    let result = super::until_exit(backtest(&resolved, &params)?);
    out.write(|w| {
        if args.format == "json" {
            write_backtest_json(w, &rules, &params, &result)
        } else {
            write_backtest_table(w, &rules, &params, &result)
        }
    })?;
    Ok(Exit::Ok)
}

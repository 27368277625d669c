//! `riskrate gen`: deterministic synthetic incidents.

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::Args;
use riskrate::unstable::Error;
use riskrate::unstable::synth::{GenParams, generate};

use super::output::{Inputs, output};
use super::{Exit, parse_date};

const EXAMPLE: &str = "\
Examples:
  # 100,000 incidents over 10,000 companies, the same bytes on every run
  riskrate gen --incidents 100000 --companies 10000 --seed 7 > gen.jsonl
  riskrate score gen.jsonl --as-of 2026-01-01 --format csv > ratings.csv

Each company has a latent yearly incident rate (log-normal, so a few companies have
many incidents) and its incidents arrive as a Poisson process over the period.";

/// Generate synthetic incidents as canonical JSON Lines.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLE)]
pub struct GenArgs {
    /// Number of incidents.
    #[arg(long, value_name = "N")]
    pub incidents: u64,
    /// Number of companies.
    #[arg(long, value_name = "M", value_parser = clap::value_parser!(u64).range(1..))]
    pub companies: u64,
    /// Random seed.
    #[arg(long, value_name = "S", default_value_t = 1)]
    pub seed: u64,
    /// First day of the period.
    #[arg(long, value_name = "DATE", default_value = "2015-01-01", value_parser = parse_date)]
    pub start: NaiveDate,
    /// Last day of the period.
    #[arg(long, value_name = "DATE", default_value = "2025-12-31", value_parser = parse_date)]
    pub end: NaiveDate,
    /// Write the output to FILE instead of standard output (`-`): a regular file is
    /// replaced atomically, a device or FIFO written directly; an input is refused.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

pub fn run(args: &GenArgs) -> Result<Exit, Error> {
    let params = GenParams {
        incidents: args.incidents,
        companies: args.companies,
        seed: args.seed,
        start: args.start,
        end: args.end,
    };
    // Refused before the output is opened: too many companies, or dates riskrate
    // could not read back.
    params.check()?;
    output(args.output.as_deref(), &Inputs::new())?.write(|w| generate(&params, w))?;
    Ok(Exit::Ok)
}

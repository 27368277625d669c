//! `riskrate report`: a self-contained HTML report of the ratings.

use std::path::PathBuf;

use chrono::{Months, NaiveDate};
use clap::Args;
use riskrate::unstable::Error;
use riskrate::unstable::analysis::history::{history, monthly};
use riskrate::unstable::rate;
use riskrate::unstable::render::html::{Detail, render};
use riskrate::unstable::resolve::Merges;

use super::output::output;
use super::{Exit, InputArgs, RatingArgs, warn_rejected};

const EXAMPLE: &str = "\
Examples:
  # The bundled example as a report to open in a browser
  riskrate report examples/incidents.jsonl --as-of 2026-11-28 --output report.html

The file is self-contained (no network, scripts or fonts from elsewhere): a summary,
the grade distribution, a sortable and filterable table of companies, contributors
and score history for the lowest-rated companies, and an industry comparison.";

/// Write a self-contained HTML report of the ratings.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLE)]
pub struct ReportArgs {
    #[command(flatten)]
    pub input: InputArgs,

    #[command(flatten)]
    pub rating: RatingArgs,

    /// How many of the lowest-rated companies to show in detail (contributors and
    /// score history).
    #[arg(long, value_name = "N", default_value_t = 50)]
    pub details: usize,

    /// Also show this company (its key) in detail; may be repeated.
    #[arg(long = "detail", value_name = "COMPANY")]
    pub detail: Vec<String>,

    /// Write the report to FILE instead of standard output (`-`): a regular file is
    /// replaced atomically, a device or FIFO written directly; an input is refused.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

pub fn run(args: &ReportArgs) -> Result<Exit, Error> {
    let out = output(
        args.output.as_deref(),
        &args.input.inputs().file(args.rating.rules.as_deref()),
    )?;
    let rules = args.rating.load_rules()?;
    let data = super::until_exit(args.input.load()?);
    let mut room = super::until_exit(Merges::default());
    let resolved = super::until_exit(args.input.resolve(&data, &rules, &mut room));
    warn_rejected(resolved.rejected(), 5);
    let as_of = args.rating.as_of();
    let report = rate(&resolved, as_of);

    // The lowest-rated companies (ties by key) and those asked for, each with its
    // history up to two years after the as-of date.
    let mut worst: Vec<_> = report.ratings.iter().collect();
    worst.sort_by(|a, b| {
        a.score_exact
            .total_cmp(&b.score_exact)
            .then(a.company.cmp(b.company))
    });
    worst.truncate(args.details);
    for key in &args.detail {
        match report.ratings.iter().find(|r| r.company == key) {
            Some(r) if !worst.iter().any(|w| w.company == r.company) => worst.push(r),
            Some(_) => {}
            None => {
                return Err(Error::Usage(format!(
                    "--detail: no company `{}` in the input",
                    riskrate::unstable::escape::terminal(key)
                )));
            }
        }
    }
    let to = as_of.checked_add_months(Months::new(24)).unwrap_or(as_of);
    let details: Vec<Detail<'_, '_>> = worst
        .iter()
        .enumerate()
        .map(|(k, r)| {
            let list = resolved.company(r.company);
            // From three years back, or from just before the first incident.
            let first = list
                .iter()
                .map(|x| x.effective().date)
                .min()
                .unwrap_or(as_of);
            let from = as_of
                .checked_sub_months(Months::new(36))
                .unwrap_or(NaiveDate::MIN)
                .min(first.checked_sub_months(Months::new(2)).unwrap_or(first));
            Detail {
                rating: r,
                history: history(&resolved, r.company, &monthly(from, to)),
                // The three lowest and every company asked for are shown unfolded.
                open: k < 3 || args.detail.iter().any(|d| d == r.company),
            }
        })
        .collect();
    out.write(|w| w.write_all(render(&report, &details).as_bytes()))?;
    Ok(Exit::Ok)
}

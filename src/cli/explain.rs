//! `riskrate explain`: one company's rating, incident by incident.

use clap::Args;
use riskrate::io::escape;
use riskrate::{Error, ExplainFormat, WhatIf, rate, write_explain};

use super::{Exit, InputArgs, RatingArgs, emit, warn_rejected};

const EXAMPLE: &str = "\
Examples:
  # Why does Vastaamo score 290? Every factor of every incident
  riskrate explain digitalmentalhealthconsortium examples/incidents.jsonl --as-of 2020-11-01

  # The same as JSON, for a rating service or a notebook
  riskrate explain Vastaamo examples/incidents.jsonl --as-of 2020-11-01 --format json

  # What if the largest incident were disputed, or had never happened?
  riskrate explain northwind-clinics examples/incidents.jsonl --as-of 2026-11-28 \
      --as-disputed NWC-2026-001
  riskrate explain northwind-clinics examples/incidents.jsonl --as-of 2026-11-28 \
      --without NWC-2026-001,NWC-2025-014

COMPANY is the company key; a company_name or a key differing only in case is
accepted when it names exactly one company. Exit status: 0 ok, 2 error.";

/// Show one company's rating with every incident, factor, points and share.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLE)]
pub struct ExplainArgs {
    /// The company key (or its company_name).
    #[arg(value_name = "COMPANY")]
    pub company: String,

    #[command(flatten)]
    pub input: InputArgs,

    #[command(flatten)]
    pub rating: RatingArgs,

    /// What-if: rate the company as if these incidents (ids) never happened.
    #[arg(long, value_name = "ID", value_delimiter = ',')]
    pub without: Vec<String>,

    /// What-if: rate the company with these incidents (ids) marked disputed.
    #[arg(long, value_name = "ID", value_delimiter = ',')]
    pub as_disputed: Vec<String>,

    /// Output format: text or json.
    #[arg(long, short = 'f', value_name = "FORMAT", default_value = "text", value_parser = parse_format)]
    pub format: ExplainFormat,
}

fn parse_format(s: &str) -> Result<ExplainFormat, String> {
    s.parse().map_err(|e: Error| e.to_string())
}

pub fn run(args: &ExplainArgs) -> Result<Exit, Error> {
    let rules = args.rating.load_rules()?;
    let data = super::until_exit(args.input.load()?);
    let resolved = super::until_exit(data.resolve(&rules));
    warn_rejected(resolved.rejected(), 5);
    let report = rate(&resolved, args.rating.as_of());
    let wanted = args.company.as_str();
    let exact = report.ratings.iter().find(|r| r.company == wanted);
    let rating = match exact {
        Some(r) => r,
        None => {
            let loose: Vec<_> = report
                .ratings
                .iter()
                .filter(|r| {
                    r.company.eq_ignore_ascii_case(wanted)
                        || r.company_name
                            .is_some_and(|n| n.eq_ignore_ascii_case(wanted))
                })
                .collect();
            match loose.as_slice() {
                [one] => *one,
                [] => {
                    return Err(Error::Usage(format!(
                        "no company `{}` in the input ({} companies rated)",
                        escape::terminal(wanted),
                        report.ratings.len()
                    )));
                }
                many => {
                    let keys: Vec<String> = many
                        .iter()
                        .map(|r| escape::terminal(r.company).into_owned())
                        .collect();
                    return Err(Error::Usage(format!(
                        "`{}` names several companies: {}; give the exact key",
                        escape::terminal(wanted),
                        keys.join(", ")
                    )));
                }
            }
        }
    };
    if args.without.is_empty() && args.as_disputed.is_empty() {
        emit(None, |w| {
            write_explain(w, &report, rating, data.files(), args.format, None)
        })?;
        return Ok(Exit::Ok);
    }
    // The what-if rates the whole changed dataset again: percentiles depend on peers.
    let (changed, missing_a) = resolved.without(&args.without);
    let (changed, missing_b) = changed.as_disputed(&args.as_disputed);
    let unknown: Vec<String> = missing_a.into_iter().chain(missing_b).collect();
    if !unknown.is_empty() {
        return Err(Error::Usage(format!(
            "no accepted incident with id {}",
            escape::terminal(&unknown.join(", "))
        )));
    }
    let other = rate(&changed, args.rating.as_of());
    let what_if = WhatIf {
        without: &args.without,
        as_disputed: &args.as_disputed,
        rating: other.ratings.iter().find(|r| r.company == rating.company),
    };
    emit(None, |w| {
        write_explain(
            w,
            &report,
            rating,
            data.files(),
            args.format,
            Some(&what_if),
        )
    })?;
    Ok(Exit::Ok)
}

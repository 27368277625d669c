//! `riskrate explain`: one company's rating, incident by incident.

use std::path::PathBuf;

use clap::Args;
use riskrate::unstable::escape;
use riskrate::unstable::resolve::Merges;
use riskrate::unstable::resolve::{Resolution, company_name};
use riskrate::unstable::{Error, ExplainFormat, WhatIf, rate_focused, write_explain};

use super::output::output;
use super::{Exit, InputArgs, RatingArgs, warn_rejected};

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
      --without NWC-2026-001 --without NWC-2025-014

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

    /// What-if: rate the company as if this incident (its id) never happened;
    /// repeat it for several (ids may hold commas, so a list is not split).
    #[arg(long, value_name = "ID")]
    pub without: Vec<String>,

    /// What-if: rate the company with this incident (its id) marked disputed;
    /// repeat it for several.
    #[arg(long, value_name = "ID")]
    pub as_disputed: Vec<String>,

    /// Output format: text or json.
    #[arg(long, short = 'f', value_name = "FORMAT", default_value = "text", value_parser = parse_format)]
    pub format: ExplainFormat,

    /// Write the output to FILE instead of standard output (`-`): a regular file is
    /// replaced atomically, a device or FIFO written directly; an input is refused.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

fn parse_format(s: &str) -> Result<ExplainFormat, String> {
    s.parse().map_err(|e: Error| e.to_string())
}

pub fn run(args: &ExplainArgs) -> Result<Exit, Error> {
    let out = output(
        args.output.as_deref(),
        &args.input.inputs().file(args.rating.rules.as_deref()),
    )?;
    let rules = args.rating.load_rules()?;
    let data = super::until_exit(args.input.load()?);
    let mut room = super::until_exit(Merges::default());
    let resolved = super::until_exit(args.input.resolve(&data, &rules, &mut room));
    warn_rejected(resolved.rejected(), 5);
    let key = company_asked(&resolved, args.company.as_str())?;
    // Only this company's rating is kept whole; the others' scores set its
    // percentile.
    let report = rate_focused(&resolved, args.rating.as_of(), key);
    let Some(rating) = report.ratings.iter().find(|r| r.company == key) else {
        return Err(Error::Usage(format!(
            "no company `{}` in the input",
            escape::terminal(key)
        )));
    };
    if args.without.is_empty() && args.as_disputed.is_empty() {
        out.write(|w| write_explain(w, &report, rating, args.format, None))?;
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
    let other = rate_focused(&changed, args.rating.as_of(), key);
    let what_if = WhatIf {
        without: &args.without,
        as_disputed: &args.as_disputed,
        rating: other.ratings.iter().find(|r| r.company == rating.company),
    };
    out.write(|w| write_explain(w, &report, rating, args.format, Some(&what_if)))?;
    Ok(Exit::Ok)
}

/// The company key `wanted` names: a key as given, or else the one company
/// whose key or name it is, ignoring ASCII case.
fn company_asked<'a>(resolved: &Resolution<'a>, wanted: &str) -> Result<&'a str, Error> {
    let companies = resolved.companies();
    let count = companies.len();
    let mut loose = Vec::new();
    for (key, list) in companies {
        if key == wanted {
            return Ok(key);
        }
        let name = company_name(list);
        if key.eq_ignore_ascii_case(wanted) || name.is_some_and(|n| n.eq_ignore_ascii_case(wanted))
        {
            loose.push(key);
        }
    }
    match loose.as_slice() {
        [one] => Ok(one),
        [] => Err(Error::Usage(format!(
            "no company `{}` in the input ({count} companies rated)",
            escape::terminal(wanted),
        ))),
        many => {
            let keys: Vec<String> = many
                .iter()
                .map(|k| escape::terminal(k).into_owned())
                .collect();
            Err(Error::Usage(format!(
                "`{}` names several companies: {}; give the exact key",
                escape::terminal(wanted),
                keys.join(", ")
            )))
        }
    }
}

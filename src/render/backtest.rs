//! Renders a [`Backtest`] as a table or JSON, saying plainly what was rated.

use crate::model::DateExt;
use std::io::{self, Write};

use serde::Serialize;

use crate::analysis::backtest::{Backtest, BacktestParams, Outcome};
use crate::escape;
use crate::render::write::RulesMeta;
use crate::rules::Rules;

/// The sentence that says what population was rated and what counted as an event.
pub fn population(rules: &Rules, p: &BacktestParams) -> String {
    let events: Vec<&str> = p
        .events
        .iter()
        .filter_map(|t| rules.types().get(usize::from(*t)).map(|r| r.name.as_str()))
        .collect();
    format!(
        "At each cutoff T, every company with at least one incident known by T (effective date on or \
         before T) is rated as of T from those incidents only. The outcome is a new {} incident \
         becoming known in (T, T + {} days]. AUC is the chance that a company with an event scored \
         below one without (ties count half), with a 95% interval (Hanley-McNeil). The pooled result \
         counts each company once per cutoff, so its pairs are not independent and its interval is \
         optimistic.",
        events.join(" or "),
        p.horizon_days
    )
}

#[derive(Serialize)]
struct JsonBacktest<'a> {
    riskrate: &'static str,
    rules: RulesMeta,
    from: String,
    to: String,
    step_days: u64,
    horizon_days: u64,
    events: Vec<&'a str>,
    population: String,
    cutoffs: &'a [Outcome],
    pooled: &'a Outcome,
}

/// Writes the back-test as JSON.
///
/// # Errors
/// The writer's I/O errors.
pub fn write_backtest_json(
    out: &mut dyn Write,
    rules: &Rules,
    p: &BacktestParams,
    b: &Backtest,
) -> io::Result<()> {
    let doc = JsonBacktest {
        riskrate: env!("CARGO_PKG_VERSION"),
        rules: RulesMeta::of(rules),
        from: p.from.ymd().to_string(),
        to: p.to.ymd().to_string(),
        step_days: p.step_days,
        horizon_days: p.horizon_days,
        events: p
            .events
            .iter()
            .filter_map(|t| rules.types().get(usize::from(*t)).map(|r| r.name.as_str()))
            .collect(),
        population: population(rules, p),
        cutoffs: &b.cutoffs,
        pooled: &b.pooled,
    };
    serde_json::to_writer_pretty(&mut *out, &doc).map_err(io::Error::from)?;
    out.write_all(b"\n")
}

fn auc_text(o: &Outcome) -> String {
    o.auc.map_or_else(
        || "n/a".into(),
        |a| format!("{:.3} [{:.3}, {:.3}]", a.auc, a.low, a.high),
    )
}

fn pct(x: Option<f64>) -> String {
    x.map_or_else(|| "-".into(), |v| format!("{:.1}%", 100.0 * v))
}

/// Writes the back-test for people.
///
/// # Errors
/// The writer's I/O errors.
pub fn write_backtest_table(
    out: &mut dyn Write,
    rules: &Rules,
    p: &BacktestParams,
    b: &Backtest,
) -> io::Result<()> {
    writeln!(
        out,
        "riskrate backtest · rules {} v{} (sha256 {}) · cutoffs {} to {} every {} days · horizon {} days",
        escape::terminal(rules.name()),
        escape::terminal(rules.version()),
        rules.sha256().get(..12).unwrap_or(""),
        p.from.ymd(),
        p.to.ymd(),
        p.step_days,
        p.horizon_days
    )?;
    writeln!(out)?;
    writeln!(out, "{}", population(rules, p))?;
    writeln!(out)?;
    writeln!(
        out,
        "{:<10}  {:>9}  {:>7}  {:>7}  AUC [95%]",
        "CUTOFF", "COMPANIES", "EVENTS", "RATE"
    )?;
    for o in b.cutoffs.iter().chain(std::iter::once(&b.pooled)) {
        let label = o
            .cutoff
            .map_or_else(|| "pooled".to_string(), |d| d.ymd().to_string());
        let rate = (o.companies > 0).then(|| o.events as f64 / o.companies as f64);
        writeln!(
            out,
            "{label:<10}  {:>9}  {:>7}  {:>7}  {}",
            o.companies,
            o.events,
            pct(rate),
            auc_text(o)
        )?;
    }
    writeln!(out)?;
    writeln!(out, "event rate and lift over the best grade (pooled):")?;
    writeln!(
        out,
        "{:<6}  {:>9}  {:>7}  {:>7}  {:>6}",
        "GRADE", "COMPANIES", "EVENTS", "RATE", "LIFT"
    )?;
    for g in &b.pooled.grades {
        writeln!(
            out,
            "{:<6}  {:>9}  {:>7}  {:>7}  {:>6}",
            escape::terminal(&g.grade),
            g.companies,
            g.events,
            pct(g.event_rate),
            g.lift.map_or_else(|| "-".into(), |l| format!("{l:.2}x"))
        )?;
    }
    Ok(())
}

//! Renders a [`Comparison`] (`riskrate diff`) as a table or JSON.

use crate::model::DateExt;
use std::io::{self, Write};

use serde::Serialize;

use crate::analysis::compare::{Comparison, Movement};
use crate::escape;
use crate::rate::Report;
use crate::render::write::RulesMeta;

#[derive(Serialize)]
struct JsonSide<'a> {
    score: i64,
    score_exact: f64,
    grade: &'a str,
    risk_points: f64,
    explanation: std::borrow::Cow<'a, str>,
}

#[derive(Serialize)]
struct JsonDriver {
    factor: &'static str,
    points: f64,
}

#[derive(Serialize)]
struct JsonMover<'a> {
    company: &'a str,
    company_name: Option<&'a str>,
    change: i64,
    a: JsonSide<'a>,
    b: JsonSide<'a>,
    driver: Option<JsonDriver>,
}

#[derive(Serialize)]
struct JsonDiff<'a> {
    riskrate: &'static str,
    as_of: String,
    rules_a: RulesMeta<'a>,
    rules_b: RulesMeta<'a>,
    companies: usize,
    only_a: &'a [&'a str],
    only_b: &'a [&'a str],
    spearman_rho: Option<f64>,
    kendall_tau_b: Option<f64>,
    grades_a: &'a [String],
    grades_b: &'a [String],
    migration: &'a [Vec<u64>],
    grade_changes: usize,
    mean_abs_change: f64,
    max_abs_change: i64,
    movers: Vec<JsonMover<'a>>,
}

/// A rating of `report` as one side of a mover. Its explanation is the one it
/// holds, or rendered now when it was rated without (`diff` renders only the
/// movers' explanations, not every company's twice).
fn side<'a>(report: &Report<'_>, r: &'a crate::rate::Rating<'_>) -> JsonSide<'a> {
    JsonSide {
        score: r.score,
        score_exact: r.score_exact,
        grade: r.grade,
        risk_points: r.risk_points,
        explanation: crate::render::write::explanation_of(report, r),
    }
}

fn movers<'c>(c: &'c Comparison<'_, '_>, top: usize) -> impl Iterator<Item = &'c Movement<'c, 'c>> {
    c.movements.iter().filter(|m| m.change != 0).take(top)
}

/// Writes the comparison as one JSON document, with the `top` largest movers.
///
/// # Errors
/// The writer's I/O errors.
pub fn write_diff_json(
    out: &mut dyn Write,
    a: &Report<'_>,
    b: &Report<'_>,
    c: &Comparison<'_, '_>,
    top: usize,
) -> io::Result<()> {
    let doc = JsonDiff {
        riskrate: env!("CARGO_PKG_VERSION"),
        as_of: a.as_of.ymd().to_string(),
        rules_a: RulesMeta::of(a.rules),
        rules_b: RulesMeta::of(b.rules),
        companies: c.companies,
        only_a: &c.only_a,
        only_b: &c.only_b,
        spearman_rho: c.spearman,
        kendall_tau_b: c.kendall_tau_b,
        grades_a: &c.grades_a,
        grades_b: &c.grades_b,
        migration: &c.migration,
        grade_changes: c.grade_changes,
        mean_abs_change: c.mean_abs_change,
        max_abs_change: c.max_abs_change,
        movers: movers(c, top)
            .map(|m| JsonMover {
                company: m.a.company,
                company_name: m.a.company_name,
                change: m.change,
                a: side(a, m.a),
                b: side(b, m.b),
                driver: m.driver.as_ref().map(|d| JsonDriver {
                    factor: d.factor,
                    points: d.points,
                }),
            })
            .collect(),
    };
    serde_json::to_writer_pretty(&mut *out, &doc).map_err(io::Error::from)?;
    out.write_all(b"\n")
}

fn fmt_opt(x: Option<f64>) -> String {
    x.map_or_else(|| "n/a".into(), |v| format!("{v:.4}"))
}

/// Writes the comparison for people.
///
/// # Errors
/// The writer's I/O errors.
pub fn write_diff_table(
    out: &mut dyn Write,
    a: &Report<'_>,
    b: &Report<'_>,
    c: &Comparison<'_, '_>,
    top: usize,
) -> io::Result<()> {
    let meta = |r: &Report<'_>| {
        format!(
            "{} v{} (sha256 {})",
            escape::terminal(r.rules.name()),
            escape::terminal(r.rules.version()),
            r.rules.sha256().get(..12).unwrap_or("")
        )
    };
    writeln!(out, "riskrate diff · as of {}", a.as_of.ymd())?;
    writeln!(out, "  A: {}", meta(a))?;
    writeln!(out, "  B: {}", meta(b))?;
    writeln!(out)?;
    writeln!(
        out,
        "companies compared: {} (only under A: {}, only under B: {})",
        c.companies,
        c.only_a.len(),
        c.only_b.len()
    )?;
    writeln!(
        out,
        "rank agreement: Spearman rho {} · Kendall tau-b {}",
        fmt_opt(c.spearman),
        fmt_opt(c.kendall_tau_b)
    )?;
    let pct = if c.companies > 0 {
        100.0 * c.grade_changes as f64 / c.companies as f64
    } else {
        0.0
    };
    writeln!(
        out,
        "grade changed: {} ({pct:.1}%) · score change: mean |Δ| {:.2}, largest {}",
        c.grade_changes, c.mean_abs_change, c.max_abs_change
    )?;
    writeln!(out)?;
    writeln!(out, "grade migration (rows: A, columns: B)")?;
    let w = c
        .migration
        .iter()
        .flatten()
        .map(|n| n.to_string().len())
        .max()
        .unwrap_or(1)
        .max(
            c.grades_b
                .iter()
                .map(|g| g.chars().count())
                .max()
                .unwrap_or(1),
        );
    let gw = c
        .grades_a
        .iter()
        .map(|g| g.chars().count())
        .max()
        .unwrap_or(1);
    let mut head = format!("  {:gw$}", "");
    for g in &c.grades_b {
        head.push_str(&format!("  {:>w$}", escape::terminal(g)));
    }
    writeln!(out, "{head}")?;
    for (g, row) in c.grades_a.iter().zip(&c.migration) {
        let mut line = format!("  {:gw$}", escape::terminal(g));
        for n in row {
            line.push_str(&format!("  {n:>w$}"));
        }
        writeln!(out, "{line}")?;
    }
    writeln!(out)?;
    let shown: Vec<_> = movers(c, top).collect();
    if shown.is_empty() {
        return writeln!(out, "no company's score moved");
    }
    writeln!(out, "largest movers (top {}):", shown.len())?;
    for m in shown {
        let driver = m.driver.as_ref().map_or_else(
            || "no single factor".to_string(),
            |d| format!("driven by {} ({:+.2} risk points)", d.factor, d.points),
        );
        writeln!(
            out,
            "  {} ({}): {} {} -> {} {} ({:+}), {}",
            escape::terminal(m.a.company),
            escape::terminal(m.a.display_name()),
            m.a.score,
            escape::terminal(m.a.grade),
            m.b.score,
            escape::terminal(m.b.grade),
            m.change,
            driver
        )?;
        writeln!(
            out,
            "    A: {}",
            escape::terminal(&crate::render::write::explanation_of(a, m.a))
        )?;
        writeln!(
            out,
            "    B: {}",
            escape::terminal(&crate::render::write::explanation_of(b, m.b))
        )?;
    }
    Ok(())
}

//! Renders a [`Comparison`] (`riskrate diff`) as a table or JSON.

use crate::model::DateExt;
use std::io::{self, Write};

use crate::analysis::compare::{Comparison, Diff};
use crate::escape;
use crate::rate::Report;

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
    let doc = Diff::of(a, b, c, top);
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
    write_summary(out, a, b, c)?;
    write_migration(out, c)?;
    write_movers(out, a, b, c, top)
}

/// The two rules, the companies compared, rank agreement and score changes.
fn write_summary(
    out: &mut dyn Write,
    a: &Report<'_>,
    b: &Report<'_>,
    c: &Comparison<'_, '_>,
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
        c.agreement.companies,
        c.agreement.only_a.len(),
        c.agreement.only_b.len()
    )?;
    writeln!(
        out,
        "rank agreement: Spearman rho {} · Kendall tau-b {}",
        fmt_opt(c.agreement.spearman_rho),
        fmt_opt(c.agreement.kendall_tau_b)
    )?;
    let pct = if c.agreement.companies > 0 {
        100.0 * c.agreement.grade_changes as f64 / c.agreement.companies as f64
    } else {
        0.0
    };
    writeln!(
        out,
        "grade changed: {} ({pct:.1}%) · score change: mean |Δ| {:.2}, largest {}",
        c.agreement.grade_changes, c.agreement.mean_abs_change, c.agreement.max_abs_change
    )?;
    writeln!(out)?;
    Ok(())
}

/// The grade migration matrix: rows the first rules' grades, columns the second's.
fn write_migration(out: &mut dyn Write, c: &Comparison<'_, '_>) -> io::Result<()> {
    writeln!(out, "grade migration (rows: A, columns: B)")?;
    let w = c
        .agreement
        .migration
        .iter()
        .flatten()
        .map(|n| n.to_string().len())
        .max()
        .unwrap_or(1)
        .max(
            c.agreement
                .grades_b
                .iter()
                .map(|g| g.chars().count())
                .max()
                .unwrap_or(1),
        );
    let gw = c
        .agreement
        .grades_a
        .iter()
        .map(|g| g.chars().count())
        .max()
        .unwrap_or(1);
    let mut head = format!("  {:gw$}", "");
    for g in &c.agreement.grades_b {
        head.push_str(&format!("  {:>w$}", escape::terminal(g)));
    }
    writeln!(out, "{head}")?;
    for (g, row) in c.agreement.grades_a.iter().zip(&c.agreement.migration) {
        let mut line = format!("  {:gw$}", escape::terminal(g));
        for n in row {
            line.push_str(&format!("  {n:>w$}"));
        }
        writeln!(out, "{line}")?;
    }
    writeln!(out)?;
    Ok(())
}

/// The `top` largest movers, each with its driver and both explanations.
fn write_movers(
    out: &mut dyn Write,
    a: &Report<'_>,
    b: &Report<'_>,
    c: &Comparison<'_, '_>,
    top: usize,
) -> io::Result<()> {
    let shown: Vec<_> = c.movers(top).collect();
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
            escape::terminal(&crate::rate::explain::explanation_of(a, m.a))
        )?;
        writeln!(
            out,
            "    B: {}",
            escape::terminal(&crate::rate::explain::explanation_of(b, m.b))
        )?;
    }
    Ok(())
}

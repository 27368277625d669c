//! Back-testing rules (`riskrate backtest`): do low scores predict new incidents?
//!
//! At each cutoff T the population is every company with at least one incident
//! known by T (effective date on or before T), rated as of T from those incidents
//! only — the engine already treats later ones as future, so nothing leaks from
//! after T (but for merged incidents: one counts from its earliest report with the
//! fields of all, and a later report of it is no new event). The outcome is whether the company has a new incident of the event types
//! becoming known in (T, T + horizon]. A good rule set gives events to low scores:
//! the AUC (the chance that a company with an event scored below one without, ties
//! counted half) is above 0.5, and event rates rise from grade A to F.

use crate::model::DateExt;

use chrono::{Days, NaiveDate};
use rayon::prelude::*;

use crate::rate::{Scratch, assess_counted};
use crate::resolve::{Resolution, Resolved};
use crate::rules::{TypeId, round_half_up};

/// What to back-test.
#[derive(Debug, Clone)]
pub struct BacktestParams {
    /// First cutoff.
    pub from: NaiveDate,
    /// Last cutoff (inclusive when the steps land on it).
    pub to: NaiveDate,
    /// Days between cutoffs (at least 1).
    pub step_days: u64,
    /// Days after a cutoff in which an event counts.
    pub horizon_days: u64,
    /// The incident types whose new occurrence is the outcome.
    pub events: Vec<TypeId>,
}

/// Event rate within one grade.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct GradeOutcome {
    /// The grade.
    pub grade: String,
    /// Companies rated with this grade.
    pub companies: u64,
    /// Of those, how many had an event.
    pub events: u64,
    /// `events / companies`; None when no company had the grade.
    pub event_rate: Option<f64>,
    /// This grade's event rate over the best grade's; None when either is undefined
    /// or the best grade's is 0.
    pub lift: Option<f64>,
}

/// The AUC with its 95% interval (Hanley and McNeil's standard error).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Auc {
    /// P(score of a company with an event < score of one without), ties counted half.
    pub auc: f64,
    /// Lower end of the 95% interval.
    pub low: f64,
    /// Upper end of the 95% interval.
    pub high: f64,
}

/// Results for one cutoff, or pooled over all.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Outcome {
    /// The cutoff (None for the pooled result).
    #[serde(serialize_with = "ser_date")]
    pub cutoff: Option<NaiveDate>,
    /// Companies rated (pooled: company-cutoff pairs).
    pub companies: u64,
    /// Those with an event in the horizon.
    pub events: u64,
    /// None when there are no events or no non-events.
    pub auc: Option<Auc>,
    /// Event rate and lift per grade, best grade first.
    pub grades: Vec<GradeOutcome>,
}

fn ser_date<S: serde::Serializer>(d: &Option<NaiveDate>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => s.serialize_str(&d.ymd().to_string()),
        None => s.serialize_none(),
    }
}

/// The whole back-test.
#[derive(Debug, Clone, PartialEq)]
pub struct Backtest {
    /// One result per cutoff.
    pub cutoffs: Vec<Outcome>,
    /// All company-cutoff pairs together (not independent: a company appears at
    /// several cutoffs, so the pooled interval is optimistic).
    pub pooled: Outcome,
}

/// One observation: a company's score at a cutoff and whether an event followed.
#[derive(Debug, Clone, Copy)]
struct Obs {
    score_exact: f64,
    grade: usize,
    event: bool,
}

/// The cutoffs from `from` to `to` by `step_days`.
///
/// # Errors
/// As [`crate::analysis::history::dates`]: more than [`crate::analysis::history::MAX_POINTS`].
pub fn cutoffs(p: &BacktestParams) -> Result<Vec<NaiveDate>, crate::Error> {
    crate::analysis::history::dates(p.from, p.to, p.step_days)
}

/// Runs the back-test on a resolved dataset.
///
/// # Errors
/// As [`cutoffs`].
pub fn backtest(data: &Resolution<'_>, p: &BacktestParams) -> Result<Backtest, crate::Error> {
    let rules = data.rules();
    // Each company's incidents in input order (as `score` sums them), companies in
    // key order: slices of the resolution, not copies.
    let groups: Vec<(&str, &[Resolved<'_>])> = data.companies().collect();

    let n_grades = rules.grades().len();
    let mut per_cutoff = Vec::new();
    let mut all: Vec<Obs> = Vec::new();
    for t in cutoffs(p)? {
        let end = t
            .checked_add_days(Days::new(p.horizon_days))
            .unwrap_or(NaiveDate::MAX);
        // Each thread keeps its working lists (and the list of incidents known at
        // `t`) from company to company.
        let obs: Vec<Obs> = groups
            .par_iter()
            .with_max_len(crate::rate::PIECE)
            .map_init(
                || (Scratch::default(), Vec::new()),
                |(scratch, known): &mut (Scratch<'_>, Vec<Resolved<'_>>), (_, list)| {
                    known.clear();
                    known.extend(list.iter().filter(|r| r.effective_date() <= t).copied());
                    if known.is_empty() {
                        return None;
                    }
                    let (_, risk_points) = assess_counted(rules, known, t, scratch);
                    let score_exact = rules.score_exact(risk_points);
                    let event = list.iter().any(|r| {
                        let e = r.effective_date();
                        e > t && e <= end && p.events.contains(&r.type_id)
                    });
                    Some(Obs {
                        score_exact,
                        grade: rules.grade_index(round_half_up(score_exact)),
                        event,
                    })
                },
            )
            .flatten()
            .collect();
        per_cutoff.push(outcome(Some(t), &obs, rules, n_grades));
        all.extend(obs);
    }
    Ok(Backtest {
        cutoffs: per_cutoff,
        pooled: outcome(None, &all, rules, n_grades),
    })
}

fn outcome(
    cutoff: Option<NaiveDate>,
    obs: &[Obs],
    rules: &crate::rules::Rules,
    n_grades: usize,
) -> Outcome {
    let mut by_grade = vec![(0u64, 0u64); n_grades];
    for o in obs {
        if let Some(g) = by_grade.get_mut(o.grade) {
            g.0 += 1;
            g.1 += u64::from(o.event);
        }
    }
    let rate = |(n, e): (u64, u64)| (n > 0).then(|| e as f64 / n as f64);
    let best = by_grade.first().copied().and_then(rate);
    let grades = rules
        .grades()
        .iter()
        .zip(&by_grade)
        .map(|(g, &(n, e))| {
            let r = rate((n, e));
            GradeOutcome {
                grade: g.grade.clone(),
                companies: n,
                events: e,
                event_rate: r,
                lift: match (r, best) {
                    (Some(r), Some(b)) if b > 0.0 => Some(r / b),
                    _ => None,
                },
            }
        })
        .collect();
    Outcome {
        cutoff,
        companies: obs.len() as u64,
        events: obs.iter().filter(|o| o.event).count() as u64,
        auc: auc(obs),
        grades,
    }
}

/// AUC of "a low score predicts an event" with ties counted half, and its 95%
/// interval by Hanley and McNeil (1982).
#[allow(
    clippy::indexing_slicing,
    reason = "i < j <= sorted.len() and j is checked before each use"
)]
fn auc(obs: &[Obs]) -> Option<Auc> {
    let pos = obs.iter().filter(|o| o.event).count() as f64;
    let neg = obs.len() as f64 - pos;
    if pos == 0.0 || neg == 0.0 {
        return None;
    }
    let mut sorted: Vec<(f64, bool)> = obs.iter().map(|o| (o.score_exact, o.event)).collect();
    sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
    // Walk from the lowest score up; each event beats every non-event scored higher.
    let mut wins = 0.0;
    let mut neg_below = 0.0;
    let mut i = 0;
    while i < sorted.len() {
        let mut j = i;
        let (mut e, mut n) = (0.0, 0.0);
        while j < sorted.len() && sorted[j].0 == sorted[i].0 {
            if sorted[j].1 {
                e += 1.0;
            } else {
                n += 1.0;
            }
            j += 1;
        }
        let neg_above = neg - neg_below - n;
        wins += e * neg_above + 0.5 * e * n;
        neg_below += n;
        i = j;
    }
    let a = wins / (pos * neg);
    let q1 = a / (2.0 - a);
    let q2 = 2.0 * a * a / (1.0 + a);
    let var =
        (a * (1.0 - a) + (pos - 1.0) * (q1 - a * a) + (neg - 1.0) * (q2 - a * a)) / (pos * neg);
    let se = var.max(0.0).sqrt();
    Some(Auc {
        auc: a,
        low: (a - 1.96 * se).max(0.0),
        high: (a + 1.96 * se).min(1.0),
    })
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )]
    use super::*;

    fn o(s: f64, event: bool) -> Obs {
        Obs {
            score_exact: s,
            grade: 0,
            event,
        }
    }

    #[test]
    fn auc_counts_ties_half() {
        // Events at 100, 500; non-events at 500, 900.
        let a = auc(&[
            o(100.0, true),
            o(500.0, true),
            o(500.0, false),
            o(900.0, false),
        ])
        .unwrap();
        // Pairs (e, n): (100,500)=1, (100,900)=1, (500,500)=0.5, (500,900)=1 → 3.5/4.
        assert!((a.auc - 0.875).abs() < 1e-12);
        assert!(a.low < a.auc && a.auc < a.high);
        let perfect = auc(&[o(1.0, true), o(2.0, false)]).unwrap();
        assert_eq!(perfect.auc, 1.0);
        let inverse = auc(&[o(2.0, true), o(1.0, false)]).unwrap();
        assert_eq!(inverse.auc, 0.0);
        assert!(auc(&[o(1.0, true)]).is_none());
    }
}

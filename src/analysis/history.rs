//! A company's rating over time (`riskrate history`), and its SVG chart.
//!
//! Each point rates the company as of a date from the incidents known then, exactly
//! as `score --as-of` would, so a chart never shows a score that a run on that day
//! could not have produced.

use crate::model::DateExt;

use chrono::{Days, NaiveDate};

use crate::rate::{Interval, assess_counted_series, interval};
use crate::resolve::{Resolution, Resolved};
use crate::rules::round_half_up;

/// The rating of one company at one date.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Point {
    /// The as-of date.
    #[serde(serialize_with = "ser_date")]
    pub date: NaiveDate,
    /// Rounded score.
    pub score: i64,
    /// Unrounded score.
    pub score_exact: f64,
    /// Grade.
    pub grade: String,
    /// Risk points.
    pub risk_points: f64,
    /// The score's interval.
    pub interval: Interval,
    /// Incidents counted at that date.
    pub counted: u64,
}

fn ser_date<S: serde::Serializer>(d: &NaiveDate, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&d.ymd().to_string())
}

/// The most dates a history or back-test is taken at: each costs a pass over the
/// incidents, so a step of a day over ten millennia is refused, not run for hours.
pub const MAX_POINTS: u64 = 100_000;

/// The most points a report's history chart draws: a span longer than this many
/// months is drawn every few months instead.
pub const MAX_CHART_POINTS: usize = 600;

/// Dates from `from` to `to` (inclusive) every `step_days`.
///
/// # Errors
/// [`crate::Error::Usage`] when they would be more than [`MAX_POINTS`].
pub fn dates(
    from: NaiveDate,
    to: NaiveDate,
    step_days: u64,
) -> Result<Vec<NaiveDate>, crate::Error> {
    let step = step_days.max(1);
    let span = u64::try_from((to - from).num_days()).unwrap_or(0);
    let count = span / step + 1;
    if count > MAX_POINTS {
        return Err(crate::Error::Usage(format!(
            "{from} to {to} every {step} days is {count} dates; at most {MAX_POINTS} are \
             taken: give a longer step or a shorter span"
        )));
    }
    let mut out = Vec::with_capacity(usize::try_from(count).unwrap_or(0));
    let mut t = from;
    while t <= to {
        out.push(t);
        match t.checked_add_days(Days::new(step)) {
            Some(n) => t = n,
            None => break,
        }
    }
    Ok(out)
}

/// The first day of every month from `from`'s month to `to`, plus `to` itself when
/// it is not a first: a series that shows each month and ends on the day asked.
/// Over more than [`MAX_CHART_POINTS`] months, every few months instead, so that
/// a far-off date never draws a chart of a hundred thousand points.
pub fn monthly(from: NaiveDate, to: NaiveDate) -> Vec<NaiveDate> {
    use chrono::Datelike;
    let months = (i64::from(to.year()) - i64::from(from.year())) * 12 + i64::from(to.month())
        - i64::from(from.month())
        + 1;
    let cap = MAX_CHART_POINTS as i64;
    // Months per point: one, or as many as keep the points within the cap.
    let every = u32::try_from(((months + cap - 1) / cap).max(1)).unwrap_or(u32::MAX);
    let mut out = Vec::new();
    let mut t = from.with_day(1).unwrap_or(from);
    while t <= to {
        if t >= from {
            out.push(t);
        }
        match t.checked_add_months(chrono::Months::new(every)) {
            Some(n) => t = n,
            None => break,
        }
    }
    if out.last() != Some(&to) {
        out.push(to);
    }
    out
}

/// The company's incidents under the resolution, in input order.
pub fn incidents_of<'a>(data: &Resolution<'a>, company: &str) -> Vec<Resolved<'a>> {
    data.company(company).to_vec()
}

/// The rating series of `company` at each date, under the rules `data` was
/// resolved with (so the incidents and the rules that rate them cannot come from
/// two sets of rules); empty when no accepted incident names the company.
pub fn history(data: &Resolution<'_>, company: &str, dates: &[NaiveDate]) -> Vec<Point> {
    let rules = data.rules();
    let list = data.company(company);
    dates
        .iter()
        .zip(assess_counted_series(rules, list, dates))
        .map(|(&t, (counts, risk_points))| {
            let score_exact = rules.score_exact(risk_points);
            let score = round_half_up(score_exact);
            Point {
                date: t,
                score,
                score_exact,
                grade: rules
                    .grades()
                    .get(rules.grade_index(score))
                    .map_or_else(String::new, |g| g.grade.clone()),
                risk_points,
                interval: interval(rules, risk_points, counts.counted),
                counted: counts.counted,
            }
        })
        .collect()
}

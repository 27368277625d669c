//! A company's rating over time (`riskrate history`), and its SVG chart.
//!
//! Each point rates the company as of a date from the incidents known then, exactly
//! as `score --as-of` would, so a chart never shows a score that a run on that day
//! could not have produced.

use crate::model::DateExt;
use std::fmt::Write as _;

use chrono::{Days, NaiveDate};

use crate::escape;
use crate::rate::{Interval, assess_counted_series, interval};
use crate::resolve::{Resolution, Resolved};
use crate::rules::{Rules, round_half_up};

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

const BAND_COLOURS: [&str; 5] = ["#1a9850", "#91cf60", "#fee08b", "#fc8d59", "#d73027"];
/// Darker shades of the band colours, readable as text on white.
const LABEL_COLOURS: [&str; 5] = ["#1a7840", "#4d8a1f", "#a07800", "#c5501a", "#b2182b"];

/// A self-contained SVG chart of the series: the grade bands, the 90% interval as
/// a shaded area and the score as a line. `title` is escaped.
pub fn svg(rules: &Rules, title: &str, points: &[Point]) -> String {
    let (w, h) = (860.0, 360.0);
    let (left, right, top, bottom) = (60.0, 70.0, 40.0, 50.0);
    let (pw, ph) = (w - left - right, h - top - bottom);
    let (smin, smax) = (rules.score.min, rules.score.max);
    let y = |s: f64| top + ph * (1.0 - (s.clamp(smin, smax) - smin) / (smax - smin));
    let n = points.len().max(2) - 1;
    let x = |i: usize| left + pw * i as f64 / n as f64;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="sans-serif" font-size="12">"#
    );
    let _ = write!(
        s,
        r#"<title>{}</title><rect width="{w}" height="{h}" fill="white"/>"#,
        escape::html(title)
    );
    let _ = write!(
        s,
        r#"<text x="{left}" y="24" font-size="15" font-weight="bold">{}</text>"#,
        escape::html(title)
    );
    // Grade bands, best on top.
    let mut upper = smax;
    for (k, g) in rules.grades().iter().enumerate() {
        let lower = (g.min_score as f64).max(smin);
        let colour = BAND_COLOURS
            .get(k)
            .or(BAND_COLOURS.last())
            .unwrap_or(&"#888");
        let label = LABEL_COLOURS
            .get(k)
            .or(LABEL_COLOURS.last())
            .unwrap_or(&"#444");
        let _ = write!(
            s,
            r#"<rect x="{left}" y="{:.1}" width="{pw}" height="{:.1}" fill="{colour}" fill-opacity="0.18"/>"#,
            y(upper),
            (y(lower) - y(upper)).max(0.0)
        );
        let _ = write!(
            s,
            r#"<text x="{:.1}" y="{:.1}" fill="{label}" font-weight="bold">{} ≥ {}</text>"#,
            left + pw + 8.0,
            (y(upper) + y(lower)) / 2.0 + 4.0,
            escape::html(&g.grade),
            g.min_score
        );
        upper = lower;
    }
    // Axes and score ticks.
    for tick in [smin, (smin + smax) / 2.0, smax] {
        let _ = write!(
            s,
            r##"<text x="{:.1}" y="{:.1}" text-anchor="end" fill="#444">{}</text>"##,
            left - 6.0,
            y(tick) + 4.0,
            round_half_up(tick)
        );
    }
    let _ = write!(
        s,
        r##"<line x1="{left}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#444"/>"##,
        top + ph,
        left + pw,
        top + ph
    );
    if !points.is_empty() {
        let labels = [0, points.len() / 2, points.len() - 1];
        for &i in labels.iter() {
            let Some(p) = points.get(i) else { continue };
            let _ = write!(
                s,
                r##"<text x="{:.1}" y="{:.1}" text-anchor="middle" fill="#444">{}</text>"##,
                x(i),
                top + ph + 18.0,
                p.date.ymd()
            );
        }
        // Interval band.
        let mut poly = String::new();
        for (i, p) in points.iter().enumerate() {
            let _ = write!(poly, "{:.1},{:.1} ", x(i), y(p.interval.high as f64));
        }
        for (i, p) in points.iter().enumerate().rev() {
            let _ = write!(poly, "{:.1},{:.1} ", x(i), y(p.interval.low as f64));
        }
        let _ = write!(
            s,
            r##"<polygon points="{}" fill="#2c7bb6" fill-opacity="0.15" stroke="none"/>"##,
            poly.trim_end()
        );
        let mut line = String::new();
        for (i, p) in points.iter().enumerate() {
            let _ = write!(line, "{:.1},{:.1} ", x(i), y(p.score_exact));
        }
        let _ = write!(
            s,
            r##"<polyline points="{}" fill="none" stroke="#2c7bb6" stroke-width="2"/>"##,
            line.trim_end()
        );
    }
    let _ = write!(
        s,
        r##"<text x="{left}" y="{:.1}" fill="#444">score (line) with its {}% interval (shaded)</text></svg>"##,
        h - 10.0,
        round_half_up(rules.interval.level * 100.0)
    );
    s.push('\n');
    s
}

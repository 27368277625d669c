//! The score-history chart: a self-contained SVG of a company's scores, their
//! intervals and the grade bands. Every text from the input is escaped.

use std::fmt::Write as _;

use crate::analysis::history::Point;
use crate::escape;
use crate::model::DateExt;
use crate::rules::{Rules, round_half_up};

const BAND_COLOURS: [&str; 5] = ["#1a9850", "#91cf60", "#fee08b", "#fc8d59", "#d73027"];
/// Darker shades of the band colours, readable as text on white.
const LABEL_COLOURS: [&str; 5] = ["#1a7840", "#4d8a1f", "#a07800", "#c5501a", "#b2182b"];

/// Where a chart's plot area lies, and how scores and points map into it.
struct Plot {
    left: f64,
    top: f64,
    pw: f64,
    ph: f64,
    smin: f64,
    smax: f64,
    n: usize,
}

impl Plot {
    /// The y of score `s` (clamped to the rules' range).
    fn y(&self, s: f64) -> f64 {
        self.top
            + self.ph
                * (1.0 - (s.clamp(self.smin, self.smax) - self.smin) / (self.smax - self.smin))
    }
    /// The x of point `i`.
    fn x(&self, i: usize) -> f64 {
        self.left + self.pw * i as f64 / self.n as f64
    }
}

/// A self-contained SVG chart of the series: the grade bands, the 90% interval as
/// a shaded area and the score as a line. `title` is escaped.
pub fn svg(rules: &Rules, title: &str, points: &[Point]) -> String {
    let (w, h) = (860.0, 360.0);
    let (left, right, top, bottom) = (60.0, 70.0, 40.0, 50.0);
    let plot = Plot {
        left,
        top,
        pw: w - left - right,
        ph: h - top - bottom,
        smin: rules.score.min,
        smax: rules.score.max,
        n: points.len().max(2) - 1,
    };
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
    bands(&mut s, rules, &plot);
    axes(&mut s, &plot, points);
    series(&mut s, &plot, points);
    let _ = write!(
        s,
        r##"<text x="{left}" y="{:.1}" fill="#444">score (line) with its {}% interval (shaded)</text></svg>"##,
        h - 10.0,
        round_half_up(rules.interval.level * 100.0)
    );
    s.push('\n');
    s
}

/// The grade bands, best on top, each labelled with its lowest score.
fn bands(s: &mut String, rules: &Rules, plot: &Plot) {
    let Plot {
        left,
        pw,
        smin,
        smax,
        ..
    } = *plot;
    let y = |v: f64| plot.y(v);
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
}

/// The score ticks, the time axis and its date labels.
fn axes(s: &mut String, plot: &Plot, points: &[Point]) {
    let Plot {
        left,
        top,
        pw,
        ph,
        smin,
        smax,
        ..
    } = *plot;
    let (x, y) = (|i: usize| plot.x(i), |v: f64| plot.y(v));
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
    }
}

/// The interval band and the score line.
fn series(s: &mut String, plot: &Plot, points: &[Point]) {
    if points.is_empty() {
        return;
    }
    let (x, y) = (|i: usize| plot.x(i), |v: f64| plot.y(v));
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

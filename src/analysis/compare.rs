//! Comparing two ratings of the same companies (`riskrate diff`): rank agreement,
//! grade migration, and who moved and why.
//!
//! Before a change of weights ships, a rating service needs to see who moves, by
//! how much, and which factor moved them. Rank agreement uses Spearman's rho and
//! Kendall's tau-b over `score_exact` (tau-b by Knight's O(n log n) algorithm, so a
//! universe of a million companies compares in a second). The "driver" of a move is
//! the factor that, switched alone from the first rules' value to the second's,
//! changes the company's risk points the most.

use crate::FastMap as HashMap;
use std::cmp::Ordering;

use crate::model::DateExt;
use crate::rate::explain::explanation_of;
use crate::rate::score::Factors;
use crate::rate::{Assessed, Rating, Report, Standing};
use crate::rules::RulesMeta;

/// What moved a company: a factor and the change of risk points it explains alone.
#[derive(Debug, Clone, PartialEq)]
pub struct Driver {
    /// `base`, `severity`, `impact`, `data`, `volume`, `confidence`, `recurrence`,
    /// `decay`, or `window` (incidents counted under one rules and not the other).
    pub factor: &'static str,
    /// The change of risk points that factor alone would make (B minus A).
    pub points: f64,
}

/// One company's move between the two ratings.
#[derive(Debug, Clone)]
pub struct Movement<'r, 'a> {
    /// Its rating under the first rules.
    pub a: &'r Rating<'a>,
    /// Its rating under the second rules.
    pub b: &'r Rating<'a>,
    /// `b.score - a.score`.
    pub change: i64,
    /// The factor that moved it most, when any did.
    pub driver: Option<Driver>,
}

/// How two ratings of the same data agree: rank agreement, grade migration and
/// score changes, as the diff document gives them.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct Agreement {
    /// Companies rated under both.
    pub companies: usize,
    /// Companies rated only under the first rules (others' records were rejected).
    pub only_a: Vec<String>,
    /// Companies rated only under the second rules.
    pub only_b: Vec<String>,
    /// Spearman's rank correlation of `score_exact`; None when either side is constant.
    pub spearman_rho: Option<f64>,
    /// Kendall's tau-b of `score_exact`; None when either side is constant.
    pub kendall_tau_b: Option<f64>,
    /// Grade names of the first rules (rows of `migration`).
    pub grades_a: Vec<String>,
    /// Grade names of the second rules (columns of `migration`).
    pub grades_b: Vec<String>,
    /// `migration[i][j]`: companies graded `grades_a[i]` before and `grades_b[j]` after.
    pub migration: Vec<Vec<u64>>,
    /// Companies whose grade name changed.
    pub grade_changes: usize,
    /// Mean of |score change|.
    pub mean_abs_change: f64,
    /// Largest |score change|.
    pub max_abs_change: i64,
}

/// The comparison of two reports of the same data.
#[derive(Debug, Clone)]
pub struct Comparison<'r, 'a> {
    /// How the two agree.
    pub agreement: Agreement,
    /// Every company in both, largest |change| first (ties by company key).
    pub movements: Vec<Movement<'r, 'a>>,
}

/// Two ratings of the same incidents compared: the CLI's `diff --format json`
/// document, owned.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct Diff {
    /// The version of riskrate that rated.
    pub riskrate: String,
    /// The date rated as of.
    pub as_of: String,
    /// The first rules.
    pub rules_a: RulesMeta,
    /// The second rules.
    pub rules_b: RulesMeta,
    /// How the two agree.
    #[serde(flatten)]
    pub agreement: Agreement,
    /// The companies that moved, largest |change| first (ties by company key), as
    /// many as asked for.
    pub movers: Vec<Mover>,
}

/// One company that moved between the two ratings.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct Mover {
    /// The company key.
    pub company: String,
    /// Its descriptive name, when a record gave one.
    pub company_name: Option<String>,
    /// The second score less the first.
    pub change: i64,
    /// Under the first rules.
    pub a: Side,
    /// Under the second rules.
    pub b: Side,
    /// The factor that moved it most, when any did.
    pub driver: Option<MoveDriver>,
}

/// A mover's rating under one of the two rules.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct Side {
    /// The rounded score.
    pub score: i64,
    /// The unrounded score.
    pub score_exact: f64,
    /// The grade.
    pub grade: String,
    /// The risk points.
    pub risk_points: f64,
    /// The one-line explanation.
    pub explanation: String,
}

/// What moved a company: a factor and the change of risk points it explains alone.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct MoveDriver {
    /// `base`, `severity`, `impact`, `data`, `volume`, `confidence`, `recurrence`,
    /// `decay`, or `window`.
    pub factor: String,
    /// The change of risk points that factor alone would make (B minus A).
    pub points: f64,
}

impl Diff {
    /// The document of comparison `c` of reports `a` and `b`, with the `top`
    /// largest movers.
    pub fn of(a: &Report<'_>, b: &Report<'_>, c: &Comparison<'_, '_>, top: usize) -> Diff {
        let side = |report: &Report<'_>, r: &Rating<'_>| Side {
            score: r.score,
            score_exact: r.score_exact,
            grade: r.grade.to_string(),
            risk_points: r.risk_points,
            // Rendered now when rated without: only the movers' are needed.
            explanation: explanation_of(report, r).into_owned(),
        };
        Diff {
            riskrate: env!("CARGO_PKG_VERSION").to_string(),
            as_of: a.as_of.ymd().to_string(),
            rules_a: RulesMeta::of(a.rules),
            rules_b: RulesMeta::of(b.rules),
            agreement: c.agreement.clone(),
            movers: c
                .movers(top)
                .map(|m| Mover {
                    company: m.a.company.to_string(),
                    company_name: m.a.company_name.map(str::to_string),
                    change: m.change,
                    a: side(a, m.a),
                    b: side(b, m.b),
                    driver: m.driver.as_ref().map(|d| MoveDriver {
                        factor: d.factor.to_string(),
                        points: d.points,
                    }),
                })
                .collect(),
        }
    }
}

impl<'r, 'a> Comparison<'r, 'a> {
    /// The `top` largest movements that changed a score.
    pub fn movers(&self, top: usize) -> impl Iterator<Item = &Movement<'r, 'a>> {
        self.movements.iter().filter(|m| m.change != 0).take(top)
    }
}

/// One company's ratings in two reports, for every company both rate.
type Pairs<'r, 'a> = Vec<(&'r Rating<'a>, &'r Rating<'a>)>;

/// The companies both reports rate, as pairs, and the keys of those only one
/// rates: one merge of the two lists, both in company order.
#[allow(clippy::type_complexity)]
fn pair_up<'r, 'a>(
    ra: &'r [Rating<'a>],
    rb: &'r [Rating<'a>],
) -> (
    Vec<(&'r Rating<'a>, &'r Rating<'a>)>,
    Vec<String>,
    Vec<String>,
) {
    let mut pairs: Pairs<'r, 'a> = Vec::new();
    let (mut only_a, mut only_b) = (Vec::new(), Vec::new());
    let (mut i, mut j) = (0, 0);
    while i < ra.len() || j < rb.len() {
        match (ra.get(i), rb.get(j)) {
            (Some(x), Some(y)) => match x.company.cmp(y.company) {
                Ordering::Equal => {
                    pairs.push((x, y));
                    i += 1;
                    j += 1;
                }
                Ordering::Less => {
                    only_a.push(x.company.to_string());
                    i += 1;
                }
                Ordering::Greater => {
                    only_b.push(y.company.to_string());
                    j += 1;
                }
            },
            (Some(x), None) => {
                only_a.push(x.company.to_string());
                i += 1;
            }
            (None, Some(y)) => {
                only_b.push(y.company.to_string());
                j += 1;
            }
            (None, None) => break,
        }
    }
    (pairs, only_a, only_b)
}

/// Compares two reports rated as of the same date from the same dataset.
pub fn compare<'r, 'a>(a: &'r Report<'a>, b: &'r Report<'a>) -> Comparison<'r, 'a> {
    let (pairs, only_a, only_b) = pair_up(&a.ratings, &b.ratings);

    let xs: Vec<f64> = pairs.iter().map(|p| p.0.score_exact).collect();
    let ys: Vec<f64> = pairs.iter().map(|p| p.1.score_exact).collect();
    let grades_a: Vec<String> = a.rules.grades().iter().map(|g| g.grade.clone()).collect();
    let grades_b: Vec<String> = b.rules.grades().iter().map(|g| g.grade.clone()).collect();
    let mut migration = vec![vec![0u64; grades_b.len()]; grades_a.len()];
    let mut grade_changes = 0;
    let mut sum_abs = 0.0;
    let mut max_abs = 0;
    let mut movements = Vec::with_capacity(pairs.len());
    for (x, y) in &pairs {
        let gi = grades_a.iter().position(|g| g == x.grade);
        let gj = grades_b.iter().position(|g| g == y.grade);
        if let Some(cell) = gi
            .zip(gj)
            .and_then(|(i, j)| migration.get_mut(i)?.get_mut(j))
        {
            *cell += 1;
        }
        if x.grade != y.grade {
            grade_changes += 1;
        }
        let change = y.score - x.score;
        sum_abs += change.abs() as f64;
        max_abs = max_abs.max(change.abs());
        movements.push(Movement {
            a: x,
            b: y,
            change,
            driver: driver(x, y),
        });
    }
    movements.sort_by(|m, n| {
        n.change
            .abs()
            .cmp(&m.change.abs())
            .then(m.a.company.cmp(n.a.company))
    });
    Comparison {
        agreement: Agreement {
            companies: pairs.len(),
            only_a,
            only_b,
            spearman_rho: spearman(&xs, &ys),
            kendall_tau_b: kendall_tau_b(&xs, &ys),
            grades_a,
            grades_b,
            migration,
            grade_changes,
            mean_abs_change: if pairs.is_empty() {
                0.0
            } else {
                sum_abs / pairs.len() as f64
            },
            max_abs_change: max_abs,
        },
        movements,
    }
}

const FACTORS: [&str; 8] = [
    "base",
    "severity",
    "impact",
    "data",
    "volume",
    "confidence",
    "recurrence",
    "decay",
];

fn factor(f: &Factors, k: usize) -> f64 {
    match k {
        0 => f.base,
        1 => f.severity,
        2 => f.impact,
        3 => f.data,
        4 => f.volume,
        5 => f.confidence,
        6 => f.recurrence,
        _ => f.decay,
    }
}

/// The factor whose change alone moves the company's risk points the most.
fn driver(a: &Rating<'_>, b: &Rating<'_>) -> Option<Driver> {
    let in_b: HashMap<&str, &Assessed<'_>> = b.incidents.iter().map(|x| (x.item.id(), x)).collect();
    let mut effect = [0.0f64; 9];
    for x in &a.incidents {
        let counted_a = x.standing == Standing::Counted;
        match in_b.get(x.item.id()) {
            Some(y) => {
                let counted_b = y.standing == Standing::Counted;
                match (counted_a, counted_b) {
                    (true, true) => {
                        for (k, e) in effect.iter_mut().take(8).enumerate() {
                            let (fa, fb) = (factor(&x.factors, k), factor(&y.factors, k));
                            *e += if fa != 0.0 {
                                x.points * (fb / fa) - x.points
                            } else {
                                0.0
                            };
                        }
                    }
                    (true, false) => effect[8] -= x.points,
                    (false, true) => effect[8] += y.points,
                    (false, false) => {}
                }
            }
            None if counted_a => effect[8] -= x.points,
            None => {}
        }
    }
    let in_a: HashMap<&str, ()> = a.incidents.iter().map(|x| (x.item.id(), ())).collect();
    for y in &b.incidents {
        if y.standing == Standing::Counted && !in_a.contains_key(y.item.id()) {
            effect[8] += y.points;
        }
    }
    let (k, points) = effect
        .iter()
        .copied()
        .enumerate()
        .max_by(|p, q| p.1.abs().total_cmp(&q.1.abs()).then(q.0.cmp(&p.0)))?;
    if points.abs() < 1e-12 {
        return None;
    }
    Some(Driver {
        factor: FACTORS.get(k).copied().unwrap_or("window"),
        points,
    })
}

/// Ranks 1..=n with ties given their average rank.
#[allow(
    clippy::indexing_slicing,
    reason = "every index is below n, the common length of the slices, checked by the loops"
)]
fn average_ranks(v: &[f64]) -> Vec<f64> {
    let mut idx: Vec<usize> = (0..v.len()).collect();
    idx.sort_by(|&i, &j| v[i].total_cmp(&v[j]));
    let mut ranks = vec![0.0; v.len()];
    let mut start = 0;
    while start < idx.len() {
        let mut end = start + 1;
        while end < idx.len() && v[idx[end]] == v[idx[start]] {
            end += 1;
        }
        let avg = (start + end + 1) as f64 / 2.0; // mean of ranks start+1 ..= end
        for &k in &idx[start..end] {
            ranks[k] = avg;
        }
        start = end;
    }
    ranks
}

/// Spearman's rho: the Pearson correlation of average ranks.
#[allow(
    clippy::indexing_slicing,
    reason = "every index is below n, the common length of the slices, checked by the loops"
)]
pub fn spearman(x: &[f64], y: &[f64]) -> Option<f64> {
    let n = x.len().min(y.len());
    if n < 2 {
        return None;
    }
    let (rx, ry) = (average_ranks(&x[..n]), average_ranks(&y[..n]));
    let mean = (n as f64 + 1.0) / 2.0;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for k in 0..n {
        let (dx, dy) = (rx[k] - mean, ry[k] - mean);
        sxy += dx * dy;
        sxx += dx * dx;
        syy += dy * dy;
    }
    (sxx > 0.0 && syy > 0.0).then(|| (sxy / (sxx * syy).sqrt()).clamp(-1.0, 1.0))
}

/// Kendall's tau-b by Knight's algorithm: sort by (x, y), then count the
/// discordant pairs as the swaps of a merge sort by y.
#[allow(
    clippy::indexing_slicing,
    reason = "every index is below n, the common length of the slices, checked by the loops"
)]
pub fn kendall_tau_b(x: &[f64], y: &[f64]) -> Option<f64> {
    let n = x.len().min(y.len());
    if n < 2 {
        return None;
    }
    let mut pts: Vec<(f64, f64)> = x.iter().copied().zip(y.iter().copied()).take(n).collect();
    pts.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
    let pairs = |t: u64| t * t.saturating_sub(1) / 2;
    let n0 = pairs(n as u64);
    // Ties in x, and joint ties in (x, y).
    let (mut n1, mut n3) = (0u64, 0u64);
    let (mut tx, mut txy) = (1u64, 1u64);
    for k in 1..n {
        if pts[k].0 == pts[k - 1].0 {
            tx += 1;
            if pts[k].1 == pts[k - 1].1 {
                txy += 1;
            } else {
                n3 += pairs(txy);
                txy = 1;
            }
        } else {
            n1 += pairs(tx);
            n3 += pairs(txy);
            tx = 1;
            txy = 1;
        }
    }
    n1 += pairs(tx);
    n3 += pairs(txy);
    // Swaps of a stable merge sort by y count the discordant pairs.
    let mut ys: Vec<f64> = pts.iter().map(|p| p.1).collect();
    let mut buf = vec![0.0; n];
    let swaps = merge_count(&mut ys, &mut buf);
    // Ties in y.
    let mut n2 = 0u64;
    let mut ty = 1u64;
    for k in 1..n {
        if ys[k] == ys[k - 1] {
            ty += 1;
        } else {
            n2 += pairs(ty);
            ty = 1;
        }
    }
    n2 += pairs(ty);
    let s = n0 as f64 - n1 as f64 - n2 as f64 + n3 as f64 - 2.0 * swaps as f64;
    let denom = ((n0 - n1) as f64 * (n0 - n2) as f64).sqrt();
    (denom > 0.0).then(|| (s / denom).clamp(-1.0, 1.0))
}

/// Sorts `v` ascending (stably) and returns how many inversions it had.
#[allow(
    clippy::indexing_slicing,
    reason = "every index is below n, the common length of the slices, checked by the loops"
)]
fn merge_count(v: &mut [f64], buf: &mut [f64]) -> u64 {
    let n = v.len();
    if n < 2 {
        return 0;
    }
    let mid = n / 2;
    let mut swaps = {
        let (l, r) = v.split_at_mut(mid);
        let (bl, br) = buf.split_at_mut(mid);
        merge_count(l, bl) + merge_count(r, br)
    };
    let (mut i, mut j, mut k) = (0, mid, 0);
    while i < mid && j < n {
        if v[j] < v[i] {
            buf[k] = v[j];
            swaps += (mid - i) as u64;
            j += 1;
        } else {
            buf[k] = v[i];
            i += 1;
        }
        k += 1;
    }
    while i < mid {
        buf[k] = v[i];
        i += 1;
        k += 1;
    }
    while j < n {
        buf[k] = v[j];
        j += 1;
        k += 1;
    }
    v.copy_from_slice(&buf[..n]);
    swaps
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
    use crate::synth::Rng;

    fn naive_tau_b(x: &[f64], y: &[f64]) -> Option<f64> {
        let (mut c, mut d, mut tx, mut ty) = (0.0f64, 0.0f64, 0.0f64, 0.0f64);
        for i in 0..x.len() {
            for j in i + 1..x.len() {
                let (dx, dy) = (x[i] - x[j], y[i] - y[j]);
                if dx == 0.0 && dy == 0.0 {
                } else if dx == 0.0 {
                    tx += 1.0;
                } else if dy == 0.0 {
                    ty += 1.0;
                } else if dx * dy > 0.0 {
                    c += 1.0;
                } else {
                    d += 1.0;
                }
            }
        }
        let denom: f64 = ((c + d + tx) * (c + d + ty)).sqrt();
        (denom > 0.0).then(|| (c - d) / denom)
    }

    #[test]
    fn tau_b_matches_the_pairwise_definition_with_ties() {
        let mut rng = Rng::new(3);
        for round in 0..200 {
            let n = 2 + (round % 40);
            let x: Vec<f64> = (0..n).map(|_| rng.below(6) as f64).collect();
            let y: Vec<f64> = (0..n).map(|_| rng.below(4) as f64).collect();
            match (kendall_tau_b(&x, &y), naive_tau_b(&x, &y)) {
                (Some(a), Some(b)) => assert!((a - b).abs() < 1e-12, "{x:?} {y:?}: {a} {b}"),
                (a, b) => assert_eq!(a, b, "{x:?} {y:?}"),
            }
        }
    }

    #[test]
    fn identical_lists_agree_perfectly() {
        let x = [3.0, 1.0, 2.0, 2.0, 5.0];
        assert_eq!(kendall_tau_b(&x, &x), Some(1.0));
        assert_eq!(spearman(&x, &x), Some(1.0));
        let rev: Vec<f64> = x.iter().map(|v| -v).collect();
        assert_eq!(kendall_tau_b(&x, &rev), Some(-1.0));
        assert_eq!(spearman(&x, &rev), Some(-1.0));
        assert_eq!(spearman(&[1.0, 1.0], &[1.0, 2.0]), None);
    }

    #[test]
    fn spearman_uses_average_ranks() {
        // Ranks of x: 1, 2.5, 2.5, 4; of y: 1, 2, 3, 4.
        let r = spearman(&[1.0, 2.0, 2.0, 3.0], &[1.0, 2.0, 3.0, 4.0]).unwrap();
        assert!((r - 0.948_683_298_050_513_8).abs() < 1e-12, "{r}");
    }
}

//! Company ratings (SCORING.md §4–6): risk points, score, grade, interval, industry
//! percentile, next grade change and the accounting of every record.
//!
//! Companies are rated independently, in parallel, and gathered back in company order,
//! so the result never depends on the number of threads. Sums run in input order.

pub mod explain;
pub mod owned;
pub mod score;

use crate::FastMap as HashMap;

use chrono::{Days, NaiveDate};
use rayon::prelude::*;
use statrs::distribution::{ChiSquared, ContinuousCDF};

use crate::model::{Rejection, day_number};
use crate::resolve::{Merged, Resolution, Resolved};
use crate::rules::{Rules, round_half_up};
use score::Factors;

/// Where an incident stands at the as-of date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Standing {
    /// Inside the rating window: it has points.
    Counted,
    /// Older than its type's cut-off: no points.
    Expired,
    /// Not yet known at the as-of date: no points, ignored entirely.
    Future,
}

/// One incident of a company as rated: its factors and its points.
#[derive(Debug, Clone)]
pub struct Assessed<'a> {
    /// The incident as the rules see it.
    pub item: Resolved<'a>,
    /// Counted, expired or future at the as-of date.
    pub standing: Standing,
    /// Whole days from the effective date to the as-of date (negative when future).
    pub age_days: i64,
    /// Every factor of its points (recurrence and decay are 1 for a future incident).
    pub factors: Factors,
    /// Points counted towards the company (0 unless counted).
    pub points: f64,
    /// Share of the company's risk points (0 unless counted).
    pub share: f64,
}

/// The 0.90 (or the rules' level) interval around a score.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Interval {
    /// Coverage, e.g. 0.9.
    pub level: f64,
    /// Lower bound of the score.
    pub low: i64,
    /// Upper bound of the score.
    pub high: i64,
}

/// Incidents of a company by standing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Counts {
    /// Incidents with points.
    pub counted: u64,
    /// Incidents past their type's cut-off.
    pub expired: u64,
    /// Incidents not yet known at the as-of date.
    pub future: u64,
}

/// When the grade improves if nothing new happens.
#[derive(Debug, Clone, PartialEq)]
pub struct GradeChange {
    /// The grade reached.
    pub grade: String,
    /// The first day it is reached.
    pub date: NaiveDate,
}

/// One company's rating.
#[derive(Debug, Clone)]
pub struct Rating<'a> {
    /// The company key.
    pub company: &'a str,
    /// The first non-empty `company_name` among its accepted records.
    pub company_name: Option<&'a str>,
    /// The first non-empty `industry` among its accepted records.
    pub industry: Option<&'a str>,
    /// `score_exact` rounded half up: 100..=1000, higher is better.
    pub score: i64,
    /// The unrounded score.
    pub score_exact: f64,
    /// The grade band of `score`.
    pub grade: &'a str,
    /// Sum of the counted incidents' points (E).
    pub risk_points: f64,
    /// The score's interval.
    pub interval: Interval,
    /// Incidents by standing.
    pub counts: Counts,
    /// Percentile among companies of the same industry in the run (None when fewer than two).
    pub industry_percentile: Option<f64>,
    /// When the grade next improves if nothing new happens (None for the best grade).
    pub next_grade_change: Option<GradeChange>,
    /// Every incident of the company: counted ones first, largest points first (ties
    /// by id), then expired, then future, each by id.
    pub incidents: Vec<Assessed<'a>>,
    /// The one-line explanation of SCORING.md §5.
    pub explanation: String,
}

impl Rating<'_> {
    /// The counted incidents, largest first: the contributors.
    pub fn contributors(&self) -> impl Iterator<Item = &Assessed<'_>> {
        self.incidents
            .iter()
            .take_while(|a| a.standing == Standing::Counted)
    }

    /// The name to show: `company_name` when given, else the key.
    pub fn display_name(&self) -> &str {
        self.company_name.unwrap_or(self.company)
    }
}

/// Totals of SCORING.md §6, with the reports merging folded into another's
/// incident: `read = counted + expired + future + rejected + merged`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Summary {
    /// Records read.
    pub read: u64,
    /// Incidents counted.
    pub counted: u64,
    /// Incidents expired.
    pub expired: u64,
    /// Incidents not yet known at the as-of date.
    pub future: u64,
    /// Records rejected (bad or duplicate).
    pub rejected: u64,
    /// Reports folded into another report's incident (left out when none were).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub merged: u64,
    /// Companies rated.
    pub companies: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// The result of rating a dataset as of a date.
#[derive(Debug, Clone)]
pub struct Report<'a> {
    /// The rules used.
    pub rules: &'a Rules,
    /// The date rated as of.
    pub as_of: NaiveDate,
    /// Totals of every record's fate.
    pub summary: Summary,
    /// Sorted by company key (byte order).
    pub ratings: Vec<Rating<'a>>,
    /// Every rejected record, in input order.
    pub rejected: &'a [Rejection],
    /// The merged incidents and their reports.
    pub merged: &'a Merged<'a>,
}

/// Rates every company of a resolved dataset as of `as_of`.
pub fn rate<'a>(data: &'a Resolution<'a>, as_of: NaiveDate) -> Report<'a> {
    rate_keeping(data, as_of, None)
}

/// As [`rate`], keeping in each [`Rating::incidents`] only the `keep` largest counted
/// incidents (when given): what a run that prints N contributors needs, and a
/// fraction of the memory of every incident of every company. Scores, counts,
/// intervals, next grade changes and explanations are the same either way.
pub fn rate_keeping<'a>(
    data: &'a Resolution<'a>,
    as_of: NaiveDate,
    keep: Option<usize>,
) -> Report<'a> {
    rate_with(data, as_of, keep, true, None)
}

/// As [`rate_keeping`], with every [`Rating::explanation`] left empty, for a report
/// that is only to be written: [`crate::render::write::write_report`] renders each explanation as
/// it writes its rating (the same text), so they are never all held at once.
pub fn rate_for_writing<'a>(
    data: &'a Resolution<'a>,
    as_of: NaiveDate,
    keep: Option<usize>,
) -> Report<'a> {
    rate_with(data, as_of, keep, false, None)
}

/// As [`rate`], for an account of one company, `focus` (a company key): its
/// rating is whole (every incident, and the explanation); every other company
/// keeps no incidents and no explanation. Their scores still set the
/// percentiles, so the focus's rating is the one [`rate`] gives; the rest of the
/// companies' incidents and explanations are not held.
pub fn rate_focused<'a>(data: &'a Resolution<'a>, as_of: NaiveDate, focus: &str) -> Report<'a> {
    rate_with(data, as_of, None, true, Some(focus))
}

fn rate_with<'a>(
    data: &'a Resolution<'a>,
    as_of: NaiveDate,
    keep: Option<usize>,
    explain: bool,
    focus: Option<&str>,
) -> Report<'a> {
    let rules = data.rules();
    // Outside the focus (when there is one), no incident is kept and none is explained.
    let keep_for = |company: &str| match focus {
        Some(f) if f != company => (Some(0), false),
        _ => (keep, explain),
    };
    // One rating per company, in company order. An indexed parallel map collects
    // straight into the final list, so no second copy of the ratings is ever
    // held.
    let runs = data.runs();
    let mut ratings: Vec<Rating<'a>> = runs
        .par_iter()
        .enumerate()
        .with_max_len(PIECE)
        .map_init(Scratch::default, |scratch, (i, run)| {
            if i % AHEAD == 0 {
                let next = runs.get(i + AHEAD..).unwrap_or_default();
                warm_names(data, next.get(..AHEAD).unwrap_or(next));
            }
            let (company, list) = data.company_of(*run);
            let (keep, explain) = keep_for(company);
            rate_company_with(rules, company, list, as_of, keep, explain, scratch)
        })
        .collect();

    fill_intervals(rules, &mut ratings);
    fill_percentiles(&mut ratings);

    // Summed in parallel, like the passes over the ratings above, so that no core
    // waits on one thread's pass.
    let counts = ratings
        .par_iter()
        .map(|r| r.counts)
        .reduce(Counts::default, |a, b| Counts {
            counted: a.counted + b.counted,
            expired: a.expired + b.expired,
            future: a.future + b.future,
        });
    let rejected = data.rejected().len() as u64;
    let merged = data.merged().folded();
    let summary = Summary {
        read: counts.counted + counts.expired + counts.future + rejected + merged,
        counted: counts.counted,
        expired: counts.expired,
        future: counts.future,
        rejected,
        merged,
        companies: ratings.len() as u64,
    };

    Report {
        rules,
        as_of,
        summary,
        ratings,
        rejected: data.rejected(),
        merged: data.merged(),
    }
}

/// How many companies ahead of the one being rated [`warm_names`] reads.
const AHEAD: usize = 16;

/// The most companies one thread takes at a time (see the constant's docs).
pub(crate) use crate::resolve::PIECE;

/// Reads the names (their first incidents') of the companies of `runs`, which
/// their ratings take from all over memory in three reads that wait on one
/// another: the incident (for its name's id), where the name lies in the table,
/// and the name. Read for sixteen companies at a time, one step for all sixteen
/// before the next, the reads of a step overlap. (The keys lie together, in
/// company order: see `Derived::keys`.)
fn warm_names(data: &Resolution<'_>, runs: &[crate::dataset::Run]) {
    let mut ids = [None; AHEAD];
    for (id, run) in ids.iter_mut().zip(runs) {
        *id = data
            .list_of(*run)
            .first()
            .and_then(|f| f.incident.company_name);
    }
    let table = data.data().company_names();
    let spans = ids.map(|id| id.map(|t| table.span(t)));
    crate::text::warm(spans.into_iter().flatten().map(|s| table.slice(s)));
}

/// A company's incidents assessed at one date: the part of a rating every use needs.
#[derive(Debug, Clone)]
pub struct Assessment<'a> {
    /// Every incident: counted first, largest points first (ties by id), then
    /// expired, then future.
    pub incidents: Vec<Assessed<'a>>,
    /// Incidents by standing.
    pub counts: Counts,
    /// Sum of the counted incidents' points, in input order.
    pub risk_points: f64,
}

/// Assesses one company's incidents (in input order) as of `as_of`.
pub fn assess<'a>(rules: &Rules, list: &[Resolved<'a>], as_of: NaiveDate) -> Assessment<'a> {
    let mut scratch = Scratch::default();
    let (counts, risk_points) = assess_with(rules, list, as_of, Keep::All, &mut scratch);
    Assessment {
        incidents: scratch.sorted,
        counts,
        risk_points,
    }
}

/// The counts and risk points [`assess`] gives, with the working lists of
/// `scratch`; expired and future incidents are counted, not described: what a
/// score needs (history and back-tests), without the work of describing incidents
/// nobody will print.
pub(crate) fn assess_counted<'a>(
    rules: &Rules,
    list: &[Resolved<'a>],
    as_of: NaiveDate,
    scratch: &mut Scratch<'a>,
) -> (Counts, f64) {
    assess_with(rules, list, as_of, Keep::Totals, scratch)
}

/// The counts and risk points [`assess_counted`] gives for `list` at each of
/// `dates`. The recurrence order (effective day, then id) does not depend on the
/// date: what is known at a date is a prefix of it, so it is sorted once here
/// rather than at every date (which would dominate a long history of a company
/// with many incidents).
pub(crate) fn assess_counted_series(
    rules: &Rules,
    list: &[Resolved<'_>],
    dates: &[NaiveDate],
) -> Vec<(Counts, f64)> {
    let mut scratch = Scratch::default();
    let mut all: Vec<(i64, usize)> = list
        .iter()
        .enumerate()
        .filter(|(_, inc)| rules.type_rule(inc.type_id).recurring)
        .map(|(i, inc)| (day_number(inc.effective_date()), i))
        .collect();
    all.sort_unstable_by(by_day_then_id(list));
    scratch.presorted = Some(all);
    dates
        .iter()
        .map(|&t| assess_with(rules, list, t, Keep::Totals, &mut scratch))
        .collect()
}

/// The recurrence order of (effective day, place in `list`) pairs: by day, then
/// by id (read only on a tie: it lies in the text buffer).
fn by_day_then_id<'l>(
    list: &'l [Resolved<'_>],
) -> impl Fn(&(i64, usize), &(i64, usize)) -> std::cmp::Ordering + 'l {
    let id = |i: usize| list.get(i).map_or("", |r| r.id());
    move |a, b| a.0.cmp(&b.0).then_with(|| id(a.1).cmp(id(b.1)))
}

/// What [`assess_with`] leaves in [`Scratch::sorted`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Keep {
    /// Nothing: the counts and risk points are all that is wanted (history and
    /// back-tests). The incidents are then not sorted, the largest part of each
    /// step for a company with many incidents.
    Totals,
    /// The counted incidents, largest first.
    Counted,
    /// Every incident, as [`Assessment::incidents`].
    All,
}

/// The working lists of [`assess_with`]. Each rating thread keeps one from company
/// to company, so their room is allocated once rather than six times a company.
#[derive(Default)]
pub(crate) struct Scratch<'a> {
    ages: Vec<(i64, Standing)>,
    /// Day number of the effective date (`today - age`), and index in the list.
    recurring: Vec<(i64, usize)>,
    /// Every recurring incident of the one list assessed at several dates, in
    /// the order `recurring` is sorted in (set by [`assess_counted_series`]).
    presorted: Option<Vec<(i64, usize)>>,
    k_of: Vec<usize>,
    unsorted: Vec<Assessed<'a>>,
    order: Vec<usize>,
    /// The result: the incidents assessed, in the order of [`Assessment::incidents`].
    sorted: Vec<Assessed<'a>>,
}

/// Assesses `list` into `s.sorted` (what `keep` says of
/// [`Assessment::incidents`]); returns the counts and the risk points.
fn assess_with<'a>(
    rules: &Rules,
    list: &[Resolved<'a>],
    as_of: NaiveDate,
    keep: Keep,
    s: &mut Scratch<'a>,
) -> (Counts, f64) {
    let today = day_number(as_of);
    standings(rules, list, today, &mut s.ages);
    recurrences(rules, list, today, s);
    let (ages, k_of) = (&s.ages, &s.k_of);
    let assessed = &mut s.unsorted;
    assessed.clear();
    let mut counts = Counts::default();
    let mut risk_points = 0.0;
    for (i, (inc, &(age, st))) in list.iter().zip(ages).enumerate() {
        if keep != Keep::All && st != Standing::Counted {
            match st {
                Standing::Expired => counts.expired += 1,
                _ => counts.future += 1,
            }
            continue;
        }
        let mut factors = score::factors(rules, inc, k_of.get(i).copied().unwrap_or(1), age);
        let points = match st {
            Standing::Counted => {
                counts.counted += 1;
                factors.points()
            }
            Standing::Expired => {
                counts.expired += 1;
                0.0
            }
            Standing::Future => {
                counts.future += 1;
                factors.recurrence = 1.0;
                factors.decay = 1.0;
                0.0
            }
        };
        risk_points += points;
        if keep == Keep::Totals {
            continue;
        }
        assessed.push(Assessed {
            item: *inc,
            standing: st,
            age_days: age,
            factors,
            points,
            share: 0.0,
        });
    }
    if keep == Keep::Totals {
        s.sorted.clear();
        return (counts, risk_points);
    }
    sort_assessed(s, risk_points);
    (counts, risk_points)
}

/// Each incident's age and standing at day number `today`, into `ages`.
#[inline]
fn standings(rules: &Rules, list: &[Resolved<'_>], today: i64, ages: &mut Vec<(i64, Standing)>) {
    // Each incident's age and standing, worked out once. Ages and windows are
    // differences of day numbers.
    ages.clear();
    ages.extend(list.iter().map(|inc| {
        let age = today - day_number(inc.effective_date());
        let standing = if age < 0 {
            Standing::Future
        } else if age > rules.type_rule(inc.type_id).cutoff_days {
            Standing::Expired
        } else {
            Standing::Counted
        };
        (age, standing)
    }));
    // The factors of a counted incident read the incident itself, from anywhere in
    // memory. Read here first, all at once, those reads overlap; one at a time
    // between the factors' arithmetic, each waited on its own.
    let touched = list
        .iter()
        .zip(ages)
        .filter(|(_, (_, st))| *st == Standing::Counted)
        .fold(0u64, |acc, (inc, _)| {
            acc ^ inc.incident.records().unwrap_or(0)
        });
    std::hint::black_box(touched);
}

/// Each incident's recurrence count `k` (1 for one not recurring), into
/// `s.k_of`, from `s.ages`.
#[inline]
fn recurrences<'a>(rules: &Rules, list: &[Resolved<'a>], today: i64, s: &mut Scratch<'a>) {
    let ages = &s.ages;
    // Recurrence: the company's recurring, not-future incidents ordered by (effective
    // date, id); an incident's k - 1 is how many of those before it lie in the window.
    let recurring: &[(i64, usize)] = match &s.presorted {
        // Sorted once for every date: those whose effective day has come.
        Some(all) => all
            .get(..all.partition_point(|(d, _)| *d <= today))
            .unwrap_or_default(),
        None => {
            let recurring = &mut s.recurring;
            recurring.clear();
            recurring.extend(
                list.iter()
                    .zip(ages)
                    .enumerate()
                    .filter(|(_, (inc, (age, _)))| {
                        *age >= 0 && rules.type_rule(inc.type_id).recurring
                    })
                    .map(|(i, (_, (age, _)))| (today - age, i)),
            );
            recurring.sort_unstable_by(by_day_then_id(list));
            recurring
        }
    };
    let k_of = &mut s.k_of;
    k_of.clear();
    k_of.resize(list.len(), 1);
    let window = rules.recurrence.window_days;
    for (pos, (e, i)) in recurring.iter().enumerate() {
        let from = e.saturating_sub_unsigned(window.unsigned_abs());
        let first = recurring
            .get(..pos)
            .map_or(0, |before| before.partition_point(|(d, _)| *d < from));
        if let Some(k) = k_of.get_mut(*i) {
            *k = 1 + pos - first;
        }
    }
}

/// Sets each counted incident's share of `risk_points`, and puts the assessed
/// incidents in their order into `s.sorted`: counted first, largest points first
/// (ties by id), then expired, then future.
#[inline]
fn sort_assessed(s: &mut Scratch<'_>, risk_points: f64) {
    let assessed = &mut s.unsorted;
    for a in assessed.iter_mut() {
        if a.standing == Standing::Counted && risk_points > 0.0 {
            a.share = a.points / risk_points;
        }
    }
    let rank = |s: Standing| match s {
        Standing::Counted => 0,
        Standing::Expired => 1,
        Standing::Future => 2,
    };
    // Sort positions, not the (large) assessed incidents themselves; ids are
    // compared only on a tie, as reading them costs a trip to the text buffer.
    let order = &mut s.order;
    order.clear();
    order.extend(0..assessed.len());
    let key = |i: usize| {
        assessed
            .get(i)
            .map(|a| (rank(a.standing), a.points, a.item))
    };
    order.sort_by(|&i, &j| match (key(i), key(j)) {
        (Some((ra, pa, a)), Some((rb, pb, b))) => ra
            .cmp(&rb)
            .then_with(|| pb.total_cmp(&pa))
            .then_with(|| a.id().cmp(b.id())),
        _ => i.cmp(&j),
    });
    s.sorted.clear();
    s.sorted
        .extend(order.iter().filter_map(|&i| assessed.get(i).cloned()));
}

/// Rates one company from its incidents (in input order).
pub fn rate_company<'a>(
    rules: &'a Rules,
    company: &'a str,
    list: &[Resolved<'a>],
    as_of: NaiveDate,
) -> Rating<'a> {
    rate_company_with(
        rules,
        company,
        list,
        as_of,
        None,
        false,
        &mut Scratch::default(),
    )
}

/// One company's rating complete but for its industry percentile, which the
/// other companies of its industry set: its interval and explanation included,
/// `keep` incidents kept (as [`rate_keeping`]).
pub(crate) fn rate_one<'a>(
    rules: &'a Rules,
    company: &'a str,
    list: &[Resolved<'a>],
    as_of: NaiveDate,
    keep: Option<usize>,
) -> Rating<'a> {
    let mut r = rate_company_with(
        rules,
        company,
        list,
        as_of,
        keep,
        true,
        &mut Scratch::default(),
    );
    r.interval = interval(rules, r.risk_points, r.counts.counted);
    r
}

/// As [`rate_company`]; with `keep` given, [`Rating::incidents`] holds only the
/// `keep` largest counted incidents (as [`rate_keeping`]). The explanation, when
/// asked for, is written before the incidents are cut to `keep`: it names the
/// largest one even when none is kept.
fn rate_company_with<'a>(
    rules: &'a Rules,
    company: &'a str,
    list: &[Resolved<'a>],
    as_of: NaiveDate,
    keep: Option<usize>,
    explain: bool,
    scratch: &mut Scratch<'a>,
) -> Rating<'a> {
    let wanted = if keep.is_none() {
        Keep::All
    } else {
        Keep::Counted
    };
    let (counts, risk_points) = assess_with(rules, list, as_of, wanted, scratch);
    let assessed = &scratch.sorted;
    let score_exact = rules.score_exact(risk_points);
    let score = round_half_up(score_exact);
    let grade_index = rules.grade_index(score);
    let next_grade_change = next_grade_change(rules, assessed, grade_index, as_of);
    let mut rating = Rating {
        company,
        company_name: crate::resolve::company_name(list),
        industry: list.iter().find_map(|i| i.industry()),
        score,
        score_exact,
        grade: rules
            .grades
            .get(grade_index)
            .map_or("", |g| g.grade.as_str()),
        risk_points,
        interval: Interval {
            level: rules.interval.level,
            low: score,
            high: score,
        },
        counts,
        industry_percentile: None,
        next_grade_change,
        incidents: std::mem::take(&mut scratch.sorted),
        explanation: String::new(),
    };
    if explain {
        rating.explanation = explain::explanation(rules, &rating, as_of);
    }
    if let Some(n) = keep {
        // Copied out at their final length, and the whole list handed back to
        // the scratch for the next company.
        let kept = rating
            .incidents
            .get(..n.min(counts.counted as usize))
            .unwrap_or_default()
            .to_vec();
        scratch.sorted = std::mem::replace(&mut rating.incidents, kept);
    }
    rating
}

/// Risk points `days` after the as-of date from the incidents counted today; the
/// future ones stay future and expired ones stay expired, so this only falls.
fn points_after(rules: &Rules, assessed: &[Assessed<'_>], days: i64) -> f64 {
    let mut e = 0.0;
    for a in assessed.iter().filter(|a| a.standing == Standing::Counted) {
        let ty = rules.type_rule(a.item.type_id);
        let age = a.age_days + days;
        if age <= ty.cutoff_days {
            let f = Factors {
                decay: score::decay(age, ty.half_life_days),
                ..a.factors
            };
            e += f.points();
        }
    }
    e
}

/// The earliest day after `as_of` on which the grade is better than today's.
///
/// Risk points never rise with time when nothing new happens, so "better than today"
/// is false and then true for good: a binary search over the days until every
/// counted incident has expired finds the first such day.
fn next_grade_change(
    rules: &Rules,
    assessed: &[Assessed<'_>],
    grade_index: usize,
    as_of: NaiveDate,
) -> Option<GradeChange> {
    if grade_index == 0 {
        return None;
    }
    let grade_at = |days: i64| {
        rules.grade_index(round_half_up(
            rules.score_exact(points_after(rules, assessed, days)),
        ))
    };
    let last = assessed
        .iter()
        .filter(|a| a.standing == Standing::Counted)
        .map(|a| rules.type_rule(a.item.type_id).cutoff_days - a.age_days + 1)
        .max()?
        .max(1);
    if grade_at(last) >= grade_index {
        return None;
    }
    let (mut lo, mut hi) = (0i64, last); // grade_at(lo) not better, grade_at(hi) better
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if grade_at(mid) < grade_index {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    let date = as_of.checked_add_days(Days::new(hi.unsigned_abs()))?;
    let g = rules.grades.get(grade_at(hi))?;
    Some(GradeChange {
        grade: g.grade.clone(),
        date,
    })
}

/// Garwood bounds: quantiles depend only on the number of counted incidents, so each
/// distinct count is computed once.
fn fill_intervals(rules: &Rules, ratings: &mut [Rating<'_>]) {
    let level = rules.interval.level;
    let tail = (1.0 - level) / 2.0;
    let mut ns: Vec<u64> = ratings.par_iter().map(|r| r.counts.counted).collect();
    ns.par_sort_unstable();
    ns.dedup();
    let quantiles: HashMap<u64, (f64, f64)> =
        ns.par_iter().map(|&n| (n, garwood(n, tail))).collect();
    ratings.par_iter_mut().for_each(|r| {
        let n = r.counts.counted;
        let q = quantiles.get(&n).copied().unwrap_or((f64::NAN, f64::NAN));
        r.interval = interval_from(rules, r.risk_points, n, q);
    });
}

/// The interval of a company with `risk_points` from `counted` incidents.
pub fn interval(rules: &Rules, risk_points: f64, counted: u64) -> Interval {
    let tail = (1.0 - rules.interval.level) / 2.0;
    interval_from(rules, risk_points, counted, garwood(counted, tail))
}

fn interval_from(rules: &Rules, risk_points: f64, n: u64, (q_lo, q_hi): (f64, f64)) -> Interval {
    let (e_lo, e_hi) = if n == 0 {
        (0.0, q_hi * rules.interval.unseen_incident_points)
    } else {
        let per = risk_points / n as f64;
        (per * q_lo, per * q_hi)
    };
    Interval {
        level: rules.interval.level,
        low: round_half_up(rules.score_exact(e_hi)),
        high: round_half_up(rules.score_exact(e_lo)),
    }
}

/// (q_lo, q_hi) for `n` events with `tail` probability outside each bound.
pub(crate) fn garwood(n: u64, tail: f64) -> (f64, f64) {
    let quantile = |df: f64, p: f64| ChiSquared::new(df).map_or(f64::NAN, |c| c.inverse_cdf(p));
    let q_lo = if n == 0 {
        0.0
    } else {
        quantile(2.0 * n as f64, tail) / 2.0
    };
    let q_hi = quantile(2.0 * n as f64 + 2.0, 1.0 - tail) / 2.0;
    (q_lo, q_hi)
}

/// Industry percentiles (SCORING.md §4). The companies of an industry are sorted by
/// `score_exact` once, and each run of equal scores gets its percentile from its
/// place: `lower` is the run's start, `tied_others` its length less one. (One
/// sort rather than a binary search per company: with a million companies every
/// step of such a search is a cache miss.)
fn fill_percentiles(ratings: &mut [Rating<'_>]) {
    let mut industries: HashMap<&str, u32> = HashMap::default();
    let mut keyed: Vec<(u32, f64, usize)> = Vec::with_capacity(ratings.len());
    for (i, r) in ratings.iter().enumerate() {
        if let Some(industry) = r.industry {
            let next = u32::try_from(industries.len()).unwrap_or(u32::MAX);
            let k = *industries.entry(industry).or_insert(next);
            keyed.push((k, r.score_exact, i));
        }
    }
    keyed.par_sort_unstable_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.total_cmp(&b.1)));
    for industry in keyed.chunk_by(|a, b| a.0 == b.0) {
        each_percentile(
            industry,
            |a| a.1,
            |&(_, _, i), p| {
                if let Some(r) = ratings.get_mut(i) {
                    r.industry_percentile = p;
                }
            },
        );
    }
}

/// Calls `set` with each company of one industry and its percentile, `sorted`
/// being the industry's companies in order of `score`: each run of equal scores
/// gets its percentile from its place (`lower` is the run's start, `tied_others`
/// its length less one); with fewer than two companies there is none.
pub(crate) fn each_percentile<T>(
    sorted: &[T],
    score: impl Fn(&T) -> f64,
    mut set: impl FnMut(&T, Option<f64>),
) {
    let n = sorted.len();
    if n < 2 {
        sorted.iter().for_each(|t| set(t, None));
        return;
    }
    let mut lower = 0usize;
    for equal in sorted.chunk_by(|a, b| score(a) == score(b)) {
        let tied_others = equal.len().saturating_sub(1);
        let p = 100.0 * (lower as f64 + 0.5 * tied_others as f64) / (n - 1) as f64;
        equal.iter().for_each(|t| set(t, Some(p)));
        lower += equal.len();
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use crate::Format;
    use crate::dataset::Dataset;

    /// The edges of SCORING.md §2, by whole days: counted up to the cut-off day and
    /// expired the day after, future the day before the effective date; and the
    /// recurrence window `[e - 1095 days, e)`, with an equal date counted only for
    /// a smaller id.
    #[test]
    fn ages_and_the_recurrence_window_by_the_day() {
        let rules = Rules::default_rules().unwrap();
        let line = |id: &str, date: &str| {
            format!(r#"{{"id":"{id}","company":"c","type":"breach","date":"{date}"}}"#)
        };
        // As of 2026-01-01: breach's cut-off is 1825 days.
        let as_of = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        let at = |days: u64| as_of.checked_sub_days(Days::new(days)).unwrap();
        let e = at(10);
        let lines = [
            line("a-cutoff", &at(1825).to_string()),
            line("b-expired", &at(1826).to_string()),
            line("c-future", &as_of.succ_opt().unwrap().to_string()),
            line("d-in-window", &(e - Days::new(1095)).to_string()),
            line("e-before-window", &(e - Days::new(1096)).to_string()),
            line("f-same-day", &e.to_string()),
            line("g-e", &e.to_string()),
            line("h-same-day-later-id", &e.to_string()),
        ];
        let mut data = Dataset::new();
        data.read_bytes(lines.join("\n").as_bytes(), "in.jsonl", Format::Jsonl)
            .unwrap();
        let resolved = data.resolve_unmerged(&rules);
        let a = assess(&rules, resolved.items(), as_of);
        let by_id = |id: &str| a.incidents.iter().find(|x| x.item.id() == id).unwrap();
        assert_eq!(by_id("a-cutoff").standing, Standing::Counted);
        assert_eq!(by_id("a-cutoff").age_days, 1825);
        assert_eq!(by_id("b-expired").standing, Standing::Expired);
        assert_eq!(by_id("c-future").standing, Standing::Future);
        assert_eq!(by_id("c-future").age_days, -1);
        // g-e's window holds d (exactly 1095 days before) and f (same day, smaller
        // id), not e (1096 days before) nor h (same day, larger id): k = 3.
        assert_eq!(by_id("g-e").factors.recurrence, 1.5);
        // Expired incidents count for recurrence: e-before-window (1,106 days old)
        // has a-cutoff and b-expired in its window (k = 3); d-in-window (1,105 days
        // old) has those and e-before-window (k = 4).
        assert_eq!(by_id("e-before-window").factors.recurrence, 1.5);
        assert_eq!(by_id("d-in-window").factors.recurrence, 1.75);
    }

    /// The focus's rating is the one `rate` gives, every field; the others keep
    /// their scores, percentiles and next changes, but no incidents or text.
    #[test]
    fn a_focused_report_rates_its_company_as_the_whole_report_does() {
        let rules = Rules::default_rules().unwrap();
        let mut lines = Vec::new();
        for i in 0..40 {
            lines.push(format!(
                r#"{{"id":"i{i}","company":"c{}","industry":"{}","type":"{}","date":"202{}-0{}-01","severity":{}}}"#,
                i % 7,
                ["health", "retail"][i % 2],
                ["breach", "ransomware", "ddos"][i % 3],
                i % 6,
                1 + i % 9,
                (i * 13) % 101
            ));
        }
        let mut data = Dataset::new();
        data.read_bytes(lines.join("\n").as_bytes(), "in.jsonl", Format::Jsonl)
            .unwrap();
        let resolved = data.resolve_unmerged(&rules);
        let as_of = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        let whole = rate(&resolved, as_of);
        for focus in ["c0", "c3", "c6"] {
            let focused = rate_focused(&resolved, as_of, focus);
            assert_eq!(focused.summary, whole.summary);
            assert_eq!(focused.ratings.len(), whole.ratings.len());
            for (f, w) in focused.ratings.iter().zip(&whole.ratings) {
                assert_eq!(f.company, w.company);
                if f.company == focus {
                    assert!(!f.incidents.is_empty() && !f.explanation.is_empty());
                    assert_eq!(format!("{f:?}"), format!("{w:?}"));
                } else {
                    assert!(f.incidents.is_empty() && f.explanation.is_empty());
                    assert_eq!(f.score_exact, w.score_exact);
                    assert_eq!(f.industry_percentile, w.industry_percentile);
                    assert_eq!(f.next_grade_change, w.next_grade_change);
                    assert_eq!(f.counts, w.counts);
                }
            }
        }
    }

    /// A series sorted once gives, at every date, what assessing at that date
    /// alone gives: same-day incidents (ties by id), future ones, and types that
    /// do not recur.
    #[test]
    fn a_series_is_each_date_assessed_alone() {
        let rules = Rules::default_rules().unwrap();
        let lines: Vec<String> = (0..120)
            .map(|i| {
                format!(
                    r#"{{"id":"x{}","company":"c","type":"{}","date":"20{}-0{}-0{}","severity":{}}}"#,
                    (i * 37) % 120,
                    ["breach", "ransomware", "ddos", "vulnerability"][i % 4],
                    18 + i % 8,
                    1 + i % 3,
                    1 + i % 2,
                    (i * 7) % 101
                )
            })
            .collect();
        let mut data = Dataset::new();
        data.read_bytes(lines.join("\n").as_bytes(), "in.jsonl", Format::Jsonl)
            .unwrap();
        let resolved = data.resolve_unmerged(&rules);
        let list = resolved.company("c");
        assert_eq!(list.len(), 120);
        let dates: Vec<NaiveDate> = (0..60)
            .map(|m: u32| {
                NaiveDate::from_ymd_opt(2017 + (m / 6) as i32, 1 + 2 * (m % 6), 1).unwrap()
            })
            .collect();
        let series = assess_counted_series(&rules, list, &dates);
        let mut scratch = Scratch::default();
        for (t, got) in dates.iter().zip(series) {
            let alone = assess_counted(&rules, list, *t, &mut scratch);
            assert_eq!(got.0, alone.0, "{t}");
            assert_eq!(got.1.to_bits(), alone.1.to_bits(), "{t}");
        }
    }
}

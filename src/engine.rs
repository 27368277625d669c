//! The owned facade a rating service holds: an [`Engine`] owns its rules and its
//! incidents, and every result it gives is owned, `'static` and serialisable with
//! the field names of the CLI's JSON (SCORING.md §7), so a service can keep it,
//! send it to another thread or serve it as it is.
//!
//! ```
//! use riskrate::{Engine, Format, NaiveDate, Rules};
//!
//! // The seed record of SCORING.md: the 2020 Vastaamo breach.
//! let seed: &[u8] = include_bytes!("../tests/data/vastaamo.json");
//! let mut engine = Engine::new(Rules::default_rules()?);
//! engine.read(seed, "vastaamo.json", Format::Json)?;
//! let as_of = NaiveDate::from_ymd_opt(2020, 11, 1).ok_or("a date")?;
//! let rating = engine
//!     .rating("digitalmentalhealthconsortium", as_of)
//!     .ok_or("rated")?;
//! assert_eq!((rating.score, rating.grade.as_str()), (290, "F"));
//! // Served as the CLI's JSON rating object.
//! let json = serde_json::to_value(&rating)?;
//! assert_eq!((json["interval"]["low"].as_i64(), json["interval"]["high"].as_i64()), (Some(101), Some(931)));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::NaiveDate;

use crate::dataset::Dataset;
use crate::error::Error;
use crate::ingest::read::{Format, Limits};
use crate::model::{Record, Rejection};
use crate::rate::owned::{Assessment, Explanation, Folded, Rating, Report};
use crate::rate::{self, Counts, Summary};
use crate::resolve::{Checker, Merged, Merges, Resolved, duplicate_of, merge_by_seq, merge_items};
use crate::rules::{Rules, RulesMeta};

/// Rules and the incidents read so far, rated on demand. Cloning is cheap (rules
/// and incidents are shared until one side changes); an engine is `Send + Sync + 'static`, so it can sit in a
/// service's state behind an `Arc` or be handed to worker threads.
#[derive(Debug)]
pub struct Engine {
    rules: Arc<Rules>,
    // Shared until changed: `with_rules` and clones cost nothing, a change copies.
    data: Arc<Dataset>,
    /// The last ratings given, brought up to date with what was added since at the
    /// next call rather than rated again: see [`crate::engine`]'s `Ratings`.
    ratings: Mutex<Option<Arc<Ratings>>>,
}

impl Clone for Engine {
    fn clone(&self) -> Engine {
        Engine {
            rules: Arc::clone(&self.rules),
            data: Arc::clone(&self.data),
            ratings: Mutex::new(lock(&self.ratings).clone()),
        }
    }
}

/// How many contributors each rating lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct RateOptions {
    /// The largest counted incidents listed per rating; `None` lists every one.
    pub contributors: Option<usize>,
}

impl RateOptions {
    /// The options with `contributors` listed per rating (`None`: every one).
    #[must_use]
    pub fn contributors(mut self, contributors: Option<usize>) -> RateOptions {
        self.contributors = contributors;
        self
    }
}

impl Engine {
    /// An engine with `rules` and no incidents, its records held to the default
    /// [`Limits`].
    pub fn new(rules: Rules) -> Engine {
        Engine::with_limits(rules, Limits::default())
    }

    /// An engine whose records are held to `limits`.
    pub fn with_limits(rules: Rules, limits: Limits) -> Engine {
        Engine {
            rules: Arc::new(rules),
            data: Arc::new(Dataset::with_limits(limits)),
            ratings: Mutex::new(None),
        }
    }

    /// The rules the engine rates with.
    pub fn rules(&self) -> &Rules {
        &self.rules
    }

    /// Reads incidents from `reader` (named `name` in rejections) in `format`:
    /// JSON Lines streams; bad records become rejections.
    ///
    /// # Errors
    /// [`Error`] when the stream fails or the document as a whole is unusable.
    pub fn read(
        &mut self,
        reader: impl Read + Send,
        name: &str,
        format: Format,
    ) -> Result<(), Error> {
        Arc::make_mut(&mut self.data).read_stream(reader, name, format)
    }

    /// Reads an incident file; `Format::Auto` picks the format by its extension.
    ///
    /// # Errors
    /// As [`Engine::read`], and when the file cannot be opened.
    pub fn read_path(&mut self, path: &Path, format: Format) -> Result<(), Error> {
        Arc::make_mut(&mut self.data).read_path(path, format)
    }

    /// Rates companies under the keys `aliases` give them, the incidents held
    /// included (see [`crate::Aliases`]); the ratings held are dropped.
    pub fn set_aliases(&mut self, aliases: crate::aliases::Aliases) {
        Arc::make_mut(&mut self.data).set_aliases(aliases);
        *self
            .ratings
            .get_mut()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = None;
    }

    /// Adds one record built in code (`origin` and `line` say where it came from).
    pub fn push(&mut self, record: &Record<'_>, origin: &str, line: u64) {
        Arc::make_mut(&mut self.data).push(record, origin, line);
    }

    /// Every company rated as of `as_of`.
    ///
    /// The engine keeps the ratings it gives. Asked again for the same date and
    /// options after incidents were added, it rates again only the companies that
    /// gained an incident, and the percentiles of their industries; the report is
    /// the one a full rating gives. Calls from several threads take turns.
    pub fn rate(&self, as_of: NaiveDate, options: &RateOptions) -> Report {
        let mut held = lock(&self.ratings);
        let ratings = self.ratings_for(&mut held, as_of, Some(options.contributors));
        Report {
            riskrate: env!("CARGO_PKG_VERSION").to_string(),
            rules: self.rules_meta(),
            as_of,
            summary: ratings.summary(),
            ratings: ratings.by_company.values().cloned().collect(),
            rejected: ratings.rejected.clone(),
            merged: ratings.folded_in_input_order(),
        }
    }

    /// One company's rating as of `as_of`, equal to the one [`Engine::rate`] gives
    /// it (its percentile among its industry included), with every contributor;
    /// `None` when no accepted record names the company.
    ///
    /// The percentile needs every company of the industry rated: the first call for
    /// a date rates them all (as [`Engine::rate`]), later ones rate only `company`
    /// and whatever gained an incident since.
    pub fn rating(&self, company: &str, as_of: NaiveDate) -> Option<Rating> {
        self.with_whole(company, as_of, |rating, merged, percentile| {
            let mut owned = Rating::of(&self.rules, merged, rating, None);
            owned.industry_percentile = percentile;
            owned
        })
    }

    /// The full account of one company's rating as of `as_of`: its rating (as
    /// [`Engine::rating`] gives it) and every incident — counted, expired or
    /// future — with its factors, points and share; the CLI's `explain --format
    /// json` document. `None` when no accepted record names the company.
    pub fn explain(&self, company: &str, as_of: NaiveDate) -> Option<Explanation> {
        self.with_whole(company, as_of, |rating, merged, percentile| {
            let mut whole = Rating::of(&self.rules, merged, rating, None);
            whole.industry_percentile = percentile;
            Explanation {
                riskrate: env!("CARGO_PKG_VERSION").to_string(),
                rules: self.rules_meta(),
                as_of,
                rating: whole,
                incidents: rating
                    .incidents
                    .iter()
                    .map(|a| Assessment::of(&self.rules, merged, a))
                    .collect(),
            }
        })
    }

    /// Calls `f` with `company`'s rating as of `as_of` rated whole (every
    /// incident kept) and its industry percentile from the held ratings.
    fn with_whole<T>(
        &self,
        company: &str,
        as_of: NaiveDate,
        f: impl FnOnce(&rate::Rating<'_>, &Merged<'_>, Option<f64>) -> T,
    ) -> Option<T> {
        let mut held = lock(&self.ratings);
        let ratings = self.ratings_for(&mut held, as_of, None);
        let percentile = ratings.by_company.get(company)?.industry_percentile;
        let index = ratings.index.as_ref()?;
        let checker = Checker::new(&self.data, &self.rules);
        let mut room = Merges::default();
        let (list, merged) = merged_list(
            &self.data,
            &self.rules,
            index.list(&self.data, &checker, company),
            &mut room,
        );
        Some(f(
            &rate::rate_one(&self.rules, company, &list, as_of, None),
            &merged,
            percentile,
        ))
    }

    fn rules_meta(&self) -> RulesMeta {
        RulesMeta::of(&self.rules)
    }

    /// The ratings held, made current for `as_of`: brought up to date when they
    /// are of that date (and of `keep` contributors, when `keep` is given), else
    /// rated anew. A call without `keep` (one company's rating) also needs the
    /// index of incidents by company, and builds it.
    fn ratings_for<'h>(
        &self,
        held: &'h mut Option<Arc<Ratings>>,
        as_of: NaiveDate,
        keep: Option<Option<usize>>,
    ) -> &'h Ratings {
        let current = held
            .as_ref()
            .is_some_and(|r| r.as_of == as_of && keep.is_none_or(|k| k == r.keep));
        if !current {
            let keep = keep.unwrap_or_else(|| held.as_ref().map_or(Some(0), |r| r.keep));
            *held = Some(Arc::new(Ratings::rate(
                &self.data,
                &self.rules,
                as_of,
                keep,
            )));
        }
        let ratings = held.get_or_insert_with(|| Arc::new(Ratings::default()));
        let stale = ratings.incidents != self.data.incidents().len()
            || ratings.data_rejected != self.data.rejected().len();
        if stale || (keep.is_none() && ratings.index.is_none()) {
            Arc::make_mut(ratings).update(&self.data, &self.rules);
        }
        ratings
    }
}

/// One company's accepted incidents with the reports of one incident merged
/// under `rules` (the merged incidents kept in `room`), and what was merged.
fn merged_list<'d>(
    data: &Dataset,
    rules: &Rules,
    list: Vec<Resolved<'d>>,
    room: &'d mut Merges,
) -> (Vec<Resolved<'d>>, Merged<'d>) {
    match &rules.merge {
        Some(rule) => {
            let whole = 0..list.len();
            let run = std::slice::from_ref(&whole);
            let (list, _, merged) = merge_items(data, list, run, rules, rule, room);
            (list, merged)
        }
        None => (list, Merged::default()),
    }
}

/// The mutex's value even when a thread panicked holding it: every change to the
/// ratings is made on a copy-on-write value ([`Arc::make_mut`]) that replaces the
/// held one only when whole, so what is held is never half-updated.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Every company rated as of one date, with what an update needs: how much of the
/// dataset is accounted for, and (built at the first update) the accepted
/// incidents by company and by id.
#[derive(Debug, Clone, Default)]
struct Ratings {
    as_of: NaiveDate,
    /// Contributors kept per rating.
    keep: Option<usize>,
    /// Incidents of the dataset accounted for (the first this many).
    incidents: usize,
    /// Rejections of the dataset accounted for.
    data_rejected: usize,
    /// In company order, as a report lists them.
    by_company: BTreeMap<String, Rating>,
    /// Companies by industry, for the percentiles of one industry.
    industries: crate::FastMap<String, Vec<String>>,
    counts: Counts,
    /// The dataset's rejections and the rules', in input order.
    rejected: Vec<Rejection>,
    /// The reports folded into another's incident, by company (only companies
    /// with some), each with its place in the input.
    folded: BTreeMap<String, Vec<Placed>>,
    index: Option<Index>,
    /// Companies rated since the last full rating (for tests of the update).
    #[cfg(test)]
    rerated: usize,
}

impl Ratings {
    /// Every company of `data` rated in full.
    fn rate(data: &Dataset, rules: &Rules, as_of: NaiveDate, keep: Option<usize>) -> Ratings {
        let mut room = Merges::default();
        let resolved = data.resolve(rules, &mut room);
        let report = rate::rate_keeping(&resolved, as_of, keep);
        let mut ratings = Ratings {
            as_of,
            keep,
            incidents: data.incidents().len(),
            data_rejected: data.rejected().len(),
            rejected: report.rejected.to_vec(),
            ..Ratings::default()
        };
        for r in &report.ratings {
            ratings.add(Rating::of(rules, report.merged, r, keep));
        }
        ratings.set_folded_all(report.merged);
        ratings
    }

    /// Holds the reports `merged` folded, by company, in place of any held.
    fn set_folded_all(&mut self, merged: &Merged<'_>) {
        self.folded.clear();
        for (r, into) in merged.folded_reports() {
            self.folded
                .entry(r.company().to_string())
                .or_default()
                .push(((r.incident.file, r.incident.line), Folded::of(r, into)));
        }
    }

    /// Holds the reports `merged` (of `company` alone) folded, in place of the
    /// company's held ones.
    fn set_folded(&mut self, company: &str, merged: &Merged<'_>) {
        let list: Vec<_> = merged
            .folded_reports()
            .into_iter()
            .map(|(r, into)| ((r.incident.file, r.incident.line), Folded::of(r, into)))
            .collect();
        if list.is_empty() {
            self.folded.remove(company);
        } else {
            self.folded.insert(company.to_string(), list);
        }
    }

    /// Every folded report held, in input order.
    fn folded_in_input_order(&self) -> Vec<Folded> {
        let mut all: Vec<&Placed> = self.folded.values().flatten().collect();
        all.sort_unstable_by_key(|(place, _)| *place);
        all.into_iter().map(|(_, f)| f.clone()).collect()
    }

    fn summary(&self) -> Summary {
        let c = self.counts;
        let rejected = self.rejected.len() as u64;
        let merged = self.folded.values().map(|l| l.len() as u64).sum::<u64>();
        Summary {
            read: c.counted + c.expired + c.future + rejected + merged,
            counted: c.counted,
            expired: c.expired,
            future: c.future,
            rejected,
            merged,
            companies: self.by_company.len() as u64,
        }
    }

    /// Holds `rating`, replacing the company's earlier one; the industries whose
    /// percentiles it changes are returned (they are not yet set again).
    fn add(&mut self, rating: Rating) -> [Option<String>; 2] {
        let c = rating.incidents;
        self.counts = add_counts(self.counts, c, true);
        let new = rating.industry.clone();
        if let Some(industry) = &new {
            self.industries
                .entry(industry.clone())
                .or_default()
                .push(rating.company.clone());
        }
        let old = self
            .by_company
            .insert(rating.company.clone(), rating)
            .and_then(|old| {
                self.counts = add_counts(self.counts, old.incidents, false);
                let industry = old.industry?;
                if let Some(members) = self.industries.get_mut(&industry)
                    && let Some(at) = members.iter().position(|m| *m == old.company)
                {
                    members.swap_remove(at);
                }
                Some(industry)
            });
        [old, new]
    }

    /// Sets the percentile of every company of `industry` from their scores.
    fn set_percentiles(&mut self, industry: &str) {
        let Some(members) = self.industries.get(industry) else {
            return;
        };
        let mut scores: Vec<(f64, &String)> = members
            .iter()
            .filter_map(|m| Some((self.by_company.get(m)?.score_exact, m)))
            .collect();
        scores.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
        let mut percentiles: Vec<(String, Option<f64>)> = Vec::with_capacity(scores.len());
        rate::each_percentile(&scores, |s| s.0, |s, p| percentiles.push((s.1.clone(), p)));
        for (company, p) in percentiles {
            if let Some(r) = self.by_company.get_mut(&company) {
                r.industry_percentile = p;
            }
        }
    }

    /// Accounts for what the dataset gained since: the new incidents (accepted,
    /// rejected by the rules, or duplicates of an id already taken) and the new
    /// rejections, then rates again the companies that gained an incident and sets
    /// the percentiles of their industries.
    fn update(&mut self, data: &Dataset, rules: &Rules) {
        let checker = Checker::new(data, rules);
        let mut index = match self.index.take() {
            Some(index) => index,
            None => Index::build(data, &checker, self.incidents),
        };
        let incidents = data.incidents();
        let mut late = Vec::new();
        let mut changed: Vec<&str> = Vec::new();
        for (i, inc) in incidents.iter().enumerate().skip(self.incidents) {
            let fault = match checker.check(inc) {
                Ok(item) => match index.claim(data, i) {
                    Ok(()) => {
                        changed.push(item.company());
                        continue;
                    }
                    Err(first) => duplicate_of(data, inc, first),
                },
                Err(fault) => fault,
            };
            late.push(fault.into_rejection(
                Some(data.id(inc).to_string()),
                data.file(inc).to_string(),
                inc.line,
                i as u64,
            ));
        }
        let fresh = data
            .rejected()
            .get(self.data_rejected..)
            .unwrap_or_default();
        self.rejected.extend(merge_by_seq(fresh, late));
        self.incidents = incidents.len();
        self.data_rejected = data.rejected().len();

        changed.sort_unstable();
        changed.dedup();
        let mut industries = Vec::new();
        for company in changed {
            let mut room = Merges::default();
            let (list, merged) =
                merged_list(data, rules, index.list(data, &checker, company), &mut room);
            let rating = Rating::of(
                rules,
                &merged,
                &rate::rate_one(rules, company, &list, self.as_of, self.keep),
                self.keep,
            );
            self.set_folded(company, &merged);
            #[cfg(test)]
            {
                self.rerated += 1;
            }
            industries.extend(self.add(rating).into_iter().flatten());
        }
        industries.sort_unstable();
        industries.dedup();
        for industry in industries {
            self.set_percentiles(&industry);
        }
        self.index = Some(index);
    }
}

/// A folded report with its place in the input (input, line): the order they
/// are listed in.
type Placed = ((u32, u64), Folded);

fn add_counts(a: Counts, b: Counts, plus: bool) -> Counts {
    let f = |x: u64, y: u64| if plus { x + y } else { x.saturating_sub(y) };
    Counts {
        counted: f(a.counted, b.counted),
        expired: f(a.expired, b.expired),
        future: f(a.future, b.future),
    }
}

/// The accepted incidents of a dataset by company and by id, kept up to date as
/// incidents are added, so that one company's incidents are found without
/// grouping them all again.
#[derive(Debug, Clone, Default)]
struct Index {
    /// Each company's accepted incidents (indices), in input order.
    by_company: crate::FastMap<String, Vec<u32>>,
    /// The accepted incidents by id, each id once: the first accepted incident
    /// with it claims it (SCORING.md §6). A table of indices, hashed and compared
    /// by the id they point at, so that no id is copied.
    claims: hashbrown::HashTable<u32>,
    hasher: foldhash::fast::FixedState,
}

impl Index {
    /// The index of the first `n` incidents of `data`.
    fn build(data: &Dataset, checker: &Checker<'_>, n: usize) -> Index {
        let mut index = Index::default();
        for (i, inc) in data.incidents().iter().enumerate().take(n) {
            if checker.check(inc).is_ok() {
                // A later accepted incident with a claimed id is a duplicate: it
                // is in the rejections already, and in no company.
                let _ = index.claim(data, i);
            }
        }
        index
    }

    /// Claims incident `i`'s id and adds it to its company, or names the earlier
    /// incident that holds the id.
    fn claim<'d>(&mut self, data: &'d Dataset, i: usize) -> Result<(), &'d crate::model::Incident> {
        let incidents = data.incidents();
        let (Some(inc), Ok(at)) = (incidents.get(i), u32::try_from(i)) else {
            return Ok(());
        };
        let id = data.id(inc);
        let hash = |text: &str| std::hash::BuildHasher::hash_one(&self.hasher, text);
        let id_of = |j: &u32| incidents.get(*j as usize).map_or("", |x| data.id(x));
        if let Some(first) = self.claims.find(hash(id), |j| id_of(j) == id) {
            return incidents.get(*first as usize).map_or(Ok(()), Err);
        }
        self.claims.insert_unique(hash(id), at, |j| hash(id_of(j)));
        self.by_company
            .entry(data.text(inc.company).to_string())
            .or_default()
            .push(at);
        Ok(())
    }

    /// `company`'s accepted incidents, in input order, as the rules see them.
    fn list<'d>(
        &self,
        data: &'d Dataset,
        checker: &Checker<'d>,
        company: &str,
    ) -> Vec<Resolved<'d>> {
        let incidents = data.incidents();
        self.by_company
            .get(company)
            .map(|list| {
                list.iter()
                    .filter_map(|&i| checker.check(incidents.get(i as usize)?).ok())
                    .collect()
            })
            .unwrap_or_default()
    }
}

impl Engine {
    /// One company's rating at each of `dates`, as `score --as-of` would give it on
    /// each day from what was known then; `None` when no accepted record names it.
    /// (Use [`crate::analysis::dates`] for a regular series, at most
    /// [`crate::analysis::MAX_POINTS`] of them.)
    pub fn history(
        &self,
        company: &str,
        dates: &[NaiveDate],
    ) -> Option<Vec<crate::analysis::Point>> {
        let mut room = Merges::default();
        let resolved = self.data.resolve(&self.rules, &mut room);
        let list = resolved.company(company);
        if list.is_empty() {
            return None;
        }
        Some(crate::analysis::history::history(&resolved, company, dates))
    }

    /// The back-test of the engine's rules on its incidents: at each cutoff, what
    /// was known then is rated and set against what followed.
    ///
    /// # Errors
    /// More than [`crate::analysis::MAX_POINTS`] cutoffs.
    pub fn backtest(
        &self,
        params: &crate::analysis::BacktestParams,
    ) -> Result<crate::analysis::Backtest, Error> {
        let mut room = Merges::default();
        let resolved = self.data.resolve(&self.rules, &mut room);
        crate::analysis::backtest::backtest(&resolved, params)
    }

    /// The engine's ratings as of `as_of` compared with those `other` rules give
    /// the same incidents: rank agreement, grade migration, and the `top`
    /// largest movers with the factor that moved each; the CLI's `diff --format
    /// json` document (this engine's rules first).
    pub fn compare(&self, other: &Rules, as_of: NaiveDate, top: usize) -> crate::analysis::Diff {
        let (mut room_a, mut room_b) = (Merges::default(), Merges::default());
        let (a, b) = rayon::join(
            || self.data.resolve(&self.rules, &mut room_a),
            || self.data.resolve(other, &mut room_b),
        );
        // Every counted incident is kept: any of them can drive a move.
        let keep = Some(usize::MAX);
        let (ra, rb) = rayon::join(
            || rate::rate_for_writing(&a, as_of, keep),
            || rate::rate_for_writing(&b, as_of, keep),
        );
        let c = crate::analysis::compare::compare(&ra, &rb);
        crate::analysis::Diff::of(&ra, &rb, &c, top)
    }

    /// The same incidents under other rules: an engine that shares them.
    pub fn with_rules(&self, rules: Rules) -> Engine {
        Engine {
            rules: Arc::new(rules),
            data: Arc::clone(&self.data),
            ratings: Mutex::new(None),
        }
    }
}

/// Every public result is owned: none borrows the engine it came from.
const _: () = {
    const fn owned_and_shared<T: Send + Sync + 'static>() {}
    owned_and_shared::<Engine>();
    owned_and_shared::<Report>();
    owned_and_shared::<Rating>();
    owned_and_shared::<Explanation>();
    owned_and_shared::<crate::analysis::Diff>();
};

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    fn line(id: &str, company: &str, industry: &str) -> String {
        format!(
            r#"{{"id":"{id}","company":"{company}","industry":"{industry}","type":"breach","date":"2025-06-01"}}"#
        ) + "\n"
    }

    /// A new incident re-rates its company alone; the other companies' ratings are
    /// kept, but for the percentiles of its industry, which are set again.
    #[test]
    fn an_incident_added_rates_again_only_its_company() {
        let mut engine = Engine::new(Rules::default_rules().unwrap());
        let feed: String = (0..50)
            .map(|i| line(&format!("i{i}"), &format!("c{i}"), ["a", "b"][i % 2]))
            .collect();
        engine
            .read(feed.as_bytes(), "feed.jsonl", Format::Jsonl)
            .unwrap();
        let as_of = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        let options = RateOptions::default();
        let before = engine.rate(as_of, &options);
        let rerated = |e: &Engine| lock(&e.ratings).as_ref().map(|r| r.rerated);
        assert_eq!(rerated(&engine), Some(0));

        engine
            .read(
                line("new", "c4", "a").as_bytes(),
                "more.jsonl",
                Format::Jsonl,
            )
            .unwrap();
        let after = engine.rate(as_of, &options);
        assert_eq!(rerated(&engine), Some(1));
        let changed: Vec<&str> = before
            .ratings
            .iter()
            .zip(&after.ratings)
            .filter(|(b, a)| b != a)
            .map(|(b, _)| b.company.as_str())
            .collect();
        // c4 scores lower; of the others only industry a's percentiles move.
        assert!(changed.contains(&"c4"));
        assert!(changed.iter().all(|c| {
            after
                .ratings
                .iter()
                .any(|r| r.company == *c && r.industry.as_deref() == Some("a"))
        }));
        assert_eq!(after.summary.read, 51);

        // One company's rating, then a duplicate id: nothing is rated again.
        assert!(engine.rating("c7", as_of).is_some());
        engine
            .read(line("i3", "c9", "b").as_bytes(), "dup.jsonl", Format::Jsonl)
            .unwrap();
        let last = engine.rate(as_of, &options);
        assert_eq!(rerated(&engine), Some(1));
        assert_eq!(last.ratings, after.ratings);
        assert_eq!(last.summary.rejected, 1);
        assert!(
            last.rejected[0]
                .message
                .contains("already used by the record at feed.jsonl:4")
        );
    }
}

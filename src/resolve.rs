//! A dataset seen through one set of rules: which incidents can be rated, as what.
//!
//! Type texts and data lists are resolved once per distinct spelling (a dataset of a
//! million records has a few hundred), then each incident is checked against the
//! rules' impact levels and for an id already claimed by an accepted incident. The
//! rules-dependent rejections are merged with the dataset's own, in input order, so
//! the accounting of SCORING.md §6 holds under every set of rules. When the rules
//! have a `[merge]` table, the reports of one incident are then merged, company by
//! company (`crate::merge`); each merged incident lives in a [`Merges`] the caller
//! holds and keeps its reports, and the reports folded into it are counted apart.

use chrono::NaiveDate;
use rayon::prelude::*;

use crate::check::{Fault, resolve_classes, resolve_impact, resolve_type};
use crate::dataset::{Dataset, Run, runs_without};
use crate::merge::{self, Origins};
use crate::model::{Incident, PartialDate, Rejection, Status, day_number};
use crate::rules::{ClassId, MergeRule, Rules, TypeId, WithinSource};
use crate::text::Texts;

/// One incident as a set of rules sees it: everything the engine needs to rate it.
#[derive(Clone, Copy)]
pub struct Resolved<'a> {
    /// The incident as read.
    pub incident: &'a Incident,
    /// The dataset it was read into, which holds its texts.
    pub data: &'a Dataset,
    /// The type (the highest base among those named).
    pub type_id: TypeId,
    /// Bit `c` set when data class `c` was named.
    pub data_classes: u64,
    /// Severity, the rules' default when the record gave none.
    pub severity: f64,
    /// Impact level, the rules' default when the record gave none.
    pub impact: u8,
    /// Status (a what-if may change it).
    pub status: Status,
    /// The effective date, kept here (in what was padding) so that rating, which
    /// mostly asks only whether an incident is counted, expired or future, need
    /// not reach the incident itself: a cache miss each at scale.
    pub(crate) effective_date: NaiveDate,
}

/// Shows the incident's texts rather than the whole dataset they are kept in.
impl std::fmt::Debug for Resolved<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Resolved")
            .field("id", &self.id())
            .field("company", &self.company())
            .field("incident", self.incident)
            .field("type_id", &self.type_id)
            .field("data_classes", &self.data_classes)
            .field("severity", &self.severity)
            .field("impact", &self.impact)
            .field("status", &self.status)
            .finish()
    }
}

/// Equal when the same incident of the same dataset is resolved alike.
impl PartialEq for Resolved<'_> {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self.data, other.data)
            && self.incident == other.incident
            && self.type_id == other.type_id
            && self.data_classes == other.data_classes
            && self.severity == other.severity
            && self.impact == other.impact
            && self.status == other.status
    }
}

impl<'a> Resolved<'a> {
    /// `disclosed` when given, else `date`.
    pub fn effective(&self) -> PartialDate {
        self.incident.effective()
    }

    /// The day of [`Resolved::effective`].
    pub fn effective_date(&self) -> NaiveDate {
        self.effective_date
    }

    /// The incident's id.
    pub fn id(&self) -> &'a str {
        self.data.id(self.incident)
    }
    /// The company key.
    pub fn company(&self) -> &'a str {
        self.data.text(self.incident.company)
    }
    /// The company's descriptive name, when the record gave one.
    pub fn company_name(&self) -> Option<&'a str> {
        self.incident
            .company_name
            .map(|t| self.data.company_name(t))
    }
    /// The industry, when the record gave one.
    pub fn industry(&self) -> Option<&'a str> {
        self.incident.industry.map(|t| self.data.text(t))
    }
    /// The country, when the record gave one.
    pub fn country(&self) -> Option<&'a str> {
        self.incident.country.map(|t| self.data.text(t))
    }
    /// The input the incident was read from.
    pub fn file(&self) -> &'a str {
        self.data.file(self.incident)
    }
    /// Where it was read: `FILE:LINE`.
    pub fn place(&self) -> String {
        format!("{}:{}", self.file(), self.incident.line)
    }

    /// The data classes named, in class order.
    pub fn classes(&self) -> impl Iterator<Item = ClassId> + '_ {
        // Walks the set bits (lowest first) rather than testing all 64.
        let mut bits = self.data_classes;
        std::iter::from_fn(move || {
            let c = u8::try_from(bits.trailing_zeros())
                .ok()
                .filter(|c| *c < 64)?;
            bits &= bits - 1;
            Some(c)
        })
    }
}

/// The incidents of a dataset that a set of rules can rate, and every rejection.
#[derive(Debug, Clone)]
pub struct Resolution<'a> {
    data: &'a Dataset,
    rules: &'a Rules,
    /// Grouped by company: see [`Resolution::items`].
    items: Vec<Resolved<'a>>,
    /// Each company's run of `items`, in company order; none is empty.
    companies: Vec<Run>,
    rejected: Vec<Rejection>,
    merged: Merged<'a>,
}

/// The most companies one thread rates (or resolves) without offering the rest to the others.
/// Left to itself, rayon stops splitting a thread's share after a few halvings,
/// and with a million companies the last share keeps one core busy while the
/// other has nothing left to take.
pub(crate) const PIECE: usize = 1024;

/// Room for the incidents merging makes. A resolution borrows them, so whoever
/// holds the resolution holds them too (and one room serves one resolution).
#[derive(Debug, Default)]
pub struct Merges {
    incidents: Vec<Incident>,
}

/// The merged incidents of a resolution and the reports of each.
#[derive(Debug, Clone, Default)]
pub struct Merged<'a> {
    /// The merged incidents, kept in a [`Merges`]: `groups[k]` is `incidents[k]`'s.
    incidents: &'a [Incident],
    groups: Vec<Group<'a>>,
}

/// The reports of one merged incident.
#[derive(Debug, Clone)]
pub struct Group<'a> {
    /// Its reports as resolved, in the order the matching took them (by span,
    /// then id).
    pub reports: Vec<Resolved<'a>>,
    /// The report whose id, texts, file and line the incident keeps (by place
    /// in `reports`): the one that gave its effective date.
    pub kept: usize,
    /// Which report each merged field came from.
    pub(crate) origins: Origins,
}

impl<'a> Merged<'a> {
    /// The reports of `r` when it is a merged incident.
    pub fn reports_of(&self, r: &Resolved<'a>) -> Option<&Group<'a>> {
        let range = self.incidents.as_ptr_range();
        let at = std::ptr::from_ref(r.incident);
        if !range.contains(&at) {
            return None;
        }
        // Within the slice, so the offset is a whole number of incidents.
        let k = (at.addr() - range.start.addr()) / std::mem::size_of::<Incident>();
        self.groups.get(k)
    }

    /// How many reports were folded into another's incident.
    pub fn folded(&self) -> u64 {
        self.groups
            .iter()
            .map(|g| g.reports.len().saturating_sub(1) as u64)
            .sum()
    }

    /// Every report folded into another's incident, with the id of that
    /// incident, in input order.
    pub fn folded_reports(&self) -> Vec<(&Resolved<'a>, &'a str)> {
        let mut out: Vec<(&Resolved<'a>, &'a str)> = self
            .groups
            .iter()
            .flat_map(|g| {
                let into = g.reports.get(g.kept).map_or("", |r| r.id());
                g.reports
                    .iter()
                    .enumerate()
                    .filter(move |(k, _)| *k != g.kept)
                    .map(move |(_, r)| (r, into))
            })
            .collect();
        out.sort_unstable_by_key(|(r, _)| (r.incident.file, r.incident.line));
        out
    }

    /// The merged incidents' groups, in company order.
    pub fn groups(&self) -> &[Group<'a>] {
        &self.groups
    }
}

impl<'a> Resolution<'a> {
    /// The dataset resolved.
    pub fn data(&self) -> &'a Dataset {
        self.data
    }
    /// The rules it was resolved under.
    pub fn rules(&self) -> &'a Rules {
        self.rules
    }
    /// Accepted incidents grouped by company: companies in byte order of their
    /// keys, each company's incidents in input order (so a company's incidents are
    /// together in memory, which is what rating them at scale needs).
    pub fn items(&self) -> &[Resolved<'a>] {
        &self.items
    }
    /// Accepted incidents in input order (a merged incident where the report
    /// it keeps the id of was read).
    pub fn items_in_input_order(&self) -> Vec<&Resolved<'a>> {
        let mut items: Vec<&Resolved<'a>> = self.items.iter().collect();
        // A record's file and line are its place in the input; no two share them.
        items.sort_unstable_by_key(|r| (r.incident.file, r.incident.line));
        items
    }
    /// The merged incidents and their reports.
    pub fn merged(&self) -> &Merged<'a> {
        &self.merged
    }
    /// Each company's key and incidents (as in [`Resolution::items`]), in company
    /// order; every company has at least one.
    pub fn companies(&self) -> impl ExactSizeIterator<Item = (&'a str, &[Resolved<'a>])> + '_ {
        self.companies.iter().map(|run| self.company_of(*run))
    }
    /// The incidents of the company whose key is `key` (as in
    /// [`Resolution::items`]; empty when there is none), found by a binary search
    /// over the companies rather than a pass over every incident.
    pub fn company(&self, key: &str) -> &[Resolved<'a>] {
        self.companies
            .binary_search_by(|run| self.keys().get(run.key).cmp(key))
            .ok()
            .and_then(|k| self.companies.get(k))
            .map_or(&[], |run| self.company_of(*run).1)
    }
    /// The runs of [`Resolution::items`] that are companies (indexable, for rating
    /// them in parallel).
    pub(crate) fn runs(&self) -> &[Run] {
        &self.companies
    }
    /// The incidents of one run of [`Resolution::runs`].
    pub(crate) fn list_of(&self, run: Run) -> &[Resolved<'a>] {
        self.items.get(run.range()).unwrap_or_default()
    }
    /// The key and incidents of one run of [`Resolution::runs`].
    pub(crate) fn company_of(&self, run: Run) -> (&'a str, &[Resolved<'a>]) {
        (self.keys().get(run.key), self.list_of(run))
    }
    /// The companies' keys, by [`Run::key`].
    fn keys(&self) -> &'a Texts {
        &self.data.derived().keys
    }
    /// Every rejected record (the dataset's and the rules'), in input order.
    pub fn rejected(&self) -> &[Rejection] {
        &self.rejected
    }

    /// The same resolution with the incidents whose ids are in `ids` removed (a
    /// what-if: "rate as if these never happened"; the id of any report of a
    /// merged incident names the incident). Unknown ids are returned.
    pub fn without(&self, ids: &[String]) -> (Resolution<'a>, Vec<String>) {
        self.edit(ids, |_| None)
    }

    /// The same resolution with the incidents whose ids are in `ids` marked disputed.
    pub fn as_disputed(&self, ids: &[String]) -> (Resolution<'a>, Vec<String>) {
        self.edit(ids, |mut r| {
            r.status = Status::Disputed;
            Some(r)
        })
    }

    /// The same resolution with `f` applied to the incidents whose ids are in `ids`
    /// (dropped where it gives `None`), and the ids not found.
    fn edit(
        &self,
        ids: &[String],
        f: impl Fn(Resolved<'a>) -> Option<Resolved<'a>>,
    ) -> (Resolution<'a>, Vec<String>) {
        let mut found = vec![false; ids.len()];
        // Each id's first place in `ids`, looked up once an item (a search of the
        // list for every item would grow with items times ids).
        let mut first: crate::FastMap<&str, usize> = crate::FastMap::default();
        for (k, id) in ids.iter().enumerate().rev() {
            first.insert(id.as_str(), k);
        }
        let mut removed = Vec::new();
        let items = self
            .items
            .iter()
            .enumerate()
            .filter_map(|(pos, r)| {
                let named: Vec<usize> = match self.merged.reports_of(r) {
                    Some(g) => g
                        .reports
                        .iter()
                        .filter_map(|x| first.get(x.id()).copied())
                        .collect(),
                    None => first.get(r.id()).copied().into_iter().collect(),
                };
                for &k in &named {
                    if let Some(seen) = found.get_mut(k) {
                        *seen = true;
                    }
                }
                let kept = if named.is_empty() { Some(*r) } else { f(*r) };
                if kept.is_none() {
                    removed.push(pos);
                }
                kept
            })
            .collect();
        let missing = ids
            .iter()
            .zip(found)
            .filter(|(_, f)| !f)
            .map(|(id, _)| id.clone())
            .collect();
        let edited = Resolution {
            data: self.data,
            rules: self.rules,
            items,
            companies: runs_without(&self.companies, &removed),
            rejected: self.rejected.clone(),
            merged: self.merged.clone(),
        };
        (edited, missing)
    }
}

/// A company's name, as its rating gives it: the first name among its
/// incidents (as [`Resolution::companies`] lists them), when one gives a name.
pub fn company_name<'a>(list: &[Resolved<'a>]) -> Option<&'a str> {
    list.iter().find_map(|i| i.company_name())
}

impl Dataset {
    /// Resolves the dataset under `rules`: the incidents those rules can rate,
    /// the reports of one incident merged into it when the rules have a
    /// `[merge]` table (the merged incidents kept in `room`).
    pub fn resolve<'a>(&'a self, rules: &'a Rules, room: &'a mut Merges) -> Resolution<'a> {
        let plain = resolve(self, rules);
        match &rules.merge {
            Some(rule) => merge_reports(plain, rule, room),
            None => plain,
        }
    }

    /// Resolves the dataset under `rules` with every report an incident of its
    /// own, whatever the rules say of merging.
    pub fn resolve_unmerged<'a>(&'a self, rules: &'a Rules) -> Resolution<'a> {
        resolve(self, rules)
    }
}

/// `plain` with the reports of one incident merged into it, company by company
/// (in parallel), the merged incidents kept in `room`.
fn merge_reports<'a>(
    plain: Resolution<'a>,
    rule: &MergeRule,
    room: &'a mut Merges,
) -> Resolution<'a> {
    let runs: Vec<std::ops::Range<usize>> = plain.companies.iter().map(|r| r.range()).collect();
    let (items, removed, merged) =
        merge_items(plain.data, plain.items, &runs, plain.rules, rule, room);
    Resolution {
        data: plain.data,
        rules: plain.rules,
        items,
        companies: runs_without(&plain.companies, &removed),
        rejected: plain.rejected,
        merged,
    }
}

/// `items` (grouped by company: `runs` are the companies) with the reports of
/// one incident merged, the merged incidents kept in `room`; the places
/// (ascending) of the reports folded into another's incident, which are gone
/// from the items. A merged incident takes the place of the report it keeps the
/// id of, so each company's incidents stay in input order.
pub(crate) fn merge_items<'a>(
    data: &Dataset,
    items: Vec<Resolved<'a>>,
    runs: &[std::ops::Range<usize>],
    rules: &Rules,
    rule: &MergeRule,
    room: &'a mut Merges,
) -> (Vec<Resolved<'a>>, Vec<usize>, Merged<'a>) {
    let sources = sources_by_name(data.files());
    let source_of = |item: &Resolved<'_>| {
        let file = item.incident.file;
        sources.get(file as usize).copied().unwrap_or(file)
    };
    let planned: Vec<(usize, Vec<merge::Group>)> = runs
        .par_iter()
        .with_max_len(PIECE)
        .filter(|run| run.len() >= 2)
        .map_init(Vec::new, |prints, run| {
            let company = items.get(run.clone())?;
            if nothing_merges(company, rule.within_source, prints, source_of) {
                return None;
            }
            let list: Vec<Reported<'_, 'a>> = company
                .iter()
                .map(|item| Reported {
                    item,
                    source: source_of(item),
                    base: rules.type_rule(item.type_id).base,
                })
                .collect();
            let groups = merge::groups(&list, rule);
            (!groups.is_empty()).then_some((run.start, groups))
        })
        .flatten()
        .collect();
    let mut incidents = Vec::new();
    let mut groups = Vec::new();
    // The place of each merged incident's kept report, with its merged fields.
    let mut kept: Vec<(usize, merge::Rated)> = Vec::new();
    let mut removed: Vec<usize> = Vec::new();
    for (start, planned) in planned {
        for g in planned {
            let place = |m: &u32| start + *m as usize;
            let reports: Vec<Resolved<'a>> = g
                .members
                .iter()
                .filter_map(|m| items.get(place(m)).copied())
                .collect();
            let (Some(first), Some(at)) = (reports.get(g.kept), g.members.get(g.kept)) else {
                continue;
            };
            let n = u32::try_from(reports.len()).unwrap_or(u32::MAX);
            incidents.push(first.incident.merged(&g.rated.fields, n));
            kept.push((place(at), g.rated));
            removed.extend(
                g.members
                    .iter()
                    .enumerate()
                    .filter(|(k, _)| *k != g.kept)
                    .map(|(_, m)| place(m)),
            );
            groups.push(Group {
                reports,
                kept: g.kept,
                origins: g.origins,
            });
        }
    }
    room.incidents = incidents;
    let room: &'a Merges = room;
    let stored = room.incidents.as_slice();
    let mut items = items;
    for ((place, m), inc) in kept.into_iter().zip(stored) {
        if let Some(slot) = items.get_mut(place) {
            *slot = Resolved {
                incident: inc,
                data: slot.data,
                type_id: m.type_id,
                data_classes: m.classes,
                severity: m.fields.severity,
                impact: m.fields.impact,
                status: m.fields.status,
                effective_date: inc.effective().date,
            };
        }
    }
    removed.sort_unstable();
    remove_places(&mut items, &removed);
    let merged = Merged {
        incidents: stored,
        groups,
    };
    (items, removed, merged)
}

/// Resolves every incident of `data` under `rules`.
///
/// Each incident is checked against the rules in parallel, company by company (the
/// dataset's grouping); then, among the incidents that share an id (found once by
/// sorting id hashes, not by a map of a million keys), the first accepted one in
/// input order claims it and any later accepted one is rejected as a duplicate.
/// Only accepted incidents claim ids, so which record is the duplicate can depend
/// on the rules.
pub fn resolve<'a>(data: &'a Dataset, rules: &'a Rules) -> Resolution<'a> {
    let checker = Checker::new(data, rules);
    let derived = data.derived();
    let duplicates = duplicates(&checker, data);
    let (mut items, late) = place_items(&checker, data, &duplicates);
    let removed = remove_rejected(&mut items, &late);
    let companies = runs_without(&derived.companies, &removed);
    // Back to input order (`seq` is the incident's index) to merge with the
    // dataset's own rejections.
    let mut late: Vec<Rejection> = late.into_iter().map(|(_, r)| r).collect();
    late.sort_by_key(|r| r.seq);

    let rejected = merge_by_seq(data.rejected(), late);
    Resolution {
        data,
        rules,
        items,
        companies,
        rejected,
        merged: Merged::default(),
    }
}

/// Which accepted incidents are duplicates: the later accepted incidents of an
/// id already claimed, each (by index) with the index of the incident that
/// claimed the id (rare).
fn duplicates(checker: &Checker<'_>, data: &Dataset) -> crate::FastMap<usize, usize> {
    let incidents = data.incidents();
    let mut duplicates: crate::FastMap<usize, usize> = crate::FastMap::default();
    for group in &data.derived().same_ids {
        let mut claimed: Option<usize> = None;
        for &i in group {
            if incidents
                .get(i)
                .is_none_or(|inc| checker.check(inc).is_err())
            {
                continue;
            }
            match claimed {
                None => claimed = Some(i),
                Some(first) => {
                    duplicates.insert(i, first);
                }
            }
        }
    }
    duplicates
}

/// Every incident resolved into its place in the company grouping, the places of
/// rejected ones left holding a filler; the rejections with their places.
fn place_items<'a>(
    checker: &Checker<'a>,
    data: &'a Dataset,
    duplicates: &crate::FastMap<usize, usize>,
) -> (Vec<Resolved<'a>>, Vec<(usize, Rejection)>) {
    let incidents = data.incidents();
    let derived = data.derived();
    let check = |inc: &'a Incident| checker.check(inc);
    let duplicate = |i: usize, inc: &Incident| -> Option<Fault> {
        let first = incidents.get(*duplicates.get(&i)?)?;
        Some(duplicate_of(data, inc, first))
    };
    // Each incident's item goes to its place in the company grouping, or its
    // rejection is kept with that place. The places are cut in one part per
    // thread; each part passes over all the incidents in input order and takes
    // those whose place is in it. (Each part reads every incident, so more parts
    // than threads would only add passes.)
    //
    // `place` numbers the incidents 0..n in some order, so every place is either
    // written (its incident accepted) or listed in `late` (rejected) and removed
    // below: the filler every place starts with never survives. The list is
    // filled in parallel, since its first touch (page faults) is a cost of its own
    // and nothing else runs meanwhile; a filler rather than `Option` spares a
    // last pass to unwrap every item.
    let n = incidents.len();
    let mut items: Vec<Resolved<'a>> = Vec::new();
    if let Some(first) = incidents.first() {
        let filler = Resolved {
            incident: first,
            data,
            type_id: 0,
            data_classes: 0,
            severity: 0.0,
            impact: 0,
            status: first.status,
            effective_date: first.effective().date,
        };
        items.par_extend(rayon::iter::repeat_n(filler, n));
    }
    let part = n.div_ceil(rayon::current_num_threads()).max(1);
    let late: Vec<Vec<(usize, Rejection)>> = items
        .par_chunks_mut(part)
        .enumerate()
        .map(|(k, out)| {
            let from = k * part;
            let mut late = Vec::new();
            for (i, (inc, &place)) in incidents.iter().zip(&derived.place).enumerate() {
                let Some(slot) = (place as usize)
                    .checked_sub(from)
                    .and_then(|p| out.get_mut(p))
                else {
                    continue;
                };
                let fault = match check(inc) {
                    Ok(r) => match duplicate(i, inc) {
                        None => {
                            *slot = r;
                            continue;
                        }
                        Some(f) => f,
                    },
                    Err(f) => f,
                };
                late.push((
                    place as usize,
                    fault.into_rejection(
                        Some(data.id(inc).to_string()),
                        data.file(inc).to_string(),
                        inc.line,
                        i as u64,
                    ),
                ));
            }
            late
        })
        .collect();
    (items, late.into_iter().flatten().collect())
}

/// Whether none of a company's incidents can merge, known without the matching:
/// they are all of one source, and within a source none merge, or only copies
/// and there are no two (every company of a single feed; `prints` is scratch
/// space).
fn nothing_merges(
    company: &[Resolved<'_>],
    within: WithinSource,
    prints: &mut Vec<u64>,
    source_of: impl Fn(&Resolved<'_>) -> u32,
) -> bool {
    let Some(first) = company.first().map(&source_of) else {
        return true;
    };
    if company.iter().any(|r| source_of(r) != first) {
        return false;
    }
    match within {
        WithinSource::None => return true,
        WithinSource::Match => return false,
        WithinSource::Copies => {}
    }
    prints.clear();
    prints.extend(company.iter().map(fingerprint));
    prints.sort_unstable();
    prints.windows(2).all(|w| w.first() != w.get(1))
}

/// A resolved incident as merging reads it: with its source and its type's base.
struct Reported<'r, 'a> {
    item: &'r Resolved<'a>,
    source: u32,
    base: f64,
}

impl merge::AsReport for Reported<'_, '_> {
    fn id(&self) -> &str {
        self.item.id()
    }
    fn report(&self, rule: &MergeRule) -> merge::Report {
        report_of(self.item, rule, self.source)
    }
    fn rated(&self) -> merge::Rated {
        rated_of(self.item, self.base)
    }
}

/// A resolved incident as the matcher sees it under `rule`, from `source`: its
/// span runs from its date's first day to the last day of its disclosure (or
/// of its date).
fn report_of(r: &Resolved<'_>, rule: &MergeRule, source: u32) -> merge::Report {
    let inc = r.incident;
    let last = inc.disclosed.map_or(inc.date.last_day(), |d| {
        d.last_day().max(inc.date.last_day())
    });
    merge::Report {
        family: merge::family(rule, r.type_id),
        source,
        first: day_number(inc.date.date),
        last: day_number(last),
        records: inc.records(),
        fingerprint: fingerprint(r),
    }
}

/// A hash of every field that rating reads but the id: equal for copies. (A
/// fixed seed: clusters must not change from run to run.)
fn fingerprint(r: &Resolved<'_>) -> u64 {
    use std::hash::BuildHasher;
    let inc = r.incident;
    let fields = (
        r.type_id,
        r.data_classes,
        r.severity.to_bits(),
        r.impact,
        r.status,
        inc.records(),
        inc.third_party,
        inc.vulnerable_subjects,
        inc.date,
        inc.disclosed,
    );
    foldhash::fast::FixedState::with_seed(0x5eed).hash_one(fields)
}

/// The rated fields of a resolved incident whose type's base is `base`.
fn rated_of(r: &Resolved<'_>, base: f64) -> merge::Rated {
    let inc = r.incident;
    merge::Rated {
        type_id: r.type_id,
        base,
        classes: r.data_classes,
        fields: crate::model::Merged {
            severity: r.severity,
            impact: r.impact,
            records: inc.records(),
            status: r.status,
            third_party: inc.third_party,
            vulnerable_subjects: inc.vulnerable_subjects,
            date: inc.date,
            disclosed: inc.disclosed,
        },
    }
}

/// Each input's source, by input index: inputs of one name are one source (a
/// file read again, or a stream read in batches), numbered by the first.
fn sources_by_name(files: &[String]) -> Vec<u32> {
    let mut first: crate::FastMap<&str, u32> = crate::FastMap::default();
    files
        .iter()
        .zip(0u32..)
        .map(|(f, i)| *first.entry(f.as_str()).or_insert(i))
        .collect()
}

/// Takes the rejected incidents' places (still holding the filler) out of
/// `items`, in place, and gives them in ascending order.
fn remove_rejected(items: &mut Vec<Resolved<'_>>, late: &[(usize, Rejection)]) -> Vec<usize> {
    let mut removed: Vec<usize> = late.iter().map(|(place, _)| *place).collect();
    removed.sort_unstable();
    // The places of rejected incidents still hold the filler: out they go.
    remove_places(items, &removed);
    removed
}

/// Takes the items at `removed` (ascending places) out of `items`, in place
/// (`retain` visits each item once, in order).
fn remove_places(items: &mut Vec<Resolved<'_>>, removed: &[usize]) {
    if !removed.is_empty() {
        let mut gone = removed.iter().peekable();
        let mut at = 0usize;
        items.retain(|_| {
            let keep = gone.next_if_eq(&&at).is_none();
            at += 1;
            keep
        });
    }
}

/// A set of rules' reading of a dataset's names, each distinct type text and data
/// list resolved once: what checks an incident against the rules.
pub(crate) struct Checker<'a> {
    data: &'a Dataset,
    rules: &'a Rules,
    kinds: Vec<Result<TypeId, Fault>>,
    lists: Vec<Result<u64, Fault>>,
    /// By text index, whether a key is a placeholder (empty when the rules
    /// list none): worked out once per distinct text.
    placeholder: Vec<bool>,
}

impl<'a> Checker<'a> {
    /// Resolves the names `data` holds now (an incident added later may name one
    /// this checker has not seen: a new checker is needed for it).
    pub(crate) fn new(data: &'a Dataset, rules: &'a Rules) -> Checker<'a> {
        let names = data.names();
        Checker {
            data,
            rules,
            kinds: names
                .kinds()
                .iter()
                .map(|k| resolve_type(rules, k))
                .collect(),
            lists: names
                .lists()
                .iter()
                .map(|l| resolve_classes(rules, l))
                .collect(),
            placeholder: if rules.placeholders.is_empty() {
                Vec::new()
            } else {
                (0..names.texts.len())
                    .map(|i| rules.is_placeholder(names.texts.at(i)))
                    .collect()
            },
        }
    }

    /// `inc` as the rules see it, or why they cannot rate it (a duplicate id is
    /// not this check's to find).
    pub(crate) fn check(&self, inc: &'a Incident) -> Result<Resolved<'a>, Fault> {
        // Names are interned as incidents are read, so every index is in range; an
        // index that is not still ends as a rejection, never as a lost record.
        let lost = || {
            Fault::unreadable(
                "internal error: the record's names were not kept".into(),
                None,
            )
        };
        if !self.rules.placeholders.is_empty() {
            // The key's text is read only when it is a placeholder, or a text
            // this checker has not seen.
            let known = self.placeholder.get(inc.company.index()).copied();
            if known.unwrap_or_else(|| self.rules.is_placeholder(self.data.text(inc.company))) {
                let key = self.data.text(inc.company);
                return Err(Fault::unreadable(
                    format!(
                        "company {key:?} is a placeholder, not a company (the rules' [identity] placeholders)"
                    ),
                    Some("company"),
                ));
            }
        }
        let type_id = self
            .kinds
            .get(inc.kind as usize)
            .ok_or_else(lost)?
            .clone()?;
        let data_classes = self
            .lists
            .get(inc.data as usize)
            .ok_or_else(lost)?
            .clone()?;
        Ok(Resolved {
            incident: inc,
            data: self.data,
            type_id,
            data_classes,
            severity: inc.severity().unwrap_or(self.rules.severity.default),
            impact: resolve_impact(self.rules, inc.impact())?,
            status: inc.status,
            effective_date: inc.effective().date,
        })
    }
}

/// Why `inc` is rejected when `first`, an earlier accepted incident, has its id.
pub(crate) fn duplicate_of(data: &Dataset, inc: &Incident, first: &Incident) -> Fault {
    Fault::unreadable(
        format!(
            "duplicate id {:?}: already used by the record at {}:{}",
            data.id(inc),
            data.file(first),
            first.line
        ),
        Some("id"),
    )
}

/// Merges two lists, each already in input order, into one in input order.
pub(crate) fn merge_by_seq(a: &[Rejection], b: Vec<Rejection>) -> Vec<Rejection> {
    if b.is_empty() {
        return a.to_vec();
    }
    let mut out = Vec::with_capacity(a.len() + b.len());
    let mut a = a.iter().peekable();
    for r in b {
        // `x.seq` incidents were accepted before x; r belongs to incident `r.seq`.
        while let Some(x) = a.next_if(|x| x.seq <= r.seq) {
            out.push(x.clone());
        }
        out.push(r);
    }
    out.extend(a.cloned());
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use crate::ingest::read::Format;

    /// Records the rules reject (an unknown type, an impact with no level, a later
    /// use of a claimed id) leave no trace among the items: every company's run
    /// holds its accepted incidents in input order, whatever sits between them.
    #[test]
    fn rejected_places_are_removed_and_runs_stay_whole() {
        let rules = Rules::default_rules().unwrap();
        let mut text = String::new();
        let mut expected: Vec<(String, Vec<String>)> = Vec::new();
        let mut claimed = std::collections::HashSet::new();
        let mut x = 7u64;
        for i in 0..300 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let company = format!("c{}", (x >> 33) % 9);
            let bad = (x >> 40) % 5;
            // Every seventh record reuses an earlier id.
            let id = if i % 7 == 6 {
                format!("r{}", i / 2)
            } else {
                format!("r{i}")
            };
            let (kind, impact) = match bad {
                0 => ("zzz", 3),
                1 => ("breach", 9),
                _ => ("breach", 3),
            };
            text.push_str(&format!(
                r#"{{"id":"{id}","company":"{company}","type":"{kind}","date":"2020-01-01","impact":{impact}}}"#
            ));
            text.push('\n');
            if bad > 1 && claimed.insert(id.clone()) {
                match expected.iter_mut().find(|(c, _)| *c == company) {
                    Some((_, ids)) => ids.push(id),
                    None => expected.push((company, vec![id])),
                }
            }
        }
        expected.sort();
        let mut data = Dataset::new();
        data.read_bytes(text.as_bytes(), "in.jsonl", Format::Jsonl)
            .unwrap();
        let resolved = data.resolve_unmerged(&rules);
        let got: Vec<(String, Vec<String>)> = resolved
            .companies()
            .map(|(c, items)| {
                (
                    c.to_string(),
                    items.iter().map(|r| r.id().to_string()).collect(),
                )
            })
            .collect();
        assert_eq!(got, expected);
        let accepted: usize = expected.iter().map(|(_, ids)| ids.len()).sum();
        assert_eq!(resolved.items().len(), accepted);
        assert_eq!(resolved.rejected().len(), 300 - accepted);
        assert!(resolved.rejected().len() > 50);
    }

    /// A what-if takes out (or marks disputed) exactly the incidents named, and
    /// names back the ids it did not find: a second mention of one id among them,
    /// as each id is matched to its first mention.
    #[test]
    fn a_what_if_edits_the_ids_named_and_returns_the_unknown_ones() {
        let rules = Rules::default_rules().unwrap();
        let text: String = (0..2000)
            .map(|i| {
                format!(
                    "{{\"id\":\"i{i}\",\"company\":\"c{}\",\"type\":\"breach\",\"date\":\"2024-01-01\"}}\n",
                    i % 37
                )
            })
            .collect();
        let mut data = Dataset::new();
        data.read_bytes(text.as_bytes(), "w.jsonl", Format::Jsonl)
            .unwrap();
        let res = data.resolve_unmerged(&rules);
        let mut ids: Vec<String> = (0..2000).step_by(3).map(|i| format!("i{i}")).collect();
        ids.extend(["nowhere".to_string(), "i3".to_string()]);
        let (fewer, missing) = res.without(&ids);
        assert_eq!(missing, ["nowhere", "i3"]);
        assert_eq!(fewer.items().len(), 2000 - 667);
        assert!(
            fewer
                .items()
                .iter()
                .all(|r| r.id()[1..].parse::<u32>().unwrap() % 3 != 0)
        );
        let (disputed, missing) = res.as_disputed(&ids);
        assert_eq!(missing, ["nowhere", "i3"]);
        let marked = disputed
            .items()
            .iter()
            .filter(|r| r.status == Status::Disputed)
            .count();
        assert_eq!(marked, 667);
    }

    /// A resolved record's report: its span runs from its date's first day to
    /// the last day of its disclosure (or date); copies share a fingerprint, and
    /// any rated field apart makes another.
    #[test]
    fn a_resolved_incident_as_a_report() {
        let text = crate::merge::tests::default_with(crate::merge::tests::MERGE);
        let rules = crate::rules::Rules::from_toml(&text, "m.toml").unwrap();
        let lines = [
            r#"{"id":"a","company":"c","type":"ransomware","date":"2020-10","disclosed":"2020-12-01","records":5}"#,
            r#"{"id":"b","company":"c","type":"ransomware","date":"2020-10","disclosed":"2020-12-01","records":5}"#,
            r#"{"id":"d","company":"c","type":"breach","date":"2020-10","disclosed":"2020-12-01","records":5}"#,
            r#"{"id":"e","company":"c","type":"ransomware","date":"2020-10","disclosed":"2020-12-01","records":6}"#,
            r#"{"id":"f","company":"c","type":"ransomware","date":"2020","severity":10}"#,
        ];
        let mut data = Dataset::new();
        data.read_bytes(lines.join("\n").as_bytes(), "r.jsonl", Format::Jsonl)
            .unwrap();
        let res = data.resolve_unmerged(&rules);
        let m = rules.merge.as_ref().unwrap();
        let by_id = |id: &str| *res.items().iter().find(|r| r.id() == id).unwrap();
        let (a, b, d, e, f) = (by_id("a"), by_id("b"), by_id("d"), by_id("e"), by_id("f"));
        let ra = report_of(&a, m, 0);
        let day = |s: &str| day_number(chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap());
        assert_eq!((ra.first, ra.last), (day("2020-10-01"), day("2020-12-01")));
        assert_eq!(ra.records, Some(5));
        assert_eq!(ra.fingerprint, report_of(&b, m, 0).fingerprint);
        for other in [d, e, f] {
            assert_ne!(
                ra.fingerprint,
                report_of(&other, m, 0).fingerprint,
                "{}",
                other.id()
            );
        }
        // Breach and ransomware are one family here.
        assert_eq!(ra.family, report_of(&d, m, 0).family);
        let rf = report_of(&f, m, 0);
        assert_eq!((rf.first, rf.last), (day("2020-01-01"), day("2020-12-31")));
        let rated = rated_of(&f, rules.type_rule(f.type_id).base);
        assert_eq!((rated.fields.severity, rated.fields.records), (10.0, None));
        assert_eq!(rated.base, rules.type_rule(f.type_id).base);
    }

    /// The shortcut for a company of one source (no two copies, so nothing to
    /// merge) agrees with the matching itself.
    #[test]
    fn one_source_without_copies_has_nothing_to_merge() {
        let text = crate::merge::tests::default_with(crate::merge::tests::MERGE);
        let rules = Rules::from_toml(&text, "m.toml").unwrap();
        let rule = rules.merge.as_ref().unwrap();
        let mut x = 11u64;
        for round in 0..200 {
            let mut lines = String::new();
            for i in 0..(round % 9 + 2) {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let kind = ["breach", "ransomware", "ddos"][(x >> 33) as usize % 3];
                let day = 1 + (x >> 40) % 3;
                let records = [1, 10, 100][(x >> 50) as usize % 3];
                lines.push_str(&format!(
                    r#"{{"id":"r{i}","company":"c","type":"{kind}","date":"2020-01-0{day}","records":{records}}}"#
                ));
                lines.push('\n');
            }
            let mut data = Dataset::new();
            data.read_bytes(lines.as_bytes(), "one.jsonl", Format::Jsonl)
                .unwrap();
            let res = data.resolve_unmerged(&rules);
            let list: Vec<Reported<'_, '_>> = res
                .items()
                .iter()
                .map(|item| Reported {
                    item,
                    source: 0,
                    base: rules.type_rule(item.type_id).base,
                })
                .collect();
            let none = merge::groups(&list, rule).is_empty();
            let shortcut = nothing_merges(res.items(), rule.within_source, &mut Vec::new(), |_| 0);
            assert_eq!(shortcut, none, "{lines}");
            // Within one source, "none" merges nothing at all.
            let mut apart = rule.clone();
            apart.within_source = WithinSource::None;
            assert!(merge::groups(&list, &apart).is_empty());
            assert!(nothing_merges(
                res.items(),
                WithinSource::None,
                &mut Vec::new(),
                |_| 0
            ));
        }
    }
}

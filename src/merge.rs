//! Incident resolution: the reports of one real incident — from several sources,
//! or posted twice within one — become one incident. This module holds the
//! matching rule and the clustering; [`crate::rules::MergeRule`] holds its knobs.
//!
//! **The matching rule.** Two reports of one company can be one incident when all
//! of these hold:
//! - their types are of one family (`[merge] families`; a type in none is a
//!   family of its own);
//! - their time spans lie within `window_days` of each other. A report's span
//!   runs from the first day its `date` can stand for (a partial date spans its
//!   month or year) to the last day of its `disclosed` (or of its `date`): a
//!   source may give when data was taken and another when it was told;
//! - their record counts, when both are known, differ by no more than a factor
//!   of `records_ratio`;
//! - they come from different sources; within one source, `within_source`
//!   decides: `"none"` (the default: SCORING.md counts two records of one feed
//!   as two incidents even when only their ids differ), `"copies"` (reports
//!   equal in every rated field but the id), or `"match"` (the rule as across
//!   sources).
//!
//! **Clustering** is complete linkage: a report joins a cluster only when it
//! matches every report already in it, so A~B and B~C never put A with C unless
//! A~C. Reports are taken in one canonical order (their span, then their id), and
//! each joins the cluster of the last report it is a copy of, else the
//! earliest-made cluster it matches among the `max_candidates` made last, else
//! starts one: the result
//! does not depend on file order or thread count, and the work is linear in the
//! reports for a bounded `max_candidates`.

use crate::FastMap;
use crate::model::{self, Status};
use crate::rules::{MergeRule, TypeId, WithinSource};

/// One report as the matcher sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Report {
    /// Its type's family.
    pub(crate) family: u16,
    /// The source it came from (its input).
    pub(crate) source: u32,
    /// The first day (a day number) the report's span covers.
    pub(crate) first: i64,
    /// The last day its span covers.
    pub(crate) last: i64,
    /// The records affected, when known.
    pub(crate) records: Option<u64>,
    /// Equal for reports equal in every rated field but the id.
    pub(crate) fingerprint: u64,
}

/// The family of type `t` under `rule`: the first type of its `families` list,
/// else `t` itself.
pub(crate) fn family(rule: &MergeRule, t: TypeId) -> u16 {
    rule.family_of.get(usize::from(t)).copied().unwrap_or(t)
}

/// What every report of a cluster has in common, kept so that a new report is
/// checked against all of them at once.
#[derive(Debug, Clone)]
struct Cluster {
    family: u16,
    /// The latest first day and the earliest last day of its reports: a span is
    /// within the window of every report's when it is within the window of these.
    max_first: i64,
    min_last: i64,
    /// The smallest and largest known record counts.
    records: Option<(u64, u64)>,
    /// Each source in it, with the fingerprint of its reports when they are
    /// copies of one another (`None`: reports of that source differ).
    sources: Vec<(u32, Option<u64>)>,
}

impl Cluster {
    fn of(r: &Report) -> Cluster {
        Cluster {
            family: r.family,
            max_first: r.first,
            min_last: r.last,
            records: r.records.map(|n| (n, n)),
            sources: vec![(r.source, Some(r.fingerprint))],
        }
    }

    /// Whether `r` matches every report in the cluster.
    fn admits(&self, r: &Report, k: &MergeRule) -> bool {
        if r.family != self.family {
            return false;
        }
        if r.first > self.min_last.saturating_add(k.window_days)
            || self.max_first > r.last.saturating_add(k.window_days)
        {
            return false;
        }
        if let (Some(n), Some((lo, hi))) = (r.records, self.records) {
            let (lo, hi) = (lo.min(n), hi.max(n));
            if hi as f64 > k.records_ratio * lo as f64 {
                return false;
            }
        }
        match k.within_source {
            WithinSource::Match => true,
            WithinSource::None => self.sources.iter().all(|&(s, _)| s != r.source),
            WithinSource::Copies => self
                .sources
                .iter()
                .all(|&(s, fp)| s != r.source || fp == Some(r.fingerprint)),
        }
    }

    fn add(&mut self, r: &Report) {
        self.max_first = self.max_first.max(r.first);
        self.min_last = self.min_last.min(r.last);
        self.records = match (self.records, r.records) {
            (Some((lo, hi)), Some(n)) => Some((lo.min(n), hi.max(n))),
            (known, None) => known,
            (None, Some(n)) => Some((n, n)),
        };
        match self.sources.iter_mut().find(|(s, _)| *s == r.source) {
            Some((_, fp)) => {
                if *fp != Some(r.fingerprint) {
                    *fp = None;
                }
            }
            None => self.sources.push((r.source, Some(r.fingerprint))),
        }
    }
}

/// The cluster of each report, numbered from 0 in the order the clusters were
/// made. `reports` must be in the canonical order (see the module's docs): by
/// `first`, then `last`, then id.
pub(crate) fn clusters(reports: &[Report], k: &MergeRule) -> Vec<u32> {
    let max_candidates = usize::try_from(k.max_candidates).unwrap_or(1).max(1);
    let mut made: Vec<Cluster> = Vec::new();
    // The clusters made last, oldest first: the only ones a report is compared
    // with, besides the cluster of a report it copies.
    let mut recent: std::collections::VecDeque<u32> = std::collections::VecDeque::new();
    // The cluster of the last report with each fingerprint: a copy (from any
    // source) joins the cluster of what it copies.
    let mut copies: FastMap<u64, u32> = FastMap::default();
    let mut out = Vec::with_capacity(reports.len());
    for r in reports {
        let copied = copies
            .get(&r.fingerprint)
            .copied()
            .filter(|&c| made.get(c as usize).is_some_and(|c| c.admits(r, k)));
        let found = copied.or_else(|| {
            recent
                .iter()
                .copied()
                .find(|&c| made.get(c as usize).is_some_and(|c| c.admits(r, k)))
        });
        let c = match found.and_then(|c| Some((c, made.get_mut(c as usize)?))) {
            Some((c, cluster)) => {
                cluster.add(r);
                c
            }
            None => {
                // A dataset holds fewer than 2^32 reports, so cluster numbers fit.
                let c = made.len() as u32;
                made.push(Cluster::of(r));
                recent.push_back(c);
                if recent.len() > max_candidates {
                    recent.pop_front();
                }
                c
            }
        };
        copies.insert(r.fingerprint, c);
        out.push(c);
    }
    out
}

/// One incident that several reports of a company describe.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Group {
    /// The reports, by place in the company's list, in canonical order.
    pub(crate) members: Vec<u32>,
    /// The place in `members` of the report whose id, texts, file and line the
    /// incident keeps: the one that gave its effective date (its disclosure,
    /// else its date), so the incident is aged from its own report's day.
    pub(crate) kept: usize,
    /// The merged fields.
    pub(crate) rated: Rated,
    /// Which member (by place in `members`) each merged field came from.
    pub(crate) origins: Origins,
}

/// What merging reads of a report of an incident.
pub(crate) trait AsReport {
    /// Its id: unique among the reports merged.
    fn id(&self) -> &str;
    /// The report as the matcher sees it under `rule`.
    fn report(&self, rule: &MergeRule) -> Report;
    /// Its rated fields.
    fn rated(&self) -> Rated;
}

/// The incidents of one company's `list` (at most 2^32 reports, their ids
/// unique) that merge under `rule`, each of two reports or more; empty when
/// none do. The groups come in canonical order of their first reports,
/// whatever the list's order.
pub(crate) fn groups<R: AsReport>(list: &[R], rule: &MergeRule) -> Vec<Group> {
    if list.len() < 2 {
        return Vec::new();
    }
    let mut order: Vec<(Report, u32, &R)> = list
        .iter()
        .zip(0u32..)
        .map(|(r, i)| (r.report(rule), i, r))
        .collect();
    // Accepted ids are unique, so this order is total.
    order.sort_unstable_by(|a, b| {
        (a.0.first, a.0.last)
            .cmp(&(b.0.first, b.0.last))
            .then_with(|| a.2.id().cmp(b.2.id()))
    });
    let reports: Vec<Report> = order.iter().map(|o| o.0).collect();
    let of = clusters(&reports, rule);
    let mut size = vec![0u32; reports.len()];
    for &c in &of {
        if let Some(n) = size.get_mut(c as usize) {
            *n += 1;
        }
    }
    // Clusters are numbered in the order they were made, so the first report
    // of each comes in that order too.
    let mut members: Vec<Vec<u32>> = Vec::new();
    let mut slot = vec![u32::MAX; reports.len()];
    for (&c, o) in of.iter().zip(&order) {
        if size.get(c as usize).is_none_or(|&n| n < 2) {
            continue;
        }
        let Some(s) = slot.get_mut(c as usize) else {
            continue;
        };
        if *s == u32::MAX {
            *s = members.len() as u32;
            members.push(Vec::new());
        }
        if let Some(m) = members.get_mut(*s as usize) {
            m.push(o.1);
        }
    }
    members
        .into_iter()
        .filter_map(|members| {
            let at = |i: &u32| list.get(*i as usize);
            let rated: Vec<Rated> = members
                .iter()
                .filter_map(|i| Some(at(i)?.rated()))
                .collect();
            let (rated, origins) = merged(&rated)?;
            // The report the incident is aged from: its disclosure's, else its date's.
            let kept = origins.disclosed.unwrap_or(origins.date);
            Some(Group {
                members,
                kept,
                rated,
                origins,
            })
        })
        .collect()
}

/// A report's rated fields, as merging reads and writes them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Rated {
    pub(crate) type_id: TypeId,
    /// The type's base, which decides the type of a merged incident.
    pub(crate) base: f64,
    pub(crate) classes: u64,
    /// The fields a merged incident keeps.
    pub(crate) fields: model::Merged,
}

/// Which report (by place in the cluster) each merged field came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Origins {
    pub(crate) kind: usize,
    pub(crate) severity: usize,
    pub(crate) impact: usize,
    pub(crate) records: Option<usize>,
    pub(crate) status: usize,
    pub(crate) date: usize,
    pub(crate) disclosed: Option<usize>,
}

/// How sure a status is: confirmed, then alleged, then disputed.
fn strength(s: Status) -> u8 {
    match s {
        Status::Confirmed => 2,
        Status::Alleged => 1,
        Status::Disputed => 0,
    }
}

/// The fields of the incident that `reports` (in canonical order, at least one)
/// describe, and where each came from. Each field takes the report that says
/// most (the first on a tie): the type of the highest base, the highest severity
/// and impact, the largest known record count, the surest status, the most
/// precise date (the earliest of those), the earliest disclosure; data classes
/// are the union; vulnerable subjects when any report says so, a supplier's loss
/// (`third_party`) only when every report says so. Every factor but decay is then
/// at least each report's; decay follows the merged effective date, which is
/// earlier than a report's when another report was disclosed first.
pub(crate) fn merged(reports: &[Rated]) -> Option<(Rated, Origins)> {
    let first = reports.first()?;
    let mut out = *first;
    let mut from = Origins {
        records: first.fields.records.map(|_| 0),
        disclosed: first.fields.disclosed.map(|_| 0),
        ..Origins::default()
    };
    for (i, r) in reports.iter().enumerate().skip(1) {
        if r.base > out.base {
            (out.type_id, out.base, from.kind) = (r.type_id, r.base, i);
        }
        out.classes |= r.classes;
        if r.fields.severity > out.fields.severity {
            (out.fields.severity, from.severity) = (r.fields.severity, i);
        }
        if r.fields.impact > out.fields.impact {
            (out.fields.impact, from.impact) = (r.fields.impact, i);
        }
        if let Some(n) = r.fields.records
            && out.fields.records.is_none_or(|m| n > m)
        {
            (out.fields.records, from.records) = (Some(n), Some(i));
        }
        if strength(r.fields.status) > strength(out.fields.status) {
            (out.fields.status, from.status) = (r.fields.status, i);
        }
        out.fields.third_party &= r.fields.third_party;
        out.fields.vulnerable_subjects |= r.fields.vulnerable_subjects;
        if (r.fields.date.precision, r.fields.date.date)
            < (out.fields.date.precision, out.fields.date.date)
        {
            (out.fields.date, from.date) = (r.fields.date, i);
        }
        if let Some(d) = r.fields.disclosed
            && out.fields.disclosed.is_none_or(|e| d.date < e.date)
        {
            (out.fields.disclosed, from.disclosed) = (Some(d), Some(i));
        }
    }
    Some((out, from))
}

#[cfg(test)]
pub(crate) mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use crate::model::PartialDate;
    use proptest::prelude::*;

    /// The knobs of [`MERGE`], without a rules file around them.
    fn knobs() -> MergeRule {
        MergeRule {
            window_days: 90,
            records_ratio: 10.0,
            within_source: WithinSource::Copies,
            families: Vec::new(),
            max_candidates: 64,
            family_of: Vec::new(),
        }
    }

    fn report(source: u32, first: i64, last: i64, records: Option<u64>, fp: u64) -> Report {
        Report {
            family: 0,
            source,
            first,
            last,
            records,
            fingerprint: fp,
        }
    }

    #[test]
    fn reports_of_one_incident_from_two_sources_are_one() {
        let rs = [
            report(0, 100, 100, Some(78_800_000), 1),
            report(1, 0, 364, Some(80_000_000), 2),
        ];
        let mut sorted = rs.to_vec();
        sorted.sort_by_key(|r| (r.first, r.last));
        assert_eq!(clusters(&sorted, &knobs()), vec![0, 0]);
    }

    #[test]
    fn each_condition_alone_keeps_reports_apart() {
        let base = report(0, 100, 100, Some(1000), 1);
        let apart = [
            Report {
                family: 1,
                ..report(1, 100, 100, Some(1000), 2)
            },
            report(1, 191, 191, Some(1000), 2),
            report(1, 100, 100, Some(10_001), 2),
            // The same source, not a copy.
            report(0, 100, 100, Some(1000), 2),
        ];
        for other in apart {
            assert_eq!(clusters(&[base, other], &knobs()), vec![0, 1], "{other:?}");
        }
        let together = [
            report(1, 190, 190, Some(1000), 2),
            report(1, 100, 100, Some(10_000), 2),
            report(1, 100, 100, None, 2),
            report(0, 100, 100, Some(1000), 1),
        ];
        for other in together {
            assert_eq!(clusters(&[base, other], &knobs()), vec![0, 0], "{other:?}");
        }
        let matching = MergeRule {
            within_source: WithinSource::Match,
            ..knobs()
        };
        assert_eq!(
            clusters(&[base, report(0, 100, 100, Some(1000), 2)], &matching),
            vec![0, 0]
        );
    }

    /// A~B and B~C, but not A~C: C does not join A's cluster through B.
    #[test]
    fn no_chaining() {
        let rs = [
            report(0, 0, 0, None, 1),
            report(1, 80, 80, None, 2),
            report(2, 160, 160, None, 3),
        ];
        assert_eq!(clusters(&rs, &knobs()), vec![0, 0, 1]);
    }

    /// Reports as a strategy: few sources, days and counts, so that matches and
    /// copies are common. A fingerprint stands for the rated fields, as in use:
    /// equal fields (with one more field, `other`, that the matcher does not see)
    /// give equal fingerprints.
    fn reports() -> impl Strategy<Value = Vec<Report>> {
        proptest::collection::vec(
            (
                0u32..3,
                0i64..20,
                0i64..3,
                prop::option::of(1u64..8),
                0u64..2,
                0u16..2,
            ),
            0..40,
        )
        .prop_map(|v| {
            v.into_iter()
                .map(|(source, first, len, records, other, family)| {
                    let (first, last, records) = (
                        first * 20,
                        first * 20 + len * 20,
                        records.map(|n| n * n * 100),
                    );
                    Report {
                        family,
                        source,
                        first,
                        last,
                        records,
                        fingerprint: {
                            use std::hash::BuildHasher;
                            let fields = (family, first, last, records, other);
                            foldhash::fast::FixedState::with_seed(1).hash_one(fields)
                        },
                    }
                })
                .collect()
        })
    }

    /// The groups of `cs`, each a list of places, in order.
    fn groups(cs: &[u32]) -> Vec<Vec<usize>> {
        let mut by: std::collections::BTreeMap<u32, Vec<usize>> = Default::default();
        for (i, c) in cs.iter().enumerate() {
            by.entry(*c).or_default().push(i);
        }
        by.into_values().collect()
    }

    /// The pairwise rule, written out plainly.
    fn matches(a: &Report, b: &Report, k: &MergeRule) -> bool {
        let distance = (b.first - a.last).max(a.first - b.last).max(0);
        let records = match (a.records, b.records) {
            (Some(x), Some(y)) => x.max(y) as f64 <= k.records_ratio * x.min(y) as f64,
            _ => true,
        };
        let source = a.source != b.source
            || k.within_source == WithinSource::Match
            || a.fingerprint == b.fingerprint;
        a.family == b.family && distance <= k.window_days && records && source
    }

    proptest! {
        /// Every two reports of one cluster match: no chaining.
        #[test]
        fn every_pair_in_a_cluster_matches(mut rs in reports(), matching in any::<bool>()) {
            rs.sort_by_key(|r| (r.first, r.last));
            let k = MergeRule {
                within_source: if matching { WithinSource::Match } else { WithinSource::Copies },
                ..knobs()
            };
            let cs = clusters(&rs, &k);
            for i in 0..rs.len() {
                for j in 0..i {
                    if cs[i] == cs[j] {
                        prop_assert!(matches(&rs[i], &rs[j], &k), "{:?} {:?}", rs[i], rs[j]);
                    }
                }
            }
        }

        /// A re-posted report (a copy within its source) always ends in its
        /// original's cluster, and re-posting every report changes no grouping of
        /// the originals.
        #[test]
        fn copies_are_merged_and_change_nothing_else(mut rs in reports()) {
            rs.sort_by_key(|r| (r.first, r.last));
            // Each report followed by its copy, as the canonical order puts them
            // when the copy's id sorts after the original's.
            let doubled: Vec<Report> = rs
                .iter()
                .flat_map(|r| [*r, *r])
                .collect();
            let cs = clusters(&doubled, &knobs());
            for i in 0..rs.len() {
                prop_assert_eq!(cs[2 * i], cs[2 * i + 1]);
            }
            let originals: Vec<u32> = cs.iter().step_by(2).copied().collect();
            prop_assert_eq!(groups(&originals), groups(&clusters(&rs, &knobs())));
        }
    }

    fn rated(date: &str) -> Rated {
        Rated {
            type_id: 0,
            base: 10.0,
            classes: 0,
            fields: model::Merged {
                severity: 50.0,
                impact: 2,
                records: None,
                status: Status::Alleged,
                third_party: true,
                vulnerable_subjects: false,
                date: PartialDate::parse(date).unwrap(),
                disclosed: None,
            },
        }
    }

    /// Each field takes the report that says most, and says where it came from.
    #[test]
    fn each_merged_field_takes_the_report_that_says_most() {
        let base = rated("2020");
        let a = Rated {
            classes: 0b01,
            fields: model::Merged {
                records: Some(30_433),
                ..base.fields
            },
            ..base
        };
        let base = rated("2020-10");
        let b = Rated {
            type_id: 3,
            base: 40.0,
            classes: 0b10,
            fields: model::Merged {
                severity: 80.0,
                status: Status::Confirmed,
                disclosed: PartialDate::parse("2020-10-21"),
                ..base.fields
            },
        };
        let base = rated("2018-11-15");
        let c = Rated {
            fields: model::Merged {
                impact: 4,
                records: Some(130_000),
                third_party: false,
                vulnerable_subjects: true,
                disclosed: PartialDate::parse("2020-10-24"),
                ..base.fields
            },
            ..base
        };
        let (m, from) = merged(&[a, b, c]).unwrap();
        assert_eq!((m.type_id, m.base, from.kind), (3, 40.0, 1));
        assert_eq!(m.classes, 0b11);
        assert_eq!((m.fields.severity, from.severity), (80.0, 1));
        assert_eq!((m.fields.impact, from.impact), (4, 2));
        assert_eq!((m.fields.records, from.records), (Some(130_000), Some(2)));
        assert_eq!((m.fields.status, from.status), (Status::Confirmed, 1));
        assert!(!m.fields.third_party && m.fields.vulnerable_subjects);
        assert_eq!(
            (m.fields.date, from.date),
            (PartialDate::parse("2018-11-15").unwrap(), 2)
        );
        assert_eq!(
            (m.fields.disclosed, from.disclosed),
            (PartialDate::parse("2020-10-21"), Some(1))
        );
        // One report is itself; ties keep the first.
        assert_eq!(
            merged(&[a]).unwrap(),
            (
                a,
                Origins {
                    records: Some(0),
                    ..Origins::default()
                }
            )
        );
        let (m, from) = merged(&[a, a]).unwrap();
        assert_eq!((m, from.records), (a, Some(0)));
        assert!(merged(&[]).is_none());
    }

    /// The default rules with `table` in place of their `[merge]` table.
    pub(crate) fn default_with(table: &str) -> String {
        let text = crate::rules::DEFAULT_RULES_TOML;
        let base = text.split("\n[merge]\n").next().unwrap_or(text);
        format!("{base}\n{table}")
    }

    pub(crate) const MERGE: &str = r#"
[merge]
window_days = 90
records_ratio = 10.0
within_source = "copies"
max_candidates = 64
families = [["breach", "Ransomware"], ["ddos", "attack"]]
"#;

    /// `[merge]` is read with its families (by name or alias), written back by
    /// `to_toml`, and every bad value is refused with its place.
    #[test]
    fn the_merge_table_is_read_and_written_back() {
        use crate::rules::Rules;
        // The default rules merge across sources only, breach with ransomware.
        let default = Rules::default_rules().unwrap();
        let d = default.merge.as_ref().unwrap();
        assert_eq!(
            (
                d.window_days,
                d.records_ratio,
                d.within_source,
                d.max_candidates
            ),
            (90, 10.0, WithinSource::None, 64)
        );
        let did = |name: &str| default.type_id(name).unwrap();
        assert_eq!(family(d, did("breach")), family(d, did("ransomware")));
        assert_ne!(family(d, did("breach")), family(d, did("ddos")));
        // Without the table nothing merges.
        assert!(
            Rules::from_toml(&default_with(""), "none.toml")
                .unwrap()
                .merge
                .is_none()
        );
        let text = default_with(MERGE);
        let rules = Rules::from_toml(&text, "m.toml").unwrap();
        let m = rules.merge.as_ref().unwrap();
        let id = |name: &str| rules.type_id(name).unwrap();
        assert_eq!(family(m, id("ransomware")), family(m, id("breach")));
        assert_eq!(family(m, id("attack")), family(m, id("ddos")));
        assert_ne!(family(m, id("breach")), family(m, id("ddos")));
        assert_eq!(m.max_candidates, 64);
        let back = Rules::from_toml(&rules.to_toml(), "back").unwrap();
        assert_eq!(back.merge, rules.merge);

        for (bad, says) in [
            ("window_days = -1", "[merge].window_days"),
            ("records_ratio = 0.5", "[merge].records_ratio"),
            ("within_source = \"all\"", "within_source must be"),
            ("max_candidates = 0", "[merge].max_candidates"),
            (
                "families = [[\"breach\", \"nope\"]]",
                "\"nope\", which is not a type",
            ),
            ("families = [[\"breach\"], [\"breach\"]]", "in two families"),
            ("families = \"breach\"", "must be an array of arrays"),
            ("windw_days = 3", "unknown key `windw_days` in [merge]"),
        ] {
            let key = bad.split(" =").next().unwrap();
            let edited: String = MERGE
                .lines()
                .filter(|l| !l.starts_with(key))
                .chain([bad])
                .collect::<Vec<_>>()
                .join("\n");
            let text = default_with(&format!("{edited}\n"));
            let err = Rules::from_toml(&text, "bad.toml").unwrap_err().to_string();
            assert!(err.contains(says), "{bad}: {err}");
        }
    }

    /// A company with very many incidents in one window costs a bounded number of
    /// comparisons per report.
    #[test]
    fn work_is_bounded_for_a_crowded_company() {
        let rs: Vec<Report> = (0..200_000u64).map(|i| report(0, 0, 0, None, i)).collect();
        let cs = clusters(&rs, &knobs());
        assert_eq!(cs.len(), rs.len());
        assert_eq!(*cs.last().unwrap(), 199_999);
    }
}

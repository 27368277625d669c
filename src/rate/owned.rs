//! The owned results: what the engine gives an embedder and what the CLI's JSON
//! documents are, field for field (SCORING.md §7). Each is `'static` and
//! serialisable, built from the borrowed rating it stands for.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::score::Factors;
use super::{Counts, Interval, Standing, Summary};
use crate::model::{DateExt, Rejection};
use crate::resolve::{Merged, Resolved};
use crate::rules::{Rules, RulesMeta};

/// Every company rated as of one date: the CLI's `--format json` document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Report {
    /// The version of riskrate that rated.
    pub riskrate: String,
    /// The rules rated with.
    pub rules: RulesMeta,
    /// The date rated as of.
    #[serde(with = "ymd")]
    pub as_of: NaiveDate,
    /// Totals of every record's fate.
    pub summary: Summary,
    /// Sorted by company key (byte order).
    pub ratings: Vec<Rating>,
    /// Every rejected record, in input order.
    pub rejected: Vec<Rejection>,
    /// Every report folded into another report's incident, in input order
    /// (left out when none was).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub merged: Vec<Folded>,
}

/// A report folded into another report's incident.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Folded {
    /// The report's id.
    pub id: String,
    /// Where it was read: `FILE:LINE`.
    pub source: String,
    /// The id of the incident it is part of.
    pub into: String,
}

impl Folded {
    /// `r` as listed among the reports folded into `into`'s incident.
    pub(crate) fn of(r: &Resolved<'_>, into: &str) -> Folded {
        Folded {
            id: r.id().to_string(),
            source: r.place(),
            into: into.to_string(),
        }
    }
}

/// One report of a merged incident.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Source {
    /// The report's id.
    pub id: String,
    /// Where it was read: `FILE:LINE`.
    pub source: String,
    /// The incident's fields that came from this report (`type`, `severity`,
    /// `impact`, `records`, `status`, `date`, `disclosed`); data classes are the
    /// union of every report's.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<String>,
}

/// One company's rating, complete: the CLI's rating object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Rating {
    /// The company key.
    pub company: String,
    /// The first non-empty `company_name` among its accepted records.
    pub company_name: Option<String>,
    /// The first non-empty `industry` among its accepted records.
    pub industry: Option<String>,
    /// `score_exact` rounded half up: 100..=1000, higher is better.
    pub score: i64,
    /// The unrounded score.
    pub score_exact: f64,
    /// The grade band of `score`.
    pub grade: String,
    /// Sum of the counted incidents' points.
    pub risk_points: f64,
    /// The score's interval.
    pub interval: Interval,
    /// Incidents by standing.
    pub incidents: Counts,
    /// Percentile among the companies of its industry (None when fewer than two).
    pub industry_percentile: Option<f64>,
    /// When the grade next improves if nothing new happens (None for the best).
    pub next_grade_change: Option<GradeChange>,
    /// The counted incidents, largest first, as many as asked for.
    pub contributors: Vec<Contributor>,
    /// The one-line explanation.
    pub explanation: String,
}

/// When a grade improves, and to what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GradeChange {
    /// The grade it improves to.
    pub grade: String,
    /// The first day it holds.
    #[serde(with = "ymd")]
    pub date: NaiveDate,
}

/// One counted incident and what it adds to the risk points.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Contributor {
    /// The incident's id.
    pub id: String,
    /// Its canonical type.
    #[serde(rename = "type")]
    pub kind: String,
    /// The date it is aged from (`disclosed`, else `date`).
    #[serde(with = "ymd")]
    pub effective_date: NaiveDate,
    /// Its points.
    pub points: f64,
    /// Its share of the company's risk points.
    pub share: f64,
    /// The factors its points are the product of.
    pub factors: Factors,
    /// Its reports, when it was merged from several (left out otherwise).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<Source>,
}

/// One company's full account: the CLI's `explain --format json` document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Explanation {
    /// The version of riskrate that rated.
    pub riskrate: String,
    /// The rules rated with.
    pub rules: RulesMeta,
    /// The date rated as of.
    #[serde(with = "ymd")]
    pub as_of: NaiveDate,
    /// The company's rating, every contributor listed.
    pub rating: Rating,
    /// Every incident of the company: counted ones first, largest points first
    /// (ties by id), then expired, then future, each by id.
    pub incidents: Vec<Assessment>,
}

/// One incident of a company as rated: where it stands, its factors and points.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Assessment {
    /// The incident's id.
    pub id: String,
    /// Its canonical type.
    #[serde(rename = "type")]
    pub kind: String,
    /// `counted`, `expired` or `future` at the as-of date.
    pub standing: Standing,
    /// Its date as given (`2020`, `2020-10`, `2020-10-15`).
    pub date: String,
    /// Its disclosure date as given, when there is one.
    pub disclosed: Option<String>,
    /// The date it is aged from (`disclosed`, else `date`).
    #[serde(with = "ymd")]
    pub effective_date: NaiveDate,
    /// Whole days from the effective date to the as-of date (negative when future).
    pub age_days: i64,
    /// `confirmed`, `alleged` or `disputed`.
    pub status: String,
    /// Its data classes, by canonical name, in the rules' order.
    pub data_classes: Vec<String>,
    /// Records affected, when given.
    pub records: Option<u64>,
    /// Reported by a third party.
    pub third_party: bool,
    /// Its subjects are vulnerable (children, patients, …).
    pub vulnerable_subjects: bool,
    /// Its points (0 unless counted).
    pub points: f64,
    /// Its share of the company's risk points (0 unless counted).
    pub share: f64,
    /// The factors its points are the product of.
    pub factors: Factors,
    /// Where it was read: `FILE:LINE` (of the report it keeps the id of, when
    /// merged).
    pub source: String,
    /// Its reports, when it was merged from several (left out otherwise).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<Source>,
}

/// The reports of `item` when it is a merged incident, each with the fields it
/// gave; empty otherwise.
pub(crate) fn sources(merged: &Merged<'_>, item: &Resolved<'_>) -> Vec<Source> {
    let Some(g) = merged.reports_of(item) else {
        return Vec::new();
    };
    let o = g.origins;
    let gave = |k: usize| -> Vec<String> {
        [
            ("type", Some(o.kind)),
            ("severity", Some(o.severity)),
            ("impact", Some(o.impact)),
            ("records", o.records),
            ("status", Some(o.status)),
            ("date", Some(o.date)),
            ("disclosed", o.disclosed),
        ]
        .into_iter()
        .filter(|(_, from)| *from == Some(k))
        .map(|(name, _)| name.to_string())
        .collect()
    };
    g.reports
        .iter()
        .enumerate()
        .map(|(k, r)| Source {
            id: r.id().to_string(),
            source: r.place(),
            fields: gave(k),
        })
        .collect()
}

/// Dates as `YYYY-MM-DD`, as every output writes them.
mod ymd {
    use super::DateExt;
    use chrono::NaiveDate;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &NaiveDate, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&d.ymd())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
        let text = String::deserialize(d)?;
        NaiveDate::parse_from_str(&text, "%Y-%m-%d").map_err(serde::de::Error::custom)
    }
}

impl Report {
    /// A document with no ratings and no rejections yet: the frame the JSON
    /// writer streams both into.
    pub(crate) fn frame(rules: &Rules, as_of: NaiveDate, summary: Summary) -> Report {
        Report {
            riskrate: env!("CARGO_PKG_VERSION").to_string(),
            rules: RulesMeta::of(rules),
            as_of,
            summary,
            ratings: Vec::new(),
            rejected: Vec::new(),
            merged: Vec::new(),
        }
    }

    /// The reports `merged` folded into another's incident, as listed.
    pub(crate) fn folded(merged: &Merged<'_>) -> Vec<Folded> {
        merged
            .folded_reports()
            .into_iter()
            .map(|(r, into)| Folded::of(r, into))
            .collect()
    }
}

impl Rating {
    /// The owned form of `r`, with at most `limit` contributors (`None`: all).
    /// `r` must have been rated with its explanation kept.
    pub(crate) fn of(
        rules: &Rules,
        merged: &Merged<'_>,
        r: &super::Rating<'_>,
        limit: Option<usize>,
    ) -> Rating {
        Rating::explained(rules, merged, r, limit, r.explanation.clone())
    }

    /// As [`Rating::of`], with the explanation given (a writer renders it late,
    /// for ratings that do not hold theirs).
    pub(crate) fn explained(
        rules: &Rules,
        merged: &Merged<'_>,
        r: &super::Rating<'_>,
        limit: Option<usize>,
        explanation: String,
    ) -> Rating {
        Rating {
            company: r.company.to_string(),
            company_name: r.company_name.map(str::to_string),
            industry: r.industry.map(str::to_string),
            score: r.score,
            score_exact: r.score_exact,
            grade: r.grade.to_string(),
            risk_points: r.risk_points,
            interval: r.interval,
            incidents: r.counts,
            industry_percentile: r.industry_percentile,
            next_grade_change: r.next_grade_change.as_ref().map(|g| GradeChange {
                grade: g.grade.clone(),
                date: g.date,
            }),
            contributors: r
                .contributors()
                .take(limit.unwrap_or(usize::MAX))
                .map(|a| Contributor {
                    id: a.item.id().to_string(),
                    kind: rules.type_rule(a.item.type_id).name.clone(),
                    effective_date: a.item.incident.effective().date,
                    points: a.points,
                    share: a.share,
                    factors: a.factors,
                    sources: sources(merged, &a.item),
                })
                .collect(),
            explanation,
        }
    }
}

impl Assessment {
    /// The owned form of `a`.
    pub(crate) fn of(rules: &Rules, merged: &Merged<'_>, a: &super::Assessed<'_>) -> Assessment {
        let inc = a.item.incident;
        Assessment {
            id: a.item.id().to_string(),
            kind: rules.type_rule(a.item.type_id).name.clone(),
            standing: a.standing,
            date: inc.date.to_string(),
            disclosed: inc.disclosed.map(|d| d.to_string()),
            effective_date: inc.effective().date,
            age_days: a.age_days,
            status: a.item.status.as_str().to_string(),
            data_classes: a
                .item
                .classes()
                .map(|c| rules.class_rule(c).name.clone())
                .collect(),
            records: inc.records(),
            third_party: inc.third_party,
            vulnerable_subjects: inc.vulnerable_subjects,
            points: a.points,
            share: a.share,
            factors: a.factors,
            source: a.item.place(),
            sources: sources(merged, &a.item),
        }
    }
}

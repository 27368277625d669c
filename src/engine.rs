//! The owned facade a rating service holds: an [`Engine`] owns its rules and its
//! incidents, and every result it gives is owned, `'static` and serialisable with
//! the field names of the CLI's JSON (SCORING.md §7), so a service can keep it,
//! send it to another thread or serve it as it is.
//!
//! ```
//! use riskrate::engine::Engine;
//! use riskrate::{Format, NaiveDate, Rules};
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

use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::dataset::Dataset;
use crate::error::Error;
use crate::io::read::{Format, Limits};
use crate::model::{DateExt, Record};
use crate::rate::{self, Counts, Interval, Summary};
use crate::rules::Rules;
use crate::score::Factors;

/// Rules and the incidents read so far, rated on demand. Cloning is cheap (rules
/// and incidents are shared until one side changes); an engine is `Send + Sync + 'static`, so it can sit in a
/// service's state behind an `Arc` or be handed to worker threads.
#[derive(Debug, Clone)]
pub struct Engine {
    rules: Arc<Rules>,
    // Shared until changed: `with_rules` and clones cost nothing, a change copies.
    data: Arc<Dataset>,
}

/// How many contributors each rating lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct RateOptions {
    /// The largest counted incidents listed per rating; `None` lists every one.
    pub contributors: Option<usize>,
}

/// The rules' identity, as every output names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RulesMeta {
    /// The rules' `name`.
    pub name: String,
    /// The rules' `version`.
    pub version: String,
    /// Hex sha256 of the rules file's bytes.
    pub sha256: String,
}

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
    pub rejected: Vec<crate::model::Rejection>,
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

    /// Adds one record built in code (`origin` and `line` say where it came from).
    pub fn push(&mut self, record: &Record<'_>, origin: &str, line: u64) {
        Arc::make_mut(&mut self.data).push(record, origin, line);
    }

    /// Every company rated as of `as_of`.
    pub fn rate(&self, as_of: NaiveDate, options: &RateOptions) -> Report {
        let resolved = self.data.resolve(&self.rules);
        let report = rate::rate_keeping(&resolved, as_of, options.contributors);
        Report {
            riskrate: env!("CARGO_PKG_VERSION").to_string(),
            rules: RulesMeta {
                name: self.rules.name().to_string(),
                version: self.rules.version().to_string(),
                sha256: self.rules.sha256().to_string(),
            },
            as_of,
            summary: report.summary,
            ratings: report
                .ratings
                .iter()
                .map(|r| owned(&self.rules, r, options.contributors))
                .collect(),
            rejected: report.rejected.to_vec(),
        }
    }

    /// One company's rating as of `as_of`, equal to the one [`Engine::rate`] gives
    /// it (its percentile among its industry included), with every contributor;
    /// `None` when no accepted record names the company.
    pub fn rating(&self, company: &str, as_of: NaiveDate) -> Option<Rating> {
        let resolved = self.data.resolve(&self.rules);
        let report = rate::rate_focused(&resolved, as_of, company);
        report
            .ratings
            .iter()
            .find(|r| r.company == company)
            .map(|r| owned(&self.rules, r, None))
    }
}

impl Engine {
    /// One company's rating at each of `dates`, as `score --as-of` would give it on
    /// each day from what was known then; `None` when no accepted record names it.
    /// (Use [`crate::history::dates`] for a regular series, at most
    /// [`crate::history::MAX_POINTS`] of them.)
    pub fn history(
        &self,
        company: &str,
        dates: &[NaiveDate],
    ) -> Option<Vec<crate::history::Point>> {
        let resolved = self.data.resolve(&self.rules);
        let list = resolved.company(company);
        if list.is_empty() {
            return None;
        }
        Some(crate::history::history(&self.rules, list, dates))
    }

    /// The back-test of the engine's rules on its incidents: at each cutoff, what
    /// was known then is rated and set against what followed.
    ///
    /// # Errors
    /// More than [`crate::history::MAX_POINTS`] cutoffs.
    pub fn backtest(
        &self,
        params: &crate::backtest::BacktestParams,
    ) -> Result<crate::backtest::Backtest, Error> {
        let resolved = self.data.resolve(&self.rules);
        crate::backtest::backtest(&resolved, params)
    }

    /// The same incidents under other rules: an engine that shares them.
    pub fn with_rules(&self, rules: Rules) -> Engine {
        Engine {
            rules: Arc::new(rules),
            data: Arc::clone(&self.data),
        }
    }
}

fn owned(rules: &Rules, r: &rate::Rating<'_>, limit: Option<usize>) -> Rating {
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
            })
            .collect(),
        // Rated with explanations (`rate_keeping`, `rate_focused`): never empty.
        explanation: r.explanation.clone(),
    }
}

/// Every public result is owned: none borrows the engine it came from.
const _: () = {
    const fn owned_and_shared<T: Send + Sync + 'static>() {}
    owned_and_shared::<Engine>();
    owned_and_shared::<Report>();
    owned_and_shared::<Rating>();
};

//! Scoring rules: every number the engine uses, loaded and validated once.
//!
//! The engine holds no weights of its own. A [`Rules`] value is built only through
//! [`Rules::from_toml`] (or its wrappers), which checks the whole file and reports
//! every problem at once, so code that holds a `Rules` may trust every field: bands
//! are ordered, multipliers are finite and positive, aliases are unambiguous.

mod edit;
mod load;

use std::collections::HashMap;
use std::path::Path;

use sha2::{Digest, Sha256};

pub use crate::error::{Problem, RulesError};
pub use edit::Setting;

/// The rules file that reproduces SCORING.md, embedded in the library and the binary.
pub const DEFAULT_RULES_TOML: &str = include_str!("../../scoring-rules/default.toml");

/// Index of an incident type within [`Rules::types`].
pub type TypeId = u16;
/// Index of a data class within [`Rules::data_classes`]; at most 64 classes exist so a
/// set of them fits a `u64` bit set.
pub type ClassId = u8;

static NO_TYPE: TypeRule = TypeRule {
    name: String::new(),
    base: 0.0,
    half_life_days: 1.0,
    cutoff_days: 0,
    recurring: false,
    aliases: Vec::new(),
};

static NO_CLASS: DataClassRule = DataClassRule {
    name: String::new(),
    multiplier: 1.0,
    label: String::new(),
    aliases: Vec::new(),
};

/// The largest rules file read (the default is 10 KiB; a hostile 100 MB file is
/// refused before it is parsed).
pub const MAX_RULES_BYTES: u64 = 4 << 20;

/// The most data classes a rules file may define (a class set is a 64-bit set).
pub const MAX_DATA_CLASSES: usize = 64;

/// One incident type: its base points and how fast they fade.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[non_exhaustive]
pub struct TypeRule {
    /// Canonical name, as written in output (`breach`, `ransomware`, …).
    pub name: String,
    /// Points before any factor.
    pub base: f64,
    /// Days after which the points have halved.
    pub half_life_days: f64,
    /// Incidents older than this many days are expired.
    pub cutoff_days: i64,
    /// Whether the type counts towards, and is raised by, recurrence.
    pub recurring: bool,
    /// Other accepted spellings (case-insensitive).
    pub aliases: Vec<String>,
}

/// One data class and its multiplier.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[non_exhaustive]
pub struct DataClassRule {
    /// Canonical name (`mental_health`, `national_id`, …).
    pub name: String,
    /// D for an incident whose most sensitive class this is.
    pub multiplier: f64,
    /// Words used for the class in explanations ("mental health records").
    pub label: String,
    /// Other accepted spellings (case-insensitive).
    pub aliases: Vec<String>,
}

/// `[severity]`: S = max(floor, severity / 100).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[non_exhaustive]
pub struct SeverityRule {
    /// Severity assumed when a record gives none.
    pub default: f64,
    /// The smallest S.
    pub floor: f64,
}

/// `[impact]`: I by impact 1..=multipliers.len().
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[non_exhaustive]
pub struct ImpactRule {
    /// Impact level assumed when a record gives none.
    pub default: u8,
    /// I for impact 1, 2, ….
    pub multipliers: Vec<f64>,
}

/// `[data]`: how data classes and vulnerable subjects combine into D.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[non_exhaustive]
pub struct DataRule {
    /// D when no data class is named.
    pub none: f64,
    /// Added to D when vulnerable people were among the victims.
    pub vulnerable_subjects_bonus: f64,
    /// D's ceiling.
    pub max: f64,
}

/// `[volume]`: V from the number of records.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[non_exhaustive]
pub struct VolumeRule {
    /// V when the records are unknown.
    pub unknown: f64,
    /// V when no record was affected.
    pub zero: f64,
    /// Records at which V is 1.
    pub reference_records: f64,
    /// V's change per tenfold records.
    pub per_decade: f64,
    /// V's floor.
    pub min: f64,
    /// V's ceiling.
    pub max: f64,
}

/// `[confidence]`: C from status and third-party loss.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[non_exhaustive]
pub struct ConfidenceRule {
    /// C for a confirmed incident.
    pub confirmed: f64,
    /// C for an alleged incident.
    pub alleged: f64,
    /// C for a disputed incident.
    pub disputed: f64,
    /// C's multiplier for a loss at a supplier.
    pub third_party: f64,
}

/// `[recurrence]`: R for recurring types.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[non_exhaustive]
pub struct RecurrenceRule {
    /// Days before an incident that count towards its recurrence.
    pub window_days: i64,
    /// R's step per earlier incident.
    pub step: f64,
    /// R's ceiling.
    pub max: f64,
}

/// Within one source, which reports can be one incident.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum WithinSource {
    /// None: every report of one source is an incident of its own, as
    /// SCORING.md rates one feed (the default).
    None,
    /// Only copies: reports equal in every rated field but the id.
    Copies,
    /// Any reports the matching rule matches, as across sources.
    Match,
}

impl WithinSource {
    /// The word a rules file writes.
    pub fn as_str(self) -> &'static str {
        match self {
            WithinSource::None => "none",
            WithinSource::Copies => "copies",
            WithinSource::Match => "match",
        }
    }
}

/// A company key or name as placeholders are compared: its letters and digits
/// alone, in lower case (`Private-Medical Practice` and `private medical
/// practice` are both `privatemedicalpractice`; `N/A` is `na`).
pub(crate) fn placeholder_form(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// The longest placeholder form compared without allocating (an ASCII key with
/// more letters and digits than this is no placeholder of a list this short).
const SHORT_FORM: usize = 64;

impl Rules {
    /// Whether `key` (a company key or name) is a placeholder of the rules'
    /// `[identity]` list: a name that stands for no company.
    pub fn is_placeholder(&self, key: &str) -> bool {
        if self.placeholder_forms.is_empty() {
            return false;
        }
        if key.is_ascii() {
            // Most keys: their form is built on the stack, and one longer than
            // every placeholder is none.
            let mut form = [0u8; SHORT_FORM];
            let mut n = 0;
            for b in key.bytes().filter(u8::is_ascii_alphanumeric) {
                let Some(slot) = form.get_mut(n) else {
                    return self.placeholder_forms.iter().any(|p| p.len() > SHORT_FORM)
                        && self
                            .placeholder_forms
                            .binary_search(&placeholder_form(key))
                            .is_ok();
                };
                *slot = b.to_ascii_lowercase();
                n += 1;
            }
            let form = form.get(..n).unwrap_or_default();
            return self
                .placeholder_forms
                .binary_search_by(|p| p.as_bytes().cmp(form))
                .is_ok();
        }
        self.placeholder_forms
            .binary_search(&placeholder_form(key))
            .is_ok()
    }
}

/// `[merge]`: when reports are one incident (see `crate::merge`). Without the
/// table every report is an incident of its own.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[non_exhaustive]
pub struct MergeRule {
    /// Reports' time spans (date to disclosure) at most this many days apart can
    /// be one incident.
    pub window_days: i64,
    /// Known record counts contradict when the larger is more than this many
    /// times the smaller.
    pub records_ratio: f64,
    /// Within one source, which reports can be one incident.
    pub within_source: WithinSource,
    /// Types that are one family for matching, by name as written; a type in none
    /// is a family of its own.
    pub families: Vec<Vec<String>>,
    /// The most clusters made last that a report is compared with: it bounds the
    /// work for a company with very many incidents at once.
    pub max_candidates: i64,
    /// Each type's family (the first type of its list), by [`TypeId`].
    #[serde(skip)]
    pub(crate) family_of: Vec<u16>,
}

/// `[score]`: the map from risk points to the 100..=1000 scale.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[non_exhaustive]
pub struct ScoreRule {
    /// The worst score.
    pub min: f64,
    /// The best score (no risk points).
    pub max: f64,
    /// Risk points that shrink the distance to the best score by a factor e.
    pub scale: f64,
}

/// `[interval]`: the uncertainty band around a score.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[non_exhaustive]
pub struct IntervalRule {
    /// Coverage of the interval (0.90).
    pub level: f64,
    /// Points per incident assumed for the upper bound when none is counted.
    pub unseen_incident_points: f64,
}

/// One grade band: a rounded score of at least `min_score` earns `grade`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[non_exhaustive]
pub struct GradeBand {
    /// The grade's name.
    pub grade: String,
    /// The lowest rounded score that earns it.
    pub min_score: i64,
}

/// The rules' identity, as every output names it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RulesMeta {
    /// The rules' `name`.
    pub name: String,
    /// The rules' `version`.
    pub version: String,
    /// Hex sha256 of the rules file's bytes.
    pub sha256: String,
}

impl RulesMeta {
    /// The identity of `rules`.
    pub fn of(rules: &Rules) -> RulesMeta {
        RulesMeta {
            name: rules.name.clone(),
            version: rules.version.clone(),
            sha256: rules.sha256.clone(),
        }
    }
}

/// Validated scoring rules. See `scoring-rules/default.toml` for what each knob means.
#[derive(Debug, Clone)]
pub struct Rules {
    name: String,
    version: String,
    sha256: String,
    pub(crate) severity: SeverityRule,
    pub(crate) impact: ImpactRule,
    pub(crate) data: DataRule,
    pub(crate) volume: VolumeRule,
    pub(crate) confidence: ConfidenceRule,
    pub(crate) recurrence: RecurrenceRule,
    pub(crate) score: ScoreRule,
    pub(crate) interval: IntervalRule,
    pub(crate) grades: Vec<GradeBand>,
    pub(crate) types: Vec<TypeRule>,
    pub(crate) classes: Vec<DataClassRule>,
    /// `None`: no `[merge]` table, every report is an incident of its own.
    pub(crate) merge: Option<MergeRule>,
    /// `[identity].placeholders`, as written.
    pub(crate) placeholders: Vec<String>,
    /// The same, each as [`placeholder_form`] gives it, sorted: what is compared.
    placeholder_forms: Vec<String>,
    type_index: HashMap<String, TypeId>,
    class_index: HashMap<String, ClassId>,
}

/// Case-insensitive lookup key of a type or class name or alias.
pub(crate) fn lookup_key(s: &str) -> String {
    s.trim().to_lowercase()
}

impl Rules {
    /// The embedded default rules (SCORING.md).
    ///
    /// # Errors
    /// Never in a released build: a test loads the embedded file. The `Result` keeps
    /// the library free of panics all the same.
    pub fn default_rules() -> Result<Rules, RulesError> {
        Rules::from_toml(DEFAULT_RULES_TOML, "<default>")
    }

    /// Loads and validates rules from TOML text. `origin` names the text in errors.
    ///
    /// # Errors
    /// A [`RulesError`] listing every syntax and semantic problem found.
    pub fn from_toml(text: &str, origin: &str) -> Result<Rules, RulesError> {
        let mut rules = load::parse(text, origin)?;
        rules.sha256 = sha256_hex(text.as_bytes());
        Ok(rules)
    }

    /// Reads and validates a rules file.
    ///
    /// # Errors
    /// [`crate::Error::Io`] when the file cannot be read (or is not UTF-8), and
    /// [`crate::Error::Rules`] when it is not valid rules.
    pub fn from_path(path: &Path) -> Result<Rules, crate::Error> {
        let origin = path.display().to_string();
        let Some(bytes) = crate::file::read_capped(path, MAX_RULES_BYTES)? else {
            return Err(crate::Error::Rules(RulesError {
                origin,
                problems: vec![Problem {
                    line: 1,
                    col: 1,
                    message: format!(
                        "the file is more than {MAX_RULES_BYTES} bytes; a rules file is at most \
                         {MAX_RULES_BYTES} bytes (it was not read further)"
                    ),
                }],
            }));
        };
        let text = String::from_utf8(bytes).map_err(|e| {
            crate::Error::Rules(RulesError {
                origin: origin.clone(),
                problems: vec![Problem {
                    line: 1,
                    col: 1,
                    message: format!(
                        "the file is not UTF-8 (byte offset {})",
                        e.utf8_error().valid_up_to()
                    ),
                }],
            })
        })?;
        Ok(Rules::from_toml(&text, &origin)?)
    }

    /// The rules' `name`.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// The rules' `version`.
    pub fn version(&self) -> &str {
        &self.version
    }
    /// Hex sha256 of the rules file's bytes: two outputs with the same digest were
    /// computed with the same rules.
    pub fn sha256(&self) -> &str {
        &self.sha256
    }
    /// Incident types, in file order.
    #[doc(hidden)]
    pub fn types(&self) -> &[TypeRule] {
        &self.types
    }
    /// Data classes, in file order.
    #[doc(hidden)]
    pub fn data_classes(&self) -> &[DataClassRule] {
        &self.classes
    }
    /// Grade bands, best first.
    #[doc(hidden)]
    pub fn grades(&self) -> &[GradeBand] {
        &self.grades
    }
    /// The interval settings.
    #[doc(hidden)]
    pub fn interval(&self) -> &IntervalRule {
        &self.interval
    }

    /// The type with this name or alias (case-insensitive).
    #[doc(hidden)]
    pub fn type_id(&self, name: &str) -> Option<TypeId> {
        self.type_index.get(&lookup_key(name)).copied()
    }
    /// The data class with this name or alias (case-insensitive).
    #[doc(hidden)]
    pub fn class_id(&self, name: &str) -> Option<ClassId> {
        self.class_index.get(&lookup_key(name)).copied()
    }

    pub(crate) fn type_rule(&self, id: TypeId) -> &TypeRule {
        // Ids come from this Rules value's own index; an id from other rules (a
        // caller mixing rule sets) gets a zero-weight type rather than a panic.
        self.types.get(usize::from(id)).unwrap_or(&NO_TYPE)
    }
    pub(crate) fn class_rule(&self, id: ClassId) -> &DataClassRule {
        self.classes.get(usize::from(id)).unwrap_or(&NO_CLASS)
    }

    /// Maps risk points to the exact (unrounded) score.
    #[doc(hidden)]
    pub fn score_exact(&self, risk_points: f64) -> f64 {
        let s = &self.score;
        s.min + (s.max - s.min) * (-risk_points / s.scale).exp()
    }

    /// Index into [`Rules::grades`] of the band a rounded score falls in. Validation
    /// guarantees the last band starts at or below `score.min`, so every reachable
    /// score has a band; lower scores fall into the last one.
    #[doc(hidden)]
    pub fn grade_index(&self, score: i64) -> usize {
        self.grades
            .iter()
            .position(|g| score >= g.min_score)
            .unwrap_or(self.grades.len().saturating_sub(1))
    }

    /// The effective rules as TOML (no comments), as `riskrate rules show` prints them.
    pub fn to_toml(&self) -> String {
        load::to_toml(self)
    }
}

/// Rounds half up, as SCORING.md's `score` and interval bounds do.
pub fn round_half_up(x: f64) -> i64 {
    // Scores lie in [score.min, score.max]; validation bounds both well inside i64.
    (x + 0.5).floor() as i64
}

pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut s = String::with_capacity(64);
    for b in digest {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

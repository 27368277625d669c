//! TOML → validated [`Rules`], collecting every problem with its line and column.
//!
//! serde's derive stops at the first error, and a person fixing a rules file wants
//! the whole list at once (cedar's validator does the same), so this walks toml's
//! spanned document tree by hand: each knob is read, range-checked and, when wrong,
//! recorded as a [`Problem`] while the walk goes on.

use std::collections::HashMap;
use std::ops::Range;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::{
    ClassId, ConfidenceRule, DataClassRule, DataRule, GradeBand, ImpactRule, IntervalRule,
    MAX_DATA_CLASSES, MergeRule, RecurrenceRule, Rules, RulesError, ScoreRule, SeverityRule,
    TypeId, TypeRule, VolumeRule, WithinSource, lookup_key,
};
use crate::error::Problem;

struct Walker<'s> {
    src: &'s str,
    problems: Vec<(usize, String)>,
}

impl Walker<'_> {
    fn report(&mut self, span: &Range<usize>, message: impl Into<String>) {
        self.problems.push((span.start, message.into()));
    }

    fn position(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.src.len());
        let before = self.src.get(..offset).unwrap_or("");
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let col = before.get(line_start..).map_or(0, |s| s.chars().count()) + 1;
        (line, col)
    }

    fn into_problems(self) -> Vec<Problem> {
        let mut out: Vec<Problem> = self
            .problems
            .iter()
            .map(|(off, message)| {
                let (line, col) = self.position(*off);
                Problem {
                    line,
                    col,
                    message: message.clone(),
                }
            })
            .collect();
        out.sort_by_key(|p| (p.line, p.col));
        out.dedup();
        out
    }
}

type Entry<'a, 'i> = (&'a str, Range<usize>, &'a Spanned<DeValue<'i>>);

/// A table being read: which keys were asked for, so the rest can be reported.
struct Section<'a, 'i> {
    path: String,
    span: Range<usize>,
    entries: Vec<Entry<'a, 'i>>,
    used: Vec<bool>,
}

impl<'a, 'i> Section<'a, 'i> {
    fn new(path: &str, span: Range<usize>, table: &'a DeTable<'i>) -> Self {
        let mut entries: Vec<Entry<'a, 'i>> = table
            .iter()
            .map(|(k, v)| (k.get_ref().as_ref(), k.span(), v))
            .collect();
        // File order, whatever order the map keeps.
        entries.sort_by_key(|e| e.1.start);
        let used = vec![false; entries.len()];
        Section {
            path: path.to_string(),
            span,
            entries,
            used,
        }
    }

    fn has(&self, key: &str) -> bool {
        self.entries.iter().any(|e| e.0 == key)
    }

    fn take(&mut self, key: &str) -> Option<&'a Spanned<DeValue<'i>>> {
        let i = self.entries.iter().position(|e| e.0 == key)?;
        if let Some(u) = self.used.get_mut(i) {
            *u = true;
        }
        self.entries.get(i).map(|e| e.2)
    }

    fn finish(self, w: &mut Walker<'_>, known: &[&str]) {
        for (i, (key, span, _)) in self.entries.iter().enumerate() {
            if !self.used.get(i).copied().unwrap_or(false) {
                let mut msg = format!("unknown key `{key}` in {}", self.path);
                if let Some(s) = did_you_mean(key, known) {
                    msg.push_str(&format!("; did you mean `{s}`?"));
                } else {
                    msg.push_str(&format!("; expected one of: {}", known.join(", ")));
                }
                w.report(span, msg);
            }
        }
    }
}

fn did_you_mean<'k>(key: &str, known: &[&'k str]) -> Option<&'k str> {
    known
        .iter()
        .map(|k| (edit_distance(key, k), *k))
        .filter(|(d, k)| *d <= 2.max(k.len() / 4))
        .min()
        .map(|(_, k)| k)
}

#[allow(
    clippy::indexing_slicing,
    reason = "j < b.len() and both rows have b.len() + 1 cells, so every index is in range"
)]
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// A number as a person would write it in a message: 150, 0.5, 1e300.
fn num(x: f64) -> String {
    if x != 0.0 && x.is_finite() && !(1e-4..1e16).contains(&x.abs()) {
        format!("{x:e}")
    } else {
        format!("{x}")
    }
}

fn kind(v: &DeValue<'_>) -> &'static str {
    match v {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a datetime",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}

fn as_f64(v: &DeValue<'_>) -> Option<f64> {
    match v {
        DeValue::Integer(i) => i64::from_str_radix(i.as_str(), i.radix())
            .ok()
            .map(|n| n as f64),
        DeValue::Float(f) => f.as_str().replace('_', "").parse::<f64>().ok(),
        _ => None,
    }
}

fn as_i64(v: &DeValue<'_>) -> Option<i64> {
    match v {
        DeValue::Integer(i) => i64::from_str_radix(i.as_str(), i.radix()).ok(),
        _ => None,
    }
}

/// Reads a required number, checks it with `ok`, and reports `want` when it fails.
fn number(
    w: &mut Walker<'_>,
    sec: &mut Section<'_, '_>,
    key: &str,
    ok: impl Fn(f64) -> bool,
    want: &str,
) -> f64 {
    match sec.take(key) {
        None => {
            w.report(&sec.span, format!("missing `{key}` in {}", sec.path));
            f64::NAN
        }
        Some(v) => match as_f64(v.get_ref()) {
            Some(x) if x.is_finite() && ok(x) => x,
            Some(x) => {
                w.report(
                    &v.span(),
                    format!("{}.{key} = {} is out of range: {want}", sec.path, num(x)),
                );
                f64::NAN
            }
            None => {
                w.report(
                    &v.span(),
                    format!(
                        "{}.{key} must be a number, found {}",
                        sec.path,
                        kind(v.get_ref())
                    ),
                );
                f64::NAN
            }
        },
    }
}

fn integer(
    w: &mut Walker<'_>,
    sec: &mut Section<'_, '_>,
    key: &str,
    ok: impl Fn(i64) -> bool,
    want: &str,
) -> i64 {
    match sec.take(key) {
        None => {
            w.report(&sec.span, format!("missing `{key}` in {}", sec.path));
            0
        }
        Some(v) => match as_i64(v.get_ref()) {
            Some(x) if ok(x) => x,
            Some(x) => {
                w.report(
                    &v.span(),
                    format!("{}.{key} = {x} is out of range: {want}", sec.path),
                );
                0
            }
            None => {
                w.report(
                    &v.span(),
                    format!(
                        "{}.{key} must be an integer, found {}",
                        sec.path,
                        kind(v.get_ref())
                    ),
                );
                0
            }
        },
    }
}

/// Reports text that holds a control, bidi or zero-width character: a rules file's
/// text lands in every output (tables, CSV, HTML, SVG, explanations), where such a
/// character would change what is shown or make two labels look alike.
fn visible(w: &mut Walker<'_>, span: &Range<usize>, what: &str, s: &str) -> bool {
    match s
        .chars()
        .find(|c| crate::escape::is_unsafe_for_terminal(*c))
    {
        Some(c) => {
            w.report(
                span,
                format!(
                    "{what} holds U+{:04X}, a control or invisible formatting character; \
                     rules text must be visible text",
                    u32::from(c)
                ),
            );
            false
        }
        None => true,
    }
}

fn string(w: &mut Walker<'_>, sec: &mut Section<'_, '_>, key: &str, required: bool) -> String {
    match sec.take(key) {
        None => {
            if required {
                w.report(&sec.span, format!("missing `{key}` in {}", sec.path));
            }
            String::new()
        }
        Some(v) => match v.get_ref() {
            DeValue::String(s) if !s.trim().is_empty() => {
                visible(w, &v.span(), &format!("{}.{key}", sec.path), s);
                s.to_string()
            }
            DeValue::String(_) => {
                w.report(&v.span(), format!("{}.{key} must not be empty", sec.path));
                String::new()
            }
            other => {
                w.report(
                    &v.span(),
                    format!("{}.{key} must be a string, found {}", sec.path, kind(other)),
                );
                String::new()
            }
        },
    }
}

fn boolean(w: &mut Walker<'_>, sec: &mut Section<'_, '_>, key: &str) -> bool {
    match sec.take(key) {
        None => {
            w.report(&sec.span, format!("missing `{key}` in {}", sec.path));
            false
        }
        Some(v) => match v.get_ref() {
            DeValue::Boolean(b) => *b,
            other => {
                w.report(
                    &v.span(),
                    format!(
                        "{}.{key} must be true or false, found {}",
                        sec.path,
                        kind(other)
                    ),
                );
                false
            }
        },
    }
}

/// Optional list of non-empty strings, with each element's span.
fn string_list(
    w: &mut Walker<'_>,
    sec: &mut Section<'_, '_>,
    key: &str,
) -> Vec<(String, Range<usize>)> {
    let Some(v) = sec.take(key) else {
        return Vec::new();
    };
    let DeValue::Array(items) = v.get_ref() else {
        w.report(
            &v.span(),
            format!(
                "{}.{key} must be an array of strings, found {}",
                sec.path,
                kind(v.get_ref())
            ),
        );
        return Vec::new();
    };
    let mut out = Vec::new();
    for item in items.iter() {
        match item.get_ref() {
            DeValue::String(s) if !s.trim().is_empty() => {
                visible(w, &item.span(), &format!("{}.{key}", sec.path), s);
                out.push((s.to_string(), item.span()));
            }
            other => w.report(
                &item.span(),
                format!(
                    "{}.{key} must hold non-empty strings, found {}",
                    sec.path,
                    if matches!(other, DeValue::String(_)) {
                        "an empty string"
                    } else {
                        kind(other)
                    }
                ),
            ),
        }
    }
    out
}

/// A required sub-table of `parent`.
fn table<'a, 'i>(
    w: &mut Walker<'_>,
    parent: &mut Section<'a, 'i>,
    key: &str,
) -> Option<Section<'a, 'i>> {
    let path = if parent.path == "the rules" {
        format!("[{key}]")
    } else {
        format!("{}.{key}", parent.path.trim_end_matches(']'))
    };
    match parent.take(key) {
        None => {
            w.report(&parent.span, format!("missing table [{key}]"));
            None
        }
        Some(v) => match v.get_ref() {
            DeValue::Table(t) => Some(Section::new(&path, v.span(), t)),
            other => {
                w.report(
                    &v.span(),
                    format!("{key} must be a table, found {}", kind(other)),
                );
                None
            }
        },
    }
}

// Weights are bounded so that no accepted rules can overflow a product of factors
// into infinity (and infinity times a zero decay into NaN): every score of valid
// rules is a finite number.
fn positive(x: f64) -> bool {
    x > 0.0 && x <= 1000.0
}
fn non_negative(x: f64) -> bool {
    (0.0..=1000.0).contains(&x)
}
fn unit_interval(x: f64) -> bool {
    x > 0.0 && x <= 1.0
}

/// Claims names and aliases for types or classes, reporting any claimed twice.
struct Claims {
    what: &'static str,
    owner: HashMap<String, String>,
}

impl Claims {
    fn claim(&mut self, w: &mut Walker<'_>, spelling: &str, span: &Range<usize>, by: &str) -> bool {
        let key = lookup_key(spelling);
        if key.contains(',') {
            w.report(
                span,
                format!(
                    "{} name `{spelling}` contains a comma, which separates several types in a record",
                    self.what
                ),
            );
            return false;
        }
        match self.owner.get(&key) {
            Some(first) if first == by => false,
            Some(first) => {
                w.report(
                    span,
                    format!(
                        "{} alias `{spelling}` of `{by}` is already claimed by `{first}`",
                        self.what
                    ),
                );
                false
            }
            None => {
                self.owner.insert(key, by.to_string());
                true
            }
        }
    }
}

const TOP_KEYS: &[&str] = &[
    "name",
    "version",
    "description",
    "severity",
    "impact",
    "data",
    "volume",
    "confidence",
    "recurrence",
    "score",
    "interval",
    "grades",
    "types",
    "data_classes",
    "merge",
    "identity",
];

pub(super) fn parse(text: &str, origin: &str) -> Result<Rules, RulesError> {
    let mut w = Walker {
        src: text,
        problems: Vec::new(),
    };
    let (doc, errors) = DeTable::parse_recoverable(text);
    if !errors.is_empty() {
        return Err(syntax_errors(w, errors, origin));
    }
    let mut top = Section::new("the rules", doc.span(), doc.get_ref());

    let name = string(&mut w, &mut top, "name", true);
    let version = read_version(&mut w, &mut top);
    let _ = string(&mut w, &mut top, "description", false);

    let severity = read_severity(&mut w, &mut top);
    let impact = read_impact(&mut w, &mut top);
    let data = read_data(&mut w, &mut top);
    let volume = read_volume(&mut w, &mut top);
    let confidence = read_confidence(&mut w, &mut top);
    let recurrence = read_recurrence(&mut w, &mut top);
    let score = read_score(&mut w, &mut top);
    let interval = read_interval(&mut w, &mut top);
    let grades = read_grades(&mut w, &mut top, score.as_ref());
    let ((types, type_index), (classes, class_index)) =
        (read_types(&mut w, &mut top), read_classes(&mut w, &mut top));
    let merge = read_merge(&mut w, &mut top, &types, &type_index);
    let (placeholders, placeholder_forms) = read_identity(&mut w, &mut top);
    top.finish(&mut w, TOP_KEYS);

    let problems = w.into_problems();
    let fail = |problems| {
        Err(RulesError {
            origin: origin.to_string(),
            problems,
        })
    };
    let (
        Some(severity),
        Some(impact),
        Some(data),
        Some(volume),
        Some(confidence),
        Some(recurrence),
        Some(score),
        Some(interval),
    ) = (
        severity, impact, data, volume, confidence, recurrence, score, interval,
    )
    else {
        return fail(problems);
    };
    if !problems.is_empty() {
        return fail(problems);
    }
    Ok(Rules {
        name,
        version,
        sha256: String::new(),
        severity,
        impact,
        data,
        volume,
        confidence,
        recurrence,
        score,
        interval,
        grades,
        types,
        classes,
        merge,
        placeholders,
        placeholder_forms,
        type_index,
        class_index,
    })
}

/// `[identity].placeholders`: names that stand for no company, as written and
/// as [`super::placeholder_form`] folds them (sorted).
fn read_identity(w: &mut Walker<'_>, top: &mut Section<'_, '_>) -> (Vec<String>, Vec<String>) {
    if !top.has("identity") {
        return (Vec::new(), Vec::new());
    }
    let Some(mut s) = table(w, top, "identity") else {
        return (Vec::new(), Vec::new());
    };
    let list: Vec<String> = string_list(w, &mut s, "placeholders")
        .into_iter()
        .map(|(p, _)| p)
        .collect();
    s.finish(w, &["placeholders"]);
    let mut forms: Vec<String> = list
        .iter()
        .map(|p| super::placeholder_form(p))
        .filter(|p| !p.is_empty())
        .collect();
    forms.sort();
    forms.dedup();
    (list, forms)
}
/// Every TOML syntax error, each at its place: nothing else is read then.
fn syntax_errors(mut w: Walker<'_>, errors: Vec<toml::de::Error>, origin: &str) -> RulesError {
    for e in errors {
        let span = e.span().unwrap_or(0..0);
        w.report(&span, format!("TOML syntax: {}", e.message().trim()));
    }
    RulesError {
        origin: origin.to_string(),
        problems: w.into_problems(),
    }
}

/// The `[merge]` table, when the rules have one.
fn read_merge(
    w: &mut Walker<'_>,
    top: &mut Section<'_, '_>,
    types: &[TypeRule],
    type_index: &HashMap<String, TypeId>,
) -> Option<MergeRule> {
    if !top.has("merge") {
        return None;
    }
    let mut s = table(w, top, "merge")?;
    let window_days = integer(
        w,
        &mut s,
        "window_days",
        |x| (0..=100_000).contains(&x),
        "0..=100000 days",
    );
    let records_ratio = number(
        w,
        &mut s,
        "records_ratio",
        |x| (1.0..=1e12).contains(&x),
        "1 to 1e12",
    );
    let within = string(w, &mut s, "within_source", true);
    let within_source = match within.as_str() {
        "none" | "" => WithinSource::None,
        "copies" => WithinSource::Copies,
        "match" => WithinSource::Match,
        other => {
            w.report(
                &s.span,
                format!(
                    "[merge].within_source must be \"none\", \"copies\" or \"match\", found {:?}",
                    other
                ),
            );
            WithinSource::None
        }
    };
    let max_candidates = integer(
        w,
        &mut s,
        "max_candidates",
        |x| (1..=4096).contains(&x),
        "1..=4096",
    );
    let (families, family_of) = read_families(w, &mut s, types, type_index);
    s.finish(
        w,
        &[
            "window_days",
            "records_ratio",
            "within_source",
            "max_candidates",
            "families",
        ],
    );
    Some(MergeRule {
        window_days,
        records_ratio,
        within_source,
        families,
        max_candidates,
        family_of,
    })
}

/// `[merge].families`: lists of type names (or aliases) that are one family; each
/// type's family is the first type of its list, else itself.
fn read_families(
    w: &mut Walker<'_>,
    s: &mut Section<'_, '_>,
    types: &[TypeRule],
    type_index: &HashMap<String, TypeId>,
) -> (Vec<Vec<String>>, Vec<u16>) {
    let mut family_of: Vec<u16> = (0..types.len()).map(|t| t as u16).collect();
    let mut families = Vec::new();
    let Some(v) = s.take("families") else {
        return (families, family_of);
    };
    let DeValue::Array(lists) = v.get_ref() else {
        w.report(
            &v.span(),
            format!(
                "[merge].families must be an array of arrays of type names, found {}",
                kind(v.get_ref())
            ),
        );
        return (families, family_of);
    };
    let mut placed: HashMap<TypeId, usize> = HashMap::new();
    for (k, list) in lists.iter().enumerate() {
        let DeValue::Array(names) = list.get_ref() else {
            w.report(
                &list.span(),
                format!(
                    "[merge].families must hold arrays of type names, found {}",
                    kind(list.get_ref())
                ),
            );
            continue;
        };
        let mut family = Vec::new();
        let mut first: Option<TypeId> = None;
        for name in names.iter() {
            let DeValue::String(text) = name.get_ref() else {
                w.report(
                    &name.span(),
                    format!(
                        "[merge].families must hold type names, found {}",
                        kind(name.get_ref())
                    ),
                );
                continue;
            };
            let Some(&t) = type_index.get(&lookup_key(text)) else {
                w.report(
                    &name.span(),
                    format!("[merge].families names {text:?}, which is not a type"),
                );
                continue;
            };
            if let Some(other) = placed.insert(t, k)
                && other != k
            {
                w.report(
                    &name.span(),
                    format!("[merge].families puts {text:?} in two families"),
                );
            }
            let f = *first.get_or_insert(t);
            if let Some(slot) = family_of.get_mut(usize::from(t)) {
                *slot = f;
            }
            family.push(text.to_string());
        }
        families.push(family);
    }
    (families, family_of)
}

/// The rules' `version`: a non-empty string (an integer is taken as its text).
fn read_version(w: &mut Walker<'_>, top: &mut Section<'_, '_>) -> String {
    match top.take("version") {
        None => {
            w.report(&top.span, "missing `version` (a string, e.g. \"1\")");
            String::new()
        }
        Some(v) => match v.get_ref() {
            DeValue::String(s) if !s.trim().is_empty() => s.to_string(),
            DeValue::Integer(i) => i.as_str().to_string(),
            other => {
                w.report(
                    &v.span(),
                    format!("version must be a non-empty string, found {}", kind(other)),
                );
                String::new()
            }
        },
    }
}

/// The `[severity]` table.
fn read_severity(w: &mut Walker<'_>, top: &mut Section<'_, '_>) -> Option<SeverityRule> {
    table(w, top, "severity").map(|mut s| {
        let r = SeverityRule {
            default: number(
                w,
                &mut s,
                "default",
                |x| (0.0..=100.0).contains(&x),
                "0..=100",
            ),
            floor: number(w, &mut s, "floor", |x| (0.0..=1.0).contains(&x), "0..=1"),
        };
        s.finish(w, &["default", "floor"]);
        r
    })
}

/// The `[impact]` table.
fn read_impact(w: &mut Walker<'_>, top: &mut Section<'_, '_>) -> Option<ImpactRule> {
    table(w, top, "impact").map(|mut s| {
        let multipliers: Vec<f64> = match s.take("multipliers") {
            Some(v) => match v.get_ref() {
                DeValue::Array(items) if !items.is_empty() && items.len() <= 255 => items
                    .iter()
                    .map(|it| match as_f64(it.get_ref()) {
                        Some(x) if x.is_finite() && positive(x) => x,
                        _ => {
                            w.report(
                                &it.span(),
                                "[impact].multipliers must hold numbers above 0 and at most 1000",
                            );
                            f64::NAN
                        }
                    })
                    .collect(),
                _ => {
                    w.report(
                        &v.span(),
                        "[impact].multipliers must be an array of 1 to 255 positive numbers",
                    );
                    Vec::new()
                }
            },
            None => {
                w.report(&s.span, "missing `multipliers` in [impact]");
                Vec::new()
            }
        };
        let n = multipliers.len() as i64;
        let default = integer(
            w,
            &mut s,
            "default",
            |x| x >= 1 && x <= n.max(1),
            "an impact level 1..=len(multipliers)",
        );
        s.finish(w, &["default", "multipliers"]);
        ImpactRule {
            default: u8::try_from(default).unwrap_or(1),
            multipliers,
        }
    })
}

/// The `[data]` table.
fn read_data(w: &mut Walker<'_>, top: &mut Section<'_, '_>) -> Option<DataRule> {
    table(w, top, "data").map(|mut s| {
        let r = DataRule {
            none: number(w, &mut s, "none", positive, "above 0 and at most 1000"),
            vulnerable_subjects_bonus: number(
                w,
                &mut s,
                "vulnerable_subjects_bonus",
                non_negative,
                "0 or more",
            ),
            max: number(w, &mut s, "max", positive, "above 0 and at most 1000"),
        };
        s.finish(w, &["none", "vulnerable_subjects_bonus", "max"]);
        r
    })
}

/// The `[volume]` table.
fn read_volume(w: &mut Walker<'_>, top: &mut Section<'_, '_>) -> Option<VolumeRule> {
    table(w, top, "volume").map(|mut s| {
        let r = VolumeRule {
            unknown: number(w, &mut s, "unknown", positive, "above 0 and at most 1000"),
            zero: number(w, &mut s, "zero", positive, "above 0 and at most 1000"),
            reference_records: number(
                w,
                &mut s,
                "reference_records",
                |x| x > 0.0 && x <= 1e15,
                "above 0 and at most 1e15",
            ),
            per_decade: number(w, &mut s, "per_decade", non_negative, "0 to 1000"),
            min: number(w, &mut s, "min", positive, "above 0 and at most 1000"),
            max: number(w, &mut s, "max", positive, "above 0 and at most 1000"),
        };
        if r.min > r.max {
            w.report(
                &s.span,
                format!("[volume] min {} is above max {}", r.min, r.max),
            );
        }
        s.finish(
            w,
            &[
                "unknown",
                "zero",
                "reference_records",
                "per_decade",
                "min",
                "max",
            ],
        );
        r
    })
}

/// The `[confidence]` table.
fn read_confidence(w: &mut Walker<'_>, top: &mut Section<'_, '_>) -> Option<ConfidenceRule> {
    table(w, top, "confidence").map(|mut s| {
        let r = ConfidenceRule {
            confirmed: number(
                w,
                &mut s,
                "confirmed",
                unit_interval,
                "above 0 and at most 1",
            ),
            alleged: number(w, &mut s, "alleged", unit_interval, "above 0 and at most 1"),
            disputed: number(
                w,
                &mut s,
                "disputed",
                unit_interval,
                "above 0 and at most 1",
            ),
            third_party: number(
                w,
                &mut s,
                "third_party",
                unit_interval,
                "above 0 and at most 1",
            ),
        };
        s.finish(w, &["confirmed", "alleged", "disputed", "third_party"]);
        r
    })
}

/// The `[recurrence]` table.
fn read_recurrence(w: &mut Walker<'_>, top: &mut Section<'_, '_>) -> Option<RecurrenceRule> {
    table(w, top, "recurrence").map(|mut s| {
        let r = RecurrenceRule {
            window_days: integer(
                w,
                &mut s,
                "window_days",
                |x| (0..=100_000).contains(&x),
                "0..=100000 days",
            ),
            step: number(w, &mut s, "step", non_negative, "0 to 1000"),
            max: number(
                w,
                &mut s,
                "max",
                |x| (1.0..=1000.0).contains(&x),
                "1 to 1000",
            ),
        };
        s.finish(w, &["window_days", "step", "max"]);
        r
    })
}

/// The `[score]` table.
fn read_score(w: &mut Walker<'_>, top: &mut Section<'_, '_>) -> Option<ScoreRule> {
    table(w, top, "score").map(|mut s| {
        let bound = |x: f64| x.abs() <= 1e12;
        let r = ScoreRule {
            min: number(w, &mut s, "min", bound, "within ±1e12"),
            max: number(w, &mut s, "max", bound, "within ±1e12"),
            scale: number(
                w,
                &mut s,
                "scale",
                |x| (1e-6..=1e12).contains(&x),
                "1e-6 to 1e12",
            ),
        };
        if r.min >= r.max {
            w.report(
                &s.span,
                format!("[score] min {} must be below max {}", r.min, r.max),
            );
        }
        s.finish(w, &["min", "max", "scale"]);
        r
    })
}

/// The `[interval]` table.
fn read_interval(w: &mut Walker<'_>, top: &mut Section<'_, '_>) -> Option<IntervalRule> {
    table(w, top, "interval").map(|mut s| {
        let r = IntervalRule {
            level: number(
                w,
                &mut s,
                "level",
                |x| x > 0.0 && x < 1.0,
                "strictly between 0 and 1",
            ),
            unseen_incident_points: number(
                w,
                &mut s,
                "unseen_incident_points",
                non_negative,
                "0 or more",
            ),
        };
        s.finish(w, &["level", "unseen_incident_points"]);
        r
    })
}

fn read_grades(
    w: &mut Walker<'_>,
    top: &mut Section<'_, '_>,
    score: Option<&ScoreRule>,
) -> Vec<GradeBand> {
    let Some(v) = top.take("grades") else {
        w.report(
            &top.span,
            "missing [[grades]]: at least one grade band is needed",
        );
        return Vec::new();
    };
    let DeValue::Array(items) = v.get_ref() else {
        w.report(&v.span(), "grades must be an array of tables ([[grades]])");
        return Vec::new();
    };
    let mut out: Vec<GradeBand> = Vec::new();
    for item in items.iter() {
        let DeValue::Table(t) = item.get_ref() else {
            w.report(&item.span(), "each [[grades]] entry must be a table");
            continue;
        };
        let mut s = Section::new("[[grades]]", item.span(), t);
        let grade = string(w, &mut s, "grade", true);
        let min_score = integer(
            w,
            &mut s,
            "min_score",
            |x| x.abs() <= 1_000_000_000_000,
            "within ±1e12",
        );
        if let Some(prev) = out.last()
            && min_score >= prev.min_score
        {
            w.report(
                &item.span(),
                format!(
                    "grade bands out of order: {grade} (min_score {min_score}) must be below {} (min_score {}); list the best grade first",
                    prev.grade, prev.min_score
                ),
            );
        }
        if out.iter().any(|g| g.grade == grade) {
            w.report(&item.span(), format!("grade `{grade}` is defined twice"));
        }
        s.finish(w, &["grade", "min_score"]);
        out.push(GradeBand { grade, min_score });
    }
    match (out.last(), score) {
        (None, _) => w.report(&v.span(), "at least one grade band is needed"),
        (Some(last), Some(sc)) if (last.min_score as f64) > sc.min => w.report(
            &v.span(),
            format!(
                "the last grade band ({}) starts at {}, above score.min {}: some scores would have no grade",
                last.grade, last.min_score, sc.min
            ),
        ),
        _ => {}
    }
    out
}

fn read_types(
    w: &mut Walker<'_>,
    top: &mut Section<'_, '_>,
) -> (Vec<TypeRule>, HashMap<String, TypeId>) {
    let mut rules = Vec::new();
    let mut claims = Claims {
        what: "type",
        owner: HashMap::new(),
    };
    let Some(mut types) = table(w, top, "types") else {
        return (rules, HashMap::new());
    };
    let names: Vec<&str> = types.entries.iter().map(|e| e.0).collect();
    for e in &types.entries {
        visible(
            w,
            &e.1,
            &format!("the type name `{}`", e.0.escape_default()),
            e.0,
        );
    }
    if names.is_empty() {
        w.report(
            &types.span,
            "[types] must define at least one incident type",
        );
    }
    for name in names {
        let Some(v) = types.take(name) else { continue };
        let DeValue::Table(t) = v.get_ref() else {
            w.report(&v.span(), format!("[types.{name}] must be a table"));
            continue;
        };
        let span = v.span();
        let (rule, aliases) = read_type(w, name, span.clone(), t);
        claims.claim(w, name, &span, name);
        for (a, span) in &aliases {
            claims.claim(w, a, span, name);
        }
        rules.push(TypeRule {
            aliases: aliases.into_iter().map(|a| a.0).collect(),
            ..rule
        });
    }
    if rules.len() > usize::from(TypeId::MAX) {
        w.report(&types.span, "too many incident types");
    }
    let index = index_of(
        &claims,
        &rules.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(),
    );
    (rules, index)
}

/// Names given as aliases, each with where it is written.
type Aliases = Vec<(String, Range<usize>)>;

/// One `[types.NAME]` table: the type (its aliases not yet set), and the aliases
/// with where each is written.
fn read_type(
    w: &mut Walker<'_>,
    name: &str,
    span: Range<usize>,
    t: &DeTable<'_>,
) -> (TypeRule, Aliases) {
    let mut s = Section::new(&format!("[types.{name}]"), span, t);
    let base = number(w, &mut s, "base", |x| (0.0..=1e6).contains(&x), "0 to 1e6");
    let half_life_days = number(
        w,
        &mut s,
        "half_life_days",
        |x| (0.001..=1e6).contains(&x),
        "0.001 to 1e6 days",
    );
    let cutoff_days = integer(
        w,
        &mut s,
        "cutoff_days",
        |x| (0..=100_000).contains(&x),
        "0..=100000 days",
    );
    let recurring = boolean(w, &mut s, "recurring");
    let aliases = string_list(w, &mut s, "aliases");
    s.finish(
        w,
        &[
            "base",
            "half_life_days",
            "cutoff_days",
            "recurring",
            "aliases",
        ],
    );
    let rule = TypeRule {
        name: name.to_string(),
        base,
        half_life_days,
        cutoff_days,
        recurring,
        aliases: Vec::new(),
    };
    (rule, aliases)
}

fn read_classes(
    w: &mut Walker<'_>,
    top: &mut Section<'_, '_>,
) -> (Vec<DataClassRule>, HashMap<String, ClassId>) {
    let mut rules = Vec::new();
    let mut claims = Claims {
        what: "data class",
        owner: HashMap::new(),
    };
    let Some(mut classes) = table(w, top, "data_classes") else {
        return (rules, HashMap::new());
    };
    let names: Vec<&str> = classes.entries.iter().map(|e| e.0).collect();
    for e in &classes.entries {
        visible(
            w,
            &e.1,
            &format!("the data class `{}`", e.0.escape_default()),
            e.0,
        );
    }
    for name in names {
        let Some(v) = classes.take(name) else {
            continue;
        };
        let DeValue::Table(t) = v.get_ref() else {
            w.report(&v.span(), format!("[data_classes.{name}] must be a table"));
            continue;
        };
        let mut s = Section::new(&format!("[data_classes.{name}]"), v.span(), t);
        let multiplier = number(
            w,
            &mut s,
            "multiplier",
            positive,
            "above 0 and at most 1000",
        );
        let mut label = string(w, &mut s, "label", false);
        if label.is_empty() {
            label = name.replace('_', " ");
        }
        let aliases = string_list(w, &mut s, "aliases");
        let span = s.span.clone();
        s.finish(w, &["multiplier", "label", "aliases"]);
        claims.claim(w, name, &span, name);
        for (a, span) in &aliases {
            claims.claim(w, a, span, name);
        }
        rules.push(DataClassRule {
            name: name.to_string(),
            multiplier,
            label,
            aliases: aliases.into_iter().map(|a| a.0).collect(),
        });
    }
    if rules.len() > MAX_DATA_CLASSES {
        w.report(
            &classes.span,
            format!(
                "at most {MAX_DATA_CLASSES} data classes are supported, found {}",
                rules.len()
            ),
        );
    }
    let index = index_of(
        &claims,
        &rules.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(),
    );
    (rules, index)
}

/// Turns claims (spelling → owner name) into spelling → position of the owner.
fn index_of<T: TryFrom<usize> + Copy>(claims: &Claims, names: &[&str]) -> HashMap<String, T> {
    let pos: HashMap<&str, T> = names
        .iter()
        .enumerate()
        .filter_map(|(i, n)| T::try_from(i).ok().map(|t| (*n, t)))
        .collect();
    claims
        .owner
        .iter()
        .filter_map(|(k, owner)| pos.get(owner.as_str()).map(|p| (k.clone(), *p)))
        .collect()
}

pub(super) fn to_toml(r: &Rules) -> String {
    let mut doc = toml::Table::new();
    doc.insert("name".into(), toml::Value::String(r.name.clone()));
    doc.insert("version".into(), toml::Value::String(r.version.clone()));
    factors_to_toml(r, &mut doc);
    scale_to_toml(r, &mut doc);
    lists_to_toml(r, &mut doc);
    if let Some(m) = &r.merge {
        doc.insert("merge".into(), merge_to_toml(m));
    }
    if !r.placeholders.is_empty() {
        let list = r
            .placeholders
            .iter()
            .map(|p| toml::Value::String(p.clone()))
            .collect();
        doc.insert(
            "identity".into(),
            toml_table(vec![("placeholders", toml::Value::Array(list))]),
        );
    }
    toml::to_string(&doc).unwrap_or_default()
}

/// `[merge]`, as [`read_merge`] reads it.
fn merge_to_toml(m: &MergeRule) -> toml::Value {
    use toml::Value;
    let families = m
        .families
        .iter()
        .map(|f| Value::Array(f.iter().map(|n| Value::String(n.clone())).collect()))
        .collect();
    toml_table(vec![
        ("window_days", Value::Integer(m.window_days)),
        ("records_ratio", toml_float(m.records_ratio)),
        (
            "within_source",
            Value::String(m.within_source.as_str().into()),
        ),
        ("max_candidates", Value::Integer(m.max_candidates)),
        ("families", Value::Array(families)),
    ])
}

/// `[severity]`, `[impact]`, `[data]` and `[volume]`, in file order.
fn factors_to_toml(r: &Rules, doc: &mut toml::Table) {
    use toml::Value;
    doc.insert(
        "severity".into(),
        toml_table(vec![
            ("default", toml_float(r.severity.default)),
            ("floor", toml_float(r.severity.floor)),
        ]),
    );
    doc.insert(
        "impact".into(),
        toml_table(vec![
            ("default", Value::Integer(i64::from(r.impact.default))),
            (
                "multipliers",
                Value::Array(
                    r.impact
                        .multipliers
                        .iter()
                        .map(|x| toml_float(*x))
                        .collect(),
                ),
            ),
        ]),
    );
    doc.insert(
        "data".into(),
        toml_table(vec![
            ("none", toml_float(r.data.none)),
            (
                "vulnerable_subjects_bonus",
                toml_float(r.data.vulnerable_subjects_bonus),
            ),
            ("max", toml_float(r.data.max)),
        ]),
    );
    let v = &r.volume;
    doc.insert(
        "volume".into(),
        toml_table(vec![
            ("unknown", toml_float(v.unknown)),
            ("zero", toml_float(v.zero)),
            ("reference_records", toml_float(v.reference_records)),
            ("per_decade", toml_float(v.per_decade)),
            ("min", toml_float(v.min)),
            ("max", toml_float(v.max)),
        ]),
    );
}

/// `[confidence]`, `[recurrence]`, `[score]` and `[interval]`, in file order.
fn scale_to_toml(r: &Rules, doc: &mut toml::Table) {
    use toml::Value;
    let c = &r.confidence;
    doc.insert(
        "confidence".into(),
        toml_table(vec![
            ("confirmed", toml_float(c.confirmed)),
            ("alleged", toml_float(c.alleged)),
            ("disputed", toml_float(c.disputed)),
            ("third_party", toml_float(c.third_party)),
        ]),
    );
    doc.insert(
        "recurrence".into(),
        toml_table(vec![
            ("window_days", Value::Integer(r.recurrence.window_days)),
            ("step", toml_float(r.recurrence.step)),
            ("max", toml_float(r.recurrence.max)),
        ]),
    );
    doc.insert(
        "score".into(),
        toml_table(vec![
            ("min", toml_float(r.score.min)),
            ("max", toml_float(r.score.max)),
            ("scale", toml_float(r.score.scale)),
        ]),
    );
    doc.insert(
        "interval".into(),
        toml_table(vec![
            ("level", toml_float(r.interval.level)),
            (
                "unseen_incident_points",
                toml_float(r.interval.unseen_incident_points),
            ),
        ]),
    );
}

/// `[[grades]]`, `[types]` and `[data_classes]`, in file order.
fn lists_to_toml(r: &Rules, doc: &mut toml::Table) {
    use toml::{Table, Value};
    doc.insert(
        "grades".into(),
        Value::Array(
            r.grades
                .iter()
                .map(|g| {
                    toml_table(vec![
                        ("grade", Value::String(g.grade.clone())),
                        ("min_score", Value::Integer(g.min_score)),
                    ])
                })
                .collect(),
        ),
    );
    let mut types = Table::new();
    for ty in &r.types {
        types.insert(
            ty.name.clone(),
            toml_table(vec![
                ("base", toml_float(ty.base)),
                ("half_life_days", toml_float(ty.half_life_days)),
                ("cutoff_days", Value::Integer(ty.cutoff_days)),
                ("recurring", Value::Boolean(ty.recurring)),
                ("aliases", toml_strings(&ty.aliases)),
            ]),
        );
    }
    doc.insert("types".into(), Value::Table(types));
    let mut classes = Table::new();
    for cl in &r.classes {
        classes.insert(
            cl.name.clone(),
            toml_table(vec![
                ("multiplier", toml_float(cl.multiplier)),
                ("label", Value::String(cl.label.clone())),
                ("aliases", toml_strings(&cl.aliases)),
            ]),
        );
    }
    doc.insert("data_classes".into(), Value::Table(classes));
}

/// A TOML table of `pairs`, in their order.
fn toml_table(pairs: Vec<(&str, toml::Value)>) -> toml::Value {
    toml::Value::Table(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}
fn toml_float(x: f64) -> toml::Value {
    toml::Value::Float(x)
}
fn toml_strings(xs: &[String]) -> toml::Value {
    toml::Value::Array(xs.iter().map(|s| toml::Value::String(s.clone())).collect())
}

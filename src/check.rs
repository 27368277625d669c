//! The field rules of SCORING.md §1, written once. Every reader hands its record
//! here as [`Fields`] — the generic [`Record`] that any format and any caller
//! produce, and the JSON Lines scanner's slots ([`crate::ingest::direct`]) — and
//! [`check`] decides what is valid and builds the [`Incident`]. What depends on
//! the rules (which type a `type` text names, the data classes, the impact
//! levels) is decided here too, per set of rules, by [`resolve_type`],
//! [`resolve_classes`] and [`resolve_impact`].
//!
//! Numbers given as strings (`"severity": "100"`), partial dates (`10/2020`),
//! bare years given as numbers and flags given as words are accepted here and
//! nowhere else.

use std::borrow::Cow;

use crate::model::{
    Checked, FieldName, Incident, Names, PartialDate, Record, Rejection, Status, Value, trim,
    truncate,
};
use crate::rules::{ClassId, Rules, TypeId};

/// One field's value as a reader holds it, borrowed from the reader.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Field<'v> {
    /// Absent or `null`.
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Str(&'v str),
    List(Items<'v>),
    /// A JSON object where a scalar was expected.
    Object,
}

/// The items of a list, as the reader keeps them.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Items<'v> {
    /// Any values (the generic record).
    Values(&'v [Value<'v>]),
    /// Text items only (the scanner keeps a list this way, or declines the line).
    Texts(&'v [&'v str]),
}

/// A record as any reader holds it: its fields by name.
pub(crate) trait Fields {
    /// The field's value; [`Field::Null`] when absent.
    fn field(&self, name: FieldName) -> Field<'_>;
    /// The first field given twice in one object, if any: the record is rejected.
    fn repeated(&self) -> Option<&'static str>;
}

impl Fields for Record<'_> {
    fn field(&self, name: FieldName) -> Field<'_> {
        let v = match name {
            FieldName::Id => &self.id,
            FieldName::Company => &self.company,
            FieldName::LinkId => &self.linkid,
            FieldName::CompanyName => &self.company_name,
            FieldName::Industry => &self.industry,
            FieldName::Country => &self.country,
            FieldName::Type => &self.kind,
            FieldName::Date => &self.date,
            FieldName::Disclosed => &self.disclosed,
            FieldName::Severity => &self.severity,
            FieldName::Impact => &self.impact,
            FieldName::DataTypes => &self.data_types,
            FieldName::Records => &self.records,
            FieldName::Status => &self.status,
            FieldName::ThirdParty => &self.third_party,
            FieldName::VulnerableSubjects => &self.vulnerable_subjects,
            FieldName::Other => return Field::Null,
        };
        Field::of(v)
    }

    fn repeated(&self) -> Option<&'static str> {
        self.repeated
    }
}

impl<'v> Field<'v> {
    #[inline]
    pub(crate) fn of(v: &'v Value<'_>) -> Field<'v> {
        match v {
            Value::Null => Field::Null,
            Value::Bool(b) => Field::Bool(*b),
            Value::Int(i) => Field::Int(*i),
            Value::UInt(u) => Field::UInt(*u),
            Value::Float(x) => Field::Float(*x),
            Value::Str(s) => Field::Str(s),
            Value::List(items) => Field::List(Items::Values(items)),
            Value::Object => Field::Object,
        }
    }

    /// Absent, null or blank text: not given.
    #[inline]
    fn is_missing(self) -> bool {
        match self {
            Field::Null => true,
            Field::Str(s) => trim(s).is_empty(),
            _ => false,
        }
    }

    /// The value as an error message shows it.
    fn describe(self) -> String {
        match self {
            Field::Null => "null".into(),
            Field::Bool(b) => b.to_string(),
            Field::Int(i) => i.to_string(),
            Field::UInt(u) => u.to_string(),
            Field::Float(x) => x.to_string(),
            Field::Str(s) => format!("{:?}", truncate(s, 60)),
            Field::List(_) => "a list".into(),
            Field::Object => "an object".into(),
        }
    }

    /// A scalar as text (numbers in their shortest form); `None` for lists/objects.
    fn text(self) -> Option<Cow<'v, str>> {
        match self {
            Field::Str(s) => Some(Cow::Borrowed(s)),
            Field::Int(i) => Some(Cow::Owned(i.to_string())),
            Field::UInt(u) => Some(Cow::Owned(u.to_string())),
            Field::Float(x) => Some(Cow::Owned(x.to_string())),
            Field::Bool(b) => Some(Cow::Owned(b.to_string())),
            _ => None,
        }
    }

    fn number(self) -> Option<f64> {
        match self {
            Field::Int(i) => Some(i as f64),
            Field::UInt(u) => Some(u as f64),
            Field::Float(x) => Some(x),
            Field::Str(s) => s.trim().parse::<f64>().ok().filter(|x| x.is_finite()),
            _ => None,
        }
    }

    /// A whole number given as a number or numeric string (`4`, `4.0`, `"4"`).
    fn integer(self) -> Option<i128> {
        match self {
            Field::Int(i) => Some(i128::from(i)),
            Field::UInt(u) => Some(i128::from(u)),
            Field::Float(_) | Field::Str(_) => {
                if let Field::Str(s) = self
                    && let Ok(i) = s.trim().parse::<i128>()
                {
                    return Some(i);
                }
                let x = self.number()?;
                (x.fract() == 0.0 && x.abs() < 1.8e19).then_some(x as i128)
            }
            _ => None,
        }
    }
}

/// Why a record was rejected, before its location is attached. Boxed: every
/// check returns a `Result` with it, and a pointer keeps those results small
/// enough to come back in registers; only a rejection pays the allocation.
#[derive(Debug, Clone)]
pub(crate) struct Fault(Box<FaultParts>);

#[derive(Debug, Clone)]
struct FaultParts {
    field: Option<&'static str>,
    message: String,
}

impl Fault {
    /// A record that could not be read as a whole (a field to blame when known).
    pub(crate) fn unreadable(message: String, field: Option<&'static str>) -> Fault {
        Fault(Box::new(FaultParts { field, message }))
    }

    pub(crate) fn into_rejection(
        self,
        id: Option<String>,
        file: String,
        line: u64,
        seq: u64,
    ) -> Rejection {
        let FaultParts { field, message } = *self.0;
        Rejection {
            file,
            line,
            id,
            field: field.map(str::to_string),
            message,
            seq,
        }
    }
}

#[cold]
fn fault(field: &'static str, message: impl Into<String>) -> Fault {
    Fault::unreadable(message.into(), Some(field))
}

/// The record's id as text, when it has a usable one (for rejection messages).
pub(crate) fn id_text(record: &impl Fields) -> Option<String> {
    let id = record.field(FieldName::Id);
    if id.is_missing() {
        return None;
    }
    id.text().map(Cow::into_owned)
}

/// Checks every field that does not depend on the rules and adds the incident to
/// `out`, its texts stored in `names`; a rejected record leaves both as they were.
/// The first field at fault, in the order of SCORING.md §1, is the one reported.
#[inline]
pub(crate) fn check(
    record: &impl Fields,
    names: &mut Names,
    file: u32,
    line: u64,
    out: &mut Vec<Incident>,
) -> Result<(), Fault> {
    use FieldName as F;
    if let Some(name) = record.repeated() {
        return Err(fault(name, format!("field `{name}` is given twice")));
    }
    let id = required_text(record.field(F::Id), "id")?;
    let company = match record.field(F::Company) {
        c if c.is_missing() => required_text(record.field(F::LinkId), "company")?,
        c => required_text(c, "company")?,
    };
    let company_name = optional_text(record.field(F::CompanyName), "company_name")?;
    let industry = optional_text(record.field(F::Industry), "industry")?;
    let country = optional_text(record.field(F::Country), "country")?;

    let kind = kind_text(record.field(F::Type))?;
    let date = match record.field(F::Date) {
        v if v.is_missing() => return Err(fault("date", "missing date")),
        v => parse_date(v, "date")?,
    };
    let disclosed = match record.field(F::Disclosed) {
        v if v.is_missing() => None,
        v => Some(parse_date(v, "disclosed")?),
    };

    let severity = severity(record.field(F::Severity))?;
    let impact = impact(record.field(F::Impact))?;
    // A list of names that need no trimming is interned as given; any other is
    // built (in place: it is a few hundred bytes, and moving it cost a copy).
    let mut built = None;
    let given: &[&str] = match record.field(F::DataTypes) {
        Field::Null => &[],
        Field::List(Items::Texts(items)) if all_trimmed(items) => items,
        other => {
            data_names(other, built.insert(DataNames::new()))?;
            &[]
        }
    };
    let records = records(record.field(F::Records))?;
    let status = status(record.field(F::Status))?;
    let third_party = flag(record.field(F::ThirdParty), "third_party")?;
    let vulnerable_subjects = flag(record.field(F::VulnerableSubjects), "vulnerable_subjects")?;

    let data = names.intern_list(built.as_ref().map_or(given, DataNames::as_slice));
    let incident = Checked {
        id: &id,
        company: &company,
        company_name: company_name.as_deref(),
        industry: industry.as_deref(),
        country: country.as_deref(),
        kind,
        data,
        date,
        disclosed,
        severity,
        impact,
        records,
        status,
        third_party,
        vulnerable_subjects,
    }
    .store(names, file, line);
    out.push(incident);
    Ok(())
}

// Each check below reads the usual form inline and leaves every other form,
// and the error, to a function of its own (`*_in_full`): the usual record then
// costs a few compares per field.

/// `severity`: a number in 0..=100, when given.
#[inline(always)]
fn severity(v: Field<'_>) -> Result<Option<f64>, Fault> {
    match v {
        Field::UInt(n) if n <= 100 => Ok(Some(n as f64)),
        Field::Null => Ok(None),
        v => severity_in_full(v),
    }
}

fn severity_in_full(v: Field<'_>) -> Result<Option<f64>, Fault> {
    if v.is_missing() {
        return Ok(None);
    }
    let s = v.number().ok_or_else(|| {
        fault(
            "severity",
            format!("severity {} is not a number", v.describe()),
        )
    })?;
    if !(0.0..=100.0).contains(&s) {
        return Err(fault(
            "severity",
            format!("severity {s} is outside 0..=100"),
        ));
    }
    Ok(Some(s))
}

/// `impact`: an integer, when given; the range of levels is the rules' to say.
#[inline(always)]
fn impact(v: Field<'_>) -> Result<Option<i64>, Fault> {
    match v {
        Field::UInt(n) if n <= i64::MAX as u64 => Ok(Some(n as i64)),
        Field::Null => Ok(None),
        v => impact_in_full(v),
    }
}

fn impact_in_full(v: Field<'_>) -> Result<Option<i64>, Fault> {
    if v.is_missing() {
        return Ok(None);
    }
    let i = v
        .integer()
        .and_then(|i| i64::try_from(i).ok())
        .ok_or_else(|| {
            fault(
                "impact",
                format!("impact {} is not an integer", v.describe()),
            )
        })?;
    Ok(Some(i))
}

/// `records`: a whole number of 0 or more, when given.
#[inline(always)]
fn records(v: Field<'_>) -> Result<Option<u64>, Fault> {
    match v {
        Field::UInt(n) => Ok(Some(n)),
        Field::Null => Ok(None),
        v => records_in_full(v),
    }
}

fn records_in_full(v: Field<'_>) -> Result<Option<u64>, Fault> {
    if v.is_missing() {
        return Ok(None);
    }
    let n = v.integer().ok_or_else(|| {
        fault(
            "records",
            format!("records {} is not a whole number", v.describe()),
        )
    })?;
    let n = u64::try_from(n).map_err(|_| {
        let why = if n < 0 { "negative" } else { "too large" };
        fault("records", format!("records {n} is {why}"))
    })?;
    Ok(Some(n))
}

/// `status`: confirmed (when not given), alleged or disputed.
#[inline(always)]
fn status(v: Field<'_>) -> Result<Status, Fault> {
    match v {
        Field::Null => Ok(Status::Confirmed),
        Field::Str(s) => match Status::from_word(s) {
            Some(status) => Ok(status),
            None => status_in_full(v),
        },
        v => status_in_full(v),
    }
}

fn status_in_full(v: Field<'_>) -> Result<Status, Fault> {
    if v.is_missing() {
        return Ok(Status::Confirmed);
    }
    v.text()
        .and_then(|t| {
            let t = trim(&t);
            // Lower case as given is the usual case, and needs no copy.
            Status::from_word(t).or_else(|| Status::from_word(&t.to_lowercase()))
        })
        .ok_or_else(|| {
            fault(
                "status",
                format!(
                    "status {} is not one of confirmed, alleged, disputed",
                    v.describe()
                ),
            )
        })
}

/// The `type` text, trimmed; which type it names is the rules' to say.
#[inline(always)]
fn kind_text(v: Field<'_>) -> Result<&str, Fault> {
    match v {
        Field::Str(s) if !trim(s).is_empty() => Ok(trim(s)),
        v => kind_text_in_full(v),
    }
}

fn kind_text_in_full(v: Field<'_>) -> Result<&str, Fault> {
    match v {
        v if v.is_missing() => Err(fault("type", "missing type")),
        Field::Str(s) => Ok(trim(s)),
        other => Err(fault(
            "type",
            format!("type must be text, found {}", other.describe()),
        )),
    }
}

/// Whether `data_names` would keep every name as it is: none blank, nothing to
/// trim. (A loop of its own: as an iterator's `all` it was not inlined.)
#[inline(always)]
fn all_trimmed(names: &[&str]) -> bool {
    for s in names {
        if s.is_empty() || trim(s).len() != s.len() {
            return false;
        }
    }
    true
}

/// Up to this many data names are held without a heap allocation.
const INLINE_NAMES: usize = 16;

/// The `data_types` names of one record: on the stack for the usual few, on the
/// heap past [`INLINE_NAMES`].
struct DataNames<'s> {
    inline: [&'s str; INLINE_NAMES],
    len: usize,
    spilled: Vec<&'s str>,
}

impl<'s> DataNames<'s> {
    fn new() -> DataNames<'s> {
        DataNames {
            inline: [""; INLINE_NAMES],
            len: 0,
            spilled: Vec::new(),
        }
    }

    /// Adds `name`, trimmed, unless it is blank.
    #[inline]
    fn add(&mut self, name: &'s str) {
        let name = trim(name);
        if name.is_empty() {
            return;
        }
        if self.spilled.is_empty()
            && let Some(slot) = self.inline.get_mut(self.len)
        {
            *slot = name;
            self.len += 1;
            return;
        }
        if self.spilled.is_empty() {
            let held = self.inline.get(..self.len).unwrap_or_default();
            self.spilled.extend_from_slice(held);
        }
        self.spilled.push(name);
    }

    #[inline]
    fn as_slice(&self) -> &[&'s str] {
        if self.spilled.is_empty() {
            self.inline.get(..self.len).unwrap_or_default()
        } else {
            &self.spilled
        }
    }
}

/// The `data_types` names, trimmed, blank ones dropped: a list of names, or one
/// text separated by `;`.
fn data_names<'v>(v: Field<'v>, out: &mut DataNames<'v>) -> Result<(), Fault> {
    match v {
        Field::Null => {}
        Field::Str(s) => s.split(';').for_each(|name| out.add(name)),
        Field::List(Items::Texts(items)) => items.iter().for_each(|name| out.add(name)),
        Field::List(Items::Values(items)) => {
            for item in items {
                match item {
                    Value::Str(s) => out.add(s),
                    Value::Null => {}
                    other => {
                        return Err(fault(
                            "data_types",
                            format!(
                                "data_types must hold names of data classes, found {}",
                                Field::of(other).describe()
                            ),
                        ));
                    }
                }
            }
        }
        other => {
            return Err(fault(
                "data_types",
                format!(
                    "data_types must be a list of data classes, found {}",
                    other.describe()
                ),
            ));
        }
    }
    Ok(())
}

/// Resolves a `type` text under `rules`: several comma-separated types take the
/// highest base (the first listed on a tie); any unknown part rejects the record.
pub(crate) fn resolve_type(rules: &Rules, text: &str) -> Result<TypeId, Fault> {
    let mut best: Option<TypeId> = None;
    for part in text.split(',') {
        if part.trim().is_empty() {
            continue;
        }
        let id = rules.type_id(part).ok_or_else(|| {
            fault(
                "type",
                format!(
                    "unknown type {:?}; known types: {}",
                    truncate(part.trim(), 60),
                    rules
                        .types
                        .iter()
                        .map(|t| t.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        })?;
        best = match best {
            Some(b) if rules.type_rule(b).base >= rules.type_rule(id).base => Some(b),
            _ => Some(id),
        };
    }
    best.ok_or_else(|| fault("type", "missing type"))
}

/// Resolves `data_types` names under `rules` into a class bit set.
pub(crate) fn resolve_classes(rules: &Rules, names: &[String]) -> Result<u64, Fault> {
    let mut set = 0u64;
    for name in names {
        let c: ClassId = rules.class_id(name).ok_or_else(|| {
            fault(
                "data_types",
                format!("unknown data class {:?}", truncate(name, 60)),
            )
        })?;
        set |= 1u64 << c;
    }
    Ok(set)
}

/// An impact level under `rules`.
pub(crate) fn resolve_impact(rules: &Rules, impact: Option<i64>) -> Result<u8, Fault> {
    let levels = rules.impact.multipliers.len();
    match impact {
        None => Ok(rules.impact.default),
        Some(i) => match u8::try_from(i) {
            Ok(v) if v >= 1 && usize::from(v) <= levels => Ok(v),
            _ => Err(fault(
                "impact",
                format!("impact {i} is outside 1..={levels}"),
            )),
        },
    }
}

#[inline(always)]
fn required_text<'v>(v: Field<'v>, field: &'static str) -> Result<Cow<'v, str>, Fault> {
    match v {
        Field::Str(s) if !trim(s).is_empty() => Ok(Cow::Borrowed(s)),
        v => required_text_in_full(v, field),
    }
}

fn required_text_in_full<'v>(v: Field<'v>, field: &'static str) -> Result<Cow<'v, str>, Fault> {
    match v {
        v if v.is_missing() => Err(fault(field, format!("missing {field}"))),
        Field::Str(s) => Ok(Cow::Borrowed(s)),
        Field::Int(_) | Field::UInt(_) | Field::Float(_) => Ok(v.text().unwrap_or_default()),
        other => Err(fault(
            field,
            format!("{field} must be text, found {}", other.describe()),
        )),
    }
}

#[inline(always)]
fn optional_text<'v>(v: Field<'v>, field: &'static str) -> Result<Option<Cow<'v, str>>, Fault> {
    match v {
        Field::Null => Ok(None),
        Field::Str(s) if !trim(s).is_empty() => Ok(Some(Cow::Borrowed(s))),
        v => optional_text_in_full(v, field),
    }
}

fn optional_text_in_full<'v>(
    v: Field<'v>,
    field: &'static str,
) -> Result<Option<Cow<'v, str>>, Fault> {
    if v.is_missing() {
        return Ok(None);
    }
    required_text_in_full(v, field).map(Some)
}

#[inline(always)]
fn parse_date(v: Field<'_>, field: &'static str) -> Result<PartialDate, Fault> {
    if let Field::Str(s) = v
        && let Some(date) = PartialDate::parse(s)
    {
        return Ok(date);
    }
    parse_date_in_full(v, field)
}

fn parse_date_in_full(v: Field<'_>, field: &'static str) -> Result<PartialDate, Fault> {
    let parsed = match v {
        Field::Str(s) => PartialDate::parse(s),
        // A bare year given as a number: 2020.
        Field::Int(_) | Field::UInt(_) => v.text().and_then(|t| PartialDate::parse(&t)),
        _ => None,
    };
    parsed.ok_or_else(|| {
        fault(
            field,
            format!(
                "{field} {} is not a date (YYYY-MM-DD, YYYY-MM, MM/YYYY or YYYY)",
                v.describe()
            ),
        )
    })
}

#[inline(always)]
fn flag(v: Field<'_>, field: &'static str) -> Result<bool, Fault> {
    match v {
        Field::Null => Ok(false),
        Field::Bool(b) => Ok(b),
        v => flag_in_full(v, field),
    }
}

fn flag_in_full(v: Field<'_>, field: &'static str) -> Result<bool, Fault> {
    match v {
        Field::Null => Ok(false),
        Field::Bool(b) => Ok(b),
        Field::Int(0) | Field::UInt(0) => Ok(false),
        Field::Int(1) | Field::UInt(1) => Ok(true),
        Field::Str(s) => match s.trim().to_lowercase().as_str() {
            "" | "false" | "no" | "0" => Ok(false),
            "true" | "yes" | "1" => Ok(true),
            _ => Err(fault(
                field,
                format!("{field} {} is not true or false", v.describe()),
            )),
        },
        other => Err(fault(
            field,
            format!("{field} {} is not true or false", other.describe()),
        )),
    }
}

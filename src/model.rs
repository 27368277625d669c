//! The canonical incident (SCORING.md §1): raw records as read, and the checked,
//! typed [`Incident`] the engine rates.
//!
//! Readers of every format produce a [`Record`] (field values exactly as the input
//! gave them: strings, numbers, lists) or, for the usual JSON Lines record, the
//! scanner's slots; [`crate::check`] alone decides what is valid.

use std::borrow::Cow;
use std::fmt;
use std::hash::{BuildHasher, Hasher};

use chrono::{Datelike, NaiveDate};
use hashbrown::HashTable;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::FastMap as HashMap;
use crate::text::{TextId, Texts};

/// How much of a date the input gave: `2020-10-05`, `2020-10` (or `10/2020`), `2020`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Precision {
    /// `YYYY-MM-DD`.
    Day,
    /// `YYYY-MM`, `MM/YYYY` or `M/YYYY`: the first of the month.
    Month,
    /// `YYYY`: the first of January.
    Year,
}

/// A date as given: a partial date stands for the first day of its month or year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PartialDate {
    /// The day the date stands for (the first day of a partial date's span).
    pub date: NaiveDate,
    /// How much of the date was given.
    pub precision: Precision,
}

impl PartialDate {
    /// The last day the date stands for: the day itself, or the end of its month
    /// or year.
    pub fn last_day(self) -> NaiveDate {
        let d = self.date;
        match self.precision {
            Precision::Day => d,
            Precision::Month => d
                .checked_add_months(chrono::Months::new(1))
                .and_then(|x| x.pred_opt())
                .unwrap_or(d),
            Precision::Year => NaiveDate::from_ymd_opt(d.year(), 12, 31).unwrap_or(d),
        }
    }

    /// Whether `self`, as a disclosure date, is before an incident of `date` could
    /// have happened: every day it stands for is before every day `date` stands for.
    pub fn before_all_of(self, date: PartialDate) -> bool {
        self.last_day() < date.date
    }

    /// Parses the forms of SCORING.md §1: `YYYY-MM-DD`, `YYYY-MM`, `MM/YYYY`,
    /// `M/YYYY`, `YYYY` (four-digit years). Anything else is `None`.
    pub fn parse(s: &str) -> Option<PartialDate> {
        // By byte positions, without allocating: this runs twice per record.
        let b = trim(s).as_bytes();
        let num = |r: &[u8]| -> Option<u32> {
            if r.is_empty() || !r.iter().all(u8::is_ascii_digit) {
                return None;
            }
            Some(r.iter().fold(0u32, |n, d| n * 10 + u32::from(d - b'0')))
        };
        let ymd =
            |y: &[u8], m: u32, d: u32| NaiveDate::from_ymd_opt(i32::try_from(num(y)?).ok()?, m, d);
        let (date, precision) = match b {
            [y @ .., b'-', m1, m2, b'-', d1, d2] if y.len() == 4 => (
                ymd(y, num(&[*m1, *m2])?, num(&[*d1, *d2])?)?,
                Precision::Day,
            ),
            [y @ .., b'-', m1, m2] if y.len() == 4 => {
                (ymd(y, num(&[*m1, *m2])?, 1)?, Precision::Month)
            }
            [m @ .., b'/', y1, y2, y3, y4] if (1..=2).contains(&m.len()) => {
                (ymd(&[*y1, *y2, *y3, *y4], num(m)?, 1)?, Precision::Month)
            }
            y if y.len() == 4 => (ymd(y, 1, 1)?, Precision::Year),
            _ => return None,
        };
        Some(PartialDate { date, precision })
    }
}

/// A date as `YYYY-MM-DD`, exactly as `format("%Y-%m-%d")` writes it, without
/// parsing that format string on every call (dates are written per rating).
#[derive(Debug, Clone, Copy)]
pub struct Ymd(pub NaiveDate);

impl Ymd {
    /// Calls `f` with the date as `YYYY-MM-DD`: built digit by digit on the stack for
    /// a year of four digits (0 to 9999), by chrono's format for any other: every
    /// rating writes dates, and three padded integer formattings a date show in
    /// the instruction count of a run.
    pub fn with_str<R>(self, f: impl FnOnce(&str) -> R) -> R {
        // Digits, '-' and a sign: always UTF-8.
        self.with_bytes(|b| f(std::str::from_utf8(b).unwrap_or_default()))
    }

    /// As [`Ymd::with_str`], as bytes: what a writer of bytes needs, without the
    /// UTF-8 check of ten ASCII bytes (~90 instructions, a third of a date's cost).
    pub(crate) fn with_bytes<R>(self, f: impl FnOnce(&[u8]) -> R) -> R {
        let d = self.0;
        let Some(year) = u32::try_from(d.year()).ok().filter(|y| *y <= 9999) else {
            return f(d.format("%Y-%m-%d").to_string().as_bytes());
        };
        let digit = |n: u32| b'0' + (n % 10) as u8;
        let (month, day) = (d.month(), d.day());
        let b = [
            digit(year / 1000),
            digit(year / 100),
            digit(year / 10),
            digit(year),
            b'-',
            digit(month / 10),
            digit(month),
            b'-',
            digit(day / 10),
            digit(day),
        ];
        f(&b)
    }
}

impl fmt::Display for Ymd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.with_str(|s| f.write_str(s))
    }
}

/// `date.ymd()`: the [`Ymd`] form of a date.
pub trait DateExt {
    /// The date as `YYYY-MM-DD`.
    fn ymd(self) -> Ymd;
}

impl DateExt for NaiveDate {
    fn ymd(self) -> Ymd {
        Ymd(self)
    }
}

impl fmt::Display for PartialDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.date;
        match self.precision {
            Precision::Day => write!(f, "{}", d.ymd()),
            Precision::Month => write!(f, "{:04}-{:02}", d.year(), d.month()),
            Precision::Year => write!(f, "{:04}", d.year()),
        }
    }
}

/// How sure the source is that the incident happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Confirmed by the victim, a regulator or a court (the default).
    Confirmed,
    /// Claimed (by an attacker or a report) but not confirmed.
    Alleged,
    /// Denied by the victim.
    Disputed,
}

impl Status {
    /// The status as written in input and output.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Confirmed => "confirmed",
            Status::Alleged => "alleged",
            Status::Disputed => "disputed",
        }
    }
}

/// A record's fields once checked, its data list already interned: what
/// [`crate::check::check`] hands over to be stored.
pub(crate) struct Checked<'s> {
    pub(crate) id: &'s str,
    pub(crate) company: &'s str,
    pub(crate) company_name: Option<&'s str>,
    pub(crate) industry: Option<&'s str>,
    pub(crate) country: Option<&'s str>,
    /// The `type` text, trimmed.
    pub(crate) kind: &'s str,
    pub(crate) data: u32,
    pub(crate) date: PartialDate,
    pub(crate) disclosed: Option<PartialDate>,
    pub(crate) severity: Option<f64>,
    pub(crate) impact: Option<i64>,
    pub(crate) records: Option<u64>,
    pub(crate) status: Status,
    pub(crate) third_party: bool,
    pub(crate) vulnerable_subjects: bool,
}

impl Checked<'_> {
    /// The incident, its texts added to `names`: the one place they are, so the
    /// order (on which text ids depend) is the same whichever reader read it.
    #[inline]
    pub(crate) fn store(self, names: &mut Names, file: u32, line: u64) -> Incident {
        // Keys are interned (equal key <=> equal id, which grouping relies on); names
        // only describe and are appended, to a table of their own: they rarely
        // repeat, so interning them costs lookups for little memory saved, and in
        // the keys' table they would spread the keys' ids over a far wider range
        // (docs/PERFORMANCE.md, "Tried and left").
        let company_name = self.company_name.map(|t| names.company_names.push(t));
        let industry = self.industry.map(|t| names.intern_repeating(t));
        let country = self.country.map(|t| names.intern_repeating(t));
        let key = match &names.aliases {
            Some(a) => a
                .canonical(self.company, self.company_name)
                .unwrap_or(self.company),
            None => self.company,
        };
        let company = if names.defer_keys {
            names.texts.defer(key)
        } else {
            names.texts.intern(key)
        };
        let given = self.severity.map_or(0, |_| GIVEN_SEVERITY)
            | self.impact.map_or(0, |_| GIVEN_IMPACT)
            | self.records.map_or(0, |_| GIVEN_RECORDS);
        Incident {
            id: names.ids.push(self.id),
            company,
            company_name,
            industry,
            country,
            kind: names.intern_kind(self.kind),
            data: self.data,
            file,
            date: self.date,
            disclosed: self.disclosed,
            severity: self.severity.unwrap_or(0.0),
            impact: self.impact.unwrap_or(0),
            records: self.records.unwrap_or(0),
            line,
            status: self.status,
            third_party: self.third_party,
            vulnerable_subjects: self.vulnerable_subjects,
            given,
            reports: 1,
        }
    }
}

/// A day as a number (days from the common era): whole days between two dates
/// are a subtraction of these, where subtracting the dates costs ~100
/// instructions.
pub(crate) fn day_number(d: chrono::NaiveDate) -> i64 {
    use chrono::Datelike;
    i64::from(d.num_days_from_ce())
}

/// `str::trim`, without its Unicode tables for the usual text that starts and ends
/// with a printable ASCII character (no whitespace is one, and every other
/// whitespace character is ASCII below `!` or starts with a byte above 0x7f).
#[inline]
pub(crate) fn trim(s: &str) -> &str {
    let printable = |b: Option<&u8>| b.is_some_and(|c| (b'!'..=b'~').contains(c));
    if printable(s.as_bytes().first()) && printable(s.as_bytes().last()) {
        s
    } else {
        s.trim()
    }
}

impl Status {
    /// `confirmed`, `alleged` or `disputed`, in lower case.
    pub(crate) fn from_word(word: &str) -> Option<Status> {
        match word {
            "confirmed" => Some(Status::Confirmed),
            "alleged" => Some(Status::Alleged),
            "disputed" => Some(Status::Disputed),
            _ => None,
        }
    }
}

/// A checked incident, ready to rate under the rules it was checked against.
#[derive(Debug, Clone, PartialEq)]
pub struct Incident {
    /// Unique within the run (text: [`crate::dataset::Dataset::id`]).
    pub id: TextId,
    /// The rated organisation's key, compared exactly (text: [`crate::dataset::Dataset::text`]).
    pub company: TextId,
    /// Descriptive name (text: [`crate::dataset::Dataset::company_name`]).
    pub company_name: Option<TextId>,
    /// Peer group for the industry percentile.
    pub industry: Option<TextId>,
    /// Descriptive country.
    pub country: Option<TextId>,
    /// The `type` text as given, as an index into [`Names::kinds`]; the rules
    /// decide which type it means.
    pub kind: u32,
    /// The `data_types` names as given, as an index into [`Names::lists`] (0: none).
    pub data: u32,
    /// Index of the input file within its [`crate::dataset::Dataset`].
    pub file: u32,
    /// When it happened.
    pub date: PartialDate,
    /// When it became public, if later given.
    pub disclosed: Option<PartialDate>,
    // The three optional numbers are kept without `Option`'s 8 bytes of tag each
    // (88 bytes an incident): `given` says which were given.
    severity: f64,
    impact: i64,
    records: u64,
    /// 1-based line (or element position) in that input.
    pub line: u64,
    /// How sure the source is.
    pub status: Status,
    /// The data was lost at a supplier.
    pub third_party: bool,
    /// Minors, patients in care or other vulnerable people were among the victims.
    pub vulnerable_subjects: bool,
    given: u8,
    /// How many reports the incident stands for: 1 as read, more when merging
    /// made it of several (it rides in what was padding).
    reports: u32,
}

const GIVEN_SEVERITY: u8 = 1;
const GIVEN_IMPACT: u8 = 2;
const GIVEN_RECORDS: u8 = 4;

impl Incident {
    /// 0..=100, when given (the rules' default applies otherwise).
    pub fn severity(&self) -> Option<f64> {
        (self.given & GIVEN_SEVERITY != 0).then_some(self.severity)
    }

    /// The impact level, when given; the rules say which levels exist.
    pub fn impact(&self) -> Option<i64> {
        (self.given & GIVEN_IMPACT != 0).then_some(self.impact)
    }

    /// Records or people affected, when known.
    pub fn records(&self) -> Option<u64> {
        (self.given & GIVEN_RECORDS != 0).then_some(self.records)
    }

    /// `disclosed` when given, else `date`: the day the incident became known.
    pub fn effective(&self) -> PartialDate {
        self.disclosed.unwrap_or(self.date)
    }

    /// How many reports the incident stands for: 1 for a record as read, more
    /// for an incident merged from several.
    pub fn reports(&self) -> u32 {
        self.reports
    }

    /// This incident (its id, texts, file and line) standing for `reports`
    /// reports, with the merged fields of `fields`. Severity and impact are set
    /// too, though rating reads them from the resolved incident.
    pub(crate) fn merged(&self, fields: &Merged, reports: u32) -> Incident {
        Incident {
            date: fields.date,
            disclosed: fields.disclosed,
            severity: fields.severity,
            impact: i64::from(fields.impact),
            records: fields.records.unwrap_or(0),
            status: fields.status,
            third_party: fields.third_party,
            vulnerable_subjects: fields.vulnerable_subjects,
            given: GIVEN_SEVERITY | GIVEN_IMPACT | fields.records.map_or(0, |_| GIVEN_RECORDS),
            reports,
            ..*self
        }
    }
}

/// The fields a merged incident takes from its reports (see `crate::merge`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Merged {
    pub(crate) date: PartialDate,
    pub(crate) disclosed: Option<PartialDate>,
    pub(crate) severity: f64,
    pub(crate) impact: u8,
    pub(crate) records: Option<u64>,
    pub(crate) status: Status,
    pub(crate) third_party: bool,
    pub(crate) vulnerable_subjects: bool,
}

/// Slots of [`Names::intern_repeating`]'s table of recent texts.
const RECENT: usize = 32;

/// Distinct `type` texts and `data_types` lists of a dataset, stored once each so
/// that a set of rules resolves each distinct spelling once, not once per record.
#[derive(Debug, Clone)]
pub struct Names {
    /// Company keys, industries and countries, each stored once.
    pub(crate) texts: Texts,
    /// Company names as given, one per incident that gave one, in input order.
    pub(crate) company_names: Texts,
    /// Incident ids, one per incident, in input order.
    pub(crate) ids: Texts,
    kinds: Vec<String>,
    kind_index: HashMap<String, u32>,
    lists: Vec<Vec<String>>,
    /// Indices into `lists`, by [`Names::list_hash`] of their names: a list is
    /// looked up as given, without first being written out as one key text (which
    /// cost ~330 instructions a record).
    list_index: HashTable<u32>,
    list_hashing: foldhash::fast::RandomState,
    /// Industries and countries met lately (see [`Names::intern_repeating`]).
    recent: [Option<TextId>; RECENT],
    /// Company keys are deferred to the merge ([`Texts::defer`]): a chunk's table.
    defer_keys: bool,
    /// The keys companies are rated under, when aliases were given.
    pub(crate) aliases: Option<std::sync::Arc<crate::aliases::Aliases>>,
}

impl Default for Names {
    fn default() -> Self {
        let list_hashing = foldhash::fast::RandomState::default();
        let mut list_index = HashTable::new();
        let none: [&str; 0] = [];
        list_index.insert_unique(Names::list_hash(&list_hashing, &none), 0, |_| 0);
        Names {
            texts: Texts::default(),
            company_names: Texts::default(),
            ids: Texts::default(),
            kinds: Vec::new(),
            kind_index: HashMap::default(),
            lists: vec![Vec::new()],
            list_index,
            list_hashing,
            recent: [None; RECENT],
            defer_keys: false,
            aliases: None,
        }
    }
}

impl Names {
    /// Every distinct `type` text, indexed by [`Incident::kind`].
    pub fn kinds(&self) -> &[String] {
        &self.kinds
    }
    /// Every distinct `data_types` list (trimmed names), indexed by [`Incident::data`].
    pub fn lists(&self) -> &[Vec<String>] {
        &self.lists
    }

    /// Room for the texts of a chunk of about `records` records in `bytes` bytes of
    /// input: one deferred company key each (industries and countries repeat, and
    /// are interned), one id and one company name each (ids and names run to about
    /// a twelfth of a record's bytes each in the usual data).
    pub(crate) fn reserve(&mut self, records: usize, bytes: usize) {
        // Company keys are deferred in a chunk: its table holds industries and
        // countries only.
        self.texts.reserve(records, bytes / 16, 64);
        self.texts.reserve_deferred(records);
        self.ids.reserve(records, bytes / 12, 0);
        self.company_names.reserve(records, bytes / 12, 0);
    }

    /// An empty table for a chunk read in parallel, hashing as this one does.
    pub(crate) fn sibling(&self) -> Names {
        Names {
            texts: self.texts.sibling(),
            defer_keys: true,
            aliases: self.aliases.clone(),
            ..Names::default()
        }
    }

    /// As [`Texts::intern`], for a text most records share with many others (an
    /// industry, a country): one compare with the text last met under the same
    /// length and first and last bytes mostly spares hashing it (~90 instructions).
    fn intern_repeating(&mut self, text: &str) -> TextId {
        let b = text.as_bytes();
        let (first, last) = (b.first().copied(), b.last().copied());
        let slot =
            (text.len() ^ usize::from(first.unwrap_or(0)) ^ usize::from(last.unwrap_or(0)) << 2)
                % RECENT;
        if let Some(Some(id)) = self.recent.get(slot)
            && self.texts.get(*id) == text
        {
            return *id;
        }
        let id = self.texts.intern(text);
        if let Some(r) = self.recent.get_mut(slot) {
            *r = Some(id);
        }
        id
    }

    pub(crate) fn intern_kind(&mut self, text: &str) -> u32 {
        if let Some(&i) = self.kind_index.get(text) {
            return i;
        }
        let i = u32::try_from(self.kinds.len()).unwrap_or(u32::MAX);
        self.kinds.push(text.to_string());
        self.kind_index.insert(text.to_string(), i);
        i
    }

    /// A hash of the names of a list, each with its length (so that no two
    /// different lists run together alike).
    fn list_hash<S: AsRef<str>>(state: &foldhash::fast::RandomState, list: &[S]) -> u64 {
        let mut h = state.build_hasher();
        for name in list {
            let name = name.as_ref();
            h.write_usize(name.len());
            h.write(name.as_bytes());
        }
        h.finish()
    }

    pub(crate) fn intern_list<S: AsRef<str>>(&mut self, list: &[S]) -> u32 {
        let Names {
            lists,
            list_index,
            list_hashing,
            ..
        } = self;
        let hash = Names::list_hash(list_hashing, list);
        let same = |&i: &u32| {
            lists.get(i as usize).is_some_and(|known| {
                known.len() == list.len() && known.iter().zip(list).all(|(k, n)| k == n.as_ref())
            })
        };
        if let Some(&i) = list_index.find(hash, same) {
            return i;
        }
        let i = u32::try_from(lists.len()).unwrap_or(u32::MAX);
        lists.push(list.iter().map(|n| n.as_ref().to_string()).collect());
        let rehash = |&j: &u32| {
            lists
                .get(j as usize)
                .map_or(0, |l| Names::list_hash(list_hashing, l))
        };
        list_index.insert_unique(hash, i, rehash);
        i
    }
}

/// A record that could not become an incident, and why.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Rejection {
    /// The input the record came from.
    pub file: String,
    /// 1-based line of the record.
    pub line: u64,
    /// The record's id, when it had a readable one.
    pub id: Option<String>,
    /// The field at fault; `None` when the record as a whole is unreadable.
    pub field: Option<String>,
    /// Why, in words.
    pub message: String,
    /// How many incidents were accepted before this record: where it falls among
    /// them, which keeps rejections in input order without a position per incident.
    #[serde(skip)]
    pub(crate) seq: u64,
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)?;
        if let Some(id) = &self.id {
            write!(f, " id {id:?}")?;
        }
        if let Some(field) = &self.field {
            write!(f, " field {field}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// A field value exactly as the input gave it.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Value<'a> {
    #[default]
    /// Absent or `null`.
    Null,
    /// A boolean.
    Bool(bool),
    /// A negative integer (or any integer given in code).
    Int(i64),
    /// A non-negative integer.
    UInt(u64),
    /// A number with a fraction or exponent.
    Float(f64),
    /// Text, including numbers given as strings.
    Str(Cow<'a, str>),
    /// A list (for `data_types`).
    List(Vec<Value<'a>>),
    /// A JSON object where a scalar was expected.
    Object,
}

impl Value<'_> {
    fn into_owned(self) -> Value<'static> {
        match self {
            Value::Null => Value::Null,
            Value::Bool(b) => Value::Bool(b),
            Value::Int(i) => Value::Int(i),
            Value::UInt(u) => Value::UInt(u),
            Value::Float(x) => Value::Float(x),
            Value::Str(s) => Value::Str(Cow::Owned(s.into_owned())),
            Value::List(l) => Value::List(l.into_iter().map(Value::into_owned).collect()),
            Value::Object => Value::Object,
        }
    }
}

impl From<i64> for Value<'_> {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}
impl From<i32> for Value<'_> {
    fn from(v: i32) -> Self {
        Value::Int(i64::from(v))
    }
}
impl From<u64> for Value<'_> {
    fn from(v: u64) -> Self {
        Value::UInt(v)
    }
}
impl From<f64> for Value<'_> {
    fn from(v: f64) -> Self {
        Value::Float(v)
    }
}
impl From<bool> for Value<'_> {
    fn from(v: bool) -> Self {
        Value::Bool(v)
    }
}
impl<'a> From<&'a str> for Value<'a> {
    fn from(v: &'a str) -> Self {
        Value::Str(Cow::Borrowed(v))
    }
}
impl From<String> for Value<'_> {
    fn from(v: String) -> Self {
        Value::Str(Cow::Owned(v))
    }
}
impl<'a, T: Into<Value<'a>>> From<Vec<T>> for Value<'a> {
    fn from(v: Vec<T>) -> Self {
        Value::List(v.into_iter().map(Into::into).collect())
    }
}

pub(crate) fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n).collect();
        t.push('…');
        t
    }
}

impl<'de> serde::Deserialize<'de> for Value<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Value<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_bool<E>(self, v: bool) -> Result<Value<'de>, E> {
                Ok(Value::Bool(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Value<'de>, E> {
                Ok(Value::Int(v))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Value<'de>, E> {
                Ok(Value::UInt(v))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Value<'de>, E> {
                Ok(Value::Float(v))
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Value<'de>, E> {
                Ok(Value::Str(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Value<'de>, E> {
                Ok(Value::Str(Cow::Owned(v.to_string())))
            }
            fn visit_string<E>(self, v: String) -> Result<Value<'de>, E> {
                Ok(Value::Str(Cow::Owned(v)))
            }
            fn visit_unit<E>(self) -> Result<Value<'de>, E> {
                Ok(Value::Null)
            }
            fn visit_none<E>(self) -> Result<Value<'de>, E> {
                Ok(Value::Null)
            }
            fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<Value<'de>, D2::Error> {
                serde::Deserialize::deserialize(d)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value<'de>, A::Error> {
                let mut out = Vec::new();
                while let Some(v) = seq.next_element::<Value<'de>>()? {
                    out.push(v);
                }
                Ok(Value::List(out))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value<'de>, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Value::Object)
            }
        }
        d.deserialize_any(V)
    }
}

/// Appends the decimal digits of `n`, as `Display` writes them, without the
/// formatting machinery: it runs per record here, and per rating in the explanation.
pub(crate) fn push_decimal(out: &mut String, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        if let Some(d) = digits.get_mut(i) {
            *d = b'0' + (n % 10) as u8;
        }
        n /= 10;
        if n == 0 || i == 0 {
            break;
        }
    }
    // ASCII digits: always UTF-8.
    out.push_str(std::str::from_utf8(digits.get(i..).unwrap_or_default()).unwrap_or_default());
}

/// The fields of SCORING.md §1, by name. `linkid` is the seed data's name for `company`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FieldName {
    Id,
    Company,
    LinkId,
    CompanyName,
    Industry,
    Country,
    Type,
    Date,
    Disclosed,
    Severity,
    Impact,
    DataTypes,
    Records,
    Status,
    ThirdParty,
    VulnerableSubjects,
    Other,
}

impl FieldName {
    /// How many there are, [`FieldName::Other`] included: the size of a table
    /// indexed by field.
    pub(crate) const COUNT: usize = FieldName::Other as usize + 1;

    pub(crate) fn from_name(s: &str) -> FieldName {
        match s {
            "id" => FieldName::Id,
            "company" => FieldName::Company,
            "linkid" => FieldName::LinkId,
            "company_name" => FieldName::CompanyName,
            "industry" => FieldName::Industry,
            "country" => FieldName::Country,
            "type" => FieldName::Type,
            "date" => FieldName::Date,
            "disclosed" => FieldName::Disclosed,
            "severity" => FieldName::Severity,
            "impact" => FieldName::Impact,
            "data_types" => FieldName::DataTypes,
            "records" => FieldName::Records,
            "status" => FieldName::Status,
            "third_party" => FieldName::ThirdParty,
            "vulnerable_subjects" => FieldName::VulnerableSubjects,
            _ => FieldName::Other,
        }
    }
}

impl<'de> serde::Deserialize<'de> for FieldName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = FieldName;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a field name")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<FieldName, E> {
                Ok(FieldName::from_name(v))
            }
        }
        d.deserialize_identifier(V)
    }
}

/// One input record, its fields as given. Build one in code with [`Record::new`] and
/// the setters, or let a reader produce it; [`crate::dataset::Dataset::push`] checks it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Record<'a> {
    /// `id`.
    pub id: Value<'a>,
    /// `company`.
    pub company: Value<'a>,
    /// `linkid`: stands in for `company` when that is missing.
    pub linkid: Value<'a>,
    /// `company_name`.
    pub company_name: Value<'a>,
    /// `industry`.
    pub industry: Value<'a>,
    /// `country`.
    pub country: Value<'a>,
    /// `type`.
    pub kind: Value<'a>,
    /// `date`.
    pub date: Value<'a>,
    /// `disclosed`.
    pub disclosed: Value<'a>,
    /// `severity`.
    pub severity: Value<'a>,
    /// `impact`.
    pub impact: Value<'a>,
    /// `data_types`: a list, or one string separated by `;`.
    pub data_types: Value<'a>,
    /// `records`.
    pub records: Value<'a>,
    /// `status`.
    pub status: Value<'a>,
    /// `third_party`.
    pub third_party: Value<'a>,
    /// `vulnerable_subjects`.
    pub vulnerable_subjects: Value<'a>,
    /// A field given twice in one JSON object: the record is rejected.
    pub(crate) repeated: Option<&'static str>,
}

impl<'de> serde::Deserialize<'de> for Record<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Record<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an incident object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Record<'de>, A::Error> {
                let mut r = Record::default();
                while let Some(name) = map.next_key::<FieldName>()? {
                    if name == FieldName::Other {
                        map.next_value::<IgnoredAny>()?;
                        continue;
                    }
                    let v: Value<'de> = map.next_value()?;
                    r.set(name, v);
                }
                Ok(r)
            }
        }
        d.deserialize_map(V)
    }
}

impl FieldName {
    /// The field's name, or None for a field SCORING.md does not have.
    pub(crate) fn label(self) -> Option<&'static str> {
        (self != FieldName::Other).then(|| field_label(self))
    }
}

fn field_label(name: FieldName) -> &'static str {
    match name {
        FieldName::Id => "id",
        FieldName::Company => "company",
        FieldName::LinkId => "linkid",
        FieldName::CompanyName => "company_name",
        FieldName::Industry => "industry",
        FieldName::Country => "country",
        FieldName::Type => "type",
        FieldName::Date => "date",
        FieldName::Disclosed => "disclosed",
        FieldName::Severity => "severity",
        FieldName::Impact => "impact",
        FieldName::DataTypes => "data_types",
        FieldName::Records => "records",
        FieldName::Status => "status",
        FieldName::ThirdParty => "third_party",
        FieldName::VulnerableSubjects => "vulnerable_subjects",
        FieldName::Other => "other",
    }
}

impl<'a> Record<'a> {
    /// A record with the required fields; the rest default as SCORING.md §1 says.
    pub fn new(id: &str, company: &str, kind: &str, date: &str) -> Record<'static> {
        Record {
            id: Value::Str(Cow::Owned(id.to_string())),
            company: Value::Str(Cow::Owned(company.to_string())),
            kind: Value::Str(Cow::Owned(kind.to_string())),
            date: Value::Str(Cow::Owned(date.to_string())),
            ..Record::default()
        }
    }

    /// Sets a field by its SCORING.md name (`severity`, `data_types`, …); unknown
    /// names are ignored, as unknown input fields are.
    pub fn with(mut self, field: &str, value: impl Into<Value<'a>>) -> Self {
        self.set(FieldName::from_name(field), value.into());
        self
    }

    pub(crate) fn set(&mut self, name: FieldName, v: Value<'a>) {
        let slot = match name {
            FieldName::Id => &mut self.id,
            FieldName::Company => &mut self.company,
            FieldName::LinkId => &mut self.linkid,
            FieldName::CompanyName => &mut self.company_name,
            FieldName::Industry => &mut self.industry,
            FieldName::Country => &mut self.country,
            FieldName::Type => &mut self.kind,
            FieldName::Date => &mut self.date,
            FieldName::Disclosed => &mut self.disclosed,
            FieldName::Severity => &mut self.severity,
            FieldName::Impact => &mut self.impact,
            FieldName::DataTypes => &mut self.data_types,
            FieldName::Records => &mut self.records,
            FieldName::Status => &mut self.status,
            FieldName::ThirdParty => &mut self.third_party,
            FieldName::VulnerableSubjects => &mut self.vulnerable_subjects,
            FieldName::Other => return,
        };
        if !matches!(slot, Value::Null) && self.repeated.is_none() {
            self.repeated = Some(field_label(name));
        }
        *slot = v;
    }

    /// Detaches the record from the buffer it was read from.
    pub fn into_owned(self) -> Record<'static> {
        Record {
            id: self.id.into_owned(),
            company: self.company.into_owned(),
            linkid: self.linkid.into_owned(),
            company_name: self.company_name.into_owned(),
            industry: self.industry.into_owned(),
            country: self.country.into_owned(),
            kind: self.kind.into_owned(),
            date: self.date.into_owned(),
            disclosed: self.disclosed.into_owned(),
            severity: self.severity.into_owned(),
            impact: self.impact.into_owned(),
            data_types: self.data_types.into_owned(),
            records: self.records.into_owned(),
            status: self.status.into_owned(),
            third_party: self.third_party.into_owned(),
            vulnerable_subjects: self.vulnerable_subjects.into_owned(),
            repeated: self.repeated,
        }
    }
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

    /// The quick trim is `str::trim`, whitespace of every kind included.
    #[test]
    fn trim_is_str_trim() {
        for t in [
            "",
            " ",
            "x",
            " x ",
            "x\t",
            "\u{a0}x",
            "x\u{3000}",
            "\u{85}x",
            "é",
            "\u{feff}x",
            "a b",
            "~x!",
            "\u{7f}",
            "x\u{2028}",
            "\r\nbreach\n",
        ] {
            assert_eq!(trim(t), t.trim(), "{t:?}");
        }
        for c in (0..0x3100).filter_map(char::from_u32) {
            for t in [format!("{c}x"), format!("x{c}"), c.to_string()] {
                assert_eq!(trim(&t), t.trim(), "{t:?}");
            }
        }
    }

    /// Memory at scale is mostly incidents: 10M of them at 88 bytes are 880 MB.
    #[test]
    fn an_incident_stays_within_88_bytes() {
        assert!(std::mem::size_of::<Incident>() <= 88);
        // And the effective date rides in what was padding of a resolved one.
        assert!(std::mem::size_of::<crate::resolve::Resolved<'_>>() <= 40);
    }

    #[test]
    fn dates_in_every_form() {
        let d = |s: &str| PartialDate::parse(s).map(|p| (p.date.to_string(), p.precision));
        assert_eq!(d("2020-10-05"), Some(("2020-10-05".into(), Precision::Day)));
        assert_eq!(d("2020-10"), Some(("2020-10-01".into(), Precision::Month)));
        assert_eq!(d("10/2020"), Some(("2020-10-01".into(), Precision::Month)));
        assert_eq!(d("3/2020"), Some(("2020-03-01".into(), Precision::Month)));
        assert_eq!(d("2020"), Some(("2020-01-01".into(), Precision::Year)));
        for bad in [
            "2020-13",
            "2021-02-29",
            "13/2020",
            "20-10-01",
            "2020/10",
            "",
            "x",
            "2020-1-5",
            "10/20",
        ] {
            assert_eq!(d(bad), None, "{bad}");
        }
    }

    #[test]
    fn distinct_data_lists_never_share_an_index() {
        let mut n = Names::default();
        let a = n.intern_list(&["a", "b"]);
        let b = n.intern_list(&["a:b"]);
        let c = n.intern_list(&["1:a1:b"]);
        let d = n.intern_list(&["a", "b"]);
        let empty: [&str; 0] = [];
        assert_eq!(n.intern_list(&empty), 0);
        assert_eq!(a, d);
        assert!(a != b && b != c && a != c);
        assert_eq!(n.lists()[b as usize], vec!["a:b".to_string()]);
    }

    #[test]
    fn partial_dates_print_at_their_precision() {
        assert_eq!(
            PartialDate::parse("10/2020").unwrap().to_string(),
            "2020-10"
        );
        assert_eq!(PartialDate::parse("2019").unwrap().to_string(), "2019");
        assert_eq!(
            PartialDate::parse("2019-02-03").unwrap().to_string(),
            "2019-02-03"
        );
    }

    #[test]
    fn ymd_writes_what_chrono_format_writes() {
        for (y, m, d) in [
            (2020, 2, 29),
            (1, 1, 1),
            (0, 12, 31),
            (9999, 12, 31),
            (10000, 1, 1),
            (-44, 3, 15),
            (262_142, 12, 31),
        ] {
            let date = NaiveDate::from_ymd_opt(y, m, d).unwrap();
            assert_eq!(date.ymd().to_string(), date.format("%Y-%m-%d").to_string());
        }
        // Every 13th day from year 0 to past 9999: each digit of each field.
        let mut date = NaiveDate::from_ymd_opt(0, 1, 1).unwrap();
        while date.year() <= 10_000 {
            assert_eq!(date.ymd().to_string(), date.format("%Y-%m-%d").to_string());
            date = date + chrono::Days::new(13);
        }
    }

    /// A list is stored once, whatever its names' lengths: lists that run together
    /// alike (`ab`,`c` and `a`,`bc`) stay apart, the empty list is 0, and equal
    /// lists, given as `&str` or `String`, share an index however many lists
    /// there are (the table grows and rehashes on the way).
    #[test]
    fn lists_are_interned_by_their_names() {
        let mut names = Names::default();
        let none: [&str; 0] = [];
        assert_eq!(names.intern_list(&none), 0);
        let ab_c = names.intern_list(&["ab", "c"]);
        let a_bc = names.intern_list(&["a", "bc"]);
        let abc = names.intern_list(&["abc"]);
        let c_ab = names.intern_list(&["c", "ab"]);
        assert_eq!([ab_c, a_bc, abc, c_ab], [1, 2, 3, 4]);
        let many: Vec<u32> = (0..500)
            .map(|i| names.intern_list(&[format!("n{i}"), "x".to_string()]))
            .collect();
        assert_eq!(
            names.intern_list(&["ab".to_string(), "c".to_string()]),
            ab_c
        );
        assert_eq!(names.intern_list(&none), 0);
        for (i, id) in many.iter().enumerate() {
            assert_eq!(names.intern_list(&[format!("n{i}").as_str(), "x"]), *id);
        }
        assert_eq!(names.lists().len(), 505);
        assert_eq!(names.lists()[2], ["a", "bc"]);
    }

    /// The recent-text shortcut gives what interning gives, for texts that share
    /// its slot (same length, first and last bytes) and for a key interned first.
    #[test]
    fn repeating_texts_intern_as_texts_do() {
        let mut names = Names::default();
        let words = [
            "health", "hxxxxh", "hyyyyh", "health", "", "FI", "hyyyyh", "co1",
        ];
        let key = names.texts.intern("co1");
        let got: Vec<TextId> = words.iter().map(|w| names.intern_repeating(w)).collect();
        for (w, id) in words.iter().zip(&got) {
            assert_eq!(names.texts.intern(w), *id, "{w}");
            assert_eq!(names.texts.get(*id), *w);
        }
        assert_eq!(got[0], got[3]);
        assert_eq!(got[2], got[6]);
        assert_ne!(got[1], got[2]);
        assert_eq!(got[7], key);
    }
}

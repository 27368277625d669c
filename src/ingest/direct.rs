//! The quickest path for the usual JSON Lines record: a flat object whose fields
//! have their usual form (text as text, numbers as small whole numbers, flags as
//! booleans) becomes an [`Incident`] straight from the line, without the generic
//! [`crate::Record`] and its checks in between.
//!
//! It accepts only what the generic path accepts, and gives exactly its incident and
//! the same changes to the names table, in the same order; for anything else (an
//! unusual form, a value out of range, a field given twice, bad JSON) it declines
//! and changes nothing, and the generic path reads the line and words any error.
//! A differential test holds the two paths to the same result.
//!
//! It spares the generic record's sixteen `Value` slots (filled, matched and
//! dropped for every line); docs/PERFORMANCE.md has the figures.

use crate::model::{Checked, FieldName, Incident, Names, PartialDate, Status, trim};

use super::fast::{KeyGuess, Line, Parser};
use crate::model::Value;

/// A field's value as read, for the forms this path handles; `Absent` also stands
/// for `null`, as the generic record does.
#[derive(Debug, Clone, Copy, Default)]
enum Raw<'a> {
    #[default]
    Absent,
    Str(&'a str),
    UInt(u64),
    Bool(bool),
    /// An array; its text items (up to [`MAX_ITEMS`]) are in [`Fields::items`] when
    /// it belongs to `data_types`, and `plain` says every item was text or null.
    List {
        plain: bool,
    },
}

/// The most `data_types` names this path takes from an array.
const MAX_ITEMS: usize = 8;

/// The known fields of one line, indexed by [`FieldName`].
#[derive(Default)]
struct Fields<'a> {
    slots: [Raw<'a>; 16],
    items: [&'a str; MAX_ITEMS],
    n_items: usize,
}

impl<'a> Fields<'a> {
    fn get(&self, f: FieldName) -> Raw<'a> {
        self.slots.get(f as usize).copied().unwrap_or_default()
    }
}

/// Adds the incident of `line` to `out` when it is a usual record, with `names`
/// updated as the generic path would update them, and says whether it did
/// (`names` and `out` are untouched when not).
pub(crate) fn incident(
    line: Line<'_>,
    max_depth: usize,
    guess: &mut KeyGuess,
    names: &mut Names,
    file: u32,
    line_no: u64,
    out: &mut Vec<Incident>,
) -> bool {
    // Filled in place and the incident built in place: returning either by value
    // cost a copy (half a kilobyte for the fields) per record.
    let mut fields = Fields::default();
    scan(line, max_depth, guess, &mut fields).is_some()
        && build(&fields, names, file, line_no, out).is_some()
}

/// The grammar of [`super::fast::parse_flat`], into `f`.
fn scan<'a>(
    line: Line<'a>,
    max_depth: usize,
    guess: &mut KeyGuess,
    f: &mut Fields<'a>,
) -> Option<()> {
    Parser::new(line)?.object_guessing(max_depth, guess, |p, name| {
        let value = value(p, max_depth, f, name == FieldName::DataTypes)?;
        if name != FieldName::Other {
            let slot = f.slots.get_mut(name as usize)?;
            // A field given twice: the generic path rejects the record (a `null`
            // first counts as not given, there too).
            if !matches!(slot, Raw::Absent) {
                return None;
            }
            *slot = value;
        }
        Some(())
    })
}

/// One value; the text items of an array are kept in `f` when `keep` (for
/// `data_types`, which appears at most once in a record this path accepts).
#[inline]
fn value<'a>(
    p: &mut Parser<'a>,
    max_depth: usize,
    f: &mut Fields<'a>,
    keep: bool,
) -> Option<Raw<'a>> {
    match p.peek()? {
        // Text first: most values are.
        b'"' => p.string().map(Raw::Str),
        b'[' => {
            let mut plain = true;
            p.array(max_depth, |p| {
                // Text is read here as text: a `Value` costs its drop.
                if p.peek()? == b'"' {
                    let s = p.string()?;
                    if keep {
                        *f.items.get_mut(f.n_items)? = s;
                        f.n_items += 1;
                    }
                } else if !matches!(p.scalar()?, Value::Null) {
                    plain = false;
                }
                Some(())
            })?;
            Some(Raw::List { plain })
        }
        // Read as what they are, not through a `Value`: returned from the call in
        // memory, a `Value` was read back as wider words than it was written,
        // a stall on store forwarding for every number.
        b'0'..=b'9' => p.uint().map(Raw::UInt),
        b't' => p.word(b"true").map(|()| Raw::Bool(true)),
        b'f' => p.word(b"false").map(|()| Raw::Bool(false)),
        b'n' => p.word(b"null").map(|()| Raw::Absent),
        _ => None,
    }
}

/// Text that the generic path treats as missing: absent, null or blank.
fn blank(v: Raw<'_>) -> bool {
    match v {
        Raw::Absent => true,
        Raw::Str(s) => trim(s).is_empty(),
        _ => false,
    }
}

/// Text given and not blank, as given (not trimmed), as `required_text` keeps it.
fn text(v: Raw<'_>) -> Option<&str> {
    match v {
        Raw::Str(s) if !trim(s).is_empty() => Some(s),
        _ => None,
    }
}

/// `Some(None)` when missing, `Some(Some(text))` when text, `None` otherwise.
fn optional_text(v: Raw<'_>) -> Option<Option<&str>> {
    if blank(v) {
        Some(None)
    } else {
        text(v).map(Some)
    }
}

/// `Some(None)` when missing, `Some(Some(n))` for a whole number, `None` otherwise.
fn optional_number(v: Raw<'_>) -> Option<Option<u64>> {
    match v {
        Raw::UInt(n) => Some(Some(n)),
        v if blank(v) => Some(None),
        _ => None,
    }
}

fn flag(v: Raw<'_>) -> Option<bool> {
    match v {
        Raw::Absent => Some(false),
        Raw::Bool(b) => Some(b),
        _ => None,
    }
}

fn build<'a>(
    f: &Fields<'a>,
    names: &mut Names,
    file: u32,
    line: u64,
    out: &mut Vec<Incident>,
) -> Option<()> {
    use FieldName as F;
    // Every check first, in the generic path's terms; nothing is stored until all pass.
    let id = text(f.get(F::Id))?;
    let company = text(f.get(F::Company))?; // a missing one falls back to linkid there
    let company_name = optional_text(f.get(F::CompanyName))?;
    let industry = optional_text(f.get(F::Industry))?;
    let country = optional_text(f.get(F::Country))?;
    let kind = trim(text(f.get(F::Type))?);
    let date = match f.get(F::Date) {
        Raw::Str(s) => PartialDate::parse(s)?,
        _ => return None,
    };
    let disclosed = match f.get(F::Disclosed) {
        v if blank(v) => None,
        Raw::Str(s) => Some(PartialDate::parse(s)?),
        _ => return None,
    };
    let severity = optional_number(f.get(F::Severity))?;
    if severity.is_some_and(|s| s > 100) {
        return None;
    }
    let impact = optional_number(f.get(F::Impact))?;
    let records = optional_number(f.get(F::Records))?;
    let status = match f.get(F::Status) {
        v if blank(v) => Status::Confirmed,
        Raw::Str(s) => Status::from_word(trim(s))?,
        _ => return None,
    };
    let third_party = flag(f.get(F::ThirdParty))?;
    let vulnerable_subjects = flag(f.get(F::VulnerableSubjects))?;

    // The data names, trimmed, blank ones dropped.
    let mut data: [&'a str; MAX_ITEMS * 2] = [""; MAX_ITEMS * 2];
    let mut n = 0;
    let mut add = |name: &'a str| -> Option<()> {
        let t = trim(name);
        if !t.is_empty() {
            *data.get_mut(n)? = t;
            n += 1;
        }
        Some(())
    };
    match f.get(F::DataTypes) {
        Raw::Absent => {}
        Raw::Str(s) => {
            for part in s.split(';') {
                add(part)?;
            }
        }
        Raw::List { plain: true } => {
            for item in f.items.get(..f.n_items)? {
                add(item)?;
            }
        }
        _ => return None,
    }
    let data = names.intern_list(data.get(..n)?);

    let impact = match impact {
        Some(i) => Some(i64::try_from(i).ok()?),
        None => None,
    };
    let incident = Checked {
        id,
        company,
        company_name,
        industry,
        country,
        kind,
        data,
        date,
        disclosed,
        severity: severity.map(|s| s as f64),
        impact,
        records,
        status,
        third_party,
        vulnerable_subjects,
    }
    .store(names, file, line);
    out.push(incident);
    Some(())
}

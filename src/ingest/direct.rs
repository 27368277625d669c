//! The JSON Lines strategy for the usual record: a flat object whose values are
//! text without escapes, whole numbers, flags, nulls and lists of those is
//! scanned straight from the line into slots, which [`crate::check`] checks as it
//! checks every record: the field rules are not repeated here.
//!
//! A line in any other form (escapes, fractions, negative numbers, nested
//! objects, a `data_types` list holding something other than text, bad JSON) is
//! declined untouched, and the generic path reads it with serde_json, which also
//! words a syntax error. A differential test holds the two paths to the same
//! result. The scanner spares the generic record's sixteen `Value` slots (filled,
//! matched and dropped for every line) and serde's visitor per value.

use super::fast::{KeyGuess, Line, Parser};
use crate::check::{self, Fault, Field, Fields, Items};
use crate::model::{FieldName, Incident, Names, Value};

/// A field's value as read, for the forms this path handles; `Absent` also stands
/// for `null`, as the generic record does.
#[derive(Debug, Clone, Copy, Default)]
enum Raw<'a> {
    #[default]
    Absent,
    Str(&'a str),
    UInt(u64),
    Bool(bool),
    /// An array; its text items (up to [`MAX_ITEMS`]) are in [`Slots::items`] when
    /// it belongs to `data_types`, and `plain` says every item was text or null.
    List {
        plain: bool,
    },
}

/// The most `data_types` names this path takes from an array; a longer list is
/// the generic path's to read.
const MAX_ITEMS: usize = 8;

/// The known fields of one line, indexed by [`FieldName`] (every field has its
/// slot, so a field added to [`FieldName`] is read here without more ado).
#[derive(Default)]
struct Slots<'a> {
    slots: [Raw<'a>; FieldName::COUNT],
    items: [&'a str; MAX_ITEMS],
    n_items: usize,
    repeated: Option<&'static str>,
}

impl Fields for Slots<'_> {
    #[inline]
    fn field(&self, name: FieldName) -> Field<'_> {
        match self.slots.get(name as usize).copied().unwrap_or_default() {
            Raw::Absent => Field::Null,
            Raw::Str(s) => Field::Str(s),
            Raw::UInt(n) => Field::UInt(n),
            Raw::Bool(b) => Field::Bool(b),
            // Only `data_types` looks into its items; in any other field a list
            // is wrong whatever it holds.
            Raw::List { .. } if name == FieldName::DataTypes => Field::List(Items::Texts(
                self.items.get(..self.n_items).unwrap_or_default(),
            )),
            Raw::List { .. } => Field::List(Items::Texts(&[])),
        }
    }

    fn repeated(&self) -> Option<&'static str> {
        self.repeated
    }
}

/// What became of one line.
pub(crate) enum Scanned {
    /// Checked and accepted: the incident is added.
    Accepted,
    /// Checked and rejected: the record's id, when readable, and why.
    Rejected(Option<String>, Fault),
    /// Not in a form this path reads; nothing was changed.
    Declined,
}

/// Scans `line` and, when it is a usual record, checks it into `out`: `names`
/// changes only when the record is accepted, exactly as the generic path would
/// change it.
#[inline]
pub(crate) fn read(
    line: Line<'_>,
    max_depth: usize,
    guess: &mut KeyGuess,
    names: &mut Names,
    (file, line_no): (u32, u64),
    out: &mut Vec<Incident>,
) -> Scanned {
    // Filled in place: returning the slots by value cost a copy (half a kilobyte)
    // per record.
    let mut slots = Slots::default();
    if scan(line, max_depth, guess, &mut slots).is_none() {
        return Scanned::Declined;
    }
    // A list in `data_types` whose items are not all text: the generic path words
    // the item at fault.
    if let Some(Raw::List { plain: false }) = slots.slots.get(FieldName::DataTypes as usize) {
        return Scanned::Declined;
    }
    match check::check(&slots, names, file, line_no, out) {
        Ok(()) => Scanned::Accepted,
        Err(fault) => Scanned::Rejected(check::id_text(&slots), fault),
    }
}

/// A flat object that makes up the whole line, into `f`.
fn scan<'a>(
    line: Line<'a>,
    max_depth: usize,
    guess: &mut KeyGuess,
    f: &mut Slots<'a>,
) -> Option<()> {
    Parser::new(line)?.object_guessing(max_depth, guess, |p, name| {
        let value = value(p, max_depth, f, name == FieldName::DataTypes)?;
        if name != FieldName::Other {
            let slot = f.slots.get_mut(name as usize)?;
            // A field given twice rejects the record, as in the generic record (a
            // `null` first counts as not given).
            if !matches!(slot, Raw::Absent) && f.repeated.is_none() {
                f.repeated = name.label();
            }
            *slot = value;
        }
        Some(())
    })
}

/// One value; the text items of an array are kept in `f` when `keep` (for
/// `data_types`).
#[inline]
fn value<'a>(
    p: &mut Parser<'a>,
    max_depth: usize,
    f: &mut Slots<'a>,
    keep: bool,
) -> Option<Raw<'a>> {
    match p.peek()? {
        // Text first: most values are.
        b'"' => p.string().map(Raw::Str),
        b'[' => {
            let mut plain = true;
            if keep {
                // The last list given wins, as in the generic record.
                f.n_items = 0;
            }
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use crate::ingest::fast::Block;
    use crate::model::Record;
    use std::borrow::Cow;

    /// A record's known fields as the check sees them, in one comparable form: a
    /// list outside `data_types` is only "a list" there (its items never matter),
    /// a `data_types` list keeps its text items, and one holding anything else
    /// stands as `Object` (the scanner's reader declines it).
    type Seen = (Vec<Value<'static>>, Option<&'static str>);

    fn seen(fields: &impl Fields) -> Seen {
        let mut out = Vec::new();
        for name in FIELD_ORDER {
            let v = match fields.field(name) {
                Field::Null => Value::Null,
                Field::Bool(b) => Value::Bool(b),
                Field::Int(i) => Value::Int(i),
                Field::UInt(u) => Value::UInt(u),
                Field::Float(x) => Value::Float(x),
                Field::Str(s) => Value::Str(Cow::Owned(s.to_string())),
                Field::Object => Value::Object,
                Field::List(_) if name != FieldName::DataTypes => Value::List(Vec::new()),
                Field::List(Items::Texts(items)) => Value::List(
                    items
                        .iter()
                        .map(|s| Value::Str(Cow::Owned(s.to_string())))
                        .collect(),
                ),
                Field::List(Items::Values(items)) => {
                    let mut texts = Vec::new();
                    for item in items {
                        match item {
                            Value::Str(s) => texts.push(Value::Str(Cow::Owned(s.to_string()))),
                            Value::Null => {}
                            _ => return (vec![Value::Object], None),
                        }
                    }
                    Value::List(texts)
                }
            };
            out.push(v);
        }
        (out, fields.repeated())
    }

    const FIELD_ORDER: [FieldName; FieldName::COUNT - 1] = [
        FieldName::Id,
        FieldName::Company,
        FieldName::LinkId,
        FieldName::CompanyName,
        FieldName::Industry,
        FieldName::Country,
        FieldName::Type,
        FieldName::Date,
        FieldName::Disclosed,
        FieldName::Severity,
        FieldName::Impact,
        FieldName::DataTypes,
        FieldName::Records,
        FieldName::Status,
        FieldName::ThirdParty,
        FieldName::VulnerableSubjects,
    ];

    /// What the scanner reads of `line` alone, and (it must be the same) as part of
    /// a block, where a plain block's lines take the quote-only string scan; a
    /// fresh key guess and one that has seen other lines read alike too.
    fn scanned(line: &[u8], max_depth: usize, guess: &mut KeyGuess) -> Option<Seen> {
        let read = |line: Line<'_>, guess: &mut KeyGuess| {
            let mut slots = Slots::default();
            scan(line, max_depth, guess, &mut slots)?;
            match slots.slots[FieldName::DataTypes as usize] {
                Raw::List { plain: false } => Some((vec![Value::Object], None)),
                _ => Some(seen(&slots)),
            }
        };
        let alone = read(Line::new(line), &mut KeyGuess::default());
        assert_eq!(
            alone,
            read(Line::new(line), guess),
            "{}",
            String::from_utf8_lossy(line)
        );
        // A line never holds a line feed: the reader splits at them.
        if !line.contains(&b'\n') {
            let in_block = read(Block::new(line).line(0, line.len()), guess);
            assert_eq!(alone, in_block, "{}", String::from_utf8_lossy(line));
        }
        alone
    }

    fn serde(line: &[u8]) -> Option<Seen> {
        let record = serde_json::from_slice::<Record<'_>>(line).ok()?;
        Some(seen(&record))
    }

    /// Lines the scanner reads must read the same through serde_json; lines it
    /// declines are serde_json's alone (some of them valid, some not).
    #[test]
    fn agrees_with_serde_json_or_declines() {
        let mut guess = KeyGuess::default();
        let read: &[&[u8]] = &[
            br#"{"id":"a","company":"c","type":"breach","date":"2020-01-01"}"#,
            br#"  { "id" : "a" , "severity" : 80 , "impact":3 }  "#,
            br#"{"id":"a","data_types":["health", "ssn",null, 3]}"#,
            br#"{"id":"a","data_types":["health", "ssn",null]}"#,
            br#"{"id":"a","data_types":[]}"#,
            br#"{}"#,
            br#"{"id":"a","id":"b"}"#,
            br#"{"id":null,"id":"b"}"#,
            br#"{"id":"","id":"b"}"#,
            br#"{"x":[1,2],"y":true,"z":null,"id":"a","third_party":false}"#,
            br#"{"records":0,"severity":"80","company":[1,"x",null]}"#,
            "{\"company\":\"Café ünïcode ✓\"}\r".as_bytes(),
        ];
        for line in read {
            let fast = scanned(line, 64, &mut guess);
            assert!(fast.is_some(), "{}", String::from_utf8_lossy(line));
            assert_eq!(fast, serde(line), "{}", String::from_utf8_lossy(line));
        }
        let declined: &[&[u8]] = &[
            br#"{"id":"a\"b"}"#,
            br#"{"severity":8.5}"#,
            br#"{"severity":-1}"#,
            br#"{"severity":-0}"#,
            br#"{"severity":1e3}"#,
            br#"{"severity":01}"#,
            br#"{"records":123456789012345678901234}"#,
            br#"{"x":{"y":1}}"#,
            br#"{"x":[[1]]}"#,
            br#"{"id":"a",}"#,
            br#"{"id":"a"} x"#,
            br#"{"id":"a""#,
            br#"{"id":"a	b"}"#,
            br#"[{"id":"a"}]"#,
            b"{\"id\":\"\xff\"}",
            br#"{"id":tru}"#,
            br#"{"id" "a"}"#,
            br#""#,
        ];
        for line in declined {
            assert_eq!(
                scanned(line, 64, &mut guess),
                None,
                "{}",
                String::from_utf8_lossy(line)
            );
        }
        assert_eq!(scanned(br#"{"data_types":["a"]}"#, 1, &mut guess), None);
        assert!(scanned(br#"{"id":"a"}"#, 1, &mut guess).is_some());
    }

    /// A `data_types` list longer than the scanner holds, or holding other than
    /// text, is declined whole (nothing changed), and the generic path reads it.
    #[test]
    fn long_or_mixed_data_lists_are_declined() {
        let long = format!(
            r#"{{"id":"a","company":"c","type":"breach","date":"2020","data_types":[{}]}}"#,
            ["\"x\""; MAX_ITEMS + 1].join(",")
        );
        let mixed =
            r#"{"id":"a","company":"c","type":"breach","date":"2020","data_types":["x",1]}"#;
        for line in [long.as_str(), mixed] {
            let mut names = Names::default();
            let before = names.lists().len();
            let mut out = Vec::new();
            let got = read(
                Line::new(line.as_bytes()),
                64,
                &mut KeyGuess::default(),
                &mut names,
                (0, 1),
                &mut out,
            );
            assert!(out.is_empty());
            assert!(matches!(got, Scanned::Declined), "{line}");
            assert_eq!(names.lists().len(), before);
        }
    }

    use proptest::prelude::*;

    /// JSON-ish tokens, valid and not, that records are made of.
    fn token() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("\"id\"".to_string()),
            Just("\"severity\"".to_string()),
            Just("\"data_types\"".to_string()),
            Just("\"records\"".to_string()),
            Just("\"x\"".to_string()),
            "\"[a-z0-9 \\\\\"\u{e9}\u{1}]{0,6}\"",
            "-?[0-9]{1,21}(\\.[0-9]{1,3})?([eE][+-]?[0-9]{1,3})?",
            Just("true".to_string()),
            Just("false".to_string()),
            Just("null".to_string()),
            Just("nul".to_string()),
            Just("{".to_string()),
            Just("}".to_string()),
            Just("[".to_string()),
            Just("]".to_string()),
            Just(",".to_string()),
            Just(":".to_string()),
            Just(" ".to_string()),
            Just("\t".to_string()),
        ]
    }

    /// A well-formed flat record, often: keys and values in the right places.
    fn record() -> impl Strategy<Value = String> {
        let value = prop_oneof![
            "\"[a-z0-9 \\\\\"\u{e9}]{0,6}\"",
            "-?[0-9]{1,20}(\\.[0-9])?",
            Just("true".to_string()),
            Just("null".to_string()),
            proptest::collection::vec("\"[a-z]{0,4}\"|null|[0-9]{1,3}|\\[\\]", 0..4)
                .prop_map(|v| format!("[{}]", v.join(","))),
        ];
        let key = prop_oneof![
            Just("id"),
            Just("company"),
            Just("severity"),
            Just("data_types"),
            Just("records"),
            Just("other"),
        ];
        proptest::collection::vec((key, value), 0..6).prop_map(|fields| {
            let body: Vec<String> = fields.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
            format!("{{{}}}", body.join(","))
        })
    }

    fn agrees(line: &[u8], guess: &mut KeyGuess) -> Result<(), TestCaseError> {
        if let Some(fast) = scanned(line, 64, guess) {
            prop_assert_eq!(Some(fast), serde(line), "{}", String::from_utf8_lossy(line));
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 3000, .. ProptestConfig::default() })]

        #[test]
        fn well_formed_records_agree(lines in proptest::collection::vec(record(), 1..4)) {
            let mut guess = KeyGuess::default();
            for line in lines {
                agrees(line.as_bytes(), &mut guess)?;
            }
        }

        #[test]
        fn token_soup_agrees(tokens in proptest::collection::vec(token(), 0..14)) {
            agrees(tokens.concat().as_bytes(), &mut KeyGuess::default())?;
        }

        #[test]
        fn damaged_records_agree(line in record(), at in any::<prop::sample::Index>(), byte in any::<u8>()) {
            let mut bytes = line.into_bytes();
            if !bytes.is_empty() {
                let i = at.index(bytes.len());
                bytes[i] = byte;
            }
            agrees(&bytes, &mut KeyGuess::default())?;
        }
    }
}

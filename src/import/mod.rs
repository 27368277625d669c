//! Importers: public incident data, read as it is, into canonical records.
//!
//! Each source turns its own records into canonical [`Record`]s (SCORING.md §1) or
//! into rejections with a reason — never silently into nothing — so the accounting
//! of the engine holds for imported data too. What each source knows and how its
//! fields map is documented, table by table, in `docs/formats.md`.

mod csvmap;
mod hhs;
mod hibp;
mod rankiteo;
mod veris;
mod wikipedia;

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use crate::dataset::Dataset;
use crate::error::Error;
use crate::model::{Record, Value};

pub use csvmap::Mapping;

/// A source format that `import` and `score --input-format` read.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Source {
    /// VERIS JSON (VCDB): one incident per file, or a directory of them.
    Veris,
    /// The US HHS OCR breach portal CSV export.
    Hhs,
    /// Have I Been Pwned's breaches JSON.
    Hibp,
    /// Wikipedia's "List of data breaches" table as CSV.
    Wikipedia,
    /// Rankiteo rating records and incident details (JSON).
    Rankiteo,
    /// Any CSV, through a mapping file.
    Csv(Box<Mapping>),
}

impl Source {
    /// The source's name, as `--from` takes it.
    pub fn name(&self) -> &'static str {
        match self {
            Source::Veris => "veris",
            Source::Hhs => "hhs",
            Source::Hibp => "hibp",
            Source::Wikipedia => "wikipedia",
            Source::Rankiteo => "rankiteo",
            Source::Csv(_) => "csv",
        }
    }

    /// Parses a built-in source name (`csv` needs a mapping: see [`Mapping`]).
    ///
    /// # Errors
    /// [`Error::Usage`] for an unknown name.
    pub fn builtin(name: &str) -> Result<Source, Error> {
        match name.to_ascii_lowercase().as_str() {
            "veris" | "vcdb" => Ok(Source::Veris),
            "hhs" => Ok(Source::Hhs),
            "hibp" => Ok(Source::Hibp),
            "wikipedia" => Ok(Source::Wikipedia),
            "rankiteo" => Ok(Source::Rankiteo),
            other => Err(Error::Usage(format!(
                "unknown source `{other}`; expected veris, hhs, hibp, wikipedia, rankiteo or csv (with --mapping)"
            ))),
        }
    }
}

/// A text encoding an input may be in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Encoding {
    /// UTF-8 (the default); anything else is an error that names the byte offset.
    #[default]
    Utf8,
    /// Windows-1252, which also reads Latin-1 text.
    Windows1252,
    /// Mac Roman (the HHS archive export).
    MacRoman,
}

impl FromStr for Encoding {
    type Err = Error;
    fn from_str(s: &str) -> Result<Encoding, Error> {
        match s.to_ascii_lowercase().replace('_', "-").as_str() {
            "utf-8" | "utf8" => Ok(Encoding::Utf8),
            "windows-1252" | "cp1252" | "latin1" | "latin-1" | "iso-8859-1" => {
                Ok(Encoding::Windows1252)
            }
            "mac-roman" | "macroman" | "macintosh" | "x-mac-roman" => Ok(Encoding::MacRoman),
            other => Err(Error::Usage(format!(
                "unknown encoding `{other}`; expected utf-8, windows-1252 (latin1) or mac-roman"
            ))),
        }
    }
}

/// Decodes `bytes` (a BOM is dropped). UTF-8 input that is not valid is an error
/// naming the file and the byte offset, suggesting `--encoding`.
///
/// # Errors
/// [`Error::Document`] for invalid UTF-8.
pub fn decode<'b>(bytes: &'b [u8], name: &str, encoding: Encoding) -> Result<Cow<'b, str>, Error> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match encoding {
        Encoding::Utf8 => std::str::from_utf8(bytes).map(Cow::Borrowed).map_err(|e| {
            let at = e.valid_up_to();
            let line = bytes
                .get(..at)
                .unwrap_or_default()
                .iter()
                .filter(|b| **b == b'\n')
                .count() as u64
                + 1;
            Error::Document {
                file: name.to_string(),
                line,
                col: 1,
                message: format!(
                    "not UTF-8 at byte offset {at} (byte 0x{:02X}); if the file is Mac Roman or \
                     Windows-1252, pass --encoding mac-roman or --encoding windows-1252",
                    bytes.get(at).copied().unwrap_or(0)
                ),
            }
        }),
        Encoding::Windows1252 => Ok(encoding_rs::WINDOWS_1252
            .decode_without_bom_handling(bytes)
            .0),
        Encoding::MacRoman => Ok(encoding_rs::MACINTOSH.decode_without_bom_handling(bytes).0),
    }
}

/// A source record that could not become a canonical record.
#[derive(Debug, Clone, PartialEq)]
pub struct Reject {
    /// The record's id, when it has one.
    pub id: Option<String>,
    /// The source field at fault, when one is.
    pub field: Option<String>,
    /// Why.
    pub message: String,
}

impl Reject {
    fn new(id: Option<String>, field: &str, message: impl Into<String>) -> Reject {
        Reject {
            id,
            field: Some(field.to_string()),
            message: message.into(),
        }
    }
}

/// One source record: its line (or position) and what it became.
pub type Imported = (u64, Result<Record<'static>, Reject>);

/// Converts a whole source document (already decoded) into canonical records.
///
/// # Errors
/// [`Error::Document`] when the document as a whole is unusable.
pub fn convert(source: &Source, text: &str, name: &str) -> Result<Vec<Imported>, Error> {
    match source {
        Source::Veris => veris::convert(text, name).map(|r| vec![(1, r)]),
        Source::Hhs => hhs::convert(text, name),
        Source::Hibp => hibp::convert(text, name),
        Source::Wikipedia => wikipedia::convert(text, name),
        Source::Rankiteo => rankiteo::convert(text, name),
        Source::Csv(m) => m.convert(text, name),
    }
}

/// The files a path stands for: itself, or for a directory (VERIS), the `.json`
/// files in it (any case of the extension), sorted by name.
///
/// # Errors
/// [`Error::Io`] when the directory cannot be listed.
pub fn expand(path: &Path) -> Result<Vec<PathBuf>, Error> {
    if !path.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(path)
        .map_err(|e| Error::io(path, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension()
                .is_some_and(|x| x.eq_ignore_ascii_case("json"))
        })
        .collect();
    files.sort();
    Ok(files)
}

/// Reads `path` (a file, or a directory of VERIS files) as `source` into `data`.
/// Returns how many source records were read.
///
/// # Errors
/// [`Error::Io`] or [`Error::Document`].
pub fn read_path(
    data: &mut Dataset,
    source: &Source,
    path: &Path,
    encoding: Encoding,
) -> Result<u64, Error> {
    let mut n = 0;
    for file in expand(path)? {
        let bytes = std::fs::read(&file).map_err(|e| Error::io(&file, e))?;
        n += read_bytes(data, source, &bytes, &file.display().to_string(), encoding)?;
    }
    Ok(n)
}

/// Reads one source document from bytes into `data`; returns the records read.
///
/// # Errors
/// [`Error::Document`] for undecodable or unusable documents.
pub fn read_bytes(
    data: &mut Dataset,
    source: &Source,
    bytes: &[u8],
    name: &str,
    encoding: Encoding,
) -> Result<u64, Error> {
    let text = decode(bytes, name, encoding)?;
    let items = convert(source, &text, name)?;
    let n = items.len() as u64;
    for (line, item) in items {
        match item {
            Ok(record) => data.push(&record, name, line),
            Err(r) => data.push_rejection(name, line, r.id, r.field, r.message),
        }
    }
    Ok(n)
}

/// The company key of an organisation's name: the same organisation spelled
/// "Anthem Inc." and "ANTHEM, INC." gets one key (`anthem`).
///
/// Lower-cased; `&` becomes "and"; dots and apostrophes are dropped (so "L.L.C."
/// is "llc"); any other non-alphanumeric character separates words; a leading
/// "the" and trailing legal forms (inc, llc, ltd, corp, co, plc, gmbh, …) are
/// dropped; words are joined with `-`. A name of legal forms only keeps them.
pub fn company_key(name: &str) -> String {
    const FORMS: &[&str] = &[
        "inc",
        "incorporated",
        "corp",
        "corporation",
        "co",
        "company",
        "ltd",
        "limited",
        "llc",
        "llp",
        "lp",
        "plc",
        "pc",
        "pllc",
        "pa",
        "gmbh",
        "ag",
        "sa",
        "nv",
        "bv",
        "oy",
        "oyj",
        "ab",
        "as",
        "spa",
        "srl",
        "pty",
        "sl",
        "sas",
        "kg",
    ];
    let lower = name.to_lowercase().replace('&', " and ");
    let cleaned: String = lower
        .chars()
        .filter(|c| !matches!(c, '.' | '\'' | '’'))
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    let mut words: Vec<&str> = cleaned.split_whitespace().collect();
    let all = words.clone();
    if words.first() == Some(&"the") && words.len() > 1 {
        words.remove(0);
    }
    while words.len() > 1 && words.last().is_some_and(|w| FORMS.contains(w)) {
        words.pop();
    }
    if words.is_empty() {
        words = all;
    }
    words.join("-")
}

/// A count of records as a source writes it, read as a number, a documented
/// lower bound for words ("tens of thousands" → 10,000; "over 5,000,000" →
/// 5,000,000), or unknown (`None`) — never a guess.
pub fn count_in_words(text: &str) -> Option<u64> {
    let t = text.trim().to_lowercase();
    let t = t
        .trim_start_matches("over ")
        .trim_start_matches("more than ")
        .trim_start_matches("at least ")
        .trim_start_matches("approximately ")
        .trim_start_matches("about ")
        .trim_start_matches('~')
        .trim();
    const WORDS: &[(&str, u64)] = &[
        ("dozens", 12),
        ("hundreds", 100),
        ("thousands", 1_000),
        ("tens of thousands", 10_000),
        ("hundreds of thousands", 100_000),
        ("millions", 1_000_000),
        ("tens of millions", 10_000_000),
        ("hundreds of millions", 100_000_000),
        ("billions", 1_000_000_000),
    ];
    if let Some((_, n)) = WORDS.iter().find(|(w, _)| *w == t) {
        return Some(*n);
    }
    // A leading number, with thousands separators, optionally scaled by a word.
    let num: String = t
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == ',' || *c == '.')
        .collect();
    if num.is_empty() || !num.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let rest = t[num.len()..].trim_start_matches('+').trim();
    let first_word = rest
        .split(|c: char| !c.is_alphanumeric())
        .next()
        .unwrap_or("");
    let scale = match first_word {
        "" | "records" | "people" | "users" | "accounts" | "customers" | "patients"
        | "individuals" | "members" | "employees" | "approx" | "clients" | "emails" => 1.0,
        "thousand" | "k" => 1e3,
        "million" | "m" | "mln" => 1e6,
        "billion" | "bn" | "b" => 1e9,
        // Stores, locations, gigabytes, years …: not a count of records.
        _ => return None,
    };
    let value: f64 = if scale == 1.0 {
        num.replace(',', "").parse::<u64>().ok()? as f64
    } else {
        num.replace(',', "").parse::<f64>().ok()?
    };
    let n = value * scale;
    (0.0..1.8e19).contains(&n).then_some(n.round() as u64)
}

/// An error about a whole document, placed at its start (a missing column, say).
fn document_error(name: &str, message: impl Into<String>) -> Error {
    Error::Document {
        file: name.to_string(),
        line: 1,
        col: 1,
        message: message.into(),
    }
}

/// One CSV row with its line, or the rejection of a row that could not be read.
type Row = (u64, Result<csv::StringRecord, Reject>);

/// A CSV document's header and rows, in order.
fn csv_rows(text: &str, name: &str) -> Result<(csv::StringRecord, Vec<Row>), Error> {
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers = rdr
        .headers()
        .map_err(|e| document_error(name, format!("cannot read the CSV header: {e}")))?
        .clone();
    let rows = rdr
        .records()
        .map(|row| match row {
            Ok(r) => (r.position().map_or(0, |p| p.line()), Ok(r)),
            Err(e) => (
                e.position().map_or(0, |p| p.line()),
                Err(Reject {
                    id: None,
                    field: None,
                    message: format!("unreadable CSV row: {e}"),
                }),
            ),
        })
        .collect();
    Ok((headers, rows))
}

/// Converts each readable row (with its line) by `convert`; an unreadable row stays
/// the rejection `csv_rows` made of it.
fn convert_rows(
    rows: Vec<Row>,
    mut convert: impl FnMut(u64, &csv::StringRecord) -> Result<Record<'static>, Reject>,
) -> Vec<Imported> {
    rows.into_iter()
        .map(|(line, row)| (line, row.and_then(|r| convert(line, &r))))
        .collect()
}

fn text(s: &str) -> Value<'static> {
    Value::Str(Cow::Owned(s.to_string()))
}

/// A type family for spotting the same incident in two sources: data loss
/// (breach, ransomware), attacks (attack, ddos), and the rest by name.
pub fn type_family(type_name: &str) -> &str {
    match type_name {
        "breach" | "ransomware" => "data loss",
        "attack" | "ddos" => "attack",
        other => other,
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

    #[test]
    fn one_organisation_one_key() {
        assert_eq!(company_key("Anthem Inc."), "anthem");
        assert_eq!(company_key("ANTHEM, INC."), "anthem");
        assert_eq!(company_key("TheraCom, L.L.C."), "theracom");
        assert_eq!(
            company_key("Dohman, Akerlund & Eddy"),
            "dohman-akerlund-and-eddy"
        );
        assert_eq!(company_key("The Home Depot"), "home-depot");
        assert_eq!(company_key("Vastaamo"), "vastaamo");
        assert_eq!(company_key("Inc."), "inc");
        assert_eq!(
            company_key("Dr. Daniel J. Leeman, M.D."),
            "dr-daniel-j-leeman-md"
        );
    }

    #[test]
    fn counts_in_words_have_documented_lower_bounds() {
        assert_eq!(count_in_words("130000"), Some(130_000));
        assert_eq!(count_in_words("5,000,000"), Some(5_000_000));
        assert_eq!(count_in_words("over 5,000,000"), Some(5_000_000));
        assert_eq!(count_in_words("Tens of thousands"), Some(10_000));
        assert_eq!(count_in_words("millions"), Some(1_000_000));
        assert_eq!(count_in_words("2.5 million"), Some(2_500_000));
        assert_eq!(
            count_in_words("9,000,000 (approx) - basic booking, 2208 (credit card details)"),
            Some(9_000_000)
        );
        for unknown in [
            "unknown",
            "Unknown",
            "undisclosed",
            "TBC",
            "",
            "63 stores",
            "235 GB",
            "2.5GB",
            "19 years of data",
            "G20 world leaders",
            "Source Code Compromised",
        ] {
            assert_eq!(count_in_words(unknown), None, "{unknown}");
        }
    }

    #[test]
    fn encodings() {
        assert_eq!(decode(b"caf\xC3\xA9", "x", Encoding::Utf8).unwrap(), "café");
        assert_eq!(decode(b"caf\x8E", "x", Encoding::MacRoman).unwrap(), "café");
        assert_eq!(
            decode(b"caf\xE9", "x", Encoding::Windows1252).unwrap(),
            "café"
        );
        let err = decode(b"ok\nca\x8Ef", "f.csv", Encoding::Utf8)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("f.csv:2:1: not UTF-8 at byte offset 5"),
            "{err}"
        );
        assert!(err.contains("--encoding mac-roman"), "{err}");
    }
}

/// A pair of accepted incidents that are likely the same event seen by two sources.
#[derive(Debug, Clone, PartialEq)]
pub struct LikelyDuplicate<'a> {
    /// The shared company key.
    pub company: &'a str,
    /// The earlier-listed incident.
    pub first: crate::resolve::Resolved<'a>,
    /// The other one.
    pub second: crate::resolve::Resolved<'a>,
    /// Days between their date spans (0 when they overlap).
    pub days_apart: i64,
}

/// The first and last day a partial date stands for.
fn span(d: crate::model::PartialDate) -> (chrono::NaiveDate, chrono::NaiveDate) {
    use crate::model::Precision;
    use chrono::Datelike;
    let start = d.date;
    let end = match d.precision {
        Precision::Day => start,
        Precision::Month => start
            .checked_add_months(chrono::Months::new(1))
            .and_then(|x| x.pred_opt())
            .unwrap_or(start),
        Precision::Year => chrono::NaiveDate::from_ymd_opt(start.year(), 12, 31).unwrap_or(start),
    };
    (start, end)
}

fn distance(a: crate::model::PartialDate, b: crate::model::PartialDate) -> i64 {
    let ((a0, a1), (b0, b1)) = (span(a), span(b));
    if a1 < b0 {
        (b0 - a1).num_days()
    } else if b1 < a0 {
        (a0 - b1).num_days()
    } else {
        0
    }
}

/// The source of an incident for duplicate detection: its id's prefix (`hibp`,
/// `wikipedia`, …) or, without one, its file.
fn source_of<'a>(r: &crate::resolve::Resolved<'a>) -> (u32, &'a str) {
    match r.id().split_once(':') {
        Some((prefix, _)) => (u32::MAX, prefix),
        None => (r.incident.file, ""),
    }
}

/// Likely cross-source duplicates among accepted incidents: the same company key,
/// the same type family, from different sources, with dates (or disclosure dates)
/// within `window_days` — partial dates count as the whole month or year they name.
/// Nothing is dropped: this only reports.
pub fn likely_duplicates<'a>(
    res: &crate::resolve::Resolution<'a>,
    window_days: i64,
) -> Vec<LikelyDuplicate<'a>> {
    let rules = res.rules();
    let mut by_company: crate::FastMap<&str, Vec<&crate::resolve::Resolved<'a>>> =
        crate::FastMap::default();
    for r in res.items() {
        by_company.entry(r.company()).or_default().push(r);
    }
    let mut keys: Vec<&str> = by_company.keys().copied().collect();
    keys.sort_unstable();
    let mut out = Vec::new();
    for key in keys {
        let Some(list) = by_company.get(key) else {
            continue;
        };
        for (i, a) in list.iter().enumerate() {
            for b in list.iter().skip(i + 1) {
                if source_of(a) == source_of(b) {
                    continue;
                }
                let fam = |r: &crate::resolve::Resolved<'_>| {
                    type_family(&rules.type_rule(r.type_id).name)
                };
                if fam(a) != fam(b) {
                    continue;
                }
                // The nearest of the two dates each incident has (date, disclosed).
                let dates = |r: &crate::resolve::Resolved<'_>| {
                    [Some(r.incident.date), r.incident.disclosed]
                        .into_iter()
                        .flatten()
                };
                let days = dates(a)
                    .flat_map(|x| dates(b).map(move |y| distance(x, y)))
                    .min()
                    .unwrap_or(i64::MAX);
                if days <= window_days {
                    out.push(LikelyDuplicate {
                        company: a.company(),
                        first: **a,
                        second: **b,
                        days_apart: days,
                    });
                }
            }
        }
    }
    out
}

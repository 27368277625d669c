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
use std::io::{BufRead, Read};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use crate::dataset::Dataset;
use crate::error::Error;
use crate::ingest::read::Limits;
use crate::ingest::split;
use crate::model::{Record, Value, day_number};

pub use csvmap::{DateFormat, MAX_MAPPING_BYTES, Mapping};

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
    decode_at(bytes, name, encoding, 1, 0)
}

/// As [`decode`] for a piece of a document that starts on `line` at byte
/// `offset`: an error names the place in the whole document.
fn decode_at<'b>(
    bytes: &'b [u8],
    name: &str,
    encoding: Encoding,
    line: u64,
    offset: u64,
) -> Result<Cow<'b, str>, Error> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match encoding {
        Encoding::Utf8 => std::str::from_utf8(bytes).map(Cow::Borrowed).map_err(|e| {
            let at = e.valid_up_to();
            let lines = bytes
                .get(..at)
                .unwrap_or_default()
                .iter()
                .filter(|b| **b == b'\n')
                .count() as u64;
            Error::Document {
                file: name.to_string(),
                line: line + lines,
                col: 1,
                message: format!(
                    "not UTF-8 at byte offset {} (byte 0x{:02X}); if the file is Mac Roman or \
                     Windows-1252, pass --encoding mac-roman or --encoding windows-1252",
                    offset + at as u64,
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

/// The files a path stands for: itself, or for a directory (VERIS), the `.json`
/// files in it (any case of the extension), sorted by name. An entry that is not
/// a regular file (a FIFO, socket, device, directory, or a symlink that loops or
/// dangles) is left out with a warning: reading a FIFO would wait for a writer.
///
/// # Errors
/// [`Error::Io`] when the path or the directory cannot be read.
pub fn expand(path: &Path) -> Result<(Vec<PathBuf>, Vec<String>), Error> {
    let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
    if !meta.is_dir() {
        return Ok((vec![path.to_path_buf()], Vec::new()));
    }
    let mut files = Vec::new();
    let mut warnings = Vec::new();
    for entry in std::fs::read_dir(path).map_err(|e| Error::io(path, e))? {
        let entry = entry.map_err(|e| Error::io(path, e))?;
        let p = entry.path();
        if !p
            .extension()
            .is_some_and(|x| x.eq_ignore_ascii_case("json"))
        {
            continue;
        }
        match std::fs::metadata(&p) {
            Ok(m) if m.is_file() => files.push(p),
            Ok(m) => warnings.push(format!(
                "{}: skipped: {}, not a regular file",
                p.display(),
                kind_of(&m.file_type())
            )),
            Err(e) => warnings.push(format!("{}: skipped: {e}", p.display())),
        }
    }
    files.sort();
    warnings.sort();
    Ok((files, warnings))
}

fn kind_of(t: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if t.is_dir() {
        "a directory"
    } else if t.is_fifo() {
        "a FIFO"
    } else if t.is_socket() {
        "a socket"
    } else if t.is_char_device() || t.is_block_device() {
        "a device"
    } else {
        "not a file"
    }
}

/// Reads `path` (a file, or a directory of VERIS files) as `source` into `data`,
/// within the dataset's limits. Returns how many source records were read.
///
/// In a directory, an entry that cannot be read (unreadable, empty, not JSON,
/// too large) is one rejection naming its file; the others are read.
///
/// # Errors
/// [`Error::Io`] or [`Error::Document`].
pub fn read_path(
    data: &mut Dataset,
    source: &Source,
    path: &Path,
    encoding: Encoding,
) -> Result<u64, Error> {
    let (files, warnings) = expand(path)?;
    for w in warnings {
        data.warn(w);
    }
    let one_entry_of_many = path.is_dir();
    let mut n = 0;
    for file in files {
        let name = file.display().to_string();
        let opened = std::fs::File::open(&file);
        let mut f = match opened {
            Ok(f) => std::io::BufReader::new(f),
            Err(e) if one_entry_of_many => {
                data.push_rejection(&name, 1, None, None, format!("cannot be read: {e}"));
                n += 1;
                continue;
            }
            Err(e) => return Err(Error::io(&file, e)),
        };
        n += read_reader(data, source, &mut f, &name, encoding)?;
    }
    Ok(n)
}

/// Reads one source document from bytes into `data`; returns the records read.
///
/// # Errors
/// As [`read_reader`].
pub fn read_bytes(
    data: &mut Dataset,
    source: &Source,
    bytes: &[u8],
    name: &str,
    encoding: Encoding,
) -> Result<u64, Error> {
    read_reader(data, source, &mut &bytes[..], name, encoding)
}

/// Reads one source document from a stream into `data`, record by record within
/// the dataset's limits; returns the source records read.
///
/// # Errors
/// [`Error::Io`] when the stream fails; [`Error::Document`] for a document that
/// is unusable as a whole (a CSV without the source's columns, a JSON array that
/// never closes, UTF-8 that is not).
pub fn read_reader(
    data: &mut Dataset,
    source: &Source,
    input: &mut dyn BufRead,
    name: &str,
    encoding: Encoding,
) -> Result<u64, Error> {
    let limits = data.limits();
    let items = match source {
        Source::Veris => vec![(1, veris_document(input, name, encoding, &limits)?)],
        Source::Hibp => hibp::convert(json_items(input, name, encoding, &limits)?),
        Source::Rankiteo => rankiteo::convert(json_items(input, name, encoding, &limits)?),
        Source::Hhs => hhs::convert(csv_rows(input, name, encoding, &limits)?, name)?,
        Source::Wikipedia => wikipedia::convert(csv_rows(input, name, encoding, &limits)?, name)?,
        Source::Csv(m) => m.convert(csv_rows(input, name, encoding, &limits)?, name)?,
    };
    let n = items.len() as u64;
    for (line, item) in items {
        match item {
            Ok(record) => data.push(&record, name, line),
            Err(r) => data.push_rejection(name, line, r.id, r.field, r.message),
        }
    }
    Ok(n)
}

fn unreadable(message: impl Into<String>) -> Reject {
    Reject {
        id: None,
        field: None,
        message: message.into(),
    }
}

/// One VERIS incident file, read no further than the record limit: a file that
/// is empty, larger, not JSON or not one object is a rejection, not an error.
fn veris_document(
    input: &mut dyn BufRead,
    name: &str,
    encoding: Encoding,
    limits: &Limits,
) -> Result<Result<Record<'static>, Reject>, Error> {
    let cap = limits.max_record_bytes as u64;
    let mut bytes = Vec::new();
    input
        .take(cap.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| Error::Io {
            path: name.to_string(),
            source: e,
        })?;
    if bytes.len() as u64 > cap {
        return Ok(Err(unreadable(format!(
            "file is more than {cap} bytes, above the limit (--max-record-bytes); not read further"
        ))));
    }
    let text = match decode(&bytes, name, encoding) {
        Ok(t) => t,
        Err(e) => return Ok(Err(unreadable(e.to_string()))),
    };
    if text.trim().is_empty() {
        return Ok(Err(unreadable("empty file: not a VERIS incident")));
    }
    Ok(split::strict_json(&text, limits)
        .map_err(|e| unreadable(format!("not a VERIS JSON incident: {e}")))
        .and_then(|v| veris::convert(&v)))
}

/// A JSON source record, parsed, with its place; or why it could not be.
type JsonItem = (u64, Result<serde_json::Value, Reject>);

/// A JSON source's records (array elements, or one object), each parsed on its
/// own within the limits, with its place: the element's number in the array.
fn json_items(
    input: &mut dyn BufRead,
    name: &str,
    encoding: Encoding,
    limits: &Limits,
) -> Result<Vec<JsonItem>, Error> {
    let mut items = Vec::new();
    let mut failed = None;
    split::json_records(input, name, limits, &mut |cut| {
        let pos = items.len() as u64 + 1;
        let item = match cut {
            split::Cut::Skipped { message, .. } => Err(unreadable(message)),
            split::Cut::Record { line, at, bytes } => {
                match decode_at(&bytes, name, encoding, line, at) {
                    Ok(text) => split::strict_json(&text, limits)
                        .map_err(|e| unreadable(format!("not a JSON object: {e}"))),
                    Err(e) => {
                        failed.get_or_insert(e);
                        Err(unreadable("not UTF-8"))
                    }
                }
            }
        };
        items.push((pos, item));
    })?;
    match failed {
        Some(e) => Err(e),
        None => Ok(items),
    }
}

/// The company key of an organisation's name: the same organisation spelled
/// "Anthem Inc." and "ANTHEM, INC." gets one key (`anthem`).
///
/// Unicode-normalised first (NFC, then case-folded: "Müller" in NFC and in NFD,
/// "MÜLLER" and "Straße"/"STRASSE" each give one key, and "İstanbul" is
/// "istanbul"); `&` becomes "and"; dots and apostrophes are dropped (so "L.L.C."
/// is "llc"); any other character that is neither a letter, a digit nor a
/// combining mark separates words; a leading "the", trailing legal forms (inc,
/// llc, ltd, corp, co, plc, gmbh, …) and a trailing disambiguation in
/// parentheses ("Wawa (company)") are dropped; words are joined with `-`. A name
/// of legal forms only keeps them.
///
/// "Company", "Corporation", "Limited" and "Incorporated" are legal forms only
/// when written as part of a name, capitalised ("Ford Motor Company", "ACME
/// LIMITED"); in lower case they describe ("Irish towing company", "a Healthfirst
/// company") and stay in the key.
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
    // In lower case, these describe rather than name a legal form.
    const DESCRIPTIVE: &[&str] = &["company", "corporation", "limited", "incorporated"];
    let name = without_disambiguation(name);
    let folded = key_words(&fold(name));
    // The same words as written (folding neither adds nor removes a separator),
    // to tell "Company" from "company".
    let written = key_words(name);
    let written: Vec<&str> = written.split_whitespace().collect();
    let all: Vec<&str> = folded.split_whitespace().collect();
    let capitalised = |i: usize| {
        written
            .get(i)
            .and_then(|w| w.chars().next())
            .is_some_and(char::is_uppercase)
    };
    let start = usize::from(all.first() == Some(&"the") && all.len() > 1);
    let mut end = all.len();
    while end > start + 1
        && all.get(end - 1).is_some_and(|w| {
            FORMS.contains(w) && (!DESCRIPTIVE.contains(w) || capitalised(end - 1))
        })
    {
        end -= 1;
    }
    match all.get(start..end) {
        Some(words) if !words.is_empty() => words.join("-"),
        _ => all.join("-"),
    }
}

/// The words of a name for its key: `&` as "and", dots and apostrophes dropped,
/// anything but letters, digits and combining marks a space.
fn key_words(name: &str) -> String {
    name.replace('&', " and ")
        .chars()
        .filter(|c| !matches!(c, '.' | '\'' | '’'))
        .map(|c| {
            if c.is_alphanumeric() || unicode_normalization::char::is_combining_mark(c) {
                c
            } else {
                ' '
            }
        })
        .collect()
}

/// `name` without a trailing disambiguation in parentheses that only says what
/// kind of organisation it is ("Wawa (company)", "Anthem (insurer)"), as
/// Wikipedia's titles have; other parentheses are part of the name.
fn without_disambiguation(name: &str) -> &str {
    const KINDS: &[&str] = &[
        "company",
        "corporation",
        "business",
        "firm",
        "organisation",
        "organization",
        "website",
        "retailer",
        "insurer",
        "bank",
        "brand",
        "software",
        "service",
        "app",
    ];
    let trimmed = name.trim_end();
    let Some(inner) = trimmed.strip_suffix(')') else {
        return name;
    };
    let Some(open) = inner.rfind('(') else {
        return name;
    };
    let (head, kind) = (
        inner.get(..open).unwrap_or(""),
        inner.get(open + 1..).unwrap_or(""),
    );
    let kind = kind.trim().to_lowercase();
    if !head.trim().is_empty() && KINDS.contains(&kind.as_str()) {
        head.trim_end()
    } else {
        name
    }
}

/// `name` in NFC, case-folded. Rust's lower-casing is the simple folding but for
/// the letters that fold to several: ß and ẞ fold to "ss", final ς to σ, and the
/// dot that İ keeps when lower-cased ("i̇") is dropped, as the name means an i.
fn fold(name: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let lower: String = name.nfc().collect::<String>().to_lowercase();
    let mut out = String::with_capacity(lower.len());
    let mut prev = ' ';
    for c in lower.chars() {
        match c {
            'ß' | 'ẞ' => out.push_str("ss"),
            'ς' => out.push('σ'),
            '\u{307}' if prev == 'i' => {}
            c => out.push(c),
        }
        prev = c;
    }
    out.nfc().collect()
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

/// A CSV source's header and rows, in order.
pub(crate) struct CsvDoc {
    headers: csv::StringRecord,
    rows: Vec<Row>,
}

/// A CSV document cut into records as it streams (each within the limits), its
/// first record the header.
fn csv_rows(
    input: &mut dyn BufRead,
    name: &str,
    encoding: Encoding,
    limits: &Limits,
) -> Result<CsvDoc, Error> {
    let mut headers: Option<csv::StringRecord> = None;
    let mut rows = Vec::new();
    let mut failed = None;
    split::csv_records(input, name, limits, &mut |cut| {
        if failed.is_some() {
            return;
        }
        let (line, at, bytes) = match cut {
            split::Cut::Skipped { line, message } if headers.is_some() => {
                rows.push((line, Err(unreadable(message))));
                return;
            }
            split::Cut::Skipped { message, .. } => {
                failed = Some(document_error(
                    name,
                    format!("cannot read the CSV header: {message}"),
                ));
                return;
            }
            split::Cut::Record { line, at, bytes } => (line, at, bytes),
        };
        let bytes = if headers.is_none() {
            bytes
                .strip_prefix(b"\xEF\xBB\xBF")
                .unwrap_or(&bytes)
                .to_vec()
        } else {
            bytes
        };
        let text = match decode_at(&bytes, name, encoding, line, at) {
            Ok(t) => t,
            Err(e) => {
                failed = Some(e);
                return;
            }
        };
        let parsed = parse_csv_record(&text);
        match (&headers, parsed) {
            (None, Ok(h)) => headers = Some(h),
            (None, Err(e)) => {
                failed = Some(document_error(
                    name,
                    format!("cannot read the CSV header: {e}"),
                ));
            }
            (Some(_), Ok(r)) => rows.push((line, Ok(r))),
            (Some(_), Err(e)) => {
                rows.push((line, Err(unreadable(format!("unreadable CSV row: {e}")))))
            }
        }
    })?;
    if let Some(e) = failed {
        return Err(e);
    }
    Ok(CsvDoc {
        headers: headers.unwrap_or_default(),
        rows,
    })
}

/// One CSV record (already cut out whole) as its cells.
fn parse_csv_record(text: &str) -> Result<csv::StringRecord, csv::Error> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .buffer_capacity(text.len().clamp(64, 1 << 16))
        .from_reader(text.as_bytes());
    let mut record = csv::StringRecord::new();
    rdr.read_record(&mut record)?;
    Ok(record)
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
    use proptest::prelude::*;

    /// The search as it was first written, every pair of a company's incidents
    /// compared: the sweep must find exactly its pairs, in its order.
    fn all_pairs<'a>(
        res: &crate::resolve::Resolution<'a>,
        window_days: i64,
    ) -> Vec<LikelyDuplicate<'a>> {
        let rules = res.rules();
        let mut by_company: std::collections::BTreeMap<&str, Vec<&crate::resolve::Resolved<'a>>> =
            Default::default();
        for r in res.items() {
            by_company.entry(r.company()).or_default().push(r);
        }
        let mut out = Vec::new();
        for list in by_company.values() {
            for (i, a) in list.iter().enumerate() {
                for b in list.iter().skip(i + 1) {
                    let fam = |r: &crate::resolve::Resolved<'_>| {
                        type_family(&rules.type_rule(r.type_id).name)
                    };
                    if source_of(a) == source_of(b) || fam(a) != fam(b) {
                        continue;
                    }
                    let days = days_apart(a, b);
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

    /// Two files of canonical JSON Lines, read into one dataset: ids with a
    /// `source:` prefix name their source, the others their file.
    fn two_files(a: &str, b: &str) -> Dataset {
        let mut data = Dataset::new();
        data.read_bytes(a.as_bytes(), "a.jsonl", crate::ingest::read::Format::Jsonl)
            .unwrap();
        data.read_bytes(b.as_bytes(), "b.jsonl", crate::ingest::read::Format::Jsonl)
            .unwrap();
        data
    }

    fn record() -> impl Strategy<Value = String> {
        let date = prop_oneof![
            (2019..2022i32, 1..13u32, 1..29u32).prop_map(|(y, m, d)| format!("{y}-{m:02}-{d:02}")),
            (2019..2022i32, 1..13u32).prop_map(|(y, m)| format!("{y}-{m:02}")),
            (2019..2022i32).prop_map(|y| format!("{y}")),
        ];
        (
            prop_oneof![Just(""), Just("hibp:"), Just("wikipedia:"), Just("x:")],
            prop_oneof![Just("acme"), Just("globex")],
            prop_oneof![Just("breach"), Just("ransomware"), Just("attack"), Just("ddos")],
            date.clone(),
            proptest::option::of(date),
        )
            .prop_map(|(source, company, kind, date, disclosed)| {
                let disclosed = disclosed.map_or(String::new(), |d| format!(r#","disclosed":"{d}""#));
                format!(
                    r#"{{"id":"{source}ID","company":"{company}","type":"{kind}","date":"{date}"{disclosed}}}"#
                )
            })
    }

    /// Each record of `lines` with an id of its own (`ID` replaced by `tag` and
    /// its place).
    fn numbered(lines: &[String], tag: &str) -> String {
        lines
            .iter()
            .enumerate()
            .map(|(i, l)| l.replace("ID", &format!("{tag}{i}")) + "\n")
            .collect()
    }

    proptest! {
        #[test]
        fn the_sweep_finds_every_pair_and_no_other(
            a in proptest::collection::vec(record(), 0..40),
            b in proptest::collection::vec(record(), 0..40),
            window in prop_oneof![Just(0i64), Just(30), Just(90), Just(400)],
        ) {
            let data = two_files(&numbered(&a, "a"), &numbered(&b, "b"));
            let rules = crate::rules::Rules::default_rules().unwrap();
            let res = data.resolve_unmerged(&rules);
            let expected = all_pairs(&res, window);
            let got = likely_duplicates(&res, window, usize::MAX);
            prop_assert!(got.complete);
            prop_assert_eq!(got.total, expected.len() as u64);
            prop_assert_eq!(&got.pairs, &expected);
            let first_three = likely_duplicates(&res, window, 3);
            prop_assert_eq!(first_three.total, expected.len() as u64);
            prop_assert_eq!(&first_three.pairs[..], &expected[..expected.len().min(3)]);
        }
    }

    #[test]
    fn the_search_stops_at_its_limit_and_says_so() {
        // 30 incidents of one company in each of two sources, all in one year:
        // 900 pairs, 900 comparisons.
        let line = |i: usize, source: &str| {
            format!(
                r#"{{"id":"{source}:{i}","company":"acme","type":"breach","date":"2020-05-0{}"}}"#,
                1 + i % 9
            ) + "\n"
        };
        let a: String = (0..30).map(|i| line(i, "hibp")).collect();
        let b: String = (0..30).map(|i| line(i, "wikipedia")).collect();
        let data = two_files(&a, &b);
        let rules = crate::rules::Rules::default_rules().unwrap();
        let res = data.resolve_unmerged(&rules);
        let whole = duplicates_within(&res, 90, 5, 900);
        assert!(whole.complete);
        assert_eq!(whole.total, 900);
        assert_eq!(whole.pairs.len(), 5);
        let cut = duplicates_within(&res, 90, 5, 100);
        assert!(!cut.complete);
        assert_eq!(
            cut.total, 100,
            "every comparison up to the limit found a pair"
        );
        assert!(likely_duplicates(&res, -1, 5).pairs.is_empty());
    }

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
        // One organisation however its letters are composed or cased.
        let nfd = "Mu\u{308}ller GmbH";
        assert_eq!(company_key(nfd), company_key("Müller GmbH"));
        assert_eq!(company_key("MÜLLER GMBH"), "müller");
        assert_eq!(company_key("Straße AG"), company_key("STRASSE AG"));
        assert_eq!(company_key("İstanbul Hastanesi"), "istanbul-hastanesi");
        assert_eq!(company_key("ΟΔΥΣΣΕΥΣ"), company_key("Οδυσσευς"));
        // Combining marks stay in their word.
        assert_eq!(company_key("Ba\u{301}rbara"), "bárbara");
        assert_eq!(
            company_key("Dr. Daniel J. Leeman, M.D."),
            "dr-daniel-j-leeman-md"
        );
    }

    /// "company" in lower case describes and stays; capitalised it is a legal
    /// form; a disambiguation in parentheses is dropped, other parentheses kept.
    #[test]
    fn descriptive_words_stay_in_the_key() {
        assert_eq!(company_key("Irish towing company"), "irish-towing-company");
        assert_eq!(
            company_key("Senior Health Partners, a Healthfirst company"),
            "senior-health-partners-a-healthfirst-company"
        );
        assert_eq!(company_key("Ford Motor Company"), "ford-motor");
        assert_eq!(company_key("ACME LIMITED"), "acme");
        assert_eq!(company_key("The Coca-Cola Company"), "coca-cola");
        assert_eq!(company_key("acme inc"), "acme");
        assert_eq!(company_key("Wawa (company)"), "wawa");
        assert_eq!(company_key("Wawa (Company) "), "wawa");
        assert_eq!(company_key("Tesco (UK)"), "tesco-uk");
        assert_eq!(company_key("(company)"), "company");
        assert_eq!(company_key("Company"), "company");
        assert_eq!(company_key("The Company"), "company");
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
    (d.date, d.last_day())
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

/// What [`likely_duplicates`] found.
#[derive(Debug, Clone, PartialEq)]
pub struct Duplicates<'a> {
    /// The first pairs found, at most as many as asked for, in report order:
    /// by company key, then by where the two incidents are listed.
    pub pairs: Vec<LikelyDuplicate<'a>>,
    /// How many pairs were found in all.
    pub total: u64,
    /// False when the search stopped at [`COMPARISON_LIMIT`]: `total` is then
    /// a lower bound, and `pairs` are the first of those found.
    pub complete: bool,
}

/// The most candidate pairs [`likely_duplicates`] looks at: beyond it, the
/// report says how many it found so far rather than going on.
pub const COMPARISON_LIMIT: usize = 1 << 22;

/// Likely cross-source duplicates among accepted incidents: the same company key,
/// the same type family, from different sources, with dates (or disclosure dates)
/// within `window_days` — partial dates count as the whole month or year they name.
/// Nothing is dropped: this only reports. The first `keep` pairs come back whole,
/// with the count of all.
///
/// Incidents are compared only with those of other sources whose dates are near:
/// a sweep over each company's date spans, widened by the window, in order. The
/// work then grows with the pairs found, not with the square of a company's
/// incidents.
pub fn likely_duplicates<'a>(
    res: &crate::resolve::Resolution<'a>,
    window_days: i64,
    keep: usize,
) -> Duplicates<'a> {
    duplicates_within(res, window_days, keep, COMPARISON_LIMIT)
}

/// As [`likely_duplicates`], looking at no more than `limit` candidate pairs.
fn duplicates_within<'a>(
    res: &crate::resolve::Resolution<'a>,
    window_days: i64,
    keep: usize,
    limit: usize,
) -> Duplicates<'a> {
    use crate::resolve::Resolved;
    let rules = res.rules();
    let mut found = Duplicates {
        pairs: Vec::new(),
        total: 0,
        complete: true,
    };
    // No distance is negative: nothing is within a negative window.
    if window_days < 0 {
        return found;
    }
    let mut budget = limit;
    // Companies in key order, each with its incidents as `items` lists them.
    for (_, list) in res.companies() {
        // Only incidents of one type family are compared: a group each. (Places
        // are `u32`, as the grouping by company keeps them.)
        let mut members: Vec<(&str, u32, &Resolved<'a>)> = list
            .iter()
            .zip(0u32..)
            .map(|(r, i)| (type_family(&rules.type_rule(r.type_id).name), i, r))
            .collect();
        members.sort_by(|a, b| a.0.cmp(b.0).then(a.1.cmp(&b.1)));
        let mut pairs = Vec::new();
        let mut stopped = false;
        for group in members.chunk_by(|a, b| a.0 == b.0) {
            let (found_here, stop) = near_pairs(group, window_days, &mut budget);
            pairs.extend(found_here);
            if stop {
                stopped = true;
                break;
            }
        }
        pairs.sort_unstable();
        for (i, j) in pairs {
            let (Some(a), Some(b)) = (list.get(i as usize), list.get(j as usize)) else {
                continue;
            };
            found.total += 1;
            if found.pairs.len() < keep {
                found.pairs.push(LikelyDuplicate {
                    company: a.company(),
                    first: *a,
                    second: *b,
                    days_apart: days_apart(a, b),
                });
            }
        }
        if stopped {
            found.complete = false;
            break;
        }
    }
    found
}

/// The dates an incident has (its date, and its disclosure when given).
fn dates<'a>(r: &crate::resolve::Resolved<'a>) -> impl Iterator<Item = crate::model::PartialDate> {
    [Some(r.incident.date), r.incident.disclosed]
        .into_iter()
        .flatten()
}

/// Days between the nearest of `a`'s dates and `b`'s.
fn days_apart(a: &crate::resolve::Resolved<'_>, b: &crate::resolve::Resolved<'_>) -> i64 {
    dates(a)
        .flat_map(|x| dates(b).map(move |y| distance(x, y)))
        .min()
        .unwrap_or(i64::MAX)
}

/// The pairs `(i, j)`, `i < j`, of `members` (each an incident with its type
/// family and its place in its company's list) from different sources with dates at most `window` days
/// apart, by place; and whether the search stopped because `budget` (candidates
/// looked at, taken from) ran out.
///
/// Each date span `[start, end]` is widened to `[start, end + window]`: two
/// spans are at most `window` days apart exactly when their widened forms
/// overlap. The spans are swept by their start; the ones still open when a span
/// starts overlap it. Open spans are kept per source, so that incidents of one
/// source are never compared with each other.
fn near_pairs(
    members: &[(&str, u32, &crate::resolve::Resolved<'_>)],
    window: i64,
    budget: &mut usize,
) -> (Vec<(u32, u32)>, bool) {
    let mut sources: Vec<(u32, &str)> = members.iter().map(|(_, _, r)| source_of(r)).collect();
    sources.sort_unstable();
    sources.dedup();
    if sources.len() < 2 {
        return (Vec::new(), false);
    }
    // (start, widened end, place, source), by start.
    let mut spans: Vec<(i64, i64, u32, usize)> = Vec::with_capacity(members.len() * 2);
    for &(_, i, r) in members {
        // Always found: `sources` holds every member's source.
        let s = sources.binary_search(&source_of(r)).unwrap_or(0);
        for d in dates(r) {
            let (start, end) = span(d);
            spans.push((
                day_number(start),
                day_number(end).saturating_add(window),
                i,
                s,
            ));
        }
    }
    spans.sort_unstable();
    let mut open: Vec<Vec<(i64, u32)>> = vec![Vec::new(); sources.len()];
    // The sources with open spans: a source is here exactly when its list is not
    // empty (spans that have ended are dropped when the list is next looked at).
    let mut live: Vec<usize> = Vec::new();
    let mut pairs = Vec::new();
    let mut stopped = false;
    'sweep: for &(start, end, i, s) in &spans {
        let mut k = 0;
        while let Some(&t) = live.get(k) {
            let Some(of_t) = open.get_mut(t).filter(|_| t != s) else {
                k += 1;
                continue;
            };
            of_t.retain(|&(e, _)| e >= start);
            if of_t.is_empty() {
                live.swap_remove(k);
                continue;
            }
            for &(_, j) in of_t.iter() {
                if *budget == 0 {
                    stopped = true;
                    break 'sweep;
                }
                *budget -= 1;
                pairs.push((i.min(j), i.max(j)));
            }
            k += 1;
        }
        if let Some(mine) = open.get_mut(s) {
            if mine.is_empty() {
                live.push(s);
            }
            mine.push((end, i));
        }
    }
    // A pair may meet through more than one of their dates: once each.
    pairs.sort_unstable();
    pairs.dedup();
    (pairs, stopped)
}

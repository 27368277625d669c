//! Input formats: JSON Lines, a JSON array (or one object), and CSV.
//!
//! Each reader turns bytes into [`Record`]s with their 1-based line and hands them,
//! one by one, to a sink; a record it cannot read at all is handed over as an error
//! message instead, so the caller can count it as rejected and go on. Only a broken
//! *document* (a JSON array that never closes, an unreadable CSV header) stops a file.

use std::str::FromStr;

use serde_json::value::RawValue;

use crate::error::Error;
use crate::model::{FieldName, Record, Value};

/// An input format. `Auto` picks by file extension, then by content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    #[default]
    /// By file extension (`.csv`, `.json`, `.jsonl`/`.ndjson`), else by content.
    Auto,
    /// One JSON object per line; blank lines are skipped.
    Jsonl,
    /// A JSON array of objects, or a single object.
    Json,
    /// A header row of SCORING.md field names; `data_types` separated by `;`.
    Csv,
}

impl FromStr for Format {
    type Err = Error;
    fn from_str(s: &str) -> Result<Format, Error> {
        match s.to_ascii_lowercase().as_str() {
            "auto" => Ok(Format::Auto),
            "jsonl" | "ndjson" | "json-lines" => Ok(Format::Jsonl),
            "json" => Ok(Format::Json),
            "csv" => Ok(Format::Csv),
            other => Err(Error::Usage(format!(
                "unknown input format `{other}`; expected auto, jsonl, json or csv"
            ))),
        }
    }
}

impl Format {
    /// The format a file name implies, if its extension says.
    pub fn from_extension(name: &str) -> Format {
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".csv") {
            Format::Csv
        } else if lower.ends_with(".jsonl") || lower.ends_with(".ndjson") {
            Format::Jsonl
        } else if lower.ends_with(".json") {
            Format::Json
        } else {
            Format::Auto
        }
    }
}

/// Bounds on a single record, so one hostile record cannot exhaust memory or the
/// stack. A record beyond them is rejected with the limit named, never parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest record in bytes (a JSON Lines line, a JSON array element, a CSV row).
    pub max_record_bytes: usize,
    /// Deepest nesting of arrays and objects within a JSON record.
    pub max_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_record_bytes: 1 << 20,
            max_depth: 64,
        }
    }
}

impl Limits {
    /// The rejection of a record of `size` bytes, above `max_record_bytes`: every
    /// reader words it so.
    pub(crate) fn too_large(&self, size: u64) -> String {
        format!(
            "record is {size} bytes, above the limit of {} (--max-record-bytes)",
            self.max_record_bytes
        )
    }

    /// Why a JSON `record` breaks a limit, if it does. The depth scan skips strings.
    pub(crate) fn check(&self, record: &[u8]) -> Result<(), String> {
        if record.len() > self.max_record_bytes {
            return Err(self.too_large(record.len() as u64));
        }
        // Fewer opening brackets than the limit cannot nest beyond it: a cheap count
        // (which the compiler vectorises) spares the careful scan for almost every record.
        let opening = record.iter().filter(|b| matches!(b, b'[' | b'{')).count();
        if opening <= self.max_depth {
            return Ok(());
        }
        let (mut depth, mut deepest, mut in_string, mut escaped) = (0usize, 0usize, false, false);
        for &b in record {
            if in_string {
                match (escaped, b) {
                    (true, _) => escaped = false,
                    (false, b'\\') => escaped = true,
                    (false, b'"') => in_string = false,
                    _ => {}
                }
                continue;
            }
            match b {
                b'"' => in_string = true,
                b'[' | b'{' => {
                    depth += 1;
                    deepest = deepest.max(depth);
                }
                b']' | b'}' => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
        if deepest > self.max_depth {
            return Err(format!(
                "record nests {deepest} levels deep, above the limit of {} (--max-depth)",
                self.max_depth
            ));
        }
        Ok(())
    }
}

/// Why a record could not be read, and the field at fault when one can be told.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Unreadable {
    pub message: String,
    pub field: Option<&'static str>,
}

impl From<String> for Unreadable {
    fn from(message: String) -> Self {
        Unreadable {
            message,
            field: None,
        }
    }
}

/// What a reader hands over for each record: its line and the record or why it
/// could not be read.
/// The record is lent, not moved: a record is several hundred bytes, and the reader
/// of JSON Lines reuses one.
pub(crate) type Item<'r, 'a> = (u64, Result<&'r Record<'a>, Unreadable>);

/// A JSON record that did not parse, naming the field whose value the parser was
/// reading when it failed (`"severity": 1e400` → severity), when that is a field
/// of SCORING.md §1.
fn unparsed(record: &[u8], e: &serde_json::Error) -> Unreadable {
    let field = (|| {
        let prefix = record.get(..e.column().saturating_sub(1))?;
        let text = String::from_utf8_lossy(prefix);
        let colon = text.rfind(':')?;
        let key = text.get(..colon)?.trim_end().strip_suffix('"')?;
        let name = key.get(key.rfind('"')? + 1..)?;
        crate::model::FieldName::from_name(name).label()
    })();
    Unreadable {
        message: format!("not a valid JSON incident object: {}", json_message(e)),
        field,
    }
}

fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
}

/// Reads `bytes` in `format`, handing its records to `sink` — except JSON Lines,
/// whose lines stand alone: that text is returned for the caller to parse in
/// parallel (`Ok(Some(text))`).
pub(crate) fn read_bytes<'b>(
    bytes: &'b [u8],
    name: &str,
    format: Format,
    limits: &Limits,
    sink: &mut dyn FnMut(Item<'_, '_>),
) -> Result<Option<&'b [u8]>, Error> {
    let bytes = strip_bom(bytes);
    match format {
        Format::Jsonl => Ok(Some(bytes)),
        Format::Csv => read_csv(bytes, name, limits, sink).map(|()| None),
        Format::Json => read_json(bytes, name, limits, sink, false),
        Format::Auto => read_json(bytes, name, limits, sink, true),
    }
}

/// Where [`read_jsonl`] hands each line.
pub(crate) trait JsonlSink {
    /// Offered each line (with its number) before it is parsed: true when the sink
    /// took the line whole, false to have it read as a record and given to
    /// [`JsonlSink::item`].
    fn line(&mut self, n: u64, line: super::fast::Line<'_>) -> bool;
    /// A record read from a line, or why it could not be.
    fn item(&mut self, item: Item<'_, '_>);
}

/// Every non-blank line of `bytes` as a record, numbered from 1; returns how many
/// line feeds `bytes` holds.
pub(crate) fn read_jsonl(bytes: &[u8], limits: &Limits, sink: &mut impl JsonlSink) -> u64 {
    let block = super::fast::Block::new(bytes);
    let mut start = 0;
    let mut n = 0u64;
    while start <= bytes.len() {
        let end = memchr::memchr(b'\n', bytes.get(start..).unwrap_or_default())
            .map_or(bytes.len(), |p| start + p);
        let checked = block.line(start, end);
        let line = checked.bytes;
        start = end + 1;
        n += 1;
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        if line.len() <= limits.max_record_bytes && sink.line(n, checked) {
            continue;
        }
        if let Err(message) = limits.check(line) {
            sink.item((n, Err(message.into())));
            continue;
        }
        match serde_json::from_slice::<Record<'_>>(line) {
            Ok(r) => sink.item((n, Ok(&r))),
            Err(e) => sink.item((n, Err(unparsed(line, &e)))),
        }
    }
    // One line more than line feeds: the last ends at the end of `bytes`.
    n.saturating_sub(1)
}

/// serde_json's message without its " at line 1 column N" tail, which is
/// misleading for one line of a larger file; the column is kept.
fn json_message(e: &serde_json::Error) -> String {
    let msg = e.to_string();
    match msg.rfind(" at line ") {
        Some(i) => format!("{} (column {})", &msg[..i], e.column()),
        None => msg,
    }
}

fn line_of(bytes: &[u8], offset: usize) -> u64 {
    line_ends(bytes.get(..offset).unwrap_or_default()) + 1
}

/// The line ends in `bytes`: LF, CRLF, and a lone CR (old Mac files), each one.
pub(crate) fn line_ends(bytes: &[u8]) -> u64 {
    line_ends_in(bytes, 0, bytes.len())
}

/// The line ends in `bytes[from..to]`, a CR just before `to` judged by the byte
/// after it in the whole of `bytes` (a CRLF split there is one line end).
fn line_ends_in(bytes: &[u8], from: usize, to: usize) -> u64 {
    let seen = bytes.get(from..to).unwrap_or_default();
    let lf = memchr::memchr_iter(b'\n', seen).count();
    let lone_cr = memchr::memchr_iter(b'\r', seen)
        .filter(|&i| bytes.get(from + i + 1) != Some(&b'\n'))
        .count();
    (lf + lone_cr) as u64
}

/// Line numbers of records by their byte offsets, taken in increasing order and
/// counted as they advance. csv places a record at the end of the line before it
/// when that line ended in CRLF or was blank (its position is where it began to
/// look); the record's own line is that of its first byte past those line ends.
struct Lines<'b> {
    bytes: &'b [u8],
    at: usize,
    line: u64,
}

impl<'b> Lines<'b> {
    fn new(bytes: &'b [u8]) -> Lines<'b> {
        Lines {
            bytes,
            at: 0,
            line: 1,
        }
    }

    /// The line of the record csv places at `offset`.
    fn at(&mut self, offset: usize) -> u64 {
        let mut start = offset.min(self.bytes.len());
        while matches!(self.bytes.get(start), Some(b'\r' | b'\n')) {
            start += 1;
        }
        if start > self.at {
            self.line += line_ends_in(self.bytes, self.at, start);
            self.at = start;
        }
        self.line
    }
}

/// One element of a JSON array of records, at `line`: checked against the limits,
/// then read as a record, or handed over as why it could not be.
pub(crate) fn json_element(
    bytes: &[u8],
    line: u64,
    limits: &Limits,
    sink: &mut dyn FnMut(Item<'_, '_>),
) {
    if let Err(message) = limits.check(bytes) {
        sink((line, Err(message.into())));
        return;
    }
    match serde_json::from_slice::<Record<'_>>(bytes) {
        Ok(r) => sink((line, Ok(&r))),
        Err(e) => sink((line, Err(unparsed(bytes, &e)))),
    }
}

/// A JSON array of records or a single record; with `sniff`, anything else is read
/// as JSON Lines.
fn read_json<'b>(
    bytes: &'b [u8],
    name: &str,
    limits: &Limits,
    sink: &mut dyn FnMut(Item<'_, '_>),
    sniff: bool,
) -> Result<Option<&'b [u8]>, Error> {
    let first = bytes.iter().position(|b| !b.is_ascii_whitespace());
    let Some(start) = first else {
        return Ok(None); // An empty document holds no records.
    };
    match bytes.get(start).copied().unwrap_or(b' ') {
        b'[' => {
            let items: Vec<&RawValue> =
                serde_json::from_slice(bytes).map_err(|e| Error::Document {
                    file: name.to_string(),
                    line: e.line() as u64,
                    col: e.column() as u64,
                    message: format!("not a valid JSON array of incidents: {}", json_message(&e)),
                })?;
            // Element positions come from where each raw slice sits in `bytes`.
            let base = bytes.as_ptr() as usize;
            let mut line = 1u64;
            let mut scanned = 0usize;
            for raw in items {
                let offset = (raw.get().as_ptr() as usize).saturating_sub(base);
                if offset >= scanned {
                    line += line_ends_in(bytes, scanned, offset);
                    scanned = offset;
                }
                json_element(raw.get().as_bytes(), line, limits, sink);
            }
            Ok(None)
        }
        b'{' => match serde_json::from_slice::<Record<'_>>(bytes) {
            Ok(r) => {
                sink((line_of(bytes, start), Ok(&r)));
                Ok(None)
            }
            Err(_) if sniff || bytes.get(start..).is_some_and(|b| b.contains(&b'\n')) => {
                Ok(Some(bytes))
            }
            Err(e) => {
                sink((line_of(bytes, start), Err(unparsed(bytes, &e))));
                Ok(None)
            }
        },
        _ if sniff => Ok(Some(bytes)),
        _ => Err(Error::Document {
            file: name.to_string(),
            line: line_of(bytes, start),
            col: 1,
            message: "a JSON input must be an array of incident objects or one object".into(),
        }),
    }
}

fn read_csv(
    bytes: &[u8],
    name: &str,
    limits: &Limits,
    sink: &mut dyn FnMut(Item<'_, '_>),
) -> Result<(), Error> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(bytes);
    let headers = reader.byte_headers().map_err(|e| Error::Document {
        file: name.to_string(),
        line: 1,
        col: 1,
        message: format!("cannot read the CSV header: {e}"),
    })?;
    let fields: Vec<FieldName> = headers
        .iter()
        .map(|h| {
            let h = String::from_utf8_lossy(h);
            FieldName::from_name(h.trim().to_ascii_lowercase().as_str())
        })
        .collect();
    let mut row = csv::ByteRecord::new();
    // csv counts only LF as a line end; lines are counted here from byte offsets,
    // so that a lone CR is a line as it is everywhere else.
    let mut lines = Lines::new(bytes);
    loop {
        let line = lines.at(reader.position().byte() as usize);
        match reader.read_byte_record(&mut row) {
            Ok(false) => break,
            Ok(true) => {
                let line = row.position().map_or(line, |p| lines.at(p.byte() as usize));
                match csv_record(&fields, &row, limits) {
                    Ok(record) => sink((line, Ok(&record))),
                    Err(why) => sink((line, Err(why))),
                }
            }
            Err(e) => {
                let line = e.position().map_or(line, |p| lines.at(p.byte() as usize));
                sink((line, Err(format!("unreadable CSV row: {e}").into())));
                // A row-level error leaves the reader at the next row; an I/O error
                // cannot happen on a byte slice.
                if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                    break;
                }
            }
        }
    }
    Ok(())
}

/// One CSV row as a record, its cells named by `fields` (the header's); blank
/// cells are not given.
fn csv_record<'r>(
    fields: &[FieldName],
    row: &'r csv::ByteRecord,
    limits: &Limits,
) -> Result<Record<'r>, Unreadable> {
    let size = row.iter().map(<[u8]>::len).sum::<usize>();
    if size > limits.max_record_bytes {
        return Err(limits.too_large(size as u64).into());
    }
    if row.len() != fields.len() {
        return Err(format!(
            "CSV row has {} fields but the header has {}",
            row.len(),
            fields.len()
        )
        .into());
    }
    let mut record = Record::default();
    for (field, cell) in fields.iter().zip(row.iter()) {
        if *field == FieldName::Other {
            continue;
        }
        match std::str::from_utf8(cell) {
            Ok(s) if s.trim().is_empty() => {}
            Ok(s) => record.set(*field, Value::Str(s.into())),
            Err(e) => {
                return Err(format!(
                    "CSV cell is not UTF-8 (byte {} of the cell); convert the file to UTF-8",
                    e.valid_up_to()
                )
                .into());
            }
        }
    }
    Ok(record)
}

//! Source documents cut into records while they stream, each record bounded.
//!
//! A source file is never read whole: its records (a CSV record, an element of a
//! JSON array) are cut out as the bytes arrive, and one larger than
//! `--max-record-bytes` is skipped without being kept — only its size is counted.
//! The cutters track quotes and JSON strings themselves, so a cut never falls
//! inside a quoted cell or a string.

use std::io::{BufRead, ErrorKind};

use crate::error::Error;
use crate::ingest::read::Limits;

/// One record cut from a document.
#[derive(Debug, PartialEq)]
pub(crate) enum Cut {
    /// A record's bytes (without its line end), with the line it starts on and
    /// its byte offset in the document.
    Record { line: u64, at: u64, bytes: Vec<u8> },
    /// A record that cannot be read whole, with the line it starts on and why.
    Skipped { line: u64, message: String },
}

fn read_error(name: &str, e: std::io::Error) -> Error {
    Error::Io {
        path: name.to_string(),
        source: e,
    }
}

/// Calls `each` for every byte of `input`, a buffer at a time; `each` returns
/// false to stop early.
fn bytes(
    input: &mut dyn BufRead,
    name: &str,
    mut each: impl FnMut(u8) -> bool,
) -> Result<(), Error> {
    loop {
        let buf = match input.fill_buf() {
            Ok([]) => return Ok(()),
            Ok(b) => b,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(read_error(name, e)),
        };
        let n = buf.len();
        for &b in buf {
            if !each(b) {
                return Ok(());
            }
        }
        input.consume(n);
    }
}

/// The records of a CSV document, the header first. Line ends are LF, CRLF or a
/// lone CR (old Mac files); a line end inside a quoted cell belongs to the cell.
///
/// A quote that is never closed would make the rest of the file one cell. When
/// the record it opens fits the limit, the lines up to the quote's own line are
/// rejected (naming it) and what follows is read again line by line, without
/// quotes; when it does not fit, the rejection says which lines it ran over.
pub(crate) fn csv_records(
    input: &mut dyn BufRead,
    name: &str,
    limits: &Limits,
    out: &mut dyn FnMut(Cut),
) -> Result<(), Error> {
    let mut s = CsvState::default();
    bytes(input, name, |b| {
        s.push(b, limits, out);
        true
    })?;
    s.finish(limits, out);
    Ok(())
}

#[derive(Default)]
struct CsvState {
    buf: Vec<u8>,
    /// Bytes of the current record, kept or not.
    size: u64,
    /// The current line (1-based, counted at line ends) and the record's first.
    line: u64,
    start: u64,
    in_quote: bool,
    /// A quote was just read inside a quoted cell: it closes the cell, unless the
    /// next byte is a quote too (`""`, an escaped quote).
    closing: bool,
    /// The next byte starts a cell (at the record's start, after a comma): only
    /// there does a quote open a quoted cell, as in the csv crate; elsewhere
    /// (`5" disk`) it is a plain character.
    cell_start: bool,
    /// The line and offset in `buf` of the quote that opened the current quote.
    opened: (u64, usize),
    after_cr: bool,
    /// Whether a byte of the record has been seen (a blank line is no record).
    started: bool,
    /// Set once a quote is found never closed: the rest is read by lines.
    plain: bool,
    /// Bytes pushed so far, and the offset where the record began.
    pos: u64,
    at: u64,
}

impl CsvState {
    fn push(&mut self, b: u8, limits: &Limits, out: &mut dyn FnMut(Cut)) {
        let limit = limits.max_record_bytes;
        if self.line == 0 {
            self.line = 1;
        }
        self.pos += 1;
        let after_cr = std::mem::take(&mut self.after_cr);
        // After a quote in a quoted cell, `""` is an escaped quote and the cell goes
        // on; any other byte is read as outside the (closed) cell.
        if std::mem::take(&mut self.closing) && b == b'"' {
            self.in_quote = true;
            self.keep(b, limit);
            return;
        }
        if self.in_quote {
            // Inside a quoted cell every byte is the cell's; line ends only count.
            match b {
                b'\n' if !after_cr => self.line += 1,
                b'\r' => {
                    self.line += 1;
                    self.after_cr = true;
                }
                b'"' => {
                    self.in_quote = false;
                    self.closing = true;
                }
                _ => {}
            }
            self.keep(b, limit);
            return;
        }
        match b {
            // The LF of a CRLF whose CR ended the line.
            b'\n' if after_cr => {}
            b'\n' | b'\r' => {
                self.after_cr = b == b'\r';
                self.line += 1;
                self.emit(limits, out);
            }
            _ => {
                if !self.started {
                    self.started = true;
                    self.cell_start = true;
                    self.start = self.line;
                    self.at = self.pos - 1;
                }
                if b == b'"' && self.cell_start && !self.plain {
                    self.in_quote = true;
                    self.opened = (self.line, self.buf.len());
                }
                self.cell_start = b == b',';
                self.keep(b, limit);
            }
        }
    }

    /// Keeps `b` while the record is within the limit; one byte past it marks the
    /// record as over, and no more is kept.
    fn keep(&mut self, b: u8, limit: usize) {
        self.size += 1;
        if self.buf.len() <= limit {
            self.buf.push(b);
        }
    }

    fn emit(&mut self, limits: &Limits, out: &mut dyn FnMut(Cut)) {
        if self.started {
            if self.buf.len() > limits.max_record_bytes {
                out(Cut::Skipped {
                    line: self.start,
                    message: limits.too_large(self.size),
                });
                self.buf = Vec::new();
            } else {
                out(Cut::Record {
                    line: self.start,
                    at: self.at,
                    bytes: std::mem::take(&mut self.buf),
                });
            }
        }
        self.buf.clear();
        self.size = 0;
        self.started = false;
    }

    fn finish(mut self, limits: &Limits, out: &mut dyn FnMut(Cut)) {
        if !self.in_quote {
            self.emit(limits, out);
            return;
        }
        let (quote_line, at) = self.opened;
        if self.buf.len() > limits.max_record_bytes {
            out(Cut::Skipped {
                line: self.start,
                message: format!(
                    "{}; it runs from line {} to the end of the file (line {}) inside a \
                     quote opened on line {quote_line} that is never closed",
                    limits.too_large(self.size),
                    self.start,
                    self.line
                ),
            });
            return;
        }
        // The lines after the one holding the unclosed quote are read again, as
        // lines: a quote cannot open across them any more.
        let rest_at = self
            .buf
            .get(at..)
            .and_then(|tail| tail.iter().position(|&c| c == b'\n'))
            .map_or(self.buf.len(), |p| at + p + 1);
        let rest = self.buf.split_off(rest_at.min(self.buf.len()));
        out(Cut::Skipped {
            line: self.start,
            message: format!(
                "unclosed quote: the quote opened on line {quote_line} is never closed; \
                 lines {}–{quote_line} are skipped and the lines after it read without quotes",
                self.start
            ),
        });
        let mut again = CsvState {
            plain: true,
            line: quote_line + 1,
            pos: self.at + rest_at as u64,
            ..CsvState::default()
        };
        for b in rest {
            again.push(b, limits, out);
        }
        again.emit(limits, out);
    }
}

/// How a JSON document holds its records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    /// An array of records.
    Array,
    /// One record (an object or anything else).
    One,
}

/// The records of a JSON document: the elements of a top-level array, or the
/// whole document as one record. Bytes after the document are an error.
///
/// # Errors
/// [`Error::Document`] for an array that never closes or text after the document.
pub(crate) fn json_records(
    input: &mut dyn BufRead,
    name: &str,
    limits: &Limits,
    out: &mut dyn FnMut(Cut),
) -> Result<Shape, Error> {
    let limit = limits.max_record_bytes;
    let mut s = JsonState {
        line: 1,
        ..JsonState::default()
    };
    let mut bom = 0usize;
    let mut failed: Option<String> = None;
    'read: loop {
        let buf = match input.fill_buf() {
            Ok([]) => break,
            Ok(b) => b,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(read_error(name, e)),
        };
        let n = buf.len();
        let mut i = 0;
        while let Some(rest) = buf.get(i..).filter(|r| !r.is_empty()) {
            // Inside a string, a run up to the next quote, backslash or line end is
            // the string's: kept at once rather than byte by byte.
            if s.in_string && !s.escaped {
                let mut run = memchr::memchr3(b'"', b'\\', b'\n', rest).unwrap_or(rest.len());
                if let Some(cr) = rest.get(..run).and_then(|r| memchr::memchr(b'\r', r)) {
                    run = cr;
                }
                if run > 0 {
                    s.keep_run(rest.get(..run).unwrap_or_default(), limit);
                    i += run;
                    continue;
                }
            }
            let b = rest.first().copied().unwrap_or(b' ');
            i += 1;
            // A UTF-8 byte-order mark before the document is dropped.
            if s.pos == 0 && b"\xEF\xBB\xBF".get(bom) == Some(&b) {
                bom += 1;
                continue;
            }
            if let Err(e) = s.push(b, limits, out) {
                failed = Some(e);
                break 'read;
            }
        }
        input.consume(n);
    }
    let document = |line: u64, message: String| Error::Document {
        file: name.to_string(),
        line,
        col: 1,
        message,
    };
    if let Some(message) = failed {
        return Err(document(s.line, message));
    }
    match s.shape {
        None => Ok(Shape::Array), // No document: no records.
        Some(Shape::Array) if !s.closed => Err(document(
            s.line,
            "the JSON array never closes (the file ends inside it)".into(),
        )),
        Some(Shape::Array) => Ok(Shape::Array),
        Some(Shape::One) => {
            s.emit(limits, out);
            Ok(Shape::One)
        }
    }
}

#[derive(Default)]
struct JsonState {
    shape: Option<Shape>,
    buf: Vec<u8>,
    size: u64,
    line: u64,
    start: u64,
    /// Nesting within the current record.
    depth: u64,
    in_string: bool,
    escaped: bool,
    /// Whether the current record has begun (a non-blank byte seen).
    started: bool,
    /// The array's closing bracket has been read.
    closed: bool,
    /// The last byte was a CR (a LF after it ends no second line).
    after_cr: bool,
    pos: u64,
    at: u64,
}

impl JsonState {
    fn push(&mut self, b: u8, limits: &Limits, out: &mut dyn FnMut(Cut)) -> Result<(), String> {
        let limit = limits.max_record_bytes;
        self.pos += 1;
        let blank = matches!(b, b' ' | b'\t' | b'\r' | b'\n');
        // LF, CRLF and a lone CR each end a line.
        let after_cr = std::mem::replace(&mut self.after_cr, b == b'\r');
        if b == b'\r' || (b == b'\n' && !after_cr) {
            self.line += 1;
        }
        if self.closed {
            return if blank {
                Ok(())
            } else {
                Err("text after the end of the JSON array".into())
            };
        }
        if self.shape.is_none() {
            if blank {
                return Ok(());
            }
            if b == b'[' {
                self.shape = Some(Shape::Array);
                return Ok(());
            }
            self.shape = Some(Shape::One);
        }
        if self.in_string {
            match (self.escaped, b) {
                (true, _) => self.escaped = false,
                (false, b'\\') => self.escaped = true,
                (false, b'"') => self.in_string = false,
                _ => {}
            }
            self.keep(b, limit);
            return Ok(());
        }
        let array = self.shape == Some(Shape::Array);
        if array && self.depth == 0 && (b == b',' || b == b']') {
            if b == b',' && !self.started {
                return Err(format!(
                    "an empty element in the JSON array (line {})",
                    self.line
                ));
            }
            self.emit(limits, out);
            self.closed = b == b']';
            return Ok(());
        }
        if blank && !self.started {
            return Ok(());
        }
        if !self.started {
            self.started = true;
            self.start = self.line;
            self.at = self.pos - 1;
        }
        match b {
            b'"' => self.in_string = true,
            b'[' | b'{' => self.depth += 1,
            b']' | b'}' => self.depth = self.depth.saturating_sub(1),
            _ => {}
        }
        self.keep(b, limit);
        Ok(())
    }

    fn keep(&mut self, b: u8, limit: usize) {
        self.size += 1;
        if self.buf.len() <= limit {
            self.buf.push(b);
        }
    }

    /// As [`JsonState::keep`] for a run of string bytes holding no quote,
    /// backslash or line end.
    fn keep_run(&mut self, run: &[u8], limit: usize) {
        self.pos += run.len() as u64;
        self.size += run.len() as u64;
        self.after_cr = false;
        let room = limit.saturating_add(1).saturating_sub(self.buf.len());
        self.buf
            .extend_from_slice(run.get(..room.min(run.len())).unwrap_or_default());
    }

    fn emit(&mut self, limits: &Limits, out: &mut dyn FnMut(Cut)) {
        while self.buf.last().is_some_and(u8::is_ascii_whitespace) {
            self.buf.pop();
        }
        if self.started {
            if self.buf.len() > limits.max_record_bytes {
                out(Cut::Skipped {
                    line: self.start,
                    message: limits.too_large(self.size),
                });
            } else {
                out(Cut::Record {
                    line: self.start,
                    at: self.at,
                    bytes: std::mem::take(&mut self.buf),
                });
            }
        }
        self.buf = Vec::new();
        self.size = 0;
        self.depth = 0;
        self.started = false;
    }
}

/// A JSON value whose objects were each checked for a key given twice (serde_json
/// keeps the last silently, so `{"Name":"a","Name":"b"}` would read as "b").
pub(crate) struct Strict(pub serde_json::Value);

impl<'de> serde::Deserialize<'de> for Strict {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Strict, D::Error> {
        d.deserialize_any(StrictVisitor)
    }
}

struct StrictVisitor;

impl<'de> serde::de::Visitor<'de> for StrictVisitor {
    type Value = Strict;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Strict, E> {
        Ok(Strict(v.into()))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Strict, E> {
        Ok(Strict(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Strict, E> {
        Ok(Strict(v.into()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Strict, E> {
        Ok(Strict(v.into()))
    }
    fn visit_str<E>(self, v: &str) -> Result<Strict, E> {
        Ok(Strict(v.into()))
    }
    fn visit_string<E>(self, v: String) -> Result<Strict, E> {
        Ok(Strict(v.into()))
    }
    fn visit_unit<E>(self) -> Result<Strict, E> {
        Ok(Strict(serde_json::Value::Null))
    }
    fn visit_none<E>(self) -> Result<Strict, E> {
        Ok(Strict(serde_json::Value::Null))
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Strict, A::Error> {
        let mut items = Vec::new();
        while let Some(Strict(v)) = seq.next_element()? {
            items.push(v);
        }
        Ok(Strict(serde_json::Value::Array(items)))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Strict, A::Error> {
        let mut object = serde_json::Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let Strict(value) = map.next_value()?;
            if object.contains_key(&key) {
                return Err(serde::de::Error::custom(format!(
                    "the field `{key}` is given twice"
                )));
            }
            object.insert(key, value);
        }
        Ok(Strict(serde_json::Value::Object(object)))
    }
}

/// Reads one JSON record: within the depth limit, every object's keys once.
pub(crate) fn strict_json(text: &str, limits: &Limits) -> Result<serde_json::Value, String> {
    limits.check(text.as_bytes())?;
    serde_json::from_str::<Strict>(text)
        .map(|s| s.0)
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    fn limits(n: usize) -> Limits {
        Limits {
            max_record_bytes: n,
            max_depth: 64,
        }
    }

    fn csv(text: &str, limit: usize) -> Vec<Cut> {
        let mut out = Vec::new();
        csv_records(&mut text.as_bytes(), "t.csv", &limits(limit), &mut |c| {
            out.push(c)
        })
        .unwrap();
        lines(out)
    }

    fn rec(line: u64, s: &str) -> Cut {
        Cut::Record {
            line,
            at: 0,
            bytes: s.as_bytes().to_vec(),
        }
    }

    /// The cuts with their offsets left out (tests name lines, not offsets).
    fn lines(cuts: Vec<Cut>) -> Vec<Cut> {
        cuts.into_iter()
            .map(|c| match c {
                Cut::Record { line, bytes, .. } => Cut::Record { line, at: 0, bytes },
                other => other,
            })
            .collect()
    }

    #[test]
    fn csv_line_ends_of_every_kind_are_lines() {
        for text in ["h\na\nb\n", "h\r\na\r\nb\r\n", "h\ra\rb\r", "h\na\r\nb"] {
            assert_eq!(
                csv(text, 100),
                vec![rec(1, "h"), rec(2, "a"), rec(3, "b")],
                "{text:?}"
            );
        }
        // Blank lines are skipped, but counted.
        assert_eq!(csv("h\n\n\r\na\n", 100), vec![rec(1, "h"), rec(4, "a")]);
    }

    #[test]
    fn csv_a_quote_opens_a_cell_only_at_its_start() {
        // As the csv crate reads them: a quote inside a cell is a character, `""` in
        // a quoted cell an escaped quote, and text after a closing quote joins it.
        assert_eq!(
            csv("h\na 5\" disk,b\nc,\"x \"\"y\"\"\nz\",d\ne,\"q\"r,s\n", 100),
            vec![
                rec(1, "h"),
                rec(2, "a 5\" disk,b"),
                rec(3, "c,\"x \"\"y\"\"\nz\",d"),
                rec(5, "e,\"q\"r,s")
            ]
        );
        // A space before a quote makes it a plain character too.
        assert_eq!(csv("a, \"b\nc\n", 100), vec![rec(1, "a, \"b"), rec(2, "c")]);
    }

    proptest::proptest! {
        /// Cut into records and each parsed alone, CSV reads as the csv crate reads
        /// the whole text: the same rows, cells and lines (when every quote closes,
        /// else the splitter rejects the rest, which the csv crate would not).
        #[test]
        fn csv_records_read_as_the_csv_crate_reads_the_whole(
            parts in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::strategy::Just("a"), proptest::strategy::Just("b c"),
                    proptest::strategy::Just(","), proptest::strategy::Just("\""),
                    proptest::strategy::Just("\n"), proptest::strategy::Just("\r\n"),
                    proptest::strategy::Just(" "),
                ],
                0..40,
            )
        ) {
            let text: String = parts.concat();
            let cuts = csv(&text, 1000);
            proptest::prop_assume!(cuts.iter().all(|c| matches!(c, Cut::Record { .. })));
            let mut whole = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .from_reader(text.as_bytes());
            let expected: Vec<(u64, Vec<String>)> = whole
                .records()
                .map(|r| {
                    let r = r.unwrap();
                    (r.position().unwrap().line(), r.iter().map(str::to_string).collect())
                })
                .collect();
            let got: Vec<(u64, Vec<String>)> = cuts
                .into_iter()
                .map(|c| match c {
                    Cut::Record { line, bytes, .. } => {
                        let mut one = csv::ReaderBuilder::new()
                            .has_headers(false)
                            .flexible(true)
                            .from_reader(bytes.as_slice());
                        let r = one.records().next().unwrap().unwrap();
                        (line, r.iter().map(str::to_string).collect())
                    }
                    Cut::Skipped { .. } => unreachable!(),
                })
                .collect();
            // The csv crate places a record after a blank line or a CRLF at the end
            // of the line before; the splitter gives its own line. Lines are
            // compared where neither occurs.
            let blank_lines = text.starts_with('\n') || text.contains("\n\n") || text.contains('\r');
            if blank_lines {
                let cells = |v: Vec<(u64, Vec<String>)>| -> Vec<Vec<String>> {
                    v.into_iter().map(|x| x.1).collect()
                };
                proptest::prop_assert_eq!(cells(got), cells(expected), "{:?}", text);
            } else {
                proptest::prop_assert_eq!(got, expected, "{:?}", text);
            }
        }
    }

    #[test]
    fn csv_quoted_line_ends_stay_in_the_cell() {
        assert_eq!(
            csv("h\n\"a\r\nb\",c\nd\n", 100),
            vec![rec(1, "h"), rec(2, "\"a\r\nb\",c"), rec(4, "d")]
        );
    }

    #[test]
    fn csv_an_over_limit_record_is_skipped_not_kept() {
        let long = "x".repeat(50);
        let cuts = csv(&format!("h\n{long}\nok\n"), 10);
        assert_eq!(cuts[0], rec(1, "h"));
        assert!(
            matches!(&cuts[1], Cut::Skipped { line: 2, message } if message.contains("50 bytes"))
        );
        assert_eq!(cuts[2], rec(3, "ok"));
    }

    #[test]
    fn csv_an_unclosed_quote_does_not_swallow_the_rest() {
        let cuts = csv("h\na,\"open\nb,1\nc,2\n", 100);
        assert_eq!(cuts[0], rec(1, "h"));
        assert!(
            matches!(&cuts[1], Cut::Skipped { line: 2, message } if message.contains("line 2 is never closed")),
            "{cuts:?}"
        );
        assert_eq!(&cuts[2..], &[rec(3, "b,1"), rec(4, "c,2")]);
        // Too long to keep: the rejection names the lines it covers.
        let cuts = csv("h\na,\"open\nb,1\nc,2\n", 6);
        assert!(
            matches!(&cuts[1], Cut::Skipped { line: 2, message } if message.contains("to the end of the file (line 5)")),
            "{cuts:?}"
        );
    }

    fn json(text: &str, limit: usize) -> Result<(Shape, Vec<Cut>), Error> {
        let mut out = Vec::new();
        let shape = json_records(&mut text.as_bytes(), "t.json", &limits(limit), &mut |c| {
            out.push(c)
        })?;
        Ok((shape, lines(out)))
    }

    #[test]
    fn json_array_elements_are_cut_at_top_level_commas() {
        let (shape, cuts) = json("\u{feff}[ {\"a\":\"x,]\"},\n [1,2] ,\n\"s\"]\n", 100).unwrap();
        assert_eq!(shape, Shape::Array);
        assert_eq!(
            cuts,
            vec![rec(1, "{\"a\":\"x,]\"}"), rec(2, "[1,2]"), rec(3, "\"s\"")]
        );
        let (shape, cuts) = json("{\"a\":1}\n", 100).unwrap();
        assert_eq!(shape, Shape::One);
        assert_eq!(cuts, vec![rec(1, "{\"a\":1}")]);
        assert!(json("[]", 10).unwrap().1.is_empty());
        assert!(json("", 10).unwrap().1.is_empty());
    }

    #[test]
    fn json_an_over_limit_element_is_skipped_and_a_broken_array_is_an_error() {
        let big = format!("[{{\"a\":\"{}\"}},{{}}]", "x".repeat(100));
        let (_, cuts) = json(&big, 20).unwrap();
        assert!(matches!(&cuts[0], Cut::Skipped { message, .. } if message.contains("108 bytes")));
        assert_eq!(cuts[1], rec(1, "{}"));
        assert!(
            json("[{}, {}", 100)
                .unwrap_err()
                .to_string()
                .contains("never closes")
        );
        assert!(
            json("[{}] x", 100)
                .unwrap_err()
                .to_string()
                .contains("after the end")
        );
        assert!(json("[{},,{}]", 100).is_err());
    }

    #[test]
    fn strict_json_refuses_a_key_given_twice_at_any_depth() {
        let l = limits(1000);
        assert!(strict_json(r#"{"a":1,"b":{"c":[1,{"d":2}]}}"#, &l).is_ok());
        let e = strict_json(r#"{"a":1,"b":{"c":1,"c":2}}"#, &l).unwrap_err();
        assert!(e.contains("`c` is given twice"), "{e}");
        let deep = format!("{}{}", "[".repeat(70), "]".repeat(70));
        assert!(strict_json(&deep, &l).unwrap_err().contains("--max-depth"));
    }
}

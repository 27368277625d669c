//! Renderers: a [`Report`] to JSON (SCORING.md §7), JSON Lines, CSV or a table.
//!
//! Renderers never compute: everything they print is a field of the report. Text
//! from the input is escaped for the format it lands in (see `crate::escape`).

use crate::model::DateExt;
use std::io::{self, Write};
use std::str::FromStr;

use rayon::prelude::*;
use serde::Serialize;

use crate::error::Error;
use crate::escape;
use crate::rate::explain;
use crate::rate::owned::{self, Explanation};
use crate::rate::{Assessed, Rating, Report, Standing, Summary};
use crate::rules::Rules;

/// How many contributors each rating lists in JSON and JSON Lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Contributors {
    /// Every counted incident.
    All,
    /// The N largest.
    Top(usize),
}

impl Default for Contributors {
    fn default() -> Self {
        Contributors::Top(5)
    }
}

impl Contributors {
    /// How many are listed: `None` for all.
    fn count(self) -> Option<usize> {
        match self {
            Contributors::All => None,
            Contributors::Top(n) => Some(n),
        }
    }

    /// The contributors of `r` that are listed, largest first.
    fn of<'r>(self, r: &'r Rating<'_>) -> impl Iterator<Item = &'r Assessed<'r>> {
        r.contributors().take(self.count().unwrap_or(usize::MAX))
    }
}

impl FromStr for Contributors {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        if s.eq_ignore_ascii_case("all") {
            return Ok(Contributors::All);
        }
        s.parse::<usize>()
            .map(Contributors::Top)
            .map_err(|_| Error::Usage(format!("--contributors takes a number or `all`, not `{s}`")))
    }
}

/// Output formats of `score`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OutputFormat {
    #[default]
    /// Aligned columns for people.
    Table,
    /// One JSON document (SCORING.md §7).
    Json,
    /// One rating object per line, each with its as-of date and rules.
    Jsonl,
    /// One row per company, formula-safe.
    Csv,
}

impl FromStr for OutputFormat {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        match s.to_ascii_lowercase().as_str() {
            "table" => Ok(OutputFormat::Table),
            "json" => Ok(OutputFormat::Json),
            "jsonl" => Ok(OutputFormat::Jsonl),
            "csv" => Ok(OutputFormat::Csv),
            other => Err(Error::Usage(format!(
                "unknown output format `{other}`; expected table, json, jsonl or csv"
            ))),
        }
    }
}

pub use crate::rules::RulesMeta;

/// The rating object of the JSON outputs: the owned [`crate::rate::owned::Rating`],
/// which is the schema; its explanation is rendered here when the rating does
/// not hold it.
fn json_rating(report: &Report<'_>, r: &Rating<'_>, limit: Contributors) -> owned::Rating {
    let explanation = explain::explanation_of(report, r).into_owned();
    owned::Rating::explained(report.rules, report.merged, r, limit.count(), explanation)
}

/// serde_json keeps the kind of an underlying I/O error (a closed pipe stays
/// `BrokenPipe`), so callers can tell a reader going away from a real failure.
fn json_err(e: serde_json::Error) -> io::Error {
    io::Error::from(e)
}

/// Renders `items` in parallel, a block at a time, and writes the blocks in order:
/// the output is byte-identical to a sequential render whatever the thread count,
/// and memory stays bounded by one window of blocks. Each block's items share the
/// `S` that `prepare` makes of the block.
fn in_parallel<T: Sync, S>(
    out: &mut dyn Write,
    items: &[T],
    prepare: impl Fn(&[T]) -> S + Sync,
    render: impl Fn(&mut Vec<u8>, &mut S, &T) -> io::Result<()> + Sync,
) -> io::Result<()> {
    // 128 ratings a block (~150 kB rendered) fit a core's L2 with room to spare;
    // larger blocks spill out of it, smaller ones only add hand-offs.
    const BLOCK: usize = 128;
    const WINDOW: usize = 32 * BLOCK;
    for window in items.chunks(WINDOW) {
        let blocks: Vec<io::Result<Vec<u8>>> = window
            .par_chunks(BLOCK)
            .map(|block| {
                // A JSON Lines rating with five contributors is about 1.2 kB: room
                // for it up front spares growing (and copying) the buffer twice.
                let mut buf = Vec::with_capacity(block.len() * 1536);
                let mut shared = prepare(block);
                for item in block {
                    render(&mut buf, &mut shared, item)?;
                }
                Ok(buf)
            })
            .collect();
        for b in blocks {
            out.write_all(&b?)?;
        }
    }
    Ok(())
}

/// Writes `report` in `format`.
///
/// # Errors
/// Only the writer's I/O errors.
pub fn write_report(
    out: &mut dyn Write,
    report: &Report<'_>,
    format: OutputFormat,
    limit: Contributors,
) -> io::Result<()> {
    match format {
        OutputFormat::Json => write_json(out, report, limit),
        OutputFormat::Jsonl => {
            // Each line stands alone, so each names its date and rules: the rating's
            // object, then this tail, rendered once. (The same bytes as a struct with
            // the rating flattened into it, which serde renders through a slow map.)
            let mut tail = format!(",\"as_of\":\"{}\",\"rules\":", report.as_of.ymd()).into_bytes();
            serde_json::to_writer(&mut tail, &RulesMeta::of(report.rules)).map_err(json_err)?;
            tail.extend_from_slice(b"}\n");
            in_parallel(
                out,
                &report.ratings,
                |block| jsonl::Block::new(block, limit),
                |buf, block, r| {
                    jsonl::rating(buf, block, report, r, limit)?;
                    if buf.last() == Some(&b'}') {
                        buf.pop();
                    }
                    buf.extend_from_slice(&tail);
                    Ok(())
                },
            )
        }
        OutputFormat::Csv => write_csv(out, report),
        OutputFormat::Table => write_table(out, report),
    }
}

/// The rating object of a JSON Lines line, written field by field: the same bytes
/// as serde_json gives the owned [`owned::Rating`] (a test compares them), in about half the
/// instructions, as the keys need no escaping and most values none either.
mod jsonl {
    use std::io;

    use super::{Contributors, json_err};
    use crate::model::DateExt;
    use crate::rate::{Rating, Report};
    use crate::text::Texts;

    /// `s` as a JSON string; serde_json writes it when it holds anything to escape.
    fn text(buf: &mut Vec<u8>, s: &str) -> io::Result<()> {
        if crate::ingest::fast::string_end(s.as_bytes()).is_some() {
            return serde_json::to_writer(&mut *buf, s).map_err(json_err);
        }
        buf.push(b'"');
        buf.extend_from_slice(s.as_bytes());
        buf.push(b'"');
        Ok(())
    }

    fn opt_text(buf: &mut Vec<u8>, s: Option<&str>) -> io::Result<()> {
        match s {
            Some(s) => text(buf, s),
            None => {
                buf.extend_from_slice(b"null");
                Ok(())
            }
        }
    }

    /// A number as serde_json writes it (`null` when not finite).
    fn num<T: serde::Serialize>(buf: &mut Vec<u8>, x: T) -> io::Result<()> {
        serde_json::to_writer(&mut *buf, &x).map_err(json_err)
    }

    /// The text of numbers that recur from rating to rating: most factors take one
    /// of a few values a rules file fixes (a type's base, impact levels, data and
    /// confidence multipliers, recurrence steps, severities in whole percent).
    /// Formatting a float cost ~70 instructions; a hit copies its bytes.
    #[derive(Default)]
    pub(super) struct Memo {
        /// By a hash of the bits: the bits, and the text's length and bytes.
        slots: Vec<Option<(u64, u8, [u8; 24])>>,
    }

    /// What the ratings of a block share while they are rendered: the memo of
    /// recurring numbers, and their contributors' ids, fetched before rendering.
    ///
    /// A contributor's id takes two reads from all over memory (the id's place in
    /// the id table, found from where its incident lies, then its text), the second
    /// waiting on the first; with a third (the incident itself) they dominate the
    /// writing. Fetched for the whole block one step at a time, the reads of each
    /// step do not wait on one another.
    pub(super) struct Block {
        pub(super) memo: Memo,
        /// The contributors' ids, in the order they are written.
        ids: Texts,
        next: usize,
    }

    impl Block {
        pub(super) fn new(ratings: &[Rating<'_>], limit: Contributors) -> Block {
            let items: Vec<_> = ratings
                .iter()
                .flat_map(|r| limit.of(r).map(|a| a.item))
                .collect();
            // Each id's place first, then its text: the reads of a step overlap.
            // (The place comes from where the incident lies, without reading it.)
            let spans: Vec<_> = items.iter().map(|r| r.data.id_span(r.incident)).collect();
            // The companies' names, written first in each rating, are one read
            // each from all over memory: read together here, they overlap. (The
            // keys lie together, in company order.)
            crate::text::warm(ratings.iter().filter_map(|r| r.company_name));
            let mut ids = Texts::default();
            ids.reserve(spans.len(), spans.iter().map(|s| s.len()).sum(), 0);
            for (r, span) in items.iter().zip(spans) {
                ids.push(r.data.ids().slice(span));
            }
            Block {
                memo: Memo::default(),
                ids,
                next: 0,
            }
        }

        /// The next contributor's id, fetched in [`Block::new`].
        fn next_id(&mut self) -> Option<&str> {
            let i = self.next;
            self.next += 1;
            (i < self.ids.len()).then(|| self.ids.at(i))
        }
    }

    /// As [`num`] for an `f64`, through `memo`.
    pub(super) fn recurring(buf: &mut Vec<u8>, memo: &mut Memo, x: f64) -> io::Result<()> {
        const SLOTS: usize = 128;
        let bits = x.to_bits();
        let slot = (bits.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 57) as usize % SLOTS;
        if let Some(Some((known, len, text))) = memo.slots.get(slot)
            && *known == bits
        {
            buf.extend_from_slice(text.get(..usize::from(*len)).unwrap_or_default());
            return Ok(());
        }
        let start = buf.len();
        num(buf, x)?;
        let written = buf.get(start..).unwrap_or_default();
        let mut text = [0u8; 24];
        if let Some(to) = text.get_mut(..written.len()) {
            to.copy_from_slice(written);
            if memo.slots.is_empty() {
                memo.slots.resize(SLOTS, None);
            }
            if let Some(s) = memo.slots.get_mut(slot) {
                *s = Some((bits, written.len() as u8, text));
            }
        }
        Ok(())
    }

    fn date(buf: &mut Vec<u8>, d: chrono::NaiveDate) -> io::Result<()> {
        // Digits, '-' and a sign only: nothing to escape.
        buf.push(b'"');
        d.ymd().with_bytes(|s| buf.extend_from_slice(s));
        buf.push(b'"');
        Ok(())
    }

    pub(super) fn rating(
        buf: &mut Vec<u8>,
        block: &mut Block,
        report: &Report<'_>,
        r: &Rating<'_>,
        limit: Contributors,
    ) -> io::Result<()> {
        let rules = report.rules;
        buf.extend_from_slice(b"{\"company\":");
        text(buf, r.company)?;
        buf.extend_from_slice(b",\"company_name\":");
        opt_text(buf, r.company_name)?;
        buf.extend_from_slice(b",\"industry\":");
        opt_text(buf, r.industry)?;
        buf.extend_from_slice(b",\"score\":");
        num(buf, r.score)?;
        buf.extend_from_slice(b",\"score_exact\":");
        num(buf, r.score_exact)?;
        buf.extend_from_slice(b",\"grade\":");
        text(buf, r.grade)?;
        buf.extend_from_slice(b",\"risk_points\":");
        num(buf, r.risk_points)?;
        buf.extend_from_slice(b",\"interval\":{\"level\":");
        recurring(buf, &mut block.memo, r.interval.level)?;
        buf.extend_from_slice(b",\"low\":");
        num(buf, r.interval.low)?;
        buf.extend_from_slice(b",\"high\":");
        num(buf, r.interval.high)?;
        buf.extend_from_slice(b"},\"incidents\":{\"counted\":");
        num(buf, r.counts.counted)?;
        buf.extend_from_slice(b",\"expired\":");
        num(buf, r.counts.expired)?;
        buf.extend_from_slice(b",\"future\":");
        num(buf, r.counts.future)?;
        buf.extend_from_slice(b"},\"industry_percentile\":");
        num(buf, r.industry_percentile)?;
        buf.extend_from_slice(b",\"next_grade_change\":");
        match &r.next_grade_change {
            None => buf.extend_from_slice(b"null"),
            Some(g) => {
                buf.extend_from_slice(b"{\"grade\":");
                text(buf, &g.grade)?;
                buf.extend_from_slice(b",\"date\":");
                date(buf, g.date)?;
                buf.push(b'}');
            }
        }
        buf.extend_from_slice(b",\"contributors\":[");
        for (i, a) in limit.of(r).enumerate() {
            if i > 0 {
                buf.push(b',');
            }
            contributor(buf, block, rules, a)?;
        }
        buf.extend_from_slice(b"],\"explanation\":");
        text(buf, &crate::rate::explain::explanation_of(report, r))?;
        buf.push(b'}');
        Ok(())
    }

    /// One contributor of a rating, as [`rating`] writes it.
    #[inline]
    fn contributor(
        buf: &mut Vec<u8>,
        block: &mut Block,
        rules: &crate::rules::Rules,
        a: &crate::rate::Assessed<'_>,
    ) -> io::Result<()> {
        buf.extend_from_slice(b"{\"id\":");
        // Fetched with the block's; the same text (a test holds it).
        match block.next_id() {
            Some(id) => text(buf, id)?,
            None => text(buf, a.item.id())?,
        }
        buf.extend_from_slice(b",\"type\":");
        text(buf, &rules.type_rule(a.item.type_id).name)?;
        buf.extend_from_slice(b",\"effective_date\":");
        // Kept with the resolved incident: no trip to the incident itself.
        let effective = a.item.effective_date();
        date(buf, effective)?;
        buf.extend_from_slice(b",\"points\":");
        num(buf, a.points)?;
        buf.extend_from_slice(b",\"share\":");
        num(buf, a.share)?;
        let f = &a.factors;
        for (key, x) in [
            (&b",\"factors\":{\"base\":"[..], f.base),
            (b",\"severity\":", f.severity),
            (b",\"impact\":", f.impact),
            (b",\"data\":", f.data),
        ] {
            buf.extend_from_slice(key);
            recurring(buf, &mut block.memo, x)?;
        }
        buf.extend_from_slice(b",\"volume\":");
        num(buf, f.volume)?;
        for (key, x) in [
            (&b",\"confidence\":"[..], f.confidence),
            (b",\"recurrence\":", f.recurrence),
        ] {
            buf.extend_from_slice(key);
            recurring(buf, &mut block.memo, x)?;
        }
        buf.extend_from_slice(b",\"decay\":");
        num(buf, f.decay)?;
        buf.extend_from_slice(b"}}");
        Ok(())
    }

    #[cfg(test)]
    pub(crate) fn with_serde(
        buf: &mut Vec<u8>,
        report: &Report<'_>,
        r: &Rating<'_>,
        limit: Contributors,
    ) -> io::Result<()> {
        serde_json::to_writer(&mut *buf, &super::json_rating(report, r, limit)).map_err(json_err)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::dataset::Dataset;
    use crate::rate::{rate_for_writing, rate_keeping};
    use crate::{Format, Rules};
    use proptest::prelude::*;

    /// Text with everything JSON must escape, and what it need not.
    fn text() -> impl Strategy<Value = String> {
        prop_oneof![
            "[a-z0-9 ]{1,8}",
            "[\"\\\\\u{0}-\u{1f}\u{7f}a-z]{1,6}",
            "\\PC{1,6}",
            Just("Zoë \u{2028} \u{1b}[31m".to_string()),
        ]
    }

    fn record() -> impl Strategy<Value = serde_json::Value> {
        (
            text(),
            prop::sample::select(vec!["acme", "ab\"c", "x\\y", "tab\tco"]),
            prop::option::of(text()),
            prop::option::of(text()),
            prop::sample::select(vec!["breach", "ransomware", "ddos"]),
            (2015i32..2027, 1u32..13),
            prop::option::of(0u32..=100),
            prop::option::of(0u64..10_000_000),
        )
            .prop_map(
                |(id, company, name, industry, kind, (y, m), severity, records)| {
                    serde_json::json!({
                        "id": id, "company": company, "company_name": name, "industry": industry,
                        "type": kind, "date": format!("{y}-{m:02}"), "severity": severity,
                        "records": records, "data_types": ["health", "ssn"],
                    })
                },
            )
    }

    proptest! {
        /// A number written through the memo is serde_json's text of it, hit or
        /// miss: many numbers (collisions included), repeated, and the odd ones.
        #[test]
        fn recurring_numbers_are_written_as_serde_json_writes_them(
            xs in proptest::collection::vec(
                prop_oneof![
                    any::<f64>(),
                    (0u32..300).prop_map(|n| f64::from(n) / 100.0),
                    prop::sample::select(vec![0.0, -0.0, f64::NAN, f64::INFINITY, 1e300, 5e-324, 0.1 + 0.2]),
                ],
                0..400,
            ),
        ) {
            let mut memo = jsonl::Memo::default();
            for x in xs.iter().chain(&xs) {
                let mut got = Vec::new();
                jsonl::recurring(&mut got, &mut memo, *x).unwrap();
                prop_assert_eq!(got, serde_json::to_vec(x).unwrap(), "{}", x);
            }
        }
    }

    /// `write_json` against the document built whole and written by serde_json.
    fn json_both_ways(report: &Report<'_>, limit: Contributors) -> (String, String) {
        let (mut streamed, mut whole) = (Vec::new(), Vec::new());
        write_json(&mut streamed, report, limit).unwrap();
        write_json_whole(&mut whole, report, limit).unwrap();
        (
            String::from_utf8(streamed).unwrap(),
            String::from_utf8(whole).unwrap(),
        )
    }

    /// Ratings past one block of the parallel writer (128), none, and one; with
    /// rejected records after them.
    #[test]
    fn the_json_document_is_serde_json_s_across_blocks() {
        let rules = Rules::default_rules().unwrap();
        let as_of = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        for companies in [0, 1, 300] {
            let mut lines: Vec<String> = (0..companies)
                .map(|i| {
                    format!(
                        r#"{{"id":"i{i}","company":"c{i}","type":"breach","date":"2024-0{}-01","severity":{}}}"#,
                        1 + i % 9,
                        i % 101
                    )
                })
                .collect();
            lines.push(r#"{"id":"bad","company":"c\n]","type":"nope","date":"2024-01-01"}"#.into());
            let mut d = Dataset::new();
            d.read_bytes(lines.join("\n").as_bytes(), "b.jsonl", Format::Jsonl)
                .unwrap();
            let resolved = d.resolve_unmerged(&rules);
            let report = rate_for_writing(&resolved, as_of, None);
            assert_eq!(report.ratings.len(), companies);
            assert_eq!(report.rejected.len(), 1);
            let (streamed, whole) = json_both_ways(&report, Contributors::Top(2));
            assert_eq!(streamed, whole);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 300, .. ProptestConfig::default() })]

        /// The JSON Lines writer gives serde_json's bytes for every rating, and
        /// the JSON document (ratings streamed) serde_json's pretty bytes for the
        /// document built whole, whatever the text in them, with explanations
        /// held or rendered late.
        #[test]
        fn jsonl_ratings_and_the_json_document_are_serde_json_s_bytes(records in proptest::collection::vec(record(), 0..30)) {
            let text: Vec<String> = records.iter().map(|r| r.to_string()).collect();
            let rules = Rules::default_rules().unwrap();
            let mut d = Dataset::new();
            d.read_bytes(text.join("\n").as_bytes(), "p.jsonl", Format::Jsonl).unwrap();
            let resolved = d.resolve_unmerged(&rules);
            let as_of = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
            for report in [rate_keeping(&resolved, as_of, None), rate_for_writing(&resolved, as_of, Some(2))] {
                for limit in [Contributors::All, Contributors::Top(1)] {
                    // All the ratings as one block: one memo, and ids fetched first.
                    let mut block = jsonl::Block::new(&report.ratings, limit);
                    for r in &report.ratings {
                        let (mut direct, mut serde) = (Vec::new(), Vec::new());
                        jsonl::rating(&mut direct, &mut block, &report, r, limit).unwrap();
                        jsonl::with_serde(&mut serde, &report, r, limit).unwrap();
                        prop_assert_eq!(String::from_utf8_lossy(&direct), String::from_utf8_lossy(&serde));
                    }
                    let (streamed, whole) = json_both_ways(&report, limit);
                    prop_assert_eq!(streamed, whole);
                }
            }
        }
    }
}

/// The JSON document, as serde_json's pretty printer writes the owned
/// [`owned::Report`], with the ratings rendered in parallel blocks and written
/// as they are done rather than all built first, and the rejections written one
/// by one, so the document is never held whole.
fn write_json(out: &mut dyn Write, report: &Report<'_>, limit: Contributors) -> io::Result<()> {
    // The document without its ratings and rejections, cut where they go: each
    // empty list is found on a line of its own (a string cannot hold a raw
    // newline), and only these two lists hold text from the input.
    const RATINGS: &[u8] = b"\n  \"ratings\": []";
    const REJECTED: &[u8] = b"\n  \"rejected\": []";
    let mut frame = owned::Report::frame(report.rules, report.as_of, report.summary);
    frame.merged = owned::Report::folded(report.merged);
    let frame = serde_json::to_vec_pretty(&frame).map_err(json_err)?;
    let find = |what: &[u8]| frame.windows(what.len()).position(|w| w == what);
    let (Some(at_ratings), Some(at_rejected)) = (find(RATINGS), find(REJECTED)) else {
        return write_json_whole(out, report, limit);
    };
    // Each cut falls just before the list's closing bracket.
    let (ratings_end, rejected_end) = (
        at_ratings + RATINGS.len() - 1,
        at_rejected + REJECTED.len() - 1,
    );
    if ratings_end > at_rejected {
        return write_json_whole(out, report, limit);
    }
    out.write_all(frame.get(..ratings_end).unwrap_or_default())?;
    if let Some((first, rest)) = report.ratings.split_first() {
        let mut buf = Vec::new();
        pretty_item(&mut buf, &json_rating(report, first, limit), b"\n    ")?;
        out.write_all(&buf)?;
        in_parallel(
            out,
            rest,
            |_| (),
            |buf, (), r| pretty_item(buf, &json_rating(report, r, limit), b",\n    "),
        )?;
        out.write_all(b"\n  ")?;
    }
    out.write_all(frame.get(ratings_end..rejected_end).unwrap_or_default())?;
    if !report.rejected.is_empty() {
        let mut buf = Vec::new();
        for (i, r) in report.rejected.iter().enumerate() {
            buf.clear();
            pretty_item(&mut buf, r, if i == 0 { b"\n    " } else { b",\n    " })?;
            out.write_all(&buf)?;
        }
        out.write_all(b"\n  ")?;
    }
    out.write_all(frame.get(rejected_end..).unwrap_or_default())?;
    out.write_all(b"\n")
}

/// One item of a list of the document: `lead`, then the item pretty-printed two
/// levels in.
fn pretty_item(buf: &mut Vec<u8>, item: &impl Serialize, lead: &[u8]) -> io::Result<()> {
    let rating = serde_json::to_vec_pretty(item).map_err(json_err)?;
    buf.extend_from_slice(lead);
    // Every newline is structure (text holds it escaped): each line then starts
    // two levels further in.
    for line in rating.split_inclusive(|&b| b == b'\n') {
        buf.extend_from_slice(line);
        if line.ends_with(b"\n") {
            buf.extend_from_slice(b"    ");
        }
    }
    Ok(())
}

/// The document built whole, then written by serde_json: what [`write_json`]
/// writes, byte for byte (a test holds the two together).
fn write_json_whole(
    out: &mut dyn Write,
    report: &Report<'_>,
    limit: Contributors,
) -> io::Result<()> {
    let mut whole = owned::Report::frame(report.rules, report.as_of, report.summary);
    whole.ratings = report
        .ratings
        .iter()
        .map(|r| json_rating(report, r, limit))
        .collect();
    whole.rejected = report.rejected.to_vec();
    whole.merged = owned::Report::folded(report.merged);
    serde_json::to_writer_pretty(&mut *out, &whole).map_err(json_err)?;
    out.write_all(b"\n")
}

fn opt_num(x: Option<f64>) -> String {
    x.map_or_else(String::new, |v| v.to_string())
}

fn write_csv(out: &mut dyn Write, report: &Report<'_>) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(&mut *out);
    w.write_record([
        "company",
        "company_name",
        "industry",
        "score",
        "score_exact",
        "grade",
        "risk_points",
        "interval_low",
        "interval_high",
        "counted",
        "expired",
        "future",
        "industry_percentile",
        "next_grade",
        "next_grade_date",
        "explanation",
        "as_of",
        "rules_name",
        "rules_version",
        "rules_sha256",
    ])?;
    w.flush()?;
    drop(w);
    let as_of = report.as_of.ymd().to_string();
    let rules = report.rules;
    in_parallel(
        out,
        &report.ratings,
        |_| (),
        |buf, (), r| {
            let mut w = csv::WriterBuilder::new()
                .has_headers(false)
                .from_writer(buf);
            let (ng, nd) = r
                .next_grade_change
                .as_ref()
                .map_or((String::new(), String::new()), |g| {
                    (g.grade.clone(), g.date.ymd().to_string())
                });
            w.write_record([
                escape::csv_cell(r.company).as_ref(),
                escape::csv_cell(r.company_name.unwrap_or("")).as_ref(),
                escape::csv_cell(r.industry.unwrap_or("")).as_ref(),
                &r.score.to_string(),
                &r.score_exact.to_string(),
                escape::csv_cell(r.grade).as_ref(),
                &r.risk_points.to_string(),
                &r.interval.low.to_string(),
                &r.interval.high.to_string(),
                &r.counts.counted.to_string(),
                &r.counts.expired.to_string(),
                &r.counts.future.to_string(),
                &opt_num(r.industry_percentile),
                escape::csv_cell(&ng).as_ref(),
                &nd,
                escape::csv_cell(&explain::explanation_of(report, r)).as_ref(),
                &as_of,
                escape::csv_cell(rules.name()).as_ref(),
                escape::csv_cell(rules.version()).as_ref(),
                rules.sha256(),
            ])?;
            w.flush()
        },
    )
}

/// Left-aligned text columns, with widths from the widest cell.
struct Table<'s> {
    rows: Vec<Vec<String>>,
    right: Vec<bool>,
    /// Marks (text before, text after) put around a cell at (row, column); they
    /// take no width, being put on after padding.
    marks: Vec<(usize, usize, &'s Mark)>,
}

/// Text put before and after a table cell, such as a terminal's colour codes.
pub type Mark = (String, String);

/// How [`write_table_styled`] marks its cells.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TableStyle {
    /// The mark of a grade in each band, best first (a grade past the last band
    /// takes the last mark); empty: grades are plain.
    pub grades: Vec<Mark>,
}

impl Table<'_> {
    fn write(&self, out: &mut dyn Write) -> io::Result<()> {
        let cols = self.rows.first().map_or(0, Vec::len);
        let widths: Vec<usize> = (0..cols)
            .map(|c| {
                self.rows
                    .iter()
                    .map(|r| r.get(c).map_or(0, |s| s.chars().count()))
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        // Looked up by place: a search of the list for every cell would be
        // quadratic in the ratings.
        let mut paint: crate::FastMap<(usize, usize), &Mark> = crate::FastMap::default();
        for &(r, c, mark) in &self.marks {
            paint.entry((r, c)).or_insert(mark);
        }
        for (r, row) in self.rows.iter().enumerate() {
            let mut line = String::new();
            for (c, cell) in row.iter().enumerate() {
                let painted;
                let cell = match paint.get(&(r, c)) {
                    Some((before, after)) => {
                        painted = format!("{before}{cell}{after}");
                        &painted
                    }
                    None => cell,
                };
                let pad = widths
                    .get(c)
                    .copied()
                    .unwrap_or(0)
                    .saturating_sub(row.get(c).map_or(0, |x| x.chars().count()));
                if c > 0 {
                    line.push_str("  ");
                }
                if self.right.get(c).copied().unwrap_or(false) {
                    line.push_str(&" ".repeat(pad));
                    line.push_str(cell);
                } else {
                    line.push_str(cell);
                    if c + 1 < row.len() {
                        line.push_str(&" ".repeat(pad));
                    }
                }
            }
            writeln!(out, "{}", line.trim_end())?;
        }
        Ok(())
    }
}

/// Input text for a table cell: escaped for the terminal and cut to `max` chars.
fn cell(s: &str, max: usize) -> String {
    let s = escape::terminal(s);
    if s.chars().count() <= max {
        s.into_owned()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

fn header_line(out: &mut dyn Write, rules: &Rules, as_of: chrono::NaiveDate) -> io::Result<()> {
    writeln!(
        out,
        "riskrate {} · rules {} v{} (sha256 {}) · as of {}",
        env!("CARGO_PKG_VERSION"),
        escape::terminal(rules.name()),
        escape::terminal(rules.version()),
        rules.sha256().get(..12).unwrap_or(""),
        as_of.ymd()
    )
}

/// The accounting of a run: `read N = counted … + rejected …`, with `+ merged
/// …` when merging folded reports.
pub fn accounting(s: &Summary) -> String {
    let mut text = format!(
        "read {} = counted {} + expired {} + future {} + rejected {}",
        s.read, s.counted, s.expired, s.future, s.rejected
    );
    if s.merged > 0 {
        text.push_str(&format!(" + merged {}", s.merged));
    }
    text
}

fn summary_line(out: &mut dyn Write, s: &Summary) -> io::Result<()> {
    writeln!(
        out,
        "{} · {} {}",
        accounting(s),
        s.companies,
        if s.companies == 1 {
            "company"
        } else {
            "companies"
        }
    )
}

/// Writes `report` as a table, its cells marked as `style` says (the caller
/// decides, for a terminal, whether and how to colour).
///
/// # Errors
/// Only the writer's I/O errors.
pub fn write_table_styled(
    out: &mut dyn Write,
    report: &Report<'_>,
    style: &TableStyle,
) -> io::Result<()> {
    write_table_impl(out, report, style)
}

fn write_table(out: &mut dyn Write, report: &Report<'_>) -> io::Result<()> {
    write_table_impl(out, report, &TableStyle::default())
}

fn write_table_impl(
    out: &mut dyn Write,
    report: &Report<'_>,
    style: &TableStyle,
) -> io::Result<()> {
    let rules = report.rules;
    header_line(out, rules, report.as_of)?;
    writeln!(out)?;
    let level = crate::rules::round_half_up(rules.interval().level * 100.0);
    let mut rows = vec![vec![
        "COMPANY".to_string(),
        "NAME".into(),
        "SCORE".into(),
        "GRADE".into(),
        format!("{level}% INTERVAL"),
        "INCIDENTS".into(),
        "PCTL".into(),
        "NEXT CHANGE".into(),
        "LARGEST CONTRIBUTOR".into(),
    ]];
    for r in &report.ratings {
        let c = r.counts;
        rows.push(vec![
            cell(r.company, 32),
            cell(r.company_name.unwrap_or(""), 28),
            r.score.to_string(),
            cell(r.grade, 4),
            format!("{}–{}", r.interval.low, r.interval.high),
            format!("{} ({}e {}f)", c.counted, c.expired, c.future),
            r.industry_percentile
                .map_or("-".into(), |p| format!("{p:.0}")),
            r.next_grade_change.as_ref().map_or("-".into(), |g| {
                format!("{} on {}", cell(&g.grade, 4), g.date.ymd())
            }),
            r.contributors().next().map_or("-".into(), |a| {
                format!(
                    "{} {} {}",
                    rules.type_rule(a.item.type_id).name,
                    cell(a.item.id(), 24),
                    explain::percent(a.share)
                )
            }),
        ]);
    }
    let marks = match style.grades.last() {
        Some(last) => report
            .ratings
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let band = rules.grade_index(r.score);
                (i + 1, 3, style.grades.get(band).unwrap_or(last))
            })
            .collect(),
        None => Vec::new(),
    };
    Table {
        rows,
        right: vec![false, false, true, false, false, false, true, false, false],
        marks,
    }
    .write(out)?;
    writeln!(out)?;
    summary_line(out, &report.summary)
}

/// Output formats of `explain`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ExplainFormat {
    #[default]
    /// Aligned text for people.
    Text,
    /// One JSON document with every incident.
    Json,
}

impl FromStr for ExplainFormat {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        match s.to_ascii_lowercase().as_str() {
            "text" => Ok(ExplainFormat::Text),
            "json" => Ok(ExplainFormat::Json),
            other => Err(Error::Usage(format!(
                "unknown explain format `{other}`; expected text or json"
            ))),
        }
    }
}

/// The `explain --format json` document: the engine's [`Explanation`], and the
/// what-if when one was asked for.
#[derive(Serialize)]
struct JsonExplain<'a> {
    #[serde(flatten)]
    explanation: Explanation,
    #[serde(skip_serializing_if = "Option::is_none")]
    what_if: Option<JsonWhatIf<'a>>,
}

#[derive(Serialize)]
struct JsonWhatIf<'a> {
    without: &'a [String],
    as_disputed: &'a [String],
    rating: owned::Rating,
    score_change: i64,
}

/// `r`, a rating of `report`, owned and with every contributor; its explanation
/// rendered now when it was rated without one.
fn owned_rating(report: &Report<'_>, r: &Rating<'_>) -> owned::Rating {
    let mut whole = owned::Rating::of(report.rules, report.merged, r, None);
    if whole.explanation.is_empty() {
        whole.explanation = explain::explanation_of(report, r).into_owned();
    }
    whole
}

/// The same company rated with some incidents removed or marked disputed.
#[derive(Debug, Clone, Copy)]
pub struct WhatIf<'r, 'a> {
    /// Ids of incidents removed.
    pub without: &'r [String],
    /// Ids of incidents marked disputed.
    pub as_disputed: &'r [String],
    /// The company's rating so changed (None when nothing of it is left).
    pub rating: Option<&'r Rating<'a>>,
}

/// Writes the full account of one company's rating: every incident with every factor.
///
/// # Errors
/// Only the writer's I/O errors.
pub fn write_explain(
    out: &mut dyn Write,
    report: &Report<'_>,
    rating: &Rating<'_>,
    format: ExplainFormat,
    what_if: Option<&WhatIf<'_, '_>>,
) -> io::Result<()> {
    let rules = report.rules;
    match format {
        ExplainFormat::Json => {
            let doc = JsonExplain {
                explanation: Explanation {
                    riskrate: env!("CARGO_PKG_VERSION").to_string(),
                    rules: RulesMeta::of(rules),
                    as_of: report.as_of,
                    rating: owned_rating(report, rating),
                    incidents: rating
                        .incidents
                        .iter()
                        .map(|a| owned::Assessment::of(rules, report.merged, a))
                        .collect(),
                },
                what_if: what_if.and_then(|w| {
                    w.rating.map(|r| JsonWhatIf {
                        without: w.without,
                        as_disputed: w.as_disputed,
                        rating: owned_rating(report, r),
                        score_change: r.score - rating.score,
                    })
                }),
            };
            serde_json::to_writer_pretty(&mut *out, &doc).map_err(json_err)?;
            out.write_all(b"\n")
        }
        ExplainFormat::Text => {
            header_line(out, rules, report.as_of)?;
            writeln!(out)?;
            writeln!(
                out,
                "{} ({})",
                escape::terminal(rating.display_name()),
                escape::terminal(rating.company)
            )?;
            writeln!(
                out,
                "  score {} ({}), exact {:.6}, {}% interval {}–{}, risk points {:.6}",
                rating.score,
                escape::terminal(rating.grade),
                rating.score_exact,
                crate::rules::round_half_up(rating.interval.level * 100.0),
                rating.interval.low,
                rating.interval.high,
                rating.risk_points
            )?;
            writeln!(
                out,
                "  industry: {}; percentile: {}",
                rating
                    .industry
                    .map_or("-".into(), |i| escape::terminal(i).into_owned()),
                rating
                    .industry_percentile
                    .map_or("-".into(), |p| format!("{p:.1}"))
            )?;
            writeln!(
                out,
                "  next grade change: {}",
                rating
                    .next_grade_change
                    .as_ref()
                    .map_or("none".into(), |g| format!(
                        "{} on {}",
                        escape::terminal(&g.grade),
                        g.date.ymd()
                    ))
            )?;
            writeln!(out)?;
            let mut rows = vec![
                [
                    "ID",
                    "TYPE",
                    "STANDING",
                    "EFFECTIVE",
                    "AGE",
                    "BASE",
                    "SEV",
                    "IMP",
                    "DATA",
                    "VOL",
                    "CONF",
                    "REC",
                    "DECAY",
                    "POINTS",
                    "SHARE",
                ]
                .map(String::from)
                .to_vec(),
            ];
            for a in &rating.incidents {
                let f = &a.factors;
                let counted = a.standing == Standing::Counted;
                rows.push(vec![
                    cell(a.item.id(), 32),
                    rules.type_rule(a.item.type_id).name.clone(),
                    match a.standing {
                        Standing::Counted => "counted".into(),
                        Standing::Expired => "EXPIRED".into(),
                        Standing::Future => "FUTURE".into(),
                    },
                    a.item.incident.effective().date.ymd().to_string(),
                    a.age_days.to_string(),
                    format!("{}", f.base),
                    format!("{:.2}", f.severity),
                    format!("{:.2}", f.impact),
                    format!("{:.2}", f.data),
                    format!("{:.2}", f.volume),
                    format!("{:.2}", f.confidence),
                    format!("{:.2}", f.recurrence),
                    format!("{:.4}", f.decay),
                    format!("{:.2}", a.points),
                    if counted {
                        explain::percent(a.share)
                    } else {
                        "-".into()
                    },
                ]);
            }
            Table {
                rows,
                right: vec![
                    false, false, false, false, true, true, true, true, true, true, true, true,
                    true, true, true,
                ],
                marks: Vec::new(),
            }
            .write(out)?;
            for a in &rating.incidents {
                let words = explain::data_words(rules, &a.item);
                writeln!(
                    out,
                    "  {}: {} of {}, {}{}{}",
                    cell(a.item.id(), 32),
                    rules.type_rule(a.item.type_id).name,
                    explain::when(a.item.incident),
                    a.item.incident.status.as_str(),
                    if a.item.incident.third_party {
                        ", at a third party"
                    } else {
                        ""
                    },
                    if words.is_empty() {
                        String::new()
                    } else {
                        format!("; {}", words.join(", "))
                    }
                )?;
                write_reports_text(out, &owned::sources(report.merged, &a.item))?;
            }
            writeln!(out)?;
            writeln!(out, "{}", escape::terminal(&rating.explanation))?;
            if let Some(w) = what_if {
                write_what_if_text(out, rating, w)?;
            }
            Ok(())
        }
    }
}

/// The reports of a merged incident, one line each, with the fields it gave
/// (none: a report that agreed with the others or told less).
fn write_reports_text(out: &mut dyn Write, sources: &[owned::Source]) -> io::Result<()> {
    for (k, r) in sources.iter().enumerate() {
        writeln!(
            out,
            "    report {} of {}: {} ({}){}",
            k + 1,
            sources.len(),
            cell(&r.id, 32),
            escape::terminal(&r.source),
            if r.fields.is_empty() {
                String::new()
            } else {
                format!(": {}", r.fields.join(", "))
            }
        )?;
    }
    Ok(())
}

fn write_what_if_text(
    out: &mut dyn Write,
    real: &Rating<'_>,
    w: &WhatIf<'_, '_>,
) -> io::Result<()> {
    let mut parts = Vec::new();
    if !w.without.is_empty() {
        parts.push(format!(
            "without {}",
            escape::terminal(&w.without.join(", "))
        ));
    }
    if !w.as_disputed.is_empty() {
        parts.push(format!(
            "with {} disputed",
            escape::terminal(&w.as_disputed.join(", "))
        ));
    }
    writeln!(out)?;
    match w.rating {
        None => writeln!(
            out,
            "What if ({}): no incident of the company would be left to rate.",
            parts.join(", ")
        ),
        Some(r) => {
            writeln!(
                out,
                "What if ({}): {} ({}) instead of {} ({}), {:+} points; interval {}–{}.",
                parts.join(", "),
                r.score,
                escape::terminal(r.grade),
                real.score,
                escape::terminal(real.grade),
                r.score - real.score,
                r.interval.low,
                r.interval.high
            )?;
            writeln!(out, "  {}", escape::terminal(&r.explanation))
        }
    }
}

/// The first rejections, one per line, for a stderr summary.
pub fn rejection_summary(rejected: &[crate::model::Rejection], max: usize) -> String {
    let mut s = format!(
        "{} record{} rejected",
        rejected.len(),
        if rejected.len() == 1 { "" } else { "s" }
    );
    for r in rejected.iter().take(max) {
        s.push_str("\n  ");
        s.push_str(&escape::terminal(&r.to_string()));
    }
    if rejected.len() > max {
        s.push_str(&format!("\n  … and {} more", rejected.len() - max));
    }
    s
}

#[derive(Serialize)]
struct Canonical<'a> {
    id: &'a str,
    company: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    company_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    industry: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    country: Option<&'a str>,
    #[serde(rename = "type")]
    kind: &'a str,
    date: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    disclosed: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    severity: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    impact: Option<i64>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    data_types: Vec<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    records: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<&'a str>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    third_party: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    vulnerable_subjects: bool,
    /// The reports of a merged incident (read back, it is one record: the
    /// list is provenance, which no rating reads).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    sources: Vec<owned::Source>,
}

/// One merged incident and its reports: a line of `import --duplicates`.
#[derive(Serialize)]
struct Cluster<'a> {
    /// The id the incident keeps.
    id: &'a str,
    company: &'a str,
    reports: Vec<owned::Source>,
}

/// Writes every merged incident of a resolution, in company order: one JSON
/// line each (its id, company and reports, with the fields each gave), or with
/// `csv` one row per report (`incident,company,report,source,fields`, the
/// fields `;`-separated, every cell escaped for a spreadsheet).
///
/// # Errors
/// The writer's I/O errors.
pub fn write_clusters(
    out: &mut dyn Write,
    res: &crate::resolve::Resolution<'_>,
    csv: bool,
) -> io::Result<()> {
    if csv {
        let mut w = csv::Writer::from_writer(&mut *out);
        w.write_record(["incident", "company", "report", "source", "fields"])?;
        for r in res.items() {
            for s in owned::sources(res.merged(), r) {
                w.write_record([
                    escape::csv_cell(r.id()).as_ref(),
                    escape::csv_cell(r.company()).as_ref(),
                    escape::csv_cell(&s.id).as_ref(),
                    escape::csv_cell(&s.source).as_ref(),
                    s.fields.join(";").as_str(),
                ])?;
            }
        }
        return w.flush();
    }
    for r in res.items() {
        let reports = owned::sources(res.merged(), r);
        if reports.is_empty() {
            continue;
        }
        let line = Cluster {
            id: r.id(),
            company: r.company(),
            reports,
        };
        serde_json::to_writer(&mut *out, &line).map_err(json_err)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// Writes the accepted incidents of a resolution as canonical JSON Lines
/// (SCORING.md §1): types and data classes by their canonical names, dates at the
/// precision given, defaults left out; a merged incident with its merged fields
/// and its reports (`sources`).
///
/// # Errors
/// The writer's I/O errors.
pub fn write_canonical(
    out: &mut dyn Write,
    res: &crate::resolve::Resolution<'_>,
) -> io::Result<()> {
    let rules = res.rules();
    for r in res.items_in_input_order() {
        let inc = r.incident;
        let line = Canonical {
            id: r.id(),
            company: r.company(),
            company_name: r.company_name(),
            industry: r.industry(),
            country: r.country(),
            kind: &rules.type_rule(r.type_id).name,
            date: inc.date.to_string(),
            disclosed: inc.disclosed.map(|d| d.to_string()),
            severity: inc.severity(),
            impact: inc.impact(),
            data_types: r
                .classes()
                .map(|c| rules.class_rule(c).name.as_str())
                .collect(),
            records: inc.records(),
            status: (inc.status != crate::model::Status::Confirmed).then(|| inc.status.as_str()),
            third_party: inc.third_party,
            vulnerable_subjects: inc.vulnerable_subjects,
            sources: owned::sources(res.merged(), r),
        };
        serde_json::to_writer(&mut *out, &line).map_err(json_err)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

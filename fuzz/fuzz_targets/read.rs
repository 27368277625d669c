//! Canonical input in every format, then the whole pipeline: read, resolve, rate,
//! and render in every output format. The first byte picks the input format.
#![no_main]

use libfuzzer_sys::fuzz_target;
use riskrate::unstable::{Contributors, Dataset, Format, Limits, OutputFormat, Rules, rate, write_report};

fuzz_target!(|input: &[u8]| {
    let Some((&pick, bytes)) = input.split_first() else { return };
    let format = [Format::Jsonl, Format::Json, Format::Csv, Format::Auto][usize::from(pick % 4)];
    // Small record limits too, so that over-limit records are read past.
    let limits = Limits {
        max_record_bytes: [1 << 20, 40, 200][usize::from(pick / 4 % 3)],
        max_depth: [64, 2][usize::from(pick / 12 % 2)],
    };
    let Ok(rules) = Rules::default_rules() else { return };
    let mut data = Dataset::with_limits(limits);
    if data.read_bytes(bytes, "fuzz", format).is_err() {
        return;
    }
    if matches!(format, Format::Json | Format::Auto) {
        // A document read as a stream of unknown size (JSON arrays are cut into
        // elements as they stream) reads as it does at once.
        let mut streamed = Dataset::with_limits(limits);
        assert!(streamed.read_stream(bytes, "fuzz", format).is_ok(), "valid at once, valid streamed");
        assert_eq!(streamed.read_count(), data.read_count());
        let lines = |d: &Dataset| -> Vec<(u64, String)> {
            d.rejected().iter().map(|r| (r.line, r.message.clone())).collect()
        };
        assert_eq!(lines(&streamed), lines(&data));
        let at = |d: &Dataset| -> Vec<u64> { d.incidents().iter().map(|i| i.line).collect() };
        assert_eq!(at(&streamed), at(&data));
    }
    if format == Format::Jsonl {
        // Streamed in tiny blocks (lines cut anywhere, over-limit lines skipped
        // as they stream), JSON Lines reads exactly as it does at once.
        let block = 1 + usize::from(pick / 24) % 9;
        let mut streamed = Dataset::with_limits(limits);
        assert!(streamed.read_jsonl_in_blocks(bytes, "fuzz", block).is_ok());
        assert_eq!(streamed.read_count(), data.read_count());
        assert_eq!(streamed.incidents().len(), data.incidents().len());
        let lines = |d: &Dataset| -> Vec<(u64, String)> {
            d.rejected().iter().map(|r| (r.line, r.message.clone())).collect()
        };
        assert_eq!(lines(&streamed), lines(&data), "block {block}");
        let at = |d: &Dataset| -> Vec<u64> { d.incidents().iter().map(|i| i.line).collect() };
        assert_eq!(at(&streamed), at(&data), "block {block}");
    }
    let resolved = data.resolve_unmerged(&rules);
    let as_of = chrono::NaiveDate::from_ymd_opt(2021, 1, 1).unwrap_or_default();
    let report = rate(&resolved, as_of);
    let s = report.summary;
    assert_eq!(s.read, data.read_count(), "every record read is accounted for");
    assert_eq!(s.read, s.counted + s.expired + s.future + s.rejected);
    for r in &report.ratings {
        assert!((100..=1000).contains(&r.score));
    }
    for f in [OutputFormat::Json, OutputFormat::Jsonl, OutputFormat::Csv, OutputFormat::Table] {
        let mut out = Vec::new();
        let _ = write_report(&mut out, &report, f, Contributors::All);
    }
});

//! Canonical input in every format, then the whole pipeline: read, resolve, rate,
//! and render in every output format. The first byte picks the input format.
#![no_main]

use libfuzzer_sys::fuzz_target;
use riskrate::{Contributors, Dataset, Format, OutputFormat, Rules, rate, write_report};

fuzz_target!(|input: &[u8]| {
    let Some((&pick, bytes)) = input.split_first() else { return };
    let format = [Format::Jsonl, Format::Json, Format::Csv, Format::Auto][usize::from(pick % 4)];
    let Ok(rules) = Rules::default_rules() else { return };
    let mut data = Dataset::new();
    if data.read_bytes(bytes, "fuzz", format).is_err() {
        return;
    }
    let resolved = data.resolve(&rules);
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

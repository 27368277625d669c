//! The rules loader on arbitrary text; rules it accepts must rate and round-trip.
#![no_main]

use libfuzzer_sys::fuzz_target;
use riskrate::unstable::{Dataset, Format, Rules, rate};

fuzz_target!(|input: &[u8]| {
    let text = String::from_utf8_lossy(input);
    let Ok(rules) = Rules::from_toml(&text, "fuzz") else { return };
    let mut data = Dataset::new();
    let records = b"{\"id\":\"a\",\"company\":\"c\",\"type\":\"breach\",\"date\":\"2020-06\",\"data_types\":[\"ssn\"]}\n\
{\"id\":\"b\",\"company\":\"c\",\"type\":\"ddos\",\"date\":\"2019\",\"impact\":2}\n";
    let _ = data.read_bytes(records, "fuzz", Format::Jsonl);
    let resolved = data.resolve_unmerged(&rules);
    let report = rate(&resolved, chrono::NaiveDate::from_ymd_opt(2021, 1, 1).unwrap_or_default());
    for r in &report.ratings {
        assert!(r.score_exact.is_finite(), "accepted rules never give a nonsense score");
    }
    let shown = rules.to_toml();
    assert!(Rules::from_toml(&shown, "shown").is_ok(), "shown rules load again:\n{shown}");
});

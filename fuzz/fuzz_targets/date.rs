//! The date parser: never panics, and what it accepts prints back at its precision.
#![no_main]

use libfuzzer_sys::fuzz_target;
use riskrate::unstable::PartialDate;

fuzz_target!(|input: &[u8]| {
    let Ok(s) = std::str::from_utf8(input) else { return };
    if let Some(d) = PartialDate::parse(s) {
        let again = PartialDate::parse(&d.to_string());
        assert_eq!(again, Some(d), "{s:?} -> {d}");
    }
});

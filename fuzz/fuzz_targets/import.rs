//! Every importer on arbitrary bytes; the first byte picks the source and encoding.
#![no_main]

use libfuzzer_sys::fuzz_target;
use riskrate::unstable::import::{Encoding, Mapping, Source, read_bytes};
use riskrate::unstable::{Dataset, Limits, Rules, rate};

const MAPPING: &str = r#"
id_prefix = "f"
[columns]
id = "id"
company = "org"
date = "when"
type = "kind"
records = "n"
[date]
format = "%d.%m.%Y"
[values.type]
H = "attack"
"#;

fuzz_target!(|input: &[u8]| {
    let Some((&pick, bytes)) = input.split_first() else { return };
    let source = match pick % 6 {
        0 => Source::Veris,
        1 => Source::Hhs,
        2 => Source::Hibp,
        3 => Source::Wikipedia,
        4 => Source::Rankiteo,
        _ => match Mapping::from_toml(MAPPING, "fuzz") {
            Ok(m) => Source::Csv(Box::new(m)),
            Err(_) => return,
        },
    };
    let encoding = [Encoding::Utf8, Encoding::Windows1252, Encoding::MacRoman][usize::from(pick / 6 % 3)];
    // Small record limits too, so that over-limit records are read past.
    let mut data = Dataset::with_limits(Limits {
        max_record_bytes: [1 << 20, 40, 200][usize::from(pick / 18 % 3)],
        max_depth: [64, 2][usize::from(pick / 54 % 2)],
    });
    let Ok(n) = read_bytes(&mut data, &source, bytes, "fuzz", encoding) else { return };
    assert_eq!(n, data.read_count(), "every source record becomes an incident or a rejection");
    let Ok(rules) = Rules::default_rules() else { return };
    let resolved = data.resolve_unmerged(&rules);
    let report = rate(&resolved, chrono::NaiveDate::from_ymd_opt(2021, 1, 1).unwrap_or_default());
    assert_eq!(report.summary.read, n);
});

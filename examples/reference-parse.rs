//! The yardstick of the performance issue, as its text describes it: read a JSON
//! Lines file whole, then deserialise each line with serde_json into a borrowed,
//! typed struct, on one thread. It rates nothing.
//!
//! The issue quotes 0.62 s for 1M incidents (0.45 s of it parsing) on the machine
//! as it ran then; `scripts/bench-scale.sh` runs this beside `riskrate score`, turn
//! about, so that the two can be compared on the machine as it runs now (its speed
//! moves by a third from hour to hour).
//!
//! ```text
//! cargo run --release --example reference-parse -- target/bench-scale/gen-1000000.jsonl
//! ```

use std::io::Read;

/// The fields of SCORING.md §1, borrowed from the line (an escaped string fails
/// the line, as a borrowed `&str` must; the generated files hold none).
#[derive(serde::Deserialize)]
#[allow(dead_code)] // read to be parsed, not used
struct Record<'a> {
    id: &'a str,
    company: &'a str,
    company_name: Option<&'a str>,
    industry: Option<&'a str>,
    country: Option<&'a str>,
    #[serde(rename = "type")]
    kind: &'a str,
    date: &'a str,
    disclosed: Option<&'a str>,
    severity: Option<f64>,
    impact: Option<i64>,
    records: Option<u64>,
    status: Option<&'a str>,
    third_party: Option<bool>,
    vulnerable_subjects: Option<bool>,
    #[serde(borrow)]
    data_types: Option<Vec<&'a str>>,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .ok_or("usage: reference-parse FILE.jsonl")?;
    let start = std::time::Instant::now();
    let mut bytes = Vec::new();
    std::fs::File::open(&path)?.read_to_end(&mut bytes)?;
    let read = start.elapsed();
    let (mut parsed, mut failed, mut check) = (0u64, 0u64, 0usize);
    for line in bytes.split(|&b| b == b'\n') {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match serde_json::from_slice::<Record<'_>>(line) {
            Ok(r) => {
                parsed += 1;
                // Something of each record is used, so none of it is optimised away.
                check = check.wrapping_add(r.id.len());
            }
            Err(_) => failed += 1,
        }
    }
    eprintln!(
        "reference-parse: {parsed} parsed, {failed} failed (check {check}); read {:.3} s, parse {:.3} s",
        read.as_secs_f64(),
        (start.elapsed() - read).as_secs_f64()
    );
    Ok(())
}

#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
// The library never panics on input: `unwrap`, `expect` and `panic!` are denied by
// the crate's lints (Cargo.toml); the few indexing invariants are proven where used.

pub mod backtest;
pub mod compare;
pub mod dataset;
pub mod engine;
pub mod error;
pub mod explain;
pub mod history;
pub mod import;
pub mod io;
pub mod model;
pub mod rate;
pub mod resolve;
pub mod rules;
pub mod score;
pub mod synth;
pub mod text;

/// The hash map of the hot paths: foldhash instead of SipHash (no untrusted-key DoS
/// concern here that SipHash would answer, and several times faster on short keys).
/// Never iterated for output without sorting first, so its order does not matter.
pub(crate) type FastMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

pub use chrono::NaiveDate;
pub use dataset::Dataset;
pub use error::{Error, Location};
pub use io::read::{Format, Limits};
pub use io::write::{
    Contributors, ExplainFormat, OutputFormat, WhatIf, write_explain, write_report,
    write_table_colored,
};
pub use model::{Incident, Names, PartialDate, Precision, Record, Rejection, Status, Value};
pub use rate::{
    Assessed, Counts, GradeChange, Interval, Rating, Report, Standing, Summary, rate, rate_focused,
    rate_for_writing, rate_keeping,
};
pub use resolve::{Resolution, Resolved};
pub use rules::{Rules, RulesError};

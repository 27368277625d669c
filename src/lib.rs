#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
// The library never panics on input: `unwrap`, `expect` and `panic!` are denied by
// the crate's lints (Cargo.toml); the few indexing invariants are proven where used.

// The pipeline's modules are the crate's own: an embedder sees the facade below.
// riskrate's CLI, benches, fuzz targets and tests reach them through `unstable`.
mod backtest;
mod compare;
mod dataset;
mod engine;
mod error;
mod history;
mod import;
mod io;
mod model;
mod rate;
mod resolve;
mod rules;
mod score;
mod synth;
mod text;

/// The hash map of the hot paths: foldhash instead of SipHash (no untrusted-key DoS
/// concern here that SipHash would answer, and several times faster on short keys).
/// Never iterated for output without sorting first, so its order does not matter.
pub(crate) type FastMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

pub use chrono::NaiveDate;
pub use engine::{Contributor, Engine, RateOptions, Rating, Report};
pub use error::{Error, Problem, RulesError};
pub use io::read::{Format, Limits};
pub use model::{Record, Rejection, Value};
pub use rules::Rules;

/// The parts of a [`Report`] and a [`Rating`]: the totals, counts, interval,
/// factors, grade change and rules identity, as the CLI's JSON writes them.
pub mod report {
    pub use crate::engine::{GradeChange, RulesMeta};
    pub use crate::rate::{Counts, Interval, Summary};
    pub use crate::score::Factors;
}

/// Ratings over time and against outcomes: a company's history
/// ([`Engine::history`]) and the back-test of the rules ([`Engine::backtest`]).
pub mod analysis {
    pub use crate::backtest::{Auc, Backtest, BacktestParams, GradeOutcome, Outcome};
    pub use crate::history::{MAX_POINTS, Point, dates};
}

/// riskrate's internals, for its own command line, benches, fuzz targets and
/// tests: no stability promise, and not part of the documented API.
#[doc(hidden)]
pub mod unstable {
    #![allow(missing_docs)]
    pub use crate::dataset::Dataset;
    pub use crate::error::Error;
    pub use crate::io::read::{Format, Limits};
    pub use crate::io::write::{
        Contributors, ExplainFormat, OutputFormat, WhatIf, write_explain, write_report,
        write_table_colored,
    };
    pub use crate::model::{
        Incident, Names, PartialDate, Precision, Record, Rejection, Status, Value,
    };
    pub use crate::rate::{
        Assessed, Counts, GradeChange, Interval, Rating, Report, Standing, Summary, rate,
        rate_focused, rate_for_writing, rate_keeping,
    };
    pub use crate::resolve::{Resolution, Resolved};
    pub use crate::rules::{Rules, RulesError};
    pub use chrono::NaiveDate;

    pub mod backtest {
        pub use crate::backtest::*;
    }
    pub mod compare {
        pub use crate::compare::*;
    }
    pub mod dataset {
        pub use crate::dataset::*;
    }
    pub mod explain {
        pub use crate::rate::explain::*;
    }
    pub mod history {
        pub use crate::history::*;
    }
    pub mod import {
        pub use crate::import::*;
    }
    pub mod io {
        pub use crate::io::*;
    }
    pub mod model {
        pub use crate::model::*;
    }
    pub mod rate {
        pub use crate::rate::*;
    }
    pub mod resolve {
        pub use crate::resolve::*;
    }
    pub mod rules {
        pub use crate::rules::*;
    }
    pub mod score {
        pub use crate::score::*;
    }
    pub mod synth {
        pub use crate::synth::*;
    }
    pub mod text {
        pub use crate::text::*;
    }
}

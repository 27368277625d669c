#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
// The library never panics on input: `unwrap`, `expect` and `panic!` are denied by
// the crate's lints (Cargo.toml); the few indexing invariants are proven where used.

// The pipeline, in order: records are read (`ingest`) and checked (`model`) into
// a dataset (`dataset`, its texts in `text`), resolved under a set of rules
// (`rules`, `resolve`), rated (`rate`, with each rating's explanation), looked at
// over time and against outcomes (`analysis`) and written (`render`). `import`
// turns other feeds into records; `engine` holds it all for an embedder. A
// module uses only the ones before it (scripts/module-graph.py checks).
// riskrate's CLI, benches, fuzz targets and tests reach the internals through
// `unstable`. (`file` and `escape` are leaves every stage may use.)
mod aliases;
pub mod analysis;
mod check;
mod dataset;
mod engine;
mod error;
mod escape;
mod file;
mod import;
mod ingest;
mod merge;
mod model;
mod rate;
mod render;
mod resolve;
mod rules;
mod synth;
mod text;

/// The hash map of the hot paths: foldhash instead of SipHash (no untrusted-key DoS
/// concern here that SipHash would answer, and several times faster on short keys).
/// Never iterated for output without sorting first, so its order does not matter.
pub(crate) type FastMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

pub use aliases::Aliases;
pub use chrono::NaiveDate;
pub use engine::{Engine, RateOptions};
pub use error::{Error, Problem, RulesError};
pub use ingest::read::{Format, Limits};
pub use model::{Record, Rejection, Value};
pub use rate::owned::{Contributor, Explanation, Rating, Report};
pub use rules::{Rules, Setting};

/// The parts of a [`Report`], a [`Rating`] and an [`Explanation`]: the totals,
/// counts, interval, factors, grade change, incident assessments and rules
/// identity, as the CLI's JSON writes them.
pub mod report {
    pub use crate::rate::owned::{Assessment, GradeChange};
    pub use crate::rate::score::Factors;
    pub use crate::rate::{Counts, Interval, Standing, Summary};
    pub use crate::rules::RulesMeta;
}

/// riskrate's internals, for its own command line, benches, fuzz targets and
/// tests: no stability promise, and not part of the documented API.
#[doc(hidden)]
pub mod unstable {
    #![allow(missing_docs)]
    pub use crate::dataset::Dataset;
    pub use crate::error::Error;
    pub use crate::ingest::read::{Format, Limits};
    pub use crate::model::{
        Incident, Names, PartialDate, Precision, Record, Rejection, Status, Value,
    };
    pub use crate::rate::{
        Assessed, Counts, GradeChange, Interval, Rating, Report, Standing, Summary, rate,
        rate_focused, rate_for_writing, rate_keeping,
    };
    pub use crate::render::write::{
        Contributors, ExplainFormat, OutputFormat, TableStyle, WhatIf, write_explain, write_report,
        write_table_styled,
    };
    pub use crate::resolve::{Resolution, Resolved};
    pub use crate::rules::{Rules, RulesError};
    pub use chrono::NaiveDate;

    pub mod analysis {
        pub mod backtest {
            pub use crate::analysis::backtest::*;
        }
        pub mod compare {
            pub use crate::analysis::compare::*;
        }
        pub mod history {
            pub use crate::analysis::history::*;
        }
    }
    pub mod dataset {
        pub use crate::dataset::*;
    }
    pub mod escape {
        pub use crate::escape::*;
    }
    pub mod import {
        pub use crate::import::*;
    }
    pub mod ingest {
        pub use crate::ingest::*;
    }
    pub mod model {
        pub use crate::model::*;
    }
    pub mod rate {
        pub use crate::rate::*;
    }
    pub mod render {
        pub use crate::render::*;
    }
    pub mod resolve {
        pub use crate::resolve::*;
    }
    pub mod rules {
        pub use crate::rules::*;
    }
    pub mod synth {
        pub use crate::synth::*;
    }
    pub mod text {
        pub use crate::text::*;
    }
}

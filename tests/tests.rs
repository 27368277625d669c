//! The integration suite: one binary (ripgrep's layout), a module per concern.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod util;

mod cases;
mod cli;
mod engine;
mod hostile;
mod import;
mod merge;
mod output;
mod properties;
mod rejections;
mod rules;

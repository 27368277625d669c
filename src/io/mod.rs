//! Reading incident files and writing reports; the only modules that touch bytes.

pub mod backtest;
pub mod diff;
pub(crate) mod direct;
pub mod escape;
pub(crate) mod fast;
pub(crate) mod file;
pub mod html;
pub mod read;
pub(crate) mod split;
pub mod write;

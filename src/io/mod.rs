//! Reading incident files and writing reports; the only modules that touch bytes.

pub mod backtest;
pub mod diff;
pub mod escape;
mod fast;
pub mod html;
pub mod read;
pub mod write;

//! Writing what was rated: reports, explanations, comparisons and back-tests in
//! every output format. Renderers take settings (a format, a
//! [`write::TableStyle`] of marks around cells); which flag sets them, and what a
//! terminal's colour codes are, is the CLI's business.

pub mod backtest;
pub mod chart;
pub mod diff;
pub mod html;
pub mod write;

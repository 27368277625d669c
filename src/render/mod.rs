//! Writing what was rated: reports, explanations, comparisons and back-tests in
//! every output format. Renderers take settings (a format, colour on or off);
//! which flag sets them is the CLI's business.

pub mod backtest;
pub mod chart;
pub mod diff;
pub mod html;
pub mod write;

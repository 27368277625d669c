//! Ratings over time and against outcomes: a company's history
//! ([`crate::Engine::history`]), the back-test of the rules
//! ([`crate::Engine::backtest`]) and the comparison of two sets of rules
//! ([`crate::Engine::compare`]).

pub(crate) mod backtest;
pub(crate) mod compare;
pub(crate) mod history;

pub use backtest::{Auc, Backtest, BacktestParams, GradeOutcome, Outcome};
pub use compare::{Agreement, Diff, MoveDriver, Mover, Side};
pub use history::{MAX_POINTS, Point, dates};

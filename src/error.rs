//! Errors that stop a run: unreadable input, bad rules, a broken document.
//!
//! A bad *record* is never an error here: it becomes a [`crate::Rejection`] and the
//! run goes on. Only what makes the whole run meaningless (the rules cannot be used,
//! a file cannot be read, a JSON array is cut short) is an [`Error`].

use std::fmt;
use std::path::Path;

/// A failure that ends a run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file or stream could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file or stream (`-` for stdin).
        path: String,
        #[source]
        /// What went wrong.
        source: std::io::Error,
    },
    /// The rules file is not valid.
    #[error("{0}")]
    Rules(#[from] RulesError),
    /// A whole input document is unusable (for example a JSON array that never closes,
    /// or a CSV file whose header cannot be read). Single bad records are rejections.
    #[error("{file}:{line}:{col}: {message}")]
    Document {
        /// The document's name.
        file: String,
        /// 1-based line of the problem.
        line: u64,
        /// 1-based column of the problem.
        col: u64,
        /// What is wrong with the document.
        message: String,
    },
    /// A caller asked for something that cannot be done (an unknown format name, …).
    #[error("{0}")]
    Usage(String),
}

impl Error {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Error {
        Error::Io {
            path: path.display().to_string(),
            source,
        }
    }
}

/// A rules file that could not be used: every problem found, each with its place.
#[derive(Debug, Clone, PartialEq)]
pub struct RulesError {
    /// The file name (or `<default>`, `<string>`) the problems refer to.
    pub origin: String,
    /// Every problem, in file order.
    pub problems: Vec<Problem>,
}

impl fmt::Display for RulesError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.problems.len();
        write!(
            f,
            "invalid rules {}: {n} problem{}",
            self.origin,
            if n == 1 { "" } else { "s" }
        )?;
        for p in &self.problems {
            write!(f, "\n  {}:{}:{}: {}", self.origin, p.line, p.col, p.message)?;
        }
        Ok(())
    }
}

impl std::error::Error for RulesError {}

/// One thing wrong in a rules file, at a 1-based line and column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// 1-based line.
    pub line: usize,
    /// 1-based column (in characters).
    pub col: usize,
    /// What is wrong, and what would be right.
    pub message: String,
}

//! Company aliases: which key a company is rated under when its records name it
//! otherwise (`premera-blue-cross` and `premera`, or a rating record keyed by a
//! parent's name). An alias is matched against a record's company key and, when
//! that does not match, its company name; both compared case-insensitively with
//! runs of white space as one space. The key it maps to is used as given.
//!
//! A file is TOML (an `[aliases]` table of `"alias" = "key"`) or CSV (a header
//! `alias,company`, then one pair a row), told apart by its extension. An alias
//! given twice with different keys, a key that is itself an alias (a chain), an
//! empty text, or text with control or invisible characters is refused with its
//! place in the file.

use std::path::Path;

use crate::FastMap;
use crate::error::Error;

/// The largest aliases file read, in bytes.
const MAX_BYTES: u64 = 64 << 20;

/// Company aliases, each to the key the company is rated under.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Aliases {
    /// Folded alias (see [`fold`]) to its key.
    map: FastMap<String, String>,
}

/// One pair as read, with where it was read.
struct Entry {
    alias: String,
    key: String,
    line: u64,
    col: u64,
}

impl Aliases {
    /// No aliases: every company keeps its key.
    pub fn new() -> Aliases {
        Aliases::default()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// How many aliases there are.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Aliases from `(alias, key)` pairs, checked as a file's are (`origin`
    /// names them in errors; each pair's line is its place in the list, from 1).
    ///
    /// # Errors
    /// As [`Aliases::from_path`].
    pub fn from_pairs<'p>(
        pairs: impl IntoIterator<Item = (&'p str, &'p str)>,
        origin: &str,
    ) -> Result<Aliases, Error> {
        let entries = pairs
            .into_iter()
            .zip(1u64..)
            .map(|((alias, key), line)| Entry {
                alias: alias.to_string(),
                key: key.to_string(),
                line,
                col: 1,
            })
            .collect();
        Aliases::of(entries, origin)
    }

    /// Reads an aliases file: TOML (`.toml`) or CSV (`.csv`).
    ///
    /// # Errors
    /// The file cannot be read, is larger than 64 MiB, is neither TOML nor CSV,
    /// or holds a bad pair (see the module's docs): the error names the file,
    /// line and column.
    pub fn from_path(path: &Path) -> Result<Aliases, Error> {
        use std::io::Read;
        let origin = path.display().to_string();
        let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        let mut bytes = Vec::new();
        file.take(MAX_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| Error::io(path, e))?;
        if bytes.len() as u64 > MAX_BYTES {
            return Err(problem(&origin, 1, 1, "larger than 64 MiB".into()));
        }
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match ext.as_deref() {
            Some("toml") => {
                let text = std::str::from_utf8(&bytes)
                    .map_err(|e| problem(&origin, 1, 1, format!("not UTF-8: {e}")))?;
                Aliases::from_toml(text, &origin)
            }
            Some("csv") => Aliases::from_csv(&bytes, &origin),
            _ => Err(Error::Usage(format!(
                "{origin}: an aliases file is .toml or .csv"
            ))),
        }
    }

    /// Aliases from TOML text: an `[aliases]` table of `"alias" = "key"`.
    ///
    /// # Errors
    /// As [`Aliases::from_path`].
    pub fn from_toml(text: &str, origin: &str) -> Result<Aliases, Error> {
        use toml::de::{DeTable, DeValue};
        let at = |offset: usize| place(text, offset);
        let doc = DeTable::parse(text).map_err(|e| {
            let (line, col) = at(e.span().map_or(0, |s| s.start));
            problem(origin, line, col, e.message().to_string())
        })?;
        let mut entries = Vec::new();
        for (name, value) in doc.get_ref() {
            let (line, col) = at(name.span().start);
            let DeValue::Table(table) = value.get_ref() else {
                return Err(problem(
                    origin,
                    line,
                    col,
                    format!(
                        "`{}` is not a table: the file holds one [aliases] table",
                        name.get_ref()
                    ),
                ));
            };
            if name.get_ref() != "aliases" {
                return Err(problem(
                    origin,
                    line,
                    col,
                    format!(
                        "unknown table [{}]: the file holds one [aliases] table",
                        name.get_ref()
                    ),
                ));
            }
            for (alias, key) in table {
                let (line, col) = at(alias.span().start);
                let DeValue::String(k) = key.get_ref() else {
                    return Err(problem(
                        origin,
                        line,
                        col,
                        format!("the key of alias {:?} must be a string", alias.get_ref()),
                    ));
                };
                entries.push(Entry {
                    alias: alias.get_ref().to_string(),
                    key: k.to_string(),
                    line,
                    col,
                });
            }
        }
        Aliases::of(entries, origin)
    }

    /// Aliases from CSV: a header `alias,company`, then one pair a row.
    ///
    /// # Errors
    /// As [`Aliases::from_path`].
    pub fn from_csv(bytes: &[u8], origin: &str) -> Result<Aliases, Error> {
        let mut rdr = csv::ReaderBuilder::new().flexible(false).from_reader(bytes);
        let bad = |line: u64, message: String| problem(origin, line, 1, message);
        let header = rdr
            .headers()
            .map_err(|e| bad(1, format!("no header: {e}")))?
            .clone();
        let names: Vec<String> = header
            .iter()
            .map(|h| h.trim().to_ascii_lowercase())
            .collect();
        if names != ["alias", "company"] {
            return Err(bad(1, "the header must be `alias,company`".into()));
        }
        let mut entries = Vec::new();
        for row in rdr.records() {
            let row = row.map_err(|e| {
                let line = e.position().map_or(0, csv::Position::line);
                bad(line, e.to_string())
            })?;
            let line = row.position().map_or(0, csv::Position::line);
            entries.push(Entry {
                alias: row.get(0).unwrap_or_default().to_string(),
                key: row.get(1).unwrap_or_default().to_string(),
                line,
                col: 1,
            });
        }
        Aliases::of(entries, origin)
    }

    fn of(entries: Vec<Entry>, origin: &str) -> Result<Aliases, Error> {
        let mut map: FastMap<String, String> = FastMap::default();
        let mut first_line: FastMap<String, u64> = FastMap::default();
        for e in &entries {
            let (alias, key) = (e.alias.trim(), e.key.trim());
            for (what, text) in [("alias", alias), ("key", key)] {
                if text.is_empty() {
                    return Err(problem(origin, e.line, e.col, format!("an empty {what}")));
                }
                if text.chars().any(crate::escape::is_unsafe_for_terminal) {
                    return Err(problem(
                        origin,
                        e.line,
                        e.col,
                        format!("the {what} {text:?} holds a control or invisible character"),
                    ));
                }
            }
            let folded = fold(alias);
            match map.get(&folded) {
                Some(known) if known != key => {
                    return Err(problem(
                        origin,
                        e.line,
                        e.col,
                        format!(
                            "alias {alias:?} is given twice, to {known:?} (line {}) and to {key:?}",
                            first_line.get(&folded).copied().unwrap_or(0)
                        ),
                    ));
                }
                _ => {
                    map.insert(folded.clone(), key.to_string());
                    first_line.entry(folded).or_insert(e.line);
                }
            }
        }
        // A key that is itself an alias would rate its company under a third key
        // depending on which pair is applied first: refused.
        for e in &entries {
            let key = e.key.trim();
            if let Some(next) = map.get(&fold(key))
                && next != key
            {
                return Err(problem(
                    origin,
                    e.line,
                    e.col,
                    format!("key {key:?} is itself an alias (of {next:?}): give the last key"),
                ));
            }
        }
        Ok(Aliases { map })
    }

    /// The key a record whose company key is `key` and whose name is `name` is
    /// rated under, when an alias names it (its key first, then its name).
    pub(crate) fn canonical(&self, key: &str, name: Option<&str>) -> Option<&str> {
        if self.map.is_empty() {
            return None;
        }
        self.map
            .get(&fold(key))
            .or_else(|| name.and_then(|n| self.map.get(&fold(n))))
            .map(String::as_str)
    }
}

/// `s` compared as aliases are: lower case, trimmed, white space runs as one space.
fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(word.chars().flat_map(char::to_lowercase));
    }
    out
}

/// The 1-based line and column of byte `offset` of `text`.
fn place(text: &str, offset: usize) -> (u64, u64) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() as u64 + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) as u64 + 1;
    (line, col)
}

fn problem(origin: &str, line: u64, col: u64, message: String) -> Error {
    Error::Document {
        file: origin.to_string(),
        line,
        col,
        message,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_key_or_a_name_maps_to_its_key() {
        let a = Aliases::from_toml(
            "[aliases]\n\"premera-blue-cross\" = \"premera\"\n\"Digital  Mental Health Consortium\" = \"vastaamo\"\n",
            "a.toml",
        )
        .unwrap();
        assert_eq!(a.canonical("premera-blue-cross", None), Some("premera"));
        assert_eq!(a.canonical("PREMERA-Blue-Cross", None), Some("premera"));
        assert_eq!(
            a.canonical("dmhc", Some("digital mental health consortium")),
            Some("vastaamo")
        );
        assert_eq!(a.canonical("premera", Some("Premera")), None);
        let c = Aliases::from_csv(
            b"alias,company\npremera-blue-cross,premera\n\"Digital Mental Health Consortium\",vastaamo\n",
            "a.csv",
        )
        .unwrap();
        assert_eq!(c, a);
    }

    #[test]
    fn every_bad_pair_is_refused_with_its_place() {
        for (text, says) in [
            (
                "[aliases]\na = \"b\"\nA = \"c\"\n",
                "a.toml:3:1: alias \"A\" is given twice",
            ),
            (
                "[aliases]\na = \"b\"\nb = \"c\"\n",
                "a.toml:2:1: key \"b\" is itself an alias",
            ),
            ("[aliases]\na = \"\"\n", "a.toml:2:1: an empty key"),
            (
                "[aliases]\na = 3\n",
                "a.toml:2:1: the key of alias \"a\" must be a string",
            ),
            ("[alias]\na = \"b\"\n", "a.toml:1:2: unknown table [alias]"),
            ("a = \"b\"\n", "a.toml:1:1: `a` is not a table"),
            ("[aliases]\na = \"b\u{202e}\"\n", "invisible character"),
            ("[aliases\n", "a.toml:1:"),
        ] {
            let err = Aliases::from_toml(text, "a.toml").unwrap_err().to_string();
            assert!(err.contains(says), "{text:?}: {err}");
        }
        for (text, says) in [
            (
                "name,key\na,b\n",
                "a.csv:1:1: the header must be `alias,company`",
            ),
            ("alias,company\na,b\nc\n", "a.csv:3:1:"),
            (
                "alias,company\na,b\nb,c\n",
                "a.csv:2:1: key \"b\" is itself an alias",
            ),
        ] {
            let err = Aliases::from_csv(text.as_bytes(), "a.csv")
                .unwrap_err()
                .to_string();
            assert!(err.contains(says), "{text:?}: {err}");
        }
        // The same pair twice is no conflict.
        assert_eq!(
            Aliases::from_pairs([("a", "b"), ("A", "b")], "x")
                .unwrap()
                .len(),
            1
        );
    }
}

//! Rules changed in code: any value a rules file holds, set by its dotted path and
//! validated exactly as a rules file is, so an edited set of rules is as sound as
//! one read from disk.

use super::{Rules, load};
use crate::error::{Problem, RulesError};

/// A value to set in the rules: a number, an integer, a text, a flag, or a list.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Setting {
    /// A number (`base`, `multiplier`, `level`, …).
    Number(f64),
    /// An integer (`cutoff_days`, `min_score`, `window_days`, `default` impact).
    Integer(i64),
    /// A text (`name`, `version`, `label`, `grade`).
    Text(String),
    /// A flag (`recurring`).
    Flag(bool),
    /// A list of numbers (`impact.multipliers`).
    Numbers(Vec<f64>),
    /// A list of texts (`aliases`).
    Texts(Vec<String>),
}

impl From<f64> for Setting {
    fn from(x: f64) -> Setting {
        Setting::Number(x)
    }
}
impl From<i64> for Setting {
    fn from(x: i64) -> Setting {
        Setting::Integer(x)
    }
}
impl From<i32> for Setting {
    fn from(x: i32) -> Setting {
        Setting::Integer(i64::from(x))
    }
}
impl From<bool> for Setting {
    fn from(x: bool) -> Setting {
        Setting::Flag(x)
    }
}
impl From<&str> for Setting {
    fn from(x: &str) -> Setting {
        Setting::Text(x.to_string())
    }
}
impl From<String> for Setting {
    fn from(x: String) -> Setting {
        Setting::Text(x)
    }
}
impl From<Vec<f64>> for Setting {
    fn from(x: Vec<f64>) -> Setting {
        Setting::Numbers(x)
    }
}
impl From<&[&str]> for Setting {
    fn from(x: &[&str]) -> Setting {
        Setting::Texts(x.iter().map(|s| (*s).to_string()).collect())
    }
}
impl From<Vec<String>> for Setting {
    fn from(x: Vec<String>) -> Setting {
        Setting::Texts(x)
    }
}

impl Setting {
    fn into_toml(self) -> toml::Value {
        use toml::Value;
        match self {
            Setting::Number(x) => Value::Float(x),
            Setting::Integer(x) => Value::Integer(x),
            Setting::Text(x) => Value::String(x),
            Setting::Flag(x) => Value::Boolean(x),
            Setting::Numbers(xs) => Value::Array(xs.into_iter().map(Value::Float).collect()),
            Setting::Texts(xs) => Value::Array(xs.into_iter().map(Value::String).collect()),
        }
    }
}

impl Rules {
    /// These rules with one value changed: `path` names it as the rules file does,
    /// tables and keys joined by dots and list entries by their index from 0
    /// (`types.breach.base`, `data_classes.passwords.multiplier`,
    /// `grades.0.min_score`, `impact.multipliers`, `version`). A table named that
    /// does not exist yet is made, so a new type is a few settings away.
    ///
    /// ```
    /// use riskrate::Rules;
    /// let rules = Rules::default_rules()?;
    /// let heavier = rules.set("types.ransomware.base", 90.0)?;
    /// assert!(rules.set("interval.level", 1.5).is_err()); // validated as a file is
    /// assert_ne!(heavier.sha256(), rules.sha256());
    /// # Ok::<(), riskrate::RulesError>(())
    /// ```
    ///
    /// # Errors
    /// A [`RulesError`] naming every problem, when the path cannot be followed or
    /// the rules it gives are not valid.
    pub fn set(&self, path: &str, value: impl Into<Setting>) -> Result<Rules, RulesError> {
        self.edit([(path, value.into())])
    }

    /// These rules with every change of `changes` made, then validated once (so
    /// that a new type's keys can be given together).
    ///
    /// The edited rules' [`Rules::sha256`] is the digest of their text as
    /// [`Rules::to_toml`] writes it, and their origin in errors is
    /// `<NAME edited in code>`.
    ///
    /// # Errors
    /// As [`Rules::set`].
    pub fn edit<'p>(
        &self,
        changes: impl IntoIterator<Item = (&'p str, Setting)>,
    ) -> Result<Rules, RulesError> {
        let origin = format!("<{} edited in code>", self.name());
        let fail = |message: String| RulesError {
            origin: origin.clone(),
            problems: vec![Problem {
                line: 1,
                col: 1,
                message,
            }],
        };
        let mut doc: toml::Table = toml::from_str(&load::to_toml(self))
            .map_err(|e| fail(format!("the rules could not be written out: {e}")))?;
        for (path, value) in changes {
            set_at(&mut doc, path, value.into_toml())
                .map_err(|m| fail(format!("`{path}`: {m}")))?;
        }
        let text = toml::to_string(&doc)
            .map_err(|e| fail(format!("the edited rules could not be written: {e}")))?;
        Rules::from_toml(&text, &origin)
    }
}

/// Sets `value` at the dotted `path` of `doc`, making the tables on the way.
fn set_at(doc: &mut toml::Table, path: &str, value: toml::Value) -> Result<(), String> {
    let parts: Vec<&str> = path.split('.').collect();
    let Some((last, ways)) = parts.split_last() else {
        return Err("an empty path".into());
    };
    if parts.iter().any(|p| p.trim().is_empty()) {
        return Err("a path of keys joined by dots, none of them empty".into());
    }
    let mut at = Slot::Table(doc);
    for way in ways {
        at = at.step(way)?;
    }
    at.put(last, value)
}

/// Where a path has got to: a table, or a list.
enum Slot<'d> {
    Table(&'d mut toml::Table),
    List(&'d mut Vec<toml::Value>),
}

impl<'d> Slot<'d> {
    fn step(self, key: &str) -> Result<Slot<'d>, String> {
        let next = match self {
            Slot::Table(t) => t
                .entry(key.to_string())
                .or_insert_with(|| toml::Value::Table(toml::Table::new())),
            Slot::List(l) => {
                let n = l.len();
                index(key, n)
                    .and_then(|i| l.get_mut(i))
                    .ok_or_else(|| format!("`{key}` is not an index of a list of {n} entries"))?
            }
        };
        match next {
            toml::Value::Table(t) => Ok(Slot::Table(t)),
            toml::Value::Array(l) => Ok(Slot::List(l)),
            _ => Err(format!("`{key}` holds a value, not a table or a list")),
        }
    }

    fn put(self, key: &str, value: toml::Value) -> Result<(), String> {
        match self {
            Slot::Table(t) => {
                t.insert(key.to_string(), value);
                Ok(())
            }
            Slot::List(l) => {
                let n = l.len();
                let slot = index(key, n)
                    .and_then(|i| l.get_mut(i))
                    .ok_or_else(|| format!("`{key}` is not an index of a list of {n} entries"))?;
                *slot = value;
                Ok(())
            }
        }
    }
}

fn index(key: &str, len: usize) -> Option<usize> {
    key.parse::<usize>().ok().filter(|i| *i < len)
}

//! Any CSV, through a mapping file (TOML) that says which column holds what.
//!
//! ```toml
//! name = "acme-incident-log"
//! id_prefix = "acme"                # ids are PREFIX:<id column> (or PREFIX:line<N>)
//!
//! [columns]                         # canonical field = column header
//! id = "Case"
//! company = "Organisation"          # its company key is normalised (see company_key)
//! date = "Reported"
//! type = "Kind"
//! records = "People affected"       # counts in words read as documented lower bounds
//!
//! [date]
//! format = "%d.%m.%Y"               # chrono format of date columns (default: canonical forms)
//!
//! [values.type]                     # value maps, per field, matched case-insensitively
//! HACK = "attack"
//! RANSOM = "ransomware"
//!
//! [fixed]                           # the same value for every row
//! data_types = "health"
//! ```

use crate::model::DateExt;
use std::collections::BTreeMap;

use serde::Deserialize;

use super::{
    Imported, Reject, company_key, convert_rows, count_in_words, csv_rows, document_error, text,
};
use crate::error::Error;
use crate::model::Record;

/// A mapping from a CSV's columns to canonical fields.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    /// The mapping's name, for messages.
    #[serde(default)]
    pub name: String,
    /// Prefix of generated ids.
    #[serde(default = "default_prefix")]
    pub id_prefix: String,
    /// Canonical field → column header.
    pub columns: BTreeMap<String, String>,
    /// Date columns' format.
    #[serde(default)]
    pub date: DateFormat,
    /// Canonical field → (source value → canonical value).
    #[serde(default)]
    pub values: BTreeMap<String, BTreeMap<String, String>>,
    /// Canonical field → a value for every row.
    #[serde(default)]
    pub fixed: BTreeMap<String, String>,
    /// Turn the company column into a normalised key (default true).
    #[serde(default = "yes")]
    pub normalize_company: bool,
}

/// How date columns are written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DateFormat {
    /// A chrono format such as `%m/%d/%Y`; unset: the canonical forms.
    pub format: Option<String>,
}

fn default_prefix() -> String {
    "csv".into()
}
fn yes() -> bool {
    true
}

const FIELDS: &[&str] = &[
    "id",
    "company",
    "company_name",
    "industry",
    "country",
    "type",
    "date",
    "disclosed",
    "severity",
    "impact",
    "data_types",
    "records",
    "status",
    "third_party",
    "vulnerable_subjects",
];

impl Mapping {
    /// Reads and checks a mapping file's text.
    ///
    /// # Errors
    /// [`Error::Usage`] naming the problem (unknown keys or fields, missing company
    /// or date).
    pub fn from_toml(text: &str, origin: &str) -> Result<Mapping, Error> {
        let m: Mapping =
            toml::from_str(text).map_err(|e| Error::Usage(format!("mapping {origin}: {e}")))?;
        for field in m
            .columns
            .keys()
            .chain(m.fixed.keys())
            .chain(m.values.keys())
        {
            if !FIELDS.contains(&field.as_str()) {
                return Err(Error::Usage(format!(
                    "mapping {origin}: `{field}` is not a canonical field ({})",
                    FIELDS.join(", ")
                )));
            }
        }
        for needed in ["company", "date"] {
            if !m.columns.contains_key(needed) && !m.fixed.contains_key(needed) {
                return Err(Error::Usage(format!(
                    "mapping {origin}: no column for `{needed}`"
                )));
            }
        }
        if !m.columns.contains_key("type") && !m.fixed.contains_key("type") {
            return Err(Error::Usage(format!(
                "mapping {origin}: no column or fixed value for `type`"
            )));
        }
        Ok(m)
    }

    pub(super) fn convert(&self, input: &str, name: &str) -> Result<Vec<Imported>, Error> {
        let (headers, rows) = csv_rows(input, name)?;
        let mut cols: BTreeMap<&str, usize> = BTreeMap::new();
        for (field, header) in &self.columns {
            let i = headers
                .iter()
                .position(|h| h.trim() == header.trim())
                .ok_or_else(|| {
                    document_error(
                        name,
                        format!(
                            "the mapping's column `{header}` (for {field}) is not in the header"
                        ),
                    )
                })?;
            cols.insert(field.as_str(), i);
        }
        Ok(convert_rows(rows, |line, row| {
            let value = |field: &str| -> Option<String> {
                let raw = cols
                    .get(field)
                    .and_then(|&i| row.get(i))
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .or_else(|| self.fixed.get(field).cloned())?;
                Some(
                    self.values
                        .get(field)
                        .and_then(|m| {
                            m.iter()
                                .find(|(k, _)| k.eq_ignore_ascii_case(&raw))
                                .map(|(_, v)| v.clone())
                        })
                        .unwrap_or(raw),
                )
            };
            let id = format!(
                "{}:{}",
                self.id_prefix,
                value("id").unwrap_or_else(|| format!("line{line}"))
            );
            let who = value("company")
                .ok_or_else(|| Reject::new(Some(id.clone()), "company", "no company"))?;
            let date = self.date_of(&value("date").unwrap_or_default(), &id, "date")?;
            let kind =
                value("type").ok_or_else(|| Reject::new(Some(id.clone()), "type", "no type"))?;
            let key = if self.normalize_company {
                company_key(&who)
            } else {
                who.clone()
            };
            let mut r = Record::new(&id, &key, &kind, &date);
            r = r.with(
                "company_name",
                text(value("company_name").as_deref().unwrap_or(&who)),
            );
            if let Some(d) = value("disclosed") {
                r = r.with("disclosed", text(&self.date_of(&d, &id, "disclosed")?));
            }
            if let Some(n) = value("records").as_deref().and_then(count_in_words) {
                r = r.with("records", n);
            }
            for f in [
                "industry",
                "country",
                "severity",
                "impact",
                "status",
                "third_party",
                "vulnerable_subjects",
                "data_types",
            ] {
                if let Some(v) = value(f) {
                    r = r.with(f, text(&v));
                }
            }
            Ok(r)
        }))
    }

    fn date_of(&self, s: &str, id: &str, field: &str) -> Result<String, Reject> {
        match &self.date.format {
            None => Ok(s.to_string()),
            Some(f) => chrono::NaiveDate::parse_from_str(s, f)
                .map(|d| d.ymd().to_string())
                .map_err(|_| {
                    Reject::new(
                        Some(id.to_string()),
                        field,
                        format!("{s:?} does not match the date format {f:?}"),
                    )
                }),
        }
    }
}

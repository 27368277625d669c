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
    CsvDoc, Imported, Reject, company_key, convert_rows, count_in_words, document_error, text,
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

/// The largest mapping file read.
pub const MAX_MAPPING_BYTES: u64 = 4 << 20;

impl Mapping {
    /// Reads and checks a mapping file (at most [`MAX_MAPPING_BYTES`], read no
    /// further: a pipe or device is not read to its end).
    ///
    /// # Errors
    /// [`Error::Io`] when it cannot be read; as [`Mapping::from_toml`].
    pub fn from_path(path: &std::path::Path) -> Result<Mapping, Error> {
        let origin = path.display().to_string();
        let bytes = crate::file::read_capped(path, MAX_MAPPING_BYTES)?.ok_or_else(|| {
            Error::Usage(format!(
                "mapping {origin}: more than {MAX_MAPPING_BYTES} bytes; a mapping file is at most that"
            ))
        })?;
        let text = String::from_utf8(bytes)
            .map_err(|e| Error::Usage(format!("mapping {origin}: not UTF-8 ({e})")))?;
        Mapping::from_toml(&text, &origin)
    }

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

    pub(super) fn convert(&self, doc: CsvDoc, name: &str) -> Result<Vec<Imported>, Error> {
        let CsvDoc { headers, rows } = doc;
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
        // Value maps are looked up by their ASCII-lowercased source value; where two
        // differ only in case, the first in key order wins, as the mapping lists them.
        let mut lookup: BTreeMap<&str, std::collections::HashMap<String, &str>> = BTreeMap::new();
        for (field, map) in &self.values {
            let l = lookup.entry(field.as_str()).or_default();
            for (from, to) in map {
                l.entry(from.to_ascii_lowercase()).or_insert(to.as_str());
            }
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
                    lookup
                        .get(field)
                        .and_then(|m| m.get(&raw.to_ascii_lowercase()))
                        .map_or(raw, |v| (*v).to_string()),
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

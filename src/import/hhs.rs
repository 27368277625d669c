//! The US HHS OCR breach portal export (archive and current lists, one CSV each).
//!
//! Every row is a reported breach of unsecured protected health information
//! affecting 500 or more people, so every row is a `breach` with health data; the
//! portal's "type of breach" says how it happened and sets the severity.

use super::{CsvDoc, Imported, Reject, company_key, convert_rows, document_error, text};
use crate::error::Error;
use crate::model::DateExt;
use crate::model::Record;

/// Severity by the portal's "Type of Breach" (the highest when several are listed).
fn severity(kind: &str) -> Option<u8> {
    let mut best: Option<u8> = None;
    for part in kind.split(',') {
        let s = match part.trim().to_ascii_lowercase().as_str() {
            "hacking/it incident" => 80,
            "unauthorized access/disclosure" => 60,
            "theft" => 50,
            "loss" => 40,
            "improper disposal" => 40,
            "other" | "unknown" | "" => 50,
            _ => return None,
        };
        best = Some(best.map_or(s, |b: u8| b.max(s)));
    }
    best
}

fn industry(entity_type: &str) -> Option<&'static str> {
    match entity_type.trim() {
        "Healthcare Provider" => Some("healthcare provider"),
        "Health Plan" => Some("health plan"),
        "Business Associate" => Some("healthcare business associate"),
        "Healthcare Clearing House" => Some("healthcare clearing house"),
        _ => None,
    }
}

pub(super) fn convert(doc: CsvDoc, name: &str) -> Result<Vec<Imported>, Error> {
    let CsvDoc { headers, rows } = doc;
    let col = |h: &str| headers.iter().position(|x| x.trim() == h);
    let need = [
        "Name of Covered Entity",
        "Covered Entity Type",
        "Individuals Affected",
        "Breach Submission Date",
        "Type of Breach",
        "Business Associate Present",
    ];
    let mut idx = Vec::new();
    for h in need {
        idx.push(col(h).ok_or_else(|| {
            document_error(
                name,
                format!("not an HHS breach portal export: no column `{h}`"),
            )
        })?);
    }
    let state = col("State");
    Ok(convert_rows(rows, |_, row| {
        let get = |k: usize| idx.get(k).and_then(|&i| row.get(i)).unwrap_or("").trim();
        let entity = get(0);
        let date_text = get(3);
        let records = get(2);
        let id = format!("hhs:{}:{}:{}", company_key(entity), date_text, records);
        if entity.is_empty() {
            return Err(Reject::new(
                Some(id.clone()),
                "Name of Covered Entity",
                "no covered entity named",
            ));
        }
        let date = chrono::NaiveDate::parse_from_str(date_text, "%m/%d/%Y").map_err(|_| {
            Reject::new(
                Some(id.clone()),
                "Breach Submission Date",
                format!("{date_text:?} is not a MM/DD/YYYY date"),
            )
        })?;
        let kind = get(4);
        let sev = severity(kind).ok_or_else(|| {
            Reject::new(
                Some(id.clone()),
                "Type of Breach",
                format!("unknown type of breach {kind:?}"),
            )
        })?;
        let mut r = Record::new(&id, &company_key(entity), "breach", &date.ymd().to_string())
            .with("company_name", text(entity))
            .with("severity", i64::from(sev))
            .with("data_types", vec!["health"]);
        if let Some(ind) = industry(get(1)) {
            r = r.with("industry", ind);
        }
        if let Some(st) = state
            .and_then(|s| row.get(s))
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            r = r.with("country", text(&format!("US-{st}")));
        }
        if !records.is_empty() {
            let n: u64 = records.replace(',', "").parse().map_err(|_| {
                Reject::new(
                    Some(id.clone()),
                    "Individuals Affected",
                    format!("{records:?} is not a count"),
                )
            })?;
            r = r.with("records", n);
        }
        match get(5).to_ascii_lowercase().as_str() {
            "yes" => r = r.with("third_party", true),
            "no" | "" => {}
            other => {
                return Err(Reject::new(
                    Some(id.clone()),
                    "Business Associate Present",
                    format!("{other:?} is not Yes or No"),
                ));
            }
        }
        Ok(r)
    }))
}

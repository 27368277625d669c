//! Rankiteo's two record shapes: the rating record (already canonical but for
//! `linkid` and numbers as strings) and the incident detail (affected entities,
//! data in words, counts in words, dates as `YYYY-MM`).

use serde_json::Value as Json;

use super::{Imported, Reject, company_key, count_in_words, text};
use crate::model::Record;

/// Severity from the detail's "sensitivity_of_data".
fn sensitivity(s: &str) -> Option<i64> {
    match s.trim().to_ascii_lowercase().as_str() {
        "critical" | "very high" => Some(95),
        "high" => Some(80),
        "medium" | "moderate" => Some(50),
        "low" => Some(20),
        _ => None,
    }
}

/// Impact 1..=5 from the detail's "brand_reputation_impact".
fn impact(s: &str) -> Option<i64> {
    match s.trim().to_ascii_lowercase().as_str() {
        "catastrophic" | "critical" => Some(5),
        "severe" | "high" => Some(4),
        "moderate" | "medium" => Some(3),
        "low" | "minor" => Some(2),
        "negligible" | "none" => Some(1),
        _ => None,
    }
}

/// Data phrases of the detail, as data class names or aliases of the rules.
fn data_phrases(d: &Json) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(list) = d.get("type_of_data_compromised").and_then(Json::as_array) {
        out.extend(list.iter().filter_map(Json::as_str).map(str::to_string));
    }
    if let Some(pii) = d
        .get("personally_identifiable_information")
        .and_then(Json::as_str)
    {
        out.extend(
            pii.split([',', ';'])
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty()),
        );
    }
    // Free phrases become classes through a documented table; unknown ones are kept
    // out rather than guessed (docs/formats.md lists them).
    out.into_iter()
        .filter_map(|p| {
            let l = p.to_lowercase();
            let class = if l.contains("mental health")
                || l.contains("therapy")
                || l.contains("psychiatr")
            {
                "mental_health"
            } else if l.contains("medical") || l.contains("health") || l.contains("patient") {
                "health"
            } else if l.contains("social security")
                || l.contains("passport")
                || l.contains("national id")
                || l.contains("identity code")
            {
                "national_id"
            } else if l.contains("credit card") || l.contains("payment card") {
                "payment_card"
            } else if l.contains("bank") {
                "bank_account"
            } else if l.contains("password") || l.contains("credential") {
                "credentials"
            } else if l.contains("personal")
                || l.contains("name")
                || l.contains("email")
                || l.contains("address")
                || l.contains("phone")
            {
                "personal"
            } else {
                return None;
            };
            Some(class.to_string())
        })
        .collect()
}

fn detail(v: &Json, pos: u64) -> Result<Record<'static>, Reject> {
    let entity = v.get("affected_entities").and_then(|e| e.get(0));
    let who = entity
        .and_then(|e| e.get("name"))
        .and_then(Json::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| Reject::new(None, "affected_entities", "no affected entity named"))?;
    let date = v
        .get("date_detected")
        .or_else(|| v.get("date_publicly_disclosed"))
        .and_then(Json::as_str)
        .ok_or_else(|| Reject::new(None, "date_detected", "no date"))?;
    let key = company_key(who);
    let id = format!("rankiteo:{key}:{date}:{pos}");
    let kind = v.get("type").and_then(Json::as_str).unwrap_or("other");
    let mut classes = data_phrases(v.get("data_breach").unwrap_or(&Json::Null));
    classes.sort_unstable();
    classes.dedup();
    let mut r = Record::new(&id, &key, kind, date)
        .with("company_name", text(who))
        .with("data_types", classes);
    if let Some(d) = v.get("date_publicly_disclosed").and_then(Json::as_str) {
        r = r.with("disclosed", text(d));
    }
    if let Some(ind) = entity
        .and_then(|e| e.get("industry"))
        .and_then(Json::as_str)
    {
        r = r.with(
            "industry",
            text(&ind.split(',').next().unwrap_or("").trim().to_lowercase()),
        );
    }
    if let Some(loc) = entity
        .and_then(|e| e.get("location"))
        .and_then(Json::as_str)
    {
        r = r.with("country", text(loc));
    }
    let breach = v.get("data_breach");
    let count = breach
        .and_then(|b| b.get("number_of_records_exposed"))
        .or_else(|| entity.and_then(|e| e.get("customers_affected")))
        .and_then(Json::as_str);
    if let Some(n) = count.and_then(count_in_words) {
        r = r.with("records", n);
    }
    if let Some(s) = breach
        .and_then(|b| b.get("sensitivity_of_data"))
        .and_then(Json::as_str)
        .and_then(sensitivity)
    {
        r = r.with("severity", s);
    }
    if let Some(i) = v
        .get("impact")
        .and_then(|i| i.get("brand_reputation_impact"))
        .and_then(Json::as_str)
        .and_then(impact)
    {
        r = r.with("impact", i);
    }
    Ok(r)
}

fn one(v: &Json, pos: u64) -> Result<Record<'static>, Reject> {
    if v.get("affected_entities").is_some() {
        return detail(v, pos);
    }
    // The rating record is canonical already (linkid, numbers as strings, 10/2020).
    let s = serde_json::to_string(v).map_err(|e| Reject {
        id: None,
        field: None,
        message: e.to_string(),
    })?;
    serde_json::from_str::<Record<'_>>(&s)
        .map(Record::into_owned)
        .map_err(|e| Reject {
            id: None,
            field: None,
            message: format!("not a Rankiteo record: {e}"),
        })
}

pub(super) fn convert(items: Vec<super::JsonItem>) -> Vec<Imported> {
    items
        .into_iter()
        .map(|(pos, item)| (pos, item.and_then(|v| one(&v, pos))))
        .collect()
}

//! VERIS JSON (the VERIS Community Database): one incident per file.
//!
//! The type comes from the actions and attributes: ransomware when the malware
//! says so; a breach when confidentiality was lost (data disclosed, or potentially);
//! a DoS hack is ddos; other hacking, malware or social actions are an attack; the
//! rest (errors, misuse, physical loss without disclosure) is other.

use serde_json::Value as Json;

use super::{Reject, company_key, text};
use crate::model::Record;

/// A readable sector for a NAICS code, by its first two digits.
pub(crate) fn sector(naics: &str) -> Option<&'static str> {
    Some(match naics.get(..2)? {
        "11" => "agriculture",
        "21" => "mining",
        "22" => "utilities",
        "23" => "construction",
        "31" | "32" | "33" => "manufacturing",
        "42" => "wholesale trade",
        "44" | "45" => "retail",
        "48" | "49" => "transport",
        "51" => "information",
        "52" => "finance",
        "53" => "real estate",
        "54" => "professional services",
        "55" => "management of companies",
        "56" => "administrative services",
        "61" => "education",
        "62" => "healthcare",
        "71" => "arts and entertainment",
        "72" => "accommodation and food",
        "81" => "other services",
        "92" => "public administration",
        _ => return None,
    })
}

/// riskrate data class of a VERIS data variety (None: not a class riskrate weighs).
pub(crate) fn data_class(variety: &str) -> Option<&'static str> {
    Some(match variety {
        "Medical" => "health",
        "Sensitive Personal" => "national_id",
        "Payment" => "payment_card",
        "Bank" => "bank_account",
        "Virtual currency" => "virtual_currency",
        "Credentials" => "credentials",
        "Secrets" | "Classified" => "secrets",
        "Internal" | "Copyrighted" => "internal",
        "System" => "system",
        "Personal" => "personal",
        _ => return None,
    })
}

fn strings(v: Option<&Json>) -> Vec<&str> {
    v.and_then(Json::as_array)
        .map(|a| a.iter().filter_map(Json::as_str).collect())
        .unwrap_or_default()
}

fn kind(v: &Json) -> &'static str {
    let action = v.get("action");
    let malware = strings(
        action
            .and_then(|a| a.get("malware"))
            .and_then(|m| m.get("variety")),
    );
    if malware.iter().any(|m| m.eq_ignore_ascii_case("Ransomware")) {
        return "ransomware";
    }
    let disclosure = v
        .get("attribute")
        .and_then(|a| a.get("confidentiality"))
        .and_then(|c| c.get("data_disclosure"))
        .and_then(Json::as_str)
        .unwrap_or("");
    if matches!(disclosure, "Yes" | "Potentially") {
        return "breach";
    }
    let hacking = action.and_then(|a| a.get("hacking"));
    if strings(hacking.and_then(|h| h.get("variety")))
        .iter()
        .any(|h| h.starts_with("DoS"))
    {
        return "ddos";
    }
    if hacking.is_some()
        || action.and_then(|a| a.get("malware")).is_some()
        || action.and_then(|a| a.get("social")).is_some()
    {
        return "attack";
    }
    "other"
}

pub(super) fn convert(v: &Json) -> Result<Record<'static>, Reject> {
    if !v.is_object() {
        return Err(Reject {
            id: None,
            field: None,
            message: "not a VERIS JSON incident: not an object".into(),
        });
    }
    let id = v
        .get("plus")
        .and_then(|p| p.get("master_id"))
        .or_else(|| v.get("incident_id"))
        .and_then(Json::as_str)
        .map(|s| format!("veris:{s}"));
    (|| {
        match v.get("security_incident").and_then(Json::as_str) {
            Some("False positive") => {
                return Err(Reject::new(
                    id.clone(),
                    "security_incident",
                    "a false positive is not an incident",
                ));
            }
            Some("Near miss") => {
                return Err(Reject::new(
                    id.clone(),
                    "security_incident",
                    "a near miss is not an incident",
                ));
            }
            _ => {}
        }
        let id = id
            .clone()
            .ok_or_else(|| Reject::new(None, "incident_id", "no incident_id"))?;
        let victim = v.get("victim");
        // VCDB leaves some victims unnamed. The incident is real, so it is kept, as
        // a company of its own that no other record can share.
        let unnamed = format!("unnamed victim ({id})");
        let who = victim
            .and_then(|x| x.get("victim_id"))
            .and_then(Json::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .unwrap_or(&unnamed);
        let date = incident_date(v, &id)?;
        let mut r =
            Record::new(&id, &company_key(who), kind(v), &date).with("company_name", text(who));
        if let Some(sector) = victim
            .and_then(|x| x.get("industry"))
            .and_then(Json::as_str)
            .and_then(sector)
        {
            r = r.with("industry", sector);
        }
        if let Some(c) = strings(victim.and_then(|x| x.get("country"))).first() {
            r = r.with("country", text(c));
        }
        if v.get("security_incident").and_then(Json::as_str) == Some("Suspected") {
            r = r.with("status", "alleged");
        }
        if let Some(l) = impact_level(v) {
            r = r.with("impact", l);
        }
        Ok(with_data(r, v))
    })()
}

/// The incident's date, at the precision its timeline gives (a year at least).
fn incident_date(v: &Json, id: &str) -> Result<String, Reject> {
    let t = v.get("timeline").and_then(|t| t.get("incident"));
    let year = t.and_then(|t| t.get("year")).and_then(Json::as_u64);
    let month = t.and_then(|t| t.get("month")).and_then(Json::as_u64);
    let day = t.and_then(|t| t.get("day")).and_then(Json::as_u64);
    Ok(match (year, month, day) {
        (Some(y), Some(m), Some(d)) => format!("{y:04}-{m:02}-{d:02}"),
        (Some(y), Some(m), None) => format!("{y:04}-{m:02}"),
        (Some(y), _, _) => format!("{y:04}"),
        _ => {
            return Err(Reject::new(
                Some(id.to_string()),
                "timeline.incident.year",
                "no incident year",
            ));
        }
    })
}

/// VERIS's overall impact rating as an impact level 1..=5, when it gives one.
fn impact_level(v: &Json) -> Option<i64> {
    let rating = v
        .get("impact")
        .and_then(|i| i.get("overall_rating"))
        .and_then(Json::as_str);
    match rating {
        Some("Insignificant") => Some(1),
        Some("Distracting") => Some(2),
        Some("Painful") => Some(3),
        Some("Damaging") => Some(4),
        Some("Catastrophic") => Some(5),
        _ => None,
    }
}

/// `r` with the data classes, records and vulnerable subjects of VERIS's
/// confidentiality attribute.
fn with_data(mut r: Record<'static>, v: &Json) -> Record<'static> {
    let conf = v.get("attribute").and_then(|a| a.get("confidentiality"));
    let mut classes: Vec<&str> = conf
        .and_then(|c| c.get("data"))
        .and_then(Json::as_array)
        .map(|d| {
            d.iter()
                .filter_map(|x| x.get("variety").and_then(Json::as_str))
                .filter_map(data_class)
                .collect()
        })
        .unwrap_or_default();
    // Personal is implied by a more specific class about people: not counted on top.
    if classes.iter().any(|c| {
        matches!(
            *c,
            "health" | "national_id" | "payment_card" | "bank_account"
        )
    }) {
        classes.retain(|c| *c != "personal");
    }
    classes.sort_unstable();
    classes.dedup();
    if !classes.is_empty() {
        r = r.with("data_types", classes);
    }
    if let Some(n) = conf
        .and_then(|c| c.get("data_total"))
        .and_then(Json::as_u64)
    {
        r = r.with("records", n);
    }
    let victims = strings(conf.and_then(|c| c.get("data_victim")));
    if victims.iter().any(|x| matches!(*x, "Patient" | "Student")) {
        r = r.with("vulnerable_subjects", true);
    }
    r
}

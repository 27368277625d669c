//! Have I Been Pwned's breaches JSON (`GET /api/v3/breaches`).
//!
//! HIBP describes what was exposed, not how: every entry is a `breach`. BreachDate
//! is when the breach happened; AddedDate is when HIBP loaded it (often years later)
//! and is not a disclosure date, so it is not used.

use serde::Deserialize;

use super::{Imported, Reject, company_key, text};
use crate::model::Record;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Breach {
    name: Option<String>,
    title: Option<String>,
    domain: Option<String>,
    breach_date: Option<String>,
    pwn_count: Option<serde_json::Value>,
    #[serde(default)]
    data_classes: Vec<String>,
    #[serde(default = "yes")]
    is_verified: bool,
    #[serde(default)]
    is_fabricated: bool,
    #[serde(default)]
    is_spam_list: bool,
}

fn yes() -> bool {
    true
}

/// The riskrate data class of an HIBP data class; every class not listed here is
/// `personal` (see docs/formats.md for the full table).
pub(crate) fn data_class(hibp: &str) -> &'static str {
    match hibp {
        "Personal health data"
        | "Health insurance information"
        | "HIV statuses"
        | "Drug habits" => "health",
        "Sexual fetishes" | "Sexual orientations" => "sex_life",
        "Biometric data" => "biometric",
        "Social security numbers"
        | "Passport numbers"
        | "Driver's licenses"
        | "Government issued IDs"
        | "Taxation records" => "national_id",
        "Credit cards" | "Credit card CVV" | "Partial credit card data" | "Payment methods" => {
            "payment_card"
        }
        "Bank account numbers"
        | "Account balances"
        | "Financial transactions"
        | "Payment histories"
        | "Loan information"
        | "Credit status information"
        | "Financial investments" => "bank_account",
        "Cryptocurrency wallet addresses" | "Mnemonic phrases" => "virtual_currency",
        "Passwords"
        | "Historical passwords"
        | "Password hints"
        | "Security questions and answers"
        | "Auth tokens"
        | "PINs"
        | "Mothers maiden names" => "credentials",
        "Encrypted keys" => "secrets",
        "Email messages" | "Private messages" | "Chat logs" | "SMS messages"
        | "Support tickets" => "internal",
        "Device information"
        | "IMEI numbers"
        | "IMSI numbers"
        | "MAC addresses"
        | "Device serial numbers"
        | "Browser user agent details"
        | "Login histories"
        | "Device usage tracking data"
        | "Apps installed on devices" => "system",
        "Geographic locations" | "Travel plans" | "Travel habits" | "Flights taken" => "location",
        _ => "personal",
    }
}

pub(super) fn convert(items: Vec<super::JsonItem>) -> Vec<Imported> {
    let mut out = Vec::new();
    for (pos, item) in items {
        let item = match item {
            Ok(v) => v,
            Err(r) => {
                out.push((pos, Err(r)));
                continue;
            }
        };
        let b: Breach = match serde_json::from_value(item) {
            Ok(b) => b,
            Err(e) => {
                out.push((
                    pos,
                    Err(Reject {
                        id: None,
                        field: None,
                        message: format!("not an HIBP breach object: {e}"),
                    }),
                ));
                continue;
            }
        };
        let id = b.name.as_deref().map(|n| format!("hibp:{n}"));
        let result = (|| {
            if b.is_fabricated {
                return Err(Reject::new(
                    id.clone(),
                    "IsFabricated",
                    "HIBP marks this breach as fabricated",
                ));
            }
            if b.is_spam_list {
                return Err(Reject::new(
                    id.clone(),
                    "IsSpamList",
                    "HIBP marks this as a spam list, not a breach",
                ));
            }
            let id = id
                .clone()
                .ok_or_else(|| Reject::new(None, "Name", "no Name"))?;
            // An empty Title is no title: the Name stands in.
            let title = [b.title.as_deref(), b.name.as_deref()]
                .into_iter()
                .flatten()
                .map(str::trim)
                .find(|t| !t.is_empty())
                .unwrap_or("");
            let date = b
                .breach_date
                .as_deref()
                .filter(|d| !d.is_empty())
                .ok_or_else(|| Reject::new(Some(id.clone()), "BreachDate", "no BreachDate"))?;
            let mut classes: Vec<&str> = b.data_classes.iter().map(|c| data_class(c)).collect();
            classes.sort_unstable();
            classes.dedup();
            let mut r = Record::new(&id, &company_key(title), "breach", date)
                .with("company_name", text(title))
                .with("data_types", classes);
            match &b.pwn_count {
                Some(serde_json::Value::Number(n)) => {
                    if let Some(n) = n.as_u64() {
                        r = r.with("records", n);
                    }
                }
                Some(serde_json::Value::Null) | None => {}
                Some(other) => {
                    return Err(Reject::new(
                        Some(id.clone()),
                        "PwnCount",
                        format!("{other} is not a count"),
                    ));
                }
            }
            if !b.is_verified {
                r = r.with("status", "alleged");
            }
            let _ = &b.domain; // Kept by HIBP; the company key comes from the title.
            Ok(r)
        })();
        out.push((pos, result));
    }
    out
}

//! Wikipedia's "List of data breaches" table, as CSV (Entity, Year, Records,
//! Organization type, Method).
//!
//! Every row is a data breach; the method sets the type (ransomware when named)
//! and the severity. The table says nothing about which data was lost, so no data
//! class is set — the organisation type is only its industry.

use super::{
    CsvDoc, Imported, Reject, company_key, convert_rows, count_in_words, document_error, text,
};
use crate::error::Error;
use crate::model::Record;

/// (type, severity) by method words, first match wins.
fn method(m: &str) -> (&'static str, u8) {
    let m = m.to_ascii_lowercase();
    let has = |w: &str| m.contains(w);
    if has("ransomware") {
        ("ransomware", 80)
    } else if has("hack")
        || has("inside job")
        || has("rogue")
        || has("social engineering")
        || has("zero-day")
    {
        ("breach", 75)
    } else if has("lost") || has("stolen") {
        ("breach", 40)
    } else if m.trim().is_empty() || has("unknown") {
        ("breach", 50)
    } else {
        // Poor security, misconfiguration, accidental publication, open buckets…
        ("breach", 55)
    }
}

/// A readable sector for the table's organisation types (the first of a list).
fn industry(t: &str) -> Option<String> {
    let first = t
        .split(',')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let mapped = match first.as_str() {
        "" => return None,
        "financial" | "banking" | "financial service company" => "finance",
        "tech" | "information technology" | "hosting provider" => "technology",
        "telecoms" | "telecom" | "telecommunications" | "mobile carrier" => "telecom",
        "academic" | "educational services" => "education",
        "health" => "healthcare",
        "social network" | "social networking" | "social media" => "social media",
        "game" | "gaming" => "gaming",
        other => other,
    };
    Some(mapped.to_string())
}

pub(super) fn convert(doc: CsvDoc, name: &str) -> Result<Vec<Imported>, Error> {
    let CsvDoc { headers, rows } = doc;
    let col = |h: &str| {
        headers
            .iter()
            .position(|x| x.trim().eq_ignore_ascii_case(h))
    };
    let (Some(entity), Some(year), Some(records)) = (col("Entity"), col("Year"), col("Records"))
    else {
        return Err(document_error(
            name,
            "not the Wikipedia list of data breaches: Entity, Year and Records columns are needed",
        ));
    };
    let (org, how, index) = (col("Organization type"), col("Method"), col(""));
    Ok(convert_rows(rows, |line, row| {
        let get = |c: Option<usize>| c.and_then(|c| row.get(c)).unwrap_or("").trim();
        let key = index
            .map(|i| row.get(i).unwrap_or("").trim())
            .filter(|s| !s.is_empty());
        let id = format!(
            "wikipedia:{}",
            key.map_or_else(|| format!("line{line}"), str::to_string)
        );
        let who = get(Some(entity));
        if who.is_empty() {
            return Err(Reject::new(Some(id.clone()), "Entity", "no entity named"));
        }
        // "2019-2020", "2014 and 2015": the breach began in the first year.
        let y = get(Some(year));
        let first = y
            .split(|c: char| !c.is_ascii_digit())
            .next()
            .unwrap_or("")
            .trim();
        if first.len() != 4 || !first.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Reject::new(
                Some(id.clone()),
                "Year",
                format!("{y:?} is not a year"),
            ));
        }
        let (kind, severity) = method(get(how));
        let mut r = Record::new(&id, &company_key(who), kind, first)
            .with("company_name", text(who))
            .with("severity", i64::from(severity));
        if let Some(ind) = industry(get(org)) {
            r = r.with("industry", text(&ind));
        }
        if let Some(n) = count_in_words(get(Some(records))) {
            r = r.with("records", n);
        }
        Ok(r)
    }))
}

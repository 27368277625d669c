//! The one-line explanation of a rating (SCORING.md §5).
//!
//! Built only from structured fields — never from free-text descriptions — so the
//! same rating always reads the same, and a reader can check every word of it
//! against the JSON next to it.

use chrono::NaiveDate;

use crate::model::Incident;
use crate::rate::{Rating, Standing};
use crate::resolve::Resolved;
use crate::rules::Rules;

fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The data classes of an incident in words, most sensitive first.
pub fn data_words(rules: &Rules, incident: &Resolved<'_>) -> Vec<String> {
    let mut classes: Vec<_> = incident
        .classes()
        .filter(|c| usize::from(*c) < rules.classes.len())
        .collect();
    classes.sort_by(|a, b| {
        rules
            .class_rule(*b)
            .multiplier
            .total_cmp(&rules.class_rule(*a).multiplier)
            .then(a.cmp(b))
    });
    let mut words: Vec<String> = classes
        .into_iter()
        .map(|c| rules.class_rule(c).label.clone())
        .collect();
    if incident.incident.vulnerable_subjects {
        words.push("vulnerable subjects".into());
    }
    words
}

/// A share of the risk points as a whole percentage ("100%", "37%", "<1%").
pub fn percent(share: f64) -> String {
    let p = share * 100.0;
    if p > 0.0 && p < 0.5 {
        "<1%".into()
    } else {
        format!("{}%", crate::rules::round_half_up(p))
    }
}

/// "2018-03" or "2018-03, disclosed 2021-11-15".
pub fn when(incident: &Incident) -> String {
    match incident.disclosed {
        Some(d) if d != incident.date => format!("{}, disclosed {d}", incident.date),
        _ => incident.date.to_string(),
    }
}

/// The explanation line of one rating.
pub fn explanation(rules: &Rules, r: &Rating<'_>, as_of: NaiveDate) -> String {
    let mut s = format!(
        "{}: {} ({}) as of {}. ",
        r.display_name(),
        r.score,
        r.grade,
        as_of.format("%Y-%m-%d")
    );
    let c = r.counts;
    let mut others = Vec::new();
    if c.expired > 0 {
        others.push(format!("{} expired", c.expired));
    }
    if c.future > 0 {
        others.push(format!("{} future", c.future));
    }
    match r
        .incidents
        .first()
        .filter(|a| a.standing == Standing::Counted)
    {
        None => {
            s.push_str("No incident fell inside the rating window");
            if !others.is_empty() {
                s.push_str(&format!(" ({})", others.join(", ")));
            }
            s.push('.');
        }
        Some(top) => {
            s.push_str(&plural(c.counted, "incident", "incidents"));
            s.push_str(" counted");
            for o in &others {
                s.push_str(", ");
                s.push_str(o);
            }
            let inc = top.item.incident;
            s.push_str(&format!(
                ". Largest: {} {} of {} — {} of risk points",
                rules.type_rule(top.item.type_id).name,
                top.item.id(),
                when(inc),
                percent(top.share)
            ));
            let words = data_words(rules, &top.item);
            if !words.is_empty() {
                s.push_str("; ");
                s.push_str(&words.join(", "));
            }
            s.push('.');
        }
    }
    if let Some(g) = &r.next_grade_change {
        s.push_str(&format!(
            " Improves to {} on {} if nothing new happens.",
            g.grade,
            g.date.format("%Y-%m-%d")
        ));
    }
    s
}

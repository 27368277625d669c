//! The one-line explanation of a rating (SCORING.md §5).
//!
//! Built only from structured fields — never from free-text descriptions — so the
//! same rating always reads the same, and a reader can check every word of it
//! against the JSON next to it.

use crate::model::DateExt;
use std::borrow::Cow;
use std::fmt::Write;

use chrono::NaiveDate;

use crate::model::Incident;
use crate::rate::{Rating, Report, Standing};
use crate::resolve::Resolved;
use crate::rules::Rules;

/// The explanation of `r`, a rating of `report`: the one it holds, or, when it was
/// rated without ([`crate::rate_for_writing`]; a real explanation is never
/// empty, it starts with the company's name), the same text rendered now.
pub(crate) fn of<'r>(report: &Report<'_>, r: &'r Rating<'_>) -> Cow<'r, str> {
    if r.explanation.is_empty() {
        Cow::Owned(explanation(report.rules, r, report.as_of))
    } else {
        Cow::Borrowed(&r.explanation)
    }
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
    let mut s = String::with_capacity(200);
    // Writing to a String cannot fail: the fmt::Results below are always Ok.
    let _ = write!(
        s,
        "{}: {} ({}) as of {}. ",
        r.display_name(),
        r.score,
        r.grade,
        as_of.ymd()
    );
    let c = r.counts;
    let others = |s: &mut String, first: &str| {
        let mut sep = first;
        for (n, what) in [(c.expired, "expired"), (c.future, "future")] {
            if n > 0 {
                let _ = write!(s, "{sep}{n} {what}");
                sep = ", ";
            }
        }
        sep != first
    };
    match r
        .incidents
        .first()
        .filter(|a| a.standing == Standing::Counted)
    {
        None => {
            s.push_str("No incident fell inside the rating window");
            if others(&mut s, " (") {
                s.push(')');
            }
            s.push('.');
        }
        Some(top) => {
            let noun = if c.counted == 1 {
                "incident"
            } else {
                "incidents"
            };
            let _ = write!(s, "{} {noun} counted", c.counted);
            others(&mut s, ", ");
            let inc = top.item.incident;
            let _ = write!(
                s,
                ". Largest: {} {} of {} — {} of risk points",
                rules.type_rule(top.item.type_id).name,
                top.item.id(),
                when(inc),
                percent(top.share)
            );
            let words = data_words(rules, &top.item);
            if !words.is_empty() {
                s.push_str("; ");
                s.push_str(&words.join(", "));
            }
            s.push('.');
        }
    }
    if let Some(g) = &r.next_grade_change {
        let _ = write!(
            s,
            " Improves to {} on {} if nothing new happens.",
            g.grade,
            g.date.ymd()
        );
    }
    s
}

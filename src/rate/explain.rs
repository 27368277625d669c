//! The one-line explanation of a rating (SCORING.md §5).
//!
//! Built only from structured fields — never from free-text descriptions — so the
//! same rating always reads the same, and a reader can check every word of it
//! against the JSON next to it.

use crate::model::DateExt;
use std::fmt::Write;

use chrono::NaiveDate;

use crate::model::{Incident, push_decimal};
use crate::rate::{Rating, Report, Standing};
use crate::resolve::Resolved;
use crate::rules::Rules;
use std::borrow::Cow;

/// The explanation of `r`, a rating of `report`: the one it holds, or, when it was
/// rated without ([`crate::rate::rate_for_writing`]; a real explanation is never
/// empty, it starts with the company's name), the same text rendered now.
pub(crate) fn explanation_of<'r>(report: &Report<'_>, r: &'r Rating<'_>) -> Cow<'r, str> {
    if r.explanation.is_empty() {
        Cow::Owned(crate::rate::explain::explanation(
            report.rules,
            r,
            report.as_of,
        ))
    } else {
        Cow::Borrowed(&r.explanation)
    }
}

/// The data classes of an incident in words, most sensitive first.
pub fn data_words(rules: &Rules, incident: &Resolved<'_>) -> Vec<String> {
    let mut words = Vec::new();
    each_data_word(rules, incident, |w| words.push(w.to_string()));
    words
}

/// Calls `word` with each of [`data_words`], without building the list.
fn each_data_word<'r>(rules: &'r Rules, incident: &Resolved<'_>, mut word: impl FnMut(&'r str)) {
    // At most 64 classes (a u64 of bits): sorted on the stack.
    let mut classes = [0u8; 64];
    let mut n = 0;
    for c in incident
        .classes()
        .filter(|c| usize::from(*c) < rules.classes.len())
    {
        if let Some(slot) = classes.get_mut(n) {
            *slot = c;
            n += 1;
        }
    }
    let classes = classes.get_mut(..n).unwrap_or_default();
    classes.sort_by(|a, b| {
        rules
            .class_rule(*b)
            .multiplier
            .total_cmp(&rules.class_rule(*a).multiplier)
            .then(a.cmp(b))
    });
    for c in classes.iter() {
        word(&rules.class_rule(*c).label);
    }
    if incident.incident.vulnerable_subjects {
        word("vulnerable subjects");
    }
}

/// A share of the risk points as a whole percentage ("100%", "37%", "<1%").
pub fn percent(share: f64) -> String {
    let mut s = String::new();
    push_percent(&mut s, share);
    s
}

fn push_percent(s: &mut String, share: f64) {
    let p = share * 100.0;
    if p > 0.0 && p < 0.5 {
        s.push_str("<1%");
    } else {
        push_int(s, crate::rules::round_half_up(p));
        s.push('%');
    }
}

/// "2018-03" or "2018-03, disclosed 2021-11-15".
pub fn when(incident: &Incident) -> String {
    let mut s = String::new();
    push_when(&mut s, incident);
    s
}

fn push_when(s: &mut String, incident: &Incident) {
    // Writing to a String cannot fail.
    let _ = write!(s, "{}", incident.date);
    if let Some(d) = incident.disclosed
        && d != incident.date
    {
        let _ = write!(s, ", disclosed {d}");
    }
}

/// `n` in decimal, as `Display` writes it, without the formatting machinery (the
/// explanation has five numbers, and every rating has an explanation).
fn push_int(s: &mut String, n: i64) {
    if n < 0 {
        s.push('-');
    }
    push_decimal(s, n.unsigned_abs());
}

/// The explanation line of one rating.
pub fn explanation(rules: &Rules, r: &Rating<'_>, as_of: NaiveDate) -> String {
    let mut s = String::with_capacity(200);
    s.push_str(r.display_name());
    s.push_str(": ");
    push_int(&mut s, r.score);
    s.push_str(" (");
    s.push_str(r.grade);
    s.push_str(") as of ");
    as_of.ymd().with_str(|d| s.push_str(d));
    s.push_str(". ");
    let c = r.counts;
    let others = |s: &mut String, first: &str| {
        let mut sep = first;
        for (n, what) in [(c.expired, " expired"), (c.future, " future")] {
            if n > 0 {
                s.push_str(sep);
                push_decimal(s, n);
                s.push_str(what);
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
            push_decimal(&mut s, c.counted);
            s.push_str(if c.counted == 1 {
                " incident counted"
            } else {
                " incidents counted"
            });
            others(&mut s, ", ");
            s.push_str(". Largest: ");
            s.push_str(&rules.type_rule(top.item.type_id).name);
            s.push(' ');
            s.push_str(top.item.id());
            let reports = top.item.incident.reports();
            if reports > 1 {
                s.push_str(" (");
                push_decimal(&mut s, u64::from(reports));
                s.push_str(" reports)");
            }
            s.push_str(" of ");
            push_when(&mut s, top.item.incident);
            s.push_str(" — ");
            push_percent(&mut s, top.share);
            s.push_str(" of risk points");
            let mut sep = "; ";
            each_data_word(rules, &top.item, |w| {
                s.push_str(sep);
                s.push_str(w);
                sep = ", ";
            });
            s.push('.');
        }
    }
    if let Some(g) = &r.next_grade_change {
        s.push_str(" Improves to ");
        s.push_str(&g.grade);
        s.push_str(" on ");
        g.date.ymd().with_str(|d| s.push_str(d));
        s.push_str(" if nothing new happens.");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_written_as_display_writes_them() {
        for n in [
            0,
            7,
            10,
            99,
            100,
            1000,
            -1,
            -10,
            123_456_789,
            i64::MAX,
            i64::MIN,
        ] {
            let mut s = String::from("x");
            push_int(&mut s, n);
            assert_eq!(s, format!("x{n}"));
        }
        for share in [
            0.0,
            0.001,
            0.004_999,
            0.005,
            0.37,
            0.994_9,
            0.995,
            1.0,
            f64::NAN,
        ] {
            let p = share * 100.0;
            let old = if p > 0.0 && p < 0.5 {
                "<1%".to_string()
            } else {
                format!("{}%", crate::rules::round_half_up(p))
            };
            assert_eq!(percent(share), old, "{share}");
        }
    }
}

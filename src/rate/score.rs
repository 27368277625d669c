//! Incident points (SCORING.md §2): each factor as its own small, pure function.
//!
//! `P = base * S * I * D * V * C * R * 2^(-t / H)`. The product of everything but the
//! decay is fixed for an incident once its company's history is known, so the engine
//! keeps it ([`Factors::weight`]) and re-applies only the decay when it looks ahead
//! for the next grade change — with the very same arithmetic, so today's points are
//! reproduced bit for bit.

use crate::model::Status;
use crate::resolve::Resolved;
use crate::rules::Rules;

/// Every factor of one incident's points, as `explain` shows them.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Factors {
    /// Base points of the type.
    pub base: f64,
    /// S, from severity.
    pub severity: f64,
    /// I, from impact.
    pub impact: f64,
    /// D, from data classes and vulnerable subjects.
    pub data: f64,
    /// V, from records.
    pub volume: f64,
    /// C, from status and third-party loss.
    pub confidence: f64,
    /// R, from recurrence.
    pub recurrence: f64,
    /// 2^(-t/H), from age.
    pub decay: f64,
}

impl Factors {
    /// The product of all factors but decay.
    pub fn weight(&self) -> f64 {
        self.base
            * self.severity
            * self.impact
            * self.data
            * self.volume
            * self.confidence
            * self.recurrence
    }

    /// The incident's points.
    pub fn points(&self) -> f64 {
        self.weight() * self.decay
    }
}

/// S = max(floor, severity / 100).
pub fn severity_factor(rules: &Rules, severity: f64) -> f64 {
    (severity / 100.0).max(rules.severity.floor)
}

/// I by impact level (1-based). Levels are checked against the rules on input.
pub fn impact_factor(rules: &Rules, impact: u8) -> f64 {
    let m = &rules.impact.multipliers;
    // Invariant: `normalize` only accepts 1..=m.len(); the fallback keeps a hand-built
    // Incident with a bad level from panicking.
    m.get(usize::from(impact).wrapping_sub(1))
        .copied()
        .unwrap_or(f64::NAN)
}

/// D: the highest class multiplier (or `data.none`), plus the vulnerable-subjects
/// bonus, capped at `data.max`.
pub fn data_factor(rules: &Rules, incident: &Resolved<'_>) -> f64 {
    let highest = incident
        .classes()
        .filter(|c| usize::from(*c) < rules.classes.len())
        .map(|c| rules.class_rule(c).multiplier)
        .fold(None, |acc: Option<f64>, m| {
            Some(acc.map_or(m, |a| a.max(m)))
        })
        .unwrap_or(rules.data.none);
    let bonus = if incident.incident.vulnerable_subjects {
        rules.data.vulnerable_subjects_bonus
    } else {
        0.0
    };
    (highest + bonus).min(rules.data.max)
}

/// V from the number of records.
pub fn volume_factor(rules: &Rules, records: Option<u64>) -> f64 {
    let v = &rules.volume;
    match records {
        None => v.unknown,
        Some(0) => v.zero,
        Some(n) => {
            (1.0 + v.per_decade * (n as f64 / v.reference_records).log10()).clamp(v.min, v.max)
        }
    }
}

/// C from status and third-party loss.
pub fn confidence_factor(rules: &Rules, status: Status, third_party: bool) -> f64 {
    let c = &rules.confidence;
    let base = match status {
        Status::Confirmed => c.confirmed,
        Status::Alleged => c.alleged,
        Status::Disputed => c.disputed,
    };
    if third_party {
        base * c.third_party
    } else {
        base
    }
}

/// R for an incident with `k - 1` earlier recurring incidents in the window.
pub fn recurrence_factor(rules: &Rules, k: usize) -> f64 {
    let r = &rules.recurrence;
    (1.0 + r.step * (k.saturating_sub(1)) as f64).min(r.max)
}

/// 2^(-t / H) for an age of `age_days` whole days.
pub fn decay(age_days: i64, half_life_days: f64) -> f64 {
    (-(age_days as f64) / half_life_days).exp2()
}

/// All factors of an incident of age `age_days` whose recurrence count is `k`.
pub fn factors(rules: &Rules, incident: &Resolved<'_>, k: usize, age_days: i64) -> Factors {
    let ty = rules.type_rule(incident.type_id);
    Factors {
        base: ty.base,
        severity: severity_factor(rules, incident.severity),
        impact: impact_factor(rules, incident.impact),
        data: data_factor(rules, incident),
        volume: volume_factor(rules, incident.incident.records()),
        confidence: confidence_factor(rules, incident.status, incident.incident.third_party),
        recurrence: if ty.recurring {
            recurrence_factor(rules, k)
        } else {
            1.0
        },
        decay: decay(age_days, ty.half_life_days),
    }
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )]
    use super::*;

    fn rules() -> Rules {
        Rules::default_rules().unwrap()
    }

    /// A dataset of one incident, without or with vulnerable subjects.
    fn incident(vulnerable_subjects: bool) -> crate::dataset::Dataset {
        let mut d = crate::dataset::Dataset::new();
        let record = crate::Record::new("x", "c", "breach", "2020-01-01")
            .with("vulnerable_subjects", vulnerable_subjects);
        d.push(&record, "test", 1);
        assert_eq!(d.incidents().len(), 1);
        d
    }

    fn resolved<'a>(
        rules: &Rules,
        data: &'a crate::dataset::Dataset,
        kind: &str,
        classes: u64,
    ) -> Resolved<'a> {
        Resolved {
            incident: &data.incidents()[0],
            data,
            type_id: rules.type_id(kind).unwrap(),
            data_classes: classes,
            severity: 50.0,
            impact: 3,
            status: Status::Confirmed,
            effective_date: data.incidents()[0].effective().date,
        }
    }

    #[test]
    fn severity_has_a_floor() {
        let r = rules();
        assert_eq!(severity_factor(&r, 100.0), 1.0);
        assert_eq!(severity_factor(&r, 50.0), 0.5);
        assert_eq!(severity_factor(&r, 5.0), 0.1);
        assert_eq!(severity_factor(&r, 0.0), 0.1);
    }

    #[test]
    fn impact_table() {
        let r = rules();
        let got: Vec<f64> = (1..=5).map(|i| impact_factor(&r, i)).collect();
        assert_eq!(got, vec![0.5, 0.75, 1.0, 1.5, 2.0]);
        assert!(impact_factor(&r, 0).is_nan());
        assert!(impact_factor(&r, 6).is_nan());
    }

    #[test]
    fn data_takes_the_highest_class_plus_bonus_capped() {
        let r = rules();
        let bit = |n: &str| 1u64 << r.class_id(n).unwrap();
        let (plain, vulnerable) = (incident(false), incident(true));
        let d = |inc: &crate::dataset::Dataset, classes: u64| {
            data_factor(&r, &resolved(&r, inc, "breach", classes))
        };
        assert_eq!(d(&plain, 0), 1.0);
        assert_eq!(d(&vulnerable, 0), 1.25);
        assert_eq!(d(&vulnerable, bit("ssn") | bit("therapy notes")), 3.0); // 2.75 + 0.25
        assert_eq!(d(&vulnerable, bit("national_id") | bit("names")), 2.25);
        assert_eq!(d(&plain, bit("passwords")), 1.75);
        assert_eq!(d(&plain, bit("phi")), 2.5);
    }

    #[test]
    fn volume_by_records() {
        let r = rules();
        assert_eq!(volume_factor(&r, None), 1.0);
        assert_eq!(volume_factor(&r, Some(0)), 0.75);
        assert_eq!(volume_factor(&r, Some(1)), 0.75); // 1 + 0.25 * -3 = 0.25, clamped
        assert_eq!(volume_factor(&r, Some(1000)), 1.0);
        assert!((volume_factor(&r, Some(100_000)) - 1.5).abs() < 1e-12);
        assert_eq!(volume_factor(&r, Some(10_000_000)), 2.0);
        assert_eq!(volume_factor(&r, Some(u64::MAX)), 2.0);
    }

    #[test]
    fn confidence_by_status_and_supplier() {
        let r = rules();
        assert_eq!(confidence_factor(&r, Status::Confirmed, false), 1.0);
        assert_eq!(confidence_factor(&r, Status::Alleged, false), 0.5);
        assert_eq!(confidence_factor(&r, Status::Disputed, false), 0.5);
        assert_eq!(confidence_factor(&r, Status::Confirmed, true), 0.5);
        assert_eq!(confidence_factor(&r, Status::Alleged, true), 0.25);
    }

    #[test]
    fn recurrence_steps_and_caps() {
        let r = rules();
        let got: Vec<f64> = (1..=6).map(|k| recurrence_factor(&r, k)).collect();
        assert_eq!(got, vec![1.0, 1.25, 1.5, 1.75, 1.75, 1.75]);
    }

    #[test]
    fn decay_halves_per_half_life() {
        assert_eq!(decay(0, 365.0), 1.0);
        assert_eq!(decay(365, 365.0), 0.5);
        assert_eq!(decay(730, 365.0), 0.25);
        assert!((decay(31, 365.0) - 0.942_829_296_463_146_8).abs() < 1e-15);
    }

    #[test]
    fn seed_points_match_scoring_md() {
        let r = rules();
        let inc = incident(false);
        let classes = (1u64 << r.class_id("mental health records").unwrap())
            | (1u64 << r.class_id("social security numbers").unwrap());
        let mut item = resolved(&r, &inc, "Breach", classes);
        item.severity = 100.0;
        item.impact = 4;
        let f = factors(&r, &item, 1, 31);
        assert!(
            (f.points() - 233.350_250_874_628_84).abs() < 1e-9,
            "{}",
            f.points()
        );
    }

    #[test]
    fn non_recurring_types_ignore_k() {
        let r = rules();
        let inc = incident(false);
        assert_eq!(
            factors(&r, &resolved(&r, &inc, "ddos", 0), 4, 0).recurrence,
            1.0
        );
        assert_eq!(
            factors(&r, &resolved(&r, &inc, "extortion", 0), 4, 0).recurrence,
            1.75
        );
    }
}

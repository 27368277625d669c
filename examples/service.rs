//! A small rating service as an embedder writes it: one `Engine` in the service's
//! state, shared by worker threads; a feed rated whole; a new incident arriving
//! for one company; a rating served as JSON; a history; a rules comparison. CI
//! runs it (`cargo run --release --example service`), and it checks what it shows.

use std::path::Path;
use std::sync::{Arc, RwLock};

use riskrate::unstable::{Format, NaiveDate, Record, Rules};
use riskrate::{Engine, RateOptions, Report};

/// The service's state: the engine, behind a lock that many readers share.
struct Service {
    engine: RwLock<Engine>,
}

impl Service {
    fn rate(&self, as_of: NaiveDate) -> Report {
        // A poisoned lock (a panicked writer) still holds a whole engine.
        let engine = self.engine.read().unwrap_or_else(|e| e.into_inner());
        engine.rate(as_of, &RateOptions::default())
    }

    fn add(&self, record: &Record<'_>, origin: &str) {
        let mut engine = self.engine.write().unwrap_or_else(|e| e.into_inner());
        engine.push(record, origin, 1);
    }

    /// GET /ratings/{company}: the CLI's rating object, or 404.
    fn serve(&self, company: &str, as_of: NaiveDate) -> (u16, String) {
        let engine = self.engine.read().unwrap_or_else(|e| e.into_inner());
        match engine.rating(company, as_of) {
            Some(r) => (200, serde_json::to_string(&r).unwrap_or_default()),
            None => (404, format!("{{\"error\":\"no company {company:?}\"}}")),
        }
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut engine = Engine::new(Rules::default_rules()?);
    engine.read_path(&root.join("examples/incidents.jsonl"), Format::Auto)?;
    let service = Arc::new(Service {
        engine: RwLock::new(engine),
    });
    let as_of = NaiveDate::from_ymd_opt(2026, 11, 28).ok_or("date")?;

    // Worker threads rate at once; every one sees the same ratings.
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let s = Arc::clone(&service);
            std::thread::spawn(move || s.rate(as_of))
        })
        .collect();
    let mut reports = Vec::new();
    for w in workers {
        reports.push(w.join().map_err(|_| "a worker panicked")?);
    }
    let before = reports.swap_remove(0);
    assert!(reports.iter().all(|r| *r == before));
    println!(
        "rated {} companies from {} records",
        before.ratings.len(),
        before.summary.read
    );

    // A new incident arrives for Harbor Bank.
    let new = Record::new("HRB-2026-099", "harbor-bank", "ransomware", "2026-11-20")
        .with("industry", "finance")
        .with("severity", 80)
        .with("impact", 3);
    service.add(&new, "webhook");
    let after = service.rate(as_of);
    // Only that company's rating changes, and its industry peers' percentiles.
    let finance: Vec<&str> = after
        .ratings
        .iter()
        .filter(|r| r.industry.as_deref() == Some("finance"))
        .map(|r| r.company.as_str())
        .collect();
    for (b, a) in before.ratings.iter().zip(&after.ratings) {
        if a.company == "harbor-bank" {
            assert!(a.score < b.score, "a new ransomware lowers the score");
            println!(
                "harbor-bank: {} ({}) -> {} ({})",
                b.score, b.grade, a.score, a.grade
            );
        } else if finance.contains(&a.company.as_str()) {
            assert_eq!((a.score, &a.contributors), (b.score, &b.contributors));
        } else {
            assert_eq!(a, b, "{} is untouched", a.company);
        }
    }

    // Served as JSON.
    let (status, body) = service.serve("harbor-bank", as_of);
    assert_eq!(status, 200);
    let json: serde_json::Value = serde_json::from_str(&body)?;
    assert_eq!(
        json.get("company").and_then(|c| c.as_str()),
        Some("harbor-bank")
    );
    println!("GET /ratings/harbor-bank -> {status}, {} bytes", body.len());
    assert_eq!(service.serve("nobody", as_of).0, 404);

    // Its history, monthly over two years.
    let engine = service.engine.read().unwrap_or_else(|e| e.into_inner());
    let from = NaiveDate::from_ymd_opt(2025, 1, 1).ok_or("date")?;
    let dates = riskrate::unstable::analysis::history::dates(from, as_of, 30)?;
    let history = engine.history("harbor-bank", &dates).ok_or("no history")?;
    let (first, last) = (
        history.first().ok_or("empty")?,
        history.last().ok_or("empty")?,
    );
    println!(
        "history: {} points, {} on {} to {} on {}",
        history.len(),
        first.score,
        first.date,
        last.score,
        last.date
    );

    // The same incidents under other rules: which grades move, and why.
    let short = Rules::from_path(&root.join("scoring-rules/short-memory.toml"))?;
    let diff = engine.compare(&short, as_of, 3);
    println!(
        "short-memory rules: {} of {} grades move (Spearman {:.3}); largest: {}",
        diff.agreement.grade_changes,
        diff.agreement.companies,
        diff.agreement.spearman_rho.unwrap_or(f64::NAN),
        diff.movers
            .iter()
            .map(|m| format!(
                "{} {:+} ({})",
                m.company,
                m.change,
                m.driver.as_ref().map_or("-", |d| d.factor.as_str())
            ))
            .collect::<Vec<_>>()
            .join(", ")
    );
    // The same comparison by hand: an engine sharing the incidents under the
    // other rules gives the second side of every mover.
    let other = engine
        .with_rules(short)
        .rate(as_of, &RateOptions::default());
    for m in &diff.movers {
        let b = other
            .ratings
            .iter()
            .find(|r| r.company == m.company)
            .ok_or("a mover is rated")?;
        assert_eq!(b.score, m.b.score);
    }
    // One company's full account, every incident with its factors.
    let account = engine.explain("harbor-bank", as_of).ok_or("no account")?;
    println!(
        "explain harbor-bank: {} incidents, largest {}",
        account.incidents.len(),
        account.incidents.first().map_or("-", |i| i.id.as_str())
    );
    Ok(())
}

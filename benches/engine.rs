//! Criterion benches of the engine's stages on synthetic data from `riskrate gen`.
//! Run with `cargo bench`; the figures are recorded in docs/BENCHMARKS.md.
// A bench that cannot load its rules has nothing to measure: failing loudly is right.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::hint::black_box;

use chrono::NaiveDate;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use riskrate::unstable::analysis::backtest::{BacktestParams, backtest};
use riskrate::unstable::analysis::compare::compare;
use riskrate::unstable::resolve::Merges;
use riskrate::unstable::synth::{GenParams, generate};
use riskrate::unstable::{Dataset, Format, Rules, rate};

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
}

fn synthetic(incidents: u64) -> Vec<u8> {
    let mut out = Vec::new();
    let params = GenParams {
        incidents,
        companies: (incidents / 10).max(1),
        seed: 42,
        start: day("2015-01-01"),
        end: day("2025-12-31"),
    };
    let _ = generate(&params, &mut out);
    out
}

fn read(bytes: &[u8]) -> Dataset {
    let mut d = Dataset::new();
    let _ = d.read_bytes(bytes, "bench.jsonl", Format::Jsonl);
    d
}

fn short_memory() -> Rules {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scoring-rules/short-memory.toml"
    ))
    .unwrap_or_default();
    Rules::from_toml(&text, "short-memory").expect("rules")
}

/// Read, resolve and rate: `score` without writing.
fn bench_score(c: &mut Criterion) {
    let rules = Rules::default_rules().expect("rules");
    let mut group = c.benchmark_group("score");
    group.sample_size(10);
    for n in [10_000u64, 100_000, 1_000_000] {
        let bytes = synthetic(n);
        group.throughput(Throughput::Elements(n));
        group.bench_with_input(BenchmarkId::from_parameter(n), &bytes, |b, bytes| {
            b.iter(|| {
                let data = read(bytes);
                let mut room = Merges::default();
                let resolved = data.resolve(&rules, &mut room);
                let report = rate(&resolved, day("2026-01-01"));
                black_box(report.summary)
            });
        });
    }
    group.finish();
}

/// The stages apart, on 100k incidents: parse, resolve, rate.
fn bench_stages(c: &mut Criterion) {
    let rules = Rules::default_rules().expect("rules");
    let n = 100_000u64;
    let bytes = synthetic(n);
    let data = read(&bytes);
    let mut room = Merges::default();
    let resolved = data.resolve(&rules, &mut room);
    let mut group = c.benchmark_group("stages-100k");
    group.sample_size(10);
    group.throughput(Throughput::Elements(n));
    group.bench_function("parse", |b| b.iter(|| black_box(read(&bytes).read_count())));
    group.bench_function("resolve", |b| {
        b.iter(|| {
            let mut room = Merges::default();
            black_box(data.resolve(&rules, &mut room).items().len())
        })
    });
    group.bench_function("rate", |b| {
        b.iter(|| black_box(rate(&resolved, day("2026-01-01")).summary))
    });
    group.finish();
}

/// The hot paths alone, on one core: parsing one chunk of JSON Lines (the unit the
/// reader hands to each thread) and rating one company.
fn bench_hot_paths(c: &mut Criterion) {
    let rules = Rules::default_rules().expect("rules");
    let all = synthetic(20_000);
    // The first ~1 MiB, cut at a line end: one chunk.
    let cut = all[..1 << 20].iter().rposition(|b| *b == b'\n').unwrap() + 1;
    let chunk = &all[..cut];
    let lines = chunk.iter().filter(|b| **b == b'\n').count() as u64;
    let mut group = c.benchmark_group("hot");
    group.throughput(Throughput::Elements(lines));
    group.bench_function("parse-chunk-1MiB", |b| {
        b.iter(|| black_box(read(chunk).read_count()))
    });

    // The company with the most incidents of 20k (heavy-tailed rates: dozens).
    let data = read(&all);
    let resolved = data.resolve_unmerged(&rules);
    let mut by_company: std::collections::BTreeMap<&str, Vec<riskrate::unstable::Resolved<'_>>> =
        std::collections::BTreeMap::new();
    for r in resolved.items() {
        by_company.entry(r.company()).or_default().push(*r);
    }
    let (company, list) = by_company.iter().max_by_key(|(_, l)| l.len()).unwrap();
    group.throughput(Throughput::Elements(list.len() as u64));
    group.bench_function("rate-one-company", |b| {
        b.iter(|| {
            black_box(
                riskrate::unstable::rate::rate_company(&rules, company, list, day("2026-01-01"))
                    .score,
            )
        })
    });
    group.finish();
}

/// `diff` of the default and short-memory rules on 100k incidents (parse once).
fn bench_diff(c: &mut Criterion) {
    let (a, b) = (Rules::default_rules().expect("rules"), short_memory());
    let n = 100_000u64;
    let bytes = synthetic(n);
    let mut group = c.benchmark_group("diff");
    group.sample_size(10);
    group.throughput(Throughput::Elements(n));
    group.bench_function("100000", |bench| {
        bench.iter(|| {
            let data = read(&bytes);
            let (mut room_a, mut room_b) = (Merges::default(), Merges::default());
            let (ra, rb) = (data.resolve(&a, &mut room_a), data.resolve(&b, &mut room_b));
            let (x, y) = (rate(&ra, day("2026-01-01")), rate(&rb, day("2026-01-01")));
            black_box(compare(&x, &y).agreement.kendall_tau_b)
        });
    });
    group.finish();
}

/// `backtest` with 8 yearly cutoffs on 100k incidents.
fn bench_backtest(c: &mut Criterion) {
    let rules = Rules::default_rules().expect("rules");
    let n = 100_000u64;
    let bytes = synthetic(n);
    let events: Vec<u16> = ["breach", "ransomware"]
        .iter()
        .filter_map(|t| rules.type_id(t))
        .collect();
    let params = BacktestParams {
        from: day("2017-01-01"),
        to: day("2024-01-01"),
        step_days: 365,
        horizon_days: 365,
        events,
    };
    let mut group = c.benchmark_group("backtest-8-cutoffs");
    group.sample_size(10);
    group.throughput(Throughput::Elements(n));
    group.bench_function("100000", |bench| {
        bench.iter(|| {
            let data = read(&bytes);
            let mut room = Merges::default();
            let resolved = data.resolve(&rules, &mut room);
            black_box(backtest(&resolved, &params).unwrap().pooled.auc)
        });
    });
    group.finish();
}

criterion_group!(
    benches,
    bench_score,
    bench_stages,
    bench_hot_paths,
    bench_diff,
    bench_backtest
);
criterion_main!(benches);

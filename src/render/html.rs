//! The HTML report (`riskrate report`): one self-contained file — no network, no
//! external scripts, styles or fonts — that a risk team can open and send on.
//!
//! A summary, an SVG chart of the grade distribution, a sortable and filterable
//! table of every company, per-company contributors and score history for the
//! companies shown in detail, and an industry comparison. Every piece of input text
//! goes through [`crate::escape::html`]; renderers never compute, so the history series are
//! computed by the caller and handed in.

use crate::model::DateExt;
use std::fmt::Write as _;

use crate::analysis::history::Point;
use crate::escape::html;
use crate::rate::{Rating, Report};
use crate::render::chart::svg as history_svg;

const GRADE_COLOURS: [&str; 5] = ["#1a9850", "#91cf60", "#e6c229", "#fc8d59", "#d73027"];

fn colour(k: usize) -> &'static str {
    GRADE_COLOURS
        .get(k)
        .or(GRADE_COLOURS.last())
        .copied()
        .unwrap_or("#888")
}

/// One company shown in detail: its rating and its score history.
pub struct Detail<'r, 'a> {
    /// The rating.
    pub rating: &'r Rating<'a>,
    /// The score at regular dates around the as-of date.
    pub history: Vec<Point>,
    /// Shown unfolded.
    pub open: bool,
}

const STYLE: &str = r#"
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem auto;max-width:1200px;color:#222;padding:0 1rem}
h1{margin-bottom:.2rem}h2{margin-top:2.2rem;border-bottom:1px solid #ddd;padding-bottom:.3rem}
.meta{color:#555;margin-top:0}.cards{display:flex;gap:1rem;flex-wrap:wrap;margin:1rem 0}
.card{border:1px solid #ddd;border-radius:8px;padding:.7rem 1rem;min-width:8rem}.card b{display:block;font-size:1.5rem}
table{border-collapse:collapse;width:100%;font-size:.9rem}th,td{padding:.35rem .5rem;border-bottom:1px solid #eee;text-align:left;vertical-align:top}
th{background:#f6f6f6;cursor:pointer;user-select:none;white-space:nowrap}th.sorted-asc::after{content:" ▲"}th.sorted-desc::after{content:" ▼"}
td.num,th.num{text-align:right}.grade{display:inline-block;min-width:1.6rem;text-align:center;border-radius:4px;color:#fff;font-weight:bold}
input[type=search]{padding:.4rem .6rem;width:20rem;margin:.5rem 0;border:1px solid #bbb;border-radius:4px}
details{border:1px solid #e3e3e3;border-radius:6px;margin:.6rem 0;padding:.4rem .8rem}summary{cursor:pointer;font-weight:600}
.explain{color:#444;font-size:.85rem}.small{color:#666;font-size:.85rem}
"#;

const SCRIPT: &str = r#"
(function(){
  var table=document.getElementById('companies');
  var body=table.tBodies[0];
  function sortBy(col,dir){
    var rows=Array.prototype.slice.call(body.rows);
    var th=table.tHead.rows[0].cells[col];
    var numeric=th.classList.contains('num');
    rows.sort(function(a,b){
      var x=a.cells[col].getAttribute('data-v'),y=b.cells[col].getAttribute('data-v');
      if(numeric){x=parseFloat(x);y=parseFloat(y);if(isNaN(x))x=Infinity;if(isNaN(y))y=Infinity;}
      var c=x<y?-1:x>y?1:0;
      if(c===0){c=a.cells[0].getAttribute('data-v')<b.cells[0].getAttribute('data-v')?-1:1;}
      return dir==='desc'?-c:c;
    });
    rows.forEach(function(r){body.appendChild(r);});
    Array.prototype.forEach.call(table.tHead.rows[0].cells,function(c){c.classList.remove('sorted-asc','sorted-desc');});
    th.classList.add(dir==='desc'?'sorted-desc':'sorted-asc');
    table.setAttribute('data-sorted',th.getAttribute('data-key')+'-'+dir);
  }
  Array.prototype.forEach.call(table.tHead.rows[0].cells,function(th,i){
    th.addEventListener('click',function(){sortBy(i,th.classList.contains('sorted-asc')?'desc':'asc');});
  });
  var filter=document.getElementById('filter');
  filter.addEventListener('input',function(){
    var q=filter.value.toLowerCase();
    Array.prototype.forEach.call(body.rows,function(r){r.style.display=r.textContent.toLowerCase().indexOf(q)>=0?'':'none';});
  });
  var m=/sort=([a-z_]+)-(asc|desc)/.exec(location.hash);
  if(m){
    Array.prototype.forEach.call(table.tHead.rows[0].cells,function(th,i){if(th.getAttribute('data-key')===m[1])sortBy(i,m[2]);});
  }
})();
"#;

fn grade_chart(report: &Report<'_>) -> String {
    let grades = report.rules.grades();
    let counts: Vec<usize> = grades
        .iter()
        .map(|g| report.ratings.iter().filter(|r| r.grade == g.grade).count())
        .collect();
    let max = counts.iter().copied().max().unwrap_or(0).max(1);
    let (w, h, left, bottom, top) = (560.0, 260.0, 40.0, 40.0, 20.0);
    let n = grades.len().max(1) as f64;
    let slot = (w - left - 10.0) / n;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img" aria-label="Grade distribution"><title>Companies by grade</title>"#
    );
    for (k, (g, c)) in grades.iter().zip(&counts).enumerate() {
        let bh = (h - top - bottom) * (*c as f64) / max as f64;
        let x = left + slot * k as f64 + slot * 0.15;
        let y = h - bottom - bh;
        let _ = write!(
            s,
            r##"<rect class="bar" data-grade="{g}" x="{x:.1}" y="{y:.1}" width="{:.1}" height="{bh:.1}" fill="{}"/><text x="{:.1}" y="{:.1}" text-anchor="middle" font-size="13">{c}</text><text x="{:.1}" y="{:.1}" text-anchor="middle" font-size="15" font-weight="bold">{g}</text>"##,
            slot * 0.7,
            colour(k),
            x + slot * 0.35,
            y - 5.0,
            x + slot * 0.35,
            h - bottom + 20.0,
            g = html(&g.grade),
        );
    }
    let _ = write!(
        s,
        r##"<line x1="{left}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#444"/></svg>"##,
        h - bottom,
        w - 10.0,
        h - bottom
    );
    s
}

fn grade_badge(report: &Report<'_>, grade: &str) -> String {
    let k = report
        .rules
        .grades()
        .iter()
        .position(|g| g.grade == grade)
        .unwrap_or(usize::MAX);
    format!(
        r#"<span class="grade" style="background:{}">{}</span>"#,
        colour(k),
        html(grade)
    )
}

fn opt(x: Option<f64>, digits: usize) -> (String, String) {
    match x {
        Some(v) => (format!("{v:.digits$}"), v.to_string()),
        None => ("–".into(), String::new()),
    }
}

/// Renders the whole report.
pub fn render(report: &Report<'_>, details: &[Detail<'_, '_>]) -> String {
    let mut out = String::with_capacity(64 * 1024 + report.ratings.len() * 600);
    write_head(&mut out, report);
    write_companies(&mut out, report);
    write_details(&mut out, report, details);
    write_industries(&mut out, report);
    let _ = write!(
        out,
        r#"<p class="small">Made by riskrate from {} records. Every weight is in the rules file named above; see each company's explanation for why it scores as it does.</p><script>{SCRIPT}</script></body></html>"#,
        report.summary.read
    );
    out.push('\n');
    out
}

/// The document's head, the rules' identity, the totals and the grade chart.
fn write_head(out: &mut String, report: &Report<'_>) {
    let rules = report.rules;
    let s = &report.summary;
    let as_of = report.as_of.ymd();
    let _ = write!(
        out,
        r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>riskrate report · {as_of}</title><style>{STYLE}</style></head><body>"#
    );
    let _ = write!(
        out,
        r#"<h1>Cyber-risk ratings</h1><p class="meta">As of <b>{as_of}</b> · rules <b>{}</b> v{} (sha256 <code>{}</code>) · riskrate {}</p>"#,
        html(rules.name()),
        html(rules.version()),
        html(rules.sha256().get(..16).unwrap_or("")),
        env!("CARGO_PKG_VERSION")
    );
    let _ = write!(
        out,
        r#"<div class="cards"><div class="card">companies<b>{}</b></div><div class="card">incidents read<b>{}</b></div><div class="card">counted<b>{}</b></div><div class="card">expired<b>{}</b></div><div class="card">future<b>{}</b></div><div class="card">rejected<b>{}</b></div>{}</div>"#,
        s.companies,
        s.read,
        s.counted,
        s.expired,
        s.future,
        s.rejected,
        if s.merged > 0 {
            format!(r#"<div class="card">merged<b>{}</b></div>"#, s.merged)
        } else {
            String::new()
        }
    );
    let _ = write!(
        out,
        r#"<h2>Grade distribution</h2><div id="grade-chart">{}</div>"#,
        grade_chart(report)
    );
}

/// The table of every company, one row each.
fn write_companies(out: &mut String, report: &Report<'_>) {
    let rules = report.rules;
    let level = crate::rules::round_half_up(rules.interval().level * 100.0);
    let _ = write!(
        out,
        r#"<h2>Companies</h2><input type="search" id="filter" placeholder="Filter companies, industries, grades…" aria-label="Filter"><table id="companies"><thead><tr><th data-key="company">Company</th><th data-key="industry">Industry</th><th class="num" data-key="score">Score</th><th data-key="grade">Grade</th><th class="num" data-key="interval">{level}% interval</th><th class="num" data-key="percentile">Industry pctl</th><th data-key="next">Next grade change</th><th data-key="explanation">Explanation</th></tr></thead><tbody>"#
    );
    for r in &report.ratings {
        let (pct, pct_v) = opt(r.industry_percentile, 0);
        let next = r.next_grade_change.as_ref().map_or_else(
            || ("–".to_string(), String::new()),
            |g| {
                let d = g.date.ymd().to_string();
                (format!("{} on {d}", html(&g.grade)), d)
            },
        );
        let grade_rank = rules
            .grades()
            .iter()
            .position(|g| g.grade == r.grade)
            .unwrap_or(usize::MAX);
        let _ = write!(
            out,
            r#"<tr><td data-v="{key}"><b>{name}</b><br><span class="small">{key}</span></td><td data-v="{ind}">{ind}</td><td class="num" data-v="{exact}">{score}</td><td data-v="{grade_rank}">{badge}</td><td class="num" data-v="{low}">{low}–{high}</td><td class="num" data-v="{pct_v}">{pct}</td><td data-v="{next_v}">{next}</td><td class="explain" data-v="">{explanation}</td></tr>"#,
            key = html(r.company),
            name = html(r.display_name()),
            ind = html(r.industry.unwrap_or("")),
            exact = r.score_exact,
            score = r.score,
            badge = grade_badge(report, r.grade),
            low = r.interval.low,
            high = r.interval.high,
            next_v = next.1,
            next = next.0,
            explanation = html(&r.explanation),
        );
    }
    out.push_str("</tbody></table>");
}

/// Each company shown in detail: its incidents and its score history.
fn write_details(out: &mut String, report: &Report<'_>, details: &[Detail<'_, '_>]) {
    let rules = report.rules;
    if !details.is_empty() {
        let _ = write!(
            out,
            r#"<h2>Companies in detail</h2><p class="small">{} companies (the lowest-rated, and any asked for): every incident with its points and share of the risk points — or why it no longer counts — and the score history with the grade bands.</p>"#,
            details.len()
        );
    }
    for d in details {
        let r = d.rating;
        let _ = write!(
            out,
            r#"<details class="company" id="company-{key}"{open}><summary>{name} — {score} {badge}</summary><p class="explain">{explanation}</p><table class="contributors"><thead><tr><th>Incident</th><th>Type</th><th>Date</th><th>Data</th><th class="num">Points</th><th class="num">Share</th></tr></thead><tbody>"#,
            key = html(r.company),
            name = html(r.display_name()),
            score = r.score,
            badge = grade_badge(report, r.grade),
            explanation = html(&r.explanation),
            open = if d.open { " open" } else { "" },
        );
        for a in &r.incidents {
            let words = crate::rate::explain::data_words(rules, &a.item);
            let standing = match a.standing {
                crate::rate::Standing::Counted => crate::rate::explain::percent(a.share),
                crate::rate::Standing::Expired => "expired".into(),
                crate::rate::Standing::Future => "future".into(),
            };
            let _ = write!(
                out,
                r#"<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class="num">{:.2}</td><td class="num">{}</td></tr>"#,
                html(a.item.id()),
                html(&rules.type_rule(a.item.type_id).name),
                html(&crate::rate::explain::when(a.item.incident)),
                html(&words.join(", ")),
                a.points,
                standing
            );
        }
        let title = format!("{}: score history", r.display_name());
        let _ = write!(
            out,
            r#"</tbody></table><div class="history">{}</div></details>"#,
            history_svg(rules, &title, &d.history)
        );
    }
}

/// Each industry's companies, mean and median score, and companies per grade.
fn write_industries(out: &mut String, report: &Report<'_>) {
    let rules = report.rules;
    // Each industry's ratings, grouped once by sorting: one pass over the companies,
    // not one per industry (which is quadratic when industries are many).
    let mut by_industry: Vec<(&str, i64, usize)> = report
        .ratings
        .iter()
        .filter_map(|r| {
            let g = rules.grades().iter().position(|g| g.grade == r.grade);
            r.industry.map(|i| (i, r.score, g.unwrap_or(usize::MAX)))
        })
        .collect();
    by_industry.sort_unstable();
    let industries: Vec<&[(&str, i64, usize)]> = by_industry.chunk_by(|a, b| a.0 == b.0).collect();
    if !industries.is_empty() {
        out.push_str(r#"<h2>Industries</h2><table id="industries"><thead><tr><th>Industry</th><th class="num">Companies</th><th class="num">Mean score</th><th class="num">Median</th>"#);
        for g in rules.grades() {
            let _ = write!(out, r#"<th class="num">{}</th>"#, html(&g.grade));
        }
        out.push_str("</tr></thead><tbody>");
        for group in industries {
            let ind = group.first().map_or("", |g| g.0);
            // Sorted by score within the industry, as the whole list is sorted.
            let scores: Vec<i64> = group.iter().map(|g| g.1).collect();
            let n = scores.len();
            let mean = scores.iter().sum::<i64>() as f64 / n.max(1) as f64;
            let median = match n {
                0 => 0.0,
                _ if n % 2 == 1 => scores.get(n / 2).copied().unwrap_or(0) as f64,
                _ => {
                    (scores.get(n / 2 - 1).copied().unwrap_or(0)
                        + scores.get(n / 2).copied().unwrap_or(0)) as f64
                        / 2.0
                }
            };
            let _ = write!(
                out,
                r#"<tr><td>{}</td><td class="num">{n}</td><td class="num">{mean:.0}</td><td class="num">{median:.0}</td>"#,
                html(ind)
            );
            let mut per_grade = vec![0usize; rules.grades().len()];
            for g in group {
                if let Some(c) = per_grade.get_mut(g.2) {
                    *c += 1;
                }
            }
            for c in per_grade {
                let _ = write!(out, r#"<td class="num">{c}</td>"#);
            }
            out.push_str("</tr>");
        }
        out.push_str("</tbody></table>");
    }
}

//! `riskrate import`: public incident data, as it is, to canonical JSON Lines.

use std::path::{Path, PathBuf};

use clap::Args;
use riskrate::unstable::escape;
use riskrate::unstable::import::{COMPARISON_LIMIT, Encoding, Source, likely_duplicates};
use riskrate::unstable::render::write::{write_canonical, write_clusters};
use riskrate::unstable::resolve::Merges;
use riskrate::unstable::{Dataset, Error, Limits};

use super::output::{Inputs, output};
use super::{Exit, warn_rejected};

const EXAMPLE: &str = "\
Examples:
  # The HHS breach portal's archive (Mac Roman) and current list, as canonical records
  riskrate import --from hhs --encoding mac-roman hhs_ocr_breach_report_archive.csv > hhs.jsonl

  # Several sources at once, their reports of one incident merged: SOURCE:FILE
  # (or SOURCE:ENCODING:FILE) picks the source (and encoding) per file
  riskrate import hhs:mac-roman:hhs_ocr_breach_report_archive.csv hibp:hibp_breaches.json \\
      wikipedia:wikipedia_list_of_data_breaches.csv veris:vcdb-sample \\
      rankiteo:seed/rankiteo-incident.json -o all.jsonl --duplicates clusters.jsonl

  # Any other CSV, through a mapping file (see docs/formats.md)
  riskrate import --from csv --mapping my-mapping.toml incidents.csv

Every source record ends as an incident, a report merged into one, or a rejection
with its reason; the counts are printed on stderr. Reports of one incident in
different files are merged by the rules' [merge] table: the incident is written
with its merged fields and its reports (`sources`), and --duplicates FILE lists
every merged incident. With --no-merge every record is written as read, and the
likely cross-source duplicates are listed instead.

Exit status: 0 ok; 1 when nothing at all was imported, or a record was rejected
under --strict (nothing is written then, and an -o file is left as it was);
2 error.";

/// Convert public incident data (VERIS, HHS, HIBP, Wikipedia, Rankiteo, any CSV)
/// into canonical JSON Lines.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLE)]
pub struct ImportArgs {
    /// The source of files given without a `SOURCE:` prefix: veris, hhs, hibp,
    /// wikipedia, rankiteo or csv (with --mapping).
    #[arg(long, value_name = "SOURCE")]
    pub from: Option<String>,

    /// Source files (`SOURCE:FILE` to name the source per file; a directory for veris).
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<String>,

    /// A CSV mapping file (TOML) for the csv source.
    #[arg(long, value_name = "FILE")]
    pub mapping: Option<PathBuf>,

    /// Text encoding of the files: utf-8, windows-1252 (latin1) or mac-roman.
    #[arg(long, value_name = "ENCODING", default_value = "utf-8", value_parser = parse_encoding)]
    pub encoding: Encoding,

    /// Largest source record accepted, in bytes (a CSV row, a JSON array element,
    /// a VERIS file); larger ones are rejected unread.
    #[arg(long, value_name = "BYTES", default_value_t = Limits::default().max_record_bytes)]
    pub max_record_bytes: usize,

    /// Deepest nesting of arrays and objects accepted in a JSON source record.
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_depth)]
    pub max_depth: usize,

    /// Rules to check the records against (types and data classes).
    #[arg(long, value_name = "FILE")]
    pub rules: Option<PathBuf>,

    /// Write every record as an incident of its own, whatever the rules' [merge]
    /// table says (the reports of one incident are merged by default).
    #[arg(long)]
    pub no_merge: bool,

    /// Also write every merged incident with its reports: one JSON line each, or
    /// one CSV row per report when FILE ends in .csv.
    #[arg(long, value_name = "FILE")]
    pub duplicates: Option<PathBuf>,

    /// Company aliases (TOML `[aliases]` "alias" = "key", or CSV `alias,company`):
    /// a record whose key or name is an alias is written under its key.
    #[arg(long, value_name = "FILE")]
    pub aliases: Option<PathBuf>,

    /// Exit with status 1, writing nothing, if any source record is rejected.
    #[arg(long)]
    pub strict: bool,

    /// Write the records to FILE instead of standard output (`-`): a regular file is
    /// replaced atomically, a device or FIFO written directly; an input is refused.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Each file with its source and encoding: `SOURCE:FILE` or
/// `SOURCE:ENCODING:FILE`, else `--from`'s source and `--encoding`'s encoding.
fn sources(args: &ImportArgs) -> Result<Vec<(Source, Encoding, PathBuf)>, Error> {
    let mut sources = Vec::with_capacity(args.files.len());
    for spec in &args.files {
        // SOURCE:FILE names the source, unless the whole spec is an existing path.
        let prefixed = spec.split_once(':').filter(|(prefix, _)| {
            !Path::new(spec).exists()
                && (Source::builtin(prefix).is_ok() || prefix.eq_ignore_ascii_case("csv"))
        });
        let (src, path) = match prefixed {
            Some((prefix, rest)) => (
                super::source(prefix, args.mapping.as_deref())?,
                rest.to_string(),
            ),
            None => {
                let from = args.from.as_deref().ok_or_else(|| {
                    Error::Usage(format!(
                        "no source for `{spec}`: give --from SOURCE or write SOURCE:{spec}"
                    ))
                })?;
                (super::source(from, args.mapping.as_deref())?, spec.clone())
            }
        };
        // ENCODING:FILE after a source names the file's encoding, unless the
        // rest is an existing path.
        let (encoding, path) = match path.split_once(':') {
            Some((enc, file)) if !Path::new(&path).exists() => match enc.parse::<Encoding>() {
                Ok(e) => (e, file.to_string()),
                Err(_) => (args.encoding, path),
            },
            _ => (args.encoding, path),
        };
        sources.push((src, encoding, PathBuf::from(path)));
    }
    Ok(sources)
}

/// Tells of likely cross-source duplicates (the first ten pairs).
fn say_duplicates(resolved: &riskrate::unstable::Resolution<'_>) {
    let shown = 10;
    let dups = likely_duplicates(resolved, 90, shown);
    if dups.total > 0 {
        say!(
            "riskrate: {}{} likely cross-source duplicate pair{} (same company key and type family, dates within 90 days{}); all kept:",
            if dups.complete { "" } else { "at least " },
            dups.total,
            if dups.total == 1 { "" } else { "s" },
            if dups.complete {
                String::new()
            } else {
                format!("; the search stopped after {COMPARISON_LIMIT} comparisons")
            }
        );
        for d in &dups.pairs {
            say!(
                "  {}: {} ({}) ~ {} ({}), {} days apart",
                escape::terminal(d.company),
                escape::terminal(d.first.id()),
                d.first.incident.date,
                escape::terminal(d.second.id()),
                d.second.incident.date,
                d.days_apart
            );
        }
        if dups.total > dups.pairs.len() as u64 {
            say!("  … and {} more", dups.total - dups.pairs.len() as u64);
        }
    }
}

fn parse_encoding(s: &str) -> Result<Encoding, String> {
    s.parse::<Encoding>().map_err(|e| e.to_string())
}

pub fn run(args: &ImportArgs) -> Result<Exit, Error> {
    let sources = sources(args)?;
    let out = output(
        args.output.as_deref(),
        &Inputs::new()
            .files(sources.iter().map(|(_, _, p)| p.as_path()))
            .file(args.mapping.as_deref())
            .file(args.rules.as_deref())
            .file(args.aliases.as_deref()),
    )?;
    let inputs = Inputs::new()
        .files(sources.iter().map(|(_, _, p)| p.as_path()))
        .file(args.mapping.as_deref())
        .file(args.rules.as_deref())
        .file(args.aliases.as_deref())
        .file(args.output.as_deref().filter(|p| p.as_os_str() != "-"));
    let duplicates = args
        .duplicates
        .as_deref()
        .map(|p| output(Some(p), &inputs))
        .transpose()?;
    let rules = super::load_rules(args.rules.as_deref())?;
    let mut data = Dataset::with_limits(Limits {
        max_record_bytes: args.max_record_bytes,
        max_depth: args.max_depth,
    });
    if let Some(path) = &args.aliases {
        data.set_aliases(riskrate::Aliases::from_path(path)?);
    }
    let mut per_file: Vec<(String, &'static str, u64, u64)> = Vec::new();
    for (src, encoding, path) in &sources {
        let before = data.rejected().len() as u64;
        let n = riskrate::unstable::import::read_path(&mut data, src, path, *encoding)?;
        per_file.push((
            path.display().to_string(),
            src.name(),
            n,
            data.rejected().len() as u64 - before,
        ));
    }
    super::warn_skipped(&data);
    let mut room = Merges::default();
    let resolved = if args.no_merge {
        data.resolve_unmerged(&rules)
    } else {
        data.resolve(&rules, &mut room)
    };
    let merged = resolved.merged();
    let total = data.read_count();
    // Nothing is written when the run fails: an empty file in place of the
    // user's is not a result.
    let failed = if resolved.items().is_empty() {
        Some(format!(
            "riskrate: nothing imported: {} of {total} source records rejected",
            resolved.rejected().len()
        ))
    } else if args.strict && !resolved.rejected().is_empty() {
        Some("riskrate: --strict: a source record was rejected; nothing written".to_string())
    } else {
        None
    };
    if failed.is_none() {
        out.write(|w| write_canonical(w, &resolved))?;
        if let Some(d) = duplicates {
            let csv = args
                .duplicates
                .as_deref()
                .and_then(Path::extension)
                .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
            d.write(|w| write_clusters(w, &resolved, csv))?;
        }
    }

    let folded = merged.folded();
    say!(
        "riskrate: read {total} source records: {} incidents written, {}{} rejected",
        resolved.items().len(),
        if folded > 0 {
            format!(
                "{folded} merged into another's incident ({} incidents of several reports), ",
                merged.groups().len()
            )
        } else {
            String::new()
        },
        resolved.rejected().len()
    );
    for (path, name, n, rejected) in &per_file {
        say!(
            "  {name:<9} {}: {n} records, {rejected} rejected on reading",
            escape::terminal(path)
        );
    }
    warn_rejected(resolved.rejected(), 5);
    if let Some(why) = failed {
        say!("{why}");
        return Ok(Exit::Failed);
    }
    if args.no_merge {
        say_duplicates(&resolved);
    }
    Ok(Exit::Ok)
}

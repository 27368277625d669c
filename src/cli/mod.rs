//! The command-line front end: argument parsing, files, exit codes. The library
//! knows nothing of this module.

/// Writes a line to stderr without `eprintln!`'s panic on a failed write.
macro_rules! say {
    ($($arg:tt)*) => {
        $crate::cli::output::say(format_args!($($arg)*))
    };
}

pub mod backtest;
pub mod diff;
pub mod explain;
pub mod generate;
pub mod history;
pub mod import;
pub mod output;
pub mod report;
pub mod rules;
pub mod score;

use std::io::{self, IsTerminal};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use clap::Args;
use riskrate::unstable::import::{Encoding, Mapping, Source};
use riskrate::unstable::resolve::{Merges, Resolution};
use riskrate::unstable::{Dataset, Error, Format, Limits, Rules};

/// What a command ended with; `main` turns it into the process exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 0: done.
    Ok,
    /// 1: done, but a `--strict` or threshold check failed.
    Failed,
}
// Exit status 2 (could not be done: bad rules, unreadable input, bad flag) comes from
// an `Err` reaching `main`, or from clap for a bad flag.

/// Inputs, rules and date shared by the rating commands.
#[derive(Debug, Args)]
pub struct RatingArgs {
    /// Rate as of this date (YYYY-MM-DD). Default: today (UTC).
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub as_of: Option<NaiveDate>,

    /// Rules file to use instead of the built-in default rules.
    #[arg(long, value_name = "FILE")]
    pub rules: Option<PathBuf>,
}

/// The incident inputs of a command and how to read them.
#[derive(Debug, Args)]
pub struct InputArgs {
    /// Incident files; `-` or none reads standard input. With --input-format veris a
    /// directory reads every .json file in it.
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,

    /// Input format: auto (by extension, then content), jsonl, json or csv for
    /// canonical records; veris, hhs, hibp, wikipedia or rankiteo to read a public
    /// source as it is; csv with --mapping for any other CSV.
    #[arg(long, value_name = "FORMAT", default_value = "auto")]
    pub input_format: String,

    /// A CSV mapping file (TOML) for --input-format csv: which column is what.
    #[arg(long, value_name = "FILE")]
    pub mapping: Option<PathBuf>,

    /// Text encoding of source files: utf-8, windows-1252 (latin1) or mac-roman.
    #[arg(long, value_name = "ENCODING", default_value = "utf-8", value_parser = parse_encoding)]
    pub encoding: Encoding,

    /// Largest record accepted, in bytes (a line, array element or CSV row); larger
    /// ones are rejected unread.
    #[arg(long, value_name = "BYTES", default_value_t = Limits::default().max_record_bytes)]
    pub max_record_bytes: usize,

    /// Deepest nesting of arrays and objects accepted in a JSON record.
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_depth)]
    pub max_depth: usize,

    /// No progress display on stderr (it shows only on a terminal, for large inputs).
    #[arg(long, short = 'q')]
    pub quiet: bool,

    /// Rate every report as an incident of its own, whatever the rules' [merge]
    /// table says.
    #[arg(long)]
    pub no_merge: bool,

    /// Company aliases (TOML `[aliases]` "alias" = "key", or CSV `alias,company`):
    /// a record whose key or name is an alias is rated under its key.
    #[arg(long, value_name = "FILE")]
    pub aliases: Option<PathBuf>,
}

fn parse_encoding(s: &str) -> Result<Encoding, String> {
    s.parse::<Encoding>().map_err(|e| e.to_string())
}

/// A spinner on stderr, or nothing.
pub struct Progress(Option<indicatif::ProgressBar>);

impl Progress {
    /// Shows what the run is doing now.
    pub fn stage(&self, message: impl Into<String>) {
        if let Some(b) = &self.0 {
            b.set_message(message.into());
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(b) = &self.0 {
            b.finish_and_clear();
        }
    }
}

/// What the input format names: canonical records, or a source to import.
pub enum Input {
    Canonical(Format),
    Source(Source),
}

impl InputArgs {
    /// `data` resolved under `rules`, the reports of one incident merged (into
    /// `room`) unless --no-merge.
    pub fn resolve<'a>(
        &self,
        data: &'a Dataset,
        rules: &'a Rules,
        room: &'a mut Merges,
    ) -> Resolution<'a> {
        if self.no_merge {
            data.resolve_unmerged(rules)
        } else {
            data.resolve(rules, room)
        }
    }

    /// The files this run reads, for the output's check against them.
    pub fn inputs(&self) -> output::Inputs<'_> {
        output::Inputs::new()
            .files(self.files.iter().map(PathBuf::as_path))
            .file(self.mapping.as_deref())
            .file(self.aliases.as_deref())
            .stdin(self.files.is_empty())
    }

    /// The input kind the flags name.
    pub fn kind(&self) -> Result<Input, Error> {
        let f = self.input_format.to_ascii_lowercase();
        // `csv` is canonical CSV unless a mapping says how to read another CSV.
        match f.parse::<Format>() {
            Ok(format) if !(format == Format::Csv && self.mapping.is_some()) => {
                Ok(Input::Canonical(format))
            }
            _ => source(&f, self.mapping.as_deref()).map(Input::Source),
        }
    }

    /// A progress display for this run: a spinner on stderr naming the stage, shown
    /// only when stderr is a terminal, the inputs are large (16 MiB or more, where a
    /// run takes more than a moment) and --quiet is not given.
    pub fn progress(&self) -> Progress {
        let size: u64 = self
            .files
            .iter()
            .filter_map(|f| std::fs::metadata(f).ok())
            .map(|m| m.len())
            .sum();
        if self.quiet || size < 16 << 20 || !io::stderr().is_terminal() {
            return Progress(None);
        }
        let bar = indicatif::ProgressBar::new_spinner();
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        bar.set_message(format!("reading {} MB", size >> 20));
        Progress(Some(bar))
    }

    /// Every input read into a dataset bounded by the limits the flags set.
    pub fn load(&self) -> Result<Dataset, Error> {
        let mut data = Dataset::with_limits(Limits {
            max_record_bytes: self.max_record_bytes,
            max_depth: self.max_depth,
        });
        if let Some(path) = &self.aliases {
            data.set_aliases(riskrate::Aliases::from_path(path)?);
        }
        self.read(&mut data)?;
        warn_skipped(&data);
        Ok(data)
    }

    /// Reads every input into `data`.
    fn read(&self, data: &mut Dataset) -> Result<(), Error> {
        match self.kind()? {
            Input::Canonical(format) => read_inputs(data, &self.files, format),
            Input::Source(source) => {
                if self.files.is_empty() || self.files.iter().any(|f| f.as_os_str() == "-") {
                    let mut stdin = io::stdin().lock();
                    riskrate::unstable::import::read_reader(
                        data,
                        &source,
                        &mut stdin,
                        "-",
                        self.encoding,
                    )?;
                }
                for f in self.files.iter().filter(|f| f.as_os_str() != "-") {
                    riskrate::unstable::import::read_path(data, &source, f, self.encoding)?;
                }
                Ok(())
            }
        }
    }
}

/// A date flag: YYYY-MM-DD with a four-digit year (0000 to 9999), the form every
/// record date has, so a date given here can always be written and read back.
pub fn parse_date(s: &str) -> Result<NaiveDate, String> {
    riskrate::unstable::PartialDate::parse(s)
        .filter(|d| d.precision == riskrate::unstable::Precision::Day)
        .map(|d| d.date)
        .ok_or_else(|| format!("`{s}` is not a date (YYYY-MM-DD, years 0000 to 9999)"))
}

impl RatingArgs {
    pub fn as_of(&self) -> NaiveDate {
        self.as_of
            .unwrap_or_else(|| chrono::Utc::now().date_naive())
    }

    pub fn load_rules(&self) -> Result<Rules, Error> {
        load_rules(self.rules.as_deref())
    }
}

/// `value`, never dropped: a command ends with the process, and the operating
/// system takes back all its memory at once, where freeing a dataset's incidents,
/// texts, resolved items and ratings piece by piece is a visible share of a run.
pub fn until_exit<T>(value: T) -> std::mem::ManuallyDrop<T> {
    std::mem::ManuallyDrop::new(value)
}

/// Whether to colour terminal output: `always`, `never`, or `auto` — colour when
/// stdout is a terminal, unless NO_COLOR is set (CLICOLOR_FORCE forces it on).
pub fn use_color(when: &str) -> bool {
    let set = |k: &str| std::env::var_os(k).is_some_and(|v| !v.is_empty() && v != "0");
    match when {
        "always" => true,
        "never" => false,
        _ if set("NO_COLOR") => false,
        _ if set("CLICOLOR_FORCE") => true,
        _ => io::stdout().is_terminal(),
    }
}

/// The table style for a terminal: grades coloured green (best) to red, with
/// ANSI codes, when `color`; plain otherwise.
pub fn table_style(color: bool) -> riskrate::unstable::TableStyle {
    const GRADE_COLOURS: [&str; 5] = ["32", "92", "33", "38;5;208", "31"];
    let grades = if color {
        GRADE_COLOURS
            .iter()
            .map(|code| (format!("\x1b[{code}m"), "\x1b[0m".to_string()))
            .collect()
    } else {
        Vec::new()
    };
    riskrate::unstable::TableStyle { grades }
}

/// The import source `name`: a built-in one, or `csv` read through the `mapping` file.
pub fn source(name: &str, mapping: Option<&Path>) -> Result<Source, Error> {
    if !name.eq_ignore_ascii_case("csv") {
        return Source::builtin(name);
    }
    let path = mapping.ok_or_else(|| Error::Usage("the csv source needs --mapping FILE".into()))?;
    Ok(Source::Csv(Box::new(Mapping::from_path(path)?)))
}

/// The rules in `path`, or the built-in default rules.
pub fn load_rules(path: Option<&Path>) -> Result<Rules, Error> {
    match path {
        Some(path) => Rules::from_path(path),
        None => Ok(Rules::default_rules()?),
    }
}

/// Says on stderr what was skipped unread (entries of a directory that are no
/// files).
pub fn warn_skipped(data: &Dataset) {
    use riskrate::unstable::escape::terminal;
    for w in data.warnings() {
        say!("riskrate: warning: {}", terminal(w));
    }
    // One pass: the count, and the first three places.
    let mut n = 0usize;
    let mut shown = Vec::new();
    for i in data.disclosed_before_date() {
        n += 1;
        if shown.len() < 3 {
            shown.push(format!("{}:{} id {}", data.file(i), i.line, data.id(i)));
        }
    }
    if n > 0 {
        say!(
            "riskrate: warning: {n} record{} disclosed before {} date (aged from the disclosure, as given): {}{}",
            if n == 1 { " is" } else { "s are" },
            if n == 1 { "its" } else { "their" },
            terminal(&shown.join(", ")),
            if n > 3 { ", …" } else { "" }
        );
    }
}

/// Says on stderr how many records were rejected, with the first `shown` reasons;
/// true when any were.
pub fn warn_rejected(rejected: &[riskrate::Rejection], shown: usize) -> bool {
    if rejected.is_empty() {
        return false;
    }
    say!(
        "riskrate: {}",
        riskrate::unstable::render::write::rejection_summary(rejected, shown)
    );
    true
}

/// Reads every input into `data`; no files means standard input (unless it is a
/// terminal, where waiting for typed JSON would only look like a hang).
pub fn read_inputs(data: &mut Dataset, files: &[PathBuf], format: Format) -> Result<(), Error> {
    if files.is_empty() {
        if io::stdin().is_terminal() {
            return Err(Error::Usage(
                "no input: give incident files, or - to read standard input".into(),
            ));
        }
        return data.read_stream(io::stdin(), "-", format);
    }
    for f in files {
        if f.as_os_str() == "-" {
            data.read_stream(io::stdin(), "-", format)?;
        } else {
            data.read_path(f, format)?;
        }
    }
    Ok(())
}

//! The records of one run, checked once, independent of any rules.
//!
//! A [`Dataset`] is where the accounting of SCORING.md §6 starts: each record read is
//! either kept as an [`Incident`] or as a [`Rejection`], never dropped. What depends
//! on the rules — which type a `type` text names, which classes its `data_types` are,
//! which impact levels exist, and so which record first claims an id — is decided by
//! [`Dataset::resolve`], so one dataset can be rated under several rule sets (`diff`)
//! without reading its files twice.

use std::io::Read;
use std::path::Path;
use std::sync::OnceLock;

use rayon::prelude::*;

use crate::check::{self, Fault};
use crate::error::Error;
use crate::ingest::direct::Scanned;
use crate::ingest::read::{self, Format, Limits};
use crate::model::{Incident, Names, Record, Rejection};
use crate::text::{TextId, Texts};

/// Records read so far: incidents (checked, not yet resolved) and rejections.
#[derive(Debug, Clone, Default)]
pub struct Dataset {
    limits: Limits,
    files: Vec<String>,
    incidents: Vec<Incident>,
    rejected: Vec<Rejection>,
    names: Names,
    read: u64,
    /// What was left unread and why (an entry of a directory that is no file).
    warnings: Vec<String>,
    /// Worked out at the first resolve, forgotten whenever an incident is added.
    derived: OnceLock<Derived>,
}

/// What every resolution of a dataset needs and no rules change: worked out once,
/// so that `diff` (two resolutions) and `backtest` (eight ratings of one) do not
/// group ten million incidents again each time.
#[derive(Debug, Clone, Default)]
pub(crate) struct Derived {
    /// Each incident's place in the incidents grouped by company: companies in
    /// byte order of their keys, each company's incidents in input order. (Places
    /// rather than the grouped indices: resolving writes each incident's item to
    /// its place while it reads the incidents in input order, which is what the
    /// memory is quick at.)
    pub(crate) place: Vec<u32>,
    /// Each company's run of places, in company order.
    pub(crate) companies: Vec<Run>,
    /// Groups of incidents (indices, in input order) that share an id, in order of
    /// their first member; ids used once are left out.
    pub(crate) same_ids: Vec<Vec<usize>>,
    /// The companies' keys, in company order ([`Run::key`]). Rating and writing
    /// take them in that order; in the dataset's table they lie in order of first
    /// appearance, where each would be two reads from all over memory.
    pub(crate) keys: Texts,
}

/// One company's run of a list grouped by company: its key, and the run
/// `start..end` of the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Run {
    /// The key in [`Derived::keys`].
    pub(crate) key: TextId,
    pub(crate) start: u32,
    pub(crate) end: u32,
}

impl Run {
    pub(crate) fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// `runs` (consecutive, from 0) over a list, for that list with the entries at
/// `removed` (ascending positions) taken out: the same runs over what is left,
/// with the runs left empty dropped.
pub(crate) fn runs_without(runs: &[Run], removed: &[usize]) -> Vec<Run> {
    let mut out = Vec::with_capacity(runs.len());
    let (mut taken, mut start) = (0usize, 0u32);
    for run in runs {
        while removed.get(taken).is_some_and(|&p| p < run.end as usize) {
            taken += 1;
        }
        // `taken` positions before `run.end` are gone, and no more than were there.
        let end = run
            .end
            .saturating_sub(u32::try_from(taken).unwrap_or(u32::MAX));
        if end > start {
            out.push(Run {
                key: run.key,
                start,
                end,
            });
        }
        start = start.max(end);
    }
    out
}

impl Dataset {
    /// An empty dataset with the default [`Limits`].
    pub fn new() -> Dataset {
        Dataset::default()
    }

    /// An empty dataset whose records are bounded by `limits`.
    pub fn with_limits(limits: Limits) -> Dataset {
        Dataset {
            limits,
            ..Dataset::default()
        }
    }

    /// Rates companies under the keys `aliases` give them: every incident read
    /// so far is moved to its key, and every record read from now on is read
    /// under it. Aliases add up: a company once moved stays moved.
    pub fn set_aliases(&mut self, aliases: crate::aliases::Aliases) {
        let aliases = std::sync::Arc::new(aliases);
        let names = &mut self.names;
        for inc in &mut self.incidents {
            let key = names.texts.get(inc.company);
            let name = inc.company_name.map(|t| names.company_names.get(t));
            if let Some(to) = aliases.canonical(key, name)
                && to != key
            {
                let to = to.to_string();
                inc.company = names.texts.intern(&to);
            }
        }
        names.aliases = Some(aliases);
        self.derived = OnceLock::new();
    }

    /// The limits each record is held to.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// What was skipped unread while reading, and why (for example a FIFO in a
    /// VERIS directory); no record was lost with it.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// The incidents disclosed before their date could have begun (a disclosure
    /// wholly before the date): accepted as SCORING.md reads them — aged from the
    /// disclosure — but likely a data error, which the CLI warns of.
    pub fn disclosed_before_date(&self) -> impl Iterator<Item = &Incident> {
        self.incidents
            .iter()
            .filter(|i| i.disclosed.is_some_and(|d| d.before_all_of(i.date)))
    }

    pub(crate) fn warn(&mut self, warning: String) {
        self.warnings.push(warning);
    }

    /// Records that passed the rules-independent checks, in input order.
    pub fn incidents(&self) -> &[Incident] {
        &self.incidents
    }
    /// Records rejected whatever the rules (bad JSON, dates, numbers…), in input order.
    pub fn rejected(&self) -> &[Rejection] {
        &self.rejected
    }
    /// Names of the inputs read, in order; [`Incident::file`] indexes this.
    pub fn files(&self) -> &[String] {
        &self.files
    }
    /// The distinct type texts and data lists the incidents refer to.
    pub fn names(&self) -> &Names {
        &self.names
    }
    /// The id of `incident`.
    pub fn id(&self, incident: &Incident) -> &str {
        self.names.ids.slice(self.id_span(incident))
    }
    /// Where the id of `incident` lies in the id table's text. For an incident of
    /// this dataset it is found from where the incident lies in memory (see
    /// [`Dataset::ids_aligned`]), without reading the incident: a cache miss
    /// fewer for each contributor written.
    pub(crate) fn id_span(&self, incident: &Incident) -> std::ops::Range<usize> {
        let ids = &self.names.ids;
        match self.position(incident) {
            Some(i) if self.ids_aligned() => ids.span_at(i),
            _ => ids.span(incident.id),
        }
    }
    /// Whether incident `i`'s id is text `i` of the id table, as it always is:
    /// an id is pushed only by `Checked::store`, whose incident is always kept,
    /// and the chunks' tables are appended in the order of their incidents.
    /// Checked by length, so that should the two ever differ, each id is found
    /// through its incident instead.
    fn ids_aligned(&self) -> bool {
        self.names.ids.len() == self.incidents.len()
    }
    /// The index of `incident` in [`Dataset::incidents`], when it is one of them:
    /// told by its address alone.
    fn position(&self, incident: &Incident) -> Option<usize> {
        let size = std::mem::size_of::<Incident>();
        let offset = std::ptr::from_ref(incident)
            .addr()
            .checked_sub(self.incidents.as_ptr().addr())?;
        let i = offset / size;
        (offset % size == 0 && i < self.incidents.len()).then_some(i)
    }
    /// The table of ids ([`Incident::id`] indexes it).
    pub(crate) fn ids(&self) -> &crate::text::Texts {
        &self.names.ids
    }
    /// The table of company names ([`Incident::company_name`] indexes it).
    pub(crate) fn company_names(&self) -> &crate::text::Texts {
        &self.names.company_names
    }
    /// The text of a company key, industry or country of an incident.
    pub fn text(&self, id: TextId) -> &str {
        self.names.texts.get(id)
    }
    /// The text of an incident's [`Incident::company_name`].
    pub fn company_name(&self, id: TextId) -> &str {
        self.names.company_names.get(id)
    }
    /// The input an incident was read from, by its [`Incident::file`].
    pub fn file(&self, incident: &Incident) -> &str {
        self.files
            .get(incident.file as usize)
            .map_or("", String::as_str)
    }
    /// The incidents grouped by company, and the groups that share an id (worked
    /// out at the first call after the last incident was added).
    pub(crate) fn derived(&self) -> &Derived {
        self.derived.get_or_init(|| {
            let (same_ids, grouped) = rayon::join(
                || {
                    // Read by position, the search streams through the id table
                    // rather than through a cache line of every incident.
                    let ids = &self.names.ids;
                    let aligned = self.ids_aligned();
                    let mut groups = repeated_texts(self.incidents.len(), |i| {
                        if aligned {
                            ids.at(i)
                        } else {
                            self.incidents.get(i).map_or("", |inc| self.id(inc))
                        }
                    });
                    groups.sort_unstable();
                    groups
                },
                || group_by_company(&self.incidents, &self.names.texts),
            );
            let (place, companies, keys) = grouped;
            Derived {
                place,
                companies,
                same_ids,
                keys,
            }
        })
    }

    /// Records read: incidents plus rejections.
    pub fn read_count(&self) -> u64 {
        self.read
    }

    fn file_index(&mut self, name: &str) -> u32 {
        self.files.push(name.to_string());
        u32::try_from(self.files.len() - 1).unwrap_or(u32::MAX)
    }

    fn file_name(&self, file: u32) -> String {
        self.files.get(file as usize).cloned().unwrap_or_default()
    }

    /// Checks one record and keeps it as an incident or a rejection. `origin` names
    /// where it came from in messages (a file name, `-`, or anything).
    pub fn push(&mut self, record: &Record<'_>, origin: &str, line: u64) {
        let file = self.origin_index(origin);
        self.push_in(record, file, line);
    }

    /// The index of `origin` among the inputs, added when new.
    fn origin_index(&mut self, origin: &str) -> u32 {
        match self.files.iter().rposition(|f| f == origin) {
            Some(i) => u32::try_from(i).unwrap_or(u32::MAX),
            None => self.file_index(origin),
        }
    }

    /// Counts a record read as rejected.
    fn reject(
        &mut self,
        file: u32,
        line: u64,
        id: Option<String>,
        field: Option<String>,
        message: String,
    ) {
        let seq = self.incidents.len() as u64;
        self.read += 1;
        self.rejected.push(Rejection {
            file: self.file_name(file),
            line,
            id,
            field,
            message,
            seq,
        });
    }

    fn push_in(&mut self, record: &Record<'_>, file: u32, line: u64) {
        let seq = self.incidents.len() as u64;
        self.read += 1;
        match check::check(record, &mut self.names, file, line, &mut self.incidents) {
            Ok(()) => {
                self.derived.take();
            }
            Err(fault) => {
                // The file name is only copied into a rejection, never per incident.
                let r =
                    fault.into_rejection(check::id_text(record), self.file_name(file), line, seq);
                self.rejected.push(r);
            }
        }
    }

    /// Keeps a record that an importer could not convert, as a rejection.
    pub fn push_rejection(
        &mut self,
        origin: &str,
        line: u64,
        id: Option<String>,
        field: Option<String>,
        message: String,
    ) {
        let file = self.origin_index(origin);
        self.reject(file, line, id, field, message);
    }

    fn push_unreadable(&mut self, file: u32, line: u64, why: read::Unreadable) {
        self.reject(file, line, None, why.field.map(str::to_string), why.message);
    }

    /// Reads every record of `bytes` (a whole document in `format`) named `name`.
    ///
    /// # Errors
    /// [`Error::Document`] when the document as a whole is unusable; bad records are
    /// rejections, not errors.
    pub fn read_bytes(&mut self, bytes: &[u8], name: &str, format: Format) -> Result<(), Error> {
        let format = match format {
            Format::Auto => Format::from_extension(name),
            f => f,
        };
        let file = self.file_index(name);
        let limits = self.limits;
        let jsonl = read::read_bytes(
            bytes,
            name,
            format,
            &limits,
            &mut |(line, item)| match item {
                Ok(record) => self.push_in(record, file, line),
                Err(why) => self.push_unreadable(file, line, why),
            },
        )?;
        if let Some(text) = jsonl {
            if has_lone_cr(text) {
                let mut owned = text.to_vec();
                lone_crs_to_lf(&mut owned, true);
                self.read_jsonl_parallel(&owned, file, 0);
            } else {
                self.read_jsonl_parallel(text, file, 0);
            }
        }
        Ok(())
    }

    /// Streams a JSON Lines file in blocks of 16 MiB (cut at a line end), so memory
    /// holds a few blocks of input at a time rather than the whole file.
    ///
    /// Three stages overlap: while block k is merged into the dataset (in order, on
    /// one thread), block k + 1 is parsed in parallel and block k + 2 is read.
    fn stream_jsonl(&mut self, path: &Path, name: &str) -> Result<(), Error> {
        self.stream_jsonl_in(path, name, 16 << 20)
    }

    /// As [`Dataset::stream_jsonl`], in blocks of `block` bytes (tests use tiny ones).
    fn stream_jsonl_in(&mut self, path: &Path, name: &str, block: usize) -> Result<(), Error> {
        let f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        // The file's size tells roughly how many incidents are coming: reserving for
        // them once spares copying the growing list at every block.
        let size = f.metadata().map_or(0, |m| m.len());
        self.stream_jsonl_from(f, size, name, block)
    }

    /// Streams JSON Lines from `f` (`size` bytes expected, 0 when unknown). A line
    /// longer than the record limit is skipped as it streams, never held whole: it
    /// is rejected with its size, and its lines after it keep their numbers. A
    /// lone CR (old Mac line ends) ends a line as LF does.
    fn stream_jsonl_from(
        &mut self,
        mut f: impl Read + Send,
        size: u64,
        name: &str,
        block: usize,
    ) -> Result<(), Error> {
        let block = block.max(1);
        let path = Path::new(name);
        let file = self.file_index(name);
        // How much to read next. The pipeline below leaves a core idle twice: while
        // the first block is read (nothing to parse yet) and while the last one is
        // merged (nothing left to parse). So blocks start small and double up to
        // `block`, and near the end shrink to half of what is left: both idle
        // stretches then cover about a megabyte, not sixteen.
        let mut sizes = Sizes::new(block, size);
        let limits = self.limits;
        let template = self.names.sibling();

        let mut cur: Vec<u8> = Vec::new();
        let mut eof = fill(&mut f, &mut cur, sizes.take(), path)?;
        while !eof && cur.len() < 3 {
            eof = fill(&mut f, &mut cur, sizes.take(), path)?;
        }
        if cur.starts_with(b"\xEF\xBB\xBF") {
            cur.drain(..3);
        }
        let mut next = Vec::new();
        let mut skip = cut_or_skip(&mut f, &mut cur, &mut eof, &mut next, &limits, path)?;
        let mut pending: Option<(Vec<Chunk>, Option<u64>)> = None;
        let mut lines = 0u64;
        let mut reserved = eof;
        loop {
            let want = sizes.take();
            // Merge the parsed block, parse the current one, read the next one.
            let (merged, (parsed, read)) = rayon::join(
                || {
                    pending
                        .take()
                        .map(|(p, skipped)| self.merge_skipped(p, skipped, file, lines))
                },
                || {
                    rayon::join(
                        || parse_block(&cur, &limits, &template),
                        || {
                            if eof {
                                Ok(true)
                            } else {
                                fill(&mut f, &mut next, want, path)
                            }
                        },
                    )
                },
            );
            lines += merged.unwrap_or(0);
            if !reserved && !cur.is_empty() {
                self.reserve_like(&parsed, size as f64 / cur.len() as f64 * 1.02);
                reserved = true;
            }
            pending = Some((parsed, skip.take()));
            eof = eof || read?;
            if eof && next.is_empty() {
                break;
            }
            // The parsed block's buffer takes the next one: two buffers serve the
            // whole file, rather than a fresh 16 MiB (and its page faults) a block.
            std::mem::swap(&mut cur, &mut next);
            skip = cut_or_skip(&mut f, &mut cur, &mut eof, &mut next, &limits, path)?;
        }
        if let Some((p, skipped)) = pending {
            self.merge_skipped(p, skipped, file, lines);
        }
        Ok(())
    }

    /// Room for `times` as many incidents, ids and company names as `parsed`
    /// holds: the first block's count per byte, times the file's size.
    fn reserve_like(&mut self, parsed: &[Chunk], times: f64) {
        let got: usize = parsed.iter().map(|c| c.incidents.len()).sum();
        self.incidents.reserve((got as f64 * times) as usize);
        let ids: Vec<&Texts> = parsed.iter().map(|c| &c.names.ids).collect();
        self.names.ids.reserve_like(&ids, times);
        let names: Vec<&Texts> = parsed.iter().map(|c| &c.names.company_names).collect();
        self.names.company_names.reserve_like(&names, times);
    }

    /// JSON Lines in chunks of about a megabyte, parsed and checked in parallel;
    /// the chunks are then merged in order, so lines, ids and rejections come out
    /// exactly as a sequential read would give them.
    fn read_jsonl_parallel(&mut self, bytes: &[u8], file: u32, first_line: u64) -> u64 {
        let template = self.names.sibling();
        let parsed = parse_block(bytes, &self.limits, &template);
        self.merge_block(parsed, file, first_line)
    }

    /// As [`Dataset::merge_block`], then the rejection of the over-limit line
    /// skipped after the block (`skipped`, its size), if there was one.
    fn merge_skipped(
        &mut self,
        parsed: Vec<Chunk>,
        skipped: Option<u64>,
        file: u32,
        first_line: u64,
    ) -> u64 {
        let lines = self.merge_block(parsed, file, first_line);
        let Some(size) = skipped else {
            return lines;
        };
        let message = self.limits.too_large(size);
        self.reject(file, first_line + lines + 1, None, None, message);
        lines + 1
    }

    /// Adds a block's parsed chunks to the dataset, in order; returns its lines.
    fn merge_block(&mut self, mut parsed: Vec<Chunk>, file: u32, first_line: u64) -> u64 {
        // In order: the chunks' names join the dataset's, and each chunk learns where
        // its lines, records, texts and ids start.
        let mut fixes = Vec::with_capacity(parsed.len());
        let mut line = first_line;
        let mut accepted = self.incidents.len() as u64;
        let chunk_texts: Vec<&Texts> = parsed.iter().map(|c| &c.names.texts).collect();
        let mut texts = self.names.texts.merge_all(&chunk_texts).into_iter();
        for chunk in &parsed {
            let names = &chunk.names;
            fixes.push(Fix {
                kinds: names
                    .kinds()
                    .iter()
                    .map(|k| self.names.intern_kind(k))
                    .collect(),
                lists: names
                    .lists()
                    .iter()
                    .map(|l| self.names.intern_list(l))
                    .collect(),
                texts: texts.next().unwrap_or_default(),
                company_names: self.names.company_names.append(&names.company_names),
                ids: self.names.ids.append(&names.ids),
                line,
                seq: accepted,
            });
            line += chunk.lines;
            accepted += chunk.incidents.len() as u64;
            self.read += chunk.records;
        }
        // Then every incident is renumbered in parallel, and the chunks appended.
        parsed.par_iter_mut().zip(&fixes).for_each(|(chunk, fix)| {
            chunk
                .incidents
                .iter_mut()
                .for_each(|inc| fix.apply(inc, file))
        });
        self.incidents
            .reserve(parsed.iter().map(|c| c.incidents.len()).sum());
        self.derived.take();
        for (chunk, fix) in parsed.into_iter().zip(&fixes) {
            self.incidents.extend(chunk.incidents);
            for (rel, seq, id, fault) in chunk.rejected {
                let r =
                    fault.into_rejection(id, self.file_name(file), fix.line + rel, fix.seq + seq);
                self.rejected.push(r);
            }
        }
        line - first_line
    }

    /// Reads a whole stream named `name` (use `-` for stdin).
    ///
    /// # Errors
    /// [`Error::Io`] when it cannot be read, or as [`Dataset::read_bytes`].
    pub fn read_from(
        &mut self,
        mut reader: impl Read,
        name: &str,
        format: Format,
    ) -> Result<(), Error> {
        let mut bytes = Vec::new();
        reader
            .read_to_end(&mut bytes)
            .map_err(|e| Error::io(Path::new(name), e))?;
        self.read_bytes(&bytes, name, format)
    }

    /// Reads a stream named `name`: JSON Lines as it streams, in blocks (a line
    /// over the record limit is skipped, never held whole); any other format as
    /// [`Dataset::read_from`] does, whole.
    ///
    /// # Errors
    /// As [`Dataset::read_from`].
    pub fn read_stream(
        &mut self,
        reader: impl Read + Send,
        name: &str,
        format: Format,
    ) -> Result<(), Error> {
        let format = match format {
            Format::Auto => Format::from_extension(name),
            f => f,
        };
        if format == Format::Jsonl {
            return self.stream_jsonl_from(reader, 0, name, 16 << 20);
        }
        self.read_sniffed(reader, 0, name, format)
    }

    /// As [`Dataset::read_stream`] for JSON Lines, in blocks of `block` bytes: for
    /// the fuzz target that holds tiny blocks to one read of the whole input. Not
    /// part of the stable API.
    ///
    /// # Errors
    /// As [`Dataset::read_stream`].
    #[doc(hidden)]
    pub fn read_jsonl_in_blocks(
        &mut self,
        reader: impl Read + Send,
        name: &str,
        block: usize,
    ) -> Result<(), Error> {
        self.stream_jsonl_from(reader, 0, name, block)
    }

    /// Reads a file; its extension picks the format when `format` is `Auto`.
    ///
    /// # Errors
    /// As [`Dataset::read_from`].
    pub fn read_path(&mut self, path: &Path, format: Format) -> Result<(), Error> {
        let name = path.display().to_string();
        let format = match format {
            Format::Auto => Format::from_extension(&name),
            f => f,
        };
        if format == Format::Jsonl {
            return self.stream_jsonl(path, &name);
        }
        let f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        let size = f.metadata().map_or(0, |m| m.len());
        self.read_sniffed(f, size, &name, format)
    }

    /// Reads a document in `format` (not JSON Lines; `Auto` only where the name
    /// has no extension that says) whole; in `Auto`, input that
    /// can only be JSON Lines (it starts with neither `[` nor `{`) streams instead,
    /// so that a device or a pipe of junk is read in bounded memory.
    fn read_sniffed(
        &mut self,
        reader: impl Read + Send,
        size: u64,
        name: &str,
        format: Format,
    ) -> Result<(), Error> {
        let mut r = std::io::BufReader::with_capacity(64 << 10, reader);
        if matches!(format, Format::Auto | Format::Json) {
            let head =
                std::io::BufRead::fill_buf(&mut r).map_err(|e| Error::io(Path::new(name), e))?;
            let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
            let at = head.iter().position(|b| !b.is_ascii_whitespace());
            match (format, at.and_then(|i| head.get(i))) {
                // Only JSON Lines starts with anything else.
                (Format::Auto, Some(b)) if *b != b'[' && *b != b'{' => {
                    return self.stream_jsonl_from(r, size, name, 16 << 20);
                }
                // An array from a stream, a device or a large file streams element
                // by element, each within the limits; a file of known, moderate size
                // is parsed whole, which is quicker (the cutter reads byte by byte).
                (_, Some(b'[')) if size == 0 || size > WHOLE_JSON_BYTES => {
                    return self.stream_json_array(r, name);
                }
                (Format::Json, Some(b)) if *b != b'{' && *b != b'[' => {
                    let line = read::line_ends(head.get(..at.unwrap_or(0)).unwrap_or_default()) + 1;
                    return Err(Error::Document {
                        file: name.to_string(),
                        line,
                        col: 1,
                        message: "a JSON input must be an array of incident objects or one object"
                            .into(),
                    });
                }
                _ => {}
            }
        }
        let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
        r.read_to_end(&mut bytes)
            .map_err(|e| Error::io(Path::new(name), e))?;
        self.read_bytes(&bytes, name, format)
    }

    /// A JSON array of records, cut into its elements as it streams: an element
    /// over the record limit is skipped with its size, never held whole.
    fn stream_json_array(&mut self, mut r: impl std::io::BufRead, name: &str) -> Result<(), Error> {
        let file = self.file_index(name);
        let limits = self.limits;
        crate::ingest::split::json_records(&mut r, name, &limits, &mut |cut| match cut {
            crate::ingest::split::Cut::Record { line, bytes, .. } => {
                read::json_element(&bytes, line, &limits, &mut |(line, item)| match item {
                    Ok(record) => self.push_in(record, file, line),
                    Err(why) => self.push_unreadable(file, line, why),
                });
            }
            crate::ingest::split::Cut::Skipped { line, message } => {
                self.push_unreadable(file, line, message.into());
            }
        })
        .map(drop)
    }
}

/// The largest JSON array file parsed whole; larger ones, and arrays of unknown
/// size (stdin, pipes, devices), stream.
const WHOLE_JSON_BYTES: u64 = 256 << 20;

/// Appends up to `want` bytes of `f` to `buf` without zeroing them first; true at
/// the end of the file.
fn fill(f: &mut dyn Read, buf: &mut Vec<u8>, want: usize, path: &Path) -> Result<bool, Error> {
    let got = f
        .take(want as u64)
        .read_to_end(buf)
        .map_err(|e| Error::io(path, e))?;
    Ok(got < want)
}

/// Moves the partial last line of `buf` (none at the end of the file) into
/// `rest`, emptied first, which then has room for another block.
fn cut(buf: &mut Vec<u8>, eof: bool, rest: &mut Vec<u8>) {
    let at = if eof {
        buf.len()
    } else {
        buf.iter().rposition(|b| *b == b'\n').map_or(0, |p| p + 1)
    };
    rest.clear();
    rest.reserve(buf.len() - at);
    rest.extend_from_slice(buf.get(at..).unwrap_or_default());
    buf.truncate(at);
}

/// Cuts `cur` at its last line end into `next`; a partial line already longer
/// than a record may be is skipped here, its size returned to be rejected after
/// the block before it is merged.
fn cut_or_skip(
    f: &mut dyn Read,
    cur: &mut Vec<u8>,
    eof: &mut bool,
    next: &mut Vec<u8>,
    limits: &Limits,
    path: &Path,
) -> Result<Option<u64>, Error> {
    lone_crs_to_lf(cur, *eof);
    cut(cur, *eof, next);
    if *eof || !over_limit(next, limits) {
        return Ok(None);
    }
    let (size, rest, at_end) = skip_line(f, next, path)?;
    *next = rest;
    *eof = at_end;
    Ok(Some(size))
}

/// Whether `partial`, the start of a line not yet ended (it may end in a CR whose
/// LF has not been read), is already longer than a record may be.
fn over_limit(partial: &[u8], limits: &Limits) -> bool {
    let len = partial.len() - usize::from(partial.last() == Some(&b'\r'));
    len > limits.max_record_bytes
}

/// Reads past the end of the line that `partial` begins, keeping nothing of it;
/// returns the line's size, the bytes read after its end, and whether the input
/// ended.
fn skip_line(f: &mut dyn Read, partial: &[u8], path: &Path) -> Result<(u64, Vec<u8>, bool), Error> {
    let mut after_cr = partial.last() == Some(&b'\r');
    let mut size = (partial.len() - usize::from(after_cr)) as u64;
    let mut buf = vec![0u8; 64 << 10];
    loop {
        let n = match f.read(&mut buf) {
            Ok(0) => return Ok((size, Vec::new(), true)),
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(Error::io(path, e)),
        };
        let got = buf.get(..n).unwrap_or_default();
        if after_cr {
            // The line ended at a CR. A LF right after it makes a CRLF, whose CR
            // counts in the line's size as it does when the line is read whole.
            let rest = match got.strip_prefix(b"\n") {
                Some(rest) => {
                    size += 1;
                    rest
                }
                None => got,
            };
            return Ok((size, rest.to_vec(), false));
        }
        match memchr::memchr2(b'\n', b'\r', got) {
            Some(p) => {
                size += p as u64;
                let end = got.get(p..).unwrap_or_default();
                match end {
                    [b'\r'] => after_cr = true,
                    [b'\r', b'\n', rest @ ..] => {
                        return Ok((size + 1, rest.to_vec(), false));
                    }
                    [_, rest @ ..] => return Ok((size, rest.to_vec(), false)),
                    [] => {}
                }
            }
            None => size += n as u64,
        }
    }
}

fn has_lone_cr(buf: &[u8]) -> bool {
    memchr::memchr_iter(b'\r', buf).any(|i| buf.get(i + 1) != Some(&b'\n'))
}

/// Turns each lone CR of `buf` (one not followed by LF) into LF, so that a file
/// with old Mac line ends is read line by line. A CR at the very end is left
/// until the next byte is known, unless the input has ended.
fn lone_crs_to_lf(buf: &mut [u8], eof: bool) {
    let len = buf.len();
    let lone: Vec<usize> = memchr::memchr_iter(b'\r', buf)
        .filter(|&i| match buf.get(i + 1) {
            Some(&b) => b != b'\n',
            None => eof && i + 1 == len,
        })
        .collect();
    for i in lone {
        if let Some(b) = buf.get_mut(i) {
            *b = b'\n';
        }
    }
}

/// The sizes of the blocks [`Dataset::stream_jsonl`] reads: from a megabyte (or
/// `block`, when smaller) doubling up to `block`, and at most half of what the
/// file's size says is left.
struct Sizes {
    block: usize,
    /// The first block's size, and the least of any.
    first: usize,
    next: usize,
    left: u64,
}

impl Sizes {
    /// The size of the first block, unless `block` is smaller.
    const FIRST: usize = 1 << 20;

    /// Sizes for a file of `size` bytes (0 when unknown) read in blocks of at
    /// most `block`.
    fn new(block: usize, size: u64) -> Sizes {
        let first = block.min(Sizes::FIRST);
        Sizes {
            block,
            first,
            next: first,
            left: size,
        }
    }

    fn take(&mut self) -> usize {
        let half = usize::try_from(self.left / 2).unwrap_or(usize::MAX);
        // A size of 0 (unknown, or used up by a file that grew) caps nothing.
        let want = if self.left == 0 {
            self.next
        } else {
            self.next.min(half).max(self.first)
        };
        self.next = self.next.saturating_mul(2).min(self.block);
        self.left = self.left.saturating_sub(want as u64);
        want
    }
}

/// `bytes` (whole lines) in chunks of about a megabyte, each parsed and checked in
/// parallel with its own names table (a clone of `template`, an empty sibling of the
/// dataset's).
fn parse_block(bytes: &[u8], limits: &Limits, template: &Names) -> Vec<Chunk> {
    const CHUNK: usize = 1 << 20;
    let mut chunks = Vec::new();
    let mut start = 0;
    while start < bytes.len() {
        let mut end = (start + CHUNK).min(bytes.len());
        if end < bytes.len() {
            end = bytes
                .get(end..)
                .and_then(|rest| rest.iter().position(|b| *b == b'\n'))
                .map_or(bytes.len(), |p| end + p + 1);
        }
        chunks.push(bytes.get(start..end).unwrap_or_default());
        start = end;
    }
    chunks
        .par_iter()
        .map(|c| parse_chunk(c, limits, template.clone()))
        .collect()
}

/// One chunk of JSON Lines, parsed and checked with its own names table; lines and
/// positions (`seq`: incidents accepted before) are relative to the chunk.
struct Chunk {
    incidents: Vec<Incident>,
    /// Line, incidents accepted before it, id when readable, and why.
    rejected: Vec<(u64, u64, Option<String>, Fault)>,
    names: Names,
    lines: u64,
    records: u64,
}

/// Where a chunk's lines, incidents, texts and ids start in the dataset, and what
/// its type texts and data lists became there.
struct Fix {
    kinds: Vec<u32>,
    lists: Vec<u32>,
    texts: Vec<TextId>,
    company_names: usize,
    ids: usize,
    line: u64,
    seq: u64,
}

impl Fix {
    fn apply(&self, inc: &mut Incident, file: u32) {
        let text = |t: TextId| self.texts.get(t.index()).copied().unwrap_or(t);
        inc.kind = self.kinds.get(inc.kind as usize).copied().unwrap_or(0);
        inc.data = self.lists.get(inc.data as usize).copied().unwrap_or(0);
        inc.id = Texts::shifted(self.ids, inc.id);
        inc.company = text(inc.company);
        inc.company_name = inc
            .company_name
            .map(|t| Texts::shifted(self.company_names, t));
        inc.industry = inc.industry.map(text);
        inc.country = inc.country.map(text);
        inc.file = file;
        inc.line += self.line;
    }
}

fn parse_chunk(bytes: &[u8], limits: &Limits, names: Names) -> Chunk {
    parse_chunk_with(bytes, limits, names, true)
}

/// As [`parse_chunk`]; `direct` false reads every line the generic way (for tests
/// that hold the direct path to it).
fn parse_chunk_with(bytes: &[u8], limits: &Limits, names: Names, direct: bool) -> Chunk {
    // About 200 bytes a record; a guess that spares most regrowth without a pass
    // over the chunk to count its lines.
    let guess = bytes.len() / 160 + 1;
    let mut chunk = Chunk {
        incidents: Vec::with_capacity(guess),
        rejected: Vec::new(),
        names,
        lines: 0,
        records: 0,
    };
    chunk.names.reserve(guess, bytes.len());
    chunk.lines = read::read_jsonl(
        bytes,
        limits,
        &mut ChunkSink {
            chunk: &mut chunk,
            max_depth: direct.then_some(limits.max_depth),
            guess: crate::ingest::fast::KeyGuess::default(),
        },
    );
    chunk
}

/// Reads a chunk's lines into it: the usual record by the direct path (when
/// `max_depth` is given), any other as a record checked the generic way.
struct ChunkSink<'c> {
    chunk: &'c mut Chunk,
    max_depth: Option<usize>,
    guess: crate::ingest::fast::KeyGuess,
}

impl read::JsonlSink for ChunkSink<'_> {
    fn line(&mut self, n: u64, line: crate::ingest::fast::Line<'_>) -> bool {
        let Some(max_depth) = self.max_depth else {
            return false;
        };
        let c = &mut *self.chunk;
        let seq = c.incidents.len() as u64;
        let names = &mut c.names;
        match crate::ingest::direct::read(
            line,
            max_depth,
            &mut self.guess,
            names,
            (0, n),
            &mut c.incidents,
        ) {
            Scanned::Accepted => {}
            Scanned::Rejected(id, fault) => c.rejected.push((n, seq, id, fault)),
            Scanned::Declined => return false,
        }
        c.records += 1;
        true
    }

    fn item(&mut self, (line, item): read::Item<'_, '_>) {
        let c = &mut *self.chunk;
        let seq = c.incidents.len() as u64;
        c.records += 1;
        match item {
            Ok(record) => match check::check(record, &mut c.names, 0, line, &mut c.incidents) {
                Ok(()) => {}
                Err(f) => c.rejected.push((line, seq, check::id_text(record), f)),
            },
            Err(why) => {
                c.rejected
                    .push((line, seq, None, Fault::unreadable(why.message, why.field)))
            }
        }
    }
}

/// Each incident's place when the incidents are grouped by company (companies in
/// byte order of their keys, each one's incidents in input order), and each
/// company's run of places.
///
/// A counting sort: company keys are interned, so equal keys have equal text ids;
/// each key's count is kept at its text id, the distinct keys are sorted once (by
/// their first 16 bytes held inline, then the whole text on a tie), and every
/// incident takes its company's next free place. Linear in the incidents, against
/// sorting ten million (key, index) pairs once per rating as before.
fn group_by_company(incidents: &[Incident], texts: &Texts) -> (Vec<u32>, Vec<Run>, Texts) {
    // Every incident's company is a text of `texts` (interned when it was read), so
    // each lookup below finds its slot; and a dataset holds fewer than 2^32
    // incidents (over 370 GB of them), so positions fit in u32.
    let mut slot: Vec<u32> = vec![0; texts.len()];
    let mut companies: Vec<TextId> = Vec::new();
    for inc in incidents {
        if let Some(n) = slot.get_mut(inc.company.index()) {
            if *n == 0 {
                companies.push(inc.company);
            }
            *n += 1;
        }
    }
    let mut keyed: Vec<(u128, &str, TextId)> = companies
        .par_iter()
        .map(|&c| {
            let key = texts.get(c);
            (prefix(key), key, c)
        })
        .collect();
    keyed.par_sort_unstable_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(b.1)));
    let mut runs = Vec::with_capacity(keyed.len());
    let mut keys = Texts::default();
    keys.reserve(keyed.len(), keyed.iter().map(|k| k.1.len()).sum(), 0);
    let mut at = 0u32;
    for &(_, text, key) in &keyed {
        if let Some(n) = slot.get_mut(key.index()) {
            let start = at;
            at = at.saturating_add(*n);
            *n = start;
            runs.push(Run {
                key: keys.push(text),
                start,
                end: at,
            });
        }
    }
    let place = incidents
        .iter()
        .map(|inc| match slot.get_mut(inc.company.index()) {
            Some(next) => {
                *next += 1;
                *next - 1
            }
            None => u32::MAX,
        })
        .collect();
    (place, runs, keys)
}

/// The first 16 bytes of `s`, zero-padded, as a number that orders as the bytes do;
/// equal prefixes leave the order to the whole texts.
fn prefix(s: &str) -> u128 {
    let mut b = [0u8; 16];
    for (d, c) in b.iter_mut().zip(s.bytes()) {
        *d = c;
    }
    u128::from_be_bytes(b)
}

/// The indices `0..n` whose `key` is shared with another, grouped by key, each
/// group in increasing order (the groups in no particular order). Found by sorting
/// the keys' hashes in parallel and comparing texts only where hashes are equal:
/// faster than a hash map of a million keys, which is sequential.
///
/// The hashes alone are sorted (8 bytes each, not a (hash, index) pair of 16: half
/// the memory moved); the few keys whose hash repeats are then found by hashing
/// every key once more.
pub(crate) fn repeated_texts<'k>(
    n: usize,
    key: impl Fn(usize) -> &'k str + Sync,
) -> Vec<Vec<usize>> {
    use std::hash::BuildHasher;
    let state = foldhash::fast::FixedState::default();
    let hash = |i: usize| state.hash_one(key(i));
    let mut hashes: Vec<u64> = (0..n).into_par_iter().map(hash).collect();
    hashes.par_sort_unstable();
    let repeated: Vec<u64> = hashes
        .chunk_by(|a, b| a == b)
        .filter(|run| run.len() > 1)
        .filter_map(|run| run.first().copied())
        .collect();
    drop(hashes);
    if repeated.is_empty() {
        return Vec::new();
    }
    let mut keyed: Vec<(u64, usize)> = (0..n)
        .into_par_iter()
        .filter_map(|i| {
            let h = hash(i);
            repeated.binary_search(&h).is_ok().then_some((h, i))
        })
        .collect();
    keyed.par_sort_unstable();
    let mut groups = Vec::new();
    for run in keyed.chunk_by(|a, b| a.0 == b.0) {
        // Equal hashes: split by text (a collision is two groups, or none).
        let mut members: Vec<usize> = run.iter().map(|&(_, i)| i).collect();
        members.sort_by(|&a, &b| key(a).cmp(key(b)).then(a.cmp(&b)));
        groups.extend(
            members
                .chunk_by(|&a, &b| key(a) == key(b))
                .filter(|g| g.len() > 1)
                .map(<[usize]>::to_vec),
        );
    }
    groups
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use crate::ingest::fast::KeyGuess;
    use proptest::prelude::*;

    /// A field in one of its usual forms or an unusual one: the direct path must
    /// take the usual ones and leave the others to the generic path.
    fn field() -> impl Strategy<Value = String> {
        let text = prop_oneof![
            Just("\"x\"".to_string()),
            Just("\" x \"".to_string()),
            Just("\"\"".to_string()),
            Just("\"  \"".to_string()),
            Just("\"\u{a0}y\"".to_string()),
            Just("\"Ünïcode\"".to_string()),
            Just("\"a\\\"b\"".to_string()),
            Just("null".to_string()),
            Just("7".to_string()),
            Just("-7".to_string()),
            Just("2.5".to_string()),
            Just("true".to_string()),
            Just("[\"x\"]".to_string()),
            Just("{}".to_string()),
            "\"[a-c ]{0,3}\"",
        ];
        let number = prop_oneof![
            Just("0".to_string()),
            Just("100".to_string()),
            Just("101".to_string()),
            Just("3".to_string()),
            Just("999999999999999999".to_string()),
            Just("18446744073709551615".to_string()),
            Just("1e2".to_string()),
            Just("50.0".to_string()),
            Just("\"40\"".to_string()),
            Just("\"\"".to_string()),
            Just("null".to_string()),
            Just("-1".to_string()),
            Just("true".to_string()),
        ];
        let date = prop_oneof![
            Just("\"2020-01-02\"".to_string()),
            Just("\" 2020-01 \"".to_string()),
            Just("\"03/2019\"".to_string()),
            Just("\"2019\"".to_string()),
            Just("2019".to_string()),
            Just("\"2020-02-30\"".to_string()),
            Just("\"\"".to_string()),
            Just("null".to_string()),
        ];
        let data = prop_oneof![
            Just("[\"health\", \" ssn \",null,\"\"]".to_string()),
            Just("[]".to_string()),
            Just("[1]".to_string()),
            Just("[true,\"x\"]".to_string()),
            Just("\"health; ;ssn\"".to_string()),
            Just("\"\"".to_string()),
            Just("null".to_string()),
            Just("7".to_string()),
            Just("[\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\",\"i\"]".to_string()),
            Just("\"a;b;c;d;e;f;g;h;i;j;k;l;m;n;o;p;q\"".to_string()),
            Just("[[\"x\"]]".to_string()),
        ];
        let status = prop_oneof![
            Just("\"confirmed\"".to_string()),
            Just("\" Alleged \"".to_string()),
            Just("\"disputed\"".to_string()),
            Just("\"rumour\"".to_string()),
            Just("\"\"".to_string()),
            Just("null".to_string()),
            Just("1".to_string()),
        ];
        let flag = prop_oneof![
            Just("true".to_string()),
            Just("false".to_string()),
            Just("null".to_string()),
            Just("1".to_string()),
            Just("\"yes\"".to_string()),
        ];
        prop_oneof![
            text.clone().prop_map(|v| format!("\"id\":{v}")),
            text.clone().prop_map(|v| format!("\"company\":{v}")),
            text.clone().prop_map(|v| format!("\"linkid\":{v}")),
            text.clone().prop_map(|v| format!("\"company_name\":{v}")),
            text.clone().prop_map(|v| format!("\"industry\":{v}")),
            text.clone().prop_map(|v| format!("\"country\":{v}")),
            text.clone().prop_map(|v| format!("\"type\":{v}")),
            text.prop_map(|v| format!("\"other\":{v}")),
            date.clone().prop_map(|v| format!("\"date\":{v}")),
            date.prop_map(|v| format!("\"disclosed\":{v}")),
            number.clone().prop_map(|v| format!("\"severity\":{v}")),
            number.clone().prop_map(|v| format!("\"impact\":{v}")),
            number.prop_map(|v| format!("\"records\":{v}")),
            data.prop_map(|v| format!("\"data_types\":{v}")),
            status.prop_map(|v| format!("\"status\":{v}")),
            flag.clone().prop_map(|v| format!("\"third_party\":{v}")),
            flag.prop_map(|v| format!("\"vulnerable_subjects\":{v}")),
        ]
    }

    /// A record: usually the required fields plus a few others, sometimes not.
    fn record() -> impl Strategy<Value = String> {
        (
            any::<bool>(),
            proptest::collection::vec(field(), 0..8),
            0usize..5,
            "[a-d]{1,2}",
            prop::sample::select(vec!["breach", " breach ", "Ransomware", "breach, ddos"]),
            prop::sample::select(vec!["", " ", "x "]),
            prop::sample::select(vec!["", "Acme", "industry", "Acme "]),
        )
            .prop_map(|(base, extra, spaces, id, kind, pad, name)| {
                let mut fields: Vec<String> = if base {
                    vec![
                        format!("\"id\":\"{pad}{id}\""),
                        format!("\"company\":\"c{id}{pad}\""),
                        format!("\"type\":\"{kind}\""),
                        "\"date\":\"2020-01-02\"".to_string(),
                    ]
                    .into_iter()
                    .chain((!name.is_empty()).then(|| format!("\"company_name\":\"{name}\"")))
                    .collect()
                } else {
                    Vec::new()
                };
                fields.extend(extra);
                let sep = [",", " , ", ",\t"][spaces % 3];
                let mut line = format!("{{{}}}", fields.join(sep));
                if spaces == 4 {
                    line = format!("  {line} ");
                }
                if spaces == 3 {
                    // Keys not written as `"name":`, so not recognised as a whole.
                    line = line.replace("\":", "\" :");
                }
                line
            })
    }

    proptest! {
        /// Against a map from each key to its indices: the same groups of two or
        /// more, each in increasing order.
        #[test]
        fn repeated_texts_are_the_keys_used_twice(keys in proptest::collection::vec("[ab]{0,3}", 0..60)) {
            let mut got = repeated_texts(keys.len(), |i| keys[i].as_str());
            got.sort();
            let mut by_key: std::collections::BTreeMap<&str, Vec<usize>> = Default::default();
            for (i, k) in keys.iter().enumerate() {
                by_key.entry(k.as_str()).or_default().push(i);
            }
            let mut expected: Vec<Vec<usize>> = by_key.into_values().filter(|g| g.len() > 1).collect();
            expected.sort();
            prop_assert_eq!(got, expected);
        }
    }

    fn snapshot(c: &Chunk) -> String {
        format!(
            "{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{} {}",
            c.incidents,
            c.rejected,
            c.names.texts.all(),
            c.names.company_names.all(),
            c.names.ids.all(),
            c.names.kinds(),
            c.names.lists(),
            c.lines,
            c.records
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, .. ProptestConfig::default() })]

        /// The direct path gives what the generic path gives: the same incidents
        /// (ids of texts included), rejections, names tables and counts.
        #[test]
        fn the_direct_path_reads_as_the_generic_path(
            lines in proptest::collection::vec(record(), 1..12),
            depth in prop_oneof![Just(64usize), Just(1), Just(2)],
        ) {
            let text = lines.join("\n");
            let limits = Limits { max_depth: depth, ..Limits::default() };
            let template = Dataset::new().names.sibling();
            let direct = parse_chunk_with(text.as_bytes(), &limits, template.clone(), true);
            let generic = parse_chunk_with(text.as_bytes(), &limits, template, false);
            prop_assert_eq!(snapshot(&direct), snapshot(&generic), "{}", text);
        }
    }

    /// The usual generated record takes the direct path, and so does a usual one
    /// that the check rejects (else the test above would compare the generic path
    /// with itself).
    #[test]
    fn usual_records_take_the_direct_path() {
        use crate::ingest::direct::{Scanned, read};
        use crate::ingest::fast::Line;
        let line = br#"{"id":"G-1","company":"co1","company_name":"Company 1","industry":"retail","country":"FI","type":"breach","date":"2022-09-25","disclosed":"2022-10-22","severity":39,"impact":2,"data_types":["internal","personal"],"records":1200,"status":"alleged","third_party":true,"vulnerable_subjects":false,"x":[1,"y",null]}"#;
        let mut names = Names::default();
        let mut guess = KeyGuess::default();
        let mut out = Vec::new();
        let got = read(
            Line::new(line),
            64,
            &mut guess,
            &mut names,
            (0, 1),
            &mut out,
        );
        assert!(matches!(got, Scanned::Accepted) && out.len() == 1);
        let twice =
            br#"{"id":"G-1","id":"G-2","company":"co1","type":"breach","date":"2022-09-25"}"#;
        let bad_status = br#"{"id":"G-3","company":"co1","type":"breach","date":"2022-09-25","data_types":["new"],"status":"maybe"}"#;
        let lists = names.lists().len();
        for (line, field) in [(&twice[..], "id"), (&bad_status[..], "status")] {
            let got = read(
                Line::new(line),
                64,
                &mut guess,
                &mut names,
                (0, 1),
                &mut out,
            );
            let at_fault = match got {
                Scanned::Rejected(_, fault) => {
                    fault.into_rejection(None, String::new(), 1, 0).field
                }
                _ => None,
            };
            assert_eq!(
                at_fault.as_deref(),
                Some(field),
                "{}",
                String::from_utf8_lossy(line)
            );
        }
        // A rejected record leaves no trace in the names.
        assert_eq!(names.lists().len(), lists);
        assert_eq!(out.len(), 1);
    }

    /// Streaming in blocks of any size, including blocks shorter than a line, reads
    /// what reading the whole file at once reads: incidents, lines, rejections.
    #[test]
    fn streaming_in_any_block_size_reads_as_one_read() {
        let mut text = String::from("\u{feff}");
        for i in 0..40 {
            let name = "x".repeat(i * 7 % 50);
            text.push_str(&format!(
                r#"{{"id":"a{i}","company":"c{}","company_name":"{name}","type":"breach","date":"2020-01-{:02}"}}"#,
                i % 6,
                i % 28 + 1
            ));
            text.push_str(match i % 7 {
                0 => "\r\n",
                1 => "\n\n",
                2 => "\nnot json\n",
                3 => "\r",
                4 => "\r\r\n",
                _ => "\n",
            });
            // Lines over the limit, ended every way, are skipped by size.
            if i % 9 == 4 {
                text.push_str(&"y".repeat(300 + i));
                text.push_str(["\n", "\r\n", "\r", "\r\r"][i % 4]);
            }
        }
        text.push_str(r#"{"id":"a0","company":"dup","type":"breach","date":"2020-01-01"}"#);
        let dir = std::env::temp_dir().join(format!("riskrate-stream-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("in.jsonl");
        std::fs::write(&path, &text).unwrap();

        let limits = Limits {
            max_record_bytes: 250,
            ..Limits::default()
        };
        let mut whole = Dataset::with_limits(limits);
        whole
            .read_bytes(text.as_bytes(), "in.jsonl", Format::Jsonl)
            .unwrap();
        assert!(
            whole
                .rejected()
                .iter()
                .any(|r| r.message.contains("above the limit of 250")),
            "the text has lines over the limit"
        );
        let ids = |d: &Dataset| -> Vec<String> {
            d.incidents()
                .iter()
                .map(|i| format!("{}:{}:{}", d.id(i), d.text(i.company), i.line))
                .collect()
        };
        let rejected = |d: &Dataset| -> Vec<String> {
            d.rejected().iter().map(|r| format!("{r:?}")).collect()
        };
        for block in [
            1,
            2,
            3,
            7,
            64,
            100,
            1000,
            text.len(),
            text.len() + 1,
            1 << 20,
        ] {
            let mut streamed = Dataset::with_limits(limits);
            streamed.stream_jsonl_in(&path, "in.jsonl", block).unwrap();
            assert_eq!(ids(&streamed), ids(&whole), "block {block}");
            assert_eq!(rejected(&streamed), rejected(&whole), "block {block}");
            assert_eq!(streamed.read_count(), whole.read_count(), "block {block}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// Incident `i`'s id is text `i` of the id table, however the incidents came
    /// (JSON Lines in blocks, CSV, a JSON array, with rejections and blank lines
    /// between): the search for repeated ids reads the table in that order.
    #[test]
    fn each_incident_has_the_id_text_of_its_position() {
        let dir = std::env::temp_dir().join(format!("riskrate-idpos-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("in.jsonl");
        let mut text = String::new();
        for i in 0..30 {
            text.push_str(&format!(
                r#"{{"id":"j{i}","company":"c{}","type":"breach","date":"2020-01-01"}}"#,
                i % 4
            ));
            text.push_str(if i % 7 == 3 {
                "\n{\"id\":\"bad\"}\n\n"
            } else {
                "\n"
            });
        }
        std::fs::write(&path, &text).unwrap();
        let mut d = Dataset::new();
        d.stream_jsonl_in(&path, "in.jsonl", 100).unwrap();
        let csv = "id,company,type,date\nv1,c1,breach,2021-01-01\nbad,c1,breach,never\nj5,c2,attack,2021\n";
        d.read_bytes(csv.as_bytes(), "in.csv", Format::Csv).unwrap();
        let json = r#"[{"id":"a1","company":"c3","type":"ddos","date":"2022-02"},{"id":"j7"},{"id":"v1","company":"c0","type":"breach","date":"2023"}]"#;
        d.read_bytes(json.as_bytes(), "in.json", Format::Json)
            .unwrap();
        std::fs::remove_dir_all(&dir).unwrap();

        assert_eq!(d.names.ids.len(), d.incidents().len());
        assert!(d.rejected().len() >= 6);
        for (i, inc) in d.incidents().iter().enumerate() {
            assert_eq!(inc.id.index(), i);
            // Found from the incident's place, the id is the one it names.
            assert_eq!(d.id(inc), d.names.ids.get(inc.id));
        }
        // The ids given twice, across files, are found as groups of positions.
        let position = |id: &str| d.incidents().iter().position(|i| d.id(i) == id).unwrap();
        let last = |id: &str| d.incidents().iter().rposition(|i| d.id(i) == id).unwrap();
        let mut expected = vec![
            vec![position("j5"), last("j5")],
            vec![position("v1"), last("v1")],
        ];
        expected.sort();
        assert_eq!(d.derived().same_ids, expected);
    }

    /// Blocks start at a megabyte and double; near the end they shrink to half of
    /// what is left, so the first read and the last merge are short; they cover
    /// the file; and a file of unknown size is read in the doubling sizes alone.
    #[test]
    fn block_sizes_ramp_up_and_down() {
        const M: usize = 1 << 20;
        let take = |block: usize, size: u64, n: usize| {
            let mut s = Sizes::new(block, size);
            (0..n).map(|_| s.take()).collect::<Vec<usize>>()
        };
        let sizes = take(16 * M, 40 * M as u64, 10);
        assert_eq!(&sizes[..4], &[M, 2 * M, 4 * M, 8 * M]);
        assert_eq!(sizes[4], 25 * M / 2);
        // The tenth block reaches the end (the last two are a megabyte each).
        assert!(sizes[..9].iter().sum::<usize>() < 40 * M);
        assert!(sizes.iter().sum::<usize>() >= 40 * M);
        assert!(sizes[4..].windows(2).all(|w| w[0] >= w[1]));
        assert_eq!(*sizes.last().unwrap(), M);
        // Past the end (a file that grew), the sizes double again.
        assert_eq!(
            take(16 * M, 40 * M as u64, 13)[10..],
            [16 * M, 16 * M, 16 * M]
        );
        assert_eq!(take(16 * M, 0, 6), [M, 2 * M, 4 * M, 8 * M, 16 * M, 16 * M]);
        // Blocks smaller than a megabyte (the tests' tiny ones) stay as they are.
        assert_eq!(take(7, 100, 3), [7, 7, 7]);
        assert!(take(16 * M, 3 * M as u64 + 5, 40).iter().all(|&b| b >= M));
    }
}

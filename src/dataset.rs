//! The incidents of one run, checked against one set of rules, with every rejection.
//!
//! A [`Dataset`] is where the accounting of SCORING.md §6 starts: each record read is
//! either accepted as an [`Incident`] or kept as a [`Rejection`], never dropped.
//! Incident ids are unique across the whole run: a repeated id is rejected as a
//! duplicate and the first record stands.

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

use crate::error::Error;
use crate::io::read::{self, Format};
use crate::model::{Incident, Record, Rejection};
use crate::rules::Rules;

/// Incidents and rejections read so far, normalised under `rules`.
#[derive(Debug, Clone)]
pub struct Dataset<'r> {
    rules: &'r Rules,
    files: Vec<String>,
    incidents: Vec<Incident>,
    rejected: Vec<Rejection>,
    /// id → index into `incidents` of the record that holds it.
    ids: HashMap<String, usize>,
}

impl<'r> Dataset<'r> {
    /// An empty dataset whose records will be checked against `rules`.
    pub fn new(rules: &'r Rules) -> Dataset<'r> {
        Dataset {
            rules,
            files: Vec::new(),
            incidents: Vec::new(),
            rejected: Vec::new(),
            ids: HashMap::new(),
        }
    }

    /// The rules this dataset was checked against (and will be rated with).
    pub fn rules(&self) -> &'r Rules {
        self.rules
    }
    /// Accepted incidents, in input order.
    pub fn incidents(&self) -> &[Incident] {
        &self.incidents
    }
    /// Rejected records, in input order.
    pub fn rejected(&self) -> &[Rejection] {
        &self.rejected
    }
    /// Names of the inputs read, in order; [`Incident::file`] indexes this.
    pub fn files(&self) -> &[String] {
        &self.files
    }
    /// Records read: accepted plus rejected.
    pub fn read_count(&self) -> usize {
        self.incidents.len() + self.rejected.len()
    }

    fn file_index(&mut self, name: &str) -> u32 {
        self.files.push(name.to_string());
        u32::try_from(self.files.len() - 1).unwrap_or(u32::MAX)
    }

    /// Checks one record and keeps it as an incident or a rejection. `origin` names
    /// where it came from in messages (a file name, `-`, or anything).
    pub fn push(&mut self, record: &Record<'_>, origin: &str, line: u64) {
        let file = match self.files.iter().rposition(|f| f == origin) {
            Some(i) => u32::try_from(i).unwrap_or(u32::MAX),
            None => self.file_index(origin),
        };
        self.push_in(record, file, line);
    }

    fn push_in(&mut self, record: &Record<'_>, file: u32, line: u64) {
        // The file name is only copied into a rejection, never per accepted record.
        match record.check(self.rules, file, line) {
            Ok(incident) => {
                if let Some(&first) = self.ids.get(&incident.id) {
                    let f = &self.incidents[first];
                    let message = format!(
                        "duplicate id {:?}: already used by the record at {}:{}",
                        incident.id,
                        self.files.get(f.file as usize).map_or("", String::as_str),
                        f.line
                    );
                    self.rejected.push(Rejection {
                        file: self.file_name(file),
                        line,
                        id: Some(incident.id),
                        field: Some("id".into()),
                        message,
                    });
                } else {
                    self.ids.insert(incident.id.clone(), self.incidents.len());
                    self.incidents.push(incident);
                }
            }
            Err(fault) => {
                let rejection = fault.into_rejection(record, self.file_name(file), line);
                self.rejected.push(rejection);
            }
        }
    }

    fn file_name(&self, file: u32) -> String {
        self.files.get(file as usize).cloned().unwrap_or_default()
    }

    fn push_unreadable(&mut self, file: u32, line: u64, message: String) {
        self.rejected.push(Rejection {
            file: self.file_name(file),
            line,
            id: None,
            field: None,
            message,
        });
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
        read::read_bytes(bytes, name, format, &mut |(line, item)| match item {
            Ok(record) => self.push_in(&record, file, line),
            Err(message) => self.push_unreadable(file, line, message),
        })
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

    /// Reads a file; its extension picks the format when `format` is `Auto`.
    ///
    /// # Errors
    /// As [`Dataset::read_from`].
    pub fn read_path(&mut self, path: &Path, format: Format) -> Result<(), Error> {
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        self.read_bytes(&bytes, &path.display().to_string(), format)
    }
}

//! The one way every command writes its output, and its messages on stderr.
//!
//! A user's file is never destroyed: a target that is one of the run's inputs is
//! refused before anything is read; a device, FIFO, socket or `/dev/stdout` is
//! written directly (renaming over it would put a regular file in its place); a
//! regular file is replaced atomically by a temporary file created beside it with an
//! unpredictable name and `O_EXCL`, given the target's permissions and owner, and
//! removed on any error and on SIGINT, SIGTERM or SIGHUP. A symlink is written
//! through to the file it names; a file with several hard links is written in place
//! (after the whole output is ready), so every name keeps seeing it.

use std::fs::OpenOptions;
use std::io::{self, BufWriter, Write};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, Once, PoisonError};

use riskrate::unstable::Error;
use riskrate::unstable::escape;

/// Where a command's output goes, checked against its inputs.
#[derive(Debug)]
pub struct Output {
    target: Target,
}

#[derive(Debug)]
enum Target {
    Stdout,
    /// Not a regular file (a device, FIFO, socket, `/dev/fd/N`): opened and written.
    Direct(PathBuf),
    /// A regular file (or none yet) at this path, every symlink followed.
    Replace(PathBuf),
}

/// What a command reads, for the check that its output is none of it.
#[derive(Debug, Default)]
pub struct Inputs<'a> {
    paths: Vec<&'a Path>,
    stdin: bool,
}

impl<'a> Inputs<'a> {
    pub fn new() -> Inputs<'a> {
        Inputs::default()
    }

    /// Adds input files (`-` stands for standard input).
    pub fn files(mut self, files: impl IntoIterator<Item = &'a Path>) -> Inputs<'a> {
        for f in files {
            if f.as_os_str() == "-" {
                self.stdin = true;
            } else {
                self.paths.push(f);
            }
        }
        self
    }

    /// Adds an optional input file (a rules or mapping file).
    pub fn file(self, file: Option<&'a Path>) -> Inputs<'a> {
        self.files(file)
    }

    /// Marks standard input as read.
    pub fn stdin(mut self, reads: bool) -> Inputs<'a> {
        self.stdin |= reads;
        self
    }
}

/// The most symlinks followed from an output path (Linux's own limit is 40).
const MAX_LINKS: usize = 40;

/// `-o PATH` (or none, or `-`: standard output) for a run that reads `inputs`.
///
/// # Errors
/// [`Error::Usage`] when the target is one of the inputs (or inside an input
/// directory, or standard output is redirected to an input), or its symlinks loop.
pub fn output(spec: Option<&Path>, inputs: &Inputs<'_>) -> Result<Output, Error> {
    let Some(spec) = spec.filter(|p| p.as_os_str() != "-") else {
        if let Ok(out) = rustix::fs::fstat(io::stdout())
            && is_regular(out.st_mode)
        {
            refuse_input(
                Some((out.st_dev, out.st_ino)),
                None,
                "standard output",
                inputs,
            )?;
        }
        return Ok(Output {
            target: Target::Stdout,
        });
    };
    let real = follow_links(spec)?;
    let meta = std::fs::metadata(&real).ok();
    let key = meta.as_ref().map(|m| (m.dev(), m.ino()));
    refuse_input(key, real.parent(), &shown(spec), inputs)?;
    let target = match &meta {
        Some(m) if !m.is_file() || is_fd_alias(&real) => Target::Direct(spec.to_path_buf()),
        Some(_) => {
            // A file the user may not write is not replaced either (a rename in a
            // writable folder could): the shell's `>` would refuse it too.
            if let Err(e) = rustix::fs::access(&real, rustix::fs::Access::WRITE_OK) {
                return Err(Error::Io {
                    path: shown(spec),
                    source: e.into(),
                });
            }
            Target::Replace(real)
        }
        None => Target::Replace(real),
    };
    Ok(Output { target })
}

fn shown(p: &Path) -> String {
    escape::terminal(&p.display().to_string()).into_owned()
}

fn is_regular(mode: u32) -> bool {
    rustix::fs::FileType::from_raw_mode(mode).is_file()
}

/// `/dev/stdout`, `/dev/fd/N`, `/proc/self/fd/N`: names of an open descriptor,
/// which is written as it is, never replaced.
fn is_fd_alias(p: &Path) -> bool {
    ["/dev/stdout", "/dev/stderr"]
        .iter()
        .any(|a| p == Path::new(a))
        || p.starts_with("/dev/fd")
        || p.starts_with("/proc/self/fd")
        || p.starts_with("/proc/thread-self/fd")
}

/// `path` with every symlink followed (a dangling one names the file to create);
/// the descriptors' magic links of `/proc` are left as they are.
fn follow_links(path: &Path) -> Result<PathBuf, Error> {
    let mut p = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        if is_fd_alias(&p) {
            return Ok(p);
        }
        match std::fs::symlink_metadata(&p) {
            Ok(m) if m.file_type().is_symlink() => {
                let to = std::fs::read_link(&p).map_err(|e| Error::Io {
                    path: shown(&p),
                    source: e,
                })?;
                p = match p.parent() {
                    Some(dir) if to.is_relative() => dir.join(to),
                    _ => to,
                };
            }
            _ => return Ok(p),
        }
    }
    Err(Error::Usage(format!(
        "--output {}: more than {MAX_LINKS} symlinks (a loop?)",
        shown(path)
    )))
}

/// Refuses an output that is one of the inputs: the same file (`key`, its device
/// and inode, when it exists), or a file in `dir` inside an input directory.
fn refuse_input(
    key: Option<(u64, u64)>,
    dir: Option<&Path>,
    what: &str,
    inputs: &Inputs<'_>,
) -> Result<(), Error> {
    for input in &inputs.paths {
        let Ok(m) = std::fs::metadata(input) else {
            continue;
        };
        if Some((m.dev(), m.ino())) == key {
            return Err(same(what, &shown(input)));
        }
        if let Some(dir) = dir.filter(|_| m.is_dir()) {
            refuse_inside(dir, what, input)?;
        }
    }
    if inputs.stdin
        && let Ok(s) = rustix::fs::fstat(io::stdin())
        && is_regular(s.st_mode)
        && Some((s.st_dev, s.st_ino)) == key
    {
        return Err(same(what, "standard input"));
    }
    Ok(())
}

/// Refuses an output written into an input directory, whose entries are the input.
fn refuse_inside(dir: &Path, what: &str, input_dir: &Path) -> Result<(), Error> {
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let (Ok(d), Ok(i)) = (dir.canonicalize(), input_dir.canonicalize()) else {
        return Ok(());
    };
    if d.starts_with(&i) {
        return Err(Error::Usage(format!(
            "refusing to write {what}: it is inside the input directory {}, which this run reads",
            shown(input_dir)
        )));
    }
    Ok(())
}

fn same(what: &str, input: &str) -> Error {
    Error::Usage(format!(
        "refusing to write {what}: it is the input {input}; write to another file"
    ))
}

impl Output {
    /// Whether the output is standard output (where colour may be wanted).
    pub fn is_stdout(&self) -> bool {
        matches!(self.target, Target::Stdout)
    }

    /// Writes the whole output through `write`.
    ///
    /// # Errors
    /// [`Error::Io`] naming the target for any failure to write it, a closed pipe
    /// included: a run whose output was cut short never ends as if it were whole.
    pub fn write(&self, write: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> Result<(), Error> {
        match &self.target {
            Target::Stdout => {
                let mut w = BufWriter::new(io::stdout().lock());
                write(&mut w)
                    .and_then(|()| w.flush())
                    .map_err(|e| io_error("standard output", e))
            }
            Target::Direct(path) => OpenOptions::new()
                .write(true)
                .truncate(true)
                .open(path)
                .and_then(|f| {
                    let mut w = BufWriter::new(f);
                    write(&mut w)?;
                    w.flush()
                })
                .map_err(|e| io_error(&shown(path), e)),
            Target::Replace(path) => replace(path, write).map_err(|e| io_error(&shown(path), e)),
        }
    }
}

fn io_error(what: &str, e: io::Error) -> Error {
    let source = if e.kind() == io::ErrorKind::BrokenPipe {
        io::Error::new(
            e.kind(),
            "the reader closed the pipe before the output was complete",
        )
    } else {
        e
    };
    Error::Io {
        path: what.to_string(),
        source,
    }
}

/// Writes a temporary file beside `path` and puts it in its place.
fn replace(path: &Path, write: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .map_or_else(|| "output".into(), |n| n.to_string_lossy().into_owned());
    let existing = std::fs::metadata(path).ok();
    let mode = existing
        .as_ref()
        .map_or(0o666, |m| m.permissions().mode() & 0o7777);
    watch_signals();
    let tmp = {
        let mut live = LIVE.lock().unwrap_or_else(PoisonError::into_inner);
        let tmp = tempfile::Builder::new()
            .prefix(&format!(".{name}."))
            .suffix(".riskrate-tmp")
            .permissions(std::fs::Permissions::from_mode(mode))
            .tempfile_in(dir)
            // The temporary file's name means nothing to the user: the error is
            // the folder's, said plainly.
            .map_err(plain)?;
        live.push(tmp.path().to_path_buf());
        Registered(Some(tmp))
    };
    let file = tmp.file()?.as_file();
    if let Some(m) = &existing {
        // Creation applies the umask; the target's own bits and owner are kept.
        file.set_permissions(std::fs::Permissions::from_mode(mode))?;
        let f = file.metadata()?;
        if (f.uid(), f.gid()) != (m.uid(), m.gid()) {
            // Only root may give a file away; anyone else keeps their own.
            let _ = std::os::unix::fs::fchown(file, Some(m.uid()), Some(m.gid()));
        }
    }
    let mut w = BufWriter::new(file);
    write(&mut w)?;
    w.flush()?;
    drop(w);
    file.sync_all()?;
    match existing {
        Some(m) if m.nlink() > 1 => {
            // Renaming would cut the other names off: the finished output is copied
            // into the file itself.
            let mut from = tmp.file()?.reopen()?;
            let mut to = OpenOptions::new().write(true).truncate(true).open(path)?;
            io::copy(&mut from, &mut to)?;
            to.sync_all()
        }
        _ => tmp.persist(path),
    }
}

/// `e` without the temporary file's path that tempfile adds to its message
/// (" at path …"): the name means nothing to the user, the folder's error does.
fn plain(e: io::Error) -> io::Error {
    let text = e.to_string();
    match text.find(" at path \"") {
        Some(at) => io::Error::new(e.kind(), text.get(..at).unwrap_or(&text).to_string()),
        None => e,
    }
}

/// Temporary files not yet in place, removed if a signal ends the run.
static LIVE: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// A temporary file listed in [`LIVE`]; dropping it removes the file and the entry.
struct Registered(Option<tempfile::NamedTempFile>);

impl Registered {
    fn file(&self) -> io::Result<&tempfile::NamedTempFile> {
        self.0
            .as_ref()
            .ok_or_else(|| io::Error::other("the temporary output file is gone"))
    }

    /// Renames the file to `path`; under the lock, so a signal sees it either
    /// still temporary (and removes it) or in place.
    fn persist(mut self, path: &Path) -> io::Result<()> {
        let mut live = LIVE.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(tmp) = self.0.take() else {
            return Err(io::Error::other("the temporary output file is gone"));
        };
        let at = tmp.path().to_path_buf();
        live.retain(|p| *p != at);
        tmp.persist(path).map(drop).map_err(|e| e.error)
    }
}

impl Drop for Registered {
    fn drop(&mut self) {
        if let Some(tmp) = self.0.take() {
            let at = tmp.path().to_path_buf();
            drop(tmp);
            let mut live = LIVE.lock().unwrap_or_else(PoisonError::into_inner);
            live.retain(|p| *p != at);
        }
    }
}

/// On the first temporary file, a thread that waits for SIGINT, SIGTERM or SIGHUP,
/// removes the temporary files and then ends the process as the signal would have.
fn watch_signals() {
    static WATCH: Once = Once::new();
    WATCH.call_once(|| {
        use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
        let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) else {
            return;
        };
        std::thread::spawn(move || {
            if let Some(sig) = signals.forever().next() {
                let live = LIVE.lock().unwrap_or_else(PoisonError::into_inner);
                for p in live.iter() {
                    let _ = std::fs::remove_file(p);
                }
                let _ = signal_hook::low_level::emulate_default_handler(sig);
                std::process::exit(128 + sig);
            }
        });
    });
}

/// Set when a message could not be written to stderr: the run then ends with
/// status 2, as any other failed write does.
static STDERR_FAILED: AtomicBool = AtomicBool::new(false);

/// Writes one line to stderr; a failure (a full disk, a closed pipe) is noted for
/// the exit status instead of panicking as `eprintln!` does.
pub fn say(line: std::fmt::Arguments<'_>) {
    let mut err = io::stderr().lock();
    if writeln!(err, "{line}").and_then(|()| err.flush()).is_err() {
        STDERR_FAILED.store(true, Ordering::Relaxed);
    }
}

/// Whether any message failed to reach stderr.
pub fn stderr_failed() -> bool {
    STDERR_FAILED.load(Ordering::Relaxed)
}

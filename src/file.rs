//! Whole files read with a cap: what rules and mapping files need, below every
//! other reader (it knows only the crate's error type).

use crate::error::Error;

/// The bytes of the file at `path`, or `None` when it holds more than `cap`: it is
/// read through `Read::take`, so a pipe or `/dev/zero` is never read to its end,
/// and a size the file system reports is never trusted.
///
/// # Errors
/// [`Error::Io`] when it cannot be opened or read.
pub(crate) fn read_capped(path: &std::path::Path, cap: u64) -> Result<Option<Vec<u8>>, Error> {
    use std::io::Read;
    let f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut bytes = Vec::new();
    f.take(cap.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(path, e))?;
    Ok((bytes.len() as u64 <= cap).then_some(bytes))
}

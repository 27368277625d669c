//! Reading incident files: every input format, from files, readers and bytes,
//! into records that [`crate::check`] checks. The JSON Lines scanner
//! ([`direct`], its parser in [`fast`]) and the streaming cutters ([`split`])
//! are strategies inside; `Dataset`'s readers are the one entry point.

pub(crate) mod direct;
pub(crate) mod fast;
pub mod read;
pub(crate) mod split;

//! Reading incident files: every input format, from files, readers and bytes,
//! into records. The fast paths (the direct JSON Lines parser, the streaming
//! cutters) are strategies inside; `Dataset`'s readers are the one entry point.

pub(crate) mod direct;
pub(crate) mod fast;
pub mod read;
pub(crate) mod split;

//! Reading incident files and writing reports; the only modules that touch bytes.

pub mod escape;
pub mod read;
pub mod write;

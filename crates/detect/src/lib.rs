//! Text half of grooming detection (work in progress).
#![deny(missing_docs)]

mod normalise;

pub use normalise::{normalise, Normalised};

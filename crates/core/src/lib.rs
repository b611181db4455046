//! Lifeguard's domain model, shared by every other crate.
//!
//! This crate holds the types that a platform sends ([`Event`] and its bodies), the
//! age model that safe accounts are built on ([`AgeBand`]), and the closed list of
//! grooming [`Behaviour`]s that detectors report with their evidence. It performs no
//! I/O and depends on nothing but serde and chrono, so the engine crates (detection,
//! media, reports) and the adapters (store, service, CLI) all agree on one vocabulary.
//!
//! ```
//! use lifeguard_core::{Event, EventBody};
//! let line = r#"{"id":"e1","type":"message","conversation":"c1","sender":"u1","text":"hi"}"#;
//! let event: Event = serde_json::from_str(line).unwrap();
//! event.validate().unwrap();
//! assert!(matches!(event.body, EventBody::Message(_)));
//! ```
#![deny(missing_docs)]

mod account;
mod behaviour;
mod csv;
mod event;

pub use account::{AgeAssurance, AgeBand};
pub use behaviour::{Behaviour, Evidence, Span};
pub use csv::csv_field;
pub use event::{
    Account, Event, EventBody, InvalidEvent, Media, MediaHashes, Message, Relationship,
    RelationshipKind, MAX_ID_BYTES, MAX_TEXT_BYTES,
};

//! Referrals and transparency for Lifeguard (issue 8).
//!
//! Platforms must report child sexual exploitation (in the US to NCMEC's
//! CyberTipline, in the UK to the NCA), preserve the evidence (the US REPORT Act:
//! a year), and publish what they did (EU DSA statements of reasons and
//! transparency reports, UK OSA transparency notices). This crate builds all of
//! it from a case, with pure builders:
//!
//! - [`cybertip`]: the CyberTipline `<report>` and `<fileDetails>` XML, elements in
//!   the schema's order, and a parser that reads them back;
//! - [`package`]: a referral package: the report, a `fileDetails` per file, the
//!   conversation as CSV, and an evidence bundle (zip with a `manifest.json`
//!   listing every file's SHA-256, who exported it and when);
//! - [`statements`]: DSA Transparency Database statements of reasons, batches of
//!   at most 100, no personal data;
//! - [`transparency`]: the transparency report's figures and its JSON, CSV and
//!   HTML (inline SVG charts) renderings;
//! - [`client`] (feature `client`): the CyberTipline API flow (submit, upload,
//!   fileinfo, finish; retract on failure);
//! - [`gather`] and [`holds`] (feature `store`): the builders' inputs read from a
//!   Lifeguard store, and preservation holds.
//!
//! ```
//! use lifeguard_referrals::cybertip::{self, IncidentSummary, IncidentType, Report, Reporter};
//! let report = Report {
//!     incident_summary: IncidentSummary {
//!         incident_type: IncidentType::OnlineEnticement,
//!         escalate_to_high_priority: None,
//!         annotations: vec![],
//!         incident_date_time: "2026-11-21T19:00:00Z".parse().unwrap(),
//!         incident_date_time_description: None,
//!     },
//!     chat_incidents: vec![],
//!     reporter: Reporter::default(),
//!     person_or_user_reported: None,
//!     intended_recipients: vec![],
//!     victims: vec![],
//!     additional_info: Some("a < b & c".into()),
//! };
//! let xml = cybertip::report_xml(&report);
//! assert!(xml.contains("a &lt; b &amp; c"));
//! assert_eq!(cybertip::parse_report(&xml).unwrap(), report);
//! ```
#![deny(missing_docs)]

pub mod bundle;
#[cfg(feature = "client")]
pub mod client;
pub mod config;
pub mod conversation;
pub mod cybertip;
#[cfg(feature = "store")]
pub mod gather;
#[cfg(feature = "store")]
pub mod holds;
pub mod package;
pub mod statements;
pub mod transparency;

/// What went wrong building or reading a referral artefact. The caller's input
/// (`Invalid`), a document that is not what it claims (`Xml`, `Bundle`), or the
/// store's failure (`Store`).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input cannot make a valid artefact.
    #[error("invalid input: {0}")]
    Invalid(String),
    /// An XML document is malformed or breaks the schema's order.
    #[error("XML: {0}")]
    Xml(String),
    /// An evidence bundle is malformed or a file's hash does not match.
    #[error("evidence bundle: {0}")]
    Bundle(String),
    /// The store failed.
    #[cfg(feature = "store")]
    #[error(transparent)]
    Store(#[from] lifeguard_store::StoreError),
}

/// SHA-256 of `bytes`, lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

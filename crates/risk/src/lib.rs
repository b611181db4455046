//! Streaming grooming risk for conversations and accounts.
//!
//! `lifeguard-detect` finds behaviours in single messages (asking a child's age,
//! asking for secrecy, moving to another app, asking for pictures...). This crate
//! turns that evidence stream into decisions:
//!
//! * per author and conversation, a small feature vector built from the evidence
//!   (how often each behaviour was shown, how many distinct ones, whether a
//!   counterpart stated a minor's age, question rates), scored by a logistic
//!   [`Model`] into an **offender score**;
//! * per conversation, a [`ConversationRisk`] that tracks every author (bounded) and
//!   reports an [`Assessment`] after each message: the risk, the suspected
//!   offender (the one who asks, not the one who discloses), and whether to alert
//!   now. An alert needs the score to reach the model's threshold **and** the
//!   [`AlertRule`]: at least two distinct behaviours from the suspect plus a
//!   child-directed signal, so that one phrase, or adult chat, never alerts;
//! * per account, an [`AccountRisk`] across conversations.
//!
//! Training and evaluation on labelled corpora live in `lifeguard-train`, off the
//! runtime path: this crate reads no corpus.
//!
//! The default model (`crates/risk/models/grooming.json`, see `docs/model-card.md`) is embedded.
//!
//! ```
//! use lifeguard_risk::RiskEngine;
//! let engine = RiskEngine::with_default_model().unwrap();
//! let mut conversation = engine.conversation();
//! let a = conversation.observe(&engine, "player1", 0, None, "push mid, kill him");
//! assert!(!a.alert);
//! assert_eq!(a.suspect, None);
//! ```
#![deny(missing_docs)]

mod engine;
mod model;
mod signals;

pub use engine::{
    feature_count, feature_names, AccountRisk, Assessment, AuthorSummary, ConversationRisk,
    RiskEngine, MAX_AUTHORS, OWN_FEATURE_NAMES,
};
pub use model::{
    fit_logistic, sigmoid, AlertRule, FitOptions, Model, DEFAULT_MODEL_JSON, MODEL_VERSION,
};

/// Why a risk operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RiskError {
    /// A file could not be read or written.
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
    /// The model file is malformed or does not fit the engine.
    #[error("model: {0}")]
    Model(String),
    /// Data or arguments are unusable.
    #[error("data: {0}")]
    Data(String),
}

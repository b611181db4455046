//! Streaming grooming risk for conversations and accounts, with training and
//! evaluation.
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
//! * per account, an [`AccountRisk`] across conversations;
//! * [`evaluate`] and [`train()`] (5-fold cross-validation split by offender,
//!   threshold calibration to a false-alert rate) behind [`eval_command`] and
//!   [`train_command`] for the CLI.
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
mod eval;
mod model;
mod signals;
mod train;

pub use engine::{
    feature_count, feature_names, AccountRisk, Assessment, AuthorSummary, ConversationRisk,
    RiskEngine, MAX_AUTHORS, OWN_FEATURE_NAMES,
};
pub use eval::{
    eval_command, evaluate, latency_penalty, load_engine, metrics_from_predictions, parse_format,
    read_predictions, replay, replay_corpus, write_predictions, AuthorMetrics, ConversationMetrics,
    Corpus, CorpusConversation, CorpusMessage, EarlyMetrics, EvalArgs, EvalReport, Metrics,
    Prediction, SourceMetrics, Throughput,
};
pub use lifeguard_ingest::Format;
pub use model::{
    fit_logistic, sigmoid, AlertRule, FitOptions, Model, DEFAULT_MODEL_JSON, MODEL_VERSION,
};
pub use train::{
    calibrate_threshold, pseudo_messages, read_vtpan, roc_auc, sha256_file, train, train_command,
    vtpan_figures, TrainArgs, TrainOptions, TrainReport, VtpanFigures,
};

/// Why a risk operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RiskError {
    /// An input could not be read.
    #[error(transparent)]
    Read(#[from] lifeguard_ingest::ReadError),
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

//! Training and evaluation of the grooming risk model (`lifeguard train`,
//! `lifeguard eval`), kept off the runtime path: the service's crates depend on
//! `lifeguard-risk`, which reads no corpus; this crate reads corpora through
//! `lifeguard-ingest` and replays them through the same streaming engine.
//!
//! [`evaluate`] and [`train()`] (5-fold cross-validation split by offender,
//! threshold calibration to a false-alert rate) are behind [`eval_command`] and
//! [`train_command`] for the CLI.
#![deny(missing_docs)]

mod eval;
mod train;

pub use eval::{
    eval_command, evaluate, latency_penalty, load_engine, metrics_from_predictions, parse_format,
    read_predictions, replay, replay_corpus, write_predictions, AuthorMetrics, ConversationMetrics,
    Corpus, CorpusConversation, CorpusMessage, EarlyMetrics, EvalArgs, EvalReport, Metrics,
    Prediction, SourceMetrics, Throughput,
};
pub use lifeguard_ingest::Format;
pub use train::{
    calibrate_threshold, pseudo_messages, read_vtpan, roc_auc, sha256_file, train, train_command,
    vtpan_figures, TrainArgs, TrainOptions, TrainReport, VtpanFigures,
};

/// Why training or evaluation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TrainError {
    /// An input could not be read.
    #[error(transparent)]
    Read(#[from] lifeguard_ingest::ReadError),
    /// A file could not be read or written.
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
    /// The model or the engine refused.
    #[error(transparent)]
    Risk(#[from] lifeguard_risk::RiskError),
    /// Data or arguments are unusable.
    #[error("data: {0}")]
    Data(String),
}

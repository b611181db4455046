use std::path::Path;

/// An input that could not be read, with where it was.
#[derive(Debug, thiserror::Error)]
#[error("{file}:{line}: {kind}")]
pub struct ReadError {
    /// The file (or stream name).
    pub file: String,
    /// The 1-based line; 0 when the error concerns the whole file.
    pub line: u64,
    /// What was wrong.
    pub kind: ReadErrorKind,
}

/// What was wrong with an input.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReadErrorKind {
    /// The file could not be opened or read.
    #[error("cannot read: {0}")]
    Io(#[from] std::io::Error),
    /// The line is not valid JSON, or not an event.
    #[error("invalid JSON: {0}")]
    Json(String),
    /// The line parsed but an event field is wrong.
    #[error("invalid event: {0}")]
    Invalid(#[from] lifeguard_core::InvalidEvent),
    /// A line is longer than the reader accepts.
    #[error("line is longer than {0} bytes")]
    LineTooLong(usize),
    /// The line is not UTF-8.
    #[error("line is not valid UTF-8")]
    NotUtf8,
    /// The XML is malformed or not in the PAN12 shape.
    #[error("invalid PAN12 XML: {0}")]
    Xml(String),
}

impl ReadError {
    pub(crate) fn io(path: &Path, e: std::io::Error) -> ReadError {
        ReadError {
            file: path.display().to_string(),
            line: 0,
            kind: ReadErrorKind::Io(e),
        }
    }

    /// Whether the reader can go on after this error (a bad line), as opposed to
    /// a broken file.
    pub fn is_recoverable(&self) -> bool {
        !matches!(self.kind, ReadErrorKind::Io(_) | ReadErrorKind::Xml(_))
    }
}

//! Readers that turn files into Lifeguard [`Event`]s.
//!
//! Platforms send JSON envelopes (see `docs/events.md`); researchers hold corpora as
//! JSON lines (plain or gzipped) or in the PAN 2012 XML format. This crate reads all
//! of them into one stream of [`Record`]s, so that `lifeguard ingest`, `eval` and
//! `train` see exactly what the service would see. Every error names the file, the
//! line and what was wrong; a reader never panics on input and carries on after a
//! bad line, so the caller decides whether to stop or to skip and count.
//!
//! ```
//! use lifeguard_ingest::JsonlReader;
//! let data = "{\"conversation\":\"c1\",\"author\":\"a\",\"text\":\"hi\",\"seq\":0}\n";
//! let records: Vec<_> = JsonlReader::new(data.as_bytes(), "inline").collect();
//! let message = records[0].as_ref().unwrap().event.as_message().unwrap();
//! assert_eq!(message.sender, "a");
//! ```
#![deny(missing_docs)]

mod error;
mod jsonl;
mod pan12;

pub use error::{ReadError, ReadErrorKind};
pub use jsonl::JsonlReader;
pub use pan12::Pan12Reader;

use lifeguard_core::Event;
use std::collections::HashSet;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

/// One event read from a file, with where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// The event.
    pub event: Event,
    /// The line (JSONL) or message line number (PAN12) it was read from, 1-based.
    pub line: u64,
    /// The research corpus's `source` field, where a bare message line had one.
    pub source: Option<String>,
}

/// The format of an input file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One JSON object a line: envelopes or bare message lines; gzip is detected.
    Jsonl,
    /// The PAN 2012 Sexual Predator Identification XML format.
    Pan12,
}

impl Format {
    /// Guesses the format from a file name: `.xml` is PAN12, anything else JSONL.
    pub fn from_path(path: &Path) -> Format {
        match path.extension().and_then(|e| e.to_str()) {
            Some(ext) if ext.eq_ignore_ascii_case("xml") => Format::Pan12,
            _ => Format::Jsonl,
        }
    }
}

/// Opens a file for reading, transparently gunzipping it when it starts with the
/// gzip magic bytes (whatever its name).
pub fn open(path: &Path) -> Result<Box<dyn BufRead + Send>, ReadError> {
    let file = File::open(path).map_err(|e| ReadError::io(path, e))?;
    let mut reader = BufReader::with_capacity(256 * 1024, file);
    let head = reader.fill_buf().map_err(|e| ReadError::io(path, e))?;
    if head.starts_with(&[0x1f, 0x8b]) {
        let gz = flate2::bufread::MultiGzDecoder::new(reader);
        Ok(Box::new(BufReader::with_capacity(256 * 1024, gz)))
    } else {
        Ok(Box::new(reader))
    }
}

/// Reads every record of a file in the given format.
pub fn read_path(
    path: &Path,
    format: Format,
) -> Result<Box<dyn Iterator<Item = Result<Record, ReadError>> + Send>, ReadError> {
    let input = open(path)?;
    let name = path.display().to_string();
    Ok(match format {
        Format::Jsonl => Box::new(JsonlReader::new(input, name)),
        Format::Pan12 => Box::new(Pan12Reader::new(input, name)),
    })
}

/// Reads a list of offender ids, one a line (PAN12's predator list and
/// `train-predators.txt`); blank lines and `#` comments are ignored.
pub fn read_id_list(path: &Path) -> Result<HashSet<String>, ReadError> {
    let mut text = String::new();
    open(path)?
        .read_to_string(&mut text)
        .map_err(|e| ReadError::io(path, e))?;
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_owned)
        .collect())
}

//! The resume journal: `journal.jsonl` in the output folder, one header line
//! then one line per finished file on disk, appended as files finish and
//! fsync'd in batches. A scan that is started again with the same paths and
//! options reads it and skips every file whose path, size, modification
//! time, inode, device and status-change time are unchanged. A torn last
//! line (the process was killed mid-write, possibly inside a UTF-8
//! sequence) is dropped: the journal is read up to its last complete line.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Seek, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::model::{ErrorEntry, FileEntry, SkippedEntry};
use crate::TriageError;

/// File name of the journal inside the output folder.
pub const JOURNAL_FILE: &str = "journal.jsonl";

/// What makes two runs the same scan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Header {
    pub lifeguard_scan_journal: u32,
    pub started: String,
    pub paths: Vec<String>,
    pub pdq: bool,
    pub thumbnails: bool,
}

/// One finished file on disk and everything found in it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Record {
    pub path: String,
    pub size: u64,
    pub mtime_ns: i128,
    /// Inode, device and status-change time as listed (absent from
    /// journals of older versions: such a record is not trusted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ino: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dev: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ctime_ns: Option<i128>,
    pub entries: Vec<FileEntry>,
    #[serde(default)]
    pub errors: Vec<ErrorEntry>,
    #[serde(default)]
    pub skipped: Vec<SkippedEntry>,
    /// Opens of the file with `O_NOATIME` and without it (absent from
    /// journals of older versions: not recorded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opens_noatime: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opens_plain: Option<u64>,
    /// Bytes expanded from inside this file, failed members included, as
    /// counted against the scan-wide budget (absent from journals of older
    /// versions: the members' sizes stand in).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expanded: Option<u64>,
}

/// What one run's walk did to the evidence's access times (one line per
/// run, written after its walk).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Walked {
    /// Directories listed with `O_NOATIME`.
    pub dirs_noatime: u64,
    /// Directories listed without it.
    pub dirs_plain: u64,
    /// Symbolic links read.
    pub links_read: u64,
}

#[derive(Serialize, Deserialize)]
struct WalkLine {
    walk: Walked,
}

pub(crate) struct Journal {
    file: File,
    path: PathBuf,
    unsynced: usize,
    last_sync: Instant,
}

const SYNC_EVERY: usize = 256;
const SYNC_INTERVAL: Duration = Duration::from_secs(1);

impl Journal {
    /// Opens (or creates) the journal. Returns it with the header in force
    /// and the records of finished files. A journal from another scan
    /// (other paths or options) is a usage error.
    #[allow(clippy::type_complexity)]
    pub fn open(
        dir: &Path,
        header: Header,
    ) -> Result<(Journal, Header, Vec<Record>, Vec<Walked>), TriageError> {
        let path = dir.join(JOURNAL_FILE);
        let io = |e: std::io::Error| TriageError::Io {
            path: path.clone(),
            source: e,
        };
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(&path)
            .map_err(io)?;
        let mut records = Vec::new();
        let mut walks = Vec::new();
        let mut good_len = 0u64;
        let mut found: Option<Header> = None;
        {
            let mut reader = BufReader::new(&mut file);
            // Bytes, not text: a line torn inside a UTF-8 sequence is not
            // valid UTF-8, and must end the reading, not the resume.
            let mut line = Vec::new();
            loop {
                line.clear();
                let n = reader.read_until(b'\n', &mut line).map_err(io)?;
                if n == 0 || line.last() != Some(&b'\n') {
                    break; // end, or a torn last line
                }
                if found.is_none() {
                    match serde_json::from_slice::<Header>(&line) {
                        Ok(h) => found = Some(h),
                        Err(_) => {
                            return Err(TriageError::Usage(format!(
                                "{} is not a scan journal; choose an empty --out folder",
                                path.display()
                            )))
                        }
                    }
                } else {
                    match serde_json::from_slice::<Record>(&line) {
                        Ok(r) => records.push(r),
                        Err(_) => match serde_json::from_slice::<WalkLine>(&line) {
                            Ok(w) => walks.push(w.walk),
                            Err(_) => break,
                        },
                    }
                }
                good_len += n as u64;
            }
        }
        // Drop anything after the last good line before appending.
        file.set_len(good_len).map_err(io)?;
        file.seek(std::io::SeekFrom::End(0)).map_err(io)?;
        let header = match found {
            Some(h) => {
                if h.paths != header.paths
                    || h.pdq != header.pdq
                    || h.thumbnails != header.thumbnails
                {
                    return Err(TriageError::Usage(format!(
                        "{} holds another scan (paths {:?}, pdq {}, thumbnails {}); \
                         to resume it give the same paths and options, else choose another --out",
                        dir.display(),
                        h.paths,
                        h.pdq,
                        h.thumbnails
                    )));
                }
                h
            }
            None => {
                let mut line = serde_json::to_string(&header).expect("header serialises");
                line.push('\n');
                file.write_all(line.as_bytes()).map_err(io)?;
                file.sync_data().map_err(io)?;
                header
            }
        };
        Ok((
            Journal {
                file,
                path: path.clone(),
                unsynced: 0,
                last_sync: Instant::now(),
            },
            header,
            records,
            walks,
        ))
    }

    /// Appends what this run's walk did (see [`Walked`]).
    pub fn append_walk(&mut self, w: &Walked) -> Result<(), TriageError> {
        let mut line = serde_json::to_string(&WalkLine { walk: w.clone() }).expect("serialises");
        line.push('\n');
        self.file
            .write_all(line.as_bytes())
            .map_err(|e| self.err(e))?;
        self.sync()
    }

    /// Appends one record (one write per line, so a kill tears at most the
    /// last line); syncs every few hundred records or every second.
    pub fn append(&mut self, r: &Record) -> Result<(), TriageError> {
        let mut line = serde_json::to_string(r).expect("record serialises");
        line.push('\n');
        self.file
            .write_all(line.as_bytes())
            .map_err(|e| self.err(e))?;
        self.unsynced += 1;
        if self.unsynced >= SYNC_EVERY || self.last_sync.elapsed() >= SYNC_INTERVAL {
            self.sync()?;
        }
        Ok(())
    }

    /// Flushes everything to disk.
    pub fn sync(&mut self) -> Result<(), TriageError> {
        self.file.sync_data().map_err(|e| self.err(e))?;
        self.unsynced = 0;
        self.last_sync = Instant::now();
        Ok(())
    }

    fn err(&self, e: std::io::Error) -> TriageError {
        TriageError::Io {
            path: self.path.clone(),
            source: e,
        }
    }
}

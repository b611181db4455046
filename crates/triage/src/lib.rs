//! Forensic triage for Lifeguard: find known material in seized media, fast,
//! with an evidence trail.
//!
//! [`scan`] walks the evidence paths in parallel (never following a symbolic
//! link, never opening a device or pipe), opens every file read-only, detects
//! its type from its content, streams MD5, SHA-1 and SHA-256 over it, decodes
//! images and computes their PDQ hash, and looks inside zip, tar and gzip
//! archives (nested, within [`Limits`] on depth, members, expanded bytes and
//! compression ratio, counted as the bytes stream rather than taken from
//! the archive's headers, and within a budget of expanded bytes for the
//! whole scan, so that a zip bomb becomes an error entry rather than an
//! exhausted machine). Every file and archive member is matched against
//! the banks of a [`Matcher`]: exactly by any of the three digests, and by
//! PDQ within each bank's threshold. Anything that cannot be read is an
//! error entry and the scan carries on.
//!
//! The output folder receives `files.csv` (the manifest, every file with its
//! hashes), `matches.csv`, `report.json` (the [`Report`]; its
//! `manifest_sha256` is the SHA-256 of `files.csv`) and `report.html`, and,
//! while the scan runs, `journal.jsonl`: each finished file is appended to
//! it, so that a scan started again after an interruption skips the files
//! already hashed (same path, size, modification time, inode, device and
//! status-change time).
//!
//! ```
//! use lifeguard_media::{BankSpec, HashType, Matcher};
//! use lifeguard_triage::{scan, NoProgress, Outcome, ScanOptions};
//!
//! let evidence = tempfile::tempdir().unwrap();
//! std::fs::write(evidence.path().join("notes.txt"), b"abc").unwrap();
//! let mut banks = Matcher::new();
//! let b = banks.add_bank(BankSpec { name: "known".into(), label: "test".into(), pdq_threshold: 31 });
//! banks.add_hash(b, HashType::Md5, "900150983cd24fb0d6963f7d28e17f72", None).unwrap();
//!
//! let out = tempfile::tempdir().unwrap();
//! let opts = ScanOptions::new(vec![evidence.path().to_owned()], out.path().join("case"));
//! let Outcome::Complete(report) = scan(&opts, &banks, &mut NoProgress).unwrap() else { panic!() };
//! assert_eq!((report.files_scanned, report.matches.len()), (1, 1));
//! assert_eq!(report.matches[0].matched.kind, "exact");
//! assert_eq!(report.evidence_access, "read-only");
//! ```

#![deny(missing_docs)]

mod digest;
mod expand;
pub mod journal;
pub mod model;
mod report;
mod walk;

use std::collections::{BTreeMap, HashMap};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;

use lifeguard_media::Matcher;
use rayon::prelude::*;
use sha2::{Digest, Sha256};

pub use model::{
    AccessTimes, BankSummary, ErrorEntry, FileEntry, MatchCount, MatchInfo, MatchRow, Report,
    SkippedEntry,
};

/// Limits on archive expansion and decoding: per file on disk, except
/// [`Limits::max_scan_expanded_bytes`], which is for the whole scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Deepest archive nesting expanded (an archive at the top is depth 1).
    pub max_depth: u32,
    /// Most bytes expanded from one file on disk, all levels together.
    pub max_expanded_bytes: u64,
    /// Most bytes expanded from all archives of the scan together (all
    /// runs of a resumed scan). Where it runs out the archive being
    /// expanded gets an error entry, every archive after it is hashed as a
    /// file but not expanded (an error entry each), and the scan carries on.
    pub max_scan_expanded_bytes: u64,
    /// Most archive members read from one file on disk.
    pub max_members: u64,
    /// Largest expanded-to-compressed ratio of one member ...
    pub max_ratio: u64,
    /// ... once it has expanded to more than this many bytes.
    pub ratio_min_bytes: u64,
    /// Largest nested zip held in memory to expand (zip needs random access;
    /// a zip on disk of any size is read from the file).
    pub max_buffer_bytes: u64,
    /// Largest image file decoded for PDQ (larger ones are hashed only).
    pub max_image_bytes: u64,
    /// Decoder limits (pixel count, allocation).
    pub decode: lifeguard_media::Limits,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 8,
            max_expanded_bytes: 32 << 30,
            max_scan_expanded_bytes: DEFAULT_SCAN_EXPANDED_BYTES,
            max_members: 1_000_000,
            max_ratio: 200,
            ratio_min_bytes: 16 << 20,
            max_buffer_bytes: 256 << 20,
            max_image_bytes: 128 << 20,
            decode: lifeguard_media::Limits::default(),
        }
    }
}

/// Default of [`Limits::max_scan_expanded_bytes`]: 256 GiB, about ten
/// minutes of hashing at typical speeds; expansion is streamed, so this
/// bounds time rather than memory.
pub const DEFAULT_SCAN_EXPANDED_BYTES: u64 = 256 << 30;

/// What to scan and how.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// Evidence paths (directories or files).
    pub paths: Vec<PathBuf>,
    /// Output folder (created; must not lie inside the evidence).
    pub out: PathBuf,
    /// Worker threads; 0 for one per core.
    pub threads: usize,
    /// Decode images and compute PDQ (false: digests only).
    pub pdq: bool,
    /// Keep small thumbnails of matched images for `report.html`.
    pub thumbnails: bool,
    /// Expansion and decoding limits.
    pub limits: Limits,
    /// Stop after this many files on disk have been hashed and journaled by
    /// this run (simulates an interruption; for tests and drills).
    pub stop_after: Option<u64>,
}

impl ScanOptions {
    /// Defaults: all cores, PDQ on, no thumbnails, default limits.
    pub fn new(paths: Vec<PathBuf>, out: PathBuf) -> ScanOptions {
        ScanOptions {
            paths,
            out,
            threads: 0,
            pdq: true,
            thumbnails: false,
            limits: Limits::default(),
            stop_after: None,
        }
    }
}

/// Why a scan could not run at all. Problems with individual files are not
/// errors of the scan: they are listed in [`Report::errors`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TriageError {
    /// The request cannot be carried out as given (no such evidence path,
    /// output inside the evidence, a journal of another scan).
    #[error("{0}")]
    Usage(String),
    /// Reading or writing the output folder failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file concerned.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

/// Progress of a scan, as it goes. Calls come from one thread.
pub trait Progress {
    /// The walk is done: totals, and what the journal already covers.
    fn start(&mut self, total_files: u64, total_bytes: u64, resumed_files: u64, resumed_bytes: u64);
    /// Files and bytes on disk done so far (including resumed ones).
    fn advance(&mut self, files_done: u64, bytes_done: u64);
    /// Hashing is over (the report is being written).
    fn finish(&mut self);
}

/// Reports nothing.
pub struct NoProgress;

impl Progress for NoProgress {
    fn start(&mut self, _: u64, _: u64, _: u64, _: u64) {}
    fn advance(&mut self, _: u64, _: u64) {}
    fn finish(&mut self) {}
}

/// How a scan ended.
#[derive(Debug)]
pub enum Outcome {
    /// Every file was hashed; the report is written.
    Complete(Box<Report>),
    /// Stopped early ([`ScanOptions::stop_after`]); the journal holds what
    /// was done and running the same scan again resumes it.
    Interrupted {
        /// Files on disk finished so far (all runs).
        files_done: u64,
        /// Files on disk found.
        files_total: u64,
    },
}

/// The version written into reports.
pub const TOOL_VERSION: &str = concat!("lifeguard-triage ", env!("CARGO_PKG_VERSION"));

/// `path` made absolute, with `.`/`..` resolved and links in its existing
/// part resolved, without requiring the path to exist.
fn resolve(path: &Path) -> std::io::Result<PathBuf> {
    let abs = std::path::absolute(path)?;
    let mut existing = abs.clone();
    let mut rest = Vec::new();
    while !existing.exists() {
        match (existing.file_name(), existing.parent()) {
            (Some(n), Some(p)) => {
                rest.push(n.to_owned());
                existing = p.to_owned();
            }
            _ => break,
        }
    }
    let mut out = std::fs::canonicalize(&existing)?;
    for n in rest.into_iter().rev() {
        match Path::new(&n).components().next() {
            Some(Component::ParentDir) => {
                out.pop();
            }
            Some(Component::CurDir) => {}
            _ => out.push(n),
        }
    }
    Ok(out)
}

/// Runs a scan (see the crate documentation).
pub fn scan(
    opts: &ScanOptions,
    matcher: &Matcher,
    progress: &mut dyn Progress,
) -> Result<Outcome, TriageError> {
    if opts.paths.is_empty() {
        return Err(TriageError::Usage("no evidence path given".into()));
    }
    let mut canonical = Vec::new();
    for p in &opts.paths {
        match std::fs::canonicalize(p) {
            Ok(c) => canonical.push(c),
            Err(e) => {
                return Err(TriageError::Usage(format!(
                    "evidence path {}: {e}",
                    p.display()
                )))
            }
        }
    }
    let out = resolve(&opts.out).map_err(|e| TriageError::Io {
        path: opts.out.clone(),
        source: e,
    })?;
    if let Some(root) = canonical.iter().find(|r| out.starts_with(r)) {
        return Err(TriageError::Usage(format!(
            "the output folder {} is inside the evidence ({}); nothing may be written there",
            opts.out.display(),
            root.display()
        )));
    }
    std::fs::create_dir_all(&opts.out).map_err(|e| TriageError::Io {
        path: opts.out.clone(),
        source: e,
    })?;

    let paths: Vec<String> = opts.paths.iter().map(|p| walk::display(p)).collect();
    let (mut journal, header, done, mut walks) = journal::Journal::open(
        &opts.out,
        journal::Header {
            lifeguard_scan_journal: 1,
            started: now(),
            paths: paths.clone(),
            pdq: opts.pdq,
            thumbnails: opts.thumbnails,
        },
    )?;

    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.threads)
        .build()
        .map_err(|e| TriageError::Usage(format!("cannot start worker threads: {e}")))?;
    let walked = pool.install(|| walk::walk(&opts.paths, &canonical));
    let this_walk = journal::Walked {
        dirs_noatime: walked.dirs_noatime,
        dirs_plain: walked.dirs_plain,
        links_read: walked.links_read,
    };
    journal.append_walk(&this_walk)?;
    walks.push(this_walk);

    // Journal records still valid: same path, size, modification time,
    // inode, device and status-change time.
    let mut finished: HashMap<String, journal::Record> = HashMap::new();
    for r in done {
        finished.insert(r.path.clone(), r);
    }
    let mut records: Vec<journal::Record> = Vec::new();
    let mut todo = Vec::new();
    for c in &walked.files {
        match finished.remove(&c.display) {
            Some(r)
                if r.size == c.size
                    && r.mtime_ns == c.mtime_ns
                    && r.ino == Some(c.ino)
                    && r.dev == Some(c.dev)
                    && r.ctime_ns == Some(c.ctime_ns) =>
            {
                records.push(r)
            }
            _ => todo.push(c),
        }
    }
    let resumed_files = records.len() as u64;
    let resumed_bytes: u64 = records.iter().map(|r| r.size).sum();
    let total_files = walked.files.len() as u64;
    let total_bytes: u64 = walked.files.iter().map(|c| c.size).sum();
    progress.start(total_files, total_bytes, resumed_files, resumed_bytes);

    // The scan-wide expansion budget counts what earlier runs expanded.
    let resumed_expanded: u64 = records
        .iter()
        .map(|r| {
            r.expanded.unwrap_or_else(|| {
                // Journals of older versions: the members' sizes stand in.
                r.entries
                    .iter()
                    .filter(|e| e.path != r.path)
                    .map(|e| e.size)
                    .fold(0u64, u64::saturating_add)
            })
        })
        .fold(0u64, u64::saturating_add);
    let scan_budget =
        expand::ScanBudget::new(opts.limits.max_scan_expanded_bytes, resumed_expanded);
    let settings = expand::Settings {
        limits: &opts.limits,
        pdq: opts.pdq,
        thumbnails: opts.thumbnails,
        matcher,
        scan_budget: &scan_budget,
    };
    let stop = AtomicBool::new(false);
    let (tx, rx) = mpsc::sync_channel::<journal::Record>(256);
    let mut hashed = 0u64;
    let (mut files_done, mut bytes_done) = (resumed_files, resumed_bytes);
    let mut write_err = None;
    std::thread::scope(|s| {
        let stop = &stop;
        let settings = &settings;
        let todo = &todo;
        let pool = &pool;
        s.spawn(move || {
            pool.install(|| {
                todo.par_iter().for_each_with(tx, |tx, c| {
                    if stop.load(Ordering::Relaxed) {
                        return;
                    }
                    let r = expand::process_file(c, settings);
                    let rec = journal::Record {
                        path: c.display.clone(),
                        size: c.size,
                        mtime_ns: c.mtime_ns,
                        ino: Some(c.ino),
                        dev: Some(c.dev),
                        ctime_ns: Some(c.ctime_ns),
                        entries: r.entries,
                        errors: r.errors,
                        skipped: r.skipped,
                        opens_noatime: Some(r.opens_noatime),
                        opens_plain: Some(r.opens_plain),
                        expanded: Some(r.expanded),
                    };
                    let _ = tx.send(rec);
                })
            })
        });
        for rec in rx {
            if write_err.is_none() {
                if let Err(e) = journal.append(&rec) {
                    write_err = Some(e);
                    stop.store(true, Ordering::Relaxed);
                }
            }
            hashed += 1;
            files_done += 1;
            bytes_done += rec.size;
            progress.advance(files_done, bytes_done);
            records.push(rec);
            if opts.stop_after.is_some_and(|n| hashed >= n) {
                stop.store(true, Ordering::Relaxed);
            }
        }
    });
    journal.sync()?;
    if let Some(e) = write_err {
        return Err(e);
    }
    progress.finish();
    if files_done < total_files {
        return Ok(Outcome::Interrupted {
            files_done,
            files_total: total_files,
        });
    }

    let report = write_outputs(
        opts,
        matcher,
        &header.started,
        paths,
        walked,
        &walks,
        records,
        resumed_files,
        hashed,
    )?;
    Ok(Outcome::Complete(Box::new(report)))
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

#[allow(clippy::too_many_arguments)]
fn write_outputs(
    opts: &ScanOptions,
    matcher: &Matcher,
    started: &str,
    paths: Vec<String>,
    walked: walk::WalkOut,
    walks: &[journal::Walked],
    records: Vec<journal::Record>,
    resumed_files: u64,
    hashed_files: u64,
) -> Result<Report, TriageError> {
    let files_on_disk = records.len() as u64;
    let bytes: u64 = records.iter().map(|r| r.size).sum();
    let mut entries = Vec::new();
    let mut errors = walked.errors;
    let mut skipped = walked.skipped;
    let (mut archive_members, mut expanded_bytes) = (0u64, 0u64);
    let mut access = AccessTimes::default();
    for w in walks {
        access.opened_with_noatime += w.dirs_noatime;
        access.opened_without_noatime += w.dirs_plain;
        access.links_read += w.links_read;
    }
    for r in &records {
        match (r.opens_noatime, r.opens_plain) {
            (Some(n), Some(p)) => {
                access.opened_with_noatime += n;
                access.opened_without_noatime += p;
            }
            _ => access.not_recorded += 1,
        }
    }
    access.finish();
    for r in records {
        for e in &r.entries {
            if e.path != r.path {
                archive_members += 1;
                expanded_bytes += e.size;
            }
        }
        entries.extend(r.entries);
        errors.extend(r.errors);
        skipped.extend(r.skipped);
    }
    entries.sort_by(|a, b| a.path.cmp(&b.path));
    errors.sort_by(|a, b| a.path.cmp(&b.path));
    skipped.sort_by(|a, b| a.path.cmp(&b.path));
    let images = entries.iter().filter(|e| e.pdq.is_some()).count() as u64;

    let manifest = report::files_csv(&entries);
    let manifest_sha256 = hex::encode(Sha256::digest(manifest.as_bytes()));
    let matches = report::match_rows(matcher, &entries);
    let report = Report {
        tool_version: TOOL_VERSION.to_owned(),
        started: started.to_owned(),
        finished: now(),
        evidence_access: "read-only".to_owned(),
        access_times: access,
        paths,
        banks: matcher
            .banks()
            .iter()
            .map(|b| BankSummary {
                name: b.name.clone(),
                label: b.label.clone(),
                pdq_threshold: b.pdq_threshold,
            })
            .collect(),
        pdq: opts.pdq,
        files_scanned: entries.len() as u64,
        files_on_disk,
        archive_members,
        bytes,
        expanded_bytes,
        images,
        resumed_files,
        hashed_files,
        matches_by_bank: report::counts(&matches),
        matches,
        errors,
        skipped,
        manifest_sha256,
    };
    let thumbs: BTreeMap<String, String> = if opts.thumbnails {
        entries
            .iter()
            .filter_map(|e| Some((e.path.clone(), e.thumbnail.clone()?)))
            .collect()
    } else {
        BTreeMap::new()
    };
    let write = |name: &str, body: &[u8]| -> Result<(), TriageError> {
        let path = opts.out.join(name);
        let tmp = opts.out.join(format!(".{name}.tmp"));
        let io = |e| TriageError::Io {
            path: path.clone(),
            source: e,
        };
        std::fs::write(&tmp, body).map_err(io)?;
        std::fs::rename(&tmp, &path).map_err(io)
    };
    write("files.csv", manifest.as_bytes())?;
    write(
        "matches.csv",
        report::matches_csv(&report.matches).as_bytes(),
    )?;
    let mut json = serde_json::to_vec_pretty(&report).expect("report serialises");
    json.push(b'\n');
    write("report.json", &json)?;
    write("report.html", report::html(&report, &thumbs).as_bytes())?;
    Ok(report)
}

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;
use lifeguard_store::SqliteStore;
use lifeguard_triage::{scan, Outcome, Progress, ScanOptions};

use super::matching::load_matcher;

/// Forensic triage: scan seized media against hash banks.
///
/// Walks the paths in parallel (symbolic links are never followed, devices and
/// pipes never opened), opens every file read-only, detects types by content,
/// looks inside zip, tar and gzip archives (nested; a zip bomb becomes an
/// error entry), hashes every file (MD5, SHA-1, SHA-256) and every image
/// (PDQ), and matches them against the banks. Writes report.json, files.csv
/// (the manifest), matches.csv and report.html into --out; an interrupted
/// scan resumes from --out/journal.jsonl when run again with the same paths.
/// Exit status: 0 no match, 1 matches found, 2 usage error or scan not
/// finished. Unreadable files do not change the status: they are listed
/// under "errors" in the report.
#[derive(clap::Args)]
pub struct Args {
    /// Evidence: directories or files.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Bank to match against; repeat for several. Default: every bank.
    #[arg(long = "bank", value_name = "NAME")]
    pub banks: Vec<String>,
    /// Output folder for the report (must not lie inside the evidence).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// The store's database file (where the banks are).
    #[arg(long, default_value = "lifeguard.db", env = "LIFEGUARD_DB")]
    pub db: PathBuf,
    /// Hash only: MD5, SHA-1 and SHA-256 of every file, no image decoding
    /// or PDQ (exact matches only).
    #[arg(long)]
    pub no_pdq: bool,
    /// Worker threads (default: one per core).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// Show small thumbnails of matched images in report.html. Off by
    /// default: the report renders no image.
    #[arg(long)]
    pub thumbnails: bool,
    /// Progress display on stderr: a bar on a terminal, JSON lines otherwise.
    #[arg(long, value_enum, default_value = "auto")]
    pub progress: ProgressArg,
    /// Most bytes expanded from all archives of the scan together (e.g.
    /// 500G, 64MiB, 1000000); where it runs out, the archive being expanded
    /// gets an error entry, later archives are hashed but not expanded, and
    /// the scan carries on. Per file on disk the limit is 32 GiB.
    #[arg(long, value_name = "SIZE", default_value = "256GiB", value_parser = parse_size)]
    pub expansion_budget: u64,
    /// Stop after hashing this many files (an interruption drill; run again
    /// to resume).
    #[arg(long, hide = true)]
    pub stop_after: Option<u64>,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ProgressArg {
    Auto,
    Bar,
    Json,
    None,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let store =
        SqliteStore::open(&args.db).with_context(|| format!("opening {}", args.db.display()))?;
    let matcher = match load_matcher(&store, &args.banks) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("lifeguard scan: {e:#}");
            return Ok(ExitCode::from(2));
        }
    };
    drop(store);
    let mut opts = ScanOptions::new(args.paths, args.out.clone());
    opts.threads = args.threads;
    opts.pdq = !args.no_pdq;
    opts.thumbnails = args.thumbnails;
    opts.stop_after = args.stop_after;
    opts.limits.max_scan_expanded_bytes = args.expansion_budget;
    let mode = match args.progress {
        ProgressArg::Auto if std::io::stderr().is_terminal() => ProgressArg::Bar,
        ProgressArg::Auto => ProgressArg::Json,
        m => m,
    };
    let mut progress = Reporter::new(mode);
    match scan(&opts, &matcher, &mut progress) {
        Err(lifeguard_triage::TriageError::Usage(m)) => {
            eprintln!("lifeguard scan: {m}");
            Ok(ExitCode::from(2))
        }
        Err(e) => Err(e.into()),
        Ok(Outcome::Interrupted {
            files_done,
            files_total,
        }) => {
            eprintln!(
                "lifeguard scan: stopped after {files_done} of {files_total} files; \
                 run the same command again to resume"
            );
            Ok(ExitCode::from(2))
        }
        Ok(Outcome::Complete(r)) => {
            println!(
                "{}",
                serde_json::json!({
                    "out": args.out.display().to_string(),
                    "files_scanned": r.files_scanned,
                    "images": r.images,
                    "matches": r.matches.len(),
                    "errors": r.errors.len(),
                    "resumed_files": r.resumed_files,
                    "manifest_sha256": r.manifest_sha256,
                })
            );
            Ok(ExitCode::from(if r.matches.is_empty() { 0 } else { 1 }))
        }
    }
}

/// A byte count: digits, optionally followed by K, M, G or T (powers of
/// 1024; `KiB`, `KB`, `k` and so on are read the same) or B.
fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let digits = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (n, unit) = t.split_at(digits);
    let n: u64 = n
        .parse()
        .map_err(|_| format!("{s:?} is not a size (e.g. 500G, 64MiB, 1000000)"))?;
    let shift = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 10,
        "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        "t" | "tb" | "tib" => 40,
        _ => return Err(format!("{s:?} is not a size (e.g. 500G, 64MiB, 1000000)")),
    };
    n.checked_mul(1u64 << shift)
        .ok_or_else(|| format!("{s:?} is too large"))
}

/// Progress on stderr: an indicatif bar, or one JSON line a second.
struct Reporter {
    mode: ProgressArg,
    bar: Option<indicatif::ProgressBar>,
    started: Instant,
    last: Instant,
    total: (u64, u64),
    resumed: (u64, u64),
    done: (u64, u64),
}

impl Reporter {
    fn new(mode: ProgressArg) -> Reporter {
        Reporter {
            mode,
            bar: None,
            started: Instant::now(),
            last: Instant::now(),
            total: (0, 0),
            resumed: (0, 0),
            done: (0, 0),
        }
    }

    /// Files/s and MB/s over what this run hashed, and the ETA in seconds.
    fn rates(&self) -> (f64, f64, Option<f64>) {
        let secs = self.started.elapsed().as_secs_f64().max(1e-3);
        let files = (self.done.0 - self.resumed.0) as f64 / secs;
        let bytes = (self.done.1 - self.resumed.1) as f64 / secs;
        let left = self.total.1.saturating_sub(self.done.1) as f64;
        let eta = (bytes > 0.0).then(|| left / bytes);
        (files, bytes / 1e6, eta)
    }

    fn json_line(&self) {
        let (fps, mbps, eta) = self.rates();
        eprintln!(
            "{}",
            serde_json::json!({"progress": {
                "files_done": self.done.0, "files_total": self.total.0,
                "bytes_done": self.done.1, "bytes_total": self.total.1,
                "files_per_s": (fps * 10.0).round() / 10.0,
                "mb_per_s": (mbps * 10.0).round() / 10.0,
                "eta_s": eta.map(|e| e.round()),
            }})
        );
    }
}

impl Progress for Reporter {
    fn start(
        &mut self,
        total_files: u64,
        total_bytes: u64,
        resumed_files: u64,
        resumed_bytes: u64,
    ) {
        self.total = (total_files, total_bytes);
        self.resumed = (resumed_files, resumed_bytes);
        self.done = self.resumed;
        self.started = Instant::now();
        match self.mode {
            ProgressArg::Bar => {
                let bar = indicatif::ProgressBar::new(total_bytes);
                bar.set_style(
                    indicatif::ProgressStyle::with_template(
                        "{bar:30} {percent:>3}% {msg} ETA {eta}",
                    )
                    .expect("valid template"),
                );
                bar.set_position(resumed_bytes);
                bar.enable_steady_tick(Duration::from_millis(200));
                self.bar = Some(bar);
            }
            ProgressArg::Json => self.json_line(),
            _ => {}
        }
    }

    fn advance(&mut self, files_done: u64, bytes_done: u64) {
        self.done = (files_done, bytes_done);
        if self.last.elapsed() < Duration::from_millis(if self.bar.is_some() { 100 } else { 1000 })
        {
            return;
        }
        self.last = Instant::now();
        if let Some(bar) = &self.bar {
            let (fps, mbps, _) = self.rates();
            bar.set_position(bytes_done);
            bar.set_message(format!(
                "{files_done}/{} files  {fps:.0} files/s  {mbps:.1} MB/s",
                self.total.0
            ));
        } else if self.mode == ProgressArg::Json {
            self.json_line();
        }
    }

    fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
        if self.mode == ProgressArg::Json {
            self.json_line();
        }
    }
}

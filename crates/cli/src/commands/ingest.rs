use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use lifeguard_ingest::{read_path, Format};
use lifeguard_store::{Appended, EventStore, SqliteStore};

/// Load events from files into a store, idempotently (events already stored are
/// counted as duplicates and left as they are).
#[derive(clap::Args)]
pub struct Args {
    /// Files to read: JSONL (envelopes or bare message lines), gzipped JSONL, or
    /// PAN 2012 XML.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// The store's database file.
    #[arg(long, default_value = "lifeguard.db", env = "LIFEGUARD_DB")]
    pub db: PathBuf,
    /// Input format; by default `.xml` files are PAN12 and everything else JSONL.
    #[arg(long, value_enum)]
    pub format: Option<FormatArg>,
    /// Go on past invalid lines, counting them, instead of stopping at the first.
    #[arg(long)]
    pub skip_invalid: bool,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum FormatArg {
    Jsonl,
    Pan12,
}

const BATCH: usize = 5_000;

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let store =
        SqliteStore::open(&args.db).with_context(|| format!("opening {}", args.db.display()))?;
    let started = Instant::now();
    let (mut accepted, mut duplicates, mut skipped) = (0u64, 0u64, 0u64);
    let mut flush = |batch: &mut Vec<lifeguard_core::Event>| -> anyhow::Result<()> {
        for outcome in store.append(batch)? {
            match outcome {
                Appended::New(_) => accepted += 1,
                Appended::Duplicate => duplicates += 1,
            }
        }
        batch.clear();
        Ok(())
    };
    let mut batch = Vec::with_capacity(BATCH);
    for path in &args.files {
        let format = match args.format {
            Some(FormatArg::Jsonl) => Format::Jsonl,
            Some(FormatArg::Pan12) => Format::Pan12,
            None => Format::from_path(path),
        };
        for record in read_path(path, format)? {
            match record {
                Ok(record) => {
                    batch.push(record.event);
                    if batch.len() == BATCH {
                        flush(&mut batch)?;
                    }
                }
                Err(e) if args.skip_invalid && e.is_recoverable() => {
                    skipped += 1;
                    if skipped <= 10 {
                        eprintln!("lifeguard ingest: skipped {e}");
                    }
                }
                Err(e) => {
                    // Everything before the bad line is kept: commit it first.
                    flush(&mut batch)?;
                    eprintln!(
                        "lifeguard ingest: {accepted} events stored before the error; \
                         use --skip-invalid to go on past bad lines"
                    );
                    return Err(e.into());
                }
            }
        }
    }
    flush(&mut batch)?;
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{}",
        serde_json::json!({
            "db": args.db.display().to_string(),
            "accepted": accepted,
            "duplicates": duplicates,
            "skipped_invalid": skipped,
            "seconds": (secs * 1000.0).round() / 1000.0,
            "events_per_second": ((accepted + duplicates) as f64 / secs).round(),
        })
    );
    Ok(ExitCode::SUCCESS)
}

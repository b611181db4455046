//! Reads a corpus end to end through the JSONL/PAN12 readers and prints throughput.
//!
//! `cargo bench -p lifeguard-ingest --bench read_corpus [-- FILE]`; by default the
//! shared training corpus `../shared/data/grooming/train-conversations.jsonl.gz`.

use std::path::{Path, PathBuf};
use std::time::Instant;

use lifeguard_ingest::{read_path, Format};

fn main() {
    let arg = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let path = match arg {
        Some(p) => PathBuf::from(p),
        None => Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/data/grooming/train-conversations.jsonl.gz"),
    };
    if !path.exists() {
        eprintln!("SKIPPED: {} is absent", path.display());
        return;
    }
    let compressed = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    let start = Instant::now();
    let (mut messages, mut errors, mut text_bytes) = (0u64, 0u64, 0u64);
    for record in read_path(&path, Format::from_path(&path)).expect("open") {
        match record {
            Ok(r) => {
                messages += 1;
                if let Some(m) = r.event.as_message() {
                    text_bytes += m.text.len() as u64;
                }
            }
            Err(_) => errors += 1,
        }
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{}: {messages} messages, {errors} errors in {secs:.2} s: {:.0} messages/s, {:.1} MB/s of file, {:.1} MB/s of text",
        path.display(),
        messages as f64 / secs,
        compressed as f64 / secs / 1e6,
        text_bytes as f64 / secs / 1e6,
    );
}

//! Writes arbitrary bytes as one evidence file (sniffed by content, so zip,
//! gzip and tar structure gets explored) and scans it without PDQ: the scan
//! must complete, with the file hashed and any damage listed under errors,
//! never a panic or a hang.
//!
//! Run with `RUSTC_BOOTSTRAP=1 cargo fuzz run archive` from the repository root.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lifeguard_media::Matcher;
use lifeguard_triage::{scan, NoProgress, Outcome, ScanOptions};

fuzz_target!(|data: &[u8]| {
    let evidence = tempfile::tempdir().expect("tempdir");
    std::fs::write(evidence.path().join("input.bin"), data).expect("write");
    let out = tempfile::tempdir().expect("tempdir");
    let mut opts = ScanOptions::new(vec![evidence.path().to_owned()], out.path().join("case"));
    opts.pdq = false;
    opts.threads = 1;
    // Small limits so the fuzzer explores structure rather than size.
    opts.limits.max_expanded_bytes = 8 << 20;
    opts.limits.max_scan_expanded_bytes = 32 << 20;
    opts.limits.max_members = 1_000;
    let outcome = scan(&opts, &Matcher::new(), &mut NoProgress).expect("scan runs");
    let Outcome::Complete(report) = outcome else {
        panic!("scan did not complete")
    };
    assert!(report.files_scanned >= 1, "the evidence file itself was not hashed");
});

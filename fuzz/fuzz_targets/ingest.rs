//! Feeds arbitrary bytes to the corpus readers (JSONL and PAN12 XML): every
//! line or conversation must come back as a record or a `ReadError` naming
//! where it broke, never a panic or a hang, and the reader must end.
//!
//! Run with `RUSTC_BOOTSTRAP=1 cargo fuzz run ingest` from the repository root.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lifeguard_ingest::{JsonlReader, Pan12Reader};

fuzz_target!(|data: &[u8]| {
    // A reader yields at most one item per input byte plus one, so a bound
    // far above that catches a reader that never ends.
    let bound = data.len() * 2 + 16;
    let n = JsonlReader::new(data, "fuzz.jsonl").take(bound + 1).count();
    assert!(n <= bound, "JSONL reader did not end");
    let n = Pan12Reader::new(data, "fuzz.xml").take(bound + 1).count();
    assert!(n <= bound, "PAN12 reader did not end");
});

//! Feeds arbitrary bytes to `hash_bytes`: any input must give `Ok` or a typed
//! error, never a panic, hang or out-of-memory.
//!
//! Run with `cargo +nightly fuzz run decode` from the repository root.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lifeguard_media::{hash_bytes, HashOptions, Limits, MediaError};

fuzz_target!(|data: &[u8]| {
    // Tighter limits than production so the fuzzer explores structure, not
    // memory: 4 MP and 64 MiB.
    let opts = HashOptions {
        limits: Limits {
            max_pixels: 4_000_000,
            max_alloc: 64 << 20,
            ..Limits::default()
        },
        dihedral: true,
        ..HashOptions::default()
    };
    match hash_bytes(data, &opts) {
        Ok(h) => assert!(h.quality <= 100),
        // A caught decoder panic is still a bug worth reporting.
        Err(MediaError::Internal(msg)) => panic!("internal error: {msg}"),
        Err(_) => {}
    }
});

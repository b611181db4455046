//! Bit-exactness with the pipeline Meta's HMA runs: Pillow decodes the file
//! at full size, `convert("RGB")`, and Meta's C++ PDQ core hashes the pixels.
//!
//! `tests/data/hma_pipeline.jsonl` was produced by `tools/pdq_oracle.py`
//! (Pillow 12 with libjpeg-turbo, and the `pdqhash` package, which wraps
//! Meta's C++ core) over every image in
//! `shared/data/images/pdq-reference`: 40 JPEGs (baseline, progressive,
//! 4:2:0 and 4:4:4, CMYK, greyscale, EXIF-rotated) and 15 PNGs. Every hash
//! and every quality score must be identical. Skips, with a message, when the
//! shared directory is absent.

use std::path::{Path, PathBuf};

use lifeguard_media::{hash_bytes, HashOptions};

fn shared_dir() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/images/pdq-reference");
    p.is_dir().then_some(p)
}

#[derive(serde::Deserialize)]
struct Expected {
    path: String,
    pdq: String,
    quality: u8,
}

#[test]
fn every_reference_image_hashes_exactly_as_hma_does() {
    let Some(dir) = shared_dir() else {
        eprintln!("skipped: ../shared/data/images/pdq-reference is absent");
        return;
    };
    let expected: Vec<Expected> = include_str!("data/hma_pipeline.jsonl")
        .lines()
        .map(|l| serde_json::from_str(l).expect("fixture line"))
        .collect();
    assert_eq!(expected.len(), 55);
    let mut mismatches = Vec::new();
    for e in &expected {
        let bytes = std::fs::read(dir.join(&e.path)).expect(&e.path);
        let got = hash_bytes(&bytes, &HashOptions::default())
            .unwrap_or_else(|err| panic!("{}: {err}", e.path));
        let distance = got.pdq.hamming(&e.pdq.parse().unwrap());
        if distance != 0 || got.quality != e.quality {
            mismatches.push(format!(
                "{}: {distance} bits apart, quality {} vs {}",
                e.path, got.quality, e.quality
            ));
        }
    }
    assert!(mismatches.is_empty(), "{mismatches:#?}");
}

/// The fast path for large JPEGs stays near the reference hash, says when it
/// was taken, and leaves every other image exactly as the reference hashes it.
#[test]
fn fast_path_is_near_the_reference_and_flagged() {
    let Some(dir) = shared_dir() else {
        eprintln!("skipped: ../shared/data/images/pdq-reference is absent");
        return;
    };
    let fast = HashOptions {
        fast_large_jpeg: true,
        ..HashOptions::default()
    };
    let (mut reduced, mut worst) = (0, 0);
    for line in include_str!("data/hma_pipeline.jsonl").lines() {
        let e: Expected = serde_json::from_str(line).unwrap();
        let bytes = std::fs::read(dir.join(&e.path)).unwrap();
        let got = hash_bytes(&bytes, &fast).unwrap();
        let distance = got.pdq.hamming(&e.pdq.parse().unwrap());
        if got.approximate {
            reduced += 1;
            worst = worst.max(distance);
            assert!(got.width.min(got.height) >= lifeguard_media::FAST_MIN_SIDE);
        } else {
            assert_eq!(distance, 0, "{} was not reduced but differs", e.path);
        }
    }
    // The 4032x3024 EXIF photos and the 2000x1404 letterboxed sample.
    assert_eq!(reduced, 5);
    assert!(worst <= 8, "fast path drifted {worst} bits");
}

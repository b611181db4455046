//! Decode and PDQ throughput on generated photos (no criterion; std::time).
//!
//! `cargo bench -p lifeguard-media`. Builds a ~1.6 MP and a ~12 MP JPEG
//! (smooth gradient plus seeded noise, quality 90) at run time, then times
//! decoding (libjpeg-turbo, and the `image` crate's zune-jpeg for comparison)
//! and PDQ hashing separately on one thread, plus PDQ with two
//! threads, and crypto hashing for scale.

use std::time::{Duration, Instant};

use image::{Rgb, RgbImage};
use lifeguard_media::{crypto_hashes, decode, pdq_from_rgb8, Limits, PdqOptions};

fn photo(w: u32, h: u32) -> Vec<u8> {
    let mut s = 0x1234_5678_9abc_def1u64;
    let img = RgbImage::from_fn(w, h, |x, y| {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        let n = (s >> 58) as i32 - 32; // -32..31
        let fx = x as f32 / w as f32;
        let fy = y as f32 / h as f32;
        let wave = ((fx * 9.0).sin() * (fy * 7.0).cos() * 60.0) as i32;
        let c = |base: f32| (base as i32 + wave + n).clamp(0, 255) as u8;
        Rgb([
            c(200.0 * fx + 20.0),
            c(180.0 * fy + 30.0),
            c(120.0 * (1.0 - fx) + 60.0),
        ])
    });
    let mut out = Vec::new();
    let enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90);
    img.write_with_encoder(enc).unwrap();
    out
}

/// Runs `f` at least `min_iters` times and for at least `min_time`;
/// returns the median seconds per call.
fn time<F: FnMut()>(mut f: F, min_iters: usize, min_time: Duration) -> f64 {
    f(); // warm-up
    let mut samples = Vec::new();
    let start = Instant::now();
    while samples.len() < min_iters || start.elapsed() < min_time {
        let t = Instant::now();
        f();
        samples.push(t.elapsed().as_secs_f64());
    }
    samples.sort_by(|a, b| a.partial_cmp(b).unwrap());
    samples[samples.len() / 2]
}

fn main() {
    // `cargo bench` passes `--bench`; ignore arguments.
    let min_time = Duration::from_secs(3);
    println!("lifeguard-media hash benchmark (median per image)");
    for (label, w, h, iters) in [
        ("1.6 MP", 1600u32, 1000u32, 10usize),
        ("12 MP", 4000, 3000, 5),
    ] {
        let jpg = photo(w, h);
        let limits = Limits::default();
        let t_decode = time(
            || {
                std::hint::black_box(decode(&jpg, &limits).unwrap());
            },
            iters,
            min_time,
        );
        // For comparison: the pure-Rust decoder of the `image` crate (zune-jpeg),
        // which Lifeguard no longer uses for JPEG because its pixels differ
        // from libjpeg-turbo's (and so from HMA's hashes) by a few levels.
        let t_zune = time(
            || {
                std::hint::black_box(image::load_from_memory(&jpg).unwrap().to_rgb8());
            },
            iters,
            min_time,
        );
        let img = decode(&jpg, &limits).unwrap();
        let one = PdqOptions::default();
        let t_pdq = time(
            || {
                std::hint::black_box(pdq_from_rgb8(&img.rgb, img.width, img.height, &one));
            },
            iters,
            min_time,
        );
        let two = PdqOptions {
            threads: 2,
            ..PdqOptions::default()
        };
        let t_pdq2 = time(
            || {
                std::hint::black_box(pdq_from_rgb8(&img.rgb, img.width, img.height, &two));
            },
            iters,
            min_time,
        );
        let t_crypto = time(
            || {
                std::hint::black_box(crypto_hashes(&jpg));
            },
            iters,
            min_time,
        );
        let total = t_decode + t_pdq + t_crypto;
        println!(
            "{label:>7} ({w}x{h}, JPEG {:.1} MB):\n  decode      {:>8.1} ms  {:>7.1} images/s per core (libjpeg-turbo via mozjpeg)\n  zune decode {:>8.1} ms  {:>7.1} images/s per core (image crate, for comparison)\n  pdq         {:>8.1} ms  {:>7.1} images/s per core\n  pdq 2 thr   {:>8.1} ms  {:>7.1} images/s (2 threads)\n  md5+sha1+sha256 {:>4.1} ms\n  end-to-end  {:>8.1} ms  {:>7.1} images/s per core",
            jpg.len() as f64 / 1e6,
            t_decode * 1e3,
            1.0 / t_decode,
            t_zune * 1e3,
            1.0 / t_zune,
            t_pdq * 1e3,
            1.0 / t_pdq,
            t_pdq2 * 1e3,
            1.0 / t_pdq2,
            t_crypto * 1e3,
            total * 1e3,
            1.0 / total,
        );
    }
}

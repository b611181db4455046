//! How far a PDQ hash of a JPEG decoded at reduced scale (libjpeg DCT scaling,
//! [`decode_reduced`]) lands from the full-size hash, and what it saves.
//!
//! `cargo run --release -p lifeguard-media --example reduced_distance -- [--photos N] [PATH...]`
//!
//! PATHs are JPEG files or directories of them; `--photos N` adds N generated
//! photo-like 1152x864 JPEGs (smooth waves plus grain, quality 85; the scan
//! bench's pictures). For each floor on the shorter side (64, 128, 256, 512
//! pixels) it prints the distribution of Hamming distances to the full-size
//! hash and the median decode + PDQ time. Triage uses the result to size the
//! margin of its coarse-to-fine PDQ matching.
use std::path::{Path, PathBuf};
use std::time::Instant;

use image::{Rgb, RgbImage};
use lifeguard_media::{decode, decode_reduced, pdq_from_rgb8, Limits, PdqOptions};

const FLOORS: [u32; 4] = [64, 128, 256, 512];

fn photo(seed: u32) -> Vec<u8> {
    const W: u32 = 1152;
    const H: u32 = 864;
    let mut s = u64::from(seed).wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let mut rnd = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    };
    let (a, b, c) = (
        (rnd() % 9 + 2) as f32,
        (rnd() % 7 + 2) as f32,
        (rnd() % 256) as f32,
    );
    let img = RgbImage::from_fn(W, H, |x, y| {
        let n = (rnd() >> 59) as f32 - 16.0;
        let fx = x as f32 / W as f32;
        let fy = y as f32 / H as f32;
        let wave = (fx * a).sin() * (fy * b).cos() * 70.0;
        let px = |base: f32| (base + wave + n).clamp(0.0, 255.0) as u8;
        Rgb([
            px(c * fx + 40.0),
            px(200.0 * fy + 20.0),
            px(255.0 - c * (1.0 - fx)),
        ])
    });
    let mut out = Vec::new();
    let enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85);
    img.write_with_encoder(enc).expect("encode");
    out
}

fn collect(p: &Path, out: &mut Vec<PathBuf>) {
    if p.is_dir() {
        if let Ok(rd) = std::fs::read_dir(p) {
            let mut v: Vec<_> = rd.flatten().map(|e| e.path()).collect();
            v.sort();
            for q in v {
                collect(&q, out);
            }
        }
    } else if let Some(ext) = p.extension().and_then(|e| e.to_str()) {
        if matches!(ext.to_ascii_lowercase().as_str(), "jpg" | "jpeg") {
            out.push(p.to_path_buf());
        }
    }
}

fn pct(v: &mut [f64], q: f64) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    if v.is_empty() {
        return f64::NAN;
    }
    v[((v.len() - 1) as f64 * q).round() as usize]
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mut inputs: Vec<(String, Vec<u8>)> = Vec::new();
    while let Some(a) = args.next() {
        if a == "--photos" {
            let n: u32 = args.next().and_then(|v| v.parse().ok()).unwrap_or(50);
            for i in 0..n {
                inputs.push((format!("photo-{i}"), photo(i + 1)));
            }
            continue;
        }
        let mut files = Vec::new();
        collect(Path::new(&a), &mut files);
        for f in files {
            match std::fs::read(&f) {
                Ok(b) => inputs.push((f.display().to_string(), b)),
                Err(e) => eprintln!("{}: {e}", f.display()),
            }
        }
    }
    let limits = Limits::default();
    let opts = PdqOptions::default();
    let mut full_ms = Vec::new();
    let mut decode_ms = Vec::new();
    let mut dist: Vec<Vec<f64>> = vec![Vec::new(); FLOORS.len()];
    let mut ms: Vec<Vec<f64>> = vec![Vec::new(); FLOORS.len()];
    let mut reduced: Vec<usize> = vec![0; FLOORS.len()];
    for (name, bytes) in &inputs {
        let t = Instant::now();
        let Ok(img) = decode(bytes, &limits) else {
            eprintln!("{name}: not decodable, skipped");
            continue;
        };
        let decoded_at = t.elapsed().as_secs_f64() * 1e3;
        let full = pdq_from_rgb8(&img.rgb, img.width, img.height, &opts);
        full_ms.push(t.elapsed().as_secs_f64() * 1e3);
        decode_ms.push(decoded_at);
        for (k, floor) in FLOORS.iter().enumerate() {
            let t = Instant::now();
            let Ok(r) = decode_reduced(bytes, &limits, Some(*floor)) else {
                continue;
            };
            let h = pdq_from_rgb8(&r.rgb, r.width, r.height, &opts);
            ms[k].push(t.elapsed().as_secs_f64() * 1e3);
            if r.width != img.width {
                reduced[k] += 1;
            }
            dist[k].push(f64::from(h.hash.hamming(&full.hash)));
        }
    }
    let n = full_ms.len();
    println!(
        "{n} JPEGs; full size: decode + PDQ median {:.2} ms (decode alone {:.2} ms)",
        pct(&mut full_ms, 0.5),
        pct(&mut decode_ms, 0.5)
    );
    println!("| floor (px) | reduced | distance p50 | p90 | p99 | max | decode + PDQ median |");
    println!("|---|---|---|---|---|---|---|");
    for (k, floor) in FLOORS.iter().enumerate() {
        let max = dist[k].iter().copied().fold(0.0, f64::max);
        println!(
            "| {floor} | {}/{n} | {} | {} | {} | {} | {:.2} ms |",
            reduced[k],
            pct(&mut dist[k], 0.5),
            pct(&mut dist[k], 0.9),
            pct(&mut dist[k], 0.99),
            max,
            pct(&mut ms[k], 0.5)
        );
    }
}

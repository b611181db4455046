//! Triage throughput over 10,000 generated ~1-megapixel JPEGs, against
//! `sha256sum` and `hashdeep` over the same files in the same run.
//!
//!     cargo bench -p lifeguard-triage --bench scan            # 10,000 files
//!     SCAN_BENCH_FILES=2000 cargo bench -p lifeguard-triage --bench scan
//!
//! The corpus is generated once (in parallel) into
//! `target/scan-bench-corpus-N` (or `$SCAN_BENCH_DIR`) and reused. Every
//! tool runs once, warm (the files are read once beforehand so that all of
//! them start from the page cache; dropping caches needs privileges a
//! benchmark should not assume). Then a single-threaded breakdown over a
//! sample says where the time goes: reading, each digest, JPEG decoding, PDQ.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use image::{Rgb, RgbImage};
use lifeguard_media::{decode, pdq_from_rgb8, Limits, Matcher, PdqOptions};
use lifeguard_triage::{scan, NoProgress, Outcome, ScanOptions};
use rayon::prelude::*;
use sha2::Digest;

const W: u32 = 1152;
const H: u32 = 864; // 0.995 MP

fn photo(seed: u32) -> Vec<u8> {
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
        let n = (rnd() >> 59) as f32 - 16.0; // grain
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
    img.write_with_encoder(enc).unwrap();
    out
}

fn corpus(n: usize) -> PathBuf {
    let dir = std::env::var_os("SCAN_BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join(format!("../../target/scan-bench-corpus-{n}"))
        });
    let done = dir.join(".complete");
    if done.exists() {
        return dir.join("evidence");
    }
    eprintln!("generating {n} JPEGs of {W}x{H} into {} ...", dir.display());
    let t = Instant::now();
    (0..n).into_par_iter().for_each(|i| {
        let p = dir.join(format!("evidence/d{:03}/img{i:05}.jpg", i / 100));
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, photo(i as u32)).unwrap();
    });
    std::fs::write(&done, n.to_string()).unwrap();
    eprintln!("generated in {:.1} s", t.elapsed().as_secs_f64());
    dir.join("evidence")
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut v = Vec::new();
    for d in std::fs::read_dir(dir).unwrap() {
        for f in std::fs::read_dir(d.unwrap().path()).unwrap() {
            v.push(f.unwrap().path());
        }
    }
    v.sort();
    v
}

/// CPU seconds (user + system) used so far by `who` (RUSAGE_SELF,
/// RUSAGE_CHILDREN or RUSAGE_THREAD). On a machine shared with other work,
/// CPU time says what a run costs; wall time says what it took.
fn cpu(who: i32) -> f64 {
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(who, &mut u) };
    let t = |v: libc::timeval| v.tv_sec as f64 + v.tv_usec as f64 / 1e6;
    t(u.ru_utime) + t(u.ru_stime)
}

/// Wall and CPU seconds of a shell command.
fn sh(cmd: &str) -> Option<(f64, f64)> {
    let c0 = cpu(libc::RUSAGE_CHILDREN);
    let t = Instant::now();
    let st = Command::new("sh").arg("-c").arg(cmd).status().ok()?;
    let wall = t.elapsed().as_secs_f64();
    st.success()
        .then(|| (wall, cpu(libc::RUSAGE_CHILDREN) - c0))
}

fn row(name: &str, (secs, cpu_s): (f64, f64), n: usize, bytes: u64, base: f64) {
    println!(
        "| {name} | {secs:.2} s | {:.0} | {:.1} | {:.2}x | {cpu_s:.1} s | {:.0} |",
        n as f64 / secs,
        bytes as f64 / 1e6 / secs,
        secs / base,
        n as f64 / cpu_s
    );
}

fn main() {
    let n: usize = std::env::var("SCAN_BENCH_FILES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let ev = corpus(n);
    let list = files(&ev);
    assert_eq!(list.len(), n, "corpus in {} is incomplete", ev.display());
    // Warm the page cache.
    let bytes: u64 = list
        .iter()
        .map(|p| std::fs::read(p).unwrap().len() as u64)
        .sum();
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "{n} JPEGs, {W}x{H}, {:.1} MB ({:.0} KB each); {} cores; load average before: {}",
        bytes as f64 / 1e6,
        bytes as f64 / 1e3 / n as f64,
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1),
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
    let evs = ev.display().to_string();
    let sha = sh(&format!(
        "find {evs} -type f -print0 | xargs -0 sha256sum > /dev/null"
    ))
    .expect("sha256sum");
    let sha2p = sh(&format!(
        "find {evs} -type f -print0 | xargs -0 -n 500 -P 2 sha256sum > /dev/null"
    ));
    let hd = sh(&format!("hashdeep -r {evs} > /dev/null"));
    let tmp = tempfile::tempdir().unwrap();
    let m = Matcher::new();
    let run = |pdq: bool, name: &str| -> (f64, f64) {
        let mut o = ScanOptions::new(vec![ev.clone()], tmp.path().join(name));
        o.pdq = pdq;
        let c0 = cpu(libc::RUSAGE_SELF);
        let t = Instant::now();
        let Outcome::Complete(r) = scan(&o, &m, &mut NoProgress).unwrap() else {
            panic!("incomplete")
        };
        let s = t.elapsed().as_secs_f64();
        assert_eq!(r.files_scanned as usize, n);
        assert_eq!(r.images as usize, if pdq { n } else { 0 });
        assert!(r.errors.is_empty(), "{:?}", r.errors);
        (s, cpu(libc::RUSAGE_SELF) - c0)
    };
    let hash_only = run(false, "hash-only");
    let with_pdq = run(true, "pdq");

    println!();
    println!("| tool | wall | files/s | MB/s | wall × sha256sum | CPU (user+sys) | files per CPU-second |");
    println!("|---|---|---|---|---|---|---|");
    row("sha256sum (coreutils, 1 process)", sha, n, bytes, sha.0);
    if let Some(t) = sha2p {
        row("sha256sum, xargs -P 2", t, n, bytes, sha.0);
    }
    match hd {
        Some(t) => row(
            "hashdeep -r (MD5 + SHA-256, its default)",
            t,
            n,
            bytes,
            sha.0,
        ),
        None => println!("| hashdeep | not installed | | | |"),
    }
    row(
        "lifeguard scan --no-pdq (MD5 + SHA-1 + SHA-256)",
        hash_only,
        n,
        bytes,
        sha.0,
    );
    row(
        "lifeguard scan (digests + decode + PDQ)",
        with_pdq,
        n,
        bytes,
        sha.0,
    );

    // Where the time goes: one thread over a sample.
    let sample: Vec<Vec<u8>> = list
        .iter()
        .step_by((n / 300).max(1))
        .map(|p| std::fs::read(p).unwrap())
        .collect();
    let k = sample.len() as f64;
    // Thread CPU time, not wall time: other work on the machine does not
    // count against a step.
    let thread_cpu = || cpu(libc::RUSAGE_THREAD);
    let time = |f: &dyn Fn(&[u8])| {
        let t = thread_cpu();
        for b in &sample {
            f(b);
        }
        (thread_cpu() - t) / k * 1e3
    };
    let sample_paths: Vec<&PathBuf> = list.iter().step_by((n / 300).max(1)).collect();
    let t = thread_cpu();
    for p in &sample_paths {
        std::hint::black_box(std::fs::read(p).unwrap());
    }
    let t_read = (thread_cpu() - t) / k * 1e3;
    let t_md5 = time(&|b| {
        std::hint::black_box(md5::Md5::digest(b));
    });
    let t_sha1 = time(&|b| {
        std::hint::black_box(sha1::Sha1::digest(b));
    });
    let t_sha256 = time(&|b| {
        std::hint::black_box(sha2::Sha256::digest(b));
    });
    let t_decode = time(&|b| {
        std::hint::black_box(decode(b, &Limits::default()).unwrap());
    });
    let decoded: Vec<_> = sample
        .iter()
        .map(|b| decode(b, &Limits::default()).unwrap())
        .collect();
    let t = Instant::now();
    for d in &decoded {
        std::hint::black_box(pdq_from_rgb8(
            &d.rgb,
            d.width,
            d.height,
            &PdqOptions::default(),
        ));
    }
    let t_pdq = t.elapsed().as_secs_f64() / k * 1e3;
    println!();
    println!(
        "Where the time goes, one thread, CPU time, mean of {} files ({:.0} KB each):",
        sample.len(),
        sample.iter().map(|b| b.len()).sum::<usize>() as f64 / k / 1e3
    );
    println!();
    println!("| step | CPU ms per file | share of the PDQ scan's work |");
    println!("|---|---|---|");
    let total = t_read + t_md5 + t_sha1 + t_sha256 + t_decode + t_pdq;
    for (name, v) in [
        ("read (page cache)", t_read),
        ("MD5", t_md5),
        ("SHA-1", t_sha1),
        ("SHA-256", t_sha256),
        ("JPEG decode", t_decode),
        ("PDQ (from RGB)", t_pdq),
    ] {
        println!("| {name} | {v:.3} | {:.0}% |", v / total * 100.0);
    }
    println!(
        "| total | {total:.3} | ideal on 2 cores: {:.0} files/s |",
        2000.0 / total
    );
}

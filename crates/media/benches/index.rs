//! Hamming index over PDQ hashes: build time, memory, query latency against
//! brute force in the same run (no criterion; std::time, one thread).
//!
//! `cargo bench -p lifeguard-media --bench index` runs 10 million hashes;
//! `-- --quick` (or `LIFEGUARD_BENCH_QUICK=1`) runs 1 million. Two data sets:
//! uniformly random hashes, and clustered ones (centres with 100 variants each,
//! 0-20 bits from their centre, like real lists full of near-duplicates).
//! Two query sets: near-duplicates of indexed hashes (0-24 bits flipped) and
//! unrelated random hashes. Threshold 31.

use std::time::Instant;

use lifeguard_media::{BankSpec, HammingIndex, HashType, Matcher, Pdq};

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn pdq(&mut self) -> Pdq {
        let mut b = [0u8; 32];
        for c in b.chunks_mut(8) {
            c.copy_from_slice(&self.next().to_le_bytes());
        }
        Pdq::from_bytes(b)
    }
    fn flip(&mut self, p: &Pdq, k: u32) -> Pdq {
        let mut b = *p.as_bytes();
        let mut flipped = [false; 256];
        let mut n = 0;
        while n < k {
            let bit = (self.next() % 256) as usize;
            if !flipped[bit] {
                flipped[bit] = true;
                b[bit / 8] ^= 1 << (bit % 8);
                n += 1;
            }
        }
        Pdq::from_bytes(b)
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

struct Lat {
    p50: f64,
    p99: f64,
    mean: f64,
    hits: f64,
}

/// Milliseconds per query.
fn measure(queries: &[Pdq], mut f: impl FnMut(&Pdq) -> usize) -> Lat {
    let mut ms = Vec::with_capacity(queries.len());
    let mut hits = 0usize;
    for q in queries {
        let t = Instant::now();
        hits += f(q);
        ms.push(t.elapsed().as_secs_f64() * 1e3);
    }
    let mean = ms.iter().sum::<f64>() / ms.len() as f64;
    ms.sort_by(|a, b| a.partial_cmp(b).unwrap());
    Lat {
        p50: percentile(&ms, 0.5),
        p99: percentile(&ms, 0.99),
        mean,
        hits: hits as f64 / queries.len() as f64,
    }
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick")
        || std::env::var("LIFEGUARD_BENCH_QUICK").is_ok_and(|v| v != "0");
    let n: usize = if quick { 1_000_000 } else { 10_000_000 };
    let threshold = 31;
    println!(
        "Hamming index, {n} hashes, threshold {threshold}, one thread{}",
        if quick { " (quick)" } else { "" }
    );
    println!();
    println!("| data | held | build | bytes/hash | queries | index p50 | index p99 | index mean | brute force p50 | brute force p99 | speed-up (p50) | hits/query |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|");
    let mut growth = String::new();
    let mut matcher = String::new();
    for clustered in [false, true] {
        let mut rng = Rng(if clustered { 7 } else { 3 });
        let data: Vec<Pdq> = if clustered {
            let mut v = Vec::with_capacity(n);
            while v.len() < n {
                let c = rng.pdq();
                for _ in 0..100.min(n - v.len()) {
                    let k = (rng.next() % 21) as u32;
                    v.push(rng.flip(&c, k));
                }
            }
            v
        } else {
            (0..n).map(|_| rng.pdq()).collect()
        };
        let t = Instant::now();
        let idx = HammingIndex::build(&data);
        let build = t.elapsed().as_secs_f64();
        // Per hash held: the clustered set has exact duplicates, held once.
        let bytes = idx.memory_bytes() as f64 / idx.len() as f64;

        if !clustered {
            // Grown one hash at a time (segments merged as it goes), on the
            // first tenth of the data, then packed by `compact`.
            let part = &data[..n / 10];
            let t = Instant::now();
            let mut grown = HammingIndex::new();
            for p in part {
                grown.insert(p);
            }
            let insert_s = t.elapsed().as_secs_f64();
            let qs: Vec<Pdq> = (0..1000).map(|_| rng.pdq()).collect();
            let mut buf = Vec::new();
            let before = measure(&qs, |q| {
                grown.query_into(q, threshold, &mut buf);
                buf.len()
            });
            let t = Instant::now();
            grown.compact();
            let compact_s = t.elapsed().as_secs_f64();
            let after = measure(&qs, |q| {
                grown.query_into(q, threshold, &mut buf);
                buf.len()
            });
            drop(grown);
            // The Matcher as the service loads a bank: hex strings one at a
            // time, then `compact`.
            let hexes: Vec<String> = part.iter().map(Pdq::to_hex).collect();
            let rss_before = rss_bytes();
            let t = Instant::now();
            let mut m = Matcher::new();
            let bank = m.add_bank(BankSpec {
                name: "bench".into(),
                label: "bench".into(),
                pdq_threshold: threshold,
            });
            for h in &hexes {
                m.add_hash(bank, HashType::Pdq, h, None)
                    .expect("valid hash");
            }
            m.compact();
            let load_s = t.elapsed().as_secs_f64();
            let rss_growth = rss_bytes().saturating_sub(rss_before) as f64 / part.len() as f64;
            let held = m.memory_bytes() as f64 / part.len() as f64;
            let matched = measure(&qs, |q| m.match_pdq(q).len());
            matcher = format!(
                "| {} | {load_s:.1} s | {held:.1} | {rss_growth:.0} | {:.3} ms |",
                part.len(),
                matched.p50
            );
            drop(m);
            growth = format!(
                "| {} | {insert_s:.1} s ({:.2} µs/hash) | {:.3} ms | {compact_s:.1} s | {:.3} ms |",
                part.len(),
                insert_s * 1e6 / part.len() as f64,
                before.p50,
                after.p50
            );
        }
        let near: Vec<Pdq> = (0..2000)
            .map(|_| {
                let base = data[(rng.next() % n as u64) as usize];
                let k = (rng.next() % 25) as u32;
                rng.flip(&base, k)
            })
            .collect();
        let random: Vec<Pdq> = (0..2000).map(|_| rng.pdq()).collect();
        let name = if clustered { "clustered" } else { "random" };
        for (qname, qs) in [("near-duplicate", &near), ("random", &random)] {
            // Warm the caches and the page tables once.
            for q in qs.iter().take(50) {
                std::hint::black_box(idx.query(q, threshold));
            }
            let mut buf = Vec::new();
            let li = measure(qs, |q| {
                idx.query_into(q, threshold, &mut buf);
                buf.len()
            });
            let bq = &qs[..60];
            let lb = measure(bq, |q| idx.brute_force(q, threshold).len());
            for q in bq {
                assert_eq!(idx.query(q, threshold), idx.brute_force(q, threshold));
            }
            println!(
                "| {name} | {} | {build:.1} s | {bytes:.1} | {qname} | {:.3} ms | {:.3} ms | {:.3} ms | {:.2} ms | {:.2} ms | {:.0}x | {:.1} |",
                idx.len(),
                li.p50,
                li.p99,
                li.mean,
                lb.p50,
                lb.p99,
                lb.p50 / li.p50,
                li.hits
            );
        }
    }
    println!();
    println!("Grown by `insert` one hash at a time (random hashes), then `compact`:");
    println!();
    println!("| hashes | inserts | p50 as grown (random queries) | compact | p50 after compact |");
    println!("|---|---|---|---|---|");
    println!("{growth}");
    println!();
    println!("A Matcher loaded through `add_hash` (hex, one at a time) and compacted:");
    println!();
    println!("| hashes | load + compact | held (`memory_bytes`, bytes/hash) | resident growth (bytes/hash) | match_pdq p50 (random queries) |");
    println!("|---|---|---|---|---|");
    println!("{matcher}");
}

/// Resident set size of this process (Linux; 0 elsewhere).
fn rss_bytes() -> usize {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<usize>().ok())
        .map_or(0, |pages| pages * 4096)
}

//! Drives the PDQ Hamming index with an arbitrary sequence of inserts,
//! removals, bulk loads, compactions and queries, and checks every answer
//! against a plain set and against brute force: the index must be exact
//! through every change (tail, segments, merges, tombstones, rebuilds).
//!
//! Run with `RUSTC_BOOTSTRAP=1 cargo fuzz run index` from the repository root.
#![no_main]

use std::collections::BTreeSet;

use libfuzzer_sys::fuzz_target;
use lifeguard_media::{HammingIndex, Pdq};

/// A hash near one of four seeds, so that inputs make neighbours, clusters
/// and exact repeats.
fn hash(seed: u8, flips: &[u8]) -> Pdq {
    let mut b = [0u8; 32];
    let mut x = 0x9e37_79b9_7f4a_7c15u64.wrapping_mul(u64::from(seed % 4) + 1);
    for c in b.chunks_mut(8) {
        x ^= x >> 29;
        x = x.wrapping_mul(0xbf58_476d_1ce4_e5b9);
        c.copy_from_slice(&x.to_le_bytes());
    }
    for &f in flips {
        b[usize::from(f) / 8] ^= 1 << (f % 8);
    }
    Pdq::from_bytes(b)
}

fuzz_target!(|data: &[u8]| {
    let mut idx = HammingIndex::new();
    let mut model: BTreeSet<Pdq> = BTreeSet::new();
    let mut ops = data.chunks_exact(4);
    for op in ops.by_ref().take(400) {
        let p = hash(op[1], &op[2..]);
        match op[0] % 6 {
            0 | 1 => assert_eq!(idx.insert(&p), model.insert(p)),
            2 => assert_eq!(idx.remove(&p), model.remove(&p)),
            3 => {
                // A bulk load of near copies of `p`: enough to make segments.
                let n = usize::from(op[3]) * 40;
                let batch: Vec<Pdq> = (0..n)
                    .map(|i| hash(op[1], &[op[2], (i % 256) as u8, (i / 256 * 7 % 256) as u8]))
                    .collect();
                let new = batch.iter().filter(|b| !model.contains(b)).collect::<BTreeSet<_>>().len();
                assert_eq!(idx.extend(&batch), new);
                model.extend(batch);
            }
            4 => idx.compact(),
            _ => {
                let threshold = u32::from(op[3] % 64);
                let got = idx.query(&p, threshold);
                assert_eq!(got, idx.brute_force(&p, threshold));
                let mut want: Vec<(Pdq, u32)> = model
                    .iter()
                    .map(|h| (*h, h.hamming(&p)))
                    .filter(|&(_, d)| d <= threshold)
                    .collect();
                want.sort_unstable_by_key(|&(h, d)| (d, h));
                assert_eq!(got, want);
            }
        }
        assert_eq!(idx.len(), model.len());
    }
});

//! An exact Hamming-distance index for PDQ hashes (multi-index hashing).
//!
//! # Design
//!
//! The 256 bits are cut into 16 substrings of 16 bits. If two hashes are
//! within distance `r`, at least one substring is within `floor(r / 16)` (by
//! pigeonhole: 16 substrings each 2 or more apart are at least 32 apart). For
//! the PDQ threshold of 31 that means: some substring is equal to the
//! query's or one bit away. So a query probes, in each of the 16 tables, the
//! bucket of its own substring and the 16 buckets one bit away (272 buckets),
//! and verifies every hash found there with a 4-word popcount against the
//! flat hash store. The answer is exactly the set brute force finds: every
//! candidate is verified and nothing within `r` can be missed.
//!
//! Layout, for `n` indexed hashes:
//!
//! - the hashes, a flat `Vec` of 32-byte, cache-line-aligned `[u64; 4]`
//!   (32 bytes per hash);
//! - per table, a CSR posting list: `65,537` `u32` offsets (one per 16-bit
//!   key, 4 MiB for all 16 tables whatever `n`) and `n` `u32` ids sorted by
//!   key (16 x 4 = 64 bytes per hash);
//! - a tombstone bitset (1 bit per hash) for removals;
//! - additions since the last rebuild ("pending") are kept as ids only and
//!   checked by brute force; once they pass `max(65,536, n / 8)` the tables
//!   are rebuilt (a counting sort, linear time). Removals set a tombstone;
//!   once a quarter of the ids are dead the store is compacted (ids change:
//!   [`HammingIndex::compact`] returns the mapping).
//!
//! So memory is about 96.1 bytes per hash plus 4 MiB (see
//! [`HammingIndex::memory_bytes`]), *over* the 64-byte budget the issue
//! asks for. That is a measured trade-off, not an oversight: any exact
//! multi-index scheme with a separate 32-byte store must hold an inverted
//! list per substring, and 16 lists over arbitrary ids carry at least
//! `log2(e * 65,536)` = 17.4 bits per entry (35 bytes per hash) however they
//! are compressed; the layouts that fit 64 bytes (8 tables of 32-bit
//! substrings, radius 3) need 43,912 probes per query and are far slower.
//! docs/benchmarks.md has the figures.
//!
//! ```
//! use lifeguard_media::{index::HammingIndex, Pdq};
//! let mut idx = HammingIndex::new();
//! let a = Pdq::from_bytes([0x5a; 32]);
//! let mut b_bytes = [0x5a; 32];
//! b_bytes[3] ^= 0b111; // 3 bits away
//! let id = idx.add(&a);
//! let hits = idx.query(&Pdq::from_bytes(b_bytes), 31);
//! assert_eq!(hits, vec![(id, 3)]);
//! idx.remove(id);
//! assert!(idx.query(&a, 31).is_empty());
//! ```

use crate::Pdq;

/// Default PDQ match threshold (ThreatExchange, HMA, NCMEC).
pub const DEFAULT_THRESHOLD: u32 = 31;

const TABLES: usize = 16;
const KEYS: usize = 1 << 16;
/// Pending additions are rebuilt into the tables past this many (or `n / 8`).
const MIN_PENDING: usize = 65_536;

/// A hash as four big-endian words, aligned so that one hash is one half of
/// a 64-byte cache line and never straddles two.
#[derive(Clone, Copy, PartialEq, Eq, Default)]
#[repr(C, align(32))]
struct Words([u64; 4]);

impl Words {
    fn from_pdq(p: &Pdq) -> Words {
        let b = p.as_bytes();
        let w = |i: usize| u64::from_be_bytes(b[i * 8..i * 8 + 8].try_into().expect("8 bytes"));
        Words([w(0), w(1), w(2), w(3)])
    }

    fn to_pdq(self) -> Pdq {
        let mut b = [0u8; 32];
        for (i, w) in self.0.iter().enumerate() {
            b[i * 8..i * 8 + 8].copy_from_slice(&w.to_be_bytes());
        }
        Pdq::from_bytes(b)
    }

    /// Substring `t` (0..16): bits `16t..16t+16` counting from the first hex digit.
    #[inline(always)]
    fn key(&self, t: usize) -> usize {
        ((self.0[t / 4] >> (48 - 16 * (t % 4))) & 0xffff) as usize
    }

    #[inline(always)]
    fn distance(&self, o: &Words) -> u32 {
        (self.0[0] ^ o.0[0]).count_ones()
            + (self.0[1] ^ o.0[1]).count_ones()
            + (self.0[2] ^ o.0[2]).count_ones()
            + (self.0[3] ^ o.0[3]).count_ones()
    }
}

/// One substring table: ids grouped by 16-bit key (CSR).
#[derive(Clone, Default)]
struct Table {
    /// `offsets[k]..offsets[k + 1]` is key `k`'s range in `ids`.
    offsets: Vec<u32>,
    ids: Vec<u32>,
}

/// An exact, in-memory Hamming index over PDQ hashes with incremental adds
/// and removals. Ids are dense `u32`s handed out by [`HammingIndex::add`].
///
/// Pure: no I/O, no threads. Queries take `&self` and may run concurrently.
#[derive(Clone)]
pub struct HammingIndex {
    hashes: Vec<Words>,
    tables: Vec<Table>,
    /// Ids `indexed..hashes.len()` are not in the tables yet.
    indexed: usize,
    dead: Vec<u64>,
    dead_count: usize,
    /// `hashes` lives in memory advised for huge pages.
    hashes_huge: bool,
}

impl Default for HammingIndex {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for HammingIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HammingIndex")
            .field("len", &self.len())
            .field("indexed", &self.indexed)
            .field("removed", &self.dead_count)
            .finish()
    }
}

impl HammingIndex {
    /// An empty index.
    pub fn new() -> HammingIndex {
        HammingIndex {
            hashes: Vec::new(),
            tables: vec![Table::default(); TABLES],
            indexed: 0,
            dead: Vec::new(),
            dead_count: 0,
            hashes_huge: false,
        }
    }

    /// Builds an index over `hashes` in one go (ids `0..hashes.len()` in order).
    ///
    /// # Panics
    /// If there are `u32::MAX` hashes or more.
    pub fn build(hashes: &[Pdq]) -> HammingIndex {
        let mut idx = HammingIndex::new();
        idx.hashes = huge_vec(hashes.len());
        idx.hashes.extend(hashes.iter().map(Words::from_pdq));
        idx.hashes_huge = true;
        idx.dead = vec![0; idx.hashes.len().div_ceil(64)];
        idx.rebuild();
        idx
    }

    /// Number of live (not removed) hashes.
    pub fn len(&self) -> usize {
        self.hashes.len() - self.dead_count
    }

    /// True when no live hash is indexed.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// One past the largest id handed out (removed ids included).
    pub fn id_bound(&self) -> u32 {
        self.hashes.len() as u32
    }

    /// Adds a hash; returns its id. Duplicates get ids of their own.
    ///
    /// # Panics
    /// If the index already holds `u32::MAX - 1` ids.
    pub fn add(&mut self, pdq: &Pdq) -> u32 {
        let id = u32::try_from(self.hashes.len())
            .ok()
            .filter(|&i| i < u32::MAX)
            .expect("HammingIndex holds at most u32::MAX - 1 hashes");
        let capacity = self.hashes.capacity();
        self.hashes.push(Words::from_pdq(pdq));
        if self.hashes.capacity() != capacity {
            // Grown into a new allocation, which was not advised: the next
            // rebuild moves it again.
            self.hashes_huge = false;
        }
        if self.dead.len() * 64 < self.hashes.len() {
            self.dead.push(0);
        }
        if self.hashes.len() - self.indexed > MIN_PENDING.max(self.indexed / 8) {
            self.rebuild();
        }
        id
    }

    /// The hash with this id, unless it was removed or never handed out.
    pub fn get(&self, id: u32) -> Option<Pdq> {
        let i = id as usize;
        (i < self.hashes.len() && !self.is_dead(i)).then(|| self.hashes[i].to_pdq())
    }

    /// Removes the hash with this id; false if it was not there.
    pub fn remove(&mut self, id: u32) -> bool {
        let i = id as usize;
        if i >= self.hashes.len() || self.is_dead(i) {
            return false;
        }
        self.dead[i / 64] |= 1 << (i % 64);
        self.dead_count += 1;
        true
    }

    /// Number of removed ids still taking space (until [`Self::compact`]).
    pub fn removed(&self) -> usize {
        self.dead_count
    }

    /// Drops removed hashes and renumbers the rest densely, keeping their
    /// order; returns `old id -> new id` (`None` for removed ids).
    pub fn compact(&mut self) -> Vec<Option<u32>> {
        let mut map = Vec::with_capacity(self.hashes.len());
        let mut kept = Vec::with_capacity(self.len());
        for (i, h) in self.hashes.iter().enumerate() {
            if self.is_dead(i) {
                map.push(None);
            } else {
                map.push(Some(kept.len() as u32));
                kept.push(*h);
            }
        }
        self.hashes = kept;
        self.hashes_huge = false;
        self.dead = vec![0; self.hashes.len().div_ceil(64)];
        self.dead_count = 0;
        self.rebuild();
        map
    }

    #[inline(always)]
    fn is_dead(&self, i: usize) -> bool {
        self.dead[i / 64] >> (i % 64) & 1 == 1
    }

    /// Re-sorts every id into the tables (pending additions included).
    fn rebuild(&mut self) {
        let n = self.hashes.len();
        assert!(n < u32::MAX as usize, "too many hashes for u32 ids");
        if n * std::mem::size_of::<Words>() >= HUGE_PAGE_MIN_BYTES && !self.hashes_huge {
            // Move the store into memory advised for huge pages (see `huge_vec`).
            let mut fresh = huge_vec(self.hashes.capacity());
            fresh.extend_from_slice(&self.hashes);
            self.hashes = fresh;
            self.hashes_huge = true;
        }
        let hashes = &self.hashes;
        for (t, table) in self.tables.iter_mut().enumerate() {
            let mut offsets = vec![0u32; KEYS + 1];
            for h in hashes {
                offsets[h.key(t) + 1] += 1;
            }
            for k in 0..KEYS {
                offsets[k + 1] += offsets[k];
            }
            let mut next = offsets.clone();
            let mut ids = huge_vec(n);
            ids.resize(n, 0);
            for (i, h) in hashes.iter().enumerate() {
                let k = h.key(t);
                ids[next[k] as usize] = i as u32;
                next[k] += 1;
            }
            ids.shrink_to_fit();
            *table = Table { offsets, ids };
        }
        self.indexed = n;
    }

    /// Live ids within `threshold` of `query`, with their distances, sorted
    /// by distance then id. Exact: the same set as [`Self::brute_force`].
    pub fn query(&self, query: &Pdq, threshold: u32) -> Vec<(u32, u32)> {
        let mut out = Vec::new();
        self.query_into(query, threshold, &mut out);
        out
    }

    /// [`Self::query`] into a caller's buffer (cleared first).
    pub fn query_into(&self, query: &Pdq, threshold: u32, out: &mut Vec<(u32, u32)>) {
        out.clear();
        let q = Words::from_pdq(query);
        let radius = threshold / TABLES as u32;
        if radius > 2 {
            // Past distance 47 the probes outnumber a scan.
            self.scan(&q, threshold, 0, out);
        } else {
            CANDIDATES.with(|c| {
                let mut cand = c.borrow_mut();
                cand.clear();
                let masks = masks(radius);
                // Until the first rebuild every id is pending (no tables yet).
                let tables = if self.indexed == 0 {
                    &[][..]
                } else {
                    &self.tables[..]
                };
                for (t, table) in tables.iter().enumerate() {
                    let key = q.key(t);
                    for &m in masks {
                        let k = key ^ m as usize;
                        let (s, e) = (table.offsets[k] as usize, table.offsets[k + 1] as usize);
                        cand.extend_from_slice(&table.ids[s..e]);
                    }
                }
                verify(&self.hashes, &cand, &q, threshold, out);
            });
            out.retain(|&(id, _)| !self.is_dead(id as usize));
            // A hash near the query in several substrings was found several times.
            out.sort_unstable();
            out.dedup();
            self.scan(&q, threshold, self.indexed, out);
        }
        out.sort_unstable_by_key(|&(id, d)| (d, id));
    }

    /// The same answer by checking every hash: the reference for tests and
    /// the baseline for benchmarks.
    pub fn brute_force(&self, query: &Pdq, threshold: u32) -> Vec<(u32, u32)> {
        let mut out = Vec::new();
        self.scan(&Words::from_pdq(query), threshold, 0, &mut out);
        out.sort_unstable_by_key(|&(id, d)| (d, id));
        out
    }

    /// Appends live ids `from..` within `threshold` (a linear scan).
    fn scan(&self, q: &Words, threshold: u32, from: usize, out: &mut Vec<(u32, u32)>) {
        let start = out.len();
        scan(&self.hashes[from..], from as u32, q, threshold, out);
        let mut i = start;
        while i < out.len() {
            if self.is_dead(out[i].0 as usize) {
                out.swap_remove(i);
            } else {
                i += 1;
            }
        }
    }

    /// Bytes held: hashes, tables (capacity), tombstones.
    pub fn memory_bytes(&self) -> usize {
        let tables: usize = self
            .tables
            .iter()
            .map(|t| t.offsets.capacity() * 4 + t.ids.capacity() * 4)
            .sum();
        self.hashes.capacity() * std::mem::size_of::<Words>()
            + tables
            + self.dead.capacity() * 8
            + std::mem::size_of::<Self>()
    }
}

thread_local! {
    /// Candidate ids of the current query (reused: no allocation per query).
    static CANDIDATES: std::cell::RefCell<Vec<u32>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// All 16-bit masks with at most `radius` bits set (radius 0..=2).
fn masks(radius: u32) -> &'static [u16] {
    static MASKS: std::sync::OnceLock<Vec<u16>> = std::sync::OnceLock::new();
    let all = MASKS.get_or_init(|| {
        let mut v = vec![0u16];
        v.extend((0..16).map(|i| 1u16 << i));
        for i in 0..16 {
            for j in i + 1..16 {
                v.push(1 << i | 1 << j);
            }
        }
        v
    });
    match radius {
        0 => &all[..1],
        1 => &all[..17],
        _ => &all[..],
    }
}

/// Buffers smaller than this are left to ordinary pages.
const HUGE_PAGE_MIN_BYTES: usize = 4 << 20;

/// An empty vector with room for `cap` items whose memory, when large, Linux
/// is asked to back with transparent huge pages before it is first touched.
///
/// A query reads tens of thousands of candidates at random places in a store
/// of hundreds of megabytes: with 4 KiB pages nearly every read also misses
/// the TLB and walks the page table; with 2 MiB pages the whole store fits in
/// the TLB. The advice is only a hint: where the kernel declines (huge pages
/// off, other systems), nothing changes but speed.
fn huge_vec<T>(cap: usize) -> Vec<T> {
    let v: Vec<T> = Vec::with_capacity(cap);
    let bytes = v.capacity() * std::mem::size_of::<T>();
    #[cfg(target_os = "linux")]
    if bytes >= HUGE_PAGE_MIN_BYTES {
        const PAGE: usize = 4096;
        let start = (v.as_ptr() as usize).next_multiple_of(PAGE);
        let end = (v.as_ptr() as usize + bytes) / PAGE * PAGE;
        if end > start {
            // SAFETY: madvise only changes how the kernel backs pages; the
            // page-aligned range lies inside this vector's own allocation.
            unsafe {
                libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_HUGEPAGE);
            }
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = bytes;
    v
}

/// Checks candidates against the store; keeps those within `threshold`.
fn verify(hashes: &[Words], cand: &[u32], q: &Words, threshold: u32, out: &mut Vec<(u32, u32)>) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("popcnt") {
        // SAFETY: the CPU has POPCNT (checked just above).
        unsafe { verify_popcnt(hashes, cand, q, threshold, out) };
        return;
    }
    verify_generic(hashes, cand, q, threshold, out)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "popcnt")]
unsafe fn verify_popcnt(
    hashes: &[Words],
    cand: &[u32],
    q: &Words,
    threshold: u32,
    out: &mut Vec<(u32, u32)>,
) {
    verify_generic(hashes, cand, q, threshold, out)
}

/// How many candidates ahead to prefetch: candidates are random ids, so each
/// is a cache miss; keeping several in flight hides most of the latency.
const PREFETCH: usize = 12;

#[inline(always)]
fn verify_generic(
    hashes: &[Words],
    cand: &[u32],
    q: &Words,
    threshold: u32,
    out: &mut Vec<(u32, u32)>,
) {
    for (i, &id) in cand.iter().enumerate() {
        if let Some(&ahead) = cand.get(i + PREFETCH) {
            prefetch(&hashes[ahead as usize]);
        }
        let d = hashes[id as usize].distance(q);
        if d <= threshold {
            out.push((id, d));
        }
    }
}

#[inline(always)]
fn prefetch(w: &Words) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: prefetching is a hint; any address is allowed, this one is valid.
    unsafe {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        _mm_prefetch::<_MM_HINT_T0>(w as *const Words as *const i8);
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = w;
}

/// Linear scan of `hashes` (ids from `base`).
fn scan(hashes: &[Words], base: u32, q: &Words, threshold: u32, out: &mut Vec<(u32, u32)>) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("popcnt") {
        // SAFETY: the CPU has POPCNT (checked just above).
        unsafe { scan_popcnt(hashes, base, q, threshold, out) };
        return;
    }
    scan_generic(hashes, base, q, threshold, out)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "popcnt")]
unsafe fn scan_popcnt(
    hashes: &[Words],
    base: u32,
    q: &Words,
    threshold: u32,
    out: &mut Vec<(u32, u32)>,
) {
    scan_generic(hashes, base, q, threshold, out)
}

#[inline(always)]
fn scan_generic(hashes: &[Words], base: u32, q: &Words, threshold: u32, out: &mut Vec<(u32, u32)>) {
    for (i, h) in hashes.iter().enumerate() {
        let d = h.distance(q);
        if d <= threshold {
            out.push((base + i as u32, d));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            // splitmix64
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
        /// `p` with `0..n` (random) distinct bits flipped.
        fn flip_upto(&mut self, p: &Pdq, n: u64) -> Pdq {
            let k = (self.next() % n) as u32;
            self.flip(p, k)
        }
        /// `p` with `k` distinct random bits flipped.
        fn flip(&mut self, p: &Pdq, k: u32) -> Pdq {
            let mut b = *p.as_bytes();
            let mut done = [false; 256];
            let mut n = 0;
            while n < k {
                let bit = (self.next() % 256) as usize;
                if !done[bit] {
                    done[bit] = true;
                    b[bit / 8] ^= 1 << (bit % 8);
                    n += 1;
                }
            }
            Pdq::from_bytes(b)
        }
    }

    fn clustered(rng: &mut Rng, centres: usize, per: usize) -> Vec<Pdq> {
        let mut v = Vec::new();
        for _ in 0..centres {
            let c = rng.pdq();
            for _ in 0..per {
                let k = (rng.next() % 21) as u32;
                v.push(rng.flip(&c, k));
            }
        }
        v
    }

    fn check_same(idx: &HammingIndex, q: &Pdq, r: u32) -> usize {
        let a = idx.query(q, r);
        let b = idx.brute_force(q, r);
        assert_eq!(a, b, "query {q} at {r}");
        a.len()
    }

    #[test]
    fn words_round_trip_and_keys_follow_hex_order() {
        let p: Pdq = "0123456789abcdef00000000000000000000000000000000000000000000ffff"
            .parse()
            .unwrap();
        let w = Words::from_pdq(&p);
        assert_eq!(w.to_pdq(), p);
        assert_eq!(w.key(0), 0x0123);
        assert_eq!(w.key(3), 0xcdef);
        assert_eq!(w.key(15), 0xffff);
    }

    #[test]
    fn exact_against_brute_force_on_random_data() {
        let mut rng = Rng(1);
        let data: Vec<Pdq> = (0..20_000).map(|_| rng.pdq()).collect();
        let idx = HammingIndex::build(&data);
        let mut found = 0;
        for i in 0..300 {
            let base = data[(rng.next() % data.len() as u64) as usize];
            // Distances straddling the threshold, plus unrelated queries.
            let q = match i % 4 {
                0 => rng.pdq(),
                _ => rng.flip_upto(&base, 40),
            };
            for r in [0, 8, 15, 16, 31, 32, 40, 47, 48, 64] {
                found += check_same(&idx, &q, r);
            }
        }
        assert!(found > 300, "the test must exercise hits, got {found}");
    }

    #[test]
    fn exact_against_brute_force_on_clustered_data() {
        let mut rng = Rng(2);
        let data = clustered(&mut rng, 300, 60);
        let idx = HammingIndex::build(&data);
        let mut found = 0;
        for _ in 0..300 {
            let base = data[(rng.next() % data.len() as u64) as usize];
            let q = rng.flip_upto(&base, 45);
            for r in [0, 10, 31, 40] {
                found += check_same(&idx, &q, r);
            }
        }
        assert!(
            found > 10_000,
            "clusters should give many hits, got {found}"
        );
    }

    #[test]
    fn worst_case_distance_31_spread_over_every_substring() {
        // 15 substrings 2 bits off and one 1 bit off: 31 bits, found only
        // through the radius-1 probe of that one substring.
        let base = Rng(3).pdq();
        let mut b = *base.as_bytes();
        for t in 0..16 {
            b[2 * t] ^= 0b1;
            if t != 7 {
                b[2 * t + 1] ^= 0b1;
            }
        }
        let q = Pdq::from_bytes(b);
        assert_eq!(base.hamming(&q), 31);
        let idx = HammingIndex::build(&[base]);
        assert_eq!(idx.query(&q, 31), vec![(0, 31)]);
        assert!(idx.query(&q, 30).is_empty());
    }

    #[test]
    fn incremental_adds_and_removes_match_brute_force() {
        let mut rng = Rng(4);
        let mut idx = HammingIndex::new();
        let mut live: Vec<(u32, Pdq)> = Vec::new();
        let centre = rng.pdq();
        // Enough adds to cross a rebuild, with removals in between.
        for step in 0..150_000u32 {
            let p = if step % 3 == 0 {
                rng.flip_upto(&centre, 40)
            } else {
                rng.pdq()
            };
            let id = idx.add(&p);
            live.push((id, p));
            if step % 5 == 0 {
                let k = (rng.next() % live.len() as u64) as usize;
                let (gone, _) = live.swap_remove(k);
                assert!(idx.remove(gone));
                assert!(!idx.remove(gone));
                assert_eq!(idx.get(gone), None);
            }
        }
        assert_eq!(idx.len(), live.len());
        assert!(idx.indexed > 0 && idx.indexed < idx.hashes.len());
        for _ in 0..50 {
            let q = rng.flip_upto(&centre, 20);
            let got = idx.query(&q, 31);
            assert_eq!(got, idx.brute_force(&q, 31));
            let mut want: Vec<(u32, u32)> = live
                .iter()
                .map(|(id, p)| (*id, p.hamming(&q)))
                .filter(|&(_, d)| d <= 31)
                .collect();
            want.sort_unstable_by_key(|&(id, d)| (d, id));
            assert_eq!(got, want);
        }
        let (id, p) = live[0];
        assert_eq!(idx.get(id), Some(p));

        let map = idx.compact();
        assert_eq!(idx.removed(), 0);
        assert_eq!(idx.len(), live.len());
        let new_id = map[id as usize].unwrap();
        assert_eq!(idx.get(new_id), Some(p));
        assert!(idx.query(&p, 0).contains(&(new_id, 0)));
    }

    #[test]
    fn a_new_index_answers_from_pending_adds_before_any_rebuild() {
        let mut rng = Rng(6);
        let mut idx = HammingIndex::new();
        assert!(idx.query(&rng.pdq(), 31).is_empty());
        let p = rng.pdq();
        let id = idx.add(&p);
        assert_eq!(idx.query(&rng.flip(&p, 31), 31), vec![(id, 31)]);
        assert_eq!(idx.len(), 1);
    }

    #[test]
    fn memory_is_about_96_bytes_per_hash() {
        let mut rng = Rng(5);
        let data: Vec<Pdq> = (0..100_000).map(|_| rng.pdq()).collect();
        let idx = HammingIndex::build(&data);
        let fixed = TABLES * (KEYS + 1) * 4;
        let per = (idx.memory_bytes() - fixed) as f64 / data.len() as f64;
        assert!((96.0..97.0).contains(&per), "{per}");
    }
}

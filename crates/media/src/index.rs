//! An exact Hamming-distance index for PDQ hashes in under 64 bytes per
//! hash (multi-index hashing over ten substrings, generalised pigeonhole).
//!
//! # Design
//!
//! The 256 bits are cut into 10 substrings ("chunks") of 26 or 25 bits, and
//! each chunk `t` is searched within a radius `r_t`. If every chunk of a
//! hash were more than `r_t` from the query's, the two would be at least
//! `sum(r_t + 1)` apart; so with radii summing (plus one each) to
//! `threshold + 1`, every hash within the threshold has some chunk within
//! its radius. For the PDQ threshold of 31 that is two chunks at radius 3 and
//! eight at radius 2. Every hash found that way is verified with a 4-word
//! popcount, so the answer is exactly the set brute force finds.
//!
//! A table does not hold 2^26 buckets: it groups hashes by the first `b`
//! bits of their chunk (`b = floor(log2 n)`, one to two hashes per bucket),
//! and a query reads the buckets within the chunk's radius of its own:
//! C(b, <=3) or C(b, <=2) of them, 2 x 2,048 + 8 x 277 = 6,312 at 10 million
//! hashes. The bits of a chunk below the key are not kept; verification
//! covers them.
//!
//! Layout of one segment of `n` hashes:
//!
//! - the hashes, sorted and without duplicates, a flat `Vec` of 32-byte,
//!   cache-line-aligned `[u64; 4]` (32 bytes per hash). Sorted order is
//!   chunk 0's bucket order, so table 0 needs no entries of its own: its
//!   buckets are runs of the store;
//! - tables 1 to 9: the store positions, grouped by bucket, 3 bytes each up
//!   to 16.7 million hashes (4 beyond): 27 bytes per hash;
//! - per table, the bucket boundaries as a unary bit string (per bucket, one
//!   bit per entry then a zero) with the start of every 64th bucket sampled:
//!   `2^b x 1.5 + n` bits, about 2.3 bits per hash per table;
//! - a tombstone bitset (1 bit per hash) for removals.
//!
//! So a built index holds about 62 bytes per hash ([`HammingIndex::memory_bytes`];
//! docs/benchmarks.md has the measured figures). A query is one pipelined
//! pass per table (directory, bucket entries, store, each prefetched ahead
//! of use), then the verification of the candidates.
//!
//! Changes: additions go to a small unsorted tail (at most 4,096 hashes,
//! checked by a scan); a full tail becomes a segment of its own, and a
//! segment at least half the size of the one before it is merged into it (a
//! linear merge of sorted stores and a counting sort per table), so a hash is
//! copied about log2(n / 4,096) times while an index is grown one hash at a
//! time and a query visits at most that many segments. [`HammingIndex::compact`]
//! merges everything into one segment (what [`HammingIndex::build`] makes).
//! Removals set a tombstone; a segment that is half tombstones is rebuilt.
//!
//! The index is a set: it holds each hash once and answers with the hashes
//! themselves, so that callers key their own data (bank entries) by hash.
//!
//! ```
//! use lifeguard_media::{index::HammingIndex, Pdq};
//! let mut idx = HammingIndex::new();
//! let a = Pdq::from_bytes([0x5a; 32]);
//! let mut b_bytes = [0x5a; 32];
//! b_bytes[3] ^= 0b111; // 3 bits away
//! assert!(idx.insert(&a));
//! assert!(!idx.insert(&a)); // already there
//! let hits = idx.query(&Pdq::from_bytes(b_bytes), 31);
//! assert_eq!(hits, vec![(a, 3)]);
//! assert!(idx.remove(&a));
//! assert!(idx.query(&a, 31).is_empty());
//! ```

use std::collections::HashMap;

use crate::Pdq;

/// Default PDQ match threshold (ThreatExchange, HMA, NCMEC).
pub const DEFAULT_THRESHOLD: u32 = 31;

/// Substrings (tables) per hash, and their widths in bits (26 x 6 + 25 x 4 = 256).
const CHUNKS: usize = 10;
const CHUNK_BITS: [u32; CHUNKS] = [26, 26, 26, 26, 26, 26, 25, 25, 25, 25];
/// Where each chunk starts, counting from the first hex digit's top bit.
const CHUNK_START: [u32; CHUNKS] = {
    let mut at = [0; CHUNKS];
    let mut t = 1;
    while t < CHUNKS {
        at[t] = at[t - 1] + CHUNK_BITS[t - 1];
        t += 1;
    }
    at
};
/// Largest per-table radius looked up through the tables: thresholds up to
/// `10 x 5 - 1 = 49`. Past it a query scans (the probes would outnumber it).
const MAX_RADIUS: u32 = 4;
/// Unsorted additions kept outside the segments, checked by a scan.
const TAIL_MAX: usize = 4096;
/// Buckets per sampled block of a directory.
const BLOCK_BITS: u32 = 6;
const BLOCK: usize = 1 << BLOCK_BITS;
/// Blocks whose buckets may differ from the query's in this many bits or
/// fewer are read bucket by bucket; past it the whole block is decoded.
const RANGE_MAX_LEFT: u32 = 1;
/// Bucket key width: `floor(log2 n)` bits (one to two hashes per bucket),
/// at least one block and at most the narrowest chunk.
const MIN_KEY_BITS: u32 = BLOCK_BITS;
const MAX_KEY_BITS: u32 = 25;
/// A segment's positions and directory bit offsets fit in `u32`.
const MAX_SEGMENT: usize = 1 << 31;

/// A hash as four big-endian words, aligned so that one hash is one half of
/// a 64-byte cache line and never straddles two. Ordered as the hex string.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
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

    /// Chunk `t` (0..10), left-aligned in 32 bits (the low bits are zero).
    #[inline(always)]
    fn chunk(&self, t: usize) -> u32 {
        let (at, bits) = (CHUNK_START[t] as usize, CHUNK_BITS[t]);
        let (w, sh) = (at / 64, at % 64);
        let mut x = self.0[w] << sh;
        if sh > 0 && w < 3 {
            x |= self.0[w + 1] >> (64 - sh);
        }
        ((x >> 32) as u32) & !((1u32 << (32 - bits)) - 1)
    }

    #[inline(always)]
    fn distance(&self, o: &Words) -> u32 {
        (self.0[0] ^ o.0[0]).count_ones()
            + (self.0[1] ^ o.0[1]).count_ones()
            + (self.0[2] ^ o.0[2]).count_ones()
            + (self.0[3] ^ o.0[3]).count_ones()
    }
}

/// Bucket boundaries of one table: per bucket, one bit per entry and then a
/// zero (bit `i` of the string is bit `i % 64` of word `i / 64`), with the
/// bit where every block of 64 buckets starts.
#[derive(Clone, Default)]
struct Directory {
    bits: Vec<u64>,
    /// `blocks + 1` bit offsets; the last is the string's length.
    starts: Vec<u32>,
}

impl Directory {
    /// From the entry count of each bucket (a multiple of 64 buckets).
    fn from_counts(counts: &[u32], total: usize) -> Directory {
        debug_assert_eq!(counts.len() % BLOCK, 0);
        let nbits = counts.len() + total;
        // One spare word: a lookup may read the word after the last bit.
        let mut bits = vec![0u64; nbits / 64 + 2];
        let mut starts = Vec::with_capacity(counts.len() / BLOCK + 1);
        let mut pos = 0usize;
        for (k, &c) in counts.iter().enumerate() {
            if k % BLOCK == 0 {
                starts.push(pos as u32);
            }
            let mut left = c as usize;
            while left > 0 {
                let off = pos % 64;
                let take = left.min(64 - off);
                let ones = if take == 64 { !0 } else { (1u64 << take) - 1 };
                bits[pos / 64] |= ones << off;
                pos += take;
                left -= take;
            }
            pos += 1; // the bucket's closing zero
        }
        starts.push(pos as u32);
        Directory { bits, starts }
    }

    /// Entry range of bucket `k`.
    #[inline(always)]
    fn range<const BMI2: bool>(&self, k: usize) -> (usize, usize) {
        let mut pos = self.starts[k / BLOCK] as usize;
        let mut skip = (k % BLOCK) as u32;
        // Step past the closing zeros of the block's earlier buckets.
        while skip > 0 {
            let off = pos % 64;
            let zeros = !self.bits[pos / 64] >> off;
            let z = zeros.count_ones();
            if z >= skip {
                pos += select::<BMI2>(zeros, skip - 1) as usize + 1;
                break;
            }
            skip -= z;
            pos += 64 - off;
        }
        let start = pos - k;
        loop {
            let off = pos % 64;
            let ones = (self.bits[pos / 64] >> off).trailing_ones() as usize;
            pos += ones;
            if ones < 64 - off {
                break;
            }
        }
        (start, pos - k)
    }

    /// Entry offsets of block `j`: bucket `64j + i` is `out[i]..out[i + 1]`.
    #[inline(always)]
    fn block(&self, j: usize, out: &mut [u32; BLOCK + 1]) {
        let pos = self.starts[j] as usize;
        let first = j * BLOCK;
        out[0] = (pos - first) as u32;
        let mut w = pos / 64;
        let mut zeros = !self.bits[w] & (!0u64 << (pos % 64));
        let mut seen = 0;
        loop {
            while zeros != 0 {
                let p = w * 64 + zeros.trailing_zeros() as usize;
                seen += 1;
                out[seen] = (p + 1 - (first + seen)) as u32;
                if seen == BLOCK {
                    return;
                }
                zeros &= zeros - 1;
            }
            w += 1;
            zeros = !self.bits[w];
        }
    }

    fn memory_bytes(&self) -> usize {
        self.bits.capacity() * 8 + self.starts.capacity() * 4
    }
}

/// Position of the `r`-th (0-based) set bit of `x`, which has more than
/// `r`; `BMI2` only where the CPU has it (one `pdep`).
#[inline(always)]
fn select<const BMI2: bool>(x: u64, r: u32) -> u32 {
    #[cfg(target_arch = "x86_64")]
    if BMI2 {
        // SAFETY: callers pass BMI2 = true only after detecting BMI2.
        return unsafe { std::arch::x86_64::_pdep_u64(1 << r, x) }.trailing_zeros();
    }
    select_in_word(x, r)
}

/// [`select`] without BMI2.
#[inline(always)]
fn select_in_word(mut x: u64, mut r: u32) -> u32 {
    let mut base = 0;
    loop {
        let c = (x & 0xff).count_ones();
        if r < c {
            break;
        }
        r -= c;
        x >>= 8;
        base += 8;
    }
    for _ in 0..r {
        x &= x - 1;
    }
    base + x.trailing_zeros()
}

/// One immutable, sorted run of hashes with its ten tables (tombstones
/// aside).
#[derive(Clone)]
struct Segment {
    /// Sorted, no duplicates.
    store: Vec<Words>,
    dead: Vec<u64>,
    dead_count: usize,
    /// Bucket key width `b`.
    key_bits: u32,
    /// One per table; table 0's entries are the store itself.
    dirs: Vec<Directory>,
    /// Tables 1..10: store positions grouped by bucket, `entry_bytes` bytes
    /// each, little-endian (plus 3 spare bytes so that any entry reads as a `u32`).
    entries: Vec<Vec<u8>>,
    entry_bytes: usize,
    /// Block-key masks over `key_bits - 6` bits, by popcount (0..=MAX_RADIUS).
    block_masks: Vec<u32>,
    /// `block_masks[..masks_within[r]]` have popcount `<= r`.
    masks_within: [usize; MAX_RADIUS as usize + 1],
}

/// The 64 masks of a 6-bit bucket suffix, by popcount, and how many have
/// popcount `<= r`.
const LOW_MASKS: ([u8; BLOCK], [usize; BLOCK_BITS as usize + 1]) = {
    let mut masks = [0u8; BLOCK];
    let mut within = [0usize; BLOCK_BITS as usize + 1];
    let mut n = 0;
    let mut pc = 0;
    while pc <= BLOCK_BITS {
        let mut m = 0;
        while m < BLOCK {
            if (m as u32).count_ones() == pc {
                masks[n] = m as u8;
                n += 1;
            }
            m += 1;
        }
        within[pc as usize] = n;
        pc += 1;
    }
    (masks, within)
};

impl Segment {
    /// Indexes `store` (sorted, no duplicates, not empty).
    fn build(store: Vec<Words>) -> Segment {
        let entry_bytes = if store.len() <= 1 << 24 { 3 } else { 4 };
        Segment::build_with(store, entry_bytes)
    }

    /// [`Self::build`] with entries of 3 or 4 bytes (tests force 4).
    fn build_with(store: Vec<Words>, entry_bytes: usize) -> Segment {
        let n = store.len();
        assert!(n > 0 && n < MAX_SEGMENT, "segment of {n} hashes");
        debug_assert!(store.windows(2).all(|w| w[0] < w[1]));
        let key_bits = (usize::BITS - 1 - n.leading_zeros()).clamp(MIN_KEY_BITS, MAX_KEY_BITS);
        let key_shift = 32 - key_bits;
        let buckets = 1usize << key_bits;

        let mut counts = vec![0u32; buckets];
        let mut dirs = Vec::with_capacity(CHUNKS);
        let mut entries = Vec::with_capacity(CHUNKS - 1);
        // Table 0: the store is in bucket order, so its counts fill in order.
        for h in &store {
            counts[(h.chunk(0) >> key_shift) as usize] += 1;
        }
        dirs.push(Directory::from_counts(&counts, n));
        // Tables 1..: a two-level counting sort, so that no pass writes all
        // over a bucket array larger than the caches: (key, position) pairs
        // are first split on the key's top bits into at most 2,048 runs,
        // then each run is sorted on the rest of the key in place.
        let coarse_bits = key_bits.min(11);
        let fine_bits = key_bits - coarse_bits;
        let mut pairs: Vec<u64> = vec![0; n];
        let mut coarse = vec![0usize; (1 << coarse_bits) + 1];
        let mut fine = vec![0u32; 1 << fine_bits];
        for t in 1..CHUNKS {
            coarse.fill(0);
            for h in &store {
                coarse[(h.chunk(t) >> key_shift >> fine_bits) as usize + 1] += 1;
            }
            for i in 1..coarse.len() {
                coarse[i] += coarse[i - 1];
            }
            let mut next = coarse.clone();
            for (pos, h) in store.iter().enumerate() {
                let key = h.chunk(t) >> key_shift;
                let slot = &mut next[(key >> fine_bits) as usize];
                pairs[*slot] = (key as u64) << 32 | pos as u64;
                *slot += 1;
            }
            let mut table: Vec<u8> = huge_vec(n * entry_bytes + 3);
            table.resize(n * entry_bytes + 3, 0);
            let fine_mask = (1u32 << fine_bits) - 1;
            for c in 0..coarse.len() - 1 {
                let run = &pairs[coarse[c]..coarse[c + 1]];
                fine.fill(0);
                for &kp in run {
                    fine[((kp >> 32) as u32 & fine_mask) as usize] += 1;
                }
                counts[c << fine_bits..(c + 1) << fine_bits].copy_from_slice(&fine);
                let mut sum = coarse[c] as u32;
                for f in fine.iter_mut() {
                    let here = *f;
                    *f = sum;
                    sum += here;
                }
                for &kp in run {
                    let slot = &mut fine[((kp >> 32) as u32 & fine_mask) as usize];
                    let at = *slot as usize * entry_bytes;
                    let pos = (kp as u32).to_le_bytes();
                    if entry_bytes == 3 {
                        table[at] = pos[0];
                        table[at + 1] = pos[1];
                        table[at + 2] = pos[2];
                    } else {
                        table[at..at + 4].copy_from_slice(&pos);
                    }
                    *slot += 1;
                }
            }
            dirs.push(Directory::from_counts(&counts, n));
            entries.push(table);
        }

        let block_key_bits = key_bits - BLOCK_BITS;
        let mut block_masks = Vec::new();
        let mut masks_within = [0; MAX_RADIUS as usize + 1];
        for (r, within) in masks_within.iter_mut().enumerate() {
            push_masks(block_key_bits, r as u32, 0, 0, &mut block_masks);
            *within = block_masks.len();
        }
        Segment {
            dead: vec![0; n.div_ceil(64)],
            store,
            dead_count: 0,
            key_bits,
            dirs,
            entries,
            entry_bytes,
            block_masks,
            masks_within,
        }
    }

    fn len(&self) -> usize {
        self.store.len() - self.dead_count
    }

    #[inline(always)]
    fn is_dead(&self, i: usize) -> bool {
        self.dead[i / 64] >> (i % 64) & 1 == 1
    }

    fn find(&self, w: &Words) -> Option<usize> {
        self.store
            .binary_search(w)
            .ok()
            .filter(|&i| !self.is_dead(i))
    }

    /// Sets a tombstone; false if `w` is not (or no longer) here.
    fn remove(&mut self, w: &Words) -> bool {
        match self.find(w) {
            Some(i) => {
                self.dead[i / 64] |= 1 << (i % 64);
                self.dead_count += 1;
                true
            }
            None => false,
        }
    }

    fn live(&self) -> impl Iterator<Item = Words> + '_ {
        self.store
            .iter()
            .enumerate()
            .filter(|&(i, _)| !self.is_dead(i))
            .map(|(_, w)| *w)
    }

    /// Appends `(position, distance)` for every hash (dead ones included)
    /// whose chunk in some table `t` is within `radii[t]` of the query's,
    /// and that is within `threshold`. A position can appear more than once.
    fn probe(&self, q: &Words, threshold: u32, radii: &Radii, hits: &mut Vec<(u32, u32)>) {
        SCRATCH.with(|s| {
            let scratch = &mut *s.borrow_mut();
            #[cfg(target_arch = "x86_64")]
            if std::arch::is_x86_feature_detected!("popcnt") {
                if std::arch::is_x86_feature_detected!("bmi2") {
                    // SAFETY: the CPU has POPCNT and BMI2 (checked just above).
                    unsafe { self.probe_bmi2(q, threshold, radii, scratch, hits) };
                } else {
                    // SAFETY: the CPU has POPCNT (checked just above).
                    unsafe { self.probe_popcnt(q, threshold, radii, scratch, hits) };
                }
                return;
            }
            self.probe_with::<false>(q, threshold, radii, scratch, hits)
        })
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "popcnt,bmi2")]
    unsafe fn probe_bmi2(
        &self,
        q: &Words,
        threshold: u32,
        radii: &Radii,
        scratch: &mut Scratch,
        hits: &mut Vec<(u32, u32)>,
    ) {
        self.probe_with::<true>(q, threshold, radii, scratch, hits)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "popcnt")]
    unsafe fn probe_popcnt(
        &self,
        q: &Words,
        threshold: u32,
        radii: &Radii,
        scratch: &mut Scratch,
        hits: &mut Vec<(u32, u32)>,
    ) {
        self.probe_with::<false>(q, threshold, radii, scratch, hits)
    }

    /// Per table, one pipelined pass over the buckets within its radius, so
    /// that the reads of many buckets are in flight at once instead of one
    /// after the other: the block start of bucket `i + 2D`, the directory
    /// bits of bucket `i + D`, the range of bucket `i` (whose first entry is
    /// then prefetched), and the entries of the range found `LAG` ranges
    /// earlier (table 0's entries are the store itself, verified at once;
    /// the other tables' are positions, prefetched). Then every candidate is
    /// verified against the store.
    #[inline(always)]
    fn probe_with<const BMI2: bool>(
        &self,
        q: &Words,
        threshold: u32,
        radii: &Radii,
        scratch: &mut Scratch,
        hits: &mut Vec<(u32, u32)>,
    ) {
        let key_shift = 32 - self.key_bits;
        let (low_masks, low_within) = (&LOW_MASKS.0, &LOW_MASKS.1);
        let mut offsets = [0u32; BLOCK + 1];
        let width = self.entry_bytes;
        let entry_mask = if width == 3 { 0x00ff_ffff } else { !0u32 };
        let Scratch {
            probes,
            spans,
            candidates,
        } = scratch;
        candidates.clear();
        for (t, &radius) in radii.iter().enumerate() {
            let Ok(radius) = u32::try_from(radius) else {
                continue; // this table is not needed at this threshold
            };
            let block_masks = &self.block_masks[..self.masks_within[radius as usize]];
            let dir = &self.dirs[t];
            let key = (q.chunk(t) >> key_shift) as usize;
            let (q_block, q_low) = (key >> BLOCK_BITS, key & (BLOCK - 1));
            probes.clear();
            spans.clear();
            for &m in block_masks {
                let left = radius - m.count_ones();
                let block = q_block ^ m as usize;
                if left <= RANGE_MAX_LEFT {
                    for &lm in &low_masks[..low_within[left as usize]] {
                        probes.push((block << BLOCK_BITS | (q_low ^ lm as usize)) as u32);
                    }
                } else {
                    // Most of this block's buckets: decode it whole.
                    dir.block(block, &mut offsets);
                    for &lm in &low_masks[..low_within[left.min(BLOCK_BITS) as usize]] {
                        let i = q_low ^ lm as usize;
                        if offsets[i] < offsets[i + 1] {
                            spans.push((offsets[i], offsets[i + 1]));
                        }
                    }
                }
            }
            let first = |start: u32| {
                if t == 0 {
                    prefetch(&self.store[start as usize]);
                } else {
                    prefetch(&self.entries[t - 1][start as usize * width]);
                }
            };
            let visit =
                |(start, end): (u32, u32), hits: &mut Vec<(u32, u32)>, cands: &mut Vec<u32>| {
                    let (start, end) = (start as usize, end as usize);
                    if t == 0 {
                        for (k, h) in self.store[start..end].iter().enumerate() {
                            let d = h.distance(q);
                            if d <= threshold {
                                hits.push(((start + k) as u32, d));
                            }
                        }
                    } else {
                        let table = &self.entries[t - 1];
                        for i in start..end {
                            let at = i * width;
                            let bytes: [u8; 4] = table[at..at + 4].try_into().expect("4 bytes");
                            let pos = u32::from_le_bytes(bytes) & entry_mask;
                            prefetch(&self.store[pos as usize]);
                            cands.push(pos);
                        }
                    }
                };
            for &(start, _) in spans.iter() {
                first(start);
            }
            let mut done = 0;
            for i in 0..probes.len() {
                if let Some(&k) = probes.get(i + 2 * PREFETCH) {
                    prefetch(&dir.starts[k as usize / BLOCK]);
                }
                if let Some(&k) = probes.get(i + PREFETCH) {
                    prefetch(&dir.bits[dir.starts[k as usize / BLOCK] as usize / 64]);
                }
                let (s, e) = dir.range::<BMI2>(probes[i] as usize);
                if s < e {
                    first(s as u32);
                    spans.push((s as u32, e as u32));
                }
                if spans.len() > done + LAG {
                    visit(spans[done], hits, candidates);
                    done += 1;
                }
            }
            for &sp in &spans[done..] {
                visit(sp, hits, candidates);
            }
        }
        for (i, &pos) in candidates.iter().enumerate() {
            if let Some(&ahead) = candidates.get(i + PREFETCH) {
                prefetch(&self.store[ahead as usize]);
            }
            let d = self.store[pos as usize].distance(q);
            if d <= threshold {
                hits.push((pos, d));
            }
        }
    }

    /// Appends live `(hash, distance)` within `threshold`, by scanning.
    fn scan(&self, q: &Words, threshold: u32, out: &mut Vec<(Words, u32)>) {
        scan(&self.store, q, threshold, &mut |i, d| {
            if !self.is_dead(i) {
                out.push((self.store[i], d));
            }
        });
    }

    fn memory_bytes(&self) -> usize {
        self.store.capacity() * std::mem::size_of::<Words>()
            + self.dead.capacity() * 8
            + self.dirs.iter().map(Directory::memory_bytes).sum::<usize>()
            + self.entries.iter().map(Vec::capacity).sum::<usize>()
            + self.block_masks.capacity() * 4
            + std::mem::size_of::<Self>()
    }
}

/// Appends every mask over `bits` bits with exactly `ones` bits set, using
/// bits `from..` on top of `prefix`.
fn push_masks(bits: u32, ones: u32, from: u32, prefix: u32, out: &mut Vec<u32>) {
    if ones == 0 {
        out.push(prefix);
        return;
    }
    for b in from..bits {
        if bits - b < ones {
            break;
        }
        push_masks(bits, ones - 1, b + 1, prefix | 1 << b, out);
    }
}

/// An exact, in-memory Hamming index over a set of PDQ hashes, with
/// incremental inserts and removals.
///
/// Pure: no I/O, no threads. Queries take `&self` and may run concurrently.
#[derive(Clone, Default)]
pub struct HammingIndex {
    /// Largest first.
    segments: Vec<Segment>,
    /// Recent inserts, unsorted, and where each is in `tail`.
    tail: Vec<Words>,
    tail_at: HashMap<Words, u32>,
    len: usize,
}

impl std::fmt::Debug for HammingIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HammingIndex")
            .field("len", &self.len)
            .field(
                "segments",
                &self.segments.iter().map(Segment::len).collect::<Vec<_>>(),
            )
            .field("tail", &self.tail.len())
            .finish()
    }
}

impl HammingIndex {
    /// An empty index.
    pub fn new() -> HammingIndex {
        HammingIndex::default()
    }

    /// Builds an index over `hashes` in one go (duplicates are held once).
    pub fn build(hashes: &[Pdq]) -> HammingIndex {
        let mut store: Vec<Words> = huge_vec(hashes.len());
        store.extend(hashes.iter().map(Words::from_pdq));
        store.sort_unstable();
        store.dedup();
        if store.capacity() - store.len() > store.len() / 64 {
            let mut exact: Vec<Words> = huge_vec(store.len());
            exact.extend_from_slice(&store);
            store = exact;
        }
        let mut idx = HammingIndex::new();
        idx.push_segments(store);
        idx
    }

    /// Number of hashes held.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when no hash is held.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// True when `pdq` is held.
    pub fn contains(&self, pdq: &Pdq) -> bool {
        self.holds(&Words::from_pdq(pdq))
    }

    /// Adds a hash; false if it was already held.
    pub fn insert(&mut self, pdq: &Pdq) -> bool {
        let w = Words::from_pdq(pdq);
        if self.holds(&w) {
            return false;
        }
        self.tail_at.insert(w, self.tail.len() as u32);
        self.tail.push(w);
        self.len += 1;
        if self.tail.len() >= TAIL_MAX {
            let mut run = std::mem::take(&mut self.tail);
            self.tail_at.clear();
            run.sort_unstable();
            self.push_segments(run);
            self.settle();
        }
        true
    }

    /// Adds many hashes at once, as one sorted run indexed once: far cheaper
    /// than [`Self::insert`] one at a time for large loads. Returns how many
    /// were not held before.
    pub fn extend(&mut self, hashes: &[Pdq]) -> usize {
        let mut run: Vec<Words> = huge_vec(hashes.len());
        run.extend(hashes.iter().map(Words::from_pdq));
        run.sort_unstable();
        run.dedup();
        run.retain(|w| !self.holds(w));
        let added = run.len();
        if self.tail.len() + added < TAIL_MAX {
            for w in run {
                self.tail_at.insert(w, self.tail.len() as u32);
                self.tail.push(w);
            }
            self.len += added;
        } else if added > 0 {
            self.push_segments(run);
            self.settle();
        }
        added
    }

    fn holds(&self, w: &Words) -> bool {
        self.tail_at.contains_key(w) || self.segments.iter().any(|s| s.find(w).is_some())
    }

    /// Merges neighbouring segments until sizes at least double from the
    /// back to the front (so there are at most log2(n / 4,096) of them).
    fn settle(&mut self) {
        while let Some(i) = (1..self.segments.len())
            .rev()
            .find(|&i| self.segments[i].len() * 2 >= self.segments[i - 1].len())
        {
            let b = self.segments.remove(i);
            let a = self.segments.remove(i - 1);
            let run = merge(&a, &b);
            drop((a, b));
            self.push_segments(run);
        }
    }

    /// Removes a hash; false if it was not held.
    pub fn remove(&mut self, pdq: &Pdq) -> bool {
        let w = Words::from_pdq(pdq);
        if let Some(i) = self.tail_at.remove(&w) {
            self.tail.swap_remove(i as usize);
            if let Some(moved) = self.tail.get(i as usize) {
                self.tail_at.insert(*moved, i);
            }
            self.len -= 1;
            return true;
        }
        for k in 0..self.segments.len() {
            if self.segments[k].remove(&w) {
                self.len -= 1;
                let s = &self.segments[k];
                if s.dead_count * 2 > s.store.len() {
                    // Half tombstones: rebuild it from what is left.
                    let s = self.segments.remove(k);
                    let live: Vec<Words> = s.live().collect();
                    drop(s);
                    self.push_segments(live);
                }
                return true;
            }
        }
        false
    }

    /// Merges every segment and the tail into one segment, dropping
    /// tombstones: the layout [`Self::build`] makes, and the fastest to query.
    pub fn compact(&mut self) {
        if self.segments.len() + usize::from(!self.tail.is_empty()) <= 1
            && self.segments.iter().all(|s| s.dead_count == 0)
        {
            return;
        }
        let mut all: Vec<Words> = huge_vec(self.len);
        for s in &self.segments {
            all.extend(s.live());
        }
        all.extend_from_slice(&self.tail);
        self.segments.clear();
        self.tail.clear();
        self.tail_at.clear();
        all.sort_unstable();
        self.push_segments(all);
    }

    /// Indexes a sorted, duplicate-free run as one segment (or several if it
    /// is too large for one), largest first.
    fn push_segments(&mut self, store: Vec<Words>) {
        if store.is_empty() {
            return;
        }
        let mut parts = Vec::new();
        if store.len() < MAX_SEGMENT {
            parts.push(store);
        } else {
            parts.extend(store.chunks(MAX_SEGMENT - 1).map(<[Words]>::to_vec));
        }
        for p in parts {
            let seg = Segment::build(p);
            let at = self.segments.partition_point(|o| o.len() >= seg.len());
            self.segments.insert(at, seg);
        }
        self.len = self.segments.iter().map(Segment::len).sum::<usize>() + self.tail.len();
    }

    /// Every hash within `threshold` of `query`, with its distance, sorted
    /// by distance then hash. Exact: the same set as [`Self::brute_force`].
    pub fn query(&self, query: &Pdq, threshold: u32) -> Vec<(Pdq, u32)> {
        let mut out = Vec::new();
        self.query_into(query, threshold, &mut out);
        out
    }

    /// [`Self::query`] into a caller's buffer (cleared first).
    pub fn query_into(&self, query: &Pdq, threshold: u32, out: &mut Vec<(Pdq, u32)>) {
        out.clear();
        let q = Words::from_pdq(query);
        let mut found: Vec<(Words, u32)> = Vec::new();
        if let Some(radii) = radii(threshold) {
            HITS.with(|h| {
                let mut hits = h.borrow_mut();
                for s in &self.segments {
                    hits.clear();
                    s.probe(&q, threshold, &radii, &mut hits);
                    // A hash near the query in several chunks was found several times.
                    hits.sort_unstable();
                    hits.dedup();
                    found.extend(
                        hits.iter()
                            .filter(|&&(p, _)| !s.is_dead(p as usize))
                            .map(|&(p, d)| (s.store[p as usize], d)),
                    );
                }
            });
        } else {
            self.scan_segments(&q, threshold, &mut found);
        }
        self.finish(&q, threshold, found, out);
    }

    /// The same answer by checking every hash: the reference for tests and
    /// the baseline for benchmarks.
    pub fn brute_force(&self, query: &Pdq, threshold: u32) -> Vec<(Pdq, u32)> {
        let q = Words::from_pdq(query);
        let mut found = Vec::new();
        self.scan_segments(&q, threshold, &mut found);
        let mut out = Vec::new();
        self.finish(&q, threshold, found, &mut out);
        out
    }

    /// Every segment's live hashes within `threshold`, by scanning.
    fn scan_segments(&self, q: &Words, threshold: u32, found: &mut Vec<(Words, u32)>) {
        for s in &self.segments {
            s.scan(q, threshold, found);
        }
    }

    /// Adds the tail's hashes within `threshold` to what the segments
    /// `found`, and writes them to `out` by distance, then hash.
    fn finish(
        &self,
        q: &Words,
        threshold: u32,
        mut found: Vec<(Words, u32)>,
        out: &mut Vec<(Pdq, u32)>,
    ) {
        scan(&self.tail, q, threshold, &mut |i, d| {
            found.push((self.tail[i], d))
        });
        found.sort_unstable_by_key(|&(w, d)| (d, w));
        out.extend(found.into_iter().map(|(w, d)| (w.to_pdq(), d)));
    }

    /// Bytes held: stores, tables, directories, tombstones, the tail.
    pub fn memory_bytes(&self) -> usize {
        self.segments
            .iter()
            .map(Segment::memory_bytes)
            .sum::<usize>()
            + self.tail.capacity() * std::mem::size_of::<Words>()
            + self.tail_at.capacity() * (std::mem::size_of::<(Words, u32)>() + 1)
            + std::mem::size_of::<Self>()
    }
}

/// Per table, the radius its chunk is searched at (-1: not searched).
type Radii = [i8; CHUNKS];

/// The radii that find every hash within `threshold`, or `None` when some
/// radius would pass [`MAX_RADIUS`] (a scan is cheaper then).
///
/// Generalised pigeonhole: if every table `t` were more than `r_t` apart,
/// the hashes would be at least `sum(r_t + 1)` apart; so when that sum is
/// `threshold + 1` or more, some table is within its radius. The sum is
/// spread as evenly as it goes: at 31, two tables at radius 3 and eight at
/// radius 2 (2 x 2,048 + 8 x 277 buckets at 10 million hashes, against
/// 8 x 2,048 for eight chunks all at radius 3). The larger radii go to the
/// first tables: table 0 reads the store directly.
fn radii(threshold: u32) -> Option<Radii> {
    let need = threshold as usize + 1;
    let (each, extra) = (need / CHUNKS, need % CHUNKS);
    let top = if extra > 0 {
        each
    } else {
        each.checked_sub(1)?
    };
    if top > MAX_RADIUS as usize {
        return None;
    }
    let mut r = [0i8; CHUNKS];
    for (t, x) in r.iter_mut().enumerate() {
        *x = if t < extra {
            each as i8
        } else {
            each as i8 - 1
        };
    }
    Some(r)
}

/// The live hashes of two segments, as one sorted run.
fn merge(a: &Segment, b: &Segment) -> Vec<Words> {
    let mut out: Vec<Words> = huge_vec(a.len() + b.len());
    let (mut x, mut y) = (a.live().peekable(), b.live().peekable());
    loop {
        match (x.peek(), y.peek()) {
            (Some(p), Some(q)) => {
                if p <= q {
                    out.push(x.next().expect("peeked"));
                } else {
                    out.push(y.next().expect("peeked"));
                }
            }
            (Some(_), None) => out.extend(x.by_ref()),
            (None, Some(_)) => out.extend(y.by_ref()),
            (None, None) => break,
        }
    }
    // A hash is held once, so the two runs share none.
    debug_assert!(out.windows(2).all(|w| w[0] < w[1]));
    out
}

/// Per-thread buffers of a query's passes.
#[derive(Default)]
struct Scratch {
    /// Buckets to read.
    probes: Vec<u32>,
    /// Entry ranges found.
    spans: Vec<(u32, u32)>,
    /// Store positions to verify.
    candidates: Vec<u32>,
}

/// Spans found but not yet read, in the pipelined pass of a query.
const LAG: usize = 16;

/// How many reads ahead to prefetch: each read is at a random place, so
/// keeping several in flight hides most of the latency.
const PREFETCH: usize = 24;

#[inline(always)]
fn prefetch<T>(x: &T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: prefetching is a hint; any address is allowed, this one is valid.
    unsafe {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        _mm_prefetch::<_MM_HINT_T0>(x as *const T as *const i8);
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = x;
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
    /// `(position, distance)` hits of the current query (reused: no allocation per query).
    static HITS: std::cell::RefCell<Vec<(u32, u32)>> = const { std::cell::RefCell::new(Vec::new()) };
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

/// Calls `hit(i, distance)` for every `hashes[i]` within `threshold` (a
/// linear scan).
fn scan(hashes: &[Words], q: &Words, threshold: u32, hit: &mut dyn FnMut(usize, u32)) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("popcnt") {
        // SAFETY: the CPU has POPCNT (checked just above).
        unsafe { scan_popcnt(hashes, q, threshold, hit) };
        return;
    }
    scan_generic(hashes, q, threshold, hit)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "popcnt")]
unsafe fn scan_popcnt(
    hashes: &[Words],
    q: &Words,
    threshold: u32,
    hit: &mut dyn FnMut(usize, u32),
) {
    scan_generic(hashes, q, threshold, hit)
}

#[inline(always)]
fn scan_generic(hashes: &[Words], q: &Words, threshold: u32, hit: &mut dyn FnMut(usize, u32)) {
    for (i, h) in hashes.iter().enumerate() {
        let d = h.distance(q);
        if d <= threshold {
            hit(i, d);
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

    /// `p` with the given bits flipped (bit 0 = the first hex digit's top bit).
    fn flip_bits(p: &Pdq, bits: &[usize]) -> Pdq {
        let mut b = *p.as_bytes();
        for &k in bits {
            b[k / 8] ^= 0x80 >> (k % 8);
        }
        Pdq::from_bytes(b)
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
    fn words_round_trip_and_chunks_follow_hex_order() {
        let p: Pdq = "0123456789abcdef00000000000000000000000000000000000000000000ffff"
            .parse()
            .unwrap();
        let w = Words::from_pdq(&p);
        assert_eq!(w.to_pdq(), p);
        assert_eq!(CHUNK_START[9] + CHUNK_BITS[9], 256);
        // Bits 0..26, then 26..52 (left-aligned, low bits zero).
        assert_eq!(w.chunk(0), 0x0123_4540);
        assert_eq!(w.chunk(1), 0x9e26_af00);
        // The last 25 bits: 0x...0000ffff.
        assert_eq!(w.chunk(9), 0x007f_ff80);
        let q = flip_bits(&p, &[0, 26, 255]);
        assert_eq!(Words::from_pdq(&q).chunk(0), 0x8123_4540);
        assert_eq!(Words::from_pdq(&q).chunk(1), w.chunk(1) ^ 0x8000_0000);
        assert_eq!(Words::from_pdq(&q).chunk(9), w.chunk(9) ^ 0x0000_0080);
        // Every bit lands in exactly one chunk.
        for bit in 0..256 {
            let f = Words::from_pdq(&flip_bits(&p, &[bit]));
            let changed: u32 = (0..CHUNKS)
                .map(|t| (f.chunk(t) ^ w.chunk(t)).count_ones())
                .sum();
            assert_eq!(changed, 1, "bit {bit}");
        }
    }

    #[test]
    fn directory_ranges_match_counts() {
        let mut rng = Rng(9);
        let counts: Vec<u32> = (0..64 * 40)
            .map(|i| match i % 97 {
                0 => 70, // a bucket longer than a word
                _ => (rng.next() % 4) as u32,
            })
            .collect();
        let total: usize = counts.iter().map(|&c| c as usize).sum();
        let dir = Directory::from_counts(&counts, total);
        let mut start = 0usize;
        let mut block = [0u32; BLOCK + 1];
        for (k, &c) in counts.iter().enumerate() {
            assert_eq!(
                dir.range::<false>(k),
                (start, start + c as usize),
                "bucket {k}"
            );
            if k % BLOCK == 0 {
                dir.block(k / BLOCK, &mut block);
            }
            assert_eq!(block[k % BLOCK] as usize, start);
            assert_eq!(block[k % BLOCK + 1] as usize, start + c as usize);
            start += c as usize;
        }
        assert_eq!(start, total);
    }

    #[test]
    fn select_in_word_finds_each_set_bit() {
        let x = 0b1011_0000_0000_0001_0000_0000_1000_0000_0110u64 | 1 << 63;
        let set: Vec<u32> = (0..64).filter(|b| x >> b & 1 == 1).collect();
        for (r, &b) in set.iter().enumerate() {
            assert_eq!(select_in_word(x, r as u32), b);
        }
    }

    #[test]
    fn exact_against_brute_force_on_random_data() {
        let mut rng = Rng(1);
        let data: Vec<Pdq> = (0..20_000).map(|_| rng.pdq()).collect();
        let idx = HammingIndex::build(&data);
        assert_eq!(idx.segments.len(), 1);
        let mut found = 0;
        for i in 0..300 {
            let base = data[(rng.next() % data.len() as u64) as usize];
            // Distances straddling the threshold, plus unrelated queries.
            let q = match i % 4 {
                0 => rng.pdq(),
                _ => rng.flip_upto(&base, 44),
            };
            for r in [0, 5, 9, 10, 19, 20, 29, 31, 32, 39, 49, 50, 64] {
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
    fn radii_cover_the_threshold() {
        assert_eq!(radii(31), Some([3, 3, 2, 2, 2, 2, 2, 2, 2, 2]));
        assert_eq!(radii(0), Some([0, -1, -1, -1, -1, -1, -1, -1, -1, -1]));
        assert_eq!(radii(9), Some([0; CHUNKS]));
        assert_eq!(radii(49), Some([4; CHUNKS]));
        assert_eq!(radii(50), None);
        for t in 0..50 {
            let r = radii(t).unwrap();
            let sum: i32 = r.iter().map(|&x| x as i32 + 1).sum();
            assert!(sum as u32 > t && sum as u32 <= t + 1, "{t}: {r:?}");
        }
    }

    #[test]
    fn worst_case_distance_31_found_through_one_chunk_wherever_its_bits_are() {
        // Every table one bit past its radius but one, which is exactly at
        // it: 31 bits, found only through that table. Its bits go to the
        // block key, the bucket's low 6 bits and the bits below the key
        // (5,000 hashes: 12-bit keys).
        let mut rng = Rng(3);
        let data: Vec<Pdq> = (0..5_000).map(|_| rng.pdq()).collect();
        let idx = HammingIndex::build(&data);
        assert_eq!(idx.segments[0].key_bits, 12);
        let r = radii(31).unwrap();
        // Offsets within a chunk: key bits 0..6 are the block, 6..12 the low bits.
        let placements: [[usize; 4]; 5] = [
            [0, 1, 2, 3],     // block key
            [6, 8, 11, 7],    // bucket low bits
            [12, 20, 24, 15], // below the key
            [0, 9, 24, 13],   // a bit of each
            [2, 7, 5, 10],
        ];
        let base = data[1234];
        for near in 0..CHUNKS {
            for place in &placements {
                let mut bits = Vec::new();
                for c in 0..CHUNKS {
                    let k = if c == near { r[c] } else { r[c] + 1 } as usize;
                    let spread = if c == near {
                        &place[..]
                    } else {
                        &[1, 8, 14, 22][..]
                    };
                    bits.extend(spread[..k].iter().map(|b| CHUNK_START[c] as usize + b));
                }
                let q = flip_bits(&base, &bits);
                assert_eq!(base.hamming(&q), 31);
                let hits = idx.query(&q, 31);
                assert!(hits.contains(&(base, 31)), "chunk {near}, bits {place:?}");
                assert_eq!(hits, idx.brute_force(&q, 31));
                assert!(!idx.query(&q, 30).contains(&(base, 31)));
            }
        }
    }

    #[test]
    fn incremental_inserts_and_removes_match_a_model() {
        let mut rng = Rng(4);
        let mut idx = HammingIndex::new();
        let mut live: Vec<Pdq> = Vec::new();
        let mut held = std::collections::HashSet::new();
        let centre = rng.pdq();
        // Enough inserts to cross many tail flushes and segment merges, with
        // removals (some of them of hashes already in segments) in between.
        for step in 0..60_000u32 {
            let p = if step % 3 == 0 {
                rng.flip_upto(&centre, 40)
            } else {
                rng.pdq()
            };
            let fresh = held.insert(p);
            assert_eq!(idx.insert(&p), fresh);
            assert!(!idx.insert(&p));
            if fresh {
                live.push(p);
            }
            if step % 4 == 0 {
                let k = (rng.next() % live.len() as u64) as usize;
                let gone = live.swap_remove(k);
                held.remove(&gone);
                assert!(idx.remove(&gone));
                assert!(!idx.remove(&gone));
                assert!(!idx.contains(&gone));
            }
            if step % 7_001 == 0 {
                assert_eq!(idx.len(), live.len());
            }
        }
        assert_eq!(idx.len(), live.len());
        assert!(idx.segments.len() >= 2, "{idx:?}");
        assert!(!idx.tail.is_empty());
        let check = |idx: &HammingIndex, rng: &mut Rng| {
            for _ in 0..40 {
                let q = rng.flip_upto(&centre, 20);
                let got = idx.query(&q, 31);
                let mut want: Vec<(Pdq, u32)> = live
                    .iter()
                    .map(|p| (*p, p.hamming(&q)))
                    .filter(|&(_, d)| d <= 31)
                    .collect();
                want.sort_unstable_by_key(|&(p, d)| (d, Words::from_pdq(&p)));
                assert!(!want.is_empty());
                assert_eq!(got, want);
            }
        };
        check(&idx, &mut rng);
        idx.compact();
        assert_eq!((idx.segments.len(), idx.tail.len()), (1, 0));
        assert_eq!(idx.len(), live.len());
        assert!(live.iter().all(|p| idx.contains(p)));
        check(&idx, &mut rng);
    }

    #[test]
    fn extend_loads_in_bulk_and_skips_what_is_held() {
        let mut rng = Rng(10);
        let data: Vec<Pdq> = (0..30_000).map(|_| rng.pdq()).collect();
        let mut idx = HammingIndex::new();
        assert_eq!(idx.extend(&data[..100]), 100);
        assert_eq!((idx.segments.len(), idx.tail.len()), (0, 100));
        assert_eq!(idx.extend(&data[..20_000]), 19_900);
        assert_eq!(idx.extend(&data[10_000..]), 10_000);
        assert_eq!(idx.len(), 30_000);
        // 20,000 then 10,000 (half as large): merged into one.
        assert_eq!(idx.segments.len(), 1, "{idx:?}");
        for p in data.iter().step_by(997) {
            assert_eq!(idx.query(p, 0), vec![(*p, 0)]);
            let q = rng.flip(p, 31);
            assert_eq!(idx.query(&q, 31), idx.brute_force(&q, 31));
        }
    }

    #[test]
    fn removing_most_of_a_segment_rebuilds_it() {
        let mut rng = Rng(8);
        let data: Vec<Pdq> = (0..10_000).map(|_| rng.pdq()).collect();
        let mut idx = HammingIndex::build(&data);
        for p in &data[..6_000] {
            assert!(idx.remove(p));
        }
        assert_eq!(idx.len(), 4_000);
        // Rebuilt at the 5,001st removal; the 999 after it are tombstones.
        assert_eq!(idx.segments[0].store.len(), 4_999);
        assert_eq!(idx.segments[0].dead_count, 999);
        assert_eq!(idx.query(&data[7_000], 0), vec![(data[7_000], 0)]);
        assert!(idx.query(&data[10], 0).is_empty());
    }

    #[test]
    fn four_byte_entries_answer_the_same() {
        // Past 16.7 M hashes entries take 4 bytes; force it on a small set.
        let mut rng = Rng(11);
        let data = clustered(&mut rng, 200, 50);
        let mut store: Vec<Words> = data.iter().map(Words::from_pdq).collect();
        store.sort_unstable();
        store.dedup();
        let three = HammingIndex {
            segments: vec![Segment::build_with(store.clone(), 3)],
            len: store.len(),
            ..HammingIndex::default()
        };
        let four = HammingIndex {
            segments: vec![Segment::build_with(store.clone(), 4)],
            len: store.len(),
            ..HammingIndex::default()
        };
        assert!(four.memory_bytes() > three.memory_bytes());
        for _ in 0..200 {
            let base = data[(rng.next() % data.len() as u64) as usize];
            let q = rng.flip_upto(&base, 40);
            let want = three.brute_force(&q, 31);
            assert_eq!(three.query(&q, 31), want);
            assert_eq!(four.query(&q, 31), want);
        }
    }

    #[test]
    fn duplicates_are_held_once() {
        let mut rng = Rng(7);
        let p = rng.pdq();
        let idx = HammingIndex::build(&[p, p, p]);
        assert_eq!(idx.len(), 1);
        assert_eq!(idx.query(&p, 31), vec![(p, 0)]);
    }

    #[test]
    fn a_new_index_answers_from_its_tail() {
        let mut rng = Rng(6);
        let mut idx = HammingIndex::new();
        assert!(idx.query(&rng.pdq(), 31).is_empty());
        let p = rng.pdq();
        assert!(idx.insert(&p));
        assert_eq!(idx.query(&rng.flip(&p, 31), 31), vec![(p, 31)]);
        assert_eq!(idx.len(), 1);
    }

    #[test]
    fn memory_is_under_64_bytes_per_hash() {
        let mut rng = Rng(5);
        for n in [150_000, 300_000] {
            let data: Vec<Pdq> = (0..n).map(|_| rng.pdq()).collect();
            let idx = HammingIndex::build(&data);
            let per = idx.memory_bytes() as f64 / n as f64;
            assert!((60.0..64.0).contains(&per), "{n}: {per}");
        }
    }
}

//! Matching image hashes against hash banks: the library API shared by the
//! CLI (`lifeguard match`), the service and the triage scanner.
//!
//! A [`Matcher`] holds every bank's PDQ hashes in one [`HammingIndex`]
//! (queried once at the largest bank threshold, then filtered per bank) and
//! the cryptographic hashes in exact-match maps.
//!
//! ```
//! use lifeguard_media::matcher::{Matcher, BankSpec};
//! use lifeguard_media::banks::HashType;
//! use lifeguard_media::Pdq;
//!
//! let p = "f8f8f0cce0f4e84d0e370a22028f67f0b36e2ed596623e1d33e6339c4e9c9b22";
//! let mut m = Matcher::new();
//! let bank = m.add_bank(BankSpec { name: "known".into(), label: "test".into(), pdq_threshold: 31 });
//! m.add_hash(bank, HashType::Pdq, p, None).unwrap();
//! let hits = m.match_pdq(&p.parse::<Pdq>().unwrap());
//! assert_eq!((hits[0].bank.as_str(), hits[0].distance), ("known", 0));
//! ```

use std::collections::HashMap;

use crate::banks::HashType;
use crate::{HammingIndex, ImageHashes, Pdq, DIHEDRAL_NAMES};

/// A bank's matching settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BankSpec {
    /// Unique name.
    pub name: String,
    /// Label or category reported with each match.
    pub label: String,
    /// Largest PDQ Hamming distance that counts as a match (31 by default).
    pub pdq_threshold: u32,
}

/// One match of an image against a bank entry.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Match {
    /// The bank's name.
    pub bank: String,
    /// The entry's own label, else the bank's.
    pub label: String,
    /// How it matched: `pdq`, `md5`, `sha1` or `sha256`.
    pub hash_type: HashType,
    /// The bank's hash that matched (lower-case hex).
    pub hash: String,
    /// PDQ Hamming distance; 0 for cryptographic matches.
    pub distance: u32,
    /// For PDQ matches found through a rotated or flipped hash, which one
    /// (a [`DIHEDRAL_NAMES`] entry); absent for the image as it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variant: Option<&'static str>,
}

/// Pending PDQ hashes are indexed once there are this many (or as many as
/// the index holds, so that loading n hashes indexes about 2n in all).
const MIN_PENDING: usize = 4096;

/// A bank entry: its bank, and its own label (an index into
/// `Matcher::labels`, or [`NO_LABEL`] for the bank's). Eight bytes, so that
/// ten million PDQ entries cost 40 bytes each with their hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Entry {
    bank: u32,
    label: u32,
}

const NO_LABEL: u32 = u32::MAX;

/// Banks loaded for matching. Pure, in memory; build it once, share it
/// read-only (`&Matcher` is `Sync`).
#[derive(Debug, Clone, Default)]
pub struct Matcher {
    banks: Vec<BankSpec>,
    /// Every distinct PDQ hash of every bank.
    index: HammingIndex,
    /// Every PDQ bank entry with its hash; `pdq_entries[..pdq_sorted]` is
    /// sorted by hash (in the order added among equal hashes), the rest was
    /// added since and is in `pending` too.
    pdq_entries: Vec<(Pdq, Entry)>,
    pdq_sorted: usize,
    /// PDQ hashes added but not yet in `index` (checked by a scan; may
    /// repeat): loading indexes them in bulk, each time they reach the
    /// index's size.
    pending: Vec<Pdq>,
    exact: HashMap<(HashType, String), Vec<Entry>>,
    /// Entry labels, each held once.
    labels: Vec<String>,
    label_ids: HashMap<String, u32>,
    max_threshold: u32,
}

impl Matcher {
    /// No banks yet.
    pub fn new() -> Matcher {
        Matcher::default()
    }

    /// Adds a bank; returns its handle for [`Self::add_hash`].
    pub fn add_bank(&mut self, spec: BankSpec) -> u32 {
        self.max_threshold = self.max_threshold.max(spec.pdq_threshold);
        self.banks.push(spec);
        (self.banks.len() - 1) as u32
    }

    /// Adds one hash to a bank (hex, any case); `label` overrides the bank's.
    /// Errors describe a malformed hash.
    ///
    /// # Panics
    /// If `bank` was not returned by [`Self::add_bank`].
    pub fn add_hash(
        &mut self,
        bank: u32,
        hash_type: HashType,
        hash: &str,
        label: Option<String>,
    ) -> Result<(), String> {
        assert!((bank as usize) < self.banks.len(), "unknown bank handle");
        let hash = hash_type.normalise(hash)?;
        let pdq = match hash_type {
            HashType::Pdq => Some(Pdq::from_hex(&hash).map_err(|e| e.to_string())?),
            _ => None,
        };
        let label = match label {
            None => NO_LABEL,
            Some(l) => match self.label_ids.get(&l) {
                Some(&id) => id,
                None => {
                    let id = self.labels.len() as u32;
                    self.labels.push(l.clone());
                    self.label_ids.insert(l, id);
                    id
                }
            },
        };
        let entry = Entry { bank, label };
        if let Some(pdq) = pdq {
            self.pdq_entries.push((pdq, entry));
            self.pending.push(pdq);
            if self.pending.len() >= MIN_PENDING.max(self.index.len()) {
                self.flush();
            }
        } else {
            self.exact.entry((hash_type, hash)).or_default().push(entry);
        }
        Ok(())
    }

    /// Packs the PDQ index into one segment, its fastest layout, once
    /// loading is done (matching is exact either way; see
    /// [`HammingIndex::compact`]).
    pub fn compact(&mut self) {
        self.flush();
        self.pending = Vec::new();
        self.pdq_entries.shrink_to_fit();
        self.index.compact();
    }

    /// Indexes the pending hashes and sorts the entries added with them in.
    fn flush(&mut self) {
        self.index.extend(&self.pending);
        self.pending.clear();
        // Stable: equal hashes keep the order they were added in.
        self.pdq_entries.sort_by_key(|&(p, _)| p);
        self.pdq_sorted = self.pdq_entries.len();
    }

    /// The entries of one PDQ hash, in the order they were added.
    fn entries_of<'a>(&'a self, pdq: &'a Pdq) -> impl Iterator<Item = &'a Entry> + 'a {
        let sorted = &self.pdq_entries[..self.pdq_sorted];
        let start = sorted.partition_point(|(p, _)| p < pdq);
        let end = start + sorted[start..].partition_point(|(p, _)| p == pdq);
        sorted[start..end]
            .iter()
            .chain(
                self.pdq_entries[self.pdq_sorted..]
                    .iter()
                    .filter(move |(p, _)| p == pdq),
            )
            .map(|(_, e)| e)
    }

    /// Bytes held by the PDQ side (index, entries, pending hashes) plus an
    /// estimate for the cryptographic-hash map and the labels.
    pub fn memory_bytes(&self) -> usize {
        let exact: usize = self
            .exact
            .iter()
            .map(|((_, h), es)| {
                32 + h.capacity() + 24 + es.capacity() * std::mem::size_of::<Entry>()
            })
            .sum();
        self.index.memory_bytes()
            + self.pdq_entries.capacity() * std::mem::size_of::<(Pdq, Entry)>()
            + self.pending.capacity() * std::mem::size_of::<Pdq>()
            + exact
            + self
                .labels
                .iter()
                .map(|l| 2 * (24 + l.capacity()) + 4)
                .sum::<usize>()
    }

    /// The banks loaded.
    pub fn banks(&self) -> &[BankSpec] {
        &self.banks
    }

    /// Number of hashes held, all banks and types.
    pub fn len(&self) -> usize {
        self.pdq_entries.len() + self.exact.values().map(Vec::len).sum::<usize>()
    }

    /// True when no hash is loaded.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn make(&self, e: &Entry, hash_type: HashType, hash: String, distance: u32) -> Match {
        let bank = &self.banks[e.bank as usize];
        Match {
            bank: bank.name.clone(),
            label: match e.label {
                NO_LABEL => bank.label.clone(),
                l => self.labels[l as usize].clone(),
            },
            hash_type,
            hash,
            distance,
            variant: None,
        }
    }

    /// PDQ matches of one hash, each within its bank's threshold, nearest first.
    pub fn match_pdq(&self, pdq: &Pdq) -> Vec<Match> {
        let mut out = Vec::new();
        let mut found = self.index.query(pdq, self.max_threshold);
        found.extend(
            self.pending
                .iter()
                .map(|p| (*p, p.hamming(pdq)))
                .filter(|&(_, d)| d <= self.max_threshold),
        );
        found.sort_unstable_by_key(|&(p, d)| (d, p));
        found.dedup();
        for (found, d) in found {
            for e in self.entries_of(&found) {
                if d <= self.banks[e.bank as usize].pdq_threshold {
                    out.push(self.make(e, HashType::Pdq, found.to_hex(), d));
                }
            }
        }
        out
    }

    /// Exact matches of a cryptographic hash (hex, any case).
    pub fn match_exact(&self, hash_type: HashType, hash: &str) -> Vec<Match> {
        let key = (hash_type, hash.to_ascii_lowercase());
        self.exact
            .get(&key)
            .map(|es| {
                es.iter()
                    .map(|e| self.make(e, hash_type, key.1.clone(), 0))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Every match of an image: exact by SHA-256, SHA-1 and MD5, then PDQ
    /// (and, when `hashes.dihedral` is present, its rotations and flips:
    /// each bank entry is reported once, at its smallest distance).
    pub fn match_hashes(&self, hashes: &ImageHashes) -> Vec<Match> {
        let mut out = Vec::new();
        for (t, h) in [
            (HashType::Sha256, &hashes.sha256),
            (HashType::Sha1, &hashes.sha1),
            (HashType::Md5, &hashes.md5),
        ] {
            out.extend(self.match_exact(t, h));
        }
        let mut pdq: Vec<Match> = self.match_pdq(&hashes.pdq);
        if let Some(variants) = &hashes.dihedral {
            for (i, v) in variants.iter().enumerate().skip(1) {
                for mut m in self.match_pdq(v) {
                    m.variant = Some(DIHEDRAL_NAMES[i]);
                    pdq.push(m);
                }
            }
            // Nearest first; the untransformed image wins ties.
            pdq.sort_by_key(|m| (m.distance, m.variant.is_some()));
            let mut seen = std::collections::HashSet::new();
            pdq.retain(|m| seen.insert((m.bank.clone(), m.hash.clone())));
        }
        out.extend(pdq);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flip(p: &Pdq, bits: &[usize]) -> Pdq {
        let mut b = *p.as_bytes();
        for &k in bits {
            b[k / 8] ^= 1 << (k % 8);
        }
        Pdq::from_bytes(b)
    }

    #[test]
    fn per_bank_thresholds_and_exact_hashes() {
        let base: Pdq = "f8f8f0cce0f4e84d0e370a22028f67f0b36e2ed596623e1d33e6339c4e9c9b22"
            .parse()
            .unwrap();
        let mut m = Matcher::new();
        let strict = m.add_bank(BankSpec {
            name: "strict".into(),
            label: "s".into(),
            pdq_threshold: 10,
        });
        let loose = m.add_bank(BankSpec {
            name: "loose".into(),
            label: "l".into(),
            pdq_threshold: 31,
        });
        m.add_hash(strict, HashType::Pdq, &base.to_hex(), None)
            .unwrap();
        m.add_hash(loose, HashType::Pdq, &base.to_hex(), Some("own".into()))
            .unwrap();
        m.add_hash(
            loose,
            HashType::Md5,
            "900150983CD24FB0D6963F7D28E17F72",
            None,
        )
        .unwrap();
        assert!(m.add_hash(loose, HashType::Sha1, "abc", None).is_err());
        assert_eq!(m.len(), 3);

        let q = flip(&base, &(0..20).collect::<Vec<_>>());
        let hits = m.match_pdq(&q);
        assert_eq!(hits.len(), 1);
        assert_eq!(
            (hits[0].bank.as_str(), hits[0].label.as_str()),
            ("loose", "own")
        );
        assert_eq!(hits[0].distance, 20);
        assert_eq!(m.match_pdq(&flip(&base, &[3])).len(), 2);

        let e = m.match_exact(HashType::Md5, "900150983cd24fb0d6963f7d28e17f72");
        assert_eq!((e.len(), e[0].label.as_str()), (1, "l"));
        assert!(m
            .match_exact(HashType::Sha1, "900150983cd24fb0d6963f7d28e17f72")
            .is_empty());
    }

    #[test]
    fn a_large_load_matches_the_same_before_and_after_compact() {
        let mut m = Matcher::new();
        let bank = m.add_bank(BankSpec {
            name: "big".into(),
            label: "b".into(),
            pdq_threshold: 31,
        });
        let other = m.add_bank(BankSpec {
            name: "other".into(),
            label: "o".into(),
            pdq_threshold: 31,
        });
        let mut state = 5u64;
        let mut next = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            state
        };
        let mut hashes = Vec::new();
        for _ in 0..20_000 {
            let mut b = [0u8; 32];
            for c in b.chunks_mut(8) {
                c.copy_from_slice(&next().to_le_bytes());
            }
            hashes.push(Pdq::from_bytes(b));
        }
        for h in &hashes {
            m.add_hash(bank, HashType::Pdq, &h.to_hex(), None).unwrap();
        }
        // The same hash in a second bank: one index entry, two matches.
        m.add_hash(other, HashType::Pdq, &hashes[7].to_hex(), None)
            .unwrap();
        assert_eq!(m.len(), 20_001);
        assert!(m.index.len() >= 4_096 && !m.pending.is_empty());
        assert!(m.pdq_sorted < m.pdq_entries.len());
        let queries: Vec<Pdq> = [7usize, 100, 19_999]
            .iter()
            .map(|&i| flip(&hashes[i], &[1, 50, 99, 200]))
            .collect();
        let before: Vec<Vec<Match>> = queries.iter().map(|q| m.match_pdq(q)).collect();
        m.compact();
        assert!(m.pending.is_empty());
        let after: Vec<Vec<Match>> = queries.iter().map(|q| m.match_pdq(q)).collect();
        assert_eq!(before, after);
        assert_eq!(after[0].len(), 2);
        assert_eq!((after[1].len(), after[1][0].distance), (1, 4));
    }
}

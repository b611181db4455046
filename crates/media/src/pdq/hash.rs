//! The 256-bit PDQ hash value.

use std::fmt;
use std::str::FromStr;

/// A 256-bit PDQ hash.
///
/// Stored as 32 bytes in the order of the reference's 64-digit hex text: the
/// hex string is the big-endian rendering of a 256-bit integer whose bit `k`
/// (counting from the least significant bit) is DCT coefficient
/// `(k / 16, k % 16)` of the 16x16 block. This is the order Meta's C++
/// `Hash256::format` prints (word 15 first, each word as `%04hx`), so hashes
/// round-trip with ThreatExchange, HMA and NCMEC bank files.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Pdq([u8; 32]);

/// Why a PDQ hex string was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PdqParseError {
    /// Not exactly 64 characters.
    #[error("PDQ hex must be 64 characters, got {0}")]
    Length(usize),
    /// A character outside `[0-9a-fA-F]`.
    #[error("PDQ hex contains a non-hex character")]
    NotHex,
}

impl Pdq {
    /// The all-zero hash (what the reference returns for images under 5 pixels
    /// on a side).
    pub const ZERO: Pdq = Pdq([0; 32]);

    /// Wraps 32 bytes in hex-text order.
    pub const fn from_bytes(bytes: [u8; 32]) -> Self {
        Pdq(bytes)
    }

    /// The 32 bytes in hex-text order.
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Parses 64 hex digits (either case).
    pub fn from_hex(s: &str) -> Result<Self, PdqParseError> {
        if s.len() != 64 {
            return Err(PdqParseError::Length(s.len()));
        }
        let mut out = [0u8; 32];
        hex::decode_to_slice(s, &mut out).map_err(|_| PdqParseError::NotHex)?;
        Ok(Pdq(out))
    }

    /// 64 lower-case hex digits, reference order.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// Hamming distance (number of differing bits), 0..=256.
    pub fn hamming(&self, other: &Pdq) -> u32 {
        self.0
            .iter()
            .zip(other.0.iter())
            .map(|(a, b)| (a ^ b).count_ones())
            .sum()
    }

    /// Number of set bits.
    pub fn count_ones(&self) -> u32 {
        self.0.iter().map(|b| b.count_ones()).sum()
    }

    /// Bit `k` in the reference's numbering (`k = 16 * row + col` of the
    /// 16x16 DCT block).
    pub fn bit(&self, k: usize) -> bool {
        assert!(k < 256, "PDQ bit index out of range");
        self.0[31 - k / 8] >> (k % 8) & 1 == 1
    }

    /// Sets bit `k` (reference numbering).
    pub(crate) fn set_bit(&mut self, k: usize) {
        self.0[31 - k / 8] |= 1 << (k % 8);
    }
}

impl fmt::Display for Pdq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Pdq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Pdq({self})")
    }
}

impl FromStr for Pdq {
    type Err = PdqParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Pdq::from_hex(s)
    }
}

impl serde::Serialize for Pdq {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

impl<'de> serde::Deserialize<'de> for Pdq {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Pdq::from_hex(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trip_and_hamming() {
        let h = "f8f8f0cce0f4e84d0e370a22028f67f0b36e2ed596623e1d33e6339c4e9c9b22";
        let p: Pdq = h.parse().unwrap();
        assert_eq!(p.to_hex(), h);
        assert_eq!(p.to_string(), h);
        assert_eq!(Pdq::from_hex(&h.to_uppercase()).unwrap(), p);
        assert_eq!(p.hamming(&p), 0);
        assert_eq!(Pdq::ZERO.hamming(&p), p.count_ones());
        assert_eq!(Pdq::from_hex("ab"), Err(PdqParseError::Length(2)));
        assert_eq!(Pdq::from_hex(&"g".repeat(64)), Err(PdqParseError::NotHex));
    }

    #[test]
    fn bit_numbering_matches_reference_words() {
        // Bit 0 is the least significant bit of word 0, printed last.
        let mut p = Pdq::ZERO;
        p.set_bit(0);
        assert!(p.to_hex().ends_with("0001"));
        // Bit 255 is the top bit of word 15, printed first.
        let mut q = Pdq::ZERO;
        q.set_bit(255);
        assert!(q.to_hex().starts_with("8000"));
        // Bit 16 is the lsb of word 1: the second-to-last group of 4 digits.
        let mut r = Pdq::ZERO;
        r.set_bit(16);
        assert!(r.to_hex().ends_with("00010000"));
        assert!(r.bit(16) && !r.bit(15));
    }

    #[test]
    fn serde_is_hex_string() {
        let p = Pdq::from_hex(&"0f".repeat(32)).unwrap();
        let j = serde_json::to_string(&p).unwrap();
        assert_eq!(j, format!("\"{}\"", "0f".repeat(32)));
        let back: Pdq = serde_json::from_str(&j).unwrap();
        assert_eq!(back, p);
    }
}

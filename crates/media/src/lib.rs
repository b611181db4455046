//! Known-image hashing for Lifeguard: PDQ plus MD5, SHA-1 and SHA-256.
//!
//! Hash banks shared between platforms, hotlines and NCMEC list known abuse
//! imagery by cryptographic hash (exact file) and by Meta's PDQ perceptual
//! hash (survives re-encoding, resizing, small edits). A match is only useful
//! if our hash of a file is the hash everyone else computed, so PDQ here is a
//! step-for-step port of Meta's reference C++ core and gives the same bits
//! and quality score on the same decoded pixels (see [`pdq`]), hashing the
//! full-size image as Meta's HMA does.
//!
//! The crate is a plain library: it takes bytes, never opens paths, does no
//! async and no logging. Decoding detects the format from content, enforces
//! a pixel-count and allocation budget before decoding (decompression bombs)
//! and reports bad input as typed [`MediaError`]s, never as panics.
//!
//! ```
//! use lifeguard_media::{hash_bytes, HashOptions, Pdq};
//!
//! // A 64x48 PNG with a diagonal gradient, made on the spot.
//! let img = image::RgbImage::from_fn(64, 48, |x, y| image::Rgb([(x * 4) as u8, (y * 5) as u8, 128]));
//! let mut png = Vec::new();
//! img.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png).unwrap();
//!
//! let h = hash_bytes(&png, &HashOptions::default()).unwrap();
//! assert_eq!((h.width, h.height, h.format.name()), (64, 48, "png"));
//! assert_eq!(h.pdq.to_hex().len(), 64);
//! assert!(h.quality <= 100);
//!
//! // Near-duplicates are a small Hamming distance apart.
//! let same: Pdq = h.pdq.to_hex().parse().unwrap();
//! assert_eq!(h.pdq.hamming(&same), 0);
//! ```

#![deny(missing_docs)]

pub mod banks;
mod decode;
mod error;
pub mod index;
mod jpeg;
pub mod matcher;
pub mod pdq;

pub use banks::{BankFormat, BankParseError, BankRow, HashType};
pub use decode::{decode, decode_reduced, detect_format, DecodedImage, Limits};
pub use error::{ImageFormat, MediaError};
pub use index::{HammingIndex, DEFAULT_THRESHOLD};
pub use matcher::{BankSpec, Match, Matcher};
pub use pdq::{
    pdq_dihedral_from_rgb8, pdq_from_luma, pdq_from_rgb8, LumaMode, Pdq, PdqDihedral, PdqOptions,
    PdqOutput, PdqParseError, DIHEDRAL_NAMES,
};

use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha256};

/// Options for [`hash_bytes`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct HashOptions {
    /// Decoding limits (pixel count, allocation).
    pub limits: Limits,
    /// PDQ arithmetic and threading.
    pub pdq: PdqOptions,
    /// Also compute the eight dihedral hashes.
    pub dihedral: bool,
    /// Rotate/flip per EXIF before hashing. Off by default: HMA, the
    /// ThreatExchange tools and NCMEC hash the stored pixels.
    pub apply_exif_orientation: bool,
    /// Decode large JPEGs at a reduced scale (see [`decode_reduced`], with a
    /// floor of [`FAST_MIN_SIDE`] pixels): several times faster on camera
    /// photos, but the PDQ hash is then approximate (a few bits from the
    /// reference's) and [`ImageHashes::approximate`] says so. For triage,
    /// where a hash near a bank entry is re-checked at full size.
    pub fast_large_jpeg: bool,
}

/// The shorter side below which [`HashOptions::fast_large_jpeg`] never
/// reduces a JPEG.
pub const FAST_MIN_SIDE: u32 = 512;

/// Cryptographic hashes of a byte string, lower-case hex.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct CryptoHashes {
    /// MD5 (32 hex digits).
    pub md5: String,
    /// SHA-1 (40 hex digits).
    pub sha1: String,
    /// SHA-256 (64 hex digits).
    pub sha256: String,
}

/// MD5, SHA-1 and SHA-256 of `bytes` (for any file, image or not).
pub fn crypto_hashes(bytes: &[u8]) -> CryptoHashes {
    CryptoHashes {
        md5: hex::encode(Md5::digest(bytes)),
        sha1: hex::encode(Sha1::digest(bytes)),
        sha256: hex::encode(Sha256::digest(bytes)),
    }
}

/// Everything [`hash_bytes`] learns about an image file.
///
/// Serialises to the JSON line
/// `{"pdq","quality","md5","sha1","sha256","width","height","format"}`,
/// plus `"dihedral": [8 hex strings]` when dihedral hashes were requested.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ImageHashes {
    /// PDQ hash of the decoded pixels.
    pub pdq: Pdq,
    /// PDQ quality, 0..=100.
    pub quality: u8,
    /// MD5 of the file bytes.
    pub md5: String,
    /// SHA-1 of the file bytes.
    pub sha1: String,
    /// SHA-256 of the file bytes.
    pub sha256: String,
    /// Width of the hashed pixels.
    pub width: u32,
    /// Height of the hashed pixels.
    pub height: u32,
    /// Detected container format.
    pub format: ImageFormat,
    /// The eight dihedral hashes in [`DIHEDRAL_NAMES`] order, if requested.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dihedral: Option<[Pdq; 8]>,
    /// EXIF orientation tag found in the file (1..=8; 1 when absent).
    #[serde(skip)]
    pub exif_orientation: u8,
    /// The pixels were decoded at a reduced scale
    /// ([`HashOptions::fast_large_jpeg`]): `pdq` is near, not equal to, the
    /// reference hash, and `width`/`height` are the reduced size.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub approximate: bool,
}

impl ImageHashes {
    /// The cryptographic part on its own.
    pub fn crypto(&self) -> CryptoHashes {
        CryptoHashes {
            md5: self.md5.clone(),
            sha1: self.sha1.clone(),
            sha256: self.sha256.clone(),
        }
    }
}

/// Decodes `bytes` and computes PDQ (with quality) and the file's MD5, SHA-1
/// and SHA-256.
pub fn hash_bytes(bytes: &[u8], opts: &HashOptions) -> Result<ImageHashes, MediaError> {
    let decoded = if opts.fast_large_jpeg {
        decode_reduced(bytes, &opts.limits, Some(FAST_MIN_SIDE))?
    } else {
        decode(bytes, &opts.limits)?
    };
    let exif_orientation = decoded.exif_orientation;
    let img = if opts.apply_exif_orientation && exif_orientation != 1 {
        decoded.oriented()
    } else {
        decoded
    };
    Ok(hash_decoded(&img, bytes, opts, exif_orientation))
}

fn hash_decoded(
    img: &DecodedImage,
    bytes: &[u8],
    opts: &HashOptions,
    exif_orientation: u8,
) -> ImageHashes {
    let (pdq, quality, dihedral) = if opts.dihedral {
        let d = pdq_dihedral_from_rgb8(&img.rgb, img.width, img.height, &opts.pdq);
        // The reference's plain entry point skips filtering for a 64x64
        // input while its dihedral one does not; keep `pdq` equal to the
        // plain hash in that corner case.
        let plain = if img.width == 64 && img.height == 64 {
            pdq_from_rgb8(&img.rgb, img.width, img.height, &opts.pdq)
        } else {
            PdqOutput {
                hash: d.hashes[0],
                quality: d.quality,
            }
        };
        (plain.hash, plain.quality, Some(d.hashes))
    } else {
        let p = pdq_from_rgb8(&img.rgb, img.width, img.height, &opts.pdq);
        (p.hash, p.quality, None)
    };
    let c = crypto_hashes(bytes);
    ImageHashes {
        pdq,
        quality,
        md5: c.md5,
        sha1: c.sha1,
        sha256: c.sha256,
        width: img.width,
        height: img.height,
        format: img.format,
        dihedral,
        exif_orientation,
        approximate: img.reduced_from.is_some(),
    }
}

impl DecodedImage {
    /// PDQ hash and quality of these pixels.
    pub fn pdq(&self, opts: &PdqOptions) -> PdqOutput {
        pdq_from_rgb8(&self.rgb, self.width, self.height, opts)
    }

    /// The eight dihedral PDQ hashes of these pixels.
    pub fn pdq_dihedral(&self, opts: &PdqOptions) -> PdqDihedral {
        pdq_dihedral_from_rgb8(&self.rgb, self.width, self.height, opts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crypto_hashes_of_known_strings() {
        let c = crypto_hashes(b"abc");
        assert_eq!(c.md5, "900150983cd24fb0d6963f7d28e17f72");
        assert_eq!(c.sha1, "a9993e364706816aba3e25717850c26c9cd0d89d");
        assert_eq!(
            c.sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let e = crypto_hashes(b"");
        assert_eq!(e.md5, "d41d8cd98f00b204e9800998ecf8427e");
    }
}

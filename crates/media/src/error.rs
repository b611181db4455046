//! Typed errors for decoding and hashing.

use std::fmt;

/// What went wrong while decoding or hashing an image.
///
/// Variants are split by whose fault it is: the input's (empty, unsupported,
/// truncated, malformed, over a limit) or ours (an internal decoder failure we
/// did not expect). Nothing here carries file paths: this crate never opens
/// files.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MediaError {
    /// The input had zero bytes.
    #[error("empty input: zero bytes")]
    Empty,

    /// The bytes are not in a format this crate decodes (detected from
    /// content, never from a file name).
    #[error("unsupported or unrecognised image format{}", hint_suffix(.hint))]
    UnsupportedFormat {
        /// What the content looked like, when something was recognised
        /// (e.g. "avif"), else `None`.
        hint: Option<String>,
    },

    /// The header declares more pixels than [`crate::Limits::max_pixels`]
    /// allows (decompression-bomb protection, checked before decoding).
    #[error("image of {width}x{height} pixels exceeds the limit of {max_pixels} pixels")]
    TooManyPixels {
        /// Declared width.
        width: u32,
        /// Declared height.
        height: u32,
        /// The configured limit.
        max_pixels: u64,
    },

    /// Decoding would need more memory than [`crate::Limits::max_alloc`].
    #[error("decoding needs more memory than the limit of {max_alloc} bytes")]
    AllocationLimit {
        /// The configured limit in bytes.
        max_alloc: u64,
    },

    /// The data ends before the image does.
    #[error("truncated {format} data: {detail}")]
    Truncated {
        /// Detected format name.
        format: ImageFormat,
        /// Decoder message.
        detail: String,
    },

    /// The data is structurally invalid for its format.
    #[error("malformed {format} data: {detail}")]
    Malformed {
        /// Detected format name.
        format: ImageFormat,
        /// Decoder message.
        detail: String,
    },

    /// A feature of the format that the decoder does not support
    /// (e.g. an unusual TIFF sample layout).
    #[error("unsupported {format} feature: {detail}")]
    UnsupportedFeature {
        /// Detected format name.
        format: ImageFormat,
        /// Decoder message.
        detail: String,
    },

    /// A failure that is not the input's fault.
    #[error("internal error: {0}")]
    Internal(String),
}

fn hint_suffix(hint: &Option<String>) -> String {
    match hint {
        Some(h) => format!(" (looks like {h})"),
        None => String::new(),
    }
}

/// The container formats this crate decodes, detected from magic bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum ImageFormat {
    /// JPEG / JFIF / EXIF (baseline, progressive, CMYK).
    Jpeg,
    /// PNG (all bit depths, palette, alpha).
    Png,
    /// GIF (first frame only).
    Gif,
    /// WebP (lossy and lossless; first frame only).
    Webp,
    /// Windows BMP.
    Bmp,
    /// TIFF (first page only).
    Tiff,
}

impl ImageFormat {
    /// Lower-case name used in JSON output (`"jpeg"`, `"png"`, ...).
    pub fn name(self) -> &'static str {
        match self {
            ImageFormat::Jpeg => "jpeg",
            ImageFormat::Png => "png",
            ImageFormat::Gif => "gif",
            ImageFormat::Webp => "webp",
            ImageFormat::Bmp => "bmp",
            ImageFormat::Tiff => "tiff",
        }
    }
}

impl fmt::Display for ImageFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

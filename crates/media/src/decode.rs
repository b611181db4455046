//! Decoding image bytes to 8-bit RGB, with decompression-bomb limits.

use std::io::Cursor;

use image::{DynamicImage, ImageDecoder, ImageError, ImageReader};

use crate::error::{ImageFormat, MediaError};

/// Resource limits applied before and during decoding.
///
/// The pixel count is checked against the header before any pixel memory is
/// allocated; `max_alloc` is handed to the `image` crate's own limits, which
/// its decoders enforce while decoding (e.g. for PNG text chunks, GIF frames).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest `width * height` accepted (default 100 megapixels).
    pub max_pixels: u64,
    /// Largest decode buffer (and largest single decoder allocation), in
    /// bytes (default 1 GiB).
    pub max_alloc: u64,
    /// Hash JPEGs whose entropy-coded data ends before the end-of-image
    /// marker (the decoder fills the missing part with grey). Off by default,
    /// like Pillow without `LOAD_TRUNCATED_IMAGES`, so a truncated upload is
    /// reported as [`MediaError::Truncated`] rather than hashed as a
    /// different picture.
    pub allow_truncated_jpeg: bool,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_pixels: 100_000_000,
            max_alloc: 1 << 30,
            allow_truncated_jpeg: false,
        }
    }
}

/// A decoded image as packed 8-bit RGB, plus what was learnt on the way.
#[derive(Clone, PartialEq, Eq)]
pub struct DecodedImage {
    /// Width in pixels (as stored, before any EXIF orientation).
    pub width: u32,
    /// Height in pixels (as stored).
    pub height: u32,
    /// Container format detected from the bytes.
    pub format: ImageFormat,
    /// Row-major interleaved RGB, `width * height * 3` bytes. Alpha is
    /// dropped (not composited), as Pillow's `convert("RGB")` does.
    pub rgb: Vec<u8>,
    /// EXIF orientation tag, 1..=8 (1 when absent or unreadable). Reported,
    /// not applied: PDQ banks built by HMA and ThreatExchange hash the stored
    /// pixels.
    pub exif_orientation: u8,
    /// The stored width and height when [`decode_reduced`] decoded at a
    /// reduced scale; `None` for a full-size decode.
    pub reduced_from: Option<(u32, u32)>,
}

impl std::fmt::Debug for DecodedImage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DecodedImage")
            .field("width", &self.width)
            .field("height", &self.height)
            .field("format", &self.format)
            .field("rgb_len", &self.rgb.len())
            .field("exif_orientation", &self.exif_orientation)
            .finish()
    }
}

impl DecodedImage {
    /// Returns a copy with the EXIF orientation applied to the pixels (and
    /// `exif_orientation` reset to 1).
    pub fn oriented(&self) -> DecodedImage {
        let Some(o) = image::metadata::Orientation::from_exif(self.exif_orientation) else {
            return self.clone();
        };
        let Some(buf) = image::RgbImage::from_raw(self.width, self.height, self.rgb.clone()) else {
            return self.clone();
        };
        let mut img = DynamicImage::ImageRgb8(buf);
        img.apply_orientation(o);
        let rgb = img.into_rgb8();
        DecodedImage {
            width: rgb.width(),
            height: rgb.height(),
            format: self.format,
            rgb: rgb.into_raw(),
            exif_orientation: 1,
            reduced_from: self.reduced_from,
        }
    }
}

/// Magic-byte signatures, most specific first.
const SIGNATURES: &[(&[u8], ImageFormat)] = &[
    (b"\x89PNG\r\n\x1a\n", ImageFormat::Png),
    (b"\xff\xd8\xff", ImageFormat::Jpeg),
    (b"GIF87a", ImageFormat::Gif),
    (b"GIF89a", ImageFormat::Gif),
    (b"II*\0", ImageFormat::Tiff),
    (b"MM\0*", ImageFormat::Tiff),
    (b"II+\0", ImageFormat::Tiff),
    (b"MM\0+", ImageFormat::Tiff),
    (b"BM", ImageFormat::Bmp),
];

/// Detects the format from content alone.
///
/// Returns `Err(Truncated)` when the input is a strict prefix of a known
/// signature (e.g. two bytes `FF D8`), and `Err(UnsupportedFormat)` when
/// nothing matches.
pub fn detect_format(bytes: &[u8]) -> Result<ImageFormat, MediaError> {
    if bytes.is_empty() {
        return Err(MediaError::Empty);
    }
    for (sig, fmt) in SIGNATURES {
        if bytes.starts_with(sig) {
            return Ok(*fmt);
        }
    }
    if bytes.len() >= 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        return Ok(ImageFormat::Webp);
    }
    for (sig, fmt) in SIGNATURES {
        if sig.len() > bytes.len() && sig.starts_with(bytes) {
            return Err(MediaError::Truncated {
                format: *fmt,
                detail: format!("{} bytes, shorter than the signature", bytes.len()),
            });
        }
    }
    if bytes.len() < 12 && b"RIFF".starts_with(&bytes[..bytes.len().min(4)]) {
        return Err(MediaError::Truncated {
            format: ImageFormat::Webp,
            detail: format!("{} bytes, shorter than the RIFF header", bytes.len()),
        });
    }
    let hint = image::guess_format(bytes).ok().map(|f| {
        f.extensions_str()
            .first()
            .copied()
            .unwrap_or("unknown")
            .to_string()
    });
    Err(MediaError::UnsupportedFormat { hint })
}

fn to_image_format(f: ImageFormat) -> image::ImageFormat {
    match f {
        ImageFormat::Jpeg => image::ImageFormat::Jpeg,
        ImageFormat::Png => image::ImageFormat::Png,
        ImageFormat::Gif => image::ImageFormat::Gif,
        ImageFormat::Webp => image::ImageFormat::WebP,
        ImageFormat::Bmp => image::ImageFormat::Bmp,
        ImageFormat::Tiff => image::ImageFormat::Tiff,
    }
}

/// Heuristic: does a decoder message describe running out of input?
fn looks_truncated(msg: &str) -> bool {
    let m = msg.to_ascii_lowercase();
    [
        "eof",
        "end of file",
        "unexpected end",
        "truncated",
        "no more bytes",
        "not enough data",
        "insufficient data",
        "premature end",
        "failed to fill whole buffer",
        "unexpectedeof",
        "no more data",
    ]
    .iter()
    .any(|p| m.contains(p))
}

fn map_error(format: ImageFormat, e: ImageError, limits: &Limits) -> MediaError {
    match e {
        ImageError::Limits(l) => match l.kind() {
            image::error::LimitErrorKind::InsufficientMemory => MediaError::AllocationLimit {
                max_alloc: limits.max_alloc,
            },
            _ => MediaError::Malformed {
                format,
                detail: l.to_string(),
            },
        },
        ImageError::IoError(io) => {
            if io.kind() == std::io::ErrorKind::UnexpectedEof || looks_truncated(&io.to_string()) {
                MediaError::Truncated {
                    format,
                    detail: io.to_string(),
                }
            } else {
                MediaError::Malformed {
                    format,
                    detail: io.to_string(),
                }
            }
        }
        ImageError::Decoding(d) => {
            let detail = d.to_string();
            let source_says_eof = std::error::Error::source(&d)
                .map(|s| looks_truncated(&s.to_string()) || looks_truncated(&format!("{s:?}")))
                .unwrap_or(false);
            if looks_truncated(&detail) || source_says_eof {
                MediaError::Truncated { format, detail }
            } else {
                MediaError::Malformed { format, detail }
            }
        }
        ImageError::Unsupported(u) => MediaError::UnsupportedFeature {
            format,
            detail: u.to_string(),
        },
        // Raised by decoders for what the input holds (a GIF with no frame
        // gives "the end of the image has been reached"; dimensions that
        // contradict the data), so the input's fault. Found by the fuzzer.
        ImageError::Parameter(p) => match p.kind() {
            image::error::ParameterErrorKind::NoMoreData => MediaError::Truncated {
                format,
                detail: format!("no image data: {p}"),
            },
            _ => MediaError::Malformed {
                format,
                detail: p.to_string(),
            },
        },
        other => MediaError::Internal(other.to_string()),
    }
}

/// Decodes image bytes (format detected from content) to 8-bit RGB.
///
/// JPEG (baseline, progressive, CMYK), PNG (1-16 bit, palette, alpha), GIF
/// (first frame), WebP, BMP and TIFF (first page). The header is read first
/// and the pixel count checked against `limits` before any pixel buffer is
/// allocated. Never panics on bad input: a decoder panic, should one occur,
/// is caught and reported as [`MediaError::Internal`].
///
/// Conversion to RGB follows Pillow's `convert("RGB")`, which is what the
/// Python PDQ tooling (python-threatexchange, HMA) hashes: alpha is dropped,
/// grey is replicated, 16-bit RGB and grey+alpha keep the high byte, and
/// 16-bit grey (Pillow mode `I;16`) is clipped to 255.
pub fn decode(bytes: &[u8], limits: &Limits) -> Result<DecodedImage, MediaError> {
    decode_reduced(bytes, limits, None)
}

/// [`decode`], with a fast path for large JPEGs: given `min_side`, a JPEG is
/// decoded at 1/2, 1/4 or 1/8 of its size (libjpeg's DCT scaling) as long as
/// its shorter side stays at least `min_side` pixels. PDQ reduces every
/// picture to 64x64, so such a hash lands within a few bits of the
/// full-size one (0-4 bits on the reference photos at a 512-pixel floor;
/// docs/benchmarks.md), at a fraction of the decoding cost. Not for hashes
/// that others must reproduce: the reference decodes at full size.
/// `DecodedImage::width`/`height` are then the reduced size.
pub fn decode_reduced(
    bytes: &[u8],
    limits: &Limits,
    min_side: Option<u32>,
) -> Result<DecodedImage, MediaError> {
    let format = detect_format(bytes)?;
    match std::panic::catch_unwind(|| decode_inner(bytes, format, limits, min_side)) {
        Ok(r) => r,
        Err(_) => Err(MediaError::Internal(format!("{format} decoder panicked"))),
    }
}

fn decode_inner(
    bytes: &[u8],
    format: ImageFormat,
    limits: &Limits,
    min_side: Option<u32>,
) -> Result<DecodedImage, MediaError> {
    let mut reader = ImageReader::with_format(Cursor::new(bytes), to_image_format(format));
    let mut il = image::Limits::default();
    il.max_alloc = Some(limits.max_alloc);
    reader.limits(il);
    let mut decoder = reader
        .into_decoder()
        .map_err(|e| map_error(format, e, limits))?;
    let (width, height) = decoder.dimensions();
    if width == 0 || height == 0 {
        return Err(MediaError::Malformed {
            format,
            detail: format!("zero dimension {width}x{height}"),
        });
    }
    if u64::from(width) * u64::from(height) > limits.max_pixels {
        return Err(MediaError::TooManyPixels {
            width,
            height,
            max_pixels: limits.max_pixels,
        });
    }
    if decoder.total_bytes() > limits.max_alloc {
        return Err(MediaError::AllocationLimit {
            max_alloc: limits.max_alloc,
        });
    }
    if format == ImageFormat::Jpeg && !limits.allow_truncated_jpeg {
        jpeg_structure_complete(bytes)
            .map_err(|detail| MediaError::Truncated { format, detail })?;
    }
    let exif_orientation = decoder.orientation().map(|o| o.to_exif()).unwrap_or(1);
    if format == ImageFormat::Jpeg {
        let short = width.min(height);
        let scale_eighths = match min_side {
            Some(m) if short / 8 >= m.max(1) => 1,
            Some(m) if short / 4 >= m.max(1) => 2,
            Some(m) if short / 2 >= m.max(1) => 4,
            _ => 8,
        };
        let (rgb, w, h) = crate::jpeg::decode_rgb(bytes, width, height, scale_eighths)
            .map_err(|detail| MediaError::Malformed { format, detail })?;
        return Ok(DecodedImage {
            width: w,
            height: h,
            format,
            rgb,
            exif_orientation,
            reduced_from: (scale_eighths != 8).then_some((width, height)),
        });
    }
    let img = DynamicImage::from_decoder(decoder).map_err(|e| map_error(format, e, limits))?;
    let rgb = to_rgb8_like_pillow(img);
    Ok(DecodedImage {
        width,
        height,
        format,
        rgb,
        exif_orientation,
        reduced_from: None,
    })
}

/// Walks the JPEG marker structure and checks that it reaches the
/// end-of-image marker: segment lengths fit, and every scan's entropy-coded
/// data is followed by a marker. zune-jpeg (like libjpeg) silently pads a
/// truncated scan, so this is how truncation is detected.
fn jpeg_structure_complete(b: &[u8]) -> Result<(), String> {
    let n = b.len();
    let mut pos = 2; // after SOI
    loop {
        // Find the next marker prefix.
        while pos < n && b[pos] != 0xff {
            pos += 1;
        }
        while pos < n && b[pos] == 0xff {
            pos += 1; // fill bytes
        }
        if pos >= n {
            return Err("data ends before the end-of-image marker".into());
        }
        let marker = b[pos];
        pos += 1;
        match marker {
            0xd9 => return Ok(()),
            0x01 | 0xd0..=0xd7 => continue,
            _ => {}
        }
        if pos + 2 > n {
            return Err(format!("segment FF{marker:02X} length missing"));
        }
        let len = u16::from_be_bytes([b[pos], b[pos + 1]]) as usize;
        if len < 2 || pos + len > n {
            return Err(format!(
                "segment FF{marker:02X} of {len} bytes runs past the end"
            ));
        }
        pos += len;
        if marker == 0xda {
            // Entropy-coded data: runs to the next marker that is not a
            // stuffed zero or a restart marker.
            loop {
                while pos < n && b[pos] != 0xff {
                    pos += 1;
                }
                if pos + 1 >= n {
                    return Err("scan data ends before the end-of-image marker".into());
                }
                match b[pos + 1] {
                    0x00 | 0xd0..=0xd7 | 0xff => pos += if b[pos + 1] == 0xff { 1 } else { 2 },
                    _ => break,
                }
            }
        }
    }
}

/// Pillow-compatible reduction to packed RGB8 (see [`decode`]).
fn to_rgb8_like_pillow(img: DynamicImage) -> Vec<u8> {
    fn expand<T: Copy, const N: usize>(src: &[T], f: impl Fn(&[T]) -> [u8; 3]) -> Vec<u8> {
        let mut out = Vec::with_capacity(src.len() / N * 3);
        for px in src.chunks_exact(N) {
            out.extend_from_slice(&f(px));
        }
        out
    }
    match img {
        DynamicImage::ImageRgb8(b) => b.into_raw(),
        DynamicImage::ImageRgba8(b) => expand::<u8, 4>(b.as_raw(), |p| [p[0], p[1], p[2]]),
        DynamicImage::ImageLuma8(b) => expand::<u8, 1>(b.as_raw(), |p| [p[0]; 3]),
        DynamicImage::ImageLumaA8(b) => expand::<u8, 2>(b.as_raw(), |p| [p[0]; 3]),
        DynamicImage::ImageLuma16(b) => expand::<u16, 1>(b.as_raw(), |p| [p[0].min(255) as u8; 3]),
        DynamicImage::ImageLumaA16(b) => expand::<u16, 2>(b.as_raw(), |p| [(p[0] >> 8) as u8; 3]),
        DynamicImage::ImageRgb16(b) => expand::<u16, 3>(b.as_raw(), |p| {
            [(p[0] >> 8) as u8, (p[1] >> 8) as u8, (p[2] >> 8) as u8]
        }),
        DynamicImage::ImageRgba16(b) => expand::<u16, 4>(b.as_raw(), |p| {
            [(p[0] >> 8) as u8, (p[1] >> 8) as u8, (p[2] >> 8) as u8]
        }),
        other => other.to_rgb8().into_raw(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_formats_from_magic() {
        assert_eq!(
            detect_format(b"\xff\xd8\xff\xe0rest").unwrap(),
            ImageFormat::Jpeg
        );
        assert_eq!(
            detect_format(b"\x89PNG\r\n\x1a\nxxxx").unwrap(),
            ImageFormat::Png
        );
        assert_eq!(detect_format(b"GIF89a....").unwrap(), ImageFormat::Gif);
        assert_eq!(
            detect_format(b"RIFF\0\0\0\0WEBPVP8 ").unwrap(),
            ImageFormat::Webp
        );
        assert_eq!(detect_format(b"BM\0\0\0\0").unwrap(), ImageFormat::Bmp);
        assert_eq!(
            detect_format(b"II*\0\x08\0\0\0").unwrap(),
            ImageFormat::Tiff
        );
        assert!(matches!(detect_format(b""), Err(MediaError::Empty)));
        assert!(matches!(
            detect_format(b"\xff\xd8"),
            Err(MediaError::Truncated {
                format: ImageFormat::Jpeg,
                ..
            })
        ));
        assert!(matches!(
            detect_format(b"hello, world"),
            Err(MediaError::UnsupportedFormat { .. })
        ));
    }
}

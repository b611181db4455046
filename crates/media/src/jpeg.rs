//! JPEG decoding with libjpeg-turbo's algorithms (through the `mozjpeg`
//! crate, which builds its libjpeg-turbo fork from source, so nothing is
//! needed on the system).
//!
//! JPEG leaves the inverse DCT's rounding and the chroma upsampling to the
//! decoder, so two decoders give pixels a few levels apart and PDQ hashes a
//! few bits apart. Meta's HMA and python-threatexchange hash what Pillow
//! decodes, and Pillow decodes with libjpeg-turbo (accurate integer IDCT,
//! "fancy" triangle-filter upsampling): decoding the same way makes our
//! pixels, and so our hashes, identical to theirs. CMYK and YCCK files are
//! decoded to CMYK and converted to RGB with Pillow's arithmetic, including
//! its reading of Adobe files as inverted CMYK.

use std::panic::{catch_unwind, AssertUnwindSafe};

use mozjpeg::decompress::DecompressBuilder;
use mozjpeg::{ColorSpace, Marker};

/// Decodes a baseline or progressive JPEG (YCbCr, RGB, greyscale, CMYK,
/// YCCK) to packed RGB8 as Pillow's `convert("RGB")` would see it, at
/// `scale_eighths / 8` of its size (8: full size, as the reference hashes;
/// 4, 2 or 1 use libjpeg's DCT scaling, which skips most of the IDCT work).
/// Returns the pixels and their width and height; `Err(detail)` when libjpeg
/// rejects the data.
pub(crate) fn decode_rgb(
    bytes: &[u8],
    width: u32,
    height: u32,
    scale_eighths: u8,
) -> Result<(Vec<u8>, u32, u32), String> {
    // libjpeg reports fatal errors by unwinding (the `mozjpeg` error manager
    // resumes an unwind with the message as payload, without the panic hook).
    let outcome = catch_unwind(AssertUnwindSafe(
        || -> Result<(Vec<u8>, u32, u32), String> {
            let adobe_app14 = [Marker::APP(14)];
            let mut decompress = DecompressBuilder::new()
                .with_markers(&adobe_app14)
                .from_mem(bytes)
                .map_err(|e| e.to_string())?;
            if decompress.size() != (width as usize, height as usize) {
                return Err(format!(
                    "libjpeg reads {}x{} where the header parser read {width}x{height}",
                    decompress.width(),
                    decompress.height()
                ));
            }
            if scale_eighths != 8 {
                decompress.scale(scale_eighths);
            }
            if matches!(
                decompress.color_space(),
                ColorSpace::JCS_CMYK | ColorSpace::JCS_YCCK
            ) {
                // Pillow reads four-channel JPEGs with an Adobe APP14 segment as
                // inverted CMYK ("CMYK;I"), others as plain CMYK.
                let adobe = decompress
                    .markers()
                    .any(|m| m.marker == Marker::APP(14) && m.data.starts_with(b"Adobe"));
                let mut started = decompress
                    .to_colorspace(ColorSpace::JCS_CMYK)
                    .map_err(|e| e.to_string())?;
                let (w, h) = (started.width() as u32, started.height() as u32);
                let mut cmyk = started.read_scanlines::<u8>().map_err(|e| e.to_string())?;
                started.finish().map_err(|e| e.to_string())?;
                if adobe {
                    cmyk.iter_mut().for_each(|v| *v = 255 - *v);
                }
                return Ok((cmyk_to_rgb_like_pillow(&cmyk), w, h));
            }
            let mut started = decompress.rgb().map_err(|e| e.to_string())?;
            let (w, h) = (started.width() as u32, started.height() as u32);
            let rgb = started.read_scanlines::<u8>().map_err(|e| e.to_string())?;
            started.finish().map_err(|e| e.to_string())?;
            Ok((rgb, w, h))
        },
    ));
    match outcome {
        Ok(result) => {
            let (rgb, width, height) = result?;
            let expected = width as usize * height as usize * 3;
            if rgb.len() != expected {
                return Err(format!(
                    "libjpeg returned {} bytes of pixels, expected {expected}",
                    rgb.len()
                ));
            }
            Ok((rgb, width, height))
        }
        Err(payload) => Err(payload
            .downcast_ref::<String>()
            .map(|s| s.trim_start_matches("libjpeg fatal error: ").to_string())
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "libjpeg failed".into())),
    }
}

/// Pillow's CMYK to RGB conversion (`cmyk2rgb` in its Convert.c): each
/// channel is `(255 - k) - c * (255 - k) / 255`, the division rounded the way
/// Pillow's `MULDIV255` rounds.
fn cmyk_to_rgb_like_pillow(cmyk: &[u8]) -> Vec<u8> {
    fn muldiv255(a: u32, b: u32) -> u32 {
        let t = a * b + 128;
        ((t >> 8) + t) >> 8
    }
    let mut rgb = Vec::with_capacity(cmyk.len() / 4 * 3);
    for px in cmyk.chunks_exact(4) {
        let nk = 255 - u32::from(px[3]);
        for &c in &px[..3] {
            rgb.push(nk.saturating_sub(muldiv255(u32::from(c), nk)) as u8);
        }
    }
    rgb
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cmyk_conversion_follows_pillow() {
        // White, black (by K), pure cyan, and a mid grey through K.
        let cmyk = [0, 0, 0, 0, 0, 0, 0, 255, 255, 0, 0, 0, 0, 0, 0, 128];
        assert_eq!(
            cmyk_to_rgb_like_pillow(&cmyk),
            vec![255, 255, 255, 0, 0, 0, 0, 255, 255, 127, 127, 127]
        );
    }

    #[test]
    fn libjpeg_errors_are_reported_not_raised() {
        let err = decode_rgb(b"\xff\xd8\xff\xdb\x00\x02\xff\xd9", 1, 1, 8).unwrap_err();
        assert!(!err.is_empty(), "{err}");
    }
}

//! Hostile and broken input: typed errors, never panics.

use image::{ImageFormat as ImgFmt, Rgb, RgbImage, Rgba, RgbaImage};
use lifeguard_media::{
    crypto_hashes, decode, hash_bytes, HashOptions, ImageFormat, Limits, MediaError,
};

fn sample_rgb(w: u32, h: u32) -> RgbImage {
    RgbImage::from_fn(w, h, |x, y| {
        Rgb([(x * 3) as u8, (y * 5) as u8, ((x ^ y) * 7) as u8])
    })
}

fn encode(img: &RgbImage, fmt: ImgFmt) -> Vec<u8> {
    let mut out = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut out), fmt)
        .unwrap();
    out
}

fn opts() -> HashOptions {
    HashOptions::default()
}

#[test]
fn zero_bytes_is_empty_error() {
    assert!(matches!(hash_bytes(&[], &opts()), Err(MediaError::Empty)));
    // Crypto hashes still work for anything.
    assert_eq!(crypto_hashes(&[]).sha256.len(), 64);
}

#[test]
fn random_bytes_are_unsupported() {
    let mut x = 0x2545_f491u32;
    let junk: Vec<u8> = (0..4096)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x >> 7) as u8
        })
        .collect();
    let e = hash_bytes(&junk, &opts()).unwrap_err();
    assert!(matches!(e, MediaError::UnsupportedFormat { .. }), "{e:?}");
    let e = hash_bytes(b"%PDF-1.7 not an image", &opts()).unwrap_err();
    assert!(matches!(e, MediaError::UnsupportedFormat { .. }), "{e:?}");
}

#[test]
fn truncated_png_is_truncated_error() {
    let png = encode(&sample_rgb(200, 150), ImgFmt::Png);
    for cut in [png.len() / 2, png.len() - 20, 40, 9] {
        let e = hash_bytes(&png[..cut], &opts()).unwrap_err();
        assert!(
            matches!(
                e,
                MediaError::Truncated {
                    format: ImageFormat::Png,
                    ..
                }
            ),
            "cut at {cut}: {e:?}"
        );
    }
    // Shorter than the signature.
    assert!(matches!(
        hash_bytes(&png[..4], &opts()),
        Err(MediaError::Truncated { .. })
    ));
}

#[test]
fn truncated_jpeg_is_an_error() {
    let mut jpg = Vec::new();
    let enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpg, 90);
    sample_rgb(320, 240).write_with_encoder(enc).unwrap();
    for cut in [jpg.len() / 2, jpg.len() / 4, 300, 20, 3] {
        let e = hash_bytes(&jpg[..cut], &opts()).unwrap_err();
        assert!(
            matches!(
                e,
                MediaError::Truncated {
                    format: ImageFormat::Jpeg,
                    ..
                } | MediaError::Malformed {
                    format: ImageFormat::Jpeg,
                    ..
                }
            ),
            "cut at {cut}: {e:?}"
        );
        println!("JPEG cut at {cut}/{}: {e}", jpg.len());
    }
}

/// A valid PNG header (with correct CRC) claiming 100000 x 100000 pixels and
/// no pixel data: must be refused before any allocation.
#[test]
fn png_bomb_header_is_refused_before_decoding() {
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = b"IHDR".to_vec();
    ihdr.extend_from_slice(&100_000u32.to_be_bytes());
    ihdr.extend_from_slice(&100_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]); // 8-bit RGB
    png.extend_from_slice(&13u32.to_be_bytes());
    png.extend_from_slice(&ihdr);
    png.extend_from_slice(&crc32(&ihdr).to_be_bytes());
    // An IDAT with a few compressed bytes and IEND, as a real bomb would have.
    let idat = b"IDAT\x78\x9c\x03\x00\x00\x00\x00\x01";
    png.extend_from_slice(&((idat.len() - 4) as u32).to_be_bytes());
    png.extend_from_slice(idat);
    png.extend_from_slice(&crc32(idat).to_be_bytes());
    png.extend_from_slice(&0u32.to_be_bytes());
    png.extend_from_slice(b"IEND");
    png.extend_from_slice(&crc32(b"IEND").to_be_bytes());

    let e = hash_bytes(&png, &opts()).unwrap_err();
    match e {
        MediaError::TooManyPixels {
            width,
            height,
            max_pixels,
        } => {
            assert_eq!((width, height), (100_000, 100_000));
            assert_eq!(max_pixels, 100_000_000);
        }
        other => panic!("expected TooManyPixels, got {other:?}"),
    }
}

#[test]
fn pixel_limit_is_configurable() {
    let png = encode(&sample_rgb(200, 150), ImgFmt::Png);
    let tight = Limits {
        max_pixels: 200 * 150 - 1,
        ..Limits::default()
    };
    assert!(matches!(
        decode(&png, &tight),
        Err(MediaError::TooManyPixels { .. })
    ));
    let ok = Limits {
        max_pixels: 200 * 150,
        ..Limits::default()
    };
    assert!(decode(&png, &ok).is_ok());
}

#[test]
fn allocation_limit_is_enforced() {
    let png = encode(&sample_rgb(400, 300), ImgFmt::Png);
    let tiny = Limits {
        max_alloc: 10_000,
        ..Limits::default()
    };
    let e = decode(&png, &tiny).unwrap_err();
    assert!(
        matches!(e, MediaError::AllocationLimit { max_alloc: 10_000 }),
        "{e:?}"
    );
}

#[test]
fn truncated_jpeg_can_be_allowed_explicitly() {
    let mut jpg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpg, 90)
        .encode_image(&sample_rgb(320, 240))
        .unwrap();
    let lenient = Limits {
        allow_truncated_jpeg: true,
        ..Limits::default()
    };
    let d = decode(&jpg[..jpg.len() * 3 / 4], &lenient).unwrap();
    assert_eq!((d.width, d.height), (320, 240));
    // The complete file passes the structure check.
    assert!(decode(&jpg, &Limits::default()).is_ok());
}

#[test]
fn alpha_is_dropped_like_pillow_convert_rgb() {
    // Fully transparent pixels keep their colour channels.
    let img = RgbaImage::from_fn(16, 16, |x, _| {
        Rgba([200, (x * 10) as u8, 30, if x < 8 { 0 } else { 255 }])
    });
    let mut png = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut png), ImgFmt::Png)
        .unwrap();
    let d = decode(&png, &Limits::default()).unwrap();
    assert_eq!(&d.rgb[..6], &[200, 0, 30, 200, 10, 30]);
}

#[test]
fn every_supported_format_decodes_to_the_same_pixels() {
    let img = sample_rgb(97, 61);
    for (fmt, name) in [
        (ImgFmt::Png, ImageFormat::Png),
        (ImgFmt::Bmp, ImageFormat::Bmp),
        (ImgFmt::Tiff, ImageFormat::Tiff),
        (ImgFmt::WebP, ImageFormat::Webp),
    ] {
        let bytes = encode(&img, fmt);
        let d = decode(&bytes, &Limits::default()).unwrap();
        assert_eq!(d.format, name);
        assert_eq!((d.width, d.height), (97, 61));
        assert_eq!(d.rgb, img.as_raw().as_slice(), "{name} should be lossless");
    }
    let gif = encode(&img, ImgFmt::Gif);
    let d = decode(&gif, &Limits::default()).unwrap();
    assert_eq!((d.format, d.width, d.height), (ImageFormat::Gif, 97, 61));
}

#[test]
fn json_line_has_the_agreed_keys() {
    let png = encode(&sample_rgb(120, 80), ImgFmt::Png);
    let h = hash_bytes(&png, &opts()).unwrap();
    let v: serde_json::Value = serde_json::to_value(&h).unwrap();
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(|k| k.as_str()).collect();
    let mut expected = vec![
        "pdq", "quality", "md5", "sha1", "sha256", "width", "height", "format",
    ];
    let mut sorted = keys.clone();
    sorted.sort();
    expected.sort();
    assert_eq!(sorted, expected);
    assert_eq!(v["format"], "png");
    assert_eq!(v["pdq"].as_str().unwrap().len(), 64);
    let line = serde_json::to_string(&h).unwrap();
    assert!(line.starts_with("{\"pdq\":\""), "{line}");

    let with = hash_bytes(
        &png,
        &HashOptions {
            dihedral: true,
            ..opts()
        },
    )
    .unwrap();
    let v: serde_json::Value = serde_json::to_value(&with).unwrap();
    let dih = v["dihedral"].as_array().unwrap();
    assert_eq!(dih.len(), 8);
    assert_eq!(dih[0], v["pdq"]);
}

/// Thousands of corrupted copies of valid files (seeded byte flips, inserts,
/// truncations): every one either hashes or returns a typed error, and none
/// reaches the decoder-panic guard.
#[test]
fn mutated_files_never_panic() {
    let base_png = encode(&sample_rgb(64, 48), ImgFmt::Png);
    let mut base_jpg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut base_jpg, 80)
        .encode_image(&sample_rgb(64, 48))
        .unwrap();
    let mut progressive_like = base_jpg.clone();
    progressive_like.truncate(base_jpg.len() - 2); // no EOI
    let base_gif = encode(&sample_rgb(40, 30), ImgFmt::Gif);
    let base_webp = encode(&sample_rgb(40, 30), ImgFmt::WebP);
    let base_bmp = encode(&sample_rgb(40, 30), ImgFmt::Bmp);
    let base_tiff = encode(&sample_rgb(40, 30), ImgFmt::Tiff);
    let bases = [
        base_png,
        base_jpg,
        progressive_like,
        base_gif,
        base_webp,
        base_bmp,
        base_tiff,
    ];

    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut rnd = |n: usize| -> usize {
        state ^= state << 7;
        state ^= state >> 9;
        (state % n as u64) as usize
    };
    let (mut ok, mut err) = (0u32, 0u32);
    let limits = Limits {
        max_pixels: 4_000_000,
        max_alloc: 64 << 20,
        ..Limits::default()
    };
    let o = HashOptions {
        limits,
        dihedral: true,
        ..HashOptions::default()
    };
    for i in 0..3500 {
        let base = &bases[i % bases.len()];
        let mut m = base.clone();
        match rnd(4) {
            0 => {
                for _ in 0..1 + rnd(8) {
                    let p = rnd(m.len());
                    m[p] ^= 1 << rnd(8);
                }
            }
            1 => {
                let p = rnd(m.len());
                m[p] = rnd(256) as u8;
                let cut = rnd(m.len()) + 1;
                m.truncate(cut);
            }
            2 => {
                let p = rnd(m.len());
                for _ in 0..rnd(16) {
                    m.insert(p, rnd(256) as u8);
                }
            }
            _ => {
                // Header area flips: dimensions, chunk lengths, markers.
                for _ in 0..1 + rnd(3) {
                    let p = rnd(m.len().min(64));
                    m[p] = rnd(256) as u8;
                }
            }
        }
        match hash_bytes(&m, &o) {
            Ok(h) => {
                assert!(h.quality <= 100);
                ok += 1;
            }
            Err(MediaError::Internal(msg)) => panic!("mutation {i} hit an internal error: {msg}"),
            Err(_) => err += 1,
        }
    }
    println!("mutated inputs: {ok} hashed, {err} rejected with typed errors");
    assert!(ok > 0 && err > 0);
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for &b in data {
        crc ^= b as u32;
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// Inputs the fuzzer (fuzz/fuzz_targets/decode.rs) found, kept as regressions:
/// each must give an error that blames the input, never `Internal`.
#[test]
fn fuzzer_findings_blame_the_input() {
    for (name, bytes) in [(
        "gif-without-frame.gif",
        &include_bytes!("data/fuzz/gif-without-frame.gif")[..],
    )] {
        match hash_bytes(bytes, &opts()) {
            Err(MediaError::Internal(e)) => panic!("{name}: internal error {e}"),
            Err(e) => assert!(!e.to_string().is_empty(), "{name}"),
            Ok(_) => {}
        }
    }
}

//! A seized-media corpus generated at test time: ordinary generated pictures
//! (coloured shapes on gradients), edited copies, text files, corrupt files,
//! nested archives, a zip bomb, symbolic links (a loop, one out of the tree,
//! one dangling, one back into the tree) and a named pipe. Every count the
//! tests expect is written next to the code that makes it.

#![allow(dead_code)]

use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};

use image::{Rgb, RgbImage};
use lifeguard_media::{decode, pdq_from_rgb8, BankSpec, HashType, Limits, Matcher, PdqOptions};
use sha2::{Digest, Sha256};

pub const PHOTOS: usize = 2000;
pub const EXACT_SEEDS: usize = 10; // photos p0000..p0009 are in bank A by SHA-256
pub const EDIT_SEEDS: u32 = 5000; // bank B holds the PDQ of pictures 5000..=5010

/// A picture: a gradient with seeded circles and rectangles.
pub fn picture(seed: u32, w: u32, h: u32) -> RgbImage {
    let mut s = u64::from(seed).wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let mut rnd = move |n: u32| {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        (s % u64::from(n)) as u32
    };
    let bg = [rnd(256) as u8, rnd(256) as u8, rnd(256) as u8];
    let mut img = RgbImage::from_fn(w, h, |x, y| {
        Rgb([
            bg[0].wrapping_add((x * 120 / w) as u8),
            bg[1].wrapping_add((y * 120 / h) as u8),
            bg[2],
        ])
    });
    for _ in 0..6 {
        let (cx, cy) = (rnd(w) as i64, rnd(h) as i64);
        let r = (rnd(w / 4) + w / 10) as i64;
        let col = Rgb([rnd(256) as u8, rnd(256) as u8, rnd(256) as u8]);
        let circle = rnd(2) == 0;
        // Only the shape's bounding box (tests run unoptimised).
        let (x0, x1) = ((cx - r).max(0), (cx + r).min(w as i64 - 1));
        let (y0, y1) = ((cy - r).max(0), (cy + r).min(h as i64 - 1));
        for y in y0..=y1 {
            for x in x0..=x1 {
                let inside = if circle {
                    (x - cx).pow(2) + (y - cy).pow(2) < r * r
                } else {
                    (x - cx).abs() < r && (y - cy).abs() < r / 2
                };
                if inside {
                    img.put_pixel(x as u32, y as u32, col);
                }
            }
        }
    }
    img
}

pub fn jpeg(img: &RgbImage, quality: u8) -> Vec<u8> {
    let mut out = Vec::new();
    let enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality);
    img.write_with_encoder(enc).unwrap();
    out
}

pub fn photo(seed: u32) -> Vec<u8> {
    jpeg(&picture(seed, 192, 144), 85)
}

pub fn pdq_hex(bytes: &[u8]) -> String {
    let d = decode(bytes, &Limits::default()).unwrap();
    pdq_from_rgb8(&d.rgb, d.width, d.height, &PdqOptions::default())
        .hash
        .to_hex()
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

pub fn md5_hex(bytes: &[u8]) -> String {
    use md5::Md5;
    hex::encode(Md5::digest(bytes))
}

fn write(root: &Path, rel: &str, bytes: &[u8]) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, bytes).unwrap();
}

fn zip_of(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let o = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    for (name, bytes) in members {
        w.start_file(*name, o).unwrap();
        w.write_all(bytes).unwrap();
    }
    w.finish().unwrap().into_inner()
}

fn tar_of(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (name, bytes) in members {
        let mut h = tar::Header::new_gnu();
        h.set_size(bytes.len() as u64);
        h.set_mode(0o644);
        h.set_mtime(1_700_000_000);
        b.append_data(&mut h, name, *bytes).unwrap();
    }
    b.into_inner().unwrap()
}

/// The hashes the banks hold.
pub struct Banks {
    /// Bank A ("seized-exact", label "series-a"): SHA-256 of photos 0..10 and
    /// the MD5 of notes/n0.txt.
    pub exact_sha256: Vec<String>,
    pub exact_md5: Vec<String>,
    /// Bank B ("seized-pdq", label "series-b", threshold 31): PDQ of the
    /// pictures whose edited copies are in the corpus.
    pub pdq: Vec<String>,
}

impl Banks {
    pub fn matcher(&self) -> Matcher {
        let mut m = Matcher::new();
        let a = m.add_bank(BankSpec {
            name: "seized-exact".into(),
            label: "series-a".into(),
            pdq_threshold: 31,
        });
        let b = m.add_bank(BankSpec {
            name: "seized-pdq".into(),
            label: "series-b".into(),
            pdq_threshold: 31,
        });
        for h in &self.exact_sha256 {
            m.add_hash(a, HashType::Sha256, h, None).unwrap();
        }
        for h in &self.exact_md5 {
            m.add_hash(a, HashType::Md5, h, None).unwrap();
        }
        for h in &self.pdq {
            m.add_hash(b, HashType::Pdq, h, None).unwrap();
        }
        m
    }

    /// The same banks as a Lifeguard CSV (`hash_type,hash,bank,label`).
    pub fn csv(&self) -> String {
        let mut s = String::from("hash_type,hash,bank,label\n");
        for h in &self.exact_sha256 {
            s += &format!("sha256,{h},seized-exact,series-a\n");
        }
        for h in &self.exact_md5 {
            s += &format!("md5,{h},seized-exact,series-a\n");
        }
        for h in &self.pdq {
            s += &format!("pdq,{h},seized-pdq,series-b\n");
        }
        s
    }
}

/// Expected totals for [`build`]'s corpus (without `misc/growing.log`
/// having been touched: that only adds an error).
pub struct Expected {
    pub files_on_disk: u64,
    pub archive_members: u64,
    pub images: u64,
    pub exact: u64,
    pub pdq: u64,
    pub errors: u64,
    pub skipped: u64,
}

pub const EXPECTED: Expected = Expected {
    // photos 2000 + copies 10 + edited 20 + notes 45 + corrupt 8
    // + misc (empty, holiday, big, growing) 4 + archives 4
    files_on_disk: 2000 + 10 + 20 + 45 + 8 + 4 + 4,
    // nested.zip: readme.txt, a.jpg, inner.tar, inner.tar!b.txt,
    // inner.tar!deep.zip, inner.tar!deep.zip!x.jpg (6); photos.tar.gz:
    // photos.tar and its 3 images (4); bomb.zip: ok.txt (1)
    archive_members: 6 + 4 + 1,
    // photos, copies, edited, holiday, nested a.jpg + x.jpg, tar.gz 3
    images: 2000 + 10 + 20 + 1 + 2 + 3,
    // bank A: photos 0..10, copies 0..10, n0.txt (MD5), deep.zip!x.jpg,
    // photos.tar!known.jpg
    exact: 10 + 10 + 1 + 1 + 1,
    // bank B: 10 resized + 10 recompressed + nested.zip!a.jpg
    pdq: 10 + 10 + 1,
    // 5 truncated JPEGs, 3 broken PNGs, big.jpg (over the decode limit),
    // bomb.zip!zeros.bin, broken.zip
    errors: 5 + 3 + 1 + 1 + 1,
    // links: loop1, loop2, up, out, dangling; misc/pipe
    skipped: 5 + 1,
};

/// Size of `misc/big.jpg` (sparse; over the 128 MiB decode limit).
pub const BIG: u64 = 300 << 20;

/// Writes the corpus under `root/evidence` (and a decoy under
/// `root/outside`, reachable only through a link). Returns the evidence
/// root and the banks.
pub fn build(root: &Path) -> (PathBuf, Banks) {
    let ev = root.join("evidence");
    let outside = root.join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(outside.join("secret.jpg"), photo(0)).unwrap();

    let mut banks = Banks {
        exact_sha256: Vec::new(),
        exact_md5: Vec::new(),
        pdq: Vec::new(),
    };
    for i in 0..PHOTOS {
        let bytes = photo(i as u32);
        write(&ev, &format!("photos/d{:02}/p{i:04}.jpg", i / 100), &bytes);
        if i < EXACT_SEEDS {
            banks.exact_sha256.push(sha256_hex(&bytes));
            // Exact copies under a misleading extension.
            write(&ev, &format!("copies/c{i}.dat"), &bytes);
        }
    }
    for k in 0..=10u32 {
        let original = picture(EDIT_SEEDS + k, 192, 144);
        banks.pdq.push(pdq_hex(&jpeg(&original, 95)));
        if k == 10 {
            continue; // this one's edited copy is inside nested.zip
        }
        let small = image::imageops::resize(&original, 160, 120, image::imageops::Triangle);
        write(&ev, &format!("edited/r{k}.jpg"), &jpeg(&small, 85));
        write(&ev, &format!("edited/q{k}.jpg"), &jpeg(&original, 50));
    }
    for i in 0..40 {
        let text = format!("note {i}: team meeting moved to room {}\n", i % 7);
        if i == 0 {
            banks.exact_md5.push(md5_hex(text.as_bytes()));
        }
        write(&ev, &format!("notes/n{i}.txt"), text.as_bytes());
    }
    for i in 0..5 {
        write(
            &ev,
            &format!("notes/fake{i}.jpg"),
            format!("not a picture {i}\n").as_bytes(),
        );
    }
    for i in 0..5u32 {
        let b = photo(3100 + i);
        write(&ev, &format!("corrupt/t{i}.jpg"), &b[..b.len() * 6 / 10]);
    }
    for i in 0..3 {
        let mut b = b"\x89PNG\r\n\x1a\n".to_vec();
        b.extend(format!("garbage {i} garbage garbage").bytes());
        write(&ev, &format!("corrupt/g{i}.png"), &b);
    }
    write(&ev, "misc/empty.bin", b"");
    write(&ev, "misc/holiday.txt", &photo(3000));
    write(&ev, "misc/growing.log", b"line 1\n");
    {
        let f = std::fs::File::create(ev.join("misc/big.jpg")).unwrap();
        (&f).write_all(b"\xff\xd8\xff\xe0").unwrap();
        f.set_len(BIG).unwrap();
    }
    let fifo = std::ffi::CString::new(ev.join("misc/pipe").to_str().unwrap()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o644) }, 0);

    // Nested: zip > tar > zip > jpeg.
    let edited = image::imageops::resize(
        &picture(EDIT_SEEDS + 10, 192, 144),
        160,
        120,
        image::imageops::Triangle,
    );
    let deep = zip_of(&[("x.jpg", &photo(0))]);
    let inner = tar_of(&[("b.txt", b"shopping list\n"), ("deep.zip", &deep)]);
    let nested = zip_of(&[
        ("readme.txt", b"holiday pictures\n"),
        ("a.jpg", &jpeg(&edited, 85)),
        ("inner.tar", &inner),
    ]);
    write(&ev, "archives/nested.zip", &nested);
    let t = tar_of(&[
        ("i0.jpg", &photo(4000)),
        ("i1.jpg", &photo(4001)),
        ("known.jpg", &photo(1)),
    ]);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&t).unwrap();
    write(&ev, "archives/photos.tar.gz", &gz.finish().unwrap());
    let zeros = vec![0u8; 64 << 20];
    write(
        &ev,
        "archives/bomb.zip",
        &zip_of(&[("zeros.bin", &zeros), ("ok.txt", b"fine\n")]),
    );
    write(
        &ev,
        "archives/broken.zip",
        b"PK\x03\x04 this is not really a zip",
    );

    std::fs::create_dir_all(ev.join("links")).unwrap();
    let l = |target: &Path, name: &str| {
        std::os::unix::fs::symlink(target, ev.join("links").join(name)).unwrap()
    };
    l(Path::new("loop2"), "loop1");
    l(Path::new("loop1"), "loop2");
    l(Path::new(".."), "up");
    l(&outside, "out");
    l(Path::new("does-not-exist"), "dangling");
    (ev, banks)
}

/// Every path under `root` with its size and modification time (links not
/// followed), to show that a scan changed nothing.
pub fn snapshot(root: &Path) -> Vec<(PathBuf, u64, i128)> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_owned()];
    while let Some(d) = stack.pop() {
        let m = std::fs::symlink_metadata(&d).unwrap();
        let mt = m
            .modified()
            .map(|t| t.duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as i128)
            .unwrap_or(0);
        out.push((d.clone(), m.len(), mt));
        if m.is_dir() {
            for e in std::fs::read_dir(&d).unwrap() {
                stack.push(e.unwrap().path());
            }
        }
    }
    out.sort();
    out
}

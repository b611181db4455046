//! Robustness of PDQ matching at threshold 31 on generated pictures: recall
//! under common edits and the false-match rate between unrelated pictures.
//!
//! `cargo run --release -p lifeguard-media --example robustness [-- N]`
//! (N pictures, default 200). The pictures are procedurally generated
//! (gradients with shapes, smooth noise, text-like glyph rows, stripes and
//! checks), 320x240; they are not photographs, and photographs behave
//! differently (more texture, fewer flat areas), so read the table as a
//! regression check, not as field performance.

use image::{imageops, DynamicImage, Rgb, RgbImage};
use lifeguard_media::{
    hash_bytes, pdq_dihedral_from_rgb8, pdq_from_rgb8, HashOptions, Pdq, PdqOptions,
};

const THRESHOLD: u32 = 31;
const W: u32 = 320;
const H: u32 = 240;

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 32) as u32
    }
    fn below(&mut self, n: u32) -> u32 {
        self.next() % n.max(1)
    }
    fn colour(&mut self) -> Rgb<u8> {
        Rgb([
            self.below(256) as u8,
            self.below(256) as u8,
            self.below(256) as u8,
        ])
    }
}

fn fill_rect(img: &mut RgbImage, x0: u32, y0: u32, w: u32, h: u32, c: Rgb<u8>) {
    for y in y0..(y0 + h).min(img.height()) {
        for x in x0..(x0 + w).min(img.width()) {
            img.put_pixel(x, y, c);
        }
    }
}

/// Picture `i`: its family is `i % 4`.
fn picture(i: u32) -> RgbImage {
    let mut rng =
        Rng(0x9e37_79b9_7f4a_7c15 ^ (u64::from(i) + 1).wrapping_mul(0x2545_f491_4f6c_dd1d));
    for _ in 0..4 {
        rng.next();
    }
    let (a, b) = (rng.colour(), rng.colour());
    let mut img = RgbImage::from_fn(W, H, |x, y| {
        let t = (x + y) as f32 / (W + H) as f32;
        Rgb([0, 1, 2].map(|k| (a.0[k] as f32 * (1.0 - t) + b.0[k] as f32 * t) as u8))
    });
    match i % 4 {
        0 => {
            // Gradient with filled circles and rectangles.
            for _ in 0..(4 + rng.below(8)) {
                let (cx, cy, r) = (
                    rng.below(W) as i64,
                    rng.below(H) as i64,
                    10 + rng.below(60) as i64,
                );
                let c = rng.colour();
                if rng.below(2) == 0 {
                    fill_rect(&mut img, cx as u32, cy as u32, r as u32 * 2, r as u32, c);
                } else {
                    for y in (cy - r).max(0)..(cy + r).min(H as i64) {
                        for x in (cx - r).max(0)..(cx + r).min(W as i64) {
                            if (x - cx).pow(2) + (y - cy).pow(2) <= r * r {
                                img.put_pixel(x as u32, y as u32, c);
                            }
                        }
                    }
                }
            }
        }
        1 => {
            // Smooth value noise: a coarse random grid, bilinearly upsampled.
            let g = 4 + rng.below(6);
            let grid: Vec<[f32; 3]> = (0..(g + 1) * (g + 1))
                .map(|_| {
                    [
                        rng.below(256) as f32,
                        rng.below(256) as f32,
                        rng.below(256) as f32,
                    ]
                })
                .collect();
            for (x, y, p) in img.enumerate_pixels_mut() {
                let fx = x as f32 / W as f32 * g as f32;
                let fy = y as f32 / H as f32 * g as f32;
                let (ix, iy) = (fx as u32, fy as u32);
                let (tx, ty) = (fx - ix as f32, fy - iy as f32);
                let at = |gx: u32, gy: u32| grid[(gy * (g + 1) + gx) as usize];
                for k in 0..3 {
                    let v = at(ix, iy)[k] * (1.0 - tx) * (1.0 - ty)
                        + at(ix + 1, iy)[k] * tx * (1.0 - ty)
                        + at(ix, iy + 1)[k] * (1.0 - tx) * ty
                        + at(ix + 1, iy + 1)[k] * tx * ty;
                    p.0[k] = v as u8;
                }
            }
        }
        2 => {
            // Text-like: rows of small dark "glyph" blocks on a light page.
            let page = Rgb([
                230 + rng.below(25) as u8,
                225 + rng.below(30) as u8,
                210 + rng.below(45) as u8,
            ]);
            fill_rect(&mut img, 0, 0, W, H, page);
            let ink = Rgb([
                rng.below(60) as u8,
                rng.below(60) as u8,
                rng.below(90) as u8,
            ]);
            let line_h = 12 + rng.below(10);
            let mut y = 8 + rng.below(20);
            while y + line_h < H - 8 {
                let mut x = 10 + rng.below(20);
                let end = W - 10 - rng.below(80);
                while x < end {
                    let gw = 3 + rng.below(7);
                    let gh = line_h / 2 + rng.below(line_h / 2);
                    fill_rect(&mut img, x, y + line_h - gh, gw, gh, ink);
                    x += gw + 2 + if rng.below(6) == 0 { 8 } else { 0 };
                }
                y += line_h + 4 + rng.below(8);
            }
        }
        _ => {
            // Stripes or checks at a random scale, with a shape on top.
            let p = 8 + rng.below(40);
            let q = 8 + rng.below(40);
            let check = rng.below(2) == 0;
            let (c1, c2) = (rng.colour(), rng.colour());
            for (x, y, px) in img.enumerate_pixels_mut() {
                let on = if check {
                    (x / p + y / q) & 1 == 0
                } else {
                    ((x + y / 2) / p) & 1 == 0
                };
                if on {
                    *px = c1;
                } else if rng.0 & 1 == 0 {
                    *px = c2;
                }
            }
            let c = rng.colour();
            fill_rect(
                &mut img,
                rng.below(W / 2),
                rng.below(H / 2),
                40 + rng.below(100),
                30 + rng.below(80),
                c,
            );
        }
    }
    img
}

fn pdq(img: &RgbImage) -> Pdq {
    pdq_from_rgb8(
        img.as_raw(),
        img.width(),
        img.height(),
        &PdqOptions::default(),
    )
    .hash
}

fn jpeg(img: &RgbImage, quality: u8) -> Pdq {
    let mut out = Vec::new();
    let enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality);
    img.write_with_encoder(enc).unwrap();
    hash_bytes(&out, &HashOptions::default()).unwrap().pdq
}

fn crop(img: &RgbImage, frac: f32) -> RgbImage {
    let (dx, dy) = (
        (W as f32 * frac / 2.0) as u32,
        (H as f32 * frac / 2.0) as u32,
    );
    imageops::crop_imm(img, dx, dy, W - 2 * dx, H - 2 * dy).to_image()
}

fn overlay(img: &RgbImage) -> RgbImage {
    // A watermark-sized label (12% by 10% of the picture) in the bottom right.
    let mut o = img.clone();
    let (w, h) = (W * 12 / 100, H / 10);
    fill_rect(&mut o, W - w - 6, H - h - 6, w, h, Rgb([250, 250, 250]));
    fill_rect(&mut o, W - w, H - h, w - 12, 3, Rgb([20, 20, 20]));
    o
}

fn median(v: &mut [u32]) -> u32 {
    v.sort_unstable();
    v[v.len() / 2]
}

fn main() {
    let n: u32 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(200);
    let pictures: Vec<RgbImage> = (0..n).map(picture).collect();
    let originals: Vec<Pdq> = pictures.iter().map(pdq).collect();
    let dihedral: Vec<[Pdq; 8]> = pictures
        .iter()
        .map(|p| pdq_dihedral_from_rgb8(p.as_raw(), W, H, &PdqOptions::default()).hashes)
        .collect();

    type Edit<'a> = (&'static str, Box<dyn Fn(usize, &RgbImage) -> u32 + 'a>);
    let o = &originals;
    let dh = &dihedral;
    let edits: Vec<Edit> = vec![
        (
            "resize to 50% (triangle filter)",
            Box::new(|i, p| {
                o[i].hamming(&pdq(&imageops::resize(
                    p,
                    W / 2,
                    H / 2,
                    imageops::FilterType::Triangle,
                )))
            }),
        ),
        (
            "JPEG quality 50",
            Box::new(|i, p| o[i].hamming(&jpeg(p, 50))),
        ),
        (
            "crop 5% (2.5% off each edge)",
            Box::new(|i, p| o[i].hamming(&pdq(&crop(p, 0.05)))),
        ),
        (
            "greyscale",
            Box::new(|i, p| {
                o[i].hamming(&pdq(
                    &DynamicImage::ImageLuma8(imageops::grayscale(p)).to_rgb8()
                ))
            }),
        ),
        (
            "rotate 90°, plain hash vs original",
            Box::new(|i, p| o[i].hamming(&pdq(&imageops::rotate90(p)))),
        ),
        (
            "rotate 90°, vs original's 8 dihedral hashes",
            Box::new(|i, p| {
                let r = pdq(&imageops::rotate90(p));
                dh[i].iter().map(|d| d.hamming(&r)).min().unwrap()
            }),
        ),
        (
            "small overlay (12% x 10% label in a corner)",
            Box::new(|i, p| o[i].hamming(&pdq(&overlay(p)))),
        ),
    ];

    println!("PDQ at threshold {THRESHOLD} over {n} generated pictures ({W}x{H}; 4 families: shapes, smooth noise, text-like, stripes/checks)");
    println!();
    println!("| edit | recall (distance <= {THRESHOLD}) | median distance | max distance | shapes | smooth noise | text-like | stripes/checks |");
    println!("|---|---|---|---|---|---|---|---|");
    for (name, f) in &edits {
        let mut d: Vec<u32> = pictures.iter().enumerate().map(|(i, p)| f(i, p)).collect();
        let hits = d.iter().filter(|&&x| x <= THRESHOLD).count();
        let max = *d.iter().max().unwrap();
        let fam: Vec<String> = (0..4)
            .map(|f| {
                let v: Vec<u32> = d.iter().skip(f).step_by(4).copied().collect();
                let h = v.iter().filter(|&&x| x <= THRESHOLD).count();
                format!("{:.0}%", 100.0 * h as f64 / v.len().max(1) as f64)
            })
            .collect();
        println!(
            "| {name} | {:.1}% ({hits}/{n}) | {} | {max} | {} |",
            100.0 * hits as f64 / n as f64,
            median(&mut d),
            fam.join(" | ")
        );
    }
    let mut pairs = Vec::new();
    for i in 0..originals.len() {
        for j in i + 1..originals.len() {
            pairs.push(originals[i].hamming(&originals[j]));
        }
    }
    let false_matches = pairs.iter().filter(|&&d| d <= THRESHOLD).count();
    let min = *pairs.iter().min().unwrap();
    println!(
        "| unrelated pairs: false-match rate | {:.3}% ({false_matches}/{} pairs) | {} | min {min} | | | | |",
        100.0 * false_matches as f64 / pairs.len() as f64,
        pairs.len(),
        median(&mut pairs)
    );
    // Within a family the pictures share a layout (text pages especially),
    // which is where false matches come from if any.
    for fam in 0..4u32 {
        let mut within = Vec::new();
        for i in (fam..n).step_by(4) {
            for j in (i + 4..n).step_by(4) {
                within.push(originals[i as usize].hamming(&originals[j as usize]));
            }
        }
        let fm = within.iter().filter(|&&d| d <= THRESHOLD).count();
        let name = ["shapes", "smooth noise", "text-like", "stripes/checks"][fam as usize];
        println!(
            "| unrelated pairs within family {name} | {:.3}% ({fm}/{}) | {} | min {} | | | | |",
            100.0 * fm as f64 / within.len().max(1) as f64,
            within.len(),
            median(&mut within.clone()),
            within.iter().min().unwrap_or(&0)
        );
    }
}

//! PDQ perceptual hashing, bit-exact with Meta's reference C++ core.
//!
//! The pipeline follows `pdq/cpp/hashing/pdqhashing.cpp`,
//! `pdq/cpp/downscaling/downscaling.cpp` and `pdq/cpp/hashing/torben.cpp`
//! from facebook/ThreatExchange, step for step and in `f32` wherever the
//! reference uses `float`, so that the same decoded pixels give the same
//! 256 bits and the same quality score:
//!
//! 1. RGB to luminance with `0.299 R + 0.587 G + 0.114 B` ([`LumaMode`]).
//! 2. Two passes of a Jarosz tent filter: a 1-D box filter along rows then
//!    along columns, each twice, with window `ceil(dim / 128)` computed as the
//!    reference computes it, and the reference's running-sum arithmetic
//!    (add, then subtract, then divide by the current window size).
//! 3. Decimation to 64x64 at sample centres.
//! 4. Quality: the gradient sum with the reference's integer truncation,
//!    divided by 90 and clamped to 100.
//! 5. The 16x64 DCT-II basis matrix, `D A Dᵀ` with sequential `f32` sums.
//! 6. Torben's median of the 256 coefficients; bit set where a coefficient is
//!    strictly greater than the median.
//!
//! Running sums are path dependent in floating point, so every output value
//! is produced by exactly the reference's sequence of operations. The speed-ups
//! here only change *which* values get computed (the last two passes keep only
//! the 64 sampled columns and rows) and the memory layout (the column pass
//! updates whole rows of running sums at once, which vectorises), never the
//! arithmetic of a value that is kept.

mod hash;

pub use hash::{Pdq, PdqParseError};

use std::sync::OnceLock;

/// How RGB pixels become the luminance plane the hash is computed on.
///
/// Both use the reference's coefficients `0.299, 0.587, 0.114`; they differ
/// only in the last bit of some luminance values, which very rarely flips a
/// hash bit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum LumaMode {
    /// The C++ core's `fillFloatLumaFromRGB`: `float` coefficients, `float`
    /// products and sums.
    #[default]
    Float32,
    /// The `pdqhash` Python binding used by python-threatexchange and HMA:
    /// numpy computes `R*0.299 + G*0.587 + B*0.114` in `float64`, then casts
    /// to `float32` before calling the same C++ core.
    Float64,
}

/// Settings for the PDQ computation itself (decoding has its own).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PdqOptions {
    /// Luminance arithmetic; see [`LumaMode`].
    pub luma: LumaMode,
    /// Worker threads for the full-resolution filter passes (1 = run on the
    /// calling thread only). Results are identical for any value.
    pub threads: usize,
}

impl Default for PdqOptions {
    fn default() -> Self {
        PdqOptions {
            luma: LumaMode::default(),
            threads: 1,
        }
    }
}

/// A PDQ hash with its quality score.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PdqOutput {
    /// The 256-bit hash.
    pub hash: Pdq,
    /// Reference quality metric, 0..=100 (below 50 is usually too flat to
    /// match on).
    pub quality: u8,
}

/// Names of the eight dihedral variants, in the reference's order.
pub const DIHEDRAL_NAMES: [&str; 8] = [
    "original",
    "rot90",
    "rot180",
    "rot270",
    "flipX",
    "flipY",
    "flipPlusOneDiagonal",
    "flipMinusOneDiagonal",
];

/// The eight dihedral PDQ hashes of one image, derived from its DCT output
/// as the reference's `pdqDihedralHash256esFromFloatLuma` does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PdqDihedral {
    /// Hashes in [`DIHEDRAL_NAMES`] order: original, rot90, rot180, rot270,
    /// flipX, flipY, flipPlusOneDiagonal, flipMinusOneDiagonal.
    pub hashes: [Pdq; 8],
    /// Quality score (same for all eight).
    pub quality: u8,
}

/// Smallest side the reference hashes; smaller images get the zero hash
/// and quality 0.
pub const MIN_HASHABLE_DIM: u32 = 5;

/// Hashes an interleaved 8-bit RGB buffer (`width * height * 3` bytes).
///
/// # Panics
/// If `rgb.len() != width * height * 3`.
pub fn pdq_from_rgb8(rgb: &[u8], width: u32, height: u32, opts: &PdqOptions) -> PdqOutput {
    let (w, h) = (width as usize, height as usize);
    assert_eq!(
        rgb.len(),
        w * h * 3,
        "RGB buffer size does not match dimensions"
    );
    if width < MIN_HASHABLE_DIM || height < MIN_HASHABLE_DIM {
        return PdqOutput {
            hash: Pdq::ZERO,
            quality: 0,
        };
    }
    let fill = rgb_row_filler(rgb, w, opts.luma);
    // The reference's non-dihedral entry point skips filtering for inputs that
    // are already 64x64.
    let buf = if w == 64 && h == 64 {
        let mut b = Box::new([[0f32; 64]; 64]);
        for (r, row) in b.iter_mut().enumerate() {
            fill(r, row);
        }
        b
    } else {
        downsample_64(&fill, h, w, opts.threads)
    };
    let quality = quality_metric(&buf);
    let dct = dct64_to_16(&buf);
    PdqOutput {
        hash: bits_from_dct(&dct),
        quality,
    }
}

/// Computes the eight dihedral hashes of an interleaved 8-bit RGB buffer.
///
/// Like the reference, the dihedral entry point always filters (even for a
/// 64x64 input), and the transforms act on the 16x16 DCT output rather than
/// on re-hashed rotated pixels.
///
/// # Panics
/// If `rgb.len() != width * height * 3`.
pub fn pdq_dihedral_from_rgb8(
    rgb: &[u8],
    width: u32,
    height: u32,
    opts: &PdqOptions,
) -> PdqDihedral {
    let (w, h) = (width as usize, height as usize);
    assert_eq!(
        rgb.len(),
        w * h * 3,
        "RGB buffer size does not match dimensions"
    );
    if width < MIN_HASHABLE_DIM || height < MIN_HASHABLE_DIM {
        return PdqDihedral {
            hashes: [Pdq::ZERO; 8],
            quality: 0,
        };
    }
    let fill = rgb_row_filler(rgb, w, opts.luma);
    let buf = downsample_64(&fill, h, w, opts.threads);
    let quality = quality_metric(&buf);
    let dct = dct64_to_16(&buf);
    PdqDihedral {
        hashes: dihedral_from_dct(&dct),
        quality,
    }
}

/// Hashes a row-major luminance plane (values nominally 0..=255), as the
/// reference's `pdqHash256FromFloatLuma` does.
///
/// # Panics
/// If `luma.len() != width * height`.
pub fn pdq_from_luma(luma: &[f32], width: u32, height: u32, threads: usize) -> PdqOutput {
    let (w, h) = (width as usize, height as usize);
    assert_eq!(
        luma.len(),
        w * h,
        "luma buffer size does not match dimensions"
    );
    if width < MIN_HASHABLE_DIM || height < MIN_HASHABLE_DIM {
        return PdqOutput {
            hash: Pdq::ZERO,
            quality: 0,
        };
    }
    let fill = |r: usize, out: &mut [f32]| out.copy_from_slice(&luma[r * w..(r + 1) * w]);
    let buf = if w == 64 && h == 64 {
        let mut b = Box::new([[0f32; 64]; 64]);
        for (r, row) in b.iter_mut().enumerate() {
            fill(r, row);
        }
        b
    } else {
        downsample_64(&fill, h, w, threads)
    };
    let quality = quality_metric(&buf);
    PdqOutput {
        hash: bits_from_dct(&dct64_to_16(&buf)),
        quality,
    }
}

// ---------------------------------------------------------------------------
// Luminance

fn rgb_row_filler(rgb: &[u8], w: usize, mode: LumaMode) -> impl Fn(usize, &mut [f32]) + Sync + '_ {
    move |r: usize, out: &mut [f32]| {
        let src = &rgb[r * w * 3..(r + 1) * w * 3];
        match mode {
            LumaMode::Float32 => {
                for (o, p) in out.iter_mut().zip(src.chunks_exact(3)) {
                    *o = 0.299f32 * p[0] as f32 + 0.587f32 * p[1] as f32 + 0.114f32 * p[2] as f32;
                }
            }
            LumaMode::Float64 => {
                for (o, p) in out.iter_mut().zip(src.chunks_exact(3)) {
                    *o = (p[0] as f64 * 0.299 + p[1] as f64 * 0.587 + p[2] as f64 * 0.114) as f32;
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Jarosz filter and decimation

/// `computeJaroszFilterWindowSize`: round-up of `old / (2 * new)`.
fn window_size(old_dim: usize, new_dim: usize) -> usize {
    old_dim.div_ceil(2 * new_dim)
}

/// Phase lengths of the reference's `box1DFloat`.
#[derive(Clone, Copy)]
struct BoxPhases {
    p1: usize,
    p2: usize,
    p3: usize,
    p4: usize,
}

impl BoxPhases {
    fn new(len: usize, full_window: usize) -> Self {
        let half = (full_window + 2) / 2;
        BoxPhases {
            p1: half - 1,
            p2: full_window - half + 1,
            p3: len - full_window,
            p4: half - 1,
        }
    }
}

/// One 1-D box pass over a contiguous vector (the reference's `box1DFloat`
/// with stride 1).
fn box_row(input: &[f32], out: &mut [f32], full_window: usize) {
    let ph = BoxPhases::new(input.len(), full_window);
    let mut sum = 0f32;
    let mut n = 0usize;
    let (mut li, mut ri, mut oi) = (0usize, 0usize, 0usize);
    for _ in 0..ph.p1 {
        sum += input[ri];
        n += 1;
        ri += 1;
    }
    for _ in 0..ph.p2 {
        sum += input[ri];
        n += 1;
        out[oi] = sum / n as f32;
        ri += 1;
        oi += 1;
    }
    let nf = n as f32;
    for _ in 0..ph.p3 {
        sum += input[ri];
        sum -= input[li];
        out[oi] = sum / nf;
        li += 1;
        ri += 1;
        oi += 1;
    }
    for _ in 0..ph.p4 {
        sum -= input[li];
        n -= 1;
        out[oi] = sum / n as f32;
        li += 1;
        oi += 1;
    }
}

/// Rows filtered together by [`box_rows`].
const LANES: usize = 8;

/// [`box_row`] on several consecutive rows (`input.len() / cols` of them).
///
/// Each row's running sum is a chain of dependent additions, so one row at a
/// time is bound by floating-point latency. Here up to [`LANES`] rows advance
/// in lockstep: every row still sees exactly the reference's sequence of
/// operations, but the independent chains overlap in the pipeline.
fn box_rows(input: &[f32], out: &mut [f32], cols: usize, full_window: usize) {
    let n = input.len() / cols;
    if n != LANES {
        for (i, o) in input.chunks_exact(cols).zip(out.chunks_exact_mut(cols)) {
            box_row(i, o, full_window);
        }
        return;
    }
    let ph = BoxPhases::new(cols, full_window);
    let mut sum = [0f32; LANES];
    let mut count = 0usize;
    let (mut li, mut ri) = (0usize, 0usize);
    let mut oi = 0usize;
    for _ in 0..ph.p1 {
        for (l, s) in sum.iter_mut().enumerate() {
            *s += input[l * cols + ri];
        }
        count += 1;
        ri += 1;
    }
    for _ in 0..ph.p2 {
        count += 1;
        let nf = count as f32;
        for (l, s) in sum.iter_mut().enumerate() {
            *s += input[l * cols + ri];
            out[l * cols + oi] = *s / nf;
        }
        ri += 1;
        oi += 1;
    }
    let nf = count as f32;
    for _ in 0..ph.p3 {
        for (l, s) in sum.iter_mut().enumerate() {
            *s += input[l * cols + ri];
            *s -= input[l * cols + li];
            out[l * cols + oi] = *s / nf;
        }
        li += 1;
        ri += 1;
        oi += 1;
    }
    for _ in 0..ph.p4 {
        count -= 1;
        let nf = count as f32;
        for (l, s) in sum.iter_mut().enumerate() {
            *s -= input[l * cols + li];
            out[l * cols + oi] = *s / nf;
        }
        li += 1;
        oi += 1;
    }
}

/// Second row pass on consecutive rows, keeping only the 64 sampled columns.
fn rows_to_narrow(
    src: &[f32],
    cols: usize,
    w: usize,
    col_idx: &[usize; 64],
    scratch: &mut [f32],
    dst: &mut [[f32; 64]],
) {
    for (group, d) in src.chunks(LANES * cols).zip(dst.chunks_mut(LANES)) {
        let out = &mut scratch[..group.len()];
        box_rows(group, out, cols, w);
        for (row, drow) in out.chunks_exact(cols).zip(d.iter_mut()) {
            for (v, &c) in drow.iter_mut().zip(col_idx.iter()) {
                *v = row[c];
            }
        }
    }
}

/// One 1-D box pass down every column of a strip at once. Each column sees
/// exactly the reference's `box1DFloat` sequence; doing whole rows at a time
/// only changes memory order (and lets the compiler vectorise).
///
/// `row(i)` returns input row `i` restricted to the strip; `emit(i, v)`
/// receives output row `i`.
fn box_cols<'a, R, E>(rows: usize, width: usize, full_window: usize, row: R, mut emit: E)
where
    R: Fn(usize) -> &'a [f32],
    E: FnMut(usize, &[f32]),
{
    let ph = BoxPhases::new(rows, full_window);
    let mut sums = vec![0f32; width];
    let mut out = vec![0f32; width];
    let mut n = 0usize;
    let (mut li, mut ri, mut oi) = (0usize, 0usize, 0usize);
    for _ in 0..ph.p1 {
        for (s, &x) in sums.iter_mut().zip(row(ri)) {
            *s += x;
        }
        n += 1;
        ri += 1;
    }
    for _ in 0..ph.p2 {
        n += 1;
        let nf = n as f32;
        for ((s, o), &x) in sums.iter_mut().zip(out.iter_mut()).zip(row(ri)) {
            *s += x;
            *o = *s / nf;
        }
        emit(oi, &out);
        ri += 1;
        oi += 1;
    }
    let nf = n as f32;
    for _ in 0..ph.p3 {
        let (add, sub) = (row(ri), row(li));
        for (((s, o), &a), &b) in sums.iter_mut().zip(out.iter_mut()).zip(add).zip(sub) {
            *s += a;
            *s -= b;
            *o = *s / nf;
        }
        emit(oi, &out);
        li += 1;
        ri += 1;
        oi += 1;
    }
    for _ in 0..ph.p4 {
        n -= 1;
        let nf = n as f32;
        for ((s, o), &b) in sums.iter_mut().zip(out.iter_mut()).zip(row(li)) {
            *s -= b;
            *o = *s / nf;
        }
        emit(oi, &out);
        li += 1;
        oi += 1;
    }
}

/// `decimateFloat` sample index: `(int)(((out + 0.5) * in_dim) / out_dim)`.
fn sample_indices(in_dim: usize) -> [usize; 64] {
    let mut idx = [0usize; 64];
    for (o, v) in idx.iter_mut().enumerate() {
        *v = (((o as f64 + 0.5) * in_dim as f64) / 64.0) as usize;
    }
    idx
}

/// Runs `jaroszFilterFloat` (two row+column passes) and `decimateFloat` to
/// 64x64, keeping only what the decimation reads.
fn downsample_64<F>(fill_row: &F, rows: usize, cols: usize, threads: usize) -> Box<[[f32; 64]; 64]>
where
    F: Fn(usize, &mut [f32]) + Sync,
{
    let win_along_rows = window_size(cols, 64);
    let win_along_cols = window_size(rows, 64);
    let col_idx = sample_indices(cols);
    let row_idx = sample_indices(rows);
    let threads = threads.clamp(1, 64).min(rows.div_ceil(64).max(1));

    // Pass 1 along rows, fused with the luminance conversion.
    let mut pass1 = vec![0f32; rows * cols];
    let band_rows = rows.div_ceil(threads).next_multiple_of(LANES);
    let row_pass1 = |first_row: usize, band: &mut [f32]| {
        let mut luma = vec![0f32; LANES * cols];
        for (g, out) in band.chunks_mut(LANES * cols).enumerate() {
            let n = out.len() / cols;
            for (k, l) in luma.chunks_exact_mut(cols).take(n).enumerate() {
                fill_row(first_row + g * LANES + k, l);
            }
            box_rows(&luma[..n * cols], out, cols, win_along_rows);
        }
    };
    if threads == 1 {
        row_pass1(0, &mut pass1);
    } else {
        std::thread::scope(|s| {
            for (b, band) in pass1.chunks_mut(band_rows * cols).enumerate() {
                let f = &row_pass1;
                s.spawn(move || f(b * band_rows, band));
            }
        });
    }

    // Pass 1 along columns, then pass 2 along rows keeping only the 64
    // sampled columns: `narrow` is rows x 64.
    let mut narrow = vec![[0f32; 64]; rows];
    if threads == 1 {
        // Stream: finished column-pass rows go (in groups of LANES) straight
        // into the second row pass, so no second full-size buffer is needed.
        let mut ring = vec![0f32; LANES * cols];
        let mut scratch = vec![0f32; LANES * cols];
        let mut pending = 0usize;
        box_cols(
            rows,
            cols,
            win_along_cols,
            |i| &pass1[i * cols..(i + 1) * cols],
            |i, v| {
                ring[pending * cols..(pending + 1) * cols].copy_from_slice(v);
                pending += 1;
                if pending == LANES {
                    let first = i + 1 - LANES;
                    rows_to_narrow(
                        &ring,
                        cols,
                        win_along_rows,
                        &col_idx,
                        &mut scratch,
                        &mut narrow[first..=i],
                    );
                    pending = 0;
                }
            },
        );
        if pending > 0 {
            let first = rows - pending;
            rows_to_narrow(
                &ring[..pending * cols],
                cols,
                win_along_rows,
                &col_idx,
                &mut scratch,
                &mut narrow[first..],
            );
        }
    } else {
        let mut pass1c = vec![0f32; rows * cols];
        let strip = cols.div_ceil(threads);
        // Hand each thread its own column strip of every output row.
        let mut strips: Vec<Vec<&mut [f32]>> =
            (0..threads).map(|_| Vec::with_capacity(rows)).collect();
        for out_row in pass1c.chunks_mut(cols) {
            let mut rest = out_row;
            for s in strips.iter_mut() {
                let take = strip.min(rest.len());
                let (a, b) = rest.split_at_mut(take);
                s.push(a);
                rest = b;
            }
        }
        let src = &pass1;
        std::thread::scope(|s| {
            for (t, mut outs) in strips.into_iter().enumerate() {
                let c0 = (t * strip).min(cols);
                let c1 = ((t + 1) * strip).min(cols);
                if c0 == c1 {
                    continue;
                }
                s.spawn(move || {
                    box_cols(
                        rows,
                        c1 - c0,
                        win_along_cols,
                        |i| &src[i * cols + c0..i * cols + c1],
                        |i, v| outs[i].copy_from_slice(v),
                    );
                });
            }
        });
        drop(pass1);
        std::thread::scope(|s| {
            for (band, dst) in pass1c
                .chunks(band_rows * cols)
                .zip(narrow.chunks_mut(band_rows))
            {
                let col_idx = &col_idx;
                s.spawn(move || {
                    let mut scratch = vec![0f32; LANES * cols];
                    rows_to_narrow(band, cols, win_along_rows, col_idx, &mut scratch, dst);
                });
            }
        });
    }

    // Pass 2 along the 64 kept columns, keeping only the 64 sampled rows.
    let mut out = Box::new([[0f32; 64]; 64]);
    let mut next = 0usize;
    box_cols(
        rows,
        64,
        win_along_cols,
        |i| &narrow[i][..],
        |i, v| {
            while next < 64 && row_idx[next] == i {
                out[next].copy_from_slice(v);
                next += 1;
            }
        },
    );
    out
}

// ---------------------------------------------------------------------------
// Quality, DCT, median, bits

/// `pdqImageDomainQualityMetric`, including the truncation of each scaled
/// difference to `int` before taking its absolute value.
fn quality_metric(buf: &[[f32; 64]; 64]) -> u8 {
    let mut gradient_sum: i32 = 0;
    let scaled = |u: f32, v: f32| (((u - v) * 100f32) / 255f32) as i32;
    for (upper, lower) in buf.iter().zip(buf.iter().skip(1)) {
        for (&u, &v) in upper.iter().zip(lower.iter()) {
            gradient_sum += scaled(u, v).abs();
        }
    }
    for row in buf.iter() {
        for (&u, &v) in row.iter().zip(row.iter().skip(1)) {
            gradient_sum += scaled(u, v).abs();
        }
    }
    (gradient_sum / 90).min(100) as u8
}

/// The 16x64 DCT-II matrix as the reference builds it: a `float` scale
/// factor times a `double` cosine, stored as `float`.
fn dct_matrix() -> &'static [[f32; 64]; 16] {
    static M: OnceLock<[[f32; 64]; 16]> = OnceLock::new();
    M.get_or_init(|| {
        let scale = (2.0f64 / 64.0).sqrt() as f32;
        let mut m = [[0f32; 64]; 16];
        for (i, row) in m.iter_mut().enumerate() {
            for (j, v) in row.iter_mut().enumerate() {
                let angle =
                    (std::f64::consts::PI / 2.0 / 64.0) * (i + 1) as f64 * (2 * j + 1) as f64;
                *v = (scale as f64 * angle.cos()) as f32;
            }
        }
        m
    })
}

/// `dct64To16`: `B = D A Dᵀ` with `T = D A`, each entry a sequential `f32`
/// sum over `k = 0..63` as in the reference.
fn dct64_to_16(a: &[[f32; 64]; 64]) -> [[f32; 16]; 16] {
    let d = dct_matrix();
    let mut t = [[0f32; 64]; 16];
    for (ti, di) in t.iter_mut().zip(d.iter()) {
        // Accumulate row by row of A: for each (i, j) the additions still
        // happen in k order, exactly like the reference's inner loop.
        for (k, ak) in a.iter().enumerate() {
            let dik = di[k];
            for (tij, &akj) in ti.iter_mut().zip(ak.iter()) {
                *tij += dik * akj;
            }
        }
    }
    let mut b = [[0f32; 16]; 16];
    for (bi, ti) in b.iter_mut().zip(t.iter()) {
        for (bij, dj) in bi.iter_mut().zip(d.iter()) {
            let mut s = 0f32;
            for k in 0..64 {
                s += ti[k] * dj[k];
            }
            *bij = s;
        }
    }
    b
}

/// Torben Mogensen's median (N. Devillard's implementation, as in the
/// reference's `torben.cpp`): returns the lower median for even `n`.
fn torben(m: &[f32]) -> f32 {
    let n = m.len();
    let half = n.div_ceil(2);
    let mut min = m[0];
    let mut max = m[0];
    for &v in &m[1..] {
        if v < min {
            min = v;
        }
        if v > max {
            max = v;
        }
    }
    let (mut less, mut greater, mut equal);
    let (mut guess, mut maxltguess, mut mingtguess);
    loop {
        guess = (min + max) / 2f32;
        less = 0usize;
        greater = 0usize;
        equal = 0usize;
        maxltguess = min;
        mingtguess = max;
        for &v in m {
            if v < guess {
                less += 1;
                if v > maxltguess {
                    maxltguess = v;
                }
            } else if v > guess {
                greater += 1;
                if v < mingtguess {
                    mingtguess = v;
                }
            } else {
                equal += 1;
            }
        }
        if less <= half && greater <= half {
            break;
        } else if less > greater {
            max = maxltguess;
        } else {
            min = mingtguess;
        }
    }
    if less >= half {
        maxltguess
    } else if less + equal >= half {
        guess
    } else {
        mingtguess
    }
}

/// `pdqBuffer16x16ToBits`.
fn bits_from_dct(b: &[[f32; 16]; 16]) -> Pdq {
    let flat: Vec<f32> = b.iter().flatten().copied().collect();
    let median = torben(&flat);
    let mut h = Pdq::ZERO;
    for (k, &v) in flat.iter().enumerate() {
        if v > median {
            h.set_bit(k);
        }
    }
    h
}

/// The reference's `dct16OriginalTo*` transforms, applied to the DCT output.
fn dihedral_from_dct(a: &[[f32; 16]; 16]) -> [Pdq; 8] {
    // (transpose?, keep-sign rule) per variant; the rule gets the source (i, j).
    let mut out = [Pdq::ZERO; 8];
    type SignRule = fn(usize, usize) -> bool;
    let variants: [(bool, SignRule); 8] = [
        (false, |_, _| true),             // original
        (true, |_, j| j & 1 == 1),        // rot90: keep sign where j odd
        (false, |i, j| (i + j) & 1 == 0), // rot180
        (true, |i, _| i & 1 == 1),        // rot270
        (false, |i, _| i & 1 == 1),       // flipX
        (false, |_, j| j & 1 == 1),       // flipY
        (true, |_, _| true),              // flipPlus1
        (true, |i, j| (i + j) & 1 == 0),  // flipMinus1
    ];
    for (slot, (transpose, keep)) in out.iter_mut().zip(variants.iter()) {
        let mut b = [[0f32; 16]; 16];
        for i in 0..16 {
            for j in 0..16 {
                let v = if keep(i, j) { a[i][j] } else { -a[i][j] };
                if *transpose {
                    b[j][i] = v;
                } else {
                    b[i][j] = v;
                }
            }
        }
        *slot = bits_from_dct(&b);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_sizes_match_reference_formula() {
        assert_eq!(window_size(1024, 64), 8);
        assert_eq!(window_size(1025, 64), 9);
        assert_eq!(window_size(26, 64), 1);
        assert_eq!(window_size(128, 64), 1);
        assert_eq!(window_size(129, 64), 2);
    }

    #[test]
    fn box_row_matches_reference_comment_example() {
        // The worked example in downscaling.cpp (window 7 over 0..15) gives
        // sums 6,10,15,21,28,...; outputs are those sums over window counts.
        let input: Vec<f32> = (0..16).map(|x| x as f32).collect();
        let mut out = vec![0f32; 16];
        box_row(&input, &mut out, 7);
        let sums = [
            6, 10, 15, 21, 28, 35, 42, 49, 56, 63, 70, 77, 84, 75, 65, 54,
        ];
        let counts = [4, 5, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 6, 5, 4];
        for k in 0..16 {
            assert_eq!(out[k], sums[k] as f32 / counts[k] as f32, "k={k}");
        }
    }

    #[test]
    fn box_cols_equals_box_row_per_column() {
        let (rows, cols) = (37usize, 11usize);
        let data: Vec<f32> = (0..rows * cols)
            .map(|x| ((x * 7919) % 255) as f32 * 0.37)
            .collect();
        for w in [1usize, 2, 3, 4, 7, 8] {
            let mut by_cols = vec![0f32; rows * cols];
            box_cols(
                rows,
                cols,
                w,
                |i| &data[i * cols..(i + 1) * cols],
                |i, v| by_cols[i * cols..(i + 1) * cols].copy_from_slice(v),
            );
            for c in 0..cols {
                let col: Vec<f32> = (0..rows).map(|r| data[r * cols + c]).collect();
                let mut out = vec![0f32; rows];
                box_row(&col, &mut out, w);
                for r in 0..rows {
                    assert_eq!(out[r].to_bits(), by_cols[r * cols + c].to_bits());
                }
            }
        }
    }

    #[test]
    fn box_rows_lockstep_equals_box_row() {
        let cols = 203usize;
        let data: Vec<f32> = (0..LANES * cols)
            .map(|x| ((x * 7919) % 251) as f32 * 0.731)
            .collect();
        for w in [1usize, 2, 5, 8] {
            let mut a = vec![0f32; LANES * cols];
            box_rows(&data, &mut a, cols, w);
            for r in 0..LANES {
                let mut b = vec![0f32; cols];
                box_row(&data[r * cols..(r + 1) * cols], &mut b, w);
                let same = a[r * cols..(r + 1) * cols]
                    .iter()
                    .zip(&b)
                    .all(|(x, y)| x.to_bits() == y.to_bits());
                assert!(same, "w={w} row={r}");
            }
        }
    }

    #[test]
    fn torben_is_lower_median() {
        let v: Vec<f32> = vec![5.0, 1.0, 4.0, 2.0, 3.0, 6.0];
        assert_eq!(torben(&v), 3.0);
        let v: Vec<f32> = vec![5.0, 1.0, 4.0, 2.0, 3.0];
        assert_eq!(torben(&v), 3.0);
        assert_eq!(torben(&[7.0; 256]), 7.0);
    }

    #[test]
    fn threads_do_not_change_results() {
        let (w, h) = (517u32, 389u32);
        let mut rgb = vec![0u8; (w * h * 3) as usize];
        let mut x = 0x1234_5678u32;
        for p in rgb.iter_mut() {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            *p = (x >> 24) as u8;
        }
        let one = pdq_from_rgb8(&rgb, w, h, &PdqOptions::default());
        for t in [2, 3, 4, 7] {
            let opts = PdqOptions {
                threads: t,
                ..PdqOptions::default()
            };
            assert_eq!(pdq_from_rgb8(&rgb, w, h, &opts), one, "threads={t}");
        }
    }

    #[test]
    fn tiny_images_hash_to_zero() {
        let rgb = vec![128u8; 4 * 100 * 3];
        let out = pdq_from_rgb8(&rgb, 4, 100, &PdqOptions::default());
        assert_eq!(out.hash, Pdq::ZERO);
        assert_eq!(out.quality, 0);
    }
}

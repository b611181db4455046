//! Hashing one file on disk: open read-only, stream the digests, decode
//! images, expand archives (nested, within limits), detect changes.

use std::cell::Cell;
use std::fs::{File, OpenOptions};
use std::io::{self, Cursor, Read, Seek};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use lifeguard_media::{decode, pdq_from_rgb8, HashType, Matcher, PdqOptions};

use crate::digest::{read_full, sniff, HashingReader, Kind};
use crate::model::{ErrorEntry, FileEntry, SkippedEntry};
use crate::walk::{ctime_ns, escape_name, mtime_ns, Candidate};
use crate::Limits;

/// Bytes read to detect the type before deciding what to do with a stream.
const HEAD: usize = 64 * 1024;
/// Read buffer for streaming digests.
const CHUNK: usize = 256 * 1024;

/// What hashing one file on disk produced.
#[derive(Debug, Default)]
pub(crate) struct FileResult {
    pub entries: Vec<FileEntry>,
    pub errors: Vec<ErrorEntry>,
    pub skipped: Vec<SkippedEntry>,
    /// Opens of the file with `O_NOATIME`, and without it (refused).
    pub opens_noatime: u64,
    pub opens_plain: u64,
    /// Bytes expanded from inside the file (failed members included).
    pub expanded: u64,
    /// (path, reason) of every error so far, so that repeats are dropped in
    /// constant time (an archive can hold a million failing members).
    seen_errors: std::collections::HashSet<(String, String)>,
}

pub(crate) struct Settings<'a> {
    pub limits: &'a Limits,
    pub pdq: bool,
    pub thumbnails: bool,
    pub matcher: &'a Matcher,
    pub scan_budget: &'a ScanBudget,
}

/// Expanded bytes of the whole scan, shared by the workers
/// ([`Limits::max_scan_expanded_bytes`]).
pub(crate) struct ScanBudget {
    limit: u64,
    used: AtomicU64,
    exhausted: AtomicBool,
}

impl ScanBudget {
    /// A budget of `limit` bytes of which `used` are spent already (by
    /// earlier runs of a resumed scan).
    pub fn new(limit: u64, used: u64) -> ScanBudget {
        ScanBudget {
            limit,
            used: AtomicU64::new(used),
            exhausted: AtomicBool::new(used > limit),
        }
    }

    /// Counts `n` more bytes; false once the budget is exceeded.
    fn spend(&self, n: u64) -> bool {
        if n > 0 {
            let before = self.used.fetch_add(n, Ordering::Relaxed);
            if before.saturating_add(n) > self.limit {
                self.exhausted.store(true, Ordering::Relaxed);
            }
        }
        !self.exhausted()
    }

    fn exhausted(&self) -> bool {
        self.exhausted.load(Ordering::Relaxed)
    }

    fn message(&self) -> String {
        format!(
            "the scan-wide expansion budget of {} bytes is used up (max_scan_expanded_bytes, \
             --expansion-budget)",
            self.limit
        )
    }
}

/// A limit on expansion was reached; carried through `io::Error`.
#[derive(Debug)]
struct LimitHit(String);

impl std::fmt::Display for LimitHit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for LimitHit {}

/// Expansion budget shared by everything inside one file on disk.
struct Budget<'a> {
    limits: &'a Limits,
    scan: &'a ScanBudget,
    expanded: Cell<u64>,
    members: Cell<u64>,
    exhausted: Cell<bool>,
}

/// Where the compressed size of a stream comes from, for the ratio check:
/// never a size an archive declares (a hostile archive lies), always the
/// bytes actually read from the compressed side so far.
enum Compressed<'a> {
    None,
    Counted(&'a Cell<u64>),
}

/// Counts the bytes read through it (the compressed side of a gzip stream,
/// or the whole of a zip archive: reset before each member is read, so that
/// it holds what that member's decoder has really consumed, read-ahead of a
/// few KiB included).
struct Counting<'a, R> {
    inner: R,
    count: &'a Cell<u64>,
}

impl<R: Read> Read for Counting<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.set(self.count.get().saturating_add(n as u64));
        Ok(n)
    }
}

impl<R: Seek> Seek for Counting<'_, R> {
    fn seek(&mut self, pos: io::SeekFrom) -> io::Result<u64> {
        self.inner.seek(pos)
    }
}

/// Enforces the expansion limits on a member's decompressed bytes, counted
/// as they stream out of the decoder (never trusting a declared size).
struct Guard<'a, 'b> {
    inner: &'a mut dyn Read,
    budget: &'a Budget<'b>,
    compressed: Compressed<'a>,
    /// The member, for the error message.
    member: &'a str,
    read: u64,
}

impl Read for Guard<'_, '_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        let b = self.budget;
        let l = b.limits;
        b.expanded.set(b.expanded.get().saturating_add(n as u64));
        if !b.scan.spend(n as u64) {
            b.exhausted.set(true);
            return Err(io::Error::other(LimitHit(format!(
                "archive expansion stopped at {}: {}; the rest of this archive is not expanded",
                self.member,
                b.scan.message()
            ))));
        }
        if b.expanded.get() > l.max_expanded_bytes {
            b.exhausted.set(true);
            return Err(io::Error::other(LimitHit(format!(
                "archive expansion stopped at {}: more than {} bytes expanded from one file \
                 (max_expanded_bytes; possible archive bomb)",
                self.member, l.max_expanded_bytes
            ))));
        }
        let compressed = match self.compressed {
            Compressed::None => None,
            Compressed::Counted(c) => Some(c.get()),
        };
        if let Some(c) = compressed {
            if self.read > l.ratio_min_bytes && self.read > l.max_ratio.saturating_mul(c.max(1)) {
                return Err(io::Error::other(LimitHit(format!(
                    "compression ratio over {}:1 in {}: {} bytes expanded from {} compressed bytes \
                     actually read (max_ratio; possible zip bomb); not expanded",
                    l.max_ratio, self.member, self.read, c
                ))));
            }
        }
        Ok(n)
    }
}

fn limit_hit(e: &io::Error) -> Option<&str> {
    e.get_ref()
        .and_then(|r| r.downcast_ref::<LimitHit>())
        .map(|l| l.0.as_str())
}

fn describe(e: &io::Error) -> String {
    match limit_hit(e) {
        Some(m) => m.to_owned(),
        None => format!("read failed: {e}"),
    }
}

/// Opens a file for reading only: `O_RDONLY | O_NOFOLLOW | O_NONBLOCK`,
/// plus `O_NOATIME` where the kernel allows it (the owner or root), so that
/// even the access time of the evidence is left as it was. Counts in `out`
/// which of the two it was.
fn open_read_only(path: &Path, out: &mut FileResult) -> io::Result<File> {
    let base = libc::O_NOFOLLOW | libc::O_NONBLOCK;
    match OpenOptions::new()
        .read(true)
        .custom_flags(base | libc::O_NOATIME)
        .open(path)
    {
        Err(e) if e.raw_os_error() == Some(libc::EPERM) => {
            let f = OpenOptions::new()
                .read(true)
                .custom_flags(base)
                .open(path)?;
            out.opens_plain += 1;
            Ok(f)
        }
        Ok(f) => {
            out.opens_noatime += 1;
            Ok(f)
        }
        Err(e) => Err(e),
    }
}

pub(crate) fn rfc3339_ns(ns: i128) -> Option<String> {
    let secs = ns.div_euclid(1_000_000_000) as i64;
    let sub = ns.rem_euclid(1_000_000_000) as u32;
    chrono::DateTime::from_timestamp(secs, sub)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
}

/// Hashes one file on disk and everything inside it.
pub(crate) fn process_file(c: &Candidate, s: &Settings) -> FileResult {
    let mut out = FileResult::default();
    let budget = Budget {
        limits: s.limits,
        scan: s.scan_budget,
        expanded: Cell::new(0),
        members: Cell::new(0),
        exhausted: Cell::new(false),
    };
    let mut f = match open_read_only(&c.path, &mut out) {
        Ok(f) => f,
        Err(e) => {
            out.error(&c.display, format!("cannot be opened: {e}"));
            return out;
        }
    };
    let before = match f.metadata() {
        Ok(m) if m.is_file() => m,
        Ok(_) => {
            out.error(&c.display, "no longer a regular file".into());
            return out;
        }
        Err(e) => {
            out.error(&c.display, format!("cannot be read: {e}"));
            return out;
        }
    };
    let mtime = rfc3339_ns(mtime_ns(&before));
    let mut ctx = Ctx {
        s,
        budget: &budget,
        out: &mut out,
    };
    let read = ctx.process(&c.display, &mut f, 0, mtime, Some(&c.path));
    match read {
        Err(e) => {
            // Reading the file itself failed (not a member): no hashes.
            out.entries
                .retain(|e| !e.path.starts_with(&format!("{}!", c.display)));
            out.error(&c.display, describe(&e));
        }
        Ok(len) => {
            let after = f.metadata().ok();
            let now = std::fs::symlink_metadata(&c.path).ok();
            let mut changes = Vec::new();
            if let Some(a) = &after {
                if a.len() != before.len() || len != before.len() {
                    changes.push(format!(
                        "size {} -> {} ({} bytes read)",
                        before.len(),
                        a.len(),
                        len
                    ));
                }
                if mtime_ns(a) != mtime_ns(&before) {
                    changes.push("modification time changed".to_owned());
                }
            }
            match &now {
                Some(n) if n.ino() == before.ino() && n.dev() == before.dev() => {}
                Some(_) => changes.push("replaced by another file".to_owned()),
                None => changes.push("removed".to_owned()),
            }
            if c.size != before.len()
                || c.mtime_ns != mtime_ns(&before)
                || c.ino != before.ino()
                || c.dev != before.dev()
                || c.ctime_ns != ctime_ns(&before)
            {
                changes.push("changed between listing and hashing".to_owned());
            }
            if !changes.is_empty() {
                out.error(
                    &c.display,
                    format!(
                        "changed during the scan ({}); hashes are of the bytes as read",
                        changes.join(", ")
                    ),
                );
            }
        }
    }
    out.expanded = budget.expanded.get();
    out
}

impl FileResult {
    fn error(&mut self, path: &str, reason: String) {
        // A limit hit deep inside nested archives surfaces again at each
        // level that reads through it: one entry per path and reason.
        if !self.seen_errors.insert((path.to_owned(), reason.clone())) {
            return;
        }
        self.errors.push(ErrorEntry {
            path: path.to_owned(),
            reason,
        });
    }
}

struct Ctx<'a, 'b> {
    s: &'a Settings<'a>,
    budget: &'a Budget<'b>,
    out: &'a mut FileResult,
}

impl Ctx<'_, '_> {
    /// Hashes one stream (a file or a member), records its entry, decodes
    /// it if it is an image and expands it if it is an archive. Returns its
    /// length. An `Err` means the stream itself could not be read (no entry
    /// was recorded for it).
    fn process(
        &mut self,
        path: &str,
        r: &mut dyn Read,
        depth: u32,
        mtime: Option<String>,
        disk: Option<&Path>,
    ) -> io::Result<u64> {
        let limits = self.s.limits;
        let mut hr = HashingReader::new(r);
        let mut head = vec![0u8; HEAD];
        let n = read_full(&mut hr, &mut head)?;
        head.truncate(n);
        let kind = sniff(&head);
        let mut notes: Vec<String> = Vec::new();
        let too_deep = depth >= limits.max_depth;
        let no_budget = self.s.scan_budget.exhausted();
        let expand = kind.is_archive() && !too_deep && !no_budget;
        let mut buffered: Option<Vec<u8>> = None;
        let mut big_zip = false;

        if expand && matches!(kind, Kind::Tar | Kind::Gzip) {
            // Streamed: members are hashed as the outer stream is read.
            {
                let mut chained = Cursor::new(&head[..]).chain(&mut hr);
                if kind == Kind::Tar {
                    self.expand_tar(path, &mut chained, depth + 1);
                } else {
                    self.expand_gzip(path, &mut chained, depth + 1);
                }
            }
            drain(&mut hr)?;
        } else {
            let cap = match kind {
                Kind::Zip if expand => limits.max_buffer_bytes,
                Kind::Image(_) if self.s.pdq => limits.max_image_bytes,
                _ => 0,
            };
            if cap > 0 && (head.len() as u64) <= cap {
                let mut buf = head;
                (&mut hr)
                    .take(cap + 1 - buf.len() as u64)
                    .read_to_end(&mut buf)?;
                if buf.len() as u64 > cap {
                    drain(&mut hr)?;
                    match kind {
                        Kind::Zip if disk.is_some() => big_zip = true,
                        Kind::Zip => notes.push(format!(
                            "zip member larger than {cap} bytes; hashed, not expanded"
                        )),
                        _ => notes.push(format!(
                            "image larger than {cap} bytes; hashed, not decoded"
                        )),
                    }
                } else {
                    buffered = Some(buf);
                }
            } else {
                drain(&mut hr)?;
            }
            if kind.is_archive() && too_deep {
                notes.push(format!(
                    "archive nested deeper than {} levels; hashed, not expanded",
                    limits.max_depth
                ));
            } else if kind.is_archive() && no_budget {
                notes.push(format!(
                    "archive not expanded: {}; hashed, not expanded",
                    self.s.scan_budget.message()
                ));
            }
        }

        let hex = hr.digests.finish();
        let mut entry = FileEntry {
            path: path.to_owned(),
            size: hex.len,
            mtime,
            kind: kind.name().to_owned(),
            md5: hex.md5,
            sha1: hex.sha1,
            sha256: hex.sha256,
            pdq: None,
            quality: None,
            width: None,
            height: None,
            thumbnail: None,
        };
        match (kind, buffered) {
            (Kind::Image(_), Some(buf)) => self.image(&mut entry, &buf),
            (Kind::Zip, Some(buf)) => self.expand_zip(path, Cursor::new(&buf[..]), depth + 1),
            (Kind::Zip, None) if big_zip => match disk.map(|p| open_read_only(p, self.out)) {
                Some(Ok(f)) => self.expand_zip(path, f, depth + 1),
                Some(Err(e)) => notes.push(format!("cannot be reopened to expand: {e}")),
                None => {}
            },
            _ => {}
        }
        for n in notes {
            self.out.error(path, n);
        }
        self.out.entries.push(entry);
        Ok(hex.len)
    }

    fn image(&mut self, entry: &mut FileEntry, bytes: &[u8]) {
        let img = match decode(bytes, &self.s.limits.decode) {
            Ok(i) => i,
            Err(e) => {
                return self
                    .out
                    .error(&entry.path, format!("image cannot be decoded: {e}"))
            }
        };
        let p = pdq_from_rgb8(&img.rgb, img.width, img.height, &PdqOptions::default());
        entry.pdq = Some(p.hash.to_hex());
        entry.quality = Some(p.quality);
        entry.width = Some(img.width);
        entry.height = Some(img.height);
        if self.s.thumbnails && matched(self.s.matcher, entry) {
            entry.thumbnail = thumbnail(&img.rgb, img.width, img.height);
        }
    }

    fn member_allowed(&mut self, archive: &str) -> bool {
        let b = self.budget;
        if b.exhausted.get() {
            return false;
        }
        if b.scan.exhausted() {
            b.exhausted.set(true);
            self.out.error(
                archive,
                format!(
                    "archive expansion stopped: {}; the remaining members are not read",
                    b.scan.message()
                ),
            );
            return false;
        }
        b.members.set(b.members.get() + 1);
        if b.members.get() > b.limits.max_members {
            b.exhausted.set(true);
            self.out.error(
                archive,
                format!(
                    "archive expansion stopped: more than {} members in one file (possible archive bomb)",
                    b.limits.max_members
                ),
            );
            return false;
        }
        true
    }

    fn member(
        &mut self,
        path: &str,
        r: &mut dyn Read,
        compressed: Compressed,
        depth: u32,
        mtime: Option<String>,
    ) {
        let mut g = Guard {
            inner: r,
            budget: self.budget,
            compressed,
            member: path,
            read: 0,
        };
        if let Err(e) = self.process(path, &mut g, depth, mtime, None) {
            // A member that could not be read leaves no partial hashes.
            let prefix = format!("{path}!");
            self.out.entries.retain(|e| !e.path.starts_with(&prefix));
            self.out.error(path, describe(&e));
        }
    }

    fn expand_zip<R: Read + Seek>(&mut self, path: &str, r: R, depth: u32) {
        // Every byte read from the archive is counted; the count is reset
        // once a member's header has been read, so that the ratio check
        // compares what the member's decoder produced with what it really
        // consumed (the compressed size in the headers is not trusted).
        let raw = Cell::new(0u64);
        let counting = Counting {
            inner: r,
            count: &raw,
        };
        let mut za = match zip::ZipArchive::new(counting) {
            Ok(z) => z,
            Err(e) => return self.out.error(path, format!("zip cannot be read: {e}")),
        };
        for i in 0..za.len() {
            if !self.member_allowed(path) {
                break;
            }
            let name = za
                .name_for_index(i)
                .and_then(Result::ok)
                .map(|n| escape_name(n.as_bytes()))
                .unwrap_or_else(|| format!("#{i}"));
            let mut zf = match za.by_index(i) {
                Ok(z) => z,
                Err(e) => {
                    self.out.error(
                        &format!("{path}!{name}"),
                        format!("zip member cannot be read: {e}"),
                    );
                    continue;
                }
            };
            let mpath = format!("{path}!{}", escape_name(zf.name_raw()));
            if zf.is_dir() {
                continue;
            }
            if zf.is_symlink() {
                self.out.skipped.push(SkippedEntry {
                    path: mpath,
                    reason: "symbolic link inside an archive; not followed".into(),
                });
                continue;
            }
            raw.set(0);
            self.member(&mpath, &mut zf, Compressed::Counted(&raw), depth, None);
        }
    }

    fn expand_tar(&mut self, path: &str, r: &mut dyn Read, depth: u32) {
        let mut ar = tar::Archive::new(r);
        let entries = match ar.entries() {
            Ok(e) => e,
            Err(e) => return self.out.error(path, format!("tar cannot be read: {e}")),
        };
        for ent in entries {
            let mut ent = match ent {
                Ok(e) => e,
                Err(e) => {
                    if let Some(m) = limit_hit(&e) {
                        let m = m.to_owned();
                        self.out.error(path, m);
                    } else {
                        self.out
                            .error(path, format!("tar cannot be read further: {e}"));
                    }
                    break;
                }
            };
            if !self.member_allowed(path) {
                break;
            }
            let name = escape_name(&ent.path_bytes());
            let mpath = format!("{path}!{name}");
            let et = ent.header().entry_type();
            if et.is_dir() {
                continue;
            }
            if et.is_symlink() || et.is_hard_link() {
                self.out.skipped.push(SkippedEntry {
                    path: mpath,
                    reason: "link inside an archive; not followed".into(),
                });
                continue;
            }
            if !et.is_file() {
                if !(et.is_pax_global_extensions() || et.is_pax_local_extensions()) {
                    self.out.skipped.push(SkippedEntry {
                        path: mpath,
                        reason: "special entry inside an archive; not read".into(),
                    });
                }
                continue;
            }
            let mtime = ent
                .header()
                .mtime()
                .ok()
                .and_then(|s| rfc3339_ns(i128::from(s) * 1_000_000_000));
            self.member(&mpath, &mut ent, Compressed::None, depth, mtime);
        }
    }

    fn expand_gzip(&mut self, path: &str, r: &mut dyn Read, depth: u32) {
        if !self.member_allowed(path) {
            return;
        }
        let count = Cell::new(0u64);
        let mut counting = Counting {
            inner: r,
            count: &count,
        };
        let mut gz = flate2::read::MultiGzDecoder::new(&mut counting);
        let name = gz
            .header()
            .and_then(|h| h.filename())
            .map(escape_name)
            .unwrap_or_else(|| gunzipped_name(path));
        let mpath = format!("{path}!{name}");
        self.member(&mpath, &mut gz, Compressed::Counted(&count), depth, None);
    }
}

/// The name a gzip member gets when its header holds none: the container's
/// last name without `.gz` (`.tgz` becomes `.tar`).
fn gunzipped_name(path: &str) -> String {
    let last = path.rsplit(['/', '!']).next().unwrap_or(path);
    if let Some(stem) = last.strip_suffix(".tgz") {
        format!("{stem}.tar")
    } else if let Some(stem) = last.strip_suffix(".gz") {
        stem.to_owned()
    } else {
        "(gunzipped)".to_owned()
    }
}

fn drain(r: &mut dyn Read) -> io::Result<()> {
    let mut buf = vec![0u8; CHUNK];
    loop {
        match r.read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// Whether an entry matches any bank (used only to decide on thumbnails).
pub(crate) fn matched(m: &Matcher, e: &FileEntry) -> bool {
    if !m.match_exact(HashType::Sha256, &e.sha256).is_empty()
        || !m.match_exact(HashType::Sha1, &e.sha1).is_empty()
        || !m.match_exact(HashType::Md5, &e.md5).is_empty()
    {
        return true;
    }
    e.pdq
        .as_deref()
        .and_then(|p| p.parse().ok())
        .is_some_and(|p| !m.match_pdq(&p).is_empty())
}

/// A JPEG thumbnail at most 160 pixels on a side, base64.
fn thumbnail(rgb: &[u8], w: u32, h: u32) -> Option<String> {
    use base64::Engine;
    let img = image::RgbImage::from_raw(w, h, rgb.to_vec())?;
    let scale = 160.0 / w.max(h) as f32;
    let (tw, th) = if scale < 1.0 {
        (
            ((w as f32 * scale) as u32).max(1),
            ((h as f32 * scale) as u32).max(1),
        )
    } else {
        (w, h)
    };
    let small = image::imageops::thumbnail(&img, tw, th);
    let mut out = Vec::new();
    let enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 80);
    small.write_with_encoder(enc).ok()?;
    Some(base64::engine::general_purpose::STANDARD.encode(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gunzipped_names() {
        assert_eq!(gunzipped_name("a/b/x.tar.gz"), "x.tar");
        assert_eq!(gunzipped_name("a/b.zip!c/y.tgz"), "y.tar");
        assert_eq!(gunzipped_name("a/blob"), "(gunzipped)");
    }

    #[test]
    fn rfc3339_of_epoch_nanoseconds() {
        assert_eq!(rfc3339_ns(0).unwrap(), "1970-01-01T00:00:00Z");
        assert_eq!(
            rfc3339_ns(1_500_000_000_000_000_001).unwrap(),
            "2017-07-14T02:40:00.000000001Z"
        );
    }
}

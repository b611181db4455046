//! Parallel walk of the evidence tree. Symbolic links are never followed
//! (each is listed with where it points: inside the evidence, whose target is
//! then scanned where it lies, outside it, a loop, or nowhere); special files
//! are never opened. Directories are opened with `O_NOATIME` where the
//! kernel allows it (the owner or root), so that listing them leaves their
//! access times as they were; the walk counts where it could not.

use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::UNIX_EPOCH;

use crate::model::{ErrorEntry, SkippedEntry};

/// A regular file found on disk.
#[derive(Debug, Clone)]
pub(crate) struct Candidate {
    pub path: PathBuf,
    pub display: String,
    pub size: u64,
    /// Modification time, nanoseconds since the epoch (0 when unknown).
    pub mtime_ns: i128,
    /// Inode number, device and status-change time (nanoseconds): with the
    /// size and modification time, what tells the journal that a file is
    /// the one an earlier run hashed (a file replaced, or rewritten with its
    /// modification time set back, has another inode or ctime).
    pub ino: u64,
    pub dev: u64,
    pub ctime_ns: i128,
}

#[derive(Default)]
pub(crate) struct WalkOut {
    pub files: Vec<Candidate>,
    pub errors: Vec<ErrorEntry>,
    pub skipped: Vec<SkippedEntry>,
    /// Directories listed through a descriptor opened with `O_NOATIME`.
    pub dirs_noatime: u64,
    /// Directories listed without it (the kernel refused it).
    pub dirs_plain: u64,
    /// Symbolic links whose target was read (evidence paths that are links
    /// included): reading a link can update its access time.
    pub links_read: u64,
}

/// A directory opened for listing.
struct DirStream(*mut libc::DIR);

impl Drop for DirStream {
    fn drop(&mut self) {
        // SAFETY: the pointer came from a successful fdopendir and is
        // closed once.
        unsafe { libc::closedir(self.0) };
    }
}

/// Opens a directory for listing: `O_RDONLY | O_DIRECTORY | O_CLOEXEC`,
/// `O_NOFOLLOW` unless `follow`, and `O_NOATIME` unless the kernel refuses
/// it (EPERM: neither the owner nor root). Returns whether `O_NOATIME` was
/// used.
fn open_dir(path: &Path, follow: bool) -> std::io::Result<(DirStream, bool)> {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).map_err(|_| {
        std::io::Error::new(std::io::ErrorKind::InvalidInput, "path holds a NUL byte")
    })?;
    let mut flags = libc::O_RDONLY | libc::O_DIRECTORY | libc::O_CLOEXEC;
    if !follow {
        flags |= libc::O_NOFOLLOW;
    }
    let mut noatime = true;
    // SAFETY: `c` is a NUL-terminated path; open has no other requirement.
    let mut fd = unsafe { libc::open(c.as_ptr(), flags | libc::O_NOATIME) };
    if fd < 0 && std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM) {
        noatime = false;
        // SAFETY: as above.
        fd = unsafe { libc::open(c.as_ptr(), flags) };
    }
    if fd < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: `fd` is an open directory descriptor, owned by the stream
    // from here on (closedir closes it).
    let dir = unsafe { libc::fdopendir(fd) };
    if dir.is_null() {
        let e = std::io::Error::last_os_error();
        // SAFETY: fdopendir failed, so `fd` is still ours to close.
        unsafe { libc::close(fd) };
        return Err(e);
    }
    Ok((DirStream(dir), noatime))
}

impl DirStream {
    /// The next entry (other than `.` and `..`): its name and `d_type`.
    fn next_entry(&mut self) -> Option<std::io::Result<(std::ffi::OsString, u8)>> {
        use std::os::unix::ffi::OsStrExt;
        loop {
            // SAFETY: errno is thread-local; readdir is given the stream
            // opened above, used by this thread only; the entry it returns
            // is read before the next call.
            unsafe {
                *libc::__errno_location() = 0;
                let ent = libc::readdir(self.0);
                if ent.is_null() {
                    let e = std::io::Error::last_os_error();
                    return match e.raw_os_error() {
                        Some(0) | None => None,
                        Some(_) => Some(Err(e)),
                    };
                }
                let name = std::ffi::CStr::from_ptr((*ent).d_name.as_ptr()).to_bytes();
                if name == b"." || name == b".." {
                    continue;
                }
                let name = std::ffi::OsStr::from_bytes(name).to_owned();
                return Some(Ok((name, (*ent).d_type)));
            }
        }
    }
}

pub(crate) fn mtime_ns(m: &fs::Metadata) -> i128 {
    match m.modified() {
        Ok(t) => match t.duration_since(UNIX_EPOCH) {
            Ok(d) => d.as_nanos() as i128,
            Err(e) => -(e.duration().as_nanos() as i128),
        },
        Err(_) => 0,
    }
}

/// Status-change time of `m`, nanoseconds since the epoch.
pub(crate) fn ctime_ns(m: &fs::Metadata) -> i128 {
    i128::from(m.ctime()) * 1_000_000_000 + i128::from(m.ctime_nsec())
}

/// A name (a path on disk, or an archive member's name) as the report
/// writes it: `%` becomes `%25` and `!` becomes `%21`, so that a `!` in a
/// report path only ever marks an archive boundary
/// (`outer.zip!inner/dir/x.jpg`); a byte that is not part of valid UTF-8
/// becomes `%XX` (upper-case hex), so that two names never read the same.
pub(crate) fn escape_name(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '%' => out.push_str("%25"),
                '!' => out.push_str("%21"),
                c => out.push(c),
            }
        }
        for b in chunk.invalid() {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// A path on disk as the report writes it (see [`escape_name`]).
pub(crate) fn display(p: &Path) -> String {
    use std::os::unix::ffi::OsStrExt;
    escape_name(p.as_os_str().as_bytes())
}

/// Walks `roots` on the current rayon pool. `canonical` are the roots with
/// links resolved, to classify where a link points.
pub(crate) fn walk(roots: &[PathBuf], canonical: &[PathBuf]) -> WalkOut {
    let out = Mutex::new(WalkOut::default());
    rayon::scope(|s| {
        for root in roots {
            // The roots themselves are what the examiner named: a root that
            // is a link is followed (its target is the evidence).
            if fs::symlink_metadata(root).is_ok_and(|m| m.file_type().is_symlink()) {
                lock(&out).links_read += 1;
            }
            match fs::metadata(root) {
                Err(e) => push_error(&out, root, format!("cannot be read: {e}")),
                Ok(m) if m.is_dir() => {
                    let root = root.clone();
                    let out = &out;
                    s.spawn(move |s| walk_dir(s, root, true, canonical, out));
                }
                Ok(m) if m.is_file() => push_file(&out, root, &m),
                Ok(_) => push_skipped(&out, root, special_reason(root)),
            }
        }
    });
    let mut w = out.into_inner().unwrap_or_else(|p| p.into_inner());
    w.files.sort_by(|a, b| a.display.cmp(&b.display));
    w.errors.sort_by(|a, b| a.path.cmp(&b.path));
    w.skipped.sort_by(|a, b| a.path.cmp(&b.path));
    w
}

/// What a directory entry is, not following links.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Type {
    Link,
    Dir,
    File,
    Special,
}

fn type_of(path: &Path, d_type: u8) -> std::io::Result<Type> {
    Ok(match d_type {
        libc::DT_LNK => Type::Link,
        libc::DT_DIR => Type::Dir,
        libc::DT_REG => Type::File,
        libc::DT_UNKNOWN => {
            let t = fs::symlink_metadata(path)?.file_type();
            if t.is_symlink() {
                Type::Link
            } else if t.is_dir() {
                Type::Dir
            } else if t.is_file() {
                Type::File
            } else {
                Type::Special
            }
        }
        _ => Type::Special,
    })
}

fn walk_dir<'s>(
    s: &rayon::Scope<'s>,
    dir: PathBuf,
    root: bool,
    canonical: &'s [PathBuf],
    out: &'s Mutex<WalkOut>,
) {
    let mut rd = match open_dir(&dir, root) {
        Ok((rd, noatime)) => {
            let mut o = lock(out);
            if noatime {
                o.dirs_noatime += 1;
            } else {
                o.dirs_plain += 1;
            }
            rd
        }
        Err(e) => return push_error(out, &dir, format!("directory cannot be read: {e}")),
    };
    while let Some(ent) = rd.next_entry() {
        let (name, d_type) = match ent {
            Ok(e) => e,
            Err(e) => {
                push_error(out, &dir, format!("directory listing failed: {e}"));
                break;
            }
        };
        let path = dir.join(name);
        let ft = match type_of(&path, d_type) {
            Ok(t) => t,
            Err(e) => {
                push_error(out, &path, format!("cannot be read: {e}"));
                continue;
            }
        };
        if ft == Type::Link {
            lock(out).links_read += 1;
            push_skipped(out, &path, link_reason(&path, canonical));
        } else if ft == Type::Dir {
            s.spawn(move |s| walk_dir(s, path, false, canonical, out));
        } else if ft == Type::File {
            match fs::symlink_metadata(&path) {
                Ok(m) => push_file(out, &path, &m),
                Err(e) => push_error(out, &path, format!("cannot be read: {e}")),
            }
        } else {
            push_skipped(out, &path, special_reason(&path));
        }
    }
}

fn link_reason(path: &Path, canonical: &[PathBuf]) -> String {
    let target = fs::read_link(path)
        .map(|t| t.to_string_lossy().into_owned())
        .unwrap_or_else(|_| "?".into());
    match fs::canonicalize(path) {
        Ok(t) if canonical.iter().any(|r| t.starts_with(r)) => format!(
            "symbolic link to {target}, inside the evidence (scanned where it lies); not followed"
        ),
        Ok(_) => format!("symbolic link to {target}, outside the evidence; not followed"),
        Err(e) if e.raw_os_error() == Some(libc::ELOOP) => {
            format!("symbolic link loop ({target}); not followed")
        }
        Err(_) => format!("dangling symbolic link to {target}; not followed"),
    }
}

fn special_reason(path: &Path) -> String {
    use std::os::unix::fs::FileTypeExt;
    let what = match fs::symlink_metadata(path).map(|m| m.file_type()) {
        Ok(t) if t.is_fifo() => "named pipe",
        Ok(t) if t.is_socket() => "socket",
        Ok(t) if t.is_block_device() => "block device",
        Ok(t) if t.is_char_device() => "character device",
        _ => "special file",
    };
    format!("{what}; not opened")
}

fn push_file(out: &Mutex<WalkOut>, path: &Path, m: &fs::Metadata) {
    let c = Candidate {
        path: path.to_owned(),
        display: display(path),
        size: m.len(),
        mtime_ns: mtime_ns(m),
        ino: m.ino(),
        dev: m.dev(),
        ctime_ns: ctime_ns(m),
    };
    lock(out).files.push(c);
}

fn push_error(out: &Mutex<WalkOut>, path: &Path, reason: String) {
    lock(out).errors.push(ErrorEntry {
        path: display(path),
        reason,
    });
}

fn push_skipped(out: &Mutex<WalkOut>, path: &Path, reason: String) {
    lock(out).skipped.push(SkippedEntry {
        path: display(path),
        reason,
    });
}

fn lock(m: &Mutex<WalkOut>) -> std::sync::MutexGuard<'_, WalkOut> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_escaped_so_that_bang_is_only_an_archive_boundary() {
        assert_eq!(escape_name(b"a/b.jpg"), "a/b.jpg");
        assert_eq!(escape_name(b"a!b.jpg"), "a%21b.jpg");
        assert_eq!(escape_name(b"100%.txt"), "100%25.txt");
        assert_eq!(escape_name(b"%21"), "%2521");
        assert_eq!(escape_name("café".as_bytes()), "café");
        assert_eq!(escape_name(b"caf\xe9!"), "caf%E9%21");
        assert_ne!(escape_name(b"\xff"), escape_name(b"\xfe"));
    }
}

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use lifeguard_media::{hash_bytes, HashOptions, ImageHashes};

/// Largest file `hash`, `match` and `bank import` read (larger ones are
/// reported as errors, not read).
pub const MAX_FILE_BYTES: u64 = 256 << 20;

/// Hash image files: one JSON line per file with PDQ (reference order), its
/// quality, MD5, SHA-1, SHA-256, size and format; `{"path","error"}` for a
/// file that cannot be read or decoded. Directories are walked recursively
/// (in name order; symbolic links to directories are not followed). Exit
/// status 0 when every file was hashed, 1 otherwise.
#[derive(clap::Args)]
pub struct Args {
    /// Image files or directories.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Also print the eight rotation/flip hashes as "dihedral".
    #[arg(long)]
    pub dihedral: bool,
}

#[derive(serde::Serialize)]
struct Line<'a> {
    path: String,
    #[serde(flatten)]
    hashes: &'a ImageHashes,
}

#[derive(serde::Serialize)]
pub(crate) struct ErrorLine {
    pub path: String,
    pub error: String,
}

/// Expands directories into the files below them, in name order.
pub(crate) fn expand(paths: &[PathBuf]) -> Vec<Result<PathBuf, (PathBuf, String)>> {
    let mut out = Vec::new();
    for p in paths {
        walk(p, true, &mut out);
    }
    out
}

fn walk(p: &Path, top: bool, out: &mut Vec<Result<PathBuf, (PathBuf, String)>>) {
    let meta = if top {
        std::fs::metadata(p)
    } else {
        std::fs::symlink_metadata(p)
    };
    match meta {
        Err(e) => out.push(Err((p.to_owned(), e.to_string()))),
        Ok(m) if m.is_dir() => match std::fs::read_dir(p) {
            Err(e) => out.push(Err((p.to_owned(), e.to_string()))),
            Ok(entries) => {
                let mut names: Vec<PathBuf> =
                    entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
                names.sort();
                for n in names {
                    walk(&n, false, out);
                }
            }
        },
        Ok(m) if m.file_type().is_symlink() => {
            // Below the top level: follow links to files, not to directories.
            match std::fs::metadata(p) {
                Ok(t) if t.is_file() => out.push(Ok(p.to_owned())),
                Ok(_) => {}
                Err(e) => out.push(Err((p.to_owned(), e.to_string()))),
            }
        }
        Ok(m) if m.is_file() => out.push(Ok(p.to_owned())),
        Ok(_) => out.push(Err((p.to_owned(), "not a regular file".into()))),
    }
}

/// Reads a file, refusing ones over [`MAX_FILE_BYTES`].
pub(crate) fn read_capped(path: &Path) -> Result<Vec<u8>, String> {
    let f = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let mut buf = Vec::new();
    f.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut buf)
        .map_err(|e| e.to_string())?;
    if buf.len() as u64 > MAX_FILE_BYTES {
        return Err(format!(
            "file is larger than the {} MiB limit",
            MAX_FILE_BYTES >> 20
        ));
    }
    Ok(buf)
}

/// Reads and hashes one file; errors are already worded for the user.
/// Every file under `paths` (as [`expand`] walks them) with its hashes or the
/// reason it could not be read or decoded, in order.
pub(crate) fn hash_all(
    paths: &[PathBuf],
    dihedral: bool,
) -> impl Iterator<Item = (PathBuf, Result<ImageHashes, String>)> {
    expand(paths).into_iter().map(move |item| match item {
        Ok(p) => {
            let r = hash_file(&p, dihedral);
            (p, r)
        }
        Err((p, e)) => (p, Err(e)),
    })
}

pub(crate) fn hash_file(path: &Path, dihedral: bool) -> Result<ImageHashes, String> {
    let bytes = read_capped(path)?;
    let opts = HashOptions {
        dihedral,
        ..HashOptions::default()
    };
    hash_bytes(&bytes, &opts).map_err(|e| e.to_string())
}

pub(crate) fn write_json(
    out: &mut impl Write,
    value: &impl serde::Serialize,
) -> anyhow::Result<()> {
    serde_json::to_writer(&mut *out, value)?;
    out.write_all(b"\n")?;
    Ok(())
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut failed = 0usize;
    for (path, result) in hash_all(&args.paths, args.dihedral) {
        let path_text = path.display().to_string();
        match result {
            Ok(h) => write_json(
                &mut out,
                &Line {
                    path: path_text,
                    hashes: &h,
                },
            )?,
            Err(error) => {
                failed += 1;
                write_json(
                    &mut out,
                    &ErrorLine {
                        path: path_text,
                        error,
                    },
                )?;
            }
        }
    }
    out.flush()?;
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use lifeguard_media::{Match, Matcher};
use lifeguard_store::SqliteStore;

use super::hash::{hash_all, write_json, ErrorLine};

/// Match image files against hash banks: exactly by MD5, SHA-1 and SHA-256,
/// and by PDQ within each bank's threshold. Prints one JSON line per file:
/// `{"path","pdq","sha256","matches":[{"bank","label","hash_type","hash","distance"}]}`
/// (or `{"path","error"}`). Exit status: 0 no file matched, 1 at least one
/// matched, 2 an error (a file that could not be hashed, an unknown bank).
#[derive(clap::Args)]
pub struct Args {
    /// Image files or directories (walked recursively, as `hash` does).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Bank to match against; repeat for several. Default: every bank.
    #[arg(long = "bank", value_name = "NAME")]
    pub banks: Vec<String>,
    /// The store's database file.
    #[arg(long, default_value = "lifeguard.db", env = "LIFEGUARD_DB")]
    pub db: PathBuf,
    /// Also match the image's rotations and flips (the eight dihedral hashes).
    #[arg(long)]
    pub dihedral: bool,
}

#[derive(serde::Serialize)]
struct Line<'a> {
    path: String,
    pdq: String,
    sha256: &'a str,
    matches: Vec<Match>,
}

/// Loads the named banks (all when `names` is empty) into a [`Matcher`].
pub fn load_matcher(store: &SqliteStore, names: &[String]) -> anyhow::Result<Matcher> {
    lifeguard_runtime::media::load_matcher(store, names).map_err(|e| anyhow::anyhow!(e))
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let store =
        SqliteStore::open(&args.db).with_context(|| format!("opening {}", args.db.display()))?;
    let matcher = match load_matcher(&store, &args.banks) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("lifeguard match: {e:#}");
            return Ok(ExitCode::from(2));
        }
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let (mut matched, mut errors) = (false, false);
    for (path, result) in hash_all(&args.paths, args.dihedral) {
        let path = path.display().to_string();
        match result {
            Ok(h) => {
                let matches = matcher.match_hashes(&h);
                matched |= !matches.is_empty();
                write_json(
                    &mut out,
                    &Line {
                        path,
                        pdq: h.pdq.to_hex(),
                        sha256: &h.sha256,
                        matches,
                    },
                )?;
            }
            Err(error) => {
                errors = true;
                write_json(&mut out, &ErrorLine { path, error })?;
            }
        }
    }
    out.flush()?;
    Ok(ExitCode::from(if errors {
        2
    } else if matched {
        1
    } else {
        0
    }))
}

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use lifeguard_media::banks::{parse_bank_file, write_bank_csv, BankFormat, BankRow, HashType};
use lifeguard_media::DEFAULT_THRESHOLD;
use lifeguard_store::{BankHash, BankStore, NewBank, SqliteStore};

use super::hash::{read_capped, write_json};

/// Manage hash banks in the store: import, list, export, remove.
#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: Sub,
    /// The store's database file.
    #[arg(
        long,
        default_value = "lifeguard.db",
        env = "LIFEGUARD_DB",
        global = true
    )]
    pub db: PathBuf,
}

#[derive(clap::Subcommand)]
pub enum Sub {
    /// Import hashes from files, idempotently (hashes already in a bank are
    /// left as they are). Lifeguard CSV (`hash_type,hash,bank,label`) or a
    /// PDQ list (`hash,quality,...` as Meta's pdq-photo-hasher writes it,
    /// bare hashes, or python-threatexchange `pdq HASH` lines). Banks that
    /// do not exist yet are created with --label, --source and --threshold;
    /// existing banks keep their settings. Prints one JSON line per file.
    Import(ImportArgs),
    /// List banks, one JSON line each, with hash counts by type.
    List,
    /// Write a bank's hashes as Lifeguard CSV to stdout.
    Export {
        /// The bank.
        name: String,
    },
    /// Delete a bank and its hashes (exit 1 if there is no such bank).
    Remove {
        /// The bank.
        name: String,
    },
}

#[derive(clap::Args)]
pub struct ImportArgs {
    /// Bank files.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Bank for rows that name none (PDQ lists never do).
    #[arg(long)]
    pub bank: Option<String>,
    /// Label or category of banks created by this import (default: the
    /// first row's label, else empty).
    #[arg(long)]
    pub label: Option<String>,
    /// Source recorded for banks created by this import (default: the file).
    #[arg(long)]
    pub source: Option<String>,
    /// PDQ threshold of banks created by this import.
    #[arg(long, default_value_t = DEFAULT_THRESHOLD, value_parser = clap::value_parser!(u32).range(0..=256))]
    pub threshold: u32,
    /// File format.
    #[arg(long, value_enum, default_value = "auto")]
    pub format: FormatArg,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum FormatArg {
    Auto,
    Csv,
    Pdq,
}

#[derive(serde::Serialize)]
struct Imported {
    bank: String,
    created: bool,
    rows: usize,
    added: u64,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let store =
        SqliteStore::open(&args.db).with_context(|| format!("opening {}", args.db.display()))?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let code = match args.command {
        Sub::Import(a) => import(&store, a, &mut out)?,
        Sub::List => {
            for b in store.banks()? {
                let counts: BTreeMap<String, u64> = b.counts.into_iter().collect();
                write_json(
                    &mut out,
                    &serde_json::json!({
                        "name": b.bank.name,
                        "label": b.bank.label,
                        "source": b.bank.source,
                        "pdq_threshold": b.bank.pdq_threshold,
                        "created_at": b.created_at.to_rfc3339(),
                        "hashes": counts,
                    }),
                )?;
            }
            ExitCode::SUCCESS
        }
        Sub::Export { name } => match store.bank_hashes(&name)? {
            None => {
                eprintln!("lifeguard bank export: no bank named {name:?}");
                ExitCode::FAILURE
            }
            Some(hashes) => {
                let rows: Vec<BankRow> = hashes
                    .into_iter()
                    .filter_map(|h| {
                        Some(BankRow {
                            hash_type: HashType::from_name(&h.hash_type)?,
                            hash: h.hash,
                            bank: Some(name.clone()),
                            label: h.label,
                            quality: None,
                        })
                    })
                    .collect();
                out.write_all(write_bank_csv(&rows).as_bytes())?;
                ExitCode::SUCCESS
            }
        },
        Sub::Remove { name } => {
            if store.remove_bank(&name)? {
                write_json(&mut out, &serde_json::json!({ "removed": name }))?;
                ExitCode::SUCCESS
            } else {
                eprintln!("lifeguard bank remove: no bank named {name:?}");
                ExitCode::FAILURE
            }
        }
    };
    out.flush()?;
    Ok(code)
}

fn import(store: &SqliteStore, a: ImportArgs, out: &mut impl Write) -> anyhow::Result<ExitCode> {
    let format = match a.format {
        FormatArg::Auto => BankFormat::Auto,
        FormatArg::Csv => BankFormat::Csv,
        FormatArg::Pdq => BankFormat::PdqList,
    };
    // Parse every file before storing anything: a bad line imports nothing.
    let mut parsed = Vec::new();
    for file in &a.files {
        let bytes = read_capped(file).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
        let text = String::from_utf8(bytes)
            .map_err(|e| anyhow::anyhow!("{}: not UTF-8 text: {e}", file.display()))?;
        let rows = match parse_bank_file(&text, format) {
            Ok(rows) => rows,
            Err(e) => {
                eprintln!(
                    "lifeguard bank import: {}:{}: {}",
                    file.display(),
                    e.line,
                    e.message
                );
                return Ok(ExitCode::FAILURE);
            }
        };
        let unnamed = rows.iter().filter(|r| r.bank.is_none()).count();
        if unnamed > 0 && a.bank.is_none() {
            eprintln!(
                "lifeguard bank import: {}: {unnamed} rows name no bank; give --bank NAME",
                file.display()
            );
            return Ok(ExitCode::from(2));
        }
        parsed.push((file, rows));
    }
    for (file, rows) in parsed {
        let mut by_bank: BTreeMap<String, Vec<BankRow>> = BTreeMap::new();
        for r in rows {
            let bank = r
                .bank
                .clone()
                .or_else(|| a.bank.clone())
                .expect("checked above");
            by_bank.entry(bank).or_default().push(r);
        }
        let mut report = Vec::new();
        for (bank, rows) in by_bank {
            let created = store.create_bank(&NewBank {
                name: bank.clone(),
                label: a
                    .label
                    .clone()
                    .or_else(|| rows.iter().find_map(|r| r.label.clone()))
                    .unwrap_or_default(),
                source: a
                    .source
                    .clone()
                    .unwrap_or_else(|| file.display().to_string()),
                pdq_threshold: a.threshold,
            })?;
            let hashes: Vec<BankHash> = rows
                .iter()
                .map(|r| BankHash {
                    hash_type: r.hash_type.name().to_owned(),
                    hash: r.hash.clone(),
                    label: r.label.clone(),
                })
                .collect();
            let added = store
                .add_bank_hashes(&bank, &hashes)?
                .context("bank vanished during import")?;
            report.push(Imported {
                bank,
                created,
                rows: rows.len(),
                added,
            });
        }
        write_json(
            out,
            &serde_json::json!({ "file": file.display().to_string(), "banks": report }),
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

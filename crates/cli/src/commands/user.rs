//! `lifeguard user add|list`: console accounts in the store.

use std::io::BufRead;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use lifeguard_store::{ConsoleStore, SqliteStore};

/// Manage moderator-console accounts.
#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand)]
enum Command {
    /// Create an account. The password is read from the environment variable
    /// LIFEGUARD_PASSWORD if set, else from the first line of standard input.
    Add {
        /// The store's database file.
        #[arg(long, default_value = "lifeguard.db", env = "LIFEGUARD_DB")]
        db: PathBuf,
        /// Login name: letters, digits, '.', '_', '-'.
        #[arg(long)]
        username: String,
        /// admin, child_safety_moderator, moderator or analyst.
        #[arg(long)]
        role: String,
    },
    /// List accounts and their roles.
    List {
        /// The store's database file.
        #[arg(long, default_value = "lifeguard.db", env = "LIFEGUARD_DB")]
        db: PathBuf,
    },
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    match args.command {
        Command::Add { db, username, role } => {
            let password = match std::env::var("LIFEGUARD_PASSWORD") {
                Ok(p) if !p.is_empty() => p,
                _ => {
                    let mut line = String::new();
                    std::io::stdin()
                        .lock()
                        .read_line(&mut line)
                        .context("reading the password from standard input")?;
                    line.trim_end_matches(['\n', '\r']).to_owned()
                }
            };
            if password.is_empty() {
                bail!("no password: set LIFEGUARD_PASSWORD or pipe it on standard input");
            }
            let store =
                SqliteStore::open(&db).with_context(|| format!("opening {}", db.display()))?;
            lifeguard_console::create_user(&store, &username, &role, &password)?;
            println!("created {username} ({role})");
        }
        Command::List { db } => {
            let store =
                SqliteStore::open(&db).with_context(|| format!("opening {}", db.display()))?;
            for u in store.users()? {
                println!("{}\t{}\t{}", u.username, u.role, u.created_at.to_rfc3339());
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

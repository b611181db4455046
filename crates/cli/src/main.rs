//! `lifeguard`: the one binary. The only place that reads flags and environment,
//! sets up logging and chooses exit codes (0 success, 1 failure or findings,
//! 2 usage error or a feature not built yet).

mod commands;
mod settings;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Lifeguard: a child-safety engine for online platforms and investigators.
///
/// Detects grooming and sextortion in chats as they happen, protects under-18
/// accounts, matches known abuse images by hash, triages seized media, and builds
/// referrals and transparency reports.
#[derive(Parser)]
#[command(name = "lifeguard", version, max_term_width = 100)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the safety service (HTTP API) over an embedded store.
    Serve(commands::serve::Args),
    /// Start the service and replay a synthetic, non-explicit scenario through it.
    Demo(commands::demo::Args),
    /// Load events from JSONL / gzipped JSONL / PAN12 XML files into a store.
    Ingest(commands::ingest::Args),
    /// Replay a labelled corpus message by message and score the detector.
    Eval(commands::eval::Args),
    /// Train the grooming model from labelled corpora.
    Train(commands::eval::TrainCmd),
    /// Hash image files: PDQ, MD5, SHA-1, SHA-256.
    Hash(commands::hash::Args),
    /// Match image files against hash banks.
    Match(commands::matching::Args),
    /// Manage hash banks: import, list, export, remove.
    Bank(commands::bank::Args),
    /// Manage moderator-console accounts: add, list.
    User(commands::user::Args),
    /// Forensic triage: scan seized media against hash banks.
    Scan(commands::scan::Args),
    /// Build referral packages and transparency reports.
    Report(commands::report::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let quiet_default = !matches!(cli.command, Command::Serve(_) | Command::Demo(_));
    commands::init_logging(quiet_default);
    let result = match cli.command {
        Command::Serve(args) => commands::serve::run(args),
        Command::Demo(args) => commands::demo::run(args),
        Command::Ingest(args) => commands::ingest::run(args),
        Command::Eval(args) => commands::eval::run(args),
        Command::Train(args) => commands::eval::train(args),
        Command::Hash(args) => commands::hash::run(args),
        Command::Match(args) => commands::matching::run(args),
        Command::Bank(args) => commands::bank::run(args),
        Command::User(args) => commands::user::run(args),
        Command::Scan(args) => commands::scan::run(args),
        Command::Report(args) => commands::report::run(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            if commands::is_broken_pipe(&e) {
                return ExitCode::SUCCESS;
            }
            eprintln!("lifeguard: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

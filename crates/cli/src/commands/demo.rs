use std::collections::BTreeMap;
use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{bail, Context};
use lifeguard_core::{Event, EventBody, RelationshipKind};
use lifeguard_service::{AppState, BatchResponse};
use lifeguard_store::SqliteStore;

use super::serve::{runtime, serve};

/// The bundled scenario: synthetic and non-explicit (accounts of several ages, an
/// ordinary teen chat, a parent's chat, a chat showing grooming behaviours, and a
/// burst of friend requests from one adult to many minors).
const SCENARIO: &str = include_str!("../demo/scenario.jsonl");
const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

/// Start the service on the embedded store, replay the bundled scenario through its
/// HTTP API, print what happened, then keep serving so you can look around.
#[derive(clap::Args)]
pub struct Args {
    /// Address to serve on. If the default port is taken, a free one is used.
    #[arg(long, default_value = DEFAULT_LISTEN)]
    pub listen: SocketAddr,
    /// Directory for the demo's store (its database is recreated on each run).
    #[arg(long, default_value = "lifeguard-demo")]
    pub dir: PathBuf,
    /// Exit after the replay instead of serving.
    #[arg(long)]
    pub no_serve: bool,
}

fn fresh_store(dir: &Path) -> anyhow::Result<PathBuf> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let db = dir.join("lifeguard.db");
    for suffix in ["", "-wal", "-shm"] {
        let file = PathBuf::from(format!("{}{suffix}", db.display()));
        if file.exists() {
            std::fs::remove_file(&file).with_context(|| format!("removing {}", file.display()))?;
        }
    }
    Ok(db)
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let events: Vec<Event> = SCENARIO
        .lines()
        .enumerate()
        .map(|(i, line)| {
            serde_json::from_str(line).with_context(|| format!("bundled scenario line {}", i + 1))
        })
        .collect::<anyhow::Result<_>>()?;
    let db = fresh_store(&args.dir)?;
    let store = Arc::new(SqliteStore::open(&db)?);
    let rt = runtime()?;
    rt.block_on(async move {
        let listener = match tokio::net::TcpListener::bind(args.listen).await {
            Ok(l) => l,
            Err(e) if args.listen.to_string() == DEFAULT_LISTEN => {
                println!(
                    "note: {DEFAULT_LISTEN} is not available ({e}); using a free port instead"
                );
                tokio::net::TcpListener::bind("127.0.0.1:0").await?
            }
            Err(e) => bail!("cannot listen on {}: {e}", args.listen),
        };
        let addr = listener.local_addr()?;
        let server = tokio::spawn(serve(listener, AppState::new(store)));
        let base = format!("http://{addr}");
        println!(
            "Lifeguard demo: service on {base}, store in {}",
            db.display()
        );
        let replay_base = base.clone();
        let summary = tokio::task::spawn_blocking(move || replay(&replay_base, &events)).await??;
        print_summary(&summary, &base, &db);
        std::io::stdout().flush()?;
        if args.no_serve {
            server.abort();
            return Ok(());
        }
        println!("\nServing until Ctrl-C.");
        std::io::stdout().flush()?;
        server.await??;
        Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}

#[derive(Default)]
struct Summary {
    accepted: usize,
    rejected: usize,
    duplicates: usize,
    by_type: BTreeMap<&'static str, usize>,
    bands: BTreeMap<String, Vec<String>>,
    conversations: BTreeMap<String, usize>,
    requests_by_sender: BTreeMap<String, usize>,
    refusals_of: BTreeMap<String, usize>,
    reports_of: BTreeMap<String, usize>,
}

fn post(base: &str, events: &[Event]) -> anyhow::Result<BatchResponse> {
    let body = serde_json::to_string(&serde_json::json!({ "events": events }))?;
    let mut response = ureq::post(&format!("{base}/v1/events"))
        .header("content-type", "application/json")
        .send(body)
        .context("posting events to the demo service")?;
    let text = response.body_mut().read_to_string()?;
    Ok(serde_json::from_str(&text)?)
}

/// Replays the scenario as a platform would: accounts and relationships in
/// batches, each chat message on its own, as it is sent.
fn replay(base: &str, events: &[Event]) -> anyhow::Result<Summary> {
    let mut summary = Summary::default();
    let (messages, others): (Vec<&Event>, Vec<&Event>) = events
        .iter()
        .partition(|e| matches!(e.body, EventBody::Message(_)));
    let mut answers = vec![post(
        base,
        &others.into_iter().cloned().collect::<Vec<_>>(),
    )?];
    for message in messages {
        answers.push(post(base, std::slice::from_ref(message))?);
    }
    for answer in &answers {
        summary.accepted += answer.accepted;
        summary.rejected += answer.rejected;
        summary.duplicates += answer.duplicates;
    }
    for event in events {
        *summary.by_type.entry(event.body.type_name()).or_default() += 1;
        match &event.body {
            EventBody::AccountCreated(a) => summary
                .bands
                .entry(a.effective_band(2026).as_str().to_owned())
                .or_default()
                .push(a.account.clone()),
            EventBody::Message(m) => {
                *summary
                    .conversations
                    .entry(m.conversation.clone())
                    .or_default() += 1
            }
            EventBody::Relationship(r) => match r.kind {
                RelationshipKind::FriendRequest => {
                    *summary
                        .requests_by_sender
                        .entry(r.from.clone())
                        .or_default() += 1
                }
                RelationshipKind::Reject | RelationshipKind::Block => {
                    *summary.refusals_of.entry(r.to.clone()).or_default() += 1
                }
                RelationshipKind::Report => {
                    *summary.reports_of.entry(r.to.clone()).or_default() += 1
                }
                _ => {}
            },
            _ => {}
        }
    }
    Ok(summary)
}

fn print_summary(s: &Summary, base: &str, db: &Path) {
    println!(
        "\nReplayed {} events through POST /v1/events: {} stored durably, {} duplicates, {} rejected.",
        s.accepted + s.duplicates + s.rejected,
        s.accepted,
        s.duplicates,
        s.rejected
    );
    let types: Vec<String> = s.by_type.iter().map(|(t, n)| format!("{n} {t}")).collect();
    println!("  events: {}", types.join(", "));
    for (band, accounts) in &s.bands {
        println!("  accounts {band:>8}: {}", accounts.join(", "));
    }
    for (conversation, n) in &s.conversations {
        println!("  conversation {conversation}: {n} messages, sent one at a time");
    }
    for (sender, n) in &s.requests_by_sender {
        println!(
            "  {sender} sent {n} friend requests ({} rejected or blocked, {} reported)",
            s.refusals_of.get(sender).copied().unwrap_or(0),
            s.reports_of.get(sender).copied().unwrap_or(0),
        );
    }
    println!("\nWhere to look:");
    println!("  curl {base}/healthz");
    println!("  curl {base}/metrics");
    println!("  curl {base}/v1/events/msg-dm-jordan-maya-9");
    println!(
        "  sqlite3 {} 'select type, count(*) from events group by type'",
        db.display()
    );
    println!(
        "Scoring, safe-account decisions and the moderator console arrive with issues 3, 6 and 7."
    );
}

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{bail, Context};
use lifeguard_core::{Event, EventBody};
use lifeguard_safety::Action;
use lifeguard_service::{AppState, BatchResponse};
use lifeguard_store::SqliteStore;
use serde_json::Value;

use super::serve::{prepare, runtime, serve};

/// The bundled scenario: synthetic and non-explicit (accounts of several ages, an
/// ordinary teen chat, a parent's chat, a chat showing grooming behaviours, a
/// sextortion attempt, a stranger's DM, and a burst of friend requests from one
/// adult to many minors).
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

/// The demo's stand-in for a file on a hotline's hash list: ordinary bytes (not an
/// image), whose SHA-256 the demo puts in a bank, and which the scenario's last
/// media event carries.
const DEMO_KNOWN_FILE: &[u8] = b"lifeguard demo: stand-in for a known file";

fn demo_bank(store: &SqliteStore) -> anyhow::Result<()> {
    use lifeguard_store::{BankHash, BankStore, NewBank};
    store.create_bank(&NewBank {
        name: "demo-hotline".into(),
        label: "known (demo)".into(),
        source: "lifeguard demo".into(),
        pdq_threshold: 31,
    })?;
    let sha256 = lifeguard_media::crypto_hashes(DEMO_KNOWN_FILE).sha256;
    store.add_bank_hashes(
        "demo-hotline",
        &[BankHash {
            hash_type: "sha256".into(),
            hash: sha256,
            label: None,
        }],
    )?;
    Ok(())
}

/// Console accounts for the demo, one per role, with passwords generated for
/// this run (the store is recreated on each run).
fn demo_users(store: &SqliteStore) -> anyhow::Result<Vec<(&'static str, &'static str, String)>> {
    let mut logins = Vec::new();
    for (username, role) in [
        ("admin", "admin"),
        ("casey", "child_safety_moderator"),
        ("morgan", "moderator"),
        ("ana", "analyst"),
    ] {
        let password = lifeguard_console::generate_password()?;
        lifeguard_console::create_user(store, username, role, &password)?;
        logins.push((username, role, password));
    }
    Ok(logins)
}

fn print_console_logins(base: &str, logins: &[(&str, &str, String)]) {
    println!("\nModerator console: {base}/console/login (passwords generated for this run)");
    for (username, role, password) in logins {
        println!("  {username:<8} {role:<24} {password}");
    }
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
    demo_bank(&store)?;
    let logins = demo_users(&store)?;
    let key = lifeguard_service::generate_key()?;
    let prepared = prepare(None, Some(key.clone()))?;
    let state = AppState::open(store, prepared.engine, prepared.keys)?;
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
        let server = tokio::spawn(serve(listener, state, prepared.console, prepared.retention));
        let base = format!("http://{addr}");
        println!(
            "Lifeguard demo: service on {base}, store in {}",
            db.display()
        );
        println!("API key for this run: {key}\n");
        let (b, k) = (base.clone(), key.clone());
        tokio::task::spawn_blocking(move || replay(&b, &k, &events)).await??;
        print_where_to_look(&base, &key, &db);
        print_console_logins(&base, &logins);
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

struct Client<'a> {
    base: &'a str,
    key: &'a str,
}

impl Client<'_> {
    fn post(&self, path: &str, body: String) -> anyhow::Result<String> {
        let mut response = ureq::post(&format!("{}{path}", self.base))
            .header("content-type", "application/json")
            .header("authorization", &format!("Bearer {}", self.key))
            .send(body)
            .with_context(|| format!("POST {path}"))?;
        Ok(response.body_mut().read_to_string()?)
    }

    fn get(&self, path: &str) -> anyhow::Result<Value> {
        let mut response = ureq::get(&format!("{}{path}", self.base))
            .header("authorization", &format!("Bearer {}", self.key))
            .call()
            .with_context(|| format!("GET {path}"))?;
        Ok(serde_json::from_str(
            &response.body_mut().read_to_string()?,
        )?)
    }
}

/// Replays the scenario as a platform would, in time order: runs of account and
/// relationship events in batches, each chat message on its own as it is sent.
/// Prints every decision that is not a plain "allow".
fn replay(base: &str, key: &str, events: &[Event]) -> anyhow::Result<()> {
    let client = Client { base, key };
    let (mut stored, mut total) = (0, 0);
    let mut pending: Vec<&Event> = Vec::new();
    let mut send = |batch: &[&Event]| -> anyhow::Result<()> {
        if batch.is_empty() {
            return Ok(());
        }
        let body = serde_json::to_string(&serde_json::json!({ "events": batch }))?;
        let answer: BatchResponse = serde_json::from_str(&client.post("/v1/events", body)?)?;
        stored += answer.accepted;
        total += batch.len();
        for (event, result) in batch.iter().zip(&answer.results) {
            let Some(d) = &result.decision else { continue };
            if d.action == Action::Allow && d.notices.is_empty() && d.case.is_none() {
                continue;
            }
            let what = match &event.body {
                EventBody::Message(m) => {
                    format!("message {} -> {}", m.sender, m.recipients.join(","))
                }
                EventBody::Relationship(r) => {
                    format!("{:?} {} -> {}", r.kind, r.from, r.to).to_lowercase()
                }
                EventBody::Media(m) => format!("media {} from {}", m.media, m.uploader),
                other => other.type_name().to_owned(),
            };
            let reasons: Vec<String> = d
                .reasons
                .iter()
                .map(|r| {
                    serde_json::to_value(r)
                        .map(|v| v.as_str().unwrap_or("").to_owned())
                        .unwrap_or_default()
                })
                .collect();
            println!("  {what:<44} {:?} [{}]", d.action, reasons.join(", "));
            for n in &d.notices {
                let kind = serde_json::to_value(n.kind)?;
                let extra = match &n.card {
                    Some(c) => format!(
                        " (safety card: account {} days old, different country: {}, mutual connections: {})",
                        c.account_age_days.map_or("?".into(), |d| d.to_string()),
                        c.different_country,
                        c.mutual_connections
                    ),
                    None if !n.helplines.is_empty() => format!(" (helplines: {})", n.helplines.iter().map(|h| h.name.as_str()).collect::<Vec<_>>().join("; ")),
                    None => String::new(),
                };
                println!(
                    "      notice to {}: {}{extra}",
                    n.to,
                    kind.as_str().unwrap_or("")
                );
            }
            if let Some(risk) = d.risk.as_ref().filter(|r| r.alert) {
                let names: Vec<&str> = risk
                    .behaviours
                    .iter()
                    .map(|e| e.behaviour.as_str())
                    .collect();
                println!(
                    "      ALERT: risk {:.2}, suspect {}, behaviours: {}",
                    risk.risk,
                    risk.suspect.as_deref().unwrap_or("?"),
                    names.join(", ")
                );
            }
            if let Some(case) = &d.case {
                println!("      case {case} opened or updated");
            }
        }
        Ok(())
    };
    println!(
        "Replaying {} events (decisions other than a plain allow):",
        events.len() + 1
    );
    // Last, ghost_77 shares a file whose hash is in the demo's bank.
    let known = serde_json::json!({"id": "media-ghost-1", "type": "media", "at": "2026-11-21T10:20:00Z",
        "media": "img-1", "uploader": "ghost_77", "conversation": "dm-ghost-priya",
        "hashes": {"sha256": lifeguard_media::crypto_hashes(DEMO_KNOWN_FILE).sha256}});
    let known: Event = serde_json::from_value(known)?;
    for event in events.iter().chain(std::iter::once(&known)) {
        if matches!(event.body, EventBody::Message(_)) {
            send(&pending)?;
            pending.clear();
            send(&[event])?;
        } else {
            pending.push(event);
        }
    }
    send(&pending)?;
    println!("\n{stored} of {total} events stored durably.");

    println!("\nConversations:");
    for c in [
        "dm-leo-maya",
        "dm-dana-maya",
        "dm-jordan-maya",
        "dm-ghost-priya",
    ] {
        let v = client.get(&format!("/v1/conversations/{c}/risk"))?;
        println!(
            "  {c:<16} risk {:.2}  suspect {:<10} alert at message {}",
            v["risk"].as_f64().unwrap_or(0.0),
            v["suspect"].as_str().unwrap_or("-"),
            v["alert_seq"]
                .as_u64()
                .map_or("-".into(), |s| (s + 1).to_string()),
        );
    }
    println!("\nVisibility (POST /v1/visibility):");
    for (viewer, surface) in [
        ("rex_gamer", "search"),
        ("jordan_k", "suggestions"),
        ("leo", "suggestions"),
    ] {
        let body = serde_json::json!({"viewer": viewer, "surface": surface, "targets": ["maya", "sam", "priya", "dana"]});
        let v: Value = serde_json::from_str(&client.post("/v1/visibility", body.to_string())?)?;
        println!(
            "  {viewer:<10} {surface:<12} sees {}, not {}",
            v["visible"], v["hidden"]
        );
    }
    println!("\nModerator queue (GET /v1/cases, by priority):");
    let cases = client.get("/v1/cases")?;
    for c in cases.as_array().into_iter().flatten() {
        let reasons: Vec<&str> = c["reasons"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        println!(
            "  {:>3}  {:<10} {:<28} {}",
            c["priority"],
            c["suspect"].as_str().unwrap_or(""),
            c["id"].as_str().unwrap_or(""),
            reasons.join(", ")
        );
    }
    Ok(())
}

fn print_where_to_look(base: &str, key: &str, db: &Path) {
    let auth = format!("-H 'Authorization: Bearer {key}'");
    println!("\nWhere to look:");
    println!("  curl {auth} {base}/v1/conversations/dm-jordan-maya/risk");
    println!("  curl {auth} {base}/v1/accounts/rex_gamer/risk");
    println!("  curl {auth} {base}/v1/cases");
    println!("  curl {base}/metrics");
    println!("  the store: {} (SQLite)", db.display());
}

//! A real server on a loopback port, and a blocking client for it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use lifeguard_safety::{Config, SafetyEngine};
use lifeguard_service::{app, ApiKey, ApiKeys, AppState, Scope};
use lifeguard_store::SqliteStore;
use serde_json::{json, Value};

pub const ADMIN: &str = "test-admin-key";
pub const INGEST_ONLY: &str = "test-ingest-key";
pub const READ_ONLY: &str = "test-read-key";

pub struct Server {
    pub url: String,
    pub db: PathBuf,
    pub store: Arc<SqliteStore>,
    pub runtime: Arc<lifeguard_service::Runtime>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Server {
    /// Stops serving, then stops the runtime as `lifeguard serve` does on
    /// SIGTERM (saving a checkpoint).
    pub fn stop_gracefully(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        self.runtime.shutdown().unwrap();
    }
}

pub fn keys() -> ApiKeys {
    ApiKeys(vec![
        ApiKey::from_plaintext("admin", ADMIN, &[Scope::Admin]),
        ApiKey::from_plaintext("platform-ingest", INGEST_ONLY, &[Scope::Ingest]),
        ApiKey::from_plaintext("analytics", READ_ONLY, &[Scope::Read]),
    ])
}

/// Starts the service over the store at `db` (replaying it) on 127.0.0.1:0.
pub fn start(db: &Path) -> Server {
    start_with(db, |_| {})
}

/// Like [`start`], after `prepare` has set up the store (hash banks, say).
pub fn start_with(db: &Path, prepare: impl FnOnce(&SqliteStore)) -> Server {
    start_with_options(db, prepare, lifeguard_service::Options::default())
}

/// Like [`start_with`], with the runtime's options.
pub fn start_with_options(
    db: &Path,
    prepare: impl FnOnce(&SqliteStore),
    options: lifeguard_service::Options,
) -> Server {
    let store = Arc::new(SqliteStore::open(db).unwrap());
    prepare(&store);
    let engine = SafetyEngine::new(Config::default_config()).unwrap();
    let state = AppState::with_options(store.clone(), engine, keys(), options).unwrap();
    let runtime = state.runtime.clone();
    let (addr_tx, addr_rx) = std::sync::mpsc::channel();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            addr_tx.send(listener.local_addr().unwrap()).unwrap();
            axum::serve(listener, app(state))
                .with_graceful_shutdown(async {
                    let _ = stop_rx.await;
                })
                .await
                .unwrap();
        });
    });
    let addr = addr_rx.recv().unwrap();
    Server {
        url: format!("http://{addr}"),
        db: db.to_owned(),
        store,
        runtime,
        shutdown: Some(stop_tx),
        thread: Some(thread),
    }
}

pub struct Response {
    pub status: u16,
    pub body: String,
}

impl Response {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into()
}

impl Server {
    pub fn post(&self, path: &str, key: Option<&str>, body: &str) -> Response {
        let mut req = agent()
            .post(&format!("{}{path}", self.url))
            .header("content-type", "application/json");
        if let Some(k) = key {
            req = req.header("authorization", &format!("Bearer {k}"));
        }
        let mut r = req.send(body).unwrap();
        Response {
            status: r.status().as_u16(),
            body: r.body_mut().read_to_string().unwrap_or_default(),
        }
    }

    pub fn get(&self, path: &str, key: Option<&str>) -> Response {
        let mut req = agent().get(&format!("{}{path}", self.url));
        if let Some(k) = key {
            req = req.header("authorization", &format!("Bearer {k}"));
        }
        let mut r = req.call().unwrap();
        Response {
            status: r.status().as_u16(),
            body: r.body_mut().read_to_string().unwrap_or_default(),
        }
    }

    /// Sends events one batch; returns each event's decision (null when none).
    pub fn send(&self, events: &[Value]) -> Vec<Value> {
        let r = self.post(
            "/v1/events",
            Some(INGEST_ONLY),
            &json!({ "events": events }).to_string(),
        );
        assert_eq!(r.status, 200, "{}", r.body);
        let answer = r.json();
        answer["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|res| {
                assert_ne!(res["status"], "rejected", "{res}");
                res["decision"].clone()
            })
            .collect()
    }

    pub fn one(&self, event: Value) -> Value {
        self.send(&[event]).pop().unwrap()
    }
}

pub fn account(id: &str, band: &str, country: &str, created: &str) -> Value {
    json!({"id": format!("acc-{id}"), "type": "account_created", "at": created, "account": id,
           "age_band": band, "country": country, "created_at": created})
}

pub fn rel(id: &str, kind: &str, from: &str, to: &str, at: &str) -> Value {
    json!({"id": id, "type": "relationship", "at": at, "kind": kind, "from": from, "to": to})
}

pub fn msg(id: &str, conversation: &str, from: &str, to: &str, text: &str, at: &str) -> Value {
    json!({"id": id, "type": "message", "at": at, "conversation": conversation, "sender": from,
           "recipients": [to], "text": text})
}

pub fn reasons(decision: &Value) -> Vec<String> {
    decision["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap().to_owned())
        .collect()
}

pub fn notice<'a>(decision: &'a Value, kind: &str) -> Option<&'a Value> {
    decision["notices"]
        .as_array()
        .and_then(|n| n.iter().find(|n| n["kind"] == kind))
}

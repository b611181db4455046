//! The demo scenario in a fresh store, the service and the console over it, and
//! a small client for the console's forms.
#![allow(dead_code)]

use std::sync::Arc;

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use lifeguard_console::{ConsoleConfig, ConsoleState};
use lifeguard_core::Event;
use lifeguard_safety::{Config, SafetyEngine};
use lifeguard_service::{ApiKey, ApiKeys, AppState, Scope};
use lifeguard_store::{BankHash, BankStore, EventStore, NewBank, SqliteStore};
use tower::ServiceExt;

/// The bundled demo scenario (synthetic, non-explicit).
pub const SCENARIO: &str = include_str!("../../../cli/src/demo/scenario.jsonl");
/// Stand-in bytes whose SHA-256 is put in a bank (not an image).
pub const KNOWN_FILE: &[u8] = b"lifeguard demo: stand-in for a known file";

pub const PASSWORD: &str = "correct horse battery staple";
pub const ADMIN: &str = "admin";
pub const CSM: &str = "casey";
pub const MODERATOR: &str = "morgan";
pub const ANALYST: &str = "ana";

pub struct TestApp {
    pub router: Router,
    pub store: Arc<SqliteStore>,
    pub state: ConsoleState,
    pub _dir: tempfile::TempDir,
}

pub fn default_config() -> ConsoleConfig {
    ConsoleConfig::from_document(&lifeguard_safety::config_document("").unwrap()).unwrap()
}

/// An API key with every scope, for the service's `/v1` routes.
pub const API_KEY: &str = "console-test-api-key";

/// The scenario replayed into a fresh store, with one user per role.
pub fn app(config: ConsoleConfig) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SqliteStore::open(&dir.path().join("console.db")).unwrap());
    store
        .create_bank(&NewBank {
            name: "test-bank".into(),
            label: "known (test)".into(),
            source: "test".into(),
            pdq_threshold: 31,
        })
        .unwrap();
    let sha256 = lifeguard_media::crypto_hashes(KNOWN_FILE).sha256;
    store
        .add_bank_hashes(
            "test-bank",
            &[BankHash {
                hash_type: "sha256".into(),
                hash: sha256.clone(),
                label: None,
            }],
        )
        .unwrap();
    let mut events: Vec<Event> = SCENARIO
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    events.push(
        serde_json::from_value(serde_json::json!({"id": "media-ghost-1", "type": "media",
            "at": "2026-11-21T10:20:00Z", "media": "img-1", "uploader": "ghost_77",
            "conversation": "dm-ghost-priya", "hashes": {"sha256": sha256}}))
        .unwrap(),
    );
    store.append(&events).unwrap();
    for (name, role) in [
        (ADMIN, "admin"),
        (CSM, "child_safety_moderator"),
        (MODERATOR, "moderator"),
        (ANALYST, "analyst"),
        ("casey2", "child_safety_moderator"),
    ] {
        lifeguard_console::create_user(store.as_ref(), name, role, PASSWORD).unwrap();
    }
    serve(store, dir, config)
}

/// The service and the console over a store, as `lifeguard serve` starts them.
fn serve(store: Arc<SqliteStore>, dir: tempfile::TempDir, config: ConsoleConfig) -> TestApp {
    let engine = SafetyEngine::new(Config::default_config()).unwrap();
    let keys = ApiKeys(vec![ApiKey::from_plaintext(
        "test",
        API_KEY,
        &[Scope::Ingest, Scope::Read, Scope::Admin],
    )]);
    let state = AppState::open(store.clone(), engine, keys).unwrap();
    let console =
        ConsoleState::with_config(state.store.clone(), state.engine.clone(), config).unwrap();
    let router =
        lifeguard_service::app(state).nest("/console", lifeguard_console::router(console.clone()));
    TestApp {
        router,
        store,
        state: console,
        _dir: dir,
    }
}

/// The same store after the service stopped and started again.
pub fn restart(app: TestApp, config: ConsoleConfig) -> TestApp {
    let TestApp {
        router,
        store,
        state,
        _dir,
    } = app;
    let path = _dir.path().join("console.db");
    drop((router, state, store));
    serve(Arc::new(SqliteStore::open(&path).unwrap()), _dir, config)
}

/// A request to the service's API with [`API_KEY`]: the status and the JSON.
pub async fn api(
    router: &Router,
    method: &str,
    path: &str,
    body: Option<String>,
) -> (StatusCode, serde_json::Value) {
    let mut req = Request::builder()
        .method(method)
        .uri(path)
        .header("authorization", format!("Bearer {API_KEY}"));
    if body.is_some() {
        req = req.header("content-type", "application/json");
    }
    let req = req
        .body(body.map(Body::from).unwrap_or_else(Body::empty))
        .unwrap();
    let response = router.clone().oneshot(req).await.unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null),
    )
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn location(&self) -> &str {
        self.headers
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    pub fn set_cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|c| c.starts_with(&format!("{name}=")))
            .map(str::to_owned)
    }
}

pub fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

pub fn form(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(k, v)| format!("{k}={}", urlencode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// One request through the router; the future owns its arguments.
pub fn send(
    router: &Router,
    method: &str,
    path: &str,
    cookie: &str,
    body: Option<String>,
) -> impl std::future::Future<Output = Reply> + 'static {
    let (router, method, path, cookie) = (
        router.clone(),
        method.to_owned(),
        path.to_owned(),
        cookie.to_owned(),
    );
    async move {
        let mut req = Request::builder().method(method.as_str()).uri(path);
        if !cookie.is_empty() {
            req = req.header("cookie", cookie);
        }
        let req = match body {
            Some(b) => req
                .header("content-type", "application/x-www-form-urlencoded")
                .body(Body::from(b))
                .unwrap(),
            None => req.body(Body::empty()).unwrap(),
        };
        let response = router.oneshot(req).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        Reply {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }
}

/// The value of the first `name="NAME" value="..."` in a page.
pub fn field(html: &str, name: &str) -> Option<String> {
    let key = format!("name=\"{name}\" value=\"");
    let start = html.find(&key)? + key.len();
    let end = html[start..].find('"')? + start;
    Some(html[start..end].to_owned())
}

/// A signed-in user: the session cookie and the CSRF token.
pub struct User {
    pub cookie: String,
    pub csrf: String,
}

/// Cookie pair (`name=value`) from a Set-Cookie header.
pub fn pair(set_cookie: &str) -> String {
    set_cookie.split(';').next().unwrap_or("").to_owned()
}

pub async fn login(router: &Router, username: &str, password: &str) -> Result<User, Reply> {
    let page = send(router, "GET", "/console/login", "", None).await;
    let nonce_cookie = pair(&page.set_cookie("lg_login").expect("login cookie"));
    let nonce = field(&page.body, "nonce").expect("nonce field");
    let reply = send(
        router,
        "POST",
        "/console/login",
        &nonce_cookie,
        Some(form(&[
            ("username", username),
            ("password", password),
            ("nonce", &nonce),
        ])),
    )
    .await;
    let Some(session) = reply.set_cookie("lg_console") else {
        return Err(reply);
    };
    let cookie = pair(&session);
    let home = send(router, "GET", "/console/sla", &cookie, None).await;
    let csrf = field(&home.body, "csrf").expect("csrf field");
    Ok(User { cookie, csrf })
}

/// Case ids in the order a page lists them (`data-case="..."`).
pub fn listed_cases(html: &str) -> Vec<String> {
    html.match_indices("data-case=\"")
        .map(|(i, m)| {
            let start = i + m.len();
            let end = html[start..].find('"').unwrap() + start;
            html[start..end].to_owned()
        })
        .collect()
}

//! API keys with scopes. Keys are kept only as SHA-256 digests; a request names
//! its key in `Authorization: Bearer KEY`.

use std::collections::BTreeSet;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::{AppError, AppState};

/// What a key may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Send events and media.
    Ingest,
    /// Read risk, decisions and cases.
    Read,
    /// Everything.
    Admin,
}

/// One client's key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKey {
    /// The client's name (logged on use; the key never is).
    pub name: String,
    /// What it may do.
    pub scopes: BTreeSet<Scope>,
    /// Lowercase hex SHA-256 of the key.
    pub sha256: String,
}

impl ApiKey {
    /// A key entry for a plaintext key.
    pub fn from_plaintext(name: &str, key: &str, scopes: &[Scope]) -> ApiKey {
        ApiKey {
            name: name.to_owned(),
            scopes: scopes.iter().copied().collect(),
            sha256: digest_hex(key),
        }
    }
}

/// A fresh random key: `lg_` and 32 random bytes in hex.
pub fn generate_key() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    Ok(format!("lg_{}", hex(&bytes)))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn digest_hex(key: &str) -> String {
    hex(&Sha256::digest(key.as_bytes()))
}

/// Compares without an early exit, so timing does not tell how much matched.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The configured keys.
#[derive(Debug, Clone, Default)]
pub struct ApiKeys(pub Vec<ApiKey>);

impl ApiKeys {
    /// The key presented, if it is one of ours.
    pub fn find(&self, presented: &str) -> Option<&ApiKey> {
        let digest = digest_hex(presented);
        let mut found = None;
        for key in &self.0 {
            if same(key.sha256.as_bytes(), digest.as_bytes()) {
                found = Some(key);
            }
        }
        found
    }
}

async fn require(
    scope: Scope,
    state: AppState,
    request: Request,
    next: Next,
) -> Result<Response, AppError> {
    let presented = request
        .headers()
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    let Some(presented) = presented else {
        return Err(AppError::Unauthorized(
            "missing `Authorization: Bearer KEY` header".into(),
        ));
    };
    let Some(key) = state.keys.find(presented) else {
        return Err(AppError::Unauthorized("unknown API key".into()));
    };
    if !(key.scopes.contains(&scope) || key.scopes.contains(&Scope::Admin)) {
        return Err(AppError::Forbidden(format!(
            "key {:?} lacks the {scope:?} scope",
            key.name
        )));
    }
    tracing::debug!(client = %key.name, ?scope, "authorised");
    Ok(next.run(request).await)
}

pub(crate) async fn require_ingest(
    State(s): State<AppState>,
    r: Request,
    n: Next,
) -> Result<Response, AppError> {
    require(Scope::Ingest, s, r, n).await
}

pub(crate) async fn require_read(
    State(s): State<AppState>,
    r: Request,
    n: Next,
) -> Result<Response, AppError> {
    require(Scope::Read, s, r, n).await
}

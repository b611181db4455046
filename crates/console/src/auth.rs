//! Accounts, sessions and CSRF.
//!
//! Passwords are kept as argon2id PHC strings. A session is a random 256-bit
//! token in an `HttpOnly`, `SameSite=Strict` cookie scoped to `/console`; the
//! store keeps only its SHA-256. Each session has its own random CSRF token,
//! which every form carries and every POST must return. Repeated failed logins
//! for one username are refused for a while.

use std::collections::HashMap;
use std::sync::Mutex;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::http::HeaderMap;
use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};

use crate::model::Role;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "lg_console";
/// The login form's double-submit cookie (CSRF before there is a session).
pub const LOGIN_COOKIE: &str = "lg_login";

/// Shortest accepted password.
pub const MIN_PASSWORD_CHARS: usize = 12;

/// Why an account could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AccountError {
    /// The password is too short.
    #[error("the password must have at least {MIN_PASSWORD_CHARS} characters")]
    WeakPassword,
    /// The username is empty, too long or has unusual characters.
    #[error("usernames are 1-64 characters: letters, digits, '.', '_', '-'")]
    BadUsername,
    /// The role is not one of the four.
    #[error("unknown role {0:?} (admin, child_safety_moderator, moderator, analyst)")]
    BadRole(String),
    /// The name is taken, or the store failed.
    #[error("cannot create the user: {0}")]
    Store(#[from] lifeguard_store::StoreError),
    /// Hashing failed (no randomness).
    #[error("cannot hash the password: {0}")]
    Hash(String),
}

/// Random bytes as lowercase hex.
pub(crate) fn random_hex(bytes: usize) -> Result<String, getrandom::Error> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf)?;
    Ok(hex(&buf))
}

/// A random password of 20 hex characters (80 bits), for generated accounts.
pub fn generate_password() -> Result<String, getrandom::Error> {
    random_hex(10)
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub(crate) fn sha256_hex(text: &str) -> String {
    hex(&Sha256::digest(text.as_bytes()))
}

/// An argon2id hash of the password (random salt), as a PHC string.
pub fn hash_password(password: &str) -> Result<String, AccountError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(AccountError::WeakPassword);
    }
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| AccountError::Hash(e.to_string()))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| AccountError::Hash(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AccountError::Hash(e.to_string()))
}

/// Whether `password` matches the stored PHC string.
pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A password hash that no password matches, verified when the username is
/// unknown so that timing does not reveal which usernames exist.
pub(crate) fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| {
        let secret = random_hex(16).unwrap_or_else(|_| "lifeguard-decoy-secret".into());
        hash_password(&secret).unwrap_or_default()
    })
}

/// Creates a console user in the store.
pub fn create_user(
    store: &dyn lifeguard_store::ConsoleStore,
    username: &str,
    role: &str,
    password: &str,
) -> Result<i64, AccountError> {
    let valid = !username.is_empty()
        && username.len() <= 64
        && username
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if !valid {
        return Err(AccountError::BadUsername);
    }
    let role = Role::parse(role).ok_or_else(|| AccountError::BadRole(role.into()))?;
    let hash = hash_password(password)?;
    Ok(store.create_user(username, role.as_str(), &hash)?)
}

/// A cookie's value from the request.
pub(crate) fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A `Set-Cookie` value for a console cookie.
pub(crate) fn set_cookie(name: &str, value: &str, max_age_s: i64, secure: bool) -> String {
    format!(
        "{name}={value}; Path=/console; HttpOnly; SameSite=Strict; Max-Age={max_age_s}{}",
        if secure { "; Secure" } else { "" }
    )
}

/// Compares without an early exit.
pub(crate) fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Failed logins per username within a window.
#[derive(Default)]
pub(crate) struct LoginLimiter {
    failures: Mutex<HashMap<String, (u32, DateTime<Utc>)>>,
}

impl LoginLimiter {
    /// Whether this username may try now.
    pub(crate) fn allowed(&self, username: &str, max: u32, window: Duration) -> bool {
        let now = Utc::now();
        let map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        match map.get(username) {
            Some((n, since)) => *n < max || now - *since > window,
            None => true,
        }
    }

    pub(crate) fn failed(&self, username: &str, window: Duration) {
        let now = Utc::now();
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() > 100_000 {
            map.retain(|_, (_, since)| now - *since <= window);
        }
        let entry = map.entry(username.to_owned()).or_insert((0, now));
        if now - entry.1 > window {
            *entry = (0, now);
        }
        entry.0 += 1;
    }

    pub(crate) fn succeeded(&self, username: &str) {
        self.failures
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(username);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_and_verify() {
        let h = hash_password("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &h));
        assert!(!verify_password("correct horse battery!", &h));
        assert!(!verify_password("anything at all here", decoy_hash()));
        assert!(!verify_password("x", "not a phc string"));
        assert!(matches!(
            hash_password("short"),
            Err(AccountError::WeakPassword)
        ));
    }

    #[test]
    fn the_limiter_locks_after_repeated_failures() {
        let l = LoginLimiter::default();
        let w = Duration::minutes(15);
        for _ in 0..3 {
            assert!(l.allowed("a", 3, w));
            l.failed("a", w);
        }
        assert!(!l.allowed("a", 3, w));
        assert!(l.allowed("b", 3, w));
        l.succeeded("a");
        assert!(l.allowed("a", 3, w));
    }

    #[test]
    fn cookies_are_found_among_others() {
        let mut h = HeaderMap::new();
        h.insert("cookie", "a=1; lg_console=tok; b=2".parse().unwrap());
        assert_eq!(cookie(&h, SESSION_COOKIE), Some("tok"));
        assert_eq!(cookie(&h, "zz"), None);
        let c = set_cookie(SESSION_COOKIE, "v", 60, false);
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Strict") && !c.contains("Secure"));
    }
}

//! Actions to the platform: a JSON POST per action, signed with HMAC-SHA256 over
//! the exact body (`X-Lifeguard-Signature: sha256=HEX`), retried with doubling
//! delays until delivered or out of attempts. Deliveries are rows in the store,
//! written in the same commit as the action, so none is lost across restarts.

use std::time::Duration;

use chrono::Utc;
use hmac::{KeyInit, Mac};
use serde::Serialize;

use crate::auth::hex;
use crate::ConsoleState;

/// The signature header.
pub const SIGNATURE_HEADER: &str = "x-lifeguard-signature";

/// `sha256=` and the lowercase hex HMAC-SHA256 of `body` under `secret`.
pub fn sign(secret: &str, body: &[u8]) -> String {
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes())
        .expect("HMAC takes keys of any length");
    mac.update(body);
    format!("sha256={}", hex(&mac.finalize().into_bytes()))
}

/// Whether `signature` (the header's value) is `body` signed with `secret`.
pub fn verify(secret: &str, body: &[u8], signature: &str) -> bool {
    crate::auth::same(&sign(secret, body), signature)
}

/// What the platform receives for one action.
#[derive(Debug, Serialize)]
pub struct ActionPayload<'a> {
    /// A random id for this action, for the platform to de-duplicate retries.
    pub delivery_key: &'a str,
    /// The case.
    pub case: &'a str,
    /// The account to act on.
    pub account: &'a str,
    /// The action's wire name.
    pub action: &'a str,
    /// The moderator's reason, if given.
    pub reason: Option<&'a str>,
    /// Who decided.
    pub moderator: &'a str,
    /// The case's queue and category.
    pub queue: &'a str,
    /// See `queue`.
    pub category: &'a str,
    /// When, RFC 3339.
    pub at: String,
}

/// Starts the delivery loop on the current runtime, if a webhook is configured.
pub fn spawn_worker(state: ConsoleState) -> Option<tokio::task::JoinHandle<()>> {
    let webhook = state.config.webhook.clone()?;
    let secret = state.config.webhook_secret()?;
    Some(tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = state.wake.notified() => {},
                _ = tokio::time::sleep(Duration::from_millis(500)) => {},
            }
            let (store, secret, webhook) = (state.store.clone(), secret.clone(), webhook.clone());
            let outcome = tokio::task::spawn_blocking(move || {
                deliver_due(
                    store.as_ref(),
                    &secret,
                    webhook.max_attempts,
                    webhook.backoff_ms,
                )
            })
            .await;
            if let Ok(Err(e)) = outcome {
                tracing::warn!(error = %e, "webhook deliveries: store error");
            }
        }
    }))
}

/// One pass: attempts every delivery that is due.
pub fn deliver_due(
    store: &dyn lifeguard_store::Store,
    secret: &str,
    max_attempts: u32,
    backoff_ms: u64,
) -> Result<usize, lifeguard_store::StoreError> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .into();
    let due = store.due_deliveries(Utc::now(), 50)?;
    let n = due.len();
    for d in due {
        let result = agent
            .post(&d.url)
            .header("content-type", "application/json")
            .header(SIGNATURE_HEADER, &sign(secret, d.body.as_bytes()))
            .header("x-lifeguard-delivery", &d.id.to_string())
            .send(d.body.as_bytes());
        let error = match result {
            Ok(r) if r.status().is_success() => None,
            Ok(r) => Some(format!("HTTP {}", r.status().as_u16())),
            Err(e) => Some(e.to_string()),
        };
        let now = Utc::now();
        match error {
            None => {
                store.delivery_attempted(d.id, true, None, None, now)?;
                tracing::info!(delivery = d.id, action = d.action_id, "webhook delivered");
            }
            Some(e) => {
                let attempts = d.attempts + 1;
                let next = (attempts < max_attempts).then(|| {
                    let delay = backoff_ms
                        .saturating_mul(1u64 << (attempts - 1).min(20))
                        .min(3_600_000);
                    now + chrono::Duration::milliseconds(delay as i64)
                });
                tracing::warn!(delivery = d.id, attempts, error = %e, gave_up = next.is_none(), "webhook delivery failed");
                store.delivery_attempted(d.id, false, Some(&e), next, now)?;
            }
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_are_hmac_sha256_over_the_body() {
        // RFC 4231 test case 2.
        let s = sign("Jefe", b"what do ya want for nothing?");
        assert_eq!(
            s,
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert!(verify("Jefe", b"what do ya want for nothing?", &s));
        assert!(!verify("Jefe", b"what do ya want for nothing!", &s));
    }
}

//! Preservation holds: when a case is referred, its evidence (the case's
//! events, its conversations, the accounts' records) is held for at least a
//! year (the US REPORT Act), whatever the retention settings; only an admin can
//! release a hold, only after that period, and every step is audited.

use chrono::{DateTime, Duration, Utc};
use lifeguard_store::{AuditRecord, NewHold, PurgeOutcome, ReleaseOutcome, Store};

use crate::config::{RetentionConfig, MIN_PRESERVATION_DAYS};
use crate::Error;

/// Who is acting (a console user).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// Username.
    pub username: String,
    /// Role wire name.
    pub role: String,
}

/// Why a release was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum HoldError {
    /// Only admins release holds.
    #[error("only an admin may release a preservation hold")]
    NotAdmin,
    /// The period has not ended.
    #[error("hold {0} is kept until its preservation period ends")]
    TooEarly(i64),
    /// No such hold.
    #[error("no hold {0}")]
    NotFound(i64),
    /// Released before.
    #[error("hold {0} was already released")]
    AlreadyReleased(i64),
    /// The store failed.
    #[error("store: {0}")]
    Store(String),
}

impl From<lifeguard_store::StoreError> for HoldError {
    fn from(e: lifeguard_store::StoreError) -> Self {
        HoldError::Store(e.to_string())
    }
}

/// Holds a case's evidence for `retention.preservation_days` (at least 365).
/// Returns the hold's id.
pub fn place(
    store: &dyn Store,
    case_id: &str,
    referral_id: Option<i64>,
    reason: &str,
    actor: &Actor,
    retention: &RetentionConfig,
    now: DateTime<Utc>,
) -> Result<i64, Error> {
    let case = crate::gather::case(store, case_id)?;
    let event_ids = crate::gather::case_event_ids(store, &case)?;
    let days = retention.preservation_days.max(MIN_PRESERVATION_DAYS);
    Ok(store.create_hold(&NewHold {
        case_id: case_id.into(),
        referral_id,
        reason: reason.into(),
        created_by: actor.username.clone(),
        role: actor.role.clone(),
        created_at: now,
        held_until: now + Duration::days(days),
        event_ids,
    })?)
}

/// Releases a hold: admins only, after its period; a refused attempt by
/// someone else is audited too.
pub fn release(
    store: &dyn Store,
    hold_id: i64,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<(), HoldError> {
    if actor.role != "admin" {
        store.append_audit(&AuditRecord {
            id: 0,
            at: now,
            username: actor.username.clone(),
            role: actor.role.clone(),
            kind: "hold_release_refused".into(),
            case_id: None,
            detail: format!("hold {hold_id}: not an admin"),
        })?;
        return Err(HoldError::NotAdmin);
    }
    match store.release_hold(hold_id, &actor.username, &actor.role, now)? {
        ReleaseOutcome::Released => Ok(()),
        ReleaseOutcome::TooEarly => Err(HoldError::TooEarly(hold_id)),
        ReleaseOutcome::NotFound => Err(HoldError::NotFound(hold_id)),
        ReleaseOutcome::AlreadyReleased => Err(HoldError::AlreadyReleased(hold_id)),
    }
}

/// Applies `[retention] events_days`: purges events received before
/// `now - events_days` except held ones. `None` when retention is off (0).
pub fn purge(
    store: &dyn Store,
    retention: &RetentionConfig,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<Option<PurgeOutcome>, Error> {
    if retention.events_days == 0 {
        return Ok(None);
    }
    let cutoff = now - Duration::days(retention.events_days);
    Ok(Some(store.purge_events_before(
        cutoff,
        &actor.username,
        &actor.role,
        now,
    )?))
}

//! Records for referrals and transparency (issue 8): preservation holds on a
//! case's evidence, CyberTipline submission state, which moderation decisions
//! have had their statement of reasons exported, and retention purges that
//! respect holds.
//!
//! Referrals themselves are created by the console's "refer to law enforcement"
//! action (`console_referrals`); this module reads the console's tables but only
//! ever writes its own, except the referral's `status` column (which the console
//! leaves for this issue to advance) and audit entries (append-only).

use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};

use crate::console::{opt_time, time, ts};
use crate::{ActionRecord, CaseRecord, SqliteStore, StoreError};

pub(crate) const SCHEMA: &str = r#"
-- Preservation holds: evidence tied to a referral is kept until held_until
-- whatever the retention settings, and released only by an admin.
CREATE TABLE IF NOT EXISTS referral_holds (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id     TEXT NOT NULL,
    referral_id INTEGER,
    reason      TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    held_until  TEXT NOT NULL,
    released_at TEXT,
    released_by TEXT
);
CREATE INDEX IF NOT EXISTS referral_holds_case ON referral_holds(case_id);
-- The events each hold keeps (the case's evidence, its conversations, the
-- accounts' records), fixed when the hold is made.
CREATE TABLE IF NOT EXISTS referral_hold_events (
    hold_id  INTEGER NOT NULL REFERENCES referral_holds(id),
    event_id TEXT NOT NULL,
    PRIMARY KEY (hold_id, event_id)
);
CREATE INDEX IF NOT EXISTS referral_hold_events_event ON referral_hold_events(event_id);
-- A referral's CyberTipline submission: report id, uploaded file ids, state.
CREATE TABLE IF NOT EXISTS referral_submissions (
    referral_id INTEGER PRIMARY KEY,
    report_id   TEXT,
    status      TEXT NOT NULL,
    files       TEXT NOT NULL,
    error       TEXT,
    updated_at  TEXT NOT NULL
);
-- Moderation decisions whose statement of reasons has been exported.
CREATE TABLE IF NOT EXISTS statement_exports (
    action_id   INTEGER PRIMARY KEY,
    batch       TEXT NOT NULL,
    exported_at TEXT NOT NULL
);
"#;

/// A preservation hold to create.
#[derive(Debug, Clone, PartialEq)]
pub struct NewHold {
    /// The case whose evidence is held.
    pub case_id: String,
    /// The referral that requires it, if any.
    pub referral_id: Option<i64>,
    /// Why (a legal basis, e.g. "REPORT Act preservation"); ids only, no message text.
    pub reason: String,
    /// Who made it.
    pub created_by: String,
    /// Their role, for the audit entry.
    pub role: String,
    /// When.
    pub created_at: DateTime<Utc>,
    /// Kept at least until then.
    pub held_until: DateTime<Utc>,
    /// The event ids held.
    pub event_ids: Vec<String>,
}

/// A stored preservation hold.
#[derive(Debug, Clone, PartialEq)]
pub struct HoldRecord {
    /// Row id.
    pub id: i64,
    /// The case.
    pub case_id: String,
    /// The referral, if any.
    pub referral_id: Option<i64>,
    /// Why.
    pub reason: String,
    /// Who made it.
    pub created_by: String,
    /// When.
    pub created_at: DateTime<Utc>,
    /// Kept at least until then.
    pub held_until: DateTime<Utc>,
    /// Released, when.
    pub released_at: Option<DateTime<Utc>>,
    /// Released by whom.
    pub released_by: Option<String>,
    /// How many events it holds.
    pub events: u64,
}

impl HoldRecord {
    /// Still in force (not released).
    pub fn active(&self) -> bool {
        self.released_at.is_none()
    }
}

/// What releasing a hold did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReleaseOutcome {
    /// Released now.
    Released,
    /// No such hold.
    NotFound,
    /// Already released earlier.
    AlreadyReleased,
    /// The minimum preservation period has not ended.
    TooEarly,
}

/// What a retention purge did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PurgeOutcome {
    /// Events deleted.
    pub purged: u64,
    /// Events older than the cutoff kept because a hold covers them.
    pub kept_by_hold: u64,
}

/// A referral's CyberTipline submission state.
#[derive(Debug, Clone, PartialEq)]
pub struct SubmissionRecord {
    /// The referral (console_referrals.id).
    pub referral_id: i64,
    /// NCMEC's report id, once `submit` answered.
    pub report_id: Option<String>,
    /// `submitting`, `submitted` (finished), `retracted` or `failed`.
    pub status: String,
    /// NCMEC's file ids for uploaded files.
    pub files: Vec<String>,
    /// The last error, if any (codes and descriptions, never evidence).
    pub error: Option<String>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// Storage for referrals, holds, submissions and statement exports.
pub trait ReferralStore: Send + Sync {
    /// Creates a hold over the given events, with its audit entry, in one commit.
    fn create_hold(&self, hold: &NewHold) -> Result<i64, StoreError>;
    /// Every hold, oldest first.
    fn holds(&self) -> Result<Vec<HoldRecord>, StoreError>;
    /// The event ids a hold keeps.
    fn held_events(&self, hold_id: i64) -> Result<Vec<String>, StoreError>;
    /// Releases a hold, with its audit entry, in one commit; refuses before
    /// `held_until` (the store enforces the minimum period whoever asks; the
    /// caller checks the role).
    fn release_hold(
        &self,
        hold_id: i64,
        username: &str,
        role: &str,
        at: DateTime<Utc>,
    ) -> Result<ReleaseOutcome, StoreError>;
    /// Deletes events received before `cutoff` except those an active hold
    /// keeps, and appends an audit entry with the counts.
    fn purge_events_before(
        &self,
        cutoff: DateTime<Utc>,
        username: &str,
        role: &str,
        at: DateTime<Utc>,
    ) -> Result<PurgeOutcome, StoreError>;

    /// Stores a referral's submission state and advances the referral's status
    /// to the same value.
    fn put_submission(&self, submission: &SubmissionRecord) -> Result<(), StoreError>;
    /// A referral's submission state.
    fn submission(&self, referral_id: i64) -> Result<Option<SubmissionRecord>, StoreError>;

    /// Marks decisions' statements of reasons as exported in `batch`.
    fn mark_statements_exported(
        &self,
        action_ids: &[i64],
        batch: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// The decisions whose statements were exported.
    fn exported_statements(&self) -> Result<Vec<i64>, StoreError>;

    /// Cases (any status) opened in `[from, to)`, by opening time.
    fn cases_opened_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<CaseRecord>, StoreError>;
    /// Moderator actions (any case) taken in `[from, to)`, oldest first.
    fn actions_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<ActionRecord>, StoreError>;
}

fn audit(
    tx: &rusqlite::Connection,
    at: DateTime<Utc>,
    username: &str,
    role: &str,
    kind: &str,
    case_id: Option<&str>,
    detail: &str,
) -> rusqlite::Result<()> {
    tx.execute(
        "INSERT INTO console_audit (at, username, role, kind, case_id, detail)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![ts(at), username, role, kind, case_id, detail],
    )?;
    Ok(())
}

impl ReferralStore for SqliteStore {
    fn create_hold(&self, hold: &NewHold) -> Result<i64, StoreError> {
        let hold = hold.clone();
        self.write(move |tx| {
        tx.execute(
            "INSERT INTO referral_holds (case_id, referral_id, reason, created_by, created_at, held_until)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                hold.case_id,
                hold.referral_id,
                hold.reason,
                hold.created_by,
                ts(hold.created_at),
                ts(hold.held_until)
            ],
        )?;
        let id = tx.last_insert_rowid();
        {
            let mut insert = tx.prepare_cached(
                "INSERT OR IGNORE INTO referral_hold_events (hold_id, event_id) VALUES (?1, ?2)",
            )?;
            for event in &hold.event_ids {
                insert.execute(params![id, event])?;
            }
        }
        audit(
            tx,
            hold.created_at,
            &hold.created_by,
            &hold.role,
            "hold_created",
            Some(&hold.case_id),
            &format!(
                "hold {id}, {} events, until {}",
                hold.event_ids.len(),
                hold.held_until.date_naive()
            ),
        )?;
        Ok(id)
        })
    }

    fn holds(&self) -> Result<Vec<HoldRecord>, StoreError> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(
            "SELECT h.id, h.case_id, h.referral_id, h.reason, h.created_by, h.created_at, h.held_until,
                    h.released_at, h.released_by,
                    (SELECT count(*) FROM referral_hold_events e WHERE e.hold_id = h.id)
             FROM referral_holds h ORDER BY h.id",
        )?;
        let rows = stmt.query_map([], |row| {
            Ok(HoldRecord {
                id: row.get(0)?,
                case_id: row.get(1)?,
                referral_id: row.get(2)?,
                reason: row.get(3)?,
                created_by: row.get(4)?,
                created_at: time(&row.get::<_, String>(5)?)?,
                held_until: time(&row.get::<_, String>(6)?)?,
                released_at: opt_time(row.get(7)?)?,
                released_by: row.get(8)?,
                events: row.get::<_, i64>(9)? as u64,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn held_events(&self, hold_id: i64) -> Result<Vec<String>, StoreError> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(
            "SELECT event_id FROM referral_hold_events WHERE hold_id = ?1 ORDER BY event_id",
        )?;
        let rows = stmt.query_map([hold_id], |row| row.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn release_hold(
        &self,
        hold_id: i64,
        username: &str,
        role: &str,
        at: DateTime<Utc>,
    ) -> Result<ReleaseOutcome, StoreError> {
        let (username, role) = (username.to_owned(), role.to_owned());
        self.write(move |tx| {
            let (username, role) = (username.as_str(), role.as_str());
            let row: Option<(String, String, Option<String>)> = tx
                .query_row(
                    "SELECT case_id, held_until, released_at FROM referral_holds WHERE id = ?1",
                    [hold_id],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()?;
            let Some((case_id, until, released)) = row else {
                return Ok(ReleaseOutcome::NotFound);
            };
            if released.is_some() {
                return Ok(ReleaseOutcome::AlreadyReleased);
            }
            if time(&until)? > at {
                return Ok(ReleaseOutcome::TooEarly);
            }
            tx.execute(
                "UPDATE referral_holds SET released_at = ?2, released_by = ?3 WHERE id = ?1",
                params![hold_id, ts(at), username],
            )?;
            audit(
                tx,
                at,
                username,
                role,
                "hold_released",
                Some(&case_id),
                &format!("hold {hold_id}"),
            )?;
            Ok(ReleaseOutcome::Released)
        })
    }

    fn purge_events_before(
        &self,
        cutoff: DateTime<Utc>,
        username: &str,
        role: &str,
        at: DateTime<Utc>,
    ) -> Result<PurgeOutcome, StoreError> {
        const HELD: &str = "SELECT e.event_id FROM referral_hold_events e
             JOIN referral_holds h ON h.id = e.hold_id WHERE h.released_at IS NULL";
        let (username, role) = (username.to_owned(), role.to_owned());
        self.write(move |tx| {
            let (username, role) = (username.as_str(), role.as_str());
            let cutoff_s = ts(cutoff);
            let kept: i64 = tx.query_row(
                &format!(
                    "SELECT count(*) FROM events WHERE julianday(received_at) < julianday(?1)
                 AND id IN ({HELD})"
                ),
                [&cutoff_s],
                |r| r.get(0),
            )?;
            let purged = tx.execute(
                &format!(
                    "DELETE FROM events WHERE julianday(received_at) < julianday(?1)
                 AND id NOT IN ({HELD})"
                ),
                [&cutoff_s],
            )? as u64;
            audit(
                tx,
                at,
                username,
                role,
                "retention_purge",
                None,
                &format!(
                    "events received before {cutoff_s}: {purged} purged, {kept} kept by holds"
                ),
            )?;
            Ok(PurgeOutcome {
                purged,
                kept_by_hold: kept as u64,
            })
        })
    }

    fn put_submission(&self, s: &SubmissionRecord) -> Result<(), StoreError> {
        let s = s.clone();
        self.write(move |tx| {
        let files = serde_json::to_string(&s.files).map_err(|e| StoreError::Corrupt {
            id: s.referral_id.to_string(),
            reason: e.to_string(),
        })?;
        tx.execute(
            "INSERT INTO referral_submissions (referral_id, report_id, status, files, error, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT(referral_id) DO UPDATE SET report_id = excluded.report_id,
                status = excluded.status, files = excluded.files, error = excluded.error,
                updated_at = excluded.updated_at",
            params![
                s.referral_id,
                s.report_id,
                s.status,
                files,
                s.error,
                ts(s.updated_at)
            ],
        )?;
        tx.execute(
            "UPDATE console_referrals SET status = ?2 WHERE id = ?1",
            params![s.referral_id, s.status],
        )?;
        Ok(())
        })
    }

    fn submission(&self, referral_id: i64) -> Result<Option<SubmissionRecord>, StoreError> {
        let conn = self.reader();
        let row = conn
            .query_row(
                "SELECT referral_id, report_id, status, files, error, updated_at
                 FROM referral_submissions WHERE referral_id = ?1",
                [referral_id],
                |row| {
                    Ok((
                        row.get::<_, i64>(0)?,
                        row.get::<_, Option<String>>(1)?,
                        row.get::<_, String>(2)?,
                        row.get::<_, String>(3)?,
                        row.get::<_, Option<String>>(4)?,
                        time(&row.get::<_, String>(5)?)?,
                    ))
                },
            )
            .optional()?;
        row.map(
            |(referral_id, report_id, status, files, error, updated_at)| {
                let files = serde_json::from_str(&files).map_err(|e| StoreError::Corrupt {
                    id: referral_id.to_string(),
                    reason: e.to_string(),
                })?;
                Ok(SubmissionRecord {
                    referral_id,
                    report_id,
                    status,
                    files,
                    error,
                    updated_at,
                })
            },
        )
        .transpose()
    }

    fn mark_statements_exported(
        &self,
        action_ids: &[i64],
        batch: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let (action_ids, batch) = (action_ids.to_vec(), batch.to_owned());
        self.write(move |tx| {
            let mut insert = tx.prepare_cached(
                "INSERT OR IGNORE INTO statement_exports (action_id, batch, exported_at) VALUES (?1, ?2, ?3)",
            )?;
            for id in &action_ids {
                insert.execute(params![id, batch, ts(at)])?;
            }
            Ok(())
        })
    }

    fn exported_statements(&self) -> Result<Vec<i64>, StoreError> {
        let conn = self.reader();
        let mut stmt =
            conn.prepare_cached("SELECT action_id FROM statement_exports ORDER BY action_id")?;
        let rows = stmt.query_map([], |row| row.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn cases_opened_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<CaseRecord>, StoreError> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(
            "SELECT id, suspect, status, priority, updated_at, body FROM cases
             WHERE julianday(json_extract(body, '$.opened_at')) >= julianday(?1)
               AND julianday(json_extract(body, '$.opened_at')) < julianday(?2)
             ORDER BY julianday(json_extract(body, '$.opened_at')), id",
        )?;
        let rows = stmt.query_map(params![ts(from), ts(to)], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, u32>(3)?,
                row.get::<_, String>(4)?,
                row.get::<_, String>(5)?,
            ))
        })?;
        rows.map(|r| {
            let (id, suspect, status, priority, updated, body) = r?;
            let updated_at = time(&updated).map_err(|e| StoreError::Corrupt {
                id: id.clone(),
                reason: e.to_string(),
            })?;
            Ok(CaseRecord {
                id,
                suspect,
                status,
                priority,
                updated_at,
                body,
            })
        })
        .collect()
    }

    fn actions_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<ActionRecord>, StoreError> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(
            "SELECT id, case_id, suspect, username, action, reason, queue, category, closes, at
             FROM console_actions
             WHERE julianday(at) >= julianday(?1) AND julianday(at) < julianday(?2) ORDER BY id",
        )?;
        let rows = stmt.query_map(params![ts(from), ts(to)], |row| {
            Ok(ActionRecord {
                id: row.get(0)?,
                case_id: row.get(1)?,
                suspect: row.get(2)?,
                username: row.get(3)?,
                action: row.get(4)?,
                reason: row.get(5)?,
                queue: row.get(6)?,
                category: row.get(7)?,
                closes: row.get(8)?,
                at: time(&row.get::<_, String>(9)?)?,
                delivery: None,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ConsoleStore, EventStore};
    use chrono::Duration;

    fn store() -> (tempfile::TempDir, SqliteStore) {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("s.db")).unwrap();
        (dir, store)
    }

    fn event(id: &str) -> lifeguard_core::Event {
        serde_json::from_str(&format!(
            r#"{{"id":"{id}","type":"relationship","kind":"follow","from":"a","to":"b"}}"#
        ))
        .unwrap()
    }

    #[test]
    fn purges_respect_active_holds_and_release_needs_the_period_to_end() {
        let (_d, store) = store();
        let old = Utc::now() - Duration::days(400);
        store
            .append_at(&[event("e1"), event("e2"), event("e3")], old)
            .unwrap();
        store.append(&[event("e4")]).unwrap();
        let now = Utc::now();
        let hold = store
            .create_hold(&NewHold {
                case_id: "case-e1".into(),
                referral_id: Some(1),
                reason: "REPORT Act".into(),
                created_by: "admin".into(),
                role: "admin".into(),
                created_at: now,
                held_until: now + Duration::days(365),
                event_ids: vec!["e1".into(), "e2".into()],
            })
            .unwrap();
        let out = store
            .purge_events_before(now - Duration::days(30), "admin", "admin", now)
            .unwrap();
        assert_eq!(
            out,
            PurgeOutcome {
                purged: 1,
                kept_by_hold: 2
            }
        );
        assert!(store.get("e1").unwrap().is_some());
        assert!(store.get("e3").unwrap().is_none());
        assert!(store.get("e4").unwrap().is_some());

        assert_eq!(
            store.release_hold(hold, "admin", "admin", now).unwrap(),
            ReleaseOutcome::TooEarly
        );
        let later = now + Duration::days(366);
        assert_eq!(
            store.release_hold(hold, "admin", "admin", later).unwrap(),
            ReleaseOutcome::Released
        );
        assert_eq!(
            store.release_hold(hold, "admin", "admin", later).unwrap(),
            ReleaseOutcome::AlreadyReleased
        );
        assert_eq!(
            store.release_hold(99, "admin", "admin", later).unwrap(),
            ReleaseOutcome::NotFound
        );
        let out = store
            .purge_events_before(now - Duration::days(30), "admin", "admin", later)
            .unwrap();
        assert_eq!(out.purged, 2);
        let kinds: Vec<String> = store
            .audit(0, 100, None)
            .unwrap()
            .into_iter()
            .map(|a| a.kind)
            .collect();
        assert_eq!(
            kinds,
            [
                "hold_created",
                "retention_purge",
                "hold_released",
                "retention_purge"
            ]
        );
        let holds = store.holds().unwrap();
        assert_eq!((holds[0].events, holds[0].active()), (2, false));
    }

    #[test]
    fn submissions_and_statement_exports_round_trip() {
        let (_d, store) = store();
        let s = SubmissionRecord {
            referral_id: 7,
            report_id: Some("4564654".into()),
            status: "submitted".into(),
            files: vec!["f1".into()],
            error: None,
            updated_at: Utc::now(),
        };
        store.put_submission(&s).unwrap();
        let got = store.submission(7).unwrap().unwrap();
        assert_eq!((got.report_id, got.files), (s.report_id, s.files));
        assert!(store.submission(8).unwrap().is_none());
        store
            .mark_statements_exported(&[3, 1], "b1", Utc::now())
            .unwrap();
        store
            .mark_statements_exported(&[1, 2], "b2", Utc::now())
            .unwrap();
        assert_eq!(store.exported_statements().unwrap(), [1, 2, 3]);
    }
}

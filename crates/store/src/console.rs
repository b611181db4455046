//! The moderator console's records: users and sessions, claims, moderator case
//! state, actions, notes, referrals, the append-only audit log, webhook
//! deliveries, and a queue index over the engine's cases.
//!
//! The engine's cases are derived from the event log and rewritten by every
//! replay; everything a moderator does lives here, in its own tables, keyed by
//! case id, and so survives replays. Records are plain columns (who, what, when,
//! case, queue, category, reason) so that reports can query them. The store does
//! not interpret roles, actions or queues: the console owns their meaning and
//! writes them as their wire names.

use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};

use crate::{CaseRecord, SqliteStore, StoreError, StoredEvent};

pub(crate) const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS console_users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    username      TEXT NOT NULL UNIQUE,
    role          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at    TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS console_sessions (
    token_sha256 TEXT PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES console_users(id),
    csrf         TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL
);
-- What the console knows of each open case, derived from the case JSON, so that
-- the queue filters and sorts in SQL. Rebuilt whenever the case changes.
CREATE TABLE IF NOT EXISTS console_case_index (
    case_id         TEXT PRIMARY KEY,
    suspect         TEXT NOT NULL,
    priority        INTEGER NOT NULL,
    queue           TEXT NOT NULL,
    category        TEXT NOT NULL,
    categories      TEXT NOT NULL,
    bands           TEXT NOT NULL,
    youngest_band   TEXT NOT NULL,
    opened_at       TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    reasons         TEXT NOT NULL,
    -- The case row's updated_at and body length when indexed, to spot changes.
    case_updated    TEXT NOT NULL,
    body_len        INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS console_case_index_queue ON console_case_index(queue, opened_at);
-- Cases whose queue entry must be (re)built. Triggers keep it, so that the queue
-- never reads case bodies to find what changed; an entry holds open cases only.
CREATE TABLE IF NOT EXISTS console_case_dirty (case_id TEXT PRIMARY KEY) WITHOUT ROWID;
-- Recreated on every open. The inserts avoid conflicts rather than use OR IGNORE,
-- which the service's upsert (ON CONFLICT ... DO UPDATE) would override.
DROP TRIGGER IF EXISTS console_case_added;
DROP TRIGGER IF EXISTS console_case_changed;
CREATE TRIGGER console_case_added AFTER INSERT ON cases
BEGIN
  INSERT INTO console_case_dirty (case_id) SELECT NEW.id
    WHERE NOT EXISTS (SELECT 1 FROM console_case_dirty WHERE case_id = NEW.id);
END;
CREATE TRIGGER console_case_changed AFTER UPDATE ON cases
WHEN OLD.body IS NOT NEW.body OR OLD.priority IS NOT NEW.priority
  OR OLD.updated_at IS NOT NEW.updated_at OR OLD.status IS NOT NEW.status
BEGIN
  DELETE FROM console_case_index WHERE case_id = NEW.id;
  INSERT INTO console_case_dirty (case_id) SELECT NEW.id
    WHERE NOT EXISTS (SELECT 1 FROM console_case_dirty WHERE case_id = NEW.id);
END;
-- Cases stored before the console's tables existed.
INSERT OR IGNORE INTO console_case_dirty (case_id)
  SELECT id FROM cases WHERE status = 'open' AND id NOT IN (SELECT case_id FROM console_case_index);
CREATE INDEX IF NOT EXISTS console_case_index_suspect ON console_case_index(suspect);
-- Moderator state of a case: closed by an action (reopens when new evidence
-- arrives after closing), escalated, first view, first action.
CREATE TABLE IF NOT EXISTS console_case_state (
    case_id          TEXT PRIMARY KEY,
    closed_at        TEXT,
    closed_by        TEXT,
    -- The case's last-evidence time when it was closed (the platform's clock,
    -- like console_case_index.updated_at): newer evidence reopens it.
    closed_evidence_at TEXT,
    escalated        INTEGER NOT NULL DEFAULT 0,
    first_viewed_at  TEXT,
    first_viewed_by  TEXT,
    first_action_at  TEXT
);
CREATE TABLE IF NOT EXISTS console_claims (
    case_id    TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES console_users(id),
    claimed_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS console_actions (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id   TEXT NOT NULL,
    suspect   TEXT NOT NULL,
    username  TEXT NOT NULL,
    action    TEXT NOT NULL,
    reason    TEXT,
    queue     TEXT NOT NULL,
    category  TEXT NOT NULL,
    closes    INTEGER NOT NULL,
    at        TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS console_actions_case ON console_actions(case_id);
CREATE TABLE IF NOT EXISTS console_notes (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id  TEXT NOT NULL,
    username TEXT NOT NULL,
    text     TEXT NOT NULL,
    at       TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS console_notes_case ON console_notes(case_id);
-- Referrals to law enforcement; packaging and submission are issue 8's.
CREATE TABLE IF NOT EXISTS console_referrals (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id   TEXT NOT NULL,
    action_id INTEGER NOT NULL REFERENCES console_actions(id),
    suspect   TEXT NOT NULL,
    username  TEXT NOT NULL,
    reason    TEXT,
    category  TEXT NOT NULL,
    status    TEXT NOT NULL,
    at        TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS console_audit (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    at       TEXT NOT NULL,
    username TEXT NOT NULL,
    role     TEXT NOT NULL,
    kind     TEXT NOT NULL,
    case_id  TEXT,
    detail   TEXT NOT NULL
);
-- The audit log and the action log are append-only, enforced by the database.
CREATE TRIGGER IF NOT EXISTS console_audit_no_update BEFORE UPDATE ON console_audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS console_audit_no_delete BEFORE DELETE ON console_audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS console_actions_no_update BEFORE UPDATE ON console_actions
BEGIN SELECT RAISE(ABORT, 'the action log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS console_actions_no_delete BEFORE DELETE ON console_actions
BEGIN SELECT RAISE(ABORT, 'the action log is append-only'); END;
CREATE TABLE IF NOT EXISTS console_webhook_deliveries (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    action_id       INTEGER NOT NULL REFERENCES console_actions(id),
    url             TEXT NOT NULL,
    body            TEXT NOT NULL,
    status          TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error      TEXT,
    delivered_at    TEXT
);
CREATE INDEX IF NOT EXISTS console_webhook_due ON console_webhook_deliveries(status, next_attempt_at);
-- The case view reads a conversation's messages and media, and accounts' records.
CREATE INDEX IF NOT EXISTS events_by_conversation ON events(json_extract(body, '$.conversation'), pos)
    WHERE type IN ('message', 'media');
CREATE INDEX IF NOT EXISTS events_by_account ON events(json_extract(body, '$.account'), pos)
    WHERE type IN ('account_created', 'account_updated');
"#;

/// A console user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    /// Row id.
    pub id: i64,
    /// Unique login name.
    pub username: String,
    /// The role's wire name (the console owns the list).
    pub role: String,
    /// The password's PHC string (argon2id).
    pub password_hash: String,
    /// When created.
    pub created_at: DateTime<Utc>,
}

/// A live session with its user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    /// Who.
    pub user: UserRecord,
    /// The session's CSRF token.
    pub csrf: String,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
}

/// A case's queue entry, as the console indexed it.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseIndexRow {
    /// The case.
    pub case_id: String,
    /// The suspect.
    pub suspect: String,
    /// Stored priority (without the recency bonus).
    pub priority: u32,
    /// The queue's wire name.
    pub queue: String,
    /// The case's most severe category.
    pub category: String,
    /// Every category, wire names.
    pub categories: Vec<String>,
    /// Every child's age band, wire names.
    pub bands: Vec<String>,
    /// The youngest child's band (`unknown` when no child is named).
    pub youngest_band: String,
    /// When the case opened.
    pub opened_at: DateTime<Utc>,
    /// Last new evidence.
    pub updated_at: DateTime<Utc>,
    /// What the priority is made of, one line each.
    pub reasons: Vec<String>,
}

/// Queue filters; `None` means any.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QueueFilter {
    /// One queue.
    pub queue: Option<String>,
    /// Cases with this category.
    pub category: Option<String>,
    /// Cases naming a child in this band.
    pub band: Option<String>,
    /// Cases opened before this time (at least this old).
    pub opened_before: Option<DateTime<Utc>>,
    /// Cases opened after this time (at most this old).
    pub opened_after: Option<DateTime<Utc>>,
    /// Most rows.
    pub limit: usize,
    /// Rows to skip.
    pub offset: usize,
}

/// One row of the queue.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueRow {
    /// The indexed case.
    pub case: CaseIndexRow,
    /// Priority with the recency bonus: the queue's order.
    pub rank: f64,
    /// Who has claimed it.
    pub claimed_by: Option<String>,
    /// When someone first opened it.
    pub first_viewed_at: Option<DateTime<Utc>>,
    /// Escalated by a moderator.
    pub escalated: bool,
    /// Closed earlier, reopened by new evidence.
    pub reopened: bool,
}

/// Pending cases in one queue.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueStats {
    /// The queue.
    pub queue: String,
    /// Open cases waiting.
    pub pending: u64,
    /// When the oldest waiting case opened.
    pub oldest_opened_at: Option<DateTime<Utc>>,
}

/// What a claim attempt did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClaimOutcome {
    /// Claimed now by the caller.
    Claimed,
    /// The caller already held it.
    AlreadyYours,
    /// Someone else holds it.
    HeldBy(String),
    /// Someone else held it, but their claim had gone stale; it is the
    /// caller's now. Names the previous holder.
    TookOver(String),
}

/// A moderator's state for a case.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CaseState {
    /// Closed by an action, when and by whom.
    pub closed_at: Option<DateTime<Utc>>,
    /// Who closed it.
    pub closed_by: Option<String>,
    /// The case's last-evidence time when it was closed; evidence newer than
    /// this reopens it.
    pub closed_evidence_at: Option<DateTime<Utc>>,
    /// Escalated.
    pub escalated: bool,
    /// First opened, when and by whom.
    pub first_viewed_at: Option<DateTime<Utc>>,
    /// Who first opened it.
    pub first_viewed_by: Option<String>,
    /// First action.
    pub first_action_at: Option<DateTime<Utc>>,
    /// The claim, by username, and when.
    pub claim: Option<(String, DateTime<Utc>)>,
}

/// An action to record.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAction {
    /// The case.
    pub case_id: String,
    /// The suspect acted on.
    pub suspect: String,
    /// Who acted.
    pub username: String,
    /// Their role, for the audit entry.
    pub role: String,
    /// The action's wire name.
    pub action: String,
    /// Why (required for some actions by the console).
    pub reason: Option<String>,
    /// The case's queue at the time.
    pub queue: String,
    /// The case's most severe category at the time.
    pub category: String,
    /// The action closes the case.
    pub closes: bool,
    /// The action escalates the case.
    pub escalates: bool,
    /// The action creates a referral record.
    pub refers: bool,
    /// Deliver to this webhook URL, with this body (built by the console).
    pub webhook: Option<(String, String)>,
    /// When.
    pub at: DateTime<Utc>,
}

/// A recorded action.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionRecord {
    /// Row id.
    pub id: i64,
    /// The case.
    pub case_id: String,
    /// The suspect acted on.
    pub suspect: String,
    /// Who.
    pub username: String,
    /// What, wire name.
    pub action: String,
    /// Why.
    pub reason: Option<String>,
    /// Queue at the time.
    pub queue: String,
    /// Category at the time.
    pub category: String,
    /// Closed the case.
    pub closes: bool,
    /// When.
    pub at: DateTime<Utc>,
    /// Webhook delivery status (`pending`, `delivered`, `failed`), if any.
    pub delivery: Option<String>,
}

/// A note on a case.
#[derive(Debug, Clone, PartialEq)]
pub struct NoteRecord {
    /// Who.
    pub username: String,
    /// The note.
    pub text: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// A referral to law enforcement.
#[derive(Debug, Clone, PartialEq)]
pub struct ReferralRecord {
    /// Row id.
    pub id: i64,
    /// The case.
    pub case_id: String,
    /// The action that made it.
    pub action_id: i64,
    /// The suspect.
    pub suspect: String,
    /// Who referred.
    pub username: String,
    /// Why.
    pub reason: Option<String>,
    /// The case's category.
    pub category: String,
    /// `created` until issue 8 packages and submits it.
    pub status: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// One audit entry.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditRecord {
    /// Position, increasing.
    pub id: i64,
    /// When.
    pub at: DateTime<Utc>,
    /// Who.
    pub username: String,
    /// Their role.
    pub role: String,
    /// What (`login`, `login_failed`, `view_evidence`, `view_media`, `action`,
    /// `note`, `claim`, `release`, `export_audit`, `user_created`...).
    pub kind: String,
    /// The case, where one is concerned.
    pub case_id: Option<String>,
    /// Details: ids and names, never message text.
    pub detail: String,
}

/// A webhook delivery due for an attempt.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    /// Row id.
    pub id: i64,
    /// The action delivered.
    pub action_id: i64,
    /// Where to.
    pub url: String,
    /// The exact body to send and sign.
    pub body: String,
    /// Attempts so far.
    pub attempts: u32,
}

/// Timings of one case for SLA figures.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseTiming {
    /// The case.
    pub case_id: String,
    /// Its queue.
    pub queue: String,
    /// Its category.
    pub category: String,
    /// Opened.
    pub opened_at: DateTime<Utc>,
    /// First opened by a moderator.
    pub first_viewed_at: Option<DateTime<Utc>>,
    /// First action.
    pub first_action_at: Option<DateTime<Utc>>,
    /// Still waiting (open, not closed by an action since its last evidence).
    pub pending: bool,
}

/// The console's storage.
pub trait ConsoleStore: Send + Sync {
    /// Creates a user; fails if the name is taken.
    fn create_user(
        &self,
        username: &str,
        role: &str,
        password_hash: &str,
    ) -> Result<i64, StoreError>;
    /// A user by name.
    fn user_by_name(&self, username: &str) -> Result<Option<UserRecord>, StoreError>;
    /// Every user, by name.
    fn users(&self) -> Result<Vec<UserRecord>, StoreError>;
    /// Stores a session (the token only as its SHA-256).
    fn create_session(
        &self,
        token_sha256: &str,
        user_id: i64,
        csrf: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// A session that has not expired at `now`.
    fn session(
        &self,
        token_sha256: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<SessionRecord>, StoreError>;
    /// Ends a session.
    fn delete_session(&self, token_sha256: &str) -> Result<(), StoreError>;

    /// Open cases whose queue entry is missing or out of date, up to `limit`.
    fn cases_to_index(&self, limit: usize) -> Result<Vec<CaseRecord>, StoreError>;
    /// Writes queue entries (with the case bodies' lengths, to spot changes).
    fn put_case_index(&self, rows: &[(CaseIndexRow, usize)]) -> Result<(), StoreError>;
    /// One case's queue entry.
    fn case_index(&self, case_id: &str) -> Result<Option<CaseIndexRow>, StoreError>;
    /// The queue: waiting cases by priority plus recency, filtered.
    fn queue(&self, filter: &QueueFilter) -> Result<Vec<QueueRow>, StoreError>;
    /// How many cases match the filter (ignoring limit and offset).
    fn queue_count(&self, filter: &QueueFilter) -> Result<u64, StoreError>;
    /// Pending count and oldest case per queue.
    fn queue_stats(&self) -> Result<Vec<QueueStats>, StoreError>;
    /// Every case of this suspect (any status), newest first: id, status, priority, opened.
    fn cases_of_suspect(&self, suspect: &str) -> Result<Vec<CaseIndexRow>, StoreError>;

    /// Claims a case for a user, atomically: two users never hold one case.
    /// A claim made before `stale_before` no longer holds: the caller takes
    /// it over. Claiming a case one already holds renews the claim.
    fn claim(
        &self,
        case_id: &str,
        user_id: i64,
        at: DateTime<Utc>,
        stale_before: DateTime<Utc>,
    ) -> Result<ClaimOutcome, StoreError>;
    /// Releases the user's claim; false if they did not hold it.
    fn release(&self, case_id: &str, user_id: i64) -> Result<bool, StoreError>;
    /// Releases whoever's claim there is (an admin's force release); returns
    /// the username that held it, if anyone did.
    fn release_any(&self, case_id: &str) -> Result<Option<String>, StoreError>;
    /// A case's moderator state.
    fn case_state(&self, case_id: &str) -> Result<CaseState, StoreError>;
    /// Records that a user opened a case (the first view counts for SLAs) and
    /// appends the audit entry, in one commit.
    fn record_view(&self, case_id: &str, entry: &AuditRecord) -> Result<(), StoreError>;
    /// Records an action: the action row, the audit entry, the case's state, the
    /// referral and the webhook delivery, in one commit. Returns the action id.
    fn record_action(&self, action: &NewAction) -> Result<i64, StoreError>;
    /// A case's actions, oldest first.
    fn actions(&self, case_id: &str) -> Result<Vec<ActionRecord>, StoreError>;
    /// Adds a note (and its audit entry, without the text).
    fn add_note(
        &self,
        case_id: &str,
        username: &str,
        role: &str,
        text: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// A case's notes, oldest first.
    fn notes(&self, case_id: &str) -> Result<Vec<NoteRecord>, StoreError>;
    /// Every referral, oldest first.
    fn referrals(&self) -> Result<Vec<ReferralRecord>, StoreError>;

    /// Appends to the audit log (which refuses updates and deletes).
    fn append_audit(&self, entry: &AuditRecord) -> Result<(), StoreError>;
    /// Audit entries after `after_id`, oldest first, up to `limit`; optionally one case's.
    fn audit(
        &self,
        after_id: i64,
        limit: usize,
        case_id: Option<&str>,
    ) -> Result<Vec<AuditRecord>, StoreError>;

    /// Webhook deliveries due at `now`.
    fn due_deliveries(&self, now: DateTime<Utc>, limit: usize)
        -> Result<Vec<Delivery>, StoreError>;
    /// Records an attempt: delivered, or failed with the next attempt's time (or
    /// `None` when giving up).
    fn delivery_attempted(
        &self,
        id: i64,
        delivered: bool,
        error: Option<&str>,
        next_attempt_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    /// Timings of every indexed case, for SLA figures.
    fn case_timings(&self) -> Result<Vec<CaseTiming>, StoreError>;

    /// A conversation's messages and media, in log order, up to `limit`.
    fn conversation_events(
        &self,
        conversation: &str,
        limit: usize,
    ) -> Result<Vec<StoredEvent>, StoreError>;
    /// An account's created/updated records, in log order.
    fn account_events(&self, account: &str) -> Result<Vec<StoredEvent>, StoreError>;
}

/// A time as stored: RFC 3339 with microseconds, UTC.
/// Brings a console schema made by an earlier version up to date (after
/// [`SCHEMA`] has run): columns added since.
pub(crate) fn migrate(conn: &rusqlite::Connection) -> Result<(), rusqlite::Error> {
    let has = conn
        .prepare("SELECT 1 FROM pragma_table_info('console_case_state') WHERE name = 'closed_evidence_at'")?
        .exists([])?;
    if !has {
        conn.execute_batch("ALTER TABLE console_case_state ADD COLUMN closed_evidence_at TEXT")?;
    }
    Ok(())
}

pub(crate) fn ts(t: DateTime<Utc>) -> String {
    // Fixed width so that text order is time order in SQL comparisons.
    t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// A stored time read back.
pub(crate) fn time(value: &str) -> rusqlite::Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(value)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, e.into())
        })
}

/// An optional stored time read back.
pub(crate) fn opt_time(value: Option<String>) -> rusqlite::Result<Option<DateTime<Utc>>> {
    value.as_deref().map(time).transpose()
}

fn join(list: &[String]) -> String {
    // Delimited on both sides so `instr(col, ',x,')` matches whole names.
    format!(",{},", list.join(","))
}

fn split(list: &str) -> Vec<String> {
    list.split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

fn user_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<UserRecord> {
    Ok(UserRecord {
        id: row.get(0)?,
        username: row.get(1)?,
        role: row.get(2)?,
        password_hash: row.get(3)?,
        created_at: time(&row.get::<_, String>(4)?)?,
    })
}

const INDEX_COLUMNS: &str =
    "i.case_id, i.suspect, i.priority, i.queue, i.category, i.categories, i.bands, \
     i.youngest_band, i.opened_at, i.updated_at, i.reasons";

fn index_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<CaseIndexRow> {
    Ok(CaseIndexRow {
        case_id: row.get(0)?,
        suspect: row.get(1)?,
        priority: row.get(2)?,
        queue: row.get(3)?,
        category: row.get(4)?,
        categories: split(&row.get::<_, String>(5)?),
        bands: split(&row.get::<_, String>(6)?),
        youngest_band: row.get(7)?,
        opened_at: time(&row.get::<_, String>(8)?)?,
        updated_at: time(&row.get::<_, String>(9)?)?,
        reasons: serde_json::from_str(&row.get::<_, String>(10)?).unwrap_or_default(),
    })
}

fn audit_insert(tx: &rusqlite::Connection, e: &AuditRecord) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO console_audit (at, username, role, kind, case_id, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![ts(e.at), e.username, e.role, e.kind, e.case_id, e.detail])?;
    Ok(())
}

/// The queue's WHERE clause: waiting (indexed, so open; and not closed by an
/// action since its last evidence) plus the filters, as parameters ?1..?5.
const QUEUE_WHERE: &str = concat!(
    "FROM console_case_index i
    JOIN cases ON cases.id = i.case_id
    LEFT JOIN console_case_state s ON s.case_id = i.case_id
    WHERE NOT ",
    closed_rule!(),
    "
      AND (?1 IS NULL OR i.queue = ?1)
      AND (?2 IS NULL OR instr(i.categories, ',' || ?2 || ',') > 0)
      AND (?3 IS NULL OR instr(i.bands, ',' || ?3 || ',') > 0)
      AND (?4 IS NULL OR i.opened_at < ?4)
      AND (?5 IS NULL OR i.opened_at > ?5)",
);

fn filter_params(f: &QueueFilter) -> [Option<String>; 5] {
    [
        f.queue.clone(),
        f.category.clone(),
        f.band.clone(),
        f.opened_before.map(ts),
        f.opened_after.map(ts),
    ]
}

fn stored_events(
    stmt: &mut rusqlite::CachedStatement<'_>,
    key: &str,
    limit: usize,
) -> Result<Vec<StoredEvent>, StoreError> {
    let rows = stmt.query_map(params![key, limit as i64], |row| {
        Ok((
            row.get::<_, i64>(0)?,
            row.get::<_, String>(1)?,
            row.get::<_, String>(2)?,
            row.get::<_, String>(3)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (pos, id, body, received) = row?;
        let event = serde_json::from_str(&body).map_err(|e| StoreError::Corrupt {
            id: id.clone(),
            reason: e.to_string(),
        })?;
        out.push(StoredEvent {
            pos: pos as u64,
            received_at: time(&received).map_err(|e| StoreError::Corrupt {
                id,
                reason: e.to_string(),
            })?,
            event,
            derived: None,
        });
    }
    Ok(out)
}

impl ConsoleStore for SqliteStore {
    fn create_user(
        &self,
        username: &str,
        role: &str,
        password_hash: &str,
    ) -> Result<i64, StoreError> {
        let (username, role, password_hash) = (
            username.to_owned(),
            role.to_owned(),
            password_hash.to_owned(),
        );
        self.write(move |conn| {
            conn.execute(
                "INSERT INTO console_users (username, role, password_hash, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![username, role, password_hash, ts(Utc::now())],
            )?;
            Ok(conn.last_insert_rowid())
        })
    }

    fn user_by_name(&self, username: &str) -> Result<Option<UserRecord>, StoreError> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(
            "SELECT id, username, role, password_hash, created_at FROM console_users WHERE username = ?1",
        )?;
        Ok(stmt.query_row([username], user_row).optional()?)
    }

    fn users(&self) -> Result<Vec<UserRecord>, StoreError> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(
            "SELECT id, username, role, password_hash, created_at FROM console_users ORDER BY username",
        )?;
        let rows = stmt.query_map([], user_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn create_session(
        &self,
        token_sha256: &str,
        user_id: i64,
        csrf: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let (token_sha256, csrf) = (token_sha256.to_owned(), csrf.to_owned());
        self.write(move |conn| {
            let now = Utc::now();
            conn.execute(
                "DELETE FROM console_sessions WHERE expires_at < ?1",
                [ts(now)],
            )?;
            conn.execute(
                "INSERT INTO console_sessions (token_sha256, user_id, csrf, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![token_sha256, user_id, csrf, ts(now), ts(expires_at)],
            )?;
            Ok(())
        })
    }

    fn session(
        &self,
        token_sha256: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<SessionRecord>, StoreError> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(
            "SELECT u.id, u.username, u.role, u.password_hash, u.created_at, s.csrf, s.expires_at
             FROM console_sessions s JOIN console_users u ON u.id = s.user_id
             WHERE s.token_sha256 = ?1 AND s.expires_at > ?2",
        )?;
        Ok(stmt
            .query_row(params![token_sha256, ts(now)], |row| {
                Ok(SessionRecord {
                    user: user_row(row)?,
                    csrf: row.get(5)?,
                    expires_at: time(&row.get::<_, String>(6)?)?,
                })
            })
            .optional()?)
    }

    fn delete_session(&self, token_sha256: &str) -> Result<(), StoreError> {
        let token_sha256 = token_sha256.to_owned();
        self.write(move |conn| {
            conn.execute(
                "DELETE FROM console_sessions WHERE token_sha256 = ?1",
                [&token_sha256],
            )?;
            Ok(())
        })
    }

    fn cases_to_index(&self, limit: usize) -> Result<Vec<CaseRecord>, StoreError> {
        // Entries for cases that are gone or no longer open are not rebuilt.
        self.write(|conn| {
            conn.prepare_cached(
                "DELETE FROM console_case_dirty WHERE NOT EXISTS
                 (SELECT 1 FROM cases c WHERE c.id = console_case_dirty.case_id AND c.status = 'open')",
            )?
            .execute([])?;
            Ok(())
        })?;
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(
            "SELECT c.id, c.suspect, c.status, c.priority, c.updated_at, c.body
             FROM console_case_dirty d JOIN cases c ON c.id = d.case_id
             LIMIT ?1",
        )?;
        let rows = stmt.query_map([limit as i64], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, u32>(3)?,
                row.get::<_, String>(4)?,
                row.get::<_, String>(5)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, suspect, status, priority, updated, body) = row?;
            let updated_at = time(&updated).map_err(|e| StoreError::Corrupt {
                id: id.clone(),
                reason: e.to_string(),
            })?;
            out.push(CaseRecord {
                id,
                suspect,
                status,
                priority,
                updated_at,
                body,
            });
        }
        Ok(out)
    }

    fn put_case_index(&self, rows: &[(CaseIndexRow, usize)]) -> Result<(), StoreError> {
        let rows = rows.to_vec();
        self.write(move |tx| {
            let mut stmt = tx.prepare_cached(
                "INSERT OR REPLACE INTO console_case_index (case_id, suspect, priority, queue, category,
                 categories, bands, youngest_band, opened_at, updated_at, reasons, case_updated, body_len)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            )?;
            let mut clean =
                tx.prepare_cached("DELETE FROM console_case_dirty WHERE case_id = ?1")?;
            for (r, len) in &rows {
                clean.execute([&r.case_id])?;
                // The cases table keeps its own RFC 3339 form of updated_at; the
                // index copies it verbatim so the change check compares like with like.
                let case_updated: String = tx
                    .prepare_cached("SELECT updated_at FROM cases WHERE id = ?1")?
                    .query_row([&r.case_id], |row| row.get(0))
                    .optional()?
                    .unwrap_or_else(|| r.updated_at.to_rfc3339());
                stmt.execute(params![
                    r.case_id,
                    r.suspect,
                    r.priority,
                    r.queue,
                    r.category,
                    join(&r.categories),
                    join(&r.bands),
                    r.youngest_band,
                    ts(r.opened_at),
                    ts(r.updated_at),
                    serde_json::to_string(&r.reasons).unwrap_or_else(|_| "[]".into()),
                    case_updated,
                    *len as i64,
                ])?;
            }
            Ok(())
        })
    }

    fn case_index(&self, case_id: &str) -> Result<Option<CaseIndexRow>, StoreError> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {INDEX_COLUMNS} FROM console_case_index i WHERE i.case_id = ?1"
        ))?;
        Ok(stmt.query_row([case_id], index_row).optional()?)
    }

    fn queue(&self, filter: &QueueFilter) -> Result<Vec<QueueRow>, StoreError> {
        let conn = self.reader();
        let sql = format!(
            "SELECT {INDEX_COLUMNS},
                i.priority + 10.0 * max(0.0, 1.0 - (julianday('now') - julianday(i.updated_at))) AS rank,
                u.username, s.first_viewed_at, coalesce(s.escalated, 0), s.closed_at IS NOT NULL
             {QUEUE_WHERE}
             ORDER BY coalesce(s.escalated, 0) DESC, rank DESC, i.updated_at ASC, i.case_id
             LIMIT ?6 OFFSET ?7"
        );
        let sql = sql.replace(
            "LEFT JOIN console_case_state s ON s.case_id = i.case_id",
            "LEFT JOIN console_case_state s ON s.case_id = i.case_id
             LEFT JOIN console_claims cl ON cl.case_id = i.case_id
             LEFT JOIN console_users u ON u.id = cl.user_id",
        );
        let mut stmt = conn.prepare_cached(&sql)?;
        let [a, b, c, d, e] = filter_params(filter);
        let rows = stmt.query_map(
            params![a, b, c, d, e, filter.limit as i64, filter.offset as i64],
            |row| {
                Ok(QueueRow {
                    case: index_row(row)?,
                    rank: row.get(11)?,
                    claimed_by: row.get(12)?,
                    first_viewed_at: opt_time(row.get(13)?)?,
                    escalated: row.get::<_, i64>(14)? != 0,
                    reopened: row.get(15)?,
                })
            },
        )?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn queue_count(&self, filter: &QueueFilter) -> Result<u64, StoreError> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(&format!("SELECT count(*) {QUEUE_WHERE}"))?;
        let [a, b, c, d, e] = filter_params(filter);
        let n: i64 = stmt.query_row(params![a, b, c, d, e], |row| row.get(0))?;
        Ok(n as u64)
    }

    fn queue_stats(&self) -> Result<Vec<QueueStats>, StoreError> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT i.queue, count(*), min(i.opened_at) {QUEUE_WHERE} GROUP BY i.queue ORDER BY i.queue"
        ))?;
        let none: Option<String> = None;
        let rows = stmt.query_map(params![none, none, none, none, none], |row| {
            Ok(QueueStats {
                queue: row.get(0)?,
                pending: row.get::<_, i64>(1)? as u64,
                oldest_opened_at: opt_time(row.get(2)?)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn cases_of_suspect(&self, suspect: &str) -> Result<Vec<CaseIndexRow>, StoreError> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {INDEX_COLUMNS} FROM console_case_index i WHERE i.suspect = ?1 ORDER BY i.opened_at DESC"
        ))?;
        let rows = stmt.query_map([suspect], index_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn claim(
        &self,
        case_id: &str,
        user_id: i64,
        at: DateTime<Utc>,
        stale_before: DateTime<Utc>,
    ) -> Result<ClaimOutcome, StoreError> {
        // On the writer, inside its IMMEDIATE transaction: the read of the
        // current holder and the write that may replace it are one step, so two
        // moderators never both take over.
        let case_id = case_id.to_owned();
        self.write(move |tx| {
            let case_id = case_id.as_str();
            let before: Option<(i64, String, String)> = tx
                .query_row(
                    "SELECT c.user_id, u.username, c.claimed_at FROM console_claims c
                 JOIN console_users u ON u.id = c.user_id WHERE c.case_id = ?1",
                    [case_id],
                    |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
                )
                .optional()?;
            let outcome = match before {
                Some((holder, name, claimed_at))
                    if holder != user_id && claimed_at >= ts(stale_before) =>
                {
                    ClaimOutcome::HeldBy(name)
                }
                Some((holder, name, _)) => {
                    tx.execute(
                    "UPDATE console_claims SET user_id = ?2, claimed_at = ?3 WHERE case_id = ?1",
                    params![case_id, user_id, ts(at)],
                )?;
                    if holder == user_id {
                        ClaimOutcome::AlreadyYours
                    } else {
                        ClaimOutcome::TookOver(name)
                    }
                }
                None => {
                    tx.execute(
                    "INSERT INTO console_claims (case_id, user_id, claimed_at) VALUES (?1, ?2, ?3)",
                    params![case_id, user_id, ts(at)],
                )?;
                    ClaimOutcome::Claimed
                }
            };
            Ok(outcome)
        })
    }

    fn release(&self, case_id: &str, user_id: i64) -> Result<bool, StoreError> {
        let case_id = case_id.to_owned();
        self.write(move |conn| {
            let n = conn.execute(
                "DELETE FROM console_claims WHERE case_id = ?1 AND user_id = ?2",
                params![case_id, user_id],
            )?;
            Ok(n == 1)
        })
    }

    fn release_any(&self, case_id: &str) -> Result<Option<String>, StoreError> {
        let case_id = case_id.to_owned();
        self.write(move |tx| {
            let holder: Option<String> = tx
                .query_row(
                    "SELECT u.username FROM console_claims c JOIN console_users u ON u.id = c.user_id
                     WHERE c.case_id = ?1",
                    [&case_id],
                    |row| row.get(0),
                )
                .optional()?;
            tx.execute("DELETE FROM console_claims WHERE case_id = ?1", [&case_id])?;
            Ok(holder)
        })
    }

    fn case_state(&self, case_id: &str) -> Result<CaseState, StoreError> {
        let conn = self.reader();
        let mut state = conn
            .prepare_cached(
                "SELECT closed_at, closed_by, escalated, first_viewed_at, first_viewed_by, first_action_at,
                        closed_evidence_at
                 FROM console_case_state WHERE case_id = ?1",
            )?
            .query_row([case_id], |row| {
                Ok(CaseState {
                    closed_at: opt_time(row.get(0)?)?,
                    closed_by: row.get(1)?,
                    escalated: row.get::<_, i64>(2)? != 0,
                    first_viewed_at: opt_time(row.get(3)?)?,
                    first_viewed_by: row.get(4)?,
                    first_action_at: opt_time(row.get(5)?)?,
                    closed_evidence_at: opt_time(row.get(6)?)?,
                    claim: None,
                })
            })
            .optional()?
            .unwrap_or_default();
        state.claim = conn
            .prepare_cached(
                "SELECT u.username, c.claimed_at FROM console_claims c JOIN console_users u ON u.id = c.user_id
                 WHERE c.case_id = ?1",
            )?
            .query_row([case_id], |row| {
                Ok((row.get::<_, String>(0)?, time(&row.get::<_, String>(1)?)?))
            })
            .optional()?;
        Ok(state)
    }

    fn record_view(&self, case_id: &str, entry: &AuditRecord) -> Result<(), StoreError> {
        let (case_id, entry) = (case_id.to_owned(), entry.clone());
        self.write(move |tx| {
        tx.execute(
            "INSERT INTO console_case_state (case_id, first_viewed_at, first_viewed_by) VALUES (?1, ?2, ?3)
             ON CONFLICT(case_id) DO UPDATE SET first_viewed_at = coalesce(first_viewed_at, excluded.first_viewed_at),
             first_viewed_by = coalesce(first_viewed_by, excluded.first_viewed_by)",
            params![case_id, ts(entry.at), entry.username],
        )?;
        audit_insert(tx, &entry)?;
        Ok(())
        })
    }

    fn record_action(&self, a: &NewAction) -> Result<i64, StoreError> {
        let a = a.clone();
        self.write(move |tx| {
        tx.execute(
            "INSERT INTO console_actions (case_id, suspect, username, action, reason, queue, category, closes, at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                a.case_id, a.suspect, a.username, a.action, a.reason, a.queue, a.category, a.closes,
                ts(a.at)
            ],
        )?;
        let id = tx.last_insert_rowid();
        tx.execute(
            "INSERT INTO console_case_state (case_id, first_action_at) VALUES (?1, ?2)
             ON CONFLICT(case_id) DO UPDATE SET first_action_at = coalesce(first_action_at, excluded.first_action_at)",
            params![a.case_id, ts(a.at)],
        )?;
        if a.closes {
            // A case closes once per round of evidence: a second closing
            // action (a double click, two tabs, two moderators racing) would
            // send the platform a second enforcement webhook. It may close
            // again only once new evidence has reopened it.
            let closed = tx.execute(
                "UPDATE console_case_state SET closed_at = ?2, closed_by = ?3, escalated = 0,
                   closed_evidence_at = (SELECT updated_at FROM cases WHERE id = ?1)
                 WHERE case_id = ?1 AND (closed_at IS NULL OR coalesce(closed_evidence_at, closed_at) <
                   coalesce((SELECT updated_at FROM cases WHERE id = ?1), ''))",
                params![a.case_id, ts(a.at), a.username],
            )?;
            if closed == 0 {
                let (when, by): (Option<String>, Option<String>) = tx.query_row(
                    "SELECT closed_at, closed_by FROM console_case_state WHERE case_id = ?1",
                    [&a.case_id],
                    |row| Ok((row.get(0)?, row.get(1)?)),
                )?;
                return Err(StoreError::Conflict(format!(
                    "case {} was already closed by {} at {}; nothing was sent again",
                    a.case_id,
                    by.unwrap_or_else(|| "someone".into()),
                    when.unwrap_or_default()
                )));
            }
            tx.execute(
                "DELETE FROM console_claims WHERE case_id = ?1",
                [&a.case_id],
            )?;
        }
        if a.escalates {
            tx.execute(
                "UPDATE console_case_state SET escalated = 1 WHERE case_id = ?1",
                [&a.case_id],
            )?;
            // Escalating hands the case on: the escalating moderator's claim
            // would otherwise stop the senior reviewer from acting.
            tx.execute(
                "DELETE FROM console_claims WHERE case_id = ?1",
                [&a.case_id],
            )?;
        }
        if a.refers {
            tx.execute(
                "INSERT INTO console_referrals (case_id, action_id, suspect, username, reason, category, status, at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'created', ?7)",
                params![a.case_id, id, a.suspect, a.username, a.reason, a.category, ts(a.at)],
            )?;
        }
        if let Some((url, body)) = &a.webhook {
            tx.execute(
                "INSERT INTO console_webhook_deliveries (action_id, url, body, status, next_attempt_at)
                 VALUES (?1, ?2, ?3, 'pending', ?4)",
                params![id, url, body, ts(a.at)],
            )?;
        }
        audit_insert(
            tx,
            &AuditRecord {
                id: 0,
                at: a.at,
                username: a.username.clone(),
                role: a.role.clone(),
                kind: "action".into(),
                case_id: Some(a.case_id.clone()),
                detail: format!("{} (action {id})", a.action),
            },
        )?;
        Ok(id)
        })
    }

    fn actions(&self, case_id: &str) -> Result<Vec<ActionRecord>, StoreError> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(
            "SELECT a.id, a.case_id, a.suspect, a.username, a.action, a.reason, a.queue, a.category, a.closes, a.at,
                    (SELECT d.status FROM console_webhook_deliveries d WHERE d.action_id = a.id)
             FROM console_actions a WHERE a.case_id = ?1 ORDER BY a.id",
        )?;
        let rows = stmt.query_map([case_id], |row| {
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
                delivery: row.get(10)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn add_note(
        &self,
        case_id: &str,
        username: &str,
        role: &str,
        text: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let (case_id, username, role, text) = (
            case_id.to_owned(),
            username.to_owned(),
            role.to_owned(),
            text.to_owned(),
        );
        self.write(move |tx| {
            tx.execute(
                "INSERT INTO console_notes (case_id, username, text, at) VALUES (?1, ?2, ?3, ?4)",
                params![case_id, username, text, ts(at)],
            )?;
            let id = tx.last_insert_rowid();
            audit_insert(
                tx,
                &AuditRecord {
                    id: 0,
                    at,
                    username: username.clone(),
                    role: role.clone(),
                    kind: "note".into(),
                    case_id: Some(case_id.clone()),
                    detail: format!("note {id}"),
                },
            )?;
            Ok(())
        })
    }

    fn notes(&self, case_id: &str) -> Result<Vec<NoteRecord>, StoreError> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(
            "SELECT username, text, at FROM console_notes WHERE case_id = ?1 ORDER BY id",
        )?;
        let rows = stmt.query_map([case_id], |row| {
            Ok(NoteRecord {
                username: row.get(0)?,
                text: row.get(1)?,
                at: time(&row.get::<_, String>(2)?)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn referrals(&self) -> Result<Vec<ReferralRecord>, StoreError> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(
            "SELECT id, case_id, action_id, suspect, username, reason, category, status, at
             FROM console_referrals ORDER BY id",
        )?;
        let rows = stmt.query_map([], |row| {
            Ok(ReferralRecord {
                id: row.get(0)?,
                case_id: row.get(1)?,
                action_id: row.get(2)?,
                suspect: row.get(3)?,
                username: row.get(4)?,
                reason: row.get(5)?,
                category: row.get(6)?,
                status: row.get(7)?,
                at: time(&row.get::<_, String>(8)?)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn append_audit(&self, entry: &AuditRecord) -> Result<(), StoreError> {
        let entry = entry.clone();
        self.write(move |tx| {
            audit_insert(tx, &entry)?;
            Ok(())
        })
    }

    fn audit(
        &self,
        after_id: i64,
        limit: usize,
        case_id: Option<&str>,
    ) -> Result<Vec<AuditRecord>, StoreError> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(
            "SELECT id, at, username, role, kind, case_id, detail FROM console_audit
             WHERE id > ?1 AND (?2 IS NULL OR case_id = ?2) ORDER BY id LIMIT ?3",
        )?;
        let rows = stmt.query_map(params![after_id, case_id, limit as i64], |row| {
            Ok(AuditRecord {
                id: row.get(0)?,
                at: time(&row.get::<_, String>(1)?)?,
                username: row.get(2)?,
                role: row.get(3)?,
                kind: row.get(4)?,
                case_id: row.get(5)?,
                detail: row.get(6)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn due_deliveries(
        &self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<Delivery>, StoreError> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(
            "SELECT id, action_id, url, body, attempts FROM console_webhook_deliveries
             WHERE status = 'pending' AND next_attempt_at <= ?1 ORDER BY id LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![ts(now), limit as i64], |row| {
            Ok(Delivery {
                id: row.get(0)?,
                action_id: row.get(1)?,
                url: row.get(2)?,
                body: row.get(3)?,
                attempts: row.get(4)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn delivery_attempted(
        &self,
        id: i64,
        delivered: bool,
        error: Option<&str>,
        next_attempt_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let status = match (delivered, next_attempt_at) {
            (true, _) => "delivered",
            (false, Some(_)) => "pending",
            (false, None) => "failed",
        };
        let error = error.map(str::to_owned);
        self.write(move |conn| {
            conn.execute(
                "UPDATE console_webhook_deliveries SET status = ?2, attempts = attempts + 1, last_error = ?3,
                 next_attempt_at = coalesce(?4, next_attempt_at), delivered_at = ?5 WHERE id = ?1",
                params![
                    id,
                    status,
                    error,
                    next_attempt_at.map(ts),
                    delivered.then(|| ts(now))
                ],
            )?;
            Ok(())
        })
    }

    fn case_timings(&self) -> Result<Vec<CaseTiming>, StoreError> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(
            concat!(
                "SELECT i.case_id, i.queue, i.category, i.opened_at, s.first_viewed_at, s.first_action_at,
                    NOT ",
                closed_rule!(),
                "
             FROM console_case_index i
             JOIN cases ON cases.id = i.case_id
             LEFT JOIN console_case_state s ON s.case_id = i.case_id"
            ),
        )?;
        let rows = stmt.query_map([], |row| {
            Ok(CaseTiming {
                case_id: row.get(0)?,
                queue: row.get(1)?,
                category: row.get(2)?,
                opened_at: time(&row.get::<_, String>(3)?)?,
                first_viewed_at: opt_time(row.get(4)?)?,
                first_action_at: opt_time(row.get(5)?)?,
                pending: row.get::<_, Option<bool>>(6)?.unwrap_or(false),
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn conversation_events(
        &self,
        conversation: &str,
        limit: usize,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(
            "SELECT pos, id, body, received_at FROM events
             WHERE json_extract(body, '$.conversation') = ?1 AND type IN ('message', 'media')
             ORDER BY pos LIMIT ?2",
        )?;
        stored_events(&mut stmt, conversation, limit)
    }

    fn account_events(&self, account: &str) -> Result<Vec<StoredEvent>, StoreError> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(
            "SELECT pos, id, body, received_at FROM events
             WHERE json_extract(body, '$.account') = ?1 AND type IN ('account_created', 'account_updated')
             ORDER BY pos LIMIT ?2",
        )?;
        stored_events(&mut stmt, account, 100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CaseStore;

    fn store() -> (tempfile::TempDir, SqliteStore) {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("s.db")).unwrap();
        (dir, store)
    }

    fn case(id: &str, suspect: &str, priority: u32) -> CaseRecord {
        CaseRecord {
            id: id.into(),
            suspect: suspect.into(),
            status: "open".into(),
            priority,
            updated_at: Utc::now(),
            body: "{}".into(),
        }
    }

    fn index(store: &SqliteStore, queue: &str, band: &str) {
        let rows: Vec<_> = store
            .cases_to_index(100)
            .unwrap()
            .into_iter()
            .map(|c| {
                let len = c.body.len();
                (
                    CaseIndexRow {
                        case_id: c.id,
                        suspect: c.suspect,
                        priority: c.priority,
                        queue: queue.into(),
                        category: "grooming".into(),
                        categories: vec!["grooming".into()],
                        bands: vec![band.into()],
                        youngest_band: band.into(),
                        opened_at: c.updated_at - chrono::Duration::hours(2),
                        updated_at: c.updated_at,
                        reasons: vec!["grooming (+30)".into()],
                    },
                    len,
                )
            })
            .collect();
        store.put_case_index(&rows).unwrap();
    }

    fn action(case_id: &str, closes: bool) -> NewAction {
        NewAction {
            case_id: case_id.into(),
            suspect: "s".into(),
            username: "mod".into(),
            role: "moderator".into(),
            action: if closes { "ban" } else { "escalate" }.into(),
            reason: Some("r".into()),
            queue: "grooming".into(),
            category: "grooming".into(),
            closes,
            escalates: !closes,
            refers: closes,
            webhook: Some(("http://x/hook".into(), "{}".into())),
            at: Utc::now(),
        }
    }

    #[test]
    fn upserting_changed_cases_twice_before_indexing_works() {
        // Regression: the dirty-case triggers used OR IGNORE, which the cases
        // upsert overrode, so a second change before indexing failed the write.
        let (_d, store) = store();
        store.put_cases(&[case("c1", "s1", 40)]).unwrap();
        store.put_cases(&[case("c1", "s1", 41)]).unwrap();
        store.put_cases(&[case("c1", "s1", 42)]).unwrap();
        assert_eq!(store.cases_to_index(10).unwrap().len(), 1);
        index(&store, "grooming", "13_15");
        store.put_cases(&[case("c1", "s1", 43)]).unwrap();
        store.put_cases(&[case("c1", "s1", 44)]).unwrap();
        let again = store.cases_to_index(10).unwrap();
        assert_eq!((again.len(), again[0].priority), (1, 44));
    }

    #[test]
    fn claims_are_exclusive_until_they_go_stale() {
        let (_d, store) = store();
        let a = store.create_user("a", "moderator", "h").unwrap();
        let b = store.create_user("b", "moderator", "h").unwrap();
        assert!(store.create_user("a", "admin", "h").is_err());
        let now = Utc::now();
        let stale = now - chrono::Duration::minutes(30);
        assert_eq!(
            store.claim("c1", a, now, stale).unwrap(),
            ClaimOutcome::Claimed
        );
        assert_eq!(
            store.claim("c1", b, now, stale).unwrap(),
            ClaimOutcome::HeldBy("a".into())
        );
        assert_eq!(
            store.claim("c1", a, now, stale).unwrap(),
            ClaimOutcome::AlreadyYours
        );
        assert!(!store.release("c1", b).unwrap());
        assert!(store.release("c1", a).unwrap());
        assert_eq!(
            store.claim("c1", b, now, stale).unwrap(),
            ClaimOutcome::Claimed
        );

        // Forty minutes on, b's claim is stale: a takes it over.
        let later = now + chrono::Duration::minutes(40);
        let later_stale = later - chrono::Duration::minutes(30);
        assert_eq!(
            store.claim("c1", a, later, later_stale).unwrap(),
            ClaimOutcome::TookOver("b".into())
        );
        assert_eq!(store.case_state("c1").unwrap().claim.unwrap().0, "a");
        // Renewing keeps it fresh: b is refused again.
        assert_eq!(
            store.claim("c1", b, later, later_stale).unwrap(),
            ClaimOutcome::HeldBy("a".into())
        );

        // An admin's force release names the holder; nothing to release after.
        assert_eq!(store.release_any("c1").unwrap().as_deref(), Some("a"));
        assert!(store.case_state("c1").unwrap().claim.is_none());
        assert_eq!(store.release_any("c1").unwrap(), None);
    }

    #[test]
    fn a_store_from_before_closed_evidence_at_is_migrated() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        {
            let store = SqliteStore::open(&path).unwrap();
            store
                .reader()
                .execute_batch("ALTER TABLE console_case_state DROP COLUMN closed_evidence_at")
                .unwrap();
        }
        let store = SqliteStore::open(&path).unwrap();
        store.put_cases(&[case("c1", "s1", 40)]).unwrap();
        index(&store, "grooming", "13_15");
        store.record_action(&action("c1", true)).unwrap();
        assert!(store.case_state("c1").unwrap().closed_evidence_at.is_some());
    }

    #[test]
    fn evidence_dated_ahead_of_the_console_clock_does_not_undo_a_close() {
        // The platform's clock runs an hour ahead of the console's.
        let (_d, store) = store();
        let ahead = Utc::now() + chrono::Duration::hours(1);
        let mut c = case("c1", "s1", 40);
        c.updated_at = ahead;
        store.put_cases(&[c.clone()]).unwrap();
        index(&store, "grooming", "13_15");
        store.record_action(&action("c1", true)).unwrap();
        let all = QueueFilter {
            limit: 10,
            ..Default::default()
        };
        assert!(
            store.queue(&all).unwrap().is_empty(),
            "closed case back in the queue"
        );
        assert!(matches!(
            store.record_action(&action("c1", true)),
            Err(StoreError::Conflict(_))
        ));
        // Newer evidence (by the platform's clock) reopens it.
        c.updated_at = ahead + chrono::Duration::minutes(1);
        c.priority = 41;
        store.put_cases(&[c]).unwrap();
        index(&store, "grooming", "13_15");
        let rows = store.queue(&all).unwrap();
        assert_eq!((rows.len(), rows[0].reopened), (1, true));
        store.record_action(&action("c1", true)).unwrap();
    }

    #[test]
    fn a_closed_case_is_not_closed_twice_until_new_evidence_reopens_it() {
        let (_d, store) = store();
        store.put_cases(&[case("c1", "s1", 40)]).unwrap();
        index(&store, "grooming", "13_15");
        store.record_action(&action("c1", true)).unwrap();
        // The double click: refused, and nothing more is queued or recorded.
        let err = store.record_action(&action("c1", true)).unwrap_err();
        assert!(
            matches!(&err, StoreError::Conflict(m) if m.contains("already closed by mod")),
            "{err}"
        );
        assert_eq!(store.due_deliveries(Utc::now(), 10).unwrap().len(), 1);
        assert_eq!(store.actions("c1").unwrap().len(), 1);
        assert_eq!(store.referrals().unwrap().len(), 1);
        // Actions that do not close still go through on a closed case.
        store.record_action(&action("c1", false)).unwrap();
        // New evidence reopens it; then it may be closed again.
        std::thread::sleep(std::time::Duration::from_millis(5));
        store.put_cases(&[case("c1", "s1", 41)]).unwrap();
        index(&store, "grooming", "13_15");
        store.record_action(&action("c1", true)).unwrap();
        assert_eq!(store.actions("c1").unwrap().len(), 3);
    }

    #[test]
    fn queue_filters_ranks_and_hides_closed_cases_until_new_evidence() {
        let (_d, store) = store();
        store
            .put_cases(&[case("c1", "s1", 40), case("c2", "s2", 70)])
            .unwrap();
        index(&store, "grooming", "13_15");
        store.put_cases(&[case("c3", "s3", 50)]).unwrap();
        index(&store, "sextortion", "under_13");
        assert!(store.cases_to_index(10).unwrap().is_empty());
        let all = QueueFilter {
            limit: 10,
            ..Default::default()
        };
        let ids = |f: &QueueFilter| -> Vec<String> {
            store
                .queue(f)
                .unwrap()
                .into_iter()
                .map(|r| r.case.case_id)
                .collect()
        };
        assert_eq!(ids(&all), ["c2", "c3", "c1"]);
        let under_13 = QueueFilter {
            band: Some("under_13".into()),
            ..all.clone()
        };
        assert_eq!(ids(&under_13), ["c3"]);
        assert_eq!(store.queue_count(&under_13).unwrap(), 1);
        let stats = store.queue_stats().unwrap();
        assert_eq!(stats.len(), 2);
        assert_eq!((stats[0].queue.as_str(), stats[0].pending), ("grooming", 2));

        // An action that closes the case takes it off the queue, releases the
        // claim, and writes a referral and a pending delivery.
        let user = store.create_user("mod", "moderator", "h").unwrap();
        store.claim("c2", user, Utc::now(), Utc::now()).unwrap();
        let id = store.record_action(&action("c2", true)).unwrap();
        assert_eq!(ids(&all), ["c3", "c1"]);
        assert!(store.case_state("c2").unwrap().claim.is_none());
        assert_eq!(store.referrals().unwrap()[0].action_id, id);
        let due = store.due_deliveries(Utc::now(), 10).unwrap();
        assert_eq!(due.len(), 1);
        store
            .delivery_attempted(due[0].id, false, Some("503"), Some(Utc::now()), Utc::now())
            .unwrap();
        assert_eq!(store.due_deliveries(Utc::now(), 10).unwrap()[0].attempts, 1);
        store
            .delivery_attempted(due[0].id, true, None, None, Utc::now())
            .unwrap();
        assert!(store.due_deliveries(Utc::now(), 10).unwrap().is_empty());
        assert_eq!(
            store.actions("c2").unwrap()[0].delivery.as_deref(),
            Some("delivered")
        );

        // New evidence after the action reopens it.
        std::thread::sleep(std::time::Duration::from_millis(5));
        store.put_cases(&[case("c2", "s2", 71)]).unwrap();
        index(&store, "grooming", "13_15");
        let rows = store.queue(&all).unwrap();
        assert_eq!(rows[0].case.case_id, "c2");
        assert!(rows[0].reopened);

        // Escalation puts a case first.
        store.record_action(&action("c1", false)).unwrap();
        assert_eq!(ids(&all)[0], "c1");
    }

    #[test]
    fn the_audit_log_and_the_action_log_refuse_changes() {
        let (_d, store) = store();
        let entry = AuditRecord {
            id: 0,
            at: Utc::now(),
            username: "a".into(),
            role: "admin".into(),
            kind: "view_evidence".into(),
            case_id: Some("c1".into()),
            detail: "".into(),
        };
        store.record_view("c1", &entry).unwrap();
        store.record_view("c1", &entry).unwrap();
        store.record_action(&action("c1", true)).unwrap();
        assert_eq!(store.audit(0, 10, Some("c1")).unwrap().len(), 3);
        let conn = store.reader();
        for sql in [
            "UPDATE console_audit SET username = 'x'",
            "DELETE FROM console_audit",
            "UPDATE console_actions SET action = 'dismiss'",
            "DELETE FROM console_actions",
        ] {
            let err = conn.execute(sql, []).unwrap_err().to_string();
            assert!(err.contains("append-only"), "{sql}: {err}");
        }
    }

    #[test]
    fn sessions_expire() {
        let (_d, store) = store();
        let u = store.create_user("a", "admin", "h").unwrap();
        let now = Utc::now();
        store
            .create_session("t", u, "csrf", now + chrono::Duration::hours(1))
            .unwrap();
        assert_eq!(store.session("t", now).unwrap().unwrap().user.username, "a");
        assert!(store
            .session("t", now + chrono::Duration::hours(2))
            .unwrap()
            .is_none());
        store.delete_session("t").unwrap();
        assert!(store.session("t", now).unwrap().is_none());
    }
}

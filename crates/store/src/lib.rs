//! Lifeguard's persistence: storage interfaces by concern, and their embedded
//! SQLite implementation.
//!
//! The engine never touches a database; the service and the CLI hold a store behind
//! the traits here ([`EventStore`]), so that the embedded default (SQLite, bundled,
//! WAL mode) and a PostgreSQL implementation for larger platforms are
//! interchangeable. An event is acknowledged only once its transaction is committed
//! with `synchronous = FULL`, so an acknowledged event survives `kill -9` and power
//! loss; ingest is idempotent by event id.
//!
//! ```
//! use lifeguard_store::{EventStore, SqliteStore, Appended};
//! let dir = tempfile::tempdir().unwrap();
//! let store = SqliteStore::open(&dir.path().join("lifeguard.db")).unwrap();
//! let event: lifeguard_core::Event = serde_json::from_str(
//!     r#"{"id":"e1","type":"relationship","kind":"follow","from":"a","to":"b"}"#).unwrap();
//! assert!(matches!(store.append(&[event.clone()]).unwrap()[0], Appended::New(_)));
//! assert_eq!(store.append(&[event]).unwrap()[0], Appended::Duplicate);
//! ```
#![deny(missing_docs)]

/// A case's lifecycle, the one rule for the API and the console: closed when a
/// moderator's closing action came after its last evidence (the close records
/// the case's evidence time it saw); new evidence reopens it. An SQL condition
/// over a row of `cases` named `cases`.
macro_rules! closed_rule {
    () => {
        "EXISTS (SELECT 1 FROM console_case_state cs WHERE cs.case_id = cases.id
            AND cs.closed_at IS NOT NULL
            AND coalesce(cs.closed_evidence_at, cs.closed_at) >= cases.updated_at)"
    };
}

mod banks;
mod console;
mod referrals;
mod sqlite;

pub use banks::{BankHash, BankInfo, BankStore, NewBank};
pub use console::{
    ActionRecord, AuditRecord, CaseIndexRow, CaseState, CaseTiming, ClaimOutcome, ConsoleStore,
    Delivery, NewAction, NoteRecord, QueueFilter, QueueRow, QueueStats, ReferralRecord,
    SessionRecord, UserRecord,
};
pub use referrals::{
    HoldRecord, NewHold, PurgeOutcome, ReferralStore, ReleaseOutcome, SubmissionRecord,
};
pub use sqlite::SqliteStore;

use chrono::{DateTime, Utc};
use lifeguard_core::Event;

/// What became of one event handed to [`EventStore::append`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Appended {
    /// Stored for the first time, at this position in the log (1-based).
    New(u64),
    /// An event with this id was already stored; nothing changed.
    Duplicate,
}

/// Storage failures. Input is validated before it reaches the store, so these are
/// our fault or the disk's, never the user's.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The database reported an error.
    #[error("database error: {0}")]
    Database(#[from] rusqlite::Error),
    /// A stored row could not be decoded (corruption or a newer schema).
    #[error("stored event {id} is unreadable: {reason}")]
    Corrupt {
        /// The event id.
        id: String,
        /// What was wrong.
        reason: String,
    },
    /// The store's writer has stopped (the process is shutting down).
    #[error("the store's writer has stopped")]
    WriterGone,
    /// The store cannot make a commit durable just now (the disk refused a
    /// setting); nothing was committed.
    #[error("the store cannot make commits durable: {0}")]
    NotDurable(String),
    /// The request conflicts with what is stored (a case already closed by
    /// someone else, say); the message names what.
    #[error("{0}")]
    Conflict(String),
    /// The database file could not be created or opened.
    #[error("cannot open store at {path}: {reason}")]
    Open {
        /// The path.
        path: String,
        /// Why.
        reason: String,
    },
}

/// The durable, append-only log of everything a platform sent.
pub trait EventStore: Send + Sync {
    /// Appends events in order, all in one durable commit; returns one outcome per
    /// event. When this returns `Ok`, every event is on disk.
    fn append(&self, events: &[Event]) -> Result<Vec<Appended>, StoreError> {
        self.append_at(events, Utc::now())
    }
    /// [`EventStore::append`] with the receive time to record: a caller that
    /// acts on the events passes the same time it acts with, so that a replay
    /// of the log reaches the same state.
    fn append_at(
        &self,
        events: &[Event],
        received_at: DateTime<Utc>,
    ) -> Result<Vec<Appended>, StoreError> {
        self.append_derived(events, &[], received_at)
    }
    /// [`EventStore::append_at`] with, for each event, what was derived from it
    /// when it arrived and depends on the world at that time (known-image
    /// matches against the hash banks then loaded), as JSON: stored with the
    /// event so that applying it, live or in a replay, reads the same answer.
    /// `derived` may be shorter than `events` (missing entries are `None`).
    fn append_derived(
        &self,
        events: &[Event],
        derived: &[Option<String>],
        received_at: DateTime<Utc>,
    ) -> Result<Vec<Appended>, StoreError>;
    /// The event with this id.
    fn get(&self, id: &str) -> Result<Option<Event>, StoreError>;
    /// How many events are stored.
    fn count(&self) -> Result<u64, StoreError>;
    /// Up to `limit` events stored after log position `after`, in log order: for
    /// replaying state on start-up.
    fn read_from(&self, after: u64, limit: usize) -> Result<Vec<StoredEvent>, StoreError>;
    /// The events committed from now on, in commit (log) order, one message per
    /// commit, sent before the appending callers are answered. At most one
    /// follower: a second call replaces the first. `None` when the store cannot
    /// push commits; a follower then polls [`EventStore::read_from`].
    fn follow_commits(&self) -> Option<std::sync::mpsc::Receiver<Vec<StoredEvent>>> {
        None
    }
}

/// An event as stored, with its place in the log.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredEvent {
    /// Position in the log, 1-based, increasing.
    pub pos: u64,
    /// When the store committed it.
    pub received_at: DateTime<Utc>,
    /// The event.
    pub event: Event,
    /// What was derived from it when it arrived (see [`EventStore::append_derived`]).
    pub derived: Option<String>,
}

/// A case as stored: indexed columns plus the engine's JSON. The store does not
/// interpret cases; the safety engine owns their meaning.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseRecord {
    /// Stable case id.
    pub id: String,
    /// The suspected account; at most one open case per suspect.
    pub suspect: String,
    /// `open` or `closed`, as read: closed when a moderator's closing action
    /// came after the case's last evidence (new evidence reopens it).
    pub status: String,
    /// Queue priority, highest first.
    pub priority: u32,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// The whole case, JSON.
    pub body: String,
}

/// Everything the service needs from a store.
pub trait Store:
    EventStore + CaseStore + AppliedStore + BankStore + ConsoleStore + ReferralStore
{
}
impl<T: EventStore + CaseStore + AppliedStore + BankStore + ConsoleStore + ReferralStore> Store
    for T
{
}

/// A saved engine state and the log position it reflects.
#[derive(Debug, Clone, PartialEq)]
pub struct Checkpoint {
    /// Every event up to this log position is in the state, none after.
    pub pos: u64,
    /// The state's format version; the engine ignores one it does not know.
    pub format: u32,
    /// When it was saved.
    pub taken_at: DateTime<Utc>,
    /// The engine's serialised state.
    pub state: Vec<u8>,
}

/// What the ordered applier writes: the derived state of the log up to a
/// position, and checkpoints of the engine's state.
pub trait AppliedStore: Send + Sync {
    /// Writes the cases changed by applying the log up to `pos`, and the mark
    /// "applied up to `pos`", in one transaction on the writer.
    fn record_applied(&self, cases: &[CaseRecord], pos: u64) -> Result<(), StoreError>;
    /// The last "applied up to" mark; 0 when nothing was applied.
    fn applied_pos(&self) -> Result<u64, StoreError>;
    /// Saves a checkpoint, replacing the previous one.
    fn put_checkpoint(&self, checkpoint: &Checkpoint) -> Result<(), StoreError>;
    /// The last checkpoint saved.
    fn checkpoint(&self) -> Result<Option<Checkpoint>, StoreError>;
    /// Every stored case's suspect and id, for adopting ids given by earlier
    /// versions.
    fn case_ids(&self) -> Result<Vec<(String, String)>, StoreError>;
}

/// Durable cases for moderators.
pub trait CaseStore: Send + Sync {
    /// Inserts or replaces cases by id, in one commit.
    fn put_cases(&self, cases: &[CaseRecord]) -> Result<(), StoreError>;
    /// One case.
    fn get_case(&self, id: &str) -> Result<Option<CaseRecord>, StoreError>;
    /// Open cases for the queue, the console's rule: not closed by a moderator's
    /// action since the case's last evidence (new evidence reopens a closed
    /// case). By priority plus a recency bonus (10 points for
    /// a case updated just now, falling linearly to 0 a day later), then oldest
    /// update first.
    fn open_cases(&self, limit: usize) -> Result<Vec<CaseRecord>, StoreError>;
}

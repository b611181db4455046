use std::path::Path;
use std::sync::mpsc::{self, Receiver, Sender, SyncSender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use chrono::{DateTime, Utc};
use lifeguard_core::Event;
use rusqlite::{params, Connection, OptionalExtension};

use crate::{
    Appended, AppliedStore, CaseRecord, CaseStore, Checkpoint, EventStore, StoreError, StoredEvent,
};

const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS events (
    pos         INTEGER PRIMARY KEY AUTOINCREMENT,
    id          TEXT NOT NULL UNIQUE,
    type        TEXT NOT NULL,
    at          TEXT,
    received_at TEXT NOT NULL,
    body        TEXT NOT NULL,
    -- What was derived from the event when it arrived (hash-bank matches), JSON.
    derived     TEXT
);
CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS cases (
    id         TEXT PRIMARY KEY,
    suspect    TEXT NOT NULL,
    status     TEXT NOT NULL,
    priority   INTEGER NOT NULL,
    updated_at TEXT NOT NULL,
    body       TEXT NOT NULL
);
-- One open case per suspect, whatever happens (replays, restarts, races).
CREATE UNIQUE INDEX IF NOT EXISTS cases_one_open_per_suspect ON cases(suspect) WHERE status = 'open';
CREATE INDEX IF NOT EXISTS cases_queue ON cases(status, priority DESC, updated_at);
-- The ordered applier's mark: every event up to pos is reflected in the cases.
CREATE TABLE IF NOT EXISTS applied (
    id  INTEGER PRIMARY KEY CHECK (id = 1),
    pos INTEGER NOT NULL
);
-- The engine's state at a log position; a restart replays only what follows.
CREATE TABLE IF NOT EXISTS engine_checkpoint (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    pos      INTEGER NOT NULL,
    format   INTEGER NOT NULL,
    taken_at TEXT NOT NULL,
    state    BLOB NOT NULL
);
"#;

/// Adds what later versions added to tables that `CREATE TABLE IF NOT EXISTS`
/// leaves alone.
fn migrate(conn: &Connection) -> Result<(), StoreError> {
    let has_derived = conn
        .prepare("SELECT 1 FROM pragma_table_info('events') WHERE name = 'derived'")?
        .exists([])?;
    if !has_derived {
        conn.execute_batch("ALTER TABLE events ADD COLUMN derived TEXT")?;
    }
    Ok(())
}

/// Most events one group commit takes, across however many callers.
const MAX_GROUP: usize = 8192;

/// One writer request. Everything a group holds commits in one transaction, in
/// the order the requests arrived.
enum Job {
    Append {
        events: Vec<Event>,
        derived: Vec<Option<String>>,
        received_at: DateTime<Utc>,
        reply: SyncSender<Result<Vec<Appended>, StoreError>>,
    },
    Applied {
        cases: Vec<CaseRecord>,
        pos: u64,
        reply: SyncSender<Result<(), StoreError>>,
    },
    Checkpoint {
        checkpoint: Checkpoint,
        reply: SyncSender<Result<(), StoreError>>,
    },
    /// Any other write (the console's records, referrals, banks), run in a
    /// savepoint of the group's transaction: its own failure undoes only itself.
    Write {
        write: WriteFn,
        reply: SyncSender<Result<Written, StoreError>>,
    },
}

/// A write to run on the writer's connection. `Fn`, not `FnOnce`: when a group
/// fails, each job is retried alone.
type WriteFn = Box<dyn Fn(&Connection) -> Result<Written, StoreError> + Send>;
/// What a write returns, type-erased.
type Written = Box<dyn std::any::Any + Send>;

impl Job {
    fn size(&self) -> usize {
        match self {
            Job::Append { events, .. } => events.len(),
            Job::Applied { cases, .. } => cases.len().max(1),
            Job::Checkpoint { .. } => MAX_GROUP,
            Job::Write { .. } => 1,
        }
    }

    fn fail(self, error: StoreError) {
        match self {
            Job::Append { reply, .. } => {
                let _ = reply.send(Err(error));
            }
            Job::Applied { reply, .. } | Job::Checkpoint { reply, .. } => {
                let _ = reply.send(Err(error));
            }
            Job::Write { reply, .. } => {
                let _ = reply.send(Err(error));
            }
        }
    }
}

/// What one committed job gives back.
enum Done {
    Append(Vec<Appended>),
    Written,
    Wrote(Result<Written, StoreError>),
}

/// Where the writer sends what it committed (see [`EventStore::follow_commits`]).
type Follower = Arc<Mutex<Option<Sender<Vec<StoredEvent>>>>>;

/// The embedded store: one SQLite file in WAL mode.
///
/// Every write (the event log, the applier's cases and marks, checkpoints, and
/// the console's, referrals' and banks' records) goes through one writer thread,
/// which commits every pending caller's request in a single IMMEDIATE
/// transaction (group commit), so many concurrent small batches cost one fsync;
/// a console or referral write runs in a savepoint of its own, so that its
/// failure (a case already closed, say) undoes only itself. Reads use their own
/// connection and never wait for a write.
pub struct SqliteStore {
    jobs: Option<SyncSender<Job>>,
    writer: Option<JoinHandle<()>>,
    follower: Follower,
    reader: Mutex<Connection>,
}

fn open_connection(path: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open(path).map_err(|e| StoreError::Open {
        path: path.display().to_string(),
        reason: e.to_string(),
    })?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    // FULL: a committed transaction survives power loss, not only a killed process.
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    Ok(conn)
}

impl SqliteStore {
    /// Opens (creating if needed) the store at `path`.
    pub fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        if let Some(dir) = path.parent() {
            if !dir.as_os_str().is_empty() {
                std::fs::create_dir_all(dir).map_err(|e| StoreError::Open {
                    path: path.display().to_string(),
                    reason: e.to_string(),
                })?;
            }
        }
        let writer = open_connection(path)?;
        writer.execute_batch(SCHEMA)?;
        migrate(&writer)?;
        writer.execute_batch(crate::banks::SCHEMA)?;
        writer.execute_batch(crate::console::SCHEMA)?;
        crate::console::migrate(&writer)?;
        writer.execute_batch(crate::referrals::SCHEMA)?;
        let reader = open_connection(path)?;
        let (tx, rx) = mpsc::sync_channel::<Job>(1024);
        let follower: Follower = Arc::default();
        let feed = Arc::clone(&follower);
        let handle = std::thread::Builder::new()
            .name("lifeguard-store-writer".into())
            .spawn(move || write_loop(writer, rx, feed))
            .map_err(|e| StoreError::Open {
                path: path.display().to_string(),
                reason: format!("cannot start writer thread: {e}"),
            })?;
        Ok(SqliteStore {
            jobs: Some(tx),
            writer: Some(handle),
            follower,
            reader: Mutex::new(reader),
        })
    }

    pub(crate) fn reader(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave the connection inconsistent
        // (SQLite rolls back), so a poisoned lock is still usable.
        self.reader.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `write` on the writer's connection, in the next group commit, and
    /// returns what it returned. Every write but the event log's and the
    /// applier's goes through here, so that the store has one writer.
    pub(crate) fn write<T, F>(&self, write: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: Fn(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let value = self.submit(|reply| Job::Write {
            write: Box::new(move |conn| write(conn).map(|v| Box::new(v) as Written)),
            reply,
        })?;
        value
            .downcast::<T>()
            .map(|v| *v)
            .map_err(|_| StoreError::WriterGone)
    }

    /// Hands a job to the writer thread and waits for its answer.
    fn submit<T>(
        &self,
        job: impl FnOnce(SyncSender<Result<T, StoreError>>) -> Job,
    ) -> Result<T, StoreError> {
        let jobs = self.jobs.as_ref().ok_or(StoreError::WriterGone)?;
        let (reply, answer) = mpsc::sync_channel(1);
        jobs.send(job(reply)).map_err(|_| StoreError::WriterGone)?;
        answer.recv().map_err(|_| StoreError::WriterGone)?
    }
}

impl Drop for SqliteStore {
    fn drop(&mut self) {
        self.jobs.take();
        if let Some(handle) = self.writer.take() {
            let _ = handle.join();
        }
    }
}

fn write_loop(mut conn: Connection, jobs: Receiver<Job>, follower: Follower) {
    let mut full = true;
    while let Ok(first) = jobs.recv() {
        let mut total = first.size();
        let mut group = vec![first];
        while total < MAX_GROUP {
            match jobs.try_recv() {
                Ok(job) => {
                    total += job.size();
                    group.push(job);
                }
                Err(_) => break,
            }
        }
        // Events, checkpoints and other writes are committed with
        // `synchronous = FULL`. A group
        // of case writes only is derived state that a restart rebuilds (it replays
        // from the checkpoint, which a later FULL commit made durable, and in WAL
        // mode that commit makes every earlier one durable too), so it skips the
        // fsync: a client's request then costs one fsync, not two.
        let needs_fsync = group.iter().any(|j| !matches!(j, Job::Applied { .. }));
        if needs_fsync != full {
            let mode = if needs_fsync { "FULL" } else { "NORMAL" };
            match conn.pragma_update(None, "synchronous", mode) {
                Ok(()) => full = needs_fsync,
                // Never commit events without the fsync that acknowledges them.
                Err(e) if needs_fsync => {
                    let reason = e.to_string();
                    for job in group {
                        job.fail(StoreError::NotDurable(reason.clone()));
                    }
                    continue;
                }
                Err(_) => {}
            }
        }
        match commit_group(&mut conn, &group) {
            Ok(done) => answer(group, done, &follower),
            Err(_) => {
                // Retry each caller alone so one bad batch cannot fail the others.
                for job in group {
                    match commit_group(&mut conn, std::slice::from_ref(&job)) {
                        Ok(done) => answer(vec![job], done, &follower),
                        Err(e) => job.fail(e),
                    }
                }
            }
        }
    }
}

/// Tells the follower what was committed, in log order, then answers the callers:
/// by the time an appending caller hears back, the follower has its events.
fn answer(group: Vec<Job>, done: Vec<Done>, follower: &Follower) {
    let mut committed = Vec::new();
    let mut replies = Vec::with_capacity(group.len());
    for (job, done) in group.into_iter().zip(done) {
        match (job, done) {
            (
                Job::Append {
                    events,
                    derived,
                    received_at,
                    reply,
                },
                Done::Append(outcomes),
            ) => {
                let mut derived = derived.into_iter();
                for (event, outcome) in events.into_iter().zip(&outcomes) {
                    let derived = derived.next().flatten();
                    if let Appended::New(pos) = outcome {
                        committed.push(StoredEvent {
                            pos: *pos,
                            received_at,
                            event,
                            derived,
                        });
                    }
                }
                replies.push(Box::new(move || {
                    let _ = reply.send(Ok(outcomes));
                }) as Box<dyn FnOnce()>);
            }
            (Job::Applied { reply, .. }, Done::Written)
            | (Job::Checkpoint { reply, .. }, Done::Written) => {
                replies.push(Box::new(move || {
                    let _ = reply.send(Ok(()));
                }));
            }
            (Job::Write { reply, .. }, Done::Wrote(result)) => {
                replies.push(Box::new(move || {
                    let _ = reply.send(result);
                }));
            }
            (job, _) => job.fail(StoreError::WriterGone),
        }
    }
    if !committed.is_empty() {
        let mut follower = follower.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(feed) = follower.as_ref() {
            if feed.send(committed).is_err() {
                *follower = None;
            }
        }
    }
    for reply in replies {
        reply();
    }
}

fn commit_group(conn: &mut Connection, group: &[Job]) -> Result<Vec<Done>, StoreError> {
    // IMMEDIATE: every group writes, and a write that reads first (a claim)
    // must not find the database changed by another process in between.
    let mut tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let mut done = Vec::with_capacity(group.len());
    for job in group {
        match job {
            Job::Append {
                events,
                derived,
                received_at,
                ..
            } => {
                let mut insert = tx.prepare_cached(
                    "INSERT INTO events (id, type, at, received_at, body, derived)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                     ON CONFLICT(id) DO NOTHING",
                )?;
                let received_at = received_at.to_rfc3339();
                let mut batch = Vec::with_capacity(events.len());
                for (i, event) in events.iter().enumerate() {
                    let body = serde_json::to_string(event).map_err(|e| StoreError::Corrupt {
                        id: event.id.clone(),
                        reason: e.to_string(),
                    })?;
                    let at = event.at.map(|t| t.to_rfc3339());
                    let derived = derived.get(i).and_then(|d| d.as_deref());
                    let changed = insert.execute(params![
                        event.id,
                        event.body.type_name(),
                        at,
                        received_at,
                        body,
                        derived
                    ])?;
                    batch.push(if changed == 1 {
                        Appended::New(tx.last_insert_rowid() as u64)
                    } else {
                        Appended::Duplicate
                    });
                }
                done.push(Done::Append(batch));
            }
            Job::Applied { cases, pos, .. } => {
                upsert_cases(&tx, cases)?;
                tx.execute(
                    "INSERT INTO applied (id, pos) VALUES (1, ?1)
                     ON CONFLICT(id) DO UPDATE SET pos = max(pos, excluded.pos)",
                    [*pos as i64],
                )?;
                done.push(Done::Written);
            }
            Job::Checkpoint { checkpoint, .. } => {
                tx.execute(
                    "INSERT INTO engine_checkpoint (id, pos, format, taken_at, state)
                     VALUES (1, ?1, ?2, ?3, ?4)
                     ON CONFLICT(id) DO UPDATE SET pos = excluded.pos, format = excluded.format,
                     taken_at = excluded.taken_at, state = excluded.state",
                    params![
                        checkpoint.pos as i64,
                        checkpoint.format,
                        checkpoint.taken_at.to_rfc3339(),
                        checkpoint.state
                    ],
                )?;
                done.push(Done::Written);
            }
            Job::Write { write, .. } => {
                let savepoint = tx.savepoint()?;
                match write(&savepoint) {
                    Ok(value) => {
                        savepoint.commit()?;
                        done.push(Done::Wrote(Ok(value)));
                    }
                    // Dropping the savepoint rolls back this write alone.
                    Err(e) => done.push(Done::Wrote(Err(e))),
                }
            }
        }
    }
    tx.commit()?;
    Ok(done)
}

fn upsert_cases(tx: &rusqlite::Transaction<'_>, cases: &[CaseRecord]) -> Result<(), StoreError> {
    let mut upsert = tx.prepare_cached(
        "INSERT INTO cases (id, suspect, status, priority, updated_at, body)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT(id) DO UPDATE SET suspect = excluded.suspect, status = excluded.status,
         priority = excluded.priority, updated_at = excluded.updated_at, body = excluded.body",
    )?;
    for c in cases {
        upsert.execute(params![
            c.id,
            c.suspect,
            c.status,
            c.priority,
            crate::console::ts(c.updated_at),
            c.body
        ])?;
    }
    Ok(())
}

fn decode(id: &str, body: &str) -> Result<Event, StoreError> {
    serde_json::from_str(body).map_err(|e| StoreError::Corrupt {
        id: id.to_owned(),
        reason: e.to_string(),
    })
}

impl EventStore for SqliteStore {
    fn append_derived(
        &self,
        events: &[Event],
        derived: &[Option<String>],
        received_at: DateTime<Utc>,
    ) -> Result<Vec<Appended>, StoreError> {
        if events.is_empty() {
            return Ok(Vec::new());
        }
        self.submit(|reply| Job::Append {
            events: events.to_vec(),
            derived: derived.to_vec(),
            received_at,
            reply,
        })
    }

    fn get(&self, id: &str) -> Result<Option<Event>, StoreError> {
        let conn = self.reader();
        let body: Option<String> = conn
            .prepare_cached("SELECT body FROM events WHERE id = ?1")?
            .query_row([id], |row| row.get(0))
            .optional()?;
        body.map(|b| decode(id, &b)).transpose()
    }

    fn count(&self) -> Result<u64, StoreError> {
        let conn = self.reader();
        let n: i64 = conn.query_row("SELECT count(*) FROM events", [], |row| row.get(0))?;
        Ok(n as u64)
    }

    fn read_from(&self, after: u64, limit: usize) -> Result<Vec<StoredEvent>, StoreError> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(
            "SELECT pos, id, body, received_at, derived FROM events WHERE pos > ?1
             ORDER BY pos LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![after as i64, limit as i64], |row| {
            Ok((
                row.get::<_, i64>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, String>(3)?,
                row.get::<_, Option<String>>(4)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (pos, id, body, received, derived) = row?;
            let received_at = parse_time(&id, "received_at", &received)?;
            out.push(StoredEvent {
                pos: pos as u64,
                received_at,
                event: decode(&id, &body)?,
                derived,
            });
        }
        Ok(out)
    }

    fn follow_commits(&self) -> Option<Receiver<Vec<StoredEvent>>> {
        let (tx, rx) = mpsc::channel();
        *self.follower.lock().unwrap_or_else(|p| p.into_inner()) = Some(tx);
        Some(rx)
    }
}

impl AppliedStore for SqliteStore {
    fn record_applied(&self, cases: &[CaseRecord], pos: u64) -> Result<(), StoreError> {
        self.submit(|reply| Job::Applied {
            cases: cases.to_vec(),
            pos,
            reply,
        })
    }

    fn applied_pos(&self) -> Result<u64, StoreError> {
        let conn = self.reader();
        let pos: Option<i64> = conn
            .query_row("SELECT pos FROM applied WHERE id = 1", [], |row| row.get(0))
            .optional()?;
        Ok(pos.unwrap_or(0) as u64)
    }

    fn put_checkpoint(&self, checkpoint: &Checkpoint) -> Result<(), StoreError> {
        self.submit(|reply| Job::Checkpoint {
            checkpoint: checkpoint.clone(),
            reply,
        })
    }

    fn checkpoint(&self) -> Result<Option<Checkpoint>, StoreError> {
        let conn = self.reader();
        let row = conn
            .query_row(
                "SELECT pos, format, taken_at, state FROM engine_checkpoint WHERE id = 1",
                [],
                |row| {
                    Ok((
                        row.get::<_, i64>(0)?,
                        row.get::<_, u32>(1)?,
                        row.get::<_, String>(2)?,
                        row.get::<_, Vec<u8>>(3)?,
                    ))
                },
            )
            .optional()?;
        row.map(|(pos, format, taken, state)| {
            Ok(Checkpoint {
                pos: pos as u64,
                format,
                taken_at: parse_time("engine checkpoint", "taken_at", &taken)?,
                state,
            })
        })
        .transpose()
    }

    fn case_ids(&self) -> Result<Vec<(String, String)>, StoreError> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached("SELECT suspect, id FROM cases ORDER BY id")?;
        let rows = stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

impl CaseStore for SqliteStore {
    fn put_cases(&self, cases: &[CaseRecord]) -> Result<(), StoreError> {
        if cases.is_empty() {
            return Ok(());
        }
        self.submit(|reply| Job::Applied {
            cases: cases.to_vec(),
            pos: 0,
            reply,
        })
    }

    fn get_case(&self, id: &str) -> Result<Option<CaseRecord>, StoreError> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(
            &format!("SELECT id, suspect, {CASE_STATUS}, priority, updated_at, body FROM cases WHERE id = ?1"),
        )?;
        let row = stmt.query_row([id], raw_case).optional()?;
        row.map(RawCase::into_record).transpose()
    }

    fn open_cases(&self, limit: usize) -> Result<Vec<CaseRecord>, StoreError> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(
            &format!(
                "SELECT id, suspect, 'open', priority, updated_at, body FROM cases
                 WHERE status = 'open' AND NOT ({CLOSED})
                 ORDER BY priority + 10.0 * max(0.0, 1.0 - (julianday('now') - julianday(updated_at))) DESC,
                          updated_at ASC LIMIT ?1"
            ),
        )?;
        let rows = stmt.query_map([limit as i64], raw_case)?;
        let mut out = Vec::new();
        for row in rows {
            out.push(row?.into_record()?);
        }
        Ok(out)
    }
}

/// See `closed_rule!` in the crate root.
const CLOSED: &str = closed_rule!();
/// The status a case record carries: `open` or `closed`, by [`CLOSED`].
const CASE_STATUS: &str = concat!(
    "CASE WHEN ",
    closed_rule!(),
    " THEN 'closed' ELSE 'open' END"
);

struct RawCase(CaseRecordParts);
type CaseRecordParts = (String, String, String, u32, String, String);

fn raw_case(row: &rusqlite::Row<'_>) -> rusqlite::Result<RawCase> {
    Ok(RawCase((
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
        row.get(5)?,
    )))
}

impl RawCase {
    fn into_record(self) -> Result<CaseRecord, StoreError> {
        let (id, suspect, status, priority, updated, body) = self.0;
        let updated_at = parse_time(&id, "updated_at", &updated)?;
        Ok(CaseRecord {
            id,
            suspect,
            status,
            priority,
            updated_at,
            body,
        })
    }
}

fn parse_time(
    id: &str,
    field: &str,
    value: &str,
) -> Result<chrono::DateTime<chrono::Utc>, StoreError> {
    chrono::DateTime::parse_from_rfc3339(value)
        .map(|t| t.with_timezone(&chrono::Utc))
        .map_err(|e| StoreError::Corrupt {
            id: id.to_owned(),
            reason: format!("{field}: {e}"),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn event(id: &str) -> Event {
        serde_json::from_str(&format!(
            r#"{{"id":"{id}","type":"message","conversation":"c","sender":"a","text":"hello {id}"}}"#
        ))
        .unwrap()
    }

    #[test]
    fn append_is_idempotent_by_id_within_and_across_batches() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("s.db")).unwrap();
        let out = store.append(&[event("a"), event("b"), event("a")]).unwrap();
        assert_eq!(
            out,
            vec![Appended::New(1), Appended::New(2), Appended::Duplicate]
        );
        assert_eq!(
            store.append(&[event("b"), event("c")]).unwrap()[0],
            Appended::Duplicate
        );
        assert_eq!(store.count().unwrap(), 3);
        assert_eq!(store.get("c").unwrap().unwrap(), event("c"));
        assert!(store.get("zzz").unwrap().is_none());
    }

    #[test]
    fn events_survive_reopening_and_replay_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested/dir/s.db");
        {
            let store = SqliteStore::open(&path).unwrap();
            store
                .append(&(0..10).map(|i| event(&i.to_string())).collect::<Vec<_>>())
                .unwrap();
        }
        let store = SqliteStore::open(&path).unwrap();
        let first = store.read_from(0, 4).unwrap();
        assert_eq!(
            first.iter().map(|e| e.pos).collect::<Vec<_>>(),
            vec![1, 2, 3, 4]
        );
        let rest = store.read_from(4, 100).unwrap();
        assert_eq!(rest.len(), 6);
        assert_eq!(rest[0].event.id, "4");
        assert!(rest[0].received_at <= chrono::Utc::now());
    }

    fn case(id: &str, suspect: &str, status: &str, priority: u32) -> CaseRecord {
        CaseRecord {
            id: id.into(),
            suspect: suspect.into(),
            status: status.into(),
            priority,
            updated_at: chrono::Utc::now(),
            body: "{}".into(),
        }
    }

    #[test]
    fn cases_upsert_rank_and_stay_one_open_per_suspect() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("s.db")).unwrap();
        store
            .put_cases(&[
                case("c1", "adam", "open", 40),
                case("c2", "bob", "open", 70),
            ])
            .unwrap();
        store.put_cases(&[case("c1", "adam", "open", 90)]).unwrap();
        let queue = store.open_cases(10).unwrap();
        let ranked: Vec<_> = queue.iter().map(|c| (c.id.as_str(), c.priority)).collect();
        assert_eq!(ranked, [("c1", 90), ("c2", 70)]);
        // A second open case for the same suspect is refused by the database itself.
        assert!(store.put_cases(&[case("c3", "adam", "open", 10)]).is_err());
        assert!(store.get_case("c3").unwrap().is_none());
        // Recency: a fresh case outranks an older one with up to 10 more points.
        let mut stale = case("c4", "carl", "open", 75);
        stale.updated_at = chrono::Utc::now() - chrono::Duration::days(3);
        store.put_cases(&[stale]).unwrap();
        let ranked: Vec<_> = store
            .open_cases(10)
            .unwrap()
            .into_iter()
            .map(|c| c.id)
            .collect();
        // c2 (70, updated now: about 80) outranks c4 (75, three days old: 75).
        assert_eq!(ranked, ["c1", "c2", "c4"]);
        // Once closed, a new one may open.
        store
            .put_cases(&[
                case("c1", "adam", "closed", 90),
                case("c3", "adam", "open", 10),
            ])
            .unwrap();
        let open: Vec<_> = store
            .open_cases(10)
            .unwrap()
            .into_iter()
            .map(|c| c.id)
            .collect();
        assert_eq!(open, ["c2", "c4", "c3"]);
    }

    #[test]
    fn concurrent_callers_are_group_committed_without_loss() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(SqliteStore::open(&dir.path().join("s.db")).unwrap());
        let threads: Vec<_> = (0..8)
            .map(|t| {
                let store = Arc::clone(&store);
                std::thread::spawn(move || {
                    for b in 0..25 {
                        let batch: Vec<_> =
                            (0..4).map(|i| event(&format!("{t}-{b}-{i}"))).collect();
                        let out = store.append(&batch).unwrap();
                        assert!(out.iter().all(|o| matches!(o, Appended::New(_))));
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(store.count().unwrap(), 8 * 25 * 4);
    }
}

//! Lifeguard's ordered applier: the one place where events change the safety
//! engine's state.
//!
//! The event log is the truth; every state the service shows (cases, account and
//! conversation risk) is a function of it. [`Runtime`] keeps that promise under
//! concurrency and across restarts:
//!
//! - **One applier, in log order.** The store's writer commits concurrent
//!   batches in one order (group commit) and hands what it committed, in that
//!   order, to one applier thread, which owns the engine's writes. It applies each
//!   event once, then writes the changed cases and the mark "applied up to
//!   position N" in one transaction on the writer. A client's batch is answered
//!   once the applier has reached it, with the decisions it made.
//! - **Decided once.** What depends on the world at arrival time (an image's
//!   matches against the hash banks loaded then) is computed before the append
//!   and stored with the event ([`lifeguard_store::EventStore::append_derived`]);
//!   applying the event, live or in a replay, reads it instead of decoding and
//!   matching again.
//! - **Restart from a checkpoint.** Every [`Options::checkpoint_every`] events,
//!   and on [`Runtime::shutdown`], the engine's state is saved with its log
//!   position (copied under the engine's lock, then encoded and written on
//!   another thread); [`Runtime::start`] loads it and replays only the events after it.
//!   A checkpoint of another format, or none, means a replay from the start.
//!
//! Case ids depend only on the suspect ([`lifeguard_safety::case_id_for`]), so
//! the order in which concurrent clients' events arrive cannot change them.
#![deny(missing_docs)]

pub mod media;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use lifeguard_core::{Event, EventBody};
use lifeguard_media::Matcher;
use lifeguard_safety::{Case, Decision, ImageMatch, SafetyEngine, CHECKPOINT_FORMAT};
use lifeguard_store::{
    Appended, AppliedStore, BankStore, CaseRecord, Checkpoint, EventStore, StoreError, StoredEvent,
};

/// What the runtime needs from a store.
pub trait LogStore: EventStore + AppliedStore + BankStore {}
impl<T: EventStore + AppliedStore + BankStore + ?Sized> LogStore for T {}

/// Failures of the runtime.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RuntimeError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The hash banks could not be loaded.
    #[error("loading the hash banks: {0}")]
    Banks(String),
    /// The applier has stopped (the process is shutting down, or it failed).
    #[error("the event applier has stopped: {0}")]
    Stopped(String),
    /// The applier thread could not be started.
    #[error("cannot start the event applier: {0}")]
    Spawn(String),
}

/// Tuning.
#[derive(Debug, Clone)]
pub struct Options {
    /// Save a checkpoint after this many events applied since the last one.
    pub checkpoint_every: u64,
    /// Most events applied between two writes of the cases.
    pub max_apply_batch: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            checkpoint_every: 200_000,
            max_apply_batch: 8192,
        }
    }
}

/// How long decisions wait to be collected before they are dropped, in log
/// positions behind the applier (a caller that gave up, or events appended by
/// another process).
const DECISIONS_KEPT: u64 = 1_000_000;

/// Most events applied without a case change before the "applied up to" mark
/// is written anyway.
const MARK_LAG: u64 = 10_000;

/// What a restart did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StartReport {
    /// The checkpoint's position, when one was loaded.
    pub checkpoint_pos: Option<u64>,
    /// Events replayed after it.
    pub replayed: u64,
    /// The log position reached.
    pub applied_pos: u64,
}

struct Progress {
    applied: u64,
    decisions: BTreeMap<u64, Decision>,
    stopped: Option<String>,
}

struct Shared {
    progress: Mutex<Progress>,
    advanced: Condvar,
    stop: AtomicBool,
}

impl Shared {
    fn progress(&self) -> MutexGuard<'_, Progress> {
        self.progress.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The engine behind the ordered applier (see the crate documentation).
pub struct Runtime {
    store: Arc<dyn LogStore>,
    engine: Arc<Mutex<SafetyEngine>>,
    matcher: Arc<Matcher>,
    shared: Arc<Shared>,
    applier: Mutex<Option<JoinHandle<()>>>,
    report: StartReport,
}

impl Runtime {
    /// Loads the hash banks and the last checkpoint, replays the events after it,
    /// and starts the applier.
    pub fn start<S: LogStore + 'static>(
        store: Arc<S>,
        engine: SafetyEngine,
        options: Options,
    ) -> Result<Runtime, RuntimeError> {
        let store: Arc<dyn LogStore> = store;
        let matcher = media::load_matcher(store.as_ref(), &[]).map_err(RuntimeError::Banks)?;
        let mut engine = engine;
        let started = Instant::now();
        let checkpoint_pos = restore(store.as_ref(), &mut engine)?;
        // Follow the writer before reading the log's end, so that nothing
        // committed in between is missed; what both give is applied once.
        let feed = store.follow_commits();
        let mut applier = Applier {
            store: Arc::clone(&store),
            matcher: Arc::new(matcher),
            options,
            applied: checkpoint_pos.unwrap_or(0),
            marked: 0,
            since_checkpoint: 0,
            saving: None,
            unwritten: BTreeMap::new(),
        };
        let mut replayed = 0u64;
        loop {
            let chunk = store.read_from(applier.applied, 10_000)?;
            if chunk.is_empty() {
                break;
            }
            replayed += chunk.len() as u64;
            applier.apply(&mut engine, &chunk, false);
        }
        // The cases are written once, at the end: a crash before then restarts
        // from the checkpoint anyway.
        applier.collect_cases(&mut engine);
        applier.write_cases()?;
        let engine = Arc::new(Mutex::new(engine));
        if replayed > 0 {
            applier.save_checkpoint(&engine)?;
        }
        let report = StartReport {
            checkpoint_pos,
            replayed,
            applied_pos: applier.applied,
        };
        tracing::info!(
            checkpoint = ?checkpoint_pos,
            replayed,
            applied = applier.applied,
            millis = started.elapsed().as_millis() as u64,
            "event log applied"
        );
        let shared = Arc::new(Shared {
            progress: Mutex::new(Progress {
                applied: applier.applied,
                decisions: BTreeMap::new(),
                stopped: None,
            }),
            advanced: Condvar::new(),
            stop: AtomicBool::new(false),
        });
        let matcher = Arc::clone(&applier.matcher);
        let thread = {
            let shared = Arc::clone(&shared);
            let engine = Arc::clone(&engine);
            std::thread::Builder::new()
                .name("lifeguard-applier".into())
                .spawn(move || applier.run(feed, &engine, &shared))
                .map_err(|e| RuntimeError::Spawn(e.to_string()))?
        };
        Ok(Runtime {
            store,
            engine,
            matcher,
            shared,
            applier: Mutex::new(Some(thread)),
            report,
        })
    }

    /// What [`Runtime::start`] did.
    pub fn start_report(&self) -> StartReport {
        self.report
    }

    /// The engine, for reading its state (views). Only the applier changes it.
    pub fn engine(&self) -> &Arc<Mutex<SafetyEngine>> {
        &self.engine
    }

    /// The hash banks loaded at start.
    pub fn matcher(&self) -> Arc<Matcher> {
        Arc::clone(&self.matcher)
    }

    /// The log position the applier has reached.
    pub fn applied_pos(&self) -> u64 {
        self.shared.progress().applied
    }

    /// Appends events durably (the acknowledgement), waits for the applier to
    /// apply them, and returns each event's outcome with, for a new event, the
    /// decision made on it. `received_at` is stored with the events and used for
    /// those without a time. Blocks: call from a blocking thread.
    pub fn ingest(
        &self,
        events: &[Event],
        received_at: DateTime<Utc>,
    ) -> Result<Vec<(Appended, Option<Decision>)>, RuntimeError> {
        let derived: Vec<Option<String>> =
            events.iter().map(|e| derive(&self.matcher, e)).collect();
        let outcomes = self.store.append_derived(events, &derived, received_at)?;
        let last = outcomes
            .iter()
            .filter_map(|o| match o {
                Appended::New(pos) => Some(*pos),
                Appended::Duplicate => None,
            })
            .max();
        let Some(last) = last else {
            return Ok(outcomes.into_iter().map(|o| (o, None)).collect());
        };
        let mut progress = self.shared.progress();
        while progress.applied < last {
            if let Some(why) = &progress.stopped {
                return Err(RuntimeError::Stopped(why.clone()));
            }
            progress = self
                .shared
                .advanced
                .wait(progress)
                .unwrap_or_else(|p| p.into_inner());
        }
        Ok(outcomes
            .into_iter()
            .map(|o| match o {
                Appended::New(pos) => (o, progress.decisions.remove(&pos)),
                Appended::Duplicate => (o, None),
            })
            .collect())
    }

    /// Stops the applier once it has applied everything committed, and saves a
    /// checkpoint so that the next start replays nothing. Call after the last
    /// ingest has been answered.
    pub fn shutdown(&self) -> Result<(), RuntimeError> {
        self.shared.stop.store(true, Ordering::SeqCst);
        let thread = self
            .applier
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some(thread) = thread {
            let _ = thread.join();
        }
        let pos = self.applied_pos();
        let state = lock(&self.engine).checkpoint();
        save(self.store.as_ref(), pos, &state)?;
        Ok(())
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        // Stop the applier (it finishes what was committed) and wait for it, so
        // that the store is closed when the last handle to it goes.
        self.shared.stop.store(true, Ordering::SeqCst);
        let thread = self
            .applier
            .get_mut()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some(thread) = thread {
            let _ = thread.join();
        }
    }
}

fn lock(engine: &Mutex<SafetyEngine>) -> MutexGuard<'_, SafetyEngine> {
    // The engine's methods do not panic on input; if one ever did, its state is
    // still the result of the events applied so far.
    engine.lock().unwrap_or_else(|p| p.into_inner())
}

/// Loads the last checkpoint into the engine; returns its position, or `None`
/// when the whole log must be replayed.
fn restore(store: &dyn LogStore, engine: &mut SafetyEngine) -> Result<Option<u64>, StoreError> {
    if let Some(cp) = store.checkpoint()? {
        if cp.format == CHECKPOINT_FORMAT {
            match engine.restore(&cp.state) {
                Ok(()) => return Ok(Some(cp.pos)),
                Err(e) => tracing::warn!(error = %e, "unreadable checkpoint; replaying the log"),
            }
        } else {
            tracing::info!(
                format = cp.format,
                "checkpoint of another format; replaying the log"
            );
        }
    }
    // Cases stored by an earlier version keep their ids.
    for (suspect, id) in store.case_ids()? {
        engine.adopt_case_id(&suspect, &id);
    }
    Ok(None)
}

fn save(
    store: &dyn LogStore,
    pos: u64,
    state: &lifeguard_safety::EngineCheckpoint,
) -> Result<(), StoreError> {
    let started = Instant::now();
    let bytes = state.encode().map_err(|e| StoreError::Corrupt {
        id: "engine checkpoint".into(),
        reason: e.to_string(),
    })?;
    let size = bytes.len();
    store.put_checkpoint(&Checkpoint {
        pos,
        format: CHECKPOINT_FORMAT,
        taken_at: Utc::now(),
        state: bytes,
    })?;
    tracing::info!(
        pos,
        bytes = size,
        millis = started.elapsed().as_millis() as u64,
        "checkpoint saved"
    );
    Ok(())
}

/// What is decided about an event when it arrives and stored with it: a media
/// item's matches against the hash banks loaded now.
fn derive(matcher: &Matcher, event: &Event) -> Option<String> {
    match &event.body {
        EventBody::Media(m) => {
            let matches = media::check_media_event(matcher, m);
            serde_json::to_string(&matches).ok()
        }
        _ => None,
    }
}

/// Applies one stored event: the engine's decision, and for media, the matches
/// recorded when it arrived. Media stored by a version that did not record them
/// is matched against today's banks.
pub fn apply_stored(
    engine: &mut SafetyEngine,
    matcher: &Matcher,
    stored: &StoredEvent,
) -> Decision {
    let event = &stored.event;
    let mut decision = engine.apply(event, Some(stored.received_at));
    if let EventBody::Media(m) = &event.body {
        let recorded: Option<Vec<ImageMatch>> = stored
            .derived
            .as_deref()
            .and_then(|d| serde_json::from_str(d).ok());
        let matches = recorded.unwrap_or_else(|| media::check_media_event(matcher, m));
        let at = event.at.unwrap_or(stored.received_at);
        engine.record_known_image(&mut decision, &event.id, m, &matches, at);
    }
    decision
}

/// A case as the store keeps it.
pub fn case_record(case: &Case) -> CaseRecord {
    CaseRecord {
        id: case.id.clone(),
        suspect: case.suspect.clone(),
        status: "open".into(),
        priority: case.priority,
        updated_at: case.updated_at,
        body: serde_json::to_string(case).unwrap_or_else(|_| "{}".into()),
    }
}

struct Applier {
    store: Arc<dyn LogStore>,
    matcher: Arc<Matcher>,
    options: Options,
    /// The last position applied to the engine.
    applied: u64,
    /// The last position written as the "applied up to" mark.
    marked: u64,
    since_checkpoint: u64,
    /// A checkpoint being saved in the background.
    saving: Option<JoinHandle<()>>,
    /// Changed cases not yet written, by id.
    unwritten: BTreeMap<String, CaseRecord>,
}

impl Drop for Applier {
    fn drop(&mut self) {
        // A save in flight finishes before the runtime's final one can start.
        self.join_saving();
    }
}

impl Applier {
    /// Applies events after `self.applied`, in order; returns their decisions
    /// when `keep` (a replay has no one to give them to, and drops each at once).
    fn apply(
        &mut self,
        engine: &mut SafetyEngine,
        events: &[StoredEvent],
        keep: bool,
    ) -> Vec<(u64, Decision)> {
        let mut decisions = Vec::with_capacity(if keep { events.len() } else { 0 });
        for stored in events {
            if stored.pos <= self.applied {
                continue;
            }
            let decision = apply_stored(engine, &self.matcher, stored);
            if keep {
                decisions.push((stored.pos, decision));
            }
            self.applied = stored.pos;
            self.since_checkpoint += 1;
        }
        decisions
    }

    /// Takes the cases changed since the last call, to be written.
    fn collect_cases(&mut self, engine: &mut SafetyEngine) {
        for case in engine.take_changed_cases() {
            self.unwritten.insert(case.id.clone(), case_record(&case));
        }
    }

    /// Writes the changed cases with the mark "applied up to here". When no case
    /// changed, the mark alone waits (up to [`MARK_LAG`] events): a restart
    /// replays from the checkpoint, not from the mark, so a lagging mark costs
    /// nothing, while a write per batch would cost each request a second commit.
    fn write_cases(&mut self) -> Result<(), StoreError> {
        if self.unwritten.is_empty() && self.applied.saturating_sub(self.marked) < MARK_LAG {
            return Ok(());
        }
        let cases: Vec<CaseRecord> = self.unwritten.values().cloned().collect();
        self.store.record_applied(&cases, self.applied)?;
        self.unwritten.clear();
        self.marked = self.applied;
        Ok(())
    }

    fn save_checkpoint(&mut self, engine: &Mutex<SafetyEngine>) -> Result<(), StoreError> {
        let state = lock(engine).checkpoint();
        save(self.store.as_ref(), self.applied, &state)?;
        self.since_checkpoint = 0;
        Ok(())
    }

    /// Copies the engine's state now and encodes and saves it on another
    /// thread, so that requests wait only for the copy. At most one save runs;
    /// the next one waits for it (an older checkpoint never replaces a newer).
    fn save_checkpoint_in_background(&mut self, engine: &Mutex<SafetyEngine>) {
        if self.saving.as_ref().is_some_and(|t| !t.is_finished()) {
            return;
        }
        self.join_saving();
        let state = lock(engine).checkpoint();
        let (store, pos) = (Arc::clone(&self.store), self.applied);
        self.since_checkpoint = 0;
        let spawned = std::thread::Builder::new()
            .name("lifeguard-checkpoint".into())
            .spawn(move || {
                if let Err(e) = save(store.as_ref(), pos, &state) {
                    tracing::error!(error = %e, "saving a checkpoint");
                }
            });
        match spawned {
            Ok(thread) => self.saving = Some(thread),
            Err(e) => tracing::error!(error = %e, "cannot start the checkpoint thread"),
        }
    }

    fn join_saving(&mut self) {
        if let Some(thread) = self.saving.take() {
            let _ = thread.join();
        }
    }

    /// The applier thread: applies what the writer committed until told to stop
    /// and nothing is left.
    fn run(
        mut self,
        feed: Option<Receiver<Vec<StoredEvent>>>,
        engine: &Mutex<SafetyEngine>,
        shared: &Shared,
    ) {
        struct Stopped<'a>(&'a Shared);
        impl Drop for Stopped<'_> {
            fn drop(&mut self) {
                let mut p = self.0.progress();
                if p.stopped.is_none() {
                    p.stopped = Some(if std::thread::panicking() {
                        "it failed".into()
                    } else {
                        "the service is shutting down".into()
                    });
                }
                drop(p);
                self.0.advanced.notify_all();
            }
        }
        let _stopped = Stopped(shared);
        loop {
            let batch = match self.next_batch(feed.as_ref(), shared) {
                Ok(Some(batch)) => batch,
                Ok(None) => return,
                Err(e) => {
                    tracing::error!(error = %e, "reading the event log; retrying");
                    std::thread::sleep(Duration::from_millis(200));
                    continue;
                }
            };
            let decisions = {
                let mut engine = lock(engine);
                let decisions = self.apply(&mut engine, &batch, true);
                self.collect_cases(&mut engine);
                decisions
            };
            // The cases must be on disk before callers are answered (they may
            // read them next); a failed write is retried, holding the callers.
            let mut backoff = Duration::from_millis(10);
            while let Err(e) = self.write_cases() {
                if matches!(e, StoreError::WriterGone) {
                    return;
                }
                tracing::error!(error = %e, "writing cases; retrying");
                std::thread::sleep(backoff);
                backoff = (backoff * 2).min(Duration::from_secs(5));
            }
            {
                let mut p = shared.progress();
                p.applied = self.applied;
                p.decisions.extend(decisions);
                if self.applied > DECISIONS_KEPT {
                    p.decisions = p.decisions.split_off(&(self.applied - DECISIONS_KEPT));
                }
            }
            shared.advanced.notify_all();
            if self.since_checkpoint >= self.options.checkpoint_every {
                self.save_checkpoint_in_background(engine);
            }
        }
    }

    /// The next committed events to apply: from the writer's feed, or (without
    /// one) by polling the log. `None` once told to stop and nothing is pending.
    fn next_batch(
        &self,
        feed: Option<&Receiver<Vec<StoredEvent>>>,
        shared: &Shared,
    ) -> Result<Option<Vec<StoredEvent>>, StoreError> {
        let tick = Duration::from_millis(50);
        loop {
            let first = match feed {
                Some(feed) => match feed.recv_timeout(tick) {
                    Ok(first) => Some(first),
                    Err(RecvTimeoutError::Timeout) => None,
                    Err(RecvTimeoutError::Disconnected) => return Ok(None),
                },
                None => {
                    let found = self
                        .store
                        .read_from(self.applied, self.options.max_apply_batch)?;
                    if found.is_empty() {
                        std::thread::sleep(Duration::from_millis(2));
                        None
                    } else {
                        return Ok(Some(found));
                    }
                }
            };
            let Some(mut batch) = first else {
                if shared.stop.load(Ordering::SeqCst) {
                    return Ok(None);
                }
                continue;
            };
            if let Some(feed) = feed {
                while batch.len() < self.options.max_apply_batch {
                    match feed.try_recv() {
                        Ok(more) => batch.extend(more),
                        Err(_) => break,
                    }
                }
            }
            return Ok(Some(batch));
        }
    }
}

use std::time::Instant;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::Json;
use lifeguard_core::Event;
use lifeguard_safety::Decision;
use lifeguard_store::Appended;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::metrics::Metrics;
use crate::{AppError, AppState, MAX_BATCH_EVENTS};

/// What became of one event of a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum EventStatus {
    /// Stored durably for the first time.
    Accepted,
    /// Already stored under this id; nothing changed.
    Duplicate,
    /// Invalid; not stored (see `error`).
    Rejected,
}

/// The answer for one event, in the order the batch gave them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct EventResult {
    /// The event id, when one could be read.
    pub id: Option<String>,
    /// What happened to it.
    pub status: EventStatus,
    /// Why it was rejected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// What the platform should do, for a newly accepted event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<Decision>,
}

/// The answer to `POST /v1/events`. Every `accepted` or `duplicate` event is
/// durably stored when this is sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct BatchResponse {
    /// How many were stored for the first time.
    pub accepted: usize,
    /// How many were already stored.
    pub duplicates: usize,
    /// How many were refused.
    pub rejected: usize,
    /// One result per event, in order.
    pub results: Vec<EventResult>,
}

#[derive(Deserialize)]
struct Batch<'a> {
    #[serde(borrow)]
    events: Vec<&'a RawValue>,
}

fn parse_batch(body: &[u8]) -> Result<Vec<&RawValue>, AppError> {
    let text = std::str::from_utf8(body)
        .map_err(|_| AppError::BadRequest("request body is not UTF-8".into()))?;
    let trimmed = text.trim_start();
    let raw: Vec<&RawValue> = if trimmed.starts_with('[') {
        serde_json::from_str(text)
    } else {
        serde_json::from_str::<Batch>(text).map(|b| b.events)
    }
    .map_err(|e| {
        AppError::BadRequest(format!(
            "body must be a JSON array of events or {{\"events\": [...]}}: {e}"
        ))
    })?;
    if raw.len() > MAX_BATCH_EVENTS {
        return Err(AppError::BadRequest(format!(
            "batch has {} events, more than the limit of {MAX_BATCH_EVENTS}",
            raw.len()
        )));
    }
    Ok(raw)
}

/// Reads the id of an event that failed to parse, to name it in the answer.
fn id_of(raw: &RawValue) -> Option<String> {
    #[derive(Deserialize)]
    struct IdOnly {
        id: Option<String>,
    }
    serde_json::from_str::<IdOnly>(raw.get())
        .ok()
        .and_then(|i| i.id)
}

pub(crate) async fn ingest(
    State(state): State<AppState>,
    body: Bytes,
) -> Result<Json<BatchResponse>, AppError> {
    let raw = parse_batch(&body)?;
    Metrics::add(&state.metrics.batches, 1);
    let mut results: Vec<EventResult> = Vec::with_capacity(raw.len());
    let mut valid: Vec<Event> = Vec::with_capacity(raw.len());
    let mut slots: Vec<usize> = Vec::with_capacity(raw.len());
    for (i, r) in raw.iter().enumerate() {
        let parsed = serde_json::from_str::<Event>(r.get())
            .map_err(|e| e.to_string())
            .and_then(|event| event.validate().map(|()| event).map_err(|e| e.to_string()));
        match parsed {
            Ok(event) => {
                results.push(EventResult {
                    id: Some(event.id.clone()),
                    status: EventStatus::Accepted,
                    error: None,
                    decision: None,
                });
                valid.push(event);
                slots.push(i);
            }
            Err(error) => results.push(EventResult {
                id: id_of(r),
                status: EventStatus::Rejected,
                error: Some(format!("event {i}: {error}")),
                decision: None,
            }),
        }
    }
    let rejected = results.len() - valid.len();
    Metrics::add(&state.metrics.events_rejected, rejected as u64);
    let (mut accepted, mut duplicates) = (0, 0);
    if !valid.is_empty() {
        let started = Instant::now();
        let runtime = state.runtime.clone();
        // The runtime commits the batch (the acknowledgement), then waits for the
        // ordered applier to decide on it, in log order.
        let applied = tokio::task::spawn_blocking(move || {
            // The same time is stored with the events and used to decide on them,
            // so replaying the log decides alike.
            runtime.ingest(&valid, chrono::Utc::now())
        })
        .await
        .map_err(|e| AppError::Internal(e.to_string()))??;
        Metrics::add(
            &state.metrics.store_commit_micros,
            started.elapsed().as_micros() as u64,
        );
        for (slot, (outcome, decision)) in slots.into_iter().zip(applied) {
            if outcome == Appended::Duplicate {
                results[slot].status = EventStatus::Duplicate;
                duplicates += 1;
            } else {
                accepted += 1;
                results[slot].decision = decision;
            }
        }
    }
    Metrics::add(&state.metrics.events_accepted, accepted as u64);
    Metrics::add(&state.metrics.events_duplicate, duplicates as u64);
    tracing::debug!(accepted, duplicates, rejected, "batch ingested");
    Ok(Json(BatchResponse {
        accepted,
        duplicates,
        rejected,
        results,
    }))
}

pub(crate) async fn get_event(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Event>, AppError> {
    let store = state.store.clone();
    let lookup = id.clone();
    let event = tokio::task::spawn_blocking(move || store.get(&lookup))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))??;
    event
        .map(Json)
        .ok_or_else(|| AppError::NotFound(format!("no event with id {id:?}")))
}

use axum::extract::{Path, Query, State};
use axum::Json;
use lifeguard_safety::{AccountView, ConversationView, Surface};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::{AppError, AppState};

pub(crate) async fn account_risk(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<AccountView>, AppError> {
    state
        .engine()
        .account_view(&id)
        .map(Json)
        .ok_or_else(|| AppError::NotFound(format!("no account {id:?}")))
}

pub(crate) async fn conversation_risk(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<ConversationView>, AppError> {
    state
        .engine()
        .conversation_view(&id)
        .map(Json)
        .ok_or_else(|| AppError::NotFound(format!("no conversation {id:?}")))
}

/// Which of `targets` may `viewer` see on `surface`?
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct VisibilityRequest {
    viewer: String,
    surface: Surface,
    targets: Vec<String>,
}

/// The targets split by visibility, in the order given.
#[derive(Serialize, schemars::JsonSchema)]
pub(crate) struct VisibilityResponse {
    visible: Vec<String>,
    hidden: Vec<String>,
}

pub(crate) async fn visibility(
    State(state): State<AppState>,
    body: axum::body::Bytes,
) -> Result<Json<VisibilityResponse>, AppError> {
    let request: VisibilityRequest = serde_json::from_slice(&body).map_err(|e| {
        AppError::BadRequest(format!("body must be {{viewer, surface, targets}}: {e}"))
    })?;
    if request.targets.len() > 10_000 {
        return Err(AppError::BadRequest("at most 10000 targets".into()));
    }
    let engine = state.engine();
    let (visible, hidden) = request
        .targets
        .into_iter()
        .partition(|t| engine.visible(&request.viewer, t, request.surface));
    Ok(Json(VisibilityResponse { visible, hidden }))
}

#[derive(Deserialize)]
pub(crate) struct ListQuery {
    limit: Option<usize>,
}

fn raw(body: String) -> Result<Box<RawValue>, AppError> {
    RawValue::from_string(body)
        .map_err(|e| AppError::Internal(format!("stored case is not JSON: {e}")))
}

pub(crate) async fn list_cases(
    State(state): State<AppState>,
    Query(q): Query<ListQuery>,
) -> Result<Json<Vec<Box<RawValue>>>, AppError> {
    let store = state.store.clone();
    let limit = q.limit.unwrap_or(100).min(10_000);
    let records = tokio::task::spawn_blocking(move || store.open_cases(limit))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))??;
    Ok(Json(
        records
            .into_iter()
            .map(|r| raw(r.body))
            .collect::<Result<_, _>>()?,
    ))
}

pub(crate) async fn get_case(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Box<RawValue>>, AppError> {
    let store = state.store.clone();
    let lookup = id.clone();
    let record = tokio::task::spawn_blocking(move || store.get_case(&lookup))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))??;
    let record = record.ok_or_else(|| AppError::NotFound(format!("no case {id:?}")))?;
    // The engine's JSON says what the evidence is; the status is the store's
    // reading of the lifecycle (closed by a moderator since the last evidence).
    let mut case: serde_json::Value = serde_json::from_str(&record.body)
        .map_err(|e| AppError::Internal(format!("stored case is not JSON: {e}")))?;
    case["status"] = serde_json::Value::String(record.status);
    Ok(Json(raw(case.to_string())?))
}

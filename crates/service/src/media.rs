//! `POST /v1/media/check`: known-image matching over HTTP. The matching itself
//! is [`lifeguard_runtime::media`]'s.

use axum::extract::State;
use axum::Json;
use base64::Engine as _;
use lifeguard_core::MediaHashes;
pub use lifeguard_runtime::media::{check, check_media_event, load_matcher, MediaCheck};
use serde::Deserialize;

use crate::{AppError, AppState};

/// `POST /v1/media/check`: bytes (base64) or hashes in, matches out. Nothing is
/// stored.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MediaCheckRequest {
    /// The file, base64 (standard alphabet).
    #[serde(default)]
    pub bytes_base64: Option<String>,
    /// Hashes computed by the platform.
    #[serde(default)]
    pub hashes: Option<MediaHashes>,
}

pub(crate) async fn check_route(
    State(state): State<AppState>,
    body: axum::body::Bytes,
) -> Result<Json<MediaCheck>, AppError> {
    let request: MediaCheckRequest = serde_json::from_slice(&body).map_err(|e| {
        AppError::BadRequest(format!("body must be {{bytes_base64?, hashes?}}: {e}"))
    })?;
    let bytes = match &request.bytes_base64 {
        Some(b) => Some(
            base64::engine::general_purpose::STANDARD
                .decode(b)
                .map_err(|e| AppError::BadRequest(format!("bytes_base64 is not base64: {e}")))?,
        ),
        None => None,
    };
    let hashes = request.hashes.unwrap_or_default();
    if bytes.is_none() && hashes == MediaHashes::default() {
        return Err(AppError::BadRequest("give bytes_base64 or hashes".into()));
    }
    let matcher = state.runtime.matcher();
    let result = tokio::task::spawn_blocking(move || check(&matcher, bytes.as_deref(), &hashes))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(Json(result))
}

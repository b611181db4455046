use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

/// Every way a request can fail, mapped to an HTTP status in one table
/// ([`AppError::status`]). Client errors carry a reason for the client; server
/// errors are logged and answered with a generic message.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AppError {
    /// The request body is not what the route takes.
    #[error("{0}")]
    BadRequest(String),
    /// The body is larger than the limit.
    #[error("request body is larger than {0} bytes")]
    TooLarge(usize),
    /// No key, or an unknown one.
    #[error("{0}")]
    Unauthorized(String),
    /// The key lacks the scope.
    #[error("{0}")]
    Forbidden(String),
    /// The thing asked for does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The store failed.
    #[error("storage failure")]
    Store(#[from] lifeguard_store::StoreError),
    /// The ordered applier failed or is stopping.
    #[error("storage failure")]
    Runtime(#[from] lifeguard_runtime::RuntimeError),
    /// A worker task died.
    #[error("internal failure")]
    Internal(String),
}

impl AppError {
    /// The status for this error.
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::Store(_) | AppError::Runtime(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            // Internal detail goes to the log, never to the client.
            tracing::error!(error = ?self, "request failed");
        }
        (status, Json(json!({ "error": self.to_string() }))).into_response()
    }
}

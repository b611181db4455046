//! The API in-process, through `tower::ServiceExt::oneshot`.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use lifeguard_safety::{Config, SafetyEngine};
use lifeguard_service::{app, ApiKey, ApiKeys, AppState, BatchResponse, EventStatus, Scope};
use lifeguard_store::{EventStore, SqliteStore};
use tower::ServiceExt;

struct Harness {
    _dir: tempfile::TempDir,
    store: Arc<SqliteStore>,
    state: AppState,
}

fn harness() -> Harness {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SqliteStore::open(&dir.path().join("t.db")).unwrap());
    let engine = SafetyEngine::new(Config::default_config()).unwrap();
    let keys = ApiKeys(vec![ApiKey::from_plaintext("t", "k", &[Scope::Admin])]);
    let state = AppState::open(store.clone(), engine, keys).unwrap();
    Harness {
        _dir: dir,
        store,
        state,
    }
}

async fn call(h: &Harness, method: &str, uri: &str, body: impl Into<Body>) -> (StatusCode, String) {
    let request = Request::builder()
        .method(method)
        .uri(uri)
        .header("content-type", "application/json")
        .header("authorization", "Bearer k")
        .body(body.into())
        .unwrap();
    let response = app(h.state.clone()).oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

const MESSAGE: &str = r#"{"id":"e1","type":"message","conversation":"c","sender":"a","text":"hi"}"#;

#[tokio::test]
async fn a_batch_is_stored_and_answered_per_event() {
    let h = harness();
    let body = format!(
        r#"{{"events":[{MESSAGE},{{"id":"e2","type":"poke"}},{{"id":"e3","type":"message","conversation":"","sender":"a","text":"x"}},{MESSAGE}]}}"#
    );
    let (status, text) = call(&h, "POST", "/v1/events", body).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let answer: BatchResponse = serde_json::from_str(&text).unwrap();
    assert_eq!(
        (answer.accepted, answer.duplicates, answer.rejected),
        (1, 1, 2)
    );
    let statuses: Vec<_> = answer.results.iter().map(|r| r.status).collect();
    assert_eq!(
        statuses,
        [
            EventStatus::Accepted,
            EventStatus::Rejected,
            EventStatus::Rejected,
            EventStatus::Duplicate
        ]
    );
    assert_eq!(answer.results[1].id.as_deref(), Some("e2"));
    assert!(answer.results[1].error.as_ref().unwrap().contains("poke"));
    assert!(answer.results[2]
        .error
        .as_ref()
        .unwrap()
        .contains("conversation"));
    assert_eq!(h.store.count().unwrap(), 1);

    let (status, text) = call(&h, "GET", "/v1/events/e1", Body::empty()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(text.contains("\"text\":\"hi\""));
    let (status, _) = call(&h, "GET", "/v1/events/nope", Body::empty()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_bare_array_is_accepted_too() {
    let h = harness();
    let (status, text) = call(&h, "POST", "/v1/events", format!("[{MESSAGE}]")).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert_eq!(h.store.count().unwrap(), 1);
}

#[tokio::test]
async fn malformed_and_oversized_bodies_get_a_4xx_with_a_reason() {
    let h = harness();
    for body in ["", "{", "{\"events\": 3}", "\"text\"", "[1, 2"] {
        let (status, text) = call(&h, "POST", "/v1/events", body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body:?} -> {text}");
        assert!(text.contains("\"error\""), "{text}");
    }
    let huge = vec![b' '; lifeguard_service::MAX_BODY_BYTES + 10];
    let (status, _) = call(&h, "POST", "/v1/events", huge).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(h.store.count().unwrap(), 0);
}

#[tokio::test]
async fn metrics_count_outcomes() {
    let h = harness();
    call(&h, "POST", "/v1/events", format!("[{MESSAGE},{MESSAGE}]")).await;
    let (status, text) = call(&h, "GET", "/metrics", Body::empty()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        text.contains("lifeguard_events_total{outcome=\"accepted\"} 1"),
        "{text}"
    );
    assert!(
        text.contains("lifeguard_events_total{outcome=\"duplicate\"} 1"),
        "{text}"
    );
    let (status, _) = call(&h, "GET", "/nowhere", Body::empty()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn openapi_documents_every_route_and_every_documented_route_exists() {
    let h = harness();
    let (status, text) = call(&h, "GET", "/openapi.json", Body::empty()).await;
    assert_eq!(status, StatusCode::OK);
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    for schema in [
        "Event",
        "Decision",
        "BatchResponse",
        "Case",
        "AccountView",
        "Behaviour",
    ] {
        assert!(
            doc["components"]["schemas"][schema].is_object(),
            "{schema} missing"
        );
    }
    let event = &doc["paths"]["/v1/events"]["post"];
    assert!(event["responses"]["401"].is_object() && event["responses"]["403"].is_object());
    for route in lifeguard_service::openapi::ROUTES {
        let path = route.path.replace("{id}", "x");
        let body = if route.request.is_some() { "{}" } else { "" };
        let (status, text) = call(&h, &route.method.to_uppercase(), &path, body).await;
        assert!(
            !text.contains("no such route"),
            "{} {} is documented but not routed ({status})",
            route.method,
            route.path
        );
        assert!(doc["paths"][route.path][route.method].is_object());
    }
}

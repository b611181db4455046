//! `GET /openapi.json`: the OpenAPI 3.1 document, generated from the code.
//!
//! Schemas come from the request and response types themselves (`schemars`
//! derives, which follow their serde attributes); the paths come from [`ROUTES`],
//! the table that a test checks against the router, so a route cannot be added to
//! one and forgotten in the other.

use schemars::{generate::SchemaSettings, JsonSchema, Schema, SchemaGenerator};
use serde_json::{json, Map, Value};

use crate::auth::Scope;

/// One documented route.
pub struct RouteDoc {
    /// HTTP method, lowercase.
    pub method: &'static str,
    /// Path, with `{name}` parameters.
    pub path: &'static str,
    /// Required scope; `None` for open routes.
    pub scope: Option<Scope>,
    /// One line.
    pub summary: &'static str,
    /// The JSON body it takes.
    pub request: Option<fn(&mut SchemaGenerator) -> Schema>,
    /// The JSON body it answers with on success (`None`: plain text).
    pub response: Option<fn(&mut SchemaGenerator) -> Schema>,
}

fn schema<T: JsonSchema>(g: &mut SchemaGenerator) -> Schema {
    g.subschema_for::<T>()
}

/// Every route of the service.
pub const ROUTES: &[RouteDoc] = &[
    RouteDoc {
        method: "post",
        path: "/v1/events",
        scope: Some(Scope::Ingest),
        summary: "Ingest a batch of events (array, or {\"events\": [...]}); a decision per event",
        request: Some(schema::<Vec<lifeguard_core::Event>>),
        response: Some(schema::<crate::BatchResponse>),
    },
    RouteDoc {
        method: "post",
        path: "/v1/media/check",
        scope: Some(Scope::Ingest),
        summary:
            "Match an image (base64 bytes) or its hashes against the hash banks; nothing is stored",
        request: Some(schema::<crate::media::MediaCheckRequest>),
        response: Some(schema::<crate::media::MediaCheck>),
    },
    RouteDoc {
        method: "get",
        path: "/v1/events/{id}",
        scope: Some(Scope::Read),
        summary: "A stored event",
        request: None,
        response: Some(schema::<lifeguard_core::Event>),
    },
    RouteDoc {
        method: "get",
        path: "/v1/accounts/{id}/risk",
        scope: Some(Scope::Read),
        summary: "An account's status, contacts with minors, risk and open case",
        request: None,
        response: Some(schema::<lifeguard_safety::AccountView>),
    },
    RouteDoc {
        method: "get",
        path: "/v1/conversations/{id}/risk",
        scope: Some(Scope::Read),
        summary: "A conversation's risk, suspect, alert and evidence",
        request: None,
        response: Some(schema::<lifeguard_safety::ConversationView>),
    },
    RouteDoc {
        method: "post",
        path: "/v1/visibility",
        scope: Some(Scope::Read),
        summary: "Which targets a viewer may see on a surface",
        request: Some(schema::<crate::views::VisibilityRequest>),
        response: Some(schema::<crate::views::VisibilityResponse>),
    },
    RouteDoc {
        method: "get",
        path: "/v1/cases",
        scope: Some(Scope::Read),
        summary: "Open cases, highest priority first (?limit=N, default 100)",
        request: None,
        response: Some(schema::<Vec<lifeguard_safety::Case>>),
    },
    RouteDoc {
        method: "get",
        path: "/v1/cases/{id}",
        scope: Some(Scope::Read),
        summary: "One case with its evidence",
        request: None,
        response: Some(schema::<lifeguard_safety::Case>),
    },
    RouteDoc {
        method: "get",
        path: "/healthz",
        scope: None,
        summary: "Liveness",
        request: None,
        response: None,
    },
    RouteDoc {
        method: "get",
        path: "/metrics",
        scope: None,
        summary: "Prometheus text format",
        request: None,
        response: None,
    },
    RouteDoc {
        method: "get",
        path: "/openapi.json",
        scope: None,
        summary: "This document",
        request: None,
        response: None,
    },
];

#[derive(schemars::JsonSchema)]
#[allow(dead_code)]
struct ErrorBody {
    /// What was wrong.
    error: String,
}

/// Builds the document.
pub fn document() -> Value {
    let mut settings = SchemaSettings::draft2020_12();
    settings.definitions_path = "/components/schemas".into();
    let mut g = SchemaGenerator::new(settings);
    let error = g.subschema_for::<ErrorBody>();
    let mut paths = Map::new();
    for route in ROUTES {
        let mut op = Map::new();
        op.insert("summary".into(), json!(route.summary));
        let params: Vec<Value> = route
            .path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
            .collect();
        if !params.is_empty() {
            op.insert("parameters".into(), Value::Array(params));
        }
        if let Some(request) = route.request {
            op.insert(
                "requestBody".into(),
                json!({"required": true, "content": {"application/json": {"schema": request(&mut g)}}}),
            );
        }
        let ok = match route.response {
            Some(response) => {
                json!({"description": "OK", "content": {"application/json": {"schema": response(&mut g)}}})
            }
            None => {
                json!({"description": "OK", "content": {"text/plain": {"schema": {"type": "string"}}}})
            }
        };
        let mut responses = Map::new();
        responses.insert("200".into(), ok);
        let err = |what: &str| json!({"description": what, "content": {"application/json": {"schema": error.clone()}}});
        if route.request.is_some() {
            responses.insert("400".into(), err("Malformed body, with the reason"));
            responses.insert("413".into(), err("Body larger than 8 MiB"));
        }
        if let Some(scope) = route.scope {
            responses.insert("401".into(), err("No key, or an unknown key"));
            responses.insert(
                "403".into(),
                err(&format!("The key lacks the {scope:?} scope")),
            );
            op.insert("security".into(), json!([{"apiKey": []}]));
        }
        if route.path.contains('{') {
            responses.insert("404".into(), err("Not found"));
        }
        op.insert("responses".into(), Value::Object(responses));
        paths
            .entry(route.path)
            .or_insert_with(|| Value::Object(Map::new()))
            .as_object_mut()
            .expect("path items are objects")
            .insert(route.method.into(), Value::Object(op));
    }
    let schemas: Map<String, Value> = g.take_definitions(true).into_iter().collect();
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Lifeguard safety service",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Events in, a decision per event; risk, visibility and cases out. See docs/api.md."
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"apiKey": {"type": "http", "scheme": "bearer", "description": "Authorization: Bearer KEY"}}
        }
    })
}

pub(crate) async fn serve() -> axum::Json<Value> {
    axum::Json(document())
}

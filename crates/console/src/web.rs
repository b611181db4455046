//! The console's routes and handlers. Handlers check the session (and for POSTs
//! the CSRF token), load what the page needs from the store in a blocking task,
//! write the audit entry, and render.

use std::collections::{BTreeMap, BTreeSet};

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use chrono::{DateTime, Duration, Utc};
use lifeguard_core::{csv_field, EventBody};
use lifeguard_safety::Case;
use lifeguard_store::{AuditRecord, ClaimOutcome, NewAction, QueueFilter, StoreError};
use serde::Deserialize;

use crate::auth::{self, LOGIN_COOKIE, SESSION_COOKIE};
use crate::model::{index_row, wire, ActionKind, Queue, Role};
use crate::views;
use crate::ConsoleState;

/// Rows on one queue page.
pub const QUEUE_PAGE: usize = 50;
/// Messages shown per conversation on a case.
pub const MESSAGES_PER_CONVERSATION: usize = 500;

/// The signed-in user.
#[derive(Debug, Clone)]
pub(crate) struct Session {
    pub user_id: i64,
    pub username: String,
    pub role: Role,
    pub csrf: String,
}

/// Every way a console request can fail, as a page with a status.
#[derive(Debug)]
pub(crate) enum PageError {
    Login,
    BadRequest(String),
    Forbidden(String),
    NotFound(String),
    Conflict(String),
    Store(StoreError),
    Internal(String),
}

impl From<StoreError> for PageError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(m) => PageError::Conflict(format!("{}.", capitalise(&m))),
            e => PageError::Store(e),
        }
    }
}

fn capitalise(m: &str) -> String {
    let mut c = m.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let (status, message) = match self {
            PageError::Login => return Redirect::to("/console/login").into_response(),
            PageError::BadRequest(m) => (StatusCode::BAD_REQUEST, m),
            PageError::Forbidden(m) => (StatusCode::FORBIDDEN, m),
            PageError::NotFound(m) => (StatusCode::NOT_FOUND, m),
            PageError::Conflict(m) => (StatusCode::CONFLICT, m),
            PageError::Store(e) => {
                tracing::error!(error = %e, "console: store failure");
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "The store is unavailable; try again shortly.".into(),
                )
            }
            PageError::Internal(e) => {
                tracing::error!(error = %e, "console: internal failure");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong on our side.".into(),
                )
            }
        };
        (status, no_store(), views::error_page(status, &message)).into_response()
    }
}

fn no_store() -> [(header::HeaderName, HeaderValue); 3] {
    [
        (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        (
            header::HeaderName::from_static("x-frame-options"),
            HeaderValue::from_static("DENY"),
        ),
        (
            header::HeaderName::from_static("content-security-policy"),
            HeaderValue::from_static(
                "default-src 'self'; img-src 'self'; style-src 'self'; script-src 'self'; frame-ancestors 'none'",
            ),
        ),
    ]
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, PageError> + Send + 'static,
) -> Result<T, PageError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| PageError::Internal(e.to_string()))?
}

/// The console's router, to be nested under `/console`.
pub(crate) fn router(state: ConsoleState) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/login", get(login_form).post(login))
        .route("/logout", post(logout))
        .route("/queue", get(queue))
        .route("/cases/{id}", get(case_page))
        .route("/cases/{id}/evidence", get(evidence))
        .route("/cases/{id}/media/{event}", get(media))
        .route("/cases/{id}/claim", post(claim))
        .route("/cases/{id}/release", post(release))
        .route("/cases/{id}/action", post(act))
        .route("/cases/{id}/note", post(note))
        .route("/audit", get(audit))
        .route("/audit.csv", get(audit_csv))
        .route("/sla", get(sla))
        .route("/static/console.css", get(css))
        .route("/static/console.js", get(js))
        .fallback(|| async { PageError::NotFound("No such page.".into()) })
        .with_state(state)
}

async fn css() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        include_str!("../static/console.css"),
    )
}

async fn js() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        include_str!("../static/console.js"),
    )
}

pub(crate) async fn session(
    state: &ConsoleState,
    headers: &HeaderMap,
) -> Result<Session, PageError> {
    let Some(token) = auth::cookie(headers, SESSION_COOKIE) else {
        return Err(PageError::Login);
    };
    let digest = auth::sha256_hex(token);
    let store = state.store.clone();
    let found = blocking(move || Ok(store.session(&digest, Utc::now())?)).await?;
    let Some(found) = found else {
        return Err(PageError::Login);
    };
    let role = Role::parse(&found.user.role)
        .ok_or_else(|| PageError::Internal(format!("unknown role {:?}", found.user.role)))?;
    Ok(Session {
        user_id: found.user.id,
        username: found.user.username,
        role,
        csrf: found.csrf,
    })
}

fn check_csrf(session: &Session, presented: &str) -> Result<(), PageError> {
    if auth::same(&session.csrf, presented) {
        Ok(())
    } else {
        Err(PageError::Forbidden(
            "This form has expired (CSRF check failed). Go back, reload the page and try again."
                .into(),
        ))
    }
}

fn audit_entry(
    session: &Session,
    kind: &str,
    case_id: Option<&str>,
    detail: String,
) -> AuditRecord {
    AuditRecord {
        id: 0,
        at: Utc::now(),
        username: session.username.clone(),
        role: session.role.as_str().into(),
        kind: kind.into(),
        case_id: case_id.map(str::to_owned),
        detail,
    }
}

/// Brings the queue index up to date with the engine's cases.
pub(crate) fn sync_index(store: &dyn lifeguard_store::Store) -> Result<(), StoreError> {
    loop {
        let stale = store.cases_to_index(2000)?;
        if stale.is_empty() {
            return Ok(());
        }
        let rows: Vec<_> = stale
            .iter()
            .filter_map(|record| {
                let case = Case::decode(&record.id, &record.body, &record.status).ok()?;
                Some((index_row(&case), record.body.len()))
            })
            .collect();
        if rows.is_empty() {
            // Unreadable bodies cannot be indexed; do not spin on them.
            tracing::warn!(cases = stale.len(), "console: cases with unreadable bodies");
            return Ok(());
        }
        store.put_case_index(&rows)?;
        if stale.len() < 2000 {
            return Ok(());
        }
    }
}

async fn index(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
) -> Result<Redirect, PageError> {
    let s = session(&state, &headers).await?;
    Ok(Redirect::to(if s.role.works_queue() {
        "/console/queue"
    } else {
        "/console/sla"
    }))
}

async fn login_form(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    if session(&state, &headers).await.is_ok() {
        return Ok(Redirect::to("/console").into_response());
    }
    login_page(&state, StatusCode::OK, None)
}

fn login_page(
    state: &ConsoleState,
    status: StatusCode,
    error: Option<&str>,
) -> Result<Response, PageError> {
    let nonce = auth::random_hex(16).map_err(|e| PageError::Internal(e.to_string()))?;
    let cookie = auth::set_cookie(LOGIN_COOKIE, &nonce, 3600, state.config.secure_cookies);
    Ok((
        status,
        no_store(),
        [(header::SET_COOKIE, cookie)],
        views::login(&nonce, error),
    )
        .into_response())
}

#[derive(Deserialize)]
struct LoginForm {
    username: String,
    password: String,
    nonce: String,
}

async fn login(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Result<Response, PageError> {
    let cookie = auth::cookie(&headers, LOGIN_COOKIE).unwrap_or("");
    if cookie.is_empty() || !auth::same(cookie, &form.nonce) {
        return login_page(
            &state,
            StatusCode::FORBIDDEN,
            Some("The login form expired. Please sign in again."),
        );
    }
    let username: String = form.username.trim().chars().take(64).collect();
    let window = Duration::minutes(state.config.login_window_minutes);
    if !state
        .limiter
        .allowed(&username, state.config.login_failures, window)
    {
        return login_page(
            &state,
            StatusCode::TOO_MANY_REQUESTS,
            Some("Too many failed sign-ins for this account. Wait a few minutes and try again."),
        );
    }
    let store = state.store.clone();
    let (name, password) = (username.clone(), form.password);
    let user = blocking(move || {
        let user = store.user_by_name(&name)?;
        let hash = user
            .as_ref()
            .map(|u| u.password_hash.clone())
            .unwrap_or_else(|| auth::decoy_hash().to_owned());
        let ok = auth::verify_password(&password, &hash);
        Ok(user.filter(|_| ok))
    })
    .await?;
    let Some(user) = user else {
        state.limiter.failed(&username, window);
        let store = state.store.clone();
        let entry = AuditRecord {
            id: 0,
            at: Utc::now(),
            username: username.clone(),
            role: String::new(),
            kind: "login_failed".into(),
            case_id: None,
            detail: String::new(),
        };
        blocking(move || Ok(store.append_audit(&entry)?)).await?;
        return login_page(
            &state,
            StatusCode::UNAUTHORIZED,
            Some("Wrong username or password."),
        );
    };
    state.limiter.succeeded(&username);
    let token = auth::random_hex(32).map_err(|e| PageError::Internal(e.to_string()))?;
    let csrf = auth::random_hex(32).map_err(|e| PageError::Internal(e.to_string()))?;
    let hours = state.config.session_hours;
    let store = state.store.clone();
    let digest = auth::sha256_hex(&token);
    let entry = AuditRecord {
        id: 0,
        at: Utc::now(),
        username: user.username.clone(),
        role: user.role.clone(),
        kind: "login".into(),
        case_id: None,
        detail: String::new(),
    };
    blocking(move || {
        store.create_session(&digest, user.id, &csrf, Utc::now() + Duration::hours(hours))?;
        store.append_audit(&entry)?;
        Ok(())
    })
    .await?;
    let secure = state.config.secure_cookies;
    let mut response = Redirect::to("/console").into_response();
    let headers = response.headers_mut();
    for cookie in [
        auth::set_cookie(SESSION_COOKIE, &token, hours * 3600, secure),
        auth::set_cookie(LOGIN_COOKIE, "", 0, secure),
    ] {
        if let Ok(v) = HeaderValue::from_str(&cookie) {
            headers.append(header::SET_COOKIE, v);
        }
    }
    Ok(response)
}

#[derive(Deserialize)]
struct CsrfForm {
    csrf: String,
}

async fn logout(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Result<Response, PageError> {
    let s = session(&state, &headers).await?;
    check_csrf(&s, &form.csrf)?;
    let digest = auth::sha256_hex(auth::cookie(&headers, SESSION_COOKIE).unwrap_or(""));
    let store = state.store.clone();
    blocking(move || Ok(store.delete_session(&digest)?)).await?;
    Ok((
        [(
            header::SET_COOKIE,
            auth::set_cookie(SESSION_COOKIE, "", 0, state.config.secure_cookies),
        )],
        Redirect::to("/console/login"),
    )
        .into_response())
}

/// Queue filters as they come from the form.
#[derive(Debug, Default, Deserialize, Clone)]
pub(crate) struct QueueQuery {
    #[serde(default)]
    pub queue: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub band: String,
    #[serde(default)]
    pub age: String,
    #[serde(default)]
    pub page: usize,
}

fn nonempty(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_owned())
}

async fn queue(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    Query(q): Query<QueueQuery>,
) -> Result<Response, PageError> {
    let s = session(&state, &headers).await?;
    if !s.role.works_queue() {
        return Err(PageError::Forbidden(
            "Analysts see aggregate figures only: see the SLA page.".into(),
        ));
    }
    let now = Utc::now();
    let (before, after) = match q.age.as_str() {
        "" => (None, None),
        "under_1h" => (None, Some(now - Duration::hours(1))),
        "under_24h" => (None, Some(now - Duration::hours(24))),
        "over_24h" => (Some(now - Duration::hours(24)), None),
        "over_7d" => (Some(now - Duration::days(7)), None),
        other => {
            return Err(PageError::BadRequest(format!(
                "Unknown case age {other:?}."
            )))
        }
    };
    if !q.queue.is_empty() && Queue::parse(&q.queue).is_none() {
        return Err(PageError::BadRequest(format!(
            "Unknown queue {:?}.",
            q.queue
        )));
    }
    let filter = QueueFilter {
        queue: nonempty(&q.queue),
        category: nonempty(&q.category),
        band: nonempty(&q.band),
        opened_before: before,
        opened_after: after,
        limit: QUEUE_PAGE,
        offset: q.page.min(10_000) * QUEUE_PAGE,
    };
    let store = state.store.clone();
    let (stats, rows, total) = blocking(move || {
        sync_index(store.as_ref())?;
        Ok((
            store.queue_stats()?,
            store.queue(&filter)?,
            store.queue_count(&filter)?,
        ))
    })
    .await?;
    let page = views::QueuePage {
        session: &s,
        query: &q,
        stats: &stats,
        rows: &rows,
        total,
        config: &state.config,
        now,
    };
    Ok((no_store(), views::queue(&page)).into_response())
}

/// Everything the case page shows.
pub(crate) struct CaseData {
    pub case: Case,
    pub queue: Queue,
    pub state: lifeguard_store::CaseState,
    pub actions: Vec<lifeguard_store::ActionRecord>,
    pub notes: Vec<lifeguard_store::NoteRecord>,
    pub people: Vec<Person>,
    pub conversations: Vec<ConversationData>,
    pub other_conversations: Vec<(String, f32)>,
    pub earlier_cases: Vec<lifeguard_store::CaseIndexRow>,
    pub evidence: bool,
}

/// One participant, for "who is who".
pub(crate) struct Person {
    pub account: String,
    pub role: &'static str,
    pub band: String,
    pub account_created: Option<DateTime<Utc>>,
    pub restricted: bool,
    pub cases_as_suspect: usize,
}

/// One conversation's messages and media.
pub(crate) struct ConversationData {
    pub id: String,
    pub risk: f32,
    pub items: Vec<Item>,
    pub truncated: bool,
}

/// A message or media item, with its flags.
pub(crate) struct Item {
    pub event: String,
    pub at: DateTime<Utc>,
    pub sender: String,
    pub text: Option<String>,
    pub media: Option<String>,
    pub flags: Vec<(lifeguard_core::Behaviour, Vec<lifeguard_core::Span>)>,
    pub matches: Vec<String>,
}

fn load_case(store: &dyn lifeguard_store::Store, id: &str) -> Result<Case, PageError> {
    let record = store
        .get_case(id)?
        .ok_or_else(|| PageError::NotFound(format!("No case {id:?}.")))?;
    serde_json::from_str(&record.body)
        .map_err(|e| PageError::Internal(format!("case {id}: unreadable body: {e}")))
}

fn load_case_data(state: &ConsoleState, id: &str, evidence: bool) -> Result<CaseData, PageError> {
    let store = state.store.as_ref();
    let case = load_case(store, id)?;
    let queue = Queue::of(&case);
    // Behaviours with spans, by the message they were seen in (its id where the
    // platform gave one, else its position in the conversation); known-image
    // matches by media event.
    type Flags = Vec<(lifeguard_core::Behaviour, Vec<lifeguard_core::Span>)>;
    let mut by_id: BTreeMap<(&str, &str), Flags> = BTreeMap::new();
    let mut by_seq: BTreeMap<(&str, u64), Flags> = BTreeMap::new();
    let mut matches: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for e in &case.evidence {
        if let (Some(b), Some(conv)) = (e.behaviour, e.conversation.as_deref()) {
            let flag = (b, e.spans.clone());
            match (e.message_id.as_deref(), e.seq) {
                (Some(id), _) => by_id.entry((conv, id)).or_default().push(flag),
                (None, Some(seq)) => by_seq.entry((conv, seq)).or_default().push(flag),
                (None, None) => {}
            }
        }
        if let Some(m) = &e.media {
            matches.entry(e.event.as_str()).or_default().push(m.clone());
        }
    }
    let mut senders = BTreeSet::new();
    let mut conversations = Vec::new();
    for conv in case.conversations.iter().take(20) {
        let risk = {
            let engine = state.engine.lock().unwrap_or_else(|p| p.into_inner());
            engine.conversation_view(conv).map_or(0.0, |v| v.risk)
        };
        let mut items = Vec::new();
        let mut truncated = false;
        if evidence {
            let events = store.conversation_events(conv, MESSAGES_PER_CONVERSATION + 1)?;
            truncated = events.len() > MESSAGES_PER_CONVERSATION;
            let mut position = 0u64;
            for stored in events.into_iter().take(MESSAGES_PER_CONVERSATION) {
                let ev = stored.event;
                let at = ev.at.unwrap_or(stored.received_at);
                let mut flags = Flags::new();
                let (sender, text, media) = match ev.body {
                    EventBody::Message(m) => {
                        let id = m.message_id.as_deref().unwrap_or(ev.id.as_str());
                        let seq = m.seq.unwrap_or(position);
                        position += 1;
                        for found in [
                            by_id.get(&(conv.as_str(), id)),
                            by_seq.get(&(conv.as_str(), seq)),
                        ]
                        .into_iter()
                        .flatten()
                        {
                            flags.extend(found.iter().cloned());
                        }
                        (m.sender, Some(m.text), None)
                    }
                    EventBody::Media(m) => (m.uploader, None, Some(m.media)),
                    _ => continue,
                };
                senders.insert(sender.clone());
                items.push(Item {
                    flags,
                    matches: matches.get(ev.id.as_str()).cloned().unwrap_or_default(),
                    event: ev.id,
                    at,
                    sender,
                    text,
                    media,
                });
            }
        }
        conversations.push(ConversationData {
            id: conv.clone(),
            risk,
            items,
            truncated,
        });
    }
    // Who is who: the suspect, the children, anyone else who wrote.
    let mut accounts: Vec<(String, &'static str)> = vec![(case.suspect.clone(), "suspect")];
    for child in case.children.keys() {
        accounts.push((child.clone(), "child"));
    }
    for s in senders {
        if !accounts.iter().any(|(a, _)| *a == s) {
            accounts.push((s, "participant"));
        }
    }
    let mut people = Vec::new();
    for (account, role) in accounts.into_iter().take(50) {
        let view = {
            let engine = state.engine.lock().unwrap_or_else(|p| p.into_inner());
            engine.account_view(&account)
        };
        let created = store
            .account_events(&account)?
            .into_iter()
            .filter_map(|e| match e.event.body {
                EventBody::AccountCreated(a) | EventBody::AccountUpdated(a) => a.created_at,
                _ => None,
            })
            .next_back();
        let cases_as_suspect = store
            .cases_of_suspect(&account)?
            .into_iter()
            .filter(|c| c.case_id != case.id)
            .count();
        people.push(Person {
            band: view
                .as_ref()
                .map_or("unknown", |v| v.age_band.as_str())
                .to_owned(),
            restricted: view.as_ref().is_some_and(|v| v.restricted),
            account,
            role,
            account_created: created,
            cases_as_suspect,
        });
    }
    let other_conversations = {
        let engine = state.engine.lock().unwrap_or_else(|p| p.into_inner());
        engine
            .account_view(&case.suspect)
            .map(|v| v.alerted_conversations)
            .unwrap_or_default()
            .into_iter()
            .filter(|c| !case.conversations.contains(c))
            .take(50)
            .map(|c| {
                let risk = engine.conversation_view(&c).map_or(0.0, |v| v.risk);
                (c, risk)
            })
            .collect()
    };
    let earlier_cases = store
        .cases_of_suspect(&case.suspect)?
        .into_iter()
        .filter(|c| c.case_id != case.id)
        .collect();
    Ok(CaseData {
        state: store.case_state(&case.id)?,
        actions: store.actions(&case.id)?,
        notes: store.notes(&case.id)?,
        queue,
        case,
        people,
        conversations,
        other_conversations,
        earlier_cases,
        evidence,
    })
}

#[derive(Deserialize, Default)]
struct CaseQuery {
    #[serde(default)]
    done: String,
}

async fn case_page(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<CaseQuery>,
) -> Result<Response, PageError> {
    let s = session(&state, &headers).await?;
    if !s.role.works_queue() {
        return Err(PageError::Forbidden(
            "Analysts see aggregate figures only.".into(),
        ));
    }
    let evidence = s.role.sees_evidence();
    let st = state.clone();
    let session = s.clone();
    let data = blocking(move || {
        let data = load_case_data(&st, &id, evidence)?;
        let (kind, detail) = if evidence {
            (
                "view_evidence",
                format!(
                    "conversations: {}",
                    data.conversations
                        .iter()
                        .map(|c| c.id.as_str())
                        .collect::<Vec<_>>()
                        .join(" ")
                ),
            )
        } else {
            ("view_case", "summary only".to_owned())
        };
        st.store.record_view(
            &data.case.id,
            &audit_entry(&session, kind, Some(&data.case.id), detail),
        )?;
        Ok(data)
    })
    .await?;
    let done = ActionKind::parse(&q.done);
    Ok((no_store(), views::case(&s, &data, &state.config, done)).into_response())
}

async fn evidence(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let s = session(&state, &headers).await?;
    if !s.role.sees_evidence() {
        let store = state.store.clone();
        let entry = audit_entry(&s, "evidence_denied", Some(&id), String::new());
        blocking(move || Ok(store.append_audit(&entry)?)).await?;
        return Err(PageError::Forbidden(
            "Child-safety evidence (message text and media) is only for child-safety moderators and admins. \
             Ask a child-safety moderator to review this case."
                .into(),
        ));
    }
    Ok(Redirect::to(&format!("/console/cases/{}#evidence", views::enc(&id))).into_response())
}

async fn media(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    Path((id, event)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let s = session(&state, &headers).await?;
    let store = state.store.clone();
    if !s.role.sees_evidence() {
        let entry = audit_entry(
            &s,
            "evidence_denied",
            Some(&id),
            format!("media event {event}"),
        );
        blocking(move || Ok(store.append_audit(&entry)?)).await?;
        return Err(PageError::Forbidden(
            "Media is child-safety evidence, only for child-safety moderators and admins.".into(),
        ));
    }
    let session = s.clone();
    let (media, matched) = blocking(move || {
        let case = load_case(store.as_ref(), &id)?;
        let Some(stored) = store.get(&event)? else {
            return Err(PageError::NotFound(format!("No media {event:?}.")));
        };
        let EventBody::Media(m) = stored.body else {
            return Err(PageError::NotFound(format!("{event:?} is not media.")));
        };
        let in_case = m
            .conversation
            .as_ref()
            .is_some_and(|c| case.conversations.contains(c))
            || case.evidence.iter().any(|e| e.event == event);
        if !in_case {
            return Err(PageError::NotFound(format!(
                "{event:?} is not part of this case."
            )));
        }
        let matched = case
            .evidence
            .iter()
            .any(|e| e.event == event && e.media.is_some());
        store.append_audit(&audit_entry(
            &session,
            "view_media",
            Some(&case.id),
            format!("media event {event}"),
        ))?;
        Ok((m.media, matched))
    })
    .await?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("image/svg+xml"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        views::placeholder_svg(&media, matched),
    )
        .into_response())
}

async fn claim(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, PageError> {
    let s = session(&state, &headers).await?;
    check_csrf(&s, &form.csrf)?;
    if !s.role.works_queue() {
        return Err(PageError::Forbidden("Analysts do not claim cases.".into()));
    }
    let store = state.store.clone();
    let session = s.clone();
    let case_id = id.clone();
    let claim_ttl = Duration::minutes(state.config.claim_minutes);
    let outcome = blocking(move || {
        let case = load_case(store.as_ref(), &case_id)?;
        let outcome = claim_case(store.as_ref(), &session, &case, claim_ttl)?;
        if outcome == ClaimOutcome::Claimed {
            store.append_audit(&audit_entry(
                &session,
                "claim",
                Some(&case_id),
                String::new(),
            ))?;
        }
        Ok(outcome)
    })
    .await?;
    if let ClaimOutcome::HeldBy(other) = outcome {
        return Err(PageError::Conflict(format!(
            "Case {id} is already claimed by {other}: two moderators never work the same case."
        )));
    }
    Ok(Redirect::to(&format!("/console/cases/{}", views::enc(&id))).into_response())
}

/// Claims `case` for the session's user (renewing their own claim, taking over
/// one idle for `ttl`). A claim blocks everyone else, so only someone who may
/// act on the case may hold it (a plain moderator must not lock an evidence
/// queue). A takeover is audited with the previous holder's name.
fn claim_case(
    store: &dyn lifeguard_store::Store,
    session: &Session,
    case: &Case,
    ttl: Duration,
) -> Result<ClaimOutcome, PageError> {
    let queue = Queue::of(case);
    if !session.role.acts_on(queue) {
        return Err(PageError::Forbidden(format!(
            "Cases in the {} queue need a child-safety moderator or an admin.",
            queue.label()
        )));
    }
    let now = Utc::now();
    let outcome = store.claim(&case.id, session.user_id, now, now - ttl)?;
    if let ClaimOutcome::TookOver(from) = &outcome {
        store.append_audit(&audit_entry(
            session,
            "claim",
            Some(&case.id),
            format!("took over {from}'s idle claim"),
        ))?;
    }
    Ok(outcome)
}

async fn release(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, PageError> {
    let s = session(&state, &headers).await?;
    check_csrf(&s, &form.csrf)?;
    let store = state.store.clone();
    let session = s.clone();
    let case_id = id.clone();
    blocking(move || {
        if store.release(&case_id, session.user_id)? {
            store.append_audit(&audit_entry(
                &session,
                "release",
                Some(&case_id),
                String::new(),
            ))?;
        } else if session.role == Role::Admin {
            // An admin frees a case someone else holds (they are away, or
            // the case is urgent); the audit log names whose claim it was.
            if let Some(holder) = store.release_any(&case_id)? {
                store.append_audit(&audit_entry(
                    &session,
                    "force_release",
                    Some(&case_id),
                    format!("released {holder}'s claim"),
                ))?;
            }
        }
        Ok(())
    })
    .await?;
    Ok(Redirect::to("/console/queue").into_response())
}

#[derive(Deserialize)]
struct ActionForm {
    csrf: String,
    action: String,
    #[serde(default)]
    reason: String,
}

async fn act(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<ActionForm>,
) -> Result<Response, PageError> {
    let s = session(&state, &headers).await?;
    check_csrf(&s, &form.csrf)?;
    let action = ActionKind::parse(&form.action)
        .ok_or_else(|| PageError::BadRequest(format!("Unknown action {:?}.", form.action)))?;
    let reason = form.reason.trim().to_owned();
    if action.needs_reason() && reason.is_empty() {
        return Err(PageError::BadRequest(format!(
            "\"{}\" needs a reason. Go back and write one.",
            action.label()
        )));
    }
    if reason.chars().count() > 2000 {
        return Err(PageError::BadRequest(
            "Reasons are at most 2000 characters.".into(),
        ));
    }
    let store = state.store.clone();
    let session = s.clone();
    let webhook = state.config.webhook.as_ref().map(|w| w.url.clone());
    let retention = state.retention.clone();
    let claim_ttl = Duration::minutes(state.config.claim_minutes);
    let case_id = id.clone();
    blocking(move || {
        let case = load_case(store.as_ref(), &case_id)?;
        let queue = Queue::of(&case);
        // Acting claims the case; a case someone else holds is theirs to work.
        let claimed = claim_case(store.as_ref(), &session, &case, claim_ttl)?;
        let claimed_now = claimed == ClaimOutcome::Claimed;
        if let ClaimOutcome::HeldBy(other) = claimed {
            return Err(PageError::Conflict(format!(
                "Case {} is claimed by {other}; only they can act on it until they release it \
                 or their claim has been idle for {} minutes.",
                case.id,
                claim_ttl.num_minutes()
            )));
        }
        let category = case
            .categories
            .iter()
            .next()
            .map(wire)
            .unwrap_or_else(|| "user_report".into());
        let at = Utc::now();
        let reason = nonempty(&reason);
        let body = match &webhook {
            Some(url) => {
                let key = auth::random_hex(16).map_err(|e| PageError::Internal(e.to_string()))?;
                let payload = crate::webhook::ActionPayload {
                    delivery_key: &key,
                    case: &case.id,
                    account: &case.suspect,
                    action: action.as_str(),
                    reason: reason.as_deref(),
                    moderator: &session.username,
                    queue: queue.as_str(),
                    category: &category,
                    at: at.to_rfc3339(),
                };
                let body = serde_json::to_string(&payload)
                    .map_err(|e| PageError::Internal(e.to_string()))?;
                Some((url.clone(), body))
            }
            None => None,
        };
        let recorded = store.record_action(&NewAction {
            case_id: case.id.clone(),
            suspect: case.suspect.clone(),
            username: session.username.clone(),
            role: session.role.as_str().into(),
            action: action.as_str().into(),
            reason,
            queue: queue.as_str().into(),
            category,
            closes: action.closes(),
            escalates: action == ActionKind::Escalate,
            refers: action == ActionKind::ReferLawEnforcement,
            webhook: body,
            at,
        });
        if let (Err(StoreError::Conflict(_)), true) = (&recorded, claimed_now) {
            // Already closed: the claim this request just took is not needed
            // (a claim held before the request stays).
            store.release(&case.id, session.user_id)?;
        }
        recorded?;
        // Referred or preserved evidence is held at once (at least a year,
        // whatever the retention settings), not only when a package is built.
        if matches!(
            action,
            ActionKind::ReferLawEnforcement | ActionKind::PreserveEvidence
        ) {
            let actor = lifeguard_referrals::holds::Actor {
                username: session.username.clone(),
                role: session.role.as_str().into(),
            };
            lifeguard_referrals::holds::place(
                store.as_ref(),
                &case.id,
                None,
                &format!("{} by a moderator", action.as_str()),
                &actor,
                &retention,
                at,
            )
            .map_err(|e| PageError::Internal(format!("preservation hold: {e}")))?;
        }
        Ok(())
    })
    .await?;
    state.wake.notify_one();
    Ok(Redirect::to(&format!(
        "/console/cases/{}?done={}",
        views::enc(&id),
        action.as_str()
    ))
    .into_response())
}

#[derive(Deserialize)]
struct NoteForm {
    csrf: String,
    text: String,
}

async fn note(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<NoteForm>,
) -> Result<Response, PageError> {
    let s = session(&state, &headers).await?;
    check_csrf(&s, &form.csrf)?;
    if !s.role.works_queue() {
        return Err(PageError::Forbidden("Analysts do not write notes.".into()));
    }
    let text = form.text.trim().to_owned();
    if text.is_empty() || text.chars().count() > 4000 {
        return Err(PageError::BadRequest(
            "A note has 1 to 4000 characters.".into(),
        ));
    }
    let store = state.store.clone();
    let case_id = id.clone();
    blocking(move || {
        load_case(store.as_ref(), &case_id)?;
        Ok(store.add_note(&case_id, &s.username, s.role.as_str(), &text, Utc::now())?)
    })
    .await?;
    Ok(Redirect::to(&format!("/console/cases/{}#notes", views::enc(&id))).into_response())
}

#[derive(Deserialize, Default)]
struct AuditQuery {
    #[serde(default)]
    after: i64,
    #[serde(default)]
    case: String,
}

async fn audit(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    Query(q): Query<AuditQuery>,
) -> Result<Response, PageError> {
    let s = session(&state, &headers).await?;
    if !s.role.reads_audit() {
        return Err(PageError::Forbidden("The audit log is for admins.".into()));
    }
    let store = state.store.clone();
    let case = nonempty(&q.case);
    let after = q.after.max(0);
    let entries = blocking(move || Ok(store.audit(after, 500, case.as_deref())?)).await?;
    Ok((no_store(), views::audit(&s, &entries, &q.case)).into_response())
}

async fn audit_csv(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let s = session(&state, &headers).await?;
    if !s.role.reads_audit() {
        return Err(PageError::Forbidden("The audit log is for admins.".into()));
    }
    let store = state.store.clone();
    let session = s.clone();
    let csv = blocking(move || {
        store.append_audit(&audit_entry(&session, "export_audit", None, "csv".into()))?;
        let mut out = String::from("id,at,username,role,kind,case_id,detail\n");
        let mut after = 0;
        loop {
            let page = store.audit(after, 10_000, None)?;
            let Some(last) = page.last() else { break };
            after = last.id;
            for e in &page {
                out.push_str(&format!(
                    "{},{},{},{},{},{},{}\n",
                    e.id,
                    e.at.to_rfc3339(),
                    csv_field(&e.username),
                    csv_field(&e.role),
                    csv_field(&e.kind),
                    csv_field(e.case_id.as_deref().unwrap_or("")),
                    csv_field(&e.detail)
                ));
            }
        }
        Ok(out)
    })
    .await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"lifeguard-audit.csv\"",
            ),
            (header::CACHE_CONTROL, "no-store"),
        ],
        csv,
    )
        .into_response())
}

async fn sla(State(state): State<ConsoleState>, headers: HeaderMap) -> Result<Response, PageError> {
    let s = session(&state, &headers).await?;
    let store = state.store.clone();
    let timings = blocking(move || {
        sync_index(store.as_ref())?;
        Ok(store.case_timings()?)
    })
    .await?;
    let report = crate::sla::report(&timings, &state.config, Utc::now());
    Ok((no_store(), views::sla(&s, &report)).into_response())
}

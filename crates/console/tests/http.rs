//! The console over HTTP, in-process: sign-in, CSRF, roles, claims, actions,
//! the audit log, the queue's order and filters, SLAs, and signed webhooks.

mod common;

use axum::http::StatusCode;
use common::*;
use lifeguard_store::{CaseStore, ConsoleStore};

/// The open case of a suspect.
fn case_of(app: &TestApp, suspect: &str) -> String {
    app.store
        .open_cases(100)
        .unwrap()
        .into_iter()
        .find(|c| c.suspect == suspect)
        .unwrap_or_else(|| panic!("no case for {suspect}"))
        .id
}

#[tokio::test]
async fn sign_in_sets_a_strict_http_only_session_and_wrong_passwords_fail() {
    let app = app(default_config());
    let r = send(&app.router, "GET", "/console/queue", "", None).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/console/login");

    let wrong = login(&app.router, CSM, "not the password at all")
        .await
        .err()
        .unwrap();
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.body.contains("Wrong username or password"));
    let unknown = login(&app.router, "nobody", PASSWORD).await.err().unwrap();
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);

    // A login POST without the form's nonce cookie is refused (login CSRF).
    let r = send(
        &app.router,
        "POST",
        "/console/login",
        "",
        Some(form(&[
            ("username", CSM),
            ("password", PASSWORD),
            ("nonce", "x"),
        ])),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.set_cookie("lg_console").is_none());

    let page = send(&app.router, "GET", "/console/login", "", None).await;
    let nonce_cookie = pair(&page.set_cookie("lg_login").unwrap());
    let nonce = field(&page.body, "nonce").unwrap();
    let r = send(
        &app.router,
        "POST",
        "/console/login",
        &nonce_cookie,
        Some(form(&[
            ("username", CSM),
            ("password", PASSWORD),
            ("nonce", &nonce),
        ])),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let cookie = r.set_cookie("lg_console").unwrap();
    for attr in ["HttpOnly", "SameSite=Strict", "Path=/console"] {
        assert!(cookie.contains(attr), "{cookie}");
    }
    let token = pair(&cookie);
    assert_eq!(token.len(), "lg_console=".len() + 64, "a 256-bit token");
    let queue = send(&app.router, "GET", "/console/queue", &token, None).await;
    assert_eq!(queue.status, StatusCode::OK);
    assert!(queue.body.contains("casey"));

    // Signing out ends the session in the store, not only in the browser.
    let csrf = field(&queue.body, "csrf").unwrap();
    let r = send(
        &app.router,
        "POST",
        "/console/logout",
        &token,
        Some(form(&[("csrf", &csrf)])),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = send(&app.router, "GET", "/console/queue", &token, None).await;
    assert_eq!(r.location(), "/console/login");

    let kinds: Vec<String> = app
        .store
        .audit(0, 100, None)
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(kinds, ["login_failed", "login_failed", "login"]);
}

#[tokio::test]
async fn repeated_failed_logins_lock_the_account_for_a_while() {
    let app = app(default_config());
    for _ in 0..5 {
        let r = login(&app.router, MODERATOR, "wrong password here")
            .await
            .err()
            .unwrap();
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    // Even the right password is refused until the window ends.
    let r = login(&app.router, MODERATOR, PASSWORD).await.err().unwrap();
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    // Other accounts are unaffected.
    assert!(login(&app.router, CSM, PASSWORD).await.is_ok());
}

#[tokio::test]
async fn posts_without_the_session_csrf_token_are_refused() {
    let app = app(default_config());
    let user = login(&app.router, CSM, PASSWORD).await.ok().unwrap();
    let case = case_of(&app, "jordan_k");
    let path = format!("/console/cases/{case}/claim");
    for token in ["", "0000", &"a".repeat(64)] {
        let r = send(
            &app.router,
            "POST",
            &path,
            &user.cookie,
            Some(form(&[("csrf", token)])),
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "token {token:?}");
    }
    // Another user's token does not work either.
    let other = login(&app.router, ADMIN, PASSWORD).await.ok().unwrap();
    let r = send(
        &app.router,
        "POST",
        &path,
        &user.cookie,
        Some(form(&[("csrf", &other.csrf)])),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(app.store.case_state(&case).unwrap().claim.is_none());
    let r = send(
        &app.router,
        "POST",
        &path,
        &user.cookie,
        Some(form(&[("csrf", &user.csrf)])),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(app.store.case_state(&case).unwrap().claim.unwrap().0, CSM);
}

#[tokio::test]
async fn a_moderator_cannot_open_child_safety_evidence() {
    let app = app(default_config());
    let case = case_of(&app, "jordan_k");
    // A child-safety moderator's note quotes the evidence...
    let csm = login(&app.router, CSM, PASSWORD).await.ok().unwrap();
    let r = send(
        &app.router,
        "POST",
        &format!("/console/cases/{case}/note"),
        &csm.cookie,
        Some(form(&[
            ("csrf", &csm.csrf),
            ("text", "he wrote: send me a pic"),
        ])),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let moderator = login(&app.router, MODERATOR, PASSWORD).await.ok().unwrap();
    // The summary, without a word of the conversation.
    let page = send(
        &app.router,
        "GET",
        &format!("/console/cases/{case}"),
        &moderator.cookie,
        None,
    )
    .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page
        .body
        .contains("only for child-safety moderators and admins"));
    assert!(
        !page.body.to_lowercase().contains("how old are you"),
        "message text leaked"
    );
    // ...so a plain moderator sees that there is a note, not what it says.
    assert!(!page.body.contains("send me a pic"), "note text leaked");
    assert!(page.body.contains("1 note(s)"));
    assert!(!page.body.contains("<mark>"));
    // The evidence and the media themselves: 403.
    let r = send(
        &app.router,
        "GET",
        &format!("/console/cases/{case}/evidence"),
        &moderator.cookie,
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let ghost = case_of(&app, "ghost_77");
    let r = send(
        &app.router,
        "GET",
        &format!("/console/cases/{ghost}/media/media-ghost-1"),
        &moderator.cookie,
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Nor may they act on it.
    let r = send(
        &app.router,
        "POST",
        &format!("/console/cases/{case}/action"),
        &moderator.cookie,
        Some(form(&[
            ("csrf", &moderator.csrf),
            ("action", "ban"),
            ("reason", "x"),
        ])),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // A child-safety moderator sees the conversation, flagged spans marked.
    let csm = login(&app.router, CSM, PASSWORD).await.ok().unwrap();
    let page = send(
        &app.router,
        "GET",
        &format!("/console/cases/{case}"),
        &csm.cookie,
        None,
    )
    .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.to_lowercase().contains("how old are you"));
    assert!(page.body.contains("<mark>"));
    assert!(
        page.body.contains("Asks the child&#39;s age")
            || page.body.contains("Asks the child's age")
    );
    // Regression: behaviours are shown on the message they were seen in, not on
    // the message that raised the alert.
    let page = send(
        &app.router,
        "GET",
        &format!("/console/cases/{ghost}"),
        &csm.cookie,
        None,
    )
    .await;
    assert!(
        page.body
            .contains("<p class=\"text\"><mark>how old are you</mark></p>"),
        "{}",
        page.body
    );
    assert!(page.body.contains("<p class=\"text\">16</p>"));
    let media = send(
        &app.router,
        "GET",
        &format!("/console/cases/{ghost}/media/media-ghost-1"),
        &csm.cookie,
        None,
    )
    .await;
    assert_eq!(media.status, StatusCode::OK);
    assert_eq!(media.headers["content-type"], "image/svg+xml");

    // The audit log holds the refusals and the views.
    let entries = app.store.audit(0, 100, None).unwrap();
    let of = |kind: &str, user: &str| {
        entries
            .iter()
            .filter(|e| e.kind == kind && e.username == user)
            .count()
    };
    assert_eq!(of("evidence_denied", MODERATOR), 2);
    assert_eq!(of("view_case", MODERATOR), 1);
    assert_eq!(of("view_evidence", CSM), 2);
    assert_eq!(of("view_media", CSM), 1);
    assert_eq!(of("view_evidence", MODERATOR), 0);
}

#[tokio::test]
async fn two_moderators_never_hold_the_same_case() {
    let app = app(default_config());
    let case = case_of(&app, "jordan_k");
    let a = login(&app.router, CSM, PASSWORD).await.ok().unwrap();
    let b = login(&app.router, "casey2", PASSWORD).await.ok().unwrap();
    let claim = |u: &User| {
        send(
            &app.router,
            "POST",
            &format!("/console/cases/{case}/claim"),
            &u.cookie,
            Some(form(&[("csrf", &u.csrf)])),
        )
    };
    assert_eq!(claim(&a).await.status, StatusCode::SEE_OTHER);
    let r = claim(&b).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("already claimed by casey"));
    // Acting on someone else's case is refused too.
    let r = send(
        &app.router,
        "POST",
        &format!("/console/cases/{case}/action"),
        &b.cookie,
        Some(form(&[("csrf", &b.csrf), ("action", "warn")])),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(app.store.actions(&case).unwrap().is_empty());
    // The queue shows who holds it.
    let q = send(&app.router, "GET", "/console/queue", &b.cookie, None).await;
    assert!(q.body.contains("<td>casey</td>"), "claim not shown");
    // Released, the other can take it.
    let r = send(
        &app.router,
        "POST",
        &format!("/console/cases/{case}/release"),
        &a.cookie,
        Some(form(&[("csrf", &a.csrf)])),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(claim(&b).await.status, StatusCode::SEE_OTHER);
    // Escalating hands the case on: the claim goes with it.
    let r = send(
        &app.router,
        "POST",
        &format!("/console/cases/{case}/action"),
        &b.cookie,
        Some(form(&[
            ("csrf", &b.csrf),
            ("action", "escalate"),
            ("reason", "needs a senior reviewer"),
        ])),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(claim(&a).await.status, StatusCode::SEE_OTHER);
    // A plain moderator cannot claim (and so lock) a child-safety case.
    let m = login(&app.router, MODERATOR, PASSWORD).await.ok().unwrap();
    let r = send(
        &app.router,
        "POST",
        &format!("/console/cases/{case}/release"),
        &a.cookie,
        Some(form(&[("csrf", &a.csrf)])),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(claim(&m).await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn actions_are_recorded_audited_and_take_the_case_off_the_queue() {
    let app = app(default_config());
    let case = case_of(&app, "jordan_k");
    let csm = login(&app.router, CSM, PASSWORD).await.ok().unwrap();
    let act = |action: &'static str, reason: &'static str| {
        send(
            &app.router,
            "POST",
            &format!("/console/cases/{case}/action"),
            &csm.cookie,
            Some(form(&[
                ("csrf", &csm.csrf),
                ("action", action),
                ("reason", reason),
            ])),
        )
    };
    let page = send(
        &app.router,
        "GET",
        &format!("/console/cases/{case}"),
        &csm.cookie,
        None,
    )
    .await;
    assert_eq!(page.status, StatusCode::OK);
    // Dismissing needs a reason; unknown actions are refused.
    assert_eq!(act("dismiss", "  ").await.status, StatusCode::BAD_REQUEST);
    assert_eq!(act("obliterate", "x").await.status, StatusCode::BAD_REQUEST);
    // A referral stays open and creates a referral record.
    let r = act(
        "refer_to_law_enforcement",
        "asked a 13-year-old for pictures and secrecy",
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let referrals = app.store.referrals().unwrap();
    assert_eq!(referrals.len(), 1);
    assert_eq!(
        (
            referrals[0].case_id.as_str(),
            referrals[0].suspect.as_str(),
            referrals[0].username.as_str()
        ),
        (case.as_str(), "jordan_k", CSM)
    );
    // ...and holds the case's evidence at once, for at least a year.
    use lifeguard_store::ReferralStore;
    let holds = app.store.holds().unwrap();
    assert_eq!(holds.len(), 1);
    assert_eq!(holds[0].case_id, case);
    assert!(holds[0].events > 0, "the hold keeps no events");
    assert!(holds[0].held_until - holds[0].created_at >= chrono::Duration::days(365));
    let queue = send(&app.router, "GET", "/console/queue", &csm.cookie, None).await;
    assert!(listed_cases(&queue.body).contains(&case));
    // A ban closes it: off the queue.
    assert_eq!(
        act("ban", "grooming a 13-year-old").await.status,
        StatusCode::SEE_OTHER
    );
    let queue = send(&app.router, "GET", "/console/queue", &csm.cookie, None).await;
    assert!(!listed_cases(&queue.body).contains(&case));
    let actions = app.store.actions(&case).unwrap();
    let kinds: Vec<_> = actions.iter().map(|a| a.action.as_str()).collect();
    assert_eq!(kinds, ["refer_to_law_enforcement", "ban"]);
    assert_eq!(actions[1].queue, actions[0].queue);
    assert_eq!(actions[1].category, "grooming");
    let page = send(
        &app.router,
        "GET",
        &format!("/console/cases/{case}?done=ban"),
        &csm.cookie,
        None,
    )
    .await;
    assert!(page.body.contains("Recorded: Ban"));
    assert!(page.body.contains("Closed "));

    // Notes: escaped, and audited without their text.
    let r = send(
        &app.router,
        "POST",
        &format!("/console/cases/{case}/note"),
        &csm.cookie,
        Some(form(&[
            ("csrf", &csm.csrf),
            ("text", "<script>alert(1)</script> spoke to police"),
        ])),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = send(
        &app.router,
        "GET",
        &format!("/console/cases/{case}"),
        &csm.cookie,
        None,
    )
    .await;
    assert!(page
        .body
        .contains("&lt;script&gt;alert(1)&lt;/script&gt; spoke to police"));
    assert!(!page.body.contains("<script>alert(1)"));

    // The admin finds the actions in the audit log and its CSV export; others may not read it.
    let r = send(&app.router, "GET", "/console/audit", &csm.cookie, None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let admin = login(&app.router, ADMIN, PASSWORD).await.ok().unwrap();
    let audit = send(
        &app.router,
        "GET",
        &format!("/console/audit?case={case}"),
        &admin.cookie,
        None,
    )
    .await;
    assert_eq!(audit.status, StatusCode::OK);
    assert!(audit.body.contains("ban (action"), "{}", audit.body);
    let csv = send(
        &app.router,
        "GET",
        "/console/audit.csv",
        &admin.cookie,
        None,
    )
    .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let lines: Vec<&str> = csv.body.lines().collect();
    assert_eq!(lines[0], "id,at,username,role,kind,case_id,detail");
    assert!(lines.iter().any(|l| l.contains(&format!(
        "casey,child_safety_moderator,action,{case},ban (action"
    ))));
    assert!(lines.iter().any(|l| l.contains("view_evidence")));
    assert!(
        !csv.body.contains("spoke to police"),
        "note text must not be in the audit log"
    );
    // The export itself is audited.
    let last = app.store.audit(0, 1000, None).unwrap().pop().unwrap();
    assert_eq!(
        (last.kind.as_str(), last.username.as_str()),
        ("export_audit", ADMIN)
    );
}

#[tokio::test]
async fn the_queue_is_in_priority_order_with_reasons_and_filters() {
    let app = app(default_config());
    let csm = login(&app.router, CSM, PASSWORD).await.ok().unwrap();
    let page = send(&app.router, "GET", "/console/queue", &csm.cookie, None).await;
    assert_eq!(page.status, StatusCode::OK);
    let listed = listed_cases(&page.body);
    let expected: Vec<String> = app
        .store
        .open_cases(100)
        .unwrap()
        .into_iter()
        .map(|c| c.id)
        .collect();
    assert!(listed.len() >= 3, "{listed:?}");
    assert_eq!(
        listed, expected,
        "the queue follows the store's priority order"
    );
    // Reasons are shown; pending counts per queue are shown.
    assert!(page.body.contains("youngest child"));
    assert!(
        page.body
            .contains("data-queue-pending=\"suspicious_contact\">1<"),
        "{}",
        page.body
    );
    // Every waiting case in the scenario is days old: past every target.
    assert!(page.body.contains("SLA breach"));
    // Filters.
    let f = send(
        &app.router,
        "GET",
        "/console/queue?queue=suspicious_contact",
        &csm.cookie,
        None,
    )
    .await;
    assert_eq!(listed_cases(&f.body), [case_of(&app, "rex_gamer")]);
    let f = send(
        &app.router,
        "GET",
        "/console/queue?band=16_17",
        &csm.cookie,
        None,
    )
    .await;
    assert_eq!(listed_cases(&f.body), [case_of(&app, "ghost_77")]);
    let f = send(
        &app.router,
        "GET",
        "/console/queue?category=known_image",
        &csm.cookie,
        None,
    )
    .await;
    assert_eq!(listed_cases(&f.body), [case_of(&app, "ghost_77")]);
    let f = send(
        &app.router,
        "GET",
        "/console/queue?age=under_1h",
        &csm.cookie,
        None,
    )
    .await;
    assert!(listed_cases(&f.body).is_empty());
    let f = send(
        &app.router,
        "GET",
        "/console/queue?age=over_7d",
        &csm.cookie,
        None,
    )
    .await;
    assert_eq!(listed_cases(&f.body).len(), listed.len());
    let f = send(
        &app.router,
        "GET",
        "/console/queue?age=someday",
        &csm.cookie,
        None,
    )
    .await;
    assert_eq!(f.status, StatusCode::BAD_REQUEST);
    // Labelled controls.
    for id in ["queue", "category", "band", "age"] {
        assert!(page.body.contains(&format!("<label for=\"{id}\">")), "{id}");
    }
}

#[tokio::test]
async fn analysts_see_aggregates_only() {
    let app = app(default_config());
    let analyst = login(&app.router, ANALYST, PASSWORD).await.ok().unwrap();
    let case = case_of(&app, "jordan_k");
    for path in [
        "/console/queue".to_owned(),
        format!("/console/cases/{case}"),
        "/console/audit".into(),
    ] {
        let r = send(&app.router, "GET", &path, &analyst.cookie, None).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}");
    }
    let r = send(&app.router, "GET", "/console", &analyst.cookie, None).await;
    assert_eq!(r.location(), "/console/sla");

    // A moderator acts; the analyst sees the timings.
    let csm = login(&app.router, CSM, PASSWORD).await.ok().unwrap();
    send(
        &app.router,
        "GET",
        &format!("/console/cases/{case}"),
        &csm.cookie,
        None,
    )
    .await;
    send(
        &app.router,
        "POST",
        &format!("/console/cases/{case}/action"),
        &csm.cookie,
        Some(form(&[("csrf", &csm.csrf), ("action", "warn")])),
    )
    .await;
    let sla = send(&app.router, "GET", "/console/sla", &analyst.cookie, None).await;
    assert_eq!(sla.status, StatusCode::OK);
    let timings = app.store.case_timings().unwrap();
    let t = timings.iter().find(|t| t.case_id == case).unwrap();
    assert!(t.first_viewed_at.is_some() && t.first_action_at.is_some() && !t.pending);
    assert!(sla.body.contains("Time to first view"));
    assert!(sla.body.contains("SLA breach"));
}

#[tokio::test]
async fn actions_reach_the_platform_signed_and_retried() {
    use axum::body::Bytes;
    use axum::http::HeaderMap;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};

    const SECRET: &str = "test-webhook-secret";
    let calls = Arc::new(AtomicUsize::new(0));
    let received: Arc<Mutex<Vec<(bool, String)>>> = Arc::default();
    let (c, r) = (calls.clone(), received.clone());
    // The platform: checks the signature, fails the first attempt.
    let platform = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: Bytes| {
            let (c, r) = (c.clone(), r.clone());
            async move {
                let sig = headers
                    .get("x-lifeguard-signature")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("");
                let ok = lifeguard_console::webhook::verify(SECRET, &body, sig);
                r.lock()
                    .unwrap()
                    .push((ok, String::from_utf8_lossy(&body).into_owned()));
                if c.fetch_add(1, Ordering::SeqCst) == 0 || !ok {
                    StatusCode::SERVICE_UNAVAILABLE
                } else {
                    StatusCode::OK
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, platform).await.unwrap() });

    let mut config = default_config();
    config.webhook = Some(lifeguard_console::WebhookConfig {
        url: format!("http://{addr}/hook"),
        secret_env: "LIFEGUARD_TEST_UNSET_SECRET_ENV".into(),
        max_attempts: 5,
        backoff_ms: 50,
        secret: Some(SECRET.into()),
    });
    let app = app(config);
    let case = case_of(&app, "rex_gamer");
    // A plain moderator may act on the contact-pattern queue.
    let moderator = login(&app.router, MODERATOR, PASSWORD).await.ok().unwrap();
    let r = send(
        &app.router,
        "POST",
        &format!("/console/cases/{case}/action"),
        &moderator.cookie,
        Some(form(&[
            ("csrf", &moderator.csrf),
            ("action", "restrict_contact_with_minors"),
            ("reason", "friend-request burst"),
        ])),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let worker = lifeguard_console::webhook::spawn_worker(app.state.clone()).unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let delivery = app.store.actions(&case).unwrap()[0].delivery.clone();
        if delivery.as_deref() == Some("delivered") {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "not delivered: {delivery:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    worker.abort();
    let received = received.lock().unwrap();
    assert_eq!(received.len(), 2, "one failure, one success");
    assert!(received.iter().all(|(ok, _)| *ok), "signatures verify");
    assert_eq!(
        received[0].1, received[1].1,
        "the retry sends the same body"
    );
    let body: serde_json::Value = serde_json::from_str(&received[1].1).unwrap();
    assert_eq!(body["action"], "restrict_contact_with_minors");
    assert_eq!(body["account"], "rex_gamer");
    assert_eq!(body["case"], case.as_str());
    assert_eq!(body["moderator"], MODERATOR);
    assert_eq!(body["queue"], "suspicious_contact");
}

#[tokio::test]
async fn a_case_is_closed_once_and_an_admin_can_free_a_claimed_case() {
    let app = app(default_config());
    // A double click on "warn": the second is refused, so the platform is not
    // told twice.
    let case = case_of(&app, "rex_gamer");
    let m = login(&app.router, MODERATOR, PASSWORD).await.ok().unwrap();
    let warn = || {
        send(
            &app.router,
            "POST",
            &format!("/console/cases/{case}/action"),
            &m.cookie,
            Some(form(&[
                ("csrf", &m.csrf),
                ("action", "warn"),
                ("reason", "friend-request burst"),
            ])),
        )
    };
    assert_eq!(warn().await.status, StatusCode::SEE_OTHER);
    let r = warn().await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("already closed by morgan"), "{}", r.body);
    assert_eq!(app.store.actions(&case).unwrap().len(), 1);
    assert!(
        app.store.case_state(&case).unwrap().claim.is_none(),
        "the refused request left no claim behind"
    );

    // Casey claims a case and goes home; the admin frees it.
    let case = case_of(&app, "jordan_k");
    let casey = login(&app.router, CSM, PASSWORD).await.ok().unwrap();
    let r = send(
        &app.router,
        "POST",
        &format!("/console/cases/{case}/claim"),
        &casey.cookie,
        Some(form(&[("csrf", &casey.csrf)])),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let admin = login(&app.router, ADMIN, PASSWORD).await.ok().unwrap();
    let page = send(
        &app.router,
        "GET",
        &format!("/console/cases/{case}"),
        &admin.cookie,
        None,
    )
    .await;
    assert!(
        page.body.contains("id=\"force-release\""),
        "no force-release button"
    );
    let r = send(
        &app.router,
        "POST",
        &format!("/console/cases/{case}/release"),
        &admin.cookie,
        Some(form(&[("csrf", &admin.csrf)])),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(app.store.case_state(&case).unwrap().claim.is_none());
    let audit = send(&app.router, "GET", "/console/audit", &admin.cookie, None).await;
    assert!(
        audit.body.contains("force_release"),
        "force release not audited"
    );
    assert!(audit.body.contains("released casey"), "holder not named");
    // A moderator's release does not free someone else's claim.
    let r = send(
        &app.router,
        "POST",
        &format!("/console/cases/{case}/claim"),
        &casey.cookie,
        Some(form(&[("csrf", &casey.csrf)])),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let other = login(&app.router, "casey2", PASSWORD).await.ok().unwrap();
    send(
        &app.router,
        "POST",
        &format!("/console/cases/{case}/release"),
        &other.cookie,
        Some(form(&[("csrf", &other.csrf)])),
    )
    .await;
    assert_eq!(
        app.store
            .case_state(&case)
            .unwrap()
            .claim
            .map(|c| c.0)
            .as_deref(),
        Some("casey")
    );
}

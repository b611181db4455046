//! A case's lifecycle as the console and the API both see it (issue 14):
//! closing a case in the console removes it from `GET /v1/cases` and the queue;
//! new evidence puts it back, once, under the same id; a restart changes none
//! of this.

mod common;

use axum::http::StatusCode;
use common::*;
use lifeguard_store::{CaseStore, ConsoleStore};

/// Ids listed by `GET /v1/cases`.
async fn api_cases(app: &TestApp) -> Vec<String> {
    let (status, body) = api(&app.router, "GET", "/v1/cases?limit=1000", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body.as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect()
}

/// Ids on the console's queue page.
async fn queue(app: &TestApp, user: &User) -> Vec<String> {
    let page = send(&app.router, "GET", "/console/queue", &user.cookie, None).await;
    assert_eq!(page.status, StatusCode::OK);
    listed_cases(&page.body)
}

fn count(ids: &[String], id: &str) -> usize {
    ids.iter().filter(|i| *i == id).count()
}

async fn warn(app: &TestApp, user: &User, case: &str) -> Reply {
    send(
        &app.router,
        "POST",
        &format!("/console/cases/{case}/action"),
        &user.cookie,
        Some(form(&[
            ("csrf", &user.csrf),
            ("action", "warn"),
            ("reason", "friend-request burst"),
        ])),
    )
    .await
}

#[tokio::test]
async fn closing_hides_a_case_everywhere_and_new_evidence_reopens_it_once() {
    let app = app(default_config());
    let case = app
        .store
        .open_cases(100)
        .unwrap()
        .into_iter()
        .find(|c| c.suspect == "rex_gamer")
        .expect("the scenario opens a case for rex_gamer")
        .id;
    assert_eq!(case, lifeguard_safety::case_id_for("rex_gamer"));
    let m = login(&app.router, MODERATOR, PASSWORD).await.ok().unwrap();
    assert_eq!(count(&api_cases(&app).await, &case), 1);
    assert_eq!(count(&queue(&app, &m).await, &case), 1);

    assert_eq!(warn(&app, &m, &case).await.status, StatusCode::SEE_OTHER);
    assert_eq!(
        count(&api_cases(&app).await, &case),
        0,
        "closed, yet listed by the API"
    );
    assert_eq!(
        count(&queue(&app, &m).await, &case),
        0,
        "closed, yet queued"
    );
    let (_, one) = api(&app.router, "GET", &format!("/v1/cases/{case}"), None).await;
    assert_eq!(one["status"], "closed");

    // A restart keeps it closed: the replay gives the case the same id, and the
    // moderator's close still applies to it.
    let app = restart(app, default_config());
    let m = login(&app.router, MODERATOR, PASSWORD).await.ok().unwrap();
    assert_eq!(count(&api_cases(&app).await, &case), 0);
    assert_eq!(count(&queue(&app, &m).await, &case), 0);

    // New evidence: a child reports rex_gamer.
    let report = r#"[{"id":"report-rex-1","type":"relationship","kind":"report","from":"kid01","to":"rex_gamer","at":"2026-11-25T09:00:00Z"}]"#;
    let (status, answer) = api(&app.router, "POST", "/v1/events", Some(report.into())).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["results"][0]["decision"]["case"], case.as_str());
    assert_eq!(
        count(&api_cases(&app).await, &case),
        1,
        "new evidence reopens it, once"
    );
    let (_, one) = api(&app.router, "GET", &format!("/v1/cases/{case}"), None).await;
    assert_eq!(one["status"], "open");
    let queued = queue(&app, &m).await;
    assert_eq!(count(&queued, &case), 1);
    // The same report again is a duplicate: nothing reopens twice.
    let (_, again) = api(&app.router, "POST", "/v1/events", Some(report.into())).await;
    assert_eq!(again["duplicates"], 1);
    assert_eq!(count(&api_cases(&app).await, &case), 1);

    // The reopened case can be closed again (a new round of evidence), and the
    // console's history of it is one case's history.
    assert_eq!(warn(&app, &m, &case).await.status, StatusCode::SEE_OTHER);
    assert_eq!(count(&api_cases(&app).await, &case), 0);
    assert_eq!(app.store.actions(&case).unwrap().len(), 2);
    let app = restart(app, default_config());
    assert_eq!(count(&api_cases(&app).await, &case), 0);
    assert_eq!(app.store.actions(&case).unwrap().len(), 2);
}

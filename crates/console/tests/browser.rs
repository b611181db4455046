//! End to end in headless Chromium through WebDriver (`fantoccini` driving
//! Debian's `chromium` and `chromium-driver`): sign in, see the queue in
//! priority order, open a case, reveal blurred media, act, find the action in
//! the audit log; a moderator without the child-safety permission is refused the
//! evidence. Saves docs/console-queue.png and docs/console-case.png.
//!
//! Skips (and says so) where chromedriver is not installed, unless
//! `LIFEGUARD_REQUIRE_BROWSER=1` (set by `.ci/run`), where it fails instead.

mod common;

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::{Client, ClientBuilder, Locator};
use lifeguard_store::{CaseStore, ConsoleStore};

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn chromedriver() -> Option<PathBuf> {
    let path = std::env::var_os("CHROMEDRIVER")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromedriver"));
    path.exists().then_some(path)
}

fn chromium() -> String {
    std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into())
}

fn docs() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs")
}

async fn start_driver(path: &PathBuf) -> (Driver, Client) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(path)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let driver = Driver(child);
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": chromium(),
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1280,1000", "--hide-scrollbars", "--force-device-scale-factor=1"]
        }),
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        match ClientBuilder::new(connector)
            .capabilities(caps.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            Ok(client) => return (driver, client),
            Err(e) if Instant::now() < deadline => {
                let _ = e;
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(e) => panic!("cannot start a WebDriver session: {e}"),
        }
    }
}

async fn sign_in(c: &Client, base: &str, username: &str) {
    c.goto(&format!("{base}/console/login")).await.unwrap();
    c.find(Locator::Css("#username"))
        .await
        .unwrap()
        .send_keys(username)
        .await
        .unwrap();
    c.find(Locator::Css("#password"))
        .await
        .unwrap()
        .send_keys(PASSWORD)
        .await
        .unwrap();
    c.find(Locator::Css("#sign-in"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Css("form.logout"))
        .await
        .unwrap();
}

async fn sign_out(c: &Client) {
    c.find(Locator::Css("form.logout button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Css("#sign-in"))
        .await
        .unwrap();
}

async fn js(c: &Client, script: &str) -> serde_json::Value {
    c.execute(script, vec![]).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moderators_work_a_case_in_a_real_browser() {
    let Some(driver_path) = chromedriver() else {
        if std::env::var("LIFEGUARD_REQUIRE_BROWSER").as_deref() == Ok("1") {
            panic!("chromedriver not found and LIFEGUARD_REQUIRE_BROWSER=1");
        }
        println!("SKIPPED: chromedriver not found (apt-get install chromium chromium-driver)");
        return;
    };
    let app = app(default_config());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let router = app.router.clone();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    let (_driver, c) = start_driver(&driver_path).await;

    // Sign in and see the queue in priority order.
    sign_in(&c, &base, CSM).await;
    assert!(c
        .current_url()
        .await
        .unwrap()
        .as_str()
        .ends_with("/console/queue"));
    let mut listed = Vec::new();
    for row in c.find_all(Locator::Css("tr.case-row")).await.unwrap() {
        listed.push(row.attr("data-case").await.unwrap().unwrap());
    }
    let expected: Vec<String> = app
        .store
        .open_cases(100)
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(
        listed, expected,
        "the browser shows the queue in priority order"
    );
    assert!(listed.len() >= 3);
    // Keyboard: the skip link comes first; "j" moves to the first case.
    let skip = js(
        &c,
        "document.body.focus(); return document.querySelector('a.skip').textContent",
    )
    .await;
    assert_eq!(skip, "Skip to main content");
    c.perform_actions(
        KeyActions::new("keys".into())
            .then(KeyAction::Down { value: 'j' })
            .then(KeyAction::Up { value: 'j' }),
    )
    .await
    .unwrap();
    let focused = js(&c, "return document.activeElement.textContent").await;
    assert_eq!(focused, listed[0].as_str(), "j focuses the first case");
    std::fs::write(
        docs().join("console-queue.png"),
        c.screenshot().await.unwrap(),
    )
    .unwrap();

    // Open the top case (the sextortion case with a known image).
    let top = listed[0].clone();
    let case = app.store.get_case(&top).unwrap().unwrap();
    assert_eq!(case.suspect, "ghost_77");
    c.find(Locator::Css("a.case-link"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Css("#evidence-h"))
        .await
        .unwrap();
    let flagged = c
        .find_all(Locator::Css("li.message.flagged mark"))
        .await
        .unwrap();
    assert!(!flagged.is_empty(), "flagged spans are highlighted");
    let labels = c.find_all(Locator::Css("li.label")).await.unwrap();
    assert!(
        !labels.is_empty(),
        "flagged messages are labelled by behaviour"
    );
    let matched = c
        .find(Locator::Css("p.match"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(matched.contains("Known-image match"), "{matched}");
    // Media is blurred and greyscale until revealed.
    let filter = js(
        &c,
        "return getComputedStyle(document.querySelector('figure.media img')).filter",
    )
    .await;
    let filter = filter.as_str().unwrap().to_owned();
    assert!(
        filter.contains("blur") && filter.contains("grayscale"),
        "{filter}"
    );
    // A tall window: the summary, who is who and the flagged conversation in one picture.
    c.set_window_size(1280, 2200).await.unwrap();
    std::fs::write(
        docs().join("console-case.png"),
        c.screenshot().await.unwrap(),
    )
    .unwrap();
    c.set_window_size(1280, 1000).await.unwrap();
    let reveal = c.find(Locator::Css("button.reveal")).await.unwrap();
    assert_eq!(
        reveal.attr("aria-pressed").await.unwrap().as_deref(),
        Some("false")
    );
    reveal.click().await.unwrap();
    assert_eq!(
        reveal.attr("aria-pressed").await.unwrap().as_deref(),
        Some("true")
    );
    let filter = js(
        &c,
        "return getComputedStyle(document.querySelector('figure.media img')).filter",
    )
    .await;
    assert_eq!(filter, "none");
    // The image loaded (the placeholder is served to this role).
    let loaded = js(
        &c,
        "return document.querySelector('figure.media img').naturalWidth",
    )
    .await;
    assert_eq!(loaded, 240);

    // Act: ban, with a reason.
    c.find(Locator::Css("#action"))
        .await
        .unwrap()
        .select_by_value("ban")
        .await
        .unwrap();
    c.find(Locator::Css("#reason"))
        .await
        .unwrap()
        .send_keys("threatened a 16-year-old; shared a known image")
        .await
        .unwrap();
    c.find(Locator::Css("#act"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let notice = c
        .wait()
        .for_element(Locator::Css("p.notice"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(notice, "Recorded: Ban.");
    let actions = app.store.actions(&top).unwrap();
    assert_eq!(actions.len(), 1);
    assert_eq!(actions[0].action, "ban");
    sign_out(&c).await;

    // The admin finds the action in the audit log.
    sign_in(&c, &base, ADMIN).await;
    c.goto(&format!("{base}/console/audit")).await.unwrap();
    let table = c
        .find(Locator::Css("#audit"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(table.contains("ban (action"), "{table}");
    assert!(table.contains("view_evidence"));
    assert!(table.contains("view_media"));
    sign_out(&c).await;

    // A moderator without the child-safety permission cannot open the evidence.
    sign_in(&c, &base, MODERATOR).await;
    let other = listed[1].clone();
    c.goto(&format!("{base}/console/cases/{other}"))
        .await
        .unwrap();
    let restricted = c
        .find(Locator::Css("p.restricted"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(restricted.contains("only for child-safety moderators and admins"));
    assert!(c
        .find_all(Locator::Css("li.message"))
        .await
        .unwrap()
        .is_empty());
    c.find(Locator::LinkText("Request access"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let h1 = c
        .wait()
        .for_element(Locator::Css("h1"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(h1, "Not allowed");
    let status = c
        .find(Locator::Css("p.error"))
        .await
        .unwrap()
        .attr("data-status")
        .await
        .unwrap();
    assert_eq!(status.as_deref(), Some("403"));
    c.goto(&format!("{base}/console/cases/{top}/media/media-ghost-1"))
        .await
        .unwrap();
    let body = js(&c, "return document.body ? document.body.innerText : ''").await;
    assert!(
        body.as_str().unwrap_or("").contains("Not allowed"),
        "{body}"
    );
    let denied = app
        .store
        .audit(0, 1000, None)
        .unwrap()
        .into_iter()
        .filter(|e| e.kind == "evidence_denied" && e.username == MODERATOR)
        .count();
    assert_eq!(denied, 2);
    c.close().await.unwrap();
}

//! The binary as a user runs it.

mod common;

use std::process::Command;

fn lifeguard(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_lifeguard"))
        .args(args)
        .output()
        .expect("run lifeguard")
}

#[test]
fn help_lists_every_subcommand() {
    let out = lifeguard(&["--help"]);
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    for cmd in [
        "serve", "demo", "eval", "train", "hash", "match", "bank", "scan", "report", "ingest",
    ] {
        assert!(
            help.lines().any(|l| l.trim_start().starts_with(cmd)),
            "{cmd} missing from:\n{help}"
        );
        let sub = lifeguard(&[cmd, "--help"]);
        assert!(sub.status.success(), "{cmd} --help failed");
    }
}

#[test]
fn ingest_names_file_and_line_of_a_bad_line_and_skip_invalid_counts() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("chats.jsonl");
    std::fs::write(
        &input,
        concat!(
            "{\"conversation\":\"c\",\"author\":\"a\",\"text\":\"hi\"}\n",
            "{\"conversation\":\"c\",\"author\":\"b\",\"text\":\"yo\"}\n",
            "{\"conversation\":\"c\",\"author\":\"b\"\n",
            "{\"conversation\":\"c\",\"author\":\"a\",\"text\":\"still here\"}\n",
        ),
    )
    .unwrap();
    let db = dir.path().join("s.db");
    let db = db.to_str().unwrap();
    let input = input.to_str().unwrap();

    let out = lifeguard(&["ingest", "--db", db, input]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("{input}:3: invalid JSON")), "{err}");

    let out = lifeguard(&["ingest", "--db", db, "--skip-invalid", input]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // The first run stored the two lines before the error; this one adds the last.
    assert_eq!(report["accepted"], 1);
    assert_eq!(report["duplicates"], 2);
    assert_eq!(report["skipped_invalid"], 1);
}

#[test]
fn the_demo_replays_its_scenario_and_exits_with_no_serve() {
    let dir = tempfile::tempdir().unwrap();
    let out = lifeguard(&[
        "demo",
        "--no-serve",
        "--listen",
        "127.0.0.1:0",
        "--dir",
        dir.path().to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let scenario = include_str!("../src/demo/scenario.jsonl").lines().count();
    // The scenario plus the media event whose hash is in the demo's bank.
    let stored = format!("{0} of {0} events stored durably", scenario + 1);
    assert!(stdout.contains(&stored), "{stdout}");
    assert!(stdout.contains("API key for this run: lg_"), "{stdout}");
    // The grooming chat alerts and the ordinary ones do not.
    assert!(stdout.contains("ALERT: risk"), "{stdout}");
    let line = |name: &str| {
        let found = stdout.lines().find(|l| l.trim_start().starts_with(name));
        found.unwrap_or("").to_owned()
    };
    assert!(
        line("dm-jordan-maya").contains("suspect jordan_k"),
        "{stdout}"
    );
    assert!(
        line("dm-leo-maya").contains("alert at message -"),
        "{stdout}"
    );
    assert!(
        line("dm-dana-maya").contains("alert at message -"),
        "{stdout}"
    );
    let media = stdout
        .lines()
        .find(|l| l.contains("media img-1 from ghost_77"))
        .unwrap_or("");
    assert!(media.contains("Block [known_image]"), "{stdout}");
    let rex = stdout
        .lines()
        .find(|l| l.contains("rex_gamer") && l.contains("search"))
        .unwrap_or("");
    assert!(
        rex.contains(r#"sees ["dana"]"#),
        "a restricted adult finds no minor: {stdout}"
    );
    // The queue holds the grooming, sextortion and friend-request-burst suspects.
    for suspect in ["ghost_77", "jordan_k", "rex_gamer"] {
        let queued = stdout
            .lines()
            .any(|l| l.contains(suspect) && l.contains(" case-"));
        assert!(queued, "{suspect}: {stdout}");
    }
    assert!(dir.path().join("lifeguard.db").exists());
}

#[test]
fn message_text_never_reaches_the_logs() {
    use std::io::Read;
    let dir = tempfile::tempdir().unwrap();
    let (mut child, url) = common::serve(&dir.path().join("s.db"), "k", "trace", true);
    let secret = "zebra-umbrella-4471 dont tell your mum";
    let body = format!(
        r#"[{{"id":"e1","type":"message","conversation":"c","sender":"a","text":"{secret}"}},{{"id":"e2","type":"message","conversation":"c","sender":"a","text":"{secret}","bogus":1,"seq":"x"}}]"#
    );
    let mut r = ureq::post(&format!("{url}/v1/events"))
        .header("authorization", "Bearer k")
        .send(body)
        .unwrap();
    assert!(r.body_mut().read_to_string().unwrap().contains("accepted"));
    // Stop the server with SIGTERM-like kill and read everything it logged.
    child.kill().unwrap();
    let mut logs = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut logs)
        .unwrap();
    child.wait().unwrap();
    assert!(
        logs.contains("TRACE") || logs.contains("DEBUG"),
        "trace logging was on: {logs}"
    );
    assert!(
        !logs.contains("zebra-umbrella"),
        "message text leaked into the logs:\n{logs}"
    );
}

//! The binary as a user runs it.

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
    assert!(
        stdout.contains("57 stored durably, 0 duplicates, 0 rejected"),
        "{stdout}"
    );
    assert!(
        stdout.contains("rex_gamer sent 10 friend requests"),
        "{stdout}"
    );
    assert!(dir.path().join("lifeguard.db").exists());
}

//! Starts `lifeguard serve` as a child process, as a platform would run it.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// Starts `lifeguard serve` on a free loopback port over the store at `db`, with
/// one full-scope key and the given log filter; returns the child and its URL
/// (read from the line it prints on start). Its stderr is piped when `capture_logs`.
pub fn serve(db: &Path, key: &str, log: &str, capture_logs: bool) -> (Child, String) {
    // LIFEGUARD_BIN runs another build (the load bench compares commits).
    let bin = std::env::var("LIFEGUARD_BIN")
        .unwrap_or_else(|_| env!("CARGO_BIN_EXE_lifeguard").to_owned());
    let mut child = Command::new(bin)
        .args(["serve", "--listen", "127.0.0.1:0", "--api-key", key, "--db"])
        .arg(db)
        .env("LIFEGUARD_LOG", log)
        .stdout(Stdio::piped())
        .stderr(if capture_logs {
            Stdio::piped()
        } else {
            Stdio::inherit()
        })
        .spawn()
        .expect("start lifeguard serve");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("piped stdout"))
        .read_line(&mut line)
        .expect("read the start line");
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_owned();
    (child, url)
}

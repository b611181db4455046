//! Known-image matching through the service: media events are blocked and open a
//! case for the uploader; `POST /v1/media/check` answers without storing.

mod common;

use base64::Engine as _;
use common::*;
use lifeguard_store::{BankHash, BankStore, NewBank, SqliteStore};
use serde_json::json;
use sha2::{Digest, Sha256};

const KNOWN_BYTES: &[u8] = b"stand-in for a file on a hotline's hash list (not an image)";
const PDQ: &str = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22";
/// PDQ with three bits flipped.
const PDQ_NEAR: &str = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b25";

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn with_bank(store: &SqliteStore) {
    store
        .create_bank(&NewBank {
            name: "hotline".into(),
            label: "known-csam".into(),
            source: "test fixture".into(),
            pdq_threshold: 31,
        })
        .unwrap();
    store
        .add_bank_hashes(
            "hotline",
            &[
                BankHash {
                    hash_type: "sha256".into(),
                    hash: sha256_hex(KNOWN_BYTES),
                    label: None,
                },
                BankHash {
                    hash_type: "pdq".into(),
                    hash: PDQ.into(),
                    label: Some("series-a".into()),
                },
            ],
        )
        .unwrap();
}

#[test]
fn a_known_image_upload_is_blocked_and_opens_a_case_that_survives_restart() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    let case = {
        let s = start_with(&db, with_bank);
        s.send(&[
            account("maya", "13_15", "GB", "2025-01-01T00:00:00Z"),
            account("x", "adult", "GB", "2025-01-01T00:00:00Z"),
        ]);
        s.one(msg("m0", "c1", "x", "maya", "hi", "2026-11-20T10:00:00Z"));
        let b64 = base64::engine::general_purpose::STANDARD.encode(KNOWN_BYTES);
        let d = s.one(json!({"id": "p1", "type": "media", "media": "img-1", "uploader": "x", "conversation": "c1", "bytes_base64": b64}));
        assert_eq!(d["action"], "block", "{d}");
        assert!(reasons(&d).contains(&"known_image".to_owned()));
        let d2 = s.one(json!({"id": "p2", "type": "media", "media": "img-2", "uploader": "x", "hashes": {"pdq": PDQ_NEAR}}));
        assert_eq!(d2["action"], "block", "{d2}");
        let ordinary = s.one(json!({"id": "p3", "type": "media", "media": "img-3", "uploader": "x", "hashes": {"md5": "d41d8cd98f00b204e9800998ecf8427e"}}));
        assert_eq!(ordinary["action"], "allow");
        let case_id = d["case"].as_str().unwrap().to_owned();
        let case = s
            .get(&format!("/v1/cases/{case_id}"), Some(READ_ONLY))
            .json();
        assert!(case["categories"]
            .as_array()
            .unwrap()
            .contains(&json!("known_image")));
        assert_eq!(case["children"]["maya"], "13_15");
        assert_eq!(case["evidence"].as_array().unwrap().len(), 2, "{case}");
        assert_eq!(
            s.get("/v1/cases", Some(READ_ONLY)).json()[0]["id"],
            case_id.as_str(),
            "known images rank first"
        );
        case
    };
    let s = start(&db);
    let after = s
        .get(
            &format!("/v1/cases/{}", case["id"].as_str().unwrap()),
            Some(READ_ONLY),
        )
        .json();
    assert_eq!(after["evidence"], case["evidence"]);
}

#[test]
fn media_check_matches_bytes_and_hashes_without_storing() {
    let dir = tempfile::tempdir().unwrap();
    let s = start_with(&dir.path().join("t.db"), with_bank);
    let b64 = base64::engine::general_purpose::STANDARD.encode(KNOWN_BYTES);
    let r = s
        .post(
            "/v1/media/check",
            Some(INGEST_ONLY),
            &json!({"bytes_base64": b64}).to_string(),
        )
        .json();
    assert_eq!(r["action"], "block");
    assert_eq!(r["matches"][0]["hash_type"], "sha256");
    assert_eq!(r["matches"][0]["label"], "known-csam");
    let r = s
        .post(
            "/v1/media/check",
            Some(INGEST_ONLY),
            &json!({"hashes": {"pdq": PDQ_NEAR}}).to_string(),
        )
        .json();
    assert_eq!(r["matches"][0]["distance"], 3);
    assert_eq!(r["matches"][0]["label"], "series-a");
    let r = s
        .post(
            "/v1/media/check",
            Some(INGEST_ONLY),
            &json!({"hashes": {"sha256": sha256_hex(b"other")}}).to_string(),
        )
        .json();
    assert_eq!(r["action"], "allow");
    assert!(r["matches"].as_array().unwrap().is_empty());
    for bad in [r#"{}"#, r#"{"bytes_base64": "***"}"#, r#"{"pixels": 1}"#] {
        let r = s.post("/v1/media/check", Some(INGEST_ONLY), bad);
        assert_eq!(r.status, 400, "{bad}: {}", r.body);
    }
    assert_eq!(s.post("/v1/media/check", Some(READ_ONLY), "{}").status, 403);
    assert!(s
        .get("/v1/cases", Some(READ_ONLY))
        .json()
        .as_array()
        .unwrap()
        .is_empty());
}

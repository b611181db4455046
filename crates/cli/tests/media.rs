//! `lifeguard hash`, `bank` and `match` as a user runs them, on generated
//! pictures (gradients and shapes; nothing else).

use std::path::{Path, PathBuf};
use std::process::Command;

use image::{Rgb, RgbImage};

fn lifeguard(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_lifeguard"))
        .args(args)
        .output()
        .expect("run lifeguard")
}

fn picture(seed: u32) -> RgbImage {
    RgbImage::from_fn(160, 120, |x, y| {
        let s = seed * 37;
        let inside = (x as i64 - 50 - (s % 40) as i64).pow(2) + (y as i64 - 60).pow(2) < 900;
        if inside {
            Rgb([(s % 256) as u8, 40, 200])
        } else {
            Rgb([
                (x * 255 / 160) as u8,
                ((y + s) * 255 / 240 % 256) as u8,
                ((x * y + s) % 256) as u8,
            ])
        }
    })
}

fn save(img: &RgbImage, path: &Path) {
    img.save(path).unwrap();
}

fn save_jpeg(img: &RgbImage, path: &Path, quality: u8) {
    let mut out = Vec::new();
    let enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality);
    img.write_with_encoder(enc).unwrap();
    std::fs::write(path, out).unwrap();
}

fn lines(out: &std::process::Output) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn hash_prints_every_field_and_exit_status_says_whether_all_were_hashed() {
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("a.png");
    let jpg = dir.path().join("b.jpg");
    let bad = dir.path().join("c.png");
    save(&picture(1), &png);
    save_jpeg(&picture(2), &jpg, 85);
    let mut corrupt = std::fs::read(&png).unwrap();
    corrupt.truncate(60);
    std::fs::write(&bad, corrupt).unwrap();

    let out = lifeguard(&["hash", s(&png), s(&jpg)]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let l = lines(&out);
    assert_eq!(l.len(), 2);
    for key in [
        "path", "pdq", "quality", "md5", "sha1", "sha256", "width", "height", "format",
    ] {
        assert!(l[0].get(key).is_some(), "{key} missing from {}", l[0]);
    }
    assert!(l[0].get("dihedral").is_none());
    assert_eq!(l[0]["path"], s(&png));
    assert_eq!(
        (l[0]["width"].as_u64(), l[0]["height"].as_u64()),
        (Some(160), Some(120))
    );
    assert_eq!(
        (l[0]["format"].as_str(), l[1]["format"].as_str()),
        (Some("png"), Some("jpeg"))
    );
    assert_eq!(l[0]["pdq"].as_str().unwrap().len(), 64);
    assert_eq!(l[0]["md5"].as_str().unwrap().len(), 32);
    assert!(l[0]["quality"].as_u64().unwrap() <= 100);

    let out = lifeguard(&[
        "hash",
        "--dihedral",
        s(&png),
        s(&bad),
        s(&dir.path().join("missing.png")),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let l = lines(&out);
    assert_eq!(l.len(), 3);
    let dihedral = l[0]["dihedral"].as_array().unwrap();
    assert_eq!(dihedral.len(), 8);
    assert_eq!(dihedral[0], l[0]["pdq"]);
    for e in &l[1..] {
        assert!(e["error"].as_str().is_some_and(|m| !m.is_empty()), "{e}");
        assert!(e.get("pdq").is_none());
    }

    // A directory is walked: the three files, in name order.
    let out = lifeguard(&["hash", s(dir.path())]);
    assert_eq!(out.status.code(), Some(1));
    let paths: Vec<PathBuf> = lines(&out)
        .iter()
        .map(|l| PathBuf::from(l["path"].as_str().unwrap()))
        .collect();
    assert_eq!(paths, vec![png.clone(), jpg.clone(), bad.clone()]);
}

#[test]
fn bank_import_then_match_finds_an_edited_copy_by_pdq_and_an_identical_copy_by_sha256() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let db = s(&db);
    let original = dir.path().join("original.png");
    let other = dir.path().join("other.png");
    save(&picture(3), &original);
    save(&picture(9), &other);
    let hashed = lines(&lifeguard(&["hash", s(&original), s(&other)]));
    let pdq = hashed[0]["pdq"].as_str().unwrap();
    let sha256 = hashed[1]["sha256"].as_str().unwrap();

    // A bad line imports nothing and is named.
    let bad_csv = dir.path().join("bad.csv");
    std::fs::write(
        &bad_csv,
        format!("hash_type,hash,bank,label\npdq,{pdq},known,x\nmd5,12345,known,x\n"),
    )
    .unwrap();
    let out = lifeguard(&["bank", "import", "--db", db, s(&bad_csv)]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!(
            "{}:3: md5 hash must be 32 hex digits",
            s(&bad_csv)
        )),
        "{err}"
    );

    let csv = dir.path().join("bank.csv");
    std::fs::write(
        &csv,
        format!("hash_type,hash,bank,label\npdq,{pdq},known,category-a\nsha256,{sha256},known,\n"),
    )
    .unwrap();
    let out = lifeguard(&["bank", "import", "--db", db, s(&csv)]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(lines(&out)[0]["banks"][0]["added"], 2);
    // Importing again adds nothing.
    let out = lifeguard(&["bank", "import", "--db", db, s(&csv)]);
    assert_eq!(lines(&out)[0]["banks"][0]["added"], 0);
    // A PDQ list into a second bank, threshold 5.
    let list = dir.path().join("list.txt");
    std::fs::write(
        &list,
        format!("hash,quality,filename\n{pdq},100,original.png\n"),
    )
    .unwrap();
    let out = lifeguard(&[
        "bank",
        "import",
        "--db",
        db,
        "--bank",
        "strict",
        "--threshold",
        "5",
        s(&list),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let banks = lines(&lifeguard(&["bank", "list", "--db", db]));
    assert_eq!(banks.len(), 2);
    assert_eq!(banks[0]["name"], "known");
    assert_eq!(banks[0]["label"], "category-a");
    assert_eq!(banks[0]["hashes"]["pdq"], 1);
    assert_eq!(banks[0]["hashes"]["sha256"], 1);
    assert_eq!(banks[1]["pdq_threshold"], 5);

    // Edited copy: brighter, re-encoded as JPEG quality 60.
    let mut edited = picture(3);
    for p in edited.pixels_mut() {
        for c in p.0.iter_mut() {
            *c = c.saturating_add(12);
        }
    }
    let edited_path = dir.path().join("edited.jpg");
    save_jpeg(&edited, &edited_path, 60);
    let copy = dir.path().join("copy.png");
    std::fs::copy(&other, &copy).unwrap();
    let unrelated = dir.path().join("unrelated.png");
    save(&picture(40), &unrelated);

    let out = lifeguard(&[
        "match",
        "--db",
        db,
        "--bank",
        "known",
        s(&edited_path),
        s(&copy),
        s(&unrelated),
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let l = lines(&out);
    let m = &l[0]["matches"].as_array().unwrap()[0];
    assert_eq!(
        (m["bank"].as_str(), m["hash_type"].as_str()),
        (Some("known"), Some("pdq"))
    );
    assert_eq!(m["hash"].as_str(), Some(pdq));
    assert_eq!(m["label"], "category-a");
    let d = m["distance"].as_u64().unwrap();
    assert!(d > 0 && d <= 31, "distance {d}");
    let m = &l[1]["matches"].as_array().unwrap()[0];
    assert_eq!(
        (m["hash_type"].as_str(), m["distance"].as_u64()),
        (Some("sha256"), Some(0))
    );
    assert!(l[2]["matches"].as_array().unwrap().is_empty());

    // Nothing matches: 0. Unknown bank: 2. Every bank by default.
    assert_eq!(
        lifeguard(&["match", "--db", db, "--bank", "known", s(&unrelated)])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        lifeguard(&["match", "--db", db, "--bank", "nope", s(&unrelated)])
            .status
            .code(),
        Some(2)
    );
    let out = lifeguard(&["match", "--db", db, s(&original)]);
    assert_eq!(out.status.code(), Some(1));
    let all: Vec<String> = lines(&out)[0]["matches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["bank"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(all, vec!["known", "strict"]);

    // Export round-trips through import; remove.
    let out = lifeguard(&["bank", "export", "--db", db, "known"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("hash_type,hash,bank,label\n"));
    assert!(text.contains(&format!("pdq,{pdq},known,category-a")));
    assert_eq!(
        lifeguard(&["bank", "remove", "--db", db, "known"])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        lifeguard(&["bank", "remove", "--db", db, "known"])
            .status
            .code(),
        Some(1)
    );
    let exported = dir.path().join("exported.csv");
    std::fs::write(&exported, text).unwrap();
    let out = lifeguard(&["bank", "import", "--db", db, s(&exported)]);
    assert_eq!(lines(&out)[0]["banks"][0]["added"], 2);
}

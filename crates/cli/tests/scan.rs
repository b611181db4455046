//! `lifeguard scan` as an examiner runs it: import banks, scan a folder of
//! generated pictures (coloured shapes; nothing else), read the case files;
//! interrupt and resume; refuse an output inside the evidence.

use std::path::Path;
use std::process::{Command, Output};

use image::{Rgb, RgbImage};

fn lifeguard(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lifeguard"))
        .args(args)
        .output()
        .expect("run lifeguard")
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A gradient with seeded circles and rectangles.
fn picture(seed: u32) -> RgbImage {
    let (w, h) = (192u32, 144u32);
    let mut st = u64::from(seed).wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let mut rnd = move |n: u32| {
        st ^= st << 13;
        st ^= st >> 7;
        st ^= st << 17;
        (st % u64::from(n)) as u32
    };
    let bg = [rnd(256) as u8, rnd(256) as u8, rnd(256) as u8];
    let mut img = RgbImage::from_fn(w, h, |x, y| {
        Rgb([
            bg[0].wrapping_add((x * 120 / w) as u8),
            bg[1].wrapping_add((y * 120 / h) as u8),
            bg[2],
        ])
    });
    for _ in 0..6 {
        let (cx, cy) = (rnd(w) as i64, rnd(h) as i64);
        let r = (rnd(w / 4) + w / 10) as i64;
        let col = Rgb([rnd(256) as u8, rnd(256) as u8, rnd(256) as u8]);
        let circle = rnd(2) == 0;
        for y in (cy - r).max(0)..=(cy + r).min(h as i64 - 1) {
            for x in (cx - r).max(0)..=(cx + r).min(w as i64 - 1) {
                let inside = if circle {
                    (x - cx).pow(2) + (y - cy).pow(2) < r * r
                } else {
                    (x - cx).abs() < r && (y - cy).abs() < r / 2
                };
                if inside {
                    img.put_pixel(x as u32, y as u32, col);
                }
            }
        }
    }
    img
}

fn jpeg(img: &RgbImage, q: u8) -> Vec<u8> {
    let mut out = Vec::new();
    img.write_with_encoder(image::codecs::jpeg::JpegEncoder::new_with_quality(
        &mut out, q,
    ))
    .unwrap();
    out
}

fn report(out: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn bank_import_then_scan_writes_the_case_files_and_resumes_after_an_interruption() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let ev = dir.path().join("evidence");
    std::fs::create_dir_all(ev.join("a/b")).unwrap();
    for i in 0..40u32 {
        std::fs::write(ev.join(format!("a/img{i:02}.jpg")), jpeg(&picture(i), 85)).unwrap();
    }
    std::fs::write(ev.join("a/b/notes.txt"), b"see you on monday\n").unwrap();
    // A recompressed copy of a picture that is only in the bank.
    let original = dir.path().join("original.jpg");
    std::fs::write(&original, jpeg(&picture(500), 95)).unwrap();
    std::fs::write(ev.join("a/b/copy.jpg"), jpeg(&picture(500), 50)).unwrap();

    let hashed = lifeguard(&["hash", s(&original), s(&ev.join("a/img07.jpg"))]);
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&hashed.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let pdq = lines[0]["pdq"].as_str().unwrap();
    let sha256 = lines[1]["sha256"].as_str().unwrap();
    let csv = dir.path().join("banks.csv");
    std::fs::write(
        &csv,
        format!(
            "hash_type,hash,bank,label\npdq,{pdq},near,series-n\nsha256,{sha256},known,series-k\n"
        ),
    )
    .unwrap();
    let imp = lifeguard(&["bank", "import", s(&csv), "--db", s(&db)]);
    assert_eq!(imp.status.code(), Some(0), "{}", stderr(&imp));

    // Interrupted after 10 files: exit 2, no report yet, told to resume.
    let out = dir.path().join("case");
    let scan = |extra: &[&str]| {
        let mut a = vec![
            "scan",
            s(&ev),
            "--bank",
            "near",
            "--bank",
            "known",
            "--out",
            s(&out),
            "--db",
            s(&db),
            "--threads",
            "2",
        ];
        a.extend_from_slice(extra);
        lifeguard(&a)
    };
    let first = scan(&["--stop-after", "10", "--progress", "json"]);
    assert_eq!(first.status.code(), Some(2), "{}", stderr(&first));
    assert!(stderr(&first).contains("run the same command again to resume"));
    assert!(!out.join("report.json").exists());
    // Progress is machine-readable when stderr is not a terminal.
    let progress: serde_json::Value = serde_json::from_str(
        stderr(&first)
            .lines()
            .find(|l| l.starts_with("{\"progress\""))
            .expect("a progress line"),
    )
    .unwrap();
    assert_eq!(progress["progress"]["files_total"], 42);
    for k in [
        "files_done",
        "bytes_total",
        "files_per_s",
        "mb_per_s",
        "eta_s",
    ] {
        assert!(progress["progress"].get(k).is_some(), "{k}");
    }

    // Resumed: exit 1 (matches), the finished files were not hashed again.
    let second = scan(&["--progress", "none"]);
    assert_eq!(second.status.code(), Some(1), "{}", stderr(&second));
    let r = report(&out);
    let resumed = r["resumed_files"].as_u64().unwrap();
    assert!((10..42).contains(&resumed), "{resumed}");
    assert_eq!(r["hashed_files"].as_u64().unwrap(), 42 - resumed);
    assert_eq!(r["files_scanned"], 42);
    assert_eq!(r["images"], 41);
    assert_eq!(r["evidence_access"], "read-only");
    let summary: serde_json::Value = serde_json::from_slice(&second.stdout).unwrap();
    assert_eq!(summary["matches"], 2);

    let matches = r["matches"].as_array().unwrap();
    assert_eq!(matches.len(), 2, "{matches:#?}");
    let by_path = |p: &str| {
        matches
            .iter()
            .find(|m| m["path"].as_str().unwrap().ends_with(p))
            .unwrap_or_else(|| panic!("{p} not matched"))
    };
    let exact = &by_path("a/img07.jpg")["match"];
    assert_eq!(
        (
            exact["kind"].as_str(),
            exact["bank"].as_str(),
            exact["label"].as_str()
        ),
        (Some("exact"), Some("known"), Some("series-k"))
    );
    let near = &by_path("a/b/copy.jpg")["match"];
    assert_eq!(
        (near["kind"].as_str(), near["bank"].as_str()),
        (Some("pdq"), Some("near"))
    );
    assert!(near["distance"].as_u64().unwrap() <= 31);

    // The manifest's SHA-256 is the one in the report (checked with coreutils).
    let sum = Command::new("sha256sum")
        .arg(out.join("files.csv"))
        .output()
        .unwrap();
    let sum = String::from_utf8_lossy(&sum.stdout);
    assert_eq!(sum.split_whitespace().next(), r["manifest_sha256"].as_str());
    let files_csv = std::fs::read_to_string(out.join("files.csv")).unwrap();
    assert_eq!(files_csv.lines().count(), 43);
    assert!(files_csv.starts_with("path,size,mtime,kind,md5,sha1,sha256,pdq,"));
    let matches_csv = std::fs::read_to_string(out.join("matches.csv")).unwrap();
    assert_eq!(matches_csv.lines().count(), 3);
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("series-n") && !html.contains("<img"));

    // Thumbnails only when asked for (a new scan: options are part of it).
    let thumbs = dir.path().join("case-thumbs");
    let t = lifeguard(&[
        "scan",
        s(&ev),
        "--out",
        s(&thumbs),
        "--db",
        s(&db),
        "--thumbnails",
        "--progress",
        "none",
    ]);
    assert_eq!(t.status.code(), Some(1), "{}", stderr(&t));
    let html = std::fs::read_to_string(thumbs.join("report.html")).unwrap();
    assert_eq!(html.matches("<img").count(), 2);

    // Hash-only mode finds the identical copy only; exit 1.
    let h = lifeguard(&[
        "scan",
        s(&ev),
        "--out",
        s(&dir.path().join("case-hash-only")),
        "--db",
        s(&db),
        "--no-pdq",
        "--progress",
        "none",
    ]);
    assert_eq!(h.status.code(), Some(1));
    let r = report(&dir.path().join("case-hash-only"));
    assert_eq!(
        (r["images"].as_u64(), r["matches"].as_array().unwrap().len()),
        (Some(0), 1)
    );
}

#[test]
fn scan_exit_status_and_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let ev = dir.path().join("evidence");
    std::fs::create_dir_all(&ev).unwrap();
    std::fs::write(ev.join("x.jpg"), jpeg(&picture(1), 85)).unwrap();
    let csv = dir.path().join("banks.csv");
    std::fs::write(&csv, format!("sha256,{},other,l\n", "ab".repeat(32))).unwrap();
    assert_eq!(
        lifeguard(&["bank", "import", s(&csv), "--db", s(&db)])
            .status
            .code(),
        Some(0)
    );

    // No match: exit 0.
    let out = dir.path().join("o1");
    let o = lifeguard(&[
        "scan",
        s(&ev),
        "--out",
        s(&out),
        "--db",
        s(&db),
        "--progress",
        "none",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(report(&out)["matches"].as_array().unwrap().len(), 0);

    // An unknown bank, an output inside the evidence, a missing path: exit 2.
    let unknown = lifeguard(&[
        "scan",
        s(&ev),
        "--bank",
        "nope",
        "--out",
        s(&dir.path().join("o2")),
        "--db",
        s(&db),
    ]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(stderr(&unknown).contains("nope"));
    let inside = lifeguard(&["scan", s(&ev), "--out", s(&ev.join("case")), "--db", s(&db)]);
    assert_eq!(inside.status.code(), Some(2));
    assert!(stderr(&inside).contains("inside the evidence"));
    assert!(!ev.join("case").exists());
    let missing = lifeguard(&[
        "scan",
        s(&dir.path().join("no-such")),
        "--out",
        s(&dir.path().join("o3")),
        "--db",
        s(&db),
    ]);
    assert_eq!(missing.status.code(), Some(2));
    // --out is required.
    assert_eq!(lifeguard(&["scan", s(&ev)]).status.code(), Some(2));
}

/// A ustar archive of one regular file (written by hand: the test has no
/// archive crate).
fn tar_of(name: &str, data: &[u8]) -> Vec<u8> {
    let mut h = [0u8; 512];
    h[..name.len()].copy_from_slice(name.as_bytes());
    h[100..107].copy_from_slice(b"0000644");
    h[108..115].copy_from_slice(b"0000000");
    h[116..123].copy_from_slice(b"0000000");
    h[124..135].copy_from_slice(format!("{:011o}", data.len()).as_bytes());
    h[136..147].copy_from_slice(b"14500000000");
    h[156] = b'0';
    h[257..263].copy_from_slice(b"ustar\0");
    h[263..265].copy_from_slice(b"00");
    h[148..156].copy_from_slice(b"        ");
    let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
    h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    let mut out = h.to_vec();
    out.extend_from_slice(data);
    out.resize(out.len().div_ceil(512) * 512 + 1024, 0);
    out
}

#[test]
fn expansion_budget_flag_bounds_what_the_whole_scan_expands() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let ev = dir.path().join("evidence");
    std::fs::create_dir_all(&ev).unwrap();
    for i in 0..3u8 {
        std::fs::write(
            ev.join(format!("t{i}.tar")),
            tar_of("m.bin", &vec![i; 600 << 10]),
        )
        .unwrap();
    }
    std::fs::write(ev.join("notes.txt"), b"plain\n").unwrap();
    let run = |out: &str, budget: &str| {
        lifeguard(&[
            "scan",
            s(&ev),
            "--out",
            s(&dir.path().join(out)),
            "--db",
            s(&db),
            "--threads",
            "1",
            "--progress",
            "none",
            "--expansion-budget",
            budget,
        ])
    };
    // Room for one member of 600 KiB, not two.
    let o = run("o1", "1MiB");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let r = report(&dir.path().join("o1"));
    assert_eq!(r["files_on_disk"], 4);
    assert_eq!(r["archive_members"], 1);
    let errors = r["errors"].as_array().unwrap();
    let budget: Vec<&str> = errors
        .iter()
        .filter(|e| {
            e["reason"]
                .as_str()
                .unwrap()
                .contains("scan-wide expansion budget of 1048576 bytes")
        })
        .map(|e| e["path"].as_str().unwrap())
        .collect();
    assert_eq!(budget.len(), 2, "{errors:#?}");
    assert!(budget[0].ends_with("t1.tar!m.bin") && budget[1].ends_with("t2.tar"));
    // The default leaves them all expanded.
    let o = run("o2", "256GiB");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(report(&dir.path().join("o2"))["archive_members"], 3);
    // Not a size: a usage error.
    assert_eq!(run("o3", "lots").status.code(), Some(2));
}

#[test]
fn csv_fields_a_spreadsheet_would_run_as_formulas_are_defused() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let ev = dir.path().join("evidence");
    std::fs::create_dir_all(&ev).unwrap();
    // Given relative to the working folder, the names are the paths.
    let names = [
        "=HYPERLINK(\"evil.example\",\"open\").txt",
        "+1.txt",
        "-2.txt",
        "@3.txt",
        "\tt.txt",
    ];
    for n in names {
        std::fs::write(ev.join(n), format!("content of {n}\n")).unwrap();
    }
    let csv = dir.path().join("banks.csv");
    // MD5 with coreutils (`lifeguard hash` is for images).
    let md5 = Command::new("md5sum")
        .arg(ev.join("+1.txt"))
        .output()
        .unwrap();
    let md5 = String::from_utf8_lossy(&md5.stdout);
    let md5 = md5.split_whitespace().next().unwrap();
    std::fs::write(
        &csv,
        format!("hash_type,hash,bank,label\nmd5,{md5},known,=1+1\n"),
    )
    .unwrap();
    let imp = lifeguard(&["bank", "import", s(&csv), "--db", s(&db)]);
    assert_eq!(imp.status.code(), Some(0), "{}", stderr(&imp));
    let out = dir.path().join("case");
    let mut args = vec![
        "scan",
        "--out",
        s(&out),
        "--db",
        s(&db),
        "--progress",
        "none",
        "--",
    ];
    args.extend(names);
    let o = Command::new(env!("CARGO_BIN_EXE_lifeguard"))
        .args(&args)
        .current_dir(&ev)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));

    let files = std::fs::read_to_string(out.join("files.csv")).unwrap();
    let rows: Vec<&str> = files.lines().skip(1).collect();
    assert_eq!(rows.len(), names.len());
    for row in &rows {
        assert!(
            row.starts_with('\'') || row.starts_with("\"'"),
            "not defused: {row:?}"
        );
    }
    assert!(files.contains("\"'=HYPERLINK(\"\"evil.example\"\",\"\"open\"\").txt\","));
    assert!(files.contains("\n'+1.txt,") && files.contains("\n'-2.txt,"));
    assert!(files.contains("\n'@3.txt,") && files.contains("\n'\tt.txt,"));
    let matches = std::fs::read_to_string(out.join("matches.csv")).unwrap();
    let row = matches.lines().nth(1).unwrap();
    assert!(
        row.starts_with("'+1.txt,") && row.contains(",known,'=1+1,"),
        "{row}"
    );
    // The report keeps the names as they are; the manifest hash is of the
    // file as written.
    let r = report(&out);
    assert_eq!(r["matches"][0]["path"], "+1.txt");
    assert_eq!(r["matches"][0]["match"]["label"], "=1+1");
    let sum = Command::new("sha256sum")
        .arg(out.join("files.csv"))
        .output()
        .unwrap();
    let sum = String::from_utf8_lossy(&sum.stdout);
    assert_eq!(sum.split_whitespace().next(), r["manifest_sha256"].as_str());
}

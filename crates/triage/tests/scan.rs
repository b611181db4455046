//! `lifeguard_triage::scan` over a generated corpus: exact counts, exact and
//! PDQ matches (also inside nested archives), errors for what cannot be
//! read, links never followed, the evidence left untouched, and resume.

mod corpus;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use corpus::{build, snapshot, EXPECTED};
use lifeguard_triage::{scan, NoProgress, Outcome, Progress, Report, ScanOptions};
use sha2::{Digest, Sha256};

/// Appends to `misc/growing.log` after the walk and before hashing: the
/// file changes during the scan.
struct Grow<'a>(&'a Path);

impl Progress for Grow<'_> {
    fn start(&mut self, _: u64, _: u64, _: u64, _: u64) {
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(self.0)
            .unwrap();
        f.write_all(b"line 2\n").unwrap();
    }
    fn advance(&mut self, _: u64, _: u64) {}
    fn finish(&mut self) {}
}

fn complete(o: Outcome) -> Report {
    match o {
        Outcome::Complete(r) => *r,
        Outcome::Interrupted { files_done, .. } => panic!("interrupted after {files_done}"),
    }
}

fn errors_of(r: &Report) -> BTreeMap<String, String> {
    r.errors
        .iter()
        .map(|e| (e.path.clone(), e.reason.clone()))
        .collect()
}

#[test]
fn scan_finds_exact_and_near_copies_everywhere_and_reports_what_it_cannot_read() {
    let tmp = tempfile::tempdir().unwrap();
    let t0 = std::time::Instant::now();
    let (ev, banks) = build(tmp.path());
    eprintln!("corpus built in {:?}", t0.elapsed());
    let growing = ev.join("misc/growing.log");
    let out = tmp.path().join("case-1");
    let opts = ScanOptions::new(vec![ev.clone()], out.clone());
    let m = banks.matcher();

    // The evidence as it was, less the file the test itself appends to.
    let before: Vec<_> = snapshot(&ev)
        .into_iter()
        .filter(|(p, ..)| p != &growing && p != &growing.parent().unwrap().to_path_buf())
        .collect();
    let t1 = std::time::Instant::now();
    let r = complete(scan(&opts, &m, &mut Grow(&growing)).unwrap());
    eprintln!("scanned in {:?}", t1.elapsed());

    let e = &EXPECTED;
    assert_eq!(r.files_on_disk, e.files_on_disk);
    assert_eq!(r.archive_members, e.archive_members);
    assert_eq!(r.files_scanned, e.files_on_disk + e.archive_members);
    assert_eq!(r.images, e.images);
    assert_eq!(r.resumed_files, 0);
    assert_eq!(r.hashed_files, e.files_on_disk);
    assert_eq!(r.evidence_access, "read-only");
    assert_eq!(r.skipped.len() as u64, e.skipped, "{:#?}", r.skipped);
    // The five links were read: access times are not claimed preserved.
    assert_eq!(r.access_times.links_read, 5);
    assert!(!r.access_times.preserved);
    assert!(r.access_times.note.contains("5 symbolic links"));

    // Matches: one row per file and bank.
    let exact: Vec<_> = r
        .matches
        .iter()
        .filter(|m| m.matched.kind == "exact")
        .collect();
    let pdq: Vec<_> = r
        .matches
        .iter()
        .filter(|m| m.matched.kind == "pdq")
        .collect();
    assert_eq!(exact.len() as u64, e.exact, "{exact:#?}");
    assert_eq!(pdq.len() as u64, e.pdq, "{pdq:#?}");
    assert!(exact.iter().all(|m| m.matched.bank == "seized-exact"
        && m.matched.label == "series-a"
        && m.matched.distance == 0));
    assert!(pdq
        .iter()
        .all(|m| m.matched.bank == "seized-pdq" && m.matched.distance <= 31));
    let matched: Vec<&str> = r.matches.iter().map(|m| m.path.as_str()).collect();
    let rel = |p: &str| format!("{}/{p}", ev.display());
    for p in [
        "photos/d00/p0000.jpg",
        "copies/c9.dat",
        "notes/n0.txt",
        "edited/r3.jpg",
        "edited/q7.jpg",
        "archives/nested.zip!a.jpg",
        "archives/nested.zip!inner.tar!deep.zip!x.jpg",
        "archives/photos.tar.gz!photos.tar!known.jpg",
    ] {
        assert!(matched.contains(&rel(p).as_str()), "{p} not matched");
    }
    let n0 = r
        .matches
        .iter()
        .find(|m| m.path == rel("notes/n0.txt"))
        .unwrap();
    assert_eq!(n0.matched.hash_type, "md5");
    let mut d: Vec<(u32, &str)> = pdq
        .iter()
        .map(|m| (m.matched.distance, m.path.rsplit('/').next().unwrap()))
        .collect();
    d.sort();
    eprintln!("PDQ distances of the edited copies: {d:?}");
    // Nothing outside the tree was read.
    assert!(!matched.iter().any(|p| p.contains("outside")));
    assert_eq!(r.matches_by_bank.len(), 2);
    assert_eq!(
        (r.matches_by_bank[0].exact, r.matches_by_bank[1].pdq),
        (e.exact, e.pdq)
    );

    // Errors: each named, the scan completed.
    let errs = errors_of(&r);
    assert_eq!(errs.len() as u64, e.errors + 1, "{errs:#?}");
    assert!(errs[&rel("corrupt/t0.jpg")].contains("truncated"));
    assert!(errs[&rel("corrupt/g1.png")].contains("cannot be decoded"));
    assert!(errs[&rel("misc/big.jpg")].contains("not decoded"));
    assert!(errs[&rel("archives/bomb.zip!zeros.bin")].contains("zip bomb"));
    assert!(errs[&rel("archives/broken.zip")].contains("zip cannot be read"));
    assert!(errs[&rel("misc/growing.log")].contains("changed"));

    // Links and the pipe.
    let skipped: BTreeMap<_, _> = r
        .skipped
        .iter()
        .map(|s| (s.path.clone(), s.reason.clone()))
        .collect();
    assert!(skipped[&rel("links/loop1")].contains("loop"));
    assert!(skipped[&rel("links/out")].contains("outside the evidence"));
    assert!(skipped[&rel("links/up")].contains("inside the evidence"));
    assert!(skipped[&rel("links/dangling")].contains("dangling"));
    assert!(skipped[&rel("misc/pipe")].contains("named pipe"));

    // The manifest: every file, with hashes; its SHA-256 is in the report.
    let csv = std::fs::read(out.join("files.csv")).unwrap();
    assert_eq!(hex::encode(Sha256::digest(&csv)), r.manifest_sha256);
    let csv = String::from_utf8(csv).unwrap();
    assert_eq!(csv.lines().count() as u64, 1 + r.files_scanned);
    let empty = csv
        .lines()
        .find(|l| l.starts_with(&rel("misc/empty.bin")))
        .unwrap();
    assert!(empty.contains(",0,") && empty.contains(",empty,"));
    assert!(empty.contains("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
    let holiday = csv
        .lines()
        .find(|l| l.starts_with(&rel("misc/holiday.txt")))
        .unwrap();
    assert!(holiday.contains(",jpeg,"), "type by content: {holiday}");
    // The big file was streamed, not skipped: its digest is right.
    let big = csv
        .lines()
        .find(|l| l.starts_with(&rel("misc/big.jpg")))
        .unwrap();
    let mut h = Sha256::new();
    h.update(b"\xff\xd8\xff\xe0");
    let zeros = vec![0u8; 1 << 20];
    let mut left = corpus::BIG - 4;
    while left > 0 {
        let n = left.min(zeros.len() as u64) as usize;
        h.update(&zeros[..n]);
        left -= n as u64;
    }
    assert!(big.contains(&hex::encode(h.finalize())));

    let matches_csv = std::fs::read_to_string(out.join("matches.csv")).unwrap();
    assert_eq!(matches_csv.lines().count(), 1 + r.matches.len());
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap();
    for k in [
        "tool_version",
        "started",
        "finished",
        "paths",
        "files_scanned",
        "bytes",
        "images",
        "matches",
        "errors",
        "manifest_sha256",
    ] {
        assert!(json.get(k).is_some(), "report.json lacks {k}");
    }
    let m0 = &json["matches"][0];
    for k in ["path", "size", "sha256", "md5", "pdq"] {
        assert!(m0.get(k).is_some(), "match lacks {k}");
    }
    for k in ["kind", "bank", "label", "distance"] {
        assert!(m0["match"].get(k).is_some(), "match.match lacks {k}");
    }
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(!html.contains("<img"), "no image by default");
    assert!(html.contains("series-b") && html.contains("zip bomb"));

    // The evidence is as it was.
    let after: Vec<_> = snapshot(&ev)
        .into_iter()
        .filter(|(p, ..)| p != &growing && p != &growing.parent().unwrap().to_path_buf())
        .collect();
    assert_eq!(before, after);
}

#[test]
fn interrupted_scan_resumes_without_hashing_finished_files_again() {
    let tmp = tempfile::tempdir().unwrap();
    let ev = tmp.path().join("evidence");
    for i in 0..300u32 {
        let p = ev.join(format!("d{}/p{i}.jpg", i % 7));
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, corpus::photo(i)).unwrap();
    }
    let mut m = lifeguard_media::Matcher::new();
    let b = m.add_bank(lifeguard_media::BankSpec {
        name: "k".into(),
        label: "l".into(),
        pdq_threshold: 31,
    });
    m.add_hash(
        b,
        lifeguard_media::HashType::Sha256,
        &corpus::sha256_hex(&corpus::photo(250)),
        None,
    )
    .unwrap();
    let out = tmp.path().join("case");
    let mut opts = ScanOptions::new(vec![ev.clone()], out.clone());
    opts.stop_after = Some(100);
    let done = match scan(&opts, &m, &mut NoProgress).unwrap() {
        Outcome::Interrupted {
            files_done,
            files_total,
        } => {
            assert_eq!(files_total, 300);
            assert!((100..300).contains(&files_done), "{files_done}");
            files_done
        }
        Outcome::Complete(_) => panic!("should have stopped"),
    };
    assert!(!out.join("report.json").exists());
    // A torn last line, as a kill in mid-write leaves it, is dropped.
    let journal = out.join(lifeguard_triage::journal::JOURNAL_FILE);
    std::fs::OpenOptions::new()
        .append(true)
        .open(&journal)
        .unwrap()
        .write_all(b"{\"path\":\"torn")
        .unwrap();

    opts.stop_after = None;
    let r = complete(scan(&opts, &m, &mut NoProgress).unwrap());
    assert_eq!(r.resumed_files, done);
    assert_eq!(r.hashed_files, 300 - done);
    assert_eq!(r.files_scanned, 300);
    assert_eq!(r.images, 300);
    assert_eq!(r.matches.len(), 1);

    // The same result as an uninterrupted scan, hashes and all.
    let fresh = complete(
        scan(
            &ScanOptions::new(vec![ev.clone()], tmp.path().join("case-2")),
            &m,
            &mut NoProgress,
        )
        .unwrap(),
    );
    assert_eq!(fresh.manifest_sha256, r.manifest_sha256);
    assert_eq!(fresh.matches, r.matches);

    // A third run over the finished scan hashes nothing; a changed file is
    // hashed again.
    std::fs::write(ev.join("d0/p0.jpg"), corpus::photo(9999)).unwrap();
    let again = complete(scan(&opts, &m, &mut NoProgress).unwrap());
    assert_eq!((again.resumed_files, again.hashed_files), (299, 1));

    // Another scan's journal is refused rather than mixed in.
    let other = ScanOptions::new(vec![ev.join("d1")], out.clone());
    assert!(matches!(
        scan(&other, &m, &mut NoProgress),
        Err(lifeguard_triage::TriageError::Usage(_))
    ));
}

#[test]
fn output_inside_the_evidence_is_refused_and_nothing_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let ev = tmp.path().join("evidence");
    std::fs::create_dir_all(ev.join("a")).unwrap();
    std::fs::write(ev.join("a/x.txt"), b"x").unwrap();
    for out in [ev.join("report"), ev.join("a/../b/c"), ev.clone()] {
        let err = scan(
            &ScanOptions::new(vec![ev.clone()], out.clone()),
            &lifeguard_media::Matcher::new(),
            &mut NoProgress,
        )
        .unwrap_err();
        assert!(err.to_string().contains("inside the evidence"), "{err}");
        assert!(!out.join("journal.jsonl").exists());
    }
    assert_eq!(std::fs::read_dir(&ev).unwrap().count(), 1);
    let missing = scan(
        &ScanOptions::new(vec![tmp.path().join("nope")], tmp.path().join("o")),
        &lifeguard_media::Matcher::new(),
        &mut NoProgress,
    );
    assert!(matches!(
        missing,
        Err(lifeguard_triage::TriageError::Usage(_))
    ));
}

#[test]
fn unreadable_and_changing_files_are_errors_and_the_scan_completes() {
    let tmp = tempfile::tempdir().unwrap();
    let ev = tmp.path().join("evidence");
    std::fs::create_dir_all(&ev).unwrap();
    std::fs::write(ev.join("ok.txt"), b"fine").unwrap();
    // /proc/self/mem cannot be read at offset 0 (EIO), even by root;
    // /proc/self/status says size 0 and then yields bytes: it changes
    // under the reader as far as the scan can tell.
    let paths = vec![
        ev.clone(),
        "/proc/self/mem".into(),
        "/proc/self/status".into(),
    ];
    let locked = ev.join("locked.txt");
    std::fs::write(&locked, b"secret").unwrap();
    let root = unsafe { libc::geteuid() } == 0;
    if root {
        eprintln!("running as root: the permission-denied case is skipped (root reads anything)");
    } else {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    }
    let r = complete(
        scan(
            &ScanOptions::new(paths, tmp.path().join("out")),
            &lifeguard_media::Matcher::new(),
            &mut NoProgress,
        )
        .unwrap(),
    );
    let errs = errors_of(&r);
    assert!(errs["/proc/self/mem"].contains("read failed"), "{errs:#?}");
    assert!(errs["/proc/self/status"].contains("changed during the scan"));
    assert!(!r.matches.iter().any(|m| m.path == "/proc/self/mem"));
    let listed: Vec<String> = std::fs::read_to_string(tmp.path().join("out/files.csv"))
        .unwrap()
        .lines()
        .map(|l| l.split(',').next().unwrap().to_owned())
        .collect();
    assert!(
        !listed.iter().any(|p| p == "/proc/self/mem"),
        "no hashes for an unreadable file"
    );
    assert!(
        listed.iter().any(|p| p == "/proc/self/status"),
        "a changed file is still listed"
    );
    if !root {
        assert!(errs[&locked.display().to_string()].contains("cannot be opened"));
        // ok.txt and /proc/self/status
        assert_eq!(r.files_scanned, 2);
    } else {
        // ok.txt, locked.txt and /proc/self/status
        assert_eq!(r.files_scanned, 3);
    }
}

/// Pseudo-random bytes (incompressible), from a seed.
fn noise(seed: u64, len: usize) -> Vec<u8> {
    let mut s = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    (0..len)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            s as u8
        })
        .collect()
}

fn zip_with(members: &[(&str, &[u8], zip::CompressionMethod)]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, bytes, method) in members {
        let o = zip::write::SimpleFileOptions::default().compression_method(*method);
        w.start_file(*name, o).unwrap();
        w.write_all(bytes).unwrap();
    }
    w.finish().unwrap().into_inner()
}

#[test]
fn a_zip_bomb_that_declares_a_large_compressed_size_is_still_stopped() {
    let tmp = tempfile::tempdir().unwrap();
    let ev = tmp.path().join("evidence");
    std::fs::create_dir_all(&ev).unwrap();
    // 64 MiB of zeros deflate to about 64 KiB (about 1,000:1), followed by
    // 512 KiB of incompressible data stored.
    let zeros = vec![0u8; 64 << 20];
    let filler = noise(7, 512 << 10);
    let mut z = zip_with(&[
        ("zeros.bin", &zeros, zip::CompressionMethod::Deflated),
        ("filler.bin", &filler, zip::CompressionMethod::Stored),
    ]);
    // The lie: zeros.bin claims a compressed size that runs on into
    // filler.bin's data, so that its declared ratio is under 200:1.
    let le32 = |b: &[u8], at: usize| u32::from_le_bytes(b[at..at + 4].try_into().unwrap());
    assert_eq!(&z[..4], b"PK\x03\x04");
    let real = le32(&z, 18);
    assert!(real < 100_000, "{real}");
    let claimed = real + 400_000;
    assert!((64u32 << 20) / claimed < 200);
    z[18..22].copy_from_slice(&claimed.to_le_bytes());
    let cd = z.windows(4).position(|w| w == b"PK\x01\x02").unwrap();
    assert_eq!(le32(&z, cd + 20), real);
    z[cd + 20..cd + 24].copy_from_slice(&claimed.to_le_bytes());
    std::fs::write(ev.join("liar.zip"), &z).unwrap();

    let r = complete(
        scan(
            &ScanOptions::new(vec![ev.clone()], tmp.path().join("out")),
            &lifeguard_media::Matcher::new(),
            &mut NoProgress,
        )
        .unwrap(),
    );
    let errs = errors_of(&r);
    let member = format!("{}/liar.zip!zeros.bin", ev.display());
    let reason = errs
        .get(&member)
        .unwrap_or_else(|| panic!("no error for the bomb: {errs:#?}"));
    assert!(reason.contains("zip bomb"), "{reason}");
    assert!(reason.contains("200:1"), "{reason}");
    assert!(reason.contains("liar.zip!zeros.bin"), "{reason}");
    // No hashes for the bomb's expanded bytes; the other member is fine.
    assert!(!r.matches.iter().any(|m| m.path == member));
    let csv = std::fs::read_to_string(tmp.path().join("out/files.csv")).unwrap();
    assert!(!csv.lines().any(|l| l.starts_with(&format!("{member},"))));
    assert!(csv
        .lines()
        .any(|l| l.starts_with(&format!("{}/liar.zip!filler.bin,", ev.display()))));
}

#[test]
fn the_scan_wide_expansion_budget_stops_expanding_and_the_scan_carries_on() {
    let tmp = tempfile::tempdir().unwrap();
    let ev = tmp.path().join("evidence");
    std::fs::create_dir_all(&ev).unwrap();
    // Five archives, each far under the per-file limits (300 KiB stored,
    // 1:1), and plain files.
    for i in 0..5u64 {
        let member = noise(100 + i, 300 << 10);
        std::fs::write(
            ev.join(format!("a{i}.zip")),
            zip_with(&[("m.bin", &member, zip::CompressionMethod::Stored)]),
        )
        .unwrap();
    }
    for i in 0..3 {
        std::fs::write(ev.join(format!("n{i}.txt")), format!("note {i}\n")).unwrap();
    }
    let mut opts = ScanOptions::new(vec![ev.clone()], tmp.path().join("out"));
    opts.threads = 1;
    assert_eq!(
        opts.limits.max_scan_expanded_bytes,
        lifeguard_triage::DEFAULT_SCAN_EXPANDED_BYTES
    );
    opts.limits.max_scan_expanded_bytes = 1 << 20; // room for three members, not four
    let r = complete(scan(&opts, &lifeguard_media::Matcher::new(), &mut NoProgress).unwrap());
    // Every file on disk is hashed, archives included.
    assert_eq!(r.files_on_disk, 8);
    assert_eq!(r.archive_members, 3, "{:#?}", r.errors);
    let budget: Vec<_> = r
        .errors
        .iter()
        .filter(|e| {
            e.reason
                .contains("scan-wide expansion budget of 1048576 bytes")
        })
        .collect();
    // One where it ran out (the member being read), one on each archive
    // after it.
    assert_eq!(budget.len(), 2, "{:#?}", r.errors);
    assert_eq!(budget[0].path, format!("{}/a3.zip!m.bin", ev.display()));
    assert_eq!(budget[1].path, format!("{}/a4.zip", ev.display()));
    assert!(budget[1].reason.contains("not expanded"));
    let csv = std::fs::read_to_string(tmp.path().join("out/files.csv")).unwrap();
    for p in ["a3.zip", "a4.zip", "n0.txt", "n2.txt", "a2.zip!m.bin"] {
        let p = format!("{}/{p},", ev.display());
        assert!(
            csv.lines().any(|l| l.starts_with(&p)),
            "{p} not in files.csv"
        );
    }
    assert!(!csv.contains("a3.zip!m.bin"));

    // A resumed scan counts what the earlier run expanded.
    let mut opts = ScanOptions::new(vec![ev.clone()], tmp.path().join("out-2"));
    opts.threads = 1;
    opts.limits.max_scan_expanded_bytes = 1 << 20;
    // Usually stops after a0..a2 (the workers may run a little ahead of
    // the stop: either way the second run resumes what the first did).
    opts.stop_after = Some(3);
    scan(&opts, &lifeguard_media::Matcher::new(), &mut NoProgress).unwrap();
    opts.stop_after = None;
    let r = complete(scan(&opts, &lifeguard_media::Matcher::new(), &mut NoProgress).unwrap());
    assert!(r.resumed_files >= 3, "{}", r.resumed_files);
    assert_eq!(r.archive_members, 3, "{:#?}", r.errors);
}

#[test]
fn a_resumed_scan_counts_bytes_spent_on_members_that_failed() {
    let tmp = tempfile::tempdir().unwrap();
    let ev = tmp.path().join("evidence");
    std::fs::create_dir_all(&ev).unwrap();
    // a0's member is over the per-file limit: expanding it spends 256 KiB
    // (plus a read buffer) of the scan's budget and then fails.
    let big = noise(7, 600 << 10);
    std::fs::write(
        ev.join("a0.zip"),
        zip_with(&[("big.bin", &big, zip::CompressionMethod::Stored)]),
    )
    .unwrap();
    for i in 1..5u64 {
        let member = noise(200 + i, 200 << 10);
        std::fs::write(
            ev.join(format!("a{i}.zip")),
            zip_with(&[("m.bin", &member, zip::CompressionMethod::Stored)]),
        )
        .unwrap();
    }
    let opts = |out: &str| {
        let mut o = ScanOptions::new(vec![ev.clone()], tmp.path().join(out));
        o.threads = 1;
        o.limits.max_expanded_bytes = 256 << 10;
        o.limits.max_scan_expanded_bytes = 1 << 20; // a0's spend + three members, not four
        o
    };
    let m = lifeguard_media::Matcher::new();
    // In one run: a1..a3 fit, a4 does not.
    let one = complete(scan(&opts("one"), &m, &mut NoProgress).unwrap());
    assert_eq!(one.archive_members, 3, "{:#?}", one.errors);
    // Interrupted after a0 (or a little later), then resumed: the same.
    let mut first = opts("two");
    first.stop_after = Some(1);
    scan(&first, &m, &mut NoProgress).unwrap();
    let two = complete(scan(&opts("two"), &m, &mut NoProgress).unwrap());
    assert!(two.resumed_files >= 1);
    assert_eq!(two.archive_members, 3, "{:#?}", two.errors);
    assert!(
        two.errors
            .iter()
            .any(|e| e.path.contains("a4.zip") && e.reason.contains("scan-wide expansion budget")),
        "{:#?}",
        two.errors
    );
}

#[test]
fn resume_survives_a_line_torn_inside_utf8_and_rehashes_files_replaced_with_the_same_size_and_mtime(
) {
    let tmp = tempfile::tempdir().unwrap();
    let ev = tmp.path().join("evidence");
    std::fs::create_dir_all(&ev).unwrap();
    for i in 0..40u32 {
        std::fs::write(ev.join(format!("f{i:02}.txt")), format!("file {i:02}\n")).unwrap();
    }
    let m = lifeguard_media::Matcher::new();
    let out = tmp.path().join("case");
    let mut opts = ScanOptions::new(vec![ev.clone()], out.clone());
    opts.threads = 1;
    // Interrupted (the workers may run ahead of the stop; either way the
    // journal is there to be torn and resumed).
    opts.stop_after = Some(5);
    scan(&opts, &m, &mut NoProgress).unwrap();
    // Killed in mid-write, inside a two-byte UTF-8 sequence (é is C3 A9).
    let journal = out.join(lifeguard_triage::journal::JOURNAL_FILE);
    std::fs::OpenOptions::new()
        .append(true)
        .open(&journal)
        .unwrap()
        .write_all(b"{\"path\":\"caf\xc3")
        .unwrap();
    opts.stop_after = None;
    let r = complete(scan(&opts, &m, &mut NoProgress).expect("the torn line is dropped"));
    assert!(r.resumed_files >= 5);
    assert_eq!(r.files_on_disk, 40);

    // Same size, same modification time, other content: rewritten in
    // place (same inode, new ctime), and replaced by another file renamed
    // over it (new inode).
    let keep_mtime = |p: &Path, mtime: std::time::SystemTime| {
        std::fs::File::options()
            .write(true)
            .open(p)
            .unwrap()
            .set_modified(mtime)
            .unwrap();
    };
    std::thread::sleep(std::time::Duration::from_millis(50)); // a new ctime
    let inplace = ev.join("f03.txt");
    let renamed = ev.join("f30.txt");
    let mtimes = [mtime_of(&inplace), mtime_of(&renamed)];
    std::fs::write(&inplace, b"FILE 03\n").unwrap();
    keep_mtime(&inplace, mtimes[0]);
    let tmpfile = tmp.path().join("f30.new");
    std::fs::write(&tmpfile, b"FILE 30\n").unwrap();
    keep_mtime(&tmpfile, mtimes[1]);
    std::fs::rename(&tmpfile, &renamed).unwrap();
    for (p, mtime) in [&inplace, &renamed].into_iter().zip(mtimes) {
        let md = std::fs::metadata(p).unwrap();
        assert_eq!((md.len(), md.modified().unwrap()), (8, mtime));
    }

    let again = complete(scan(&opts, &m, &mut NoProgress).unwrap());
    assert_eq!((again.resumed_files, again.hashed_files), (38, 2));
    let csv = std::fs::read_to_string(out.join("files.csv")).unwrap();
    for (p, body) in [(&inplace, b"FILE 03\n"), (&renamed, b"FILE 30\n")] {
        let row = format!("{},8,", p.display());
        let line = csv.lines().find(|l| l.starts_with(&row)).unwrap();
        assert!(line.contains(&corpus::sha256_hex(body)), "{line}");
    }
}

fn mtime_of(p: &Path) -> std::time::SystemTime {
    std::fs::metadata(p).unwrap().modified().unwrap()
}

#[test]
fn a_bang_in_a_name_is_not_confusable_with_an_archive_boundary() {
    let tmp = tempfile::tempdir().unwrap();
    let ev = tmp.path().join("evidence");
    std::fs::create_dir_all(&ev).unwrap();
    // A file named `a!b.txt`, and a zip named `a` holding `b.txt`: before
    // escaping, both read `evidence/a!b.txt`.
    std::fs::write(ev.join("a!b.txt"), b"on disk\n").unwrap();
    std::fs::write(
        ev.join("a"),
        zip_with(&[("b.txt", b"in the zip\n", zip::CompressionMethod::Stored)]),
    )
    .unwrap();
    // A member with `!` in its name, a name with `%`, a name that is
    // not UTF-8.
    std::fs::write(
        ev.join("z.zip"),
        zip_with(&[("x!y.txt", b"member\n", zip::CompressionMethod::Stored)]),
    )
    .unwrap();
    std::fs::write(ev.join("100%21.txt"), b"percent\n").unwrap();
    use std::os::unix::ffi::OsStrExt;
    std::fs::write(
        ev.join(std::ffi::OsStr::from_bytes(b"caf\xe9.txt")),
        b"latin-1 name\n",
    )
    .unwrap();

    let out = tmp.path().join("out");
    let r = complete(
        scan(
            &ScanOptions::new(vec![ev.clone()], out.clone()),
            &lifeguard_media::Matcher::new(),
            &mut NoProgress,
        )
        .unwrap(),
    );
    let csv = std::fs::read_to_string(out.join("files.csv")).unwrap();
    let mut paths: Vec<String> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap().to_owned())
        .collect();
    paths.sort();
    let e = ev.display();
    let mut want = vec![
        format!("{e}/a"),
        format!("{e}/a!b.txt"),
        format!("{e}/a%21b.txt"),
        format!("{e}/z.zip"),
        format!("{e}/z.zip!x%21y.txt"),
        format!("{e}/100%2521.txt"),
        format!("{e}/caf%E9.txt"),
    ];
    want.sort();
    assert_eq!(paths, want);
    assert_eq!(r.files_scanned, 7);
    // The on-disk file and the member have their own hashes.
    let sha = |p: &str| {
        csv.lines()
            .find(|l| l.starts_with(&format!("{p},")))
            .unwrap()
            .split(',')
            .nth(6)
            .unwrap()
            .to_owned()
    };
    assert_eq!(
        sha(&format!("{e}/a%21b.txt")),
        corpus::sha256_hex(b"on disk\n")
    );
    assert_eq!(
        sha(&format!("{e}/a!b.txt")),
        corpus::sha256_hex(b"in the zip\n")
    );
}

fn atime_of(p: &Path) -> std::time::SystemTime {
    std::fs::symlink_metadata(p).unwrap().accessed().unwrap()
}

fn set_atime(p: &Path, t: std::time::SystemTime) {
    std::fs::File::open(p)
        .unwrap()
        .set_times(std::fs::FileTimes::new().set_accessed(t))
        .unwrap();
}

#[test]
fn directories_and_files_keep_their_access_times_and_the_report_says_so() {
    let tmp = tempfile::tempdir().unwrap();
    let old = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000_000);
    // Does this file system update access times on listing at all?
    let probe = tmp.path().join("probe");
    std::fs::create_dir_all(probe.join("x")).unwrap();
    set_atime(&probe, old);
    let _ = std::fs::read_dir(&probe).unwrap().count();
    if atime_of(&probe) == old {
        eprintln!("this file system does not update access times (noatime?); test skipped");
        return;
    }

    let ev = tmp.path().join("evidence");
    let mut all = vec![ev.clone()];
    for d in ["a", "a/b", "c"] {
        std::fs::create_dir_all(ev.join(d)).unwrap();
        all.push(ev.join(d));
        let f = ev.join(d).join("f.txt");
        std::fs::write(&f, format!("in {d}\n")).unwrap();
        all.push(f);
    }
    std::fs::write(
        ev.join("c/z.zip"),
        zip_with(&[("m.txt", b"member\n", zip::CompressionMethod::Stored)]),
    )
    .unwrap();
    all.push(ev.join("c/z.zip"));
    for p in &all {
        set_atime(p, old);
    }
    let r = complete(
        scan(
            &ScanOptions::new(vec![ev.clone()], tmp.path().join("out")),
            &lifeguard_media::Matcher::new(),
            &mut NoProgress,
        )
        .unwrap(),
    );
    assert_eq!(r.files_scanned, 5);
    let a = &r.access_times;
    // The test owns everything it made, so O_NOATIME is always allowed:
    // 4 directories, 4 files.
    assert_eq!(
        (
            a.opened_with_noatime,
            a.opened_without_noatime,
            a.links_read
        ),
        (8, 0, 0),
        "{a:?}"
    );
    assert!(a.preserved, "{a:?}");
    for p in &all {
        assert_eq!(atime_of(p), old, "access time of {} changed", p.display());
    }
    let json = std::fs::read_to_string(tmp.path().join("out/report.json")).unwrap();
    assert!(json.contains("\"preserved\": true"));
    let html = std::fs::read_to_string(tmp.path().join("out/report.html")).unwrap();
    assert!(html.contains("access times were left as they were"));
}

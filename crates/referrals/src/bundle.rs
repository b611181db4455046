//! The evidence bundle: a zip of every file of a referral with a `manifest.json`
//! listing each file's size and SHA-256, who exported it and when. [`verify`]
//! reopens a bundle and checks every hash.

use std::io::{Cursor, Read, Write};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{sha256_hex, Error};

/// The manifest's format name.
pub const FORMAT: &str = "lifeguard-evidence-bundle/1";
/// The manifest's name inside the zip.
pub const MANIFEST: &str = "manifest.json";

/// One file in the manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestFile {
    /// Path inside the zip.
    pub name: String,
    /// Size in bytes.
    pub bytes: u64,
    /// SHA-256, lower-case hex.
    pub sha256: String,
}

/// `manifest.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// [`FORMAT`].
    pub format: String,
    /// The case.
    pub case_id: String,
    /// The referral, if one was recorded.
    pub referral_id: Option<i64>,
    /// Who exported it (a console username or the operator's name).
    pub exported_by: String,
    /// When.
    pub exported_at: DateTime<Utc>,
    /// Every other file in the zip, in order.
    pub files: Vec<ManifestFile>,
}

/// Collects files, then writes the zip.
#[derive(Debug)]
pub struct Bundle {
    manifest: Manifest,
    contents: Vec<Vec<u8>>,
}

fn check_name(name: &str) -> Result<(), Error> {
    let ok = !name.is_empty()
        && !name.starts_with('/')
        && !name.contains('\\')
        && name != MANIFEST
        && name
            .split('/')
            .all(|p| !p.is_empty() && p != "." && p != "..");
    if ok {
        Ok(())
    } else {
        Err(Error::Invalid(format!("bad file name in bundle: {name:?}")))
    }
}

impl Bundle {
    /// An empty bundle for a case.
    pub fn new(
        case_id: &str,
        referral_id: Option<i64>,
        exported_by: &str,
        exported_at: DateTime<Utc>,
    ) -> Bundle {
        Bundle {
            manifest: Manifest {
                format: FORMAT.into(),
                case_id: case_id.into(),
                referral_id,
                exported_by: exported_by.into(),
                exported_at,
                files: Vec::new(),
            },
            contents: Vec::new(),
        }
    }

    /// Adds a file (relative path, no `..`; names are unique).
    pub fn add(&mut self, name: &str, bytes: Vec<u8>) -> Result<(), Error> {
        check_name(name)?;
        if self.manifest.files.iter().any(|f| f.name == name) {
            return Err(Error::Invalid(format!("{name} is already in the bundle")));
        }
        self.manifest.files.push(ManifestFile {
            name: name.into(),
            bytes: bytes.len() as u64,
            sha256: sha256_hex(&bytes),
        });
        self.contents.push(bytes);
        Ok(())
    }

    /// The manifest so far.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// The zip: the files, then `manifest.json`.
    pub fn finish(self) -> Result<Vec<u8>, Error> {
        let io = |e: std::io::Error| Error::Bundle(e.to_string());
        let zerr = |e: zip::result::ZipError| Error::Bundle(e.to_string());
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .last_modified_time(zip_time(self.manifest.exported_at));
        for (file, bytes) in self.manifest.files.iter().zip(&self.contents) {
            zip.start_file(file.name.as_str(), options).map_err(zerr)?;
            zip.write_all(bytes).map_err(io)?;
        }
        let manifest =
            serde_json::to_vec_pretty(&self.manifest).map_err(|e| Error::Bundle(e.to_string()))?;
        zip.start_file(MANIFEST, options).map_err(zerr)?;
        zip.write_all(&manifest).map_err(io)?;
        Ok(zip.finish().map_err(zerr)?.into_inner())
    }
}

fn zip_time(t: DateTime<Utc>) -> zip::DateTime {
    use chrono::{Datelike, Timelike};
    zip::DateTime::from_date_and_time(
        t.year().clamp(1980, 2107) as u16,
        t.month() as u8,
        t.day() as u8,
        t.hour() as u8,
        t.minute() as u8,
        t.second() as u8,
    )
    .unwrap_or_default()
}

/// Reopens a bundle: every file the manifest lists is present with its size and
/// SHA-256, and nothing else is in the zip. Returns the manifest.
pub fn verify(zip_bytes: &[u8]) -> Result<Manifest, Error> {
    let zerr = |e: zip::result::ZipError| Error::Bundle(e.to_string());
    let mut archive = zip::ZipArchive::new(Cursor::new(zip_bytes)).map_err(zerr)?;
    let read = |archive: &mut zip::ZipArchive<Cursor<&[u8]>>, name: &str| {
        let mut f = archive
            .by_name(name)
            .map_err(|_| Error::Bundle(format!("{name} is missing")))?;
        let mut out = Vec::new();
        f.read_to_end(&mut out)
            .map_err(|e| Error::Bundle(format!("{name}: {e}")))?;
        Ok::<_, Error>(out)
    };
    let manifest: Manifest = serde_json::from_slice(&read(&mut archive, MANIFEST)?)
        .map_err(|e| Error::Bundle(format!("{MANIFEST}: {e}")))?;
    if manifest.format != FORMAT {
        return Err(Error::Bundle(format!(
            "unknown format {:?}",
            manifest.format
        )));
    }
    for f in &manifest.files {
        let bytes = read(&mut archive, &f.name)?;
        if bytes.len() as u64 != f.bytes || sha256_hex(&bytes) != f.sha256 {
            return Err(Error::Bundle(format!(
                "{} does not match its manifest entry",
                f.name
            )));
        }
    }
    if archive.len() != manifest.files.len() + 1 {
        return Err(Error::Bundle(format!(
            "the zip holds {} files, the manifest lists {}",
            archive.len() - 1,
            manifest.files.len()
        )));
    }
    Ok(manifest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundles_verify_and_tampering_is_caught() {
        let at: DateTime<Utc> = "2026-11-22T10:00:00Z".parse().unwrap();
        let mut b = Bundle::new("case-x", Some(3), "casey", at);
        b.add("report.xml", b"<report/>".to_vec()).unwrap();
        b.add("files/m1.bin", vec![0u8; 1000]).unwrap();
        assert!(b.add("../escape", vec![]).is_err());
        assert!(b.add("report.xml", vec![]).is_err());
        assert!(b.add("manifest.json", vec![]).is_err());
        let zip = b.finish().unwrap();
        let m = verify(&zip).unwrap();
        assert_eq!(m.files.len(), 2);
        assert_eq!(m.exported_by, "casey");
        assert_eq!(m.files[0].sha256, sha256_hex(b"<report/>"));

        // A zip whose file was replaced after export (its manifest kept) fails.
        let mut b = Bundle::new("case-x", None, "casey", at);
        b.add("a.txt", b"hello".to_vec()).unwrap();
        let good = b.finish().unwrap();
        let mut archive = zip::ZipArchive::new(Cursor::new(&good[..])).unwrap();
        let mut manifest = String::new();
        archive
            .by_name(MANIFEST)
            .unwrap()
            .read_to_string(&mut manifest)
            .unwrap();
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default();
        w.start_file("a.txt", opts).unwrap();
        w.write_all(b"hellp").unwrap();
        w.start_file(MANIFEST, opts).unwrap();
        w.write_all(manifest.as_bytes()).unwrap();
        let tampered = w.finish().unwrap().into_inner();
        assert!(verify(&good).is_ok());
        let err = verify(&tampered).unwrap_err().to_string();
        assert!(err.contains("a.txt"), "{err}");
        assert!(verify(b"not a zip").is_err());
    }
}

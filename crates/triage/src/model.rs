//! The report model: what a scan records about each file, and the report.

use serde::{Deserialize, Serialize};

/// One file found in the evidence: a file on disk or a member of an archive.
///
/// This is one row of the evidence manifest (`files.csv`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    /// Where it is. A member of an archive reads `outer.zip!inner/dir/x.jpg`
    /// (one `!` per level of nesting). In names, on disk and in archives,
    /// `%` is written `%25`, `!` is written `%21` and a byte that is not
    /// valid UTF-8 is written `%XX`, so a `!` is always an archive boundary.
    pub path: String,
    /// Size in bytes (expanded size for archive members).
    pub size: u64,
    /// Last modification time (RFC 3339, UTC) for files on disk; the
    /// archive's own record for members, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mtime: Option<String>,
    /// Type detected from the content, never from the name: `jpeg`, `png`,
    /// `gif`, `webp`, `bmp`, `tiff`, `zip`, `tar`, `gzip`, `empty` or `data`.
    pub kind: String,
    /// MD5, lower-case hex.
    pub md5: String,
    /// SHA-1, lower-case hex.
    pub sha1: String,
    /// SHA-256, lower-case hex.
    pub sha256: String,
    /// PDQ hash (64 hex digits) of images that decoded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pdq: Option<String>,
    /// PDQ quality, 0..=100.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quality: Option<u8>,
    /// Pixel width of images that decoded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    /// Pixel height of images that decoded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
    /// A small JPEG thumbnail (base64) of a matched image; only with
    /// [`crate::ScanOptions::thumbnails`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thumbnail: Option<String>,
}

/// Something that could not be read, decoded or expanded. The scan went on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorEntry {
    /// The file (or archive member) concerned.
    pub path: String,
    /// What went wrong, for the examiner.
    pub reason: String,
}

/// Something in the evidence tree that was deliberately not read: symbolic
/// links (never followed) and special files (devices, pipes, sockets).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkippedEntry {
    /// The link or special file.
    pub path: String,
    /// Why it was not read, e.g. `symbolic link to a target outside the
    /// evidence (/etc/passwd); not followed`.
    pub reason: String,
}

/// How a file matched a bank.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchInfo {
    /// `exact` (MD5, SHA-1 or SHA-256 equal) or `pdq` (within the bank's
    /// PDQ threshold).
    pub kind: String,
    /// The bank's name.
    pub bank: String,
    /// The bank entry's label, else the bank's.
    pub label: String,
    /// PDQ Hamming distance (0 for exact matches).
    pub distance: u32,
    /// Which hash matched: `md5`, `sha1`, `sha256` or `pdq`.
    pub hash_type: String,
    /// The bank's hash that matched.
    pub hash: String,
}

/// One file that matched one bank (a file matching two banks gives two rows).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchRow {
    /// The file (or archive member).
    pub path: String,
    /// Its size in bytes.
    pub size: u64,
    /// Its SHA-256.
    pub sha256: String,
    /// Its MD5.
    pub md5: String,
    /// Its PDQ hash, when it is an image that decoded.
    pub pdq: Option<String>,
    /// How it matched.
    #[serde(rename = "match")]
    pub matched: MatchInfo,
}

/// A bank the scan matched against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BankSummary {
    /// Name.
    pub name: String,
    /// Label or category.
    pub label: String,
    /// PDQ threshold used.
    pub pdq_threshold: u32,
}

/// Matches per bank and label.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchCount {
    /// Bank.
    pub bank: String,
    /// Label.
    pub label: String,
    /// Exact matches.
    pub exact: u64,
    /// PDQ (near-duplicate) matches.
    pub pdq: u64,
}

/// What the scan did to the access times of the evidence (all runs of a
/// resumed scan together). Files and directories are opened with
/// `O_NOATIME`, which Linux allows only to their owner or root; where it
/// was refused they were opened without it, and reading them may have
/// updated their access times (whether it did depends on the mount:
/// `noatime`, `relatime`, read-only). Reading a symbolic link's target can
/// update the link's access time; `O_NOATIME` does not apply to that.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessTimes {
    /// True only when every file and directory was opened with
    /// `O_NOATIME` and no symbolic link was read: the scan left the access
    /// times as they were.
    pub preserved: bool,
    /// Opens of files and directories with `O_NOATIME`.
    pub opened_with_noatime: u64,
    /// Opens of files and directories without it (the kernel refused it).
    pub opened_without_noatime: u64,
    /// Symbolic links whose target was read (evidence paths that are links
    /// included).
    pub links_read: u64,
    /// Files resumed from a journal written by an older version, which did
    /// not record how they were opened.
    pub not_recorded: u64,
    /// The same in words.
    pub note: String,
}

impl AccessTimes {
    pub(crate) fn finish(&mut self) {
        self.preserved =
            self.opened_without_noatime == 0 && self.links_read == 0 && self.not_recorded == 0;
        self.note = if self.preserved {
            "every file and directory was opened with O_NOATIME and no link was read: \
             access times were left as they were"
                .to_owned()
        } else {
            let mut why = Vec::new();
            if self.opened_without_noatime > 0 {
                why.push(format!(
                    "{} opens of files and directories were made without O_NOATIME \
                     (Linux allows it only to the owner or root)",
                    self.opened_without_noatime
                ));
            }
            if self.links_read > 0 {
                why.push(format!(
                    "{} symbolic links were read (O_NOATIME does not apply to that)",
                    self.links_read
                ));
            }
            if self.not_recorded > 0 {
                why.push(format!(
                    "for {} files hashed by an older version it was not recorded",
                    self.not_recorded
                ));
            }
            format!(
                "access times not preserved everywhere: {}; those access times may have been \
                 updated, depending on the mount options",
                why.join("; ")
            )
        };
    }
}

/// `report.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// `lifeguard-triage` version that wrote it.
    pub tool_version: String,
    /// When the scan started (the first run, when it was resumed).
    pub started: String,
    /// When the report was written.
    pub finished: String,
    /// Always `read-only`: every evidence file was opened read-only, nothing
    /// was written under the evidence paths. (Access times: see
    /// [`Report::access_times`].)
    pub evidence_access: String,
    /// Whether access times were left as they were, and where not.
    #[serde(default)]
    pub access_times: AccessTimes,
    /// The evidence paths as given (escaped as [`FileEntry::path`] is).
    pub paths: Vec<String>,
    /// Banks matched against.
    pub banks: Vec<BankSummary>,
    /// Whether images were decoded and PDQ-hashed (false in hash-only mode).
    pub pdq: bool,
    /// Every file hashed: files on disk plus archive members (rows of
    /// `files.csv`).
    pub files_scanned: u64,
    /// Regular files found on disk.
    pub files_on_disk: u64,
    /// Members found inside archives (at any depth).
    pub archive_members: u64,
    /// Bytes of the files on disk.
    pub bytes: u64,
    /// Bytes expanded from archives.
    pub expanded_bytes: u64,
    /// Images decoded and PDQ-hashed.
    pub images: u64,
    /// Files on disk whose results came from the resume journal (hashed by
    /// an earlier, interrupted run of the same scan, unchanged since).
    pub resumed_files: u64,
    /// Files on disk hashed by this run.
    pub hashed_files: u64,
    /// Counts by bank and label.
    pub matches_by_bank: Vec<MatchCount>,
    /// Every match.
    pub matches: Vec<MatchRow>,
    /// Everything that could not be read, decoded or expanded.
    pub errors: Vec<ErrorEntry>,
    /// Links and special files not read.
    pub skipped: Vec<SkippedEntry>,
    /// SHA-256 of `files.csv`, the evidence manifest.
    pub manifest_sha256: String,
}

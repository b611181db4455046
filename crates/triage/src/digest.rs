//! Streaming MD5 + SHA-1 + SHA-256 over anything readable, and the content
//! sniffer.

use std::io::{self, Read};

use lifeguard_media::{detect_format, ImageFormat, MediaError};
use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha256};

/// The three digests, updated together.
#[derive(Clone, Default)]
pub(crate) struct Digests {
    md5: Md5,
    sha1: Sha1,
    sha256: Sha256,
    len: u64,
}

/// Finished digests (lower-case hex).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Hex {
    pub md5: String,
    pub sha1: String,
    pub sha256: String,
    pub len: u64,
}

impl Digests {
    pub fn update(&mut self, b: &[u8]) {
        self.md5.update(b);
        self.sha1.update(b);
        self.sha256.update(b);
        self.len += b.len() as u64;
    }

    pub fn finish(self) -> Hex {
        Hex {
            md5: hex::encode(self.md5.finalize()),
            sha1: hex::encode(self.sha1.finalize()),
            sha256: hex::encode(self.sha256.finalize()),
            len: self.len,
        }
    }
}

/// A reader that hashes everything read through it.
pub(crate) struct HashingReader<'a> {
    inner: &'a mut dyn Read,
    pub digests: Digests,
}

impl<'a> HashingReader<'a> {
    pub fn new(inner: &'a mut dyn Read) -> Self {
        HashingReader {
            inner,
            digests: Digests::default(),
        }
    }
}

impl Read for HashingReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = loop {
            match self.inner.read(buf) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                r => break r?,
            }
        };
        self.digests.update(&buf[..n]);
        Ok(n)
    }
}

/// What a file is, from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Empty,
    Image(ImageFormat),
    Zip,
    Tar,
    Gzip,
    Data,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Empty => "empty",
            Kind::Image(f) => f.name(),
            Kind::Zip => "zip",
            Kind::Tar => "tar",
            Kind::Gzip => "gzip",
            Kind::Data => "data",
        }
    }

    pub fn is_archive(self) -> bool {
        matches!(self, Kind::Zip | Kind::Tar | Kind::Gzip)
    }
}

/// Detects the type from the first bytes (at least 512 when the file has
/// them, for tar's `ustar` magic at offset 257).
pub(crate) fn sniff(head: &[u8]) -> Kind {
    if head.is_empty() {
        return Kind::Empty;
    }
    match detect_format(head) {
        Ok(f) => return Kind::Image(f),
        // A prefix of an image signature (e.g. two bytes FF D8): an image
        // that is cut short; decoding reports it.
        Err(MediaError::Truncated { format, .. }) => return Kind::Image(format),
        Err(_) => {}
    }
    if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
        return Kind::Zip;
    }
    if head.starts_with(&[0x1f, 0x8b]) {
        return Kind::Gzip;
    }
    if head.len() >= 262 && &head[257..262] == b"ustar" {
        return Kind::Tar;
    }
    Kind::Data
}

/// Reads until `buf` is full or the input ends; returns the bytes read.
pub(crate) fn read_full(r: &mut dyn Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_of_abc_streamed_in_pieces() {
        let mut d = Digests::default();
        d.update(b"a");
        d.update(b"bc");
        let h = d.finish();
        assert_eq!(h.md5, "900150983cd24fb0d6963f7d28e17f72");
        assert_eq!(h.sha1, "a9993e364706816aba3e25717850c26c9cd0d89d");
        assert_eq!(
            h.sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(h.len, 3);
    }

    #[test]
    fn sniffs_by_content() {
        assert_eq!(sniff(b""), Kind::Empty);
        assert_eq!(sniff(b"\xff\xd8\xff\xe0xx"), Kind::Image(ImageFormat::Jpeg));
        assert_eq!(sniff(b"\xff\xd8"), Kind::Image(ImageFormat::Jpeg));
        assert_eq!(sniff(b"PK\x03\x04rest"), Kind::Zip);
        assert_eq!(sniff(b"\x1f\x8b\x08\0"), Kind::Gzip);
        let mut tar = vec![0u8; 512];
        tar[257..262].copy_from_slice(b"ustar");
        assert_eq!(sniff(&tar), Kind::Tar);
        assert_eq!(sniff(b"hello, world"), Kind::Data);
    }
}

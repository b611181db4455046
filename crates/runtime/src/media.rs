//! Known-image matching at run time: banks loaded from the store into a
//! [`Matcher`], and media checked against them.

use base64::Engine as _;
use lifeguard_core::{Media, MediaHashes};
use lifeguard_media::{hash_bytes, BankSpec, HashOptions, HashType, ImageHashes, Matcher};
use lifeguard_safety::ImageMatch;
use lifeguard_store::BankStore;
use serde::Serialize;

/// Loads the named banks (every bank when `names` is empty) into a matcher.
pub fn load_matcher(store: &dyn BankStore, names: &[String]) -> Result<Matcher, String> {
    let infos = if names.is_empty() {
        store.banks().map_err(|e| e.to_string())?
    } else {
        let mut v = Vec::new();
        for n in names {
            v.push(
                store
                    .bank(n)
                    .map_err(|e| e.to_string())?
                    .ok_or_else(|| format!("no bank named {n:?}"))?,
            );
        }
        v
    };
    let mut m = Matcher::new();
    for info in infos {
        let b = info.bank;
        let handle = m.add_bank(BankSpec {
            name: b.name.clone(),
            label: b.label,
            pdq_threshold: b.pdq_threshold,
        });
        for h in store
            .bank_hashes(&b.name)
            .map_err(|e| e.to_string())?
            .unwrap_or_default()
        {
            let t = HashType::from_name(&h.hash_type).ok_or_else(|| {
                format!(
                    "bank {:?} holds an unknown hash type {:?}",
                    b.name, h.hash_type
                )
            })?;
            m.add_hash(handle, t, &h.hash, h.label)
                .map_err(|e| format!("bank {:?}: {e}", b.name))?;
        }
    }
    m.compact();
    Ok(m)
}

/// What a check found: the hashes computed from bytes (if bytes were given) and
/// the matches.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct MediaCheck {
    /// Hashes computed from the bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<serde_json::Value>")]
    pub computed: Option<ImageHashes>,
    /// Bank matches.
    pub matches: Vec<ImageMatch>,
    /// `block` when anything matched, else `allow`.
    pub action: lifeguard_safety::Action,
}

/// Hashes (from bytes, or as given) and matches one media item. Bytes that do not
/// decode as an image are still matched by their cryptographic hashes.
pub fn check(matcher: &Matcher, bytes: Option<&[u8]>, given: &MediaHashes) -> MediaCheck {
    let mut matches = Vec::new();
    let mut computed = None;
    let mut push = |found: Vec<lifeguard_media::Match>| {
        for m in found {
            let hit = ImageMatch {
                bank: m.bank,
                label: m.label,
                hash_type: m.hash_type.name().to_owned(),
                distance: m.distance,
            };
            if !matches.contains(&hit) {
                matches.push(hit);
            }
        }
    };
    if let Some(bytes) = bytes {
        match hash_bytes(bytes, &HashOptions::default()) {
            Ok(h) => {
                push(matcher.match_hashes(&h));
                computed = Some(h);
            }
            Err(_) => {
                let c = lifeguard_media::crypto_hashes(bytes);
                push(matcher.match_exact(HashType::Sha256, &c.sha256));
                push(matcher.match_exact(HashType::Sha1, &c.sha1));
                push(matcher.match_exact(HashType::Md5, &c.md5));
            }
        }
    }
    for (t, v) in [
        (HashType::Sha256, &given.sha256),
        (HashType::Sha1, &given.sha1),
        (HashType::Md5, &given.md5),
    ] {
        if let Some(v) = v {
            push(matcher.match_exact(t, v));
        }
    }
    if let Some(pdq) = given
        .pdq
        .as_deref()
        .and_then(|p| lifeguard_media::Pdq::from_hex(p).ok())
    {
        push(matcher.match_pdq(&pdq));
    }
    let action = if matches.is_empty() {
        lifeguard_safety::Action::Allow
    } else {
        lifeguard_safety::Action::Block
    };
    MediaCheck {
        computed,
        matches,
        action,
    }
}

/// Matches a media event: decodes its base64 bytes (if any) and checks them and
/// its hashes.
pub fn check_media_event(matcher: &Matcher, media: &Media) -> Vec<ImageMatch> {
    if matcher.is_empty() {
        return Vec::new();
    }
    let bytes = media
        .bytes_base64
        .as_deref()
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok());
    check(matcher, bytes.as_deref(), &media.hashes).matches
}

//! Hash banks in the embedded store: named sets of known-image hashes with a
//! label, a source and a PDQ threshold. The store keeps hashes as typed hex
//! strings and does not interpret them; `lifeguard-media` parses and matches.

use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};

use crate::{SqliteStore, StoreError};

pub(crate) const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS banks (
    name          TEXT PRIMARY KEY,
    label         TEXT NOT NULL,
    source        TEXT NOT NULL,
    pdq_threshold INTEGER NOT NULL,
    created_at    TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS bank_hashes (
    bank      TEXT NOT NULL REFERENCES banks(name) ON DELETE CASCADE,
    hash_type TEXT NOT NULL,
    hash      TEXT NOT NULL,
    label     TEXT,
    PRIMARY KEY (bank, hash_type, hash)
) WITHOUT ROWID;
"#;

/// A bank's settings, as created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewBank {
    /// Unique name.
    pub name: String,
    /// Label or category reported with matches (e.g. a hotline's category).
    pub label: String,
    /// Where the hashes came from (a file name, an exchange).
    pub source: String,
    /// Largest PDQ distance that counts as a match.
    pub pdq_threshold: u32,
}

/// A bank as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BankInfo {
    /// Name, label, source and threshold.
    pub bank: NewBank,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// How many hashes of each type it holds, by type name, sorted.
    pub counts: Vec<(String, u64)>,
}

/// One stored hash.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BankHash {
    /// `pdq`, `md5`, `sha1` or `sha256`.
    pub hash_type: String,
    /// Lower-case hex.
    pub hash: String,
    /// The hash's own label, if it has one.
    pub label: Option<String>,
}

/// Storage of hash banks.
pub trait BankStore: Send + Sync {
    /// Creates a bank; `false` (and no change) if one by that name exists.
    fn create_bank(&self, bank: &NewBank) -> Result<bool, StoreError>;
    /// Adds hashes to a bank in one commit, idempotently (a hash already in
    /// the bank is left as it is). Returns how many were new, or `None` if
    /// there is no such bank.
    fn add_bank_hashes(&self, bank: &str, hashes: &[BankHash]) -> Result<Option<u64>, StoreError>;
    /// Every bank, by name.
    fn banks(&self) -> Result<Vec<BankInfo>, StoreError>;
    /// One bank.
    fn bank(&self, name: &str) -> Result<Option<BankInfo>, StoreError>;
    /// A bank's hashes, by type then hash; `None` if there is no such bank.
    fn bank_hashes(&self, name: &str) -> Result<Option<Vec<BankHash>>, StoreError>;
    /// Deletes a bank and its hashes; `false` if there was none.
    fn remove_bank(&self, name: &str) -> Result<bool, StoreError>;
}

fn info_of(
    conn: &rusqlite::Connection,
    bank: NewBank,
    created: String,
) -> Result<BankInfo, StoreError> {
    let created_at = DateTime::parse_from_rfc3339(&created)
        .map_err(|e| StoreError::Corrupt {
            id: format!("bank {}", bank.name),
            reason: format!("bad created_at {created:?}: {e}"),
        })?
        .with_timezone(&Utc);
    let mut stmt = conn.prepare_cached(
        "SELECT hash_type, COUNT(*) FROM bank_hashes WHERE bank = ?1 GROUP BY hash_type ORDER BY hash_type",
    )?;
    let counts = stmt
        .query_map([&bank.name], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(BankInfo {
        bank,
        created_at,
        counts,
    })
}

type BankRowParts = (NewBank, String);

fn bank_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<BankRowParts> {
    Ok((
        NewBank {
            name: r.get(0)?,
            label: r.get(1)?,
            source: r.get(2)?,
            pdq_threshold: r.get(3)?,
        },
        r.get(4)?,
    ))
}

impl BankStore for SqliteStore {
    fn create_bank(&self, bank: &NewBank) -> Result<bool, StoreError> {
        let bank = bank.clone();
        self.write(move |conn| {
            let n = conn.execute(
                "INSERT INTO banks (name, label, source, pdq_threshold, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(name) DO NOTHING",
                params![
                    bank.name,
                    bank.label,
                    bank.source,
                    bank.pdq_threshold,
                    Utc::now().to_rfc3339()
                ],
            )?;
            Ok(n == 1)
        })
    }

    fn add_bank_hashes(&self, bank: &str, hashes: &[BankHash]) -> Result<Option<u64>, StoreError> {
        let (bank, hashes) = (bank.to_owned(), hashes.to_vec());
        self.write(move |tx| {
            let bank = bank.as_str();
            let exists = tx
                .query_row("SELECT 1 FROM banks WHERE name = ?1", [bank], |_| Ok(()))
                .optional()?
                .is_some();
            if !exists {
                return Ok(None);
            }
            let mut added = 0u64;
            {
                let mut insert = tx.prepare_cached(
                    "INSERT INTO bank_hashes (bank, hash_type, hash, label) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT(bank, hash_type, hash) DO NOTHING",
                )?;
                for h in &hashes {
                    added += insert.execute(params![bank, h.hash_type, h.hash, h.label])? as u64;
                }
            }
            Ok(Some(added))
        })
    }

    fn banks(&self) -> Result<Vec<BankInfo>, StoreError> {
        let conn = self.reader();
        let rows = {
            let mut stmt = conn.prepare_cached(
                "SELECT name, label, source, pdq_threshold, created_at FROM banks ORDER BY name",
            )?;
            let rows = stmt
                .query_map([], bank_row)?
                .collect::<Result<Vec<_>, _>>()?;
            rows
        };
        rows.into_iter()
            .map(|(b, created)| info_of(&conn, b, created))
            .collect()
    }

    fn bank(&self, name: &str) -> Result<Option<BankInfo>, StoreError> {
        let conn = self.reader();
        let row = conn
            .prepare_cached(
                "SELECT name, label, source, pdq_threshold, created_at FROM banks WHERE name = ?1",
            )?
            .query_row([name], bank_row)
            .optional()?;
        row.map(|(b, created)| info_of(&conn, b, created))
            .transpose()
    }

    fn bank_hashes(&self, name: &str) -> Result<Option<Vec<BankHash>>, StoreError> {
        let conn = self.reader();
        let exists = conn
            .query_row("SELECT 1 FROM banks WHERE name = ?1", [name], |_| Ok(()))
            .optional()?
            .is_some();
        if !exists {
            return Ok(None);
        }
        let mut stmt = conn.prepare_cached(
            "SELECT hash_type, hash, label FROM bank_hashes WHERE bank = ?1 ORDER BY hash_type, hash",
        )?;
        let rows = stmt
            .query_map([name], |r| {
                Ok(BankHash {
                    hash_type: r.get(0)?,
                    hash: r.get(1)?,
                    label: r.get(2)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Some(rows))
    }

    fn remove_bank(&self, name: &str) -> Result<bool, StoreError> {
        let name = name.to_owned();
        self.write(move |tx| {
            // Explicit, so removal does not depend on the foreign_keys pragma.
            tx.execute("DELETE FROM bank_hashes WHERE bank = ?1", [&name])?;
            let n = tx.execute("DELETE FROM banks WHERE name = ?1", [&name])?;
            Ok(n == 1)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(t: &str, hash: &str) -> BankHash {
        BankHash {
            hash_type: t.into(),
            hash: hash.into(),
            label: None,
        }
    }

    #[test]
    fn create_add_idempotently_list_export_remove_and_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        let bank = NewBank {
            name: "known".into(),
            label: "category-a".into(),
            source: "test.csv".into(),
            pdq_threshold: 31,
        };
        {
            let store = SqliteStore::open(&path).unwrap();
            assert!(store.create_bank(&bank).unwrap());
            assert!(!store
                .create_bank(&NewBank {
                    label: "other".into(),
                    ..bank.clone()
                })
                .unwrap());
            let hashes = [h("pdq", &"ab".repeat(32)), h("md5", &"01".repeat(16))];
            assert_eq!(store.add_bank_hashes("known", &hashes).unwrap(), Some(2));
            assert_eq!(store.add_bank_hashes("known", &hashes).unwrap(), Some(0));
            assert_eq!(store.add_bank_hashes("nope", &hashes).unwrap(), None);
        }
        let store = SqliteStore::open(&path).unwrap();
        let list = store.banks().unwrap();
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].bank, bank);
        assert_eq!(
            list[0].counts,
            vec![("md5".to_string(), 1), ("pdq".to_string(), 1)]
        );
        let exported = store.bank_hashes("known").unwrap().unwrap();
        assert_eq!(exported[0].hash_type, "md5");
        assert_eq!(store.bank_hashes("nope").unwrap(), None);
        assert!(store.remove_bank("known").unwrap());
        assert!(!store.remove_bank("known").unwrap());
        assert!(store.banks().unwrap().is_empty());
        assert!(store.bank("known").unwrap().is_none());
        // The hashes went with the bank: a new bank of that name starts empty.
        assert!(store.create_bank(&bank).unwrap());
        assert_eq!(store.bank_hashes("known").unwrap(), Some(vec![]));
    }
}

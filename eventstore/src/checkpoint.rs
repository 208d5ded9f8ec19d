//! Signed checkpoints of the ledger's head: their canonical signed bytes, their table
//! (`ledger_checkpoints`, beside the log but not in its chain) and the comparison of
//! published checkpoints with the log. The signing itself (the key, Ed25519) is the
//! caller's: this crate knows which bytes are signed, not who signs them.

use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::{EventStore, GENESIS_HASH, LedgerDigest, StoreError};

/// The first line of every checkpoint's signed bytes: names the format and its version.
pub const CHECKPOINT_FORMAT: &str = "ocop-checkpoint-v1";

/// A statement, signed with a key kept outside the database, that the ledger's event at
/// `global_position` had the hash `hash` at `signed_at`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Checkpoint {
    pub global_position: i64,
    /// The event's hash at that position (64 lowercase hex digits; the genesis hash at 0).
    pub hash: String,
    /// When it was signed: RFC 3339 UTC to the second, `YYYY-MM-DDTHH:MM:SSZ`, exactly the
    /// text that was signed.
    pub signed_at: String,
    /// Which key signed it: the first 16 hex digits of the SHA-256 of the raw 32-byte
    /// public key.
    pub key_id: String,
    /// The Ed25519 signature of [`Checkpoint::signed_bytes`], 128 lowercase hex digits.
    pub signature: String,
}

impl Checkpoint {
    /// The exact bytes a checkpoint's signature is over, UTF-8 (all ASCII), each line ended
    /// by one `\n`:
    ///
    /// ```text
    /// ocop-checkpoint-v1
    /// {global_position in decimal, no sign, no leading zeros}
    /// {hash}
    /// {signed_at}
    /// {key_id}
    /// ```
    pub fn signed_bytes(
        global_position: i64,
        hash: &str,
        signed_at: &str,
        key_id: &str,
    ) -> Vec<u8> {
        format!("{CHECKPOINT_FORMAT}\n{global_position}\n{hash}\n{signed_at}\n{key_id}\n")
            .into_bytes()
    }

    /// This checkpoint's signed bytes.
    pub fn message(&self) -> Vec<u8> {
        Self::signed_bytes(
            self.global_position,
            &self.hash,
            &self.signed_at,
            &self.key_id,
        )
    }

    /// The ledger digest it vouches for.
    pub fn digest(&self) -> LedgerDigest {
        LedgerDigest {
            global_position: self.global_position,
            hash: self.hash.clone(),
        }
    }
}

/// The checkpoints table of a store's database.
#[derive(Debug, Clone)]
pub enum CheckpointLog {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

const COLUMNS: &str = "global_position, hash, signed_at, key_id, signature";

/// Runs `$body` on the database holding the table, with `$pool` its pool and `$p(n)` the
/// `n`th placeholder in that database's style: one query, written once, bound per backend.
macro_rules! on_backend {
    ($log:expr, |$pool:ident, $p:ident| $body:expr) => {
        match $log {
            CheckpointLog::Sqlite($pool) => {
                let $p = |_: usize| "?".to_owned();
                $body
            }
            CheckpointLog::Postgres($pool) => {
                let $p = |n: usize| format!("${n}");
                $body
            }
        }
    };
}

impl CheckpointLog {
    /// Stores `checkpoint` unless one is already stored at its position (another process
    /// signed that head first); true when this one was stored.
    pub async fn record(&self, checkpoint: &Checkpoint) -> Result<bool, StoreError> {
        let c = checkpoint;
        let inserted = on_backend!(self, |pool, p| {
            let values = (1..=5).map(p).collect::<Vec<_>>().join(", ");
            sqlx::query(&format!(
                "INSERT INTO ledger_checkpoints ({COLUMNS}) VALUES ({values}) \
                 ON CONFLICT (global_position) DO NOTHING"
            ))
            .bind(c.global_position)
            .bind(&c.hash)
            .bind(&c.signed_at)
            .bind(&c.key_id)
            .bind(&c.signature)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(inserted == 1)
    }

    /// Up to `limit` checkpoints below position `before` (all when `None`), newest (highest
    /// position) first.
    pub async fn page(
        &self,
        before: Option<i64>,
        limit: usize,
    ) -> Result<Vec<Checkpoint>, StoreError> {
        let before = before.unwrap_or(i64::MAX);
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = on_backend!(self, |pool, p| {
            sqlx::query(&format!(
                "SELECT {COLUMNS} FROM ledger_checkpoints WHERE global_position < {} \
                 ORDER BY global_position DESC LIMIT {}",
                p(1),
                p(2)
            ))
            .bind(before)
            .bind(limit)
            .fetch_all(pool)
            .await?
            .iter()
            .map(from_row)
            .collect::<Result<_, _>>()?
        });
        Ok(rows)
    }

    /// The newest checkpoint, if any.
    pub async fn latest(&self) -> Result<Option<Checkpoint>, StoreError> {
        Ok(self.page(None, 1).await?.into_iter().next())
    }
}

fn from_row<'r, R>(row: &'r R) -> Result<Checkpoint, sqlx::Error>
where
    R: Row,
    usize: sqlx::ColumnIndex<R>,
    i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    Ok(Checkpoint {
        global_position: row.try_get(0)?,
        hash: row.try_get(1)?,
        signed_at: row.try_get(2)?,
        key_id: row.try_get(3)?,
        signature: row.try_get(4)?,
    })
}

/// How the log disagrees with one published checkpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Disagreement {
    /// The event at the checkpoint's position has another hash: the log up to there was
    /// rewritten (edited, reordered, replaced) since it was signed.
    Rewritten,
    /// The log ends before the checkpoint's position: it was cut short.
    Truncated,
    /// The chain itself does not recompute (an event whose hash or link is wrong).
    ChainBroken,
}

/// One place where the log and the published checkpoints disagree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckpointFailure {
    /// The first position the log cannot be trusted at because of it.
    pub global_position: i64,
    pub kind: Disagreement,
    /// The checkpoint's position (none for a broken chain).
    pub checkpoint_position: Option<i64>,
    /// The highest earlier checkpoint the log still agrees with: what changed lies after
    /// it (none when no earlier checkpoint agrees).
    pub agrees_through: Option<i64>,
    pub detail: String,
}

/// The log compared with published checkpoints (their signatures already checked).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckpointCheck {
    pub ok: bool,
    pub checkpoints_checked: u64,
    /// The chain recomputed from genesis, as [`EventStore::verify`] reports it.
    pub events_checked: u64,
    pub head: LedgerDigest,
    /// The lowest position of `failures`.
    pub first_broken_position: Option<i64>,
    /// Every disagreement, by position.
    pub failures: Vec<CheckpointFailure>,
}

/// Recomputes the chain from genesis through the head and checks, for each checkpoint, that
/// the event at its position exists and has its hash.
pub async fn check_log(
    store: &dyn EventStore,
    checkpoints: &[Checkpoint],
) -> Result<CheckpointCheck, StoreError> {
    let chain = store.verify(None).await?;
    let mut failures = Vec::new();
    if let Some(at) = chain.first_broken_position {
        failures.push(CheckpointFailure {
            global_position: at,
            kind: Disagreement::ChainBroken,
            checkpoint_position: None,
            agrees_through: None,
            detail: format!("the hash chain does not recompute at position {at}"),
        });
    }
    let mut sorted: Vec<&Checkpoint> = checkpoints.iter().collect();
    sorted.sort_by_key(|c| c.global_position);
    let mut agrees_through = None;
    for c in sorted {
        let since = |at: Option<i64>| match at {
            Some(p) => format!(
                "; it agrees with the checkpoint at position {p}, so the change lies after it"
            ),
            None => String::new(),
        };
        let stored = if c.global_position == 0 {
            Some(GENESIS_HASH.to_owned())
        } else {
            store
                .read_all_stored(c.global_position - 1, 1)
                .await?
                .into_iter()
                .next()
                .map(|e| e.hash)
        };
        match stored {
            Some(hash) if hash == c.hash => agrees_through = Some(c.global_position),
            Some(hash) => failures.push(CheckpointFailure {
                global_position: c.global_position,
                kind: Disagreement::Rewritten,
                checkpoint_position: Some(c.global_position),
                agrees_through,
                detail: format!(
                    "the event at position {} has hash {hash}, the checkpoint signed {}{}",
                    c.global_position,
                    c.hash,
                    since(agrees_through)
                ),
            }),
            None => {
                // The first missing position: right after the chain's end when it is whole.
                let end = if chain.ok {
                    chain.head.global_position + 1
                } else {
                    c.global_position
                };
                failures.push(CheckpointFailure {
                    global_position: end.min(c.global_position),
                    kind: Disagreement::Truncated,
                    checkpoint_position: Some(c.global_position),
                    agrees_through,
                    detail: format!(
                        "the ledger ends before the checkpoint's position {}{}",
                        c.global_position,
                        since(agrees_through)
                    ),
                });
            }
        }
    }
    failures.sort_by_key(|f| (f.global_position, f.checkpoint_position));
    Ok(CheckpointCheck {
        ok: failures.is_empty(),
        checkpoints_checked: checkpoints.len() as u64,
        events_checked: chain.events_checked,
        head: chain.head,
        first_broken_position: failures.first().map(|f| f.global_position),
        failures,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signed_bytes_are_five_lines_in_a_fixed_order() {
        let bytes = Checkpoint::signed_bytes(
            42,
            &"ab".repeat(32),
            "2026-12-05T07:00:00Z",
            "0123456789abcdef",
        );
        assert_eq!(
            String::from_utf8(bytes).unwrap(),
            format!(
                "ocop-checkpoint-v1\n42\n{}\n2026-12-05T07:00:00Z\n0123456789abcdef\n",
                "ab".repeat(32)
            )
        );
    }
}

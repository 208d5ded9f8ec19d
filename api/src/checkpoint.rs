//! The checkpoint key (Ed25519, kept in a file outside the database) and the signing and
//! checking of checkpoints (`ocop_eventstore::checkpoint` says which bytes are signed).

use std::path::Path;

use chrono::{DateTime, SecondsFormat, Utc};
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use ocop_eventstore::checkpoint::{Checkpoint, CheckpointLog, check_log};
use ocop_eventstore::{EventStore, StoreError};
use ocop_projections::ReadDb;
use sha2::{Digest, Sha256};

use crate::auth::private_file;

/// The file, in the data folder, that holds the checkpoint key unless `--checkpoint-key`
/// names another.
pub const KEY_FILE: &str = "checkpoint-key";

/// A server's checkpoint key and the table its checkpoints go to.
#[derive(Debug)]
pub struct Checkpoints {
    pub key: CheckpointKey,
    pub log: CheckpointLog,
}

/// The checkpoints table of the database the read models are in (the event store's).
pub fn log_of(db: &ReadDb) -> CheckpointLog {
    match db {
        ReadDb::Sqlite(pool) => CheckpointLog::Sqlite(pool.clone()),
        ReadDb::Postgres(pool) => CheckpointLog::Postgres(pool.clone()),
    }
}

/// The key a server signs checkpoints with.
pub struct CheckpointKey {
    signing: SigningKey,
}

impl std::fmt::Debug for CheckpointKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CheckpointKey")
            .field("key_id", &self.key_id())
            .finish_non_exhaustive()
    }
}

impl CheckpointKey {
    /// The key at `path` (32 bytes of seed, hex), created on first use like the token
    /// secret: random, written atomically, mode 0600; refused when empty, malformed or
    /// readable by others.
    pub fn load_or_create(path: &Path) -> Result<Self, String> {
        let fail =
            |reason: String| format!("cannot use the checkpoint key {}: {reason}", path.display());
        let text = match private_file::read(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut seed = [0_u8; 32];
                getrandom::fill(&mut seed).map_err(|e| fail(e.to_string()))?;
                let folder = path.parent().unwrap_or(Path::new("."));
                private_file::create(folder, path, hex::encode(seed).as_bytes())
                    .map_err(|e| fail(e.to_string()))?;
                private_file::read(path).map_err(|e| fail(e.to_string()))?
            }
            Err(e) => return Err(fail(e.to_string())),
        };
        let seed: [u8; 32] = hex::decode(text.trim())
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| fail("it must hold a 32-byte Ed25519 seed as 64 hex digits".into()))?;
        Ok(CheckpointKey {
            signing: SigningKey::from_bytes(&seed),
        })
    }

    /// A new random key kept in memory only (for tests and throw-away servers).
    pub fn generate() -> Result<Self, String> {
        let mut seed = [0_u8; 32];
        getrandom::fill(&mut seed).map_err(|e| e.to_string())?;
        Ok(CheckpointKey {
            signing: SigningKey::from_bytes(&seed),
        })
    }

    /// The public key's raw 32 bytes, hex.
    pub fn public_hex(&self) -> String {
        hex::encode(self.signing.verifying_key().as_bytes())
    }

    /// The key's id: the first 16 hex digits of the SHA-256 of the raw public key.
    pub fn key_id(&self) -> String {
        key_id(self.signing.verifying_key().as_bytes())
    }

    /// Signs the head `digest` at `now`.
    pub fn sign(&self, position: i64, hash: &str, now: DateTime<Utc>) -> Checkpoint {
        let signed_at = now.to_rfc3339_opts(SecondsFormat::Secs, true);
        let key_id = self.key_id();
        let message = Checkpoint::signed_bytes(position, hash, &signed_at, &key_id);
        Checkpoint {
            global_position: position,
            hash: hash.to_owned(),
            signed_at,
            key_id,
            signature: hex::encode(self.signing.sign(&message).to_bytes()),
        }
    }

    /// Signs the store's head now and records it (unless a checkpoint of that position is
    /// recorded already); returns the checkpoint of the head.
    pub async fn checkpoint_head(
        &self,
        store: &dyn EventStore,
        log: &CheckpointLog,
    ) -> Result<Checkpoint, StoreError> {
        let head = store.head().await?;
        let checkpoint = self.sign(head.global_position, &head.hash, Utc::now());
        log.record(&checkpoint).await?;
        Ok(checkpoint)
    }
}

/// The id of a raw 32-byte public key.
pub fn key_id(public: &[u8]) -> String {
    hex::encode(Sha256::digest(public))[..16].to_owned()
}

/// Parses a public key given as 64 hex digits (the raw 32-byte Ed25519 key).
pub fn parse_public_key(text: &str) -> Result<VerifyingKey, String> {
    let bytes: [u8; 32] = hex::decode(text.trim())
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| format!("public key {text:?}: must be 64 hex digits (32 bytes)"))?;
    VerifyingKey::from_bytes(&bytes)
        .map_err(|e| format!("public key {text:?}: not an Ed25519 key: {e}"))
}

/// Checks `checkpoint`'s signature with `key`, which must be the key it names.
pub fn verify_signature(checkpoint: &Checkpoint, key: &VerifyingKey) -> Result<(), String> {
    if checkpoint.key_id != key_id(key.as_bytes()) {
        return Err(format!(
            "signed by key {}, not by the key given ({})",
            checkpoint.key_id,
            key_id(key.as_bytes())
        ));
    }
    let signature: [u8; 64] = hex::decode(&checkpoint.signature)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or("the signature must be 128 hex digits")?;
    key.verify(&checkpoint.message(), &Signature::from_bytes(&signature))
        .map_err(|_| {
            "the signature does not verify: the checkpoint is not the one signed".to_owned()
        })
}

/// The checkpoints in a file an auditor kept: a JSON list of checkpoints, or one or more
/// pages of `GET /api/v1/ledger/checkpoints` (`{"items": […]}`), one after another.
pub fn read_kept(path: &Path) -> Result<Vec<Checkpoint>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut kept = Vec::new();
    for (n, value) in serde_json::Deserializer::from_str(&text)
        .into_iter::<serde_json::Value>()
        .enumerate()
    {
        let value = value.map_err(|e| format!("{}: not JSON: {e}", path.display()))?;
        let items = match value {
            serde_json::Value::Object(mut page) => page.remove("items").unwrap_or_default(),
            list => list,
        };
        let items: Vec<Checkpoint> = serde_json::from_value(items).map_err(|e| {
            format!(
                "{}: value {} is neither a list of checkpoints nor a page of them: {e}",
                path.display(),
                n + 1
            )
        })?;
        kept.extend(items);
    }
    if kept.is_empty() {
        return Err(format!("{} holds no checkpoints", path.display()));
    }
    kept.sort_by_key(|c| c.global_position);
    kept.dedup();
    Ok(kept)
}

/// Checks kept checkpoints against the log: first each signature, with the one of
/// `public_keys` its `key_id` names (a checkpoint that does not verify is reported and not
/// used), then the log against those that do ([`check_log`]). The report is `ok` only when
/// every checkpoint verifies and the log agrees with all of them.
pub async fn verify_kept(
    store: &dyn EventStore,
    kept: &[Checkpoint],
    public_keys: &[String],
) -> Result<serde_json::Value, Box<dyn std::error::Error + Send + Sync>> {
    let keys = public_keys
        .iter()
        .map(|k| parse_public_key(k))
        .collect::<Result<Vec<_>, _>>()?;
    let mut trusted = Vec::new();
    let mut unverified = Vec::new();
    for c in kept {
        let verdict = keys
            .iter()
            .find(|k| key_id(k.as_bytes()) == c.key_id)
            .ok_or_else(|| {
                format!(
                    "signed by key {}, which is not among the keys given",
                    c.key_id
                )
            })
            .and_then(|k| verify_signature(c, k));
        match verdict {
            Ok(()) => trusted.push(c.clone()),
            Err(detail) => unverified.push(serde_json::json!({
                "global_position": c.global_position,
                "key_id": c.key_id,
                "detail": detail,
            })),
        }
    }
    let check = check_log(store, &trusted).await?;
    Ok(serde_json::json!({
        "ok": check.ok && unverified.is_empty(),
        "events_checked": check.events_checked,
        "head": check.head,
        "checkpoints_checked": check.checkpoints_checked,
        "first_broken_position": check.first_broken_position,
        "failures": check.failures,
        "unverified_checkpoints": unverified,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_checkpoint_verifies_with_the_public_key_and_not_once_changed() {
        let dir = std::env::temp_dir().join(format!("ocop-ckpt-{}", uuid::Uuid::new_v4()));
        let key = CheckpointKey::load_or_create(&dir.join(KEY_FILE)).unwrap();
        let again = CheckpointKey::load_or_create(&dir.join(KEY_FILE)).unwrap();
        assert_eq!(key.public_hex(), again.public_hex());
        let c = key.sign(42, &"ab".repeat(32), Utc::now());
        let public = parse_public_key(&key.public_hex()).unwrap();
        verify_signature(&c, &public).unwrap();
        let mut forged = c.clone();
        forged.hash = "cd".repeat(32);
        assert!(verify_signature(&forged, &public).is_err());
        let mut moved = c.clone();
        moved.global_position = 41;
        assert!(verify_signature(&moved, &public).is_err());
        let other = CheckpointKey::load_or_create(&dir.join("other")).unwrap();
        let elsewhere = parse_public_key(&other.public_hex()).unwrap();
        assert!(
            verify_signature(&c, &elsewhere)
                .unwrap_err()
                .contains("not by the key given")
        );
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn a_key_file_that_is_empty_or_readable_by_others_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("ocop-ckpt-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(KEY_FILE);
        std::fs::write(&path, "").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert!(
            CheckpointKey::load_or_create(&path)
                .unwrap_err()
                .contains("empty")
        );
        std::fs::write(&path, "ab".repeat(32)).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(
            CheckpointKey::load_or_create(&path)
                .unwrap_err()
                .contains("mode is 644")
        );
        std::fs::remove_dir_all(dir).unwrap();
    }
}

//! Name-based ids the server derives: UUID version 8 from SHA-256 over a domain tag and
//! length-prefixed parts (the framing of the legacy import's ids, which are persisted).

use sha2::{Digest, Sha256};
use uuid::Uuid;

/// The UUID (version 8, the first 16 bytes of the digest) and the digest's lowercase hex
/// of `domain` and `parts`, each part prefixed by its length.
pub fn v8(domain: &[u8], parts: &[&[u8]]) -> (Uuid, String) {
    let mut h = Sha256::new();
    h.update(domain);
    for p in parts {
        h.update((p.len() as u64).to_be_bytes());
        h.update(p);
    }
    let digest = h.finalize();
    let mut bytes = [0_u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    (
        uuid::Builder::from_custom_bytes(bytes).into_uuid(),
        hex::encode(digest),
    )
}

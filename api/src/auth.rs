//! Bearer tokens: issued and verified with the server's own secret, or verified with an
//! external identity provider's public key in production.

use std::path::Path;
use std::time::Duration;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

/// The issuer written into and required from locally issued tokens.
pub const ISSUER: &str = "ocop";

/// The file, in the data folder, that holds the server's signing secret.
pub const SECRET_FILE: &str = "token-secret";

/// The fewest bytes of secret the server signs its own tokens with: an HMAC key shorter
/// than its hash (or empty, after a crash between creating the file and writing it) can be
/// guessed or is no key at all.
pub const MIN_SECRET_BYTES: usize = 32;

/// The longest lifetime of a token this server issues, unless configured otherwise.
pub const DEFAULT_MAX_LIFETIME: Duration = Duration::from_secs(12 * 3600);

/// What a token says about its bearer.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Claims {
    /// The user id.
    pub sub: String,
    /// One role of the contract's table.
    pub role: String,
    /// The scope: `national`, `province:68`, `province:68/commune:24730`, …
    pub scope: String,
    /// Issued at (seconds since the epoch).
    #[serde(default)]
    pub iat: u64,
    /// Expires at (seconds since the epoch).
    pub exp: u64,
    /// Not valid before (seconds since the epoch), when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<u64>,
    /// Issuer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    /// The token's own id, as recorded in the register of issued tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jti: Option<String>,
}

/// Why a token could not be issued or accepted.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// The token does not verify, has expired or is malformed.
    #[error("the bearer token is invalid: {0}")]
    InvalidToken(String),
    /// This server verifies an identity provider's tokens and cannot sign its own.
    #[error("tokens are issued by the configured identity provider, not by this server")]
    CannotIssue,
    /// A lifetime beyond the server's maximum was asked for.
    #[error("a token may live at most {max_secs} s; {asked_secs} s was asked for")]
    LifetimeTooLong {
        /// The maximum, in seconds.
        max_secs: u64,
        /// What was asked for, in seconds.
        asked_secs: u64,
    },
    /// The secret or key file could not be read or created, or is unfit to sign with.
    #[error("cannot use the key file {path}: {reason}")]
    KeyFile {
        /// The file.
        path: String,
        /// What went wrong and what to do.
        reason: String,
    },
}

/// The keys a server verifies tokens with (and, for the embedded default, signs them with).
#[derive(Clone)]
pub struct TokenKeys {
    encoding: Option<EncodingKey>,
    decoding: DecodingKey,
    validation: Validation,
    /// The longest `exp − iat` accepted from (and issued by) this server's own secret.
    max_lifetime: Option<Duration>,
}

impl std::fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenKeys")
            .field("can_issue", &self.encoding.is_some())
            .field("algorithms", &self.validation.algorithms)
            .field("max_lifetime", &self.max_lifetime)
            .finish()
    }
}

impl TokenKeys {
    /// The server's own HS256 secret from the data folder, created on first use: at least
    /// [`MIN_SECRET_BYTES`] random bytes, written atomically (a temporary file, fsync, then
    /// linked into place only if no other process got there first), mode 0600, in a data
    /// folder created 0700. An empty, short, malformed, unreadable or group/world-readable
    /// secret is refused with what to do about it.
    pub fn load_or_create(data_dir: &Path) -> Result<Self, AuthError> {
        let path = data_dir.join(SECRET_FILE);
        let key_error = |reason: String| AuthError::KeyFile {
            path: path.display().to_string(),
            reason,
        };
        let text = match private_file::read(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut secret = vec![0u8; MIN_SECRET_BYTES];
                getrandom::fill(&mut secret).map_err(|e| key_error(e.to_string()))?;
                private_file::create(data_dir, &path, hex::encode(&secret).as_bytes())
                    .map_err(|e| key_error(e.to_string()))?;
                // Another process may have won the race to create it: use what is on disk.
                private_file::read(&path).map_err(|e| key_error(e.to_string()))?
            }
            Err(e) => return Err(key_error(e.to_string())),
        };
        let secret = hex::decode(text.trim()).map_err(|e| {
            key_error(format!(
                "it must hold the secret as hex ({e}); delete it to have a new secret created \
                 (every token signed with the old one stops working) or restore it from a backup"
            ))
        })?;
        Self::from_secret(&secret).map_err(|e| match e {
            AuthError::KeyFile { reason, .. } => key_error(reason),
            other => other,
        })
    }

    /// Keys from a raw HS256 secret of at least [`MIN_SECRET_BYTES`] bytes.
    pub fn from_secret(secret: &[u8]) -> Result<Self, AuthError> {
        if secret.len() < MIN_SECRET_BYTES {
            return Err(AuthError::KeyFile {
                path: "(secret)".into(),
                reason: format!(
                    "the secret is {} bytes long; at least {MIN_SECRET_BYTES} random bytes are \
                     needed — delete the file to have a new secret created (every token signed \
                     with the old one stops working) or restore it from a backup",
                    secret.len()
                ),
            });
        }
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_required_spec_claims(&["exp", "sub", "iss"]);
        validation.validate_nbf = true;
        // This server's own clock signed the token: expired means expired, with none of
        // the library's 60 s allowance for an identity provider's clock.
        validation.leeway = 0;
        Ok(Self {
            encoding: Some(EncodingKey::from_secret(secret)),
            decoding: DecodingKey::from_secret(secret),
            validation,
            max_lifetime: Some(DEFAULT_MAX_LIFETIME),
        })
    }

    /// The same keys with another maximum lifetime for the tokens they issue and accept.
    pub fn with_max_lifetime(mut self, max: Duration) -> Self {
        self.max_lifetime = Some(max);
        self
    }

    /// An identity provider's public key (PEM: RSA, EC P-256 or Ed25519). Its tokens must
    /// carry `sub`, `exp`, `role` and `scope`, name `issuer` as `iss` and `audience` among
    /// `aud`; `nbf` is checked when present.
    pub fn external(pem_path: &Path, issuer: &str, audience: &str) -> Result<Self, AuthError> {
        let pem = std::fs::read(pem_path).map_err(|e| AuthError::KeyFile {
            path: pem_path.display().to_string(),
            reason: e.to_string(),
        })?;
        let (decoding, algorithm) = DecodingKey::from_rsa_pem(&pem)
            .map(|k| (k, Algorithm::RS256))
            .or_else(|_| DecodingKey::from_ec_pem(&pem).map(|k| (k, Algorithm::ES256)))
            .or_else(|_| DecodingKey::from_ed_pem(&pem).map(|k| (k, Algorithm::EdDSA)))
            .map_err(|e| AuthError::KeyFile {
                path: pem_path.display().to_string(),
                reason: format!("not an RSA, EC or Ed25519 public key: {e}"),
            })?;
        let mut validation = Validation::new(algorithm);
        validation.set_required_spec_claims(&["exp", "sub", "iss", "aud"]);
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[audience]);
        validation.validate_nbf = true;
        Ok(Self {
            encoding: None,
            decoding,
            validation,
            max_lifetime: None,
        })
    }

    /// Signs a token for a user, role and scope, valid for `ttl` from `now_secs` (at most
    /// the maximum lifetime); `jti` is the token's id in the register of issued tokens.
    pub fn issue(
        &self,
        user: &str,
        role: &str,
        scope: &str,
        now_secs: u64,
        ttl: Duration,
    ) -> Result<String, AuthError> {
        self.issue_with_id(user, role, scope, now_secs, ttl, None)
    }

    /// [`TokenKeys::issue`] with the token's id.
    pub fn issue_with_id(
        &self,
        user: &str,
        role: &str,
        scope: &str,
        now_secs: u64,
        ttl: Duration,
        jti: Option<String>,
    ) -> Result<String, AuthError> {
        let key = self.encoding.as_ref().ok_or(AuthError::CannotIssue)?;
        if let Some(max) = self.max_lifetime.filter(|max| ttl > *max) {
            return Err(AuthError::LifetimeTooLong {
                max_secs: max.as_secs(),
                asked_secs: ttl.as_secs(),
            });
        }
        let claims = Claims {
            sub: user.to_owned(),
            role: role.to_owned(),
            scope: scope.to_owned(),
            iat: now_secs,
            exp: now_secs + ttl.as_secs(),
            nbf: None,
            iss: Some(ISSUER.to_owned()),
            jti,
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, key)
            .map_err(|e| AuthError::InvalidToken(e.to_string()))
    }

    /// Verifies a token's signature, expiry, `nbf`, issuer (and audience) and, for the
    /// server's own tokens, that it was not issued for longer than the maximum lifetime.
    pub fn verify(&self, token: &str) -> Result<Claims, AuthError> {
        let claims = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|data| data.claims)
            .map_err(|e| AuthError::InvalidToken(describe(e.kind())))?;
        if let Some(max) = self.max_lifetime {
            if claims.exp.saturating_sub(claims.iat) > max.as_secs() {
                return Err(AuthError::InvalidToken(format!(
                    "it was issued for longer than the {} s a token of this server may live",
                    max.as_secs()
                )));
            }
        }
        Ok(claims)
    }
}

/// What was wrong with a token, in words a caller can act on.
fn describe(kind: &jsonwebtoken::errors::ErrorKind) -> String {
    use jsonwebtoken::errors::ErrorKind;
    match kind {
        ErrorKind::ExpiredSignature => "it has expired; get a new one".into(),
        ErrorKind::ImmatureSignature => "it is not valid yet (nbf is in the future)".into(),
        ErrorKind::InvalidSignature => "its signature does not verify".into(),
        ErrorKind::InvalidIssuer => "it names another issuer".into(),
        ErrorKind::InvalidAudience => "it is meant for another audience".into(),
        ErrorKind::InvalidAlgorithm => {
            "it is signed with an algorithm this server does not accept".into()
        }
        ErrorKind::MissingRequiredClaim(claim) => format!("it lacks the claim {claim:?}"),
        ErrorKind::InvalidToken
        | ErrorKind::Base64(_)
        | ErrorKind::Json(_)
        | ErrorKind::Utf8(_) => "it is not a well-formed JWT (header.payload.signature)".into(),
        other => format!("{other:?}"),
    }
}

/// Parses a lifetime such as `8h`, `30m`, `2d` or `3600s`.
pub fn parse_ttl(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: u64 = number
        .parse()
        .map_err(|_| format!("invalid lifetime {text:?}: expected a number and a unit, e.g. 8h"))?;
    let seconds = match unit {
        "s" | "" => 1,
        "m" => 60,
        "h" => 3_600,
        "d" => 86_400,
        _ => {
            return Err(format!(
                "invalid lifetime {text:?}: the unit must be s, m, h or d"
            ));
        }
    };
    if number == 0 {
        return Err("the lifetime must be positive".into());
    }
    Ok(Duration::from_secs(number * seconds))
}

/// Files only the server's own user may read: created atomically, checked at every read.
pub mod private_file {
    use std::io::Write;
    use std::path::Path;

    /// Reads a private file, refusing one that is empty or that the group or others may read.
    pub fn read(path: &Path) -> std::io::Result<String> {
        let text = std::fs::read_to_string(path)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(path)?.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::PermissionDenied,
                    format!(
                        "its mode is {mode:03o}: the group or others can read it, so the key \
                         must be taken as known — replace it with a new one, or if it can not \
                         have been read, `chmod 600` it"
                    ),
                ));
            }
        }
        if text.trim().is_empty() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "it is empty (a crash while it was being written?): delete it to have a new \
                 one created (whatever was signed with the old one stops verifying) or restore \
                 it from a backup",
            ));
        }
        Ok(text)
    }

    /// Writes `contents` to `path` unless it exists: into a temporary file of mode 0600
    /// beside it, flushed to disk, then linked into place (which fails, leaving the winner's
    /// file, when another process created it first). The folder is created 0700.
    pub fn create(folder: &Path, path: &Path, contents: &[u8]) -> std::io::Result<()> {
        create_private_folder(folder)?;
        let mut nonce = [0_u8; 8];
        getrandom::fill(&mut nonce).map_err(|e| std::io::Error::other(e.to_string()))?;
        let temporary = folder.join(format!(
            ".{}.{}.tmp",
            path.file_name().and_then(|n| n.to_str()).unwrap_or("key"),
            hex::encode(nonce)
        ));
        let written = (|| {
            let mut file = open_new_private(&temporary)?;
            file.write_all(contents)?;
            file.sync_all()?;
            match std::fs::hard_link(&temporary, path) {
                Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => Err(e),
                _ => Ok(()),
            }
        })();
        let _ = std::fs::remove_file(&temporary);
        written?;
        // The new name is durable once its folder is.
        if let Ok(dir) = std::fs::File::open(folder) {
            let _ = dir.sync_all();
        }
        Ok(())
    }

    /// Creates `folder` (and its parents) with mode 0700 when it does not exist.
    pub fn create_private_folder(folder: &Path) -> std::io::Result<()> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            match std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(folder)
            {
                Ok(()) => Ok(()),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
                Err(e) => Err(e),
            }
        }
        #[cfg(not(unix))]
        std::fs::create_dir_all(folder)
    }

    fn open_new_private(path: &Path) -> std::io::Result<std::fs::File> {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        options.open(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_issued_by_the_server_verifies_with_its_claims() {
        let keys = TokenKeys::from_secret(b"0123456789abcdef0123456789abcdef").unwrap();
        let now = 1_900_000_000;
        let token = keys
            .issue(
                "u1",
                "provincial_secretary",
                "province:68",
                now,
                Duration::from_secs(60),
            )
            .unwrap();
        let claims = keys.verify(&token).unwrap();
        assert_eq!(claims.sub, "u1");
        assert_eq!(claims.role, "provincial_secretary");
        assert_eq!(claims.scope, "province:68");
    }

    #[test]
    fn a_token_signed_with_another_secret_is_refused() {
        let ours = TokenKeys::from_secret(b"0123456789abcdef0123456789abcdef").unwrap();
        let theirs = TokenKeys::from_secret(b"fedcba9876543210fedcba9876543210").unwrap();
        let token = theirs
            .issue(
                "u1",
                "admin",
                "national",
                1_900_000_000,
                Duration::from_secs(60),
            )
            .unwrap();
        assert!(matches!(
            ours.verify(&token),
            Err(AuthError::InvalidToken(_))
        ));
    }

    #[test]
    fn an_expired_token_is_refused() {
        let keys = TokenKeys::from_secret(b"0123456789abcdef0123456789abcdef").unwrap();
        let token = keys
            .issue("u1", "admin", "national", 1_000, Duration::from_secs(60))
            .unwrap();
        assert!(keys.verify(&token).is_err());
    }

    #[test]
    fn a_token_is_refused_from_the_second_it_expires() {
        let keys = TokenKeys::from_secret(b"0123456789abcdef0123456789abcdef").unwrap();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let expired = keys
            .issue("u1", "admin", "national", now - 62, Duration::from_secs(60))
            .unwrap();
        assert!(keys.verify(&expired).is_err(), "no allowance after exp");
        let valid = keys
            .issue("u1", "admin", "national", now, Duration::from_secs(60))
            .unwrap();
        assert!(keys.verify(&valid).is_ok());
    }

    #[test]
    fn the_secret_is_created_once_and_reused() {
        let dir = std::env::temp_dir().join(format!("ocop-auth-{}", uuid::Uuid::new_v4()));
        let first = TokenKeys::load_or_create(&dir).unwrap();
        let second = TokenKeys::load_or_create(&dir).unwrap();
        let token = first
            .issue(
                "u1",
                "admin",
                "national",
                1_900_000_000,
                Duration::from_secs(60),
            )
            .unwrap();
        assert!(second.verify(&token).is_ok());
        std::fs::remove_dir_all(dir).unwrap();
    }

    fn scratch_folder() -> std::path::PathBuf {
        std::env::temp_dir().join(format!("ocop-auth-{}", uuid::Uuid::new_v4()))
    }

    #[test]
    fn a_secret_shorter_than_32_bytes_is_refused() {
        assert!(TokenKeys::from_secret(b"").is_err());
        assert!(TokenKeys::from_secret(&[0_u8; 31]).is_err());
        assert!(TokenKeys::from_secret(&[7_u8; 32]).is_ok());
    }

    #[cfg(unix)]
    #[test]
    fn an_empty_short_or_readable_secret_file_stops_the_server() {
        use std::os::unix::fs::PermissionsExt;
        let dir = scratch_folder();
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(SECRET_FILE);
        let private = |path: &Path| {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap()
        };
        for (contents, complaint) in [
            ("", "empty"),
            ("\n", "empty"),
            ("00", "1 bytes long"),
            ("not hex", "as hex"),
        ] {
            std::fs::write(&path, contents).unwrap();
            private(&path);
            let error = TokenKeys::load_or_create(&dir).unwrap_err().to_string();
            assert!(error.contains(complaint), "{contents:?}: {error}");
            assert!(error.contains("token-secret"), "{error}");
        }
        std::fs::write(&path, hex::encode([9_u8; 32])).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let error = TokenKeys::load_or_create(&dir).unwrap_err().to_string();
        assert!(error.contains("mode is 644"), "{error}");
        private(&path);
        assert!(TokenKeys::load_or_create(&dir).is_ok());
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn a_new_secret_is_32_random_bytes_in_a_private_file_and_folder() {
        use std::os::unix::fs::PermissionsExt;
        let dir = scratch_folder().join("data");
        TokenKeys::load_or_create(&dir).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&dir.join(SECRET_FILE)), 0o600);
        let text = std::fs::read_to_string(dir.join(SECRET_FILE)).unwrap();
        assert_eq!(hex::decode(text.trim()).unwrap().len(), MIN_SECRET_BYTES);
        let leftovers: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temporary file is left behind");
        std::fs::remove_dir_all(dir.parent().unwrap()).unwrap();
    }

    #[test]
    fn processes_starting_at_once_agree_on_one_secret() {
        let dir = scratch_folder();
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let dir = dir.clone();
                std::thread::spawn(move || TokenKeys::load_or_create(&dir).unwrap())
            })
            .collect();
        let keys: Vec<TokenKeys> = threads.into_iter().map(|t| t.join().unwrap()).collect();
        let token = keys[0]
            .issue("u1", "admin", "national", now(), Duration::from_secs(60))
            .unwrap();
        for k in &keys {
            assert!(k.verify(&token).is_ok());
        }
        std::fs::remove_dir_all(dir).unwrap();
    }

    fn now() -> u64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs()
    }

    #[test]
    fn a_token_beyond_the_maximum_lifetime_is_neither_issued_nor_accepted() {
        let keys = TokenKeys::from_secret(&[1_u8; 32]).unwrap();
        assert!(matches!(
            keys.issue(
                "u1",
                "admin",
                "national",
                now(),
                Duration::from_secs(13 * 3600)
            ),
            Err(AuthError::LifetimeTooLong { .. })
        ));
        let lenient = TokenKeys::from_secret(&[1_u8; 32])
            .unwrap()
            .with_max_lifetime(Duration::from_secs(30 * 86_400));
        let long = lenient
            .issue(
                "u1",
                "admin",
                "national",
                now(),
                Duration::from_secs(86_400),
            )
            .unwrap();
        assert!(lenient.verify(&long).is_ok());
        let error = keys.verify(&long).unwrap_err().to_string();
        assert!(error.contains("longer than"), "{error}");
    }

    #[test]
    fn a_token_not_valid_yet_is_refused() {
        let keys = TokenKeys::from_secret(&[1_u8; 32]).unwrap();
        let claims = Claims {
            sub: "u1".into(),
            role: "admin".into(),
            scope: "national".into(),
            iat: now(),
            exp: now() + 600,
            nbf: Some(now() + 300),
            iss: Some(ISSUER.into()),
            jti: None,
        };
        let token = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(&[1_u8; 32]),
        )
        .unwrap();
        let error = keys.verify(&token).unwrap_err().to_string();
        assert!(error.contains("not valid yet"), "{error}");
    }

    /// A throw-away Ed25519 key pair standing for an identity provider's.
    const IDP_PRIVATE: &str = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEINl5mbhzTAtrKdqwxq47kxEAme9ty+/uGZ1+aHFkZkFQ\n-----END PRIVATE KEY-----\n";
    const IDP_PUBLIC: &str = "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAjbx9WuwyhL1I/szyxqds3KSv5Z76q1H27byUkirwCmc=\n-----END PUBLIC KEY-----\n";

    fn idp_token(claims: serde_json::Value) -> String {
        jsonwebtoken::encode(
            &Header::new(Algorithm::EdDSA),
            &claims,
            &EncodingKey::from_ed_pem(IDP_PRIVATE.as_bytes()).unwrap(),
        )
        .unwrap()
    }

    #[test]
    fn an_identity_providers_token_must_name_our_issuer_and_audience_and_be_valid_now() {
        let dir = scratch_folder();
        std::fs::create_dir_all(&dir).unwrap();
        let pem = dir.join("idp.pub");
        std::fs::write(&pem, IDP_PUBLIC).unwrap();
        let keys = TokenKeys::external(&pem, "https://sso.gov.vn", "ocop").unwrap();
        let claims = |aud: Option<&str>, iss: &str, nbf: u64| {
            let mut c = serde_json::json!({
                "sub": "u1", "role": "inspector", "scope": "province:68",
                "iat": now(), "exp": now() + 600, "nbf": nbf, "iss": iss,
            });
            if let Some(aud) = aud {
                c["aud"] = aud.into();
            }
            c
        };
        let good = idp_token(claims(Some("ocop"), "https://sso.gov.vn", now()));
        assert_eq!(keys.verify(&good).unwrap().scope, "province:68");
        for (token, complaint) in [
            (
                idp_token(claims(Some("other-app"), "https://sso.gov.vn", now())),
                "audience",
            ),
            (idp_token(claims(None, "https://sso.gov.vn", now())), "aud"),
            (
                idp_token(claims(Some("ocop"), "https://evil.example", now())),
                "issuer",
            ),
            (
                idp_token(claims(Some("ocop"), "https://sso.gov.vn", now() + 3600)),
                "not valid yet",
            ),
        ] {
            let error = keys.verify(&token).unwrap_err().to_string();
            assert!(error.contains(complaint), "{complaint}: {error}");
        }
        assert!(matches!(
            keys.issue("u1", "admin", "national", now(), Duration::from_secs(60)),
            Err(AuthError::CannotIssue)
        ));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn lifetimes_parse_with_their_units() {
        assert_eq!(parse_ttl("8h").unwrap(), Duration::from_secs(8 * 3600));
        assert_eq!(parse_ttl("30m").unwrap(), Duration::from_secs(1800));
        assert_eq!(parse_ttl("2d").unwrap(), Duration::from_secs(172_800));
        assert!(parse_ttl("8x").is_err());
        assert!(parse_ttl("h").is_err());
        assert!(parse_ttl("0h").is_err());
    }
}

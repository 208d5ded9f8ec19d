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
    pub iat: u64,
    /// Expires at (seconds since the epoch).
    pub exp: u64,
    /// Issuer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
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
    /// The secret or key file could not be read or created.
    #[error("cannot use the key file {path}: {reason}")]
    KeyFile {
        /// The file.
        path: String,
        /// What went wrong.
        reason: String,
    },
}

/// The keys a server verifies tokens with (and, for the embedded default, signs them with).
#[derive(Clone)]
pub struct TokenKeys {
    encoding: Option<EncodingKey>,
    decoding: DecodingKey,
    validation: Validation,
}

impl std::fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenKeys")
            .field("can_issue", &self.encoding.is_some())
            .field("algorithms", &self.validation.algorithms)
            .finish()
    }
}

impl TokenKeys {
    /// The server's own HS256 secret from the data folder, created on first use (mode 0600).
    pub fn load_or_create(data_dir: &Path) -> Result<Self, AuthError> {
        let path = data_dir.join(SECRET_FILE);
        let key_error = |reason: String| AuthError::KeyFile {
            path: path.display().to_string(),
            reason,
        };
        let secret = match std::fs::read_to_string(&path) {
            Ok(text) => hex::decode(text.trim()).map_err(|e| key_error(e.to_string()))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                std::fs::create_dir_all(data_dir).map_err(|e| key_error(e.to_string()))?;
                let mut secret = vec![0u8; 32];
                getrandom::fill(&mut secret).map_err(|e| key_error(e.to_string()))?;
                write_private(&path, &hex::encode(&secret))
                    .map_err(|e| key_error(e.to_string()))?;
                // Another process may have won the race to create it: use what is on disk.
                let text = std::fs::read_to_string(&path).map_err(|e| key_error(e.to_string()))?;
                hex::decode(text.trim()).map_err(|e| key_error(e.to_string()))?
            }
            Err(e) => return Err(key_error(e.to_string())),
        };
        Ok(Self::from_secret(&secret))
    }

    /// Keys from a raw HS256 secret.
    pub fn from_secret(secret: &[u8]) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_required_spec_claims(&["exp", "sub", "iss"]);
        // This server's own clock signed the token: expired means expired, with none of
        // the library's 60 s allowance for an identity provider's clock.
        validation.leeway = 0;
        Self {
            encoding: Some(EncodingKey::from_secret(secret)),
            decoding: DecodingKey::from_secret(secret),
            validation,
        }
    }

    /// An identity provider's public key (PEM: RSA, EC P-256 or Ed25519). Its tokens must
    /// carry `sub`, `exp`, `role` and `scope`; `issuer` is checked when given.
    pub fn external(pem_path: &Path, issuer: Option<&str>) -> Result<Self, AuthError> {
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
        validation.set_required_spec_claims(&["exp", "sub"]);
        if let Some(issuer) = issuer {
            validation.set_issuer(&[issuer]);
        }
        Ok(Self {
            encoding: None,
            decoding,
            validation,
        })
    }

    /// Signs a token for a user, role and scope, valid for `ttl` from `now_secs`.
    pub fn issue(
        &self,
        user: &str,
        role: &str,
        scope: &str,
        now_secs: u64,
        ttl: Duration,
    ) -> Result<String, AuthError> {
        let key = self.encoding.as_ref().ok_or(AuthError::CannotIssue)?;
        let claims = Claims {
            sub: user.to_owned(),
            role: role.to_owned(),
            scope: scope.to_owned(),
            iat: now_secs,
            exp: now_secs + ttl.as_secs(),
            iss: Some(ISSUER.to_owned()),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, key)
            .map_err(|e| AuthError::InvalidToken(e.to_string()))
    }

    /// Verifies a token's signature, expiry and issuer and returns its claims.
    pub fn verify(&self, token: &str) -> Result<Claims, AuthError> {
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|data| data.claims)
            .map_err(|e| AuthError::InvalidToken(e.to_string()))
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

#[cfg(unix)]
fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(mut file) => {
            file.write_all(contents.as_bytes())?;
            file.sync_all()
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

#[cfg(not(unix))]
fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
    {
        Ok(mut file) => {
            use std::io::Write;
            file.write_all(contents.as_bytes())
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_issued_by_the_server_verifies_with_its_claims() {
        let keys = TokenKeys::from_secret(b"0123456789abcdef0123456789abcdef");
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
        let ours = TokenKeys::from_secret(b"0123456789abcdef0123456789abcdef");
        let theirs = TokenKeys::from_secret(b"fedcba9876543210fedcba9876543210");
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
        let keys = TokenKeys::from_secret(b"0123456789abcdef0123456789abcdef");
        let token = keys
            .issue("u1", "admin", "national", 1_000, Duration::from_secs(60))
            .unwrap();
        assert!(keys.verify(&token).is_err());
    }

    #[test]
    fn a_token_is_refused_from_the_second_it_expires() {
        let keys = TokenKeys::from_secret(b"0123456789abcdef0123456789abcdef");
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

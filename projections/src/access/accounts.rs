//! Staff accounts of the web interface and their browser sessions (`ocop user …`, the
//! sign-in form). Accounts live in the store beside the log, not in it: a password is not a
//! fact of the programme. Passwords are kept as Argon2id hashes (PHC strings) and never
//! logged; every account change — created with a role, role granted or removed, disabled,
//! password set — is a row of the append-only `account_events`, which an auditor lists.
//!
//! A session is a random secret in a cookie; the store keeps its SHA-256 only, with the
//! session's CSRF token and when it was last used. Sessions are rows, so every `serve`
//! process sharing one database knows every session: one signed in through one process is
//! signed in on all, and one ended (sign-out, account disabled, idle) is ended on all.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use chrono::{DateTime, Duration, Utc};
use ocop_domain::{Actor, Role, Scope};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::db::{ReadDb, Val};
use crate::error::ProjectionError;

/// Failed sign-ins in a row after which an account is locked for [`LOCK_FOR`].
pub const MAX_FAILURES: i64 = 5;
/// How long a locked account refuses every sign-in, even with the right password.
pub const LOCK_FOR: Duration = Duration::minutes(5);
/// A session not used for this long ends.
pub const IDLE_FOR: Duration = Duration::minutes(30);
/// A session ends this long after sign-in, however busy.
pub const LIVES_FOR: Duration = Duration::hours(12);
/// How often a live session's `last_seen` is written at most.
const TOUCH_EVERY: Duration = Duration::minutes(1);
/// The shortest password accepted.
pub const MIN_PASSWORD: usize = 10;

/// What can go wrong with an account, in words an operator can act on.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("{0}")]
    Invalid(String),
    #[error("no account {0:?}")]
    NoSuchAccount(String),
    #[error(transparent)]
    Store(#[from] ProjectionError),
}

impl From<sqlx::Error> for AccountError {
    fn from(e: sqlx::Error) -> Self {
        AccountError::Store(e.into())
    }
}

/// An account as listed (never its password hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Account {
    pub username: String,
    /// The person's name, shown on every staff page.
    pub display_name: String,
    pub role: String,
    pub scope: String,
    pub disabled: bool,
    pub created_at: String,
}

impl Account {
    /// The actor this account acts as; `None` when its role or scope is not one the
    /// contract knows (an account cannot be created so, but the table is not the domain).
    pub fn actor(&self) -> Option<Actor> {
        let role = Role::parse(&self.role).filter(|r| *r != Role::System)?;
        let scope = Scope::parse(&self.scope).ok()?;
        Some(Actor::new(self.username.clone(), role, scope))
    }
}

/// One row of the account audit trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccountEvent {
    pub seq: i64,
    pub at: String,
    pub username: String,
    /// `created`, `role_granted`, `role_removed`, `disabled` or `password_set`.
    pub kind: String,
    pub role: Option<String>,
    pub scope: Option<String>,
    /// Who made the change: the operator account for `ocop user`, the user themself for a
    /// password they set.
    pub by_user: String,
}

/// A signed-in browser session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub account: Account,
    /// The token every form of this session must carry.
    pub csrf: String,
}

/// The answer to a sign-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignIn {
    /// Signed in: the cookie's secret (hex) and the session.
    Accepted { secret: String, session: Session },
    /// Wrong username or password, or a disabled account (the same answer for all three,
    /// so that the form does not tell which accounts exist).
    Refused,
    /// Too many failures in a row: no attempt is checked until `until`.
    Locked { until: DateTime<Utc> },
}

const ACCOUNT_COLUMNS: &str = "username, display_name, role, scope, disabled, created_at";

fn account_of(r: &[Val]) -> Account {
    Account {
        username: r[0].text().unwrap_or_default(),
        display_name: r[1].text().unwrap_or_default(),
        role: r[2].text().unwrap_or_default(),
        scope: r[3].text().unwrap_or_default(),
        disabled: r[4].i64().unwrap_or(0) != 0,
        created_at: r[5].text().unwrap_or_default(),
    }
}

/// RFC 3339 UTC with six fractional digits: text order is time order on both stores.
fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

fn parse_stamp(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// Checks a new account's username: 3–64 characters of `a–z 0–9 . _ -`.
fn check_username(username: &str) -> Result<(), AccountError> {
    let ok = (3..=64).contains(&username.len())
        && username
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(())
    } else {
        Err(AccountError::Invalid(format!(
            "username {username:?}: 3 to 64 characters of a-z, 0-9, '.', '_' and '-'"
        )))
    }
}

fn check_password(password: &str) -> Result<(), AccountError> {
    let n = password.chars().count();
    if n < MIN_PASSWORD {
        return Err(AccountError::Invalid(format!(
            "the password must have at least {MIN_PASSWORD} characters (got {n})"
        )));
    }
    if n > 256 {
        return Err(AccountError::Invalid(format!(
            "the password must have at most 256 characters (got {n})"
        )));
    }
    Ok(())
}

/// The Argon2id hash (PHC string, default parameters of the `argon2` crate: 19 MiB, 2
/// passes) of `password` with a fresh random salt.
pub fn hash_password(password: &str) -> Result<String, AccountError> {
    let mut salt = [0_u8; 16];
    getrandom::fill(&mut salt).map_err(|e| AccountError::Invalid(e.to_string()))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| AccountError::Invalid(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AccountError::Invalid(format!("cannot hash the password: {e}")))
}

fn password_matches(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A hash to check a password against when the account does not exist, so that the answer
/// takes as long as for one that does.
fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password("not the password of any account").unwrap_or_default())
}

fn random_hex() -> Result<String, AccountError> {
    let mut bytes = [0_u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| AccountError::Invalid(e.to_string()))?;
    Ok(hex::encode(bytes))
}

fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

async fn record_event(
    tx: &mut crate::db::Tx,
    at: DateTime<Utc>,
    username: &str,
    kind: &str,
    role_scope: Option<(&str, &str)>,
    by: &str,
) -> Result<(), sqlx::Error> {
    tx.execute(
        "INSERT INTO account_events (at, username, kind, role, scope, by_user) \
         VALUES ($1, $2, $3, $4, $5, $6)",
        vec![
            stamp(at).into(),
            username.into(),
            kind.into(),
            role_scope.map(|(r, _)| r.to_owned()).into(),
            role_scope.map(|(_, s)| s.to_owned()).into(),
            by.into(),
        ],
    )
    .await
    .map(drop)
}

/// An account to create.
#[derive(Debug, Clone, Copy)]
pub struct NewAccount<'a> {
    pub username: &'a str,
    /// The person's name.
    pub display_name: &'a str,
    /// A token role, `system` excepted.
    pub role: &'a str,
    pub scope: &'a str,
    pub password: &'a str,
}

/// Creates an account, recorded (`created`, `role_granted`) as done by `by`.
pub async fn add(
    db: &ReadDb,
    new: &NewAccount<'_>,
    by: &str,
    now: DateTime<Utc>,
) -> Result<Account, AccountError> {
    let NewAccount {
        username,
        display_name,
        role,
        scope,
        password,
    } = *new;
    check_username(username)?;
    let display_name = display_name.trim();
    if display_name.is_empty() || display_name.chars().count() > 200 {
        return Err(AccountError::Invalid(
            "--name: the person's name, 1 to 200 characters".into(),
        ));
    }
    Role::parse(role)
        .filter(|r| *r != Role::System)
        .ok_or_else(|| {
            AccountError::Invalid(format!(
                "role {role:?} is not one of commune_officer, district_secretary, \
                 provincial_secretary, central_secretary, inspector, auditor, admin"
            ))
        })?;
    Scope::parse(scope).map_err(|e| AccountError::Invalid(format!("scope: {e}")))?;
    check_password(password)?;
    let hash = hash_password(password)?;
    let mut tx = db.begin().await?;
    let taken = tx
        .fetch(
            "SELECT 1 FROM user_accounts WHERE username = $1",
            vec![username.into()],
        )
        .await?;
    if !taken.is_empty() {
        return Err(AccountError::Invalid(format!(
            "an account {username:?} exists already"
        )));
    }
    tx.execute(
        "INSERT INTO user_accounts (username, display_name, role, scope, password_hash, \
         disabled, failed_attempts, locked_until, created_at) \
         VALUES ($1, $2, $3, $4, $5, 0, 0, NULL, $6)",
        vec![
            username.into(),
            display_name.into(),
            role.into(),
            scope.into(),
            hash.into(),
            stamp(now).into(),
        ],
    )
    .await?;
    record_event(&mut tx, now, username, "created", None, by).await?;
    record_event(
        &mut tx,
        now,
        username,
        "role_granted",
        Some((role, scope)),
        by,
    )
    .await?;
    tx.commit().await?;
    Ok(Account {
        username: username.to_owned(),
        display_name: display_name.to_owned(),
        role: role.to_owned(),
        scope: scope.to_owned(),
        disabled: false,
        created_at: stamp(now),
    })
}

/// Every account, by username.
pub async fn list(db: &ReadDb) -> Result<Vec<Account>, AccountError> {
    let rows = db
        .fetch(
            &format!("SELECT {ACCOUNT_COLUMNS} FROM user_accounts ORDER BY username"),
            vec![],
        )
        .await?;
    Ok(rows.iter().map(|r| account_of(r)).collect())
}

/// One account.
pub async fn get(db: &ReadDb, username: &str) -> Result<Account, AccountError> {
    let rows = db
        .fetch(
            &format!("SELECT {ACCOUNT_COLUMNS} FROM user_accounts WHERE username = $1"),
            vec![username.into()],
        )
        .await?;
    rows.first()
        .map(|r| account_of(r))
        .ok_or_else(|| AccountError::NoSuchAccount(username.to_owned()))
}

/// The account trail, oldest first.
pub async fn events(db: &ReadDb) -> Result<Vec<AccountEvent>, AccountError> {
    let rows = db
        .fetch(
            "SELECT seq, at, username, kind, role, scope, by_user FROM account_events ORDER BY seq",
            vec![],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| AccountEvent {
            seq: r[0].i64().unwrap_or(0),
            at: r[1].text().unwrap_or_default(),
            username: r[2].text().unwrap_or_default(),
            kind: r[3].text().unwrap_or_default(),
            role: r[4].text(),
            scope: r[5].text(),
            by_user: r[6].text().unwrap_or_default(),
        })
        .collect())
}

/// Disables an account: it cannot sign in, and every session of it ends now. Its role is
/// removed (recorded as `role_removed`), so that the trail says when it stopped acting.
pub async fn disable(
    db: &ReadDb,
    username: &str,
    by: &str,
    now: DateTime<Utc>,
) -> Result<(), AccountError> {
    let account = get(db, username).await?;
    if account.disabled {
        return Err(AccountError::Invalid(format!(
            "the account {username:?} is disabled already"
        )));
    }
    let mut tx = db.begin().await?;
    tx.execute(
        "UPDATE user_accounts SET disabled = 1 WHERE username = $1",
        vec![username.into()],
    )
    .await?;
    tx.execute(
        "UPDATE web_sessions SET ended_at = $1 WHERE username = $2 AND ended_at IS NULL",
        vec![stamp(now).into(), username.into()],
    )
    .await?;
    record_event(&mut tx, now, username, "disabled", None, by).await?;
    record_event(
        &mut tx,
        now,
        username,
        "role_removed",
        Some((&account.role, &account.scope)),
        by,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Sets a new password; the account's sessions end (whoever knew the old one is out).
pub async fn set_password(
    db: &ReadDb,
    username: &str,
    password: &str,
    by: &str,
    now: DateTime<Utc>,
) -> Result<(), AccountError> {
    get(db, username).await?;
    check_password(password)?;
    let hash = hash_password(password)?;
    let mut tx = db.begin().await?;
    tx.execute(
        "UPDATE user_accounts SET password_hash = $1, failed_attempts = 0, locked_until = NULL \
         WHERE username = $2",
        vec![hash.into(), username.into()],
    )
    .await?;
    tx.execute(
        "UPDATE web_sessions SET ended_at = $1 WHERE username = $2 AND ended_at IS NULL",
        vec![stamp(now).into(), username.into()],
    )
    .await?;
    record_event(&mut tx, now, username, "password_set", None, by).await?;
    tx.commit().await?;
    Ok(())
}

/// Checks a sign-in. [`MAX_FAILURES`] wrong passwords in a row lock the account for
/// [`LOCK_FOR`] — counted in the store, so across every process. A right password opens a
/// session.
pub async fn sign_in(
    db: &ReadDb,
    username: &str,
    password: &str,
    now: DateTime<Utc>,
) -> Result<SignIn, AccountError> {
    let rows = db
        .fetch(
            "SELECT password_hash, disabled, failed_attempts, locked_until FROM user_accounts \
             WHERE username = $1",
            vec![username.into()],
        )
        .await?;
    let Some(row) = rows.first() else {
        password_matches(password, decoy_hash());
        return Ok(SignIn::Refused);
    };
    if let Some(until) = row[3].text().as_deref().and_then(parse_stamp) {
        if until > now {
            return Ok(SignIn::Locked { until });
        }
    }
    let matches = password_matches(password, &row[0].text().unwrap_or_default());
    let disabled = row[1].i64().unwrap_or(0) != 0;
    if !matches {
        let failures = row[2].i64().unwrap_or(0) + 1;
        let locked_until = (failures >= MAX_FAILURES).then(|| now + LOCK_FOR);
        let mut tx = db.begin().await?;
        tx.execute(
            "UPDATE user_accounts SET failed_attempts = $1, locked_until = $2 WHERE username = $3",
            vec![
                (if locked_until.is_some() { 0 } else { failures }).into(),
                locked_until.map(stamp).into(),
                username.into(),
            ],
        )
        .await?;
        tx.commit().await?;
        return Ok(match locked_until {
            Some(until) => SignIn::Locked { until },
            None => SignIn::Refused,
        });
    }
    if disabled {
        return Ok(SignIn::Refused);
    }
    let secret = random_hex()?;
    let csrf = random_hex()?;
    let mut tx = db.begin().await?;
    tx.execute(
        "UPDATE user_accounts SET failed_attempts = 0, locked_until = NULL WHERE username = $1",
        vec![username.into()],
    )
    .await?;
    tx.execute(
        "INSERT INTO web_sessions (id_hash, username, csrf, created_at, last_seen, ended_at) \
         VALUES ($1, $2, $3, $4, $4, NULL)",
        vec![
            secret_hash(&secret).into(),
            username.into(),
            csrf.clone().into(),
            stamp(now).into(),
        ],
    )
    .await?;
    tx.commit().await?;
    let account = get(db, username).await?;
    Ok(SignIn::Accepted {
        secret,
        session: Session { account, csrf },
    })
}

/// The live session a cookie's secret names, marked used now; `None` when there is none,
/// or it ended, or it was idle longer than [`IDLE_FOR`], or is older than [`LIVES_FOR`], or
/// its account is disabled.
pub async fn session(
    db: &ReadDb,
    secret: &str,
    now: DateTime<Utc>,
) -> Result<Option<Session>, AccountError> {
    let id = secret_hash(secret);
    let rows = db
        .fetch(
            &format!(
                "SELECT s.csrf, s.created_at, s.last_seen, {} FROM web_sessions s \
                 JOIN user_accounts a ON a.username = s.username \
                 WHERE s.id_hash = $1 AND s.ended_at IS NULL",
                ACCOUNT_COLUMNS
                    .split(", ")
                    .map(|c| format!("a.{c}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            vec![id.clone().into()],
        )
        .await?;
    let Some(row) = rows.first() else {
        return Ok(None);
    };
    let account = account_of(&row[3..]);
    let created = row[1].text().as_deref().and_then(parse_stamp);
    let last_seen = row[2].text().as_deref().and_then(parse_stamp);
    let live = !account.disabled
        && created.is_some_and(|t| now - t < LIVES_FOR)
        && last_seen.is_some_and(|t| now - t < IDLE_FOR);
    // A live session is marked used at most once a minute (the idle limit is 30): a page
    // view then rarely writes, and on SQLite rarely takes the write lock.
    let recently_marked = last_seen.is_some_and(|t| now - t < TOUCH_EVERY);
    if !(live && recently_marked) {
        let mut tx = db.begin().await?;
        let column = if live { "last_seen" } else { "ended_at" };
        tx.execute(
            &format!("UPDATE web_sessions SET {column} = $1 WHERE id_hash = $2"),
            vec![stamp(now).into(), id.into()],
        )
        .await?;
        tx.commit().await?;
    }
    Ok(live.then(|| Session {
        account,
        csrf: row[0].text().unwrap_or_default(),
    }))
}

/// Ends the session a cookie's secret names (sign-out).
pub async fn sign_out(db: &ReadDb, secret: &str, now: DateTime<Utc>) -> Result<(), AccountError> {
    let mut tx = db.begin().await?;
    tx.execute(
        "UPDATE web_sessions SET ended_at = $1 WHERE id_hash = $2 AND ended_at IS NULL",
        vec![stamp(now).into(), secret_hash(secret).into()],
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_matches_its_hash_only() {
        let h = hash_password("mật khẩu đủ dài").unwrap();
        assert!(h.starts_with("$argon2id$"), "{h}");
        assert!(password_matches("mật khẩu đủ dài", &h));
        assert!(!password_matches("mật khẩu đủ dài ", &h));
        assert_ne!(
            h,
            hash_password("mật khẩu đủ dài").unwrap(),
            "a fresh salt each time"
        );
    }

    #[test]
    fn usernames_and_passwords_are_checked() {
        assert!(check_username("tk.lam-dong_1").is_ok());
        assert!(check_username("Tk").is_err());
        assert!(check_username("có dấu").is_err());
        assert!(check_password("ngắn").is_err());
        assert!(check_password("đủ mười ký tự").is_ok());
    }
}

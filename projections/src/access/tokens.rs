//! The register of bearer tokens signed with the server's own secret (`ocop token`): one
//! append-only row per token, for an auditor to list (`ocop tokens`,
//! `GET /api/v1/audits/tokens`). The table is the event store's (migration "issued
//! tokens"); it is not hash-chained, since a token is not a fact of the programme.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::Row;
use uuid::Uuid;

use crate::db::ReadDb;
use crate::error::ProjectionError;

/// One issued token (never the token itself: whoever reads the register cannot use it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IssuedToken {
    /// The token's `jti`.
    pub token_id: Uuid,
    /// The user it names (`sub`).
    pub subject: String,
    pub role: String,
    pub scope: String,
    pub issued_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// The operator account that ran `ocop token`.
    pub issued_by: String,
}

/// Records a token before it is handed out: a token that is not in the register was never
/// printed.
pub async fn record(db: &ReadDb, token: &IssuedToken) -> Result<(), ProjectionError> {
    const INSERT: &str = "INSERT INTO issued_tokens \
         (token_id, subject, role, scope, issued_at, expires_at, issued_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)";
    match db {
        ReadDb::Sqlite(pool) => {
            sqlx::query(INSERT)
                .bind(token.token_id.to_string())
                .bind(&token.subject)
                .bind(&token.role)
                .bind(&token.scope)
                .bind(rfc3339(token.issued_at))
                .bind(rfc3339(token.expires_at))
                .bind(&token.issued_by)
                .execute(pool)
                .await?;
        }
        ReadDb::Postgres(pool) => {
            sqlx::query(INSERT)
                .bind(token.token_id)
                .bind(&token.subject)
                .bind(&token.role)
                .bind(&token.scope)
                .bind(token.issued_at)
                .bind(token.expires_at)
                .bind(&token.issued_by)
                .execute(pool)
                .await?;
        }
    }
    Ok(())
}

/// The newest `limit` tokens issued before `before` (all when `None`), newest first.
pub async fn list(
    db: &ReadDb,
    before: Option<DateTime<Utc>>,
    limit: usize,
) -> Result<Vec<IssuedToken>, ProjectionError> {
    const SELECT: &str = "SELECT token_id, subject, role, scope, issued_at, expires_at, issued_by \
         FROM issued_tokens WHERE issued_at < $1 ORDER BY issued_at DESC, token_id DESC LIMIT $2";
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    // The end of year 9999: later than any token, and a four-digit year keeps text order.
    let before = before.unwrap_or_else(|| {
        DateTime::parse_from_rfc3339("9999-12-31T23:59:59Z")
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default()
    });
    match db {
        ReadDb::Sqlite(pool) => {
            let rows = sqlx::query(SELECT)
                .bind(rfc3339(before))
                .bind(limit)
                .fetch_all(pool)
                .await?;
            rows.iter()
                .map(|r| {
                    let id: String = r.try_get(0)?;
                    Ok(IssuedToken {
                        token_id: Uuid::parse_str(&id).map_err(|e| corrupt(&id, e))?,
                        subject: r.try_get(1)?,
                        role: r.try_get(2)?,
                        scope: r.try_get(3)?,
                        issued_at: parse_time(&r.try_get::<String, _>(4)?)?,
                        expires_at: parse_time(&r.try_get::<String, _>(5)?)?,
                        issued_by: r.try_get(6)?,
                    })
                })
                .collect()
        }
        ReadDb::Postgres(pool) => {
            let rows = sqlx::query(SELECT)
                .bind(before)
                .bind(limit)
                .fetch_all(pool)
                .await?;
            rows.iter()
                .map(|r| {
                    Ok(IssuedToken {
                        token_id: r.try_get(0)?,
                        subject: r.try_get(1)?,
                        role: r.try_get(2)?,
                        scope: r.try_get(3)?,
                        issued_at: r.try_get(4)?,
                        expires_at: r.try_get(5)?,
                        issued_by: r.try_get(6)?,
                    })
                })
                .collect()
        }
    }
}

/// RFC 3339 UTC with six fractional digits, so that text order is time order.
fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

fn parse_time(text: &str) -> Result<DateTime<Utc>, ProjectionError> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| corrupt(text, e))
}

fn corrupt(value: &str, e: impl std::fmt::Display) -> ProjectionError {
    ProjectionError::Database(sqlx::Error::Decode(
        format!("issued_tokens holds {value:?}: {e}").into(),
    ))
}

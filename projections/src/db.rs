//! The read-model database: one handle over SQLite or PostgreSQL, with the few query shapes
//! the projections need, written once and bound per backend here.
//!
//! Every column the read models use is `TEXT` or `BIGINT` (dates as `YYYY-MM-DD`, times as
//! RFC 3339 UTC with fixed width, JSON as text, flags as 0/1), so one SQL text with `$n`
//! placeholders runs on both backends and rows decode into [`Val`]s without per-type code.

use sqlx::postgres::{PgArguments, PgPool, PgRow};
use sqlx::query::Query;
use sqlx::sqlite::{SqliteArguments, SqlitePool, SqliteRow};
use sqlx::{Arguments, Column, Postgres, Row, Sqlite, Transaction, TypeInfo};

/// Which SQL dialect a handle speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// The database the read models live in (the event log's own database).
#[derive(Debug, Clone)]
pub enum ReadDb {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// A value bound to a placeholder.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Arg {
    I64(Option<i64>),
    Text(Option<String>),
    /// PostgreSQL only: a `bigint[]` for `UNNEST`.
    I64s(Vec<Option<i64>>),
    /// PostgreSQL only: a `text[]` for `UNNEST`.
    Texts(Vec<Option<String>>),
}

impl From<i64> for Arg {
    fn from(v: i64) -> Self {
        Arg::I64(Some(v))
    }
}
impl From<Option<i64>> for Arg {
    fn from(v: Option<i64>) -> Self {
        Arg::I64(v)
    }
}
impl From<String> for Arg {
    fn from(v: String) -> Self {
        Arg::Text(Some(v))
    }
}
impl From<&str> for Arg {
    fn from(v: &str) -> Self {
        Arg::Text(Some(v.to_owned()))
    }
}
impl From<Option<String>> for Arg {
    fn from(v: Option<String>) -> Self {
        Arg::Text(v)
    }
}

/// A decoded column value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Val {
    Null,
    I64(i64),
    Text(String),
}

impl Val {
    pub(crate) fn i64(&self) -> Option<i64> {
        match self {
            Val::I64(v) => Some(*v),
            Val::Text(t) => t.parse().ok(),
            Val::Null => None,
        }
    }
    pub(crate) fn text(&self) -> Option<String> {
        match self {
            Val::Text(t) => Some(t.clone()),
            Val::I64(v) => Some(v.to_string()),
            Val::Null => None,
        }
    }
}

impl Arg {
    /// The bytes it takes in a PostgreSQL Bind message (a close estimate).
    fn pg_size(&self) -> usize {
        // A length before each argument and each array element; 20 bytes of array header.
        4 + match self {
            Arg::I64(_) => 8,
            Arg::Text(v) => v.as_ref().map_or(0, String::len),
            Arg::I64s(v) => 20 + 12 * v.len(),
            Arg::Texts(v) => {
                20 + v
                    .iter()
                    .map(|t| 4 + t.as_ref().map_or(0, String::len))
                    .sum::<usize>()
            }
        }
    }
}

/// `sql` with `args` bound for PostgreSQL, in an argument buffer sized once: a rebuild
/// batch's text arrays take megabytes, and the buffer grown by doubling copied them again
/// at each step (≈ a tenth of the process's time in a rebuild).
fn pg_query(sql: &str, args: Vec<Arg>) -> Result<Query<'_, Postgres, PgArguments>, sqlx::Error> {
    let mut arguments = PgArguments::default();
    Arguments::reserve(
        &mut arguments,
        args.len(),
        args.iter().map(Arg::pg_size).sum(),
    );
    for a in args {
        match a {
            Arg::I64(v) => Arguments::add(&mut arguments, v),
            Arg::Text(v) => Arguments::add(&mut arguments, v),
            Arg::I64s(v) => Arguments::add(&mut arguments, v),
            Arg::Texts(v) => Arguments::add(&mut arguments, v),
        }
        .map_err(sqlx::Error::Encode)?;
    }
    Ok(sqlx::query_with(sql, arguments))
}

/// `sql` with `args` bound for SQLite.
fn sqlite_query(sql: &str, args: Vec<Arg>) -> Query<'_, Sqlite, SqliteArguments<'_>> {
    let mut q = sqlx::query(sql);
    for a in args {
        q = match a {
            Arg::I64(v) => q.bind(v),
            Arg::Text(v) => q.bind(v),
            Arg::I64s(_) | Arg::Texts(_) => {
                unreachable!("array arguments are only built for PostgreSQL")
            }
        };
    }
    q
}

fn decode_sqlite(row: &SqliteRow) -> Vec<Val> {
    (0..row.columns().len())
        .map(|i| {
            if let Ok(v) = row.try_get::<Option<i64>, _>(i) {
                v.map_or(Val::Null, Val::I64)
            } else if let Ok(v) = row.try_get::<Option<String>, _>(i) {
                v.map_or(Val::Null, Val::Text)
            } else {
                Val::Null
            }
        })
        .collect()
}

fn decode_pg(row: &PgRow) -> Vec<Val> {
    row.columns()
        .iter()
        .enumerate()
        .map(|(i, c)| match c.type_info().name() {
            "INT8" => row
                .try_get::<Option<i64>, _>(i)
                .ok()
                .flatten()
                .map_or(Val::Null, Val::I64),
            "INT4" => row
                .try_get::<Option<i32>, _>(i)
                .ok()
                .flatten()
                .map_or(Val::Null, |v| Val::I64(v.into())),
            _ => row
                .try_get::<Option<String>, _>(i)
                .ok()
                .flatten()
                .map_or(Val::Null, Val::Text),
        })
        .collect()
}

impl ReadDb {
    pub fn dialect(&self) -> Dialect {
        match self {
            ReadDb::Sqlite(_) => Dialect::Sqlite,
            ReadDb::Postgres(_) => Dialect::Postgres,
        }
    }

    /// How many write transactions of one process run side by side to some purpose: on
    /// SQLite one (`BEGIN IMMEDIATE` serialises them), on PostgreSQL two, each on its own
    /// server backend (the reference server has two cores).
    pub(crate) fn concurrent_writers(&self) -> usize {
        match self {
            ReadDb::Sqlite(_) => 1,
            ReadDb::Postgres(_) => 2,
        }
    }

    /// Starts a write transaction. On SQLite it takes the write lock at once
    /// (`BEGIN IMMEDIATE`), which serialises writers across processes. On PostgreSQL its
    /// statements are planned for the arguments they get each time: a plan cached for a
    /// table that was small when first planned (a rebuild's fresh shadow tables; any table
    /// before its first `ANALYZE`) looked rows up by `= ANY(…)` with a sequential scan,
    /// which made rebuilds quadratic in the number of products.
    pub(crate) async fn begin(&self) -> Result<Tx, sqlx::Error> {
        Ok(match self {
            ReadDb::Sqlite(p) => Tx::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?),
            ReadDb::Postgres(p) => Tx::Postgres(
                p.begin_with("BEGIN; SET LOCAL plan_cache_mode = force_custom_plan")
                    .await?,
            ),
        })
    }

    pub(crate) async fn fetch(
        &self,
        sql: &str,
        args: Vec<Arg>,
    ) -> Result<Vec<Vec<Val>>, sqlx::Error> {
        match self {
            ReadDb::Sqlite(p) => {
                let q = sqlite_query(sql, args);
                Ok(q.fetch_all(p).await?.iter().map(decode_sqlite).collect())
            }
            ReadDb::Postgres(p) => {
                let q = pg_query(sql, args)?;
                Ok(q.fetch_all(p).await?.iter().map(decode_pg).collect())
            }
        }
    }
}

/// A write transaction on either backend. Dropped without [`Tx::commit`], it rolls back.
#[derive(Debug)]
pub(crate) enum Tx {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

impl Tx {
    pub(crate) fn dialect(&self) -> Dialect {
        match self {
            Tx::Sqlite(_) => Dialect::Sqlite,
            Tx::Postgres(_) => Dialect::Postgres,
        }
    }

    pub(crate) async fn execute(&mut self, sql: &str, args: Vec<Arg>) -> Result<u64, sqlx::Error> {
        match self {
            Tx::Sqlite(tx) => Ok(sqlite_query(sql, args)
                .execute(&mut **tx)
                .await?
                .rows_affected()),
            Tx::Postgres(tx) => Ok(pg_query(sql, args)?
                .execute(&mut **tx)
                .await?
                .rows_affected()),
        }
    }

    pub(crate) async fn fetch(
        &mut self,
        sql: &str,
        args: Vec<Arg>,
    ) -> Result<Vec<Vec<Val>>, sqlx::Error> {
        match self {
            Tx::Sqlite(tx) => {
                let q = sqlite_query(sql, args);
                Ok(q.fetch_all(&mut **tx)
                    .await?
                    .iter()
                    .map(decode_sqlite)
                    .collect())
            }
            Tx::Postgres(tx) => {
                let q = pg_query(sql, args)?;
                Ok(q.fetch_all(&mut **tx)
                    .await?
                    .iter()
                    .map(decode_pg)
                    .collect())
            }
        }
    }

    /// Runs several `;`-separated statements without arguments.
    pub(crate) async fn batch(&mut self, sql: &str) -> Result<(), sqlx::Error> {
        match self {
            Tx::Sqlite(tx) => sqlx::raw_sql(sql).execute(&mut **tx).await.map(drop),
            Tx::Postgres(tx) => sqlx::raw_sql(sql).execute(&mut **tx).await.map(drop),
        }
    }

    pub(crate) async fn commit(self) -> Result<(), sqlx::Error> {
        match self {
            Tx::Sqlite(tx) => tx.commit().await,
            Tx::Postgres(tx) => tx.commit().await,
        }
    }
}

/// Rows of one table written in bulk: `INSERT … VALUES (…), (…)` in chunks on SQLite,
/// one `INSERT … SELECT * FROM UNNEST($1::type[], …)` on PostgreSQL.
#[derive(Debug)]
pub(crate) struct Bulk {
    table: String,
    columns: Vec<(&'static str, ColType)>,
    /// `ON CONFLICT …` clause, or empty.
    conflict: String,
    rows: Vec<Vec<Arg>>,
}

/// The type of a bulk column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ColType {
    I64,
    Text,
}

/// Parameters per statement on SQLite (its default limit is 32,766). Placeholders are
/// plain `?`: SQLite looks numbered ones (`?NNN`) up in a list, which made a 500-row insert
/// quadratic (88 ms instead of 2 ms).
const SQLITE_CHUNK_PARAMS: usize = 30_000;

/// How many of `rows` remaining rows of `columns` columns the next SQLite statement takes:
/// the largest power of four that fits both the rows and the parameter limit. The
/// statement's text depends only on that number, so a table's inserts use a handful of
/// prepared statements, which the connection keeps: with one text per row count, every
/// batch prepared its statements anew and the connection's cache filled up with statements
/// of thousands of parameters (a 1M-event rebuild's peak memory: 480 MB, 355 MB without).
fn sqlite_chunk(rows: usize, columns: usize) -> usize {
    let limit = rows.min(SQLITE_CHUNK_PARAMS / columns.max(1)).max(1);
    let mut per = 1;
    while per * 4 <= limit {
        per *= 4;
    }
    per
}

impl Bulk {
    pub(crate) fn new(table: &str, columns: &[(&'static str, ColType)], conflict: &str) -> Self {
        Bulk {
            table: table.to_owned(),
            columns: columns.to_vec(),
            conflict: conflict.to_owned(),
            rows: Vec::new(),
        }
    }

    pub(crate) fn push(&mut self, row: Vec<Arg>) {
        debug_assert_eq!(row.len(), self.columns.len());
        self.rows.push(row);
    }

    pub(crate) async fn write(self, tx: &mut Tx) -> Result<(), sqlx::Error> {
        if self.rows.is_empty() {
            return Ok(());
        }
        let names: Vec<&str> = self.columns.iter().map(|c| c.0).collect();
        let names = names.join(", ");
        match tx.dialect() {
            Dialect::Postgres => {
                let n = self.columns.len();
                let mut arrays: Vec<Arg> = self
                    .columns
                    .iter()
                    .map(|(_, t)| match t {
                        ColType::I64 => Arg::I64s(Vec::with_capacity(self.rows.len())),
                        ColType::Text => Arg::Texts(Vec::with_capacity(self.rows.len())),
                    })
                    .collect();
                for row in self.rows {
                    for (i, v) in row.into_iter().enumerate() {
                        match (&mut arrays[i], v) {
                            (Arg::I64s(a), Arg::I64(v)) => a.push(v),
                            (Arg::Texts(a), Arg::Text(v)) => a.push(v),
                            (Arg::Texts(a), Arg::I64(v)) => a.push(v.map(|v| v.to_string())),
                            (Arg::I64s(a), Arg::Text(v)) => a.push(v.and_then(|v| v.parse().ok())),
                            _ => unreachable!("bulk rows hold scalars"),
                        }
                    }
                }
                let unnest: Vec<String> = (1..=n)
                    .map(|i| match self.columns[i - 1].1 {
                        ColType::I64 => format!("${i}::bigint[]"),
                        ColType::Text => format!("${i}::text[]"),
                    })
                    .collect();
                let sql = format!(
                    "INSERT INTO {} ({names}) SELECT * FROM UNNEST({}) {}",
                    self.table,
                    unnest.join(", "),
                    self.conflict
                );
                tx.execute(&sql, arrays).await?;
            }
            Dialect::Sqlite => {
                let n = self.columns.len();
                let mut rows = self.rows.into_iter().peekable();
                while rows.peek().is_some() {
                    let per = sqlite_chunk(rows.len(), n);
                    let chunk: Vec<Vec<Arg>> = rows.by_ref().take(per).collect();
                    let mut sql = format!("INSERT INTO {} ({names}) VALUES ", self.table);
                    for r in 0..chunk.len() {
                        if r > 0 {
                            sql.push(',');
                        }
                        sql.push('(');
                        for c in 0..n {
                            if c > 0 {
                                sql.push(',');
                            }
                            sql.push('?');
                        }
                        sql.push(')');
                    }
                    sql.push(' ');
                    sql.push_str(&self.conflict);
                    tx.execute(&sql, chunk.into_iter().flatten().collect())
                        .await?;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::sqlite_chunk;

    #[test]
    fn sqlite_inserts_take_powers_of_four_rows_within_the_parameter_limit() {
        // 700 rows of 17 columns: 256 + 256 + 64 + 64 + 16 + 16 + 16 + 4 + 4 + 4 = 700.
        let mut left = 700;
        let mut sizes = Vec::new();
        while left > 0 {
            let n = sqlite_chunk(left, 17);
            sizes.push(n);
            left -= n;
        }
        assert_eq!(sizes, [256, 256, 64, 64, 16, 16, 16, 4, 4, 4]);
        // The parameter limit bounds a statement: 30,000 / 17 = 1,764 rows, so 1,024.
        assert_eq!(sqlite_chunk(100_000, 17), 1_024);
        assert_eq!(sqlite_chunk(100_000, 20_000), 1);
        assert_eq!(sqlite_chunk(1, 5), 1);
    }
}

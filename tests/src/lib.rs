//! Helpers shared by the integration tests.

use sqlx::Connection;

/// The PostgreSQL server the tests use: `DATABASE_URL`, or the local one with trust auth.
pub fn postgres_admin_url() -> String {
    std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://root@127.0.0.1:5432/postgres".to_owned())
}

/// Where the tests make their temporary folders.
fn tests_dir() -> std::path::PathBuf {
    std::env::temp_dir().join("ocop-tests")
}

/// A new, empty folder of its own under the system's temporary folder; the test that made
/// it removes it.
pub fn fresh_dir() -> std::path::PathBuf {
    let dir = tests_dir().join(uuid::Uuid::new_v4().simple().to_string());
    std::fs::create_dir_all(&dir).expect("create a temporary folder");
    dir
}

/// The URL of a new, empty SQLite database file in a [`fresh_dir`].
pub async fn fresh_sqlite_url() -> String {
    let dir = fresh_dir();
    format!("sqlite://{}?mode=rwc", dir.join("ledger.db").display())
}

/// Removes a test database made by [`fresh_sqlite_url`] or [`fresh_postgres_url`]; any
/// other URL is left alone.
pub async fn drop_database(url: &str) {
    if url.starts_with("postgres") {
        drop_postgres_database(url).await;
        return;
    }
    let path = url
        .strip_prefix("sqlite://")
        .map(|rest| rest.split('?').next().unwrap_or(rest));
    if let Some(dir) = path.and_then(|p| std::path::Path::new(p).parent())
        && dir.parent() == Some(tests_dir().as_path())
    {
        let _ = std::fs::remove_dir_all(dir);
    }
}

/// `url` with its database name replaced by `database`.
pub fn with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[authority_start..]
        .find('/')
        .map_or(base.len(), |i| authority_start + i);
    let mut out = format!("{}/{}", &base[..host_end], database);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

/// The URL of a new, empty PostgreSQL database (`ocop_test_<uuid>`) on the server at
/// `DATABASE_URL`.
pub async fn fresh_postgres_url() -> String {
    let admin = postgres_admin_url();
    let name = format!("ocop_test_{}", uuid::Uuid::new_v4().simple());
    let mut conn = sqlx::PgConnection::connect(&admin)
        .await
        .expect("connect to DATABASE_URL (is PostgreSQL running?)");
    sqlx::raw_sql(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .expect("create a test database");
    conn.close().await.ok();
    with_database(&admin, &name)
}

/// Drops the database at `url` (made by [`fresh_postgres_url`]), closing its connections.
pub async fn drop_postgres_database(url: &str) {
    let name = url
        .split('?')
        .next()
        .and_then(|base| base.rsplit('/').next())
        .unwrap_or_default();
    if !name.starts_with("ocop_test_") {
        return;
    }
    if let Ok(mut conn) = sqlx::PgConnection::connect(&postgres_admin_url()).await {
        let _ = sqlx::raw_sql(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&mut conn)
            .await;
        conn.close().await.ok();
    }
}

//! Least privilege on PostgreSQL: `ocop migrate --serving-role R` as the schema owner, then
//! everything `ocop serve` does as R — and none of what would rewrite the ledger.

use ocop_projections::command::service::CommandService;
use sqlx::Connection;

use crate::projections::support::{drive_products, runner_on};

/// `url` with its user replaced by `user` (no password: the test server trusts local users).
fn as_user(url: &str, user: &str) -> String {
    let start = url.find("://").map_or(0, |i| i + 3);
    let rest = &url[start..];
    let host = rest.find('@').map_or(rest, |at| &rest[at + 1..]);
    format!("{}{user}@{host}", &url[..start])
}

async fn exec(url: &str, sql: &str) -> Result<(), sqlx::Error> {
    let mut conn = sqlx::PgConnection::connect(url).await?;
    let done = sqlx::raw_sql(sql).execute(&mut conn).await.map(drop);
    conn.close().await.ok();
    done
}

async fn ocop(args: &[&str]) -> Result<(), String> {
    let mut argv = vec!["ocop"];
    argv.extend_from_slice(args);
    let cli =
        <ocop_api::cli::Cli as clap::Parser>::try_parse_from(argv).map_err(|e| e.to_string())?;
    ocop_api::run::run(cli)
        .await
        .map(drop)
        .map_err(|e| e.to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_serving_role_appends_and_keeps_the_read_models_but_cannot_rewrite_the_log() {
    let url = ocop_tests::fresh_postgres_url().await;
    let role = format!(
        "ocop_serve_{}",
        &uuid::Uuid::new_v4().simple().to_string()[..12]
    );
    exec(&url, &format!("CREATE ROLE {role} LOGIN"))
        .await
        .unwrap();
    let refused = ocop(&[
        "--database-url",
        &url,
        "migrate",
        "--serving-role",
        "no_such_role_x",
    ])
    .await
    .unwrap_err();
    assert!(refused.contains("does not exist"), "{refused}");
    ocop(&["--database-url", &url, "migrate", "--serving-role", &role])
        .await
        .unwrap();
    let serving = as_user(&url, &role);

    // On a current schema the serving role does not try to migrate: without the right to
    // create anything in the schema, the store still opens, and appends.
    exec(&url, &format!("REVOKE CREATE ON SCHEMA public FROM {role}"))
        .await
        .unwrap();
    let store = ocop_eventstore::PgStore::connect(&serving)
        .await
        .expect("the serving role opens a current schema without migrating");
    drop(store);
    exec(&url, &format!("GRANT CREATE ON SCHEMA public TO {role}"))
        .await
        .unwrap();

    // Everything a server does: commands, the read models, a rebuild, a verification.
    let backend = ocop_projections::open(&serving).await.unwrap();
    let service = CommandService::new(backend.store.clone());
    drive_products(&service, 4).await;
    let runner = runner_on(&backend, 16).await;
    runner.catch_up().await.unwrap();
    runner.rebuild("all", |_| {}).await.unwrap();
    assert!(runner.verify("all").await.unwrap().ok);
    assert!(backend.store.verify(None).await.unwrap().ok);

    // Nothing that would rewrite or hide the log.
    for sql in [
        "UPDATE events SET payload = '{}' WHERE global_position = 1",
        "DELETE FROM events WHERE global_position = 1",
        "TRUNCATE events",
        "UPDATE commands SET request_hash = 'x'",
        "DELETE FROM commands",
        "DROP TRIGGER events_refuse_change ON events",
        "ALTER TABLE events DISABLE TRIGGER ALL",
        "ALTER TABLE events DISABLE TRIGGER events_refuse_change",
        "DROP TABLE events",
        "DROP FUNCTION ocop_refuse_change() CASCADE",
        "CREATE OR REPLACE FUNCTION ocop_refuse_change() RETURNS trigger LANGUAGE plpgsql \
         AS $$ BEGIN RETURN OLD; END $$",
        "UPDATE issued_tokens SET role = 'admin'",
    ] {
        let err = exec(&serving, sql).await.expect_err(sql).to_string();
        assert!(
            err.contains("permission denied") || err.contains("must be owner"),
            "{sql}: {err}"
        );
    }
    assert!(backend.store.verify(None).await.unwrap().ok);

    // A schema behind the build: the serving role says to migrate as the owner.
    drop(runner);
    drop(backend);
    exec(
        &url,
        "DELETE FROM _sqlx_migrations WHERE version = (SELECT max(version) FROM _sqlx_migrations)",
    )
    .await
    .unwrap();
    let behind = ocop_eventstore::PgStore::connect(&serving)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        behind.contains("schema is behind")
            && behind.contains("run `ocop migrate` as the schema owner"),
        "{behind}"
    );

    ocop_tests::drop_database(&url).await;
    exec(
        &ocop_tests::postgres_admin_url(),
        &format!("DROP ROLE {role}"),
    )
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_connection_of_the_store_has_a_statement_timeout_unless_its_url_sets_one() {
    let url = ocop_tests::fresh_postgres_url().await;
    let show = |store: ocop_eventstore::PgStore| async move {
        let timeout: String = sqlx::query_scalar("SHOW statement_timeout")
            .fetch_one(store.pool())
            .await
            .unwrap();
        timeout
    };
    let store = ocop_eventstore::PgStore::connect(&url).await.unwrap();
    assert_eq!(show(store).await, ocop_eventstore::STATEMENT_TIMEOUT);
    let own = format!("{url}?options=-c%20statement_timeout%3D5s");
    let store = ocop_eventstore::PgStore::connect(&own).await.unwrap();
    assert_eq!(show(store).await, "5s");
    ocop_tests::drop_database(&url).await;
}

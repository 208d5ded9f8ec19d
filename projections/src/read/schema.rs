//! The read models' tables (all prefixed `rm_`), created idempotently and versioned.
//!
//! Tables belong to a projection with one checkpoint row in `rm_checkpoints`: `products`
//! (current state and everything derived from it: statistics, timers, public register,
//! revocations, decisions, recognition periods). The audit trail is not copied: it is read
//! from the log, whose `(stream_id, version)` index serves it (see
//! [`crate::read::query::ReadModels::history`]). A rebuild builds a projection's tables under the
//! `__rebuild` suffix and swaps them in at the end; index names carry a generation number so
//! the shadow set never collides with the live one. When [`SCHEMA_VERSION`] changes, the
//! live tables are dropped and recreated empty at checkpoint 0, and the runner rebuilds them
//! from the log.

use crate::db::{Arg, ReadDb, Tx};
use crate::error::ProjectionError;

/// The version of the read-model schema below; bump it on any change, including a change of
/// what a column holds (4: a decision's `inputs` carry the product's `place` and, for a
/// revocation, the `expired_recognition` it may end; 5: no `rm_history` copy of the log;
/// 6: products carry their producer's identity, decisions their document's id; 7: a
/// product's state holds the award of a 5★ re-evaluation waiting for the ministry, and
/// the expiry notice's issuer and letter; 8: a decision's inputs carry the product group
/// its criteria sheet is read in, a concluded result the star level its failed criteria
/// block, a round its re-opened scorings, and a revocation whether a failed mandatory
/// criterion is on record).
pub const SCHEMA_VERSION: i64 = 8;

/// Tables of earlier schema versions, dropped when the schema changes.
const RETIRED_TABLES: &[&str] = &["rm_history", "rm_history__rebuild"];

/// The suffix of tables being rebuilt.
pub(crate) const SHADOW: &str = "__rebuild";

/// A projection: a set of tables with one checkpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Projection {
    /// Current state of every product, with statistics, timers, the public register,
    /// revocations, decisions and recognition periods.
    Products,
}

impl Projection {
    pub const ALL: [Projection; 1] = [Projection::Products];

    pub fn name(self) -> &'static str {
        match self {
            Projection::Products => "products",
        }
    }

    /// The projection that owns the read model called `name` (`products`, `statistics`,
    /// `timers`, `public_register`, `revocations`, `decisions`), or every one for `all`.
    pub fn parse(name: &str) -> Option<Vec<Projection>> {
        match name {
            "all" => Some(Projection::ALL.to_vec()),
            "products" | "statistics" | "stats" | "timers" | "public_register" | "public"
            | "revocations" | "decisions" => Some(vec![Projection::Products]),
            _ => None,
        }
    }

    pub(crate) fn tables(self) -> &'static [&'static str] {
        match self {
            Projection::Products => &[
                "rm_products",
                "rm_recognitions",
                "rm_stats",
                "rm_timers",
                "rm_public",
                "rm_revocations",
                "rm_decisions",
            ],
        }
    }

    /// `CREATE TABLE` statements for the tables with `suffix`, with their primary keys (the
    /// other indexes are [`Projection::indexes`]).
    pub(crate) fn tables_ddl(self, suffix: &str) -> String {
        let s = suffix;
        match self {
            Projection::Products => format!(
                "CREATE TABLE rm_products{s} (
                    product_id TEXT PRIMARY KEY,
                    version BIGINT NOT NULL,
                    last_position BIGINT NOT NULL,
                    name TEXT NOT NULL,
                    producer_name TEXT NOT NULL,
                    search TEXT NOT NULL,
                    province TEXT NOT NULL,
                    commune TEXT,
                    district TEXT,
                    product_group TEXT NOT NULL,
                    status TEXT NOT NULL,
                    stars BIGINT,
                    year BIGINT,
                    registered_on TEXT NOT NULL,
                    certificate_no TEXT,
                    valid_until TEXT,
                    state TEXT NOT NULL,
                    producer_id TEXT NOT NULL,
                    producer_kind TEXT NOT NULL,
                    producer_tax_code TEXT,
                    producer_search TEXT NOT NULL
                );
                CREATE TABLE rm_recognitions{s} (
                    product_id TEXT NOT NULL,
                    seq BIGINT NOT NULL,
                    valid_from TEXT NOT NULL,
                    valid_through TEXT NOT NULL,
                    stars BIGINT NOT NULL,
                    decision_no TEXT,
                    ended_by TEXT,
                    PRIMARY KEY (product_id, seq)
                );
                CREATE TABLE rm_stats{s} (
                    province TEXT NOT NULL,
                    stars BIGINT NOT NULL,
                    product_group TEXT NOT NULL,
                    year BIGINT NOT NULL,
                    status TEXT NOT NULL,
                    n BIGINT NOT NULL,
                    PRIMARY KEY (province, stars, product_group, year, status)
                );
                CREATE TABLE rm_timers{s} (
                    product_id TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    due_on TEXT NOT NULL,
                    valid_until TEXT NOT NULL,
                    decision_no TEXT,
                    PRIMARY KEY (product_id, kind)
                );
                CREATE TABLE rm_public{s} (
                    product_id TEXT PRIMARY KEY,
                    certificate_no TEXT,
                    name TEXT NOT NULL,
                    producer_name TEXT NOT NULL,
                    province TEXT NOT NULL,
                    product_group TEXT NOT NULL,
                    stars BIGINT,
                    valid_until TEXT,
                    status TEXT NOT NULL,
                    decision_no TEXT,
                    authority TEXT
                );
                CREATE TABLE rm_revocations{s} (
                    global_position BIGINT PRIMARY KEY,
                    product_id TEXT NOT NULL,
                    name TEXT NOT NULL,
                    producer_name TEXT NOT NULL,
                    province TEXT NOT NULL,
                    stars BIGINT,
                    certificate_no TEXT,
                    recognition_decision_no TEXT,
                    decision_no TEXT,
                    decided_on TEXT NOT NULL,
                    authority TEXT,
                    grounds TEXT NOT NULL,
                    details TEXT,
                    recorded_at TEXT NOT NULL
                );
                CREATE TABLE rm_decisions{s} (
                    global_position BIGINT PRIMARY KEY,
                    product_id TEXT NOT NULL,
                    version BIGINT NOT NULL,
                    event_id TEXT NOT NULL,
                    event_type TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    province TEXT NOT NULL,
                    commune TEXT,
                    decided_on TEXT,
                    decision_no TEXT,
                    authority TEXT,
                    stars BIGINT,
                    level TEXT,
                    rules_version TEXT,
                    round BIGINT,
                    actor_user TEXT NOT NULL,
                    actor_role TEXT NOT NULL,
                    actor_scope TEXT NOT NULL,
                    recorded_at TEXT NOT NULL,
                    payload TEXT NOT NULL,
                    inputs TEXT NOT NULL,
                    decision_id TEXT
                );"
            ),
        }
    }

    /// `CREATE INDEX` statements for the tables with `suffix`, named with generation
    /// `generation` (so a rebuild's set never collides with the live one). A rebuild creates
    /// them after its bulk load: one sort per index instead of an insertion per row.
    pub(crate) fn indexes(self, suffix: &str, generation: i64) -> String {
        let s = suffix;
        let g = generation;
        match self {
            Projection::Products => format!(
                "CREATE INDEX rm_products_province_g{g} ON rm_products{s} (province, commune, product_id);
                 CREATE INDEX rm_products_status_g{g} ON rm_products{s} (status, product_id);
                 CREATE INDEX rm_products_stars_g{g} ON rm_products{s} (stars, product_id);
                 CREATE INDEX rm_products_group_g{g} ON rm_products{s} (product_group, product_id);
                 CREATE INDEX rm_products_year_g{g} ON rm_products{s} (year, product_id);
                 CREATE INDEX rm_products_cert_g{g} ON rm_products{s} (certificate_no);
                 CREATE INDEX rm_recognitions_from_g{g} ON rm_recognitions{s} (valid_from, valid_through);
                 CREATE INDEX rm_timers_due_g{g} ON rm_timers{s} (due_on, product_id);
                 CREATE INDEX rm_public_cert_g{g} ON rm_public{s} (certificate_no);
                 CREATE INDEX rm_revocations_date_g{g} ON rm_revocations{s} (decided_on, global_position);
                 CREATE INDEX rm_decisions_province_g{g} ON rm_decisions{s} (province, decided_on);
                 CREATE INDEX rm_decisions_date_g{g} ON rm_decisions{s} (decided_on);
                 CREATE INDEX rm_decisions_product_g{g} ON rm_decisions{s} (product_id, version);
                 CREATE INDEX rm_decisions_document_g{g} ON rm_decisions{s} (decision_id);
                 CREATE INDEX rm_products_producer_g{g} ON rm_products{s} (producer_id, last_position);"
            ),
        }
    }

    /// The columns holding JSON of several KB per row.
    fn large_columns(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Projection::Products => &[("rm_products", "state"), ("rm_decisions", "inputs")],
        }
    }

    pub(crate) fn drop_sql(self, suffix: &str) -> String {
        self.tables()
            .iter()
            .map(|t| format!("DROP TABLE IF EXISTS {t}{suffix};"))
            .collect()
    }
}

/// Makes `role` the owner of every read-model table (PostgreSQL): the serving role keeps
/// them — rebuilds drop, create and rename them — while the log stays the schema owner's.
/// The role running this must be a member of `role` (or a superuser), as PostgreSQL asks
/// of whoever gives a table away.
pub async fn hand_over(db: &ReadDb, role: &str) -> Result<(), ProjectionError> {
    let ReadDb::Postgres(pool) = db else {
        return Err(ProjectionError::Corrupt(
            "SQLite has no roles: a serving role is a PostgreSQL setting".into(),
        ));
    };
    let role = ocop_eventstore::quote_identifier(role)?;
    let mut tx = pool.begin().await?;
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT tablename::text FROM pg_tables \
         WHERE schemaname = current_schema() AND tablename LIKE 'rm\\_%' ORDER BY 1",
    )
    .fetch_all(&mut *tx)
    .await?;
    for t in tables {
        let t = ocop_eventstore::quote_identifier(&t)?;
        sqlx::query(&format!("ALTER TABLE {t} OWNER TO {role}"))
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Creates the read-model tables if needed (idempotent, safe to run from several processes
/// at once). A schema of an older version is dropped and recreated empty, at checkpoint 0;
/// a newer one is refused ([`ProjectionError::NewerSchema`]), so that a process of the
/// previous version started during an upgrade cannot undo it.
pub async fn setup(db: &ReadDb) -> Result<(), ProjectionError> {
    let mut tx = db.begin().await?;
    if let Tx::Postgres(_) = tx {
        // Serialises concurrent set-ups: CREATE TABLE IF NOT EXISTS is not race-free there.
        tx.execute("SELECT pg_advisory_xact_lock(7243001)", vec![])
            .await?;
    }
    tx.batch(
        "CREATE TABLE IF NOT EXISTS rm_meta (key TEXT PRIMARY KEY, value BIGINT NOT NULL);
         CREATE TABLE IF NOT EXISTS rm_checkpoints (
             projection TEXT PRIMARY KEY,
             position BIGINT NOT NULL,
             updated_at TEXT
         );",
    )
    .await?;
    let current = meta(&mut tx, "schema_version").await?;
    if let Some(found) = current.filter(|v| *v > SCHEMA_VERSION) {
        return Err(ProjectionError::NewerSchema {
            found,
            ours: SCHEMA_VERSION,
        });
    }
    if current != Some(SCHEMA_VERSION) {
        for t in RETIRED_TABLES {
            tx.batch(&format!("DROP TABLE IF EXISTS {t}")).await?;
        }
        for p in Projection::ALL {
            tx.batch(&p.drop_sql("")).await?;
            tx.batch(&p.drop_sql(SHADOW)).await?;
            tx.batch(&p.tables_ddl("")).await?;
            tx.batch(&p.indexes("", 0)).await?;
            tune_postgres(&mut tx, p, "").await?;
            set_meta(&mut tx, &generation_key(p), 0).await?;
        }
        tx.execute("DELETE FROM rm_checkpoints", vec![]).await?;
        for p in Projection::ALL {
            tx.execute(
                "INSERT INTO rm_checkpoints (projection, position) VALUES ($1, 0)",
                vec![p.name().into()],
            )
            .await?;
        }
        set_meta(&mut tx, "schema_version", SCHEMA_VERSION).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// PostgreSQL storage of the large JSON columns: compressed with lz4 where the server has
/// it (pglz, the default, took more of a rebuild's CPU than any other single function on
/// the server), out of line and uncompressed otherwise. Nothing on SQLite.
pub(crate) async fn tune_postgres(
    tx: &mut Tx,
    p: Projection,
    suffix: &str,
) -> Result<(), ProjectionError> {
    if let Tx::Sqlite(_) = tx {
        return Ok(());
    }
    let lz4 = !tx
        .fetch(
            "SELECT 1 FROM pg_settings
             WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals)",
            vec![],
        )
        .await?
        .is_empty();
    let storage = if lz4 {
        "COMPRESSION lz4"
    } else {
        "STORAGE EXTERNAL"
    };
    for (table, column) in p.large_columns() {
        tx.batch(&format!(
            "ALTER TABLE {table}{suffix} ALTER COLUMN {column} SET {storage}"
        ))
        .await?;
    }
    Ok(())
}

pub(crate) fn generation_key(p: Projection) -> String {
    format!("generation:{}", p.name())
}

pub(crate) async fn meta(tx: &mut Tx, key: &str) -> Result<Option<i64>, ProjectionError> {
    let rows = tx
        .fetch("SELECT value FROM rm_meta WHERE key = $1", vec![key.into()])
        .await?;
    Ok(rows.first().and_then(|r| r[0].i64()))
}

pub(crate) async fn set_meta(tx: &mut Tx, key: &str, value: i64) -> Result<(), ProjectionError> {
    tx.execute(
        "INSERT INTO rm_meta (key, value) VALUES ($1, $2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        vec![Arg::from(key), Arg::from(value)],
    )
    .await?;
    Ok(())
}

//! The event store conformance suite: every case runs unchanged against SQLite and PostgreSQL.

mod cases;
mod privilege;

use std::sync::Arc;

use ocop_eventstore::{EventStore, Upcaster};
use sqlx::Connection;

/// Which store a case runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Sqlite,
    Postgres,
}

/// One fresh database and the ways a case may reach it.
#[derive(Debug, Clone)]
pub struct Fixture {
    pub kind: Kind,
    pub url: String,
}

impl Fixture {
    async fn new(kind: Kind) -> Self {
        let url = match kind {
            Kind::Sqlite => ocop_tests::fresh_sqlite_url().await,
            Kind::Postgres => ocop_tests::fresh_postgres_url().await,
        };
        Fixture { kind, url }
    }

    async fn cleanup(self) {
        ocop_tests::drop_database(&self.url).await;
    }

    /// A store handle, as one process would open it.
    pub async fn store(&self) -> Arc<dyn EventStore> {
        ocop_eventstore::open(&self.url)
            .await
            .expect("open the store")
    }

    /// A store handle with a given upcaster.
    pub async fn store_with(&self, upcaster: Upcaster) -> Arc<dyn EventStore> {
        ocop_eventstore::open_with(&self.url, upcaster)
            .await
            .expect("open the store")
    }

    /// Runs raw SQL on a connection of its own, as an operator with a database shell would.
    pub async fn exec(&self, sql: &str) -> Result<(), sqlx::Error> {
        match self.kind {
            Kind::Sqlite => {
                let mut conn = sqlx::SqliteConnection::connect(&self.url).await?;
                sqlx::raw_sql(sql).execute(&mut conn).await?;
                conn.close().await
            }
            Kind::Postgres => {
                let mut conn = sqlx::PgConnection::connect(&self.url).await?;
                sqlx::raw_sql(sql).execute(&mut conn).await?;
                conn.close().await
            }
        }
    }

    /// Runs a query returning one text column, one string per row.
    pub async fn texts(&self, sql: &str) -> Vec<String> {
        match self.kind {
            Kind::Sqlite => {
                let mut conn = sqlx::SqliteConnection::connect(&self.url).await.unwrap();
                sqlx::query_scalar(sql).fetch_all(&mut conn).await.unwrap()
            }
            Kind::Postgres => {
                let mut conn = sqlx::PgConnection::connect(&self.url).await.unwrap();
                sqlx::query_scalar(sql).fetch_all(&mut conn).await.unwrap()
            }
        }
    }

    /// Removes the triggers that make the tables append-only (to simulate tampering).
    pub async fn drop_immutability_triggers(&self) {
        let sql = match self.kind {
            Kind::Sqlite => "DROP TRIGGER events_refuse_update; DROP TRIGGER events_refuse_delete;",
            Kind::Postgres => "DROP TRIGGER events_refuse_change ON events;",
        };
        self.exec(sql).await.expect("drop the triggers");
    }
}

/// Declares each case once per store.
macro_rules! conformance {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $case() {
                    let fixture = super::Fixture::new(super::Kind::Sqlite).await;
                    super::cases::$case(&fixture).await;
                    fixture.cleanup().await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $case() {
                    let fixture = super::Fixture::new(super::Kind::Postgres).await;
                    super::cases::$case(&fixture).await;
                    fixture.cleanup().await;
                }
            )*
        }
    };
}

conformance! {
    an_empty_ledger_has_the_genesis_head_and_verifies,
    appended_events_read_back_with_their_envelope_and_chain,
    two_appends_at_the_same_expected_version_exactly_one_wins,
    no_stream_twice_the_second_conflicts,
    a_follower_never_skips_an_event_while_writers_commit,
    edited_deleted_or_truncated_rows_are_refused_by_the_database,
    a_row_changed_behind_the_triggers_is_found_at_its_position,
    signed_checkpoints_find_a_suffix_rewritten_or_cut_behind_the_triggers,
    verify_from_an_earlier_digest_passes_and_a_wrong_digest_fails,
    a_resent_command_records_nothing_and_returns_the_same_outcome,
    the_same_key_with_different_content_is_refused,
    commands_sent_again_among_new_ones_are_answered_from_the_record,
    concurrent_identical_commands_are_recorded_once,
    read_stream_honours_version_and_time_ranges,
    the_log_read_stream_by_stream_holds_every_event_once,
    old_schema_versions_are_upcast_on_read_and_hashed_as_stored,
    group_commit_checks_each_request_against_its_own_expected_version,
    an_event_id_already_recorded_fails_only_its_own_command,
    malformed_appends_are_refused_and_record_nothing,
    subscribe_wakes_on_commits_in_this_and_other_processes,
    two_processes_appending_keep_positions_gapless_and_the_chain_intact,
    what_a_writer_remembers_is_not_trusted_after_another_process_commits,
    a_stream_the_writer_has_not_read_is_checked_whatever_it_is_expected_at,
    an_export_verifies_with_the_python_script_and_tampering_is_found,
    a_group_is_recorded_whole_or_not_at_all_even_across_processes,
}

/// Cases about a database server, which only PostgreSQL has.
mod postgres_server {
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn a_writer_whose_connection_was_cut_catches_up_and_appends_again() {
        let fixture = super::Fixture::new(super::Kind::Postgres).await;
        super::cases::a_writer_whose_connection_was_cut_catches_up_and_appends_again(&fixture)
            .await;
        fixture.cleanup().await;
    }
}

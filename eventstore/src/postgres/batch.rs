//! The writer task's batches on PostgreSQL: one connection kept across batches (also
//! listening for commits), the stream versions it knows, and the one-round-trip append
//! statement that checks them under the head lock.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::postgres::{PgListener, PgNotification, PgPool};
use sqlx::{Acquire as _, Executor as _, PgConnection, Row};
use tokio::sync::watch;
use uuid::Uuid;

use crate::plan::{self, Head, Plan, Prepared, Reply};
use crate::writer::{self, Backend};
use crate::{AppendOutcome, ExpectedVersion, StoreError};

use super::*;

/// The writer task's side of the store: one connection, kept across batches, which also
/// listens for commits; and the head its last batch committed.
pub(super) struct PgWriter {
    pub(super) pool: PgPool,
    /// The writer's connection, listening on [`NOTIFY_CHANNEL`]. `None` after an error,
    /// until the next batch or idle wait opens another.
    pub(super) listener: Option<PgListener>,
    /// The head after this writer's last commit (`None` after an error). While no other
    /// process appends, it is still the head, and the next batch can be planned without
    /// reading the database; if it is not, that batch's basis check fails and it is
    /// planned again from the database.
    pub(super) last_head: Option<Head>,
    /// The versions of streams as of `last_head`: what the next batch may be planned on
    /// without checking them.
    pub(super) known: KnownVersions,
    /// Set when notifications may have been lost (the connection was replaced): the head
    /// must be read again before the known position can be trusted to be current.
    pub(super) catch_up: bool,
    /// The store's known committed position, raised by notifications.
    pub(super) position: Arc<watch::Sender<i64>>,
}

impl PgWriter {
    /// The listening connection, opened again (and a catch-up owed) if the last one failed.
    async fn listener(&mut self) -> Result<&mut PgListener, StoreError> {
        if self.listener.is_none() {
            self.catch_up = true;
            self.listener = Some(listening(&self.pool).await?);
        }
        Ok(self.listener.as_mut().expect("listener just opened"))
    }

    /// Gives up the connection after an error. A failed transaction is rolled back first,
    /// so the connection goes back to the pool clean (or is closed there if it is broken).
    async fn discard_connection(&mut self) {
        if let Some(mut listener) = self.listener.take() {
            let _ = (&mut listener).execute("ROLLBACK").await;
        }
        self.connection_lost();
    }

    /// Forgets the connection and what was learnt through it: the next batch or idle wait
    /// opens another, and the head is read again.
    fn connection_lost(&mut self) {
        self.listener = None;
        self.last_head = None;
        self.catch_up = true;
    }

    /// Raises the known position to the highest of the notifications already received.
    fn take_notifications(&mut self, first: Option<PgNotification>) {
        let Some(listener) = self.listener.as_mut() else {
            return;
        };
        let highest = first
            .into_iter()
            .chain(std::iter::from_fn(|| listener.next_buffered()))
            .filter_map(|note| note.payload().parse::<i64>().ok())
            .max();
        if let Some(p) = highest {
            writer::advance(&self.position, p);
        }
    }
}

const LOCK_HEAD: &str =
    "SELECT position, hash, recorded_at FROM ledger_head WHERE id = 1 FOR UPDATE";

/// `ocop_append_batch` (migration 0002; its body as of migration 0005): checks the plan's
/// basis under the head lock and writes the plan, or writes nothing and answers false.
const WRITE: &str = "SELECT ocop_append_batch($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, \
     $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, \
     $29, $30, $31, $32)";

/// What `ocop_append_batch` checks before it writes a plan: the head the plan was made on
/// (the head moves only from there, under its lock) and the versions of the streams the
/// writer did not know. The absence of the batch's command keys is held by the `commands`
/// table's primary key: a key already recorded fails the statement (a unique violation),
/// and nothing is written.
struct Basis<'a> {
    head: &'a Head,
    check: &'a [(Uuid, i64)],
}

/// How many streams' versions a writer keeps: more than every product of the programme.
/// Past it the map starts again empty; a stream not in it is only checked, not refused.
const MAX_KNOWN_VERSIONS: usize = 100_000;

/// The versions of the streams this writer has read under the head lock or appended to
/// since, as of its last commit (`PgWriter::last_head`). While the head is still that
/// commit — which the statement's head condition proves — no one has appended since, so
/// these are the streams' versions in the database and a batch on them needs no check.
/// Emptied whenever the writer plans under the lock (the head had moved, or was unknown).
#[derive(Debug, Default)]
pub(super) struct KnownVersions(HashMap<Uuid, i64>);

/// The versions a batch is planned on without the head lock, and those of them that the
/// statement must check (the streams whose versions were not known).
struct Assumed {
    versions: HashMap<Uuid, i64>,
    check: Vec<(Uuid, i64)>,
}

impl KnownVersions {
    /// The version each stream of `batch` is planned on — its known version, or else what
    /// the first request on it expects — and the streams that were not known, which the
    /// statement checks. `None` when a request on a stream not known accepts any version.
    fn basis(&self, batch: &[&Prepared]) -> Option<Assumed> {
        let mut versions = HashMap::with_capacity(batch.len());
        let mut check = Vec::new();
        for p in batch {
            let stream = p.request.stream_id;
            if versions.contains_key(&stream) {
                continue;
            }
            let version = match self.0.get(&stream) {
                Some(known) => *known,
                None => {
                    let stated = match p.request.expected {
                        ExpectedVersion::NoStream => 0,
                        ExpectedVersion::Exact(v) => v,
                        ExpectedVersion::Any => return None,
                    };
                    check.push((stream, stated));
                    stated
                }
            };
            versions.insert(stream, version);
        }
        Some(Assumed { versions, check })
    }

    /// The plan of `batch` on `head` without the head lock, and the versions it assumed.
    /// `None` when the batch is to be planned under the lock: a request on a stream not
    /// known accepts any version, nothing would be written, or a request would be refused
    /// for its expected version — that refusal needs the record of command keys, which only
    /// the lock path reads: a command sent again is answered with its recorded outcome,
    /// while its stream has moved on past the version it expected.
    fn plan(
        &self,
        batch: &[&Prepared],
        head: &Head,
        now: DateTime<Utc>,
        atomic: bool,
    ) -> Option<(Plan, Assumed)> {
        let assumed = self.basis(batch)?;
        let plan = plan::plan(
            batch,
            head.clone(),
            &assumed.versions,
            &HashMap::new(),
            now,
            atomic,
        );
        let refuses_a_version = plan
            .replies
            .iter()
            .any(|r| matches!(r, Reply::Failed(StoreError::Conflict { .. })));
        (plan.writes() && !refuses_a_version).then_some((plan, assumed))
    }

    /// Records what a committed `plan` leaves the streams at, from the `versions` it was
    /// planned on (checked, or known).
    fn learn(&mut self, versions: &HashMap<Uuid, i64>, plan: &Plan) {
        if self.0.len() + versions.len() > MAX_KNOWN_VERSIONS {
            self.0.clear();
        }
        self.0.extend(versions);
        for e in &plan.events {
            self.0.insert(e.stream_id, e.version);
        }
    }
}

/// One batch. When this writer's last commit is the basis and every stream's version is
/// known or stated by its requests, the plan is made from those and written in one round
/// trip, in a statement that checks the basis under the head lock ([`KnownVersions::plan`]
/// says when not); otherwise — or when that statement finds the log moved on, or a command
/// key already recorded — the head is locked, the streams and keys are read, and the plan
/// is made from what the database holds.
async fn run_batch(
    conn: &mut PgConnection,
    batch: &[&Prepared],
    last_head: Option<Head>,
    known: &mut KnownVersions,
    atomic: bool,
) -> Result<Plan, StoreError> {
    if let Some(head) = last_head {
        let now = plan::batch_time(Utc::now(), &head);
        if let Some((plan, Assumed { versions, check })) = known.plan(batch, &head, now, atomic) {
            let basis = Basis {
                head: &head,
                check: &check,
            };
            match write(&mut *conn, &basis, &plan, now).await {
                Ok(true) => {
                    known.learn(&versions, &plan);
                    return Ok(plan);
                }
                // The log moved on.
                Ok(false) => {}
                // A command key already recorded — a command sent again — or an event id
                // already used: planned under the lock, the first is answered with its
                // recorded outcome and the second refused.
                Err(e) if writer::is_unique_violation(&e) => {}
                Err(e) => return Err(e),
            }
        }
    }
    known.0.clear();

    // One round trip opens the transaction, takes the head lock and — in a statement that
    // starts after the lock is granted, so it sees every commit before ours — looks up the
    // batch's streams and command keys. The ids are UUIDs formatted by `uuid`, so writing
    // them into the SQL text cannot inject anything.
    let streams: HashSet<Uuid> = batch.iter().map(|p| p.request.stream_id).collect();
    let mut sql = String::with_capacity(256 + 40 * (streams.len() + batch.len()));
    sql.push_str("BEGIN; ");
    sql.push_str(LOCK_HEAD);
    sql.push_str(
        "; SELECT stream_id AS id, MAX(version) AS version, NULL::text AS request_hash \
        FROM events WHERE stream_id = ANY(",
    );
    uuid_array(&mut sql, streams.iter());
    sql.push_str(
        ") GROUP BY stream_id UNION ALL SELECT command_id, NULL::bigint, request_hash \
        FROM commands WHERE command_id = ANY(",
    );
    uuid_array(&mut sql, batch.iter().map(|p| &p.request.command_id));
    sql.push(')');
    let rows = conn.fetch_all(sql.as_str()).await?;
    let mut rows = rows.into_iter();
    let row = rows.next().ok_or_else(|| StoreError::Corrupt {
        position: 0,
        reason: "the ledger_head row is missing".into(),
    })?;
    let head = Head {
        position: row.try_get("position")?,
        hash: row.try_get("hash")?,
        recorded_at: row.try_get("recorded_at")?,
    };
    let mut versions = streams.iter().map(|s| (*s, 0)).collect::<HashMap<_, _>>();
    let mut recorded = HashMap::new();
    for row in rows {
        let id: Uuid = row.try_get(0)?;
        if let Some(v) = row.try_get::<Option<i64>, _>(1)? {
            versions.insert(id, v);
        } else if let Some(fingerprint) = row.try_get::<Option<String>, _>(2)? {
            recorded.insert(id, fingerprint);
        }
    }

    let now = plan::batch_time(Utc::now(), &head);
    let plan = plan::plan(batch, head.clone(), &versions, &recorded, now, atomic);
    if plan.writes() {
        // Under the lock just taken the basis holds: nothing to check but the head.
        let basis = Basis {
            head: &head,
            check: &[],
        };
        if !write(&mut *conn, &basis, &plan, now).await? {
            return Err(StoreError::Corrupt {
                position: head.position,
                reason: "the ledger head moved while this transaction held its lock".into(),
            });
        }
    }
    conn.execute("COMMIT").await?;
    known.learn(&versions, &plan);
    Ok(plan)
}

/// Runs `ocop_append_batch` for `plan`: false when the basis no longer held (nothing was
/// written).
async fn write(
    conn: &mut PgConnection,
    basis: &Basis<'_>,
    plan: &Plan,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let c = &plan.commands;
    let e = &plan.events;
    let (streams, versions): (Vec<Uuid>, Vec<i64>) = basis.check.iter().copied().unzip();
    let written = sqlx::query_scalar::<_, bool>(WRITE)
        .bind(basis.head.position)
        .bind(basis.head.hash.as_str())
        .bind(streams)
        .bind(versions)
        // The keys' absence is the primary key's to hold (see `Basis`).
        .bind(&[] as &[Uuid])
        .bind(now)
        .bind(plan.head.position)
        .bind(plan.head.hash.as_str())
        .bind(c.iter().map(|c| c.command_id).collect::<Vec<_>>())
        .bind(
            c.iter()
                .map(|c| c.request_hash.as_str())
                .collect::<Vec<_>>(),
        )
        .bind(c.iter().map(|c| c.stream_id).collect::<Vec<_>>())
        .bind(c.iter().map(|c| c.first_version).collect::<Vec<_>>())
        .bind(c.iter().map(|c| c.last_version).collect::<Vec<_>>())
        .bind(c.iter().map(|c| c.first_position).collect::<Vec<_>>())
        .bind(c.iter().map(|c| c.last_position).collect::<Vec<_>>())
        .bind(e.iter().map(|e| e.global_position).collect::<Vec<_>>())
        .bind(e.iter().map(|e| e.stream_id).collect::<Vec<_>>())
        .bind(e.iter().map(|e| e.version).collect::<Vec<_>>())
        .bind(e.iter().map(|e| e.event_id).collect::<Vec<_>>())
        .bind(e.iter().map(|e| e.event_type.as_str()).collect::<Vec<_>>())
        .bind(e.iter().map(|e| e.schema_version).collect::<Vec<_>>())
        .bind(e.iter().map(|e| e.payload.as_str()).collect::<Vec<_>>())
        .bind(e.iter().map(|e| e.actor_user.as_str()).collect::<Vec<_>>())
        .bind(e.iter().map(|e| e.actor_role.as_str()).collect::<Vec<_>>())
        .bind(e.iter().map(|e| e.actor_scope.as_str()).collect::<Vec<_>>())
        .bind(e.iter().map(|e| e.command_id).collect::<Vec<_>>())
        .bind(e.iter().map(|e| e.correlation_id).collect::<Vec<_>>())
        .bind(e.iter().map(|e| e.causation_id).collect::<Vec<_>>())
        .bind(
            e.iter()
                .map(|e| e.rules_version.as_deref())
                .collect::<Vec<_>>(),
        )
        .bind(e.iter().map(|e| e.occurred_on).collect::<Vec<_>>())
        .bind(e.iter().map(|e| e.prev_hash.as_str()).collect::<Vec<_>>())
        .bind(e.iter().map(|e| e.hash.as_str()).collect::<Vec<_>>())
        .fetch_one(conn)
        .await?;
    Ok(written)
}

/// Writes `'{…}'::uuid[]` for `ids`.
fn uuid_array<'a>(sql: &mut String, ids: impl Iterator<Item = &'a Uuid>) {
    sql.push_str("'{");
    for (i, id) in ids.enumerate() {
        if i > 0 {
            sql.push(',');
        }
        sql.push_str(&id.hyphenated().to_string());
    }
    sql.push_str("}'::uuid[]");
}

#[async_trait]
impl Backend for PgWriter {
    async fn commit_batch(
        &mut self,
        batch: &[&Prepared],
        atomic: bool,
    ) -> Result<Plan, StoreError> {
        let last_head = self.last_head.take();
        let result = async {
            self.listener().await?;
            let listener = self.listener.as_mut().expect("listener opened above");
            run_batch(
                listener.acquire().await?,
                batch,
                last_head,
                &mut self.known,
                atomic,
            )
            .await
        }
        .await;
        match &result {
            Ok(plan) => {
                // The head at this commit covers every commit before it.
                self.last_head = Some(plan.head.clone());
                self.catch_up = false;
                // This commit's own notification, and any other received meanwhile.
                self.take_notifications(None);
            }
            Err(_) => self.discard_connection().await,
        }
        result
    }

    async fn find_command(
        &mut self,
        command_id: Uuid,
    ) -> Result<Option<(String, AppendOutcome)>, StoreError> {
        find_command(&self.pool, command_id).await
    }

    async fn idle(&mut self) {
        if let Err(e) = self.listener().await {
            tracing::warn!(error = %e, "cannot open the postgres writer connection");
            tokio::time::sleep(Duration::from_millis(500)).await;
            return;
        }
        if self.catch_up {
            // Listening again: what was announced while no connection listened is lost, so
            // read the head (after `LISTEN`, so that no commit falls between the two).
            match read_head_position(&self.pool).await {
                Ok(head) => {
                    writer::advance(&self.position, head);
                    self.catch_up = false;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "cannot read the ledger head");
                    tokio::time::sleep(Duration::from_millis(500)).await;
                    return;
                }
            }
        }
        let listener = self.listener.as_mut().expect("listener opened above");
        let received = listener.try_recv().await;
        match received {
            Ok(Some(note)) => self.take_notifications(Some(note)),
            // The server closed the connection.
            Ok(None) => self.connection_lost(),
            Err(e) => {
                tracing::warn!(error = %e, "lost the postgres writer connection");
                self.discard_connection().await;
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ActorRef, ExpectedVersion, NewEvent};

    /// A new id.
    fn fresh() -> Uuid {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        Uuid::from_u128(u128::from(
            NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        ))
    }

    fn prepared(stream_id: Uuid, expected: ExpectedVersion) -> Prepared {
        plan::prepare(AppendRequest {
            stream_id,
            expected,
            command_id: fresh(),
            request_hash: "a".repeat(64),
            correlation_id: None,
            causation_id: None,
            events: vec![NewEvent {
                event_id: fresh(),
                event_type: "NoteAdded".into(),
                schema_version: 1,
                payload: serde_json::json!({"n": 1}),
                actor: ActorRef {
                    user: "thu.ky".into(),
                    role: "provincial_secretary".into(),
                    scope: "province:22".into(),
                },
                rules_version: None,
                occurred_on: None,
            }],
        })
        .expect("a well-formed request")
    }

    /// The writer knows stream `known` at version 3; the head is its last commit.
    fn writer_state() -> (Uuid, KnownVersions, Head) {
        let known = fresh();
        let head = Head {
            position: 3,
            hash: "b".repeat(64),
            recorded_at: Some(Utc::now()),
        };
        (known, KnownVersions(HashMap::from([(known, 3)])), head)
    }

    #[test]
    fn a_batch_on_known_and_stated_versions_is_planned_without_the_lock() {
        let (stream, known, head) = writer_state();
        let new_stream = fresh();
        let (a, b) = (
            prepared(stream, ExpectedVersion::Exact(3)),
            prepared(new_stream, ExpectedVersion::NoStream),
        );
        let (plan, assumed) = known
            .plan(&[&a, &b], &head, Utc::now(), false)
            .expect("planned without the lock");
        assert_eq!(plan.events.len(), 2);
        // Only the stream the writer did not know is checked by the statement.
        assert_eq!(assumed.check, vec![(new_stream, 0)]);
    }

    #[test]
    fn a_request_refused_for_its_version_sends_the_batch_to_the_lock() {
        // A command sent again expects the version its stream had when it was first
        // recorded; only the record of its key, read under the lock, answers it.
        let (stream, known, head) = writer_state();
        let new = prepared(fresh(), ExpectedVersion::NoStream);
        let sent_again = prepared(stream, ExpectedVersion::NoStream);
        assert!(
            known
                .plan(&[&new, &sent_again], &head, Utc::now(), false)
                .is_none()
        );
        assert!(
            known
                .plan(&[&sent_again], &head, Utc::now(), false)
                .is_none()
        );
    }

    #[test]
    fn a_request_on_a_stream_not_known_at_any_version_sends_the_batch_to_the_lock() {
        let (_, known, head) = writer_state();
        let any = prepared(fresh(), ExpectedVersion::Any);
        assert!(known.plan(&[&any], &head, Utc::now(), false).is_none());
    }
}

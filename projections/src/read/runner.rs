//! The projection runner: follows the log from each projection's checkpoint, in batches,
//! each batch and its checkpoint committed in one transaction; rebuilds projections into
//! shadow tables while the live ones keep answering; reports lag; lets queries wait until
//! a position is applied (read-your-writes).
//!
//! Safety with several runners on one database: every batch transaction first writes the
//! projection's checkpoint row (`UPDATE … SET position = position`), which locks it on
//! PostgreSQL and takes the write lock on SQLite, then re-reads the checkpoint and applies
//! only the events after it. Two runners therefore never apply the same event twice, and
//! since positions are gapless a batch that does not start right after the checkpoint is
//! refused rather than applied with a hole.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ocop_eventstore::EventStore;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::db::{Arg, Dialect, ReadDb, Tx, Val};
use crate::error::ProjectionError;
use crate::read::products::{self, Page, Rows, StreamFold};
use crate::read::schema::{self, Projection, SHADOW};

/// How the runner reads and applies the log.
#[derive(Debug, Clone)]
pub struct RunnerOptions {
    /// Events per batch transaction.
    pub batch_size: usize,
    /// Pages read ahead while a batch is being applied.
    pub read_ahead: usize,
    /// How often the log is looked at when no commit was announced.
    pub poll_every: Duration,
    /// Events per batch transaction during a rebuild.
    pub rebuild_batch_size: usize,
}

impl Default for RunnerOptions {
    fn default() -> Self {
        RunnerOptions {
            batch_size: 2_000,
            read_ahead: 3,
            poll_every: Duration::from_secs(1),
            rebuild_batch_size: 10_000,
        }
    }
}

/// How far one projection is behind the log.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProjectionLag {
    pub projection: &'static str,
    pub checkpoint: i64,
    pub head: i64,
    pub lag: i64,
}

/// The background task's last error and how many catch-ups in a row have failed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RunnerFailure {
    /// The error's text; only "the database is unavailable" when it could not serve.
    pub error: String,
    pub consecutive: u32,
}

/// Progress of a rebuild, reported after every batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RebuildProgress {
    pub projection: &'static str,
    /// How far it is towards `head`: while the log is loaded stream by stream, the number
    /// of events folded (positions are gapless, so the load ends at `head`); at the swap,
    /// the checkpoint.
    pub position: i64,
    /// The log's head when the load started, or the checkpoint at the swap.
    pub head: i64,
    /// Events applied so far.
    pub events: u64,
}

/// What a rebuild did.
#[derive(Debug, Clone, PartialEq)]
pub struct RebuildReport {
    pub projections: Vec<&'static str>,
    pub events: u64,
    pub position: i64,
    pub elapsed: Duration,
}

/// Waiting for a position ran out of time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("read side has applied {applied}, not yet {wanted}")]
pub struct NotYetApplied {
    pub wanted: i64,
    pub applied: i64,
}

#[derive(Debug, Default)]
struct Fault {
    projection: Option<Projection>,
    /// Fail the next batch of this projection after its writes, before its commit.
    fail_batches: usize,
}

struct Inner {
    store: Arc<dyn EventStore>,
    db: ReadDb,
    options: RunnerOptions,
    applied: watch::Sender<i64>,
    fault: Mutex<Fault>,
    /// The background task's failures since its last successful catch-up.
    failure: Mutex<Option<RunnerFailure>>,
}

impl std::fmt::Debug for Inner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inner")
            .field("db", &self.db)
            .field("options", &self.options)
            .field("applied", &*self.applied.borrow())
            .finish_non_exhaustive()
    }
}

/// Keeps the read models up to date with the log. Cheap to clone.
#[derive(Debug, Clone)]
pub struct ProjectionRunner {
    inner: Arc<Inner>,
}

/// The background task of [`ProjectionRunner::spawn`]; stops when dropped or on
/// [`RunnerHandle::stop`].
#[derive(Debug)]
pub struct RunnerHandle {
    task: JoinHandle<()>,
    stop: watch::Sender<bool>,
}

impl RunnerHandle {
    /// Stops the task after its current batch and waits for it.
    pub async fn stop(mut self) {
        let _ = self.stop.send(true);
        let _ = (&mut self.task).await;
    }
}

impl Drop for RunnerHandle {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

impl ProjectionRunner {
    /// Sets the read-model schema up (idempotent) and reads the checkpoints.
    pub async fn new(
        store: Arc<dyn EventStore>,
        db: ReadDb,
        options: RunnerOptions,
    ) -> Result<Self, ProjectionError> {
        schema::setup(&db).await?;
        let runner = ProjectionRunner {
            inner: Arc::new(Inner {
                store,
                db,
                options,
                applied: watch::Sender::new(0),
                fault: Mutex::new(Fault::default()),
                failure: Mutex::new(None),
            }),
        };
        let cps = runner.checkpoints().await?;
        runner.publish(&cps);
        Ok(runner)
    }

    pub fn db(&self) -> &ReadDb {
        &self.inner.db
    }

    pub fn store(&self) -> &Arc<dyn EventStore> {
        &self.inner.store
    }

    /// Runs the runner in the background: catches up, then waits for a commit (or the poll
    /// interval) and catches up again, until stopped. Errors are logged and retried.
    pub fn spawn(&self) -> RunnerHandle {
        let (stop, mut stopped) = watch::channel(false);
        let me = self.clone();
        let task = tokio::spawn(async move {
            let mut head = me.inner.store.subscribe();
            let mut backoff = Duration::from_millis(50);
            loop {
                if *stopped.borrow() {
                    break;
                }
                match me.catch_up().await {
                    Ok(_) => {
                        backoff = Duration::from_millis(50);
                        *me.inner.failure.lock().expect("failure lock") = None;
                    }
                    Err(e) => {
                        me.note_failure(&e);
                        tracing::warn!(error = %e, "projection batch failed; retrying");
                        tokio::select! {
                            _ = tokio::time::sleep(backoff) => {}
                            _ = stopped.changed() => break,
                        }
                        backoff = (backoff * 2).min(Duration::from_secs(5));
                        continue;
                    }
                }
                let applied = *me.inner.applied.borrow();
                if *head.borrow_and_update() > applied {
                    continue;
                }
                tokio::select! {
                    changed = head.changed() => if changed.is_err() { break },
                    _ = tokio::time::sleep(me.inner.options.poll_every) => {}
                    _ = stopped.changed() => break,
                }
            }
        });
        RunnerHandle { task, stop }
    }

    /// Failures of the background task since its last successful catch-up (`None` when the
    /// last one succeeded): a read side that keeps failing is not ready.
    pub fn failure(&self) -> Option<RunnerFailure> {
        self.inner.failure.lock().expect("failure lock").clone()
    }

    fn note_failure(&self, error: &ProjectionError) {
        let mut failure = self.inner.failure.lock().expect("failure lock");
        let consecutive = failure.as_ref().map_or(0, |f| f.consecutive) + 1;
        *failure = Some(RunnerFailure {
            // Shown by `/readyz`: when the database is down, sqlx's words stay in the log.
            error: if error.is_unavailable() {
                "the database is unavailable".to_owned()
            } else {
                error.to_string()
            },
            consecutive,
        });
    }

    /// The position up to which every live projection has been applied, as last seen.
    pub fn applied(&self) -> watch::Receiver<i64> {
        self.inner.applied.subscribe()
    }

    /// Waits until every live projection has applied `position`, at most `timeout`.
    pub async fn wait_for(&self, position: i64, timeout: Duration) -> Result<(), NotYetApplied> {
        let mut rx = self.inner.applied.subscribe();
        let waited = tokio::time::timeout(timeout, rx.wait_for(|p| *p >= position)).await;
        match waited {
            Ok(Ok(_)) => Ok(()),
            _ => Err(NotYetApplied {
                wanted: position,
                applied: *self.inner.applied.borrow(),
            }),
        }
    }

    /// Each live projection's checkpoint, the log's head and the difference.
    pub async fn lag(&self) -> Result<Vec<ProjectionLag>, ProjectionError> {
        let head = self.inner.store.head().await?.global_position;
        let cps = self.checkpoints().await?;
        Ok(Projection::ALL
            .iter()
            .zip(cps)
            .map(|(p, cp)| ProjectionLag {
                projection: p.name(),
                checkpoint: cp,
                head,
                lag: (head - cp).max(0),
            })
            .collect())
    }

    async fn checkpoints(&self) -> Result<Vec<i64>, ProjectionError> {
        let rows = self
            .inner
            .db
            .fetch("SELECT projection, position FROM rm_checkpoints", vec![])
            .await?;
        Ok(Projection::ALL
            .iter()
            .map(|p| {
                rows.iter()
                    .find(|r| r[0].text().as_deref() == Some(p.name()))
                    .and_then(|r| r[1].i64())
                    .unwrap_or(0)
            })
            .collect())
    }

    fn publish(&self, cps: &[i64]) {
        let min = cps.iter().copied().min().unwrap_or(0);
        self.inner.applied.send_if_modified(|p| {
            if min > *p {
                *p = min;
                true
            } else {
                false
            }
        });
    }

    /// Applies everything committed so far to every live projection; returns the position
    /// up to which all of them are applied.
    #[tracing::instrument(skip_all, err)]
    pub async fn catch_up(&self) -> Result<i64, ProjectionError> {
        let mut cps = self.checkpoints().await?;
        self.publish(&cps);
        let from = cps.iter().copied().min().unwrap_or(0);
        let mut pages = Pages::new(
            self.inner.store.clone(),
            from,
            self.inner.options.batch_size,
            self.inner.options.read_ahead,
        );
        while let Some(page) = pages.next().await? {
            for (i, p) in Projection::ALL.iter().enumerate() {
                if cps[i] < page.last_position() {
                    cps[i] = self.apply_batch(*p, &page).await?;
                }
            }
            self.publish(&cps);
        }
        Ok(cps.iter().copied().min().unwrap_or(0))
    }

    /// One batch transaction: lock and re-read the checkpoint, apply what follows it,
    /// move the checkpoint, commit. Returns the new checkpoint.
    async fn apply_batch(
        &self,
        projection: Projection,
        page: &Page,
    ) -> Result<i64, ProjectionError> {
        let name = projection.name();
        let mut tx = self.inner.db.begin().await?;
        let cp = lock_checkpoint(&mut tx, name)
            .await?
            .ok_or_else(|| ProjectionError::Corrupt(format!("no checkpoint row for {name}")))?;
        let new = apply_after(&mut tx, projection, "", cp, page).await?;
        if new == cp {
            return Ok(cp);
        }
        self.maybe_fail(projection)?;
        set_checkpoint(&mut tx, name, new).await?;
        tx.commit().await?;
        Ok(new)
    }

    fn maybe_fail(&self, projection: Projection) -> Result<(), ProjectionError> {
        let mut fault = self.inner.fault.lock().expect("fault lock");
        if fault.fail_batches > 0 && fault.projection.is_none_or(|p| p == projection) {
            fault.fail_batches -= 1;
            return Err(ProjectionError::Injected(format!(
                "batch of {} aborted before commit",
                projection.name()
            )));
        }
        Ok(())
    }

    /// Test hook: the next `batches` batch transactions (of `projection`, or of any) fail
    /// after their writes and before their commit, as if the process died there.
    #[doc(hidden)]
    pub fn inject_batch_failures(&self, projection: Option<Projection>, batches: usize) {
        let mut fault = self.inner.fault.lock().expect("fault lock");
        fault.projection = projection;
        fault.fail_batches = batches;
    }

    /// Rebuilds the named projection (see [`Projection::parse`]; `all` for every one) from
    /// the log into shadow tables while the live tables keep answering, then swaps them in
    /// one short transaction that first applies whatever was committed meanwhile.
    #[tracing::instrument(skip_all, fields(projection = name), err)]
    pub async fn rebuild(
        &self,
        name: &str,
        mut progress: impl FnMut(RebuildProgress) + Send,
    ) -> Result<RebuildReport, ProjectionError> {
        let started = Instant::now();
        let projections = Projection::parse(name)
            .ok_or_else(|| ProjectionError::UnknownProjection(name.to_owned()))?;
        let mut events = 0_u64;
        let mut position = 0;
        for p in &projections {
            let shadow = self.prepare_shadow(*p).await?;
            let (head, loaded) = self.load_shadow(&shadow, &mut progress).await?;
            let swapped = self.swap(&shadow).await?;
            events += loaded + (swapped - head).max(0) as u64;
            position = position.max(swapped);
            progress(RebuildProgress {
                projection: p.name(),
                position: swapped,
                head: swapped,
                events,
            });
        }
        let cps = self.checkpoints().await?;
        self.publish(&cps);
        Ok(RebuildReport {
            projections: projections.iter().map(|p| p.name()).collect(),
            events,
            position,
            elapsed: started.elapsed(),
        })
    }

    /// Recomputes the named projection (`all` for every one) from the log into shadow
    /// tables and compares them, row by row, with the live tables at one position of the
    /// log: every row that differs is reported. The live tables are not changed (both sets
    /// are brought to the same position inside a transaction that is rolled back), and the
    /// shadow tables are dropped afterwards. Do not run it during a rebuild of the same
    /// projection: it takes the shadow tables over.
    #[tracing::instrument(skip_all, fields(projection = name), err)]
    pub async fn verify(&self, name: &str) -> Result<ProjectionsVerification, ProjectionError> {
        let projections = Projection::parse(name)
            .ok_or_else(|| ProjectionError::UnknownProjection(name.to_owned()))?;
        let mut report = ProjectionsVerification {
            ok: true,
            position: 0,
            tables: Vec::new(),
        };
        for p in projections {
            let shadow = self.prepare_shadow(p).await?;
            let compared = async {
                self.load_shadow(&shadow, &mut |_| {}).await?;
                self.compare(&shadow).await
            }
            .await;
            self.discard_shadow(&shadow).await?;
            let (position, tables) = compared?;
            report.position = report.position.max(position);
            report.ok &= tables.iter().all(|t| t.differing.is_empty());
            report.tables.extend(tables);
        }
        Ok(report)
    }

    /// Brings the live and the shadow tables of `shadow` to the log's head inside one
    /// transaction holding both checkpoints, compares them, and rolls the transaction back.
    async fn compare(
        &self,
        shadow: &Shadow,
    ) -> Result<(i64, Vec<TableVerification>), ProjectionError> {
        let p = shadow.projection;
        let mut tx = self.inner.db.begin().await?;
        let live = lock_checkpoint(&mut tx, p.name())
            .await?
            .ok_or_else(|| ProjectionError::Corrupt(format!("no checkpoint row for {p:?}")))?;
        let recomputed = shadow.lock(&mut tx).await?;
        let target = self.inner.store.head().await?.global_position;
        for (suffix, mut cp) in [("", live), (SHADOW, recomputed)] {
            while cp < target {
                let limit = self.inner.options.batch_size.min((target - cp) as usize);
                let stored = self.inner.store.read_all_stored(cp, limit).await?;
                if stored.is_empty() {
                    break;
                }
                cp = apply_after(&mut tx, p, suffix, cp, &Page::decode(stored)?).await?;
            }
        }
        let mut tables = Vec::new();
        for t in p.tables() {
            let differing = |from: &str, minus: &str| {
                format!(
                    "SELECT * FROM {from} EXCEPT SELECT * FROM {minus} ORDER BY 1 LIMIT {MAX_DIFFERING}"
                )
            };
            let shadow_table = format!("{t}{SHADOW}");
            let only_live = tx.fetch(&differing(t, &shadow_table), Vec::new()).await?;
            let only_recomputed = tx.fetch(&differing(&shadow_table, t), Vec::new()).await?;
            let row = |r: &Vec<Val>| -> Vec<serde_json::Value> {
                r.iter()
                    .map(|v| match v {
                        Val::Null => serde_json::Value::Null,
                        Val::I64(n) => (*n).into(),
                        Val::Text(t) => t.clone().into(),
                    })
                    .collect()
            };
            let differing: Vec<DifferingRow> = only_live
                .iter()
                .map(|r| DifferingRow {
                    side: "live",
                    row: row(r),
                })
                .chain(only_recomputed.iter().map(|r| DifferingRow {
                    side: "recomputed",
                    row: row(r),
                }))
                .collect();
            tables.push(TableVerification {
                table: (*t).to_owned(),
                differing,
            });
        }
        drop(tx); // rolled back: the live tables stay as they were
        Ok((target, tables))
    }

    /// Drops the shadow tables of a verification and forgets them.
    async fn discard_shadow(&self, shadow: &Shadow) -> Result<(), ProjectionError> {
        let p = shadow.projection;
        let mut tx = self.inner.db.begin().await?;
        tx.batch(&p.drop_sql(SHADOW)).await?;
        tx.execute(
            "DELETE FROM rm_checkpoints WHERE projection = $1",
            vec![shadow.checkpoint().into()],
        )
        .await?;
        tx.execute(
            "DELETE FROM rm_meta WHERE key = $1",
            vec![owner_key(p).into()],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Loads the shadow tables of `p` with the log up to its current head, read stream by
    /// stream so that each product is folded whole and written once, then creates their
    /// indexes and sets their checkpoint to that head. Three stages overlap: pages read and
    /// decoded ahead, the fold, and the batch transactions. Every event up to the head is
    /// folded once: the streams' versions must follow each other from 1, and the count must
    /// come to the head (positions are gapless). Returns the head and the events loaded.
    async fn load_shadow(
        &self,
        shadow: &Shadow,
        progress: &mut (impl FnMut(RebuildProgress) + Send),
    ) -> Result<(i64, u64), ProjectionError> {
        let p = shadow.projection;
        let head = self.inner.store.head().await?.global_position;
        let size = self.inner.options.rebuild_batch_size.max(1);

        type Decoding = JoinHandle<Result<Page, ProjectionError>>;
        let (pages, mut pages_rx) = tokio::sync::mpsc::channel::<Result<Decoding, ProjectionError>>(
            self.inner.options.read_ahead.max(1),
        );
        let store = self.inner.store.clone();
        let reader = AbortOnDrop(tokio::spawn(async move {
            let mut after = None;
            loop {
                let stored = match store.read_streams_stored(after, head, size).await {
                    Ok(stored) => stored,
                    Err(e) => {
                        let _ = pages.send(Err(e.into())).await;
                        return;
                    }
                };
                let Some(last) = stored.last() else { return };
                after = Some((last.stream_id, last.version));
                let full = stored.len() == size;
                let decoding = tokio::spawn(async move { Page::decode(stored) });
                if pages.send(Ok(decoding)).await.is_err() || !full {
                    return;
                }
            }
        }));

        // The batches' transactions, on as many connections as the database runs writers
        // side by side (their products are distinct and the statistics come last).
        let writers = self.inner.db.concurrent_writers();
        let (batches, batches_rx) = tokio::sync::mpsc::channel::<Rows>(writers);
        let batches_rx = Arc::new(tokio::sync::Mutex::new(batches_rx));
        let writers: Vec<_> = (0..writers)
            .map(|_| {
                let me = self.clone();
                let owned = shadow.clone();
                let batches_rx = batches_rx.clone();
                AbortOnDrop(tokio::spawn(async move {
                    let written = async {
                        loop {
                            let Some(rows) = batches_rx.lock().await.recv().await else {
                                return Ok::<_, ProjectionError>(());
                            };
                            let mut tx = me.inner.db.begin().await?;
                            owned.share(&mut tx).await?;
                            rows.write(&mut tx).await?;
                            tx.commit().await?;
                        }
                    }
                    .await;
                    if written.is_err() {
                        // The fold stops at its next batch.
                        batches_rx.lock().await.close();
                    }
                    written
                }))
            })
            .collect();

        let mut fold = StreamFold::default();
        let mut loaded = 0_u64;
        let folded: Result<(), ProjectionError> = async {
            while let Some(decoding) = pages_rx.recv().await {
                let page = decoding?.await.map_err(|e| {
                    ProjectionError::Corrupt(format!("log decoding task failed: {e}"))
                })??;
                loaded += page.events.len() as u64;
                if batches.send(fold.page(SHADOW, &page)?).await.is_err() {
                    return Ok(()); // a writer failed; its error is collected below
                }
                progress(RebuildProgress {
                    projection: p.name(),
                    position: loaded as i64,
                    head,
                    events: loaded,
                });
            }
            let _ = batches.send(fold.finish(SHADOW)?).await;
            Ok(())
        }
        .await;
        drop(batches);
        drop(reader);
        let mut written = Ok(());
        for writer in writers {
            let result = writer.join().await.and_then(|w| w);
            written = written.and(result);
        }
        folded?;
        written?;
        if loaded != head as u64 {
            return Err(ProjectionError::Corrupt(format!(
                "the log read stream by stream held {loaded} events up to position {head}"
            )));
        }
        let mut tx = self.inner.db.begin().await?;
        shadow.lock(&mut tx).await?;
        tx.batch(&p.indexes(SHADOW, shadow.generation)).await?;
        set_checkpoint(&mut tx, &shadow.checkpoint(), head).await?;
        tx.commit().await?;
        Ok((head, loaded))
    }

    /// Drops and recreates the shadow tables of `p` at checkpoint 0, owned by this rebuild.
    async fn prepare_shadow(&self, p: Projection) -> Result<Shadow, ProjectionError> {
        let mut tx = self.inner.db.begin().await?;
        let generation = schema::meta(&mut tx, &schema::generation_key(p))
            .await?
            .unwrap_or(0)
            + 1;
        // The checkpoint row first, the tables after, as every batch of a rebuild takes
        // them: a rebuild taking over from a running one waits for its batch instead of
        // deadlocking with it.
        tx.execute(
            "INSERT INTO rm_checkpoints (projection, position) VALUES ($1, 0)
             ON CONFLICT (projection) DO UPDATE SET position = 0",
            vec![format!("{}{SHADOW}", p.name()).into()],
        )
        .await?;
        tx.batch(&p.drop_sql(SHADOW)).await?;
        tx.batch(&p.tables_ddl(SHADOW)).await?;
        schema::tune_postgres(&mut tx, p, SHADOW).await?;
        let owner = uuid::Uuid::new_v4().as_u64_pair().0 as i64;
        schema::set_meta(&mut tx, &owner_key(p), owner).await?;
        tx.commit().await?;
        Ok(Shadow {
            projection: p,
            generation,
            owner,
        })
    }

    /// Catches the shadow tables of `p` up to the head and puts them in place of the live
    /// ones, in one transaction holding both checkpoints. Returns the new checkpoint.
    async fn swap(&self, shadow: &Shadow) -> Result<i64, ProjectionError> {
        let p = shadow.projection;
        let generation = shadow.generation;
        let shadow_name = shadow.checkpoint();
        let mut tx = self.inner.db.begin().await?;
        lock_checkpoint(&mut tx, p.name()).await?;
        let mut cp = shadow.lock(&mut tx).await?;
        loop {
            let stored = self
                .inner
                .store
                .read_all_stored(cp, self.inner.options.batch_size)
                .await?;
            if stored.is_empty() {
                break;
            }
            let page = Page::decode(stored)?;
            cp = apply_after(&mut tx, p, SHADOW, cp, &page).await?;
        }
        tx.batch(&p.drop_sql("")).await?;
        for t in p.tables() {
            tx.batch(&format!("ALTER TABLE {t}{SHADOW} RENAME TO {t}"))
                .await?;
        }
        set_checkpoint(&mut tx, p.name(), cp).await?;
        tx.execute(
            "DELETE FROM rm_checkpoints WHERE projection = $1",
            vec![shadow_name.into()],
        )
        .await?;
        tx.execute(
            "DELETE FROM rm_meta WHERE key = $1",
            vec![owner_key(p).into()],
        )
        .await?;
        schema::set_meta(&mut tx, &schema::generation_key(p), generation).await?;
        tx.commit().await?;
        Ok(cp)
    }
}

/// The most differing rows reported per table and side.
const MAX_DIFFERING: usize = 50;

/// What `ocop projections verify` found: `ok` when every table of the recomputed read
/// models equals the live one at `position`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ProjectionsVerification {
    pub ok: bool,
    /// The log position both were compared at.
    pub position: i64,
    pub tables: Vec<TableVerification>,
}

/// One table's comparison.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TableVerification {
    pub table: String,
    /// Rows only in the live table (`side: live`) or only in the recomputed one, at most
    /// 50 of each, in column order.
    pub differing: Vec<DifferingRow>,
}

/// A row found on one side only.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DifferingRow {
    pub side: &'static str,
    pub row: Vec<serde_json::Value>,
}

/// The shadow tables of one rebuild.
#[derive(Debug, Clone)]
struct Shadow {
    projection: Projection,
    /// The generation in their index names.
    generation: i64,
    /// A random number naming the rebuild that owns them: a rebuild started later takes
    /// them over, and this one then stops with `RebuildLost` instead of writing into the
    /// other's tables.
    owner: i64,
}

impl Shadow {
    fn checkpoint(&self) -> String {
        format!("{}{SHADOW}", self.projection.name())
    }

    /// Locks the shadow checkpoint for this transaction (which also waits for or keeps out
    /// another rebuild's preparation) and checks this rebuild still owns the tables;
    /// returns the checkpoint.
    async fn lock(&self, tx: &mut Tx) -> Result<i64, ProjectionError> {
        let cp = lock_checkpoint(tx, &self.checkpoint()).await?;
        self.owned(tx, cp).await
    }

    /// [`Shadow::lock`] shared with the other batches of this rebuild's load, which then
    /// run side by side: a rebuild taking the tables over still waits for them all, and
    /// they for it.
    async fn share(&self, tx: &mut Tx) -> Result<(), ProjectionError> {
        let lock = match tx.dialect() {
            // A write transaction on SQLite holds the whole database.
            Dialect::Sqlite => "",
            Dialect::Postgres => " FOR SHARE",
        };
        let rows = tx
            .fetch(
                &format!("SELECT position FROM rm_checkpoints WHERE projection = $1{lock}"),
                vec![self.checkpoint().into()],
            )
            .await?;
        let cp = rows.first().and_then(|r| r[0].i64());
        self.owned(tx, cp).await.map(|_| ())
    }

    /// `cp`, the shadow checkpoint just locked, if this rebuild still owns the tables.
    async fn owned(&self, tx: &mut Tx, cp: Option<i64>) -> Result<i64, ProjectionError> {
        let owner = schema::meta(tx, &owner_key(self.projection)).await?;
        match cp {
            Some(cp) if owner == Some(self.owner) => Ok(cp),
            _ => Err(ProjectionError::RebuildLost(self.projection.name())),
        }
    }
}

/// The `rm_meta` key naming the rebuild that owns the shadow tables of `p`.
fn owner_key(p: Projection) -> String {
    format!("rebuild_owner:{}", p.name())
}

/// Locks the checkpoint row `name` for this transaction and returns its position (`None`
/// when there is no such row).
async fn lock_checkpoint(tx: &mut Tx, name: &str) -> Result<Option<i64>, ProjectionError> {
    let touched = tx
        .execute(
            "UPDATE rm_checkpoints SET position = position WHERE projection = $1",
            vec![name.into()],
        )
        .await?;
    if touched == 0 {
        return Ok(None);
    }
    let rows = tx
        .fetch(
            "SELECT position FROM rm_checkpoints WHERE projection = $1",
            vec![name.into()],
        )
        .await?;
    Ok(rows.first().and_then(|r| r[0].i64()))
}

async fn set_checkpoint(tx: &mut Tx, name: &str, position: i64) -> Result<(), ProjectionError> {
    let now = ocop_eventstore::canonical::format_timestamp(&chrono::Utc::now());
    tx.execute(
        "UPDATE rm_checkpoints SET position = $2, updated_at = $3 WHERE projection = $1",
        vec![Arg::from(name), Arg::from(position), Arg::from(now)],
    )
    .await?;
    Ok(())
}

/// Applies the events of `page` after `checkpoint` inside `tx`; returns the new checkpoint.
async fn apply_after(
    tx: &mut Tx,
    projection: Projection,
    suffix: &str,
    checkpoint: i64,
    page: &Page,
) -> Result<i64, ProjectionError> {
    let (todo, decoded) = page.after(checkpoint);
    let Some(first) = todo.first() else {
        return Ok(checkpoint);
    };
    if first.global_position != checkpoint + 1 {
        return Err(ProjectionError::Gap {
            projection: projection.name(),
            checkpoint,
            first: first.global_position,
        });
    }
    match projection {
        Projection::Products => products::apply(tx, suffix, todo, decoded).await?,
    }
    Ok(todo.last().map_or(checkpoint, |e| e.global_position))
}

/// A task aborted when dropped (a stage of a rebuild whose other stages failed).
struct AbortOnDrop<T>(JoinHandle<T>);

impl<T> AbortOnDrop<T> {
    /// Waits for the task's own result.
    async fn join(mut self) -> Result<T, ProjectionError> {
        (&mut self.0)
            .await
            .map_err(|e| ProjectionError::Corrupt(format!("rebuild task failed: {e}")))
    }
}

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Pages of the log after a position, with a few pages read ahead and decoded (positions
/// are gapless, so page k + 1 starts where a full page k ends).
struct Pages {
    store: Arc<dyn EventStore>,
    next_after: i64,
    expect_after: i64,
    limit: usize,
    depth: usize,
    inflight: VecDeque<JoinHandle<Result<Page, ProjectionError>>>,
    done: bool,
}

impl Pages {
    fn new(store: Arc<dyn EventStore>, after: i64, limit: usize, depth: usize) -> Self {
        Pages {
            store,
            next_after: after,
            expect_after: after,
            limit: limit.max(1),
            depth: depth.max(1),
            inflight: VecDeque::new(),
            done: false,
        }
    }

    async fn next(&mut self) -> Result<Option<Page>, ProjectionError> {
        if self.done {
            return Ok(None);
        }
        while self.inflight.len() < self.depth {
            let store = self.store.clone();
            let (after, limit) = (self.next_after, self.limit);
            self.inflight.push_back(tokio::spawn(async move {
                let stored = store.read_all_stored(after, limit).await?;
                Page::decode(stored)
            }));
            self.next_after += self.limit as i64;
        }
        let Some(handle) = self.inflight.pop_front() else {
            return Ok(None);
        };
        let page = handle
            .await
            .map_err(|e| ProjectionError::Corrupt(format!("log reader task failed: {e}")))??;
        if page.events.len() < self.limit {
            self.done = true;
            for h in self.inflight.drain(..) {
                h.abort();
            }
        }
        let Some(first) = page.events.first() else {
            return Ok(None);
        };
        if first.global_position != self.expect_after + 1 {
            return Err(ProjectionError::Gap {
                projection: "log",
                checkpoint: self.expect_after,
                first: first.global_position,
            });
        }
        self.expect_after = page.last_position().max(self.expect_after);
        Ok(Some(page))
    }
}

impl Drop for Pages {
    fn drop(&mut self) {
        for h in self.inflight.drain(..) {
            h.abort();
        }
    }
}

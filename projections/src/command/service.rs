//! The command service: load a product's stream, fold it, decide, append with the expected
//! version and the command's idempotency key; and as-of replay from the stream itself.
//!
//! Results have two layers (esrs-style): the outer `Result` is infrastructure
//! ([`ServiceError`]: store down, version conflict, idempotency key reused), the inner one
//! is the domain's verdict ([`DomainError`]: the command breaks a rule, nothing recorded).

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use ocop_domain::state::Recognition;
use ocop_domain::{Command, DomainError, Event, ProductState, RuleBook};
use ocop_eventstore::{AppendRequest, EventStore, ExpectedVersion, StoreError, StreamRange};
use serde::Serialize;
use uuid::Uuid;

use crate::command::codec::{self, DecodeError};
use crate::read::query::ReadModels;

/// How often a command that lost a race is decided in all before the caller gets a 409:
/// enough for a council's secretaries all recording cards at the same moment.
pub const DEFAULT_MAX_ATTEMPTS: usize = 16;

/// The UUID version of every idempotency key the server derives for its own commands
/// (expiry timers, legacy import rows, the demo data set): version 8, from SHA-256 over what
/// the command is about. A client may not send a key of this version (the API refuses it
/// with 400), so no client can take a key the server will use — and the timers and the
/// import still record their command under a fresh key when one is somehow taken.
pub const SERVER_KEY_VERSION: usize = 8;

/// Whether `key` is of the kind the server derives for its own commands.
pub fn is_server_key(key: Uuid) -> bool {
    key.get_version_num() == SERVER_KEY_VERSION
}

/// The products of a group whose commands broke a rule, each with its refusal.
pub type Rejections = Vec<(Uuid, DomainError)>;

/// The key under which the command for `product_id` of a group sent with `key` is recorded.
pub fn group_item_key(key: Uuid, product_id: Uuid) -> Uuid {
    crate::ids::v8(
        b"ocop-group-item\0",
        &[key.as_bytes(), product_id.as_bytes()],
    )
    .0
}

/// What comes with a command from the caller besides the command itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecuteOptions {
    /// The `Idempotency-Key`.
    pub idempotency_key: Uuid,
    /// The `If-Match` version: with it, a stale version is a conflict; without it, a lost
    /// race is decided again.
    pub expected_version: Option<i64>,
    /// Lowercase hex SHA-256 of the command's content (the same key with another hash is
    /// refused).
    pub request_hash: String,
    pub correlation_id: Option<Uuid>,
    pub causation_id: Option<Uuid>,
}

impl ExecuteOptions {
    /// Options with a key and hash and nothing else.
    pub fn new(idempotency_key: Uuid, request_hash: impl Into<String>) -> Self {
        ExecuteOptions {
            idempotency_key,
            expected_version: None,
            request_hash: request_hash.into(),
            correlation_id: None,
            causation_id: None,
        }
    }
}

/// One recorded event of a command's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordedRef {
    pub event_type: String,
    pub version: i64,
}

/// A command's answer: `{"product_id", "version", "global_position", "events"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CommandOutcome {
    pub product_id: Uuid,
    /// The stream's version after the command (the `ETag`).
    pub version: i64,
    /// The global position of the command's last event (for `min_position`).
    pub global_position: i64,
    pub events: Vec<RecordedRef>,
    /// True when the idempotency key had been seen and nothing new was recorded (200).
    pub replayed: bool,
    pub recorded_at: DateTime<Utc>,
    /// The events this call recorded, as decided (empty for a replay: read them from the
    /// log at `events`' versions).
    #[serde(skip)]
    pub recorded: Vec<Event>,
}

impl From<ocop_eventstore::AppendOutcome> for CommandOutcome {
    fn from(o: ocop_eventstore::AppendOutcome) -> Self {
        CommandOutcome {
            product_id: o.stream_id,
            version: o.last_version,
            global_position: o.last_position,
            events: o
                .events
                .into_iter()
                .map(|(event_type, version)| RecordedRef {
                    event_type,
                    version,
                })
                .collect(),
            replayed: o.replayed,
            recorded_at: o.recorded_at,
            recorded: Vec::new(),
        }
    }
}

/// Infrastructure failures of the command service (not rule violations).
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// `If-Match` named a version the stream is no longer (or not yet) at (409).
    #[error("product {product_id} is at version {actual}, not {expected}")]
    VersionConflict {
        product_id: Uuid,
        expected: i64,
        actual: i64,
    },
    /// Concurrent writers won every attempt (409).
    #[error("product {product_id}: gave up after {attempts} attempts lost to concurrent writers")]
    Contention { product_id: Uuid, attempts: usize },
    /// The idempotency key was used for a different command (422).
    #[error("idempotency key {0} was already used for a different command")]
    IdempotencyKeyReused(Uuid),
    /// The certificate number the command gives is already carried by another product of
    /// the same province (422 `rule_violation`, code `certificate_not_unique`).
    #[error(
        "certificate number {certificate_no:?} is already carried by product {held_by} of \
         province {province}: a certificate number is unique within its province"
    )]
    CertificateTaken {
        certificate_no: String,
        province: String,
        held_by: Uuid,
    },
    /// A stored event does not decode (503/500; the log needs attention).
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// An event could not be serialised for the store.
    #[error("cannot serialise an event: {0}")]
    Encode(String),
    /// The store failed (503 when unavailable).
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for ServiceError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::IdempotencyKeyReused { command_id } => {
                ServiceError::IdempotencyKeyReused(command_id)
            }
            other => ServiceError::Store(other),
        }
    }
}

/// A product's state with the stream version and position it was folded to.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LoadedState {
    pub state: ProductState,
    /// 0 when the stream does not exist.
    pub version: i64,
    /// The global position of the last folded event (0 for none).
    pub global_position: i64,
    /// When the last folded event was recorded.
    pub recorded_at: Option<DateTime<Utc>>,
    /// The id of the last folded event: a kept state is valid while the stream's event at
    /// its version is this one.
    pub last_event_id: Option<Uuid>,
}

/// The answer to "was it recognised on that business date".
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ValidOn {
    pub product_id: Uuid,
    pub date: NaiveDate,
    /// The stream version the answer was derived from.
    pub as_of_version: i64,
    pub recognized: bool,
    /// The recognition in force on `date`: stars, level, decision, validity.
    pub recognition: Option<Recognition>,
}

/// Executes commands and replays streams.
#[derive(Clone)]
pub struct CommandService {
    store: Arc<dyn EventStore>,
    rules: Option<Arc<RuleBook>>,
    max_attempts: usize,
    /// The read models a command's certificate number is checked against and the commune
    /// succession is read from, when given.
    reads: Option<ReadModels>,
    /// The states this process folded last, shared by its clones ([`StateCache`]).
    states: Arc<StateCache>,
}

/// How many products' states a process keeps folded.
const CACHED_STATES: usize = 4_096;

/// The states of the products this process decided on last, each with the stream version
/// it was folded to. A command's load reads the stream from that version on — one indexed
/// read that returns the one event it folded last when no other process wrote since — and
/// folds what follows on the kept state, so a command's cost does not grow with its
/// stream's length. The log is append-only and its events never change, so a state folded
/// from versions 1..=v is the state of those versions for good; the same read validates it
/// against the stream (the event at `v` must be the one folded last) and brings what was
/// written since, by whoever (another `ocop serve`, an import, a timer run). Bounded: past
/// [`CACHED_STATES`] products the least recently used is dropped.
#[derive(Debug, Default)]
struct StateCache {
    entries: std::sync::Mutex<HashMap<Uuid, (LoadedState, u64)>>,
    clock: std::sync::atomic::AtomicU64,
}

impl StateCache {
    /// The kept state, taken out: a command folds onto it and gives it back ([`Self::put`])
    /// without copying it; a concurrent command of this process on the same product folds
    /// the stream itself meanwhile.
    fn take(&self, id: Uuid) -> Option<LoadedState> {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.remove(&id).map(|(state, _)| state)
    }

    /// Keeps `loaded` unless a state of a later version is kept already.
    fn put(&self, id: Uuid, loaded: LoadedState) {
        let tick = self.tick();
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries
            .get(&id)
            .is_some_and(|(kept, _)| kept.version >= loaded.version)
        {
            return;
        }
        if entries.len() >= CACHED_STATES && !entries.contains_key(&id) {
            if let Some(oldest) = entries
                .iter()
                .min_by_key(|(_, (_, used))| *used)
                .map(|(k, _)| *k)
            {
                entries.remove(&oldest);
            }
        }
        entries.insert(id, (loaded, tick));
    }

    fn tick(&self) -> u64 {
        self.clock
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    }
}

impl std::fmt::Debug for CommandService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CommandService")
            .field("max_attempts", &self.max_attempts)
            .finish_non_exhaustive()
    }
}

impl CommandService {
    /// A service deciding under the standard rule book.
    pub fn new(store: Arc<dyn EventStore>) -> Self {
        CommandService {
            store,
            rules: None,
            max_attempts: DEFAULT_MAX_ATTEMPTS,
            reads: None,
            states: Arc::default(),
        }
    }

    /// Checks commands against what the read models `reads` know:
    /// - refuses a command that would give a product a certificate number another product
    ///   of its province already carries. Read models lag the log by the projection
    ///   runner's batch, so two decisions giving one number at the same instant can both
    ///   pass: the public look-up then answers both candidates rather than one, and the
    ///   audit reads them from the log;
    /// - gives a commune officer's command on a record of another commune the commune in
    ///   force that holds it ([`ocop_domain::CommandMeta::held_by`], from the commune succession an
    ///   operator loaded, [`crate::import::units`]), so that the officer of a merged commune acts
    ///   on its predecessors' records.
    pub fn with_read_models(mut self, reads: ReadModels) -> Self {
        self.reads = Some(reads);
        self
    }

    /// Decides under `rules` instead of the standard rule book.
    pub fn with_rules(mut self, rules: Arc<RuleBook>) -> Self {
        self.rules = Some(rules);
        self
    }

    /// How many times a command without an expected version is decided in all.
    pub fn with_max_attempts(mut self, attempts: usize) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    pub fn store(&self) -> &Arc<dyn EventStore> {
        &self.store
    }

    /// Executes `command`: loads, decides and appends under the command's idempotency key
    /// (a key already recorded gets its recorded outcome), deciding again on a lost race
    /// when the caller gave no expected version.
    // No `err` here: a refusal (409, 422) is the caller's, logged with its answer's level
    // by the server, and an infrastructure failure is logged there as the 5xx it becomes.
    #[tracing::instrument(
        skip_all,
        fields(product_id = %command.meta.product_id, key = %options.idempotency_key)
    )]
    pub async fn execute(
        &self,
        command: Command,
        options: ExecuteOptions,
    ) -> Result<Result<CommandOutcome, DomainError>, ServiceError> {
        let product_id = command.meta.product_id;
        // A key already recorded is not looked up first: the store answers an append under
        // it with the recorded outcome (or refuses other content under it), and every way
        // out that does not append — a rejection, a version conflict, nothing to record —
        // looks it up. A new command, the common case, saves that round trip.
        for attempt in 0..self.max_attempts {
            let loaded = self.take(product_id).await?;
            let placed = match self.placed(&loaded.state, &command).await {
                Ok(placed) => placed,
                Err(e) => {
                    self.keep(product_id, loaded);
                    return Err(e);
                }
            };
            let decided = match &self.rules {
                Some(rules) => ocop_domain::decide_with(rules, &loaded.state, &placed),
                None => ocop_domain::decide(&loaded.state, &placed),
            };
            if let Some(expected) = options.expected_version {
                if expected != loaded.version {
                    let actual = loaded.version;
                    self.keep(product_id, loaded);
                    if let Some(known) = self.replay(&options, decided.as_ref().err()).await? {
                        return Ok(Ok(known));
                    }
                    // A caller who may not send this command is told so, not of the version.
                    return match decided {
                        Err(rejected) if rejected.is_forbidden() => Ok(Err(rejected)),
                        _ => Err(ServiceError::VersionConflict {
                            product_id,
                            expected,
                            actual,
                        }),
                    };
                }
            }
            let events = match decided {
                Ok(events) => events,
                Err(rejected) => {
                    self.keep(product_id, loaded);
                    // The state may have moved because a twin of this command (the same
                    // key, sent again while the first was running) was recorded since the
                    // key was looked up: then its answer is this command's answer.
                    if let Some(known) = self.replay(&options, Some(&rejected)).await? {
                        return Ok(Ok(known));
                    }
                    return Ok(Err(rejected));
                }
            };
            if events.is_empty() {
                let unchanged = CommandOutcome {
                    product_id,
                    version: loaded.version,
                    global_position: loaded.global_position,
                    events: Vec::new(),
                    replayed: false,
                    recorded_at: loaded.recorded_at.unwrap_or_else(Utc::now),
                    recorded: Vec::new(),
                };
                self.keep(product_id, loaded);
                if let Some(known) = self.replay(&options, None).await? {
                    return Ok(Ok(known));
                }
                return Ok(Ok(unchanged));
            }
            self.check_certificate(&loaded.state, &events, product_id)
                .await?;
            let decided = events;
            let events = decided
                .iter()
                .map(codec::to_new_event)
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| ServiceError::Encode(e.to_string()))?;
            let request = AppendRequest {
                stream_id: product_id,
                expected: if loaded.version == 0 {
                    ExpectedVersion::NoStream
                } else {
                    ExpectedVersion::Exact(loaded.version)
                },
                command_id: options.idempotency_key,
                request_hash: options.request_hash.clone(),
                correlation_id: options.correlation_id,
                causation_id: options.causation_id,
                events,
            };
            match self.store.append(request).await {
                Ok(outcome) => {
                    let mut outcome = CommandOutcome::from(outcome);
                    if outcome.replayed {
                        self.keep(product_id, loaded);
                    } else if outcome.version == loaded.version + decided.len() as i64 {
                        // What this command recorded is folded on here: the next command
                        // on the product reads nothing it does not know.
                        let mut after = loaded;
                        for e in &decided {
                            after.state = ocop_domain::evolve(after.state, e);
                        }
                        after.version = outcome.version;
                        after.global_position = outcome.global_position;
                        after.recorded_at = Some(outcome.recorded_at);
                        after.last_event_id = decided.last().map(|e| e.event_id);
                        self.keep(product_id, after);
                    }
                    if !outcome.replayed {
                        outcome.recorded = decided;
                    }
                    return Ok(Ok(outcome));
                }
                Err(StoreError::Conflict { actual, .. }) => {
                    // Not kept: the next attempt folds the stream as it is.
                    drop(loaded);
                    if let Some(known) = self.replay(&options, None).await? {
                        return Ok(Ok(known));
                    }
                    if let Some(expected) = options.expected_version {
                        return Err(ServiceError::VersionConflict {
                            product_id,
                            expected,
                            actual,
                        });
                    }
                    tracing::debug!(actual, attempt, "lost a race; deciding again");
                    // A short random pause so that the writers who lost together do not
                    // collide again on their next attempt.
                    let spread = 2 * (attempt as u64 + 1);
                    let pause = (Uuid::new_v4().as_u128() % u128::from(spread)) as u64;
                    tokio::time::sleep(std::time::Duration::from_millis(pause)).await;
                }
                Err(e) => return Err(e.into()),
            }
        }
        Err(ServiceError::Contention {
            product_id,
            attempts: self.max_attempts,
        })
    }

    /// Executes one command per product as one all-or-nothing group (a decision document
    /// over many products): each is decided on its product's own state and rules, and
    /// either every product's events are recorded in one transaction or none is. The
    /// idempotency key covers the whole group (each product's command is recorded under a
    /// key derived from it and the product, [`group_item_key`]); a group sent again with the
    /// same key and fingerprint answers its recorded outcomes. The inner `Err` lists every
    /// product whose command broke a rule, in the order given; nothing was recorded.
    #[tracing::instrument(skip_all, fields(products = commands.len(), key = %options.idempotency_key))]
    pub async fn execute_all(
        &self,
        commands: Vec<Command>,
        options: ExecuteOptions,
    ) -> Result<Result<Vec<CommandOutcome>, Rejections>, ServiceError> {
        let keys: Vec<Uuid> = commands
            .iter()
            .map(|c| group_item_key(options.idempotency_key, c.meta.product_id))
            .collect();
        for attempt in 0..self.max_attempts {
            if let Some(known) = self.replay_group(&keys, &options).await? {
                return Ok(Ok(known));
            }
            let loaded = self
                .load_many(commands.iter().map(|c| c.meta.product_id).collect())
                .await?;
            let mut rejected = Vec::new();
            let mut decided = Vec::with_capacity(commands.len());
            for (command, loaded) in commands.iter().zip(&loaded) {
                let placed = self.placed(&loaded.state, command).await?;
                let verdict = match &self.rules {
                    Some(rules) => ocop_domain::decide_with(rules, &loaded.state, &placed),
                    None => ocop_domain::decide(&loaded.state, &placed),
                };
                match verdict {
                    Ok(events) => decided.push(events),
                    Err(e) => rejected.push((command.meta.product_id, e)),
                }
            }
            if !rejected.is_empty() {
                return Ok(Err(rejected));
            }
            let mut requests = Vec::with_capacity(commands.len());
            for (((command, loaded), events), key) in
                commands.iter().zip(&loaded).zip(&decided).zip(&keys)
            {
                let product_id = command.meta.product_id;
                self.check_certificate(&loaded.state, events, product_id)
                    .await?;
                requests.push(AppendRequest {
                    stream_id: product_id,
                    expected: ExpectedVersion::Exact(loaded.version),
                    command_id: *key,
                    request_hash: options.request_hash.clone(),
                    correlation_id: options.correlation_id,
                    causation_id: options.causation_id,
                    events: events
                        .iter()
                        .map(codec::to_new_event)
                        .collect::<Result<Vec<_>, _>>()
                        .map_err(|e| ServiceError::Encode(e.to_string()))?,
                });
            }
            match self.store.append_all(requests).await {
                Ok(outcomes) => {
                    return Ok(Ok(outcomes
                        .into_iter()
                        .zip(decided)
                        .map(|(o, events)| {
                            let mut outcome = CommandOutcome::from(o);
                            if !outcome.replayed {
                                outcome.recorded = events;
                            }
                            outcome
                        })
                        .collect()));
                }
                Err(StoreError::Conflict { actual, .. }) => {
                    tracing::debug!(
                        actual,
                        attempt,
                        "a product of the group moved; deciding again"
                    );
                    let spread = 2 * (attempt as u64 + 1);
                    let pause = (Uuid::new_v4().as_u128() % u128::from(spread)) as u64;
                    tokio::time::sleep(std::time::Duration::from_millis(pause)).await;
                }
                Err(e) => return Err(e.into()),
            }
        }
        Err(ServiceError::Contention {
            product_id: commands
                .first()
                .map(|c| c.meta.product_id)
                .unwrap_or_default(),
            attempts: self.max_attempts,
        })
    }

    /// The recorded outcomes of a group whose first key is already recorded with the same
    /// fingerprint; a first key recorded with another is refused as reused.
    async fn replay_group(
        &self,
        keys: &[Uuid],
        options: &ExecuteOptions,
    ) -> Result<Option<Vec<CommandOutcome>>, ServiceError> {
        let Some(first) = keys.first() else {
            return Ok(Some(Vec::new()));
        };
        match self.store.find_command(*first).await? {
            None => return Ok(None),
            Some((hash, _)) if hash != options.request_hash => {
                return Err(ServiceError::IdempotencyKeyReused(options.idempotency_key));
            }
            Some(_) => {}
        }
        let mut outcomes = Vec::with_capacity(keys.len());
        for key in keys {
            match self.store.find_command(*key).await? {
                Some((hash, outcome)) if hash == options.request_hash => {
                    let mut outcome = CommandOutcome::from(outcome);
                    outcome.replayed = true;
                    outcomes.push(outcome);
                }
                // The group was recorded whole: a key missing or recorded with another
                // fingerprint means the group sent again is not the one recorded.
                _ => return Err(ServiceError::IdempotencyKeyReused(options.idempotency_key)),
            }
        }
        Ok(Some(outcomes))
    }

    /// The states of `ids`, loaded a few at a time, in the order given.
    async fn load_many(&self, ids: Vec<Uuid>) -> Result<Vec<LoadedState>, ServiceError> {
        const IN_FLIGHT: usize = 8;
        let mut loaded = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(IN_FLIGHT) {
            let mut set = tokio::task::JoinSet::new();
            for (i, id) in chunk.iter().enumerate() {
                let service = self.clone();
                let id = *id;
                set.spawn(async move { (i, service.load(id).await) });
            }
            let mut part: Vec<Option<LoadedState>> = vec![None; chunk.len()];
            while let Some(joined) = set.join_next().await {
                let (i, state) = joined.map_err(|e| {
                    ServiceError::Store(StoreError::Unavailable(format!("a load failed: {e}")))
                })?;
                part[i] = Some(state?);
            }
            loaded.extend(part.into_iter().flatten());
        }
        Ok(loaded)
    }

    /// `command` as the domain decides it: with [`ocop_domain::CommandMeta::held_by`] when its actor is a
    /// commune's officer, the record is another commune's, and the commune succession says
    /// the officer's commune holds it on the command's day.
    async fn placed<'c>(
        &self,
        state: &ProductState,
        command: &'c Command,
    ) -> Result<std::borrow::Cow<'c, Command>, ServiceError> {
        use std::borrow::Cow;
        let Some(reads) = &self.reads else {
            return Ok(Cow::Borrowed(command));
        };
        let holder = crate::import::units::held_by(
            reads.db(),
            &command.meta.actor.scope,
            state.commune.as_ref(),
            command.meta.issued_on(),
        )
        .await
        .map_err(read_failure)?;
        let Some(holder) = holder else {
            return Ok(Cow::Borrowed(command));
        };
        Ok(Cow::Owned(Command {
            meta: command.meta.clone().held_by(Some(holder)),
            body: command.body.clone(),
        }))
    }

    /// Refuses `events` when they give the product a certificate number another product of
    /// its province carries (see [`CommandService::with_read_models`]).
    async fn check_certificate(
        &self,
        before: &ProductState,
        events: &[Event],
        product_id: Uuid,
    ) -> Result<(), ServiceError> {
        let Some(reads) = &self.reads else {
            return Ok(());
        };
        let certificate = |s: &ProductState| {
            s.recognition
                .as_ref()
                .and_then(|r| r.certificate_no.clone())
        };
        let after = ocop_domain::fold_from(before.clone(), events);
        let (Some(number), Some(province)) = (certificate(&after), after.province.as_ref()) else {
            return Ok(());
        };
        if certificate(before).as_ref() == Some(&number) {
            return Ok(());
        }
        let holders = reads
            .certificate_holders(province.as_str(), &number, product_id)
            .await
            .map_err(read_failure)?;
        match holders.first() {
            Some(held_by) => Err(ServiceError::CertificateTaken {
                certificate_no: number,
                province: province.as_str().to_owned(),
                held_by: *held_by,
            }),
            None => Ok(()),
        }
    }

    /// The recorded outcome of an already-seen idempotency key with the same hash (the
    /// request's fingerprint, which names its caller). A key recorded with another hash is
    /// refused as reused — unless this caller was `rejected` as one who may not send the
    /// command: then there is no answer here and it gets that refusal, never another
    /// caller's outcome.
    async fn replay(
        &self,
        options: &ExecuteOptions,
        rejected: Option<&DomainError>,
    ) -> Result<Option<CommandOutcome>, ServiceError> {
        match self.store.find_command(options.idempotency_key).await? {
            None => Ok(None),
            Some((hash, outcome)) if hash == options.request_hash => {
                let mut outcome = CommandOutcome::from(outcome);
                outcome.replayed = true;
                Ok(Some(outcome))
            }
            Some(_) if rejected.is_some_and(DomainError::is_forbidden) => Ok(None),
            Some(_) => Err(ServiceError::IdempotencyKeyReused(options.idempotency_key)),
        }
    }

    /// What `commands`, applied one after the other to the product's current state, would
    /// record, without recording anything: the same placing, rules and `decide` as
    /// [`Self::execute`], each command decided on the state the previous ones would leave.
    /// The web interface shows a conclusion's exact mean and outcome before the secretary
    /// confirms it, and checks a whole scorecard grid before it records any card. The
    /// inner `Err` is the first command that breaks a rule, with its index. The answer is
    /// what the log says now; the command, sent later, is decided again on what it says
    /// then.
    pub async fn preview(
        &self,
        product_id: Uuid,
        commands: &[Command],
    ) -> Result<Result<(LoadedState, Vec<Vec<Event>>), (usize, DomainError)>, ServiceError> {
        let loaded = self.load(product_id).await?;
        let mut state = loaded.state.clone();
        let mut decided = Vec::with_capacity(commands.len());
        for (index, command) in commands.iter().enumerate() {
            let placed = self.placed(&state, command).await?;
            let verdict = match &self.rules {
                Some(rules) => ocop_domain::decide_with(rules, &state, &placed),
                None => ocop_domain::decide(&state, &placed),
            };
            match verdict {
                Ok(events) => {
                    state = events.iter().fold(state, ocop_domain::evolve);
                    decided.push(events);
                }
                Err(e) => return Ok(Err((index, e))),
            }
        }
        Ok(Ok((loaded, decided)))
    }

    /// The product's current state: the state this process kept (see `StateCache`) with the
    /// events recorded after it folded on, or the whole stream folded.
    #[tracing::instrument(skip_all, fields(product_id = %product_id))]
    pub async fn load(&self, product_id: Uuid) -> Result<LoadedState, ServiceError> {
        let loaded = self.take(product_id).await?;
        self.keep(product_id, loaded.clone());
        Ok(loaded)
    }

    /// The product's current state for a command: taken from the kept states with what
    /// was recorded since folded on, to be given back with [`Self::keep`].
    async fn take(&self, product_id: Uuid) -> Result<LoadedState, ServiceError> {
        let kept = self.states.take(product_id).unwrap_or_default();
        self.fold_onto(kept, product_id, StreamRange::all()).await
    }

    fn keep(&self, product_id: Uuid, loaded: LoadedState) {
        if loaded.version > 0 {
            self.states.put(product_id, loaded);
        }
    }

    /// The state after version `version` (the whole stream if it is shorter).
    #[tracing::instrument(skip_all, fields(product_id = %product_id, version))]
    pub async fn state_at_version(
        &self,
        product_id: Uuid,
        version: i64,
    ) -> Result<LoadedState, ServiceError> {
        self.load_range(
            product_id,
            StreamRange {
                to_version: Some(version),
                ..StreamRange::all()
            },
        )
        .await
    }

    /// The state as recorded at `recorded_until`: only events stored at or before it —
    /// "what did we know then".
    #[tracing::instrument(skip_all, fields(product_id = %product_id, as_of = %recorded_until))]
    pub async fn state_as_of(
        &self,
        product_id: Uuid,
        recorded_until: DateTime<Utc>,
    ) -> Result<LoadedState, ServiceError> {
        self.load_range(
            product_id,
            StreamRange {
                recorded_until: Some(recorded_until),
                ..StreamRange::all()
            },
        )
        .await
    }

    /// Which recognition was legally in force on the business date `date` — "what was
    /// true then" — judged from everything recorded (or, with `known_at`, from what was
    /// recorded by then). Decisions start a recognition on their date; it holds through
    /// `valid_until` unless a later decision replaced it, or it was revoked or the product
    /// withdrawn before (from that date on it no longer holds); corrections are applied as
    /// the fold applies them.
    #[tracing::instrument(skip_all, fields(product_id = %product_id, %date))]
    pub async fn recognition_valid_on(
        &self,
        product_id: Uuid,
        date: NaiveDate,
        known_at: Option<DateTime<Utc>>,
    ) -> Result<ValidOn, ServiceError> {
        let loaded = match known_at {
            Some(t) => self.state_as_of(product_id, t).await?,
            None => self.load(product_id).await?,
        };
        let recognition = loaded.state.recognition_valid_on(date).cloned();
        Ok(ValidOn {
            product_id,
            date,
            as_of_version: loaded.version,
            recognized: recognition.is_some(),
            recognition,
        })
    }

    async fn load_range(
        &self,
        product_id: Uuid,
        range: StreamRange,
    ) -> Result<LoadedState, ServiceError> {
        self.fold_onto(LoadedState::default(), product_id, range)
            .await
    }

    /// Folds the events of `range` after `from`'s version onto `from`. A kept state is
    /// checked in the same read: the read starts at its own last version, whose event must
    /// be the one it folded last; otherwise (a store restored behind this process's back)
    /// it is dropped and the whole range folded.
    async fn fold_onto(
        &self,
        from: LoadedState,
        product_id: Uuid,
        range: StreamRange,
    ) -> Result<LoadedState, ServiceError> {
        let kept = from.version > 0;
        let read = StreamRange {
            from_version: range.from_version.max(from.version),
            ..range
        };
        let mut recorded = self.store.read_stream_stored(product_id, read).await?;
        if kept {
            let same = recorded.first().is_some_and(|first| {
                first.version == from.version && Some(first.event_id) == from.last_event_id
            });
            if !same {
                return Box::pin(self.fold_onto(LoadedState::default(), product_id, range)).await;
            }
            recorded.remove(0);
        }
        let mut loaded = from;
        for r in &mut recorded {
            let event = codec::from_stored(r)?;
            loaded.state = ocop_domain::evolve(loaded.state, &event);
        }
        if let Some(last) = recorded.last() {
            loaded.version = last.version;
            loaded.global_position = last.global_position;
            loaded.recorded_at = Some(last.recorded_at);
            loaded.last_event_id = Some(last.event_id);
        }
        Ok(loaded)
    }
}

/// A failure of the read models, as the command service reports it.
fn read_failure(e: crate::ProjectionError) -> ServiceError {
    match e {
        crate::ProjectionError::Store(store) => ServiceError::Store(store),
        crate::ProjectionError::Database(db) => ServiceError::Store(db.into()),
        other => ServiceError::Store(StoreError::Unavailable(other.to_string())),
    }
}

//! The `products` projection: the current state of every product and what is derived from
//! it — the statistics cube, due timers, the public register and its revocation notices,
//! the decisions with their inputs, and the recognition periods behind `valid_on`.
//!
//! A batch loads the rows of the products it touches, folds their events in memory with
//! the domain's `evolve`, and writes each touched product once. An event at or below a
//! row's `last_position` is skipped, so applying an event twice changes nothing.

use std::collections::HashMap;

use ocop_domain::events::EventBody;
use ocop_domain::state::{ProductState, Recognition};
use ocop_domain::{Actor, Event, Role, Scope, timers, validity};
use ocop_eventstore::RecordedEvent;
use ocop_eventstore::canonical::format_timestamp;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::db::{Arg, Bulk, ColType, Dialect, Tx};
use crate::error::ProjectionError;
use crate::fold::fold;

const PRODUCT_COLUMNS: &[(&str, ColType)] = &[
    ("product_id", ColType::Text),
    ("version", ColType::I64),
    ("last_position", ColType::I64),
    ("name", ColType::Text),
    ("producer_name", ColType::Text),
    ("search", ColType::Text),
    ("province", ColType::Text),
    ("commune", ColType::Text),
    ("district", ColType::Text),
    ("product_group", ColType::Text),
    ("status", ColType::Text),
    ("stars", ColType::I64),
    ("year", ColType::I64),
    ("registered_on", ColType::Text),
    ("certificate_no", ColType::Text),
    ("valid_until", ColType::Text),
    ("state", ColType::Text),
];

const RECOGNITION_COLUMNS: &[(&str, ColType)] = &[
    ("product_id", ColType::Text),
    ("seq", ColType::I64),
    ("valid_from", ColType::Text),
    ("valid_through", ColType::Text),
    ("stars", ColType::I64),
    ("decision_no", ColType::Text),
    ("ended_by", ColType::Text),
];

const STATS_COLUMNS: &[(&str, ColType)] = &[
    ("province", ColType::Text),
    ("stars", ColType::I64),
    ("product_group", ColType::Text),
    ("year", ColType::I64),
    ("status", ColType::Text),
    ("n", ColType::I64),
];

const TIMER_COLUMNS: &[(&str, ColType)] = &[
    ("product_id", ColType::Text),
    ("kind", ColType::Text),
    ("due_on", ColType::Text),
    ("valid_until", ColType::Text),
    ("decision_no", ColType::Text),
];

const PUBLIC_COLUMNS: &[(&str, ColType)] = &[
    ("product_id", ColType::Text),
    ("certificate_no", ColType::Text),
    ("name", ColType::Text),
    ("producer_name", ColType::Text),
    ("province", ColType::Text),
    ("product_group", ColType::Text),
    ("stars", ColType::I64),
    ("valid_until", ColType::Text),
    ("status", ColType::Text),
    ("decision_no", ColType::Text),
    ("authority", ColType::Text),
];

const REVOCATION_COLUMNS: &[(&str, ColType)] = &[
    ("global_position", ColType::I64),
    ("product_id", ColType::Text),
    ("name", ColType::Text),
    ("producer_name", ColType::Text),
    ("province", ColType::Text),
    ("stars", ColType::I64),
    ("certificate_no", ColType::Text),
    ("recognition_decision_no", ColType::Text),
    ("decision_no", ColType::Text),
    ("decided_on", ColType::Text),
    ("authority", ColType::Text),
    ("grounds", ColType::Text),
    ("details", ColType::Text),
    ("recorded_at", ColType::Text),
];

const DECISION_COLUMNS: &[(&str, ColType)] = &[
    ("global_position", ColType::I64),
    ("product_id", ColType::Text),
    ("version", ColType::I64),
    ("event_id", ColType::Text),
    ("event_type", ColType::Text),
    ("kind", ColType::Text),
    ("province", ColType::Text),
    ("commune", ColType::Text),
    ("decided_on", ColType::Text),
    ("decision_no", ColType::Text),
    ("authority", ColType::Text),
    ("stars", ColType::I64),
    ("level", ColType::Text),
    ("rules_version", ColType::Text),
    ("round", ColType::I64),
    ("actor_user", ColType::Text),
    ("actor_role", ColType::Text),
    ("actor_scope", ColType::Text),
    ("recorded_at", ColType::Text),
    ("payload", ColType::Text),
    ("inputs", ColType::Text),
];

/// The wire name of a serde enum (`"food"`, `"cooperative"`…).
fn wire<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    }
}

/// The statistics key of a product: province, stars (0 for none), group, year (0 for
/// none), status.
type StatsKey = (String, i64, String, i64, String);

/// The indexed columns of a product row.
struct Columns {
    name: String,
    producer_name: String,
    province: String,
    commune: Option<String>,
    district: Option<String>,
    group: String,
    status: String,
    stars: Option<i64>,
    year: Option<i64>,
    registered_on: String,
    certificate_no: Option<String>,
    valid_until: Option<String>,
}

/// The year a product is counted under: the year of its current recognition's decision,
/// or, without one, of its registration.
pub(crate) fn year_of(state: &ProductState) -> Option<i64> {
    use chrono::Datelike;
    state
        .recognition
        .as_ref()
        .map(|r| r.decided_on)
        .or(state.registered_on)
        .map(|d| i64::from(d.year()))
}

fn columns(state: &ProductState) -> Columns {
    let recognition = state.recognition.as_ref();
    Columns {
        name: state.name.clone(),
        producer_name: state
            .producer
            .as_ref()
            .map(|p| p.name.clone())
            .unwrap_or_default(),
        province: state
            .province
            .as_ref()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_default(),
        commune: state.commune.as_ref().map(|c| c.as_str().to_owned()),
        district: state.district.as_ref().map(|c| c.as_str().to_owned()),
        group: state.product_group.as_ref().map(wire).unwrap_or_default(),
        status: state.status.as_str().to_owned(),
        stars: recognition.map(|r| i64::from(r.stars)),
        year: year_of(state),
        registered_on: state
            .registered_on
            .map(|d| d.to_string())
            .unwrap_or_default(),
        certificate_no: recognition.and_then(|r| r.certificate_no.clone()),
        valid_until: recognition.map(|r| r.valid_until.to_string()),
    }
}

fn stats_key(c: &Columns) -> StatsKey {
    (
        c.province.clone(),
        c.stars.unwrap_or(0),
        c.group.clone(),
        c.year.unwrap_or(0),
        c.status.clone(),
    )
}

/// The periods in which each recognition legally held: from its decision date through
/// its last valid day, cut short (to the day before) by replacement, revocation or
/// withdrawal.
fn periods(state: &ProductState) -> Vec<(String, String, i64, String, Option<String>)> {
    state
        .past_recognitions
        .iter()
        .chain(state.recognition.iter())
        .filter_map(|r: &Recognition| {
            let mut through = r.valid_until;
            let mut ended_by = None;
            if let Some(end) = r.ended {
                ended_by = Some(wire(&end.reason));
                if let Some(day_before) = end.on.pred_opt() {
                    through = through.min(day_before);
                }
            }
            (through >= r.decided_on).then(|| {
                (
                    r.decided_on.to_string(),
                    through.to_string(),
                    i64::from(r.stars),
                    r.decision_no.clone(),
                    ended_by,
                )
            })
        })
        .collect()
}

/// `product_id IN (…)` for a list of ids bound as one argument.
pub(crate) fn id_list(dialect: Dialect, column: &str, n: usize, ids: &[String]) -> (String, Arg) {
    match dialect {
        Dialect::Postgres => (
            format!("{column} = ANY(${n}::text[])"),
            Arg::Texts(ids.iter().cloned().map(Some).collect()),
        ),
        Dialect::Sqlite => (
            format!("{column} IN (SELECT value FROM json_each(${n}))"),
            Arg::Text(Some(Value::from(ids.to_vec()).to_string())),
        ),
    }
}

/// A page of the log as the projections apply it: each stored event (at its current
/// schema version) and the domain event decoded from it, decoded once for every projection
/// and before any batch takes its locks.
#[derive(Debug, Default)]
pub(crate) struct Page {
    pub events: Vec<RecordedEvent<String>>,
    pub decoded: Vec<Event>,
}

impl Page {
    /// Decodes a page read with `read_all_stored`. A payload at the current schema version
    /// is parsed once, straight into the domain's type; an older one is upcast by the
    /// domain first, and the page then holds its upcast text and version, as `read_all`
    /// would have returned them.
    pub(crate) fn decode(mut events: Vec<RecordedEvent<String>>) -> Result<Page, ProjectionError> {
        let mut decoded = Vec::with_capacity(events.len());
        for e in &mut events {
            let bad = |reason: String| ProjectionError::Decode {
                position: e.global_position,
                reason,
            };
            let current = ocop_domain::events::current_schema_version(&e.event_type);
            let body: EventBody = if current == Some(e.schema_version) {
                serde_json::from_str(&e.payload).map_err(|err| bad(err.to_string()))?
            } else {
                let stored: Value =
                    serde_json::from_str(&e.payload).map_err(|err| bad(err.to_string()))?;
                let (version, upcast) =
                    ocop_domain::upcast::upcast_to_current(&e.event_type, e.schema_version, stored)
                        .map_err(bad)?;
                let body = EventBody::deserialize(&upcast).map_err(|err| bad(err.to_string()))?;
                e.schema_version = version;
                e.payload = upcast.to_string();
                body
            };
            let role = Role::parse(&e.actor.role)
                .ok_or_else(|| bad(format!("unknown role {}", e.actor.role)))?;
            let scope = Scope::parse(&e.actor.scope).map_err(|err| bad(err.to_string()))?;
            decoded.push(Event {
                event_id: e.event_id,
                actor: Actor {
                    user: e.actor.user.clone(),
                    role,
                    scope,
                },
                body,
            });
        }
        Ok(Page { events, decoded })
    }

    /// The events after `checkpoint` (positions are in order).
    pub(crate) fn after(&self, checkpoint: i64) -> (&[RecordedEvent<String>], &[Event]) {
        let start = self
            .events
            .partition_point(|e| e.global_position <= checkpoint);
        (&self.events[start..], &self.decoded[start..])
    }

    pub(crate) fn last_position(&self) -> i64 {
        self.events.last().map_or(0, |e| e.global_position)
    }
}

/// A product's state held in memory between the batches of a rebuild.
#[derive(Debug)]
struct Cached {
    state: ProductState,
    last_position: i64,
    /// The statistics key of the row as written in the table (`None`: no row yet).
    written_key: Option<StatsKey>,
    /// Changed since it was written.
    dirty: bool,
}

/// Product states kept in memory across the batches of a rebuild, so each product's row
/// is written once when it leaves the cache (or at the end) rather than after every batch
/// that touches it. Bounded: memory does not grow with the log. Only for shadow tables,
/// which nobody reads until the swap, and which a failed rebuild throws away.
#[derive(Debug)]
pub(crate) struct StateCache {
    entries: HashMap<Uuid, Cached>,
    capacity: usize,
}

impl StateCache {
    pub(crate) fn new(capacity: usize) -> Self {
        StateCache {
            entries: HashMap::new(),
            capacity: capacity.max(1),
        }
    }
}

/// Applies `events` (all after the checkpoint, in order) to the products tables. With a
/// cache (rebuilds), rows are written when their product leaves the cache; without one,
/// every touched product is written in this batch.
pub(crate) async fn apply(
    tx: &mut Tx,
    suffix: &str,
    events: &[RecordedEvent<String>],
    decoded: &[Event],
    cache: Option<&mut StateCache>,
) -> Result<(), ProjectionError> {
    let s = suffix;
    let mut local = StateCache::new(usize::MAX);
    let write_back = cache.is_some();
    let cache = cache.unwrap_or(&mut local);
    debug_assert_eq!(events.len(), decoded.len());

    // The touched products, in first-touch order; load those not in memory.
    let mut order: Vec<Uuid> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for e in events {
        if seen.insert(e.stream_id) {
            order.push(e.stream_id);
        }
    }
    let missing: Vec<String> = order
        .iter()
        .filter(|id| !cache.entries.contains_key(id))
        .map(Uuid::to_string)
        .collect();
    if !missing.is_empty() {
        let (cond, arg) = id_list(tx.dialect(), "product_id", 1, &missing);
        let rows = tx
            .fetch(
                &format!(
                    "SELECT product_id, last_position, state FROM rm_products{s} WHERE {cond}"
                ),
                vec![arg],
            )
            .await?;
        for r in rows {
            let id = Uuid::parse_str(&r[0].text().unwrap_or_default())
                .map_err(|e| ProjectionError::Corrupt(format!("bad product id: {e}")))?;
            let state: ProductState = serde_json::from_str(&r[2].text().unwrap_or_default())
                .map_err(|e| ProjectionError::Corrupt(format!("bad state of {id}: {e}")))?;
            cache.entries.insert(
                id,
                Cached {
                    written_key: Some(stats_key(&columns(&state))),
                    state,
                    last_position: r[1].i64().unwrap_or(0),
                    dirty: false,
                },
            );
        }
        for id in &order {
            cache.entries.entry(*id).or_insert_with(|| Cached {
                state: ProductState::default(),
                last_position: 0,
                written_key: None,
                dirty: false,
            });
        }
    }

    let mut decisions = Bulk::new(
        &format!("rm_decisions{s}"),
        DECISION_COLUMNS,
        "ON CONFLICT (global_position) DO NOTHING",
    );
    let mut revocations = Bulk::new(
        &format!("rm_revocations{s}"),
        REVOCATION_COLUMNS,
        "ON CONFLICT (global_position) DO NOTHING",
    );
    for (recorded, event) in events.iter().zip(decoded) {
        let Some(t) = cache.entries.get_mut(&recorded.stream_id) else {
            continue;
        };
        if recorded.global_position <= t.last_position {
            continue;
        }
        let before = &t.state;
        let decision = decision_row(recorded, event, before);
        let revocation = revocation_row(recorded, event, before);
        let state = std::mem::take(&mut t.state);
        t.state = ocop_domain::evolve(state, event);
        t.last_position = recorded.global_position;
        t.dirty = true;
        if let Some(mut row) = decision {
            // A legacy import registers the product: its place is known only after it.
            if row[6] == Arg::Text(None) || row[6] == Arg::Text(Some(String::new())) {
                row[6] = Arg::Text(t.state.province.as_ref().map(|p| p.as_str().to_owned()));
                row[7] = Arg::Text(t.state.commune.as_ref().map(|c| c.as_str().to_owned()));
            }
            decisions.push(row);
        }
        if let Some(row) = revocation {
            revocations.push(row);
        }
    }
    decisions.write(tx).await?;
    revocations.write(tx).await?;

    let leaving: Vec<Uuid> = if write_back {
        if cache.entries.len() <= cache.capacity {
            Vec::new()
        } else {
            // The least recently touched leave, down to three quarters of the capacity.
            let mut by_age: Vec<(i64, Uuid)> = cache
                .entries
                .iter()
                .map(|(id, c)| (c.last_position, *id))
                .collect();
            by_age.sort_unstable();
            let n = cache.entries.len() - cache.capacity * 3 / 4;
            by_age.into_iter().take(n).map(|(_, id)| id).collect()
        }
    } else {
        order
    };
    let mut out = Vec::with_capacity(leaving.len());
    for id in leaving {
        if let Some(c) = cache.entries.remove(&id) {
            if c.dirty {
                out.push((id, c));
            }
        }
    }
    write_products(tx, s, &out).await
}

/// Writes every product still held in `cache` (the end of a rebuild).
pub(crate) async fn flush(
    tx: &mut Tx,
    suffix: &str,
    cache: &mut StateCache,
) -> Result<(), ProjectionError> {
    let all: Vec<(Uuid, Cached)> = cache.entries.drain().filter(|(_, c)| c.dirty).collect();
    for chunk in all.chunks(5_000) {
        write_products(tx, suffix, chunk).await?;
    }
    Ok(())
}

/// Writes the rows of `products` and everything derived from their states.
async fn write_products(
    tx: &mut Tx,
    s: &str,
    products: &[(Uuid, Cached)],
) -> Result<(), ProjectionError> {
    if products.is_empty() {
        return Ok(());
    }
    let mut product_rows = Bulk::new(
        &format!("rm_products{s}"),
        PRODUCT_COLUMNS,
        &format!(
            "ON CONFLICT (product_id) DO UPDATE SET {}",
            PRODUCT_COLUMNS[1..]
                .iter()
                .map(|(c, _)| format!("{c} = excluded.{c}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    );
    let mut recognition_rows = Bulk::new(&format!("rm_recognitions{s}"), RECOGNITION_COLUMNS, "");
    let mut timer_rows = Bulk::new(&format!("rm_timers{s}"), TIMER_COLUMNS, "");
    let mut public_rows = Bulk::new(&format!("rm_public{s}"), PUBLIC_COLUMNS, "");
    let mut deltas: HashMap<StatsKey, i64> = HashMap::new();
    let mut rewritten: Vec<String> = Vec::new();

    for (id, t) in products {
        let state = &t.state;
        let pid = id.to_string();
        if t.written_key.is_some() {
            rewritten.push(pid.clone());
        }
        let c = columns(state);
        let key = stats_key(&c);
        if let Some(old) = &t.written_key {
            *deltas.entry(old.clone()).or_default() -= 1;
        }
        if state.is_registered() {
            *deltas.entry(key).or_default() += 1;
        }
        let json = serde_json::to_string(state)
            .map_err(|e| ProjectionError::Corrupt(format!("cannot serialise state: {e}")))?;
        product_rows.push(vec![
            pid.clone().into(),
            (state.version as i64).into(),
            t.last_position.into(),
            c.name.clone().into(),
            c.producer_name.clone().into(),
            fold(&format!("{} {}", c.name, c.producer_name)).into(),
            c.province.clone().into(),
            c.commune.clone().into(),
            c.district.clone().into(),
            c.group.clone().into(),
            c.status.clone().into(),
            c.stars.into(),
            c.year.into(),
            c.registered_on.clone().into(),
            c.certificate_no.clone().into(),
            c.valid_until.clone().into(),
            json.into(),
        ]);
        for (seq, (from, through, stars, decision_no, ended_by)) in
            periods(state).into_iter().enumerate()
        {
            recognition_rows.push(vec![
                pid.clone().into(),
                (seq as i64).into(),
                from.into(),
                through.into(),
                stars.into(),
                decision_no.into(),
                ended_by.into(),
            ]);
        }
        if let Some(r) = &state.recognition {
            if r.notice_issued_on.is_none() {
                timer_rows.push(vec![
                    pid.clone().into(),
                    "expiry_notice".into(),
                    validity::notice_on(r.valid_until).to_string().into(),
                    r.valid_until.to_string().into(),
                    r.decision_no.clone().into(),
                ]);
            }
            timer_rows.push(vec![
                pid.clone().into(),
                "expiry".into(),
                validity::expires_on(r.valid_until).to_string().into(),
                r.valid_until.to_string().into(),
                r.decision_no.clone().into(),
            ]);
            debug_assert!(timers::next_due_on(state).is_some());
        }
        let shown = state
            .recognition
            .as_ref()
            .or(state.past_recognitions.last());
        if let Some(r) = shown {
            public_rows.push(vec![
                pid.clone().into(),
                r.certificate_no.clone().into(),
                c.name.clone().into(),
                c.producer_name.clone().into(),
                c.province.clone().into(),
                c.group.clone().into(),
                i64::from(r.stars).into(),
                r.valid_until.to_string().into(),
                c.status.clone().into(),
                r.decision_no.clone().into(),
                r.authority.clone().into(),
            ]);
        }
    }

    product_rows.write(tx).await?;
    if !rewritten.is_empty() {
        for table in ["rm_recognitions", "rm_timers", "rm_public"] {
            let (cond, arg) = id_list(tx.dialect(), "product_id", 1, &rewritten);
            tx.execute(&format!("DELETE FROM {table}{s} WHERE {cond}"), vec![arg])
                .await?;
        }
    }
    recognition_rows.write(tx).await?;
    timer_rows.write(tx).await?;
    public_rows.write(tx).await?;

    let mut stats = Bulk::new(
        &format!("rm_stats{s}"),
        STATS_COLUMNS,
        &format!(
            "ON CONFLICT (province, stars, product_group, year, status) \
             DO UPDATE SET n = rm_stats{s}.n + excluded.n"
        ),
    );
    let mut any_negative = false;
    for ((province, stars, group, year, status), n) in deltas {
        if n != 0 {
            any_negative |= n < 0;
            stats.push(vec![
                province.into(),
                stars.into(),
                group.into(),
                year.into(),
                status.into(),
                n.into(),
            ]);
        }
    }
    stats.write(tx).await?;
    if any_negative {
        tx.execute(&format!("DELETE FROM rm_stats{s} WHERE n = 0"), vec![])
            .await?;
    }
    Ok(())
}

/// A decision's row: recognitions, refusals, legacy imports and revocations, with the
/// inputs needed to re-derive them taken from the state just before the decision.
fn decision_row(
    recorded: &RecordedEvent<String>,
    event: &Event,
    before: &ProductState,
) -> Option<Vec<Arg>> {
    let round = before.current_evaluation.as_ref();
    let (kind, decided_on, decision_no, authority, stars, level, round_no, inputs) =
        match &event.body {
            EventBody::RecognitionDecided(e) => (
                "recognized",
                e.decided_on,
                Some(e.decision_no.clone()),
                e.authority.clone(),
                Some(i64::from(e.stars)),
                e.level.as_str(),
                Some(i64::from(e.round)),
                json!({ "round": round, "previous_recognition": before.recognition }),
            ),
            EventBody::RecognitionRefused(e) => (
                "refused",
                e.decided_on,
                e.decision_no.clone(),
                e.authority.clone(),
                None,
                e.level.as_str(),
                Some(i64::from(e.round)),
                json!({ "round": round, "previous_recognition": before.recognition }),
            ),
            EventBody::LegacyRecognitionImported(e) => (
                "legacy_import",
                e.decided_on,
                Some(e.decision_no.clone()),
                e.authority.clone(),
                Some(i64::from(e.stars)),
                e.level.as_str(),
                None,
                json!({
                    "score": e.score,
                    "stated_valid_until": e.stated_valid_until,
                    "missing_evidence": e.missing_evidence,
                    "source": e.source,
                }),
            ),
            EventBody::RecognitionRevoked(e) => (
                "revoked",
                e.decided_on,
                Some(e.decision_no.clone()),
                e.authority.clone(),
                Some(i64::from(e.stars)),
                e.level.as_str(),
                None,
                json!({
                    "revoked_recognition": before.recognition,
                    "expired_recognition": before.expired_recognition(),
                }),
            ),
            _ => return None,
        };
    // Where the product is, for the audit's scope checks (the district is not a column).
    let mut inputs = inputs;
    inputs["place"] = json!({
        "province": before.province,
        "commune": before.commune,
        "district": before.district,
    });
    Some(vec![
        recorded.global_position.into(),
        recorded.stream_id.to_string().into(),
        recorded.version.into(),
        recorded.event_id.to_string().into(),
        recorded.event_type.clone().into(),
        kind.into(),
        Arg::Text(before.province.as_ref().map(|p| p.as_str().to_owned())),
        Arg::Text(before.commune.as_ref().map(|c| c.as_str().to_owned())),
        decided_on.to_string().into(),
        decision_no.into(),
        authority.into(),
        stars.into(),
        level.into(),
        Arg::Text(recorded.rules_version.clone()),
        round_no.into(),
        recorded.actor.user.clone().into(),
        recorded.actor.role.clone().into(),
        recorded.actor.scope.clone().into(),
        format_timestamp(&recorded.recorded_at).into(),
        // The payload as `serde_json` writes it, as when it was read as a `Value`.
        serde_json::from_str::<Value>(&recorded.payload)
            .map_or_else(|_| recorded.payload.clone(), |v| v.to_string())
            .into(),
        inputs.to_string().into(),
    ])
}

/// The public notice of a revocation.
fn revocation_row(
    recorded: &RecordedEvent<String>,
    event: &Event,
    before: &ProductState,
) -> Option<Vec<Arg>> {
    let EventBody::RecognitionRevoked(e) = &event.body else {
        return None;
    };
    let revoked = before.recognition.as_ref();
    Some(vec![
        recorded.global_position.into(),
        recorded.stream_id.to_string().into(),
        before.name.clone().into(),
        before
            .producer
            .as_ref()
            .map(|p| p.name.clone())
            .unwrap_or_default()
            .into(),
        before
            .province
            .as_ref()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_default()
            .into(),
        i64::from(e.stars).into(),
        Arg::Text(revoked.and_then(|r| r.certificate_no.clone())),
        e.revoked_decision_no.clone().into(),
        e.decision_no.clone().into(),
        e.decided_on.to_string().into(),
        e.authority.clone().into(),
        Value::from(e.grounds.iter().map(wire).collect::<Vec<_>>())
            .to_string()
            .into(),
        e.details.clone().into(),
        format_timestamp(&recorded.recorded_at).into(),
    ])
}

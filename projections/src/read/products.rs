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
use ocop_domain::text::search_key;
use ocop_domain::{Event, timers, validity};
use ocop_eventstore::RecordedEvent;
use ocop_eventstore::canonical::format_timestamp;
use serde::Serialize;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::db::{Arg, Bulk, ColType, Dialect, Tx};
use crate::error::ProjectionError;

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
    ("producer_id", ColType::Text),
    ("producer_kind", ColType::Text),
    ("producer_tax_code", ColType::Text),
    ("producer_search", ColType::Text),
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
    ("decision_id", ColType::Text),
];

/// The wire name of a serde enum (`"food"`, `"cooperative"`…).
fn wire<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    }
}

/// A producer's id: a UUID (version 8) over its identity — its tax code where it has one,
/// else its folded name and the province in force that holds its record (so that one
/// cooperative of Hà Giang and of Tuyên Quang is one producer after the merger). Computed
/// from the product's current state, so a correction of the name or tax code moves the
/// product to the producer it names.
pub(crate) fn producer_id(state: &ProductState) -> Uuid {
    let Some(p) = &state.producer else {
        return Uuid::nil();
    };
    let province = state.province.as_ref().map_or("", |c| c.as_str());
    match p
        .tax_code
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        Some(tax) => crate::ids::v8(b"ocop-producer\0", &[b"tax", tax.as_bytes()]).0,
        None => {
            let current = ocop_domain::units::current_province(province);
            crate::ids::v8(
                b"ocop-producer\0",
                &[b"name", search_key(&p.name).as_bytes(), current.as_bytes()],
            )
            .0
        }
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
    /// is parsed once, straight into its event type's struct (`body_from_json`); an older
    /// one is upcast by the domain first, and the page then holds its upcast text and
    /// version, as `read_all` would have returned them.
    pub(crate) fn decode(mut events: Vec<RecordedEvent<String>>) -> Result<Page, ProjectionError> {
        let decoded = events
            .iter_mut()
            .map(|e| {
                crate::command::codec::from_stored(e).map_err(|err| ProjectionError::Decode {
                    position: err.position,
                    reason: err.reason,
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
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

/// A product being folded: its state, the last position applied to it and what its row
/// in the table says.
#[derive(Debug, Default)]
struct Tracked {
    state: ProductState,
    last_position: i64,
    /// The statistics key of the row as written in the table (`None`: no row yet).
    written_key: Option<StatsKey>,
}

/// Applies `events` (all after the checkpoint, in order) to the products tables: loads the
/// rows of the products they touch, folds their events and writes each touched product
/// once.
pub(crate) async fn apply(
    tx: &mut Tx,
    suffix: &str,
    events: &[RecordedEvent<String>],
    decoded: &[Event],
) -> Result<(), ProjectionError> {
    debug_assert_eq!(events.len(), decoded.len());
    // The touched products, in first-touch order, as their rows say.
    let mut order: Vec<Uuid> = Vec::new();
    let mut touched: HashMap<Uuid, Tracked> = HashMap::new();
    for e in events {
        touched.entry(e.stream_id).or_insert_with(|| {
            order.push(e.stream_id);
            Tracked::default()
        });
    }
    let ids: Vec<String> = order.iter().map(Uuid::to_string).collect();
    let (cond, arg) = id_list(tx.dialect(), "product_id", 1, &ids);
    let rows = tx
        .fetch(
            &format!(
                "SELECT product_id, last_position, state FROM rm_products{suffix} WHERE {cond}"
            ),
            vec![arg],
        )
        .await?;
    for r in rows {
        let id = Uuid::parse_str(&r[0].text().unwrap_or_default())
            .map_err(|e| ProjectionError::Corrupt(format!("bad product id: {e}")))?;
        let state: ProductState = serde_json::from_str(&r[2].text().unwrap_or_default())
            .map_err(|e| ProjectionError::Corrupt(format!("bad state of {id}: {e}")))?;
        touched.insert(
            id,
            Tracked {
                written_key: Some(stats_key(&columns(&state))),
                state,
                last_position: r[1].i64().unwrap_or(0),
            },
        );
    }

    let mut rows = Rows::new(suffix);
    let mut changed = std::collections::HashSet::new();
    for (recorded, event) in events.iter().zip(decoded) {
        if let Some(t) = touched.get_mut(&recorded.stream_id) {
            if rows.event(t, recorded, event) {
                changed.insert(recorded.stream_id);
            }
        }
    }
    for id in order.iter().filter(|id| changed.contains(id)) {
        rows.product(*id, &touched[id])?;
    }
    rows.write(tx).await
}

/// A rebuild's fold of the log read stream by stream
/// ([`ocop_eventstore::EventStore::read_streams_stored`]): each product's events arrive
/// together, so it is folded whole in memory and written once, with no row to read back,
/// however its events are spread over the log. Holds one product at a time, and the
/// statistics cube, which is written once, with the last rows: the batches before carry
/// no statistics row, so they can be written concurrently without waiting on each other.
#[derive(Debug, Default)]
pub(crate) struct StreamFold {
    current: Option<(Uuid, Tracked)>,
    deltas: HashMap<StatsKey, i64>,
}

impl StreamFold {
    /// Folds a page (in stream order, continuing the previous one); returns the rows of
    /// the products whose streams it finished, without their statistics.
    pub(crate) fn page(&mut self, suffix: &str, page: &Page) -> Result<Rows, ProjectionError> {
        let mut rows = Rows::new(suffix);
        for (recorded, event) in page.events.iter().zip(&page.decoded) {
            let id = recorded.stream_id;
            if let Some((done, t)) = self.current.take_if(|(current, _)| *current != id) {
                rows.product(done, &t)?;
            }
            let (_, t) = self.current.get_or_insert_with(|| (id, Tracked::default()));
            if recorded.version != t.state.version as i64 + 1 {
                return Err(ProjectionError::Corrupt(format!(
                    "stream {id} goes from version {} to {} at position {}",
                    t.state.version, recorded.version, recorded.global_position
                )));
            }
            rows.event(t, recorded, event);
        }
        for (key, n) in rows.deltas.drain() {
            *self.deltas.entry(key).or_default() += n;
        }
        Ok(rows)
    }

    /// The rows of the last product and the whole statistics cube.
    pub(crate) fn finish(&mut self, suffix: &str) -> Result<Rows, ProjectionError> {
        let mut rows = Rows::new(suffix);
        if let Some((id, t)) = self.current.take() {
            rows.product(id, &t)?;
        }
        for (key, n) in self.deltas.drain() {
            *rows.deltas.entry(key).or_default() += n;
        }
        Ok(rows)
    }
}

/// The rows one batch writes to the products tables.
#[derive(Debug)]
pub(crate) struct Rows {
    suffix: String,
    products: Bulk,
    recognitions: Bulk,
    timers: Bulk,
    public: Bulk,
    decisions: Bulk,
    revocations: Bulk,
    /// Products whose earlier rows (recognition periods, timers, public entry) are replaced.
    rewritten: Vec<String>,
    /// Changes to the statistics cube.
    deltas: HashMap<StatsKey, i64>,
}

impl Rows {
    fn new(s: &str) -> Self {
        Rows {
            suffix: s.to_owned(),
            products: Bulk::new(
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
            ),
            recognitions: Bulk::new(&format!("rm_recognitions{s}"), RECOGNITION_COLUMNS, ""),
            timers: Bulk::new(&format!("rm_timers{s}"), TIMER_COLUMNS, ""),
            public: Bulk::new(&format!("rm_public{s}"), PUBLIC_COLUMNS, ""),
            decisions: Bulk::new(
                &format!("rm_decisions{s}"),
                DECISION_COLUMNS,
                "ON CONFLICT (global_position) DO NOTHING",
            ),
            revocations: Bulk::new(
                &format!("rm_revocations{s}"),
                REVOCATION_COLUMNS,
                "ON CONFLICT (global_position) DO NOTHING",
            ),
            rewritten: Vec::new(),
            deltas: HashMap::new(),
        }
    }

    /// Folds one event into its product (an event at or below the product's last position
    /// is skipped: applying an event twice changes nothing) and adds its decision and
    /// revocation rows. Returns whether the product changed.
    fn event(&mut self, t: &mut Tracked, recorded: &RecordedEvent<String>, event: &Event) -> bool {
        if recorded.global_position <= t.last_position {
            return false;
        }
        let before = &t.state;
        let decision = decision_row(recorded, event, before);
        let revocation = revocation_row(recorded, event, before);
        let state = std::mem::take(&mut t.state);
        t.state = ocop_domain::evolve(state, event);
        t.last_position = recorded.global_position;
        if let Some(mut row) = decision {
            // A legacy import registers the product: its place is known only after it.
            if row[6] == Arg::Text(None) || row[6] == Arg::Text(Some(String::new())) {
                row[6] = Arg::Text(t.state.province.as_ref().map(|p| p.as_str().to_owned()));
                row[7] = Arg::Text(t.state.commune.as_ref().map(|c| c.as_str().to_owned()));
            }
            self.decisions.push(row);
        }
        if let Some(row) = revocation {
            self.revocations.push(row);
        }
        true
    }

    /// Adds the rows of a product's current state and its move in the statistics cube.
    fn product(&mut self, id: Uuid, t: &Tracked) -> Result<(), ProjectionError> {
        let state = &t.state;
        let pid = id.to_string();
        if t.written_key.is_some() {
            self.rewritten.push(pid.clone());
        }
        let c = columns(state);
        let key = stats_key(&c);
        if let Some(old) = &t.written_key {
            *self.deltas.entry(old.clone()).or_default() -= 1;
        }
        if state.is_registered() {
            *self.deltas.entry(key).or_default() += 1;
        }
        let json = serde_json::to_string(state)
            .map_err(|e| ProjectionError::Corrupt(format!("cannot serialise state: {e}")))?;
        self.products.push(vec![
            pid.clone().into(),
            (state.version as i64).into(),
            t.last_position.into(),
            c.name.clone().into(),
            c.producer_name.clone().into(),
            search_key(&format!("{} {}", c.name, c.producer_name)).into(),
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
            producer_id(state).to_string().into(),
            state
                .producer
                .as_ref()
                .map(|p| wire(&p.kind))
                .unwrap_or_default()
                .into(),
            Arg::Text(state.producer.as_ref().and_then(|p| p.tax_code.clone())),
            search_key(&c.producer_name).into(),
        ]);
        for (seq, (from, through, stars, decision_no, ended_by)) in
            periods(state).into_iter().enumerate()
        {
            self.recognitions.push(vec![
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
                self.timers.push(vec![
                    pid.clone().into(),
                    "expiry_notice".into(),
                    validity::notice_on(r.valid_until).to_string().into(),
                    r.valid_until.to_string().into(),
                    r.decision_no.clone().into(),
                ]);
            }
            self.timers.push(vec![
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
            self.public.push(vec![
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
        Ok(())
    }

    /// Writes the rows: decisions and revocations, then each product's row and the rows
    /// derived from it (replacing its earlier ones), then the statistics.
    pub(crate) async fn write(self, tx: &mut Tx) -> Result<(), ProjectionError> {
        let s = self.suffix;
        self.decisions.write(tx).await?;
        self.revocations.write(tx).await?;
        self.products.write(tx).await?;
        if !self.rewritten.is_empty() {
            for table in ["rm_recognitions", "rm_timers", "rm_public"] {
                let (cond, arg) = id_list(tx.dialect(), "product_id", 1, &self.rewritten);
                tx.execute(&format!("DELETE FROM {table}{s} WHERE {cond}"), vec![arg])
                    .await?;
            }
        }
        self.recognitions.write(tx).await?;
        self.timers.write(tx).await?;
        self.public.write(tx).await?;

        let mut stats = Bulk::new(
            &format!("rm_stats{s}"),
            STATS_COLUMNS,
            &format!(
                "ON CONFLICT (province, stars, product_group, year, status) \
                 DO UPDATE SET n = rm_stats{s}.n + excluded.n"
            ),
        );
        let mut any_negative = false;
        for ((province, stars, group, year, status), n) in self.deltas {
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
}

/// What a decision is re-derived from, besides the product's place.
enum Inputs {
    /// The round the council scored and the recognition it may replace.
    Round,
    Other(Value),
}

/// Where a product is (keys in the order a JSON object keeps them).
#[derive(Serialize)]
struct Place<'a> {
    commune: &'a Option<ocop_domain::CommuneCode>,
    district: &'a Option<ocop_domain::DistrictCode>,
    province: &'a Option<ocop_domain::ProvinceCode>,
}

/// The inputs of a recognition or a refusal, keys in the order a JSON object keeps them.
#[derive(Serialize)]
struct RoundInputs<'a> {
    place: Place<'a>,
    /// The group whose criteria sheet the round's mandatory criteria are read in.
    product_group: &'a Option<ocop_domain::events::ProductGroup>,
    previous_recognition: &'a Option<Recognition>,
    round: &'a Option<ocop_domain::state::EvaluationRound>,
}

/// A decision's row: recognitions, refusals, legacy imports and revocations, with the
/// inputs needed to re-derive them taken from the state just before the decision.
fn decision_row(
    recorded: &RecordedEvent<String>,
    event: &Event,
    before: &ProductState,
) -> Option<Vec<Arg>> {
    let decision_id = match &event.body {
        EventBody::RecognitionDecided(e) => e.decision_id,
        EventBody::RecognitionRefused(e) => e.decision_id,
        _ => None,
    };
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
                Inputs::Round,
            ),
            EventBody::RecognitionRefused(e) => (
                "refused",
                e.decided_on,
                e.decision_no.clone(),
                e.authority.clone(),
                None,
                e.level.as_str(),
                Some(i64::from(e.round)),
                Inputs::Round,
            ),
            EventBody::LegacyRecognitionImported(e) => (
                "legacy_import",
                e.decided_on,
                Some(e.decision_no.clone()),
                e.authority.clone(),
                Some(i64::from(e.stars)),
                e.level.as_str(),
                None,
                Inputs::Other(json!({
                    "score": e.score,
                    "stated_valid_until": e.stated_valid_until,
                    "missing_evidence": e.missing_evidence,
                    "source": e.source,
                })),
            ),
            EventBody::RecognitionRevoked(e) => (
                "revoked",
                e.decided_on,
                Some(e.decision_no.clone()),
                e.authority.clone(),
                Some(i64::from(e.stars)),
                e.level.as_str(),
                None,
                Inputs::Other(json!({
                    "revoked_recognition": before.recognition,
                    "expired_recognition": before.expired_recognition(),
                    "failed_criteria_on_record": before.failed_criteria_on_record(),
                })),
            ),
            _ => return None,
        };
    // Where the product is, for the audit's scope checks (the district is not a column).
    let place = Place {
        province: &before.province,
        commune: &before.commune,
        district: &before.district,
    };
    let inputs = match inputs {
        // Written straight from the state (most decisions): no JSON tree in between.
        Inputs::Round => serde_json::to_string(&RoundInputs {
            place,
            product_group: &before.product_group,
            previous_recognition: &before.recognition,
            round: &before.current_evaluation,
        }),
        Inputs::Other(mut other) => {
            other["place"] = json!(place);
            Ok(other.to_string())
        }
    }
    .ok()?;
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
        // The payload as recorded (canonical JSON).
        recorded.payload.clone().into(),
        inputs.into(),
        Arg::Text(decision_id.map(|d| d.to_string())),
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

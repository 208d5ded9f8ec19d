//! Queries on the read models, for the HTTP layer: the product list with the filters of
//! `http-api.md`, one product's current state, its history, statistics, the public
//! register and revocations, decisions and due timers.

use std::sync::Arc;

use chrono::NaiveDate;
use ocop_domain::text::search_key;
use ocop_eventstore::canonical::format_timestamp;
use ocop_eventstore::{ActorRef, EventStore, StreamRange};
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use crate::db::{Arg, Dialect, ReadDb, Val};
use crate::error::ProjectionError;

mod product;
mod public;

pub use product::{ProductAnswer, ProductAsk, ProductReader, ReadError, VersionedState, may_read};

/// The largest page of the product list.
pub const MAX_LIMIT: usize = 500;
/// The page size when none is asked for.
pub const DEFAULT_LIMIT: usize = 50;

/// Filters of `GET /api/v1/products`. Every filter is optional; they combine with AND.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProductQuery {
    pub province: Option<String>,
    pub commune: Option<String>,
    /// District (records before 1 Jul 2025).
    pub district: Option<String>,
    /// `registered | in_evaluation | recognized | not_recognized | expired | revoked |
    /// withdrawn`.
    pub status: Option<String>,
    pub stars: Option<i64>,
    pub group: Option<String>,
    /// The year of the current recognition's decision or, for a product never recognised,
    /// of its registration.
    pub year: Option<i32>,
    /// Only products whose recognition was legally in force on that business date.
    pub valid_on: Option<NaiveDate>,
    /// Words found in the name or the producer's name, with or without diacritics.
    pub q: Option<String>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    pub limit: Option<usize>,
}

/// One page of the product list: current states, ordered by product id.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProductPage {
    pub items: Vec<Value>,
    pub next_cursor: Option<String>,
}

/// One product's current state as projected.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProductView {
    pub product_id: Uuid,
    pub version: i64,
    /// The global position of the last event applied to this product.
    pub global_position: i64,
    /// The serialised `ProductState`.
    pub state: Value,
}

/// One entry of a product's audit trail.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HistoryEntry {
    pub product_id: Uuid,
    pub version: i64,
    pub global_position: i64,
    pub event_id: String,
    pub event_type: String,
    pub schema_version: i64,
    pub actor: ActorRef,
    pub command_id: String,
    pub correlation_id: Option<String>,
    pub causation_id: Option<String>,
    pub recorded_at: String,
    pub occurred_on: Option<String>,
    pub rules_version: Option<String>,
    pub decision_no: Option<String>,
    pub prev_hash: String,
    pub hash: String,
    /// The event's body, from the log.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub payload: Value,
}

/// A dimension of the statistics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatsDimension {
    Province,
    Stars,
    Group,
    Year,
    Status,
}

impl StatsDimension {
    /// Parses `province`, `stars`, `group`, `year` or `status`.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "province" => StatsDimension::Province,
            "stars" => StatsDimension::Stars,
            "group" => StatsDimension::Group,
            "year" => StatsDimension::Year,
            "status" => StatsDimension::Status,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            StatsDimension::Province => "province",
            StatsDimension::Stars => "stars",
            StatsDimension::Group => "group",
            StatsDimension::Year => "year",
            StatsDimension::Status => "status",
        }
    }

    fn column(self) -> &'static str {
        match self {
            StatsDimension::Province => "province",
            StatsDimension::Stars => "stars",
            StatsDimension::Group => "product_group",
            StatsDimension::Year => "year",
            StatsDimension::Status => "status",
        }
    }
}

/// One line of the statistics: the values of the grouped dimensions and the count,
/// `{"province": "68", "stars": 4, "count": 12}`. `stars` and `year` are null for products
/// without them.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StatsRow {
    /// The grouped dimensions' values, by dimension.
    #[serde(flatten)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub key: serde_json::Map<String, Value>,
    pub count: i64,
}

/// The most products a public look-up by certificate number lists.
pub const MAX_CANDIDATES: usize = 20;

/// A product as consumers may see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublicProduct {
    pub product_id: Uuid,
    pub certificate_no: Option<String>,
    pub name: String,
    pub producer: String,
    pub province: String,
    pub product_group: String,
    pub stars: Option<i64>,
    pub valid_until: Option<String>,
    pub status: String,
    pub decision_no: Option<String>,
    pub authority: Option<String>,
}

/// A public notice of revocation.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublicRevocation {
    pub global_position: i64,
    pub product_id: Uuid,
    pub name: String,
    pub producer: String,
    pub province: String,
    pub stars: Option<i64>,
    pub certificate_no: Option<String>,
    pub recognition_decision_no: Option<String>,
    pub decision_no: Option<String>,
    pub decided_on: String,
    pub authority: Option<String>,
    /// The grounds' codes, e.g. `food_safety_violation`.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub grounds: Value,
    pub details: Option<String>,
    pub recorded_at: String,
}

/// Filters of the decisions listing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DecisionFilter {
    pub province: Option<String>,
    pub product_id: Option<Uuid>,
    /// Decision dates from (inclusive).
    pub from: Option<NaiveDate>,
    /// Decision dates to (inclusive).
    pub to: Option<NaiveDate>,
    pub rules_version: Option<String>,
    /// Only decisions recorded after this global position (for paging).
    pub after_position: Option<i64>,
    /// Only the items of this decision document (`POST /api/v1/decisions`).
    pub decision_id: Option<Uuid>,
    pub limit: Option<usize>,
}

/// A recognition, refusal, legacy import or revocation, with the inputs needed to re-derive
/// it: `inputs` holds the round (number, kind, rules version), the councils with their
/// quorum and members, every scorecard and every concluded result of the round, as the
/// product's state held them just before the decision; a revocation's `inputs` hold the
/// current (`revoked_recognition`) or expired (`expired_recognition`) recognition it
/// ends; every `inputs` has the product's `place` (province, commune, district).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DecisionRecord {
    pub global_position: i64,
    pub product_id: Uuid,
    pub version: i64,
    pub event_id: String,
    pub event_type: String,
    /// `recognized | refused | legacy_import | revoked`.
    pub kind: String,
    pub province: String,
    pub commune: Option<String>,
    pub decided_on: Option<String>,
    pub decision_no: Option<String>,
    pub authority: Option<String>,
    pub stars: Option<i64>,
    pub level: Option<String>,
    pub rules_version: Option<String>,
    pub round: Option<i64>,
    pub actor: ActorRef,
    pub recorded_at: String,
    pub payload: Value,
    pub inputs: Value,
    /// The decision document this decision is an item of, if it was recorded as one.
    pub decision_id: Option<Uuid>,
    /// The product's name as the read model has it now (for people reading the audit).
    pub name: Option<String>,
}

/// A timer that is due: an expiry notice or an expiry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DueTimer {
    pub product_id: Uuid,
    /// `expiry_notice | expiry`.
    pub kind: String,
    pub due_on: NaiveDate,
    pub valid_until: NaiveDate,
    pub decision_no: Option<String>,
}

/// Read access to the read models (and, for history payloads, to the log).
#[derive(Clone)]
pub struct ReadModels {
    db: ReadDb,
    store: Option<Arc<dyn EventStore>>,
}

impl std::fmt::Debug for ReadModels {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadModels")
            .field("db", &self.db)
            .finish_non_exhaustive()
    }
}

fn text(v: &Val) -> String {
    v.text().unwrap_or_default()
}

fn uuid(v: &Val) -> Result<Uuid, ProjectionError> {
    let t = text(v);
    Uuid::parse_str(&t).map_err(|e| ProjectionError::Corrupt(format!("bad uuid {t}: {e}")))
}

fn json(v: &Val) -> Result<Value, ProjectionError> {
    serde_json::from_str(&text(v)).map_err(|e| ProjectionError::Corrupt(format!("bad json: {e}")))
}

fn date(v: &Val) -> Result<NaiveDate, ProjectionError> {
    let t = text(v);
    t.parse()
        .map_err(|e| ProjectionError::Corrupt(format!("bad date {t}: {e}")))
}

/// `%…%` for LIKE, with the pattern characters of `s` escaped by `\`.
fn like_pattern(s: &str) -> String {
    let mut out = String::from("%");
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// Collects `WHERE` conditions with their `$n` arguments.
struct Conditions {
    sql: Vec<String>,
    args: Vec<Arg>,
}

impl Conditions {
    fn new() -> Self {
        Conditions {
            sql: Vec::new(),
            args: Vec::new(),
        }
    }

    /// Adds `template` with `?` standing for the next argument.
    fn add(&mut self, template: &str, arg: Arg) {
        self.add_all(template, vec![arg]);
    }

    /// Adds `template` whose `?`s stand for `args`, in order.
    fn add_all(&mut self, template: &str, args: Vec<Arg>) {
        let mut sql = String::with_capacity(template.len() + 8);
        for c in template.chars() {
            if c == '?' {
                sql.push_str(&format!("${}", self.args.len() + 1));
                self.args.push(Arg::I64(None));
            } else {
                sql.push(c);
            }
        }
        let first = self.args.len() - args.len();
        for (i, a) in args.into_iter().enumerate() {
            self.args[first + i] = a;
        }
        self.sql.push(sql);
    }

    /// `column` holds a record of the province in force `code` or of one it succeeded
    /// (`province=` means the province in force, its predecessors included).
    fn add_province(&mut self, column: &str, code: &str) {
        let codes = ocop_domain::units::recorded_codes(code);
        let marks = vec!["?"; codes.len()].join(", ");
        self.add_all(
            &format!("{column} IN ({marks})"),
            codes.into_iter().map(Arg::from).collect(),
        );
    }

    /// `column` holds a record of the commune `code` or of one whose records it holds
    /// since a reorganisation of communes ([`crate::import::units`]): `commune=` means the commune
    /// in force, as `province=` the province.
    fn add_commune(&mut self, column: &str, code: &str) {
        self.add_all(
            &format!(
                "({column} = ? OR {column} IN \
                 (SELECT old_commune FROM commune_successions WHERE commune = ?))"
            ),
            vec![code.into(), code.into()],
        );
    }

    fn where_clause(&self) -> String {
        if self.sql.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", self.sql.join(" AND "))
        }
    }
}

/// Which producers to list: those with a product in this place (the province in force,
/// its predecessors included), whose name contains `q` (diacritics ignored).
#[derive(Debug, Clone, Default)]
pub struct ProducerQuery {
    pub province: Option<String>,
    pub commune: Option<String>,
    pub district: Option<String>,
    pub q: Option<String>,
    /// The previous page's `next_cursor` (a producer id).
    pub cursor: Option<String>,
    pub limit: Option<usize>,
}

/// A producer (chủ thể) as listed: identity from its most recently recorded product, and
/// how many products it holds (in the query's place) and how many are recognised.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProducerRow {
    pub producer_id: Uuid,
    pub name: String,
    pub kind: String,
    pub tax_code: Option<String>,
    /// The province in force that holds its most recent product's record.
    pub province: String,
    pub products: i64,
    pub recognized: i64,
}

/// One product of a producer.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProducerProduct {
    pub product_id: Uuid,
    pub name: String,
    pub status: String,
    pub stars: Option<i64>,
    pub valid_until: Option<String>,
    pub province: String,
    pub commune: Option<String>,
    pub district: Option<String>,
}

impl ReadModels {
    /// Queries on `db` only (no history).
    pub fn new(db: ReadDb) -> Self {
        ReadModels { db, store: None }
    }

    /// Queries on the backend's database, with the history read from its log.
    pub fn with_store(db: ReadDb, store: Arc<dyn EventStore>) -> Self {
        ReadModels {
            db,
            store: Some(store),
        }
    }

    pub fn db(&self) -> &ReadDb {
        &self.db
    }

    /// The product list: current states matching `query`, by product id, one page.
    #[tracing::instrument(skip_all, err)]
    pub async fn products(&self, query: &ProductQuery) -> Result<ProductPage, ProjectionError> {
        let limit = query.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT);
        let mut c = Conditions::new();
        if let Some(v) = &query.province {
            c.add_province("p.province", v);
        }
        if let Some(v) = &query.commune {
            c.add_commune("p.commune", v);
        }
        if let Some(v) = &query.district {
            c.add("p.district = ?", v.clone().into());
        }
        if let Some(v) = &query.status {
            c.add("p.status = ?", v.clone().into());
        }
        if let Some(v) = query.stars {
            c.add("p.stars = ?", v.into());
        }
        if let Some(v) = &query.group {
            c.add("p.product_group = ?", v.clone().into());
        }
        if let Some(v) = query.year {
            c.add("p.year = ?", i64::from(v).into());
        }
        if let Some(d) = query.valid_on {
            let d = d.to_string();
            c.add_all(
                "EXISTS (SELECT 1 FROM rm_recognitions r WHERE r.product_id = p.product_id \
                 AND r.valid_from <= ? AND r.valid_through >= ?)",
                vec![d.clone().into(), d.into()],
            );
        }
        if let Some(q) = query.q.as_deref().map(search_key).filter(|q| !q.is_empty()) {
            c.add("p.search LIKE ? ESCAPE '\\'", like_pattern(&q).into());
        }
        if let Some(cursor) = &query.cursor {
            c.add("p.product_id > ?", cursor.clone().into());
        }
        c.args.push(((limit + 1) as i64).into());
        let sql = format!(
            "SELECT p.product_id, p.state FROM rm_products p {} ORDER BY p.product_id LIMIT ${}",
            c.where_clause(),
            c.args.len()
        );
        let rows = self.db.fetch(&sql, c.args).await?;
        let more = rows.len() > limit;
        let mut items = Vec::with_capacity(limit);
        let mut last = None;
        for r in rows.into_iter().take(limit) {
            last = r[0].text();
            items.push(json(&r[1])?);
        }
        Ok(ProductPage {
            items,
            next_cursor: if more { last } else { None },
        })
    }

    /// The producers with a product matching `query`, by producer id, one page.
    #[tracing::instrument(skip_all, err)]
    pub async fn producers(
        &self,
        query: &ProducerQuery,
    ) -> Result<(Vec<ProducerRow>, Option<String>), ProjectionError> {
        let limit = query.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT);
        let mut c = Conditions::new();
        if let Some(v) = &query.province {
            c.add_province("province", v);
        }
        if let Some(v) = &query.commune {
            c.add_commune("commune", v);
        }
        if let Some(v) = &query.district {
            c.add("district = ?", v.clone().into());
        }
        if let Some(q) = query.q.as_deref().map(search_key).filter(|q| !q.is_empty()) {
            c.add(
                "producer_search LIKE ? ESCAPE '\\'",
                like_pattern(&q).into(),
            );
        }
        if let Some(cursor) = &query.cursor {
            c.add("producer_id > ?", cursor.clone().into());
        }
        c.args.push(((limit + 1) as i64).into());
        let sql = format!(
            "SELECT g.producer_id, p.producer_name, p.producer_kind, p.producer_tax_code, \
             p.province, g.n, g.recognized \
             FROM (SELECT producer_id, COUNT(*) AS n, \
                   CAST(SUM(CASE WHEN status = 'recognized' THEN 1 ELSE 0 END) AS BIGINT) \
                   AS recognized, MAX(last_position) AS last \
                   FROM rm_products {} GROUP BY producer_id \
                   ORDER BY producer_id LIMIT ${}) g \
             JOIN rm_products p ON p.last_position = g.last ORDER BY g.producer_id",
            c.where_clause(),
            c.args.len()
        );
        let rows = self.db.fetch(&sql, c.args).await?;
        let more = rows.len() > limit;
        let mut items = Vec::with_capacity(limit);
        for r in rows.iter().take(limit) {
            items.push(ProducerRow {
                producer_id: uuid(&r[0])?,
                name: text(&r[1]),
                kind: text(&r[2]),
                tax_code: r[3].text(),
                province: ocop_domain::units::current_province(&text(&r[4])).to_owned(),
                products: r[5].i64().unwrap_or(0),
                recognized: r[6].i64().unwrap_or(0),
            });
        }
        let next = if more {
            items.last().map(|p| p.producer_id.to_string())
        } else {
            None
        };
        Ok((items, next))
    }

    /// A producer's identity and every product it holds, oldest record first (`None` for
    /// an unknown producer).
    pub async fn producer(
        &self,
        producer_id: Uuid,
    ) -> Result<Option<(ProducerRow, Vec<ProducerProduct>)>, ProjectionError> {
        let rows = self
            .db
            .fetch(
                "SELECT product_id, name, status, stars, valid_until, province, commune, \
                 district, producer_name, producer_kind, producer_tax_code \
                 FROM rm_products WHERE producer_id = $1 ORDER BY last_position",
                vec![producer_id.to_string().into()],
            )
            .await?;
        let Some(latest) = rows.last() else {
            return Ok(None);
        };
        let products = rows
            .iter()
            .map(|r| {
                Ok(ProducerProduct {
                    product_id: uuid(&r[0])?,
                    name: text(&r[1]),
                    status: text(&r[2]),
                    stars: r[3].i64(),
                    valid_until: r[4].text(),
                    province: text(&r[5]),
                    commune: r[6].text(),
                    district: r[7].text(),
                })
            })
            .collect::<Result<Vec<_>, ProjectionError>>()?;
        let producer = ProducerRow {
            producer_id,
            name: text(&latest[8]),
            kind: text(&latest[9]),
            tax_code: latest[10].text(),
            province: ocop_domain::units::current_province(&text(&latest[5])).to_owned(),
            products: products.len() as i64,
            recognized: products.iter().filter(|p| p.status == "recognized").count() as i64,
        };
        Ok(Some((producer, products)))
    }

    /// One product's current state, or `None` when the read side has never seen it.
    pub async fn product(&self, product_id: Uuid) -> Result<Option<ProductView>, ProjectionError> {
        let rows = self
            .db
            .fetch(
                "SELECT version, last_position, state FROM rm_products WHERE product_id = $1",
                vec![product_id.to_string().into()],
            )
            .await?;
        let Some(r) = rows.first() else {
            return Ok(None);
        };
        Ok(Some(ProductView {
            product_id,
            version: r[0].i64().unwrap_or(0),
            global_position: r[1].i64().unwrap_or(0),
            state: json(&r[2])?,
        }))
    }

    /// One product's current state as projected (`None` when the read side has never seen
    /// it) and its stream's last version in the log, in one query — the read models live in
    /// the log's own database. A projected state below that version is behind the log.
    pub async fn product_and_log_version(
        &self,
        product_id: Uuid,
    ) -> Result<(Option<ProductView>, i64), ProjectionError> {
        let stream = match self.db.dialect() {
            Dialect::Postgres => "$1::uuid",
            Dialect::Sqlite => "$1",
        };
        let rows = self
            .db
            .fetch(
                &format!(
                    "SELECT (SELECT MAX(version) FROM events WHERE stream_id = {stream}), \
                     p.version, p.last_position, p.state \
                     FROM (SELECT 1) AS one LEFT JOIN rm_products p ON p.product_id = $1"
                ),
                vec![product_id.to_string().into()],
            )
            .await?;
        let Some(r) = rows.first() else {
            return Ok((None, 0));
        };
        let log_version = r[0].i64().unwrap_or(0);
        if r[3] == Val::Null {
            return Ok((None, log_version));
        }
        let view = ProductView {
            product_id,
            version: r[1].i64().unwrap_or(0),
            global_position: r[2].i64().unwrap_or(0),
            state: json(&r[3])?,
        };
        Ok((Some(view), log_version))
    }

    /// A product's audit trail, by version, from `after_version` (exclusive), at most
    /// `limit` entries, read from the log (this needs [`ReadModels::with_store`]). An event
    /// the current code cannot decode is still listed, without a decision reference.
    pub async fn history(
        &self,
        product_id: Uuid,
        after_version: i64,
        limit: usize,
    ) -> Result<Vec<HistoryEntry>, ProjectionError> {
        let store = self.store.as_ref().ok_or_else(|| {
            ProjectionError::Corrupt("the history is read from the log: no store given".into())
        })?;
        let range = StreamRange {
            from_version: after_version + 1,
            to_version: Some(after_version.saturating_add(limit.max(1) as i64)),
            recorded_until: None,
        };
        let events = store.read_stream(product_id, range).await?;
        Ok(events
            .into_iter()
            .map(|e| {
                let decision_no = crate::command::codec::from_recorded(&e)
                    .ok()
                    .and_then(|event| crate::read::history::decision_ref(&event.body));
                HistoryEntry {
                    product_id: e.stream_id,
                    version: e.version,
                    global_position: e.global_position,
                    event_id: e.event_id.to_string(),
                    event_type: e.event_type,
                    schema_version: i64::from(e.schema_version),
                    actor: e.actor,
                    command_id: e.command_id.to_string(),
                    correlation_id: e.correlation_id.map(|u| u.to_string()),
                    causation_id: e.causation_id.map(|u| u.to_string()),
                    recorded_at: format_timestamp(&e.recorded_at),
                    occurred_on: e.occurred_on.map(|d| d.to_string()),
                    rules_version: e.rules_version,
                    decision_no,
                    prev_hash: e.prev_hash,
                    hash: e.hash,
                    payload: e.payload,
                }
            })
            .collect())
    }

    /// Product counts grouped by `group_by` (any subset, in the given order; empty gives
    /// the total). With `current_on`, `province` is the province in force on that day (the
    /// records of merged provinces counted under their successor); without, the province
    /// recorded.
    pub async fn stats(
        &self,
        group_by: &[StatsDimension],
        current_on: Option<NaiveDate>,
    ) -> Result<Vec<StatsRow>, ProjectionError> {
        let mut dims: Vec<StatsDimension> = Vec::new();
        for d in group_by {
            if !dims.contains(d) {
                dims.push(*d);
            }
        }
        let cols: Vec<&str> = dims.iter().map(|d| d.column()).collect();
        let sql = if cols.is_empty() {
            "SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM rm_stats".to_owned()
        } else {
            let c = cols.join(", ");
            format!(
                "SELECT {c}, CAST(SUM(n) AS BIGINT) FROM rm_stats GROUP BY {c} \
                 HAVING SUM(n) > 0 ORDER BY {c}"
            )
        };
        let rows = self.db.fetch(&sql, vec![]).await?;
        // Keyed by the values in `dims`' order, so that merged provinces add up and the
        // rows stay ordered as the SQL ordered them.
        let mut merged: std::collections::BTreeMap<Vec<String>, StatsRow> = Default::default();
        for r in &rows {
            let mut key = serde_json::Map::new();
            let mut order = Vec::with_capacity(dims.len());
            for (i, d) in dims.iter().enumerate() {
                let v = match d {
                    StatsDimension::Stars | StatsDimension::Year => match r[i].i64() {
                        Some(0) | None => Value::Null,
                        Some(n) => Value::from(n),
                    },
                    StatsDimension::Province => {
                        let recorded = text(&r[i]);
                        Value::from(match current_on {
                            Some(on) => ocop_domain::units::province_on(&recorded, on).to_owned(),
                            None => recorded,
                        })
                    }
                    _ => Value::from(text(&r[i])),
                };
                order.push(match &v {
                    Value::Number(n) => format!("{:020}", n.as_i64().unwrap_or(0)),
                    other => other.as_str().unwrap_or_default().to_owned(),
                });
                key.insert(d.name().to_owned(), v);
            }
            let count = r[dims.len()].i64().unwrap_or(0);
            merged
                .entry(order)
                .and_modify(|row| row.count += count)
                .or_insert(StatsRow { key, count });
        }
        Ok(merged.into_values().collect())
    }

    /// Decisions matching `filter`, by global position.
    pub async fn decisions(
        &self,
        filter: &DecisionFilter,
    ) -> Result<Vec<DecisionRecord>, ProjectionError> {
        let mut c = Conditions::new();
        if let Some(v) = &filter.province {
            c.add_province("province", v);
        }
        if let Some(v) = filter.product_id {
            c.add("product_id = ?", v.to_string().into());
        }
        if let Some(v) = filter.from {
            c.add("decided_on >= ?", v.to_string().into());
        }
        if let Some(v) = filter.to {
            c.add("decided_on <= ?", v.to_string().into());
        }
        if let Some(v) = &filter.rules_version {
            c.add("rules_version = ?", v.clone().into());
        }
        if let Some(v) = filter.after_position {
            c.add("global_position > ?", v.into());
        }
        if let Some(v) = filter.decision_id {
            c.add("decision_id = ?", v.to_string().into());
        }
        c.args
            .push((filter.limit.unwrap_or(1_000).clamp(1, 100_000) as i64).into());
        let sql = format!(
            "SELECT global_position, product_id, version, event_id, event_type, kind, province, \
             commune, decided_on, decision_no, authority, stars, level, rules_version, round, \
             actor_user, actor_role, actor_scope, recorded_at, payload, inputs, decision_id, \
             (SELECT p.name FROM rm_products p WHERE p.product_id = rm_decisions.product_id) \
             FROM rm_decisions {} ORDER BY global_position LIMIT ${}",
            c.where_clause(),
            c.args.len()
        );
        let rows = self.db.fetch(&sql, c.args).await?;
        rows.iter()
            .map(|r| {
                Ok(DecisionRecord {
                    global_position: r[0].i64().unwrap_or(0),
                    product_id: uuid(&r[1])?,
                    version: r[2].i64().unwrap_or(0),
                    event_id: text(&r[3]),
                    event_type: text(&r[4]),
                    kind: text(&r[5]),
                    province: text(&r[6]),
                    commune: r[7].text(),
                    decided_on: r[8].text(),
                    decision_no: r[9].text(),
                    authority: r[10].text(),
                    stars: r[11].i64(),
                    level: r[12].text(),
                    rules_version: r[13].text(),
                    round: r[14].i64(),
                    actor: ActorRef {
                        user: text(&r[15]),
                        role: text(&r[16]),
                        scope: text(&r[17]),
                    },
                    recorded_at: text(&r[18]),
                    payload: json(&r[19])?,
                    inputs: json(&r[20])?,
                    decision_id: r[21].text().and_then(|d| Uuid::parse_str(&d).ok()),
                    name: r[22].text(),
                })
            })
            .collect()
    }

    /// Timers due on or before `today`, earliest first.
    pub async fn due_timers(
        &self,
        today: NaiveDate,
        limit: usize,
    ) -> Result<Vec<DueTimer>, ProjectionError> {
        let rows = self
            .db
            .fetch(
                "SELECT product_id, kind, due_on, valid_until, decision_no FROM rm_timers \
                 WHERE due_on <= $1 ORDER BY due_on, product_id, kind LIMIT $2",
                vec![today.to_string().into(), (limit.max(1) as i64).into()],
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(DueTimer {
                    product_id: uuid(&r[0])?,
                    kind: text(&r[1]),
                    due_on: date(&r[2])?,
                    valid_until: date(&r[3])?,
                    decision_no: r[4].text(),
                })
            })
            .collect()
    }

    /// Every row of every read-model table, rendered and sorted, table by table: two
    /// databases with the same read models give the same dump (for tests and checks).
    pub async fn dump(&self) -> Result<Vec<(String, Vec<String>)>, ProjectionError> {
        let mut out = Vec::new();
        for p in crate::read::schema::Projection::ALL {
            for t in p.tables() {
                let rows = self.db.fetch(&format!("SELECT * FROM {t}"), vec![]).await?;
                let mut rendered: Vec<String> = rows
                    .iter()
                    .map(|r| {
                        r.iter()
                            .map(|v| match v {
                                Val::Null => "∅".to_owned(),
                                Val::I64(n) => n.to_string(),
                                Val::Text(t) => t.clone(),
                            })
                            .collect::<Vec<_>>()
                            .join(" | ")
                    })
                    .collect();
                rendered.sort();
                out.push(((*t).to_owned(), rendered));
            }
        }
        Ok(out)
    }

    /// Whether the database answers (for readiness).
    pub async fn ping(&self) -> Result<(), ProjectionError> {
        self.db.fetch("SELECT 1", vec![]).await?;
        Ok(())
    }
}

//! `ocop import`: a province's existing list of recognised products, in the contract's CSV
//! format, becomes `LegacyRecognitionImported` events.
//!
//! The file is UTF-8 (a byte-order mark is tolerated) and RFC 4180 CSV: fields separated by
//! commas, quoted with `"` when they hold commas, quotes (doubled) or line breaks; lines end
//! with CRLF or LF. The header names the contract's columns —
//! `province,district,commune,local_code,product_name,producer_name,producer_kind,
//! product_group,stars,score,decision_no,decided_on,authority,valid_until` — in any order;
//! `district`, `commune`, `local_code`, `score` and `valid_until` may be empty.
//!
//! *Decisions* (documented in `docs/legacy-import.md`):
//!
//! - **Bad rows record nothing, good rows import.** Each row is one command through the
//!   [`CommandService`] as `admin`; a row that does not parse or that the domain refuses is
//!   reported with the physical line where it starts (the header is line 1; a quoted field
//!   with line breaks makes a row span several lines) and a specific reason. A file that is
//!   not UTF-8 or whose header is not the contract's is refused whole.
//! - **Idempotent.** The product id is a UUID (version 8) from SHA-256 over the province,
//!   the decision number and the product name (trimmed, NFC, inner whitespace collapsed); the
//!   idempotency key is derived from the product id, and the request hash from the row's
//!   canonical content (every column, not the line number). Importing the same file again
//!   replays every row (`already_present`) and records nothing; a row naming the same
//!   product and decision with other values is refused with `idempotency_key_reused` in its
//!   reason — a correction is an `EntryCorrected`, not a re-import.
//! - Lenient where provincial lists are known to vary: Vietnamese names of producer kinds
//!   and product groups (`Hợp tác xã`, `Thực phẩm`…), dates as `YYYY-MM-DD` or
//!   `DD/MM/YYYY`, a decimal comma in the score (`"72,5"`). Nothing is guessed beyond that.
//! - A row dated after today in Vietnam is refused (`date_in_future`, rule 9): a decision
//!   that has not happened is not a fact of law yet.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{NaiveDate, Utc};
use ocop_domain::commands::ImportLegacyRecognition;
use ocop_domain::events::{ProducerKind, ProductGroup};
use ocop_domain::rules::Level;
use ocop_domain::score::Mean;
use ocop_domain::text::search_key;
use ocop_domain::{
    Actor, Command, CommandBody, CommandMeta, CommuneCode, DistrictCode, DomainError, ProvinceCode,
    Role, Scope,
};
use ocop_eventstore::StreamRange;
use serde::Serialize;
use unicode_normalization::UnicodeNormalization;
use uuid::Uuid;

use crate::command::service::{CommandService, ExecuteOptions, ServiceError};

/// Columns a list may add to the contract's (in any place of the header): each row's
/// certificate number, potential-5★ flag and deciding level, recorded as written.
pub const OPTIONAL_COLUMNS: [&str; 3] = ["certificate_no", "potential_five_star", "level"];

/// The contract's columns, in the contract's order.
pub const COLUMNS: [&str; 14] = [
    "province",
    "district",
    "commune",
    "local_code",
    "product_name",
    "producer_name",
    "producer_kind",
    "product_group",
    "stars",
    "score",
    "decision_no",
    "decided_on",
    "authority",
    "valid_until",
];

/// How many rows are in flight at once (the store's writer commits them in groups).
pub const DEFAULT_CONCURRENCY: usize = 8;

/// One rejected row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    /// The physical line of the file where the row starts (the header is line 1).
    pub line: u64,
    /// Why, e.g. `stars: expected 3, 4 or 5, got "6"`.
    pub reason: String,
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    /// Data rows in the file (blank lines not counted).
    pub rows: u64,
    /// Rows recorded by this import.
    pub imported: u64,
    /// Rows already in the ledger (an earlier import of the same content).
    pub already_present: u64,
    /// Rows that record nothing, by line.
    pub rejected: Vec<RowError>,
    /// The highest global position this import recorded (for `min_position`), 0 if none.
    pub last_position: i64,
}

/// Why a whole file is refused (nothing is recorded).
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file is not UTF-8.
    #[error("the file is not UTF-8: invalid bytes on line {line}")]
    NotUtf8 { line: u64 },
    /// The header is not the contract's.
    #[error("the header is not the contract's ({COLUMNS:?}): {reason}")]
    Header { reason: String },
    /// The store failed; rows before the failure may have been recorded (importing the
    /// file again completes it).
    #[error(transparent)]
    Service(#[from] ServiceError),
}

/// Told how many rows of how many are done, as the import goes.
pub type Progress = Arc<dyn Fn(u64, u64) + Send + Sync>;

/// Who imports and how the rows name their source.
#[derive(Clone)]
pub struct ImportOptions {
    /// The actor (an `admin` with national scope; the domain refuses anyone else).
    pub actor: Actor,
    /// The file's name, recorded in each event's `source` as `NAME:LINE`.
    pub source_name: String,
    /// Rows in flight at once (at least 1).
    pub concurrency: usize,
    /// Called after each row with (rows done, rows in the file), when given.
    pub progress: Option<Progress>,
}

impl std::fmt::Debug for ImportOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImportOptions")
            .field("actor", &self.actor)
            .field("source_name", &self.source_name)
            .field("concurrency", &self.concurrency)
            .finish_non_exhaustive()
    }
}

impl ImportOptions {
    /// An import by `user` as `admin` (national) of the file called `source_name`.
    pub fn admin(user: impl Into<String>, source_name: impl Into<String>) -> Self {
        ImportOptions {
            actor: Actor::new(user, Role::Admin, Scope::National),
            source_name: source_name.into(),
            concurrency: DEFAULT_CONCURRENCY,
            progress: None,
        }
    }
}

/// A file split into rows: the valid ones as commands, the others as errors.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParsedFile {
    /// Data rows in the file.
    pub rows: u64,
    /// `(line, command)` of every row that parsed.
    pub valid: Vec<(u64, ImportLegacyRecognition)>,
    /// Rows that did not parse.
    pub rejected: Vec<RowError>,
}

/// Imports `bytes` (a whole CSV file) through `service`.
#[tracing::instrument(skip_all, fields(source = %options.source_name), err)]
pub async fn import_csv(
    service: &CommandService,
    bytes: &[u8],
    options: &ImportOptions,
) -> Result<ImportReport, ImportError> {
    let parsed = parse_csv(bytes, &options.source_name)?;
    let mut report = ImportReport {
        rows: parsed.rows,
        rejected: parsed.rejected,
        ..ImportReport::default()
    };

    // The same product and decision twice in one file: the first line wins, a later line
    // with the same content is already present, one with other content is refused here with
    // a reference to the first.
    let mut first: HashMap<Uuid, (u64, String)> = HashMap::new();
    let mut todo = Vec::new();
    for (line, row) in parsed.valid {
        let id = legacy_product_id(&row);
        let hash = request_hash(&row);
        match first.get(&id) {
            Some((_, h)) if *h == hash => report.already_present += 1,
            Some((l, _)) => report.rejected.push(RowError {
                line,
                reason: format!(
                    "the same product and decision as line {l} (province, decision_no, product_name) with other values"
                ),
            }),
            None => {
                first.insert(id, (line, hash));
                todo.push((line, row));
            }
        }
    }

    let service = Arc::new(service.clone());
    let actor = options.actor.clone();
    let mut set = tokio::task::JoinSet::new();
    let mut rows = todo.into_iter();
    let concurrency = options.concurrency.max(1);
    let mut failure = None;
    loop {
        while set.len() < concurrency {
            let Some((line, row)) = rows.next() else {
                break;
            };
            let service = service.clone();
            let actor = actor.clone();
            set.spawn(async move { (line, import_row(&service, actor, row).await) });
        }
        let Some(joined) = set.join_next().await else {
            break;
        };
        if let Some(progress) = &options.progress {
            let done = report.imported + report.already_present + report.rejected.len() as u64 + 1;
            progress(done.min(report.rows), report.rows);
        }
        let (line, outcome) = match joined {
            Ok(done) => done,
            Err(e) => {
                failure.get_or_insert(ImportError::Service(ServiceError::Encode(format!(
                    "an import task failed: {e}"
                ))));
                continue;
            }
        };
        match outcome {
            Ok(RowOutcome::Imported(position)) => {
                report.imported += 1;
                report.last_position = report.last_position.max(position);
            }
            Ok(RowOutcome::AlreadyPresent) => report.already_present += 1,
            Ok(RowOutcome::Refused(reason)) => report.rejected.push(RowError { line, reason }),
            Err(e) => {
                // Stop feeding new rows; let the ones in flight finish.
                rows = Vec::new().into_iter();
                failure.get_or_insert(ImportError::Service(e));
            }
        }
    }
    if let Some(e) = failure {
        return Err(e);
    }
    report.rejected.sort_by_key(|r| r.line);
    Ok(report)
}

enum RowOutcome {
    Imported(i64),
    AlreadyPresent,
    Refused(String),
}

async fn import_row(
    service: &CommandService,
    actor: Actor,
    row: ImportLegacyRecognition,
) -> Result<RowOutcome, ServiceError> {
    let product_id = legacy_product_id(&row);
    let key = import_key(product_id);
    let hash = request_hash(&row);
    let command = Command::new(
        CommandMeta::new(actor, Utc::now(), product_id, vec![Uuid::now_v7()]),
        CommandBody::ImportLegacyRecognition(row),
    );
    let mut answer = service
        .execute(command.clone(), ExecuteOptions::new(key, hash.clone()))
        .await;
    if let Err(ServiceError::IdempotencyKeyReused(_)) = answer {
        // Either this product and decision are in the ledger with other values, or the
        // row's key is held by a command about something else (the API refuses such keys
        // from clients: a record from before that rule). Which one the product's first
        // event tells: what recorded it, under which key and content.
        let first = service
            .store()
            .read_stream(product_id, StreamRange::all())
            .await?
            .into_iter()
            .next();
        match first {
            // Nothing recorded on this product: the row is still owed. Record it under a
            // fresh key; the domain refuses a second registration.
            None => {
                tracing::warn!(%product_id, %key, "import: the row's key is taken; recording under a fresh key");
                answer = service
                    .execute(command, ExecuteOptions::new(Uuid::now_v7(), hash.clone()))
                    .await;
            }
            // Imported earlier under a fresh key: the same content is already present.
            Some(first) if first.command_id != key => {
                let recorded = service.store().find_command(first.command_id).await?;
                if recorded.is_some_and(|(h, _)| h == hash) {
                    return Ok(RowOutcome::AlreadyPresent);
                }
            }
            Some(_) => {}
        }
    }
    match answer {
        Ok(Ok(outcome)) if outcome.replayed => Ok(RowOutcome::AlreadyPresent),
        Ok(Ok(outcome)) => Ok(RowOutcome::Imported(outcome.global_position)),
        Ok(Err(DomainError::AlreadyRegistered { .. })) => Ok(RowOutcome::AlreadyPresent),
        Ok(Err(rejected)) => Ok(RowOutcome::Refused(format!(
            "{} ({})",
            rejected,
            rejected.code()
        ))),
        Err(ServiceError::IdempotencyKeyReused(_)) => Ok(RowOutcome::Refused(
            "this product and decision (province, decision_no, product_name) are already in the ledger with other values (idempotency_key_reused); correct the recorded entry instead of importing it again".to_owned(),
        )),
        Err(e) => Err(e),
    }
}

/// NFC, trimmed, inner whitespace collapsed: the form names are compared in.
fn normalise(s: &str) -> String {
    s.nfc()
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

use crate::ids::v8;

/// The product id of a legacy row: a UUID (version 8) from SHA-256 over the province, the
/// decision number and the product name.
pub fn legacy_product_id(row: &ImportLegacyRecognition) -> Uuid {
    v8(
        b"ocop-legacy-product\0",
        &[
            row.province.as_str().as_bytes(),
            normalise(&row.decision_no).as_bytes(),
            normalise(&row.product_name).as_bytes(),
        ],
    )
    .0
}

/// The idempotency key of a legacy row's command.
pub fn import_key(product_id: Uuid) -> Uuid {
    v8(b"ocop-legacy-import\0", &[product_id.as_bytes()]).0
}

/// The request hash of a row: SHA-256 of its canonical content, without its line.
pub fn request_hash(row: &ImportLegacyRecognition) -> String {
    let mut content = row.clone();
    content.source = None;
    let json = serde_json::to_string(&content).unwrap_or_default();
    v8(b"ocop-legacy-content\0", &[json.as_bytes()]).1
}

/// Splits a whole file into rows and validates each into a command.
pub fn parse_csv(bytes: &[u8], source_name: &str) -> Result<ParsedFile, ImportError> {
    let text = utf8_text(bytes).map_err(|line| ImportError::NotUtf8 { line })?;
    let mut records = Records::new(text);
    let header = match records.next() {
        None => {
            return Err(ImportError::Header {
                reason: "the file is empty".to_owned(),
            });
        }
        Some(Err(e)) => {
            return Err(ImportError::Header { reason: e.reason });
        }
        Some(Ok(h)) => h,
    };
    // The contract's columns, and those of the optional ones the header names.
    let named: Vec<String> = header
        .fields
        .iter()
        .map(|f| f.trim().to_lowercase())
        .collect();
    let columns: Vec<&str> = COLUMNS
        .iter()
        .chain(
            OPTIONAL_COLUMNS
                .iter()
                .filter(|c| named.iter().any(|n| n == *c)),
        )
        .copied()
        .collect();
    let index =
        header_index(&header.fields, &columns).map_err(|reason| ImportError::Header { reason })?;
    let mut parsed = ParsedFile::default();
    for record in records {
        parsed.rows += 1;
        match record {
            Err(e) => parsed.rejected.push(e),
            Ok(r) => {
                if r.fields.len() != columns.len() {
                    parsed.rejected.push(RowError {
                        line: r.line,
                        reason: format!(
                            "expected {} fields, found {}",
                            columns.len(),
                            r.fields.len()
                        ),
                    });
                    continue;
                }
                // PostgreSQL cannot store U+0000 in text: such a row would stop the read
                // models there, so it is refused like any other bad row.
                if let Some(i) = r.fields.iter().position(|f| f.contains('\0')) {
                    let column = index
                        .iter()
                        .position(|&j| j == i)
                        .map_or("a column", |c| columns[c]);
                    parsed.rejected.push(RowError {
                        line: r.line,
                        reason: format!(
                            "{column}: text must not contain the NUL character (U+0000)"
                        ),
                    });
                    continue;
                }
                let get = |name: &str| -> &str {
                    columns
                        .iter()
                        .position(|c| *c == name)
                        .map_or("", |i| r.fields[index[i]].trim())
                };
                match row_command(get, &format!("{source_name}:{}", r.line)) {
                    Ok(c) => parsed.valid.push((r.line, c)),
                    Err(reason) => parsed.rejected.push(RowError {
                        line: r.line,
                        reason,
                    }),
                }
            }
        }
    }
    Ok(parsed)
}

/// A file's text without its byte-order mark; `Err` names the first line that is not
/// UTF-8.
pub(crate) fn utf8_text(bytes: &[u8]) -> Result<&str, u64> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        1 + bytes[..e.valid_up_to()]
            .iter()
            .filter(|b| **b == b'\n')
            .count() as u64
    })?;
    Ok(text.strip_prefix('\u{feff}').unwrap_or(text))
}

/// For each of `columns`, the position of its field in the header `fields` (names
/// compared trimmed, case ignored); `Err` says which column is missing, repeated or
/// unknown.
pub(crate) fn header_index(fields: &[String], columns: &[&str]) -> Result<Vec<usize>, String> {
    let names: Vec<String> = fields.iter().map(|f| f.trim().to_lowercase()).collect();
    let mut index = vec![0usize; columns.len()];
    for (i, column) in columns.iter().enumerate() {
        let found: Vec<usize> = names
            .iter()
            .enumerate()
            .filter(|(_, n)| n == column)
            .map(|(j, _)| j)
            .collect();
        match found.as_slice() {
            [j] => index[i] = *j,
            [] => return Err(format!("column {column} is missing")),
            _ => return Err(format!("column {column} appears twice")),
        }
    }
    if let Some(extra) = names.iter().find(|n| !columns.contains(&n.as_str())) {
        return Err(format!("unknown column {extra:?}"));
    }
    Ok(index)
}

fn required<'a>(name: &str, v: &'a str) -> Result<&'a str, String> {
    if v.is_empty() {
        Err(format!("{name}: required"))
    } else {
        Ok(v)
    }
}

fn optional(v: &str) -> Option<&str> {
    (!v.is_empty()).then_some(v)
}

/// A date as `YYYY-MM-DD` or `DD/MM/YYYY`.
pub(crate) fn date(name: &str, v: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(v, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(v, "%d/%m/%Y"))
        .map_err(|_| format!("{name}: {v:?} is not a date (YYYY-MM-DD or DD/MM/YYYY)"))
}

fn producer_kind(v: &str) -> Result<ProducerKind, String> {
    Ok(match search_key(v).replace('_', " ").as_str() {
        "cooperative" | "hop tac xa" | "htx" => ProducerKind::Cooperative,
        "enterprise" | "doanh nghiep" | "cong ty" => ProducerKind::Enterprise,
        "household business" | "ho kinh doanh" | "ho san xuat" => ProducerKind::HouseholdBusiness,
        "cooperative group" | "to hop tac" | "tht" => ProducerKind::CooperativeGroup,
        _ => {
            return Err(format!(
                "producer_kind: {v:?} is not one of cooperative, enterprise, household_business, cooperative_group"
            ));
        }
    })
}

fn product_group(v: &str) -> Result<ProductGroup, String> {
    Ok(match search_key(v).replace('_', " ").as_str() {
        "food" | "thuc pham" => ProductGroup::Food,
        "drinks" | "do uong" => ProductGroup::Drinks,
        "medicinal herbs" | "duoc lieu" | "duoc lieu va san pham tu duoc lieu" | "thao duoc" => {
            ProductGroup::MedicinalHerbs
        }
        "handicrafts" | "thu cong my nghe" | "hang thu cong my nghe" => ProductGroup::Handicrafts,
        "ornamental" | "sinh vat canh" => ProductGroup::Ornamental,
        "tourism"
        | "du lich"
        | "dich vu du lich"
        | "dich vu du lich cong dong, du lich sinh thai va diem du lich" => ProductGroup::Tourism,
        "textiles" | "vai va may mac" => ProductGroup::Textiles,
        "souvenirs decoration"
        | "luu niem - noi that - trang tri"
        | "luu niem noi that trang tri" => ProductGroup::SouvenirsDecoration,
        _ => {
            return Err(format!(
                "product_group: {v:?} is not one of food, drinks, medicinal_herbs, handicrafts, ornamental, tourism, textiles, souvenirs_decoration"
            ));
        }
    })
}

/// Validates one row's fields into the command (the domain checks the rest).
fn row_command<'r>(
    get: impl Fn(&str) -> &'r str,
    source: &str,
) -> Result<ImportLegacyRecognition, String> {
    let province = ProvinceCode::parse(required("province", get("province"))?)
        .map_err(|e| format!("province: {e}"))?;
    let district = optional(get("district"))
        .map(DistrictCode::parse)
        .transpose()
        .map_err(|e| format!("district: {e}"))?;
    let commune = optional(get("commune"))
        .map(CommuneCode::parse)
        .transpose()
        .map_err(|e| format!("commune: {e}"))?;
    let product_name = normalise(required("product_name", get("product_name"))?);
    let producer_name = normalise(required("producer_name", get("producer_name"))?);
    let producer_kind = producer_kind(required("producer_kind", get("producer_kind"))?)?;
    let product_group = product_group(required("product_group", get("product_group"))?)?;
    let stars_text = required("stars", get("stars"))?;
    let stars = match stars_text.parse::<u8>() {
        Ok(s @ 3..=5) => s,
        _ => return Err(format!("stars: expected 3, 4 or 5, got {stars_text:?}")),
    };
    let score = match optional(get("score")) {
        None => None,
        Some(s) => {
            let s = s.replace(',', ".");
            match Mean::parse_decimal(&s) {
                Some(m) if m.cmp_points(100).is_le() => Some(s),
                _ => {
                    return Err(format!(
                        "score: {:?} is not a number from 0 to 100 with at most two decimals",
                        get("score")
                    ));
                }
            }
        }
    };
    let decision_no = normalise(required("decision_no", get("decision_no"))?);
    let decided_on = date("decided_on", required("decided_on", get("decided_on"))?)?;
    let authority = normalise(required("authority", get("authority"))?);
    let valid_until = optional(get("valid_until"))
        .map(|v| date("valid_until", v))
        .transpose()?;
    let potential_five_star = match search_key(get("potential_five_star")).as_str() {
        "" | "false" | "0" | "khong" | "no" => false,
        "true" | "1" | "co" | "x" | "yes" => true,
        _ => {
            return Err(format!(
                "potential_five_star: {:?} is not one of true, false (or có, không, x, empty)",
                get("potential_five_star")
            ));
        }
    };
    let level = match search_key(get("level")).as_str() {
        "" => None,
        "district" | "huyen" | "cap huyen" => Some(Level::District),
        "provincial" | "tinh" | "cap tinh" => Some(Level::Provincial),
        "central" | "trung uong" | "cap trung uong" => Some(Level::Central),
        _ => {
            return Err(format!(
                "level: {:?} is not one of district, provincial, central (or huyện, tỉnh, \
                 trung ương, empty to infer it from the stars)",
                get("level")
            ));
        }
    };
    Ok(ImportLegacyRecognition {
        province,
        district,
        commune,
        local_code: optional(get("local_code")).map(str::to_owned),
        product_name,
        producer_name,
        producer_kind,
        product_group,
        stars,
        score,
        decision_no,
        decided_on,
        authority,
        valid_until,
        source: Some(source.to_owned()),
        certificate_no: optional(get("certificate_no")).map(normalise),
        potential_five_star,
        level,
    })
}

/// One CSV record with the physical line it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Record {
    pub(crate) line: u64,
    pub(crate) fields: Vec<String>,
}

/// An RFC 4180 reader that knows the physical line each record starts on and, after a
/// malformed record, resumes at the next line.
pub(crate) struct Records<'a> {
    chars: std::iter::Peekable<std::str::Chars<'a>>,
    line: u64,
}

impl<'a> Records<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        Records {
            chars: text.chars().peekable(),
            line: 1,
        }
    }

    /// Consumes the rest of the current physical line.
    fn skip_line(&mut self) {
        for c in self.chars.by_ref() {
            if c == '\n' {
                self.line += 1;
                return;
            }
        }
    }

    /// Consumes a line end (`\n`, `\r\n` or a lone `\r`) after its first character.
    fn end_line(&mut self, c: char) {
        if c == '\r' && self.chars.peek() == Some(&'\n') {
            self.chars.next();
        }
        self.line += 1;
    }

    fn record(&mut self) -> Option<Result<Record, RowError>> {
        self.chars.peek()?;
        let start = self.line;
        let bad = |reason: &str| RowError {
            line: start,
            reason: reason.to_owned(),
        };
        let mut fields = Vec::new();
        loop {
            let mut field = String::new();
            if self.chars.peek() == Some(&'"') {
                self.chars.next();
                loop {
                    match self.chars.next() {
                        None => {
                            return Some(Err(bad(
                                "a quoted field is not closed before the end of the file",
                            )));
                        }
                        Some('"') => {
                            if self.chars.peek() == Some(&'"') {
                                self.chars.next();
                                field.push('"');
                            } else {
                                break;
                            }
                        }
                        Some('\r') => {
                            if self.chars.peek() == Some(&'\n') {
                                self.chars.next();
                            }
                            self.line += 1;
                            field.push('\n');
                        }
                        Some('\n') => {
                            self.line += 1;
                            field.push('\n');
                        }
                        Some(c) => field.push(c),
                    }
                }
                match self.chars.peek() {
                    None | Some(',' | '\r' | '\n') => {}
                    Some(_) => {
                        self.skip_line();
                        return Some(Err(bad("text after the closing quote of a field")));
                    }
                }
            } else {
                loop {
                    match self.chars.peek() {
                        None | Some(',' | '\r' | '\n') => break,
                        Some('"') => {
                            self.skip_line();
                            return Some(Err(bad(
                                "a quote inside an unquoted field (quote the whole field and double the quote)",
                            )));
                        }
                        Some(&c) => {
                            field.push(c);
                            self.chars.next();
                        }
                    }
                }
            }
            fields.push(field);
            match self.chars.next() {
                Some(',') => continue,
                Some(c @ ('\r' | '\n')) => {
                    self.end_line(c);
                    break;
                }
                _ => break,
            }
        }
        Some(Ok(Record {
            line: start,
            fields,
        }))
    }
}

impl Iterator for Records<'_> {
    type Item = Result<Record, RowError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let record = self.record()?;
            // A blank line is no row.
            if let Ok(r) = &record {
                if r.fields.len() == 1 && r.fields[0].trim().is_empty() {
                    continue;
                }
            }
            return Some(record);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(text: &str) -> Vec<Result<Record, RowError>> {
        Records::new(text).collect()
    }

    #[test]
    fn quoted_fields_keep_commas_quotes_and_line_breaks_and_lines_are_physical() {
        let text = "a,b\r\n\"x, y\",\"say \"\"hi\"\"\"\r\n\"two\nlines\",z\n\nlast,1";
        let got = records(text);
        let ok: Vec<Record> = got.into_iter().map(Result::unwrap).collect();
        assert_eq!(ok[0].line, 1);
        assert_eq!(ok[1].fields, vec!["x, y", "say \"hi\""]);
        assert_eq!(ok[1].line, 2);
        assert_eq!(ok[2].fields, vec!["two\nlines", "z"]);
        assert_eq!(ok[2].line, 3);
        assert_eq!(ok[3].line, 6);
        assert_eq!(ok[3].fields, vec!["last", "1"]);
    }

    #[test]
    fn a_malformed_record_is_reported_at_its_line_and_reading_resumes() {
        let got = records("h\nab\"c,d\n\"x\"y,z\nok\n\"open,\nnever closed");
        assert_eq!(got[1].as_ref().unwrap_err().line, 2);
        assert_eq!(got[2].as_ref().unwrap_err().line, 3);
        assert_eq!(got[3].as_ref().unwrap().fields, vec!["ok"]);
        assert_eq!(got[4].as_ref().unwrap_err().line, 5);
        assert_eq!(got.len(), 5);
    }

    #[test]
    fn ids_and_keys_are_deterministic_and_ignore_spacing() {
        let row = |name: &str| ImportLegacyRecognition {
            province: "68".parse().unwrap(),
            district: None,
            commune: None,
            local_code: None,
            product_name: normalise(name),
            producer_name: "HTX".into(),
            producer_kind: ProducerKind::Cooperative,
            product_group: ProductGroup::Food,
            stars: 3,
            score: None,
            decision_no: "12/QĐ-UBND".into(),
            decided_on: "2022-03-01".parse().unwrap(),
            authority: "UBND tỉnh Lâm Đồng".into(),
            valid_until: None,
            source: Some("a.csv:2".into()),
            certificate_no: None,
            potential_five_star: false,
            level: None,
        };
        let a = row("Mật ong  hoa cà phê");
        let mut b = row(" Mật ong hoa cà phê");
        b.source = Some("b.csv:9".into());
        assert_eq!(legacy_product_id(&a), legacy_product_id(&b));
        assert_eq!(request_hash(&a), request_hash(&b));
        assert_eq!(legacy_product_id(&a).get_version_num(), 8);
        assert_ne!(
            legacy_product_id(&a),
            legacy_product_id(&row("Mật ong hoa điều"))
        );
    }
}

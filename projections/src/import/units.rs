//! The commune succession an operator loads from the statistics office's list
//! (`ocop units import --file F.csv`), and the look-ups that compare places with it.
//!
//! The province succession of 2025 ships with the engine (`ocop_domain::units`); the
//! communes' (10,035 → 3,321) is too large and too often amended to be typed in, so it is
//! loaded as data into `commune_successions` beside the log. Records keep the codes they
//! were made with; a row only says which commune in force holds the records of an old
//! one from its `effective_on`. The table is append-only: loading the same list again
//! records nothing, and a row that contradicts one already loaded is refused.
//!
//! File: UTF-8 (a BOM is allowed), comma-separated, RFC 4180 quoting, header
//! `old_commune,old_name,commune,name,province,effective_on` in any order; one row per
//! (old commune, commune in force), so a commune split between several new ones has
//! several rows. Every row that parses and agrees with what is loaded is recorded; every
//! other row is reported with its line number and records nothing, as the legacy import.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use ocop_domain::{CommuneCode, Scope, units};
use serde::Serialize;

use crate::db::{Arg, ReadDb};
use crate::error::ProjectionError;
use crate::import::legacy::{Records, RowError, date, header_index, utf8_text};

/// The header's columns.
pub const COLUMNS: [&str; 6] = [
    "old_commune",
    "old_name",
    "commune",
    "name",
    "province",
    "effective_on",
];

/// The longest name accepted.
const MAX_NAME: usize = 500;

/// What a load did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct UnitsReport {
    /// Data rows in the file (blank lines not counted).
    pub rows: u64,
    /// Rows recorded by this load.
    pub imported: u64,
    /// Rows already loaded with the same content.
    pub already_present: u64,
    /// Rows that record nothing, by line.
    pub rejected: Vec<RowError>,
}

/// Why a whole file is refused (nothing is recorded).
#[derive(Debug, thiserror::Error)]
pub enum UnitsError {
    #[error("the file is not UTF-8: invalid bytes on line {line}")]
    NotUtf8 { line: u64 },
    #[error("the header is not the contract's ({COLUMNS:?}): {reason}")]
    Header { reason: String },
    #[error(transparent)]
    Store(#[from] ProjectionError),
}

impl From<sqlx::Error> for UnitsError {
    fn from(e: sqlx::Error) -> Self {
        UnitsError::Store(e.into())
    }
}

/// One row of the list: the commune in force `commune` holds the records of `old_commune`
/// from `effective_on`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Succession {
    pub old_commune: String,
    pub old_name: String,
    pub commune: String,
    pub name: String,
    pub province: String,
    pub effective_on: NaiveDate,
}

/// Who loads the list and where it comes from.
#[derive(Debug, Clone)]
pub struct UnitsImport<'a> {
    /// The operator (recorded with each row).
    pub by: &'a str,
    /// The file's name, recorded as each row's source `NAME:LINE`.
    pub source_name: &'a str,
    pub now: DateTime<Utc>,
    /// Today in Vietnam: no row takes effect later.
    pub today: NaiveDate,
}

/// Loads the commune succession of `bytes` into `db`.
pub async fn import_communes(
    db: &ReadDb,
    bytes: &[u8],
    how: &UnitsImport<'_>,
) -> Result<UnitsReport, UnitsError> {
    let text = utf8_text(bytes).map_err(|line| UnitsError::NotUtf8 { line })?;
    let mut records = Records::new(text);
    let header = match records.next() {
        None => {
            return Err(UnitsError::Header {
                reason: "the file is empty".to_owned(),
            });
        }
        Some(Err(e)) => return Err(UnitsError::Header { reason: e.reason }),
        Some(Ok(h)) => h,
    };
    let index =
        header_index(&header.fields, &COLUMNS).map_err(|reason| UnitsError::Header { reason })?;
    let mut report = UnitsReport::default();
    let mut seen: HashMap<(String, String), u64> = HashMap::new();
    for record in records {
        report.rows += 1;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                report.rejected.push(e);
                continue;
            }
        };
        let line = record.line;
        let reject = |report: &mut UnitsReport, reason: String| {
            report.rejected.push(RowError { line, reason });
        };
        if record.fields.len() != COLUMNS.len() {
            let reason = format!(
                "expected {} fields, found {}",
                COLUMNS.len(),
                record.fields.len()
            );
            reject(&mut report, reason);
            continue;
        }
        let get = |name: &str| {
            let i = COLUMNS.iter().position(|c| *c == name).unwrap_or(0);
            record.fields[index[i]].trim()
        };
        let row = match succession(get, how.today) {
            Ok(row) => row,
            Err(reason) => {
                reject(&mut report, reason);
                continue;
            }
        };
        let pair = (row.old_commune.clone(), row.commune.clone());
        if let Some(first) = seen.insert(pair, line) {
            let reason = format!(
                "repeats line {first}: {} → {} is given twice",
                row.old_commune, row.commune
            );
            reject(&mut report, reason);
            continue;
        }
        match record_row(db, &row, how, line).await? {
            Recorded::New => report.imported += 1,
            Recorded::Same => report.already_present += 1,
            Recorded::Differs(reason) => reject(&mut report, reason),
        }
    }
    Ok(report)
}

/// One row checked: codes, names, the province in force, the date.
fn succession<'a>(get: impl Fn(&str) -> &'a str, today: NaiveDate) -> Result<Succession, String> {
    let code = |column: &str| {
        let v = get(column);
        CommuneCode::parse(v)
            .map(|c| c.as_str().to_owned())
            .map_err(|e| format!("{column}: {v:?} is not a commune code ({e})"))
    };
    let name = |column: &str| {
        let v = get(column);
        if v.is_empty() {
            Err(format!("{column}: required"))
        } else if v.chars().count() > MAX_NAME {
            Err(format!("{column}: at most {MAX_NAME} characters"))
        } else if v.contains('\0') {
            Err(format!(
                "{column}: text must not contain the NUL character (U+0000)"
            ))
        } else {
            Ok(v.to_owned())
        }
    };
    let effective_on = match get("effective_on") {
        "" => return Err("effective_on: required".to_owned()),
        v => date("effective_on", v)?,
    };
    if effective_on > today {
        return Err(format!(
            "effective_on: {effective_on} is after today ({today}); load a succession once \
             it has taken effect"
        ));
    }
    let province = get("province");
    if units::province_name(province, effective_on).is_none()
        || units::province_on(province, effective_on) != province
    {
        let in_force: Vec<String> = units::provinces_on(effective_on)
            .into_iter()
            .map(|p| p.code.to_owned())
            .collect();
        return Err(format!(
            "province: {province:?} is not a province in force on {effective_on} (those are {})",
            in_force.join(", ")
        ));
    }
    Ok(Succession {
        old_commune: code("old_commune")?,
        old_name: name("old_name")?,
        commune: code("commune")?,
        name: name("name")?,
        province: province.to_owned(),
        effective_on,
    })
}

enum Recorded {
    New,
    Same,
    Differs(String),
}

/// Inserts `row` unless its pair is loaded; a loaded pair must say the same.
async fn record_row(
    db: &ReadDb,
    row: &Succession,
    how: &UnitsImport<'_>,
    line: u64,
) -> Result<Recorded, UnitsError> {
    let mut tx = db.begin().await?;
    let inserted = tx
        .execute(
            "INSERT INTO commune_successions (old_commune, commune, old_name, name, province, \
             effective_on, source, imported_by, imported_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             ON CONFLICT (old_commune, commune) DO NOTHING",
            vec![
                row.old_commune.clone().into(),
                row.commune.clone().into(),
                row.old_name.clone().into(),
                row.name.clone().into(),
                row.province.clone().into(),
                row.effective_on.to_string().into(),
                format!("{}:{line}", how.source_name).into(),
                how.by.into(),
                how.now.to_rfc3339().into(),
            ],
        )
        .await?;
    tx.commit().await?;
    if inserted == 1 {
        return Ok(Recorded::New);
    }
    let loaded = db
        .fetch(
            "SELECT old_name, name, province, effective_on, source FROM commune_successions \
             WHERE old_commune = $1 AND commune = $2",
            vec![row.old_commune.clone().into(), row.commune.clone().into()],
        )
        .await?;
    let text = |r: &[crate::db::Val], i: usize| r[i].text().unwrap_or_default();
    match loaded.first() {
        Some(r)
            if text(r, 0) == row.old_name
                && text(r, 1) == row.name
                && text(r, 2) == row.province
                && text(r, 3) == row.effective_on.to_string() =>
        {
            Ok(Recorded::Same)
        }
        Some(r) => Ok(Recorded::Differs(format!(
            "{} → {} is loaded already ({}: {} → {}, province {}, from {}) and the list is \
             append-only",
            row.old_commune,
            row.commune,
            text(r, 4),
            text(r, 0),
            text(r, 1),
            text(r, 2),
            text(r, 3),
        ))),
        None => Ok(Recorded::Differs(format!(
            "{} → {} could not be recorded",
            row.old_commune, row.commune
        ))),
    }
}

/// For each of `communes` (codes as recorded) that a reorganisation moved by `on`, the
/// communes in force that hold its records (several when it was split).
pub async fn holders(
    db: &ReadDb,
    communes: &[&str],
    on: NaiveDate,
) -> Result<BTreeMap<String, Vec<String>>, ProjectionError> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    if communes.is_empty() {
        return Ok(out);
    }
    let marks: Vec<String> = (1..=communes.len()).map(|i| format!("${i}")).collect();
    let mut args: Vec<Arg> = communes.iter().map(|c| (*c).into()).collect();
    args.push(on.to_string().into());
    let rows = db
        .fetch(
            &format!(
                "SELECT old_commune, commune FROM commune_successions \
                 WHERE old_commune IN ({}) AND effective_on <= ${} \
                 ORDER BY old_commune, commune",
                marks.join(", "),
                communes.len() + 1
            ),
            args,
        )
        .await?;
    for r in rows {
        if let (Some(old), Some(new)) = (r[0].text(), r[1].text()) {
            out.entry(old).or_default().push(new);
        }
    }
    Ok(out)
}

/// For an actor of `scope` and a record of the commune `recorded`, the commune in force on
/// `on` that holds the record (`CommandMeta::held_by`, `Place::held_by`): asked only for a
/// commune's scope and another commune's record, and `Some` only when a reorganisation
/// moved that commune to one successor, not split it.
pub async fn held_by(
    db: &ReadDb,
    scope: &Scope,
    recorded: Option<&CommuneCode>,
    on: NaiveDate,
) -> Result<Option<CommuneCode>, ProjectionError> {
    let (Scope::Commune { commune: mine, .. }, Some(recorded)) = (scope, recorded) else {
        return Ok(None);
    };
    if mine == recorded {
        return Ok(None);
    }
    let found = holders(db, &[recorded.as_str()], on).await?;
    Ok(match found.get(recorded.as_str()).map(Vec::as_slice) {
        Some([one]) => CommuneCode::parse(one).ok(),
        _ => None,
    })
}

//! The demo data set behind `ocop demo` and `ocop serve --demo`: sixty-one hand-written
//! product lives in nine provinces (and three merged into them in 2025), recorded through
//! the command service with realistic actors, so a new user sees a living system and an
//! auditor has something real to audit.
//!
//! The data lives in JSON files under `data/`, embedded at build time and read by
//! `data.rs` (places and people, one story file per province, Quảng Ninh's legacy list);
//! `story.rs` turns each step into its command (`docs/demo.md` describes the files).
//!
//! # What is in it
//!
//! Every lifecycle path, each under the rule version in force on its own dates:
//!
//! - registration only; a round waiting at the commune; a provincial council still sitting;
//! - dossiers returned and amended (at the commune and at the province);
//! - `qd1048-2019` rounds (district council forwards, province awards 3★/4★);
//! - `qd148-2023` rounds with district 3★ decisions (dated before 2025-07-06) and products
//!   the district forwards to the province;
//! - `qd1489-2025` rounds: commune assessment (one commune does not forward), provincial
//!   3★/4★, a provincial 4★ with the potential-5★ flag followed by a central 5★, another
//!   followed by the central council's "không đạt";
//! - refusals: a mean below 50, a failed mandatory criterion;
//! - a council whose spread was over its limit, re-scored;
//! - an expiry notice and an expiry by the engine's timer commands, a product that expired
//!   and came back through a new round, re-evaluations across rule versions, an upgrade;
//! - complaints and inspections (compliant and not), three revocations (food safety,
//!   quality differs, not re-evaluated after expiry) that appear in the public list, a
//!   withdrawal, a clerical correction;
//! - Quảng Ninh's legacy list imported with `ImportLegacyRecognition` (admin, national),
//!   twelve rows of which seven carry a planted inconsistency for the ministry audit
//!   (each row's `planted` in `data/quang-ninh-legacy.json` says what is wrong and which
//!   finding the audit reports; [`planted_inconsistencies`] lists them with their line in
//!   [`legacy_csv`]; `docs/demo.md` tabulates them).
//!
//! Province codes are the General Statistics Office codes of the 34 provinces in force
//! since 1 Jul 2025 (01 Hà Nội, 08 Tuyên Quang, 19 Thái Nguyên, 22 Quảng Ninh, 46 Huế,
//! 66 Đắk Lắk, 68 Lâm Đồng, 86 Vĩnh Long, 91 An Giang); one record finished before the
//! merger keeps the code it was made with (02 Hà Giang, now part of Tuyên Quang). District
//! codes are meant to be those of the districts named and commune codes lie in their
//! province's range, but neither was checked against the official list: they are
//! illustrative, not a claim about a particular commune.
//!
//! # Idempotence
//!
//! Product ids are name-based UUIDs (version 8, SHA-256 of a fixed namespace and the
//! product's slug, in the manner of version 5). Each step's event id is a UUID v7 whose
//! time is the step's business date and whose random bits are derived from the product
//! and the step; each step's idempotency key is derived from the product and the step, and
//! its request hash is the SHA-256 of the whole command. Timer steps use the engine
//! timer's own keys ([`crate::timers::timer_key`]), so the demo and `ocop timers run` never
//! record the same notice twice; legacy rows use `ocop import`'s ids, keys and hashes
//! ([`crate::import::legacy`]), so importing [`legacy_csv`] after the demo (or before it)
//! finds every row already present.
//!
//! Loading twice on the same day records nothing new: every command is replayed from its
//! key. Most dates are fixed history; one product's dates are placed relative to `today`
//! (its recognition is inside its last 30 days, so its expiry notice has been issued and
//! it has not expired). Loaded on a later day, that product's commands differ from the
//! recorded ones; the load then keeps what an earlier load recorded and never mixes the two
//! timelines in one stream ([`DemoReport::products_kept`]). After each product, the load
//! runs the timers due on `today` for it, as the engine's timer would, so no recognition is
//! left current past its validity.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use chrono::{DateTime, Datelike, Days, NaiveDate, TimeZone, Utc};
use ocop_domain::commands::{
    AmendDossier, ConcludeScoring, ConveneCouncil, CorrectEntry, DecideRecognition,
    ExpireRecognition, ImportLegacyRecognition, IssueExpiryNotice, OpenEvaluation, RecordComplaint,
    RecordInspection, RecordLocalAssessment, RecordScorecard, RegisterProduct, ReturnDossier,
    RevokeRecognition, WithdrawProduct,
};
use ocop_domain::events::{
    ComplaintSource, CouncilMember, Document, MemberRole, Producer, Quorum, RevocationGround,
    RoundKind,
};
use ocop_domain::rules::{self, Level, PartMax};
use ocop_domain::timers::{self, TimerAction};
use ocop_domain::validity;
use ocop_domain::{
    Actor, Command, CommandBody, CommandMeta, CommuneCode, DistrictCode, DomainError, Role, Scope,
    Sha256Hex,
};
use serde::Serialize;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::audit::FindingCode;
use crate::command::service::{CommandService, ExecuteOptions, ServiceError};
use crate::import::legacy as legacy_import;
use crate::timers::timer_key;

mod data;
mod legacy;
mod places;
mod story;
#[cfg(test)]
mod tests;

use data::*;
use legacy::*;
use places::*;
use story::*;

/// The namespace every demo id is derived from; changing it makes a new data set.
pub const NAMESPACE: &str = "ocop-demo/v1";

/// The file name the legacy list is quoted from in each imported row's `source`.
pub const LEGACY_FILE: &str = "danh-sach-ocop-quang-ninh-2025.csv";

/// A lifecycle path the demo shows; a product usually shows several.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DemoPath {
    /// Registered, no round yet.
    RegisteredOnly,
    /// A round is open at the end of the story.
    InEvaluation,
    /// The dossier was returned and amended.
    DossierReturned,
    /// The commune assessed the dossier (`qd1489-2025`).
    CommuneAssessment,
    /// The commune did not forward the dossier.
    NotForwarded,
    /// A district council's 3★ decision (`qd148-2023`).
    DistrictThreeStar,
    /// A recognition under `qd1048-2019`.
    Qd1048Recognition,
    /// A provincial 3★.
    ProvincialThreeStar,
    /// A provincial 4★.
    ProvincialFourStar,
    /// A provincial 4★ with the potential-5★ flag.
    PotentialFiveStar,
    /// A central 5★.
    CentralFiveStar,
    /// The central council's "không đạt" (the provincial 4★ stays).
    CentralRefusal,
    /// Refused: the mean was below the lowest band.
    RefusedBelowBand,
    /// Refused: a mandatory criterion failed.
    RefusedMandatoryCriterion,
    /// The spread was over the council's limit; members re-scored.
    Rescored,
    /// The expiry notice was issued.
    ExpiryNotice,
    /// The recognition expired.
    Expired,
    /// A re-evaluation round.
    ReEvaluation,
    /// An upgrade round.
    Upgrade,
    /// A new initial round after an expiry.
    NewRoundAfterExpiry,
    /// A complaint.
    Complaint,
    /// An inspection.
    Inspection,
    /// A revocation.
    Revocation,
    /// The producer withdrew.
    Withdrawal,
    /// A clerical correction.
    Correction,
    /// A legacy recognition imported from a province's list.
    LegacyImport,
    /// A legacy record with a planted inconsistency for the audit.
    PlantedInconsistency,
}

impl DemoPath {
    /// The snake_case name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            DemoPath::RegisteredOnly => "registered_only",
            DemoPath::InEvaluation => "in_evaluation",
            DemoPath::DossierReturned => "dossier_returned",
            DemoPath::CommuneAssessment => "commune_assessment",
            DemoPath::NotForwarded => "not_forwarded",
            DemoPath::DistrictThreeStar => "district_three_star",
            DemoPath::Qd1048Recognition => "qd1048_recognition",
            DemoPath::ProvincialThreeStar => "provincial_three_star",
            DemoPath::ProvincialFourStar => "provincial_four_star",
            DemoPath::PotentialFiveStar => "potential_five_star",
            DemoPath::CentralFiveStar => "central_five_star",
            DemoPath::CentralRefusal => "central_refusal",
            DemoPath::RefusedBelowBand => "refused_below_band",
            DemoPath::RefusedMandatoryCriterion => "refused_mandatory_criterion",
            DemoPath::Rescored => "rescored",
            DemoPath::ExpiryNotice => "expiry_notice",
            DemoPath::Expired => "expired",
            DemoPath::ReEvaluation => "re_evaluation",
            DemoPath::Upgrade => "upgrade",
            DemoPath::NewRoundAfterExpiry => "new_round_after_expiry",
            DemoPath::Complaint => "complaint",
            DemoPath::Inspection => "inspection",
            DemoPath::Revocation => "revocation",
            DemoPath::Withdrawal => "withdrawal",
            DemoPath::Correction => "correction",
            DemoPath::LegacyImport => "legacy_import",
            DemoPath::PlantedInconsistency => "planted_inconsistency",
        }
    }
}

impl fmt::Display for DemoPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A defect planted in the legacy list for the ministry audit to find.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlantedInconsistency {
    pub product_id: Uuid,
    pub slug: &'static str,
    /// Line of the row in [`legacy_csv`] (the header is line 1).
    pub line: u32,
    pub product_name: &'static str,
    /// What is wrong with the row.
    pub defect: &'static str,
    /// The finding the decision audit reports for it; `None` where the audit cannot see
    /// the defect in what the record holds (see the module documentation).
    pub expected_finding: Option<FindingCode>,
}

/// One command of a product's story.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoStep {
    /// The business date the step happened on.
    pub on: NaiveDate,
    pub actor: Actor,
    pub body: CommandBody,
    /// The id of the event the step records.
    pub event_id: Uuid,
    /// For timer steps, the recognition's event id and the timer kind (`expiry_notice` or
    /// `expiry`): their idempotency key is the engine timer's.
    pub timer: Option<(Uuid, &'static str)>,
}

/// One product of the demo with its whole story.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoProduct {
    /// A stable short name, e.g. `mat-ong-hoa-ca-phe-dak-song`.
    pub slug: &'static str,
    pub product_id: Uuid,
    /// The product name as registered.
    pub name: String,
    /// The producer's name as registered.
    pub producer: String,
    /// The province code the product was recorded with.
    pub province: &'static str,
    /// The province's name.
    pub province_name: &'static str,
    /// The paths its story shows.
    pub paths: BTreeSet<DemoPath>,
    /// The planted inconsistency, for legacy rows that have one.
    pub planted: Option<PlantedInconsistency>,
    /// Whether the story's dates depend on `today`.
    pub relative_to_today: bool,
    pub steps: Vec<DemoStep>,
}

impl DemoProduct {
    /// Step `i` as a command.
    pub fn command(&self, i: usize) -> Command {
        let step = &self.steps[i];
        Command::new(
            CommandMeta::new(
                step.actor.clone(),
                issued_at(step),
                self.product_id,
                vec![step.event_id],
            ),
            step.body.clone(),
        )
    }

    /// The idempotency key and request hash of step `i`.
    pub fn idempotency(&self, i: usize) -> (Uuid, String) {
        let step = &self.steps[i];
        if let Some((recognition, kind)) = step.timer {
            return timer_key(self.product_id, recognition, kind);
        }
        if let CommandBody::ImportLegacyRecognition(row) = &step.body {
            return (
                legacy_import::import_key(self.product_id),
                legacy_import::request_hash(row),
            );
        }
        let key = name_uuid(&["command", self.slug, &i.to_string()]);
        let json = serde_json::to_vec(&self.command(i)).unwrap_or_default();
        (key, hex::encode(Sha256::digest(&json)))
    }
}

/// Why the demo could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// Some of the demo's fixed history lies after `today`.
    #[error(
        "the demo's history runs until {latest}; load it on or after that date, not on {today}"
    )]
    TodayTooEarly { today: NaiveDate, latest: NaiveDate },
    /// The domain rejected a step: the data set is wrong (a bug), nothing more is loaded.
    #[error("demo product {slug}, step {step} ({command}) was rejected: {error}")]
    Rejected {
        slug: &'static str,
        step: usize,
        command: &'static str,
        #[source]
        error: DomainError,
    },
    /// A product's story reaches two decision documents (the loader records one per
    /// product): the data set is wrong.
    #[error("demo product {slug} belongs to two decision documents, {first} and {second}")]
    TwoDocuments {
        slug: &'static str,
        first: Uuid,
        second: Uuid,
    },
    /// The store holds records that are not the demo's: the demo is never mixed into them.
    #[error(
        "the store already holds records that are not the demo data set (product {product_id} at \
         position {position}): the demo loads only into an empty store, or one holding the demo \
         alone — use a new data folder (--data-dir) or database"
    )]
    NotEmpty { position: i64, product_id: Uuid },
    /// The embedded data files do not make a data set (a defect of the build).
    #[error("the demo's data files are wrong: {0}")]
    Data(String),
    /// The store failed.
    #[error(transparent)]
    Service(#[from] ServiceError),
}

/// What a load did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DemoReport {
    /// The business date the load ran for.
    pub today: Option<NaiveDate>,
    /// Products in the data set.
    pub products: usize,
    /// Provinces, as `code name`, with their number of products.
    pub provinces: BTreeMap<String, usize>,
    /// Commands in the data set's stories (timer catch-up not included).
    pub commands: usize,
    /// Products whose first event this load recorded.
    pub products_created: usize,
    /// Events this load recorded (story steps and timers).
    pub events_recorded: usize,
    /// Story commands found already recorded (same key, same content): nothing new.
    pub already_present: usize,
    /// Products recorded by an earlier load with other content (another day's dates or an
    /// older data set), left as they were.
    pub products_kept: usize,
    /// Timer events (expiry notices and expiries due on `today`) this load recorded.
    pub timers_recorded: usize,
    /// The highest global position this load recorded or replayed (for `min_position`).
    pub last_position: i64,
    /// Products per lifecycle path.
    pub paths: BTreeMap<String, usize>,
    /// Legacy rows with a planted inconsistency.
    pub planted_inconsistencies: usize,
}

impl DemoReport {
    /// Whether the load found everything already there.
    pub fn recorded_nothing(&self) -> bool {
        self.events_recorded == 0
    }
}

impl fmt::Display for DemoReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(today) = self.today {
            writeln!(f, "demo data set as of {today}")?;
        }
        writeln!(
            f,
            "  {} products in {} provinces, {} commands",
            self.products,
            self.provinces.len(),
            self.commands
        )?;
        if self.recorded_nothing() {
            writeln!(
                f,
                "  nothing new recorded: {} commands already present",
                self.already_present
            )?;
        } else {
            writeln!(
                f,
                "  recorded {} events: {} products created, {} timer events; {} commands already present",
                self.events_recorded,
                self.products_created,
                self.timers_recorded,
                self.already_present
            )?;
        }
        if self.products_kept > 0 {
            writeln!(
                f,
                "  {} products kept as an earlier load recorded them",
                self.products_kept
            )?;
        }
        for (province, n) in &self.provinces {
            writeln!(f, "  province {province}: {n}")?;
        }
        let paths: Vec<String> = self.paths.iter().map(|(p, n)| format!("{p} {n}")).collect();
        writeln!(f, "  paths: {}", paths.join(", "))?;
        write!(
            f,
            "  legacy rows with planted inconsistencies for the audit: {}",
            self.planted_inconsistencies
        )
    }
}

/// The id of the demo product `slug` (legacy rows have the id `ocop import` gives them,
/// [`legacy_import::legacy_product_id`]; [`DemoProduct::product_id`] is always right).
pub fn product_id(slug: &str) -> Uuid {
    name_uuid(&["product", slug])
}

/// Loads the demo through `service` as of the business date `today`: runs every story's
/// commands (replaying those already recorded), then the timers due on `today` for each
/// product. Any rejected command stops the load with [`DemoError::Rejected`].
#[tracing::instrument(skip_all, fields(%today), err)]
pub async fn load_demo(
    service: &CommandService,
    today: NaiveDate,
) -> Result<DemoReport, DemoError> {
    let products = plan(today)?;
    refuse_other_records(service, &products).await?;
    let mut report = summary(&products, today);
    // Products whose story reaches a decision document wait until every product of the
    // document has reached it: the document is then recorded all or nothing.
    let mut documents: BTreeMap<Uuid, Vec<(&DemoProduct, usize)>> = BTreeMap::new();
    for product in &products {
        match load_steps(service, product, 0, &mut report).await? {
            Some((document, i)) => documents.entry(document).or_default().push((product, i)),
            None => catch_up_timers(service, product, today, &mut report).await?,
        }
    }
    for (document, annex) in documents {
        load_document(service, document, &annex, &mut report).await?;
        for (product, i) in annex {
            if let Some((other, _)) = load_steps(service, product, i + 1, &mut report).await? {
                return Err(DemoError::TwoDocuments {
                    slug: product.slug,
                    first: document,
                    second: other,
                });
            }
            catch_up_timers(service, product, today, &mut report).await?;
        }
    }
    Ok(report)
}

/// The decision document step `i` of `product` belongs to, if it is one.
fn document_of(product: &DemoProduct, i: usize) -> Option<Uuid> {
    match &product.steps[i].body {
        CommandBody::DecideRecognition(d) => d.decision_id,
        _ => None,
    }
}

/// Records one decision document over the products of `annex` (each at the step of its
/// story that decides it) in one all-or-nothing command, as `POST /api/v1/decisions` does.
async fn load_document(
    service: &CommandService,
    document: Uuid,
    annex: &[(&DemoProduct, usize)],
    report: &mut DemoReport,
) -> Result<(), DemoError> {
    let commands: Vec<Command> = annex.iter().map(|(p, i)| p.command(*i)).collect();
    let key = name_uuid(&["decision-document", &document.to_string()]);
    let json = serde_json::to_vec(&commands).unwrap_or_default();
    let options = ExecuteOptions {
        correlation_id: Some(document),
        ..ExecuteOptions::new(key, hex::encode(Sha256::digest(&json)))
    };
    match service.execute_all(commands, options).await {
        Ok(Ok(outcomes)) => {
            for outcome in outcomes {
                report.last_position = report.last_position.max(outcome.global_position);
                if outcome.replayed {
                    report.already_present += 1;
                } else {
                    report.events_recorded += outcome.events.len();
                }
            }
            Ok(())
        }
        Ok(Err(rejected)) => {
            // A refused document names at least one product; nothing of it was recorded.
            let Some((product_id, error)) = rejected.into_iter().next() else {
                return Ok(());
            };
            let (product, i) = annex
                .iter()
                .find(|(p, _)| p.product_id == product_id)
                .copied()
                .unwrap_or(annex[0]);
            Err(DemoError::Rejected {
                slug: product.slug,
                step: i,
                command: product.steps[i].body.describe(),
                error,
            })
        }
        Err(ServiceError::IdempotencyKeyReused(_)) => {
            // An earlier load recorded the document with other content (another day's
            // dates): keep those timelines whole.
            report.products_kept += annex.len();
            Ok(())
        }
        Err(e) => Err(e.into()),
    }
}

/// Refuses a store holding any event of a product outside the data set: real records must
/// never share a store with invented ones. A store holding the demo alone (loaded before,
/// then advanced by its timers) is read to its end, which the demo's size keeps short; a
/// real store is refused at its first foreign event.
async fn refuse_other_records(
    service: &CommandService,
    products: &[DemoProduct],
) -> Result<(), DemoError> {
    let ours: std::collections::HashSet<Uuid> = products.iter().map(|p| p.product_id).collect();
    let mut after = 0;
    loop {
        let page = service
            .store()
            .read_all(after, 1000)
            .await
            .map_err(ServiceError::from)?;
        let Some(last) = page.last() else {
            return Ok(());
        };
        after = last.global_position;
        if let Some(foreign) = page.iter().find(|e| !ours.contains(&e.stream_id)) {
            return Err(DemoError::NotEmpty {
                position: foreign.global_position,
                product_id: foreign.stream_id,
            });
        }
    }
}

/// The report of a data set before anything is loaded.
fn summary(products: &[DemoProduct], today: NaiveDate) -> DemoReport {
    let mut report = DemoReport {
        today: Some(today),
        products: products.len(),
        commands: products.iter().map(|p| p.steps.len()).sum(),
        planted_inconsistencies: products.iter().filter(|p| p.planted.is_some()).count(),
        ..DemoReport::default()
    };
    for p in products {
        *report
            .provinces
            .entry(format!("{} {}", p.province, p.province_name))
            .or_default() += 1;
        for path in &p.paths {
            *report.paths.entry(path.as_str().to_owned()).or_default() += 1;
        }
    }
    report
}

/// Runs `product`'s steps from `from` (replaying those already recorded) until its story
/// ends, or until a step that belongs to a decision document: then answers the document
/// and the step, which [`load_document`] records.
async fn load_steps(
    service: &CommandService,
    product: &DemoProduct,
    from: usize,
    report: &mut DemoReport,
) -> Result<Option<(Uuid, usize)>, DemoError> {
    let mut causation = from.checked_sub(1).map(|i| product.steps[i].event_id);
    for i in from..product.steps.len() {
        if let Some(document) = document_of(product, i) {
            return Ok(Some((document, i)));
        }
        let (key, hash) = product.idempotency(i);
        let options = ExecuteOptions {
            correlation_id: Some(product.product_id),
            causation_id: causation,
            ..ExecuteOptions::new(key, hash)
        };
        match service.execute(product.command(i), options).await {
            Ok(Ok(outcome)) => {
                report.last_position = report.last_position.max(outcome.global_position);
                if outcome.replayed {
                    report.already_present += 1;
                } else {
                    report.events_recorded += outcome.events.len();
                    if i == 0 {
                        report.products_created += 1;
                    }
                }
            }
            Ok(Err(_)) if product.steps[i].timer.is_some() => {
                // The engine's timer got there first (after an interrupted load, the
                // expiry may have come before the notice): as `ocop timers run`, take the
                // timer as done.
                report.already_present += 1;
            }
            Ok(Err(error)) => {
                return Err(DemoError::Rejected {
                    slug: product.slug,
                    step: i,
                    command: product.steps[i].body.describe(),
                    error,
                });
            }
            Err(ServiceError::IdempotencyKeyReused(_)) => {
                // An earlier load recorded this step with other content (another day's
                // dates): keep that timeline whole rather than mix two in one stream.
                report.products_kept += 1;
                break;
            }
            Err(e) => return Err(e.into()),
        }
        causation = Some(product.steps[i].event_id);
    }
    Ok(None)
}

/// Runs the timers due on `today` for one product, with the engine timer's keys.
async fn catch_up_timers(
    service: &CommandService,
    product: &DemoProduct,
    today: NaiveDate,
    report: &mut DemoReport,
) -> Result<(), DemoError> {
    for _ in 0..2 {
        let loaded = service.load(product.product_id).await?;
        let Some(action) = timers::due(&loaded.state, today) else {
            return Ok(());
        };
        let Some(recognition) = loaded.state.recognition.as_ref() else {
            return Ok(());
        };
        let kind = match action {
            TimerAction::IssueExpiryNotice { .. } => "expiry_notice",
            TimerAction::ExpireRecognition { .. } => "expiry",
        };
        let (key, hash) = timer_key(product.product_id, recognition.event_id, kind);
        let step = DemoStep {
            on: today,
            actor: Actor::system(),
            body: action.command_body(),
            event_id: event_uuid(today, 0, &["timer", &key.to_string()]),
            timer: Some((recognition.event_id, kind)),
        };
        let command = Command::new(
            CommandMeta::new(
                step.actor.clone(),
                issued_at(&step),
                product.product_id,
                vec![step.event_id],
            ),
            step.body.clone(),
        );
        let options = ExecuteOptions {
            correlation_id: Some(product.product_id),
            ..ExecuteOptions::new(key, hash)
        };
        match service.execute(command, options).await? {
            Ok(outcome) => {
                report.last_position = report.last_position.max(outcome.global_position);
                if outcome.replayed {
                    return Ok(());
                }
                report.events_recorded += outcome.events.len();
                report.timers_recorded += outcome.events.len();
            }
            Err(error) => {
                return Err(DemoError::Rejected {
                    slug: product.slug,
                    step: product.steps.len(),
                    command: step.body.describe(),
                    error,
                });
            }
        }
    }
    Ok(())
}

/// The whole data set as of `today`, in loading order.
pub fn plan(today: NaiveDate) -> Result<Vec<DemoProduct>, DemoError> {
    let data = data()?;
    let mut products = Vec::new();
    for (i, story) in data.stories.iter().enumerate() {
        products.push(story_of(&data.places, story, i + 1, today)?);
    }
    let province = data.places.province(&data.legacy.province)?;
    for (i, row) in data.legacy.rows.iter().enumerate() {
        products.push(legacy_product(&data.legacy, province, row, i));
    }
    let latest = products
        .iter()
        .flat_map(|p| p.steps.iter().map(|s| s.on))
        .max()
        .unwrap_or(today);
    if latest > today {
        return Err(DemoError::TodayTooEarly { today, latest });
    }
    Ok(products)
}

/// The planted inconsistencies of the legacy list, in line order.
pub fn planted_inconsistencies() -> Result<Vec<PlantedInconsistency>, DemoError> {
    let data = data()?;
    let province = data.places.province(&data.legacy.province)?;
    Ok(data
        .legacy
        .rows
        .iter()
        .enumerate()
        .filter_map(|(i, row)| {
            let product_id = legacy_import::legacy_product_id(&legacy_command(province, row, i));
            planted(row, i, product_id)
        })
        .collect())
}

/// Quảng Ninh's legacy list as the CSV of `ocop import` (header on line 1), the same rows
/// the demo imports.
pub fn legacy_csv() -> Result<String, DemoError> {
    let data = data()?;
    let province = data.places.province(&data.legacy.province)?;
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    // Writing to memory cannot fail.
    writer.write_record(legacy_import::COLUMNS).ok();
    for row in &data.legacy.rows {
        let date = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
        let fields = [
            province.code.clone(),
            row.district.clone(),
            row.commune.clone().unwrap_or_default(),
            row.local_code.clone().unwrap_or_default(),
            row.product_name.clone(),
            row.producer_name.clone(),
            wire(&row.producer_kind),
            wire(&row.group),
            row.stars.to_string(),
            row.score.clone().unwrap_or_default(),
            row.decision_no.clone(),
            row.decided_on.to_string(),
            row.authority.clone(),
            date(row.valid_until),
        ];
        writer.write_record(&fields).ok();
    }
    let bytes = writer.into_inner().unwrap_or_default();
    Ok(String::from_utf8(bytes).unwrap_or_default())
}

fn wire<T: Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

// ---------------------------------------------------------------------------------------
// Ids, hashes and dates.

fn digest(parts: &[&str]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(NAMESPACE.as_bytes());
    for p in parts {
        h.update([0]);
        h.update(p.as_bytes());
    }
    h.finalize().into()
}

/// A name-based UUID (version 8 from SHA-256, in the manner of version 5).
fn name_uuid(parts: &[&str]) -> Uuid {
    let d = digest(parts);
    let mut bytes = [0_u8; 16];
    bytes.copy_from_slice(&d[..16]);
    uuid::Builder::from_custom_bytes(bytes).into_uuid()
}

/// A UUID v7 timed at `on` (09:00 in Vietnam, plus `offset` milliseconds) with random
/// bits derived from `parts`.
fn event_uuid(on: NaiveDate, offset: u64, parts: &[&str]) -> Uuid {
    let d = digest(parts);
    let mut random = [0_u8; 10];
    random.copy_from_slice(&d[..10]);
    let millis = vn_time(on, 9).timestamp_millis().max(0) as u64 + offset;
    uuid::Builder::from_unix_timestamp_millis(millis, &random).into_uuid()
}

/// `hour`:00 in Vietnam (UTC+7) on `on`, in UTC.
fn vn_time(on: NaiveDate, hour: u32) -> DateTime<Utc> {
    let local = on.and_hms_opt(hour, 0, 0).unwrap_or_default();
    Utc.from_utc_datetime(&(local - chrono::Duration::hours(7)))
}

/// When a step's command is issued: 09:00 Vietnam time on its date; timers at noon.
fn issued_at(step: &DemoStep) -> DateTime<Utc> {
    if step.timer.is_some() {
        vn_time(step.on, 12)
    } else {
        vn_time(step.on, 9)
    }
}

fn number(parts: &[&str], modulo: u64) -> u64 {
    let d = digest(parts);
    let mut eight = [0_u8; 8];
    eight.copy_from_slice(&d[..8]);
    u64::from_be_bytes(eight) % modulo
}

fn d(s: &str) -> NaiveDate {
    s.parse().expect("a demo date is valid")
}

//! The demo data set behind `ocop demo` and `ocop serve --demo`: fifty-four hand-written
//! product lives in nine provinces, recorded through the command service with realistic
//! actors, so a new user sees a living system and an auditor has something real to audit.
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
//!   eleven rows of which six carry a planted inconsistency for the ministry audit (see
//!   [`planted_inconsistencies`]; line numbers are those of [`legacy_csv`]):
//!   - line 6, *Sá sùng khô Vân Đồn*: a 5★ awarded by the province (UBND tỉnh Quảng Ninh,
//!     a `/QĐ-UBND` decision) — only the ministry awards 5★. The import records every
//!     legacy 5★ at the central level, so only the authority and the decision number show
//!     it (`level_cannot_award`);
//!   - line 7, *Nước mắm Cái Rồng*: a 4★ with no score (`legacy_without_scores`);
//!   - line 8, *Gà đồi Tiên Yên*: `valid_until` written as 2026-12-31, not decision date
//!     2024-02-20 + 36 months = 2027-02-20 (`legacy_valid_until_mismatch`);
//!   - line 9, *Rượu mơ Yên Tử*: no commune and no local product code
//!     (`legacy_missing_evidence`);
//!   - line 10, *Ngán chấp Vân Đồn*: 3★ with a stated score of 84.00, which earns 4★
//!     (`legacy_stars_inconsistent_with_score`);
//!   - line 12, *Bánh gật gù Quảng Yên*: decided on 2018-12-20 under the province's own
//!     programme, before the first national rule version (`rules_version_unknown`).
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
//! ([`crate::legacy_import`]), so importing [`legacy_csv`] after the demo (or before it)
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
    ComplaintSource, CouncilMember, Document, MemberRole, Producer, ProducerKind, ProductGroup,
    Quorum, RevocationGround, RoundKind,
};
use ocop_domain::rules::{self, Level, PartMax};
use ocop_domain::timers::{self, TimerAction};
use ocop_domain::validity;
use ocop_domain::{
    Actor, Command, CommandBody, CommandMeta, CommuneCode, DistrictCode, DomainError, ProvinceCode,
    Role, Scope, Sha256Hex,
};
use serde::Serialize;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::audit::FindingCode;
use crate::legacy_import;
use crate::service::{CommandService, ExecuteOptions, ServiceError};
use crate::timers::timer_key;

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
        (key, hex(&Sha256::digest(&json)))
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
        ..ExecuteOptions::new(key, hex(&Sha256::digest(&json)))
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
    let mut products = Vec::new();
    let mut index = 0;
    let mut next = |slug: &'static str, place: Place| {
        index += 1;
        Story::new(index, slug, place)
    };
    lam_dong(&mut next, &mut products);
    ha_noi(&mut next, &mut products);
    hue(&mut next, &mut products, today);
    dak_lak(&mut next, &mut products);
    tuyen_quang(&mut next, &mut products);
    thai_nguyen(&mut next, &mut products);
    an_giang(&mut next, &mut products);
    vinh_long(&mut next, &mut products);
    for (i, row) in LEGACY_ROWS.iter().enumerate() {
        products.push(legacy_product(row, i));
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
pub fn planted_inconsistencies() -> Vec<PlantedInconsistency> {
    LEGACY_ROWS
        .iter()
        .enumerate()
        .filter_map(|(i, row)| planted(row, i))
        .collect()
}

/// Quảng Ninh's legacy list as the CSV of `ocop import` (header on line 1), the same rows
/// the demo imports.
pub fn legacy_csv() -> String {
    let mut out = String::from(
        "province,district,commune,local_code,product_name,producer_name,producer_kind,\
         product_group,stars,score,decision_no,decided_on,authority,valid_until\n",
    );
    for row in LEGACY_ROWS {
        let fields = [
            QUANG_NINH.code.to_owned(),
            row.district.to_owned(),
            row.commune.unwrap_or_default().to_owned(),
            row.local_code.unwrap_or_default().to_owned(),
            row.product_name.to_owned(),
            row.producer_name.to_owned(),
            wire(&row.producer_kind),
            wire(&row.group),
            row.stars.to_string(),
            row.score.unwrap_or_default().to_owned(),
            row.decision_no.to_owned(),
            row.decided_on.to_owned(),
            row.authority.to_owned(),
            row.valid_until.unwrap_or_default().to_owned(),
        ];
        let quoted: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        out.push_str(&quoted.join(","));
        out.push('\n');
    }
    out
}

fn csv_field(f: &str) -> String {
    if f.contains([',', '"', '\n']) {
        format!("\"{}\"", f.replace('"', "\"\""))
    } else {
        f.to_owned()
    }
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

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::with_capacity(64), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
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

// ---------------------------------------------------------------------------------------
// Places and people.

/// A province with its OCOP office.
#[derive(Debug)]
struct Province {
    code: &'static str,
    name: &'static str,
    /// Lower-case ASCII, for user ids.
    slug: &'static str,
    /// "UBND tỉnh …" / "UBND thành phố …".
    authority: &'static str,
    /// The name of the People's Committee before a change of status, with the first day
    /// of the new name (Thừa Thiên Huế became the city of Huế on 1 Jan 2025).
    former_authority: Option<(&'static str, &'static str)>,
    /// The provincial council's secretary (user id).
    secretary: &'static str,
    /// The province's inspector (user id).
    inspector: &'static str,
    /// The provincial quality office, for inspections.
    quality_office: &'static str,
}

impl Province {
    fn authority_on(&self, on: NaiveDate) -> &'static str {
        match self.former_authority {
            Some((from, former)) if on < d(from) => former,
            _ => self.authority,
        }
    }

    fn code(&self) -> ProvinceCode {
        ProvinceCode::parse(self.code).expect("a demo province code is valid")
    }
}

const fn province(
    code: &'static str,
    name: &'static str,
    slug: &'static str,
    authority: &'static str,
    secretary: &'static str,
    inspector: &'static str,
    quality_office: &'static str,
) -> Province {
    Province {
        code,
        name,
        slug,
        authority,
        former_authority: None,
        secretary,
        inspector,
        quality_office,
    }
}

static HA_NOI: Province = province(
    "01",
    "Hà Nội",
    "hanoi",
    "UBND thành phố Hà Nội",
    "nguyen.thu.hang@hanoi",
    "dao.van.long@hanoi",
    "Chi cục Quản lý chất lượng nông lâm sản và thủy sản Hà Nội",
);
static HA_GIANG: Province = province(
    "02",
    "Hà Giang (nay thuộc Tuyên Quang)",
    "hagiang",
    "UBND tỉnh Hà Giang",
    "vang.thi.mai@hagiang",
    "sung.van.pao@hagiang",
    "Chi cục Quản lý chất lượng nông lâm sản và thủy sản Hà Giang",
);
static TUYEN_QUANG: Province = province(
    "08",
    "Tuyên Quang",
    "tuyenquang",
    "UBND tỉnh Tuyên Quang",
    "ma.thi.thuy@tuyenquang",
    "nong.van.binh@tuyenquang",
    "Chi cục Quản lý chất lượng nông lâm sản và thủy sản Tuyên Quang",
);
static THAI_NGUYEN: Province = province(
    "19",
    "Thái Nguyên",
    "thainguyen",
    "UBND tỉnh Thái Nguyên",
    "duong.thi.thu@thainguyen",
    "ha.van.cuong@thainguyen",
    "Chi cục Quản lý chất lượng nông lâm sản và thủy sản Thái Nguyên",
);
static QUANG_NINH: Province = province(
    "22",
    "Quảng Ninh",
    "quangninh",
    "UBND tỉnh Quảng Ninh",
    "vu.thi.hoa@quangninh",
    "pham.duc.thang@quangninh",
    "Chi cục Quản lý chất lượng nông lâm sản và thủy sản Quảng Ninh",
);
static HUE: Province = Province {
    former_authority: Some(("2025-01-01", "UBND tỉnh Thừa Thiên Huế")),
    ..province(
        "46",
        "Huế",
        "hue",
        "UBND thành phố Huế",
        "ton.nu.thao@hue",
        "nguyen.phuoc.an@hue",
        "Chi cục Quản lý chất lượng nông lâm sản và thủy sản Huế",
    )
};
static DAK_LAK: Province = province(
    "66",
    "Đắk Lắk",
    "daklak",
    "UBND tỉnh Đắk Lắk",
    "hlinh.nie@daklak",
    "tran.quoc.viet@daklak",
    "Chi cục Quản lý chất lượng nông lâm sản và thủy sản Đắk Lắk",
);
static LAM_DONG: Province = province(
    "68",
    "Lâm Đồng",
    "lamdong",
    "UBND tỉnh Lâm Đồng",
    "tran.thi.mai@lamdong",
    "le.van.khanh@lamdong",
    "Chi cục Quản lý chất lượng nông lâm sản và thủy sản Lâm Đồng",
);
static VINH_LONG: Province = province(
    "86",
    "Vĩnh Long",
    "vinhlong",
    "UBND tỉnh Vĩnh Long",
    "huynh.thi.ngoc@vinhlong",
    "le.minh.tri@vinhlong",
    "Chi cục Quản lý chất lượng nông lâm sản và thủy sản Vĩnh Long",
);
static AN_GIANG: Province = province(
    "91",
    "An Giang",
    "angiang",
    "UBND tỉnh An Giang",
    "chau.thi.kim@angiang",
    "danh.son@angiang",
    "Chi cục Quản lý chất lượng nông lâm sản và thủy sản An Giang",
);

// Merged into Lâm Đồng (68) on 1 Jul 2025 (Resolution 202/2025/QH15).
static DAK_NONG: Province = province(
    "67",
    "Đắk Nông (nay thuộc Lâm Đồng)",
    "daknong",
    "UBND tỉnh Đắk Nông",
    "ho.thi.lan@daknong",
    "y.blang@daknong",
    "Chi cục Quản lý chất lượng nông lâm sản và thủy sản Đắk Nông",
);
static BINH_THUAN: Province = province(
    "60",
    "Bình Thuận (nay thuộc Lâm Đồng)",
    "binhthuan",
    "UBND tỉnh Bình Thuận",
    "nguyen.van.hai@binhthuan",
    "tran.thi.thu@binhthuan",
    "Chi cục Quản lý chất lượng nông lâm sản và thủy sản Bình Thuận",
);

/// One decision document over several products of the demo, as `POST /api/v1/decisions`
/// records it: one number, one date, one authority, all or nothing.
#[derive(Debug)]
struct DemoDocument {
    slug: &'static str,
    level: Level,
    decided_on: &'static str,
}

impl DemoDocument {
    fn id(&self) -> Uuid {
        name_uuid(&["decision-document", self.slug])
    }
}

/// Lâm Đồng's decision of June 2026 over three products of its provincial council.
static LAM_DONG_JUNE_2026: DemoDocument = DemoDocument {
    slug: "lam-dong-2026-06",
    level: Level::Provincial,
    decided_on: "2026-06-16",
};

/// A district (before 1 Jul 2025) with its People's Committee.
#[derive(Debug)]
struct District {
    code: &'static str,
    authority: &'static str,
}

const fn district(code: &'static str, authority: &'static str) -> District {
    District { code, authority }
}

static GIA_LAM: District = district("018", "UBND huyện Gia Lâm");
static THANH_TRI: District = district("020", "UBND huyện Thanh Trì");
static HA_DONG: District = district("268", "UBND quận Hà Đông");
static BA_VI: District = district("271", "UBND huyện Ba Vì");
static THACH_THAT: District = district("276", "UBND huyện Thạch Thất");
static THANH_OAI: District = district("278", "UBND huyện Thanh Oai");
static HOANG_SU_PHI: District = district("032", "UBND huyện Hoàng Su Phì");
static HAM_YEN: District = district("074", "UBND huyện Hàm Yên");
static TP_HUE: District = district("474", "UBND thành phố Huế");
static PHONG_DIEN: District = district("476", "UBND huyện Phong Điền");
static PHU_VANG: District = district("478", "UBND huyện Phú Vang");
static HUONG_THUY: District = district("479", "UBND thị xã Hương Thủy");
static BUON_MA_THUOT: District = district("643", "UBND thành phố Buôn Ma Thuột");
static CU_MGAR: District = district("648", "UBND huyện Cư M'gar");
static DA_LAT: District = district("672", "UBND thành phố Đà Lạt");
static DAK_MIL: District = district("663", "UBND huyện Đắk Mil");
static HAM_THUAN_NAM: District = district("598", "UBND huyện Hàm Thuận Nam");
static BAO_LOC: District = district("673", "UBND thành phố Bảo Lộc");

/// Where a product is: its province, its district (for records before 1 Jul 2025) and
/// its commune.
#[derive(Debug, Clone, Copy)]
struct Place {
    province: &'static Province,
    district: Option<&'static District>,
    commune: &'static str,
}

fn at(province: &'static Province, commune: &'static str) -> Place {
    Place {
        province,
        district: None,
        commune,
    }
}

fn at_district(
    province: &'static Province,
    district: &'static District,
    commune: &'static str,
) -> Place {
    Place {
        province,
        district: Some(district),
        commune,
    }
}

fn scope(s: &str) -> Scope {
    Scope::parse(s).expect("a demo scope is valid")
}

fn central_secretary() -> Actor {
    Actor::new(
        "pham.thi.thu@vpdp.gov.vn",
        Role::CentralSecretary,
        Scope::National,
    )
}

fn admin() -> Actor {
    Actor::new("quantri.ocop@vpdp.gov.vn", Role::Admin, Scope::National)
}

/// The ministry's name on a date (Bộ NN&PTNT became Bộ NN&MT on 1 Mar 2025).
fn ministry_on(on: NaiveDate) -> &'static str {
    if on < d("2025-03-01") {
        "Bộ Nông nghiệp và Phát triển nông thôn"
    } else {
        "Bộ Nông nghiệp và Môi trường"
    }
}

/// The provincial agriculture department's name on a date.
fn department_on(on: NaiveDate) -> &'static str {
    if on < d("2025-03-01") {
        "Sở Nông nghiệp và Phát triển nông thôn"
    } else {
        "Sở Nông nghiệp và Môi trường"
    }
}

const PEOPLE: &[&str] = &[
    "Nguyễn Văn An",
    "Trần Thị Bích Ngọc",
    "Lê Hoàng Nam",
    "Phạm Thị Hồng Nhung",
    "Hoàng Văn Đức",
    "Vũ Thị Thanh Hương",
    "Đặng Quốc Khánh",
    "Bùi Thị Lan Anh",
    "Đỗ Minh Tuấn",
    "Ngô Thị Thu Trang",
    "Dương Văn Hải",
    "Lý Thị Mỹ Dung",
    "Huỳnh Công Thành",
    "Phan Thị Kim Oanh",
    "Trịnh Xuân Trường",
    "Mai Thị Ánh Tuyết",
    "Võ Đình Lộc",
    "Đinh Thị Ngọc Ánh",
    "Tô Văn Quyết",
    "Lương Thị Hạnh",
    "H'Yâm Niê",
    "Y Bhin Êban",
    "Tôn Nữ Diệu Hiền",
    "Giàng Seo Phử",
];

/// A council's members: the chair first, the secretary last.
fn roster(level: Level, place: &Place, on: NaiveDate) -> Vec<CouncilMember> {
    let authority = match level {
        Level::District => place.district.map_or("UBND huyện", |d| d.authority),
        Level::Central => ministry_on(on),
        _ => place.province.authority_on(on),
    };
    let organisations: Vec<&str> = match level {
        Level::District => vec![
            authority,
            "Phòng Nông nghiệp và Phát triển nông thôn",
            "Phòng Kinh tế - Hạ tầng",
            "Phòng Văn hóa và Thông tin",
            "Trung tâm Dịch vụ nông nghiệp",
        ],
        Level::Central => vec![
            authority,
            "Văn phòng Điều phối nông thôn mới Trung ương",
            "Bộ Công Thương",
            "Bộ Khoa học và Công nghệ",
            "Bộ Y tế",
            "Bộ Văn hóa, Thể thao và Du lịch",
            "Văn phòng Điều phối nông thôn mới Trung ương",
        ],
        _ => vec![
            authority,
            department_on(on),
            "Sở Công Thương",
            "Sở Khoa học và Công nghệ",
            "Sở Y tế",
            "Sở Văn hóa, Thể thao và Du lịch",
            "Văn phòng Điều phối nông thôn mới tỉnh",
        ],
    };
    let year = on.year().to_string();
    let seat = match level {
        Level::Central => "national",
        _ => place.province.code,
    };
    let offset = number(
        &["roster", level.as_str(), seat, &year],
        PEOPLE.len() as u64,
    ) as usize;
    let n = organisations.len();
    organisations
        .iter()
        .enumerate()
        .map(|(i, org)| CouncilMember {
            member_id: format!("m{}", i + 1),
            name: PEOPLE[(offset + i * 5) % PEOPLE.len()].to_owned(),
            role: match i {
                0 => MemberRole::Chair,
                1 => MemberRole::ViceChair,
                _ if i + 1 == n => MemberRole::Secretary,
                _ => MemberRole::Member,
            },
            organisation: (*org).to_owned(),
        })
        .collect()
}

/// A card's total split into parts within the version's maxima, close to proportional.
fn parts(total: u32, max: PartMax) -> (u32, u32, u32) {
    let sum = max.a + max.b + max.c;
    let mut a = (total * max.a + sum / 2) / sum;
    let mut b = (total * max.b + sum / 2) / sum;
    a = a.min(max.a);
    b = b.min(max.b);
    let mut c = total.saturating_sub(a + b);
    while c > max.c && a < max.a {
        a += 1;
        c -= 1;
    }
    while c > max.c && b < max.b {
        b += 1;
        c -= 1;
    }
    (a, b, c)
}

fn document(slug: &str, round: u32, kind: &str, title: &str) -> Document {
    let content = digest(&["document", slug, &round.to_string(), kind]);
    Document {
        kind: kind.to_owned(),
        title: title.to_owned(),
        sha256: Sha256Hex::parse(&hex(&content)).expect("a sha-256 is 64 hex digits"),
        size_bytes: 24_000 + number(&["size", slug, &round.to_string(), kind], 1_800_000),
    }
}

// ---------------------------------------------------------------------------------------
// Stories.

/// What a registration says.
struct Registration {
    name: &'static str,
    producer: &'static str,
    kind: ProducerKind,
    tax_code: Option<&'static str>,
    group: ProductGroup,
    set: &'static str,
}

fn reg(
    name: &'static str,
    producer: &'static str,
    kind: ProducerKind,
    group: ProductGroup,
    set: &'static str,
) -> Registration {
    Registration {
        name,
        producer,
        kind,
        tax_code: None,
        group,
        set,
    }
}

/// A product's story as it is written, step by step.
struct Story {
    index: usize,
    slug: &'static str,
    product_id: Uuid,
    place: Place,
    name: String,
    producer: String,
    steps: Vec<DemoStep>,
    paths: BTreeSet<DemoPath>,
    /// The open round: its number, kind and the version in force when it opened.
    round: Option<(u32, RoundKind, &'static rules::RuleVersion)>,
    rounds: u32,
    /// Totals of the cards of the council sitting or last concluded.
    cards: Vec<u32>,
    /// The current recognition: its event, level and validity.
    recognition: Option<(Uuid, Level, NaiveDate)>,
    /// The level of the last recognition, current or ended.
    recognised_by: Option<Level>,
    recognitions: u32,
    relative: bool,
}

impl Story {
    fn new(index: usize, slug: &'static str, place: Place) -> Story {
        Story {
            index,
            slug,
            product_id: product_id(slug),
            place,
            name: String::new(),
            producer: String::new(),
            steps: Vec::new(),
            paths: BTreeSet::new(),
            round: None,
            rounds: 0,
            cards: Vec::new(),
            recognition: None,
            recognised_by: None,
            recognitions: 0,
            relative: false,
        }
    }

    fn province(&self) -> &'static Province {
        self.place.province
    }

    fn officer(&self) -> Actor {
        let p = self.province();
        Actor::new(
            format!("canbo.xa{}@{}", self.place.commune, p.slug),
            Role::CommuneOfficer,
            scope(&format!(
                "province:{}/commune:{}",
                p.code, self.place.commune
            )),
        )
    }

    fn district_secretary(&self) -> Actor {
        let p = self.province();
        let district = self.place.district.map_or("000", |d| d.code);
        Actor::new(
            format!("thuky.huyen{district}@{}", p.slug),
            Role::DistrictSecretary,
            scope(&format!("province:{}/district:{district}", p.code)),
        )
    }

    fn provincial_secretary(&self) -> Actor {
        let p = self.province();
        Actor::new(
            p.secretary,
            Role::ProvincialSecretary,
            scope(&format!("province:{}", p.code)),
        )
    }

    fn inspector(&self) -> Actor {
        let p = self.province();
        Actor::new(
            p.inspector,
            Role::Inspector,
            scope(&format!("province:{}", p.code)),
        )
    }

    fn secretary_of(&self, level: Level) -> Actor {
        match level {
            Level::Commune => self.officer(),
            Level::District => self.district_secretary(),
            Level::Provincial => self.provincial_secretary(),
            Level::Central => central_secretary(),
        }
    }

    fn authority(&self, level: Level, on: NaiveDate) -> &'static str {
        match level {
            Level::Commune => "UBND xã",
            Level::District => self.place.district.map_or("UBND huyện", |d| d.authority),
            Level::Provincial => self.province().authority_on(on),
            Level::Central => ministry_on(on),
        }
    }

    /// A decision number of `level` on `on`; one decision covers every product the same
    /// authority decided that day.
    fn decision_no(&self, level: Level, on: NaiveDate) -> String {
        let authority = self.authority(level, on);
        let n = 100 + number(&["decision", authority, &on.to_string()], 4_800);
        match level {
            Level::Central if on < d("2025-03-01") => format!("{n}/QĐ-BNN-VPĐP"),
            Level::Central => format!("{n}/QĐ-BNNMT"),
            _ => format!("{n}/QĐ-UBND"),
        }
    }

    fn council_ref(&self, level: Level, on: NaiveDate) -> String {
        let authority = self.authority(level, on);
        let n = 100 + number(&["council", authority, &on.year().to_string()], 3_900);
        match level {
            Level::Central if on < d("2025-03-01") => format!("{n}/QĐ-BNN-VPĐP"),
            Level::Central => format!("{n}/QĐ-BNNMT"),
            _ => format!("{n}/QĐ-UBND"),
        }
    }

    fn push(&mut self, on: NaiveDate, actor: Actor, body: CommandBody) -> Uuid {
        let i = self.steps.len();
        let event_id = event_uuid(on, i as u64, &["event", self.slug, &i.to_string()]);
        self.steps.push(DemoStep {
            on,
            actor,
            body,
            event_id,
            timer: None,
        });
        event_id
    }

    fn version(&self) -> &'static rules::RuleVersion {
        self.round.map(|r| r.2).expect("a round is open")
    }

    // -- registration and rounds --

    fn register(&mut self, on: &str, r: Registration) -> &mut Self {
        let on = d(on);
        self.name = r.name.to_owned();
        self.producer = r.producer.to_owned();
        let p = self.province();
        let local_code = self.place.district.map(|district| {
            format!(
                "{}-{}-{}-{}-{}",
                p.code,
                district.code,
                self.place.commune,
                1 + number(&["local", self.slug], 9),
                on.year()
            )
        });
        let body = CommandBody::RegisterProduct(RegisterProduct {
            name: r.name.to_owned(),
            producer: Producer {
                name: r.producer.to_owned(),
                kind: r.kind,
                tax_code: r.tax_code.map(str::to_owned),
            },
            product_group: r.group,
            product_set: r.set.to_owned(),
            province: p.code(),
            commune: Some(CommuneCode::parse(self.place.commune).expect("a demo commune code")),
            district: self
                .place
                .district
                .map(|x| DistrictCode::parse(x.code).expect("a demo district code")),
            local_code,
            registered_on: on,
        });
        let actor = self.officer();
        self.push(on, actor, body);
        self
    }

    fn open(&mut self, on: &str, kind: RoundKind) -> &mut Self {
        self.open_on(d(on), kind)
    }

    fn open_on(&mut self, on: NaiveDate, kind: RoundKind) -> &mut Self {
        let version = rules::in_force_on(on).expect("rules are in force on demo dates");
        self.rounds += 1;
        let round = self.rounds;
        let mut documents = vec![document(
            self.slug,
            round,
            "registration_form",
            "Phiếu đăng ký sản phẩm tham gia đánh giá, phân hạng OCOP",
        )];
        let extra: &[(&str, &str)] = match kind {
            RoundKind::Initial => &[
                ("business_plan", "Phương án sản xuất, kinh doanh"),
                (
                    "business_registration",
                    "Giấy chứng nhận đăng ký kinh doanh",
                ),
                ("quality_declaration", "Bản tự công bố chất lượng sản phẩm"),
                (
                    "test_result",
                    "Phiếu kết quả kiểm nghiệm chỉ tiêu chất lượng, an toàn",
                ),
                ("product_story", "Câu chuyện sản phẩm"),
            ],
            RoundKind::ReEvaluation => &[
                (
                    "self_report",
                    "Báo cáo tình hình sản xuất, kinh doanh 3 năm sau công nhận",
                ),
                (
                    "test_result",
                    "Phiếu kết quả kiểm nghiệm chỉ tiêu chất lượng, an toàn",
                ),
            ],
            RoundKind::Upgrade => &[
                (
                    "test_result",
                    "Phiếu kết quả kiểm nghiệm chỉ tiêu chất lượng, an toàn",
                ),
                ("intellectual_property", "Giấy chứng nhận đăng ký nhãn hiệu"),
                (
                    "traceability",
                    "Hồ sơ truy xuất nguồn gốc và mã vạch sản phẩm",
                ),
            ],
        };
        for (k, t) in extra {
            documents.push(document(self.slug, round, k, t));
        }
        // Older rounds were filed with the district's OCOP office.
        let actor = if version.level(Level::District).is_some() && self.place.district.is_some() {
            self.district_secretary()
        } else {
            self.officer()
        };
        self.push(
            on,
            actor,
            CommandBody::OpenEvaluation(OpenEvaluation {
                kind,
                opened_on: on,
                documents,
                legal_basis: None,
            }),
        );
        self.round = Some((round, kind, version));
        match kind {
            RoundKind::ReEvaluation => {
                self.paths.insert(DemoPath::ReEvaluation);
            }
            RoundKind::Upgrade => {
                self.paths.insert(DemoPath::Upgrade);
            }
            RoundKind::Initial => {
                if self.paths.contains(&DemoPath::Expired) {
                    self.paths.insert(DemoPath::NewRoundAfterExpiry);
                }
            }
        }
        self
    }

    fn return_dossier(&mut self, level: Level, on: &str, reasons: &[&str]) -> &mut Self {
        let actor = self.secretary_of(level);
        self.push(
            d(on),
            actor,
            CommandBody::ReturnDossier(ReturnDossier {
                returned_on: d(on),
                reasons: reasons.iter().map(|r| (*r).to_owned()).collect(),
            }),
        );
        self.paths.insert(DemoPath::DossierReturned);
        self
    }

    fn amend(&mut self, on: &str, documents: &[(&str, &str)]) -> &mut Self {
        let round = self.rounds;
        let documents = documents
            .iter()
            .map(|(k, t)| document(self.slug, round + 100, k, t))
            .collect();
        let actor = self.officer();
        self.push(
            d(on),
            actor,
            CommandBody::AmendDossier(AmendDossier {
                amended_on: d(on),
                documents,
            }),
        );
        self
    }

    fn assess(&mut self, on: &str) -> &mut Self {
        self.assess_on(
            d(on),
            true,
            true,
            "Nguyên liệu, lao động tại địa phương; đề nghị tỉnh đánh giá, phân hạng",
        )
    }

    fn assess_on(
        &mut self,
        on: NaiveDate,
        forward: bool,
        local_origin: bool,
        notes: &str,
    ) -> &mut Self {
        let n = 10 + number(&["report", self.slug, &on.to_string()], 290);
        let actor = self.officer();
        self.push(
            on,
            actor,
            CommandBody::RecordLocalAssessment(RecordLocalAssessment {
                assessed_on: on,
                forward,
                local_origin,
                notes: Some(notes.to_owned()),
                report_ref: Some(format!("{n}/TTr-UBND")),
            }),
        );
        self.paths.insert(DemoPath::CommuneAssessment);
        if !forward {
            self.paths.insert(DemoPath::NotForwarded);
            self.round = None;
        }
        self
    }

    /// Convenes the council of `level` on `on` and records one card per total (members in
    /// roster order, the chair first), without concluding.
    fn sit(&mut self, level: Level, on: NaiveDate, totals: &[u32], failed: &[&[&str]]) {
        let members = roster(level, &self.place, on);
        let quorum = Quorum {
            min_present: if level == Level::District { 4 } else { 5 },
            chair_required: true,
        };
        let actor = self.secretary_of(level);
        let council_ref = self.council_ref(level, on);
        self.push(
            on,
            actor.clone(),
            CommandBody::ConveneCouncil(ConveneCouncil {
                level,
                council_ref,
                convened_on: on,
                members,
                quorum,
                spread_limit: Some(10),
            }),
        );
        let max = self.version().part_max;
        for (i, total) in totals.iter().enumerate() {
            let (a, b, c) = parts(*total, max);
            self.push(
                on,
                actor.clone(),
                CommandBody::RecordScorecard(RecordScorecard {
                    member_id: format!("m{}", i + 1),
                    recorded_on: on,
                    part_a: a,
                    part_b: b,
                    part_c: c,
                    mandatory_failed: failed
                        .get(i)
                        .map(|f| f.iter().map(|x| (*x).to_owned()).collect())
                        .unwrap_or_default(),
                    criteria: Vec::new(),
                }),
            );
        }
        self.cards = totals.to_vec();
    }

    fn conclude_on(&mut self, level: Level, on: NaiveDate) {
        let actor = self.secretary_of(level);
        self.push(
            on,
            actor,
            CommandBody::ConcludeScoring(ConcludeScoring { concluded_on: on }),
        );
    }

    /// A council that sits, scores and concludes on one day.
    fn council(&mut self, level: Level, on: &str, totals: &[u32]) -> &mut Self {
        self.sit(level, d(on), totals, &[]);
        self.conclude_on(level, d(on));
        self
    }

    /// A council whose members list failed mandatory criteria.
    fn council_failing(
        &mut self,
        level: Level,
        on: &str,
        totals: &[u32],
        failed: &[&[&str]],
    ) -> &mut Self {
        self.sit(level, d(on), totals, failed);
        self.conclude_on(level, d(on));
        self
    }

    /// A council still sitting: convened, some cards recorded, not concluded.
    fn council_sitting(&mut self, level: Level, on: &str, totals: &[u32]) -> &mut Self {
        self.sit(level, d(on), totals, &[]);
        self.paths.insert(DemoPath::InEvaluation);
        self
    }

    /// New cards of some members (by 0-based roster index) after a conclusion that asked
    /// for re-scoring, then the conclusion again.
    fn rescore(&mut self, level: Level, on: &str, cards: &[(usize, u32)]) -> &mut Self {
        let on = d(on);
        let actor = self.secretary_of(level);
        let max = self.version().part_max;
        for (member, total) in cards {
            let (a, b, c) = parts(*total, max);
            self.push(
                on,
                actor.clone(),
                CommandBody::RecordScorecard(RecordScorecard {
                    member_id: format!("m{}", member + 1),
                    recorded_on: on,
                    part_a: a,
                    part_b: b,
                    part_c: c,
                    mandatory_failed: Vec::new(),
                    criteria: Vec::new(),
                }),
            );
            if let Some(card) = self.cards.get_mut(*member) {
                *card = *total;
            }
        }
        self.conclude_on(level, on);
        self.paths.insert(DemoPath::Rescored);
        self
    }

    fn decide(&mut self, level: Level, on: &str, stars: u8) -> &mut Self {
        self.decide_on(level, d(on), stars, None)
    }

    /// The decision of `document`, this product one of its annex: the loader records it
    /// with the annex's other products in one all-or-nothing command.
    fn decide_in(&mut self, document: &DemoDocument, stars: u8) -> &mut Self {
        self.decide_on(document.level, d(document.decided_on), stars, None);
        if let Some(CommandBody::DecideRecognition(decision)) =
            self.steps.last_mut().map(|step| &mut step.body)
        {
            decision.decision_id = Some(document.id());
        }
        self
    }

    fn decide_on(
        &mut self,
        level: Level,
        on: NaiveDate,
        stars: u8,
        decision_no: Option<String>,
    ) -> &mut Self {
        let version = self.version();
        let decision_no = decision_no.unwrap_or_else(|| self.decision_no(level, on));
        self.recognitions += 1;
        let certificate_no = format!(
            "OCOP-{}-{}-{:04}",
            self.province().code,
            on.year(),
            self.index * 10 + self.recognitions as usize
        );
        let actor = self.secretary_of(level);
        let authority = self.authority(level, on).to_owned();
        let event_id = self.push(
            on,
            actor,
            CommandBody::DecideRecognition(DecideRecognition {
                decision_id: None,
                level: None,
                decided_on: on,
                recognized: true,
                stars: Some(stars),
                decision_no: Some(decision_no),
                authority,
                certificate_no: Some(certificate_no),
                reason: None,
            }),
        );
        self.recognition = Some((event_id, level, validity::valid_until(on)));
        self.recognised_by = Some(level);
        let sum: u32 = self.cards.iter().sum();
        let flagged =
            level == Level::Provincial && stars == 4 && sum >= 90 * self.cards.len() as u32;
        if version.id == rules::RulesVersionId::QD1048_2019 {
            self.paths.insert(DemoPath::Qd1048Recognition);
        }
        let path = match (level, stars) {
            (Level::District, _) => DemoPath::DistrictThreeStar,
            (Level::Provincial, 3) => DemoPath::ProvincialThreeStar,
            (Level::Provincial, _) => DemoPath::ProvincialFourStar,
            _ => DemoPath::CentralFiveStar,
        };
        self.paths.insert(path);
        if flagged {
            self.paths.insert(DemoPath::PotentialFiveStar);
        } else {
            self.round = None;
        }
        self
    }

    fn refuse(&mut self, level: Level, on: &str, reason: &str, mandatory: bool) -> &mut Self {
        let on = d(on);
        let actor = self.secretary_of(level);
        let authority = self.authority(level, on).to_owned();
        self.push(
            on,
            actor,
            CommandBody::DecideRecognition(DecideRecognition {
                decision_id: None,
                level: None,
                decided_on: on,
                recognized: false,
                stars: None,
                decision_no: None,
                authority,
                certificate_no: None,
                reason: Some(reason.to_owned()),
            }),
        );
        self.paths.insert(match (level, mandatory) {
            (Level::Central, _) => DemoPath::CentralRefusal,
            (_, true) => DemoPath::RefusedMandatoryCriterion,
            (_, false) => DemoPath::RefusedBelowBand,
        });
        self.round = None;
        self
    }

    // -- after recognition --

    fn complaint(&mut self, on: &str, source: ComplaintSource, summary: &str) -> Uuid {
        let actor = if source == ComplaintSource::Authority {
            self.inspector()
        } else {
            self.provincial_secretary()
        };
        self.paths.insert(DemoPath::Complaint);
        self.push(
            d(on),
            actor,
            CommandBody::RecordComplaint(RecordComplaint {
                received_on: d(on),
                source,
                summary: summary.to_owned(),
            }),
        )
    }

    fn inspection(
        &mut self,
        on: &str,
        authority: &str,
        findings: &str,
        compliant: bool,
        complaint: Option<Uuid>,
    ) -> &mut Self {
        let actor = self.inspector();
        self.paths.insert(DemoPath::Inspection);
        self.push(
            d(on),
            actor,
            CommandBody::RecordInspection(RecordInspection {
                inspected_on: d(on),
                authority: authority.to_owned(),
                findings: findings.to_owned(),
                compliant,
                complaint_id: complaint,
            }),
        );
        self
    }

    /// Revocation by the authority that recognised the product (the province for district
    /// awards after the districts were abolished on 1 Jul 2025).
    fn revoke(&mut self, on: &str, grounds: &[RevocationGround], details: &str) -> &mut Self {
        let on = d(on);
        let level = self.recognised_by.unwrap_or(Level::Provincial);
        let level = if level == Level::District && on >= d("2025-07-01") {
            Level::Provincial
        } else {
            level
        };
        let actor = self.secretary_of(level);
        let authority = self.authority(level, on).to_owned();
        let decision_no = self.decision_no(level, on);
        self.push(
            on,
            actor,
            CommandBody::RevokeRecognition(RevokeRecognition {
                decided_on: on,
                decision_no,
                authority,
                grounds: grounds.to_vec(),
                details: details.to_owned(),
            }),
        );
        self.paths.insert(DemoPath::Revocation);
        self.recognition = None;
        self.round = None;
        self
    }

    fn withdraw(&mut self, on: &str, reason: &str) -> &mut Self {
        let actor = self.officer();
        self.push(
            d(on),
            actor,
            CommandBody::WithdrawProduct(WithdrawProduct {
                withdrawn_on: d(on),
                reason: reason.to_owned(),
            }),
        );
        self.paths.insert(DemoPath::Withdrawal);
        self.recognition = None;
        self.round = None;
        self
    }

    fn correct(
        &mut self,
        on: &str,
        event_id: Uuid,
        field: &str,
        new_value: &str,
        reason: &str,
    ) -> &mut Self {
        let actor = self.provincial_secretary();
        self.push(
            d(on),
            actor,
            CommandBody::CorrectEntry(CorrectEntry {
                event_id,
                field: field.to_owned(),
                new_value: Some(new_value.to_owned()),
                reason: reason.to_owned(),
            }),
        );
        self.paths.insert(DemoPath::Correction);
        self
    }

    /// The engine's expiry notice, on its due date.
    fn notice(&mut self) -> &mut Self {
        let (recognition, _, valid_until) = self.recognition.expect("a current recognition");
        let on = validity::notice_on(valid_until);
        self.timer(
            on,
            CommandBody::IssueExpiryNotice(IssueExpiryNotice { today: on }),
            recognition,
            "expiry_notice",
        );
        self.paths.insert(DemoPath::ExpiryNotice);
        self
    }

    /// The engine's expiry, on the first day after the validity.
    fn expire(&mut self) -> &mut Self {
        let (recognition, _, valid_until) = self.recognition.expect("a current recognition");
        let on = validity::expires_on(valid_until);
        self.timer(
            on,
            CommandBody::ExpireRecognition(ExpireRecognition { today: on }),
            recognition,
            "expiry",
        );
        self.paths.insert(DemoPath::Expired);
        self.recognition = None;
        self
    }

    fn timer(&mut self, on: NaiveDate, body: CommandBody, recognition: Uuid, kind: &'static str) {
        let i = self.steps.len();
        let event_id = event_uuid(on, i as u64, &["event", self.slug, &i.to_string()]);
        self.steps.push(DemoStep {
            on,
            actor: Actor::system(),
            body,
            event_id,
            timer: Some((recognition, kind)),
        });
    }

    fn last_event(&self) -> Uuid {
        self.steps.last().map(|s| s.event_id).unwrap_or_default()
    }

    fn finish(&mut self) -> DemoProduct {
        if self.steps.len() == 1 {
            self.paths.insert(DemoPath::RegisteredOnly);
        }
        if self.round.is_some() {
            self.paths.insert(DemoPath::InEvaluation);
        }
        DemoProduct {
            slug: self.slug,
            product_id: self.product_id,
            name: self.name.clone(),
            producer: self.producer.clone(),
            province: self.province().code,
            province_name: self.province().name,
            paths: std::mem::take(&mut self.paths),
            planted: None,
            relative_to_today: self.relative,
            steps: std::mem::take(&mut self.steps),
        }
    }
}

type Next<'a> = dyn FnMut(&'static str, Place) -> Story + 'a;

use ProducerKind::{Cooperative, CooperativeGroup, Enterprise, HouseholdBusiness};
use ProductGroup::{Drinks, Food, Handicrafts, MedicinalHerbs, Tourism};

const FOOD_SAFETY_AMENDMENT: &[(&str, &str)] = &[(
    "food_safety_certificate",
    "Giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm",
)];

fn lam_dong(next: &mut Next<'_>, out: &mut Vec<DemoProduct>) {
    let p = &LAM_DONG;
    merged_into_lam_dong(next, out);

    // qd1489-2025: returned at the commune, amended, provincial 4★, then a consumer
    // complaint answered by a compliant inspection.
    let mut s = next("mat-ong-hoa-ca-phe-dak-song", at(p, "24730"));
    s.register(
        "2025-08-01",
        Registration {
            tax_code: Some("6400123456"),
            ..reg(
                "Mật ong hoa cà phê",
                "HTX Nông nghiệp Đắk Song",
                Cooperative,
                Food,
                "Mật ong",
            )
        },
    )
    .open("2025-09-01", RoundKind::Initial)
    .return_dossier(
        Level::Commune,
        "2025-09-08",
        &[
            "Thiếu phiếu kết quả kiểm nghiệm chỉ tiêu chất lượng mật ong",
            "Bản tự công bố chất lượng đã hết hiệu lực",
        ],
    )
    .amend(
        "2025-09-20",
        &[
            ("test_result", "Phiếu kết quả kiểm nghiệm số 1175/KN-2025"),
            (
                "quality_declaration",
                "Bản tự công bố chất lượng sản phẩm (cập nhật 2025)",
            ),
        ],
    )
    .assess("2025-09-25")
    .council(
        Level::Provincial,
        "2025-10-20",
        &[78, 81, 76, 80, 79, 77, 82],
    )
    .decide(Level::Provincial, "2025-11-05", 4);
    let complaint = s.complaint(
        "2026-03-10",
        ComplaintSource::Consumer,
        "Khách hàng phản ánh mật ong kết tinh nhanh, nghi có pha đường",
    );
    s.inspection(
        "2026-03-25",
        p.quality_office,
        "Lấy mẫu tại cơ sở và điểm bán: hàm lượng đường khử, HMF và độ ẩm đạt yêu cầu; \
         kết tinh là hiện tượng tự nhiên của mật ong hoa cà phê",
        true,
        Some(complaint),
    );
    out.push(s.finish());

    // qd1489-2025: provincial 4★ with the potential-5★ flag, then the central 5★.
    let mut s = next("ca-phe-arabica-cau-dat", at(p, "24805"));
    s.register(
        "2025-07-20",
        Registration {
            tax_code: Some("5801234567"),
            ..reg(
                "Cà phê Arabica Cầu Đất rang xay",
                "Công ty TNHH Cà phê Cầu Đất Xanh",
                Enterprise,
                Drinks,
                "Cà phê",
            )
        },
    )
    .open("2025-08-05", RoundKind::Initial)
    .assess("2025-08-15")
    .council(
        Level::Provincial,
        "2025-09-18",
        &[91, 92, 90, 93, 91, 92, 90],
    )
    .decide(Level::Provincial, "2025-10-02", 4)
    .council(Level::Central, "2026-03-12", &[92, 91, 93, 90, 92, 91, 94])
    .decide(Level::Central, "2026-04-02", 5);
    out.push(s.finish());

    // qd1489-2025: provincial 4★ with the flag, the central council says "không đạt".
    let mut s = next("nuoc-mam-phan-thiet", at(p, "22945"));
    s.register(
        "2025-07-25",
        reg(
            "Nước mắm truyền thống Phan Thiết 40 độ đạm",
            "Công ty TNHH Nước mắm Hải Đăng Phan Thiết",
            Enterprise,
            Food,
            "Nước mắm",
        ),
    )
    .open("2025-08-10", RoundKind::Initial)
    .assess("2025-08-20")
    .council(
        Level::Provincial,
        "2025-09-18",
        &[90, 91, 92, 90, 89, 91, 92],
    )
    .decide(Level::Provincial, "2025-10-02", 4)
    .council(Level::Central, "2026-03-12", &[88, 87, 90, 86, 89, 88, 87])
    .refuse(
        Level::Central,
        "2026-04-02",
        "Hội đồng Trung ương đánh giá không đạt 5 sao (điểm trung bình 87,86); \
         giữ công nhận 4 sao cấp tỉnh",
        false,
    );
    out.push(s.finish());

    // qd1489-2025: provincial 3★ recorded with a mistyped decision number, corrected.
    let mut s = next("tra-atiso-da-lat", at(p, "24790"));
    s.register(
        "2025-09-02",
        reg(
            "Trà atiso túi lọc",
            "HTX Nông nghiệp Xuân Thọ",
            Cooperative,
            Drinks,
            "Trà",
        ),
    )
    .open("2025-09-15", RoundKind::Initial)
    .assess("2025-09-24")
    .council(Level::Provincial, "2025-10-20", &[62, 65, 60, 64, 63]);
    let on = d("2025-11-05");
    let right = s.decision_no(Level::Provincial, on);
    let typo = transpose(&right);
    s.decide_on(Level::Provincial, on, 3, Some(typo));
    let decision = s.last_event();
    s.correct(
        "2025-11-18",
        decision,
        "decision_no",
        &right,
        "Nhập sai số quyết định (đảo chữ số); đối chiếu bản gốc quyết định công nhận",
    );
    out.push(s.finish());

    // Registered only.
    let mut s = next("dau-tay-say-deo", at(p, "24820"));
    s.register(
        "2026-09-15",
        reg(
            "Dâu tây sấy dẻo",
            "Hộ kinh doanh Lê Thị Thu Trang",
            HouseholdBusiness,
            Food,
            "Rau, củ, quả và hạt chế biến",
        ),
    );
    out.push(s.finish());

    // qd1489-2025: forwarded by the commune, waiting for the provincial council.
    let mut s = next("hat-mac-ca-lam-ha", at(p, "24880"));
    s.register(
        "2026-06-10",
        reg(
            "Hạt mắc ca sấy nứt vỏ",
            "HTX Mắc ca Tân Hà",
            Cooperative,
            Food,
            "Rau, củ, quả và hạt chế biến",
        ),
    )
    .open("2026-07-01", RoundKind::Initial)
    .assess("2026-07-15");
    out.push(s.finish());

    // qd148-2023 district 3★, then a re-evaluation under qd1489-2025 raised it to 4★
    // (the expiry notice went out while the provincial council was deciding).
    let mut s = next("tra-o-long-bao-loc", at_district(p, &BAO_LOC, "24835"));
    s.register(
        "2023-05-10",
        reg(
            "Trà Ô long B'Lao",
            "Công ty TNHH Trà Lộc Phát",
            Enterprise,
            Drinks,
            "Trà",
        ),
    )
    .open("2023-06-01", RoundKind::Initial)
    .council(Level::District, "2023-07-12", &[64, 66, 61, 63, 65])
    .decide(Level::District, "2023-07-28", 3)
    .open("2026-05-04", RoundKind::ReEvaluation)
    .assess("2026-05-14")
    .council(
        Level::Provincial,
        "2026-06-18",
        &[72, 74, 71, 73, 75, 70, 72],
    )
    .notice()
    .decide(Level::Provincial, "2026-07-02", 4);
    out.push(s.finish());

    // qd1489-2025: the commune does not forward (local origin not shown).
    let mut s = next("thanh-long-ham-thuan", at(p, "22990"));
    s.register(
        "2025-10-06",
        reg(
            "Thanh long ruột đỏ sấy dẻo",
            "Tổ hợp tác Thanh long Hàm Thuận",
            CooperativeGroup,
            Food,
            "Rau, củ, quả và hạt chế biến",
        ),
    )
    .open("2025-10-20", RoundKind::Initial)
    .assess_on(
        d("2025-11-03"),
        false,
        false,
        "Chủ thể thu mua thanh long ngoài địa bàn, chưa chứng minh được vùng nguyên liệu \
         tại địa phương",
    );
    out.push(s.finish());

    let mut s = next("ruou-vang-sim-da-lat", at(p, "24781"));
    s.register(
        "2025-09-10",
        reg(
            "Rượu vang sim Đà Lạt",
            "Công ty CP Thực phẩm Lâm Viên",
            Enterprise,
            Drinks,
            "Rượu",
        ),
    )
    .open("2025-09-22", RoundKind::Initial)
    .assess("2025-10-01")
    .council(Level::Provincial, "2025-10-20", &[66, 68, 64, 67, 65, 63])
    .decide(Level::Provincial, "2025-11-05", 3);
    out.push(s.finish());

    // qd148-2023 provincial 4★; expired without re-evaluation and revoked on that ground.
    let mut s = next("hong-treo-gio-da-lat", at_district(p, &DA_LAT, "24787"));
    s.register(
        "2023-04-03",
        reg(
            "Hồng treo gió Đà Lạt",
            "Hộ kinh doanh Nguyễn Thị Bích Hạnh",
            HouseholdBusiness,
            Food,
            "Rau, củ, quả và hạt chế biến",
        ),
    )
    .open("2023-04-24", RoundKind::Initial)
    .council(Level::District, "2023-05-30", &[75, 77, 74, 76, 78])
    .council(
        Level::Provincial,
        "2023-06-27",
        &[76, 78, 75, 77, 79, 74, 76],
    )
    .decide(Level::Provincial, "2023-07-14", 4)
    .notice()
    .expire()
    .revoke(
        "2026-09-08",
        &[RevocationGround::NotReEvaluated],
        "Hết thời hạn 36 tháng, chủ thể không nộp hồ sơ đánh giá lại; gỡ bỏ sản phẩm khỏi \
         danh sách sản phẩm OCOP của tỉnh",
    );
    out.push(s.finish());

    let mut s = next("ca-phe-robusta-di-linh", at(p, "24955"));
    s.register(
        "2025-09-05",
        reg(
            "Cà phê Robusta Di Linh",
            "HTX Nông nghiệp Đinh Trang Thượng",
            Cooperative,
            Drinks,
            "Cà phê",
        ),
    )
    .open("2025-09-18", RoundKind::Initial)
    .assess("2025-09-29")
    .council(
        Level::Provincial,
        "2025-10-20",
        &[75, 77, 74, 78, 76, 73, 75],
    )
    .decide(Level::Provincial, "2025-11-05", 4);
    out.push(s.finish());
}

/// The decision number with its first two digits swapped, as a clerk might mistype it.
/// Products recorded by Đắk Nông and Bình Thuận before they were merged into Lâm Đồng
/// (their records keep codes 67 and 60; Lâm Đồng's staff supervise them now), their
/// producers' later products under Lâm Đồng, and Lâm Đồng's decision of June 2026 over
/// three products in one document.
fn merged_into_lam_dong(next: &mut Next<'_>, out: &mut Vec<DemoProduct>) {
    let thuan_an = |name, set| Registration {
        tax_code: Some("6400234567"),
        ..reg(name, "HTX Cà phê Thuận An", Cooperative, Drinks, set)
    };

    // qd148-2023, Đắk Nông: the district council, then the provincial 4★.
    let mut s = next(
        "ca-phe-robusta-dak-mil",
        at_district(&DAK_NONG, &DAK_MIL, "24640"),
    );
    s.register(
        "2023-09-12",
        thuan_an("Cà phê Robusta Đắk Mil rang mộc", "Cà phê"),
    )
    .open("2023-10-02", RoundKind::Initial)
    .council(Level::District, "2023-11-14", &[72, 74, 71, 73, 75])
    .council(
        Level::Provincial,
        "2024-01-16",
        &[76, 78, 75, 77, 79, 74, 77],
    )
    .decide(Level::Provincial, "2024-02-06", 4);
    out.push(s.finish());

    // qd148-2023, Bình Thuận: a district 3★.
    let mut s = next(
        "thanh-long-ham-thuan-nam",
        at_district(&BINH_THUAN, &HAM_THUAN_NAM, "23095"),
    );
    s.register(
        "2024-03-05",
        reg(
            "Thanh long ruột đỏ Hàm Thuận Nam",
            "HTX Thanh long Hàm Minh",
            Cooperative,
            Food,
            "Trái cây tươi",
        ),
    )
    .open("2024-03-25", RoundKind::Initial)
    .council(Level::District, "2024-05-14", &[66, 68, 65, 67, 64])
    .decide(Level::District, "2024-06-04", 3);
    out.push(s.finish());

    // qd1489-2025, after the merger: three products of Lâm Đồng's provincial council in
    // one decision document; each producer already holds another product.
    let p = &LAM_DONG;
    let mut s = next("ca-phe-robusta-hoa-tan-thuan-an", at(p, "24640"));
    s.register(
        "2026-01-08",
        thuan_an("Cà phê Robusta hòa tan Thuận An", "Cà phê"),
    )
    .open("2026-02-02", RoundKind::Initial)
    .assess("2026-02-12")
    .council(
        Level::Provincial,
        "2026-05-19",
        &[74, 76, 73, 75, 77, 72, 75],
    )
    .decide_in(&LAM_DONG_JUNE_2026, 4);
    out.push(s.finish());

    let mut s = next("mat-ong-rung-ta-dung", at(p, "24730"));
    s.register(
        "2026-01-15",
        Registration {
            tax_code: Some("6400123456"),
            ..reg(
                "Mật ong rừng Tà Đùng",
                "HTX Nông nghiệp Đắk Song",
                Cooperative,
                Food,
                "Mật ong",
            )
        },
    )
    .open("2026-02-05", RoundKind::Initial)
    .assess("2026-02-16")
    .council(
        Level::Provincial,
        "2026-05-19",
        &[63, 65, 62, 66, 64, 61, 65],
    )
    .decide_in(&LAM_DONG_JUNE_2026, 3);
    out.push(s.finish());

    let mut s = next("tra-atiso-cau-dat", at(p, "24805"));
    s.register(
        "2026-01-20",
        Registration {
            tax_code: Some("5801234567"),
            ..reg(
                "Trà atisô túi lọc Cầu Đất",
                "Công ty TNHH Cà phê Cầu Đất Xanh",
                Enterprise,
                Drinks,
                "Trà",
            )
        },
    )
    .open("2026-02-09", RoundKind::Initial)
    .assess("2026-02-20")
    .council(
        Level::Provincial,
        "2026-05-19",
        &[71, 73, 70, 74, 72, 71, 73],
    )
    .decide_in(&LAM_DONG_JUNE_2026, 4);
    out.push(s.finish());

    // The cooperative's third product: registered, its round open at the commune.
    let mut s = next("ca-phe-chon-thuan-an", at(p, "24640"));
    s.register("2026-08-05", thuan_an("Cà phê chồn Thuận An", "Cà phê"))
        .open("2026-08-20", RoundKind::Initial);
    out.push(s.finish());
}

fn transpose(no: &str) -> String {
    let mut chars: Vec<char> = no.chars().collect();
    if chars.len() > 2 && chars[0] != chars[1] {
        chars.swap(0, 1);
    } else {
        chars.insert(0, '1');
    }
    chars.into_iter().collect()
}

fn ha_noi(next: &mut Next<'_>, out: &mut Vec<DemoProduct>) {
    let p = &HA_NOI;

    // One product across three rule versions: qd1048-2019 4★, re-evaluated under
    // qd148-2023 (district forwards, province 4★), re-evaluated under qd1489-2025.
    let mut s = next("gom-bat-trang", at_district(p, &GIA_LAM, "00619"));
    s.register(
        "2020-05-12",
        Registration {
            tax_code: Some("0101234588"),
            ..reg(
                "Bình gốm men lam vẽ tay Bát Tràng",
                "Công ty TNHH Gốm sứ Minh Hải Bát Tràng",
                Enterprise,
                Handicrafts,
                "Gốm sứ",
            )
        },
    )
    .open("2020-06-01", RoundKind::Initial)
    .council(Level::District, "2020-07-10", &[76, 78, 75, 77, 79])
    .council(
        Level::Provincial,
        "2020-09-15",
        &[78, 80, 77, 79, 81, 78, 80],
    )
    .decide(Level::Provincial, "2020-10-20", 4)
    .open("2023-07-10", RoundKind::ReEvaluation)
    .council(Level::District, "2023-08-15", &[80, 82, 79, 81, 83])
    .council(
        Level::Provincial,
        "2023-09-14",
        &[81, 83, 80, 82, 84, 81, 79],
    )
    .notice()
    .decide(Level::Provincial, "2023-10-12", 4)
    .open("2026-06-15", RoundKind::ReEvaluation)
    .assess("2026-06-25")
    .council(
        Level::Provincial,
        "2026-08-20",
        &[84, 86, 83, 85, 87, 84, 86],
    )
    .decide(Level::Provincial, "2026-09-10", 4);
    out.push(s.finish());

    // qd148-2023: a district 3★.
    let mut s = next("mien-dong-minh-hong", at_district(p, &BA_VI, "09700"));
    s.register(
        "2024-03-05",
        reg(
            "Miến dong Minh Hồng",
            "HTX Nông nghiệp Minh Hồng",
            Cooperative,
            Food,
            "Sản phẩm từ gạo, ngũ cốc",
        ),
    )
    .open("2024-04-02", RoundKind::Initial)
    .council(Level::District, "2024-05-14", &[63, 66, 64, 61, 65])
    .decide(Level::District, "2024-05-30", 3);
    out.push(s.finish());

    // qd1048-2019: district forwards, provincial 3★; the notice and the expiry in 2024.
    let mut s = next("gio-cha-uoc-le", at_district(p, &THANH_OAI, "10246"));
    s.register(
        "2021-02-20",
        reg(
            "Giò lụa Ước Lễ",
            "Hộ kinh doanh Nguyễn Văn Tuấn",
            HouseholdBusiness,
            Food,
            "Thịt và sản phẩm từ thịt",
        ),
    )
    .open("2021-03-15", RoundKind::Initial)
    .council(Level::District, "2021-04-20", &[58, 61, 57, 60, 59])
    .council(
        Level::Provincial,
        "2021-06-10",
        &[60, 62, 58, 61, 63, 59, 60],
    )
    .decide(Level::Provincial, "2021-07-05", 3)
    .notice()
    .expire();
    out.push(s.finish());

    // qd148-2023: the district forwards, provincial 4★ valid until the end of 2026.
    let mut s = next("sua-chua-nep-cam-ba-vi", at_district(p, &BA_VI, "09574"));
    s.register(
        "2023-09-01",
        reg(
            "Sữa chua nếp cẩm Ba Vì",
            "Công ty CP Sữa Đồng Xuân",
            Enterprise,
            Food,
            "Sữa và sản phẩm từ sữa",
        ),
    )
    .open("2023-10-02", RoundKind::Initial)
    .council(Level::District, "2023-11-08", &[74, 76, 73, 75, 77])
    .council(
        Level::Provincial,
        "2023-12-12",
        &[75, 77, 74, 76, 78, 73, 75],
    )
    .decide(Level::Provincial, "2023-12-28", 4);
    out.push(s.finish());

    // qd148-2023 district 3★; a distributor's complaint, a failed inspection, revoked by
    // the district that recognised it.
    let mut s = next("quat-giay-chang-son", at_district(p, &THACH_THAT, "10003"));
    s.register(
        "2024-06-03",
        reg(
            "Quạt giấy Chàng Sơn",
            "Tổ hợp tác Làng nghề quạt Chàng Sơn",
            CooperativeGroup,
            Handicrafts,
            "Thủ công mỹ nghệ, trang trí",
        ),
    )
    .open("2024-07-01", RoundKind::Initial)
    .council(Level::District, "2024-08-20", &[60, 62, 59, 63, 61])
    .decide(Level::District, "2024-09-05", 3);
    let complaint = s.complaint(
        "2025-03-02",
        ComplaintSource::Distributor,
        "Nhà phân phối phản ánh lô quạt giao tháng 2/2025 dùng giấy in công nghiệp, \
         khác mẫu đã được công nhận",
    );
    s.inspection(
        "2025-03-20",
        "Đoàn kiểm tra của UBND huyện Thạch Thất",
        "Lô hàng dùng giấy in công nghiệp và nan tre chưa qua xử lý chống mốc, khác mẫu \
         sản phẩm đã được công nhận",
        false,
        Some(complaint),
    )
    .revoke(
        "2025-04-15",
        &[RevocationGround::QualityDiffers],
        "Sản phẩm lưu thông khác mẫu đã được công nhận theo kết quả kiểm tra ngày 20/3/2025",
    );
    out.push(s.finish());

    // qd1489-2025: opened, waiting for the commune's assessment.
    let mut s = next("com-lang-vong", at(p, "00166"));
    s.register(
        "2026-08-20",
        reg(
            "Cốm làng Vòng",
            "Hộ kinh doanh Nguyễn Thị Ngọc Lan",
            HouseholdBusiness,
            Food,
            "Sản phẩm từ gạo, ngũ cốc",
        ),
    )
    .open("2026-09-05", RoundKind::Initial);
    out.push(s.finish());

    // qd148-2023 district 3★, then the producer withdraws.
    let mut s = next("banh-cuon-thanh-tri", at_district(p, &THANH_TRI, "00655"));
    s.register(
        "2024-02-26",
        reg(
            "Bánh cuốn Thanh Trì",
            "Hộ kinh doanh Bánh cuốn Bà Hoành",
            HouseholdBusiness,
            Food,
            "Sản phẩm từ gạo, ngũ cốc",
        ),
    )
    .open("2024-03-18", RoundKind::Initial)
    .council(Level::District, "2024-04-23", &[57, 60, 55, 58, 59])
    .decide(Level::District, "2024-05-10", 3)
    .withdraw(
        "2026-02-10",
        "Chủ thể ngừng sản xuất để di dời cơ sở theo quy hoạch; đề nghị rút khỏi Chương \
         trình OCOP",
    );
    out.push(s.finish());

    let mut s = next("tra-sen-tay-ho", at(p, "00103"));
    s.register(
        "2025-08-12",
        reg(
            "Trà sen Tây Hồ",
            "HTX Dịch vụ nông nghiệp Quảng An",
            Cooperative,
            Drinks,
            "Trà",
        ),
    )
    .open("2025-09-03", RoundKind::Initial)
    .assess("2025-09-12")
    .council(
        Level::Provincial,
        "2025-11-18",
        &[80, 82, 79, 83, 81, 78, 80],
    )
    .decide(Level::Provincial, "2025-12-02", 4);
    out.push(s.finish());

    let mut s = next("lua-van-phuc", at_district(p, &HA_DONG, "09562"));
    s.register(
        "2024-07-01",
        reg(
            "Khăn lụa tơ tằm Vạn Phúc",
            "HTX Dệt lụa Vạn Phúc",
            Cooperative,
            Handicrafts,
            "Dệt may",
        ),
    )
    .open("2024-07-22", RoundKind::Initial)
    .council(Level::District, "2024-09-10", &[76, 79, 75, 78, 77])
    .council(
        Level::Provincial,
        "2024-11-12",
        &[77, 79, 76, 80, 78, 75, 77],
    )
    .decide(Level::Provincial, "2024-12-03", 4);
    out.push(s.finish());
}

fn hue(next: &mut Next<'_>, out: &mut Vec<DemoProduct>, today: NaiveDate) {
    let p = &HUE;

    // qd148-2023 provincial 4★, not re-evaluated: the notice and the expiry in 2026.
    let mut s = next("me-xung-hue", at_district(p, &TP_HUE, "19900"));
    s.register(
        "2023-04-10",
        reg(
            "Mè xửng Huế",
            "Cơ sở sản xuất Mè xửng Song Hỷ",
            HouseholdBusiness,
            Food,
            "Bánh, mứt, kẹo",
        ),
    )
    .open("2023-05-05", RoundKind::Initial)
    .council(Level::District, "2023-06-08", &[78, 80, 77, 79, 81])
    .council(
        Level::Provincial,
        "2023-07-20",
        &[79, 81, 78, 80, 82, 77, 79],
    )
    .decide(Level::Provincial, "2023-08-10", 4)
    .notice()
    .expire();
    out.push(s.finish());

    // qd148-2023: a district 3★ shortly before the districts were abolished.
    let mut s = next("tom-chua-hue", at_district(p, &HUONG_THUY, "20000"));
    s.register(
        "2025-01-08",
        reg(
            "Tôm chua Huế",
            "Hộ kinh doanh Trần Thị Lan",
            HouseholdBusiness,
            Food,
            "Thủy sản và sản phẩm từ thủy sản",
        ),
    )
    .open("2025-02-10", RoundKind::Initial)
    .council(Level::District, "2025-04-15", &[66, 64, 68, 65, 67])
    .decide(Level::District, "2025-05-20", 3);
    out.push(s.finish());

    let mut s = next("non-la-phu-cam", at(p, "19950"));
    s.register(
        "2025-08-18",
        reg(
            "Nón lá bài thơ",
            "Tổ hợp tác Nón lá Phú Cam",
            CooperativeGroup,
            Handicrafts,
            "Thủ công mỹ nghệ, trang trí",
        ),
    )
    .open("2025-09-08", RoundKind::Initial)
    .assess("2025-09-19")
    .council(Level::Provincial, "2025-12-09", &[61, 63, 60, 64, 62, 59])
    .decide(Level::Provincial, "2025-12-23", 3);
    out.push(s.finish());

    // qd1489-2025: returned by the province before its council, amended, 4★.
    let mut s = next("tra-cung-dinh-hue", at(p, "19795"));
    s.register(
        "2025-08-05",
        reg(
            "Trà cung đình Huế",
            "Công ty TNHH Thảo mộc Cố Đô",
            Enterprise,
            MedicinalHerbs,
            "Trà dược liệu",
        ),
    )
    .open("2025-08-25", RoundKind::Initial)
    .assess("2025-09-05")
    .return_dossier(
        Level::Provincial,
        "2025-10-10",
        &[
            "Nhãn sản phẩm chưa ghi đủ thành phần theo Nghị định 43/2017/NĐ-CP",
            "Thiếu giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm còn hiệu lực",
        ],
    )
    .amend("2025-11-03", FOOD_SAFETY_AMENDMENT)
    .council(
        Level::Provincial,
        "2025-12-09",
        &[82, 84, 81, 83, 85, 80, 82],
    )
    .decide(Level::Provincial, "2025-12-23", 4);
    out.push(s.finish());

    // qd1489-2025: a failed mandatory criterion blocks the award whatever the mean.
    let mut s = next("dau-tram-phong-dien", at(p, "19771"));
    s.register(
        "2025-08-20",
        reg(
            "Dầu tràm Phong Điền",
            "HTX Tinh dầu tràm Phong Điền",
            Cooperative,
            MedicinalHerbs,
            "Tinh dầu và thảo dược",
        ),
    )
    .open("2025-09-10", RoundKind::Initial)
    .assess("2025-09-22")
    .council_failing(
        Level::Provincial,
        "2025-12-09",
        &[72, 74, 70, 73, 71, 75, 72],
        &[&["C1"], &["C1"], &["C1"], &["C1"], &["C1"]],
    )
    .refuse(
        Level::Provincial,
        "2025-12-23",
        "Không đạt tiêu chí bắt buộc C1: chưa có phiếu kiểm nghiệm chỉ tiêu an toàn theo \
         quy định",
        true,
    );
    out.push(s.finish());

    // qd1048-2019 provincial 3★, expired in 2023, back through a qd148-2023 district 3★.
    let mut s = next("gom-phuoc-tich", at_district(p, &PHONG_DIEN, "19780"));
    s.register(
        "2020-06-15",
        reg(
            "Gốm Phước Tích",
            "Tổ hợp tác Làng nghề Phước Tích",
            CooperativeGroup,
            Handicrafts,
            "Gốm sứ",
        ),
    )
    .open("2020-07-06", RoundKind::Initial)
    .council(Level::District, "2020-08-18", &[58, 60, 56, 59, 61])
    .council(
        Level::Provincial,
        "2020-10-13",
        &[59, 61, 57, 60, 62, 58, 60],
    )
    .decide(Level::Provincial, "2020-11-10", 3)
    .notice()
    .expire()
    .open("2024-01-15", RoundKind::Initial)
    .council(Level::District, "2024-03-19", &[62, 65, 61, 64, 63])
    .decide(Level::District, "2024-04-09", 3);
    out.push(s.finish());

    let mut s = next("du-lich-thuy-bieu", at(p, "19930"));
    s.register(
        "2025-10-01",
        reg(
            "Du lịch cộng đồng làng cổ Thủy Biều",
            "HTX Dịch vụ du lịch Thủy Biều",
            Cooperative,
            Tourism,
            "Dịch vụ du lịch cộng đồng, du lịch sinh thái và điểm du lịch",
        ),
    )
    .open("2025-10-15", RoundKind::Initial)
    .assess("2025-10-28")
    .council(Level::Provincial, "2026-03-10", &[64, 66, 63, 65, 67, 62])
    .decide(Level::Provincial, "2026-03-24", 3);
    out.push(s.finish());

    out.push(notice_due_story(next, today));
}

/// The product whose recognition is in its last 30 days on `today`: decided 36 months
/// before `today + 20 days`, under whichever rule version was in force then, with its
/// expiry notice issued on the due date.
fn notice_due_story(next: &mut Next<'_>, today: NaiveDate) -> DemoProduct {
    let decided = (today + Days::new(20))
        .checked_sub_months(chrono::Months::new(validity::VALIDITY_MONTHS))
        .unwrap_or(today);
    let mut opened = decided - Days::new(120);
    let mut version = rules::in_force_on(opened).expect("rules are in force on demo dates");
    if let Some(last) = version.in_force_until.filter(|u| *u < decided) {
        // Keep the whole round inside one version, as a real round would be.
        opened = last + Days::new(1);
        version = rules::in_force_on(opened).expect("rules are in force on demo dates");
    }
    let span = (decided - opened).num_days().max(0) as u64;
    let step = |k: u64| opened + Days::new(span * k / 4);
    let district = version.level(Level::District).is_some();
    let place = if district {
        at_district(&HUE, &PHU_VANG, "20035")
    } else {
        at(&HUE, "20035")
    };
    let mut s = next("mam-ruoc-hue", place);
    s.relative = true;
    s.register(
        &(opened - Days::new(30)).to_string(),
        reg(
            "Mắm ruốc Huế",
            "Cơ sở Mắm ruốc Thuận An",
            HouseholdBusiness,
            Food,
            "Thủy sản và sản phẩm từ thủy sản",
        ),
    )
    .open_on(opened, RoundKind::Initial);
    let totals = [63, 65, 62, 64, 66];
    let province_cards = [63, 65, 62, 64, 66, 61, 64];
    if version.first_level().level == Level::Commune {
        s.assess_on(
            step(1),
            true,
            true,
            "Nguyên liệu ruốc khai thác tại phá Tam Giang; đề nghị tỉnh đánh giá",
        )
        .council(Level::Provincial, &step(3).to_string(), &province_cards)
        .decide_on(Level::Provincial, decided, 3, None);
    } else if version
        .level(Level::District)
        .is_some_and(|l| l.may_award(3))
    {
        s.council(Level::District, &step(2).to_string(), &totals)
            .decide_on(Level::District, decided, 3, None);
    } else {
        s.council(Level::District, &step(1).to_string(), &totals)
            .council(Level::Provincial, &step(3).to_string(), &province_cards)
            .decide_on(Level::Provincial, decided, 3, None);
    }
    s.notice();
    s.finish()
}

fn dak_lak(next: &mut Next<'_>, out: &mut Vec<DemoProduct>) {
    let p = &DAK_LAK;

    // qd148-2023: district forwards, provincial 4★ with the flag, central 5★ in 2024.
    let mut s = next(
        "ca-phe-buon-ma-thuot",
        at_district(p, &BUON_MA_THUOT, "24133"),
    );
    s.register(
        "2023-03-27",
        Registration {
            tax_code: Some("6000456789"),
            ..reg(
                "Cà phê bột nguyên chất Buôn Ma Thuột",
                "Công ty TNHH Cà phê Ê Đê Xanh",
                Enterprise,
                Drinks,
                "Cà phê",
            )
        },
    )
    .open("2023-04-17", RoundKind::Initial)
    .council(Level::District, "2023-05-23", &[86, 88, 85, 87, 89])
    .council(
        Level::Provincial,
        "2023-07-18",
        &[90, 92, 91, 89, 93, 90, 91],
    )
    .decide(Level::Provincial, "2023-08-08", 4)
    .council(Level::Central, "2024-05-21", &[91, 92, 90, 93, 91, 92, 90])
    .decide(Level::Central, "2024-06-28", 5);
    out.push(s.finish());

    // qd1489-2025 4★; a press complaint, a compliant inspection.
    let mut s = next("ca-ngu-dai-duong-phu-yen", at(p, "22114"));
    s.register(
        "2025-09-02",
        reg(
            "Cá ngừ đại dương phi lê đông lạnh",
            "Công ty CP Thủy sản Sông Cầu",
            Enterprise,
            Food,
            "Thủy sản và sản phẩm từ thủy sản",
        ),
    )
    .open("2025-09-16", RoundKind::Initial)
    .assess("2025-09-26")
    .council(
        Level::Provincial,
        "2026-01-13",
        &[74, 76, 73, 77, 75, 72, 74],
    )
    .decide(Level::Provincial, "2026-01-27", 4);
    let complaint = s.complaint(
        "2026-05-06",
        ComplaintSource::Press,
        "Báo Nông nghiệp và Môi trường phản ánh một số lô hàng ghi hạn sử dụng không \
         thống nhất giữa bao bì và thùng hàng",
    );
    s.inspection(
        "2026-05-20",
        p.quality_office,
        "Sai sót in nhãn phụ ở một lô hàng; chủ thể đã thu hồi, in lại nhãn. Sản phẩm đạt \
         chỉ tiêu chất lượng đã công bố",
        true,
        Some(complaint),
    );
    out.push(s.finish());

    // qd148-2023 provincial 4★; residues above the limit: revoked for food safety.
    let mut s = next("ho-tieu-cu-mgar", at_district(p, &CU_MGAR, "24250"));
    s.register(
        "2024-02-19",
        reg(
            "Hồ tiêu sạch Cư M'gar",
            "HTX Nông nghiệp Ea Kiết",
            Cooperative,
            Food,
            "Gia vị",
        ),
    )
    .open("2024-03-11", RoundKind::Initial)
    .council(Level::District, "2024-04-16", &[73, 75, 72, 74, 76])
    .council(
        Level::Provincial,
        "2024-06-04",
        &[74, 76, 73, 75, 77, 72, 74],
    )
    .decide(Level::Provincial, "2024-07-02", 4);
    let complaint = s.complaint(
        "2025-10-06",
        ComplaintSource::Authority,
        "Chi cục Trồng trọt và Bảo vệ thực vật thông báo mẫu hồ tiêu lấy tại siêu thị có \
         dư lượng thuốc bảo vệ thực vật vượt giới hạn cho phép",
    );
    s.inspection(
        "2025-10-21",
        "Đoàn kiểm tra liên ngành tỉnh Đắk Lắk",
        "Mẫu lưu và mẫu tại kho có dư lượng Chlorpyrifos ethyl vượt mức giới hạn tối đa; \
         vi phạm quy định về an toàn thực phẩm",
        false,
        Some(complaint),
    )
    .revoke(
        "2025-11-12",
        &[RevocationGround::FoodSafetyViolation],
        "Thu hồi quyết định công nhận và giấy chứng nhận sản phẩm OCOP 4 sao theo kết quả \
         kiểm tra liên ngành ngày 21/10/2025",
    );
    out.push(s.finish());

    // qd1489-2025: mean 46.00, below 50: refused.
    let mut s = next("sau-rieng-say-krong-pac", at(p, "24400"));
    s.register(
        "2025-08-26",
        reg(
            "Sầu riêng sấy lạnh Krông Pắc",
            "Hộ kinh doanh Y Khuê Niê",
            HouseholdBusiness,
            Food,
            "Rau, củ, quả và hạt chế biến",
        ),
    )
    .open("2025-09-09", RoundKind::Initial)
    .assess("2025-09-18")
    .council(Level::Provincial, "2026-01-13", &[45, 48, 44, 47, 46])
    .refuse(
        Level::Provincial,
        "2026-01-27",
        "Điểm trung bình 46,00 dưới 50 điểm: chưa đủ điều kiện công nhận 3 sao",
        false,
    );
    out.push(s.finish());

    // qd1489-2025: spread 13 over the limit of 10, two members re-score, 3★.
    let mut s = next("ruou-can-buon-don", at(p, "24200"));
    s.register(
        "2025-08-28",
        reg(
            "Rượu cần Buôn Đôn",
            "HTX Dịch vụ du lịch Buôn Đôn",
            Cooperative,
            Drinks,
            "Rượu",
        ),
    )
    .open("2025-09-11", RoundKind::Initial)
    .assess("2025-09-23")
    .council(Level::Provincial, "2026-01-13", &[55, 68, 60, 58, 66])
    .rescore(Level::Provincial, "2026-01-14", &[(1, 63), (4, 62)])
    .decide(Level::Provincial, "2026-01-27", 3);
    out.push(s.finish());
}

fn tuyen_quang(next: &mut Next<'_>, out: &mut Vec<DemoProduct>) {
    let p = &TUYEN_QUANG;

    let mut s = next("cam-sanh-ham-yen", at_district(p, &HAM_YEN, "02560"));
    s.register(
        "2024-08-12",
        reg(
            "Cam sành Hàm Yên",
            "HTX Cam sành Phù Lưu",
            Cooperative,
            Food,
            "Rau, củ, quả và hạt tươi",
        ),
    )
    .open("2024-09-03", RoundKind::Initial)
    .council(Level::District, "2024-11-12", &[67, 69, 66, 68, 65])
    .decide(Level::District, "2024-12-05", 3);
    out.push(s.finish());

    // qd1489-2025 3★, then an upgrade round forwarded by the commune.
    let mut s = next("ruou-ngo-na-hang", at(p, "02260"));
    s.register(
        "2025-08-20",
        reg(
            "Rượu ngô men lá Na Hang",
            "HTX Nông lâm nghiệp Na Hang",
            Cooperative,
            Drinks,
            "Rượu",
        ),
    )
    .open("2025-09-04", RoundKind::Initial)
    .assess("2025-09-15")
    .council(Level::Provincial, "2025-12-16", &[63, 65, 62, 66, 64])
    .decide(Level::Provincial, "2025-12-30", 3)
    .open("2026-09-01", RoundKind::Upgrade)
    .assess("2026-09-14");
    out.push(s.finish());

    // Recorded in 2023–2024 by Hà Giang (02), before the merger into Tuyên Quang: the
    // record keeps its code. qd148-2023 provincial 4★ with the flag, central 5★.
    let mut s = next(
        "tra-shan-tuyet-hoang-su-phi",
        at_district(&HA_GIANG, &HOANG_SU_PHI, "00817"),
    );
    s.register(
        "2023-03-20",
        reg(
            "Trà Shan tuyết cổ thụ Hoàng Su Phì",
            "HTX Chè Phìn Hồ",
            Cooperative,
            Drinks,
            "Trà",
        ),
    )
    .open("2023-04-10", RoundKind::Initial)
    .council(Level::District, "2023-05-16", &[87, 89, 86, 88, 90])
    .council(
        Level::Provincial,
        "2023-07-11",
        &[90, 91, 92, 89, 91, 90, 92],
    )
    .decide(Level::Provincial, "2023-08-01", 4)
    .council(Level::Central, "2024-05-21", &[92, 93, 91, 94, 92, 91, 93])
    .decide(Level::Central, "2024-06-28", 5);
    out.push(s.finish());

    // The same area after the merger: a new registration under Tuyên Quang (08).
    let mut s = next("mat-ong-bac-ha-meo-vac", at(p, "00790"));
    s.register(
        "2025-09-15",
        reg(
            "Mật ong bạc hà Mèo Vạc",
            "HTX Ong mật Mèo Vạc",
            Cooperative,
            Food,
            "Mật ong",
        ),
    )
    .open("2025-10-01", RoundKind::Initial)
    .assess("2025-10-14")
    .council(
        Level::Provincial,
        "2026-03-17",
        &[79, 81, 78, 80, 82, 77, 79],
    )
    .decide(Level::Provincial, "2026-03-31", 4);
    out.push(s.finish());
}

fn thai_nguyen(next: &mut Next<'_>, out: &mut Vec<DemoProduct>) {
    let p = &THAI_NGUYEN;

    // The provincial council is sitting: three of seven cards recorded.
    let mut s = next("che-tan-cuong", at(p, "05620"));
    s.register(
        "2026-07-06",
        reg(
            "Chè Tân Cương đặc biệt",
            "HTX Chè La Bằng",
            Cooperative,
            Drinks,
            "Trà",
        ),
    )
    .open("2026-07-20", RoundKind::Initial)
    .assess("2026-08-03")
    .council_sitting(Level::Provincial, "2026-10-06", &[82, 84, 81]);
    out.push(s.finish());

    let mut s = next("mien-dong-na-ri", at(p, "02035"));
    s.register(
        "2026-10-01",
        reg(
            "Miến dong Na Rì",
            "HTX Miến dong Côn Minh",
            Cooperative,
            Food,
            "Sản phẩm từ gạo, ngũ cốc",
        ),
    );
    out.push(s.finish());
}

fn an_giang(next: &mut Next<'_>, out: &mut Vec<DemoProduct>) {
    let p = &AN_GIANG;

    let mut s = next("nuoc-mam-phu-quoc", at(p, "31081"));
    s.register(
        "2025-08-04",
        reg(
            "Nước mắm Phú Quốc cá cơm 43 độ đạm",
            "Cơ sở Nước mắm Thanh Hà Phú Quốc",
            HouseholdBusiness,
            Food,
            "Nước mắm",
        ),
    )
    .open("2025-08-22", RoundKind::Initial)
    .assess("2025-09-03")
    .council(
        Level::Provincial,
        "2025-11-25",
        &[84, 86, 83, 85, 87, 82, 84],
    )
    .decide(Level::Provincial, "2025-12-09", 4);
    out.push(s.finish());

    let mut s = next("duong-thot-not-tri-ton", at(p, "30550"));
    s.register(
        "2025-08-11",
        reg(
            "Đường thốt nốt Tri Tôn",
            "HTX Thốt nốt Tri Tôn",
            Cooperative,
            Food,
            "Bánh, mứt, kẹo",
        ),
    )
    .open("2025-08-29", RoundKind::Initial)
    .assess("2025-09-10")
    .council(Level::Provincial, "2025-11-25", &[62, 64, 61, 65, 63, 60])
    .decide(Level::Provincial, "2025-12-09", 3);
    out.push(s.finish());
}

fn vinh_long(next: &mut Next<'_>, out: &mut Vec<DemoProduct>) {
    let p = &VINH_LONG;

    let mut s = next("keo-dua-sap-mo-cay", at(p, "28756"));
    s.register(
        "2025-08-15",
        reg(
            "Kẹo dừa sáp Mỏ Cày",
            "Công ty TNHH Kẹo dừa Thanh Long",
            Enterprise,
            Food,
            "Bánh, mứt, kẹo",
        ),
    )
    .open("2025-09-02", RoundKind::Initial)
    .assess("2025-09-15")
    .council(
        Level::Provincial,
        "2026-01-20",
        &[76, 78, 75, 77, 79, 74, 76],
    )
    .decide(Level::Provincial, "2026-02-03", 4);
    out.push(s.finish());

    let mut s = next("buoi-da-xanh-cho-lach", at(p, "28900"));
    s.register(
        "2025-08-19",
        reg(
            "Bưởi da xanh Chợ Lách",
            "HTX Bưởi da xanh Hưng Khánh Trung",
            Cooperative,
            Food,
            "Rau, củ, quả và hạt tươi",
        ),
    )
    .open("2025-09-05", RoundKind::Initial)
    .assess("2025-09-17")
    .council(
        Level::Provincial,
        "2026-01-20",
        &[72, 74, 71, 73, 75, 70, 72],
    )
    .decide(Level::Provincial, "2026-02-03", 4);
    out.push(s.finish());
}

// ---------------------------------------------------------------------------------------
// Quảng Ninh's legacy list.

/// One row of the legacy list.
struct LegacyRow {
    slug: &'static str,
    district: &'static str,
    commune: Option<&'static str>,
    local_code: Option<&'static str>,
    product_name: &'static str,
    producer_name: &'static str,
    producer_kind: ProducerKind,
    group: ProductGroup,
    stars: u8,
    score: Option<&'static str>,
    decision_no: &'static str,
    decided_on: &'static str,
    authority: &'static str,
    valid_until: Option<&'static str>,
    /// The defect and the finding the audit reports for it, for planted rows.
    planted: Option<(&'static str, Option<FindingCode>)>,
}

/// When the province's list was imported.
const LEGACY_IMPORTED_ON: &str = "2026-01-12";

const QN: &str = "UBND tỉnh Quảng Ninh";

const LEGACY_ROWS: &[LegacyRow] = &[
    LegacyRow {
        slug: "qn-cha-muc-ha-long",
        district: "193",
        commune: Some("06658"),
        local_code: Some("22-193-06658-1-2024"),
        product_name: "Chả mực Hạ Long",
        producer_name: "Công ty CP Thực phẩm Hạ Long Xanh",
        producer_kind: Enterprise,
        group: Food,
        stars: 4,
        score: Some("78.25"),
        decision_no: "1655/QĐ-UBND",
        decided_on: "2024-05-16",
        authority: QN,
        valid_until: Some("2027-05-16"),
        planted: None,
    },
    LegacyRow {
        slug: "qn-tra-hoa-vang-ba-che",
        district: "202",
        commune: Some("06979"),
        local_code: Some("22-202-06979-2-2024"),
        product_name: "Trà hoa vàng Ba Chẽ",
        producer_name: "HTX Dược liệu Thanh Sơn",
        producer_kind: Cooperative,
        group: MedicinalHerbs,
        stars: 4,
        score: Some("82.50"),
        decision_no: "3012/QĐ-UBND",
        decided_on: "2024-09-20",
        authority: QN,
        valid_until: Some("2027-09-20"),
        planted: None,
    },
    LegacyRow {
        slug: "qn-ba-kich-tim-ba-che",
        district: "202",
        commune: Some("06982"),
        local_code: Some("22-202-06982-1-2024"),
        product_name: "Ba kích tím Ba Chẽ ngâm mật ong",
        producer_name: "Công ty TNHH Dược liệu Ba Chẽ",
        producer_kind: Enterprise,
        group: MedicinalHerbs,
        stars: 5,
        score: Some("91.75"),
        decision_no: "2147/QĐ-BNN-VPĐP",
        decided_on: "2024-06-10",
        authority: "Bộ Nông nghiệp và Phát triển nông thôn",
        valid_until: Some("2027-06-10"),
        planted: None,
    },
    LegacyRow {
        slug: "qn-mien-dong-binh-lieu",
        district: "198",
        commune: Some("06793"),
        local_code: Some("22-198-06793-1-2025"),
        product_name: "Miến dong Bình Liêu",
        producer_name: "HTX Miến dong Bình Liêu",
        producer_kind: Cooperative,
        group: Food,
        stars: 3,
        score: Some("66.00"),
        decision_no: "2870/QĐ-UBND",
        decided_on: "2025-08-28",
        authority: QN,
        valid_until: Some("2028-08-28"),
        planted: None,
    },
    LegacyRow {
        slug: "qn-sa-sung-van-don",
        district: "203",
        commune: Some("07192"),
        local_code: Some("22-203-07192-1-2024"),
        product_name: "Sá sùng khô Vân Đồn",
        producer_name: "Hộ kinh doanh Hoàng Văn Lực",
        producer_kind: HouseholdBusiness,
        group: Food,
        stars: 5,
        score: Some("93.10"),
        decision_no: "3125/QĐ-UBND",
        decided_on: "2024-11-05",
        authority: QN,
        valid_until: Some("2027-11-05"),
        planted: Some((
            "5★ awarded by the province (UBND tỉnh Quảng Ninh, decision 3125/QĐ-UBND); only the \
             ministry awards 5★, under every rule version. The import records every legacy 5★ \
             at the central level, so only the authority and the decision number show it",
            Some(FindingCode::LevelCannotAward),
        )),
    },
    LegacyRow {
        slug: "qn-ruou-ba-kich-dam-ha",
        district: "201",
        commune: Some("07048"),
        local_code: Some("22-201-07048-1-2024"),
        product_name: "Rượu ba kích Đầm Hà",
        producer_name: "HTX Dược liệu Đầm Hà",
        producer_kind: Cooperative,
        group: Drinks,
        stars: 4,
        score: Some("68.00"),
        decision_no: "2207/QĐ-UBND",
        decided_on: "2024-06-12",
        authority: QN,
        valid_until: Some("2027-06-12"),
        planted: Some((
            "4★ for a score of 68.00, whose band is 3★: imported as written (rule 12), the \
             decision exists in law until it is re-evaluated or revoked",
            Some(FindingCode::StarsAboveBand),
        )),
    },
    LegacyRow {
        slug: "qn-nuoc-mam-cai-rong",
        district: "203",
        commune: Some("07168"),
        local_code: Some("22-203-07168-2-2024"),
        product_name: "Nước mắm Cái Rồng",
        producer_name: "HTX Chế biến hải sản Cái Rồng",
        producer_kind: Cooperative,
        group: Food,
        stars: 4,
        score: None,
        decision_no: "1655/QĐ-UBND",
        decided_on: "2024-05-16",
        authority: QN,
        valid_until: Some("2027-05-16"),
        planted: Some((
            "4★ with no score in the list",
            Some(FindingCode::LegacyWithoutScores),
        )),
    },
    LegacyRow {
        slug: "qn-ga-doi-tien-yen",
        district: "199",
        commune: Some("06856"),
        local_code: Some("22-199-06856-1-2024"),
        product_name: "Gà đồi Tiên Yên",
        producer_name: "HTX Chăn nuôi gà Tiên Yên",
        producer_kind: Cooperative,
        group: Food,
        stars: 4,
        score: Some("74.60"),
        decision_no: "0512/QĐ-UBND",
        decided_on: "2024-02-20",
        authority: QN,
        valid_until: Some("2026-12-31"),
        planted: Some((
            "valid_until written as 2026-12-31; decision 2024-02-20 + 36 months is 2027-02-20",
            Some(FindingCode::LegacyValidUntilMismatch),
        )),
    },
    LegacyRow {
        slug: "qn-ruou-mo-yen-tu",
        district: "196",
        commune: None,
        local_code: None,
        product_name: "Rượu mơ Yên Tử",
        producer_name: "Công ty CP Yên Tử Xanh",
        producer_kind: Enterprise,
        group: Drinks,
        stars: 3,
        score: Some("62.00"),
        decision_no: "2688/QĐ-UBND",
        decided_on: "2024-08-14",
        authority: QN,
        valid_until: Some("2027-08-14"),
        planted: Some((
            "no commune and no local product code, only the district",
            Some(FindingCode::LegacyMissingEvidence),
        )),
    },
    LegacyRow {
        slug: "qn-ngan-chap-van-don",
        district: "203",
        commune: Some("07180"),
        local_code: Some("22-203-07180-3-2025"),
        product_name: "Ngán chấp Vân Đồn",
        producer_name: "Hộ kinh doanh Phạm Thị Duyên",
        producer_kind: HouseholdBusiness,
        group: Food,
        stars: 3,
        score: Some("84.00"),
        decision_no: "2871/QĐ-UBND",
        decided_on: "2025-09-10",
        authority: QN,
        valid_until: Some("2028-09-10"),
        planted: Some((
            "3★ with a stated score of 84.00, which earns 4★ at the province under qd1489-2025",
            Some(FindingCode::LegacyStarsInconsistentWithScore),
        )),
    },
    LegacyRow {
        slug: "qn-nam-linh-chi-dong-trieu",
        district: "205",
        commune: Some("07090"),
        local_code: Some("22-205-07090-1-2025"),
        product_name: "Nấm linh chi Đông Triều",
        producer_name: "HTX Nông nghiệp Đông Triều",
        producer_kind: Cooperative,
        group: MedicinalHerbs,
        stars: 4,
        score: Some("80.20"),
        decision_no: "0345/QĐ-UBND",
        decided_on: "2025-01-24",
        authority: QN,
        valid_until: Some("2028-01-24"),
        planted: None,
    },
    LegacyRow {
        slug: "qn-banh-gat-gu-quang-yen",
        district: "206",
        commune: Some("07138"),
        local_code: Some("22-206-07138-1-2018"),
        product_name: "Bánh gật gù Quảng Yên",
        producer_name: "Hộ kinh doanh Vũ Thị Gái",
        producer_kind: HouseholdBusiness,
        group: Food,
        stars: 4,
        score: Some("72.40"),
        decision_no: "4821/QĐ-UBND",
        decided_on: "2018-12-20",
        authority: QN,
        valid_until: Some("2021-12-20"),
        planted: Some((
            "decided on 2018-12-20 under Quảng Ninh's own OCOP programme, before the first \
             national rule version (qd1048-2019, in force from 2019-08-21): no rule version",
            Some(FindingCode::RulesVersionUnknown),
        )),
    },
];

fn planted(row: &'static LegacyRow, i: usize) -> Option<PlantedInconsistency> {
    row.planted
        .map(|(defect, expected_finding)| PlantedInconsistency {
            product_id: legacy_import::legacy_product_id(&legacy_command(row, i)),
            slug: row.slug,
            line: i as u32 + 2,
            product_name: row.product_name,
            defect,
            expected_finding,
        })
}

/// The import command of row `i`, as `ocop import` makes it from line `i + 2` of
/// [`legacy_csv`].
fn legacy_command(row: &LegacyRow, i: usize) -> ImportLegacyRecognition {
    ImportLegacyRecognition {
        province: QUANG_NINH.code(),
        district: Some(DistrictCode::parse(row.district).expect("a demo district code")),
        commune: row
            .commune
            .map(|c| CommuneCode::parse(c).expect("a demo commune code")),
        local_code: row.local_code.map(str::to_owned),
        product_name: row.product_name.to_owned(),
        producer_name: row.producer_name.to_owned(),
        producer_kind: row.producer_kind,
        product_group: row.group,
        stars: row.stars,
        score: row.score.map(str::to_owned),
        decision_no: row.decision_no.to_owned(),
        decided_on: d(row.decided_on),
        authority: row.authority.to_owned(),
        valid_until: row.valid_until.map(d),
        source: Some(format!("{LEGACY_FILE}:{}", i + 2)),
        certificate_no: None,
        potential_five_star: false,
        level: None,
    }
}

fn legacy_product(row: &'static LegacyRow, i: usize) -> DemoProduct {
    let on = d(LEGACY_IMPORTED_ON);
    let command = legacy_command(row, i);
    let product_id = legacy_import::legacy_product_id(&command);
    let body = CommandBody::ImportLegacyRecognition(command);
    let mut paths = BTreeSet::from([DemoPath::LegacyImport]);
    let planted = planted(row, i);
    if planted.is_some() {
        paths.insert(DemoPath::PlantedInconsistency);
    }
    DemoProduct {
        slug: row.slug,
        product_id,
        name: row.product_name.to_owned(),
        producer: row.producer_name.to_owned(),
        province: QUANG_NINH.code,
        province_name: QUANG_NINH.name,
        paths,
        planted,
        relative_to_today: false,
        steps: vec![DemoStep {
            on,
            actor: admin(),
            body,
            event_id: event_uuid(on, i as u64, &["event", row.slug, "0"]),
            timer: None,
        }],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ocop_domain::{ProductState, Status};

    fn today() -> NaiveDate {
        d("2026-11-23")
    }

    /// Folds every story through the pure domain as the loader would, with the timers
    /// due on `today` at the end; returns the final states.
    fn simulate(today: NaiveDate) -> Vec<(DemoProduct, ProductState)> {
        let mut out = Vec::new();
        for product in plan(today).unwrap() {
            let mut state = ProductState::default();
            for i in 0..product.steps.len() {
                let step = &product.steps[i];
                if step.timer.is_none() {
                    assert_eq!(
                        timers::due(&state, step.on),
                        None,
                        "{} step {i}: a timer was due before {}",
                        product.slug,
                        step.on
                    );
                }
                let events = ocop_domain::decide(&state, &product.command(i)).unwrap_or_else(|e| {
                    panic!("{} step {i} ({}): {e}", product.slug, step.body.describe())
                });
                state = ocop_domain::fold_from(state, &events);
            }
            while let Some(action) = timers::due(&state, today) {
                let command = Command::new(
                    CommandMeta::new(
                        Actor::system(),
                        vn_time(today, 12),
                        product.product_id,
                        vec![Uuid::now_v7()],
                    ),
                    action.command_body(),
                );
                let events = ocop_domain::decide(&state, &command).unwrap();
                state = ocop_domain::fold_from(state, &events);
            }
            out.push((product, state));
        }
        out
    }

    #[test]
    fn every_step_of_every_story_is_accepted_and_no_timer_is_skipped() {
        let states = simulate(today());
        assert!(
            (40..=80).contains(&states.len()),
            "{} products",
            states.len()
        );
    }

    #[test]
    fn the_data_set_shows_every_status_and_every_path() {
        let states = simulate(today());
        for status in [
            Status::Registered,
            Status::InEvaluation,
            Status::Recognized,
            Status::NotRecognized,
            Status::Expired,
            Status::Revoked,
            Status::Withdrawn,
        ] {
            assert!(
                states.iter().any(|(_, s)| s.status == status),
                "no product is {status}"
            );
        }
        let report = summary(
            &states.iter().map(|(p, _)| p.clone()).collect::<Vec<_>>(),
            today(),
        );
        for path in [
            DemoPath::RegisteredOnly,
            DemoPath::InEvaluation,
            DemoPath::DossierReturned,
            DemoPath::CommuneAssessment,
            DemoPath::NotForwarded,
            DemoPath::DistrictThreeStar,
            DemoPath::Qd1048Recognition,
            DemoPath::ProvincialThreeStar,
            DemoPath::ProvincialFourStar,
            DemoPath::PotentialFiveStar,
            DemoPath::CentralFiveStar,
            DemoPath::CentralRefusal,
            DemoPath::RefusedBelowBand,
            DemoPath::RefusedMandatoryCriterion,
            DemoPath::Rescored,
            DemoPath::ExpiryNotice,
            DemoPath::Expired,
            DemoPath::ReEvaluation,
            DemoPath::Upgrade,
            DemoPath::NewRoundAfterExpiry,
            DemoPath::Complaint,
            DemoPath::Inspection,
            DemoPath::Revocation,
            DemoPath::Withdrawal,
            DemoPath::Correction,
            DemoPath::LegacyImport,
            DemoPath::PlantedInconsistency,
        ] {
            assert!(
                report.paths.contains_key(path.as_str()),
                "no product shows {path}"
            );
        }
    }

    #[test]
    fn the_relative_product_has_its_notice_and_is_not_expired_whatever_the_day() {
        for today in [
            "2026-10-06",
            "2026-11-23",
            "2027-03-01",
            "2028-07-20",
            "2031-01-31",
        ] {
            let today = d(today);
            let states = simulate(today);
            let (_, state) = states
                .iter()
                .find(|(p, _)| p.relative_to_today)
                .expect("a relative product");
            let rec = state.recognition.as_ref().expect("still recognised");
            assert!(rec.notice_issued_on.is_some(), "{today}: no notice");
            assert!(rec.valid_until >= today, "{today}: {}", rec.valid_until);
            assert!(rec.valid_until <= today + Days::new(30), "{today}");
        }
    }

    #[test]
    fn a_central_five_star_and_a_district_three_star_are_current() {
        let states = simulate(today());
        let current = |level: Level, stars: u8| {
            states.iter().any(|(_, s)| {
                s.recognition
                    .as_ref()
                    .is_some_and(|r| r.level == level && r.stars == stars && !r.legacy)
            })
        };
        assert!(current(Level::Central, 5));
        assert!(current(Level::District, 3));
        let flagged_then_central = states.iter().any(|(_, s)| {
            s.past_recognitions
                .iter()
                .any(|r| r.potential_five_star || r.level == Level::Provincial)
                && s.recognition.as_ref().is_some_and(|r| r.stars == 5)
        });
        assert!(flagged_then_central);
    }

    #[test]
    fn ids_keys_and_hashes_are_deterministic_and_unique() {
        let a = plan(today()).unwrap();
        let b = plan(today()).unwrap();
        assert_eq!(a, b);
        let mut products = BTreeSet::new();
        let mut events = BTreeSet::new();
        let mut keys = BTreeSet::new();
        for (p, again) in a.iter().zip(&b) {
            assert!(products.insert(p.product_id), "{}", p.slug);
            for i in 0..p.steps.len() {
                assert_eq!(p.idempotency(i), again.idempotency(i));
            }
            for i in 0..p.steps.len() {
                assert!(events.insert(p.steps[i].event_id), "{} {i}", p.slug);
                let (key, hash) = p.idempotency(i);
                assert!(keys.insert(key), "{} {i}", p.slug);
                assert_eq!(hash.len(), 64);
                assert_eq!(p.steps[i].event_id.get_version_num(), 7);
            }
        }
        assert_eq!(product_id("gom-bat-trang"), product_id("gom-bat-trang"));
        assert_ne!(product_id("gom-bat-trang"), product_id("gom-phuoc-tich"));
    }

    #[test]
    fn every_actor_acts_in_a_role_and_scope_the_product_allows() {
        // The domain checks scopes; here: nobody uses a national role where a provincial
        // one would do, and every provincial actor acts in the product's own province.
        for p in plan(today()).unwrap() {
            for step in &p.steps {
                match step.actor.role {
                    Role::System => assert!(step.timer.is_some(), "{}", p.slug),
                    Role::Admin => assert!(
                        matches!(step.body, CommandBody::ImportLegacyRecognition(_)),
                        "{}",
                        p.slug
                    ),
                    Role::CentralSecretary => {}
                    _ => assert_eq!(
                        step.actor.scope.province().map(|c| c.as_str()),
                        Some(p.province),
                        "{}",
                        p.slug
                    ),
                }
            }
        }
    }

    #[test]
    fn the_history_must_be_before_today() {
        assert!(matches!(
            plan(d("2026-01-01")),
            Err(DemoError::TodayTooEarly { .. })
        ));
    }

    #[test]
    fn the_legacy_csv_has_the_contract_header_and_one_line_per_row() {
        let csv = legacy_csv();
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(
            lines[0],
            "province,district,commune,local_code,product_name,producer_name,producer_kind,\
             product_group,stars,score,decision_no,decided_on,authority,valid_until"
        );
        assert_eq!(lines.len(), LEGACY_ROWS.len() + 1);
        for planted in planted_inconsistencies() {
            let line = lines[planted.line as usize - 1];
            assert!(line.contains(planted.product_name), "{line}");
        }
        assert_eq!(planted_inconsistencies().len(), 7);
    }

    #[test]
    fn parts_stay_within_each_versions_maxima() {
        for version in rules::RuleBook::standard().versions() {
            for total in 30..=100 {
                let (a, b, c) = parts(total, version.part_max);
                assert_eq!(a + b + c, total);
                assert!(a <= version.part_max.a && b <= version.part_max.b);
                assert!(c <= version.part_max.c);
            }
        }
    }
}

//! Fixtures of the audit tests: a fresh store per test, products driven through the domain
//! up to a point, and events appended behind the domain's back (straight to the store) to
//! plant exactly one defect.

use ocop_domain::commands::{
    ConcludeScoring, ConveneCouncil, DecideRecognition, OpenEvaluation, RecordLocalAssessment,
    RecordScorecard, RegisterProduct,
};
use ocop_domain::events::{
    CountedCard, Document, EventBody, Producer, ProducerKind, ProductGroup, Quorum,
    RecognitionDecided, RoundKind, ScoringConcluded, ScoringOutcome,
};
use ocop_domain::rules::{Level, RuleBook};
use ocop_domain::score::{Mean, spread};
use ocop_domain::state::ProductState;
use ocop_domain::{Actor, Command, CommandBody, CommandMeta, Event, Role, Scope, Sha256Hex};
use ocop_eventstore::{AppendRequest, ExpectedVersion};
use ocop_projections::audit::{self, ProductAudit};
use ocop_projections::command::codec;
use ocop_projections::command::service::{CommandService, ExecuteOptions};
use ocop_projections::read::query::ReadModels;
use ocop_projections::{Backend, ProjectionRunner, RunnerOptions};
use uuid::Uuid;

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Sqlite,
    Postgres,
}

/// A fresh store and read-model database.
pub struct Fx {
    pub kind: Kind,
    pub url: String,
    pub backend: Backend,
}

impl Fx {
    pub async fn new(kind: Kind) -> Self {
        let url = match kind {
            Kind::Sqlite => ocop_tests::fresh_sqlite_url().await,
            Kind::Postgres => ocop_tests::fresh_postgres_url().await,
        };
        let backend = ocop_projections::open(&url).await.expect("open the store");
        Fx { kind, url, backend }
    }

    pub async fn close(self) {
        let url = self.url.clone();
        drop(self);
        ocop_tests::drop_database(&url).await;
    }

    pub fn service(&self) -> CommandService {
        CommandService::new(self.backend.store.clone())
    }

    pub fn reads(&self) -> ReadModels {
        ReadModels::with_store(self.backend.db.clone(), self.backend.store.clone())
    }

    /// Brings the read models up to the head of the log.
    pub async fn catch_up(&self) {
        let runner = ProjectionRunner::new(
            self.backend.store.clone(),
            self.backend.db.clone(),
            RunnerOptions::default(),
        )
        .await
        .expect("start the runner");
        runner.catch_up().await.expect("catch up");
    }

    /// The audit of one product, after catching up.
    pub async fn audit(&self, product_id: Uuid) -> ProductAudit {
        self.catch_up().await;
        audit::audit_product(&self.reads(), product_id)
            .await
            .expect("audit")
    }

    /// Executes one command through the domain; it must be accepted.
    pub async fn run(&self, product_id: Uuid, actor: &Actor, body: CommandBody) {
        let what = format!("{body:?}");
        let command = Command::new(
            CommandMeta::new(
                actor.clone(),
                chrono::Utc::now(),
                product_id,
                vec![Uuid::now_v7()],
            ),
            body,
        );
        self.service()
            .execute(
                command,
                ExecuteOptions::new(Uuid::now_v7(), format!("{:064x}", Uuid::now_v7().as_u128())),
            )
            .await
            .expect("infrastructure")
            .unwrap_or_else(|e| panic!("refused: {e}: {what}"));
    }

    /// Appends one hand-built event straight to the store, bypassing `decide`.
    pub async fn plant(&self, product_id: Uuid, actor: &Actor, body: EventBody) -> i64 {
        let store = &self.backend.store;
        let version = store.stream_version(product_id).await.unwrap();
        let event = Event {
            event_id: Uuid::now_v7(),
            actor: actor.clone(),
            body,
        };
        let outcome = store
            .append(AppendRequest {
                stream_id: product_id,
                expected: if version == 0 {
                    ExpectedVersion::NoStream
                } else {
                    ExpectedVersion::Exact(version)
                },
                command_id: Uuid::now_v7(),
                request_hash: format!("{:064x}", Uuid::now_v7().as_u128()),
                correlation_id: None,
                causation_id: None,
                events: vec![codec::to_new_event(&event).unwrap()],
            })
            .await
            .expect("append");
        outcome.last_position
    }

    /// The product's state folded from its stream.
    pub async fn state(&self, product_id: Uuid) -> ProductState {
        self.service().load(product_id).await.unwrap().state
    }
}

/// The codes of an audit, sorted and without repeats.
pub fn codes(audit: &ProductAudit) -> Vec<&'static str> {
    let mut c: Vec<&'static str> = audit.findings.iter().map(|f| f.code.as_str()).collect();
    c.sort_unstable();
    c.dedup();
    c
}

pub use ocop_testkit::{d, members};

pub const PROVINCE: &str = "68";
pub const COMMUNE: &str = "24730";
pub const DISTRICT: &str = "672";
pub const AUTHORITY: &str = "UBND tỉnh Lâm Đồng";

pub fn officer() -> Actor {
    Actor::new(
        "can.bo.xa",
        Role::CommuneOfficer,
        Scope::parse(&format!("province:{PROVINCE}/commune:{COMMUNE}")).unwrap(),
    )
}

pub fn district_secretary() -> Actor {
    Actor::new(
        "thu.ky.huyen",
        Role::DistrictSecretary,
        Scope::parse(&format!("province:{PROVINCE}/district:{DISTRICT}")).unwrap(),
    )
}

pub fn secretary() -> Actor {
    Actor::new(
        "thu.ky.tinh",
        Role::ProvincialSecretary,
        Scope::parse(&format!("province:{PROVINCE}")).unwrap(),
    )
}

pub fn central() -> Actor {
    Actor::new("thu.ky.tw", Role::CentralSecretary, Scope::National)
}

/// Registers a product (with a district when `district`) in the test commune.
pub async fn register(fx: &Fx, product_id: Uuid, registered_on: &str, district: bool) {
    fx.run(
        product_id,
        &officer(),
        CommandBody::RegisterProduct(RegisterProduct {
            name: "Mật ong hoa cà phê".into(),
            producer: Producer {
                name: "HTX Nông nghiệp Đắk Song".into(),
                kind: ProducerKind::Cooperative,
                tax_code: None,
            },
            product_group: ProductGroup::Food,
            product_set: "Mật ong".into(),
            province: PROVINCE.parse().unwrap(),
            commune: Some(COMMUNE.parse().unwrap()),
            district: district.then(|| DISTRICT.parse().unwrap()),
            local_code: None,
            registered_on: d(registered_on),
        }),
    )
    .await;
}

/// Opens a round on `opened_on` (as the commune officer).
pub async fn open(fx: &Fx, product_id: Uuid, kind: RoundKind, opened_on: &str) {
    fx.run(
        product_id,
        &officer(),
        CommandBody::OpenEvaluation(OpenEvaluation {
            kind,
            opened_on: d(opened_on),
            documents: vec![Document {
                kind: "registration_form".into(),
                title: "Phiếu đăng ký".into(),
                sha256: Sha256Hex::parse(&"ab".repeat(32)).unwrap(),
                size_bytes: 48_213,
            }],
            legal_basis: None,
        }),
    )
    .await;
}

/// The commune forwards the dossier.
pub async fn assess(fx: &Fx, product_id: Uuid, assessed_on: &str) {
    fx.run(
        product_id,
        &officer(),
        CommandBody::RecordLocalAssessment(RecordLocalAssessment {
            assessed_on: d(assessed_on),
            forward: true,
            local_origin: true,
            notes: Some("nguyên liệu tại địa phương".into()),
            report_ref: Some("12/TTr-UBND".into()),
        }),
    )
    .await;
}

/// Convenes a council of `n` members (chair m1) at `level` and records one card per total
/// (member i gets `totals[i-1]`, with the mandatory criteria in `failed[i-1]` if any).
#[allow(clippy::too_many_arguments)]
pub async fn council(
    fx: &Fx,
    product_id: Uuid,
    actor: &Actor,
    level: Level,
    n: usize,
    quorum: u32,
    totals: &[u32],
    failed: &[&[&str]],
    on: &str,
) {
    fx.run(
        product_id,
        actor,
        CommandBody::ConveneCouncil(ConveneCouncil {
            level,
            council_ref: "1234/QĐ-UBND".into(),
            convened_on: d(on),
            members: members(n),
            quorum: Quorum {
                min_present: quorum,
                chair_required: true,
            },
            spread_limit: Some(10),
        }),
    )
    .await;
    for (i, total) in totals.iter().enumerate() {
        card(
            fx,
            product_id,
            actor,
            i + 1,
            *total,
            failed.get(i).copied().unwrap_or(&[]),
            on,
        )
        .await;
    }
}

/// Records member `m`'s card with `total` points (split into parts within every version's
/// maxima).
pub async fn card(
    fx: &Fx,
    product_id: Uuid,
    actor: &Actor,
    m: usize,
    total: u32,
    failed: &[&str],
    on: &str,
) {
    let a = total.min(35);
    let b = (total - a).min(25);
    let c = total - a - b;
    fx.run(
        product_id,
        actor,
        CommandBody::RecordScorecard(RecordScorecard {
            member_id: format!("m{m}"),
            recorded_on: d(on),
            part_a: a,
            part_b: b,
            part_c: c,
            mandatory_failed: failed.iter().map(|s| (*s).to_owned()).collect(),
            criteria: Vec::new(),
        }),
    )
    .await;
}

pub async fn conclude(fx: &Fx, product_id: Uuid, actor: &Actor, on: &str) {
    fx.run(
        product_id,
        actor,
        CommandBody::ConcludeScoring(ConcludeScoring {
            concluded_on: d(on),
        }),
    )
    .await;
}

pub async fn decide(
    fx: &Fx,
    product_id: Uuid,
    actor: &Actor,
    stars: Option<u8>,
    decision_no: &str,
    authority: &str,
    on: &str,
) {
    fx.run(
        product_id,
        actor,
        CommandBody::DecideRecognition(DecideRecognition {
            decision_id: None,
            level: None,
            decided_on: d(on),
            recognized: stars.is_some(),
            stars,
            decision_no: Some(decision_no.to_owned()),
            authority: authority.to_owned(),
            certificate_no: None,
            reason: stars.is_none().then(|| "không đạt".to_owned()),
        }),
    )
    .await;
}

/// A product registered, opened under `qd1489-2025`, forwarded by the commune and scored by
/// a provincial council of 5 (quorum 4 with the chair) with `totals` — not concluded.
pub async fn scored_provincially(fx: &Fx, product_id: Uuid, totals: &[u32], failed: &[&[&str]]) {
    register(fx, product_id, "2025-08-01", false).await;
    open(fx, product_id, RoundKind::Initial, "2025-09-01").await;
    assess(fx, product_id, "2025-09-05").await;
    council(
        fx,
        product_id,
        &secretary(),
        Level::Provincial,
        5,
        4,
        totals,
        failed,
        "2025-09-15",
    )
    .await;
}

/// The province's 4★ decision of 2025-10-01 (156/QĐ-UBND) on the scoring concluded.
pub async fn provincial_4_stars(fx: &Fx, product_id: Uuid) {
    decide(
        fx,
        product_id,
        &secretary(),
        Some(4),
        "156/QĐ-UBND",
        AUTHORITY,
        "2025-10-01",
    )
    .await;
}

/// A product scored 90–94 by the province under `qd1489-2025` and recognised 4★ with the
/// potential-5★ flag on 2025-10-01 (156/QĐ-UBND): it awaits the central council.
pub async fn awaiting_the_central_council(fx: &Fx, product_id: Uuid) {
    scored_provincially(fx, product_id, &[92, 91, 93, 90, 94], &[]).await;
    conclude(fx, product_id, &secretary(), "2025-09-16").await;
    provincial_4_stars(fx, product_id).await;
}

/// The central council — `members` of them, `quorum` required — scores `totals` on
/// 2025-11-10 and the ministry awards 5★ on 2025-12-01 (2361/QĐ-BNNMT).
pub async fn five_stars_from_the_central_council(
    fx: &Fx,
    product_id: Uuid,
    members: usize,
    quorum: u32,
    totals: &[u32],
) {
    let ministry = central();
    council(
        fx,
        product_id,
        &ministry,
        Level::Central,
        members,
        quorum,
        totals,
        &[],
        "2025-11-10",
    )
    .await;
    conclude(fx, product_id, &ministry, "2025-11-11").await;
    decide(
        fx,
        product_id,
        &ministry,
        Some(5),
        "2361/QĐ-BNNMT",
        "Bộ Nông nghiệp và Môi trường",
        "2025-12-01",
    )
    .await;
}

/// A product with a district, registered and opened on `opened_on` (under a version with a
/// district level), scored by a district council of 5 (quorum 4 with the chair) with
/// `totals` on `scored_on`, concluded that day.
pub async fn concluded_by_a_district_council(
    fx: &Fx,
    product_id: Uuid,
    opened_on: &str,
    totals: &[u32],
    scored_on: &str,
) {
    register(fx, product_id, opened_on, true).await;
    open(fx, product_id, RoundKind::Initial, opened_on).await;
    let district = district_secretary();
    council(
        fx,
        product_id,
        &district,
        Level::District,
        5,
        4,
        totals,
        &[],
        scored_on,
    )
    .await;
    conclude(fx, product_id, &district, scored_on).await;
}

/// The honest conclusion of the council sitting now, as `decide` would write it.
pub fn honest_conclusion(state: &ProductState, concluded_on: &str) -> ScoringConcluded {
    let round = state.current_evaluation.as_ref().expect("an open round");
    let council = round.councils.last().expect("a council");
    let rv = RuleBook::standard().get(&round.rules_version).unwrap();
    let lr = rv.level(council.level).unwrap();
    let totals: Vec<u32> = council.scorecards.iter().map(|c| c.total).collect();
    let mean = Mean::of(&totals).unwrap();
    let outcome = rv.outcome(lr, &mean, true, None);
    ScoringConcluded {
        round: round.round,
        rules_version: round.rules_version.clone(),
        level: council.level,
        council_ref: council.council_ref.clone(),
        concluded_on: d(concluded_on),
        scorecards: council
            .scorecards
            .iter()
            .map(|c| CountedCard {
                member_id: c.member_id.clone(),
                scorecard_event_id: c.event_id,
                total: c.total,
            })
            .collect(),
        members_present: totals.len() as u32,
        chair_present: true,
        quorum: council.quorum,
        quorum_met: true,
        mean,
        mean_display: mean.display(),
        band_stars: rv.band(&mean),
        spread: spread(&totals),
        spread_limit: council.spread_limit,
        spread_within_limit: true,
        mandatory_failed: Vec::new(),
        mandatory_met: true,
        mandatory_blocks_from: None,
        outcome,
    }
}

/// The honest recognition of `stars` on the latest result, as `decide` would write it.
pub fn honest_recognition(state: &ProductState, stars: u8, decided_on: &str) -> RecognitionDecided {
    let round = state.current_evaluation.as_ref().expect("an open round");
    let result = round.results.last().expect("a concluded result");
    let potential = matches!(
        result.outcome,
        ScoringOutcome::Award { stars: s, potential_five_star: true } if s == stars
    );
    RecognitionDecided {
        decision_id: None,
        round: round.round,
        rules_version: round.rules_version.clone(),
        level: result.level,
        stars,
        potential_five_star: potential,
        mean: result.mean.clone(),
        authority: AUTHORITY.to_owned(),
        decision_no: "156/QĐ-UBND".to_owned(),
        decided_on: d(decided_on),
        certificate_no: None,
        valid_until: ocop_domain::validity::valid_until(d(decided_on)),
    }
}

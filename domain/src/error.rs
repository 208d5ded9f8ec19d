//! Rejections: every variant is named after the rule broken and carries its facts.
//!
//! [`DomainError::code`] is a stable snake_case rule code; [`DomainError::facts`] gives
//! the facts as JSON (`{"rule": code, …}`) for the API's `violations` list. The API maps
//! [`DomainError::Forbidden`] to 403, [`DomainError::NotRegistered`] to 404 and every
//! other variant to 422 `rule_violation`.

use chrono::NaiveDate;
use serde::Serialize;
use uuid::Uuid;

use crate::actor::{Role, Scope};
use crate::rules::{Level, RulesVersionId};
use crate::state::{Stage, Status};

/// `at most N stars`, or `no recognition` for 0, in an error's words.
fn allowed_stars(allowed: u8) -> String {
    match allowed {
        0 => "no recognition".to_owned(),
        1 => "at most 1 star".to_owned(),
        n => format!("at most {n} stars"),
    }
}

/// A command the domain rejects; nothing is recorded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum DomainError {
    /// The actor's role or scope does not allow the command.
    #[error("{role} in scope {scope} may not {reason}")]
    Forbidden {
        /// The actor's role.
        role: Role,
        /// The actor's scope.
        scope: Scope,
        /// What was refused and where, e.g. `record a scorecard: the product is in province 68`.
        reason: String,
    },
    /// No such product.
    #[error("no such product")]
    NotRegistered,
    /// The stream already holds a product.
    #[error("product {product_id} is already registered")]
    AlreadyRegistered {
        /// The product.
        product_id: Uuid,
    },
    /// The command names another product than the stream's.
    #[error("command for product {given} applied to product {expected}")]
    WrongProduct {
        /// The stream's product.
        expected: Uuid,
        /// The command's product.
        given: Uuid,
    },
    /// The product's status does not allow the command.
    #[error("cannot {command} while the product is {status}: {expected}")]
    WrongState {
        /// The command.
        command: String,
        /// Current status.
        status: Status,
        /// What would allow it.
        expected: String,
    },
    /// No round is open.
    #[error("cannot {command}: no evaluation round is open")]
    NoOpenRound {
        /// The command.
        command: String,
    },
    /// A round is already open.
    #[error("evaluation round {round} is still open")]
    RoundAlreadyOpen {
        /// The open round.
        round: u32,
    },
    /// The round's stage does not allow the command.
    #[error("cannot {command} at stage {stage} of round {round} at the {level} level: {expected}")]
    WrongStage {
        /// The command.
        command: String,
        /// Round.
        round: u32,
        /// Current level.
        level: Level,
        /// Current stage.
        stage: Stage,
        /// What would allow it.
        expected: String,
    },
    /// Reopening a revoked product needs a stated legal basis.
    #[error("a revoked product may only be evaluated again with a stated legal basis")]
    LegalBasisRequired,
    /// Upgrading a 5★ product.
    #[error("a {stars}-star product cannot be upgraded")]
    NothingToUpgrade {
        /// Current stars.
        stars: u8,
    },
    /// No rule version covers the date.
    #[error("no rules in force on {date}")]
    NoRulesInForce {
        /// The date.
        date: NaiveDate,
    },
    /// A round's rule version is not in the rule book.
    #[error("unknown rules version {rules_version}")]
    UnknownRulesVersion {
        /// The id.
        rules_version: RulesVersionId,
    },
    /// A required field is empty or absent.
    #[error("{field} is required")]
    RequiredFieldMissing {
        /// The field.
        field: String,
    },
    /// A dossier without documents.
    #[error("a dossier needs at least one document")]
    EmptyDossier,
    /// A date earlier than a step it follows.
    #[error("{field} {date} is before the {step} of {step_date}")]
    DateBeforeEarlierStep {
        /// The command's date field.
        field: String,
        /// Its value.
        date: NaiveDate,
        /// The earlier step.
        step: String,
        /// Its date.
        step_date: NaiveDate,
    },
    /// A business date later than the day the command is issued in Vietnam (rule 9: no
    /// fact is recorded before it happened).
    #[error(
        "{field} {date} is later than today in Vietnam ({today}): no fact is recorded before it happened"
    )]
    DateInFuture {
        /// The command's date field.
        field: String,
        /// Its value.
        date: NaiveDate,
        /// The day the command was issued, in Vietnam (UTC+7).
        today: NaiveDate,
    },
    /// A decision dated before its scoring was concluded.
    #[error("decision dated {decided_on} is before the scoring concluded on {concluded_on}")]
    DecisionBeforeScoring {
        /// Decision date.
        decided_on: NaiveDate,
        /// Conclusion date.
        concluded_on: NaiveDate,
    },
    /// A round that starts at a district council, for a product recorded without a
    /// district: no district council could take it up.
    #[error(
        "rounds under {rules_version} start at a district council, but the product was registered without a district code"
    )]
    DistrictRequired {
        /// The version in force on the opening date.
        rules_version: RulesVersionId,
    },
    /// The round's rule version has no such level.
    #[error("rules version {rules_version} has no {level} level")]
    LevelNotInRulesVersion {
        /// The level.
        level: Level,
        /// The version.
        rules_version: RulesVersionId,
    },
    /// A council at a level the round has not reached (or has left).
    #[error("a {level} council cannot sit now: the round is at the {expected_level} level")]
    CouncilOutOfTurn {
        /// Requested level.
        level: Level,
        /// The round's level.
        expected_level: Level,
    },
    /// A decision document at one level names a product whose round awaits another
    /// level's decision.
    #[error(
        "a {level} decision cannot decide this product: its round is at the {round_level} level"
    )]
    DecisionAtOtherLevel {
        /// The document's level.
        level: Level,
        /// The level the round is at.
        round_level: Level,
    },
    /// Two members with one id.
    #[error("member {member_id} is listed twice")]
    DuplicateMember {
        /// The id.
        member_id: String,
    },
    /// The quorum needs a chair and the council has none.
    #[error("the quorum requires the chair but the council has no chair")]
    NoChairInCouncil,
    /// The quorum cannot be reached with the members listed.
    #[error("a quorum of {min_present} cannot be reached with {members} members")]
    QuorumUnreachable {
        /// Quorum.
        min_present: u32,
        /// Members.
        members: u32,
    },
    /// A card from someone not on the council.
    #[error("{member_id} is not a member of the {level} council")]
    UnknownMember {
        /// The id.
        member_id: String,
        /// The council's level.
        level: Level,
    },
    /// A part scored above its maximum.
    #[error("part {part} has {points} points, above the maximum of {max} under {rules_version}")]
    PartAboveMaximum {
        /// `a`, `b` or `c`.
        part: String,
        /// Points given.
        points: u32,
        /// Maximum.
        max: u32,
        /// The round's version.
        rules_version: RulesVersionId,
    },
    /// Too few cards to conclude.
    #[error("{present} members present, the quorum is {required}")]
    QuorumNotMet {
        /// Cards recorded.
        present: u32,
        /// Quorum.
        required: u32,
    },
    /// The quorum needs the chair's card.
    #[error("the quorum requires the chair's scorecard")]
    ChairAbsent,
    /// The last conclusion asked for re-scoring.
    #[error(
        "members' totals differ by {spread} points, over the limit of {spread_limit}: re-score first"
    )]
    RescoreRequired {
        /// Spread.
        spread: u32,
        /// Limit.
        spread_limit: u32,
    },
    /// Stars outside 3–5.
    #[error("{stars} stars cannot be recognised: only 3, 4 or 5")]
    StarsOutOfRange {
        /// Stars.
        stars: u8,
    },
    /// The level may not award these stars under the round's version.
    #[error("the {level} level cannot award {stars} stars under {rules_version}")]
    LevelCannotAward {
        /// Level.
        level: Level,
        /// Stars.
        stars: u8,
        /// Version.
        rules_version: RulesVersionId,
    },
    /// Stars above what the concluded mean allows.
    #[error(
        "{stars} stars exceed the band of the concluded mean {mean}, which allows {}",
        allowed_stars(*allowed)
    )]
    StarsAboveBand {
        /// Stars.
        stars: u8,
        /// Concluded mean, two decimals.
        mean: String,
        /// The most stars the mean (and the level) allows; 0 for none.
        allowed: u8,
    },
    /// A mandatory criterion failed at this level.
    #[error("mandatory criteria failed: {}", criteria.join(", "))]
    MandatoryCriterionFailed {
        /// The criteria.
        criteria: Vec<String>,
    },
    /// A refusal where the council's result is an award.
    #[error("the council's mean {mean} earns {stars} stars: a refusal contradicts the scoring")]
    RefusalContradictsScoring {
        /// Mean.
        mean: String,
        /// Stars of the outcome.
        stars: u8,
    },
    /// No current recognition.
    #[error("the product holds no recognition")]
    NoRecognition,
    /// A revocation ground whose facts are not on record (rule 10): `not_re_evaluated`
    /// before the recognition's validity ended, `failed_mandatory_criteria` without a round
    /// that failed one.
    #[error("the ground {ground:?} is not met: {detail}")]
    RevocationGroundNotMet {
        /// The ground.
        ground: crate::events::RevocationGround,
        /// What the record shows instead.
        detail: String,
    },
    /// A revocation signed by another authority than the recognising one (rule 7).
    #[error(
        "the recognition was decided by {recognised_by}; only that authority (or the ministry) revokes it, not {authority}"
    )]
    RevokedByOtherAuthority {
        /// The revocation's authority.
        authority: String,
        /// The recognition's.
        recognised_by: String,
    },
    /// The notice is not due yet.
    #[error("the expiry notice is due on {due_on}, not {today}")]
    NoticeNotDue {
        /// Due date.
        due_on: NaiveDate,
        /// Today.
        today: NaiveDate,
    },
    /// The notice was already issued for this recognition.
    #[error("the expiry notice was already issued on {issued_on}")]
    NoticeAlreadyIssued {
        /// When.
        issued_on: NaiveDate,
    },
    /// The recognition is still valid.
    #[error("the recognition expires on {expires_on}, not {today}")]
    ExpiryNotDue {
        /// First expired day.
        expires_on: NaiveDate,
        /// Today.
        today: NaiveDate,
    },
    /// An inspection names an unknown complaint.
    #[error("no complaint {complaint_id} on this product")]
    UnknownComplaint {
        /// The id.
        complaint_id: Uuid,
    },
    /// A correction names an unknown event.
    #[error("no event {event_id} on this product")]
    UnknownEvent {
        /// The id.
        event_id: Uuid,
    },
    /// The field cannot be corrected clerically.
    #[error("field {field} of {event_type} cannot be corrected")]
    FieldNotCorrectable {
        /// Event type.
        event_type: String,
        /// Field.
        field: String,
    },
    /// A correction that changes nothing.
    #[error("{field} already has that value")]
    CorrectionUnchanged {
        /// Field.
        field: String,
    },
    /// A legacy score that is not a decimal from 0 to 100 with at most two places.
    #[error("invalid score {value:?}: expected a decimal from 0 to 100 with at most two places")]
    InvalidScore {
        /// The value.
        value: String,
    },
    /// Neither commune nor district given.
    #[error("a product needs a commune or a district")]
    LocationMissing,
    /// Fewer fresh ids than events.
    #[error("{needed} new event ids needed, {given} given")]
    IdsExhausted {
        /// Needed.
        needed: usize,
        /// Given.
        given: usize,
    },
}

impl DomainError {
    /// The stable snake_case code of the rule broken.
    pub fn code(&self) -> &'static str {
        match self {
            DomainError::Forbidden { .. } => "forbidden",
            DomainError::NotRegistered => "not_registered",
            DomainError::AlreadyRegistered { .. } => "already_registered",
            DomainError::WrongProduct { .. } => "wrong_product",
            DomainError::WrongState { .. } => "wrong_state",
            DomainError::NoOpenRound { .. } => "no_open_round",
            DomainError::RoundAlreadyOpen { .. } => "round_already_open",
            DomainError::WrongStage { .. } => "wrong_stage",
            DomainError::LegalBasisRequired => "legal_basis_required",
            DomainError::NothingToUpgrade { .. } => "nothing_to_upgrade",
            DomainError::NoRulesInForce { .. } => "no_rules_in_force",
            DomainError::UnknownRulesVersion { .. } => "unknown_rules_version",
            DomainError::RequiredFieldMissing { .. } => "required_field_missing",
            DomainError::EmptyDossier => "empty_dossier",
            DomainError::DateBeforeEarlierStep { .. } => "date_before_earlier_step",
            DomainError::DateInFuture { .. } => "date_in_future",
            DomainError::DecisionBeforeScoring { .. } => "decision_before_scoring",
            DomainError::DistrictRequired { .. } => "district_required",
            DomainError::LevelNotInRulesVersion { .. } => "level_not_in_rules_version",
            DomainError::CouncilOutOfTurn { .. } => "council_out_of_turn",
            DomainError::DecisionAtOtherLevel { .. } => "decision_at_other_level",
            DomainError::DuplicateMember { .. } => "duplicate_member",
            DomainError::NoChairInCouncil => "no_chair_in_council",
            DomainError::QuorumUnreachable { .. } => "quorum_unreachable",
            DomainError::UnknownMember { .. } => "unknown_member",
            DomainError::PartAboveMaximum { .. } => "part_above_maximum",
            DomainError::QuorumNotMet { .. } => "quorum_not_met",
            DomainError::ChairAbsent => "chair_absent",
            DomainError::RescoreRequired { .. } => "rescore_required",
            DomainError::StarsOutOfRange { .. } => "stars_out_of_range",
            DomainError::LevelCannotAward { .. } => "level_cannot_award",
            DomainError::StarsAboveBand { .. } => "stars_above_band",
            DomainError::MandatoryCriterionFailed { .. } => "mandatory_criterion_failed",
            DomainError::RefusalContradictsScoring { .. } => "refusal_contradicts_scoring",
            DomainError::NoRecognition => "no_recognition",
            DomainError::RevocationGroundNotMet { .. } => "revocation_ground_not_met",
            DomainError::RevokedByOtherAuthority { .. } => "revoked_by_other_authority",
            DomainError::NoticeNotDue { .. } => "notice_not_due",
            DomainError::NoticeAlreadyIssued { .. } => "notice_already_issued",
            DomainError::ExpiryNotDue { .. } => "expiry_not_due",
            DomainError::UnknownComplaint { .. } => "unknown_complaint",
            DomainError::UnknownEvent { .. } => "unknown_event",
            DomainError::FieldNotCorrectable { .. } => "field_not_correctable",
            DomainError::CorrectionUnchanged { .. } => "correction_unchanged",
            DomainError::InvalidScore { .. } => "invalid_score",
            DomainError::LocationMissing => "location_missing",
            DomainError::IdsExhausted { .. } => "ids_exhausted",
        }
    }

    /// The facts as JSON: `{"rule": code, …fields}`.
    pub fn facts(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_else(|_| serde_json::json!({ "rule": self.code() }))
    }

    /// Whether the API should answer 403.
    pub fn is_forbidden(&self) -> bool {
        matches!(self, DomainError::Forbidden { .. })
    }

    /// Whether the API should answer 404.
    pub fn is_not_found(&self) -> bool {
        matches!(self, DomainError::NotRegistered)
    }

    pub(crate) fn required(field: &str) -> DomainError {
        DomainError::RequiredFieldMissing {
            field: field.to_owned(),
        }
    }
}

/// A date as Vietnamese offices write it, `dd/mm/yyyy`.
fn ngay(d: &NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

/// The level's name in Vietnamese, e.g. `cấp tỉnh`.
fn cap(level: &Level) -> &'static str {
    match level {
        Level::Commune => "cấp xã",
        Level::District => "cấp huyện",
        Level::Provincial => "cấp tỉnh",
        Level::Central => "cấp trung ương",
    }
}

/// The status's name in Vietnamese (as the web interface shows it).
fn tinh_trang(status: &Status) -> &'static str {
    match status {
        Status::Unregistered => "chưa được đăng ký",
        Status::Registered => "đã đăng ký",
        Status::InEvaluation => "đang đánh giá",
        Status::Recognized => "đang được công nhận",
        Status::NotRecognized => "không được công nhận",
        Status::Expired => "hết hiệu lực",
        Status::Revoked => "đã bị thu hồi",
        Status::Withdrawn => "đã rút khỏi chương trình",
    }
}

/// The stage's name in Vietnamese.
fn giai_doan(stage: &Stage) -> &'static str {
    match stage {
        Stage::Dossier => "chờ xem xét hồ sơ",
        Stage::Returned => "hồ sơ bị trả lại để bổ sung",
        Stage::Council => "hội đồng đang chấm điểm",
        Stage::AwaitingDecision => "đã tổng hợp điểm, chờ quyết định",
        Stage::AwaitingCouncil => "chờ hội đồng cấp trên",
        Stage::Closed => "vòng đánh giá đã kết thúc",
    }
}

impl DomainError {
    /// What was refused and what to do, in Vietnamese: the one table of messages the API
    /// answers with `Accept-Language: vi` and the web interface shows. Field names and
    /// codes stay as the API spells them.
    pub fn message_vi(&self) -> String {
        use DomainError as E;
        match self {
            E::Forbidden { role, scope, .. } => format!(
                "Vai trò {} trong phạm vi {scope} không có quyền thực hiện thao tác này đối với sản phẩm này.",
                role.as_str()
            ),
            E::NotRegistered => "Không có sản phẩm này.".to_owned(),
            E::AlreadyRegistered { product_id } => {
                format!("Sản phẩm {product_id} đã được đăng ký.")
            }
            E::WrongProduct { .. } => "Lệnh không thuộc về sản phẩm này.".to_owned(),
            E::WrongState { status, .. } => {
                format!("Không thể thực hiện khi sản phẩm {}.", tinh_trang(status))
            }
            E::NoOpenRound { .. } => {
                "Sản phẩm không có vòng đánh giá nào đang mở: hãy mở vòng đánh giá trước."
                    .to_owned()
            }
            E::RoundAlreadyOpen { round } => {
                format!(
                    "Vòng đánh giá {round} vẫn đang mở: kết thúc vòng này trước khi mở vòng mới."
                )
            }
            E::WrongStage {
                round,
                level,
                stage,
                ..
            } => format!(
                "Không thể thực hiện ở bước này: vòng {round}, {}, {}.",
                cap(level),
                giai_doan(stage)
            ),
            E::LegalBasisRequired => {
                "Sản phẩm đã bị thu hồi chỉ được đánh giá lại khi nêu căn cứ pháp lý (legal_basis)."
                    .to_owned()
            }
            E::NothingToUpgrade { stars } => {
                format!("Sản phẩm {stars} sao không thể nâng hạng thêm.")
            }
            E::NoRulesInForce { date } => {
                format!(
                    "Không có quy định OCOP nào có hiệu lực vào ngày {}.",
                    ngay(date)
                )
            }
            E::UnknownRulesVersion { rules_version } => {
                format!("Không có phiên bản quy định {rules_version}.")
            }
            E::RequiredFieldMissing { field } => format!("Thiếu thông tin bắt buộc: {field}."),
            E::EmptyDossier => "Hồ sơ cần có ít nhất một tài liệu.".to_owned(),
            E::DateBeforeEarlierStep {
                field,
                date,
                step_date,
                ..
            } => format!(
                "{field} ({}) sớm hơn bước trước đó ({}): ngày phải từ {} trở đi.",
                ngay(date),
                ngay(step_date),
                ngay(step_date)
            ),
            E::DateInFuture { field, date, today } => format!(
                "{field} ({}) là ngày trong tương lai: hôm nay là {} (giờ Việt Nam); không ghi nhận việc chưa xảy ra.",
                ngay(date),
                ngay(today)
            ),
            E::DecisionBeforeScoring {
                decided_on,
                concluded_on,
            } => format!(
                "Ngày quyết định ({}) sớm hơn ngày tổng hợp kết quả chấm điểm ({}).",
                ngay(decided_on),
                ngay(concluded_on)
            ),
            E::DistrictRequired { rules_version } => format!(
                "Theo {rules_version}, vòng đánh giá bắt đầu ở hội đồng cấp huyện, nhưng sản phẩm được đăng ký không có mã huyện."
            ),
            E::LevelNotInRulesVersion {
                level,
                rules_version,
            } => {
                format!(
                    "Phiên bản quy định {rules_version} không có {}.",
                    cap(level)
                )
            }
            E::CouncilOutOfTurn {
                level,
                expected_level,
            } => format!(
                "Chưa đến lượt hội đồng {}: vòng đánh giá đang ở {}.",
                cap(level),
                cap(expected_level)
            ),
            E::DecisionAtOtherLevel { level, round_level } => format!(
                "Quyết định {} không áp dụng được: vòng đánh giá đang ở {}.",
                cap(level),
                cap(round_level)
            ),
            E::DuplicateMember { member_id } => {
                format!("Thành viên {member_id} có tên hai lần trong hội đồng.")
            }
            E::NoChairInCouncil => {
                "Điều kiện họp đòi hỏi có chủ tịch hội đồng, nhưng hội đồng không có chủ tịch."
                    .to_owned()
            }
            E::QuorumUnreachable {
                min_present,
                members,
            } => format!(
                "Hội đồng {members} thành viên không thể đạt số thành viên tối thiểu {min_present}."
            ),
            E::UnknownMember { member_id, level } => {
                format!("{member_id} không phải thành viên hội đồng {}.", cap(level))
            }
            E::PartAboveMaximum {
                part,
                points,
                max,
                rules_version,
            } => format!(
                "Phần {part} được {points} điểm, vượt mức tối đa {max} điểm theo {rules_version}."
            ),
            E::QuorumNotMet { present, required } => format!(
                "Mới có {present} thành viên chấm điểm, cần ít nhất {required}: chưa đủ điều kiện tổng hợp."
            ),
            E::ChairAbsent => "Cần phiếu chấm điểm của chủ tịch hội đồng.".to_owned(),
            E::RescoreRequired {
                spread,
                spread_limit,
            } => format!(
                "Điểm của các thành viên chênh nhau {spread} điểm, vượt mức cho phép {spread_limit}: cần chấm lại trước."
            ),
            E::StarsOutOfRange { stars } => {
                format!("Không thể công nhận {stars} sao: chỉ công nhận 3, 4 hoặc 5 sao.")
            }
            E::LevelCannotAward {
                level,
                stars,
                rules_version,
            } => format!(
                "Theo {rules_version}, {} không được công nhận {stars} sao.",
                cap(level)
            ),
            E::StarsAboveBand {
                stars,
                mean,
                allowed,
            } => match allowed {
                0..=2 => format!(
                    "{stars} sao vượt quá kết quả chấm điểm: điểm trung bình {mean} không đủ để công nhận."
                ),
                n => format!(
                    "{stars} sao vượt quá kết quả chấm điểm: điểm trung bình {mean} chỉ cho phép tối đa {n} sao."
                ),
            },
            E::MandatoryCriterionFailed { criteria } => {
                format!("Không đạt tiêu chí bắt buộc: {}.", criteria.join(", "))
            }
            E::RefusalContradictsScoring { mean, stars } => format!(
                "Điểm trung bình {mean} của hội đồng đạt {stars} sao: quyết định không công nhận trái với kết quả chấm điểm."
            ),
            E::NoRecognition => {
                "Sản phẩm không có quyết định công nhận nào còn hiệu lực.".to_owned()
            }
            E::RevocationGroundNotMet { ground, .. } => format!(
                "Căn cứ thu hồi {} chưa thỏa mãn.",
                serde_json::to_value(ground)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default()
            ),
            E::RevokedByOtherAuthority {
                authority,
                recognised_by,
            } => format!(
                "Quyết định công nhận do {recognised_by} ban hành; chỉ cơ quan đó (hoặc Bộ) được thu hồi, không phải {authority}."
            ),
            E::NoticeNotDue { due_on, today } => format!(
                "Chưa đến hạn thông báo hết hạn: hạn là {}, hôm nay là {}.",
                ngay(due_on),
                ngay(today)
            ),
            E::NoticeAlreadyIssued { issued_on } => {
                format!("Thông báo hết hạn đã được gửi ngày {}.", ngay(issued_on))
            }
            E::ExpiryNotDue { expires_on, today } => format!(
                "Quyết định công nhận hết hiệu lực vào ngày {}, chưa phải hôm nay ({}).",
                ngay(expires_on),
                ngay(today)
            ),
            E::UnknownComplaint { complaint_id } => {
                format!("Sản phẩm không có phản ánh {complaint_id}.")
            }
            E::UnknownEvent { event_id } => format!("Sản phẩm không có bản ghi {event_id}."),
            E::FieldNotCorrectable { event_type, field } => {
                format!("Không được đính chính trường {field} của {event_type}.")
            }
            E::CorrectionUnchanged { field } => format!("{field} đã có giá trị này."),
            E::InvalidScore { value } => format!(
                "Điểm {value:?} không hợp lệ: nhập số thập phân từ 0 đến 100, tối đa hai chữ số sau dấu phẩy."
            ),
            E::LocationMissing => "Sản phẩm cần có mã xã hoặc mã huyện.".to_owned(),
            E::IdsExhausted { .. } => "Lỗi nội bộ: thiếu mã định danh cho bản ghi mới.".to_owned(),
        }
    }
}

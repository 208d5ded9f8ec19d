//! Realistic product lifecycles built from real domain commands, for tests, the benchmark
//! and demo data: registration, a commune assessment, a provincial council with its
//! scorecards, the decision, and then — depending on the product — complaints and
//! inspections, a revocation, a withdrawal, the expiry notice and expiry, a re-evaluation.
//!
//! Everything is deterministic from the product's number; dates are under `qd1489-2025`.

use chrono::{Days, Months, NaiveDate};
use ocop_domain::commands::{
    ConcludeScoring, ConveneCouncil, DecideRecognition, ExpireRecognition, IssueExpiryNotice,
    OpenEvaluation, RecordComplaint, RecordInspection, RecordLocalAssessment, RecordScorecard,
    RegisterProduct, RevokeRecognition, WithdrawProduct,
};
use ocop_domain::events::{
    ComplaintSource, Document, Producer, ProducerKind, ProductGroup, Quorum, RevocationGround,
    RoundKind,
};
use ocop_domain::rules::Level;
use ocop_domain::{Actor, Command, CommandBody, CommandMeta, ProvinceCode, Role, Sha256Hex};
use uuid::Uuid;

use crate::scope;

/// Product names, with and without `Mật ong` so searches have something to find.
const NAMES: &[&str] = &[
    "Mật ong hoa cà phê",
    "Cà phê Robusta rang xay",
    "Trà Shan tuyết cổ thụ",
    "Nước mắm truyền thống",
    "Gạo ST25 hữu cơ",
    "Hạt điều rang muối",
    "Tinh dầu quế",
    "Chả cá thu",
    "Rượu cần",
    "Bánh tráng phơi sương",
];
const PRODUCERS: &[&str] = &[
    "HTX Nông nghiệp Đắk Song",
    "Công ty TNHH Thực phẩm Sạch",
    "Hộ kinh doanh Nguyễn Văn Bình",
    "Tổ hợp tác Làng nghề Phước Tích",
];
const PROVINCES: &[&str] = &["01", "68", "79", "92", "31", "48", "66", "75"];
const GROUPS: &[ProductGroup] = &[
    ProductGroup::Food,
    ProductGroup::Drinks,
    ProductGroup::MedicinalHerbs,
    ProductGroup::Handicrafts,
];

/// How a sample product's life goes after its first decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Path {
    /// Recognised, nothing else.
    Recognized,
    /// Recognised, a complaint and an inspection.
    Supervised,
    /// Recognised, then revoked after a failed inspection.
    Revoked,
    /// Recognised, then the notice and the expiry by the timer.
    Expired,
    /// Recognised, then re-evaluated before expiry and recognised again.
    ReEvaluated,
    /// Not recognised (mean under 50).
    Refused,
    /// Recognised, then the producer withdraws.
    Withdrawn,
}

/// The path of product number `n`.
pub fn path_of(n: u64) -> Path {
    match n % 10 {
        0 | 1 => Path::Recognized,
        2 | 3 => Path::Supervised,
        4 => Path::Revoked,
        5 | 6 => Path::Expired,
        7 => Path::ReEvaluated,
        8 => Path::Refused,
        _ => Path::Withdrawn,
    }
}

/// A product's whole life as commands, in order; each is valid on the state the earlier
/// ones leave.
#[derive(Debug, Clone)]
pub struct Lifecycle {
    pub product_id: Uuid,
    pub path: Path,
    pub steps: Vec<(Actor, CommandBody)>,
}

/// Small deterministic mixing (SplitMix64).
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

fn doc(kind: &str, n: u64) -> Document {
    Document {
        kind: kind.to_owned(),
        title: format!("{kind} {n}"),
        sha256: Sha256Hex::parse(&format!("{:064x}", mix(n) as u128 * 31 + 7)).expect("hex"),
        size_bytes: 40_000 + mix(n) % 10_000,
    }
}

impl Lifecycle {
    /// The lifecycle of product number `n` with id `product_id`, following `path`.
    pub fn new(n: u64, product_id: Uuid, path: Path) -> Lifecycle {
        let r = mix(n);
        let province = PROVINCES[(r % PROVINCES.len() as u64) as usize];
        let commune = format!("{:05}", 10_000 + (r >> 8) % 20_000);
        let officer = Actor::new(
            format!("officer-{province}-{commune}"),
            Role::CommuneOfficer,
            scope(&format!("province:{province}/commune:{commune}")),
        );
        let secretary = Actor::new(
            format!("secretary-{province}"),
            Role::ProvincialSecretary,
            scope(&format!("province:{province}")),
        );
        let inspector = Actor::new(
            format!("inspector-{province}"),
            Role::Inspector,
            scope(&format!("province:{province}")),
        );
        let base = NaiveDate::from_ymd_opt(2025, 7, 10).expect("date");
        let registered_on = base + Days::new((r >> 16) % 300);
        let on = |days: u64| registered_on + Days::new(days);
        let name = NAMES[((r >> 24) % NAMES.len() as u64) as usize];
        let producer = PRODUCERS[((r >> 28) % PRODUCERS.len() as u64) as usize];
        let mut steps = vec![(
            officer.clone(),
            CommandBody::RegisterProduct(RegisterProduct {
                name: format!("{name} {n}"),
                producer: Producer {
                    name: format!("{producer} {}", n % 997),
                    kind: ProducerKind::Cooperative,
                    tax_code: None,
                },
                product_group: GROUPS[((r >> 32) % GROUPS.len() as u64) as usize],
                product_set: name.split(' ').take(2).collect::<Vec<_>>().join(" "),
                province: ProvinceCode::parse(province).expect("province"),
                commune: Some(commune.parse().expect("commune")),
                district: None,
                local_code: None,
                registered_on,
            }),
        )];
        let four = (r >> 36) % 3 == 0;
        let base_total = match path {
            Path::Refused => 38 + (r >> 40) % 6,
            _ if four => 75 + (r >> 40) % 10,
            _ => 55 + (r >> 40) % 10,
        } as u32;
        let members = 5 + ((r >> 44) % 3) as usize;
        let round = |kind: RoundKind, start: NaiveDate, round_no: u64| {
            let at = |d: u64| start + Days::new(d);
            let mut s = vec![
                (
                    officer.clone(),
                    CommandBody::OpenEvaluation(OpenEvaluation {
                        kind,
                        opened_on: at(0),
                        documents: vec![
                            doc("registration_form", n * 10 + round_no),
                            doc("business_plan", n * 10 + round_no + 5),
                        ],
                        legal_basis: None,
                    }),
                ),
                (
                    officer.clone(),
                    CommandBody::RecordLocalAssessment(RecordLocalAssessment {
                        assessed_on: at(5),
                        forward: true,
                        local_origin: true,
                        notes: Some("nguyên liệu tại địa phương".to_owned()),
                        report_ref: Some(format!("{}/TTr-UBND", n % 500 + 1)),
                    }),
                ),
                (
                    secretary.clone(),
                    CommandBody::ConveneCouncil(ConveneCouncil {
                        level: Level::Provincial,
                        council_ref: format!("{}/QĐ-UBND", 100 + n % 900),
                        convened_on: at(15),
                        members: crate::members(members),
                        quorum: Quorum {
                            min_present: members as u32 - 1,
                            chair_required: true,
                        },
                        spread_limit: Some(10),
                    }),
                ),
            ];
            let mut sum = 0;
            for i in 1..=members {
                let jitter = (mix(n * 31 + i as u64 + round_no * 7) % 7) as u32;
                let total = base_total + jitter - 3;
                sum += total;
                let a = total.min(40);
                let b = (total - a).min(25);
                let c = total - a - b;
                s.push((
                    secretary.clone(),
                    CommandBody::RecordScorecard(RecordScorecard {
                        member_id: format!("m{i}"),
                        recorded_on: at(15),
                        part_a: a,
                        part_b: b,
                        part_c: c,
                        mandatory_failed: Vec::new(),
                        criteria: Vec::new(),
                    }),
                ));
            }
            s.push((
                secretary.clone(),
                CommandBody::ConcludeScoring(ConcludeScoring {
                    concluded_on: at(16),
                }),
            ));
            // Band of the exact mean: compare sum against 50·n, 70·n.
            let m = members as u32;
            let stars = if sum >= 70 * m {
                Some(4)
            } else if sum >= 50 * m {
                Some(3)
            } else {
                None
            };
            s.push((
                secretary.clone(),
                CommandBody::DecideRecognition(DecideRecognition {
                    decision_id: None,
                    level: None,
                    decided_on: at(30),
                    recognized: stars.is_some(),
                    stars,
                    decision_no: stars.map(|_| format!("{}/QĐ-UBND", 1000 + n % 9000)),
                    authority: format!("UBND tỉnh {province}"),
                    certificate_no: stars.map(|_| format!("OCOP-{province}-{n:06}-{round_no}")),
                    reason: stars
                        .is_none()
                        .then(|| "điểm trung bình dưới 50".to_owned()),
                }),
            ));
            (s, at(30))
        };
        let (first, decided_on) = round(RoundKind::Initial, on(20), 1);
        steps.extend(first);
        let valid_until = ocop_domain::validity::valid_until(decided_on);
        match path {
            Path::Recognized | Path::Refused => {}
            Path::Supervised | Path::Revoked => {
                steps.push((
                    inspector.clone(),
                    CommandBody::RecordComplaint(RecordComplaint {
                        received_on: decided_on + Days::new(60),
                        source: ComplaintSource::Consumer,
                        summary: "Sản phẩm khác mẫu đã chứng nhận".to_owned(),
                    }),
                ));
                let compliant = path == Path::Supervised;
                steps.push((
                    inspector.clone(),
                    CommandBody::RecordInspection(RecordInspection {
                        inspected_on: decided_on + Days::new(75),
                        authority: format!("Chi cục QLCL tỉnh {province}"),
                        findings: if compliant {
                            "Đạt yêu cầu".to_owned()
                        } else {
                            "Vi phạm an toàn thực phẩm".to_owned()
                        },
                        compliant,
                        complaint_id: None,
                    }),
                ));
                if path == Path::Revoked {
                    steps.push((
                        secretary.clone(),
                        CommandBody::RevokeRecognition(RevokeRecognition {
                            decided_on: decided_on + Days::new(90),
                            decision_no: format!("{}/QĐ-UBND", 5000 + n % 4000),
                            authority: format!("UBND tỉnh {province}"),
                            grounds: vec![RevocationGround::FoodSafetyViolation],
                            details: "Kết quả kiểm tra không đạt".to_owned(),
                        }),
                    ));
                }
            }
            Path::Expired => {
                let notice = ocop_domain::validity::notice_on(valid_until);
                let expiry = ocop_domain::validity::expires_on(valid_until);
                steps.push((
                    Actor::system(),
                    CommandBody::IssueExpiryNotice(IssueExpiryNotice { today: notice }),
                ));
                steps.push((
                    Actor::system(),
                    CommandBody::ExpireRecognition(ExpireRecognition { today: expiry }),
                ));
            }
            Path::ReEvaluated => {
                let start = valid_until - Months::new(3);
                let (second, _) = round(RoundKind::ReEvaluation, start, 2);
                steps.extend(second);
            }
            Path::Withdrawn => {
                steps.push((
                    officer.clone(),
                    CommandBody::WithdrawProduct(WithdrawProduct {
                        withdrawn_on: decided_on + Days::new(200),
                        reason: "Ngừng sản xuất".to_owned(),
                    }),
                ));
            }
        }
        Lifecycle {
            product_id,
            path,
            steps,
        }
    }

    /// Step `i` as a command, with a fresh event id from `event_id`.
    pub fn command(&self, i: usize, event_id: Uuid) -> Command {
        let (actor, body) = &self.steps[i];
        Command::new(
            CommandMeta::new(
                actor.clone(),
                crate::issued_at_for(body),
                self.product_id,
                vec![event_id],
            ),
            body.clone(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_path_is_accepted_by_the_domain() {
        for n in 0..40 {
            let life = Lifecycle::new(n, Uuid::from_u128(u128::from(n) + 1), path_of(n));
            let mut state = ocop_domain::ProductState::default();
            for i in 0..life.steps.len() {
                let command = life.command(i, Uuid::from_u128(1_000_000 + i as u128));
                let events = ocop_domain::decide(&state, &command)
                    .unwrap_or_else(|e| panic!("product {n} {:?} step {i}: {e}", life.path));
                state = ocop_domain::fold_from(state, &events);
            }
            assert!(state.is_registered());
        }
    }
}

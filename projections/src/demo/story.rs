//! A product's story: the builder each province's stories are written with.

use super::*;

/// What a registration says.
pub(super) struct Registration {
    pub(super) name: &'static str,
    pub(super) producer: &'static str,
    pub(super) kind: ProducerKind,
    pub(super) tax_code: Option<&'static str>,
    pub(super) group: ProductGroup,
    pub(super) set: &'static str,
}

pub(super) fn reg(
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
pub(super) struct Story {
    pub(super) index: usize,
    pub(super) slug: &'static str,
    pub(super) product_id: Uuid,
    pub(super) place: Place,
    pub(super) name: String,
    pub(super) producer: String,
    pub(super) steps: Vec<DemoStep>,
    pub(super) paths: BTreeSet<DemoPath>,
    /// The open round: its number, kind and the version in force when it opened.
    pub(super) round: Option<(u32, RoundKind, &'static rules::RuleVersion)>,
    pub(super) rounds: u32,
    /// Totals of the cards of the council sitting or last concluded.
    pub(super) cards: Vec<u32>,
    /// The current recognition: its event, level and validity.
    pub(super) recognition: Option<(Uuid, Level, NaiveDate)>,
    /// The level of the last recognition, current or ended.
    pub(super) recognised_by: Option<Level>,
    pub(super) recognitions: u32,
    pub(super) relative: bool,
}

impl Story {
    pub(super) fn new(index: usize, slug: &'static str, place: Place) -> Story {
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

    pub(super) fn province(&self) -> &'static Province {
        self.place.province
    }

    pub(super) fn officer(&self) -> Actor {
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

    pub(super) fn district_secretary(&self) -> Actor {
        let p = self.province();
        let district = self.place.district.map_or("000", |d| d.code);
        Actor::new(
            format!("thuky.huyen{district}@{}", p.slug),
            Role::DistrictSecretary,
            scope(&format!("province:{}/district:{district}", p.code)),
        )
    }

    pub(super) fn provincial_secretary(&self) -> Actor {
        let p = self.province();
        Actor::new(
            p.secretary,
            Role::ProvincialSecretary,
            scope(&format!("province:{}", p.code)),
        )
    }

    pub(super) fn inspector(&self) -> Actor {
        let p = self.province();
        Actor::new(
            p.inspector,
            Role::Inspector,
            scope(&format!("province:{}", p.code)),
        )
    }

    pub(super) fn secretary_of(&self, level: Level) -> Actor {
        match level {
            Level::Commune => self.officer(),
            Level::District => self.district_secretary(),
            Level::Provincial => self.provincial_secretary(),
            Level::Central => central_secretary(),
        }
    }

    pub(super) fn authority(&self, level: Level, on: NaiveDate) -> &'static str {
        match level {
            Level::Commune => "UBND xã",
            Level::District => self.place.district.map_or("UBND huyện", |d| d.authority),
            Level::Provincial => self.province().authority_on(on),
            Level::Central => ministry_on(on),
        }
    }

    /// A decision number of `level` on `on`; one decision covers every product the same
    /// authority decided that day.
    pub(super) fn decision_no(&self, level: Level, on: NaiveDate) -> String {
        let authority = self.authority(level, on);
        let n = 100 + number(&["decision", authority, &on.to_string()], 4_800);
        match level {
            Level::Central if on < d("2025-03-01") => format!("{n}/QĐ-BNN-VPĐP"),
            Level::Central => format!("{n}/QĐ-BNNMT"),
            _ => format!("{n}/QĐ-UBND"),
        }
    }

    pub(super) fn council_ref(&self, level: Level, on: NaiveDate) -> String {
        let authority = self.authority(level, on);
        let n = 100 + number(&["council", authority, &on.year().to_string()], 3_900);
        match level {
            Level::Central if on < d("2025-03-01") => format!("{n}/QĐ-BNN-VPĐP"),
            Level::Central => format!("{n}/QĐ-BNNMT"),
            _ => format!("{n}/QĐ-UBND"),
        }
    }

    pub(super) fn push(&mut self, on: NaiveDate, actor: Actor, body: CommandBody) -> Uuid {
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

    pub(super) fn version(&self) -> &'static rules::RuleVersion {
        self.round.map(|r| r.2).expect("a round is open")
    }

    // -- registration and rounds --

    pub(super) fn register(&mut self, on: &str, r: Registration) -> &mut Self {
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

    pub(super) fn open(&mut self, on: &str, kind: RoundKind) -> &mut Self {
        self.open_on(d(on), kind)
    }

    pub(super) fn open_on(&mut self, on: NaiveDate, kind: RoundKind) -> &mut Self {
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

    pub(super) fn return_dossier(&mut self, level: Level, on: &str, reasons: &[&str]) -> &mut Self {
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

    pub(super) fn amend(&mut self, on: &str, documents: &[(&str, &str)]) -> &mut Self {
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

    pub(super) fn assess(&mut self, on: &str) -> &mut Self {
        self.assess_on(
            d(on),
            true,
            true,
            "Nguyên liệu, lao động tại địa phương; đề nghị tỉnh đánh giá, phân hạng",
        )
    }

    pub(super) fn assess_on(
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
    pub(super) fn sit(&mut self, level: Level, on: NaiveDate, totals: &[u32], failed: &[&[&str]]) {
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

    pub(super) fn conclude_on(&mut self, level: Level, on: NaiveDate) {
        let actor = self.secretary_of(level);
        self.push(
            on,
            actor,
            CommandBody::ConcludeScoring(ConcludeScoring { concluded_on: on }),
        );
    }

    /// A council that sits, scores and concludes on one day.
    pub(super) fn council(&mut self, level: Level, on: &str, totals: &[u32]) -> &mut Self {
        self.sit(level, d(on), totals, &[]);
        self.conclude_on(level, d(on));
        self
    }

    /// A council whose members list failed mandatory criteria.
    pub(super) fn council_failing(
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
    pub(super) fn council_sitting(&mut self, level: Level, on: &str, totals: &[u32]) -> &mut Self {
        self.sit(level, d(on), totals, &[]);
        self.paths.insert(DemoPath::InEvaluation);
        self
    }

    /// New cards of some members (by 0-based roster index) after a conclusion that asked
    /// for re-scoring, then the conclusion again.
    pub(super) fn rescore(&mut self, level: Level, on: &str, cards: &[(usize, u32)]) -> &mut Self {
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

    pub(super) fn decide(&mut self, level: Level, on: &str, stars: u8) -> &mut Self {
        self.decide_on(level, d(on), stars, None)
    }

    /// The decision of `document`, this product one of its annex: the loader records it
    /// with the annex's other products in one all-or-nothing command.
    pub(super) fn decide_in(&mut self, document: &DemoDocument, stars: u8) -> &mut Self {
        self.decide_on(document.level, d(document.decided_on), stars, None);
        if let Some(CommandBody::DecideRecognition(decision)) =
            self.steps.last_mut().map(|step| &mut step.body)
        {
            decision.decision_id = Some(document.id());
        }
        self
    }

    pub(super) fn decide_on(
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

    pub(super) fn refuse(
        &mut self,
        level: Level,
        on: &str,
        reason: &str,
        mandatory: bool,
    ) -> &mut Self {
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

    pub(super) fn complaint(&mut self, on: &str, source: ComplaintSource, summary: &str) -> Uuid {
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

    pub(super) fn inspection(
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
    pub(super) fn revoke(
        &mut self,
        on: &str,
        grounds: &[RevocationGround],
        details: &str,
    ) -> &mut Self {
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

    pub(super) fn withdraw(&mut self, on: &str, reason: &str) -> &mut Self {
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

    pub(super) fn correct(
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
    pub(super) fn notice(&mut self) -> &mut Self {
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
    pub(super) fn expire(&mut self) -> &mut Self {
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

    pub(super) fn timer(
        &mut self,
        on: NaiveDate,
        body: CommandBody,
        recognition: Uuid,
        kind: &'static str,
    ) {
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

    pub(super) fn last_event(&self) -> Uuid {
        self.steps.last().map(|s| s.event_id).unwrap_or_default()
    }

    pub(super) fn finish(&mut self) -> DemoProduct {
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

pub(super) type Next<'a> = dyn FnMut(&'static str, Place) -> Story + 'a;

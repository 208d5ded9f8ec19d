//! A product's story: each step of the data files turned into the command its actor
//! records.

use super::*;

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
    /// The places and people the story draws on.
    pub(super) places: &'static Places,
    /// The event of the story's last complaint and last recognition decision, which an
    /// inspection answers and a correction corrects.
    pub(super) last_complaint: Option<Uuid>,
    pub(super) last_decision: Option<Uuid>,
}

impl Story {
    pub(super) fn new(
        index: usize,
        slug: &'static str,
        place: Place,
        places: &'static Places,
    ) -> Story {
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
            places,
            last_complaint: None,
            last_decision: None,
        }
    }

    fn province(&self) -> &'static Province {
        self.place.province
    }

    fn officer(&self) -> Actor {
        let p = self.province();
        Actor::new(
            format!("canbo.xa{}@{}", self.place.commune, p.key),
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
            format!("thuky.huyen{district}@{}", p.key),
            Role::DistrictSecretary,
            scope(&format!("province:{}/district:{district}", p.code)),
        )
    }

    fn provincial_secretary(&self) -> Actor {
        self.provincial(&self.province().secretary, Role::ProvincialSecretary)
    }

    fn inspector(&self) -> Actor {
        self.provincial(&self.province().inspector, Role::Inspector)
    }

    /// `user` acting in `role` over the whole province.
    fn provincial(&self, user: &str, role: Role) -> Actor {
        let scope = scope(&format!("province:{}", self.province().code));
        Actor::new(user, role, scope)
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

    fn register(&mut self, on: NaiveDate, r: &RegistrationData) {
        self.name = r.name.clone();
        self.producer = r.producer.clone();
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
            name: r.name.clone(),
            producer: Producer {
                name: r.producer.clone(),
                kind: r.kind,
                tax_code: r.tax_code.clone(),
            },
            product_group: r.group,
            product_set: r.set.clone(),
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
    }

    fn open(&mut self, on: NaiveDate, kind: RoundKind) {
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
    }

    fn return_dossier(&mut self, level: Level, on: NaiveDate, reasons: &[String]) {
        let actor = self.secretary_of(level);
        self.push(
            on,
            actor,
            CommandBody::ReturnDossier(ReturnDossier {
                returned_on: on,
                reasons: reasons.to_vec(),
            }),
        );
        self.paths.insert(DemoPath::DossierReturned);
    }

    fn amend(&mut self, on: NaiveDate, documents: &[(String, String)]) {
        let round = self.rounds;
        let documents = documents
            .iter()
            .map(|(k, t)| document(self.slug, round + 100, k, t))
            .collect();
        let actor = self.officer();
        self.push(
            on,
            actor,
            CommandBody::AmendDossier(AmendDossier {
                amended_on: on,
                documents,
            }),
        );
    }

    fn assess(&mut self, on: NaiveDate, forward: bool, local_origin: bool, notes: &str) {
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
    }

    /// Convenes the council of `level` on `on` and records one card per total (members in
    /// roster order, the chair first), without concluding.
    fn sit(&mut self, level: Level, on: NaiveDate, totals: &[u32], failed: &[Vec<String>]) {
        let members = roster(level, &self.place, on, &self.places.people);
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
                    mandatory_failed: failed.get(i).cloned().unwrap_or_default(),
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
    fn council(&mut self, level: Level, on: NaiveDate, totals: &[u32]) {
        self.sit(level, on, totals, &[]);
        self.conclude_on(level, on);
    }

    /// New cards of some members (by 0-based roster index) after a conclusion that asked
    /// for re-scoring, then the conclusion again.
    fn rescore(&mut self, level: Level, on: NaiveDate, cards: &[(usize, u32)]) {
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
    }

    /// The decision of `document`, this product one of its annex: the loader records it
    /// with the annex's other products in one all-or-nothing command.
    fn decide_in(&mut self, document: &DemoDocument, stars: u8) {
        self.decide(document.level, document.decided_on, stars, None);
        if let Some(CommandBody::DecideRecognition(decision)) =
            self.steps.last_mut().map(|step| &mut step.body)
        {
            decision.decision_id = Some(document.id());
        }
    }

    fn decide(&mut self, level: Level, on: NaiveDate, stars: u8, decision_no: Option<String>) {
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
        self.last_decision = Some(event_id);
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
    }

    fn refuse(&mut self, level: Level, on: NaiveDate, reason: &str, mandatory: bool) {
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
    }

    // -- after recognition --

    fn complaint(&mut self, on: NaiveDate, source: ComplaintSource, summary: &str) {
        let actor = if source == ComplaintSource::Authority {
            self.inspector()
        } else {
            self.provincial_secretary()
        };
        self.paths.insert(DemoPath::Complaint);
        let event_id = self.push(
            on,
            actor,
            CommandBody::RecordComplaint(RecordComplaint {
                received_on: on,
                source,
                summary: summary.to_owned(),
            }),
        );
        self.last_complaint = Some(event_id);
    }

    fn inspection(
        &mut self,
        on: NaiveDate,
        authority: &str,
        findings: &str,
        compliant: bool,
        complaint: Option<Uuid>,
    ) {
        let actor = self.inspector();
        self.paths.insert(DemoPath::Inspection);
        self.push(
            on,
            actor,
            CommandBody::RecordInspection(RecordInspection {
                inspected_on: on,
                authority: authority.to_owned(),
                findings: findings.to_owned(),
                compliant,
                complaint_id: complaint,
            }),
        );
    }

    /// Revocation by the authority that recognised the product (the province for district
    /// awards after the districts were abolished on 1 Jul 2025).
    fn revoke(&mut self, on: NaiveDate, grounds: &[RevocationGround], details: &str) {
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
    }

    fn withdraw(&mut self, on: NaiveDate, reason: &str) {
        let actor = self.officer();
        self.push(
            on,
            actor,
            CommandBody::WithdrawProduct(WithdrawProduct {
                withdrawn_on: on,
                reason: reason.to_owned(),
            }),
        );
        self.paths.insert(DemoPath::Withdrawal);
        self.recognition = None;
        self.round = None;
    }

    fn correct(
        &mut self,
        on: NaiveDate,
        event_id: Uuid,
        field: &str,
        new_value: &str,
        reason: &str,
    ) {
        let actor = self.provincial_secretary();
        self.push(
            on,
            actor,
            CommandBody::CorrectEntry(CorrectEntry {
                event_id,
                field: field.to_owned(),
                new_value: Some(new_value.to_owned()),
                reason: reason.to_owned(),
            }),
        );
        self.paths.insert(DemoPath::Correction);
    }

    /// The engine's expiry notice, on its due date.
    fn notice(&mut self) -> Result<(), DemoError> {
        let (recognition, _, valid_until) = self.current_recognition("an expiry notice")?;
        let on = validity::notice_on(valid_until);
        self.timer(
            on,
            CommandBody::IssueExpiryNotice(IssueExpiryNotice { today: on }),
            recognition,
            "expiry_notice",
        );
        self.paths.insert(DemoPath::ExpiryNotice);
        Ok(())
    }

    /// The engine's expiry, on the first day after the validity.
    fn expire(&mut self) -> Result<(), DemoError> {
        let (recognition, _, valid_until) = self.current_recognition("an expiry")?;
        let on = validity::expires_on(valid_until);
        self.timer(
            on,
            CommandBody::ExpireRecognition(ExpireRecognition { today: on }),
            recognition,
            "expiry",
        );
        self.paths.insert(DemoPath::Expired);
        self.recognition = None;
        Ok(())
    }

    fn current_recognition(&self, what: &str) -> Result<(Uuid, Level, NaiveDate), DemoError> {
        self.recognition
            .ok_or_else(|| self.wrong(&format!("{what} with no current recognition")))
    }

    /// The data set is wrong about this story.
    fn wrong(&self, what: &str) -> DemoError {
        DemoError::Data(format!("story {}: {what}", self.slug))
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

    /// Records one step of the story's data.
    fn run(&mut self, step: &Step) -> Result<(), DemoError> {
        match step {
            Step::Open { on, kind } => self.open(*on, *kind),
            Step::ReturnDossier { level, on, reasons } => self.return_dossier(*level, *on, reasons),
            Step::Amend { on, documents } => self.amend(*on, documents),
            Step::Assess {
                on,
                forward,
                local_origin,
                notes,
            } => {
                let notes = notes.as_deref().unwrap_or(USUAL_ASSESSMENT);
                self.assess(*on, *forward, *local_origin, notes);
            }
            Step::Council {
                level,
                on,
                totals,
                failed,
                sitting,
            } => {
                self.sit(*level, *on, totals, failed);
                if *sitting {
                    self.paths.insert(DemoPath::InEvaluation);
                } else {
                    self.conclude_on(*level, *on);
                }
            }
            Step::Rescore { level, on, cards } => self.rescore(*level, *on, cards),
            Step::Decide {
                level,
                on,
                stars,
                decision_no,
            } => self.decide(*level, *on, *stars, decision_no.clone()),
            Step::DecideIn { document, stars } => {
                let document = self.places.document(document)?;
                self.decide_in(document, *stars);
            }
            Step::Refuse {
                level,
                on,
                reason,
                mandatory,
            } => self.refuse(*level, *on, reason, *mandatory),
            Step::Complaint {
                on,
                source,
                summary,
            } => self.complaint(*on, *source, summary),
            Step::Inspection {
                on,
                authority,
                findings,
                compliant,
                answers_complaint,
            } => {
                let complaint = match (answers_complaint, self.last_complaint) {
                    (false, _) => None,
                    (true, Some(complaint)) => Some(complaint),
                    (true, None) => return Err(self.wrong("an inspection answers no complaint")),
                };
                let authority = authority
                    .as_ref()
                    .unwrap_or(&self.province().quality_office);
                self.inspection(*on, authority, findings, *compliant, complaint);
            }
            Step::Revoke {
                on,
                grounds,
                details,
            } => self.revoke(*on, grounds, details),
            Step::Withdraw { on, reason } => self.withdraw(*on, reason),
            Step::Correct {
                on,
                field,
                new_value,
                reason,
            } => {
                let Some(decision) = self.last_decision else {
                    return Err(self.wrong("a correction with no decision to correct"));
                };
                self.correct(*on, decision, field, new_value, reason);
            }
            Step::Notice => self.notice()?,
            Step::Expire => self.expire()?,
        }
        Ok(())
    }

    /// Places the story relative to `today`, its recognition in its last 30 days: decided
    /// 36 months before `today + 20 days`, the round inside the rule version in force then
    /// and following that version's levels, the expiry notice issued on its due date.
    fn notice_due(
        &mut self,
        registration: &RegistrationData,
        n: &NoticeDue,
        today: NaiveDate,
    ) -> Result<(), DemoError> {
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
        if version.level(Level::District).is_none() {
            self.place.district = None;
        }
        self.relative = true;
        self.register(opened - Days::new(30), registration);
        self.open(opened, RoundKind::Initial);
        if version.first_level().level == Level::Commune {
            self.assess(step(1), true, true, &n.assessment_notes);
            self.council(Level::Provincial, step(3), &n.provincial_totals);
            self.decide(Level::Provincial, decided, n.stars, None);
        } else if version
            .level(Level::District)
            .is_some_and(|l| l.may_award(n.stars))
        {
            self.council(Level::District, step(2), &n.district_totals);
            self.decide(Level::District, decided, n.stars, None);
        } else {
            self.council(Level::District, step(1), &n.district_totals);
            self.council(Level::Provincial, step(3), &n.provincial_totals);
            self.decide(Level::Provincial, decided, n.stars, None);
        }
        self.notice()
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
            province: &self.province().code,
            province_name: &self.province().name,
            paths: std::mem::take(&mut self.paths),
            planted: None,
            relative_to_today: self.relative,
            steps: std::mem::take(&mut self.steps),
        }
    }
}

/// The notes of a commune that forwards a dossier, unless a step says otherwise.
const USUAL_ASSESSMENT: &str =
    "Nguyên liệu, lao động tại địa phương; đề nghị tỉnh đánh giá, phân hạng";

/// The product of one story of the data files, `index` its place in the data set.
pub(super) fn story_of(
    places: &'static Places,
    data: &'static StoryData,
    index: usize,
    today: NaiveDate,
) -> Result<DemoProduct, DemoError> {
    let district = data.district.as_deref().map(|c| places.district(c));
    let place = Place {
        province: places.province(&data.province)?,
        district: district.transpose()?,
        commune: &data.commune,
    };
    let mut story = Story::new(index, &data.slug, place, places);
    match (&data.notice_due, data.registration.on) {
        (Some(relative), _) => story.notice_due(&data.registration, relative, today)?,
        (None, Some(on)) => {
            story.register(on, &data.registration);
            for step in &data.steps {
                story.run(step)?;
            }
        }
        (None, None) => return Err(story.wrong("the registration has no date")),
    }
    Ok(story.finish())
}

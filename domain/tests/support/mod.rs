//! Test helpers: given / when / then over the pure domain, actors, and a scenario builder
//! that walks a product through its lifecycle with real commands.
#![allow(dead_code)]

use ocop_domain::commands::*;
use ocop_domain::events::*;
use ocop_domain::rules::{Level, RuleBook};
use ocop_domain::state::ProductState;
use ocop_domain::{
    Actor, Command, CommandBody, CommandMeta, DomainError, Event, EventBody, ProvinceCode, Role,
    Scope, Sha256Hex, decide_with, fold,
};
use uuid::Uuid;

pub use ocop_testkit::{d, issued_at_for, scope};

pub fn commune_officer(scope_str: &str) -> Actor {
    Actor::new("officer", Role::CommuneOfficer, scope(scope_str))
}
pub fn district_secretary(scope_str: &str) -> Actor {
    Actor::new("district", Role::DistrictSecretary, scope(scope_str))
}
pub fn provincial_secretary(province: &str) -> Actor {
    Actor::new(
        "province",
        Role::ProvincialSecretary,
        scope(&format!("province:{province}")),
    )
}
pub fn central_secretary() -> Actor {
    Actor::new("central", Role::CentralSecretary, Scope::National)
}
pub fn inspector(scope_str: &str) -> Actor {
    Actor::new("inspector", Role::Inspector, scope(scope_str))
}
pub fn auditor() -> Actor {
    Actor::new("auditor", Role::Auditor, Scope::National)
}
pub fn admin() -> Actor {
    Actor::new("admin", Role::Admin, Scope::National)
}
pub fn system() -> Actor {
    Actor::system()
}

pub fn doc(kind: &str) -> Document {
    Document {
        kind: kind.to_owned(),
        title: format!("{kind} title"),
        sha256: Sha256Hex::parse(&"ab".repeat(32)).unwrap(),
        size_bytes: 48213,
    }
}

// ---------------------------------------------------------------- given / when / then

pub struct Given {
    events: Vec<Event>,
    rules: RuleBook,
}

pub fn given(events: impl IntoIterator<Item = Event>) -> Given {
    Given {
        events: events.into_iter().collect(),
        rules: RuleBook::standard().clone(),
    }
}

impl Given {
    pub fn under(mut self, rules: RuleBook) -> Given {
        self.rules = rules;
        self
    }

    pub fn when(self, command: Command) -> Then {
        let state = fold(&self.events);
        let result = decide_with(&self.rules, &state, &command);
        Then { state, result }
    }
}

pub struct Then {
    pub state: ProductState,
    pub result: Result<Vec<Event>, DomainError>,
}

impl Then {
    /// Asserts the command was accepted with exactly these payloads; returns the events.
    pub fn then_events(self, expected: &[EventBody]) -> Vec<Event> {
        let events = self
            .result
            .unwrap_or_else(|e| panic!("expected events, got error: {e}"));
        let bodies: Vec<EventBody> = events.iter().map(|e| e.body.clone()).collect();
        assert_eq!(bodies, expected);
        events
    }

    /// Asserts the command was accepted; returns its single event's payload.
    pub fn then_accepted(self) -> EventBody {
        let events = self
            .result
            .unwrap_or_else(|e| panic!("expected events, got error: {e}"));
        assert_eq!(events.len(), 1);
        events.into_iter().next().unwrap().body
    }

    /// Asserts the state after applying the accepted events.
    pub fn then_state(self) -> ProductState {
        let state = self.state.clone();
        let events = self
            .result
            .unwrap_or_else(|e| panic!("expected events, got error: {e}"));
        ocop_domain::fold_from(state, &events)
    }

    /// Asserts exactly this rejection.
    pub fn then_error(self, expected: DomainError) {
        match self.result {
            Ok(events) => panic!("expected {expected:?}, got events {events:?}"),
            Err(e) => assert_eq!(e, expected),
        }
    }

    /// Asserts a rejection with this rule code; returns it.
    pub fn then_rejected(self, code: &str) -> DomainError {
        match self.result {
            Ok(events) => panic!("expected {code}, got events {events:?}"),
            Err(e) => {
                assert_eq!(e.code(), code, "got {e:?}");
                e
            }
        }
    }
}

// ---------------------------------------------------------------- scenarios

/// A product's life built with real commands; every step must be accepted.
pub struct Scenario {
    pub events: Vec<Event>,
    pub state: ProductState,
    pub product_id: Uuid,
    next_id: u128,
    pub province: String,
    pub commune: String,
    pub district: Option<String>,
    pub rules: RuleBook,
}

impl Scenario {
    /// A product of Lâm Đồng (68), commune 24730, no district (after 1 Jul 2025).
    pub fn lam_dong() -> Scenario {
        Scenario {
            events: Vec::new(),
            state: ProductState::default(),
            product_id: Uuid::from_u128(0xA000),
            next_id: 1,
            province: "68".into(),
            commune: "24730".into(),
            district: None,
            rules: RuleBook::standard().clone(),
        }
    }

    /// A product of Hà Nội (01), district 001, commune 00004 (records before 2025).
    pub fn ha_noi_district() -> Scenario {
        Scenario {
            province: "01".into(),
            commune: "00004".into(),
            district: Some("001".into()),
            ..Scenario::lam_dong()
        }
    }

    pub fn commune_scope(&self) -> String {
        format!("province:{}/commune:{}", self.province, self.commune)
    }

    pub fn district_scope(&self) -> String {
        format!(
            "province:{}/district:{}",
            self.province,
            self.district.clone().unwrap()
        )
    }

    pub fn officer(&self) -> Actor {
        commune_officer(&self.commune_scope())
    }

    pub fn province_secretary(&self) -> Actor {
        provincial_secretary(&self.province)
    }

    /// The secretary of a level for this product.
    pub fn secretary(&self, level: Level) -> Actor {
        match level {
            Level::Commune => self.officer(),
            Level::District => district_secretary(&self.district_scope()),
            Level::Provincial => self.province_secretary(),
            Level::Central => central_secretary(),
        }
    }

    pub fn command(&mut self, actor: Actor, body: CommandBody) -> Command {
        let id = Uuid::from_u128(self.next_id);
        self.next_id += 1;
        Command::new(
            CommandMeta::new(actor, issued_at_for(&body), self.product_id, vec![id]),
            body,
        )
    }

    pub fn try_run(&mut self, actor: Actor, body: CommandBody) -> Result<Vec<Event>, DomainError> {
        let command = self.command(actor, body);
        let events = decide_with(&self.rules, &self.state, &command)?;
        for e in &events {
            self.state = ocop_domain::evolve(std::mem::take(&mut self.state), e);
        }
        self.events.extend(events.iter().cloned());
        Ok(events)
    }

    pub fn run(&mut self, actor: Actor, body: CommandBody) -> &mut Scenario {
        let what = format!("{body:?}");
        if let Err(e) = self.try_run(actor, body) {
            panic!("scenario step rejected: {e}\nstep: {what}");
        }
        self
    }

    /// given(this history).when(actor issues body)
    pub fn when(&mut self, actor: Actor, body: CommandBody) -> Then {
        let command = self.command(actor, body);
        given(self.events.clone())
            .under(self.rules.clone())
            .when(command)
    }

    pub fn last_event_id(&self) -> Uuid {
        self.events.last().unwrap().event_id
    }

    // ---- steps

    pub fn register_body(&self, on: &str) -> CommandBody {
        CommandBody::RegisterProduct(RegisterProduct {
            name: "Mật ong hoa cà phê".into(),
            producer: Producer {
                name: "HTX Nông nghiệp Đắk Song".into(),
                kind: ProducerKind::Cooperative,
                tax_code: Some("6400123456".into()),
            },
            product_group: ProductGroup::Food,
            product_set: "Mật ong".into(),
            province: ProvinceCode::parse(&self.province).unwrap(),
            commune: Some(self.commune.parse().unwrap()),
            district: self.district.as_ref().map(|x| x.parse().unwrap()),
            local_code: None,
            registered_on: d(on),
        })
    }

    pub fn register(&mut self, on: &str) -> &mut Scenario {
        let body = self.register_body(on);
        let actor = self.officer();
        self.run(actor, body)
    }

    pub fn open_body(kind: RoundKind, on: &str) -> CommandBody {
        CommandBody::OpenEvaluation(OpenEvaluation {
            kind,
            opened_on: d(on),
            documents: vec![doc("registration_form"), doc("business_plan")],
            legal_basis: None,
        })
    }

    pub fn open(&mut self, kind: RoundKind, on: &str) -> &mut Scenario {
        let actor = self.officer();
        self.run(actor, Scenario::open_body(kind, on))
    }

    pub fn assess_body(forward: bool, on: &str) -> CommandBody {
        CommandBody::RecordLocalAssessment(RecordLocalAssessment {
            assessed_on: d(on),
            forward,
            local_origin: true,
            notes: Some("nguyên liệu tại địa phương".into()),
            report_ref: Some("12/TTr-UBND".into()),
        })
    }

    pub fn assess(&mut self, forward: bool, on: &str) -> &mut Scenario {
        let actor = self.officer();
        self.run(actor, Scenario::assess_body(forward, on))
    }

    pub fn council_body(
        level: Level,
        members: usize,
        min_present: u32,
        chair_required: bool,
        spread_limit: Option<u32>,
        on: &str,
    ) -> CommandBody {
        CommandBody::ConveneCouncil(ConveneCouncil {
            level,
            council_ref: "1234/QĐ-UBND".into(),
            convened_on: d(on),
            members: ocop_testkit::members(members),
            quorum: Quorum {
                min_present,
                chair_required,
            },
            spread_limit,
        })
    }

    pub fn convene(
        &mut self,
        level: Level,
        members: usize,
        min_present: u32,
        spread_limit: Option<u32>,
        on: &str,
    ) -> &mut Scenario {
        let actor = self.secretary(level);
        self.run(
            actor,
            Scenario::council_body(level, members, min_present, true, spread_limit, on),
        )
    }

    /// A card with the given total, split greedily within the round's part maxima.
    pub fn card_body(
        &self,
        member: usize,
        total: u32,
        mandatory_failed: &[&str],
        on: &str,
    ) -> CommandBody {
        let round = self.state.current_evaluation.as_ref().expect("open round");
        let max = self.rules.get(&round.rules_version).unwrap().part_max;
        let a = total.min(max.a);
        let b = (total - a).min(max.b);
        let c = total - a - b;
        self.card_parts(member, (a, b, c), mandatory_failed, on)
    }

    pub fn card_parts(
        &self,
        member: usize,
        (a, b, c): (u32, u32, u32),
        mandatory_failed: &[&str],
        on: &str,
    ) -> CommandBody {
        CommandBody::RecordScorecard(RecordScorecard {
            member_id: format!("m{member}"),
            recorded_on: d(on),
            part_a: a,
            part_b: b,
            part_c: c,
            mandatory_failed: mandatory_failed.iter().map(|s| s.to_string()).collect(),
            criteria: vec![],
        })
    }

    pub fn cards(&mut self, totals: &[u32], on: &str) -> &mut Scenario {
        let level = self.state.current_evaluation.as_ref().unwrap().level;
        for (i, &t) in totals.iter().enumerate() {
            let body = self.card_body(i + 1, t, &[], on);
            let actor = self.secretary(level);
            self.run(actor, body);
        }
        self
    }

    pub fn conclude_body(on: &str) -> CommandBody {
        CommandBody::ConcludeScoring(ConcludeScoring {
            concluded_on: d(on),
        })
    }

    pub fn conclude(&mut self, on: &str) -> &mut Scenario {
        let level = self.state.current_evaluation.as_ref().unwrap().level;
        let actor = self.secretary(level);
        self.run(actor, Scenario::conclude_body(on))
    }

    pub fn decision_body(stars: u8, on: &str) -> CommandBody {
        CommandBody::DecideRecognition(DecideRecognition {
            decision_id: None,
            level: None,
            decided_on: d(on),
            recognized: true,
            stars: Some(stars),
            decision_no: Some("156/QĐ-UBND".into()),
            authority: "UBND tỉnh Lâm Đồng".into(),
            certificate_no: None,
            reason: None,
        })
    }

    pub fn refusal_body(on: &str) -> CommandBody {
        CommandBody::DecideRecognition(DecideRecognition {
            decision_id: None,
            level: None,
            decided_on: d(on),
            recognized: false,
            stars: None,
            decision_no: None,
            authority: "UBND tỉnh".into(),
            certificate_no: None,
            reason: Some("chưa đạt".into()),
        })
    }

    pub fn decide(&mut self, stars: u8, on: &str) -> &mut Scenario {
        let level = self.state.current_evaluation.as_ref().unwrap().level;
        let actor = self.secretary(level);
        self.run(actor, Scenario::decision_body(stars, on))
    }

    pub fn refuse(&mut self, on: &str) -> &mut Scenario {
        let level = self.state.current_evaluation.as_ref().unwrap().level;
        let actor = self.secretary(level);
        self.run(actor, Scenario::refusal_body(on))
    }

    /// Registered 2025-08-01 and opened 2025-09-01 under qd1489-2025, forwarded by the
    /// commune, a provincial council of 3 (quorum 3, chair required) convened 2025-09-10.
    pub fn provincial_council_2025() -> Scenario {
        let mut s = Scenario::lam_dong();
        s.register("2025-08-01")
            .open(RoundKind::Initial, "2025-09-01")
            .assess(true, "2025-09-05")
            .convene(Level::Provincial, 3, 3, None, "2025-09-10");
        s
    }

    /// A provincial 4★ decided 2025-09-20 (mean 80), round closed.
    pub fn recognized_4_stars_2025() -> Scenario {
        let mut s = Scenario::provincial_council_2025();
        s.cards(&[80, 80, 80], "2025-09-10")
            .conclude("2025-09-12")
            .decide(4, "2025-09-20");
        s
    }

    /// A Hà Nội product opened 2023-06-01 under qd148-2023; district council of 3 convened.
    pub fn district_council_2023() -> Scenario {
        let mut s = Scenario::ha_noi_district();
        s.register("2023-05-01")
            .open(RoundKind::Initial, "2023-06-01")
            .convene(Level::District, 3, 3, None, "2023-06-10");
        s
    }
}

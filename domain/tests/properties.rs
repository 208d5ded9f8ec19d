//! Property tests of the laws: folding is associative over any split of the stream, and
//! every command sequence the domain accepts keeps the invariants.

mod support;

use chrono::{Days, NaiveDate};
use ocop_domain::commands::*;
use ocop_domain::events::*;
use ocop_domain::rules::Level;
use ocop_domain::state::{ProductState, Status};
use ocop_domain::{
    Actor, Command, CommandBody, CommandMeta, Event, EventBody, decide, evolve, fold, fold_from,
    validity,
};
use proptest::prelude::*;
use support::*;
use uuid::Uuid;

#[derive(Debug, Clone)]
enum Step {
    Register,
    Open(u8),
    Return,
    Amend,
    Assess(bool),
    Convene(u8, usize, u32, Option<u32>),
    Card(usize, u32, u32, u32, bool),
    Conclude,
    Decide(bool, u8),
    Complaint,
    Inspection(bool),
    Revoke,
    Withdraw,
    Notice,
    Expire,
    Correct,
    Wait(u64),
    /// The next natural step for the product's stage (cards with these parts).
    Progress(u32, u32, u32, bool),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        2 => Just(Step::Register),
        6 => (0u8..4).prop_map(Step::Open),
        1 => Just(Step::Return),
        1 => Just(Step::Amend),
        3 => prop::bool::weighted(0.8).prop_map(Step::Assess),
        4 => (0u8..5, 1usize..6, 1u32..6, prop::option::weighted(0.25, 5u32..30))
            .prop_map(|(l, n, q, s)| Step::Convene(l, n, q.min(n as u32), s)),
        16 => (0usize..8, 15u32..=41, 10u32..=26, 15u32..=41, prop::bool::weighted(0.05))
            .prop_map(|(m, a, b, c, f)| Step::Card(m, a, b, c, f)),
        5 => Just(Step::Conclude),
        6 => (prop::bool::weighted(0.8), 0u8..=5).prop_map(|(r, s)| Step::Decide(r, s)),
        1 => Just(Step::Complaint),
        1 => any::<bool>().prop_map(Step::Inspection),
        1 => prop_oneof![3 => Just(Step::Revoke), 1 => Just(Step::Withdraw)],
        1 => Just(Step::Notice),
        1 => Just(Step::Expire),
        1 => Just(Step::Correct),
        3 => prop_oneof![4 => 0u64..15, 1 => 300u64..1200].prop_map(Step::Wait),
        60 => (25u32..=40, 15u32..=25, 25u32..=35, prop::bool::weighted(0.3))
            .prop_map(|(a, b, c, excellent)| Step::Progress(a, b, c, excellent)),
    ]
}

struct Driver {
    scenario: Scenario,
    today: NaiveDate,
    next_id: u128,
}

impl Driver {
    fn actors(&self) -> Vec<Actor> {
        let s = &self.scenario;
        vec![
            s.officer(),
            s.secretary(Level::District),
            s.province_secretary(),
            provincial_secretary("68"),
            central_secretary(),
            inspector("national"),
            admin(),
            system(),
            auditor(),
        ]
    }

    /// The step that moves the product on from where it is.
    fn progress(&self, (a, b, c): (u32, u32, u32), excellent: bool) -> Step {
        use ocop_domain::state::Stage;
        let s = &self.scenario.state;
        if !s.is_registered() {
            return Step::Register;
        }
        match ocop_domain::timers::due(s, self.today) {
            Some(ocop_domain::timers::TimerAction::IssueExpiryNotice { .. }) => {
                return Step::Notice;
            }
            Some(ocop_domain::timers::TimerAction::ExpireRecognition { .. }) => {
                return Step::Expire;
            }
            None => {}
        }
        let Some(round) = &s.current_evaluation else {
            return Step::Open(0);
        };
        match round.stage {
            Stage::Dossier if round.level == Level::Commune => Step::Assess(true),
            Stage::Dossier | Stage::AwaitingCouncil => {
                Step::Convene(0, 3 + (a as usize % 3), 3, None)
            }
            Stage::Returned => Step::Amend,
            Stage::Council => {
                let council = round.councils.last().unwrap();
                match council.members.iter().position(|m| {
                    !council
                        .scorecards
                        .iter()
                        .any(|c| c.member_id == m.member_id)
                }) {
                    Some(i) if council.scorecards.len() < council.members.len() => {
                        if excellent {
                            let max = ocop_domain::rules::get(&round.rules_version)
                                .unwrap()
                                .part_max;
                            Step::Card(i + 1, max.a, max.b, max.c - a % 5, false)
                        } else {
                            Step::Card(i + 1, a, b, c, false)
                        }
                    }
                    _ => Step::Conclude,
                }
            }
            Stage::AwaitingDecision => match round.current_result().map(|r| r.outcome) {
                Some(ScoringOutcome::Award { .. }) => Step::Decide(true, u8::from(a % 3 == 0)),
                _ => Step::Decide(false, 0),
            },
            Stage::Closed => Step::Wait(1),
        }
    }

    fn body(&self, step: &Step) -> Option<CommandBody> {
        let on = self.today;
        let s = &self.scenario;
        Some(match step {
            Step::Register => {
                let CommandBody::RegisterProduct(mut c) = s.register_body("2020-01-01") else {
                    unreachable!()
                };
                c.registered_on = on;
                CommandBody::RegisterProduct(c)
            }
            Step::Open(k) => CommandBody::OpenEvaluation(OpenEvaluation {
                // Kind 0 is the one that fits the product; others as given.
                kind: match (k, s.state.recognition.is_some()) {
                    (0, false) | (3, _) => RoundKind::Initial,
                    (0, true) | (1, _) => RoundKind::ReEvaluation,
                    _ => RoundKind::Upgrade,
                },
                opened_on: on,
                documents: vec![doc("registration_form")],
                legal_basis: Some("công văn cho phép".into()),
            }),
            Step::Return => CommandBody::ReturnDossier(ReturnDossier {
                returned_on: on,
                reasons: vec!["thiếu".into()],
            }),
            Step::Amend => CommandBody::AmendDossier(AmendDossier {
                amended_on: on,
                documents: vec![doc("test_result")],
            }),
            Step::Assess(forward) => {
                let CommandBody::RecordLocalAssessment(mut c) =
                    Scenario::assess_body(*forward, "2020-01-01")
                else {
                    unreachable!()
                };
                c.assessed_on = on;
                CommandBody::RecordLocalAssessment(c)
            }
            Step::Convene(l, n, q, spread) => {
                // Mostly the level the round is at; sometimes any level.
                let current = s.state.current_evaluation.as_ref().map(|r| r.level);
                let level = match (l, current) {
                    (0 | 1, Some(level)) if level != Level::Commune => level,
                    (2, _) => Level::District,
                    (3, _) => Level::Central,
                    _ => Level::Provincial,
                };
                let CommandBody::ConveneCouncil(mut c) =
                    Scenario::council_body(level, *n, *q, true, *spread, "2020-01-01")
                else {
                    unreachable!()
                };
                c.convened_on = on;
                CommandBody::ConveneCouncil(c)
            }
            Step::Card(m, a, b, c, failed) => CommandBody::RecordScorecard(RecordScorecard {
                // Mostly a member of the sitting council; member 0 is a stranger.
                member_id: match s
                    .state
                    .current_evaluation
                    .as_ref()
                    .and_then(|r| r.councils.last())
                {
                    Some(council) if *m > 0 => council.members[(m - 1) % council.members.len()]
                        .member_id
                        .clone(),
                    _ => format!("m{m}"),
                },
                recorded_on: on,
                part_a: *a,
                part_b: *b,
                part_c: *c,
                mandatory_failed: if *failed { vec!["C1".into()] } else { vec![] },
                criteria: vec![],
            }),
            Step::Conclude => CommandBody::ConcludeScoring(ConcludeScoring { concluded_on: on }),
            Step::Decide(recognized, stars) => CommandBody::DecideRecognition(DecideRecognition {
                decision_id: None,
                level: None,
                decided_on: on,
                // Stars 0 mean what the council's outcome allows, 1 one star more (which
                // must be rejected), others as given.
                recognized: *recognized,
                stars: Some(
                    match s
                        .state
                        .current_evaluation
                        .as_ref()
                        .and_then(|r| r.results.last())
                    {
                        Some(result) if *stars < 2 => {
                            let allowed = match result.outcome {
                                ScoringOutcome::Award { stars, .. } => stars,
                                _ => result.band_stars,
                            };
                            allowed + stars
                        }
                        _ => *stars,
                    },
                ),
                decision_no: Some("1/QĐ".into()),
                authority: "UBND".into(),
                certificate_no: None,
                reason: Some("không đạt".into()),
            }),
            Step::Complaint => CommandBody::RecordComplaint(RecordComplaint {
                received_on: on,
                source: ComplaintSource::Consumer,
                summary: "phản ánh".into(),
            }),
            Step::Inspection(answer) => CommandBody::RecordInspection(RecordInspection {
                inspected_on: on,
                authority: "Chi cục".into(),
                findings: "đạt".into(),
                compliant: true,
                complaint_id: if *answer {
                    s.state.complaints.last().map(|c| c.complaint_id)
                } else {
                    None
                },
            }),
            Step::Revoke => CommandBody::RevokeRecognition(RevokeRecognition {
                decided_on: on,
                decision_no: "9/QĐ".into(),
                authority: "UBND".into(),
                grounds: vec![RevocationGround::ProductionStopped],
                details: String::new(),
            }),
            Step::Withdraw => CommandBody::WithdrawProduct(WithdrawProduct {
                withdrawn_on: on,
                reason: "nghỉ".into(),
            }),
            Step::Notice => CommandBody::IssueExpiryNotice(IssueExpiryNotice { today: on }),
            Step::Expire => CommandBody::ExpireRecognition(ExpireRecognition { today: on }),
            Step::Correct => CommandBody::CorrectEntry(CorrectEntry {
                event_id: s.state.entries.first()?.event_id,
                field: "name".into(),
                new_value: Some(format!("Tên {}", self.next_id)),
                reason: "sửa".into(),
            }),
            Step::Wait(_) => return None,
            Step::Progress(a, b, c, excellent) => {
                return self.body(&self.progress((*a, *b, *c), *excellent));
            }
        })
    }

    /// Issues a step with the first actor the domain accepts (if any); returns the event.
    fn run(&mut self, step: &Step) -> Option<Event> {
        if let Step::Wait(days) = step {
            self.today = self.today.checked_add_days(Days::new(*days)).unwrap();
            return None;
        }
        let body = self.body(step)?;
        for actor in self.actors() {
            self.next_id += 1;
            let meta = CommandMeta::new(
                actor,
                issued_at_for(&body),
                self.scenario.product_id,
                vec![Uuid::from_u128(self.next_id)],
            );
            if let Ok(events) = decide(&self.scenario.state, &Command::new(meta, body.clone())) {
                let event = events.into_iter().next().unwrap();
                return Some(event);
            }
        }
        None
    }
}

/// Checks one accepted event against the state it was decided on.
fn check_event(before: &ProductState, event: &Event) -> Result<(), TestCaseError> {
    prop_assert!(
        event.actor.role != ocop_domain::Role::Auditor,
        "an auditor wrote {:?}",
        event.body
    );
    match &event.body {
        EventBody::RecognitionDecided(e) => {
            let round = before
                .current_evaluation
                .as_ref()
                .expect("a decision needs a round");
            let result = round
                .current_result()
                .expect("a decision needs a concluded result");
            prop_assert_eq!(result.level, e.level);
            prop_assert!(
                e.stars <= result.band_stars,
                "stars {} above band {}",
                e.stars,
                result.band_stars
            );
            match result.outcome {
                ScoringOutcome::Award { stars, .. } => prop_assert!(e.stars <= stars),
                other => prop_assert!(false, "award after outcome {:?}", other),
            }
            let threshold = match e.stars {
                5 => 90,
                4 => 70,
                _ => 50,
            };
            prop_assert!(result.mean_exact.at_least(threshold));
            if e.stars == 5 {
                prop_assert_eq!(e.level, Level::Central);
            }
            let rules = ocop_domain::rules::get(&e.rules_version).unwrap();
            prop_assert!(rules.level(e.level).unwrap().may_award(e.stars));
            prop_assert_eq!(e.valid_until, validity::valid_until(e.decided_on));
            prop_assert!(e.decided_on >= result.concluded_on);
        }
        EventBody::ScoringConcluded(e) => {
            let sum: u64 = e.scorecards.iter().map(|c| u64::from(c.total)).sum();
            let n = e.scorecards.len() as u64;
            prop_assert_eq!(
                u128::from(e.mean.numerator()) * u128::from(n),
                u128::from(sum) * u128::from(e.mean.denominator())
            );
            prop_assert!(e.members_present >= e.quorum.min_present);
        }
        EventBody::ScorecardRecorded(e) => {
            prop_assert_eq!(e.total, e.part_a + e.part_b + e.part_c);
            let max = ocop_domain::rules::get(&e.rules_version).unwrap().part_max;
            prop_assert!(e.part_a <= max.a && e.part_b <= max.b && e.part_c <= max.c);
        }
        _ => {}
    }
    Ok(())
}

/// Invariants of any state reached through accepted commands.
fn check_state(s: &ProductState, events: &[Event]) -> Result<(), TestCaseError> {
    prop_assert_eq!(s.version, events.len() as u64);
    prop_assert_eq!(s.status == Status::Recognized, s.recognition.is_some());
    for rec in s.recognition.iter().chain(s.past_recognitions.iter()) {
        prop_assert_eq!(rec.valid_until, validity::valid_until(rec.decided_on));
        if rec.stars == 5 {
            prop_assert_eq!(rec.level, Level::Central);
        }
        if let Some(band) = rec.band_stars {
            prop_assert!(rec.stars <= band);
        }
    }
    if let Some(rec) = &s.recognition {
        if rec.potential_five_star {
            prop_assert_eq!((rec.stars, rec.level), (4, Level::Provincial));
        }
    }
    if s.current_evaluation.is_some() {
        prop_assert!(matches!(
            s.status,
            Status::InEvaluation | Status::Recognized
        ));
    }
    for round in s.current_evaluation.iter().chain(s.past_evaluations.iter()) {
        for council in &round.councils {
            let mut ids: Vec<&str> = council
                .scorecards
                .iter()
                .map(|c| c.member_id.as_str())
                .collect();
            ids.sort_unstable();
            ids.dedup();
            prop_assert_eq!(ids.len(), council.scorecards.len());
        }
    }
    Ok(())
}

fn start_date() -> impl Strategy<Value = NaiveDate> {
    (0u64..2500).prop_map(|days| NaiveDate::from_ymd_opt(2019, 8, 1).unwrap() + Days::new(days))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn every_accepted_command_sequence_keeps_the_invariants(start in start_date(), steps in prop::collection::vec(step(), 20..120)) {
        let mut driver = Driver { scenario: Scenario::ha_noi_district(), today: start, next_id: 1000 };
        for step in [Step::Register, Step::Open(0)].iter().chain(&steps) {
            if let Some(event) = driver.run(step) {
                check_event(&driver.scenario.state, &event)?;
                driver.scenario.state = evolve(std::mem::take(&mut driver.scenario.state), &event);
                driver.scenario.events.push(event);
                check_state(&driver.scenario.state, &driver.scenario.events)?;
            }
        }
        // Replaying the stream gives the state built step by step.
        prop_assert_eq!(&fold(&driver.scenario.events), &driver.scenario.state);
        // The state survives a JSON round trip (projections may store it).
        let json = serde_json::to_string(&driver.scenario.state).unwrap();
        prop_assert_eq!(&serde_json::from_str::<ProductState>(&json).unwrap(), &driver.scenario.state);
    }

    #[test]
    fn folding_all_events_at_once_equals_folding_them_one_by_one(start in start_date(), steps in prop::collection::vec(step(), 20..100), split in 0usize..100) {
        let mut driver = Driver { scenario: Scenario::ha_noi_district(), today: start, next_id: 1000 };
        for step in [Step::Register, Step::Open(0)].iter().chain(&steps) {
            if let Some(event) = driver.run(step) {
                driver.scenario.state = evolve(std::mem::take(&mut driver.scenario.state), &event);
                driver.scenario.events.push(event);
            }
        }
        let events = &driver.scenario.events;
        let all_at_once = fold(events);
        let mut one_by_one = ProductState::default();
        for e in events {
            one_by_one = evolve(one_by_one, e);
        }
        prop_assert_eq!(&all_at_once, &one_by_one);
        let cut = split.min(events.len());
        prop_assert_eq!(&fold_from(fold(&events[..cut]), &events[cut..]), &all_at_once);
    }
}

#[test]
fn the_random_walk_reaches_decisions_at_every_level() {
    // Guards the property tests against vacuity: a fixed walk through the generator's
    // own steps reaches district, provincial and central decisions.
    let mut driver = Driver {
        scenario: Scenario::ha_noi_district(),
        today: d("2023-03-01"),
        next_id: 1000,
    };
    let mut walk = vec![
        Step::Register,
        Step::Wait(5),
        Step::Open(0),
        Step::Convene(0, 3, 3, None),
    ];
    walk.extend((1..=3).map(|m| Step::Card(m, 40, 25, 10, false)));
    walk.extend([Step::Conclude, Step::Convene(1, 3, 3, None)]);
    walk.extend((1..=3).map(|m| Step::Card(m, 40, 25, 35, false)));
    walk.extend([
        Step::Conclude,
        Step::Decide(true, 4),
        Step::Convene(3, 5, 5, None),
    ]);
    walk.extend((1..=5).map(|m| Step::Card(m, 40, 25, 35, false)));
    walk.extend([Step::Conclude, Step::Decide(true, 5)]);
    let mut levels = Vec::new();
    for step in &walk {
        if let Some(event) = driver.run(step) {
            if let EventBody::RecognitionDecided(e) = &event.body {
                levels.push((e.level, e.stars));
            }
            driver.scenario.state = evolve(std::mem::take(&mut driver.scenario.state), &event);
            driver.scenario.events.push(event);
        }
    }
    assert_eq!(levels, vec![(Level::Provincial, 4), (Level::Central, 5)]);
}

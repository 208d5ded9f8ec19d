//! Given / when / then tests of every transition and rejection of the product lifecycle.

mod support;

use ocop_domain::commands::*;
use ocop_domain::events::*;
use ocop_domain::rules::{Level, RulesVersionId};
use ocop_domain::state::{RecognitionEndReason, RoundOutcome, Stage, Status};
use ocop_domain::{Actor, Command, CommandBody, DomainError, EventBody, Mean, Role, Scope};
use support::*;
use uuid::Uuid;

fn qd148() -> RulesVersionId {
    RulesVersionId::QD148_2023
}
fn qd1489() -> RulesVersionId {
    RulesVersionId::QD1489_2025
}

// ------------------------------------------------------------------ registration

#[test]
fn a_commune_officer_registers_a_product_of_their_commune() {
    let mut s = Scenario::lam_dong();
    let body = s.register_body("2025-08-01");
    let event = s.when(s.officer(), body).then_accepted();
    let EventBody::ProductRegistered(e) = event else {
        panic!("{event:?}")
    };
    assert_eq!(e.product_id, s.product_id);
    assert_eq!(e.name, "Mật ong hoa cà phê");
    assert_eq!(e.producer.tax_code.as_deref(), Some("6400123456"));
    assert_eq!(e.registered_on, d("2025-08-01"));
    s.register("2025-08-01");
    assert_eq!(s.state.status, Status::Registered);
    assert_eq!(s.state.version, 1);
}

#[test]
fn registering_a_product_twice_is_rejected() {
    let mut s = Scenario::lam_dong();
    s.register("2025-08-01");
    let body = s.register_body("2025-08-02");
    s.when(s.officer(), body)
        .then_error(DomainError::AlreadyRegistered {
            product_id: s.product_id,
        });
}

#[test]
fn a_commune_officer_of_another_commune_cannot_register_the_product() {
    let mut s = Scenario::lam_dong();
    let body = s.register_body("2025-08-01");
    s.when(commune_officer("province:68/commune:24731"), body)
        .then_rejected("forbidden");
}

#[test]
fn a_product_without_commune_or_district_is_rejected() {
    let mut s = Scenario::lam_dong();
    let CommandBody::RegisterProduct(mut body) = s.register_body("2025-08-01") else {
        unreachable!()
    };
    body.commune = None;
    s.when(s.officer(), CommandBody::RegisterProduct(body))
        .then_error(DomainError::LocationMissing);
}

#[test]
fn a_product_with_a_blank_name_is_rejected() {
    let mut s = Scenario::lam_dong();
    let CommandBody::RegisterProduct(mut body) = s.register_body("2025-08-01") else {
        unreachable!()
    };
    body.name = "  ".into();
    s.when(s.officer(), CommandBody::RegisterProduct(body))
        .then_error(DomainError::RequiredFieldMissing {
            field: "name".into(),
        });
}

#[test]
fn a_district_secretary_registers_a_product_of_their_district() {
    let mut s = Scenario::ha_noi_district();
    let body = s.register_body("2023-05-01");
    let actor = s.secretary(Level::District);
    s.when(actor, body).then_accepted();
}

#[test]
fn commands_on_an_unregistered_product_are_not_found() {
    let mut s = Scenario::lam_dong();
    s.when(
        s.officer(),
        Scenario::open_body(RoundKind::Initial, "2025-09-01"),
    )
    .then_error(DomainError::NotRegistered);
}

#[test]
fn a_command_addressed_to_another_product_is_rejected() {
    let mut s = Scenario::lam_dong();
    s.register("2025-08-01");
    let mut command = s.command(
        s.officer(),
        Scenario::open_body(RoundKind::Initial, "2025-09-01"),
    );
    command.meta.product_id = Uuid::from_u128(0xB000);
    given(s.events.clone())
        .when(command)
        .then_error(DomainError::WrongProduct {
            expected: s.product_id,
            given: Uuid::from_u128(0xB000),
        });
}

#[test]
fn a_command_without_a_fresh_event_id_is_rejected() {
    let mut s = Scenario::lam_dong();
    s.register("2025-08-01");
    let mut command = s.command(
        s.officer(),
        Scenario::open_body(RoundKind::Initial, "2025-09-01"),
    );
    command.meta.new_event_ids.clear();
    given(s.events.clone())
        .when(command)
        .then_error(DomainError::IdsExhausted {
            needed: 1,
            given: 0,
        });
}

// ------------------------------------------------------------------ rule 9: no future facts

/// A command issued at `issued_at` (UTC).
fn issued(
    s: &mut Scenario,
    actor: fn(&Scenario) -> Actor,
    body: CommandBody,
    issued_at: &str,
) -> Command {
    let actor = actor(s);
    let mut command = s.command(actor, body);
    command.meta.issued_at = issued_at.parse().unwrap();
    command
}

#[test]
fn a_decision_dated_after_today_in_vietnam_is_refused_naming_the_field() {
    let mut s = Scenario::provincial_council_2025();
    s.cards(&[80, 80, 80], "2025-09-10").conclude("2025-09-12");
    // 2025-09-15 10:00 in Vietnam: a decision of 2025-10-15 has not happened yet; the same
    // decision dated that day is recorded.
    let command = issued(
        &mut s,
        Scenario::province_secretary,
        Scenario::decision_body(4, "2025-10-15"),
        "2025-09-15T03:00:00Z",
    );
    given(s.events.clone())
        .when(command)
        .then_error(DomainError::DateInFuture {
            field: "decided_on".into(),
            date: d("2025-10-15"),
            today: d("2025-09-15"),
        });
    let command = issued(
        &mut s,
        Scenario::province_secretary,
        Scenario::decision_body(4, "2025-09-15"),
        "2025-09-15T03:00:00Z",
    );
    given(s.events.clone()).when(command).then_accepted();
}

#[test]
fn today_is_the_day_in_vietnam_not_in_utc() {
    let mut s = Scenario::lam_dong();
    // 17:30 UTC on 31 Jul is already 1 Aug in Vietnam (UTC+7): a registration of 1 Aug is
    // of today, one of 2 Aug is not.
    let today = s.register_body("2025-08-01");
    let command = issued(&mut s, Scenario::officer, today, "2025-07-31T17:30:00Z");
    given(s.events.clone()).when(command).then_accepted();
    let tomorrow = s.register_body("2025-08-02");
    let command = issued(&mut s, Scenario::officer, tomorrow, "2025-07-31T17:30:00Z");
    given(s.events.clone())
        .when(command)
        .then_error(DomainError::DateInFuture {
            field: "registered_on".into(),
            date: d("2025-08-02"),
            today: d("2025-08-01"),
        });
    // 16:59 UTC is still 31 Jul in Vietnam.
    let today = s.register_body("2025-08-01");
    let command = issued(&mut s, Scenario::officer, today, "2025-07-31T16:59:00Z");
    given(s.events.clone())
        .when(command)
        .then_rejected("date_in_future");
}

#[test]
fn every_business_date_of_every_command_is_checked() {
    let mut s = Scenario::recognized_4_stars_2025();
    // Issued on 2026-01-15 (support::issued_at); each body dated a day later is refused.
    let later = "2026-01-16";
    let bodies = [
        s.register_body(later),
        Scenario::open_body(RoundKind::Upgrade, later),
        Scenario::decision_body(4, later),
        CommandBody::RecordComplaint(RecordComplaint {
            received_on: d(later),
            source: ComplaintSource::Consumer,
            summary: "Nhãn sai".into(),
        }),
        CommandBody::RecordInspection(RecordInspection {
            inspected_on: d(later),
            authority: "Sở NN&PTNT".into(),
            findings: "—".into(),
            compliant: true,
            complaint_id: None,
        }),
        CommandBody::WithdrawProduct(WithdrawProduct {
            withdrawn_on: d(later),
            reason: "ngừng sản xuất".into(),
        }),
    ];
    for body in bodies {
        let expected_field = body.business_dates()[0].0;
        let command = issued(
            &mut s,
            Scenario::province_secretary,
            body,
            "2026-01-15T03:00:00Z",
        );
        let err = given(s.events.clone())
            .when(command)
            .then_rejected("date_in_future");
        assert_eq!(
            err,
            DomainError::DateInFuture {
                field: expected_field.into(),
                date: d(later),
                today: d("2026-01-15"),
            }
        );
    }
}

#[test]
fn an_auditor_writes_nothing() {
    let mut s = Scenario::recognized_4_stars_2025();
    let body = CommandBody::RecordComplaint(RecordComplaint {
        received_on: d("2025-10-01"),
        source: ComplaintSource::Consumer,
        summary: "nhãn sai".into(),
    });
    let err = s.when(auditor(), body).then_rejected("forbidden");
    assert!(err.is_forbidden());
}

// ------------------------------------------------------------------ opening a round

#[test]
fn a_round_is_judged_under_the_rules_in_force_on_the_day_it_opened() {
    let mut s = Scenario::lam_dong();
    s.register("2025-07-01");
    let event = s
        .when(
            s.officer(),
            Scenario::open_body(RoundKind::Initial, "2025-09-01"),
        )
        .then_accepted();
    let EventBody::EvaluationOpened(e) = event else {
        panic!()
    };
    assert_eq!(
        (e.round, e.rules_version, e.first_level),
        (1, qd1489(), Level::Commune)
    );

    let mut old = Scenario::ha_noi_district();
    old.register("2023-05-01");
    let event = old
        .when(
            old.officer(),
            Scenario::open_body(RoundKind::Initial, "2023-06-01"),
        )
        .then_accepted();
    let EventBody::EvaluationOpened(e) = event else {
        panic!()
    };
    assert_eq!((e.rules_version, e.first_level), (qd148(), Level::District));
}

#[test]
fn opening_a_round_puts_the_product_in_evaluation_at_the_dossier_stage() {
    let mut s = Scenario::lam_dong();
    s.register("2025-08-01")
        .open(RoundKind::Initial, "2025-09-01");
    assert_eq!(s.state.status, Status::InEvaluation);
    let round = s.state.current_evaluation.as_ref().unwrap();
    assert_eq!(
        (round.round, round.level, round.stage),
        (1, Level::Commune, Stage::Dossier)
    );
    assert_eq!(round.documents.len(), 2);
}

#[test]
fn a_round_opened_before_2019_08_21_has_no_rules_in_force() {
    let mut s = Scenario::ha_noi_district();
    s.register("2019-01-10");
    s.when(
        s.officer(),
        Scenario::open_body(RoundKind::Initial, "2019-08-20"),
    )
    .then_error(DomainError::NoRulesInForce {
        date: d("2019-08-20"),
    });
}

#[test]
fn a_second_round_cannot_open_while_one_is_open() {
    let mut s = Scenario::lam_dong();
    s.register("2025-08-01")
        .open(RoundKind::Initial, "2025-09-01");
    s.when(
        s.officer(),
        Scenario::open_body(RoundKind::Initial, "2025-09-02"),
    )
    .then_error(DomainError::RoundAlreadyOpen { round: 1 });
}

#[test]
fn a_dossier_without_documents_is_rejected() {
    let mut s = Scenario::lam_dong();
    s.register("2025-08-01");
    let body = CommandBody::OpenEvaluation(OpenEvaluation {
        kind: RoundKind::Initial,
        opened_on: d("2025-09-01"),
        documents: vec![],
        legal_basis: None,
    });
    s.when(s.officer(), body)
        .then_error(DomainError::EmptyDossier);
}

#[test]
fn a_round_dated_before_the_registration_is_rejected() {
    let mut s = Scenario::lam_dong();
    s.register("2025-08-01");
    s.when(
        s.officer(),
        Scenario::open_body(RoundKind::Initial, "2025-07-31"),
    )
    .then_error(DomainError::DateBeforeEarlierStep {
        field: "opened_on".into(),
        date: d("2025-07-31"),
        step: "registration".into(),
        step_date: d("2025-08-01"),
    });
}

#[test]
fn a_recognised_product_opens_a_re_evaluation_not_an_initial_round() {
    let mut s = Scenario::recognized_4_stars_2025();
    s.when(
        s.officer(),
        Scenario::open_body(RoundKind::Initial, "2026-01-01"),
    )
    .then_rejected("wrong_state");
    s.when(
        s.officer(),
        Scenario::open_body(RoundKind::ReEvaluation, "2028-07-01"),
    )
    .then_accepted();
}

#[test]
fn a_re_evaluation_needs_a_current_recognition() {
    let mut s = Scenario::lam_dong();
    s.register("2025-08-01");
    s.when(
        s.officer(),
        Scenario::open_body(RoundKind::ReEvaluation, "2025-09-01"),
    )
    .then_rejected("wrong_state");
    s.when(
        s.officer(),
        Scenario::open_body(RoundKind::Upgrade, "2025-09-01"),
    )
    .then_rejected("wrong_state");
}

#[test]
fn a_five_star_product_cannot_be_upgraded() {
    let mut s = Scenario::lam_dong();
    s.run(admin(), legacy_body(5, Some("92.5"), "2024-03-01"));
    s.when(
        s.officer(),
        Scenario::open_body(RoundKind::Upgrade, "2025-09-01"),
    )
    .then_error(DomainError::NothingToUpgrade { stars: 5 });
}

#[test]
fn a_product_under_re_evaluation_stays_recognised() {
    let mut s = Scenario::recognized_4_stars_2025();
    s.open(RoundKind::ReEvaluation, "2028-07-01");
    assert_eq!(s.state.status, Status::Recognized);
    assert_eq!(s.state.current_evaluation.as_ref().unwrap().round, 2);
}

#[test]
fn a_revoked_product_comes_back_only_through_a_round_with_a_legal_basis() {
    let mut s = Scenario::recognized_4_stars_2025();
    s.run(s.province_secretary(), revocation_body("2025-12-01"));
    assert_eq!(s.state.status, Status::Revoked);
    s.when(
        s.officer(),
        Scenario::open_body(RoundKind::Initial, "2026-02-01"),
    )
    .then_error(DomainError::LegalBasisRequired);
    let body = CommandBody::OpenEvaluation(OpenEvaluation {
        kind: RoundKind::Initial,
        opened_on: d("2026-02-01"),
        documents: vec![doc("registration_form")],
        legal_basis: Some("Công văn 88/SNN-PTNT cho phép đánh giá lại".into()),
    });
    let state = s.when(s.officer(), body).then_state();
    assert_eq!(state.status, Status::InEvaluation);
}

#[test]
fn a_district_secretary_opens_rounds_only_under_versions_with_a_district_level() {
    let mut s = Scenario::ha_noi_district();
    s.register("2023-05-01");
    let actor = s.secretary(Level::District);
    s.when(
        actor.clone(),
        Scenario::open_body(RoundKind::Initial, "2023-06-01"),
    )
    .then_accepted();
    s.when(actor, Scenario::open_body(RoundKind::Initial, "2025-08-01"))
        .then_rejected("forbidden");
}

// ------------------------------------------------------------------ return and amend

fn return_body(on: &str) -> CommandBody {
    CommandBody::ReturnDossier(ReturnDossier {
        returned_on: d(on),
        reasons: vec!["thiếu phiếu kiểm nghiệm".into()],
    })
}

fn amend_body(on: &str) -> CommandBody {
    CommandBody::AmendDossier(AmendDossier {
        amended_on: d(on),
        documents: vec![doc("test_result"), doc("business_plan")],
    })
}

#[test]
fn the_commune_returns_a_dossier_and_the_amended_dossier_goes_back_to_review() {
    let mut s = Scenario::lam_dong();
    s.register("2025-08-01")
        .open(RoundKind::Initial, "2025-09-01");
    s.run(s.officer(), return_body("2025-09-03"));
    assert_eq!(
        s.state.current_evaluation.as_ref().unwrap().stage,
        Stage::Returned
    );
    s.run(s.officer(), amend_body("2025-09-04"));
    let round = s.state.current_evaluation.as_ref().unwrap();
    assert_eq!(round.stage, Stage::Dossier);
    // business_plan replaced (same kind and title), test_result added.
    assert_eq!(round.documents.len(), 3);
    assert_eq!(round.returns[0].amended_on, Some(d("2025-09-04")));
    s.assess(true, "2025-09-05");
}

#[test]
fn the_province_returns_a_forwarded_dossier_but_the_commune_cannot_at_that_level() {
    let mut s = Scenario::lam_dong();
    s.register("2025-08-01")
        .open(RoundKind::Initial, "2025-09-01")
        .assess(true, "2025-09-05");
    s.when(s.officer(), return_body("2025-09-06"))
        .then_rejected("forbidden");
    s.run(s.province_secretary(), return_body("2025-09-06"));
    s.run(s.officer(), amend_body("2025-09-08"));
    let round = s.state.current_evaluation.as_ref().unwrap();
    assert_eq!(
        (round.level, round.stage),
        (Level::Provincial, Stage::AwaitingCouncil)
    );
}

#[test]
fn a_dossier_cannot_be_returned_without_reasons() {
    let mut s = Scenario::lam_dong();
    s.register("2025-08-01")
        .open(RoundKind::Initial, "2025-09-01");
    let body = CommandBody::ReturnDossier(ReturnDossier {
        returned_on: d("2025-09-03"),
        reasons: vec![" ".into()],
    });
    s.when(s.officer(), body)
        .then_error(DomainError::RequiredFieldMissing {
            field: "reasons".into(),
        });
}

#[test]
fn a_dossier_that_was_not_returned_cannot_be_amended() {
    let mut s = Scenario::lam_dong();
    s.register("2025-08-01")
        .open(RoundKind::Initial, "2025-09-01");
    s.when(s.officer(), amend_body("2025-09-04"))
        .then_rejected("wrong_stage");
}

#[test]
fn a_dossier_before_a_sitting_council_cannot_be_returned() {
    let mut s = Scenario::provincial_council_2025();
    s.when(s.province_secretary(), return_body("2025-09-11"))
        .then_rejected("wrong_stage");
}

#[test]
fn return_and_amend_need_an_open_round() {
    let mut s = Scenario::lam_dong();
    s.register("2025-08-01");
    s.when(s.officer(), return_body("2025-09-03"))
        .then_error(DomainError::NoOpenRound {
            command: "return the dossier".into(),
        });
}

// ------------------------------------------------------------------ commune assessment

#[test]
fn the_commune_forwards_a_dossier_to_the_provincial_council() {
    let mut s = Scenario::lam_dong();
    s.register("2025-08-01")
        .open(RoundKind::Initial, "2025-09-01");
    let event = s
        .when(s.officer(), Scenario::assess_body(true, "2025-09-05"))
        .then_accepted();
    let EventBody::LocalAssessmentRecorded(e) = &event else {
        panic!()
    };
    assert_eq!(
        (e.level, e.forwarded_to, e.rules_version.clone()),
        (Level::Commune, Some(Level::Provincial), qd1489())
    );
    s.assess(true, "2025-09-05");
    let round = s.state.current_evaluation.as_ref().unwrap();
    assert_eq!(
        (round.level, round.stage),
        (Level::Provincial, Stage::AwaitingCouncil)
    );
}

#[test]
fn a_dossier_the_commune_does_not_forward_ends_the_round_unrecognised() {
    let mut s = Scenario::lam_dong();
    s.register("2025-08-01")
        .open(RoundKind::Initial, "2025-09-01")
        .assess(false, "2025-09-05");
    assert_eq!(s.state.status, Status::NotRecognized);
    assert!(s.state.current_evaluation.is_none());
    assert_eq!(
        s.state.past_evaluations[0].end.unwrap().outcome,
        RoundOutcome::NotForwarded
    );
}

#[test]
fn there_is_no_commune_assessment_under_qd148_2023() {
    let mut s = Scenario::ha_noi_district();
    s.register("2023-05-01")
        .open(RoundKind::Initial, "2023-06-01");
    s.when(s.officer(), Scenario::assess_body(true, "2023-06-05"))
        .then_error(DomainError::LevelNotInRulesVersion {
            level: Level::Commune,
            rules_version: qd148(),
        });
}

#[test]
fn the_commune_assesses_a_dossier_only_once() {
    let mut s = Scenario::lam_dong();
    s.register("2025-08-01")
        .open(RoundKind::Initial, "2025-09-01")
        .assess(true, "2025-09-05");
    s.when(s.officer(), Scenario::assess_body(true, "2025-09-06"))
        .then_rejected("wrong_stage");
}

// ------------------------------------------------------------------ councils

#[test]
fn a_provincial_council_sits_once_the_commune_forwards() {
    let s = Scenario::provincial_council_2025();
    let round = s.state.current_evaluation.as_ref().unwrap();
    assert_eq!(
        (round.level, round.stage),
        (Level::Provincial, Stage::Council)
    );
    assert_eq!(round.councils[0].members.len(), 3);
}

#[test]
fn a_provincial_council_cannot_sit_before_the_commune_forwards() {
    let mut s = Scenario::lam_dong();
    s.register("2025-08-01")
        .open(RoundKind::Initial, "2025-09-01");
    s.when(
        s.province_secretary(),
        Scenario::council_body(Level::Provincial, 3, 3, true, None, "2025-09-10"),
    )
    .then_error(DomainError::CouncilOutOfTurn {
        level: Level::Provincial,
        expected_level: Level::Commune,
    });
}

#[test]
fn a_central_council_cannot_sit_before_a_provincial_award() {
    let mut s = Scenario::lam_dong();
    s.register("2025-08-01")
        .open(RoundKind::Initial, "2025-09-01")
        .assess(true, "2025-09-05");
    s.when(
        central_secretary(),
        Scenario::council_body(Level::Central, 7, 5, true, None, "2025-09-10"),
    )
    .then_error(DomainError::CouncilOutOfTurn {
        level: Level::Central,
        expected_level: Level::Provincial,
    });
}

#[test]
fn a_district_council_may_award_three_stars_under_qd148_2023() {
    let mut s = Scenario::district_council_2023();
    s.cards(&[60, 62, 58], "2023-06-10").conclude("2023-06-12");
    let event = s
        .when(
            s.secretary(Level::District),
            Scenario::decision_body(3, "2023-06-20"),
        )
        .then_accepted();
    let EventBody::RecognitionDecided(e) = event else {
        panic!()
    };
    assert_eq!(
        (e.level, e.stars, e.rules_version),
        (Level::District, 3, qd148())
    );
    assert_eq!(e.valid_until, d("2026-06-20"));
}

#[test]
fn a_district_decides_nothing_after_the_districts_were_abolished() {
    // Given a qd148-2023 district round concluded in June 2025; when the district
    // secretary decides on 2025-07-10, after the rules in force (qd1489-2025) have no
    // district level; then the decision is refused (rule 10: the audit would flag it
    // `level_cannot_award`), though the round keeps its version.
    let mut s = Scenario::ha_noi_district();
    s.register("2025-05-01")
        .open(RoundKind::Initial, "2025-06-01")
        .convene(Level::District, 3, 3, None, "2025-06-10");
    s.cards(&[60, 62, 58], "2025-06-10").conclude("2025-06-12");
    s.when(
        s.secretary(Level::District),
        Scenario::decision_body(3, "2025-07-10"),
    )
    .then_error(DomainError::LevelNotInRulesVersion {
        level: Level::District,
        rules_version: qd1489(),
    });
    s.when(
        s.secretary(Level::District),
        Scenario::decision_body(3, "2025-07-05"),
    )
    .then_accepted();
}

#[test]
fn there_is_no_district_council_under_qd1489_2025() {
    let mut s = Scenario::ha_noi_district();
    s.register("2023-05-01")
        .open(RoundKind::Initial, "2025-09-01");
    let actor = s.secretary(Level::District);
    s.when(
        actor,
        Scenario::council_body(Level::District, 3, 3, true, None, "2025-09-10"),
    )
    .then_error(DomainError::LevelNotInRulesVersion {
        level: Level::District,
        rules_version: qd1489(),
    });
}

#[test]
fn a_round_that_starts_at_a_district_council_needs_a_product_with_a_district() {
    // Lâm Đồng's product is recorded with its commune only: under qd148-2023 no district
    // council could take the round up, so it is not opened (it would be stuck).
    let mut s = Scenario::lam_dong();
    s.register("2023-05-01");
    let officer = s.officer();
    s.when(
        officer.clone(),
        Scenario::open_body(RoundKind::Initial, "2024-01-10"),
    )
    .then_error(DomainError::DistrictRequired {
        rules_version: qd148(),
    });
    // From 2025-07-06 the round starts at the commune: the same product opens one.
    s.when(
        officer,
        Scenario::open_body(RoundKind::Initial, "2025-09-01"),
    )
    .then_accepted();
}

#[test]
fn a_provincial_secretary_cannot_convene_a_district_council() {
    let mut s = Scenario::ha_noi_district();
    s.register("2023-05-01")
        .open(RoundKind::Initial, "2023-06-01");
    s.when(
        s.province_secretary(),
        Scenario::council_body(Level::District, 3, 3, true, None, "2023-06-10"),
    )
    .then_rejected("forbidden");
}

#[test]
fn a_council_listing_a_member_twice_is_rejected() {
    let mut s = Scenario::lam_dong();
    s.register("2025-08-01")
        .open(RoundKind::Initial, "2025-09-01")
        .assess(true, "2025-09-05");
    let CommandBody::ConveneCouncil(mut c) =
        Scenario::council_body(Level::Provincial, 3, 3, true, None, "2025-09-10")
    else {
        unreachable!()
    };
    c.members[2].member_id = "m2".into();
    s.when(s.province_secretary(), CommandBody::ConveneCouncil(c))
        .then_error(DomainError::DuplicateMember {
            member_id: "m2".into(),
        });
}

#[test]
fn a_quorum_larger_than_the_council_is_rejected() {
    let mut s = Scenario::lam_dong();
    s.register("2025-08-01")
        .open(RoundKind::Initial, "2025-09-01")
        .assess(true, "2025-09-05");
    s.when(
        s.province_secretary(),
        Scenario::council_body(Level::Provincial, 3, 4, true, None, "2025-09-10"),
    )
    .then_error(DomainError::QuorumUnreachable {
        min_present: 4,
        members: 3,
    });
}

#[test]
fn a_quorum_requiring_a_chair_needs_a_chair_in_the_council() {
    let mut s = Scenario::lam_dong();
    s.register("2025-08-01")
        .open(RoundKind::Initial, "2025-09-01")
        .assess(true, "2025-09-05");
    let CommandBody::ConveneCouncil(mut c) =
        Scenario::council_body(Level::Provincial, 3, 3, true, None, "2025-09-10")
    else {
        unreachable!()
    };
    c.members[0].role = MemberRole::ViceChair;
    s.when(s.province_secretary(), CommandBody::ConveneCouncil(c))
        .then_error(DomainError::NoChairInCouncil);
}

// ------------------------------------------------------------------ scorecards

#[test]
fn part_a_of_41_is_rejected_under_qd148_2023() {
    let mut s = Scenario::district_council_2023();
    let body = s.card_parts(1, (41, 20, 20), &[], "2023-06-10");
    s.when(s.secretary(Level::District), body)
        .then_error(DomainError::PartAboveMaximum {
            part: "a".into(),
            points: 41,
            max: 40,
            rules_version: qd148(),
        });
    let body = s.card_parts(1, (40, 25, 35), &[], "2023-06-10");
    s.when(s.secretary(Level::District), body).then_accepted();
}

#[test]
fn part_a_of_36_is_rejected_under_qd1048_2019() {
    let mut s = Scenario::ha_noi_district();
    s.register("2021-03-01")
        .open(RoundKind::Initial, "2021-04-01")
        .convene(Level::District, 3, 3, None, "2021-04-10");
    let body = s.card_parts(1, (36, 20, 20), &[], "2021-04-10");
    s.when(s.secretary(Level::District), body)
        .then_error(DomainError::PartAboveMaximum {
            part: "a".into(),
            points: 36,
            max: 35,
            rules_version: RulesVersionId::QD1048_2019,
        });
    let body = s.card_parts(1, (35, 25, 40), &[], "2021-04-10");
    s.when(s.secretary(Level::District), body).then_accepted();
}

#[test]
fn parts_b_and_c_are_checked_against_their_maxima_too() {
    let mut s = Scenario::provincial_council_2025();
    let body = s.card_parts(1, (30, 26, 20), &[], "2025-09-10");
    s.when(s.province_secretary(), body)
        .then_rejected("part_above_maximum");
    let body = s.card_parts(1, (30, 20, 36), &[], "2025-09-10");
    s.when(s.province_secretary(), body)
        .then_rejected("part_above_maximum");
}

#[test]
fn a_card_from_someone_not_on_the_council_is_rejected() {
    let mut s = Scenario::provincial_council_2025();
    let body = s.card_parts(9, (30, 20, 20), &[], "2025-09-10");
    s.when(s.province_secretary(), body)
        .then_error(DomainError::UnknownMember {
            member_id: "m9".into(),
            level: Level::Provincial,
        });
}

#[test]
fn a_new_card_from_the_same_member_supersedes_the_old_one() {
    let mut s = Scenario::provincial_council_2025();
    s.cards(&[70], "2025-09-10");
    let first = s.last_event_id();
    let body = s.card_body(1, 75, &[], "2025-09-10");
    let event = s.when(s.province_secretary(), body.clone()).then_accepted();
    let EventBody::ScorecardRecorded(e) = event else {
        panic!()
    };
    assert_eq!((e.supersedes, e.total), (Some(first), 75));
    s.run(s.province_secretary(), body);
    let council = &s.state.current_evaluation.as_ref().unwrap().councils[0];
    assert_eq!(council.scorecards.len(), 1);
    assert_eq!(
        (
            council.scorecards[0].total,
            council.scorecards[0].superseded.clone()
        ),
        (75, vec![first])
    );
}

#[test]
fn scorecards_wait_for_a_sitting_council() {
    let mut s = Scenario::lam_dong();
    s.register("2025-08-01")
        .open(RoundKind::Initial, "2025-09-01")
        .assess(true, "2025-09-05");
    let CommandBody::RecordScorecard(card) = Scenario::lam_dong_card() else {
        unreachable!()
    };
    s.when(s.province_secretary(), CommandBody::RecordScorecard(card))
        .then_rejected("wrong_stage");
}

trait CardFixture {
    fn lam_dong_card() -> CommandBody;
}
impl CardFixture for Scenario {
    fn lam_dong_card() -> CommandBody {
        CommandBody::RecordScorecard(RecordScorecard {
            member_id: "m1".into(),
            recorded_on: d("2025-09-10"),
            part_a: 30,
            part_b: 20,
            part_c: 20,
            mandatory_failed: vec![],
            criteria: vec![CriterionPoints {
                code: "A1".into(),
                points: 4,
            }],
        })
    }
}

#[test]
fn a_card_dated_before_the_council_met_is_rejected() {
    let mut s = Scenario::provincial_council_2025();
    let body = s.card_body(1, 70, &[], "2025-09-09");
    s.when(s.province_secretary(), body)
        .then_rejected("date_before_earlier_step");
}

// ------------------------------------------------------------------ conclusion

#[test]
fn four_cards_where_the_quorum_is_five_cannot_be_concluded() {
    let mut s = Scenario::lam_dong();
    s.register("2025-08-01")
        .open(RoundKind::Initial, "2025-09-01")
        .assess(true, "2025-09-05");
    s.convene(Level::Provincial, 7, 5, None, "2025-09-10")
        .cards(&[80, 80, 80, 80], "2025-09-10");
    s.when(
        s.province_secretary(),
        Scenario::conclude_body("2025-09-12"),
    )
    .then_error(DomainError::QuorumNotMet {
        present: 4,
        required: 5,
    });
    s.cards(&[80, 80, 80, 80, 81], "2025-09-10")
        .conclude("2025-09-12");
}

#[test]
fn the_chair_must_have_scored_when_the_quorum_requires_it() {
    let mut s = Scenario::lam_dong();
    s.register("2025-08-01")
        .open(RoundKind::Initial, "2025-09-01")
        .assess(true, "2025-09-05");
    s.convene(Level::Provincial, 4, 3, None, "2025-09-10");
    for m in 2..=4 {
        let body = s.card_body(m, 80, &[], "2025-09-10");
        s.run(s.province_secretary(), body);
    }
    s.when(
        s.province_secretary(),
        Scenario::conclude_body("2025-09-12"),
    )
    .then_error(DomainError::ChairAbsent);
}

#[test]
fn the_engine_derives_the_whole_conclusion_from_the_cards() {
    let mut s = Scenario::provincial_council_2025();
    s.cards(&[70, 70, 69], "2025-09-10");
    let council = s.state.current_evaluation.as_ref().unwrap().councils[0].clone();
    let expected = EventBody::ScoringConcluded(ScoringConcluded {
        round: 1,
        rules_version: qd1489(),
        level: Level::Provincial,
        council_ref: "1234/QĐ-UBND".into(),
        concluded_on: d("2025-09-12"),
        scorecards: council
            .scorecards
            .iter()
            .map(|c| CountedCard {
                member_id: c.member_id.clone(),
                scorecard_event_id: c.event_id,
                total: c.total,
            })
            .collect(),
        members_present: 3,
        chair_present: true,
        quorum: Quorum {
            min_present: 3,
            chair_required: true,
        },
        quorum_met: true,
        mean: Mean::new(209, 3).unwrap(),
        mean_display: "69.67".into(),
        band_stars: 3,
        spread: 1,
        spread_limit: None,
        spread_within_limit: true,
        mandatory_failed: vec![],
        mandatory_met: true,
        mandatory_blocks_from: None,
        outcome: ScoringOutcome::Award {
            stars: 3,
            potential_five_star: false,
        },
    });
    s.when(
        s.province_secretary(),
        Scenario::conclude_body("2025-09-12"),
    )
    .then_events(&[expected]);
}

#[test]
fn totals_60_and_75_with_a_spread_limit_of_10_require_re_scoring() {
    let mut s = Scenario::lam_dong();
    s.register("2025-08-01")
        .open(RoundKind::Initial, "2025-09-01")
        .assess(true, "2025-09-05");
    s.convene(Level::Provincial, 2, 2, Some(10), "2025-09-10")
        .cards(&[60, 75], "2025-09-10");
    let event = s
        .when(
            s.province_secretary(),
            Scenario::conclude_body("2025-09-12"),
        )
        .then_accepted();
    let EventBody::ScoringConcluded(e) = event else {
        panic!()
    };
    assert_eq!(
        (e.outcome, e.spread, e.spread_within_limit),
        (ScoringOutcome::RescoreRequired, 15, false)
    );
    s.conclude("2025-09-12");
    assert_eq!(
        s.state.current_evaluation.as_ref().unwrap().stage,
        Stage::Council
    );
    s.when(
        s.province_secretary(),
        Scenario::decision_body(4, "2025-09-20"),
    )
    .then_error(DomainError::RescoreRequired {
        spread: 15,
        spread_limit: 10,
    });
    // Re-scoring supersedes the cards; concluding again gives a result.
    s.cards(&[70, 75], "2025-09-13").conclude("2025-09-13");
    let result = s
        .state
        .current_evaluation
        .as_ref()
        .unwrap()
        .results
        .last()
        .unwrap()
        .clone();
    assert_eq!(
        (result.mean.as_str(), result.outcome),
        (
            "72.50",
            ScoringOutcome::Award {
                stars: 4,
                potential_five_star: false
            }
        )
    );
    s.decide(4, "2025-09-20");
}

#[test]
fn a_failed_mandatory_criterion_blocks_the_award() {
    let mut s = Scenario::provincial_council_2025();
    for (m, failed) in [(1, vec!["C1"]), (2, vec!["C1", "A3"]), (3, vec![])] {
        let body = s.card_body(m, 90, &failed, "2025-09-10");
        s.run(s.province_secretary(), body);
    }
    let event = s
        .when(
            s.province_secretary(),
            Scenario::conclude_body("2025-09-12"),
        )
        .then_accepted();
    let EventBody::ScoringConcluded(e) = event else {
        panic!()
    };
    assert_eq!(
        (e.outcome, e.mandatory_failed.clone(), e.mandatory_met),
        (ScoringOutcome::NotRecognized, vec!["C1".to_owned()], false)
    );
    assert_eq!(e.band_stars, 5);
    s.conclude("2025-09-12");
    s.when(
        s.province_secretary(),
        Scenario::decision_body(4, "2025-09-20"),
    )
    .then_error(DomainError::MandatoryCriterionFailed {
        criteria: vec!["C1".into()],
    });
    let event = s
        .when(s.province_secretary(), Scenario::refusal_body("2025-09-20"))
        .then_accepted();
    let EventBody::RecognitionRefused(e) = event else {
        panic!()
    };
    assert_eq!(
        (e.mandatory_failed, e.mean),
        (vec!["C1".to_owned()], "90.00".to_owned())
    );
    s.refuse("2025-09-20");
    assert_eq!(s.state.status, Status::NotRecognized);
}

/// Concludes the provincial council of 2025 on three cards of `total` points, two of
/// which name `failed`, and returns the conclusion.
fn concluded_with_failed(s: &mut Scenario, total: u32, failed: &str) -> ScoringConcluded {
    for (m, f) in [(1, vec![failed]), (2, vec![failed]), (3, vec![])] {
        let body = s.card_body(m, total, &f, "2025-09-10");
        s.run(s.province_secretary(), body);
    }
    let event = s
        .when(
            s.province_secretary(),
            Scenario::conclude_body("2025-09-12"),
        )
        .then_accepted();
    let EventBody::ScoringConcluded(e) = event else {
        panic!()
    };
    s.conclude("2025-09-12");
    e
}

#[test]
fn a_failed_4_star_criterion_leaves_the_3_star_band_a_mean_of_80_reaches() {
    // Given a food product scored 80 under qd1489-2025, SHTT (mandatory from 4★ in the
    // sheet) failed on two of three cards; when the council concludes; then the outcome is
    // 3★, not "not recognised" (rule 2), and a 4★ decision is refused.
    let mut s = Scenario::provincial_council_2025();
    let e = concluded_with_failed(&mut s, 80, "SHTT");
    assert_eq!(
        (e.outcome, e.mandatory_blocks_from, e.band_stars),
        (
            ScoringOutcome::Award {
                stars: 3,
                potential_five_star: false
            },
            Some(4),
            4
        )
    );
    s.when(
        s.province_secretary(),
        Scenario::decision_body(4, "2025-09-20"),
    )
    .then_error(DomainError::MandatoryCriterionFailed {
        criteria: vec!["SHTT".into()],
    });
    s.decide(3, "2025-09-20");
    assert_eq!(s.state.recognition.as_ref().unwrap().stars, 3);
}

fn reopen_body(on: &str, reason: &str) -> CommandBody {
    CommandBody::ReopenScoring(ReopenScoring {
        reopened_on: d(on),
        reason: reason.into(),
    })
}

#[test]
fn a_card_entered_wrong_is_corrected_by_re_opening_the_scoring_before_the_decision() {
    // Given a conclusion on cards of 80, 80 and 60 — the third entered wrong, 80 meant;
    // when the secretary re-opens the scoring with a reason, enters the corrected card and
    // concludes again; then both conclusions are on record, the first set aside with the
    // reason, and the decision rests on the second.
    let mut s = Scenario::provincial_council_2025();
    s.cards(&[80, 80, 60], "2025-09-10").conclude("2025-09-12");
    let event = s
        .when(
            s.province_secretary(),
            reopen_body("2025-09-13", "Phiếu của m3 nhập sai: 60 thay vì 80"),
        )
        .then_accepted();
    let EventBody::ScoringReopened(e) = event else {
        panic!("{event:?}")
    };
    let first = s.state.current_evaluation.as_ref().unwrap().results[0].event_id;
    assert_eq!((e.conclusion_event_id, e.level), (first, Level::Provincial));
    s.run(
        s.province_secretary(),
        reopen_body("2025-09-13", "Phiếu của m3 nhập sai: 60 thay vì 80"),
    );
    let round = s.state.current_evaluation.as_ref().unwrap();
    assert_eq!(round.stage, Stage::Council);
    assert!(round.results[0].reopened.is_some());
    // The decision waits for the new conclusion.
    s.when(
        s.province_secretary(),
        Scenario::decision_body(4, "2025-09-20"),
    )
    .then_rejected("wrong_stage");
    // A conclusion dated before the re-opening is refused.
    s.when(
        s.province_secretary(),
        Scenario::conclude_body("2025-09-12"),
    )
    .then_rejected("date_before_earlier_step");
    let card = s.card_body(3, 80, &[], "2025-09-14");
    s.run(s.province_secretary(), card);
    s.conclude("2025-09-14");
    let round = s.state.current_evaluation.as_ref().unwrap();
    assert_eq!(round.results.len(), 2);
    assert_eq!(round.results[1].mean, "80.00");
    assert!(round.results[1].reopened.is_none());
    s.decide(4, "2025-09-20");
    assert_eq!(s.state.recognition.as_ref().unwrap().stars, 4);
}

#[test]
fn a_scoring_is_re_opened_only_after_its_conclusion_before_the_decision_with_a_reason() {
    let mut s = Scenario::provincial_council_2025();
    s.cards(&[80, 80, 80], "2025-09-10");
    s.when(
        s.province_secretary(),
        reopen_body("2025-09-12", "Sai phiếu"),
    )
    .then_rejected("wrong_stage");
    s.conclude("2025-09-12");
    s.when(
        s.province_secretary(),
        reopen_body("2025-09-11", "Sai phiếu"),
    )
    .then_rejected("date_before_earlier_step");
    s.when(s.province_secretary(), reopen_body("2025-09-13", "  "))
        .then_rejected("required_field_missing");
    s.when(s.officer(), reopen_body("2025-09-13", "Sai phiếu"))
        .then_rejected("forbidden");
    s.decide(4, "2025-09-20");
    s.when(
        s.province_secretary(),
        reopen_body("2025-09-21", "Sai phiếu"),
    )
    .then_rejected("no_open_round");
}

#[test]
fn a_failed_3_star_criterion_blocks_every_award() {
    let mut s = Scenario::provincial_council_2025();
    let e = concluded_with_failed(&mut s, 80, "ATTP");
    assert_eq!(
        (e.outcome, e.mandatory_blocks_from),
        (ScoringOutcome::NotRecognized, Some(3))
    );
    s.when(
        s.province_secretary(),
        Scenario::decision_body(3, "2025-09-20"),
    )
    .then_error(DomainError::MandatoryCriterionFailed {
        criteria: vec!["ATTP".into()],
    });
}

#[test]
fn a_failed_5_star_criterion_keeps_the_4_star_award_without_the_potential_flag() {
    let mut s = Scenario::provincial_council_2025();
    let e = concluded_with_failed(&mut s, 95, "HE_THONG_CL");
    assert_eq!(
        (e.outcome, e.mandatory_blocks_from),
        (
            ScoringOutcome::Award {
                stars: 4,
                potential_five_star: false
            },
            Some(5)
        )
    );
    s.decide(4, "2025-09-20");
    assert!(!s.state.recognition.as_ref().unwrap().potential_five_star);
}

#[test]
fn a_criterion_the_sheet_does_not_have_blocks_every_award() {
    // "C1" is not in the sheet: it counts as mandatory from 3★ (RULE-DECISIONS 41), as
    // every failed criterion did before criteria had levels.
    let mut s = Scenario::provincial_council_2025();
    let e = concluded_with_failed(&mut s, 80, "C1");
    assert_eq!(
        (e.outcome, e.mandatory_blocks_from),
        (ScoringOutcome::NotRecognized, Some(3))
    );
}

#[test]
fn a_mandatory_criterion_listed_by_half_the_cards_or_fewer_does_not_block() {
    let mut s = Scenario::lam_dong();
    s.register("2025-08-01")
        .open(RoundKind::Initial, "2025-09-01")
        .assess(true, "2025-09-05");
    s.convene(Level::Provincial, 2, 2, None, "2025-09-10");
    let body = s.card_body(1, 80, &["C1"], "2025-09-10");
    s.run(s.province_secretary(), body);
    let body = s.card_body(2, 80, &[], "2025-09-10");
    s.run(s.province_secretary(), body);
    let event = s
        .when(
            s.province_secretary(),
            Scenario::conclude_body("2025-09-12"),
        )
        .then_accepted();
    let EventBody::ScoringConcluded(e) = event else {
        panic!()
    };
    assert!(e.mandatory_met);
    assert_eq!(
        e.outcome,
        ScoringOutcome::Award {
            stars: 4,
            potential_five_star: false
        }
    );
}

#[test]
fn a_conclusion_dated_before_the_last_card_is_rejected() {
    let mut s = Scenario::provincial_council_2025();
    s.cards(&[80, 80, 80], "2025-09-11");
    s.when(
        s.province_secretary(),
        Scenario::conclude_body("2025-09-10"),
    )
    .then_rejected("date_before_earlier_step");
}

#[test]
fn scoring_cannot_be_concluded_twice() {
    let mut s = Scenario::provincial_council_2025();
    s.cards(&[80, 80, 80], "2025-09-10").conclude("2025-09-12");
    s.when(
        s.province_secretary(),
        Scenario::conclude_body("2025-09-12"),
    )
    .then_rejected("wrong_stage");
}

#[test]
fn a_district_council_forwards_70_or_more_to_the_province_under_qd148_2023() {
    let mut s = Scenario::district_council_2023();
    s.cards(&[72, 74, 76], "2023-06-10").conclude("2023-06-12");
    let round = s.state.current_evaluation.as_ref().unwrap();
    assert_eq!(
        (round.level, round.stage),
        (Level::Provincial, Stage::AwaitingCouncil)
    );
    assert_eq!(
        round.results[0].outcome,
        ScoringOutcome::Forward {
            to: Level::Provincial
        }
    );
}

#[test]
fn a_district_council_forwards_50_or_more_under_qd1048_2019_and_the_province_awards_three_stars() {
    let mut s = Scenario::ha_noi_district();
    s.register("2021-03-01")
        .open(RoundKind::Initial, "2021-04-01")
        .convene(Level::District, 3, 3, None, "2021-04-10");
    s.cards(&[60, 60, 60], "2021-04-10").conclude("2021-04-12");
    assert_eq!(
        s.state.current_evaluation.as_ref().unwrap().level,
        Level::Provincial
    );
    s.convene(Level::Provincial, 3, 3, None, "2021-05-10")
        .cards(&[60, 61, 62], "2021-05-10")
        .conclude("2021-05-12");
    s.when(
        s.secretary(Level::District),
        Scenario::decision_body(3, "2021-05-20"),
    )
    .then_rejected("forbidden");
    s.decide(3, "2021-05-20");
    let rec = s.state.recognition.as_ref().unwrap();
    assert_eq!(
        (rec.stars, rec.level, rec.rules_version.clone()),
        (3, Level::Provincial, Some(RulesVersionId::QD1048_2019))
    );
}

#[test]
fn a_district_council_mean_under_50_is_not_recognised_and_refused_by_the_district() {
    let mut s = Scenario::district_council_2023();
    s.cards(&[45, 48, 40], "2023-06-10").conclude("2023-06-12");
    s.when(
        s.secretary(Level::District),
        Scenario::decision_body(3, "2023-06-20"),
    )
    .then_error(DomainError::StarsAboveBand {
        stars: 3,
        mean: "44.33".into(),
        allowed: 0,
    });
    s.refuse("2023-06-20");
    assert_eq!(s.state.status, Status::NotRecognized);
}

// ------------------------------------------------------------------ decisions

#[test]
fn totals_70_70_69_give_a_mean_of_69_67_and_three_stars_only() {
    let mut s = Scenario::provincial_council_2025();
    s.cards(&[70, 70, 69], "2025-09-10").conclude("2025-09-12");
    assert_eq!(
        s.state.current_evaluation.as_ref().unwrap().results[0].mean,
        "69.67"
    );
    s.when(
        s.province_secretary(),
        Scenario::decision_body(4, "2025-09-20"),
    )
    .then_error(DomainError::StarsAboveBand {
        stars: 4,
        mean: "69.67".into(),
        allowed: 3,
    });
    let event = s
        .when(
            s.province_secretary(),
            Scenario::decision_body(3, "2025-09-20"),
        )
        .then_accepted();
    assert_eq!(
        event,
        EventBody::RecognitionDecided(RecognitionDecided {
            decision_id: None,
            round: 1,
            rules_version: qd1489(),
            level: Level::Provincial,
            stars: 3,
            potential_five_star: false,
            mean: "69.67".into(),
            authority: "UBND tỉnh Lâm Đồng".into(),
            decision_no: "156/QĐ-UBND".into(),
            decided_on: d("2025-09-20"),
            certificate_no: None,
            valid_until: d("2028-09-20"),
        })
    );
}

#[test]
fn totals_90_90_90_at_a_provincial_council_give_four_stars_with_the_potential_flag_and_only_the_central_council_awards_five()
 {
    let mut s = Scenario::provincial_council_2025();
    s.cards(&[90, 90, 90], "2025-09-10").conclude("2025-09-12");
    s.when(
        s.province_secretary(),
        Scenario::decision_body(5, "2025-09-20"),
    )
    .then_error(DomainError::LevelCannotAward {
        level: Level::Provincial,
        stars: 5,
        rules_version: qd1489(),
    });
    s.decide(4, "2025-09-20");
    let rec = s.state.recognition.clone().unwrap();
    assert_eq!(
        (rec.stars, rec.potential_five_star, rec.level),
        (4, true, Level::Provincial)
    );
    assert_eq!(s.state.status, Status::Recognized);
    let round = s.state.current_evaluation.as_ref().unwrap();
    assert_eq!(
        (round.level, round.stage),
        (Level::Central, Stage::AwaitingCouncil)
    );
    // The province cannot convene the central council or decide 5★.
    s.when(
        s.province_secretary(),
        Scenario::council_body(Level::Central, 7, 5, true, None, "2025-11-01"),
    )
    .then_rejected("forbidden");
    s.convene(Level::Central, 7, 5, None, "2025-11-01")
        .cards(&[92, 91, 90, 93, 90], "2025-11-01")
        .conclude("2025-11-02");
    s.when(
        s.province_secretary(),
        Scenario::decision_body(5, "2025-11-20"),
    )
    .then_rejected("forbidden");
    s.decide(5, "2025-11-20");
    let rec = s.state.recognition.clone().unwrap();
    assert_eq!(
        (
            rec.stars,
            rec.level,
            rec.potential_five_star,
            rec.valid_until
        ),
        (5, Level::Central, false, d("2028-11-20"))
    );
    assert_eq!(
        s.state.past_recognitions[0].ended.unwrap().reason,
        RecognitionEndReason::Replaced
    );
    assert!(s.state.current_evaluation.is_none());
}

/// A central 5★ (2025-11-20) re-evaluated before it ends, its province awarding 4★ with
/// the flag on 2028-08-01: returns the scenario with the round awaiting the central
/// council.
fn five_stars_under_re_evaluation() -> Scenario {
    let mut s = Scenario::provincial_council_2025();
    s.cards(&[90, 90, 90], "2025-09-10")
        .conclude("2025-09-12")
        .decide(4, "2025-09-20")
        .convene(Level::Central, 7, 5, None, "2025-11-01")
        .cards(&[92, 91, 90, 93, 90], "2025-11-01")
        .conclude("2025-11-02")
        .decide(5, "2025-11-20")
        .open(RoundKind::ReEvaluation, "2028-07-01")
        .assess(true, "2028-07-05")
        .convene(Level::Provincial, 3, 3, None, "2028-07-15")
        .cards(&[91, 90, 92], "2028-07-15")
        .conclude("2028-07-16")
        .decide(4, "2028-08-01");
    s
}

/// Given a central 5★ under re-evaluation, when its province awards 4★ with the flag,
/// then the 5★ stands (rule 11) and the 4★ waits; when the ministry awards 5★ again, the
/// new 5★ replaces the old and the province's award ends unused.
#[test]
fn a_provinces_four_stars_does_not_replace_a_standing_five_stars() {
    let mut s = five_stars_under_re_evaluation();
    let rec = s.state.recognition.clone().unwrap();
    assert_eq!((rec.stars, rec.level), (5, Level::Central));
    assert_eq!(s.state.status, Status::Recognized);
    let pending = s.state.pending_recognition.clone().unwrap();
    assert_eq!((pending.stars, pending.level), (4, Level::Provincial));
    let round = s.state.current_evaluation.as_ref().unwrap();
    assert_eq!(
        (round.level, round.stage),
        (Level::Central, Stage::AwaitingCouncil)
    );
    s.convene(Level::Central, 7, 5, None, "2028-09-01")
        .cards(&[92, 91, 90, 93, 90], "2028-09-01")
        .conclude("2028-09-02")
        .decide(5, "2028-09-10");
    let rec = s.state.recognition.clone().unwrap();
    assert_eq!((rec.stars, rec.decided_on), (5, d("2028-09-10")));
    assert!(s.state.pending_recognition.is_none());
    assert!(
        s.state
            .past_recognitions
            .iter()
            .any(|r| r.stars == 4 && r.decided_on == d("2028-08-01"))
    );
}

/// Given the same re-evaluation, when the ministry says "không đạt", then the province's
/// 4★ replaces the 5★ from that day; and when instead the 5★ expires first, the 4★
/// stands from the day after its validity.
#[test]
fn a_provinces_four_stars_takes_effect_on_the_ministrys_refusal_or_the_five_stars_expiry() {
    let mut refused = five_stars_under_re_evaluation();
    refused
        .convene(Level::Central, 7, 5, None, "2028-09-01")
        .cards(&[85, 86, 88, 89, 87], "2028-09-01")
        .conclude("2028-09-02")
        .refuse("2028-09-10");
    let rec = refused.state.recognition.clone().unwrap();
    assert_eq!(
        (rec.stars, rec.level, rec.potential_five_star),
        (4, Level::Provincial, false)
    );
    let five = refused.state.past_recognitions.last().unwrap();
    assert_eq!(five.stars, 5);
    assert_eq!(
        five.ended.unwrap(),
        ocop_domain::state::RecognitionEnd {
            reason: RecognitionEndReason::Replaced,
            on: d("2028-09-10")
        }
    );

    let mut expired = five_stars_under_re_evaluation();
    expired.run(system(), expire("2028-11-21"));
    let rec = expired.state.recognition.clone().unwrap();
    assert_eq!((rec.stars, rec.decided_on), (4, d("2028-08-01")));
    assert_eq!(expired.state.status, Status::Recognized);
    assert!(expired.state.pending_recognition.is_none());
}

#[test]
fn a_central_không_đạt_keeps_the_provincial_four_stars_and_clears_the_flag() {
    let mut s = Scenario::provincial_council_2025();
    s.cards(&[90, 90, 90], "2025-09-10")
        .conclude("2025-09-12")
        .decide(4, "2025-09-20");
    s.convene(Level::Central, 7, 5, None, "2025-11-01")
        .cards(&[85, 86, 88, 89, 90], "2025-11-01")
        .conclude("2025-11-02");
    s.when(
        central_secretary(),
        Scenario::decision_body(5, "2025-11-20"),
    )
    .then_error(DomainError::StarsAboveBand {
        stars: 5,
        mean: "87.60".into(),
        allowed: 0,
    });
    let event = s
        .when(central_secretary(), Scenario::refusal_body("2025-11-20"))
        .then_accepted();
    let EventBody::RecognitionRefused(e) = event else {
        panic!()
    };
    assert_eq!(e.level, Level::Central);
    s.refuse("2025-11-20");
    let rec = s.state.recognition.clone().unwrap();
    assert_eq!(
        (rec.stars, rec.potential_five_star, s.state.status),
        (4, false, Status::Recognized)
    );
    assert_eq!(
        s.state.past_evaluations[0].end.unwrap().outcome,
        RoundOutcome::Refused {
            level: Level::Central
        }
    );
}

#[test]
fn a_decision_dated_before_its_scoring_is_rejected() {
    let mut s = Scenario::provincial_council_2025();
    s.cards(&[80, 80, 80], "2025-09-10").conclude("2025-09-12");
    s.when(
        s.province_secretary(),
        Scenario::decision_body(4, "2025-09-11"),
    )
    .then_error(DomainError::DecisionBeforeScoring {
        decided_on: d("2025-09-11"),
        concluded_on: d("2025-09-12"),
    });
}

#[test]
fn a_provincial_secretary_of_another_province_is_refused() {
    let mut s = Scenario::provincial_council_2025();
    s.cards(&[80, 80, 80], "2025-09-10").conclude("2025-09-12");
    s.when(
        provincial_secretary("01"),
        Scenario::decision_body(4, "2025-09-20"),
    )
    .then_error(DomainError::Forbidden {
        role: Role::ProvincialSecretary,
        scope: Scope::parse("province:01").unwrap(),
        reason: "decide on recognition: the product is in province 68, commune 24730; this role \
                 and scope hold no grant for it"
            .into(),
    });
}

#[test]
fn a_decision_before_scoring_is_concluded_is_rejected() {
    let mut s = Scenario::provincial_council_2025();
    s.cards(&[80, 80, 80], "2025-09-10");
    s.when(
        s.province_secretary(),
        Scenario::decision_body(4, "2025-09-20"),
    )
    .then_rejected("wrong_stage");
}

#[test]
fn a_refusal_where_the_council_awards_stars_is_rejected() {
    let mut s = Scenario::provincial_council_2025();
    s.cards(&[80, 80, 80], "2025-09-10").conclude("2025-09-12");
    s.when(s.province_secretary(), Scenario::refusal_body("2025-09-20"))
        .then_error(DomainError::RefusalContradictsScoring {
            mean: "80.00".into(),
            stars: 4,
        });
}

#[test]
fn a_refusal_needs_a_reason_and_a_recognition_needs_stars_and_a_decision_number() {
    let mut s = Scenario::provincial_council_2025();
    s.cards(&[40, 40, 40], "2025-09-10").conclude("2025-09-12");
    let CommandBody::DecideRecognition(mut refusal) = Scenario::refusal_body("2025-09-20") else {
        unreachable!()
    };
    refusal.reason = None;
    s.when(
        s.province_secretary(),
        CommandBody::DecideRecognition(refusal),
    )
    .then_error(DomainError::RequiredFieldMissing {
        field: "reason".into(),
    });
    let CommandBody::DecideRecognition(mut award) = Scenario::decision_body(3, "2025-09-20") else {
        unreachable!()
    };
    award.stars = None;
    s.when(
        s.province_secretary(),
        CommandBody::DecideRecognition(award.clone()),
    )
    .then_error(DomainError::RequiredFieldMissing {
        field: "stars".into(),
    });
    award.stars = Some(3);
    award.decision_no = None;
    s.when(
        s.province_secretary(),
        CommandBody::DecideRecognition(award),
    )
    .then_error(DomainError::RequiredFieldMissing {
        field: "decision_no".into(),
    });
}

#[test]
fn only_three_four_or_five_stars_can_be_recognised() {
    let mut s = Scenario::provincial_council_2025();
    s.cards(&[40, 40, 40], "2025-09-10").conclude("2025-09-12");
    s.when(
        s.province_secretary(),
        Scenario::decision_body(2, "2025-09-20"),
    )
    .then_error(DomainError::StarsOutOfRange { stars: 2 });
}

#[test]
fn a_provincial_council_cannot_award_three_stars_under_qd148_2023() {
    let mut s = Scenario::district_council_2023();
    s.cards(&[75, 75, 75], "2023-06-10").conclude("2023-06-12");
    s.convene(Level::Provincial, 3, 3, None, "2023-07-01")
        .cards(&[65, 66, 64], "2023-07-01")
        .conclude("2023-07-02");
    assert_eq!(
        s.state.current_evaluation.as_ref().unwrap().results[1].outcome,
        ScoringOutcome::NotRecognized
    );
    s.when(
        s.province_secretary(),
        Scenario::decision_body(3, "2023-07-10"),
    )
    .then_error(DomainError::LevelCannotAward {
        level: Level::Provincial,
        stars: 3,
        rules_version: qd148(),
    });
    s.when(
        s.province_secretary(),
        Scenario::decision_body(4, "2023-07-10"),
    )
    .then_error(DomainError::StarsAboveBand {
        stars: 4,
        mean: "65.00".into(),
        allowed: 0,
    });
}

#[test]
fn a_decision_of_2024_02_29_is_valid_through_2027_02_28() {
    let mut s = Scenario::ha_noi_district();
    s.register("2023-12-01")
        .open(RoundKind::Initial, "2024-01-10")
        .convene(Level::District, 3, 3, None, "2024-02-01");
    s.cards(&[60, 60, 60], "2024-02-01")
        .conclude("2024-02-02")
        .decide(3, "2024-02-29");
    assert_eq!(
        s.state.recognition.as_ref().unwrap().valid_until,
        d("2027-02-28")
    );
}

#[test]
fn a_re_evaluation_decision_replaces_the_old_recognition() {
    let mut s = Scenario::recognized_4_stars_2025();
    s.open(RoundKind::ReEvaluation, "2028-07-01")
        .assess(true, "2028-07-05");
    s.convene(Level::Provincial, 3, 3, None, "2028-07-10")
        .cards(&[60, 60, 60], "2028-07-10")
        .conclude("2028-07-12")
        .decide(3, "2028-07-20");
    let rec = s.state.recognition.as_ref().unwrap();
    assert_eq!(
        (rec.stars, rec.valid_until, rec.round),
        (3, d("2031-07-20"), Some(2))
    );
    assert_eq!(s.state.past_recognitions.len(), 1);
    assert_eq!(
        s.state.past_recognitions[0].ended.unwrap().reason,
        RecognitionEndReason::Replaced
    );
}

#[test]
fn a_failed_re_evaluation_keeps_the_current_recognition_until_it_ends() {
    let mut s = Scenario::recognized_4_stars_2025();
    s.open(RoundKind::ReEvaluation, "2028-07-01")
        .assess(true, "2028-07-05");
    s.convene(Level::Provincial, 3, 3, None, "2028-07-10")
        .cards(&[40, 40, 40], "2028-07-10")
        .conclude("2028-07-12")
        .refuse("2028-07-20");
    assert_eq!(s.state.status, Status::Recognized);
    assert_eq!(s.state.recognition.as_ref().unwrap().stars, 4);
}

#[test]
fn a_failed_upgrade_may_be_refused_and_leaves_the_standing_recognition_as_it_was() {
    let mut s = Scenario::recognized_4_stars_2025();
    let before = s.state.recognition.clone().unwrap();
    s.open(RoundKind::Upgrade, "2026-03-01")
        .assess(true, "2026-03-05");
    // 65 points award 3★: no upgrade of a 4★.
    s.convene(Level::Provincial, 3, 3, None, "2026-03-10")
        .cards(&[65, 65, 65], "2026-03-10")
        .conclude("2026-03-12")
        .refuse("2026-03-20");
    assert_eq!(s.state.status, Status::Recognized);
    assert_eq!(
        s.state.recognition.as_ref(),
        Some(&before),
        "stars, decision, valid until"
    );
    assert!(s.state.current_evaluation.is_none());
}

#[test]
fn an_initial_round_whose_scoring_awards_cannot_be_refused() {
    let mut s = Scenario::provincial_council_2025();
    s.cards(&[65, 65, 65], "2025-09-10").conclude("2025-09-12");
    s.when(s.province_secretary(), Scenario::refusal_body("2025-09-20"))
        .then_rejected("refusal_contradicts_scoring");
}

#[test]
fn a_round_waiting_for_the_central_council_may_give_way_to_a_new_round() {
    let mut s = Scenario::provincial_council_2025();
    s.cards(&[90, 90, 90], "2025-09-10")
        .conclude("2025-09-12")
        .decide(4, "2025-09-20");
    s.open(RoundKind::ReEvaluation, "2028-07-01");
    assert_eq!(
        s.state.past_evaluations[0].end.unwrap().outcome,
        RoundOutcome::Abandoned
    );
    assert!(!s.state.recognition.as_ref().unwrap().potential_five_star);
}

// ------------------------------------------------------------------ legacy import

fn legacy_body(stars: u8, score: Option<&str>, decided_on: &str) -> CommandBody {
    CommandBody::ImportLegacyRecognition(ImportLegacyRecognition {
        province: "68".parse().unwrap(),
        district: None,
        commune: Some("24730".parse().unwrap()),
        local_code: None,
        product_name: "Cà phê Robusta".into(),
        producer_name: "HTX Cà phê Đắk Song".into(),
        producer_kind: ProducerKind::Cooperative,
        product_group: ProductGroup::Drinks,
        stars,
        score: score.map(str::to_owned),
        decision_no: "2361/QĐ-UBND".into(),
        decided_on: d(decided_on),
        authority: "UBND tỉnh Lâm Đồng".into(),
        valid_until: None,
        source: Some("lam-dong.csv:2".into()),
        certificate_no: None,
        potential_five_star: false,
        level: None,
    })
}

#[test]
fn an_admin_imports_a_legacy_recognition_with_its_validity_computed_and_gaps_listed() {
    let mut s = Scenario::lam_dong();
    let event = s
        .when(admin(), legacy_body(4, Some("72.5"), "2024-02-29"))
        .then_accepted();
    let EventBody::LegacyRecognitionImported(e) = &event else {
        panic!()
    };
    assert_eq!(e.valid_until, d("2027-02-28"));
    assert_eq!(e.rules_version, Some(qd148()));
    assert_eq!(e.level, Level::Provincial);
    assert_eq!(
        e.missing_evidence,
        vec!["valid_until".to_owned(), "local_code".to_owned()]
    );
    s.run(admin(), legacy_body(4, Some("72.5"), "2024-02-29"));
    let rec = s.state.recognition.as_ref().unwrap();
    assert!(rec.legacy);
    assert_eq!(
        (s.state.status, rec.mean.clone()),
        (Status::Recognized, Some("72.50".into()))
    );
    assert_eq!(s.state.name, "Cà phê Robusta");
}

#[test]
fn only_an_admin_imports_legacy_recognitions() {
    let mut s = Scenario::lam_dong();
    s.when(
        provincial_secretary("68"),
        legacy_body(4, None, "2024-02-29"),
    )
    .then_rejected("forbidden");
}

#[test]
fn a_legacy_recognition_above_its_recorded_score_band_is_imported_as_written() {
    // Rule 12: the decision exists in law; the audit flags it, the import records it.
    let mut s = Scenario::lam_dong();
    let EventBody::LegacyRecognitionImported(e) = s
        .when(admin(), legacy_body(4, Some("68.00"), "2024-02-29"))
        .then_accepted()
    else {
        panic!("a legacy import")
    };
    assert_eq!(
        (e.stars, e.score.map(|m| m.display())),
        (4, Some("68.00".to_owned()))
    );
}

#[test]
fn a_legacy_score_that_is_not_a_two_place_decimal_up_to_100_is_rejected() {
    let mut s = Scenario::lam_dong();
    s.when(admin(), legacy_body(4, Some("72,5"), "2024-02-29"))
        .then_error(DomainError::InvalidScore {
            value: "72,5".into(),
        });
    s.when(admin(), legacy_body(4, Some("100.5"), "2024-02-29"))
        .then_rejected("invalid_score");
}

#[test]
fn a_legacy_recognition_before_2019_08_21_has_no_rules_version() {
    let mut s = Scenario::lam_dong();
    let event = s
        .when(admin(), legacy_body(3, None, "2018-12-20"))
        .then_accepted();
    assert_eq!(event.rules_version(), None);
}

#[test]
fn a_legacy_recognition_cannot_be_imported_onto_an_existing_product() {
    let mut s = Scenario::lam_dong();
    s.register("2025-08-01");
    s.when(admin(), legacy_body(3, None, "2024-02-29"))
        .then_error(DomainError::AlreadyRegistered {
            product_id: s.product_id,
        });
}

// ------------------------------------------------------------------ timers

fn notice(today: &str) -> CommandBody {
    CommandBody::IssueExpiryNotice(IssueExpiryNotice { today: d(today) })
}
fn expire(today: &str) -> CommandBody {
    CommandBody::ExpireRecognition(ExpireRecognition { today: d(today) })
}

#[test]
fn the_expiry_notice_is_issued_30_days_before_valid_until_and_only_once() {
    let mut s = Scenario::recognized_4_stars_2025(); // valid through 2028-09-20
    s.when(system(), notice("2028-08-20"))
        .then_error(DomainError::NoticeNotDue {
            due_on: d("2028-08-21"),
            today: d("2028-08-20"),
        });
    let event = s.when(system(), notice("2028-08-21")).then_accepted();
    assert_eq!(
        event,
        EventBody::ExpiryNoticeIssued(ExpiryNoticeIssued {
            decision_no: "156/QĐ-UBND".into(),
            valid_until: d("2028-09-20"),
            due_on: d("2028-08-21"),
            issued_on: d("2028-08-21"),
            issued_by: Some("UBND tỉnh Lâm Đồng".into()),
            letter_no: None,
            letter_date: None,
        })
    );
    s.run(system(), notice("2028-08-21"));
    s.when(system(), notice("2028-08-22"))
        .then_error(DomainError::NoticeAlreadyIssued {
            issued_on: d("2028-08-21"),
        });
}

/// Given a 4★ recognised by UBND tỉnh Lâm Đồng, when the timer issues its expiry notice,
/// then the notice names that authority as its issuer; and when the authority's letter is
/// sent, a correction of the notice records its number and date (not a date to come).
#[test]
fn the_expiry_notice_names_who_issues_it_and_later_carries_its_letter() {
    let mut s = Scenario::recognized_4_stars_2025();
    s.run(system(), notice("2028-08-21"));
    let rec = s.state.recognition.clone().unwrap();
    let n = rec.notice.clone().unwrap();
    assert_eq!(n.issued_by.as_deref(), Some(rec.authority.as_str()));
    assert_eq!((n.letter_no.as_deref(), n.letter_date), (None, None));
    let secretary = s.province_secretary();
    let mut on_day = |body: CommandBody| {
        let mut c = s.command(secretary.clone(), body);
        c.meta.issued_at = "2028-08-25T03:00:00Z".parse().unwrap();
        c
    };
    let later = on_day(correction_body(
        n.event_id,
        "letter_date",
        Some("2028-08-30"),
    ));
    let wrong = on_day(correction_body(
        n.event_id,
        "letter_date",
        Some("24/08/2028"),
    ));
    let number = on_day(correction_body(n.event_id, "letter_no", Some("88/TB-UBND")));
    let date = on_day(correction_body(
        n.event_id,
        "letter_date",
        Some("2028-08-24"),
    ));
    assert_eq!(
        ocop_domain::decide(&s.state, &later).unwrap_err().code(),
        "date_in_future"
    );
    assert_eq!(
        ocop_domain::decide(&s.state, &wrong).unwrap_err().code(),
        "required_field_missing"
    );
    for command in [number, date] {
        let events = ocop_domain::decide(&s.state, &command).unwrap();
        s.state = ocop_domain::fold_from(s.state.clone(), &events);
    }
    let n = s.state.recognition.unwrap().notice.unwrap();
    assert_eq!(n.letter_no.as_deref(), Some("88/TB-UBND"));
    assert_eq!(n.letter_date, Some(d("2028-08-24")));
}

#[test]
fn the_recognition_expires_the_day_after_valid_until_and_only_once() {
    let mut s = Scenario::recognized_4_stars_2025();
    s.when(system(), expire("2028-09-20"))
        .then_error(DomainError::ExpiryNotDue {
            expires_on: d("2028-09-21"),
            today: d("2028-09-20"),
        });
    s.run(system(), expire("2028-09-21"));
    assert_eq!(s.state.status, Status::Expired);
    assert!(s.state.recognition.is_none());
    assert_eq!(
        s.state.past_recognitions[0].ended.unwrap().reason,
        RecognitionEndReason::Expired
    );
    s.when(system(), expire("2028-09-22"))
        .then_error(DomainError::NoRecognition);
}

#[test]
fn a_recognition_expiring_during_a_re_evaluation_leaves_the_product_in_evaluation() {
    let mut s = Scenario::recognized_4_stars_2025();
    s.open(RoundKind::ReEvaluation, "2028-07-01")
        .run(system(), expire("2028-09-21"));
    assert_eq!(s.state.status, Status::InEvaluation);
}

#[test]
fn timers_are_run_only_by_the_system_or_an_admin() {
    let mut s = Scenario::recognized_4_stars_2025();
    s.when(s.province_secretary(), notice("2028-08-21"))
        .then_rejected("forbidden");
    s.when(admin(), notice("2028-08-21")).then_accepted();
}

#[test]
fn the_timer_knows_what_is_due_on_each_day() {
    use ocop_domain::timers::{TimerAction, due, next_due_on};
    let mut s = Scenario::recognized_4_stars_2025();
    assert_eq!(due(&s.state, d("2028-08-20")), None);
    assert_eq!(next_due_on(&s.state), Some(d("2028-08-21")));
    assert_eq!(
        due(&s.state, d("2028-08-21")),
        Some(TimerAction::IssueExpiryNotice {
            today: d("2028-08-21")
        })
    );
    // Long timer outage: the expiry wins over a pointless notice.
    assert_eq!(
        due(&s.state, d("2028-10-01")),
        Some(TimerAction::ExpireRecognition {
            today: d("2028-10-01")
        })
    );
    s.run(system(), notice("2028-08-21"));
    assert_eq!(due(&s.state, d("2028-09-20")), None);
    assert_eq!(next_due_on(&s.state), Some(d("2028-09-21")));
    let action = due(&s.state, d("2028-09-21")).unwrap();
    s.run(system(), action.command_body());
    assert_eq!(due(&s.state, d("2028-12-01")), None);
}

// ------------------------------------------------------------------ complaints and inspections

fn complaint_body(on: &str) -> CommandBody {
    CommandBody::RecordComplaint(RecordComplaint {
        received_on: d(on),
        source: ComplaintSource::Press,
        summary: "báo phản ánh nhãn mác".into(),
    })
}

fn inspection_body(on: &str, complaint_id: Option<Uuid>) -> CommandBody {
    CommandBody::RecordInspection(RecordInspection {
        inspected_on: d(on),
        authority: "Chi cục QLCL Lâm Đồng".into(),
        findings: "nhãn chưa đúng".into(),
        compliant: false,
        complaint_id,
    })
}

#[test]
fn an_inspector_records_a_complaint_in_any_state_after_registration() {
    let mut s = Scenario::lam_dong();
    s.register("2025-08-01");
    let event = s
        .when(inspector("province:68"), complaint_body("2025-08-10"))
        .then_accepted();
    let EventBody::ComplaintReceived(e) = event else {
        panic!()
    };
    assert_eq!(e.source, ComplaintSource::Press);
    s.run(inspector("national"), complaint_body("2025-08-10"));
    assert_eq!(s.state.complaints.len(), 1);
    assert_eq!(s.state.complaints[0].complaint_id, s.last_event_id());
}

#[test]
fn an_inspector_of_another_province_cannot_record_a_complaint() {
    let mut s = Scenario::recognized_4_stars_2025();
    s.when(inspector("province:01"), complaint_body("2025-10-10"))
        .then_rejected("forbidden");
}

#[test]
fn an_inspection_answers_a_recorded_complaint() {
    let mut s = Scenario::recognized_4_stars_2025();
    s.run(inspector("province:68"), complaint_body("2025-10-10"));
    let complaint = s.last_event_id();
    s.run(
        s.province_secretary(),
        inspection_body("2025-10-20", Some(complaint)),
    );
    assert_eq!(s.state.complaints[0].inspections, vec![s.last_event_id()]);
    assert!(!s.state.inspections[0].compliant);
}

#[test]
fn an_inspection_naming_an_unknown_complaint_is_rejected() {
    let mut s = Scenario::recognized_4_stars_2025();
    let ghost = Uuid::from_u128(0xDEAD);
    s.when(
        inspector("national"),
        inspection_body("2025-10-20", Some(ghost)),
    )
    .then_error(DomainError::UnknownComplaint {
        complaint_id: ghost,
    });
}

#[test]
fn an_inspection_without_findings_is_rejected() {
    let mut s = Scenario::recognized_4_stars_2025();
    let CommandBody::RecordInspection(mut body) = inspection_body("2025-10-20", None) else {
        unreachable!()
    };
    body.findings = String::new();
    s.when(inspector("national"), CommandBody::RecordInspection(body))
        .then_error(DomainError::RequiredFieldMissing {
            field: "findings".into(),
        });
}

// ------------------------------------------------------------------ revocation

fn revocation_body(on: &str) -> CommandBody {
    CommandBody::RevokeRecognition(RevokeRecognition {
        decided_on: d(on),
        decision_no: "999/QĐ-UBND".into(),
        authority: "UBND tỉnh Lâm Đồng".into(),
        grounds: vec![RevocationGround::FoodSafetyViolation],
        details: "vi phạm an toàn thực phẩm".into(),
    })
}

#[test]
fn the_recognising_province_revokes_and_the_mark_ends() {
    let mut s = Scenario::recognized_4_stars_2025();
    let event = s
        .when(s.province_secretary(), revocation_body("2025-12-01"))
        .then_accepted();
    let EventBody::RecognitionRevoked(e) = event else {
        panic!()
    };
    assert_eq!(
        (
            e.level,
            e.stars,
            e.revoked_decision_no.as_str(),
            e.rules_version
        ),
        (Level::Provincial, 4, "156/QĐ-UBND", qd1489())
    );
    s.run(s.province_secretary(), revocation_body("2025-12-01"));
    assert_eq!(s.state.status, Status::Revoked);
    assert!(s.state.recognition.is_none());
    assert_eq!(s.state.revocations.len(), 1);
    assert_eq!(s.state.recognition_valid_on(d("2025-12-02")), None);
    assert!(s.state.recognition_valid_on(d("2025-11-30")).is_some());
}

#[test]
fn another_province_cannot_revoke() {
    let mut s = Scenario::recognized_4_stars_2025();
    s.when(provincial_secretary("01"), revocation_body("2025-12-01"))
        .then_rejected("forbidden");
}

#[test]
fn the_ministry_may_revoke_a_provincial_award() {
    let mut s = Scenario::recognized_4_stars_2025();
    s.when(central_secretary(), revocation_body("2025-12-01"))
        .then_accepted();
}

#[test]
fn only_the_central_secretary_revokes_a_five_star_recognition() {
    let mut s = Scenario::lam_dong();
    s.run(admin(), legacy_body(5, None, "2024-03-01"));
    s.when(s.province_secretary(), revocation_body("2025-12-01"))
        .then_rejected("forbidden");
    s.when(central_secretary(), revocation_body("2025-12-01"))
        .then_accepted();
}

#[test]
fn the_province_revokes_a_district_award_after_the_districts_were_abolished() {
    let mut s = Scenario::district_council_2023();
    s.cards(&[60, 60, 60], "2023-06-10")
        .conclude("2023-06-12")
        .decide(3, "2023-06-20");
    s.when(s.province_secretary(), revocation_body("2025-12-01"))
        .then_accepted();
    s.when(provincial_secretary("68"), revocation_body("2025-12-01"))
        .then_rejected("forbidden");
}

fn revocation_on_ground(on: &str, ground: RevocationGround, authority: &str) -> CommandBody {
    CommandBody::RevokeRecognition(RevokeRecognition {
        decided_on: d(on),
        decision_no: "998/QĐ-UBND".into(),
        authority: authority.into(),
        grounds: vec![ground],
        details: String::new(),
    })
}

#[test]
fn not_re_evaluated_is_a_ground_only_once_the_validity_has_ended() {
    // Recognised 2025-09-20, valid until 2028-09-20.
    let mut s = Scenario::recognized_4_stars_2025();
    let body = revocation_on_ground(
        "2025-12-01",
        RevocationGround::NotReEvaluated,
        "UBND tỉnh Lâm Đồng",
    );
    let err = s
        .when(s.province_secretary(), body)
        .then_rejected("revocation_ground_not_met");
    assert!(err.to_string().contains("valid until 2028-09-20"), "{err}");
    let body = revocation_on_ground(
        "2028-10-01",
        RevocationGround::NotReEvaluated,
        "UBND tỉnh Lâm Đồng",
    );
    s.when(s.province_secretary(), body).then_accepted();
}

#[test]
fn failed_mandatory_criteria_is_a_ground_only_after_a_round_that_failed_one() {
    let mut s = Scenario::recognized_4_stars_2025();
    let body = revocation_on_ground(
        "2025-12-01",
        RevocationGround::FailedMandatoryCriteria,
        "UBND tỉnh Lâm Đồng",
    );
    s.when(s.province_secretary(), body)
        .then_rejected("revocation_ground_not_met");
}

#[test]
fn only_the_recognising_authority_revokes_whatever_its_spelling() {
    let mut s = Scenario::recognized_4_stars_2025();
    let other = revocation_on_ground(
        "2025-12-01",
        RevocationGround::FoodSafetyViolation,
        "UBND tỉnh Đắk Lắk",
    );
    s.when(s.province_secretary(), other)
        .then_error(DomainError::RevokedByOtherAuthority {
            authority: "UBND tỉnh Đắk Lắk".into(),
            recognised_by: "UBND tỉnh Lâm Đồng".into(),
        });
    let spelled_out = revocation_on_ground(
        "2025-12-01",
        RevocationGround::FoodSafetyViolation,
        "Ủy ban nhân dân tỉnh Lâm Đồng",
    );
    s.when(s.province_secretary(), spelled_out).then_accepted();
    // The ministry revokes under its own name.
    let ministry = revocation_on_ground(
        "2025-12-01",
        RevocationGround::FoodSafetyViolation,
        "Bộ Nông nghiệp và Môi trường",
    );
    s.when(central_secretary(), ministry).then_accepted();
}

#[test]
fn the_central_council_concludes_only_with_five_members_present_whatever_quorum_it_set() {
    let mut s = Scenario::provincial_council_2025();
    s.cards(&[90, 90, 90], "2025-09-10")
        .conclude("2025-09-12")
        .decide(4, "2025-09-20");
    // A council of 7 that sets its own quorum at 3, and 4 cards.
    s.convene(Level::Central, 7, 3, None, "2025-11-01")
        .cards(&[92, 91, 90, 93], "2025-11-01");
    s.when(central_secretary(), Scenario::conclude_body("2025-11-02"))
        .then_error(DomainError::QuorumNotMet {
            present: 4,
            required: 5,
        });
    let fifth = s.card_body(5, 90, &[], "2025-11-01");
    s.run(central_secretary(), fifth).conclude("2025-11-02");
    assert_eq!(
        s.state.current_evaluation.as_ref().unwrap().results.len(),
        2
    );
}

#[test]
fn a_product_without_a_recognition_cannot_be_revoked() {
    let mut s = Scenario::lam_dong();
    s.register("2025-08-01");
    s.when(s.province_secretary(), revocation_body("2025-12-01"))
        .then_error(DomainError::NoRecognition);
}

#[test]
fn a_revocation_needs_grounds_and_cannot_precede_the_recognition() {
    let mut s = Scenario::recognized_4_stars_2025();
    let CommandBody::RevokeRecognition(mut body) = revocation_body("2025-12-01") else {
        unreachable!()
    };
    body.grounds.clear();
    s.when(s.province_secretary(), CommandBody::RevokeRecognition(body))
        .then_error(DomainError::RequiredFieldMissing {
            field: "grounds".into(),
        });
    s.when(s.province_secretary(), revocation_body("2025-09-19"))
        .then_rejected("date_before_earlier_step");
}

#[test]
fn an_expired_recognition_may_be_revoked_for_not_being_re_evaluated() {
    let mut s = Scenario::recognized_4_stars_2025();
    s.run(system(), expire("2028-09-21"));
    let body = CommandBody::RevokeRecognition(RevokeRecognition {
        decided_on: d("2028-10-15"),
        decision_no: "1001/QĐ-UBND".into(),
        authority: "UBND tỉnh Lâm Đồng".into(),
        grounds: vec![RevocationGround::NotReEvaluated],
        details: String::new(),
    });
    s.run(s.province_secretary(), body);
    assert_eq!(s.state.status, Status::Revoked);
    assert_eq!(
        s.state.past_recognitions[0].ended.unwrap().reason,
        RecognitionEndReason::Revoked
    );
}

// ------------------------------------------------------------------ withdrawal

fn withdrawal_body(on: &str) -> CommandBody {
    CommandBody::WithdrawProduct(WithdrawProduct {
        withdrawn_on: d(on),
        reason: "ngừng sản xuất".into(),
    })
}

#[test]
fn the_producer_withdraws_and_the_recognition_ends() {
    let mut s = Scenario::recognized_4_stars_2025();
    s.run(s.officer(), withdrawal_body("2026-01-10"));
    assert_eq!(s.state.status, Status::Withdrawn);
    assert!(s.state.recognition.is_none());
    assert_eq!(
        s.state.past_recognitions[0].ended.unwrap().reason,
        RecognitionEndReason::Withdrawn
    );
    s.when(s.officer(), withdrawal_body("2026-01-11"))
        .then_rejected("wrong_state");
    // Complaints are still recorded, and the producer may come back with a new round.
    s.run(inspector("province:68"), complaint_body("2026-02-01"));
    s.open(RoundKind::Initial, "2026-03-01");
    assert_eq!(s.state.status, Status::InEvaluation);
}

#[test]
fn withdrawal_during_a_round_abandons_the_round() {
    let mut s = Scenario::provincial_council_2025();
    s.run(s.province_secretary(), withdrawal_body("2025-09-11"));
    assert!(s.state.current_evaluation.is_none());
    assert_eq!(
        s.state.past_evaluations[0].end.unwrap().outcome,
        RoundOutcome::Abandoned
    );
}

// ------------------------------------------------------------------ corrections

fn correction_body(event_id: Uuid, field: &str, new_value: Option<&str>) -> CommandBody {
    CommandBody::CorrectEntry(CorrectEntry {
        event_id,
        field: field.into(),
        new_value: new_value.map(str::to_owned),
        reason: "lỗi đánh máy".into(),
    })
}

#[test]
fn a_correction_names_the_event_the_field_the_old_and_new_value() {
    let mut s = Scenario::recognized_4_stars_2025();
    let decision = s.last_event_id();
    let event = s
        .when(
            s.province_secretary(),
            correction_body(decision, "decision_no", Some("165/QĐ-UBND")),
        )
        .then_accepted();
    assert_eq!(
        event,
        EventBody::EntryCorrected(EntryCorrected {
            corrected_event_id: decision,
            corrected_event_type: "RecognitionDecided".into(),
            field: "decision_no".into(),
            old_value: Some("156/QĐ-UBND".into()),
            new_value: Some("165/QĐ-UBND".into()),
            reason: "lỗi đánh máy".into(),
            corrected_on: d("2026-01-15"),
        })
    );
    s.run(
        s.province_secretary(),
        correction_body(decision, "decision_no", Some("165/QĐ-UBND")),
    );
    assert_eq!(
        s.state.recognition.as_ref().unwrap().decision_no,
        "165/QĐ-UBND"
    );
    s.when(
        s.province_secretary(),
        correction_body(decision, "decision_no", Some("165/QĐ-UBND")),
    )
    .then_error(DomainError::CorrectionUnchanged {
        field: "decision_no".into(),
    });
}

#[test]
fn a_correction_of_the_product_name_changes_the_state() {
    let mut s = Scenario::lam_dong();
    s.register("2025-08-01");
    let registered = s.last_event_id();
    s.run(
        s.province_secretary(),
        correction_body(registered, "name", Some("Mật ong hoa cà phê Đắk Song")),
    );
    assert_eq!(s.state.name, "Mật ong hoa cà phê Đắk Song");
    assert_eq!(
        s.state.corrections[0].old_value.as_deref(),
        Some("Mật ong hoa cà phê")
    );
}

#[test]
fn a_correction_naming_an_unknown_event_is_rejected() {
    let mut s = Scenario::recognized_4_stars_2025();
    let ghost = Uuid::from_u128(0xBEEF);
    s.when(
        s.province_secretary(),
        correction_body(ghost, "decision_no", Some("1")),
    )
    .then_error(DomainError::UnknownEvent { event_id: ghost });
}

#[test]
fn stars_and_scores_cannot_be_corrected_clerically() {
    let mut s = Scenario::recognized_4_stars_2025();
    let decision = s.last_event_id();
    s.when(
        s.province_secretary(),
        correction_body(decision, "stars", Some("5")),
    )
    .then_error(DomainError::FieldNotCorrectable {
        event_type: "RecognitionDecided".into(),
        field: "stars".into(),
    });
}

#[test]
fn a_required_field_cannot_be_cleared_by_a_correction() {
    let mut s = Scenario::recognized_4_stars_2025();
    let decision = s.last_event_id();
    s.when(
        s.province_secretary(),
        correction_body(decision, "decision_no", None),
    )
    .then_error(DomainError::RequiredFieldMissing {
        field: "new_value".into(),
    });
    s.when(
        s.province_secretary(),
        correction_body(decision, "certificate_no", Some("GCN-01")),
    )
    .then_accepted();
}

#[test]
fn a_commune_officer_cannot_correct_entries() {
    let mut s = Scenario::recognized_4_stars_2025();
    let decision = s.last_event_id();
    s.when(
        s.officer(),
        correction_body(decision, "decision_no", Some("165/QĐ-UBND")),
    )
    .then_rejected("forbidden");
}

// ------------------------------------------------------------------ rule versions over time

fn book_with_2027_version() -> ocop_domain::RuleBook {
    use ocop_domain::rules::{LevelResult, LevelRule, PartMax, Threshold};
    let mut next = ocop_domain::rules::get(&qd1489()).unwrap().clone();
    next.id = RulesVersionId::parse("qd99-2027").unwrap();
    next.in_force_from = d("2027-01-01");
    next.part_max = PartMax {
        a: 30,
        b: 30,
        c: 40,
    };
    // A stricter hypothetical province: 4★ from 75 only.
    const PROVINCIAL: LevelRule = LevelRule {
        level: Level::Provincial,
        scored: true,
        awards: &[3, 4],
        thresholds: &[
            Threshold {
                from: 90,
                result: LevelResult::AwardAndForward { stars: 4 },
            },
            Threshold {
                from: 75,
                result: LevelResult::Award { stars: 4 },
            },
            Threshold {
                from: 50,
                result: LevelResult::Award { stars: 3 },
            },
        ],
        forwards_to: Some(Level::Central),
        min_present: 0,
    };
    const LEVELS: &[LevelRule] = &[
        LevelRule {
            level: Level::Commune,
            scored: false,
            awards: &[],
            thresholds: &[],
            forwards_to: Some(Level::Provincial),
            min_present: 0,
        },
        PROVINCIAL,
    ];
    next.levels = LEVELS;
    ocop_domain::RuleBook::standard()
        .with_version(next)
        .unwrap()
}

#[test]
fn adding_a_rule_version_does_not_change_how_an_earlier_round_is_judged() {
    // A round opened in 2026 under qd1489-2025 and concluded after the new version starts.
    let mut s = Scenario::lam_dong();
    s.rules = book_with_2027_version();
    s.register("2026-10-01")
        .open(RoundKind::Initial, "2026-11-01")
        .assess(true, "2026-11-05");
    s.convene(Level::Provincial, 3, 3, None, "2027-02-01");
    // Part A 40 is above the new version's 30 but within the round's own maximum.
    let body = s.card_parts(1, (40, 20, 12), &[], "2027-02-01");
    s.run(s.province_secretary(), body);
    s.cards(&[72, 72, 72], "2027-02-01").conclude("2027-02-02");
    // 72 is 4★ under the round's qd1489-2025, though the new version would say 3★.
    s.decide(4, "2027-02-10");
    let rec = s.state.recognition.as_ref().unwrap();
    assert_eq!((rec.stars, rec.rules_version.clone()), (4, Some(qd1489())));
    // A round opened after the new version starts is judged under it.
    let mut later = Scenario::lam_dong();
    later.rules = book_with_2027_version();
    later
        .register("2026-10-01")
        .open(RoundKind::Initial, "2027-03-01")
        .assess(true, "2027-03-05");
    later
        .convene(Level::Provincial, 3, 3, None, "2027-03-10")
        .cards(&[72, 72, 72], "2027-03-10")
        .conclude("2027-03-12");
    later
        .when(
            later.province_secretary(),
            Scenario::decision_body(4, "2027-03-20"),
        )
        .then_error(DomainError::StarsAboveBand {
            stars: 4,
            mean: "72.00".into(),
            allowed: 3,
        });
}

#[test]
fn a_round_under_a_version_missing_from_the_rule_book_is_rejected() {
    let mut s = Scenario::lam_dong();
    s.rules = book_with_2027_version();
    s.register("2026-10-01")
        .open(RoundKind::Initial, "2027-03-01");
    let command = s.command(s.officer(), Scenario::assess_body(true, "2027-03-05"));
    given(s.events.clone())
        .when(command)
        .then_error(DomainError::UnknownRulesVersion {
            rules_version: RulesVersionId::parse("qd99-2027").unwrap(),
        });
}

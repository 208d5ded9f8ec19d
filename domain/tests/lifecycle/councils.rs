//! Councils.

use super::*;

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

//! Authorization comes before every rule that reads a product's state: a caller who may
//! not act on a product is refused alike whatever its state, so a rule violation never
//! tells them what they may not read (an open round, its stage, a recognition).

mod support;
use ocop_domain::commands::*;
use ocop_domain::rules::Level;
use ocop_domain::{CommandBody, DomainError};
use support::*;

fn forbidden(result: Result<Vec<ocop_domain::Event>, DomainError>) -> String {
    match result {
        Err(e @ DomainError::Forbidden { .. }) => e.code().to_owned(),
        other => panic!("expected forbidden, got {other:?}"),
    }
}

#[test]
fn another_provinces_secretary_learns_nothing_of_the_products_state() {
    let outsiders = [
        provincial_secretary("01"),
        commune_officer("province:01/commune:00004"),
        inspector("province:01"),
        auditor(),
    ];
    let return_body = || {
        CommandBody::ReturnDossier(ReturnDossier {
            returned_on: d("2025-09-03"),
            reasons: vec!["thiếu phiếu kiểm nghiệm".into()],
        })
    };
    let conclude = || {
        CommandBody::ConcludeScoring(ConcludeScoring {
            concluded_on: d("2025-09-12"),
        })
    };
    // Registered only (no round), then with a council sitting: the same refusal each time,
    // for commands whose rules would answer "no open round" or "wrong stage".
    let mut registered = Scenario::lam_dong();
    registered.register("2025-08-01");
    let mut sitting = Scenario::provincial_council_2025();
    for outsider in outsiders {
        for body in [return_body(), conclude()] {
            let a = forbidden(registered.try_run(outsider.clone(), body.clone()));
            let b = forbidden(sitting.try_run(outsider.clone(), body));
            assert_eq!(a, b);
        }
    }
    // Whoever may act still meets the rules of the state.
    assert_eq!(
        registered
            .try_run(registered.secretary(Level::Provincial), return_body())
            .unwrap_err()
            .code(),
        "no_open_round"
    );
}

#[test]
fn a_refusal_names_who_may_send_the_command() {
    let mut s = Scenario::provincial_council_2025();
    s.cards(&[80, 80, 80], "2025-09-10").conclude("2025-09-12");
    let refused = s
        .try_run(s.officer(), Scenario::decision_body(4, "2025-09-20"))
        .unwrap_err()
        .to_string();
    assert!(
        refused.contains("it may be sent by provincial_secretary of province:68"),
        "{refused}"
    );
    assert!(
        refused.starts_with("commune_officer in scope province:68/commune:24730 may not"),
        "{refused}"
    );
}

/// Given a Lâm Đồng product recorded in commune 24730, when the officer of commune 26001
/// opens its round, then the domain refuses unless the command says 26001 holds the record
/// (`CommandMeta::held_by`, the commune succession's fact resolved by the command service);
/// a `held_by` naming another commune widens nothing.
#[test]
fn a_communes_officer_acts_on_the_records_its_commune_holds() {
    let mut s = Scenario::lam_dong();
    s.register("2025-08-01");
    let officer = commune_officer("province:68/commune:26001");
    let open = || {
        CommandBody::OpenEvaluation(OpenEvaluation {
            kind: ocop_domain::events::RoundKind::Initial,
            opened_on: d("2026-02-02"),
            documents: vec![doc("registration_form")],
            legal_basis: None,
        })
    };
    assert_eq!(forbidden(s.try_run(officer.clone(), open())), "forbidden");
    let held = |commune: &str, s: &mut Scenario| {
        let command = s.command(officer.clone(), open());
        let meta = command.meta.clone().held_by(Some(commune.parse().unwrap()));
        ocop_domain::decide(&s.state, &Command::new(meta, command.body))
    };
    assert_eq!(forbidden(held("26002", &mut s)), "forbidden");
    assert!(held("26001", &mut s).is_ok());
}

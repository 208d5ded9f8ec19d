//! The ministry audit, the legacy import and the ledger's independent verification, on
//! SQLite and PostgreSQL.

mod clean;
mod findings;
mod import;
mod ledger;
mod support;

/// Every finding code has a test that plants it (by its name, quoted, in a test file).
#[test]
fn every_finding_code_is_planted_by_a_test() {
    let tests = [include_str!("findings.rs"), include_str!("import.rs")].concat();
    for code in ocop_projections::audit::FindingCode::ALL {
        assert!(
            tests.contains(&format!("\"{}\"", code.as_str())),
            "no test plants {code}"
        );
    }
}

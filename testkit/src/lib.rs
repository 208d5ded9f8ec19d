//! Test support shared by the workspace's test crates and the benchmark: sample product
//! lifecycles built from real domain commands ([`sample`]), dates, scopes, and the time a
//! command is issued at. No crate of the server depends on it.

pub mod sample;

use chrono::{DateTime, NaiveDate, Utc};
use ocop_domain::events::{CouncilMember, MemberRole};
use ocop_domain::{CommandBody, Scope};

/// A date written `YYYY-MM-DD`.
pub fn d(s: &str) -> NaiveDate {
    s.parse().expect("a test date is YYYY-MM-DD")
}

/// A scope written as the contract writes it, e.g. `province:68/commune:24730`.
pub fn scope(s: &str) -> Scope {
    Scope::parse(s).expect("a test scope is valid")
}

/// The time commands without a business date are issued at: 2026-01-15, 10:00 in Vietnam.
pub fn issued_at() -> DateTime<Utc> {
    d("2026-01-15")
        .and_hms_opt(3, 0, 0)
        .unwrap_or_default()
        .and_utc()
}

/// When a secretary issues `body`: on the day of its latest business date (10:00 in
/// Vietnam), or at [`issued_at`] when that is later or the body has none — records are
/// entered on the day, never before (rule 9).
pub fn issued_at_for(body: &CommandBody) -> DateTime<Utc> {
    body.business_dates()
        .into_iter()
        .filter_map(|(_, date)| date.and_hms_opt(3, 0, 0))
        .map(|t| t.and_utc())
        .chain([issued_at()])
        .max()
        .unwrap_or_default()
}

/// A council of `n` members, `m1` (the chair) to `mn`.
pub fn members(n: usize) -> Vec<CouncilMember> {
    (1..=n)
        .map(|i| CouncilMember {
            member_id: format!("m{i}"),
            name: format!("Thành viên {i}"),
            role: if i == 1 {
                MemberRole::Chair
            } else {
                MemberRole::Member
            },
            organisation: "Sở Nông nghiệp và Môi trường".to_owned(),
        })
        .collect()
}

//! Validity dates of a recognition by the Civil Code rule (Art. 147–148).
//!
//! The decision day itself is not counted and a period in months ends at the end of the
//! corresponding day of the last month, or of that month's last day when it has no such
//! day: a decision of 2025-09-20 is valid through 2028-09-20, one of 2024-02-29 through
//! 2027-02-28. The recognition is expired from the next day; the notice is due
//! 30 days before `valid_until`.

use chrono::{Days, Months, NaiveDate};

/// Months a 3★–5★ recognition is valid.
pub const VALIDITY_MONTHS: u32 = 36;

/// Days before `valid_until` the expiry notice is due.
pub const NOTICE_DAYS: u64 = 30;

/// The last day a recognition decided on `decided_on` is valid.
pub fn valid_until(decided_on: NaiveDate) -> NaiveDate {
    decided_on
        .checked_add_months(Months::new(VALIDITY_MONTHS))
        .unwrap_or(NaiveDate::MAX)
}

/// The day the expiry notice is due: `valid_until − 30 days`.
pub fn notice_on(valid_until: NaiveDate) -> NaiveDate {
    valid_until
        .checked_sub_days(Days::new(NOTICE_DAYS))
        .unwrap_or(NaiveDate::MIN)
}

/// The first day a recognition is expired: `valid_until + 1 day`.
pub fn expires_on(valid_until: NaiveDate) -> NaiveDate {
    valid_until.succ_opt().unwrap_or(NaiveDate::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn a_decision_of_2024_02_29_is_valid_through_2027_02_28() {
        assert_eq!(valid_until(d("2024-02-29")), d("2027-02-28"));
        assert_eq!(expires_on(d("2027-02-28")), d("2027-03-01"));
    }

    #[test]
    fn a_decision_of_2025_09_20_is_valid_through_2028_09_20() {
        assert_eq!(valid_until(d("2025-09-20")), d("2028-09-20"));
    }

    #[test]
    fn month_end_decisions_clamp_to_the_last_day_of_the_month() {
        assert_eq!(valid_until(d("2023-01-31")), d("2026-01-31"));
        assert_eq!(valid_until(d("2021-02-28")), d("2024-02-28"));
    }

    #[test]
    fn the_notice_is_due_30_days_before_valid_until() {
        assert_eq!(notice_on(d("2028-09-20")), d("2028-08-21"));
    }
}

//! Exact score arithmetic: integer points, the mean total as a rational, star bands.
//!
//! No floating point is used anywhere: a mean is compared with a threshold by
//! cross-multiplying integers, so 69.999… is 3★, never 4★.
//!
//! The display form has exactly two decimals, **rounded half up on the exact value**:
//! 209/3 = 69.666… → `"69.67"`, 363/4 = 90.75 → `"90.75"`, 20101/200 = 100.505 →
//! `"100.51"`. The display string is for people; every rule uses the exact value.

use std::cmp::Ordering;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::rules::StarBand;

/// Points of one scorecard's three parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartScores {
    /// Part A.
    pub a: u32,
    /// Part B.
    pub b: u32,
    /// Part C.
    pub c: u32,
}

impl PartScores {
    /// The card's total: A + B + C.
    pub fn total(&self) -> u32 {
        self.a + self.b + self.c
    }
}

/// An exact mean: `numerator / denominator`, kept as recorded (sum of totals over the
/// number of cards), not reduced, so an audit can see both.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(try_from = "RawMean")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Mean {
    numerator: u64,
    denominator: u64,
}

#[derive(Deserialize)]
struct RawMean {
    numerator: u64,
    denominator: u64,
}

impl TryFrom<RawMean> for Mean {
    type Error = &'static str;
    fn try_from(raw: RawMean) -> Result<Self, Self::Error> {
        Mean::new(raw.numerator, raw.denominator).ok_or("a mean's denominator must be positive")
    }
}

impl Mean {
    /// A mean of `numerator / denominator`; `None` when the denominator is 0.
    pub fn new(numerator: u64, denominator: u64) -> Option<Mean> {
        (denominator > 0).then_some(Mean {
            numerator,
            denominator,
        })
    }

    /// The arithmetic mean of card totals; `None` for no cards.
    pub fn of(totals: &[u32]) -> Option<Mean> {
        let sum: u64 = totals.iter().map(|&t| u64::from(t)).sum();
        Mean::new(sum, totals.len() as u64)
    }

    /// Parses a decimal with at most two decimals (`"72"`, `"72.5"`, `"69.67"`), as in
    /// imported lists; the result is exact (hundredths).
    pub fn parse_decimal(s: &str) -> Option<Mean> {
        let (int, frac) = match s.split_once('.') {
            Some((i, f)) => (i, f),
            None => (s, ""),
        };
        if int.is_empty()
            || int.len() > 6
            || frac.len() > 2
            || !int.bytes().all(|b| b.is_ascii_digit())
            || !frac.bytes().all(|b| b.is_ascii_digit())
            || (s.contains('.') && frac.is_empty())
        {
            return None;
        }
        let int: u64 = int.parse().ok()?;
        let mut hundredths: u64 = if frac.is_empty() {
            0
        } else {
            frac.parse().ok()?
        };
        if frac.len() == 1 {
            hundredths *= 10;
        }
        Mean::new(int * 100 + hundredths, 100)
    }

    /// The numerator as recorded.
    pub fn numerator(&self) -> u64 {
        self.numerator
    }

    /// The denominator as recorded.
    pub fn denominator(&self) -> u64 {
        self.denominator
    }

    /// Whether the mean is at least `points`, exactly.
    pub fn at_least(&self, points: u32) -> bool {
        u128::from(self.numerator) >= u128::from(points) * u128::from(self.denominator)
    }

    /// Compares the mean with whole points, exactly.
    pub fn cmp_points(&self, points: u32) -> Ordering {
        u128::from(self.numerator).cmp(&(u128::from(points) * u128::from(self.denominator)))
    }

    /// The two-decimal display form, rounded half up on the exact value.
    pub fn display(&self) -> String {
        let scaled = u128::from(self.numerator) * 100;
        let den = u128::from(self.denominator);
        let mut hundredths = scaled / den;
        if 2 * (scaled % den) >= den {
            hundredths += 1;
        }
        format!("{}.{:02}", hundredths / 100, hundredths % 100)
    }
}

impl PartialEq for Mean {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Mean {}

impl PartialOrd for Mean {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Mean {
    fn cmp(&self, other: &Self) -> Ordering {
        (u128::from(self.numerator) * u128::from(other.denominator))
            .cmp(&(u128::from(other.numerator) * u128::from(self.denominator)))
    }
}

impl fmt::Display for Mean {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display())
    }
}

/// The star band (1–5) of a mean, per bands given highest first.
pub fn band_stars(mean: &Mean, bands: &[StarBand]) -> u8 {
    bands
        .iter()
        .find(|b| mean.at_least(b.from))
        .map_or(1, |b| b.stars)
}

/// The spread of card totals: highest minus lowest (0 for fewer than two cards).
pub fn spread(totals: &[u32]) -> u32 {
    match (totals.iter().max(), totals.iter().min()) {
        (Some(max), Some(min)) => max - min,
        _ => 0,
    }
}

/// Whether a spread is within a council's limit (`None`: no limit). Over it, the council
/// re-scores before concluding (`ocop-rules.md` §2); the conclusion and the audit's
/// `spread_over_limit` both ask this.
pub fn within_limit(spread: u32, limit: Option<u32>) -> bool {
    limit.is_none_or(|l| spread <= l)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::STAR_BANDS;
    use proptest::prelude::*;

    #[test]
    fn the_mean_of_70_70_69_is_69_67_and_three_stars() {
        let m = Mean::of(&[70, 70, 69]).unwrap();
        assert_eq!(m.display(), "69.67");
        assert_eq!(band_stars(&m, STAR_BANDS), 3);
        assert!(!m.at_least(70));
    }

    #[test]
    fn a_mean_just_under_a_threshold_stays_in_the_lower_band() {
        let m = Mean::new(69_999, 1000).unwrap();
        assert_eq!(band_stars(&m, STAR_BANDS), 3);
        assert_eq!(m.display(), "70.00");
    }

    #[test]
    fn display_rounds_half_up_on_the_exact_value() {
        assert_eq!(Mean::new(363, 4).unwrap().display(), "90.75");
        assert_eq!(Mean::new(20101, 200).unwrap().display(), "100.51");
        assert_eq!(Mean::new(1, 8).unwrap().display(), "0.13");
        assert_eq!(Mean::new(90, 1).unwrap().display(), "90.00");
    }

    #[test]
    fn bands_follow_ocop_rules_section_2() {
        let b = |n| band_stars(&Mean::new(n, 1).unwrap(), STAR_BANDS);
        assert_eq!(
            (
                b(100),
                b(90),
                b(89),
                b(70),
                b(69),
                b(50),
                b(49),
                b(30),
                b(29)
            ),
            (5, 5, 4, 4, 3, 3, 2, 2, 1)
        );
    }

    #[test]
    fn decimals_parse_exactly() {
        assert_eq!(Mean::parse_decimal("72.5").unwrap().display(), "72.50");
        assert_eq!(
            Mean::parse_decimal("69.67").unwrap(),
            Mean::new(6967, 100).unwrap()
        );
        assert_eq!(
            Mean::parse_decimal("90").unwrap(),
            Mean::new(90, 1).unwrap()
        );
        for bad in ["", "7.", ".5", "7.123", "-1", "1e2", "abc"] {
            assert!(Mean::parse_decimal(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn a_mean_with_a_zero_denominator_does_not_deserialize() {
        let ok: Mean = serde_json::from_str(r#"{"numerator": 209, "denominator": 3}"#).unwrap();
        assert_eq!(ok.display(), "69.67");
        assert!(serde_json::from_str::<Mean>(r#"{"numerator": 1, "denominator": 0}"#).is_err());
    }

    #[test]
    fn spread_is_highest_minus_lowest() {
        assert_eq!(spread(&[60, 75]), 15);
        assert_eq!(spread(&[70]), 0);
        assert_eq!(spread(&[]), 0);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        #[test]
        fn the_mean_is_the_exact_average_of_any_cards(totals in prop::collection::vec(0u32..=100, 1..12)) {
            let m = Mean::of(&totals).unwrap();
            let sum: u64 = totals.iter().map(|&t| u64::from(t)).sum();
            // mean * n == sum, compared by cross-multiplication.
            prop_assert_eq!(u128::from(m.numerator()) * totals.len() as u128, u128::from(sum) * u128::from(m.denominator()));
            // The band is the highest whose threshold the exact sum reaches.
            let stars = band_stars(&m, STAR_BANDS);
            let n = totals.len() as u64;
            let expected = if sum >= 90 * n { 5 } else if sum >= 70 * n { 4 } else if sum >= 50 * n { 3 } else if sum >= 30 * n { 2 } else { 1 };
            prop_assert_eq!(stars, expected);
            // The display is within half a hundredth of the exact value.
            let shown: u64 = m.display().replace('.', "").parse().unwrap();
            let diff = (i128::from(shown) * i128::from(n) - i128::from(sum) * 100).abs();
            prop_assert!(2 * diff <= i128::from(n));
        }

        #[test]
        fn means_order_like_their_cross_products(a in 0u64..10_000, b in 1u64..50, c in 0u64..10_000, d in 1u64..50) {
            let (x, y) = (Mean::new(a, b).unwrap(), Mean::new(c, d).unwrap());
            prop_assert_eq!(x.cmp(&y), (a * d).cmp(&(c * b)));
        }
    }
}

//! Mandatory criteria ("yêu cầu tối thiểu cần đạt") by star level, as data of a rule version.
//!
//! Rule 2 of the lifecycle: a criterion belongs to a star level and is mandatory for that
//! level and every level above it; it counts as failed when more than half of the present
//! members' cards name it (the share is data of the version, [`Majority`]); a failed
//! criterion of level N blocks every award of N stars or more in the round, and the
//! outcome is the highest band below N that the mean reaches
//! ([`RuleVersion::result_for`](crate::rules::RuleVersion::result_for)).
//!
//! A sheet is text an operator can read and replace: `domain/criteria/<version>.csv`, one
//! criterion a line (`code,stars,groups,title`), `#` lines for its sources. The sheets the
//! engine ships are a starter set (RULE-DECISIONS 41); the official sheets of the 26 product
//! sets come in as a new rule version with [`CriteriaSheet::parse`] and
//! [`RuleBook::with_version`](crate::rules::RuleBook::with_version), never by editing the
//! sheet an existing version judged its rounds by.

use serde::Serialize;

use crate::events::ProductGroup;

/// One mandatory criterion of a sheet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MandatoryCriterion {
    /// The code a scorecard names when the member finds it failed, e.g. `ATTP`.
    pub code: String,
    /// The lowest star level it is mandatory for (3, 4 or 5).
    pub stars: u8,
    /// The product groups it applies to; empty for every group.
    pub groups: Vec<ProductGroup>,
    /// What it requires, in Vietnamese.
    pub title: String,
}

impl MandatoryCriterion {
    fn applies_to(&self, group: Option<ProductGroup>) -> bool {
        self.groups.is_empty() || group.is_some_and(|g| self.groups.contains(&g))
    }
}

/// The share of the present members' cards that must name a criterion for it to count as
/// failed: strictly more than `numerator / denominator`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Majority {
    /// Numerator of the share.
    pub numerator: u32,
    /// Denominator of the share.
    pub denominator: u32,
}

impl Majority {
    /// More than half: `ocop-rules.md` §2 and rule 2, all versions so far.
    pub const MORE_THAN_HALF: Majority = Majority {
        numerator: 1,
        denominator: 2,
    };

    /// Whether `count` cards of `present` reach the share.
    pub fn reached(self, count: u32, present: u32) -> bool {
        u64::from(count) * u64::from(self.denominator)
            > u64::from(present) * u64::from(self.numerator)
    }
}

/// The mandatory criteria of a rule version, with their sources.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CriteriaSheet {
    /// Where the sheet comes from (its `# source:` lines).
    pub sources: Vec<String>,
    /// When a criterion counts as failed.
    pub majority: Majority,
    /// The criteria, in the sheet's order.
    pub criteria: Vec<MandatoryCriterion>,
}

/// A line of a criteria sheet that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("criteria sheet, line {line}: {reason}")]
pub struct CriteriaError {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong with it.
    pub reason: String,
}

const HEADER: &str = "code,stars,groups,title";

impl CriteriaSheet {
    /// Reads a sheet: `#` lines (those starting `# source:` are its sources), the header
    /// `code,stars,groups,title`, then one criterion a line — the title is the rest of the
    /// line and may hold commas; `groups` is `*` or group names separated by spaces.
    pub fn parse(text: &str) -> Result<CriteriaSheet, CriteriaError> {
        let mut sheet = CriteriaSheet {
            sources: Vec::new(),
            majority: Majority::MORE_THAN_HALF,
            criteria: Vec::new(),
        };
        let mut header = false;
        for (i, raw) in text.lines().enumerate() {
            let line = i + 1;
            let err = |reason: String| CriteriaError { line, reason };
            let l = raw.trim();
            if let Some(comment) = l.strip_prefix('#') {
                if let Some(source) = comment.trim().strip_prefix("source:") {
                    sheet.sources.push(source.trim().to_owned());
                }
                continue;
            }
            if l.is_empty() {
                continue;
            }
            if !header {
                if l != HEADER {
                    return Err(err(format!("expected the header {HEADER:?}, found {l:?}")));
                }
                header = true;
                continue;
            }
            let mut cells = l.splitn(4, ',').map(str::trim);
            let (Some(code), Some(stars), Some(groups), Some(title)) =
                (cells.next(), cells.next(), cells.next(), cells.next())
            else {
                return Err(err("expected code,stars,groups,title".to_owned()));
            };
            let valid_code = !code.is_empty()
                && code
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
            if !valid_code {
                return Err(err(format!(
                    "code {code:?}: expected upper-case letters, digits and '_'"
                )));
            }
            if sheet.criteria.iter().any(|c| c.code == code) {
                return Err(err(format!("code {code} is given twice")));
            }
            let stars = match stars.parse::<u8>() {
                Ok(s @ 3..=5) => s,
                _ => return Err(err(format!("stars {stars:?}: expected 3, 4 or 5"))),
            };
            let groups = if groups == "*" {
                Vec::new()
            } else {
                groups
                    .split_whitespace()
                    .map(|g| {
                        serde_json::from_value(serde_json::Value::String(g.to_owned()))
                            .map_err(|_| err(format!("group {g:?} is not a product group")))
                    })
                    .collect::<Result<Vec<ProductGroup>, _>>()?
            };
            if title.is_empty() {
                return Err(err(format!("code {code} has no title")));
            }
            sheet.criteria.push(MandatoryCriterion {
                code: code.to_owned(),
                stars,
                groups,
                title: title.to_owned(),
            });
        }
        if !header {
            return Err(CriteriaError {
                line: text.lines().count().max(1),
                reason: format!("no header {HEADER:?}"),
            });
        }
        Ok(sheet)
    }

    /// The criterion with this code that applies to `group`, if the sheet has one.
    pub fn get(&self, code: &str, group: Option<ProductGroup>) -> Option<&MandatoryCriterion> {
        self.criteria
            .iter()
            .find(|c| c.code == code && c.applies_to(group))
    }

    /// The lowest star level `code` is mandatory for in `group`. A code the sheet does not
    /// have for the group counts as mandatory from 3★: it blocks every award, as every
    /// failed criterion did before criteria had levels (RULE-DECISIONS 41).
    pub fn stars_of(&self, code: &str, group: Option<ProductGroup>) -> u8 {
        self.get(code, group).map_or(3, |c| c.stars)
    }

    /// The codes named on more than the majority share of `present` cards, in code order.
    pub fn failed<'c>(
        &self,
        cards: impl IntoIterator<Item = &'c [String]>,
        present: u32,
    ) -> Vec<String> {
        let mut counts: std::collections::BTreeMap<&str, u32> = Default::default();
        for card in cards {
            for code in card {
                *counts.entry(code.as_str()).or_default() += 1;
            }
        }
        counts
            .into_iter()
            .filter(|(_, n)| self.majority.reached(*n, present))
            .map(|(c, _)| c.to_owned())
            .collect()
    }

    /// The lowest star level the failed criteria block (`None`: they block nothing).
    pub fn blocked_from(&self, failed: &[String], group: Option<ProductGroup>) -> Option<u8> {
        failed.iter().map(|c| self.stars_of(c, group)).min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_sheets_parse_and_cite_their_sources() {
        for text in [crate::rules::SHEET_1048, crate::rules::SHEET_148] {
            let sheet = CriteriaSheet::parse(text).unwrap();
            assert!(!sheet.sources.is_empty());
            assert!(sheet.criteria.iter().any(|c| c.stars == 3));
            assert!(sheet.criteria.iter().any(|c| c.stars == 4));
            assert!(sheet.criteria.iter().any(|c| c.stars == 5));
        }
    }

    #[test]
    fn a_bad_line_is_named() {
        let e = CriteriaSheet::parse("code,stars,groups,title\nATTP,6,*,x\n").unwrap_err();
        assert_eq!(e.line, 2);
        let e = CriteriaSheet::parse("code,stars,groups,title\nX,3,fish,x\n").unwrap_err();
        assert!(e.reason.contains("fish"), "{e}");
        let e = CriteriaSheet::parse("code,stars,groups,title\nX,3,*,a\nX,4,*,b\n").unwrap_err();
        assert!(e.reason.contains("twice"), "{e}");
        assert!(CriteriaSheet::parse("# nothing\n").is_err());
    }

    #[test]
    fn a_criterion_has_a_level_in_its_groups_and_unknown_codes_block_everything() {
        let sheet = CriteriaSheet::parse(
            "code,stars,groups,title\nATTP,3,food drinks,An toàn thực phẩm\nSHTT,4,*,Nhãn hiệu\n",
        )
        .unwrap();
        assert_eq!(sheet.stars_of("SHTT", Some(ProductGroup::Tourism)), 4);
        assert_eq!(sheet.stars_of("ATTP", Some(ProductGroup::Food)), 3);
        // Not a criterion of handicrafts: counted as 3★, as an unknown code is.
        assert_eq!(sheet.stars_of("ATTP", Some(ProductGroup::Handicrafts)), 3);
        assert_eq!(sheet.stars_of("A1", Some(ProductGroup::Food)), 3);
        let failed = vec!["SHTT".to_owned()];
        assert_eq!(
            sheet.blocked_from(&failed, Some(ProductGroup::Food)),
            Some(4)
        );
        assert_eq!(sheet.blocked_from(&[], Some(ProductGroup::Food)), None);
    }

    #[test]
    fn more_than_half_of_the_present_cards_fail_a_criterion() {
        let sheet = CriteriaSheet::parse("code,stars,groups,title\n").unwrap();
        let a = ["SHTT".to_owned()];
        let none: Vec<String> = Vec::new();
        let cards = [&a[..], &a[..], &none[..], &none[..]];
        assert!(
            sheet.failed(cards, 4).is_empty(),
            "2 of 4 is not more than half"
        );
        let cards = [&a[..], &a[..], &a[..], &none[..], &none[..]];
        assert_eq!(sheet.failed(cards, 5), vec!["SHTT"]);
    }
}

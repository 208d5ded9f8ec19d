//! Rule versions as data: what each level may award and where it forwards, per instrument.
//!
//! Every evaluation round is judged under the version in force on the day it opened,
//! recorded by id in its events; later versions never change how earlier rounds are
//! judged, because a round looks its rules up by that id, never by today's date.
//!
//! The table encodes `ocop-rules.md` §1:
//!
//! | version | first level | provincial council | central council |
//! |---|---|---|---|
//! | `qd1048-2019` | district council: ≥ 50 forward, else not recognised | 50–69 3★, 70–89 4★, ≥ 90 4★ + potential flag and forward | ≥ 90 5★, else không đạt |
//! | `qd148-2023` | district council: 50–69 3★, ≥ 70 forward | 70–89 4★, ≥ 90 4★ + flag and forward, < 70 not recognised | as above |
//! | `qd1489-2025` | commune assessment (no score, no stars): forward or stop | 50–69 3★, 70–89 4★, ≥ 90 4★ + flag and forward | as above |
//!
//! `qd26-2026` (Decision 26/2026/QĐ-TTg) is **not** in the table: the only sources for it
//! are weak (confidence L in `ocop-rules.md`), its in-force date is unconfirmed, and
//! putting it in force would silently re-judge every round opened after its supposed
//! date. `qd1489-2025` stays open-ended until an operator adds a verified version with
//! [`RuleBook::with_version`], which closes the previous version the day before.

use std::borrow::Cow;
use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::criteria::CriteriaSheet;

/// The id of a rule version, e.g. `qd148-2023`: lower-case letters, digits and `-`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RulesVersionId(Cow<'static, str>);

/// A malformed rules version id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid rules version id {0:?}: expected lower-case letters, digits and '-'")]
pub struct RulesVersionIdError(pub String);

impl RulesVersionId {
    /// Decision 1048/QĐ-TTg of 2019 (amended by 781/QĐ-TTg of 2020).
    pub const QD1048_2019: RulesVersionId = RulesVersionId(Cow::Borrowed("qd1048-2019"));
    /// Decision 148/QĐ-TTg of 2023.
    pub const QD148_2023: RulesVersionId = RulesVersionId(Cow::Borrowed("qd148-2023"));
    /// Decision 1489/QĐ-TTg of 2025 (after the district level was abolished).
    pub const QD1489_2025: RulesVersionId = RulesVersionId(Cow::Borrowed("qd1489-2025"));

    /// Parses an id; whether a version with this id exists is a question for a [`RuleBook`].
    pub fn parse(s: &str) -> Result<Self, RulesVersionIdError> {
        let ok = !s.is_empty()
            && s.len() <= 40
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if ok {
            Ok(Self(Cow::Owned(s.to_owned())))
        } else {
            Err(RulesVersionIdError(s.to_owned()))
        }
    }

    /// The id as a string.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RulesVersionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for RulesVersionId {
    type Error = RulesVersionIdError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<RulesVersionId> for String {
    fn from(id: RulesVersionId) -> String {
        id.0.into_owned()
    }
}

/// A level of the evaluation: who assesses, scores or awards.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Level {
    /// The commune People's Committee (assessment only, from `qd1489-2025`).
    Commune,
    /// The district council (until 2025-07-05).
    District,
    /// The provincial council and People's Committee.
    Provincial,
    /// The central council and the Minister.
    Central,
}

impl Level {
    /// The level's wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Commune => "commune",
            Level::District => "district",
            Level::Provincial => "provincial",
            Level::Central => "central",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Maximum points of the three parts of the scoring sheet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartMax {
    /// Part A (production and community capacity).
    pub a: u32,
    /// Part B (product development and marketing).
    pub b: u32,
    /// Part C (quality).
    pub c: u32,
}

/// One star band: a mean total of at least `from` points (and under the next band) earns `stars`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StarBand {
    /// Stars of the band (1–5; 1★ and 2★ are not recognised).
    pub stars: u8,
    /// Lowest mean total of the band, inclusive.
    pub from: u32,
}

/// What a council's mean at or above a threshold leads to at one level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LevelResult {
    /// The level awards these stars.
    Award {
        /// Stars awarded.
        stars: u8,
    },
    /// The level awards these stars with the potential-5★ flag and forwards the product.
    AwardAndForward {
        /// Stars awarded meanwhile.
        stars: u8,
    },
    /// The level forwards the product to the next level without awarding.
    Forward,
}

/// A threshold of a level: a mean of at least `from` leads to `result`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Threshold {
    /// Lowest mean total, inclusive.
    pub from: u32,
    /// What the level does.
    pub result: LevelResult,
}

/// One level of a rule version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LevelRule {
    /// The level.
    pub level: Level,
    /// Whether a council scores at this level (false for the commune assessment).
    pub scored: bool,
    /// Stars this level may award in a decision.
    pub awards: &'static [u8],
    /// Thresholds, highest first; a mean below every threshold is "not recognised".
    pub thresholds: &'static [Threshold],
    /// The level a forwarded product goes to.
    pub forwards_to: Option<Level>,
    /// The fewest members present for a council of this level to conclude, whatever
    /// quorum it set for itself: 5 for the central council, which meets only with at least
    /// 5 of its 7 members (`ocop-rules.md` §3, all versions so far); 0 where the
    /// regulation leaves the quorum to the council. The command refuses a conclusion under
    /// it; the audit flags a recorded one (`quorum_not_met`).
    pub min_present: u32,
}

impl LevelRule {
    /// What a mean of `mean` leads to at this level, `None` meaning not recognised.
    pub fn result_for(&self, mean: &crate::score::Mean) -> Option<LevelResult> {
        self.thresholds
            .iter()
            .find(|t| mean.at_least(t.from))
            .map(|t| t.result)
    }

    /// Whether this level may award `stars` in a decision.
    pub fn may_award(&self, stars: u8) -> bool {
        self.awards.contains(&stars)
    }
}

/// One rule version: an instrument with its dates, part maxima, bands and levels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleVersion {
    /// The id recorded on every evaluation and decision event.
    pub id: RulesVersionId,
    /// The legal instrument.
    pub instrument: &'static str,
    /// First day in force.
    pub in_force_from: NaiveDate,
    /// Last day in force, `None` while no later version exists.
    pub in_force_until: Option<NaiveDate>,
    /// Part maxima of the scoring sheet.
    pub part_max: PartMax,
    /// Star bands of the mean total, highest first.
    pub star_bands: &'static [StarBand],
    /// Levels in the order a product goes through them; the first is where a round opens.
    pub levels: &'static [LevelRule],
    /// The mandatory criteria by star level and when one counts as failed (rule 2).
    pub criteria: CriteriaSheet,
}

impl RuleVersion {
    /// The rule of one level, if this version has it.
    pub fn level(&self, level: Level) -> Option<&LevelRule> {
        self.levels.iter().find(|l| l.level == level)
    }

    /// The first level of a round (commune assessment or district council).
    pub fn first_level(&self) -> &LevelRule {
        &self.levels[0]
    }

    /// Whether `date` falls in this version's period.
    pub fn in_force_on(&self, date: NaiveDate) -> bool {
        date >= self.in_force_from && self.in_force_until.is_none_or(|u| date <= u)
    }

    /// The star band (1–5) of a mean under this version.
    pub fn band(&self, mean: &crate::score::Mean) -> u8 {
        crate::score::band_stars(mean, self.star_bands)
    }

    /// What a council's `mean` leads to at `level` (`None`: not recognised) when its failed
    /// mandatory criteria block every award of `blocked_from` stars or more — rule 2: the
    /// highest band below that level which the mean reaches, judged as the lowest mean of
    /// that band (so a 4★ criterion failed on a mean of 80 gives what 50 points give: 3★
    /// where the level awards 3★, nothing where it does not). The conclusion records it and
    /// the audit re-derives it, both through this function.
    pub fn result_for(
        &self,
        level: &LevelRule,
        mean: &crate::score::Mean,
        blocked_from: Option<u8>,
    ) -> Option<LevelResult> {
        let Some(blocked) = blocked_from.filter(|b| self.band(mean) >= *b) else {
            return level.result_for(mean);
        };
        let below = self
            .star_bands
            .iter()
            .find(|b| b.stars < blocked && b.stars >= 3)?;
        level.result_for(&crate::score::Mean::new(u64::from(below.from), 1)?)
    }

    /// The outcome a conclusion records: a re-scoring when the totals spread over the
    /// council's limit, else what [`Self::result_for`] gives.
    pub fn outcome(
        &self,
        level: &LevelRule,
        mean: &crate::score::Mean,
        within_spread: bool,
        blocked_from: Option<u8>,
    ) -> crate::events::ScoringOutcome {
        use crate::events::ScoringOutcome;
        if !within_spread {
            return ScoringOutcome::RescoreRequired;
        }
        match self.result_for(level, mean, blocked_from) {
            None => ScoringOutcome::NotRecognized,
            Some(LevelResult::Award { stars }) => ScoringOutcome::Award {
                stars,
                potential_five_star: false,
            },
            Some(LevelResult::AwardAndForward { stars }) => ScoringOutcome::Award {
                stars,
                potential_five_star: true,
            },
            Some(LevelResult::Forward) => ScoringOutcome::Forward {
                to: level.forwards_to.unwrap_or(Level::Provincial),
            },
        }
    }
}

/// The starter criteria sheet of `qd1048-2019` (`domain/criteria/qd1048-2019.csv`).
pub const SHEET_1048: &str = include_str!("../criteria/qd1048-2019.csv");
/// The starter criteria sheet of `qd148-2023`, also used by `qd1489-2025`, which changed
/// the procedure and not the criteria (`domain/criteria/qd148-2023.csv`).
pub const SHEET_148: &str = include_str!("../criteria/qd148-2023.csv");

fn sheet(text: &str) -> CriteriaSheet {
    CriteriaSheet::parse(text).expect("the shipped criteria sheets parse (tested)")
}

const fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

/// The first of `grounds` whose facts the record does not bear out on `decided_on`, with
/// what it shows instead (rule 10): `not_re_evaluated` only once the recognition `rec` has
/// ended its validity (36 months without a re-evaluation); `failed_mandatory_criteria`
/// only when a concluded scoring of the product's rounds failed one
/// (`failed_criteria_on_record`, [`ProductState::failed_criteria_on_record`](crate::state::ProductState::failed_criteria_on_record)).
/// The command refuses it; the audit flags a recorded one (`revocation_ground_not_met`).
pub fn unmet_ground(
    grounds: &[crate::events::RevocationGround],
    rec: &crate::state::Recognition,
    decided_on: NaiveDate,
    failed_criteria_on_record: bool,
) -> Option<(crate::events::RevocationGround, String)> {
    use crate::events::RevocationGround;
    if grounds.contains(&RevocationGround::NotReEvaluated) && decided_on <= rec.valid_until {
        return Some((
            RevocationGround::NotReEvaluated,
            format!(
                "revoked on {decided_on} as not re-evaluated after 36 months, but the recognition {} was valid until {}",
                rec.decision_no, rec.valid_until
            ),
        ));
    }
    (grounds.contains(&RevocationGround::FailedMandatoryCriteria) && !failed_criteria_on_record)
        .then(|| {
            (
                RevocationGround::FailedMandatoryCriteria,
                "no concluded scoring of the product's rounds lists a failed mandatory criterion"
                    .to_owned(),
            )
        })
}

/// Whether a refusal may close a round whose scoring awards `award` stars (rule 11): never
/// in an initial round or a re-evaluation — the scoring decides — except that an upgrade
/// round (nâng hạng) fails, and may be refused, when its award does not exceed the stars of
/// the recognition standing: that recognition then stays as it was. The command allows
/// exactly these refusals; the audit flags any other (`refusal_contradicts_scoring`).
pub fn refusal_allowed(kind: crate::events::RoundKind, award: u8, standing: Option<u8>) -> bool {
    kind == crate::events::RoundKind::Upgrade && standing.is_some_and(|stars| award <= stars)
}

/// Whether `role` revokes a recognition of `level` under its own name rather than the
/// recognising authority's: the ministry (central secretary) always; a province a district
/// award, since the districts were abolished in 2025 and the provinces took over their
/// records; and a province an award of a province it succeeded in the 2025 merger
/// (`succeeded`: the product's recorded province is no longer in force on the day).
pub fn may_revoke_under_own_name(role: crate::actor::Role, level: Level, succeeded: bool) -> bool {
    use crate::actor::Role;
    role == Role::CentralSecretary
        || (role == Role::ProvincialSecretary && (level == Level::District || succeeded))
}

/// The star bands of `ocop-rules.md` §2, the same in all versions so far.
pub const STAR_BANDS: &[StarBand] = &[
    StarBand { stars: 5, from: 90 },
    StarBand { stars: 4, from: 70 },
    StarBand { stars: 3, from: 50 },
    StarBand { stars: 2, from: 30 },
    StarBand { stars: 1, from: 0 },
];

const CENTRAL: LevelRule = LevelRule {
    level: Level::Central,
    scored: true,
    awards: &[5],
    thresholds: &[Threshold {
        from: 90,
        result: LevelResult::Award { stars: 5 },
    }],
    forwards_to: None,
    min_present: 5,
};

const PROVINCIAL_3_4: LevelRule = LevelRule {
    level: Level::Provincial,
    scored: true,
    awards: &[3, 4],
    thresholds: &[
        Threshold {
            from: 90,
            result: LevelResult::AwardAndForward { stars: 4 },
        },
        Threshold {
            from: 70,
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

fn standard_versions() -> Vec<RuleVersion> {
    vec![
        RuleVersion {
            id: RulesVersionId::QD1048_2019,
            instrument: "Decision 1048/QĐ-TTg of 21 Aug 2019, amended by 781/QĐ-TTg of 8 Jun 2020",
            in_force_from: date(2019, 8, 21),
            in_force_until: Some(date(2023, 2, 23)),
            part_max: PartMax {
                a: 35,
                b: 25,
                c: 40,
            },
            star_bands: STAR_BANDS,
            levels: &[
                LevelRule {
                    level: Level::District,
                    scored: true,
                    awards: &[],
                    thresholds: &[Threshold {
                        from: 50,
                        result: LevelResult::Forward,
                    }],
                    forwards_to: Some(Level::Provincial),
                    min_present: 0,
                },
                PROVINCIAL_3_4,
                CENTRAL,
            ],
            criteria: sheet(SHEET_1048),
        },
        RuleVersion {
            id: RulesVersionId::QD148_2023,
            instrument: "Decision 148/QĐ-TTg of 24 Feb 2023",
            in_force_from: date(2023, 2, 24),
            in_force_until: Some(date(2025, 7, 5)),
            part_max: PartMax {
                a: 40,
                b: 25,
                c: 35,
            },
            star_bands: STAR_BANDS,
            levels: &[
                LevelRule {
                    level: Level::District,
                    scored: true,
                    awards: &[3],
                    thresholds: &[
                        Threshold {
                            from: 70,
                            result: LevelResult::Forward,
                        },
                        Threshold {
                            from: 50,
                            result: LevelResult::Award { stars: 3 },
                        },
                    ],
                    forwards_to: Some(Level::Provincial),
                    min_present: 0,
                },
                LevelRule {
                    level: Level::Provincial,
                    scored: true,
                    awards: &[4],
                    thresholds: &[
                        Threshold {
                            from: 90,
                            result: LevelResult::AwardAndForward { stars: 4 },
                        },
                        Threshold {
                            from: 70,
                            result: LevelResult::Award { stars: 4 },
                        },
                    ],
                    forwards_to: Some(Level::Central),
                    min_present: 0,
                },
                CENTRAL,
            ],
            criteria: sheet(SHEET_148),
        },
        RuleVersion {
            id: RulesVersionId::QD1489_2025,
            instrument: "Decision 1489/QĐ-TTg of 6 Jul 2025, amending the procedure of 148/QĐ-TTg",
            in_force_from: date(2025, 7, 6),
            in_force_until: None,
            part_max: PartMax {
                a: 40,
                b: 25,
                c: 35,
            },
            star_bands: STAR_BANDS,
            levels: &[
                LevelRule {
                    level: Level::Commune,
                    scored: false,
                    awards: &[],
                    thresholds: &[],
                    forwards_to: Some(Level::Provincial),
                    min_present: 0,
                },
                PROVINCIAL_3_4,
                CENTRAL,
            ],
            criteria: sheet(SHEET_148),
        },
    ]
}

impl RuleBook {
    /// The book as a reference an integrator reads (`docs/rules.md` is this text, and a
    /// test keeps it so): for each version its instrument and dates, part maxima, star
    /// bands and, level by level, what a mean leads to and which stars it may award.
    pub fn describe(&self) -> String {
        use std::fmt::Write as _;
        let mut out = String::from(
            "# The rule versions\n\n\
             Generated from the engine's rule book (`domain/src/rules.rs`, \
             `RuleBook::describe`); a test fails when this file and the book differ. A round \
             is judged under the version in force on the day it opens (`opened_on`), \
             whatever the date of its later steps. Scores are whole points per part; the \
             mean of the members' totals is exact (two decimals shown, never rounded up \
             into a band).\n",
        );
        for v in self.versions() {
            let until = v
                .in_force_until
                .map_or_else(|| "today".to_owned(), |d| d.to_string());
            let _ = write!(
                out,
                "\n## `{}`\n\n{}.\n\n- In force: {} – {until}\n- Part maxima: A {} · B {} · C {} \
                 (total {})\n- Star bands of the mean: {}\n- Levels, in the order a product \
                 goes through them:\n",
                v.id,
                v.instrument,
                v.in_force_from,
                v.part_max.a,
                v.part_max.b,
                v.part_max.c,
                v.part_max.a + v.part_max.b + v.part_max.c,
                v.star_bands
                    .iter()
                    .map(|b| format!("{}★ from {}", b.stars, b.from))
                    .collect::<Vec<_>>()
                    .join(", "),
            );
            for l in v.levels {
                let thresholds = if l.scored {
                    let mut t: Vec<String> = l
                        .thresholds
                        .iter()
                        .map(|t| {
                            let result = match t.result {
                                LevelResult::Award { stars } => format!("awards {stars}★"),
                                LevelResult::AwardAndForward { stars } => format!(
                                    "awards {stars}★ with the potential-5★ flag and forwards"
                                ),
                                LevelResult::Forward => "forwards".to_owned(),
                            };
                            format!("mean ≥ {}: {result}", t.from)
                        })
                        .collect();
                    t.push("below: not recognised".to_owned());
                    t.join("; ")
                } else {
                    "no council: the commune assesses and forwards (or not)".to_owned()
                };
                let awards = if l.awards.is_empty() {
                    "no award".to_owned()
                } else {
                    let stars: Vec<String> = l.awards.iter().map(|s| format!("{s}★")).collect();
                    format!("may award {}", stars.join(", "))
                };
                let next = l
                    .forwards_to
                    .map_or_else(String::new, |n| format!("; forwards to `{n}`"));
                let floor = if l.min_present > 0 {
                    format!(
                        "; concludes only with at least {} members present, whatever quorum it sets",
                        l.min_present
                    )
                } else {
                    String::new()
                };
                let _ = writeln!(
                    out,
                    "  - `{}`: {thresholds}; {awards}{next}{floor}",
                    l.level
                );
            }
            let sheet = &v.criteria;
            let _ = writeln!(
                out,
                "- Mandatory criteria: a criterion fails when more than {}/{} of the present \
                 members' cards name it; a failed criterion of N★ blocks every award of N★ or \
                 more, and the outcome is what the highest band below N★ gives at the level. \
                 A code the sheet does not have for the product's group blocks every award.",
                sheet.majority.numerator, sheet.majority.denominator
            );
            for source in &sheet.sources {
                let _ = writeln!(out, "  - Source: {source}");
            }
            let _ = writeln!(
                out,
                "
  | code | from | groups | requirement |
  |---|---|---|---|"
            );
            for c in &sheet.criteria {
                let groups = if c.groups.is_empty() {
                    "all".to_owned()
                } else {
                    c.groups
                        .iter()
                        .map(|g| {
                            serde_json::to_value(g)
                                .ok()
                                .and_then(|v| v.as_str().map(str::to_owned))
                                .unwrap_or_default()
                        })
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                let _ = writeln!(
                    out,
                    "  | `{}` | {}★ | {groups} | {} |",
                    c.code, c.stars, c.title
                );
            }
        }
        out
    }
}

/// No rule version is in force on a date, or none has an id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RulesError {
    /// No version covers the date (e.g. before 2019-08-21).
    #[error("no rules in force on {date}")]
    NoneInForce {
        /// The date asked about.
        date: NaiveDate,
    },
    /// A version added out of order or overlapping its predecessor.
    #[error("rule version {id} must start after {after}")]
    OutOfOrder {
        /// The rejected version.
        id: RulesVersionId,
        /// The date it must start after.
        after: NaiveDate,
    },
}

/// An ordered set of rule versions without gaps or overlaps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleBook {
    versions: Vec<RuleVersion>,
}

static STANDARD: std::sync::LazyLock<RuleBook> = std::sync::LazyLock::new(|| RuleBook {
    versions: standard_versions(),
});

impl RuleBook {
    /// The versions of `ocop-rules.md` §1 (without the unverified `qd26-2026`).
    pub fn standard() -> &'static RuleBook {
        &STANDARD
    }

    /// A copy of this book with one more version, which must start after the last one's
    /// start; the last version is closed on the day before. Earlier versions are untouched.
    pub fn with_version(&self, version: RuleVersion) -> Result<RuleBook, RulesError> {
        let mut versions = self.versions.clone();
        if let Some(last) = versions.last_mut() {
            if version.in_force_from <= last.in_force_from
                || last
                    .in_force_until
                    .is_some_and(|u| version.in_force_from <= u)
            {
                return Err(RulesError::OutOfOrder {
                    id: version.id,
                    after: last.in_force_until.unwrap_or(last.in_force_from),
                });
            }
            if last.in_force_until.is_none() {
                last.in_force_until = version.in_force_from.pred_opt();
            }
        }
        versions.push(version);
        Ok(RuleBook { versions })
    }

    /// All versions, oldest first.
    pub fn versions(&self) -> &[RuleVersion] {
        &self.versions
    }

    /// The version in force on `date`.
    pub fn in_force_on(&self, date: NaiveDate) -> Result<&RuleVersion, RulesError> {
        self.versions
            .iter()
            .find(|v| v.in_force_on(date))
            .ok_or(RulesError::NoneInForce { date })
    }

    /// The version with this id.
    pub fn get(&self, id: &RulesVersionId) -> Option<&RuleVersion> {
        self.versions.iter().find(|v| &v.id == id)
    }

    /// The version in force on `date` when it no longer has `level`: a round keeps the
    /// version it opened under, but a level that was abolished (the districts, after
    /// 2025-07-05) decides nothing after its day. The decision command refuses such a
    /// decision; the audit flags a recorded one (`level_cannot_award`).
    pub fn level_gone_on(&self, level: Level, date: NaiveDate) -> Option<&RuleVersion> {
        self.in_force_on(date)
            .ok()
            .filter(|v| v.level(level).is_none())
    }
}

/// The standard version in force on `date` (before 2019-08-21: an error).
pub fn in_force_on(date: NaiveDate) -> Result<&'static RuleVersion, RulesError> {
    RuleBook::standard().in_force_on(date)
}

/// The standard version with this id.
pub fn get(id: &RulesVersionId) -> Option<&'static RuleVersion> {
    RuleBook::standard().get(id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::score::Mean;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn each_date_has_the_version_in_force_on_it() {
        assert!(in_force_on(d("2019-08-20")).is_err());
        assert_eq!(
            in_force_on(d("2019-08-21")).unwrap().id,
            RulesVersionId::QD1048_2019
        );
        assert_eq!(
            in_force_on(d("2023-02-23")).unwrap().id,
            RulesVersionId::QD1048_2019
        );
        assert_eq!(
            in_force_on(d("2023-02-24")).unwrap().id,
            RulesVersionId::QD148_2023
        );
        assert_eq!(
            in_force_on(d("2025-07-05")).unwrap().id,
            RulesVersionId::QD148_2023
        );
        assert_eq!(
            in_force_on(d("2025-07-06")).unwrap().id,
            RulesVersionId::QD1489_2025
        );
        assert_eq!(
            in_force_on(d("2026-06-01")).unwrap().id,
            RulesVersionId::QD1489_2025
        );
    }

    #[test]
    fn the_unverified_qd26_2026_is_not_in_force() {
        let id = RulesVersionId::parse("qd26-2026").unwrap();
        assert!(get(&id).is_none());
    }

    #[test]
    fn part_maxima_follow_each_instrument() {
        let m = |id| get(&id).unwrap().part_max;
        assert_eq!(
            m(RulesVersionId::QD1048_2019),
            PartMax {
                a: 35,
                b: 25,
                c: 40
            }
        );
        assert_eq!(
            m(RulesVersionId::QD148_2023),
            PartMax {
                a: 40,
                b: 25,
                c: 35
            }
        );
        assert_eq!(
            m(RulesVersionId::QD1489_2025),
            PartMax {
                a: 40,
                b: 25,
                c: 35
            }
        );
    }

    #[test]
    fn only_older_versions_have_a_district_level() {
        assert!(
            get(&RulesVersionId::QD1048_2019)
                .unwrap()
                .level(Level::District)
                .is_some()
        );
        assert!(
            get(&RulesVersionId::QD148_2023)
                .unwrap()
                .level(Level::District)
                .is_some()
        );
        let v = get(&RulesVersionId::QD1489_2025).unwrap();
        assert!(v.level(Level::District).is_none());
        assert_eq!(v.first_level().level, Level::Commune);
    }

    #[test]
    fn the_levels_table_of_qd148_2023_is_encoded() {
        let v = get(&RulesVersionId::QD148_2023).unwrap();
        let district = v.level(Level::District).unwrap();
        let mean = |n| Mean::new(n, 1).unwrap();
        assert_eq!(district.result_for(&mean(49)), None);
        assert_eq!(
            district.result_for(&mean(50)),
            Some(LevelResult::Award { stars: 3 })
        );
        assert_eq!(district.result_for(&mean(70)), Some(LevelResult::Forward));
        let provincial = v.level(Level::Provincial).unwrap();
        assert_eq!(provincial.result_for(&Mean::new(209, 3).unwrap()), None);
        assert_eq!(
            provincial.result_for(&mean(70)),
            Some(LevelResult::Award { stars: 4 })
        );
        assert_eq!(
            provincial.result_for(&mean(90)),
            Some(LevelResult::AwardAndForward { stars: 4 })
        );
        assert!(!provincial.may_award(3));
        assert!(district.may_award(3));
    }

    #[test]
    fn a_failed_criterion_gives_the_highest_band_below_its_level_that_the_level_awards() {
        let m = |n: u64| Mean::new(n, 1).unwrap();
        let v148 = get(&RulesVersionId::QD148_2023).unwrap();
        let district = v148.level(Level::District).unwrap();
        let provincial = v148.level(Level::Provincial).unwrap();
        // 148: a district mean of 80 forwards; with a 4★ criterion failed it awards 3★.
        assert_eq!(
            v148.result_for(district, &m(80), Some(4)),
            Some(LevelResult::Award { stars: 3 })
        );
        // The province does not award 3★ under 148: not recognised at that level.
        assert_eq!(v148.result_for(provincial, &m(80), Some(4)), None);
        // A 5★ criterion: the province's 4★ stays, without the flag and the forward.
        assert_eq!(
            v148.result_for(provincial, &m(95), Some(5)),
            Some(LevelResult::Award { stars: 4 })
        );
        // A criterion above the band changes nothing; a 3★ one blocks everything.
        assert_eq!(
            v148.result_for(provincial, &m(80), Some(5)),
            Some(LevelResult::Award { stars: 4 })
        );
        assert_eq!(v148.result_for(district, &m(60), Some(3)), None);
        let v1489 = get(&RulesVersionId::QD1489_2025).unwrap();
        let central = v1489.level(Level::Central).unwrap();
        assert_eq!(v1489.result_for(central, &m(95), Some(5)), None);
        assert_eq!(
            v1489.result_for(v1489.level(Level::Provincial).unwrap(), &m(80), Some(4)),
            Some(LevelResult::Award { stars: 3 })
        );
    }

    #[test]
    fn adding_a_version_leaves_earlier_versions_and_dates_alone() {
        let mut next = get(&RulesVersionId::QD1489_2025).unwrap().clone();
        next.id = RulesVersionId::parse("qd99-2027").unwrap();
        next.in_force_from = d("2027-01-01");
        next.part_max = PartMax {
            a: 30,
            b: 30,
            c: 40,
        };
        let book = RuleBook::standard().with_version(next).unwrap();
        for v in RuleBook::standard().versions() {
            let same = book.get(&v.id).unwrap();
            assert_eq!(same.part_max, v.part_max);
            assert_eq!(same.levels, v.levels);
            assert_eq!(same.in_force_from, v.in_force_from);
        }
        for day in ["2019-08-21", "2023-02-24", "2025-07-06", "2026-12-31"] {
            assert_eq!(
                book.in_force_on(d(day)).unwrap().id,
                RuleBook::standard().in_force_on(d(day)).unwrap().id
            );
        }
        assert_eq!(
            book.in_force_on(d("2027-01-01")).unwrap().id.as_str(),
            "qd99-2027"
        );
    }

    #[test]
    fn a_version_cannot_be_added_before_the_last_one() {
        let mut early = get(&RulesVersionId::QD1489_2025).unwrap().clone();
        early.id = RulesVersionId::parse("qd0-2024").unwrap();
        early.in_force_from = d("2024-01-01");
        assert!(RuleBook::standard().with_version(early).is_err());
    }
}

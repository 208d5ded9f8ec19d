//! The demo's data files, embedded at build time, and the types they are read into:
//!
//! - `data/places.json`: the provinces with their OCOP offices (keyed by the lower-case
//!   ASCII name staff user ids end with), the districts' People's Committees (by district
//!   code), the decision documents over several products, the people councils are drawn
//!   from;
//! - `data/stories/*.json`: one file per province, each product's story step by step, in
//!   the order the demo loads them (the order numbers the certificates);
//! - `data/quang-ninh-legacy.json`: the legacy list the demo imports, with the defects
//!   planted in it for the audit.
//!
//! The files say what happened; [`super::story`] turns each step into the command an
//! actor of the right role and scope records, with the ids, numbers, rosters and dossier
//! documents derived from the step.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use chrono::NaiveDate;
use ocop_domain::ProvinceCode;
use ocop_domain::events::{
    ComplaintSource, ProducerKind, ProductGroup, RevocationGround, RoundKind,
};
use ocop_domain::rules::Level;
use serde::Deserialize;

use super::DemoError;
use crate::audit::FindingCode;

/// The story files, in loading order.
const STORY_FILES: [(&str, &str); 8] = [
    ("lam-dong", include_str!("data/stories/lam-dong.json")),
    ("ha-noi", include_str!("data/stories/ha-noi.json")),
    ("hue", include_str!("data/stories/hue.json")),
    ("dak-lak", include_str!("data/stories/dak-lak.json")),
    ("tuyen-quang", include_str!("data/stories/tuyen-quang.json")),
    ("thai-nguyen", include_str!("data/stories/thai-nguyen.json")),
    ("an-giang", include_str!("data/stories/an-giang.json")),
    ("vinh-long", include_str!("data/stories/vinh-long.json")),
];

/// The whole data set, read once.
pub(super) struct DataSet {
    pub(super) places: Places,
    pub(super) stories: Vec<StoryData>,
    pub(super) legacy: LegacyList,
}

static DATA: LazyLock<Result<DataSet, String>> = LazyLock::new(DataSet::read);

/// The data set, or why the embedded files do not read (a defect of the build, which the
/// demo's tests catch).
pub(super) fn data() -> Result<&'static DataSet, DemoError> {
    DATA.as_ref().map_err(|e| DemoError::Data(e.clone()))
}

impl DataSet {
    fn read() -> Result<DataSet, String> {
        let mut places: Places = parse("places", include_str!("data/places.json"))?;
        for (key, province) in &mut places.provinces {
            province.key = key.clone();
        }
        for (key, document) in &mut places.decision_documents {
            document.key = key.clone();
        }
        let mut stories = Vec::new();
        for (file, text) in STORY_FILES {
            let file_stories: Vec<StoryData> = parse(&format!("stories/{file}"), text)?;
            stories.extend(file_stories);
        }
        let legacy = parse(
            "quang-ninh-legacy",
            include_str!("data/quang-ninh-legacy.json"),
        )?;
        Ok(DataSet {
            places,
            stories,
            legacy,
        })
    }
}

pub(super) fn parse<T: serde::de::DeserializeOwned>(file: &str, text: &str) -> Result<T, String> {
    serde_json::from_str(text).map_err(|e| format!("data/{file}.json: {e}"))
}

/// `data/places.json`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Places {
    pub(super) provinces: BTreeMap<String, Province>,
    /// District code → its People's Committee.
    pub(super) districts: BTreeMap<String, String>,
    pub(super) decision_documents: BTreeMap<String, DemoDocument>,
    /// The people councils' members are drawn from.
    pub(super) people: Vec<String>,
}

impl Places {
    pub(super) fn province(&'static self, key: &str) -> Result<&'static Province, DemoError> {
        self.provinces
            .get(key)
            .ok_or_else(|| DemoError::Data(format!("no province {key:?} in data/places.json")))
    }

    pub(super) fn district(&'static self, code: &str) -> Result<District, DemoError> {
        self.districts
            .get_key_value(code)
            .map(|(code, authority)| District { code, authority })
            .ok_or_else(|| DemoError::Data(format!("no district {code:?} in data/places.json")))
    }

    pub(super) fn document(&'static self, key: &str) -> Result<&'static DemoDocument, DemoError> {
        self.decision_documents.get(key).ok_or_else(|| {
            DemoError::Data(format!("no decision document {key:?} in data/places.json"))
        })
    }
}

/// A province with its OCOP office.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Province {
    /// Lower-case ASCII, for user ids (the key in `places.json`).
    #[serde(skip)]
    pub(super) key: String,
    pub(super) code: String,
    pub(super) name: String,
    /// "UBND tỉnh …" / "UBND thành phố …".
    pub(super) authority: String,
    /// The People's Committee's name before a change of status (Thừa Thiên Huế became the
    /// city of Huế on 1 Jan 2025).
    pub(super) former_authority: Option<FormerName>,
    /// The provincial council's secretary (user id).
    pub(super) secretary: String,
    /// The province's inspector (user id).
    pub(super) inspector: String,
    /// The provincial quality office, for inspections.
    pub(super) quality_office: String,
}

/// A name and the first day it was no longer used.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FormerName {
    pub(super) until: NaiveDate,
    pub(super) name: String,
}

impl Province {
    pub(super) fn authority_on(&self, on: NaiveDate) -> &str {
        match &self.former_authority {
            Some(former) if on < former.until => &former.name,
            _ => &self.authority,
        }
    }

    pub(super) fn code(&self) -> ProvinceCode {
        ProvinceCode::parse(&self.code).expect("a demo province code is valid")
    }
}

/// A district (before 1 Jul 2025) with its People's Committee.
#[derive(Debug, Clone, Copy)]
pub(super) struct District {
    pub(super) code: &'static str,
    pub(super) authority: &'static str,
}

/// One decision document over several products of the demo, as `POST /api/v1/decisions`
/// records it: one number, one date, one authority, all or nothing.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct DemoDocument {
    /// The key in `places.json`, from which the document's id is derived.
    #[serde(skip)]
    pub(super) key: String,
    pub(super) level: Level,
    pub(super) decided_on: NaiveDate,
}

impl DemoDocument {
    pub(super) fn id(&self) -> uuid::Uuid {
        super::name_uuid(&["decision-document", &self.key])
    }
}

/// One product's story in `data/stories/*.json`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct StoryData {
    /// A stable short name, from which the product's id is derived.
    pub(super) slug: String,
    /// What the story shows, for the reader of the file.
    #[serde(rename = "about")]
    _about: Option<serde::de::IgnoredAny>,
    /// The province's key in `places.json`.
    pub(super) province: String,
    /// The district's code, for records made while districts existed.
    pub(super) district: Option<String>,
    pub(super) commune: String,
    pub(super) registration: RegistrationData,
    /// The steps after the registration, each on its own date…
    #[serde(default)]
    pub(super) steps: Vec<Step>,
    /// …or, instead, dates placed relative to the day the demo is loaded.
    pub(super) notice_due: Option<NoticeDue>,
}

/// What a registration says.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RegistrationData {
    /// The registration date (absent for a story placed relative to today).
    pub(super) on: Option<NaiveDate>,
    pub(super) name: String,
    pub(super) producer: String,
    pub(super) kind: ProducerKind,
    pub(super) tax_code: Option<String>,
    pub(super) group: ProductGroup,
    pub(super) set: String,
}

/// One step of a story: what happened, when, at which level.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub(super) enum Step {
    /// A round opens, with the dossier its kind requires.
    Open {
        on: NaiveDate,
        kind: RoundKind,
    },
    /// The dossier is returned by `level`'s secretary.
    ReturnDossier {
        level: Level,
        on: NaiveDate,
        reasons: Vec<String>,
    },
    /// The producer amends the dossier with documents (kind, title).
    Amend {
        on: NaiveDate,
        documents: Vec<(String, String)>,
    },
    /// The commune's assessment (`qd1489-2025`): forwarded, local origin shown and the
    /// usual notes unless said otherwise.
    Assess {
        on: NaiveDate,
        #[serde(default = "yes")]
        forward: bool,
        #[serde(default = "yes")]
        local_origin: bool,
        notes: Option<String>,
    },
    /// A council of `level` sits and scores (one card per total, members in roster order)
    /// and concludes on the same day — or is still `sitting`.
    Council {
        level: Level,
        on: NaiveDate,
        totals: Vec<u32>,
        /// Mandatory criteria each member found failed, in roster order.
        #[serde(default)]
        failed: Vec<Vec<String>>,
        #[serde(default)]
        sitting: bool,
    },
    /// After a conclusion asked for re-scoring: new cards (0-based roster index, total),
    /// then the conclusion again.
    Rescore {
        level: Level,
        on: NaiveDate,
        cards: Vec<(usize, u32)>,
    },
    /// A recognition, its decision number derived unless written.
    Decide {
        level: Level,
        on: NaiveDate,
        stars: u8,
        decision_no: Option<String>,
    },
    /// A recognition in a decision document of `places.json`, with its other products.
    DecideIn {
        document: String,
        stars: u8,
    },
    /// A refusal (`mandatory`: a mandatory criterion failed).
    Refuse {
        level: Level,
        on: NaiveDate,
        reason: String,
        mandatory: bool,
    },
    Complaint {
        on: NaiveDate,
        source: ComplaintSource,
        summary: String,
    },
    /// An inspection (by the province's quality office unless said otherwise), answering
    /// the story's last complaint if said so.
    Inspection {
        on: NaiveDate,
        authority: Option<String>,
        findings: String,
        compliant: bool,
        #[serde(default)]
        answers_complaint: bool,
    },
    /// A revocation by the authority that recognised the product.
    Revoke {
        on: NaiveDate,
        grounds: Vec<RevocationGround>,
        details: String,
    },
    Withdraw {
        on: NaiveDate,
        reason: String,
    },
    /// A clerical correction of the story's last decision.
    Correct {
        on: NaiveDate,
        field: String,
        new_value: String,
        reason: String,
    },
    /// The engine's expiry notice, on its due date.
    Notice,
    /// The engine's expiry, on the first day after the validity.
    Expire,
}

fn yes() -> bool {
    true
}

/// A story whose recognition is in its last 30 days on the day the demo is loaded.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct NoticeDue {
    pub(super) stars: u8,
    /// The commune's notes, where the version in force has the commune assess.
    pub(super) assessment_notes: String,
    /// The district council's cards, where the version has district councils.
    pub(super) district_totals: Vec<u32>,
    /// The provincial council's cards, where the province decides.
    pub(super) provincial_totals: Vec<u32>,
}

/// `data/quang-ninh-legacy.json`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct LegacyList {
    /// When the province's list was imported.
    pub(super) imported_on: NaiveDate,
    /// The province's key in `places.json`.
    pub(super) province: String,
    pub(super) rows: Vec<LegacyRow>,
}

/// One row of the legacy list.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct LegacyRow {
    pub(super) slug: String,
    pub(super) district: String,
    pub(super) commune: Option<String>,
    pub(super) local_code: Option<String>,
    pub(super) product_name: String,
    pub(super) producer_name: String,
    pub(super) producer_kind: ProducerKind,
    pub(super) group: ProductGroup,
    pub(super) stars: u8,
    pub(super) score: Option<String>,
    pub(super) decision_no: String,
    pub(super) decided_on: NaiveDate,
    pub(super) authority: String,
    pub(super) valid_until: Option<NaiveDate>,
    /// The defect planted in the row for the audit.
    pub(super) planted: Option<Planted>,
}

/// A planted defect and the finding the audit reports for it (none where the audit cannot
/// see it in what the record holds).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Planted {
    pub(super) defect: String,
    pub(super) expected_finding: Option<FindingCode>,
}

//! Quảng Ninh's legacy list: the rows the demo imports, with the inconsistencies planted in
//! them for the audit to find.

use ocop_domain::events::ProducerKind::{Cooperative, Enterprise, HouseholdBusiness};
use ocop_domain::events::ProductGroup::{Drinks, Food, MedicinalHerbs};

use super::*;

/// One row of the legacy list.
pub(super) struct LegacyRow {
    pub(super) slug: &'static str,
    pub(super) district: &'static str,
    pub(super) commune: Option<&'static str>,
    pub(super) local_code: Option<&'static str>,
    pub(super) product_name: &'static str,
    pub(super) producer_name: &'static str,
    pub(super) producer_kind: ProducerKind,
    pub(super) group: ProductGroup,
    pub(super) stars: u8,
    pub(super) score: Option<&'static str>,
    pub(super) decision_no: &'static str,
    pub(super) decided_on: &'static str,
    pub(super) authority: &'static str,
    pub(super) valid_until: Option<&'static str>,
    /// The defect and the finding the audit reports for it, for planted rows.
    pub(super) planted: Option<(&'static str, Option<FindingCode>)>,
}

/// When the province's list was imported.
pub(super) const LEGACY_IMPORTED_ON: &str = "2026-01-12";

pub(super) const QN: &str = "UBND tỉnh Quảng Ninh";

pub(super) const LEGACY_ROWS: &[LegacyRow] = &[
    LegacyRow {
        slug: "qn-cha-muc-ha-long",
        district: "193",
        commune: Some("06658"),
        local_code: Some("22-193-06658-1-2024"),
        product_name: "Chả mực Hạ Long",
        producer_name: "Công ty CP Thực phẩm Hạ Long Xanh",
        producer_kind: Enterprise,
        group: Food,
        stars: 4,
        score: Some("78.25"),
        decision_no: "1655/QĐ-UBND",
        decided_on: "2024-05-16",
        authority: QN,
        valid_until: Some("2027-05-16"),
        planted: None,
    },
    LegacyRow {
        slug: "qn-tra-hoa-vang-ba-che",
        district: "202",
        commune: Some("06979"),
        local_code: Some("22-202-06979-2-2024"),
        product_name: "Trà hoa vàng Ba Chẽ",
        producer_name: "HTX Dược liệu Thanh Sơn",
        producer_kind: Cooperative,
        group: MedicinalHerbs,
        stars: 4,
        score: Some("82.50"),
        decision_no: "3012/QĐ-UBND",
        decided_on: "2024-09-20",
        authority: QN,
        valid_until: Some("2027-09-20"),
        planted: None,
    },
    LegacyRow {
        slug: "qn-ba-kich-tim-ba-che",
        district: "202",
        commune: Some("06982"),
        local_code: Some("22-202-06982-1-2024"),
        product_name: "Ba kích tím Ba Chẽ ngâm mật ong",
        producer_name: "Công ty TNHH Dược liệu Ba Chẽ",
        producer_kind: Enterprise,
        group: MedicinalHerbs,
        stars: 5,
        score: Some("91.75"),
        decision_no: "2147/QĐ-BNN-VPĐP",
        decided_on: "2024-06-10",
        authority: "Bộ Nông nghiệp và Phát triển nông thôn",
        valid_until: Some("2027-06-10"),
        planted: None,
    },
    LegacyRow {
        slug: "qn-mien-dong-binh-lieu",
        district: "198",
        commune: Some("06793"),
        local_code: Some("22-198-06793-1-2025"),
        product_name: "Miến dong Bình Liêu",
        producer_name: "HTX Miến dong Bình Liêu",
        producer_kind: Cooperative,
        group: Food,
        stars: 3,
        score: Some("66.00"),
        decision_no: "2870/QĐ-UBND",
        decided_on: "2025-08-28",
        authority: QN,
        valid_until: Some("2028-08-28"),
        planted: None,
    },
    LegacyRow {
        slug: "qn-sa-sung-van-don",
        district: "203",
        commune: Some("07192"),
        local_code: Some("22-203-07192-1-2024"),
        product_name: "Sá sùng khô Vân Đồn",
        producer_name: "Hộ kinh doanh Hoàng Văn Lực",
        producer_kind: HouseholdBusiness,
        group: Food,
        stars: 5,
        score: Some("93.10"),
        decision_no: "3125/QĐ-UBND",
        decided_on: "2024-11-05",
        authority: QN,
        valid_until: Some("2027-11-05"),
        planted: Some((
            "5★ awarded by the province (UBND tỉnh Quảng Ninh, decision 3125/QĐ-UBND); only the \
             ministry awards 5★, under every rule version. The import records every legacy 5★ \
             at the central level, so only the authority and the decision number show it",
            Some(FindingCode::LevelCannotAward),
        )),
    },
    LegacyRow {
        slug: "qn-ruou-ba-kich-dam-ha",
        district: "201",
        commune: Some("07048"),
        local_code: Some("22-201-07048-1-2024"),
        product_name: "Rượu ba kích Đầm Hà",
        producer_name: "HTX Dược liệu Đầm Hà",
        producer_kind: Cooperative,
        group: Drinks,
        stars: 4,
        score: Some("68.00"),
        decision_no: "2207/QĐ-UBND",
        decided_on: "2024-06-12",
        authority: QN,
        valid_until: Some("2027-06-12"),
        planted: Some((
            "4★ for a score of 68.00, whose band is 3★: imported as written (rule 12), the \
             decision exists in law until it is re-evaluated or revoked",
            Some(FindingCode::StarsAboveBand),
        )),
    },
    LegacyRow {
        slug: "qn-nuoc-mam-cai-rong",
        district: "203",
        commune: Some("07168"),
        local_code: Some("22-203-07168-2-2024"),
        product_name: "Nước mắm Cái Rồng",
        producer_name: "HTX Chế biến hải sản Cái Rồng",
        producer_kind: Cooperative,
        group: Food,
        stars: 4,
        score: None,
        decision_no: "1655/QĐ-UBND",
        decided_on: "2024-05-16",
        authority: QN,
        valid_until: Some("2027-05-16"),
        planted: Some((
            "4★ with no score in the list",
            Some(FindingCode::LegacyWithoutScores),
        )),
    },
    LegacyRow {
        slug: "qn-ga-doi-tien-yen",
        district: "199",
        commune: Some("06856"),
        local_code: Some("22-199-06856-1-2024"),
        product_name: "Gà đồi Tiên Yên",
        producer_name: "HTX Chăn nuôi gà Tiên Yên",
        producer_kind: Cooperative,
        group: Food,
        stars: 4,
        score: Some("74.60"),
        decision_no: "0512/QĐ-UBND",
        decided_on: "2024-02-20",
        authority: QN,
        valid_until: Some("2026-12-31"),
        planted: Some((
            "valid_until written as 2026-12-31; decision 2024-02-20 + 36 months is 2027-02-20",
            Some(FindingCode::LegacyValidUntilMismatch),
        )),
    },
    LegacyRow {
        slug: "qn-ruou-mo-yen-tu",
        district: "196",
        commune: None,
        local_code: None,
        product_name: "Rượu mơ Yên Tử",
        producer_name: "Công ty CP Yên Tử Xanh",
        producer_kind: Enterprise,
        group: Drinks,
        stars: 3,
        score: Some("62.00"),
        decision_no: "2688/QĐ-UBND",
        decided_on: "2024-08-14",
        authority: QN,
        valid_until: Some("2027-08-14"),
        planted: Some((
            "no commune and no local product code, only the district",
            Some(FindingCode::LegacyMissingEvidence),
        )),
    },
    LegacyRow {
        slug: "qn-ngan-chap-van-don",
        district: "203",
        commune: Some("07180"),
        local_code: Some("22-203-07180-3-2025"),
        product_name: "Ngán chấp Vân Đồn",
        producer_name: "Hộ kinh doanh Phạm Thị Duyên",
        producer_kind: HouseholdBusiness,
        group: Food,
        stars: 3,
        score: Some("84.00"),
        decision_no: "2871/QĐ-UBND",
        decided_on: "2025-09-10",
        authority: QN,
        valid_until: Some("2028-09-10"),
        planted: Some((
            "3★ with a stated score of 84.00, which earns 4★ at the province under qd1489-2025",
            Some(FindingCode::LegacyStarsInconsistentWithScore),
        )),
    },
    LegacyRow {
        slug: "qn-nam-linh-chi-dong-trieu",
        district: "205",
        commune: Some("07090"),
        local_code: Some("22-205-07090-1-2025"),
        product_name: "Nấm linh chi Đông Triều",
        producer_name: "HTX Nông nghiệp Đông Triều",
        producer_kind: Cooperative,
        group: MedicinalHerbs,
        stars: 4,
        score: Some("80.20"),
        decision_no: "0345/QĐ-UBND",
        decided_on: "2025-01-24",
        authority: QN,
        valid_until: Some("2028-01-24"),
        planted: None,
    },
    LegacyRow {
        slug: "qn-banh-gat-gu-quang-yen",
        district: "206",
        commune: Some("07138"),
        local_code: Some("22-206-07138-1-2018"),
        product_name: "Bánh gật gù Quảng Yên",
        producer_name: "Hộ kinh doanh Vũ Thị Gái",
        producer_kind: HouseholdBusiness,
        group: Food,
        stars: 4,
        score: Some("72.40"),
        decision_no: "4821/QĐ-UBND",
        decided_on: "2018-12-20",
        authority: QN,
        valid_until: Some("2021-12-20"),
        planted: Some((
            "decided on 2018-12-20 under Quảng Ninh's own OCOP programme, before the first \
             national rule version (qd1048-2019, in force from 2019-08-21): no rule version",
            Some(FindingCode::RulesVersionUnknown),
        )),
    },
];

pub(super) fn planted(row: &'static LegacyRow, i: usize) -> Option<PlantedInconsistency> {
    row.planted
        .map(|(defect, expected_finding)| PlantedInconsistency {
            product_id: legacy_import::legacy_product_id(&legacy_command(row, i)),
            slug: row.slug,
            line: i as u32 + 2,
            product_name: row.product_name,
            defect,
            expected_finding,
        })
}

/// The import command of row `i`, as `ocop import` makes it from line `i + 2` of
/// [`legacy_csv`].
pub(super) fn legacy_command(row: &LegacyRow, i: usize) -> ImportLegacyRecognition {
    ImportLegacyRecognition {
        province: QUANG_NINH.code(),
        district: Some(DistrictCode::parse(row.district).expect("a demo district code")),
        commune: row
            .commune
            .map(|c| CommuneCode::parse(c).expect("a demo commune code")),
        local_code: row.local_code.map(str::to_owned),
        product_name: row.product_name.to_owned(),
        producer_name: row.producer_name.to_owned(),
        producer_kind: row.producer_kind,
        product_group: row.group,
        stars: row.stars,
        score: row.score.map(str::to_owned),
        decision_no: row.decision_no.to_owned(),
        decided_on: d(row.decided_on),
        authority: row.authority.to_owned(),
        valid_until: row.valid_until.map(d),
        source: Some(format!("{LEGACY_FILE}:{}", i + 2)),
        certificate_no: None,
        potential_five_star: false,
        level: None,
    }
}

pub(super) fn legacy_product(row: &'static LegacyRow, i: usize) -> DemoProduct {
    let on = d(LEGACY_IMPORTED_ON);
    let command = legacy_command(row, i);
    let product_id = legacy_import::legacy_product_id(&command);
    let body = CommandBody::ImportLegacyRecognition(command);
    let mut paths = BTreeSet::from([DemoPath::LegacyImport]);
    let planted = planted(row, i);
    if planted.is_some() {
        paths.insert(DemoPath::PlantedInconsistency);
    }
    DemoProduct {
        slug: row.slug,
        product_id,
        name: row.product_name.to_owned(),
        producer: row.producer_name.to_owned(),
        province: QUANG_NINH.code,
        province_name: QUANG_NINH.name,
        paths,
        planted,
        relative_to_today: false,
        steps: vec![DemoStep {
            on,
            actor: admin(),
            body,
            event_id: event_uuid(on, i as u64, &["event", row.slug, "0"]),
            timer: None,
        }],
    }
}

//! Quảng Ninh's legacy list (`data/quang-ninh-legacy.json`): the rows the demo imports,
//! with the inconsistencies planted in them for the audit to find.

use super::*;

/// The defect planted in row `i` (the product `product_id`), if it has one.
pub(super) fn planted(
    row: &'static LegacyRow,
    i: usize,
    product_id: Uuid,
) -> Option<PlantedInconsistency> {
    row.planted.as_ref().map(|planted| PlantedInconsistency {
        product_id,
        slug: &row.slug,
        line: i as u32 + 2,
        product_name: &row.product_name,
        defect: &planted.defect,
        expected_finding: planted.expected_finding,
    })
}

/// The import command of row `i`, as `ocop import` makes it from line `i + 2` of
/// [`legacy_csv`].
pub(super) fn legacy_command(
    province: &Province,
    row: &LegacyRow,
    i: usize,
) -> ImportLegacyRecognition {
    ImportLegacyRecognition {
        province: province.code(),
        district: Some(DistrictCode::parse(&row.district).expect("a demo district code")),
        commune: row
            .commune
            .as_deref()
            .map(|c| CommuneCode::parse(c).expect("a demo commune code")),
        local_code: row.local_code.clone(),
        product_name: row.product_name.clone(),
        producer_name: row.producer_name.clone(),
        producer_kind: row.producer_kind,
        product_group: row.group,
        stars: row.stars,
        score: row.score.clone(),
        decision_no: row.decision_no.clone(),
        decided_on: row.decided_on,
        authority: row.authority.clone(),
        valid_until: row.valid_until,
        source: Some(format!("{LEGACY_FILE}:{}", i + 2)),
        certificate_no: None,
        potential_five_star: false,
        level: None,
    }
}

pub(super) fn legacy_product(
    list: &LegacyList,
    province: &'static Province,
    row: &'static LegacyRow,
    i: usize,
) -> DemoProduct {
    let on = list.imported_on;
    let command = legacy_command(province, row, i);
    let product_id = legacy_import::legacy_product_id(&command);
    let body = CommandBody::ImportLegacyRecognition(command);
    let mut paths = BTreeSet::from([DemoPath::LegacyImport]);
    let planted = planted(row, i, product_id);
    if planted.is_some() {
        paths.insert(DemoPath::PlantedInconsistency);
    }
    DemoProduct {
        slug: &row.slug,
        product_id,
        name: row.product_name.clone(),
        producer: row.producer_name.clone(),
        province: &province.code,
        province_name: &province.name,
        paths,
        planted,
        relative_to_today: false,
        steps: vec![DemoStep {
            on,
            actor: admin(),
            body,
            event_id: event_uuid(on, i as u64, &["event", &row.slug, "0"]),
            timer: None,
        }],
    }
}

//! Administrative units and their succession: the 2025 merger of provinces as data.
//!
//! On 1 Jul 2025 the 63 provinces became 34 and the district level was abolished
//! (Resolution 202/2025/QH15 of the National Assembly, 12 Jun 2025, on the arrangement of
//! provincial-level administrative units; the codes are the General Statistics Office's
//! as listed by Decision 19/2025/QĐ-TTg of 30 Jun 2025 on the list of administrative unit
//! codes: a merged province took the code of the unit named after it, e.g. Tuyên Quang
//! `08` ← Hà Giang `02` and Tuyên Quang `08`).
//!
//! Records keep the codes they were made with; the succession maps them where a place is
//! compared (scopes, list filters, statistics, the current place of a product). A
//! district's records passed to its province: a district code is read with the province
//! code recorded beside it, which every record carries.

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use serde::Serialize;

/// The business date of `t` in Vietnam (UTC+7), where every record's dates are read.
pub fn vietnam_date(t: DateTime<Utc>) -> NaiveDate {
    let ict = FixedOffset::east_opt(7 * 3600).expect("utc+7 is a valid offset");
    t.with_timezone(&ict).date_naive()
}

/// The day the 34 provinces came into force.
pub const MERGER_2025: NaiveDate = match NaiveDate::from_ymd_opt(2025, 7, 1) {
    Some(d) => d,
    None => panic!("a valid date"),
};

/// Where the succession data comes from, cited wherever it is shown.
pub const SOURCE: &str = "Nghị quyết 202/2025/QH15 (12/6/2025) về sắp xếp đơn vị hành chính \
                          cấp tỉnh; mã theo Quyết định 19/2025/QĐ-TTg (30/6/2025) ban hành \
                          Bảng danh mục và mã số các đơn vị hành chính Việt Nam";

/// The 63 provinces before 1 Jul 2025: code, name, and the code of the province that
/// succeeded it on that day.
const BEFORE_2025: [(&str, &str, &str); 63] = [
    ("01", "Hà Nội", "01"),
    ("02", "Hà Giang", "08"),
    ("04", "Cao Bằng", "04"),
    ("06", "Bắc Kạn", "19"),
    ("08", "Tuyên Quang", "08"),
    ("10", "Lào Cai", "15"),
    ("11", "Điện Biên", "11"),
    ("12", "Lai Châu", "12"),
    ("14", "Sơn La", "14"),
    ("15", "Yên Bái", "15"),
    ("17", "Hòa Bình", "25"),
    ("19", "Thái Nguyên", "19"),
    ("20", "Lạng Sơn", "20"),
    ("22", "Quảng Ninh", "22"),
    ("24", "Bắc Giang", "24"),
    ("25", "Phú Thọ", "25"),
    ("26", "Vĩnh Phúc", "25"),
    ("27", "Bắc Ninh", "24"),
    ("30", "Hải Dương", "31"),
    ("31", "Hải Phòng", "31"),
    ("33", "Hưng Yên", "33"),
    ("34", "Thái Bình", "33"),
    ("35", "Hà Nam", "37"),
    ("36", "Nam Định", "37"),
    ("37", "Ninh Bình", "37"),
    ("38", "Thanh Hóa", "38"),
    ("40", "Nghệ An", "40"),
    ("42", "Hà Tĩnh", "42"),
    ("44", "Quảng Bình", "44"),
    ("45", "Quảng Trị", "44"),
    ("46", "Thừa Thiên Huế", "46"),
    ("48", "Đà Nẵng", "48"),
    ("49", "Quảng Nam", "48"),
    ("51", "Quảng Ngãi", "51"),
    ("52", "Bình Định", "52"),
    ("54", "Phú Yên", "66"),
    ("56", "Khánh Hòa", "56"),
    ("58", "Ninh Thuận", "56"),
    ("60", "Bình Thuận", "68"),
    ("62", "Kon Tum", "51"),
    ("64", "Gia Lai", "52"),
    ("66", "Đắk Lắk", "66"),
    ("67", "Đắk Nông", "68"),
    ("68", "Lâm Đồng", "68"),
    ("70", "Bình Phước", "75"),
    ("72", "Tây Ninh", "80"),
    ("74", "Bình Dương", "79"),
    ("75", "Đồng Nai", "75"),
    ("77", "Bà Rịa - Vũng Tàu", "79"),
    ("79", "Hồ Chí Minh", "79"),
    ("80", "Long An", "80"),
    ("82", "Tiền Giang", "82"),
    ("83", "Bến Tre", "86"),
    ("84", "Trà Vinh", "86"),
    ("86", "Vĩnh Long", "86"),
    ("87", "Đồng Tháp", "82"),
    ("89", "An Giang", "91"),
    ("91", "Kiên Giang", "91"),
    ("92", "Cần Thơ", "92"),
    ("93", "Hậu Giang", "92"),
    ("94", "Sóc Trăng", "92"),
    ("95", "Bạc Liêu", "96"),
    ("96", "Cà Mau", "96"),
];

/// The 34 provinces from 1 Jul 2025: code and name.
const FROM_2025: [(&str, &str); 34] = [
    ("01", "Hà Nội"),
    ("04", "Cao Bằng"),
    ("08", "Tuyên Quang"),
    ("11", "Điện Biên"),
    ("12", "Lai Châu"),
    ("14", "Sơn La"),
    ("15", "Lào Cai"),
    ("19", "Thái Nguyên"),
    ("20", "Lạng Sơn"),
    ("22", "Quảng Ninh"),
    ("24", "Bắc Ninh"),
    ("25", "Phú Thọ"),
    ("31", "Hải Phòng"),
    ("33", "Hưng Yên"),
    ("37", "Ninh Bình"),
    ("38", "Thanh Hóa"),
    ("40", "Nghệ An"),
    ("42", "Hà Tĩnh"),
    ("44", "Quảng Trị"),
    ("46", "Huế"),
    ("48", "Đà Nẵng"),
    ("51", "Quảng Ngãi"),
    ("52", "Gia Lai"),
    ("56", "Khánh Hòa"),
    ("66", "Đắk Lắk"),
    ("68", "Lâm Đồng"),
    ("75", "Đồng Nai"),
    ("79", "Hồ Chí Minh"),
    ("80", "Tây Ninh"),
    ("82", "Đồng Tháp"),
    ("86", "Vĩnh Long"),
    ("91", "An Giang"),
    ("92", "Cần Thơ"),
    ("96", "Cà Mau"),
];

/// A province in force on a date, with the codes whose records it holds (its own among
/// them): `{"code": "08", "name": "Tuyên Quang", "succeeds": ["02", "08"]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProvinceInForce {
    pub code: &'static str,
    pub name: &'static str,
    pub succeeds: Vec<&'static str>,
}

/// The provinces in force on `on`, by code.
pub fn provinces_on(on: NaiveDate) -> Vec<ProvinceInForce> {
    if on < MERGER_2025 {
        BEFORE_2025
            .iter()
            .map(|&(code, name, _)| ProvinceInForce {
                code,
                name,
                succeeds: vec![code],
            })
            .collect()
    } else {
        FROM_2025
            .iter()
            .map(|&(code, name)| ProvinceInForce {
                code,
                name,
                succeeds: BEFORE_2025
                    .iter()
                    .filter(|(_, _, to)| *to == code)
                    .map(|(from, _, _)| *from)
                    .collect(),
            })
            .collect()
    }
}

/// The province in force on `on` that holds the records made under `code`: `code` itself
/// before the merger or when it was kept, its successor after. A code of no known province
/// is its own answer (records keep what they were made with).
pub fn province_on(code: &str, on: NaiveDate) -> &str {
    if on < MERGER_2025 {
        return code;
    }
    BEFORE_2025
        .iter()
        .find(|(from, _, _)| *from == code)
        .map_or(code, |(_, _, to)| to)
}

/// The province in force today that holds the records made under `code` (the succession
/// of 2025 is the last change of provinces).
pub fn current_province(code: &str) -> &str {
    province_on(code, NaiveDate::MAX)
}

/// The name of the province `code` on `on` (`None` for a code that is no province then).
pub fn province_name(code: &str, on: NaiveDate) -> Option<&'static str> {
    if on < MERGER_2025 {
        BEFORE_2025
            .iter()
            .find(|(c, _, _)| *c == code)
            .map(|(_, n, _)| *n)
    } else {
        FROM_2025.iter().find(|(c, _)| *c == code).map(|(_, n)| *n)
    }
}

/// The recorded province codes whose records `code`, as a province in force since the
/// merger, holds: its predecessors and itself (`"68"` → `["60", "67", "68"]`). A code that
/// is not a province in force (a former province, or none) holds only itself.
pub fn recorded_codes(code: &str) -> Vec<String> {
    if !FROM_2025.iter().any(|(c, _)| *c == code) {
        return vec![code.to_owned()];
    }
    BEFORE_2025
        .iter()
        .filter(|(_, _, to)| *to == code)
        .map(|(from, _, _)| (*from).to_owned())
        .collect()
}

/// Whether a scope of province `scope` covers a record of province `recorded` for a
/// command or read on `on`: the same code, or, from the merger, the province that
/// succeeded it.
pub fn province_covers(scope: &str, recorded: &str, on: NaiveDate) -> bool {
    scope == recorded || province_on(recorded, on) == scope
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn sixty_three_provinces_become_thirty_four_on_1_july_2025() {
        assert_eq!(provinces_on(d("2025-06-30")).len(), 63);
        let after = provinces_on(d("2025-07-01"));
        assert_eq!(after.len(), 34);
        // Every former province has exactly one successor in force.
        let covered: usize = after.iter().map(|p| p.succeeds.len()).sum();
        assert_eq!(covered, 63);
        let tq = after.iter().find(|p| p.code == "08").unwrap();
        assert_eq!(tq.name, "Tuyên Quang");
        assert_eq!(tq.succeeds, vec!["02", "08"]);
        let ld = after.iter().find(|p| p.code == "68").unwrap();
        assert_eq!(ld.succeeds, vec!["60", "67", "68"]);
    }

    #[test]
    fn a_former_province_is_held_by_its_successor_only_from_the_merger() {
        assert_eq!(province_on("02", d("2025-06-30")), "02");
        assert_eq!(province_on("02", d("2025-07-01")), "08");
        assert!(province_covers("08", "02", d("2026-01-01")));
        assert!(!province_covers("08", "02", d("2025-06-30")));
        assert!(!province_covers("68", "02", d("2026-01-01")));
        assert_eq!(recorded_codes("08"), vec!["02", "08"]);
        assert_eq!(recorded_codes("02"), vec!["02"]);
        assert_eq!(province_name("46", d("2024-01-01")), Some("Thừa Thiên Huế"));
        assert_eq!(province_name("46", d("2026-01-01")), Some("Huế"));
        assert_eq!(province_name("02", d("2026-01-01")), None);
    }
}

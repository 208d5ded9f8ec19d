//! How the web pages say things: dates `dd/mm/yyyy`, numbers with a decimal comma, stars,
//! statuses and events in Vietnamese words. Pure functions of the API's values.

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde_json::Value;

/// `2025-09-20` → `20/09/2025`; anything else as given.
pub fn date(iso: &str) -> String {
    match NaiveDate::parse_from_str(iso, "%Y-%m-%d") {
        Ok(d) => d.format("%d/%m/%Y").to_string(),
        Err(_) => iso.to_owned(),
    }
}

/// An optional ISO date in words: `—` when absent.
pub fn opt_date(iso: Option<&str>) -> String {
    iso.map_or_else(|| "—".to_owned(), date)
}

/// An RFC 3339 instant in Vietnam time (UTC+7): `20/09/2025 14:03`.
pub fn instant(rfc3339: &str) -> String {
    let ict = FixedOffset::east_opt(7 * 3600).expect("UTC+7 is a valid offset");
    match DateTime::parse_from_rfc3339(rfc3339) {
        Ok(t) => t.with_timezone(&ict).format("%d/%m/%Y %H:%M").to_string(),
        Err(_) => rfc3339.to_owned(),
    }
}

/// `dd/mm/yyyy` (or `yyyy-mm-dd`) typed by a person → the date; `None` when it is not one.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    NaiveDate::parse_from_str(text, "%d/%m/%Y")
        .or_else(|_| NaiveDate::parse_from_str(text, "%Y-%m-%d"))
        .ok()
}

/// A decimal as the API writes it (`"69.67"`) in Vietnamese form (`69,67`).
pub fn decimal(text: &str) -> String {
    text.replace('.', ",")
}

/// `★★★★` for 4, `—` for none.
pub fn stars(n: Option<i64>) -> String {
    match n {
        Some(n) if (1..=5).contains(&n) => "★".repeat(n as usize),
        _ => "—".to_owned(),
    }
}

/// `4 sao`, or `chưa xếp hạng`.
pub fn stars_words(n: Option<i64>) -> String {
    match n {
        Some(n) if (1..=5).contains(&n) => format!("{n} sao"),
        _ => "chưa xếp hạng".to_owned(),
    }
}

/// A product's status as the public reads it: whether the mark may be used.
pub fn public_status(status: &str) -> (&'static str, &'static str) {
    match status {
        "recognized" | "in_evaluation" => ("Còn hiệu lực", "ok"),
        "revoked" => ("Đã thu hồi", "bad"),
        _ => ("Hết hiệu lực", "off"),
    }
}

/// A product's status as staff read it.
pub fn status(status: &str) -> (&'static str, &'static str) {
    match status {
        "registered" => ("Đã đăng ký", "busy"),
        "in_evaluation" => ("Đang đánh giá", "busy"),
        "recognized" => ("Còn hiệu lực", "ok"),
        "not_recognized" => ("Không được công nhận", "off"),
        "expired" => ("Hết hiệu lực", "off"),
        "revoked" => ("Đã thu hồi", "bad"),
        "withdrawn" => ("Đã rút khỏi chương trình", "off"),
        _ => ("Không rõ", "off"),
    }
}

/// The statuses a staff list can filter on, with their words (first: no filter).
pub const STATUSES: [(&str, &str); 8] = [
    ("", "Tất cả"),
    ("registered", "Đã đăng ký"),
    ("in_evaluation", "Đang đánh giá"),
    ("recognized", "Còn hiệu lực"),
    ("not_recognized", "Không được công nhận"),
    ("expired", "Hết hiệu lực"),
    ("revoked", "Đã thu hồi"),
    ("withdrawn", "Đã rút khỏi chương trình"),
];

/// A role in words.
pub fn role(role: &str) -> &'static str {
    match role {
        "commune_officer" => "Cán bộ cấp xã",
        "district_secretary" => "Thư ký hội đồng cấp huyện",
        "provincial_secretary" => "Thư ký hội đồng cấp tỉnh",
        "central_secretary" => "Thư ký hội đồng cấp trung ương",
        "inspector" => "Thanh tra",
        "auditor" => "Kiểm toán (Bộ)",
        "admin" => "Quản trị",
        "system" => "Hệ thống",
        _ => "Vai trò khác",
    }
}

/// A scope in words: `national`, `province:68`, `province:68/commune:24730`.
pub fn scope(scope: &str) -> String {
    if scope == "national" {
        return "toàn quốc".to_owned();
    }
    scope
        .split('/')
        .map(|part| match part.split_once(':') {
            Some(("province", c)) => format!("tỉnh {c}"),
            Some(("district", c)) => format!("huyện {c}"),
            Some(("commune", c)) => format!("xã {c}"),
            _ => part.to_owned(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A level in words.
pub fn level(level: &str) -> &'static str {
    match level {
        "commune" => "Cấp xã",
        "district" => "Cấp huyện",
        "provincial" => "Cấp tỉnh",
        "central" => "Cấp trung ương",
        _ => "Cấp khác",
    }
}

/// A scoring outcome (`{"kind": …}`) in words.
pub fn outcome(outcome: &Value) -> String {
    match outcome["kind"].as_str().unwrap_or_default() {
        "award" => {
            let stars = outcome["stars"].as_i64();
            if outcome["potential_five_star"] == true {
                format!("Đạt {}, tiềm năng 5 sao", stars_words(stars))
            } else {
                format!("Đạt {}", stars_words(stars))
            }
        }
        "forward" => format!(
            "Chuyển lên {}",
            level(outcome["to"].as_str().unwrap_or_default()).to_lowercase()
        ),
        "not_recognized" => "Không đạt".to_owned(),
        "rescore_required" => "Chấm lại (chênh lệch vượt mức cho phép)".to_owned(),
        _ => "—".to_owned(),
    }
}

/// A product group in words.
pub fn group(group: &str) -> &'static str {
    match group {
        "food" => "Thực phẩm",
        "drinks" => "Đồ uống",
        "medicinal_herbs" => "Dược liệu và sản phẩm từ dược liệu",
        "handicrafts" => "Hàng thủ công mỹ nghệ",
        "ornamental" => "Sinh vật cảnh",
        "tourism" => "Dịch vụ du lịch cộng đồng, du lịch sinh thái",
        "textiles" => "Vải và may mặc",
        "souvenirs_decoration" => "Lưu niệm, nội thất, trang trí",
        _ => "Nhóm khác",
    }
}

/// An event type in words.
pub fn event(event_type: &str) -> &'static str {
    match event_type {
        "ProductRegistered" => "Đăng ký sản phẩm",
        "EvaluationOpened" => "Mở vòng đánh giá",
        "DossierReturned" => "Trả hồ sơ",
        "DossierAmended" => "Bổ sung hồ sơ",
        "LocalAssessmentRecorded" => "Đánh giá cấp xã",
        "CouncilConvened" => "Triệu tập hội đồng",
        "ScorecardRecorded" => "Ghi phiếu chấm điểm",
        "ScoringConcluded" => "Kết luận chấm điểm",
        "ScoringReopened" => "Mở lại chấm điểm để sửa phiếu",
        "RecognitionDecided" => "Quyết định công nhận",
        "RecognitionRefused" => "Quyết định không công nhận",
        "LegacyRecognitionImported" => "Nhập công nhận cũ",
        "ExpiryNoticeIssued" => "Thông báo sắp hết hạn",
        "RecognitionExpired" => "Hết hiệu lực",
        "ComplaintReceived" => "Tiếp nhận khiếu nại",
        "InspectionRecorded" => "Ghi kết quả kiểm tra",
        "RecognitionRevoked" => "Thu hồi công nhận",
        "ProductWithdrawn" => "Rút khỏi chương trình",
        "EntryCorrected" => "Đính chính",
        _ => "Sự kiện khác",
    }
}

/// A string field of a JSON object, or `—`.
/// An API answer (or part of one) as the JSON it is sent as, for the pages that read its
/// fields by name as a client would.
pub fn json(answer: &impl serde::Serialize) -> Value {
    serde_json::to_value(answer).unwrap_or_default()
}

pub fn text(v: &Value, field: &str) -> String {
    match &v[field] {
        Value::String(s) if !s.is_empty() => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => "—".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_numbers_and_stars_read_as_in_vietnam() {
        assert_eq!(date("2025-09-20"), "20/09/2025");
        assert_eq!(instant("2025-09-20T17:30:00Z"), "21/09/2025 00:30");
        assert_eq!(decimal("69.67"), "69,67");
        assert_eq!(stars(Some(4)), "★★★★");
        assert_eq!(stars_words(None), "chưa xếp hạng");
        assert_eq!(
            parse_date("01/08/2025"),
            NaiveDate::from_ymd_opt(2025, 8, 1)
        );
        assert_eq!(parse_date("31/02/2025"), None);
        assert_eq!(public_status("revoked").0, "Đã thu hồi");
        assert_eq!(scope("province:68/commune:24730"), "tỉnh 68, xã 24730");
    }
}

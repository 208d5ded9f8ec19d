//! Lâm Đồng's stories, and those of the provinces merged into it in 2025.

use ocop_domain::events::ProducerKind::{
    Cooperative, CooperativeGroup, Enterprise, HouseholdBusiness,
};
use ocop_domain::events::ProductGroup::{Drinks, Food};

use super::*;

pub(super) const FOOD_SAFETY_AMENDMENT: &[(&str, &str)] = &[(
    "food_safety_certificate",
    "Giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm",
)];

pub(super) fn lam_dong(next: &mut Next<'_>, out: &mut Vec<DemoProduct>) {
    let p = &LAM_DONG;
    merged_into_lam_dong(next, out);

    // qd1489-2025: returned at the commune, amended, provincial 4★, then a consumer
    // complaint answered by a compliant inspection.
    let mut s = next("mat-ong-hoa-ca-phe-dak-song", at(p, "24730"));
    s.register(
        "2025-08-01",
        Registration {
            tax_code: Some("6400123456"),
            ..reg(
                "Mật ong hoa cà phê",
                "HTX Nông nghiệp Đắk Song",
                Cooperative,
                Food,
                "Mật ong",
            )
        },
    )
    .open("2025-09-01", RoundKind::Initial)
    .return_dossier(
        Level::Commune,
        "2025-09-08",
        &[
            "Thiếu phiếu kết quả kiểm nghiệm chỉ tiêu chất lượng mật ong",
            "Bản tự công bố chất lượng đã hết hiệu lực",
        ],
    )
    .amend(
        "2025-09-20",
        &[
            ("test_result", "Phiếu kết quả kiểm nghiệm số 1175/KN-2025"),
            (
                "quality_declaration",
                "Bản tự công bố chất lượng sản phẩm (cập nhật 2025)",
            ),
        ],
    )
    .assess("2025-09-25")
    .council(
        Level::Provincial,
        "2025-10-20",
        &[78, 81, 76, 80, 79, 77, 82],
    )
    .decide(Level::Provincial, "2025-11-05", 4);
    let complaint = s.complaint(
        "2026-03-10",
        ComplaintSource::Consumer,
        "Khách hàng phản ánh mật ong kết tinh nhanh, nghi có pha đường",
    );
    s.inspection(
        "2026-03-25",
        p.quality_office,
        "Lấy mẫu tại cơ sở và điểm bán: hàm lượng đường khử, HMF và độ ẩm đạt yêu cầu; \
         kết tinh là hiện tượng tự nhiên của mật ong hoa cà phê",
        true,
        Some(complaint),
    );
    out.push(s.finish());

    // qd1489-2025: provincial 4★ with the potential-5★ flag, then the central 5★.
    let mut s = next("ca-phe-arabica-cau-dat", at(p, "24805"));
    s.register(
        "2025-07-20",
        Registration {
            tax_code: Some("5801234567"),
            ..reg(
                "Cà phê Arabica Cầu Đất rang xay",
                "Công ty TNHH Cà phê Cầu Đất Xanh",
                Enterprise,
                Drinks,
                "Cà phê",
            )
        },
    )
    .open("2025-08-05", RoundKind::Initial)
    .assess("2025-08-15")
    .council(
        Level::Provincial,
        "2025-09-18",
        &[91, 92, 90, 93, 91, 92, 90],
    )
    .decide(Level::Provincial, "2025-10-02", 4)
    .council(Level::Central, "2026-03-12", &[92, 91, 93, 90, 92, 91, 94])
    .decide(Level::Central, "2026-04-02", 5);
    out.push(s.finish());

    // qd1489-2025: provincial 4★ with the flag, the central council says "không đạt".
    let mut s = next("nuoc-mam-phan-thiet", at(p, "22945"));
    s.register(
        "2025-07-25",
        reg(
            "Nước mắm truyền thống Phan Thiết 40 độ đạm",
            "Công ty TNHH Nước mắm Hải Đăng Phan Thiết",
            Enterprise,
            Food,
            "Nước mắm",
        ),
    )
    .open("2025-08-10", RoundKind::Initial)
    .assess("2025-08-20")
    .council(
        Level::Provincial,
        "2025-09-18",
        &[90, 91, 92, 90, 89, 91, 92],
    )
    .decide(Level::Provincial, "2025-10-02", 4)
    .council(Level::Central, "2026-03-12", &[88, 87, 90, 86, 89, 88, 87])
    .refuse(
        Level::Central,
        "2026-04-02",
        "Hội đồng Trung ương đánh giá không đạt 5 sao (điểm trung bình 87,86); \
         giữ công nhận 4 sao cấp tỉnh",
        false,
    );
    out.push(s.finish());

    // qd1489-2025: provincial 3★ recorded with a mistyped decision number, corrected.
    let mut s = next("tra-atiso-da-lat", at(p, "24790"));
    s.register(
        "2025-09-02",
        reg(
            "Trà atiso túi lọc",
            "HTX Nông nghiệp Xuân Thọ",
            Cooperative,
            Drinks,
            "Trà",
        ),
    )
    .open("2025-09-15", RoundKind::Initial)
    .assess("2025-09-24")
    .council(Level::Provincial, "2025-10-20", &[62, 65, 60, 64, 63]);
    let on = d("2025-11-05");
    let right = s.decision_no(Level::Provincial, on);
    let typo = transpose(&right);
    s.decide_on(Level::Provincial, on, 3, Some(typo));
    let decision = s.last_event();
    s.correct(
        "2025-11-18",
        decision,
        "decision_no",
        &right,
        "Nhập sai số quyết định (đảo chữ số); đối chiếu bản gốc quyết định công nhận",
    );
    out.push(s.finish());

    // Registered only.
    let mut s = next("dau-tay-say-deo", at(p, "24820"));
    s.register(
        "2026-09-15",
        reg(
            "Dâu tây sấy dẻo",
            "Hộ kinh doanh Lê Thị Thu Trang",
            HouseholdBusiness,
            Food,
            "Rau, củ, quả và hạt chế biến",
        ),
    );
    out.push(s.finish());

    // qd1489-2025: forwarded by the commune, waiting for the provincial council.
    let mut s = next("hat-mac-ca-lam-ha", at(p, "24880"));
    s.register(
        "2026-06-10",
        reg(
            "Hạt mắc ca sấy nứt vỏ",
            "HTX Mắc ca Tân Hà",
            Cooperative,
            Food,
            "Rau, củ, quả và hạt chế biến",
        ),
    )
    .open("2026-07-01", RoundKind::Initial)
    .assess("2026-07-15");
    out.push(s.finish());

    // qd148-2023 district 3★, then a re-evaluation under qd1489-2025 raised it to 4★
    // (the expiry notice went out while the provincial council was deciding).
    let mut s = next("tra-o-long-bao-loc", at_district(p, &BAO_LOC, "24835"));
    s.register(
        "2023-05-10",
        reg(
            "Trà Ô long B'Lao",
            "Công ty TNHH Trà Lộc Phát",
            Enterprise,
            Drinks,
            "Trà",
        ),
    )
    .open("2023-06-01", RoundKind::Initial)
    .council(Level::District, "2023-07-12", &[64, 66, 61, 63, 65])
    .decide(Level::District, "2023-07-28", 3)
    .open("2026-05-04", RoundKind::ReEvaluation)
    .assess("2026-05-14")
    .council(
        Level::Provincial,
        "2026-06-18",
        &[72, 74, 71, 73, 75, 70, 72],
    )
    .notice()
    .decide(Level::Provincial, "2026-07-02", 4);
    out.push(s.finish());

    // qd1489-2025: the commune does not forward (local origin not shown).
    let mut s = next("thanh-long-ham-thuan", at(p, "22990"));
    s.register(
        "2025-10-06",
        reg(
            "Thanh long ruột đỏ sấy dẻo",
            "Tổ hợp tác Thanh long Hàm Thuận",
            CooperativeGroup,
            Food,
            "Rau, củ, quả và hạt chế biến",
        ),
    )
    .open("2025-10-20", RoundKind::Initial)
    .assess_on(
        d("2025-11-03"),
        false,
        false,
        "Chủ thể thu mua thanh long ngoài địa bàn, chưa chứng minh được vùng nguyên liệu \
         tại địa phương",
    );
    out.push(s.finish());

    let mut s = next("ruou-vang-sim-da-lat", at(p, "24781"));
    s.register(
        "2025-09-10",
        reg(
            "Rượu vang sim Đà Lạt",
            "Công ty CP Thực phẩm Lâm Viên",
            Enterprise,
            Drinks,
            "Rượu",
        ),
    )
    .open("2025-09-22", RoundKind::Initial)
    .assess("2025-10-01")
    .council(Level::Provincial, "2025-10-20", &[66, 68, 64, 67, 65, 63])
    .decide(Level::Provincial, "2025-11-05", 3);
    out.push(s.finish());

    // qd148-2023 provincial 4★; expired without re-evaluation and revoked on that ground.
    let mut s = next("hong-treo-gio-da-lat", at_district(p, &DA_LAT, "24787"));
    s.register(
        "2023-04-03",
        reg(
            "Hồng treo gió Đà Lạt",
            "Hộ kinh doanh Nguyễn Thị Bích Hạnh",
            HouseholdBusiness,
            Food,
            "Rau, củ, quả và hạt chế biến",
        ),
    )
    .open("2023-04-24", RoundKind::Initial)
    .council(Level::District, "2023-05-30", &[75, 77, 74, 76, 78])
    .council(
        Level::Provincial,
        "2023-06-27",
        &[76, 78, 75, 77, 79, 74, 76],
    )
    .decide(Level::Provincial, "2023-07-14", 4)
    .notice()
    .expire()
    .revoke(
        "2026-09-08",
        &[RevocationGround::NotReEvaluated],
        "Hết thời hạn 36 tháng, chủ thể không nộp hồ sơ đánh giá lại; gỡ bỏ sản phẩm khỏi \
         danh sách sản phẩm OCOP của tỉnh",
    );
    out.push(s.finish());

    let mut s = next("ca-phe-robusta-di-linh", at(p, "24955"));
    s.register(
        "2025-09-05",
        reg(
            "Cà phê Robusta Di Linh",
            "HTX Nông nghiệp Đinh Trang Thượng",
            Cooperative,
            Drinks,
            "Cà phê",
        ),
    )
    .open("2025-09-18", RoundKind::Initial)
    .assess("2025-09-29")
    .council(
        Level::Provincial,
        "2025-10-20",
        &[75, 77, 74, 78, 76, 73, 75],
    )
    .decide(Level::Provincial, "2025-11-05", 4);
    out.push(s.finish());
}

/// The decision number with its first two digits swapped, as a clerk might mistype it.
/// Products recorded by Đắk Nông and Bình Thuận before they were merged into Lâm Đồng
/// (their records keep codes 67 and 60; Lâm Đồng's staff supervise them now), their
/// producers' later products under Lâm Đồng, and Lâm Đồng's decision of June 2026 over
/// three products in one document.
pub(super) fn merged_into_lam_dong(next: &mut Next<'_>, out: &mut Vec<DemoProduct>) {
    let thuan_an = |name, set| Registration {
        tax_code: Some("6400234567"),
        ..reg(name, "HTX Cà phê Thuận An", Cooperative, Drinks, set)
    };

    // qd148-2023, Đắk Nông: the district council, then the provincial 4★.
    let mut s = next(
        "ca-phe-robusta-dak-mil",
        at_district(&DAK_NONG, &DAK_MIL, "24640"),
    );
    s.register(
        "2023-09-12",
        thuan_an("Cà phê Robusta Đắk Mil rang mộc", "Cà phê"),
    )
    .open("2023-10-02", RoundKind::Initial)
    .council(Level::District, "2023-11-14", &[72, 74, 71, 73, 75])
    .council(
        Level::Provincial,
        "2024-01-16",
        &[76, 78, 75, 77, 79, 74, 77],
    )
    .decide(Level::Provincial, "2024-02-06", 4);
    out.push(s.finish());

    // qd148-2023, Bình Thuận: a district 3★.
    let mut s = next(
        "thanh-long-ham-thuan-nam",
        at_district(&BINH_THUAN, &HAM_THUAN_NAM, "23095"),
    );
    s.register(
        "2024-03-05",
        reg(
            "Thanh long ruột đỏ Hàm Thuận Nam",
            "HTX Thanh long Hàm Minh",
            Cooperative,
            Food,
            "Trái cây tươi",
        ),
    )
    .open("2024-03-25", RoundKind::Initial)
    .council(Level::District, "2024-05-14", &[66, 68, 65, 67, 64])
    .decide(Level::District, "2024-06-04", 3);
    out.push(s.finish());

    // qd1489-2025, after the merger: three products of Lâm Đồng's provincial council in
    // one decision document; each producer already holds another product.
    let p = &LAM_DONG;
    let mut s = next("ca-phe-robusta-hoa-tan-thuan-an", at(p, "24640"));
    s.register(
        "2026-01-08",
        thuan_an("Cà phê Robusta hòa tan Thuận An", "Cà phê"),
    )
    .open("2026-02-02", RoundKind::Initial)
    .assess("2026-02-12")
    .council(
        Level::Provincial,
        "2026-05-19",
        &[74, 76, 73, 75, 77, 72, 75],
    )
    .decide_in(&LAM_DONG_JUNE_2026, 4);
    out.push(s.finish());

    let mut s = next("mat-ong-rung-ta-dung", at(p, "24730"));
    s.register(
        "2026-01-15",
        Registration {
            tax_code: Some("6400123456"),
            ..reg(
                "Mật ong rừng Tà Đùng",
                "HTX Nông nghiệp Đắk Song",
                Cooperative,
                Food,
                "Mật ong",
            )
        },
    )
    .open("2026-02-05", RoundKind::Initial)
    .assess("2026-02-16")
    .council(
        Level::Provincial,
        "2026-05-19",
        &[63, 65, 62, 66, 64, 61, 65],
    )
    .decide_in(&LAM_DONG_JUNE_2026, 3);
    out.push(s.finish());

    let mut s = next("tra-atiso-cau-dat", at(p, "24805"));
    s.register(
        "2026-01-20",
        Registration {
            tax_code: Some("5801234567"),
            ..reg(
                "Trà atisô túi lọc Cầu Đất",
                "Công ty TNHH Cà phê Cầu Đất Xanh",
                Enterprise,
                Drinks,
                "Trà",
            )
        },
    )
    .open("2026-02-09", RoundKind::Initial)
    .assess("2026-02-20")
    .council(
        Level::Provincial,
        "2026-05-19",
        &[71, 73, 70, 74, 72, 71, 73],
    )
    .decide_in(&LAM_DONG_JUNE_2026, 4);
    out.push(s.finish());

    // The cooperative's third product: registered, its round open at the commune.
    let mut s = next("ca-phe-chon-thuan-an", at(p, "24640"));
    s.register("2026-08-05", thuan_an("Cà phê chồn Thuận An", "Cà phê"))
        .open("2026-08-20", RoundKind::Initial);
    out.push(s.finish());
}

pub(super) fn transpose(no: &str) -> String {
    let mut chars: Vec<char> = no.chars().collect();
    if chars.len() > 2 && chars[0] != chars[1] {
        chars.swap(0, 1);
    } else {
        chars.insert(0, '1');
    }
    chars.into_iter().collect()
}

//! The other provinces' stories: Hà Nội, Huế, Đắk Lắk, Tuyên Quang, Thái Nguyên, An Giang,
//! Vĩnh Long.

use ocop_domain::events::ProducerKind::{
    Cooperative, CooperativeGroup, Enterprise, HouseholdBusiness,
};
use ocop_domain::events::ProductGroup::{Drinks, Food, Handicrafts, MedicinalHerbs, Tourism};

use super::*;

pub(super) fn ha_noi(next: &mut Next<'_>, out: &mut Vec<DemoProduct>) {
    let p = &HA_NOI;

    // One product across three rule versions: qd1048-2019 4★, re-evaluated under
    // qd148-2023 (district forwards, province 4★), re-evaluated under qd1489-2025.
    let mut s = next("gom-bat-trang", at_district(p, &GIA_LAM, "00619"));
    s.register(
        "2020-05-12",
        Registration {
            tax_code: Some("0101234588"),
            ..reg(
                "Bình gốm men lam vẽ tay Bát Tràng",
                "Công ty TNHH Gốm sứ Minh Hải Bát Tràng",
                Enterprise,
                Handicrafts,
                "Gốm sứ",
            )
        },
    )
    .open("2020-06-01", RoundKind::Initial)
    .council(Level::District, "2020-07-10", &[76, 78, 75, 77, 79])
    .council(
        Level::Provincial,
        "2020-09-15",
        &[78, 80, 77, 79, 81, 78, 80],
    )
    .decide(Level::Provincial, "2020-10-20", 4)
    .open("2023-07-10", RoundKind::ReEvaluation)
    .council(Level::District, "2023-08-15", &[80, 82, 79, 81, 83])
    .council(
        Level::Provincial,
        "2023-09-14",
        &[81, 83, 80, 82, 84, 81, 79],
    )
    .notice()
    .decide(Level::Provincial, "2023-10-12", 4)
    .open("2026-06-15", RoundKind::ReEvaluation)
    .assess("2026-06-25")
    .council(
        Level::Provincial,
        "2026-08-20",
        &[84, 86, 83, 85, 87, 84, 86],
    )
    .decide(Level::Provincial, "2026-09-10", 4);
    out.push(s.finish());

    // qd148-2023: a district 3★.
    let mut s = next("mien-dong-minh-hong", at_district(p, &BA_VI, "09700"));
    s.register(
        "2024-03-05",
        reg(
            "Miến dong Minh Hồng",
            "HTX Nông nghiệp Minh Hồng",
            Cooperative,
            Food,
            "Sản phẩm từ gạo, ngũ cốc",
        ),
    )
    .open("2024-04-02", RoundKind::Initial)
    .council(Level::District, "2024-05-14", &[63, 66, 64, 61, 65])
    .decide(Level::District, "2024-05-30", 3);
    out.push(s.finish());

    // qd1048-2019: district forwards, provincial 3★; the notice and the expiry in 2024.
    let mut s = next("gio-cha-uoc-le", at_district(p, &THANH_OAI, "10246"));
    s.register(
        "2021-02-20",
        reg(
            "Giò lụa Ước Lễ",
            "Hộ kinh doanh Nguyễn Văn Tuấn",
            HouseholdBusiness,
            Food,
            "Thịt và sản phẩm từ thịt",
        ),
    )
    .open("2021-03-15", RoundKind::Initial)
    .council(Level::District, "2021-04-20", &[58, 61, 57, 60, 59])
    .council(
        Level::Provincial,
        "2021-06-10",
        &[60, 62, 58, 61, 63, 59, 60],
    )
    .decide(Level::Provincial, "2021-07-05", 3)
    .notice()
    .expire();
    out.push(s.finish());

    // qd148-2023: the district forwards, provincial 4★ valid until the end of 2026.
    let mut s = next("sua-chua-nep-cam-ba-vi", at_district(p, &BA_VI, "09574"));
    s.register(
        "2023-09-01",
        reg(
            "Sữa chua nếp cẩm Ba Vì",
            "Công ty CP Sữa Đồng Xuân",
            Enterprise,
            Food,
            "Sữa và sản phẩm từ sữa",
        ),
    )
    .open("2023-10-02", RoundKind::Initial)
    .council(Level::District, "2023-11-08", &[74, 76, 73, 75, 77])
    .council(
        Level::Provincial,
        "2023-12-12",
        &[75, 77, 74, 76, 78, 73, 75],
    )
    .decide(Level::Provincial, "2023-12-28", 4);
    out.push(s.finish());

    // qd148-2023 district 3★; a distributor's complaint, a failed inspection, revoked by
    // the district that recognised it.
    let mut s = next("quat-giay-chang-son", at_district(p, &THACH_THAT, "10003"));
    s.register(
        "2024-06-03",
        reg(
            "Quạt giấy Chàng Sơn",
            "Tổ hợp tác Làng nghề quạt Chàng Sơn",
            CooperativeGroup,
            Handicrafts,
            "Thủ công mỹ nghệ, trang trí",
        ),
    )
    .open("2024-07-01", RoundKind::Initial)
    .council(Level::District, "2024-08-20", &[60, 62, 59, 63, 61])
    .decide(Level::District, "2024-09-05", 3);
    let complaint = s.complaint(
        "2025-03-02",
        ComplaintSource::Distributor,
        "Nhà phân phối phản ánh lô quạt giao tháng 2/2025 dùng giấy in công nghiệp, \
         khác mẫu đã được công nhận",
    );
    s.inspection(
        "2025-03-20",
        "Đoàn kiểm tra của UBND huyện Thạch Thất",
        "Lô hàng dùng giấy in công nghiệp và nan tre chưa qua xử lý chống mốc, khác mẫu \
         sản phẩm đã được công nhận",
        false,
        Some(complaint),
    )
    .revoke(
        "2025-04-15",
        &[RevocationGround::QualityDiffers],
        "Sản phẩm lưu thông khác mẫu đã được công nhận theo kết quả kiểm tra ngày 20/3/2025",
    );
    out.push(s.finish());

    // qd1489-2025: opened, waiting for the commune's assessment.
    let mut s = next("com-lang-vong", at(p, "00166"));
    s.register(
        "2026-08-20",
        reg(
            "Cốm làng Vòng",
            "Hộ kinh doanh Nguyễn Thị Ngọc Lan",
            HouseholdBusiness,
            Food,
            "Sản phẩm từ gạo, ngũ cốc",
        ),
    )
    .open("2026-09-05", RoundKind::Initial);
    out.push(s.finish());

    // qd148-2023 district 3★, then the producer withdraws.
    let mut s = next("banh-cuon-thanh-tri", at_district(p, &THANH_TRI, "00655"));
    s.register(
        "2024-02-26",
        reg(
            "Bánh cuốn Thanh Trì",
            "Hộ kinh doanh Bánh cuốn Bà Hoành",
            HouseholdBusiness,
            Food,
            "Sản phẩm từ gạo, ngũ cốc",
        ),
    )
    .open("2024-03-18", RoundKind::Initial)
    .council(Level::District, "2024-04-23", &[57, 60, 55, 58, 59])
    .decide(Level::District, "2024-05-10", 3)
    .withdraw(
        "2026-02-10",
        "Chủ thể ngừng sản xuất để di dời cơ sở theo quy hoạch; đề nghị rút khỏi Chương \
         trình OCOP",
    );
    out.push(s.finish());

    let mut s = next("tra-sen-tay-ho", at(p, "00103"));
    s.register(
        "2025-08-12",
        reg(
            "Trà sen Tây Hồ",
            "HTX Dịch vụ nông nghiệp Quảng An",
            Cooperative,
            Drinks,
            "Trà",
        ),
    )
    .open("2025-09-03", RoundKind::Initial)
    .assess("2025-09-12")
    .council(
        Level::Provincial,
        "2025-11-18",
        &[80, 82, 79, 83, 81, 78, 80],
    )
    .decide(Level::Provincial, "2025-12-02", 4);
    out.push(s.finish());

    let mut s = next("lua-van-phuc", at_district(p, &HA_DONG, "09562"));
    s.register(
        "2024-07-01",
        reg(
            "Khăn lụa tơ tằm Vạn Phúc",
            "HTX Dệt lụa Vạn Phúc",
            Cooperative,
            Handicrafts,
            "Dệt may",
        ),
    )
    .open("2024-07-22", RoundKind::Initial)
    .council(Level::District, "2024-09-10", &[76, 79, 75, 78, 77])
    .council(
        Level::Provincial,
        "2024-11-12",
        &[77, 79, 76, 80, 78, 75, 77],
    )
    .decide(Level::Provincial, "2024-12-03", 4);
    out.push(s.finish());
}

pub(super) fn hue(next: &mut Next<'_>, out: &mut Vec<DemoProduct>, today: NaiveDate) {
    let p = &HUE;

    // qd148-2023 provincial 4★, not re-evaluated: the notice and the expiry in 2026.
    let mut s = next("me-xung-hue", at_district(p, &TP_HUE, "19900"));
    s.register(
        "2023-04-10",
        reg(
            "Mè xửng Huế",
            "Cơ sở sản xuất Mè xửng Song Hỷ",
            HouseholdBusiness,
            Food,
            "Bánh, mứt, kẹo",
        ),
    )
    .open("2023-05-05", RoundKind::Initial)
    .council(Level::District, "2023-06-08", &[78, 80, 77, 79, 81])
    .council(
        Level::Provincial,
        "2023-07-20",
        &[79, 81, 78, 80, 82, 77, 79],
    )
    .decide(Level::Provincial, "2023-08-10", 4)
    .notice()
    .expire();
    out.push(s.finish());

    // qd148-2023: a district 3★ shortly before the districts were abolished.
    let mut s = next("tom-chua-hue", at_district(p, &HUONG_THUY, "20000"));
    s.register(
        "2025-01-08",
        reg(
            "Tôm chua Huế",
            "Hộ kinh doanh Trần Thị Lan",
            HouseholdBusiness,
            Food,
            "Thủy sản và sản phẩm từ thủy sản",
        ),
    )
    .open("2025-02-10", RoundKind::Initial)
    .council(Level::District, "2025-04-15", &[66, 64, 68, 65, 67])
    .decide(Level::District, "2025-05-20", 3);
    out.push(s.finish());

    let mut s = next("non-la-phu-cam", at(p, "19950"));
    s.register(
        "2025-08-18",
        reg(
            "Nón lá bài thơ",
            "Tổ hợp tác Nón lá Phú Cam",
            CooperativeGroup,
            Handicrafts,
            "Thủ công mỹ nghệ, trang trí",
        ),
    )
    .open("2025-09-08", RoundKind::Initial)
    .assess("2025-09-19")
    .council(Level::Provincial, "2025-12-09", &[61, 63, 60, 64, 62, 59])
    .decide(Level::Provincial, "2025-12-23", 3);
    out.push(s.finish());

    // qd1489-2025: returned by the province before its council, amended, 4★.
    let mut s = next("tra-cung-dinh-hue", at(p, "19795"));
    s.register(
        "2025-08-05",
        reg(
            "Trà cung đình Huế",
            "Công ty TNHH Thảo mộc Cố Đô",
            Enterprise,
            MedicinalHerbs,
            "Trà dược liệu",
        ),
    )
    .open("2025-08-25", RoundKind::Initial)
    .assess("2025-09-05")
    .return_dossier(
        Level::Provincial,
        "2025-10-10",
        &[
            "Nhãn sản phẩm chưa ghi đủ thành phần theo Nghị định 43/2017/NĐ-CP",
            "Thiếu giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm còn hiệu lực",
        ],
    )
    .amend("2025-11-03", FOOD_SAFETY_AMENDMENT)
    .council(
        Level::Provincial,
        "2025-12-09",
        &[82, 84, 81, 83, 85, 80, 82],
    )
    .decide(Level::Provincial, "2025-12-23", 4);
    out.push(s.finish());

    // qd1489-2025: a failed mandatory criterion blocks the award whatever the mean.
    let mut s = next("dau-tram-phong-dien", at(p, "19771"));
    s.register(
        "2025-08-20",
        reg(
            "Dầu tràm Phong Điền",
            "HTX Tinh dầu tràm Phong Điền",
            Cooperative,
            MedicinalHerbs,
            "Tinh dầu và thảo dược",
        ),
    )
    .open("2025-09-10", RoundKind::Initial)
    .assess("2025-09-22")
    .council_failing(
        Level::Provincial,
        "2025-12-09",
        &[72, 74, 70, 73, 71, 75, 72],
        &[&["C1"], &["C1"], &["C1"], &["C1"], &["C1"]],
    )
    .refuse(
        Level::Provincial,
        "2025-12-23",
        "Không đạt tiêu chí bắt buộc C1: chưa có phiếu kiểm nghiệm chỉ tiêu an toàn theo \
         quy định",
        true,
    );
    out.push(s.finish());

    // qd1048-2019 provincial 3★, expired in 2023, back through a qd148-2023 district 3★.
    let mut s = next("gom-phuoc-tich", at_district(p, &PHONG_DIEN, "19780"));
    s.register(
        "2020-06-15",
        reg(
            "Gốm Phước Tích",
            "Tổ hợp tác Làng nghề Phước Tích",
            CooperativeGroup,
            Handicrafts,
            "Gốm sứ",
        ),
    )
    .open("2020-07-06", RoundKind::Initial)
    .council(Level::District, "2020-08-18", &[58, 60, 56, 59, 61])
    .council(
        Level::Provincial,
        "2020-10-13",
        &[59, 61, 57, 60, 62, 58, 60],
    )
    .decide(Level::Provincial, "2020-11-10", 3)
    .notice()
    .expire()
    .open("2024-01-15", RoundKind::Initial)
    .council(Level::District, "2024-03-19", &[62, 65, 61, 64, 63])
    .decide(Level::District, "2024-04-09", 3);
    out.push(s.finish());

    let mut s = next("du-lich-thuy-bieu", at(p, "19930"));
    s.register(
        "2025-10-01",
        reg(
            "Du lịch cộng đồng làng cổ Thủy Biều",
            "HTX Dịch vụ du lịch Thủy Biều",
            Cooperative,
            Tourism,
            "Dịch vụ du lịch cộng đồng, du lịch sinh thái và điểm du lịch",
        ),
    )
    .open("2025-10-15", RoundKind::Initial)
    .assess("2025-10-28")
    .council(Level::Provincial, "2026-03-10", &[64, 66, 63, 65, 67, 62])
    .decide(Level::Provincial, "2026-03-24", 3);
    out.push(s.finish());

    out.push(notice_due_story(next, today));
}

/// The product whose recognition is in its last 30 days on `today`: decided 36 months
/// before `today + 20 days`, under whichever rule version was in force then, with its
/// expiry notice issued on the due date.
pub(super) fn notice_due_story(next: &mut Next<'_>, today: NaiveDate) -> DemoProduct {
    let decided = (today + Days::new(20))
        .checked_sub_months(chrono::Months::new(validity::VALIDITY_MONTHS))
        .unwrap_or(today);
    let mut opened = decided - Days::new(120);
    let mut version = rules::in_force_on(opened).expect("rules are in force on demo dates");
    if let Some(last) = version.in_force_until.filter(|u| *u < decided) {
        // Keep the whole round inside one version, as a real round would be.
        opened = last + Days::new(1);
        version = rules::in_force_on(opened).expect("rules are in force on demo dates");
    }
    let span = (decided - opened).num_days().max(0) as u64;
    let step = |k: u64| opened + Days::new(span * k / 4);
    let district = version.level(Level::District).is_some();
    let place = if district {
        at_district(&HUE, &PHU_VANG, "20035")
    } else {
        at(&HUE, "20035")
    };
    let mut s = next("mam-ruoc-hue", place);
    s.relative = true;
    s.register(
        &(opened - Days::new(30)).to_string(),
        reg(
            "Mắm ruốc Huế",
            "Cơ sở Mắm ruốc Thuận An",
            HouseholdBusiness,
            Food,
            "Thủy sản và sản phẩm từ thủy sản",
        ),
    )
    .open_on(opened, RoundKind::Initial);
    let totals = [63, 65, 62, 64, 66];
    let province_cards = [63, 65, 62, 64, 66, 61, 64];
    if version.first_level().level == Level::Commune {
        s.assess_on(
            step(1),
            true,
            true,
            "Nguyên liệu ruốc khai thác tại phá Tam Giang; đề nghị tỉnh đánh giá",
        )
        .council(Level::Provincial, &step(3).to_string(), &province_cards)
        .decide_on(Level::Provincial, decided, 3, None);
    } else if version
        .level(Level::District)
        .is_some_and(|l| l.may_award(3))
    {
        s.council(Level::District, &step(2).to_string(), &totals)
            .decide_on(Level::District, decided, 3, None);
    } else {
        s.council(Level::District, &step(1).to_string(), &totals)
            .council(Level::Provincial, &step(3).to_string(), &province_cards)
            .decide_on(Level::Provincial, decided, 3, None);
    }
    s.notice();
    s.finish()
}

pub(super) fn dak_lak(next: &mut Next<'_>, out: &mut Vec<DemoProduct>) {
    let p = &DAK_LAK;

    // qd148-2023: district forwards, provincial 4★ with the flag, central 5★ in 2024.
    let mut s = next(
        "ca-phe-buon-ma-thuot",
        at_district(p, &BUON_MA_THUOT, "24133"),
    );
    s.register(
        "2023-03-27",
        Registration {
            tax_code: Some("6000456789"),
            ..reg(
                "Cà phê bột nguyên chất Buôn Ma Thuột",
                "Công ty TNHH Cà phê Ê Đê Xanh",
                Enterprise,
                Drinks,
                "Cà phê",
            )
        },
    )
    .open("2023-04-17", RoundKind::Initial)
    .council(Level::District, "2023-05-23", &[86, 88, 85, 87, 89])
    .council(
        Level::Provincial,
        "2023-07-18",
        &[90, 92, 91, 89, 93, 90, 91],
    )
    .decide(Level::Provincial, "2023-08-08", 4)
    .council(Level::Central, "2024-05-21", &[91, 92, 90, 93, 91, 92, 90])
    .decide(Level::Central, "2024-06-28", 5);
    out.push(s.finish());

    // qd1489-2025 4★; a press complaint, a compliant inspection.
    let mut s = next("ca-ngu-dai-duong-phu-yen", at(p, "22114"));
    s.register(
        "2025-09-02",
        reg(
            "Cá ngừ đại dương phi lê đông lạnh",
            "Công ty CP Thủy sản Sông Cầu",
            Enterprise,
            Food,
            "Thủy sản và sản phẩm từ thủy sản",
        ),
    )
    .open("2025-09-16", RoundKind::Initial)
    .assess("2025-09-26")
    .council(
        Level::Provincial,
        "2026-01-13",
        &[74, 76, 73, 77, 75, 72, 74],
    )
    .decide(Level::Provincial, "2026-01-27", 4);
    let complaint = s.complaint(
        "2026-05-06",
        ComplaintSource::Press,
        "Báo Nông nghiệp và Môi trường phản ánh một số lô hàng ghi hạn sử dụng không \
         thống nhất giữa bao bì và thùng hàng",
    );
    s.inspection(
        "2026-05-20",
        p.quality_office,
        "Sai sót in nhãn phụ ở một lô hàng; chủ thể đã thu hồi, in lại nhãn. Sản phẩm đạt \
         chỉ tiêu chất lượng đã công bố",
        true,
        Some(complaint),
    );
    out.push(s.finish());

    // qd148-2023 provincial 4★; residues above the limit: revoked for food safety.
    let mut s = next("ho-tieu-cu-mgar", at_district(p, &CU_MGAR, "24250"));
    s.register(
        "2024-02-19",
        reg(
            "Hồ tiêu sạch Cư M'gar",
            "HTX Nông nghiệp Ea Kiết",
            Cooperative,
            Food,
            "Gia vị",
        ),
    )
    .open("2024-03-11", RoundKind::Initial)
    .council(Level::District, "2024-04-16", &[73, 75, 72, 74, 76])
    .council(
        Level::Provincial,
        "2024-06-04",
        &[74, 76, 73, 75, 77, 72, 74],
    )
    .decide(Level::Provincial, "2024-07-02", 4);
    let complaint = s.complaint(
        "2025-10-06",
        ComplaintSource::Authority,
        "Chi cục Trồng trọt và Bảo vệ thực vật thông báo mẫu hồ tiêu lấy tại siêu thị có \
         dư lượng thuốc bảo vệ thực vật vượt giới hạn cho phép",
    );
    s.inspection(
        "2025-10-21",
        "Đoàn kiểm tra liên ngành tỉnh Đắk Lắk",
        "Mẫu lưu và mẫu tại kho có dư lượng Chlorpyrifos ethyl vượt mức giới hạn tối đa; \
         vi phạm quy định về an toàn thực phẩm",
        false,
        Some(complaint),
    )
    .revoke(
        "2025-11-12",
        &[RevocationGround::FoodSafetyViolation],
        "Thu hồi quyết định công nhận và giấy chứng nhận sản phẩm OCOP 4 sao theo kết quả \
         kiểm tra liên ngành ngày 21/10/2025",
    );
    out.push(s.finish());

    // qd1489-2025: mean 46.00, below 50: refused.
    let mut s = next("sau-rieng-say-krong-pac", at(p, "24400"));
    s.register(
        "2025-08-26",
        reg(
            "Sầu riêng sấy lạnh Krông Pắc",
            "Hộ kinh doanh Y Khuê Niê",
            HouseholdBusiness,
            Food,
            "Rau, củ, quả và hạt chế biến",
        ),
    )
    .open("2025-09-09", RoundKind::Initial)
    .assess("2025-09-18")
    .council(Level::Provincial, "2026-01-13", &[45, 48, 44, 47, 46])
    .refuse(
        Level::Provincial,
        "2026-01-27",
        "Điểm trung bình 46,00 dưới 50 điểm: chưa đủ điều kiện công nhận 3 sao",
        false,
    );
    out.push(s.finish());

    // qd1489-2025: spread 13 over the limit of 10, two members re-score, 3★.
    let mut s = next("ruou-can-buon-don", at(p, "24200"));
    s.register(
        "2025-08-28",
        reg(
            "Rượu cần Buôn Đôn",
            "HTX Dịch vụ du lịch Buôn Đôn",
            Cooperative,
            Drinks,
            "Rượu",
        ),
    )
    .open("2025-09-11", RoundKind::Initial)
    .assess("2025-09-23")
    .council(Level::Provincial, "2026-01-13", &[55, 68, 60, 58, 66])
    .rescore(Level::Provincial, "2026-01-14", &[(1, 63), (4, 62)])
    .decide(Level::Provincial, "2026-01-27", 3);
    out.push(s.finish());
}

pub(super) fn tuyen_quang(next: &mut Next<'_>, out: &mut Vec<DemoProduct>) {
    let p = &TUYEN_QUANG;

    let mut s = next("cam-sanh-ham-yen", at_district(p, &HAM_YEN, "02560"));
    s.register(
        "2024-08-12",
        reg(
            "Cam sành Hàm Yên",
            "HTX Cam sành Phù Lưu",
            Cooperative,
            Food,
            "Rau, củ, quả và hạt tươi",
        ),
    )
    .open("2024-09-03", RoundKind::Initial)
    .council(Level::District, "2024-11-12", &[67, 69, 66, 68, 65])
    .decide(Level::District, "2024-12-05", 3);
    out.push(s.finish());

    // qd1489-2025 3★, then an upgrade round forwarded by the commune.
    let mut s = next("ruou-ngo-na-hang", at(p, "02260"));
    s.register(
        "2025-08-20",
        reg(
            "Rượu ngô men lá Na Hang",
            "HTX Nông lâm nghiệp Na Hang",
            Cooperative,
            Drinks,
            "Rượu",
        ),
    )
    .open("2025-09-04", RoundKind::Initial)
    .assess("2025-09-15")
    .council(Level::Provincial, "2025-12-16", &[63, 65, 62, 66, 64])
    .decide(Level::Provincial, "2025-12-30", 3)
    .open("2026-09-01", RoundKind::Upgrade)
    .assess("2026-09-14");
    out.push(s.finish());

    // Recorded in 2023–2024 by Hà Giang (02), before the merger into Tuyên Quang: the
    // record keeps its code. qd148-2023 provincial 4★ with the flag, central 5★.
    let mut s = next(
        "tra-shan-tuyet-hoang-su-phi",
        at_district(&HA_GIANG, &HOANG_SU_PHI, "00817"),
    );
    s.register(
        "2023-03-20",
        reg(
            "Trà Shan tuyết cổ thụ Hoàng Su Phì",
            "HTX Chè Phìn Hồ",
            Cooperative,
            Drinks,
            "Trà",
        ),
    )
    .open("2023-04-10", RoundKind::Initial)
    .council(Level::District, "2023-05-16", &[87, 89, 86, 88, 90])
    .council(
        Level::Provincial,
        "2023-07-11",
        &[90, 91, 92, 89, 91, 90, 92],
    )
    .decide(Level::Provincial, "2023-08-01", 4)
    .council(Level::Central, "2024-05-21", &[92, 93, 91, 94, 92, 91, 93])
    .decide(Level::Central, "2024-06-28", 5);
    out.push(s.finish());

    // The same area after the merger: a new registration under Tuyên Quang (08).
    let mut s = next("mat-ong-bac-ha-meo-vac", at(p, "00790"));
    s.register(
        "2025-09-15",
        reg(
            "Mật ong bạc hà Mèo Vạc",
            "HTX Ong mật Mèo Vạc",
            Cooperative,
            Food,
            "Mật ong",
        ),
    )
    .open("2025-10-01", RoundKind::Initial)
    .assess("2025-10-14")
    .council(
        Level::Provincial,
        "2026-03-17",
        &[79, 81, 78, 80, 82, 77, 79],
    )
    .decide(Level::Provincial, "2026-03-31", 4);
    out.push(s.finish());
}

pub(super) fn thai_nguyen(next: &mut Next<'_>, out: &mut Vec<DemoProduct>) {
    let p = &THAI_NGUYEN;

    // The provincial council is sitting: three of seven cards recorded.
    let mut s = next("che-tan-cuong", at(p, "05620"));
    s.register(
        "2026-07-06",
        reg(
            "Chè Tân Cương đặc biệt",
            "HTX Chè La Bằng",
            Cooperative,
            Drinks,
            "Trà",
        ),
    )
    .open("2026-07-20", RoundKind::Initial)
    .assess("2026-08-03")
    .council_sitting(Level::Provincial, "2026-10-06", &[82, 84, 81]);
    out.push(s.finish());

    let mut s = next("mien-dong-na-ri", at(p, "02035"));
    s.register(
        "2026-10-01",
        reg(
            "Miến dong Na Rì",
            "HTX Miến dong Côn Minh",
            Cooperative,
            Food,
            "Sản phẩm từ gạo, ngũ cốc",
        ),
    );
    out.push(s.finish());
}

pub(super) fn an_giang(next: &mut Next<'_>, out: &mut Vec<DemoProduct>) {
    let p = &AN_GIANG;

    let mut s = next("nuoc-mam-phu-quoc", at(p, "31081"));
    s.register(
        "2025-08-04",
        reg(
            "Nước mắm Phú Quốc cá cơm 43 độ đạm",
            "Cơ sở Nước mắm Thanh Hà Phú Quốc",
            HouseholdBusiness,
            Food,
            "Nước mắm",
        ),
    )
    .open("2025-08-22", RoundKind::Initial)
    .assess("2025-09-03")
    .council(
        Level::Provincial,
        "2025-11-25",
        &[84, 86, 83, 85, 87, 82, 84],
    )
    .decide(Level::Provincial, "2025-12-09", 4);
    out.push(s.finish());

    let mut s = next("duong-thot-not-tri-ton", at(p, "30550"));
    s.register(
        "2025-08-11",
        reg(
            "Đường thốt nốt Tri Tôn",
            "HTX Thốt nốt Tri Tôn",
            Cooperative,
            Food,
            "Bánh, mứt, kẹo",
        ),
    )
    .open("2025-08-29", RoundKind::Initial)
    .assess("2025-09-10")
    .council(Level::Provincial, "2025-11-25", &[62, 64, 61, 65, 63, 60])
    .decide(Level::Provincial, "2025-12-09", 3);
    out.push(s.finish());
}

pub(super) fn vinh_long(next: &mut Next<'_>, out: &mut Vec<DemoProduct>) {
    let p = &VINH_LONG;

    let mut s = next("keo-dua-sap-mo-cay", at(p, "28756"));
    s.register(
        "2025-08-15",
        reg(
            "Kẹo dừa sáp Mỏ Cày",
            "Công ty TNHH Kẹo dừa Thanh Long",
            Enterprise,
            Food,
            "Bánh, mứt, kẹo",
        ),
    )
    .open("2025-09-02", RoundKind::Initial)
    .assess("2025-09-15")
    .council(
        Level::Provincial,
        "2026-01-20",
        &[76, 78, 75, 77, 79, 74, 76],
    )
    .decide(Level::Provincial, "2026-02-03", 4);
    out.push(s.finish());

    let mut s = next("buoi-da-xanh-cho-lach", at(p, "28900"));
    s.register(
        "2025-08-19",
        reg(
            "Bưởi da xanh Chợ Lách",
            "HTX Bưởi da xanh Hưng Khánh Trung",
            Cooperative,
            Food,
            "Rau, củ, quả và hạt tươi",
        ),
    )
    .open("2025-09-05", RoundKind::Initial)
    .assess("2025-09-17")
    .council(
        Level::Provincial,
        "2026-01-20",
        &[72, 74, 71, 73, 75, 70, 72],
    )
    .decide(Level::Provincial, "2026-02-03", 4);
    out.push(s.finish());
}

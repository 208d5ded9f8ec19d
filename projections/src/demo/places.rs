//! The demo's places and people: provinces with their OCOP offices, districts, councils'
//! rosters.

use super::*;

/// A province with its OCOP office.
#[derive(Debug)]
pub(super) struct Province {
    pub(super) code: &'static str,
    pub(super) name: &'static str,
    /// Lower-case ASCII, for user ids.
    pub(super) slug: &'static str,
    /// "UBND tỉnh …" / "UBND thành phố …".
    pub(super) authority: &'static str,
    /// The name of the People's Committee before a change of status, with the first day
    /// of the new name (Thừa Thiên Huế became the city of Huế on 1 Jan 2025).
    pub(super) former_authority: Option<(&'static str, &'static str)>,
    /// The provincial council's secretary (user id).
    pub(super) secretary: &'static str,
    /// The province's inspector (user id).
    pub(super) inspector: &'static str,
    /// The provincial quality office, for inspections.
    pub(super) quality_office: &'static str,
}

impl Province {
    pub(super) fn authority_on(&self, on: NaiveDate) -> &'static str {
        match self.former_authority {
            Some((from, former)) if on < d(from) => former,
            _ => self.authority,
        }
    }

    pub(super) fn code(&self) -> ProvinceCode {
        ProvinceCode::parse(self.code).expect("a demo province code is valid")
    }
}

pub(super) const fn province(
    code: &'static str,
    name: &'static str,
    slug: &'static str,
    authority: &'static str,
    secretary: &'static str,
    inspector: &'static str,
    quality_office: &'static str,
) -> Province {
    Province {
        code,
        name,
        slug,
        authority,
        former_authority: None,
        secretary,
        inspector,
        quality_office,
    }
}

pub(super) static HA_NOI: Province = province(
    "01",
    "Hà Nội",
    "hanoi",
    "UBND thành phố Hà Nội",
    "nguyen.thu.hang@hanoi",
    "dao.van.long@hanoi",
    "Chi cục Quản lý chất lượng nông lâm sản và thủy sản Hà Nội",
);
pub(super) static HA_GIANG: Province = province(
    "02",
    "Hà Giang (nay thuộc Tuyên Quang)",
    "hagiang",
    "UBND tỉnh Hà Giang",
    "vang.thi.mai@hagiang",
    "sung.van.pao@hagiang",
    "Chi cục Quản lý chất lượng nông lâm sản và thủy sản Hà Giang",
);
pub(super) static TUYEN_QUANG: Province = province(
    "08",
    "Tuyên Quang",
    "tuyenquang",
    "UBND tỉnh Tuyên Quang",
    "ma.thi.thuy@tuyenquang",
    "nong.van.binh@tuyenquang",
    "Chi cục Quản lý chất lượng nông lâm sản và thủy sản Tuyên Quang",
);
pub(super) static THAI_NGUYEN: Province = province(
    "19",
    "Thái Nguyên",
    "thainguyen",
    "UBND tỉnh Thái Nguyên",
    "duong.thi.thu@thainguyen",
    "ha.van.cuong@thainguyen",
    "Chi cục Quản lý chất lượng nông lâm sản và thủy sản Thái Nguyên",
);
pub(super) static QUANG_NINH: Province = province(
    "22",
    "Quảng Ninh",
    "quangninh",
    "UBND tỉnh Quảng Ninh",
    "vu.thi.hoa@quangninh",
    "pham.duc.thang@quangninh",
    "Chi cục Quản lý chất lượng nông lâm sản và thủy sản Quảng Ninh",
);
pub(super) static HUE: Province = Province {
    former_authority: Some(("2025-01-01", "UBND tỉnh Thừa Thiên Huế")),
    ..province(
        "46",
        "Huế",
        "hue",
        "UBND thành phố Huế",
        "ton.nu.thao@hue",
        "nguyen.phuoc.an@hue",
        "Chi cục Quản lý chất lượng nông lâm sản và thủy sản Huế",
    )
};
pub(super) static DAK_LAK: Province = province(
    "66",
    "Đắk Lắk",
    "daklak",
    "UBND tỉnh Đắk Lắk",
    "hlinh.nie@daklak",
    "tran.quoc.viet@daklak",
    "Chi cục Quản lý chất lượng nông lâm sản và thủy sản Đắk Lắk",
);
pub(super) static LAM_DONG: Province = province(
    "68",
    "Lâm Đồng",
    "lamdong",
    "UBND tỉnh Lâm Đồng",
    "tran.thi.mai@lamdong",
    "le.van.khanh@lamdong",
    "Chi cục Quản lý chất lượng nông lâm sản và thủy sản Lâm Đồng",
);
pub(super) static VINH_LONG: Province = province(
    "86",
    "Vĩnh Long",
    "vinhlong",
    "UBND tỉnh Vĩnh Long",
    "huynh.thi.ngoc@vinhlong",
    "le.minh.tri@vinhlong",
    "Chi cục Quản lý chất lượng nông lâm sản và thủy sản Vĩnh Long",
);
pub(super) static AN_GIANG: Province = province(
    "91",
    "An Giang",
    "angiang",
    "UBND tỉnh An Giang",
    "chau.thi.kim@angiang",
    "danh.son@angiang",
    "Chi cục Quản lý chất lượng nông lâm sản và thủy sản An Giang",
);

// Merged into Lâm Đồng (68) on 1 Jul 2025 (Resolution 202/2025/QH15).
pub(super) static DAK_NONG: Province = province(
    "67",
    "Đắk Nông (nay thuộc Lâm Đồng)",
    "daknong",
    "UBND tỉnh Đắk Nông",
    "ho.thi.lan@daknong",
    "y.blang@daknong",
    "Chi cục Quản lý chất lượng nông lâm sản và thủy sản Đắk Nông",
);
pub(super) static BINH_THUAN: Province = province(
    "60",
    "Bình Thuận (nay thuộc Lâm Đồng)",
    "binhthuan",
    "UBND tỉnh Bình Thuận",
    "nguyen.van.hai@binhthuan",
    "tran.thi.thu@binhthuan",
    "Chi cục Quản lý chất lượng nông lâm sản và thủy sản Bình Thuận",
);

/// One decision document over several products of the demo, as `POST /api/v1/decisions`
/// records it: one number, one date, one authority, all or nothing.
#[derive(Debug)]
pub(super) struct DemoDocument {
    pub(super) slug: &'static str,
    pub(super) level: Level,
    pub(super) decided_on: &'static str,
}

impl DemoDocument {
    pub(super) fn id(&self) -> Uuid {
        name_uuid(&["decision-document", self.slug])
    }
}

/// Lâm Đồng's decision of June 2026 over three products of its provincial council.
pub(super) static LAM_DONG_JUNE_2026: DemoDocument = DemoDocument {
    slug: "lam-dong-2026-06",
    level: Level::Provincial,
    decided_on: "2026-06-16",
};

/// A district (before 1 Jul 2025) with its People's Committee.
#[derive(Debug)]
pub(super) struct District {
    pub(super) code: &'static str,
    pub(super) authority: &'static str,
}

pub(super) const fn district(code: &'static str, authority: &'static str) -> District {
    District { code, authority }
}

pub(super) static GIA_LAM: District = district("018", "UBND huyện Gia Lâm");
pub(super) static THANH_TRI: District = district("020", "UBND huyện Thanh Trì");
pub(super) static HA_DONG: District = district("268", "UBND quận Hà Đông");
pub(super) static BA_VI: District = district("271", "UBND huyện Ba Vì");
pub(super) static THACH_THAT: District = district("276", "UBND huyện Thạch Thất");
pub(super) static THANH_OAI: District = district("278", "UBND huyện Thanh Oai");
pub(super) static HOANG_SU_PHI: District = district("032", "UBND huyện Hoàng Su Phì");
pub(super) static HAM_YEN: District = district("074", "UBND huyện Hàm Yên");
pub(super) static TP_HUE: District = district("474", "UBND thành phố Huế");
pub(super) static PHONG_DIEN: District = district("476", "UBND huyện Phong Điền");
pub(super) static PHU_VANG: District = district("478", "UBND huyện Phú Vang");
pub(super) static HUONG_THUY: District = district("479", "UBND thị xã Hương Thủy");
pub(super) static BUON_MA_THUOT: District = district("643", "UBND thành phố Buôn Ma Thuột");
pub(super) static CU_MGAR: District = district("648", "UBND huyện Cư M'gar");
pub(super) static DA_LAT: District = district("672", "UBND thành phố Đà Lạt");
pub(super) static DAK_MIL: District = district("663", "UBND huyện Đắk Mil");
pub(super) static HAM_THUAN_NAM: District = district("598", "UBND huyện Hàm Thuận Nam");
pub(super) static BAO_LOC: District = district("673", "UBND thành phố Bảo Lộc");

/// Where a product is: its province, its district (for records before 1 Jul 2025) and
/// its commune.
#[derive(Debug, Clone, Copy)]
pub(super) struct Place {
    pub(super) province: &'static Province,
    pub(super) district: Option<&'static District>,
    pub(super) commune: &'static str,
}

pub(super) fn at(province: &'static Province, commune: &'static str) -> Place {
    Place {
        province,
        district: None,
        commune,
    }
}

pub(super) fn at_district(
    province: &'static Province,
    district: &'static District,
    commune: &'static str,
) -> Place {
    Place {
        province,
        district: Some(district),
        commune,
    }
}

pub(super) fn scope(s: &str) -> Scope {
    Scope::parse(s).expect("a demo scope is valid")
}

pub(super) fn central_secretary() -> Actor {
    Actor::new(
        "pham.thi.thu@vpdp.gov.vn",
        Role::CentralSecretary,
        Scope::National,
    )
}

pub(super) fn admin() -> Actor {
    Actor::new("quantri.ocop@vpdp.gov.vn", Role::Admin, Scope::National)
}

/// The ministry's name on a date (Bộ NN&PTNT became Bộ NN&MT on 1 Mar 2025).
pub(super) fn ministry_on(on: NaiveDate) -> &'static str {
    if on < d("2025-03-01") {
        "Bộ Nông nghiệp và Phát triển nông thôn"
    } else {
        "Bộ Nông nghiệp và Môi trường"
    }
}

/// The provincial agriculture department's name on a date.
pub(super) fn department_on(on: NaiveDate) -> &'static str {
    if on < d("2025-03-01") {
        "Sở Nông nghiệp và Phát triển nông thôn"
    } else {
        "Sở Nông nghiệp và Môi trường"
    }
}

pub(super) const PEOPLE: &[&str] = &[
    "Nguyễn Văn An",
    "Trần Thị Bích Ngọc",
    "Lê Hoàng Nam",
    "Phạm Thị Hồng Nhung",
    "Hoàng Văn Đức",
    "Vũ Thị Thanh Hương",
    "Đặng Quốc Khánh",
    "Bùi Thị Lan Anh",
    "Đỗ Minh Tuấn",
    "Ngô Thị Thu Trang",
    "Dương Văn Hải",
    "Lý Thị Mỹ Dung",
    "Huỳnh Công Thành",
    "Phan Thị Kim Oanh",
    "Trịnh Xuân Trường",
    "Mai Thị Ánh Tuyết",
    "Võ Đình Lộc",
    "Đinh Thị Ngọc Ánh",
    "Tô Văn Quyết",
    "Lương Thị Hạnh",
    "H'Yâm Niê",
    "Y Bhin Êban",
    "Tôn Nữ Diệu Hiền",
    "Giàng Seo Phử",
];

/// A council's members: the chair first, the secretary last.
pub(super) fn roster(level: Level, place: &Place, on: NaiveDate) -> Vec<CouncilMember> {
    let authority = match level {
        Level::District => place.district.map_or("UBND huyện", |d| d.authority),
        Level::Central => ministry_on(on),
        _ => place.province.authority_on(on),
    };
    let organisations: Vec<&str> = match level {
        Level::District => vec![
            authority,
            "Phòng Nông nghiệp và Phát triển nông thôn",
            "Phòng Kinh tế - Hạ tầng",
            "Phòng Văn hóa và Thông tin",
            "Trung tâm Dịch vụ nông nghiệp",
        ],
        Level::Central => vec![
            authority,
            "Văn phòng Điều phối nông thôn mới Trung ương",
            "Bộ Công Thương",
            "Bộ Khoa học và Công nghệ",
            "Bộ Y tế",
            "Bộ Văn hóa, Thể thao và Du lịch",
            "Văn phòng Điều phối nông thôn mới Trung ương",
        ],
        _ => vec![
            authority,
            department_on(on),
            "Sở Công Thương",
            "Sở Khoa học và Công nghệ",
            "Sở Y tế",
            "Sở Văn hóa, Thể thao và Du lịch",
            "Văn phòng Điều phối nông thôn mới tỉnh",
        ],
    };
    let year = on.year().to_string();
    let seat = match level {
        Level::Central => "national",
        _ => place.province.code,
    };
    let offset = number(
        &["roster", level.as_str(), seat, &year],
        PEOPLE.len() as u64,
    ) as usize;
    let n = organisations.len();
    organisations
        .iter()
        .enumerate()
        .map(|(i, org)| CouncilMember {
            member_id: format!("m{}", i + 1),
            name: PEOPLE[(offset + i * 5) % PEOPLE.len()].to_owned(),
            role: match i {
                0 => MemberRole::Chair,
                1 => MemberRole::ViceChair,
                _ if i + 1 == n => MemberRole::Secretary,
                _ => MemberRole::Member,
            },
            organisation: (*org).to_owned(),
        })
        .collect()
}

/// A card's total split into parts within the version's maxima, close to proportional.
pub(super) fn parts(total: u32, max: PartMax) -> (u32, u32, u32) {
    let sum = max.a + max.b + max.c;
    let mut a = (total * max.a + sum / 2) / sum;
    let mut b = (total * max.b + sum / 2) / sum;
    a = a.min(max.a);
    b = b.min(max.b);
    let mut c = total.saturating_sub(a + b);
    while c > max.c && a < max.a {
        a += 1;
        c -= 1;
    }
    while c > max.c && b < max.b {
        b += 1;
        c -= 1;
    }
    (a, b, c)
}

pub(super) fn document(slug: &str, round: u32, kind: &str, title: &str) -> Document {
    let content = digest(&["document", slug, &round.to_string(), kind]);
    Document {
        kind: kind.to_owned(),
        title: title.to_owned(),
        sha256: Sha256Hex::parse(&hex::encode(content)).expect("a sha-256 is 64 hex digits"),
        size_bytes: 24_000 + number(&["size", slug, &round.to_string(), kind], 1_800_000),
    }
}

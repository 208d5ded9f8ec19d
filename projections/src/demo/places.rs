//! Where a story happens and who acts in it: places, the national actors, councils'
//! rosters, dossier documents and score cards.

use super::*;

/// Where a product is: its province, its district (for records before 1 Jul 2025) and
/// its commune.
#[derive(Debug, Clone, Copy)]
pub(super) struct Place {
    pub(super) province: &'static Province,
    pub(super) district: Option<District>,
    pub(super) commune: &'static str,
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

/// A council's members: the chair first, the secretary last.
pub(super) fn roster(
    level: Level,
    place: &Place,
    on: NaiveDate,
    people: &[String],
) -> Vec<CouncilMember> {
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
        _ => &place.province.code,
    };
    let offset = number(
        &["roster", level.as_str(), seat, &year],
        people.len() as u64,
    ) as usize;
    let n = organisations.len();
    organisations
        .iter()
        .enumerate()
        .map(|(i, org)| CouncilMember {
            member_id: format!("m{}", i + 1),
            name: people[(offset + i * 5) % people.len()].clone(),
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

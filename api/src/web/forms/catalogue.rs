//! The forms of the lifecycle, as data: for each command its address, title, who may send
//! it, when it applies and its fields with their Vietnamese labels.

use ocop_domain::Role;
use serde_json::Value;

use super::{Field, Form, Input, field, hinted, optional};
const ROUND_KINDS: &[(&str, &str)] = &[
    ("initial", "Đánh giá lần đầu"),
    ("re_evaluation", "Đánh giá lại (hết hạn hoặc sắp hết hạn)"),
    ("upgrade", "Nâng hạng sao"),
];
const DOCUMENT_KINDS: &[(&str, &str)] = &[
    ("", "—"),
    ("registration_form", "Phiếu đăng ký"),
    ("business_plan", "Phương án sản xuất kinh doanh"),
    ("product_description", "Bản mô tả sản phẩm"),
    ("test_result", "Phiếu kết quả kiểm nghiệm"),
    ("legal_papers", "Giấy tờ pháp lý"),
    ("other", "Tài liệu khác"),
];
const MEMBER_ROLES: &[(&str, &str)] = &[
    ("", "—"),
    ("chair", "Chủ tịch"),
    ("vice_chair", "Phó chủ tịch"),
    ("member", "Thành viên"),
    ("secretary", "Thư ký"),
];
const LEVELS: &[(&str, &str)] = &[
    ("provincial", "Cấp tỉnh"),
    ("central", "Cấp trung ương"),
    ("district", "Cấp huyện (trước 01/07/2025)"),
];
const STARS: &[(&str, &str)] = &[("", "—"), ("3", "3 sao"), ("4", "4 sao"), ("5", "5 sao")];
const SOURCES: &[(&str, &str)] = &[
    ("consumer", "Người tiêu dùng"),
    ("community", "Cộng đồng"),
    ("press", "Báo chí"),
    ("distributor", "Nhà phân phối"),
    ("authority", "Cơ quan nhà nước"),
];
const GROUNDS: &[(&str, &str)] = &[
    ("not_re_evaluated", "Không đánh giá lại khi hết hạn"),
    ("failed_mandatory_criteria", "Không đạt tiêu chí bắt buộc"),
    ("food_safety_violation", "Vi phạm an toàn thực phẩm"),
    ("quality_differs", "Chất lượng không đúng như khi đánh giá"),
    ("production_stopped", "Ngừng sản xuất"),
    ("fraudulent_dossier", "Gian lận hồ sơ"),
    ("producer_request", "Theo đề nghị của chủ thể"),
    ("other", "Lý do khác"),
];
const PRODUCER_KINDS: &[(&str, &str)] = &[
    ("cooperative", "Hợp tác xã"),
    ("enterprise", "Doanh nghiệp"),
    ("household_business", "Hộ kinh doanh"),
    ("cooperative_group", "Tổ hợp tác"),
];
pub(crate) const GROUPS: &[(&str, &str)] = &[
    ("food", "Thực phẩm"),
    ("drinks", "Đồ uống"),
    ("medicinal_herbs", "Thảo dược"),
    ("handicrafts", "Thủ công mỹ nghệ"),
    ("ornamental", "Sinh vật cảnh"),
    ("tourism", "Dịch vụ du lịch cộng đồng"),
    ("textiles", "Vải và may mặc"),
    ("souvenirs_decoration", "Lưu niệm, nội thất, trang trí"),
];

const DOCUMENT: &[Field] = &[
    optional("kind", "Loại", Input::Choice(DOCUMENT_KINDS)),
    optional("title", "Tên tài liệu", Input::Text),
    optional("sha256", "Mã SHA-256", Input::Text),
    optional("size_bytes", "Dung lượng (byte)", Input::Number),
];
const MEMBER: &[Field] = &[
    optional("member_id", "Mã thành viên", Input::Text),
    optional("name", "Họ tên", Input::Text),
    optional("role", "Vai trò", Input::Choice(MEMBER_ROLES)),
    optional("organisation", "Cơ quan", Input::Text),
];

fn status(state: &Value) -> &str {
    state["status"].as_str().unwrap_or_default()
}

/// The last entry of a round's `list` (`councils`, `results`) at the round's current
/// level: the sitting council, the conclusion awaiting its decision.
pub(crate) fn at_level<'v>(round: &'v Value, list: &str) -> Option<&'v Value> {
    let level = round["level"].as_str()?;
    round[list]
        .as_array()?
        .iter()
        .rev()
        .find(|c| c["level"].as_str() == Some(level))
}

pub(crate) fn stage(state: &Value) -> &str {
    // A round may run on a recognised product too: a 4★ with the potential flag awaits the
    // central council, a re-evaluation runs beside the standing recognition.
    state["current_evaluation"]["stage"]
        .as_str()
        .unwrap_or_default()
}

fn not_withdrawn(state: &Value) -> bool {
    status(state) != "withdrawn"
}

pub(crate) const SECRETARIES: &[Role] = &[
    Role::DistrictSecretary,
    Role::ProvincialSecretary,
    Role::CentralSecretary,
];
const LOCAL: &[Role] = &[
    Role::CommuneOfficer,
    Role::DistrictSecretary,
    Role::ProvincialSecretary,
];
const INSPECTING: &[Role] = &[Role::Inspector, Role::ProvincialSecretary];

/// Every product form, in the order the product page offers them.
pub(crate) const FORMS: &[Form] = &[
    Form {
        slug: "mo-vong-danh-gia",
        title: "Mở vòng đánh giá",
        intro: "Mở một vòng đánh giá với hồ sơ của chủ thể. Vòng áp dụng quy định có hiệu lực vào ngày mở.",
        button: "Mở vòng đánh giá",
        command: "open_evaluation",
        path: "/evaluations",
        roles: LOCAL,
        applies: |s| s["current_evaluation"].is_null() && status(s) != "withdrawn",
        fields: &[
            field("kind", "Loại đánh giá", Input::Choice(ROUND_KINDS)),
            field("opened_on", "Ngày mở vòng", Input::Date),
            hinted(
                field("documents", "Hồ sơ", Input::Rows(5, DOCUMENT)),
                "Mỗi dòng một tài liệu. Chọn tệp để trình duyệt tính mã SHA-256 và dung lượng; tệp không được gửi lên máy chủ.",
            ),
            optional(
                "legal_basis",
                "Căn cứ pháp lý (bắt buộc khi mở lại sản phẩm đã bị thu hồi)",
                Input::Text,
            ),
        ],
        confirm: false,
    },
    Form {
        slug: "bo-sung-ho-so",
        title: "Bổ sung hồ sơ",
        intro: "Ghi nhận hồ sơ đã được chủ thể bổ sung.",
        button: "Ghi nhận hồ sơ bổ sung",
        command: "amend_dossier",
        path: "/evaluations/current/dossier",
        roles: &[
            Role::CommuneOfficer,
            Role::DistrictSecretary,
            Role::ProvincialSecretary,
            Role::CentralSecretary,
        ],
        applies: |s| stage(s) == "returned",
        fields: &[
            field("amended_on", "Ngày bổ sung", Input::Date),
            hinted(
                field("documents", "Tài liệu bổ sung", Input::Rows(5, DOCUMENT)),
                "Mỗi dòng một tài liệu thêm hoặc thay thế.",
            ),
        ],
        confirm: false,
    },
    Form {
        slug: "danh-gia-cap-xa",
        title: "Đánh giá cấp xã",
        intro: "Kết quả đánh giá, phân loại của cấp xã và đề xuất lên tỉnh.",
        button: "Ghi nhận đánh giá",
        command: "record_local_assessment",
        path: "/evaluations/current/local-assessment",
        roles: &[Role::CommuneOfficer],
        applies: |s| stage(s) == "dossier",
        fields: &[
            field("assessed_on", "Ngày đánh giá", Input::Date),
            field(
                "forward",
                "Đề xuất tỉnh đánh giá",
                Input::YesNo("Có, đề xuất lên tỉnh", "Không đề xuất"),
            ),
            field(
                "local_origin",
                "Đã xác nhận nguồn gốc địa phương",
                Input::Tick,
            ),
            optional("notes", "Ghi chú", Input::LongText),
            optional("report_ref", "Số biên bản", Input::Text),
        ],
        confirm: false,
    },
    Form {
        slug: "thanh-lap-hoi-dong",
        title: "Triệu tập hội đồng",
        intro: "Hội đồng đánh giá, phân hạng của một cấp: thành viên, điều kiện đủ số và mức chênh lệch điểm tối đa.",
        button: "Triệu tập hội đồng",
        command: "convene_council",
        path: "/evaluations/current/council",
        roles: SECRETARIES,
        applies: |s| matches!(stage(s), "dossier" | "awaiting_council"),
        fields: &[
            field("level", "Cấp hội đồng", Input::Choice(LEVELS)),
            field("council_ref", "Quyết định thành lập hội đồng", Input::Text),
            field("convened_on", "Ngày họp", Input::Date),
            hinted(
                field("members", "Thành viên", Input::Rows(9, MEMBER)),
                "Mỗi dòng một thành viên; mã thành viên là mã ngắn dùng trên phiếu chấm, ví dụ m1.",
            ),
            field(
                "quorum.min_present",
                "Số thành viên có mặt tối thiểu",
                Input::Number,
            ),
            field("quorum.chair_required", "Bắt buộc có chủ tịch", Input::Tick),
            optional(
                "spread_limit",
                "Chênh lệch điểm tối đa giữa các phiếu",
                Input::Number,
            ),
        ],
        confirm: false,
    },
    Form {
        slug: "ket-luan",
        title: "Kết luận chấm điểm",
        intro: "Hệ thống tính điểm trung bình chính xác, khung hạng, độ chênh lệch và kết quả từ các phiếu đã ghi; bạn xem lại rồi xác nhận.",
        button: "Xem kết quả",
        command: "conclude_scoring",
        path: "/evaluations/current/conclude",
        roles: SECRETARIES,
        applies: |s| stage(s) == "council",
        fields: &[field("concluded_on", "Ngày kết luận", Input::Date)],
        confirm: true,
    },
    Form {
        slug: "quyet-dinh",
        title: "Quyết định công nhận",
        intro: "Quyết định công nhận (kèm hạng sao) hoặc không công nhận sản phẩm theo kết quả đã kết luận.",
        button: "Ghi nhận quyết định",
        command: "decide_recognition",
        path: "/evaluations/current/decision",
        roles: SECRETARIES,
        applies: |s| stage(s) == "awaiting_decision",
        fields: &[
            field("decided_on", "Ngày quyết định", Input::Date),
            field(
                "recognized",
                "Kết quả",
                Input::YesNo("Công nhận", "Không công nhận"),
            ),
            optional(
                "stars",
                "Hạng sao (khi công nhận)",
                Input::NumberChoice(STARS),
            ),
            optional("decision_no", "Số quyết định", Input::Text),
            field("authority", "Cơ quan ban hành", Input::Text),
            optional("certificate_no", "Số giấy chứng nhận", Input::Text),
            optional("reason", "Lý do (khi không công nhận)", Input::LongText),
        ],
        confirm: false,
    },
    Form {
        slug: "mo-lai-cham-diem",
        title: "Mở lại chấm điểm để sửa phiếu",
        intro: "Trước khi có quyết định, mở lại phần chấm điểm đã kết luận để sửa một phiếu ghi sai. Kết luận cũ vẫn được lưu, kèm lý do.",
        button: "Mở lại chấm điểm",
        command: "reopen_scoring",
        path: "/evaluations/current/reopen",
        roles: SECRETARIES,
        applies: |s| stage(s) == "awaiting_decision",
        fields: &[
            field("reopened_on", "Ngày mở lại", Input::Date),
            field("reason", "Lý do", Input::LongText),
        ],
        confirm: false,
    },
    Form {
        slug: "tra-ho-so",
        title: "Trả hồ sơ để bổ sung",
        intro: "Trả hồ sơ cho chủ thể hoàn thiện, nêu từng lý do.",
        button: "Trả hồ sơ",
        command: "return_dossier",
        path: "/evaluations/current/return",
        roles: &[
            Role::CommuneOfficer,
            Role::DistrictSecretary,
            Role::ProvincialSecretary,
            Role::CentralSecretary,
        ],
        applies: |s| matches!(stage(s), "dossier" | "awaiting_council"),
        fields: &[
            field("returned_on", "Ngày trả", Input::Date),
            hinted(
                field("reasons", "Lý do", Input::Lines),
                "Mỗi dòng một lý do.",
            ),
        ],
        confirm: false,
    },
    Form {
        slug: "khieu-nai",
        title: "Ghi nhận khiếu nại",
        intro: "Khiếu nại, phản ánh về sản phẩm.",
        button: "Ghi nhận khiếu nại",
        command: "record_complaint",
        path: "/complaints",
        roles: INSPECTING,
        applies: |_| true,
        fields: &[
            field("received_on", "Ngày nhận", Input::Date),
            field("source", "Nguồn", Input::Choice(SOURCES)),
            field("summary", "Nội dung", Input::LongText),
        ],
        confirm: false,
    },
    Form {
        slug: "ket-qua-kiem-tra",
        title: "Ghi nhận kết quả kiểm tra",
        intro: "Kết quả một cuộc kiểm tra sản phẩm, trả lời một khiếu nại nếu có.",
        button: "Ghi nhận kiểm tra",
        command: "record_inspection",
        path: "/inspections",
        roles: INSPECTING,
        applies: |_| true,
        fields: &[
            field("inspected_on", "Ngày kiểm tra", Input::Date),
            field("authority", "Cơ quan kiểm tra", Input::Text),
            field("findings", "Phát hiện", Input::LongText),
            field("compliant", "Kết luận", Input::YesNo("Đạt", "Không đạt")),
            optional("complaint_id", "Trả lời khiếu nại", Input::Complaint),
        ],
        confirm: false,
    },
    Form {
        slug: "thu-hoi",
        title: "Thu hồi công nhận",
        intro: "Quyết định thu hồi giấy chứng nhận OCOP, với căn cứ.",
        button: "Thu hồi",
        command: "revoke_recognition",
        path: "/revocation",
        roles: SECRETARIES,
        applies: |s| s["recognition"].is_object(),
        fields: &[
            field("decided_on", "Ngày quyết định", Input::Date),
            field("decision_no", "Số quyết định", Input::Text),
            field("authority", "Cơ quan ban hành", Input::Text),
            field("grounds", "Căn cứ thu hồi", Input::Ticks(GROUNDS)),
            optional("details", "Chi tiết", Input::LongText),
        ],
        confirm: false,
    },
    Form {
        slug: "rut-khoi-chuong-trinh",
        title: "Chủ thể rút sản phẩm",
        intro: "Chủ thể đề nghị rút sản phẩm khỏi chương trình.",
        button: "Ghi nhận việc rút",
        command: "withdraw_product",
        path: "/withdrawal",
        roles: &[Role::CommuneOfficer, Role::ProvincialSecretary],
        applies: not_withdrawn,
        fields: &[
            field("withdrawn_on", "Ngày rút", Input::Date),
            field("reason", "Lý do", Input::LongText),
        ],
        confirm: false,
    },
    Form {
        slug: "dinh-chinh",
        title: "Đính chính một bản ghi",
        intro: "Sửa một trường của sự kiện đã ghi. Bản ghi gốc vẫn nằm trong sổ; bản đính chính là một sự kiện mới.",
        button: "Ghi nhận đính chính",
        command: "correct_entry",
        path: "/corrections",
        roles: &[
            Role::ProvincialSecretary,
            Role::CentralSecretary,
            Role::Admin,
        ],
        applies: |_| true,
        fields: &[
            field("event_id", "Sự kiện cần đính chính", Input::Event),
            hinted(
                field("field", "Trường", Input::Text),
                "Ví dụ decision_no, certificate_no, producer.name.",
            ),
            optional("new_value", "Giá trị mới (để trống để xoá)", Input::Text),
            field("reason", "Lý do", Input::LongText),
        ],
        confirm: false,
    },
];

/// Registering a product: the one form with no product yet.
pub(crate) const REGISTER: Form = Form {
    slug: "dang-ky",
    title: "Đăng ký sản phẩm",
    intro: "Đăng ký một sản phẩm của chủ thể vào chương trình OCOP.",
    button: "Đăng ký",
    command: "register_product",
    path: "",
    roles: LOCAL,
    applies: |_| true,
    fields: &[
        field("name", "Tên sản phẩm", Input::Text),
        field("producer.name", "Tên chủ thể", Input::Text),
        field(
            "producer.kind",
            "Loại hình chủ thể",
            Input::Choice(PRODUCER_KINDS),
        ),
        optional("producer.tax_code", "Mã số thuế", Input::Text),
        field("product_group", "Nhóm sản phẩm", Input::Choice(GROUPS)),
        field("product_set", "Bộ sản phẩm", Input::Text),
        hinted(
            field("province", "Mã tỉnh", Input::Text),
            "Hai chữ số, ví dụ 68.",
        ),
        hinted(
            optional("commune", "Mã xã", Input::Text),
            "Năm chữ số, ví dụ 24730.",
        ),
        hinted(
            optional("district", "Mã huyện (hồ sơ trước 01/07/2025)", Input::Text),
            "Ba chữ số.",
        ),
        optional("local_code", "Mã sản phẩm của địa phương", Input::Text),
        field("registered_on", "Ngày đăng ký", Input::Date),
    ],
    confirm: false,
};

/// The form at `slug`.
pub(crate) fn form(slug: &str) -> Option<&'static Form> {
    FORMS.iter().find(|f| f.slug == slug)
}

/// The forms the product page offers `role` for a product in `state`.
pub(crate) fn offered(role: Role, state: &Value) -> Vec<(&'static str, &'static str)> {
    let mut offered: Vec<(&'static str, &'static str)> = FORMS
        .iter()
        .filter(|f| f.roles.contains(&role) && (f.applies)(state))
        .map(|f| (f.slug, f.title))
        .collect();
    if SECRETARIES.contains(&role) && stage(state) == "council" {
        offered.insert(
            0,
            (
                super::super::scorecards::SLUG,
                super::super::scorecards::TITLE,
            ),
        );
    }
    offered
}

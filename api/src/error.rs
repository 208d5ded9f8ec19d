//! Problem details (RFC 9457): every way a request can fail, with the contract's stable codes.

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use ocop_domain::DomainError;
use ocop_eventstore::StoreError;
use ocop_projections::ProjectionError;
use ocop_projections::command::service::ServiceError;
use ocop_projections::read::query::ReadError;
use serde::Serialize;
use serde_json::{Value, json};

/// An error answered as `application/problem+json`.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Malformed JSON, wrong types, unknown fields, bad dates or parameters.
    #[error("{0}")]
    InvalidRequest(String),
    /// A method the path does not support (405, code `invalid_request`).
    #[error("{0}")]
    MethodNotAllowed(String),
    /// No token, or a token that does not verify.
    #[error("{0}")]
    Unauthenticated(String),
    /// A valid token whose role or scope does not allow the request.
    #[error("{0}")]
    Forbidden(String),
    /// No such product or resource.
    #[error("{0}")]
    NotFound(String),
    /// `If-Match` was stale, or a concurrent write won.
    #[error("expected version {expected}, the product is at version {actual}")]
    VersionConflict {
        /// The version the caller expected.
        expected: i64,
        /// The version recorded now.
        actual: i64,
    },
    /// Concurrent writers won every attempt at the command; it may be sent again.
    #[error("{0}")]
    Contention(String),
    /// The body is larger than the server accepts.
    #[error("the request body is larger than {limit} bytes")]
    PayloadTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// The same idempotency key was sent with a different body.
    #[error("idempotency key {0} was already used with a different request")]
    IdempotencyKeyReused(String),
    /// The command breaks a rule of the lifecycle.
    #[error("{detail}")]
    RuleViolation {
        /// A sentence naming the rule broken.
        detail: String,
        /// The violated rules with their facts.
        violations: Vec<Value>,
    },
    /// A client sent more requests than its share (429, code `rate_limited`).
    #[error("too many requests from this client; retry after {retry_after} s")]
    RateLimited {
        /// Seconds until the client's next request is accepted.
        retry_after: u32,
    },
    /// The store is down or the read side is behind the requested position.
    #[error("{detail}")]
    Unavailable {
        /// What is unavailable, without internals.
        detail: String,
        /// Seconds after which a retry makes sense.
        retry_after: u32,
    },
    /// An unexpected failure; the cause is logged, never shown.
    #[error("internal error")]
    Internal(String),
}

impl ApiError {
    /// The HTTP status of this error.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::InvalidRequest(_) => StatusCode::BAD_REQUEST,
            Self::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            Self::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::VersionConflict { .. } | Self::Contention(_) => StatusCode::CONFLICT,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::IdempotencyKeyReused(_) | Self::RuleViolation { .. } => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            Self::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable code of the contract.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidRequest(_) | Self::MethodNotAllowed(_) => "invalid_request",
            Self::Unauthenticated(_) => "unauthenticated",
            Self::Forbidden(_) => "forbidden",
            Self::NotFound(_) => "not_found",
            Self::VersionConflict { .. } | Self::Contention(_) => "version_conflict",
            Self::PayloadTooLarge { .. } => "payload_too_large",
            Self::IdempotencyKeyReused(_) => "idempotency_key_reused",
            Self::RuleViolation { .. } => "rule_violation",
            Self::RateLimited { .. } => "rate_limited",
            Self::Unavailable { .. } => "unavailable",
            Self::Internal(_) => "internal_error",
        }
    }

    fn title(&self) -> &'static str {
        match self {
            Self::InvalidRequest(_) => "invalid request",
            Self::MethodNotAllowed(_) => "method not allowed",
            Self::Unauthenticated(_) => "authentication required",
            Self::Forbidden(_) => "forbidden",
            Self::NotFound(_) => "not found",
            Self::VersionConflict { .. } | Self::Contention(_) => "version conflict",
            Self::PayloadTooLarge { .. } => "payload too large",
            Self::IdempotencyKeyReused(_) => "idempotency key reused",
            Self::RuleViolation { .. } => "rule violation",
            Self::RateLimited { .. } => "too many requests",
            Self::Unavailable { .. } => "service unavailable",
            Self::Internal(_) => "internal error",
        }
    }

    /// The title in Vietnamese.
    fn title_vi(&self) -> &'static str {
        match self {
            Self::InvalidRequest(_) => "Yêu cầu không hợp lệ",
            Self::MethodNotAllowed(_) => "Phương thức không được hỗ trợ",
            Self::Unauthenticated(_) => "Cần mã thông báo hợp lệ",
            Self::Forbidden(_) => "Không có quyền",
            Self::NotFound(_) => "Không tìm thấy",
            Self::VersionConflict { .. } | Self::Contention(_) => "Dữ liệu vừa thay đổi",
            Self::PayloadTooLarge { .. } => "Dữ liệu gửi lên quá lớn",
            Self::IdempotencyKeyReused(_) => "Idempotency-Key đã được dùng",
            Self::RuleViolation { .. } => "Vi phạm quy định",
            Self::RateLimited { .. } => "Quá nhiều yêu cầu",
            Self::Unavailable { .. } => "Dịch vụ tạm thời gián đoạn",
            Self::Internal(_) => "Lỗi hệ thống",
        }
    }

    /// The detail in Vietnamese: the rules' own words for a rule violation, a sentence for
    /// the other kinds, followed by the English detail where it names fields and values.
    pub(crate) fn detail_vi(&self, english: &str) -> String {
        match self {
            Self::RuleViolation { violations, .. } => {
                let all: Vec<&str> = violations
                    .iter()
                    .filter_map(|v| v["detail_vi"].as_str())
                    .collect();
                format!("Không ghi nhận: {}", all.join(" "))
            }
            Self::VersionConflict { expected, actual } => format!(
                "Sản phẩm đang ở phiên bản {actual}, không phải {expected}: vừa có người ghi \
                 nhận thay đổi. Tải lại sản phẩm và gửi lại; không có gì được ghi nhận."
            ),
            Self::Unavailable { .. } => {
                "Kho dữ liệu tạm thời không truy cập được; không có gì được ghi nhận, hãy thử \
                 lại sau ít phút."
                    .to_owned()
            }
            Self::Internal(_) => {
                "Đã xảy ra lỗi ngoài dự kiến; lỗi đã được ghi lại cùng mã yêu cầu.".to_owned()
            }
            Self::NotFound(_) => {
                "Không có bản ghi này trong sổ: mã hoặc địa chỉ đã gửi không tồn tại.".to_owned()
            }
            other => format!("{} ({english}).", other.title_vi()),
        }
    }

    /// The problem document of this error, in English, or in Vietnamese when the request
    /// asked for it (`Accept-Language: vi`, see [`in_vietnamese`]).
    pub fn body(&self) -> Value {
        let detail = match self {
            Self::Internal(_) => {
                "an unexpected error occurred; it has been logged with the request id".to_owned()
            }
            other => other.to_string(),
        };
        let vietnamese = in_vietnamese();
        let mut body = json!({
            "type": format!("urn:ocop:problem:{}", self.code()),
            "title": if vietnamese { self.title_vi() } else { self.title() },
            "status": self.status().as_u16(),
            "detail": if vietnamese { self.detail_vi(&detail) } else { detail },
            "code": self.code(),
        });
        match self {
            Self::RuleViolation { violations, .. } => {
                let shown: Vec<Value> = violations
                    .iter()
                    .map(|v| {
                        let mut v = v.clone();
                        if let Value::Object(fields) = &mut v {
                            let vi = fields.remove("detail_vi");
                            if let (true, Some(vi)) = (vietnamese, vi) {
                                fields.insert("detail".into(), vi);
                            }
                        }
                        v
                    })
                    .collect();
                body["violations"] = json!(shown);
            }
            Self::VersionConflict { expected, actual } => {
                body["expected_version"] = json!(expected);
                body["actual_version"] = json!(actual);
            }
            _ => {}
        }
        body
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let Self::Internal(cause) = &self {
            tracing::error!(%cause, "request failed");
        }
        let mut response = (self.status(), Json(self.body())).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        match &self {
            Self::Unavailable { retry_after, .. } | Self::RateLimited { retry_after } => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(*retry_after));
            }
            // RFC 9110 §11.6.1: a 401 names the scheme the server expects.
            Self::Unauthenticated(_) => {
                headers.insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer realm=\"ocop\""),
                );
            }
            _ => {}
        }
        response
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        match rejection {
            JsonRejection::BytesRejection(r) if r.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                Self::PayloadTooLarge {
                    limit: crate::server::BODY_LIMIT,
                }
            }
            JsonRejection::MissingJsonContentType(_) => {
                Self::InvalidRequest("expected a body with content-type application/json".into())
            }
            JsonRejection::JsonDataError(e) => {
                Self::InvalidRequest(json_error_text(&e.body_text()))
            }
            JsonRejection::JsonSyntaxError(e) => {
                Self::InvalidRequest(json_error_text(&e.body_text()))
            }
            other => Self::InvalidRequest(other.body_text()),
        }
    }
}

/// Axum's text with its generic prefix removed, so the detail names the field and the fault.
fn json_error_text(text: &str) -> String {
    text.trim_start_matches("Failed to deserialize the JSON body into the target type: ")
        .trim_start_matches("Failed to parse the request body as JSON: ")
        .to_owned()
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        Self::InvalidRequest(
            rejection
                .body_text()
                .trim_start_matches("Failed to deserialize query string: ")
                .to_owned(),
        )
    }
}

impl From<PathRejection> for ApiError {
    fn from(_: PathRejection) -> Self {
        Self::NotFound("no such product".into())
    }
}

impl From<DomainError> for ApiError {
    fn from(e: DomainError) -> Self {
        if e.is_forbidden() {
            return Self::Forbidden(e.to_string());
        }
        if e.is_not_found() {
            return Self::NotFound(e.to_string());
        }
        Self::RuleViolation {
            detail: format!("the command breaks a rule: {e}"),
            violations: vec![violation(&e)],
        }
    }
}

/// One broken rule as the answer lists it: `{"code", "detail", "rule", …facts}` (and its
/// Vietnamese words, shown instead of `detail` to a request that asks for Vietnamese).
pub fn violation(e: &DomainError) -> Value {
    let mut violation = e.facts();
    if let Value::Object(fields) = &mut violation {
        fields.insert("code".into(), json!(e.code()));
        fields.insert("detail".into(), json!(e.to_string()));
        fields.insert("detail_vi".into(), json!(e.message_vi()));
    }
    violation
}

tokio::task_local! {
    /// Whether the request being answered asked for Vietnamese (set by the server's
    /// middleware from `Accept-Language`).
    pub static VIETNAMESE: bool;
}

/// Whether the request being answered asked for Vietnamese.
pub fn in_vietnamese() -> bool {
    VIETNAMESE.try_with(|v| *v).unwrap_or(false)
}

/// Whether an `Accept-Language` value prefers Vietnamese: its highest-weighted language
/// is `vi` (or `vi-VN`, …).
pub fn prefers_vietnamese(accept_language: &str) -> bool {
    let mut best: Option<(f32, bool)> = None;
    for item in accept_language.split(',') {
        let mut parts = item.split(';');
        let tag = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
        let q = parts
            .find_map(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.parse::<f32>().ok())
            })
            .unwrap_or(1.0);
        let vi = tag == "vi" || tag.starts_with("vi-");
        if best.is_none_or(|(b, _)| q > b) {
            best = Some((q, vi));
        }
    }
    best.is_some_and(|(q, vi)| vi && q > 0.0)
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Unavailable(cause) => {
                tracing::warn!(%cause, "event store unavailable");
                Self::Unavailable {
                    detail: "the event store is unavailable; retry shortly".into(),
                    retry_after: 2,
                }
            }
            StoreError::Conflict {
                actual, expected, ..
            } => Self::Contention(format!(
                "the product moved to version {actual} while the command expected {expected}"
            )),
            StoreError::IdempotencyKeyReused { command_id } => {
                Self::IdempotencyKeyReused(command_id.to_string())
            }
            other => Self::Internal(other.to_string()),
        }
    }
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::VersionConflict {
                expected, actual, ..
            } => Self::VersionConflict { expected, actual },
            ServiceError::Contention { .. } => Self::Contention(format!(
                "{e}; the command was not recorded and may be sent again"
            )),
            ServiceError::IdempotencyKeyReused(key) => Self::IdempotencyKeyReused(key.to_string()),
            ServiceError::CertificateTaken {
                ref certificate_no,
                ref province,
                held_by,
            } => Self::RuleViolation {
                detail: format!("the command breaks a rule: {e}"),
                violations: vec![json!({
                    "code": "certificate_not_unique",
                    "detail": e.to_string(),
                    "detail_vi": format!(
                        "Số giấy chứng nhận {certificate_no} đã thuộc sản phẩm {held_by} của \
                         tỉnh {province}: mỗi số là duy nhất trong tỉnh."
                    ),
                    "certificate_no": certificate_no,
                    "province": province,
                    "held_by": held_by,
                })],
            },
            ServiceError::Store(store) => store.into(),
            other => Self::Internal(other.to_string()),
        }
    }
}

impl From<ProjectionError> for ApiError {
    fn from(e: ProjectionError) -> Self {
        match e {
            ProjectionError::Store(store) => store.into(),
            ProjectionError::Database(db) => StoreError::from(db).into(),
            other => Self::Internal(other.to_string()),
        }
    }
}

impl From<ReadError> for ApiError {
    fn from(e: ReadError) -> Self {
        match e {
            ReadError::NotFound(detail) => Self::NotFound(detail),
            ReadError::Forbidden(detail) => Self::Forbidden(detail),
            ReadError::Projection(e) => e.into(),
            ReadError::Service(e) => e.into(),
        }
    }
}

/// The problem document (RFC 9457) every error is answered with, for the OpenAPI document.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// `urn:ocop:problem:<code>`.
    #[serde(rename = "type")]
    pub kind: String,
    /// A short summary of the kind of problem.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// What went wrong with this request.
    pub detail: String,
    /// The stable code: `invalid_request`, `unauthenticated`, `forbidden`, `not_found`,
    /// `version_conflict`, `payload_too_large`, `idempotency_key_reused`, `rule_violation`,
    /// `rate_limited`, `unavailable` or `internal_error`.
    pub code: String,
    /// For `rule_violation`: each rule broken, `{"code", "detail", "rule", …facts}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub violations: Option<Vec<Value>>,
}

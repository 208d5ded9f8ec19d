//! Signing in and out, and the session of a request: cookies, CSRF tokens, the redirect of
//! a staff page to the sign-in form.

use askama::Template;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use ocop_domain::Actor;
use ocop_projections::access::accounts::{self, Session, SignIn};
use serde::Deserialize;

use super::{Page, message, render, view};
use crate::app::AppState;

/// The session cookie's name.
const SESSION_COOKIE: &str = "ocop_session";
/// The cookie that carries the sign-in form's CSRF token before there is a session.
const SIGN_IN_COOKIE: &str = "ocop_dang_nhap";

/// Whether the request came through a TLS proxy (`X-Forwarded-Proto: https`): then cookies
/// are `Secure`.
pub(super) fn behind_tls(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("https"))
}

fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
        .filter(|v| !v.is_empty() && v.len() <= 128 && v.chars().all(|c| c.is_ascii_hexdigit()))
}

fn set_cookie(headers: &HeaderMap, name: &str, value: &str, max_age: Option<i64>) -> HeaderValue {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict");
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    if behind_tls(headers) {
        c.push_str("; Secure");
    }
    HeaderValue::from_str(&c).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The signed-in session of a request, if any.
pub(super) async fn current_session(app: &AppState, headers: &HeaderMap) -> Option<Session> {
    let secret = cookie(headers, SESSION_COOKIE)?;
    match accounts::session(app.runner.db(), &secret, app.clock.now()).await {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!(error = %e, "session look-up failed");
            None
        }
    }
}

/// A staff page's session, or the redirect to the sign-in form that comes back here.
pub(super) async fn staff(
    app: &AppState,
    headers: &HeaderMap,
    here: &str,
) -> Result<(Session, Actor), Response> {
    let to_sign_in = || {
        let next: String = form_urlencoded::byte_serialize(here.as_bytes()).collect();
        Redirect::to(&format!("/dang-nhap?next={next}")).into_response()
    };
    let session = current_session(app, headers).await.ok_or_else(to_sign_in)?;
    let actor = session.account.actor().ok_or_else(to_sign_in)?;
    Ok((session, actor))
}

#[derive(Template)]
#[template(path = "sign_in.html")]
struct SignInPage {
    page: Page,
    csrf: String,
    next: String,
    username: String,
    error: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(super) struct SignInQuery {
    #[serde(default)]
    next: String,
}

/// Only a staff path of this site, in plain visible ASCII, is a place to come back to after
/// sign-in (never another site, never a header-breaking character).
fn safe_next(next: &str) -> String {
    if next.starts_with("/quan-ly")
        && !next.contains("//")
        && !next.contains('\\')
        && next.chars().all(|c| c.is_ascii_graphic())
    {
        next.to_owned()
    } else {
        "/quan-ly/san-pham".to_owned()
    }
}

fn sign_in_page(
    headers: &HeaderMap,
    status: StatusCode,
    next: &str,
    username: &str,
    error: Option<String>,
) -> Response {
    let csrf = hex::encode(random_bytes());
    let mut response = render(
        status,
        &SignInPage {
            page: Page::public("Đăng nhập"),
            csrf: csrf.clone(),
            next: safe_next(next),
            username: username.to_owned(),
            error,
        },
    );
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(headers, SIGN_IN_COOKIE, &csrf, Some(3600)),
    );
    response
}

/// 32 bytes from the operating system's random source.
fn random_bytes() -> [u8; 32] {
    let mut b = [0_u8; 32];
    getrandom::fill(&mut b).expect("the operating system's random source");
    b
}

pub(super) async fn sign_in_form(
    State(app): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<SignInQuery>,
) -> Response {
    if current_session(&app, &headers).await.is_some() {
        return Redirect::to(&safe_next(&q.next)).into_response();
    }
    sign_in_page(&headers, StatusCode::OK, &q.next, "", None)
}

#[derive(Debug, Deserialize)]
pub(super) struct SignInForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    next: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

pub(super) async fn sign_in(
    State(app): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<SignInForm>,
) -> Response {
    let username = form.username.trim().to_lowercase();
    let expected = cookie(&headers, SIGN_IN_COOKIE);
    if expected.is_none() || expected.as_deref() != Some(form.csrf.as_str()) {
        return sign_in_page(
            &headers,
            StatusCode::FORBIDDEN,
            &form.next,
            &username,
            Some("Phiên của biểu mẫu đã hết hạn. Xin nhập lại và đăng nhập.".into()),
        );
    }
    if username.is_empty() || form.password.is_empty() {
        return sign_in_page(
            &headers,
            StatusCode::BAD_REQUEST,
            &form.next,
            &username,
            Some("Hãy nhập tên đăng nhập và mật khẩu.".into()),
        );
    }
    let db = app.runner.db();
    match accounts::sign_in(db, &username, &form.password, app.clock.now()).await {
        Ok(SignIn::Accepted { secret, session }) => {
            tracing::info!(user = %session.account.username, "signed in");
            let mut response = Redirect::to(&safe_next(&form.next)).into_response();
            let h = response.headers_mut();
            h.append(
                header::SET_COOKIE,
                set_cookie(&headers, SESSION_COOKIE, &secret, None),
            );
            h.append(
                header::SET_COOKIE,
                set_cookie(&headers, SIGN_IN_COOKIE, "", Some(0)),
            );
            response
        }
        Ok(SignIn::Refused) => sign_in_page(
            &headers,
            StatusCode::UNAUTHORIZED,
            &form.next,
            &username,
            Some("Tên đăng nhập hoặc mật khẩu không đúng.".into()),
        ),
        Ok(SignIn::Locked { until }) => sign_in_page(
            &headers,
            StatusCode::TOO_MANY_REQUESTS,
            &form.next,
            &username,
            Some(format!(
                "Đăng nhập sai quá {} lần: tài khoản tạm khoá đến {}.",
                accounts::MAX_FAILURES,
                view::instant(&until.to_rfc3339())
            )),
        ),
        Err(e) => {
            tracing::error!(error = %e, "sign-in failed");
            message(
                StatusCode::SERVICE_UNAVAILABLE,
                Page::public("Đăng nhập"),
                "Hệ thống đang bận, xin thử lại",
                "Xin thử lại sau ít phút.".into(),
            )
        }
    }
}

#[derive(Debug, Deserialize)]
pub(super) struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

pub(super) async fn sign_out(
    State(app): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Response {
    let Some(secret) = cookie(&headers, SESSION_COOKIE) else {
        return Redirect::to("/").into_response();
    };
    if let Some(session) = current_session(&app, &headers).await {
        if session.csrf != form.csrf {
            return message(
                StatusCode::FORBIDDEN,
                Page::staff("Đăng xuất", &session),
                "Không đăng xuất được",
                "Biểu mẫu không mang mã của phiên này. Hãy dùng nút Đăng xuất trên trang.".into(),
            );
        }
    }
    if let Err(e) = accounts::sign_out(app.runner.db(), &secret, app.clock.now()).await {
        tracing::error!(error = %e, "sign-out failed");
    }
    let mut response = Redirect::to("/").into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(&headers, SESSION_COOKIE, "", Some(0)),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn a_sign_in_returns_only_to_the_staff_area_of_this_site() {
        assert_eq!(safe_next("/quan-ly/san-pham/abc"), "/quan-ly/san-pham/abc");
        for hostile in [
            "https://example.com/quan-ly",
            "//example.com",
            "/quan-ly//example.com",
            "/quan-ly\\x",
            "/quan-ly/\r\nSet-Cookie: x=1",
            "/thu-hoi",
        ] {
            assert_eq!(safe_next(hostile), "/quan-ly/san-pham", "{hostile:?}");
        }
    }
}

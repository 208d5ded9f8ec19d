//! `/api/docs`: the API reference, rendered on the server from the OpenAPI document.

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use super::session::current_session;
use super::{Page, render};
use crate::app::AppState;

#[derive(Debug, Clone)]
struct Operation {
    method: String,
    path: String,
    summary: String,
}

#[derive(Debug, Clone)]
struct OperationGroup {
    tag: String,
    operations: Vec<Operation>,
}

#[derive(Template)]
#[template(path = "api_docs.html")]
struct ApiDocsPage {
    page: Page,
    version: String,
    groups: Vec<OperationGroup>,
}

/// `/api/docs`: the API reference, read from the same OpenAPI document as
/// `/api/openapi.json`, rendered on the server (nothing to fetch, works without scripts).
pub(super) async fn api_docs(State(app): State<AppState>, headers: HeaderMap) -> Response {
    let doc = crate::app::openapi();
    let mut groups: Vec<OperationGroup> = Vec::new();
    if let Some(paths) = doc["paths"].as_object() {
        for (path, item) in paths {
            let Some(item) = item.as_object() else {
                continue;
            };
            for (method, op) in item {
                let tag = op["tags"][0].as_str().unwrap_or("other").to_owned();
                let summary = op["summary"]
                    .as_str()
                    .or_else(|| op["description"].as_str())
                    .unwrap_or_default()
                    .lines()
                    .next()
                    .unwrap_or_default()
                    .to_owned();
                let operation = Operation {
                    method: method.to_uppercase(),
                    path: path.clone(),
                    summary,
                };
                match groups.iter_mut().find(|g| g.tag == tag) {
                    Some(g) => g.operations.push(operation),
                    None => groups.push(OperationGroup {
                        tag,
                        operations: vec![operation],
                    }),
                }
            }
        }
    }
    let page = match current_session(&app, &headers).await {
        Some(s) => Page::staff("Tài liệu API", &s),
        None => Page::public("Tài liệu API"),
    };
    render(
        StatusCode::OK,
        &ApiDocsPage {
            page,
            version: doc["openapi"].as_str().unwrap_or("3.1").to_owned(),
            groups,
        },
    )
}

//! The integrator's guide runs: every `curl` request of the walk-through in `docs/api.md`
//! is sent, in order, to a real server, and each answers as its comment says (`→ NNN`,
//! `keep NAME=field`, `expect field=value`). A guide that drifts from the server fails
//! here.

use std::collections::BTreeMap;

use serde_json::Value;

use super::support::TestServer;
use crate::http_on_both_stores;

/// One request of the guide.
#[derive(Debug)]
struct Step {
    method: String,
    /// The path (with its query) after `$OCOP`.
    path: String,
    /// The name of the token variable of `Authorization: Bearer $NAME`.
    token: Option<String>,
    body: Option<String>,
    status: u16,
    keep: Vec<(String, String)>,
    expect: Vec<(String, String)>,
    text: String,
}

/// The walk-through section: its token definitions and its requests.
fn guide() -> (Vec<(String, [String; 3])>, Vec<Step>) {
    let doc =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/api.md")).unwrap();
    let start = doc.find("## Walk-through").expect("a walk-through section");
    let section = &doc[start..];
    let section = &section[..section[3..].find("\n## ").map_or(section.len(), |i| i + 3)];
    let mut tokens = Vec::new();
    let mut steps = Vec::new();
    for block in section.split("```sh\n").skip(1) {
        let block = &block[..block.find("```").expect("a closed block")];
        let joined = block.replace("\\\n", " ");
        if !joined.trim_start().starts_with("curl") {
            for line in joined.lines() {
                if let Some((name, rest)) = line.split_once("=$(ocop token ") {
                    let arg = |flag: &str| {
                        let after = rest.split(flag).nth(1).expect(flag);
                        after
                            .split_whitespace()
                            .next()
                            .unwrap()
                            .trim_end_matches(')')
                            .to_owned()
                    };
                    tokens.push((
                        name.to_owned(),
                        [arg("--role "), arg("--scope "), arg("--user ")],
                    ));
                }
            }
            continue;
        }
        let (request, contract) = joined.split_once("# →").expect("a `# →` line");
        let method = request
            .split("-X ")
            .nth(1)
            .map_or("GET", |m| m.split_whitespace().next().unwrap())
            .to_owned();
        let url = request.split("\"$OCOP").nth(1).expect("a \"$OCOP…\" URL");
        let path = url[..url.find('"').unwrap()].to_owned();
        let token = request
            .split("Bearer $")
            .nth(1)
            .map(|t| t.split('"').next().unwrap().to_owned());
        let body = request.split_once("-d '").map(|(_, b)| {
            let end = b.rfind('\'').expect("a closed body");
            b[..end].to_owned()
        });
        let mut parts = contract.split(';');
        let status = parts.next().unwrap().trim()[..3].parse().expect("a status");
        let (mut keep, mut expect) = (Vec::new(), Vec::new());
        for part in parts {
            let part = part.trim();
            let (list, pairs) = if let Some(p) = part.strip_prefix("keep ") {
                (&mut keep, p)
            } else if let Some(p) = part.strip_prefix("expect ") {
                (&mut expect, p)
            } else {
                continue;
            };
            for pair in pairs.split_whitespace() {
                let (k, v) = pair.split_once('=').expect("NAME=field");
                list.push((k.to_owned(), v.to_owned()));
            }
        }
        steps.push(Step {
            method,
            path,
            token,
            body,
            status,
            keep,
            expect,
            text: request.trim().to_owned(),
        });
    }
    (tokens, steps)
}

fn field<'a>(body: &'a Value, path: &str) -> &'a Value {
    path.split('.').fold(body, |v, k| &v[k])
}

fn substitute(text: &str, kept: &BTreeMap<String, String>) -> String {
    let mut out = text.to_owned();
    // Longest names first, so that `$PRODUCT` never eats the start of `$PRODUCTS`.
    let mut names: Vec<&String> = kept.keys().collect();
    names.sort_by_key(|n| std::cmp::Reverse(n.len()));
    for name in names {
        out = out.replace(&format!("${name}"), &kept[name]);
    }
    out
}

async fn the_guides_walk_through_runs_as_written(server: &TestServer) {
    let (tokens, steps) = guide();
    assert!(
        tokens.len() >= 4 && steps.len() >= 12,
        "{tokens:?} {steps:?}"
    );
    let tokens: BTreeMap<String, String> = tokens
        .into_iter()
        .map(|(name, [role, scope, user])| (name, server.token(&role, &scope, &user)))
        .collect();
    let mut kept = BTreeMap::new();
    for step in &steps {
        let path = substitute(&step.path, &kept);
        let mut request = match step.method.as_str() {
            "POST" => server.client.post(format!("{}{path}", server.base)),
            "GET" => server.client.get(format!("{}{path}", server.base)),
            other => panic!("method {other}"),
        };
        if let Some(name) = &step.token {
            request = request.bearer_auth(&tokens[name]);
        }
        if let Some(body) = &step.body {
            let body: Value = serde_json::from_str(&substitute(body, &kept))
                .unwrap_or_else(|e| panic!("the guide's body is not JSON ({e}): {}", step.text));
            request = request
                .header("idempotency-key", uuid::Uuid::new_v4().to_string())
                .json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let answer: Value = response.json().await.unwrap_or(Value::Null);
        assert_eq!(status, step.status, "{}\n→ {answer}", step.text);
        for (name, at) in &step.keep {
            let v = field(&answer, at);
            let v = v.as_str().map_or_else(|| v.to_string(), str::to_owned);
            assert!(v != "null", "{at} missing: {}\n→ {answer}", step.text);
            kept.insert(name.clone(), v);
        }
        for (at, want) in &step.expect {
            let v = field(&answer, at);
            let got = v.as_str().map_or_else(|| v.to_string(), str::to_owned);
            assert_eq!(&got, want, "{at}: {}\n→ {answer}", step.text);
        }
    }
}

http_on_both_stores!(
    the_guides_walk_through_runs_as_written_on_sqlite,
    the_guides_walk_through_runs_as_written_on_postgres,
    the_guides_walk_through_runs_as_written
);

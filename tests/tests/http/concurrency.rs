//! Many clients advancing one product at the same moment: every member's scorecard at once,
//! each sent twice concurrently under its idempotency key as a client retrying would; one
//! command fired by many clients under one key; many writers with the same `If-Match`; a
//! burst of complaints. No lost update, no duplicate, the right 409s.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use super::lifecycle::{LamDong, council, dossier, registration};
use super::support::{Answer, TestServer};
use crate::http_on_both_stores;

/// The council's size: one concurrent writer per member.
const MEMBERS: usize = 12;
/// Clients firing the same command under one key, or with the same `If-Match`.
const SAME_COMMAND: usize = 8;
/// Complaint writers and the complaints each of them records.
const WRITERS: usize = 8;
const EACH: usize = 4;

/// `POST path` with `body` from `clients` tasks at once, each with its own headers.
async fn fire(
    server: &TestServer,
    token: &str,
    path: &str,
    requests: Vec<(Value, Vec<(String, String)>)>,
) -> Vec<Answer> {
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(requests.len()));
    let tasks: Vec<_> = requests
        .into_iter()
        .map(|(body, headers)| {
            let mut request = server
                .client
                .post(format!("{}{path}", server.base))
                .bearer_auth(token)
                .header("content-type", "application/json")
                .body(body.to_string());
            for (name, value) in headers {
                request = request.header(name, value);
            }
            let barrier = barrier.clone();
            tokio::spawn(async move {
                barrier.wait().await;
                let response = request.send().await.expect("send");
                let status = response.status();
                let headers = response.headers().clone();
                let body = response.json::<Value>().await.unwrap_or(Value::Null);
                Answer {
                    status,
                    headers,
                    body,
                }
            })
        })
        .collect();
    let mut answers = Vec::new();
    for task in tasks {
        answers.push(task.await.expect("client task"));
    }
    answers
}

fn key() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// The product's history as the auditor reads it, once the read side has applied the head.
async fn history(server: &TestServer, token: &str, path: &str) -> Vec<Value> {
    let head = server
        .get(Some(token), "/api/v1/ledger/digest")
        .await
        .expect(200);
    let position = head.body["global_position"].as_i64().expect("a position");
    let h = server
        .get(
            Some(token),
            &format!("{path}/history?min_position={position}"),
        )
        .await
        .expect(200);
    h.body["events"].as_array().expect("events").clone()
}

fn of_type<'a>(events: &'a [Value], event_type: &str) -> Vec<&'a Value> {
    events
        .iter()
        .filter(|e| e["event_type"] == event_type)
        .collect()
}

async fn many_clients_advance_one_product(server: &TestServer) {
    let t = LamDong::tokens(server);
    let registered = server
        .post(
            &t.officer,
            "/api/v1/products",
            &registration("Cà phê Robusta Đắk Song"),
        )
        .await
        .expect(201);
    let path = registered.product_path();
    server
        .post(
            &t.officer,
            &format!("{path}/evaluations"),
            &dossier("2025-09-01"),
        )
        .await
        .expect(201);
    server
        .post(
            &t.officer,
            &format!("{path}/evaluations/current/local-assessment"),
            &json!({"assessed_on": "2025-09-05", "forward": true, "local_origin": true}),
        )
        .await
        .expect(201);
    server
        .post(
            &t.province,
            &format!("{path}/evaluations/current/council"),
            &council("provincial", MEMBERS, "2025-09-10"),
        )
        .await
        .expect(201);
    let before_cards = 4;

    // Every member's card at once, and each of them twice under its key (a client that
    // timed out and retried while the first attempt was still running).
    let cards: Vec<(Value, Vec<(String, String)>)> = (1..=MEMBERS)
        .flat_map(|m| {
            let total = 60 + m as u32;
            let body = json!({"member_id": format!("m{m}"), "recorded_on": "2025-09-10",
                              "part_a": 35, "part_b": 20, "part_c": total - 55,
                              "mandatory_failed": []});
            let headers = vec![("idempotency-key".to_owned(), key())];
            [(body.clone(), headers.clone()), (body, headers)]
        })
        .collect();
    let answers = fire(
        server,
        &t.province,
        &format!("{path}/evaluations/current/scorecards"),
        cards,
    )
    .await;
    let mut versions = BTreeSet::new();
    for pair in answers.chunks(2) {
        let statuses: BTreeSet<u16> = pair.iter().map(|a| a.status.as_u16()).collect();
        assert_eq!(
            statuses,
            BTreeSet::from([200, 201]),
            "one recorded, one replayed: {} / {}",
            pair[0].body,
            pair[1].body
        );
        assert_eq!(
            pair[0].body, pair[1].body,
            "a replay answers the first answer"
        );
        assert_eq!(pair[0].header("etag"), pair[1].header("etag"));
        versions.insert(pair[0].body["version"].as_i64().unwrap());
    }
    let expected: BTreeSet<i64> = (before_cards + 1..=before_cards + MEMBERS as i64).collect();
    assert_eq!(versions, expected, "every card its own version, none lost");
    let events = history(server, &t.auditor, &path).await;
    let recorded = of_type(&events, "ScorecardRecorded");
    assert_eq!(recorded.len(), MEMBERS, "one event per card, no duplicate");
    let members: BTreeSet<&str> = recorded
        .iter()
        .map(|e| e["payload"]["member_id"].as_str().unwrap())
        .collect();
    assert_eq!(members.len(), MEMBERS);
    let state = server.get(Some(&t.auditor), &path).await.expect(200);
    let scored = &state.body["current_evaluation"]["councils"][0]["scorecards"];
    assert_eq!(scored.as_array().unwrap().len(), MEMBERS, "{}", state.body);

    // One command, many clients, one key: exactly one recorded, every answer the same.
    let conclude_key = key();
    let answers = fire(
        server,
        &t.province,
        &format!("{path}/evaluations/current/conclude"),
        (0..SAME_COMMAND)
            .map(|_| {
                (
                    json!({"concluded_on": "2025-09-12"}),
                    vec![("idempotency-key".to_owned(), conclude_key.clone())],
                )
            })
            .collect(),
    )
    .await;
    let created = answers.iter().filter(|a| a.status == 201).count();
    let replayed = answers.iter().filter(|a| a.status == 200).count();
    assert_eq!(
        (created, replayed),
        (1, SAME_COMMAND - 1),
        "{:?}",
        answers
            .iter()
            .map(|a| (a.status.as_u16(), &a.body))
            .collect::<Vec<_>>()
    );
    assert!(answers.iter().all(|a| a.body == answers[0].body));
    let concluded_at = answers[0].body["version"].as_i64().unwrap();
    let events = history(server, &t.auditor, &path).await;
    assert_eq!(of_type(&events, "ScoringConcluded").len(), 1);

    // Many writers with the same If-Match: one wins, every other one is told 409 with the
    // version that won, and records nothing.
    let answers = fire(
        server,
        &t.inspector,
        &format!("{path}/complaints"),
        (0..SAME_COMMAND)
            .map(|i| {
                (
                    json!({"received_on": "2025-10-01", "source": "consumer",
                           "summary": format!("Khiếu nại số {i}")}),
                    vec![
                        ("idempotency-key".to_owned(), key()),
                        ("if-match".to_owned(), format!("\"{concluded_at}\"")),
                    ],
                )
            })
            .collect(),
    )
    .await;
    let winners: Vec<&Answer> = answers.iter().filter(|a| a.status == 201).collect();
    assert_eq!(
        winners.len(),
        1,
        "exactly one writer at version {concluded_at}"
    );
    for loser in answers.iter().filter(|a| a.status != 201) {
        assert_eq!(loser.status, 409, "{}", loser.body);
        assert_eq!(
            loser.header("content-type"),
            Some("application/problem+json")
        );
        assert_eq!(loser.body["code"], "version_conflict");
        assert_eq!(loser.body["actual_version"], concluded_at + 1);
    }
    let events = history(server, &t.auditor, &path).await;
    assert_eq!(of_type(&events, "ComplaintReceived").len(), 1);

    // A burst of complaints without If-Match from several writers: every one recorded once.
    let burst: Vec<(Value, Vec<(String, String)>)> = (0..WRITERS * EACH)
        .map(|i| {
            (
                json!({"received_on": "2025-10-02", "source": "press",
                       "summary": format!("Phản ánh {i}")}),
                vec![("idempotency-key".to_owned(), key())],
            )
        })
        .collect();
    let mut burst_answers = Vec::new();
    for chunk in burst.chunks(WRITERS * EACH / EACH) {
        burst_answers.extend(
            fire(
                server,
                &t.inspector,
                &format!("{path}/complaints"),
                chunk.to_vec(),
            )
            .await,
        );
    }
    assert!(
        burst_answers.iter().all(|a| a.status == 201),
        "{:?}",
        burst_answers
            .iter()
            .map(|a| (a.status.as_u16(), &a.body))
            .collect::<Vec<_>>()
    );
    let positions: BTreeSet<i64> = burst_answers
        .iter()
        .map(|a| a.body["global_position"].as_i64().unwrap())
        .collect();
    assert_eq!(
        positions.len(),
        WRITERS * EACH,
        "every answer its own event"
    );

    // The stream is gapless, every event once, every summary once; the chain verifies.
    let events = history(server, &t.auditor, &path).await;
    let versions: Vec<i64> = events
        .iter()
        .map(|e| e["version"].as_i64().unwrap())
        .collect();
    let total = before_cards as usize + MEMBERS + 1 + 1 + WRITERS * EACH;
    assert_eq!(versions, (1..=total as i64).collect::<Vec<_>>());
    let mut summaries: BTreeMap<&str, usize> = BTreeMap::new();
    for e in of_type(&events, "ComplaintReceived") {
        *summaries
            .entry(e["payload"]["summary"].as_str().unwrap())
            .or_default() += 1;
    }
    assert_eq!(summaries.len(), 1 + WRITERS * EACH);
    assert!(summaries.values().all(|n| *n == 1));
    let commands: BTreeSet<&str> = events
        .iter()
        .map(|e| e["command_id"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(commands.len(), total, "one command per event, none twice");
    let verified = server
        .get(Some(&t.auditor), "/api/v1/ledger/verify")
        .await
        .expect(200);
    assert_eq!(verified.body["ok"], true, "{}", verified.body);
}
http_on_both_stores!(
    many_clients_advance_one_product_on_sqlite,
    many_clients_advance_one_product_on_postgres,
    many_clients_advance_one_product
);

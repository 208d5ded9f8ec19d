//! The conformance cases, written once against `dyn EventStore` and a [`Fixture`].

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDate;
use ocop_eventstore::{
    ActorRef, AppendOutcome, AppendRequest, EventStore, ExpectedVersion, GENESIS_HASH,
    LedgerDigest, NewEvent, StoreError, StreamRange,
};
use serde_json::{Value, json};
use uuid::Uuid;

use super::{Fixture, Kind};

const PATIENCE: Duration = Duration::from_secs(20);

fn actor() -> ActorRef {
    ActorRef {
        user: "thu.ky.tinh@quangninh".into(),
        role: "provincial_secretary".into(),
        scope: "province:22".into(),
    }
}

fn event(event_type: &str, payload: Value) -> NewEvent {
    NewEvent {
        event_id: Uuid::now_v7(),
        event_type: event_type.into(),
        schema_version: 1,
        payload,
        actor: actor(),
        rules_version: Some("qd148-2023".into()),
        occurred_on: NaiveDate::from_ymd_opt(2025, 3, 1),
    }
}

fn fingerprint() -> String {
    format!("{:064x}", Uuid::new_v4().as_u128())
}

fn request(stream_id: Uuid, expected: ExpectedVersion, events: Vec<NewEvent>) -> AppendRequest {
    AppendRequest {
        stream_id,
        expected,
        command_id: Uuid::now_v7(),
        request_hash: fingerprint(),
        correlation_id: Some(Uuid::now_v7()),
        causation_id: None,
        events,
    }
}

fn noted(n: i64) -> NewEvent {
    event(
        "NoteAdded",
        json!({"n": n, "text": "Hợp tác xã \"Mường Khương\" \\ ghi chú\n"}),
    )
}

async fn append_n(store: &Arc<dyn EventStore>, stream: Uuid, from_version: i64, n: i64) {
    for i in 0..n {
        let v = from_version + i;
        let expected = if v == 0 {
            ExpectedVersion::NoStream
        } else {
            ExpectedVersion::Exact(v)
        };
        store
            .append(request(stream, expected, vec![noted(v)]))
            .await
            .expect("append");
    }
}

/// Reads the whole log in pages and checks positions 1, 2, 3… with linked hashes.
async fn assert_gapless_chain(store: &Arc<dyn EventStore>) -> Vec<ocop_eventstore::RecordedEvent> {
    let mut all = Vec::new();
    let mut after = 0;
    let mut prev = GENESIS_HASH.to_owned();
    loop {
        let page = store.read_all(after, 97).await.unwrap();
        if page.is_empty() {
            break;
        }
        for e in page {
            assert_eq!(e.global_position, after + 1, "positions are gapless");
            assert_eq!(e.prev_hash, prev, "each event links to the previous one");
            after = e.global_position;
            prev = e.hash.clone();
            all.push(e);
        }
    }
    let head = store.head().await.unwrap();
    assert_eq!(
        head,
        LedgerDigest {
            global_position: after,
            hash: prev
        }
    );
    all
}

mod appends;
mod checkpoints;
mod groups;
mod idempotency;
mod integrity;
mod reads;
mod writers;

pub use appends::*;
pub use checkpoints::*;
pub use groups::*;
pub use idempotency::*;
pub use integrity::*;
pub use reads::*;
pub use writers::*;

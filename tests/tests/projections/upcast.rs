//! The application's stores upcast on read: a `ProductRegistered` stored at schema 1 reaches
//! the command service, the read models and the history at schema 2, while the stored row
//! keeps its schema-1 bytes.

use ocop_eventstore::{AppendRequest, ExpectedVersion, StreamRange};
use ocop_projections::command::codec::to_new_event;
use ocop_testkit::sample::Path;
use serde_json::{Value, json};
use uuid::Uuid;

use super::support::{TestDb, drive, lifecycle};
use crate::on_both_stores;

/// Turns a schema-2 `ProductRegistered` payload into the schema-1 shape (flat producer, no
/// tax code) and returns it with the schema-2 payload that upcasting it must give back.
fn as_schema_1(v2: &Value) -> (Value, Value) {
    let mut v1 = v2.clone();
    let map = v1.as_object_mut().unwrap();
    let producer = map.remove("producer").unwrap();
    map.insert("producer_name".into(), producer["name"].clone());
    map.insert("producer_kind".into(), producer["kind"].clone());
    let mut upcast = v2.clone();
    upcast["producer"]["tax_code"] = Value::Null;
    (v1, upcast)
}

async fn a_schema_1_registration_is_read_at_schema_2_everywhere(db: &TestDb) {
    let life = lifecycle(3, Path::Recognized);
    let product = life.product_id;
    let registration = ocop_domain::decide(
        &ocop_domain::ProductState::default(),
        &life.command(0, Uuid::now_v7()),
    )
    .unwrap();
    assert_eq!(registration.len(), 1);
    let mut stored = to_new_event(&registration[0]).unwrap();
    assert_eq!(
        (stored.event_type.as_str(), stored.schema_version),
        ("ProductRegistered", 2)
    );
    let (v1, v2) = as_schema_1(&stored.payload);
    stored.schema_version = 1;
    stored.payload = v1.clone();
    db.backend
        .store
        .append(AppendRequest {
            stream_id: product,
            expected: ExpectedVersion::NoStream,
            command_id: Uuid::now_v7(),
            request_hash: "ab".repeat(32),
            correlation_id: None,
            causation_id: None,
            events: vec![stored],
        })
        .await
        .unwrap();

    // The rest of the lifecycle is decided on the upcast registration.
    let service = db.service();
    drive(&service, &life, 1..life.steps.len()).await;
    let loaded = service.load(product).await.unwrap();
    assert_eq!(loaded.state.producer.as_ref().unwrap().tax_code, None);

    // Read through the application's backend: schema 2.
    let events = db
        .backend
        .store
        .read_stream(product, StreamRange::all())
        .await
        .unwrap();
    assert_eq!((events[0].schema_version, &events[0].payload), (2, &v2));
    let first_page = db.backend.store.read_all(0, 1).await.unwrap();
    assert_eq!(first_page[0], events[0]);

    // Read without an upcaster: the stored row is the schema-1 row, and the chain is over it.
    let raw = ocop_eventstore::open(&db.url).await.unwrap();
    let raw_first = &raw.read_stream(product, StreamRange::all()).await.unwrap()[0];
    assert_eq!((raw_first.schema_version, &raw_first.payload), (1, &v1));
    assert_eq!(raw_first.hash, events[0].hash);
    assert!(raw.verify(None).await.unwrap().ok);

    // The read models see the upcast event.
    let runner = db.runner(7).await;
    runner.catch_up().await.unwrap();
    let reads = db.reads();
    let view = reads.product(product).await.unwrap().expect("projected");
    assert_eq!(view.version, events.len() as i64);
    assert_eq!(view.state, serde_json::to_value(&loaded.state).unwrap());
    assert_eq!(
        view.state["producer"],
        json!({"name": v1["producer_name"], "kind": v1["producer_kind"], "tax_code": null})
    );
    let history = reads.history(product, 0, 1).await.unwrap();
    assert_eq!(
        (
            history[0].event_type.as_str(),
            history[0].schema_version,
            &history[0].payload
        ),
        ("ProductRegistered", 2, &v2)
    );

    // A rebuild from zero reads it the same way.
    let live = reads.dump().await.unwrap();
    runner.rebuild("all", |_| {}).await.unwrap();
    assert_eq!(reads.dump().await.unwrap(), live);
}

on_both_stores!(
    schema_1_registration_is_upcast_on_sqlite,
    schema_1_registration_is_upcast_on_postgres,
    a_schema_1_registration_is_read_at_schema_2_everywhere
);

//! Reads: version and time ranges, the log stream by stream, upcasting.

use super::*;

pub async fn read_stream_honours_version_and_time_ranges(fx: &Fixture) {
    let store = fx.store().await;
    let stream = Uuid::now_v7();
    let other = Uuid::now_v7();
    let mut outcomes = Vec::new();
    for v in 0..5 {
        let expected = if v == 0 {
            ExpectedVersion::NoStream
        } else {
            ExpectedVersion::Exact(v)
        };
        outcomes.push(
            store
                .append(request(stream, expected, vec![noted(v)]))
                .await
                .unwrap(),
        );
        store
            .append(request(other, ExpectedVersion::Any, vec![noted(v)]))
            .await
            .unwrap();
    }
    let versions = |events: Vec<ocop_eventstore::RecordedEvent>| {
        events.into_iter().map(|e| e.version).collect::<Vec<_>>()
    };
    let read = |range| store.read_stream(stream, range);
    assert_eq!(
        versions(read(StreamRange::all()).await.unwrap()),
        vec![1, 2, 3, 4, 5]
    );
    let range = StreamRange {
        from_version: 2,
        to_version: Some(4),
        recorded_until: None,
    };
    assert_eq!(versions(read(range).await.unwrap()), vec![2, 3, 4]);
    let range = StreamRange {
        from_version: 4,
        ..StreamRange::all()
    };
    assert_eq!(versions(read(range).await.unwrap()), vec![4, 5]);
    let range = StreamRange {
        recorded_until: Some(outcomes[2].recorded_at),
        ..StreamRange::all()
    };
    assert_eq!(versions(read(range).await.unwrap()), vec![1, 2, 3]);
    let before_first = outcomes[0].recorded_at - chrono::Duration::microseconds(1);
    let range = StreamRange {
        recorded_until: Some(before_first),
        ..StreamRange::all()
    };
    assert!(read(range).await.unwrap().is_empty());
    let range = StreamRange {
        from_version: 6,
        ..StreamRange::all()
    };
    assert!(read(range).await.unwrap().is_empty());
    // recorded_at never decreases along the log.
    let all = store.read_all(0, 100).await.unwrap();
    assert!(all.windows(2).all(|w| w[0].recorded_at <= w[1].recorded_at));
}

/// Reading the log stream by stream: every event up to the given position exactly once,
/// each stream's events together and in version order, streams in id order, pages
/// continuing from the key of the last event read; nothing after the position.
pub async fn the_log_read_stream_by_stream_holds_every_event_once(fx: &Fixture) {
    let store = fx.store().await;
    // Seven streams written in turns, so that each one's events are spread over the log.
    let streams: Vec<Uuid> = (0..7).map(|_| Uuid::new_v4()).collect();
    for round in 0..4_i64 {
        for (i, stream) in streams.iter().enumerate() {
            let n = 1 + (i as i64 + round) % 3;
            let expected = if round == 0 {
                ExpectedVersion::NoStream
            } else {
                ExpectedVersion::Any
            };
            let events = (0..n).map(noted).collect();
            store
                .append(request(*stream, expected, events))
                .await
                .unwrap();
        }
    }
    let up_to = store.head().await.unwrap().global_position;
    // Written after the position asked for: not read.
    store
        .append(request(streams[0], ExpectedVersion::Any, vec![noted(99)]))
        .await
        .unwrap();

    for page_size in [1, 4, 1_000] {
        let mut read = Vec::new();
        let mut after = None;
        loop {
            let page = store
                .read_streams_stored(after, up_to, page_size)
                .await
                .unwrap();
            assert!(page.len() <= page_size);
            let Some(last) = page.last() else { break };
            after = Some((last.stream_id, last.version));
            read.extend(page);
        }
        let keys: Vec<(Uuid, i64)> = read.iter().map(|e| (e.stream_id, e.version)).collect();
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(keys, sorted, "stream by stream, versions in order");
        let mut positions: Vec<i64> = read.iter().map(|e| e.global_position).collect();
        positions.sort_unstable();
        assert_eq!(
            positions,
            (1..=up_to).collect::<Vec<_>>(),
            "every event once"
        );
        for stream in &streams {
            let versions: Vec<i64> = read
                .iter()
                .filter(|e| e.stream_id == *stream)
                .map(|e| e.version)
                .collect();
            let n = versions.len() as i64;
            assert_eq!(versions, (1..=n).collect::<Vec<_>>());
        }
        // The same events as the log in position order, payloads as stored.
        let by_position = store.read_all_stored(0, 1_000).await.unwrap();
        for e in &read {
            assert_eq!(e, &by_position[(e.global_position - 1) as usize]);
        }
    }
}

/// The real example: `ProductRegistered` schema 1 had a flat producer; schema 2 nests it.
fn product_registered_v1_to_v2(
    event_type: &str,
    schema_version: i32,
    payload: Value,
) -> Result<(i32, Value), String> {
    match (event_type, schema_version) {
        ("ProductRegistered", 1) => {
            let Value::Object(mut map) = payload else {
                return Err("payload is not an object".into());
            };
            let name = map.remove("producer_name").ok_or("no producer_name")?;
            let kind = map.remove("producer_kind").ok_or("no producer_kind")?;
            map.insert(
                "producer".into(),
                json!({"name": name, "kind": kind, "tax_code": null}),
            );
            Ok((2, Value::Object(map)))
        }
        _ => Ok((schema_version, payload)),
    }
}

pub async fn old_schema_versions_are_upcast_on_read_and_hashed_as_stored(fx: &Fixture) {
    let store = fx.store_with(product_registered_v1_to_v2).await;
    let stream = Uuid::now_v7();
    let old = json!({"name": "Mật ong bạc hà", "producer_name": "HTX Mèo Vạc", "producer_kind": "cooperative"});
    store
        .append(request(
            stream,
            ExpectedVersion::NoStream,
            vec![event("ProductRegistered", old.clone())],
        ))
        .await
        .unwrap();
    let e = &store.read_stream(stream, StreamRange::all()).await.unwrap()[0];
    assert_eq!(e.schema_version, 2);
    assert_eq!(
        e.payload,
        json!({"name": "Mật ong bạc hà", "producer": {"name": "HTX Mèo Vạc", "kind": "cooperative", "tax_code": null}})
    );
    assert_eq!(store.read_all(0, 10).await.unwrap()[0], *e);
    // The stored bytes are the schema-1 bytes, and the chain is over them.
    let stored = fx
        .texts("SELECT payload FROM events WHERE global_position = 1")
        .await;
    assert_eq!(serde_json::from_str::<Value>(&stored[0]).unwrap(), old);
    // Read without parsing: the stored text at the stored version, the same envelope.
    let unparsed = &store.read_all_stored(0, 10).await.unwrap()[0];
    assert_eq!(unparsed.payload, stored[0]);
    assert_eq!(
        (
            unparsed.schema_version,
            unparsed.global_position,
            &unparsed.hash
        ),
        (1, e.global_position, &e.hash)
    );
    assert!(store.verify(None).await.unwrap().ok);
    // Without the upcaster the same row reads as it was written.
    let plain = fx.store_with(ocop_eventstore::no_upcast).await;
    let raw = &plain.read_stream(stream, StreamRange::all()).await.unwrap()[0];
    assert_eq!((raw.schema_version, &raw.payload), (1, &old));
    assert_eq!(raw.hash, e.hash);
}

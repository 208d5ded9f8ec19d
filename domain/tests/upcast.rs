//! Upcasting older stored payloads to the current schema.

use ocop_domain::EventBody;
use ocop_domain::events::{EVENT_TYPES, ProducerKind, current_schema_version};
use ocop_domain::upcast::{UpcastError, upcast, upcast_to_current};
use serde_json::json;

fn product_registered_v1() -> serde_json::Value {
    json!({
        "type": "ProductRegistered",
        "product_id": "00000000-0000-0000-0000-000000000001",
        "name": "Mật ong hoa cà phê",
        "producer_name": "HTX Nông nghiệp Đắk Song",
        "producer_kind": "cooperative",
        "product_group": "food",
        "product_set": "Mật ong",
        "province": "68",
        "commune": "24730",
        "district": null,
        "local_code": null,
        "registered_on": "2025-08-01"
    })
}

#[test]
fn product_registered_is_at_schema_version_2() {
    assert_eq!(current_schema_version("ProductRegistered"), Some(2));
}

#[test]
fn a_flat_v1_producer_is_nested_without_a_tax_code() {
    let v2 = upcast("ProductRegistered", 1, product_registered_v1()).unwrap();
    assert_eq!(
        v2["producer"],
        json!({"name": "HTX Nông nghiệp Đắk Song", "kind": "cooperative", "tax_code": null})
    );
    assert!(v2.get("producer_name").is_none());
    let EventBody::ProductRegistered(e) = serde_json::from_value::<EventBody>(v2).unwrap() else {
        panic!("not a registration")
    };
    assert_eq!(e.producer.kind, ProducerKind::Cooperative);
    assert_eq!(e.producer.tax_code, None);
    assert_eq!(e.name, "Mật ong hoa cà phê");
}

#[test]
fn a_current_payload_passes_unchanged() {
    let golden: serde_json::Value =
        serde_json::from_str(include_str!("golden/ProductRegistered.v2.json")).unwrap();
    assert_eq!(
        upcast("ProductRegistered", 2, golden.clone()).unwrap(),
        golden
    );
    for (event_type, version) in EVENT_TYPES {
        let payload = json!({"type": event_type});
        assert_eq!(
            upcast(event_type, *version, payload.clone()).unwrap(),
            payload
        );
    }
}

#[test]
fn the_event_store_shape_returns_the_current_version() {
    let (version, payload) =
        upcast_to_current("ProductRegistered", 1, product_registered_v1()).unwrap();
    assert_eq!(version, 2);
    assert!(payload["producer"].is_object());
    assert!(upcast_to_current("Nonsense", 1, json!({})).is_err());
}

#[test]
fn unknown_event_types_are_rejected() {
    assert_eq!(
        upcast("ProductRenamed", 1, json!({})),
        Err(UpcastError::UnknownEventType {
            event_type: "ProductRenamed".into()
        })
    );
}

#[test]
fn unknown_schema_versions_are_rejected() {
    for version in [0, 3, -1] {
        assert_eq!(
            upcast("ProductRegistered", version, product_registered_v1()),
            Err(UpcastError::UnknownSchemaVersion {
                event_type: "ProductRegistered".into(),
                schema_version: version
            })
        );
    }
    assert!(upcast("RecognitionDecided", 2, json!({})).is_err());
}

#[test]
fn a_v1_payload_without_its_producer_fields_is_malformed() {
    let mut payload = product_registered_v1();
    payload.as_object_mut().unwrap().remove("producer_kind");
    let err = upcast("ProductRegistered", 1, payload).unwrap_err();
    assert_eq!(
        err.to_string(),
        "malformed ProductRegistered v1: producer_kind is missing"
    );
    assert!(upcast("ProductRegistered", 1, json!([1, 2])).is_err());
}

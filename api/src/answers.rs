//! The OpenAPI schemas of the reads' answers. The product state is the domain's
//! `ProductState`, whose schema is derived from the type itself (`ApiDoc`); the envelopes
//! around it and the other answers are assembled from JSON by the handlers, so their schemas
//! are written here, as JSON Schema (OpenAPI 3.1): the fields the contract names, required,
//! and the others integrators use. Each read's `200` points at its schema.
//! `tests/tests/http/contract.rs` checks real answers against them, so the document and the
//! answers cannot drift apart unnoticed.

use serde_json::{Map, Value, json};

/// The schema each read answers with: `(path, schema)`.
pub const ANSWERS: &[(&str, &str)] = &[
    ("/api/v1/products", "ProductList"),
    ("/api/v1/products/{id}", "ProductAnswer"),
    ("/api/v1/products/{id}/history", "ProductHistory"),
    ("/api/v1/products/{id}/audit", "ProductAudit"),
    ("/api/v1/audits/decisions", "DecisionAudit"),
    ("/api/v1/ledger/digest", "LedgerDigest"),
    ("/api/v1/ledger/verify", "LedgerVerification"),
    ("/api/v1/ledger/checkpoints", "LedgerCheckpoints"),
    ("/api/v1/ledger/public-key", "CheckpointKey"),
    ("/api/v1/audits/tokens", "IssuedTokens"),
    ("/api/v1/stats", "Stats"),
    ("/api/v1/events", "EventPage"),
    ("/api/v1/public/products/{key}", "PublicProduct"),
    ("/api/v1/public/revocations", "PublicRevocations"),
];

/// Adds the answers' schemas to `doc` (an OpenAPI document as JSON) and points each read's
/// `200` answer at its schema.
pub fn describe(doc: &mut Value) {
    let Value::Object(defined) = schemas() else {
        unreachable!("the schemas are an object")
    };
    let components = doc["components"]["schemas"]
        .as_object_mut()
        .expect("the document has component schemas");
    components.extend(defined);
    for (path, schema) in ANSWERS {
        let ok = &mut doc["paths"][*path]["get"]["responses"]["200"];
        assert!(ok.is_object(), "GET {path} has no documented 200 answer");
        ok["content"] = json!({"application/json": {"schema": reference(schema)}});
    }
}

fn reference(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

/// An object with these `required` properties (others in `properties` are optional);
/// further properties may appear.
fn object(required: &[&str], properties: Value) -> Value {
    json!({"type": "object", "required": required, "properties": properties})
}

/// `schema` or null.
fn or_null(schema: Value) -> Value {
    json!({"oneOf": [schema, {"type": "null"}]})
}

fn text() -> Value {
    json!({"type": "string"})
}

fn text_or_null() -> Value {
    json!({"type": ["string", "null"]})
}

fn date() -> Value {
    json!({"type": "string", "format": "date"})
}

fn date_or_null() -> Value {
    json!({"type": ["string", "null"], "format": "date"})
}

fn id() -> Value {
    json!({"type": "string", "format": "uuid"})
}

fn integer() -> Value {
    json!({"type": "integer"})
}

fn list(items: Value) -> Value {
    json!({"type": "array", "items": items})
}

fn schemas() -> Value {
    let mut s = Map::new();
    let mut put = |name: &str, schema: Value| {
        s.insert(name.to_owned(), schema);
    };
    put(
        "ValidOn",
        object(
            &[
                "product_id",
                "date",
                "recognized",
                "recognition",
                "as_of_version",
            ],
            json!({
                "product_id": id(),
                "date": date(),
                "recognized": {"type": "boolean"},
                "recognition": or_null(reference("Recognition")),
                "as_of_version": integer(),
            }),
        ),
    );
    put(
        "ProductAnswer",
        json!({"oneOf": [reference("ProductState"), reference("ValidOn")],
               "description": "the product state; with valid_on, whether it was recognised on that date"}),
    );
    put(
        "ProductList",
        object(
            &["items", "next_cursor"],
            json!({"items": list(reference("ProductState")), "next_cursor": text_or_null()}),
        ),
    );
    put(
        "LedgerEvent",
        object(
            &[
                "global_position",
                "event_id",
                "event_type",
                "schema_version",
                "version",
                "actor",
                "command_id",
                "recorded_at",
                "payload",
                "prev_hash",
                "hash",
            ],
            json!({
                "global_position": integer(),
                "stream_id": id(),
                "product_id": id(),
                "version": integer(),
                "event_id": id(),
                "event_type": text(),
                "schema_version": integer(),
                "actor": object(&["user", "role", "scope"],
                    json!({"user": text(), "role": text(), "scope": text()})),
                "command_id": id(),
                "correlation_id": {"type": ["string", "null"], "format": "uuid"},
                "causation_id": {"type": ["string", "null"], "format": "uuid"},
                "rules_version": text_or_null(),
                "occurred_on": {"type": ["string", "null"], "format": "date"},
                "decision_no": text_or_null(),
                "recorded_at": {"type": "string", "format": "date-time"},
                "payload": {"type": "object"},
                "prev_hash": text(),
                "hash": text(),
            }),
        ),
    );
    put(
        "ProductHistory",
        object(
            &["product_id", "version", "events", "next_after"],
            json!({"product_id": id(), "version": integer(),
                   "events": list(reference("LedgerEvent")),
                   "next_after": {"type": ["integer", "null"]}}),
        ),
    );
    put(
        "EventPage",
        object(
            &["events", "next_after"],
            json!({"events": list(reference("LedgerEvent")),
                   "next_after": {"type": ["integer", "null"]}}),
        ),
    );
    put(
        "Finding",
        object(
            &["code", "severity", "detail", "global_position"],
            json!({
                "code": text(),
                "severity": {"type": "string", "enum": ["error", "warning", "info"]},
                "detail": text(),
                "global_position": integer(),
            }),
        ),
    );
    put(
        "AuditedDecision",
        object(
            &[
                "product_id",
                "global_position",
                "kind",
                "decided_on",
                "findings",
                "rederived",
            ],
            json!({
                "product_id": id(),
                "global_position": integer(),
                "event_id": id(),
                "kind": text(),
                "level": text_or_null(),
                "stars": {"type": ["integer", "null"]},
                "rules_version": text_or_null(),
                "decision_no": text_or_null(),
                "decided_on": date_or_null(),
                "authority": text_or_null(),
                "province": text(),
                "findings": list(reference("Finding")),
                "rederived": {"type": "object",
                              "description": "what the recorded inputs give under the rules of the decision's own date"},
            }),
        ),
    );
    put(
        "ProductAudit",
        object(
            &["product_id", "decisions", "findings"],
            json!({"product_id": id(), "decisions": list(reference("AuditedDecision")),
                   "findings": list(reference("Finding"))}),
        ),
    );
    put(
        "DecisionAudit",
        object(
            &[
                "decisions",
                "decisions_checked",
                "decisions_with_findings",
                "findings_by_code",
            ],
            json!({
                "decisions": list(reference("AuditedDecision")),
                "decisions_checked": integer(),
                "decisions_with_findings": integer(),
                "findings_by_code": {"type": "object", "additionalProperties": integer()},
                "filter": {"type": "object"},
                "next_after": {"type": ["integer", "null"]},
            }),
        ),
    );
    put(
        "LedgerDigest",
        object(
            &["global_position", "hash"],
            json!({"global_position": integer(), "hash": text()}),
        ),
    );
    put(
        "LedgerVerification",
        object(
            &[
                "ok",
                "events_checked",
                "head",
                "first_broken_position",
                "digest_mismatch",
            ],
            json!({
                "ok": {"type": "boolean"},
                "events_checked": integer(),
                "head": reference("LedgerDigest"),
                "first_broken_position": {"type": ["integer", "null"]},
                "digest_mismatch": or_null(object(
                    &["global_position", "kept_hash", "recorded_hash"],
                    json!({
                        "global_position": integer(),
                        "kept_hash": text(),
                        "recorded_hash": {"type": ["string", "null"]},
                    }),
                )),
            }),
        ),
    );
    put(
        "LedgerCheckpoints",
        object(
            &["items", "next_before"],
            json!({
                "items": list(object(
                    &["global_position", "hash", "signed_at", "key_id", "signature"],
                    json!({
                        "global_position": integer(),
                        "hash": text(),
                        "signed_at": {"type": "string", "format": "date-time"},
                        "key_id": text(),
                        "signature": text(),
                    }),
                )),
                "next_before": {"type": ["integer", "null"]},
            }),
        ),
    );
    put(
        "CheckpointKey",
        object(
            &["algorithm", "public_key", "key_id"],
            json!({"algorithm": text(), "public_key": text(), "key_id": text()}),
        ),
    );
    put(
        "IssuedTokens",
        object(
            &["items", "next_before"],
            json!({
                "items": list(object(
                    &["token_id", "subject", "role", "scope", "issued_at", "expires_at", "issued_by"],
                    json!({
                        "token_id": id(),
                        "subject": text(),
                        "role": text(),
                        "scope": text(),
                        "issued_at": {"type": "string", "format": "date-time"},
                        "expires_at": {"type": "string", "format": "date-time"},
                        "issued_by": text(),
                    }),
                )),
                "next_before": {"type": ["string", "null"], "format": "date-time"},
            }),
        ),
    );
    put(
        "Stats",
        object(
            &["group_by", "total", "counts"],
            json!({
                "group_by": list(text()),
                "total": integer(),
                "counts": list(object(&["count"], json!({"count": integer()}))),
            }),
        ),
    );
    put(
        "PublicProduct",
        object(
            &[
                "product_id",
                "name",
                "producer",
                "stars",
                "valid_until",
                "status",
            ],
            json!({
                "product_id": id(),
                "name": text(),
                "producer": text(),
                "product_group": text(),
                "province": text(),
                "stars": {"type": ["integer", "null"]},
                "valid_until": date_or_null(),
                "status": text(),
                "certificate_no": text_or_null(),
                "decision_no": text_or_null(),
                "authority": text_or_null(),
            }),
        ),
    );
    put(
        "PublicRevocations",
        object(
            &["items"],
            json!({"items": list(object(
                &["product_id", "name", "decided_on", "decision_no", "authority", "grounds"],
                json!({
                    "product_id": id(),
                    "name": text(),
                    "producer": text(),
                    "province": text(),
                    "stars": {"type": ["integer", "null"]},
                    "certificate_no": text_or_null(),
                    "recognition_decision_no": text_or_null(),
                    "decided_on": date(),
                    "decision_no": text_or_null(),
                    "authority": text_or_null(),
                    "grounds": list(text()),
                    "details": text_or_null(),
                }),
            ))}),
        ),
    );
    Value::Object(s)
}

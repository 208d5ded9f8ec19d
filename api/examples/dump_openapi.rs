fn main() {
    let doc = ocop_api::app::openapi();
    for (name, s) in doc["components"]["schemas"].as_object().unwrap() {
        if serde_json::from_value::<utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>>(
            s.clone(),
        )
        .is_err()
        {
            println!("{name}: {s}");
        }
    }
    for (path, ops) in doc["paths"].as_object().unwrap() {
        if serde_json::from_value::<utoipa::openapi::path::PathItem>(ops.clone()).is_err() {
            println!("{path}");
        }
    }
}

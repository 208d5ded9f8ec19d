//! The read side: the read models' tables, the projection runner that keeps them from the
//! log, the `products` projection, and the queries the HTTP layer and the web pages ask
//! (one read path for a product, ADR 0004).

pub(crate) mod history;
pub(crate) mod products;
pub mod query;
pub mod runner;
pub mod schema;

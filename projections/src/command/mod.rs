//! The command side: the command service that loads a product's stream, decides and
//! appends (with the idempotency key and the expected version), and the codec between
//! domain events and the store's records.

pub mod codec;
pub mod service;

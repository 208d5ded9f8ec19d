//! End-to-end tests: a real server on port 0 over a fresh SQLite file and a fresh
//! PostgreSQL database, driven over HTTP as integrators drive it.

mod answers;
mod audit;
mod bounds;
mod communes;
mod concurrency;
mod contract;
mod decisions;
mod exports;
mod hostile;
mod keys_and_tokens;
pub mod lifecycle;
mod openapi;
mod producers;
mod regulation;
pub mod support;
mod units;
mod walkthrough;

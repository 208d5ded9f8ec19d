//! The HTTP API (axum) and the `ocop` command line of the OCOP ledger.

pub mod auth;
pub mod cli;
pub mod error;
pub mod metrics;
pub mod run;
pub mod server;

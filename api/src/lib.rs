//! The HTTP API (axum) and the `ocop` command line of the OCOP ledger.

pub mod answers;
pub mod app;
pub mod audit_report;
pub mod auth;
pub mod checkpoint;
pub mod cli;
pub mod error;
pub mod export;
pub mod extract;
pub mod metrics;
pub mod routes;
pub mod run;
pub mod server;
pub mod throttle;
pub mod web;

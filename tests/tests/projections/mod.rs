//! Projections, the command service, as-of replay and timers, on SQLite and PostgreSQL.

mod queries;
mod runner;
mod service;
pub(crate) mod support;
mod timers;
mod upcast;
mod verify;

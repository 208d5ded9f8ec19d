//! The ministry audit, the legacy import and the ledger's independent verification, on
//! SQLite and PostgreSQL.

mod clean;
mod findings;
mod import;
mod ledger;
mod support;

//! Who may use the service: staff accounts of the web interface with their sessions, and
//! the register of the bearer tokens the server signed.

pub mod accounts;
pub mod tokens;

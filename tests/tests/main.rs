//! The one integration-test binary.

mod audit;
mod demo;
mod http;
pub mod projections;
mod store;

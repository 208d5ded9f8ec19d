//! The one integration-test binary.

mod audit;
mod http;
mod projections;
mod store;

//! The one integration-test binary.

mod audit;
mod demo;
mod http;
mod projections;
mod store;

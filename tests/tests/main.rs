//! The one integration-test binary.

mod audit;
mod browser;
mod demo;
mod http;
mod projections;
mod store;

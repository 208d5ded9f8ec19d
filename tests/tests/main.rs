//! The one integration-test binary.

mod audit;
mod browser;
mod citations;
mod demo;
mod http;
mod projections;
mod store;

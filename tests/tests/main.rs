//! The one integration-test binary.

mod audit;
mod projections;
mod store;

//! The one integration-test binary.

mod projections;
mod store;

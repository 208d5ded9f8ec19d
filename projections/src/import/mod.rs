//! What operators load from files: a province's legacy list of recognised products
//! (`ocop import`) and the statistics office's commune succession (`ocop units import`),
//! with the look-ups that compare places with it.

pub mod legacy;
pub mod units;

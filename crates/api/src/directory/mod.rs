//! `/designations`: the convention's designated contacts (measure 1).

pub mod dto;
pub mod handlers;

pub use handlers::*;

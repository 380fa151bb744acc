//! `/legal-holds` and `/retention-runs`: what suspends a record's end, and the runs that anonymise
//! the records past it.

pub mod dto;
pub mod handlers;

pub use handlers::*;

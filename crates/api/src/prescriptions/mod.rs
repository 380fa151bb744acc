//! `/prescription-alerts`: the bailleur's incidents about to be prescribed with nothing done.

pub mod dto;
pub mod handlers;

pub use handlers::*;

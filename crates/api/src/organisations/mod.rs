//! `/organisations`: the convention's parties, and their people and API clients.

pub mod dto;
pub mod handlers;

pub use handlers::*;

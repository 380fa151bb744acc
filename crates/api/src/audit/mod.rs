//! `/audit`: the append-only, hash-chained audit trail, for the platform admin.

pub mod dto;
pub mod handlers;

pub use handlers::*;

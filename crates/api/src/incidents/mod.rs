//! `/incidents`: intake from bailleurs' ERPs and front-ends, qualification, routing to the
//! convention's contacts, lifecycle.

pub mod dto;
pub mod handlers;

pub use handlers::*;

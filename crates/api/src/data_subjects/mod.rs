//! `/data-subject-requests`: the DPO's answers to a person's requests (access, erasure).

pub mod dto;
pub mod handlers;

pub use handlers::*;

//! `/access-journal`: who read which personal offence data, when and why, for the organisation's
//! data protection officer (and the platform admin), hash-chained and verifiable.

pub mod dto;
pub mod handlers;

pub use handlers::*;

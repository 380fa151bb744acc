//! `/bans`: the préfet's bans from premises (art. L.22-11-1 CSI) and their acknowledgement by the
//! landlord and the police.

pub mod dto;
pub mod handlers;

pub use handlers::*;

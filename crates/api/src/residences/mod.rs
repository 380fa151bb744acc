//! `/residences` and `/staff`: a bailleur's property and front-line people, synced from its ERP.

pub mod dto;
pub mod handlers;

pub use handlers::*;

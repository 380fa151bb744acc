//! `/offences` (the qualification catalogue) and `/natinf/imports` (loading the official list).

pub mod dto;
pub mod handlers;

pub use handlers::*;

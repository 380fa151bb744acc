//! `/sworn-agents`: the files of a bailleur's sworn agents (commission, aptitude, agrément, oath,
//! suspension, withdrawal). Whether an agent is active on a day is computed by the domain from the
//! file, never stored.

pub mod dto;
pub mod handlers;

pub use handlers::*;

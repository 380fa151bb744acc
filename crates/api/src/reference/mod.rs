//! `/communes`, `/circonscriptions`, `/commune-mappings`: the geography that routes every record to
//! its police circonscription, as dated, editable reference data.

pub mod dto;
pub mod handlers;

pub use handlers::*;

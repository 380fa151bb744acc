//! `/pvs`: procès-verbaux drawn up by sworn agents, checked against the agent's file, numbered per
//! bailleur and year, signed (then immutable, with a content hash), corrected by new revisions, and
//! followed to their deadline. Transmissions to the parquet are in [`crate::pv_transmissions`].

pub mod dto;
pub mod handlers;

pub use handlers::*;

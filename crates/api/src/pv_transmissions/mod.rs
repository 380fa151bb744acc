//! `/pv-transmissions`: PVs sent together to the parquet with their transmission slip (bordereau),
//! as JSON and as a printable HTML page; the parquet acknowledges receipt. A PV sent after its
//! deadline is flagged void, never silently accepted.

pub mod dto;
pub mod handlers;

pub use handlers::*;

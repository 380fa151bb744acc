//! `/imports`: bulk import of incidents from CSV or NDJSON as a job (see `vigie_app::imports`).

pub mod dto;
pub mod handlers;

pub use handlers::*;

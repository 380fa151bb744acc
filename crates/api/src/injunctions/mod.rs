//! `/injunctions`: the préfet's injunctions to a landlord to sue for a lease's termination (art.
//! L.442-4-3 CCH), their deadlines and the steps of each party.

pub mod dto;
pub mod handlers;

pub use handlers::*;

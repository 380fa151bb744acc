//! `/complaints`: simplified complaints built from incidents, routed to the competent circonscription
//! and the parquet, followed through registration, orientation and the TADPR track to their outcome;
//! each step notifies the designated contacts (`/notifications`).

pub mod dto;
pub mod handlers;

pub use handlers::*;

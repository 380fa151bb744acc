//! `/webhooks`: an organisation's subscriptions to the change feed, and their delivery log. The
//! deliveries themselves are made by the server's worker (`vigie::webhooks`).

pub mod dto;
pub mod handlers;

pub use handlers::*;

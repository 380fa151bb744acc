//! Vigie's HTTP API: handlers per resource, DTOs, authentication and authorisation, RFC 9457 errors
//! and the OpenAPI contract. [`build_app`] gives the whole application without a socket.

// Errors carry their problem details (field list, headers); they are the rare path, so their size
// does not matter and boxing them would only add noise.
#![allow(clippy::result_large_err)]

pub mod app;
pub mod audit;
pub mod auth;
pub mod complaints;
pub mod directory;
pub mod error;
pub mod feed;
pub mod http;
pub mod imports;
pub mod incidents;
pub mod offences;
pub mod openapi;
pub mod ops;
pub mod organisations;
pub mod pagination;
pub use vigie_app::policy;
pub mod principals;
pub mod pv_transmissions;
pub mod pvs;
pub mod rate_limit;
pub mod reference;
pub mod residences;
pub mod responses;
pub mod state;
pub mod sworn_agents;
pub mod token;
pub mod webhooks;

pub use app::{build_app, openapi};
pub use state::{AppState, Limits};

//! Vigie's HTTP API: one folder per resource (routes, wire types, thin handlers calling the use cases
//! of `vigie_app`), the shared web infrastructure in [`web`], and the OpenAPI contract.
//! [`build_app`] gives the whole application without a socket. This crate never touches storage.

// Errors carry their problem details (field list, headers); they are the rare path, so their size
// does not matter and boxing them would only add noise.
#![allow(clippy::result_large_err)]

pub mod web;

// Resources.
pub mod access_journal;
pub mod audit;
pub mod bans;
pub mod complaints;
pub mod data_subjects;
pub mod directory;
pub mod feed;
pub mod imports;
pub mod incidents;
pub mod injunctions;
pub mod offences;
pub mod ops;
pub mod organisations;
pub mod prescriptions;
pub mod principals;
pub mod problems;
pub mod pv_transmissions;
pub mod pvs;
pub mod reference;
pub mod residences;
pub mod retention;
pub mod sworn_agents;
pub mod token;
pub mod webhooks;

// Assembly.
pub mod app;
pub mod openapi;

// The infrastructure under its short names (`crate::auth::Caller`, `crate::error::ApiResult`...).
pub use web::{auth, documents, error, http, pagination, rate_limit, responses, state};

pub use app::{build_app, openapi};
pub use state::{AppState, Limits};

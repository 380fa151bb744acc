//! Vigie's use cases, between the entry points (HTTP, bulk import jobs, command line, background
//! jobs) and storage. One module per resource, one public function per thing a caller does; each
//! takes the caller and its input and owns its transaction, permission check, visibility, audit
//! record and feed event. No HTTP type here: refusals are [`AppError`]s that each entry point
//! presents in its own way.

// Refusals carry their field list; they are the rare path, so their size does not matter.
#![allow(clippy::result_large_err)]

pub mod access_journal;
mod announce;
pub mod audit;
pub mod auth;
pub mod bans;
pub mod calendar;
pub mod caller;
pub mod complaints;
pub mod context;
pub mod data_subjects;
pub mod deliveries;
pub mod directory;
pub mod documents;
pub mod error;
pub mod feed;
mod group_commit;
pub mod idempotency;
pub mod imports;
pub mod incidents;
pub mod injunctions;
pub mod login_brake;
pub mod offences;
pub mod organisations;
pub mod page;
pub mod patch;
pub mod policy;
pub mod prescriptions;
pub mod principals;
pub mod problems;
pub mod process;
pub mod pv_transmissions;
pub mod pvs;
pub mod reference;
pub mod residences;
pub mod retention;
pub mod revocation;
pub mod sworn_agents;
pub mod webhook_target;
pub mod webhooks;

pub use caller::Caller;
pub use context::{App, Security};
pub use error::{AppError, AppResult, ErrorKind, FieldError};
pub use page::{Listed, PageRequest};

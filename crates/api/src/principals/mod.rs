//! `/organisations/{org_id}/people` and `/organisations/{org_id}/api-clients`: the principals of an
//! organisation, managed by its admin or the platform admin.

pub mod dto;
pub mod handlers;

pub use handlers::*;

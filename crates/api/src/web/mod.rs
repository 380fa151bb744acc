//! The web infrastructure every resource shares: application state, the bearer-token extractor,
//! problem+json errors, JSON bodies, ETags and Idempotency-Key, pagination links, the documented
//! error responses, rate limiting, and the contract's bounds on every input. Nothing here imports a resource module.

pub mod auth;
pub mod contract;
pub mod documents;
pub mod error;
pub mod http;
pub mod pagination;
pub mod rate_limit;
pub mod responses;
pub mod semantics;
pub mod state;

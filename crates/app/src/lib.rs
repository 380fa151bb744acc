//! Vigie's use cases, between the entry points (HTTP, bulk import jobs, command line, background
//! jobs) and storage. One module per resource, one public function per thing a caller does; each
//! takes the caller and its input and owns its transaction, permission check, visibility, audit
//! record and feed event. No HTTP type here: refusals are [`AppError`]s that each entry point
//! presents in its own way.

pub mod caller;
pub mod context;
pub mod directory;
pub mod error;
pub mod idempotency;
pub mod imports;
pub mod incidents;
pub mod page;
pub mod policy;

pub use caller::Caller;
pub use context::App;
pub use error::{AppError, AppResult, ErrorKind, FieldError};
pub use page::{Listed, PageRequest};

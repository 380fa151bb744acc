//! The wire types of `/imports`.

use serde::Deserialize;
use utoipa::IntoParams;
pub use vigie_app::imports::{ImportError, ImportJob, Mode};
use vigie_domain::import::Format;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// `csv` or `ndjson` (default: from `Content-Type`: `text/csv`, `application/x-ndjson`).
    #[param(inline)]
    pub format: Option<Format>,
    /// Default `all_or_nothing`.
    #[param(inline)]
    pub mode: Option<Mode>,
    /// Check every row and count what would change, write nothing.
    #[serde(default)]
    pub dry_run: bool,
}

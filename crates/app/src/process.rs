//! This process, as the owner of the background jobs it runs (imports, retention runs). Several
//! replicas share one database: a job records its owner and the owner's heartbeat, and another
//! process takes a job over only once its owner stopped beating.

use std::sync::OnceLock;

/// This process's id: new at each start, so a restarted process does not claim its former jobs.
pub fn id() -> &'static str {
    static ID: OnceLock<String> = OnceLock::new();
    ID.get_or_init(vigie_store::new_id)
}

//! Vigie's storage: one diesel code path over SQLite (embedded default) and PostgreSQL (production).
//!
//! Ids are generated here (UUIDv7 as text: time-ordered, so they double as keyset cursors) and
//! timestamps are UTC `NaiveDateTime`; nothing relies on `RETURNING` or `ON CONFLICT`, which diesel's
//! multi-backend connection cannot express.

pub mod audit;
pub mod bans;
pub mod complaints;
pub mod credentials;
pub mod data_subjects;
pub mod db;
pub mod designations;
pub mod error;
pub mod events;
pub mod idempotency;
pub mod imports;
pub mod incidents;
pub mod injunctions;
pub mod journal;
pub mod login_failures;
pub mod offences;
pub mod organisations;
pub mod prescriptions;
pub mod principals;
pub mod pvs;
pub mod reference;
pub mod residences;
pub mod retention;
pub mod revocations;
pub mod schema;
pub mod seed;
pub mod sworn_agents;
pub mod webhooks;

use chrono::{NaiveDateTime, SubsecRound, Utc};

pub use db::{DatabaseUrl, DbConn, Pool, PoolOptions, PooledConn};
pub use error::{StoreError, StoreResult};

/// A new time-ordered identifier.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Now, to the microsecond (what PostgreSQL keeps), so that a value reads back exactly as written.
pub fn now() -> NaiveDateTime {
    Utc::now().naive_utc().trunc_subsecs(6)
}

/// Roles are stored as a JSON array of their names.
pub fn encode_roles(roles: &[vigie_domain::Role]) -> String {
    serde_json::to_string(roles).unwrap_or_else(|_| "[]".into())
}

pub fn decode_roles(text: &str) -> StoreResult<Vec<vigie_domain::Role>> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("roles `{text}`: {e}")))
}

/// The storage handle shared by every request: the pool and which backend it talks to.
#[derive(Clone)]
pub struct Store {
    pool: Pool,
    backend: &'static str,
    /// SQLite has one writer at a time. Taking turns here, rather than in SQLite's busy handler
    /// (which sleeps and retries), keeps write latency flat under concurrent requests.
    sqlite_writer: Option<std::sync::Arc<std::sync::Mutex<()>>>,
    /// Opens connections outside the pool, with the pool's settings.
    connector: std::sync::Arc<db::Manager>,
}

impl Store {
    /// Opens the pool and applies pending migrations.
    pub fn open(url: &DatabaseUrl, opts: &PoolOptions) -> StoreResult<Self> {
        let (pool, connector) = db::open_pool(url, opts)?;
        let sqlite_writer = matches!(url, DatabaseUrl::Sqlite(_))
            .then(|| std::sync::Arc::new(std::sync::Mutex::new(())));
        let store = Self {
            pool,
            backend: url.backend_name(),
            sqlite_writer,
            connector: std::sync::Arc::new(connector),
        };
        store.with_conn(|c| db::run_migrations(c).map(|_| ()))?;
        Ok(store)
    }

    pub fn backend(&self) -> &'static str {
        self.backend
    }

    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    /// A connection of its own, outside the pool, for a long-lived worker (so that it never takes
    /// one of the pool's from the requests, however small the pool).
    pub fn connect(&self) -> StoreResult<DbConn> {
        use diesel::r2d2::ManageConnection;
        self.connector
            .connect()
            .map_err(|e| StoreError::Unavailable(e.to_string()))
    }

    /// Runs `f` on a pooled connection (blocking: call from a blocking thread).
    pub fn with_conn<T>(&self, f: impl FnOnce(&mut DbConn) -> StoreResult<T>) -> StoreResult<T> {
        self.with_conn_as(f)
    }

    /// [`Store::with_conn`] for work with its own error type.
    pub fn with_conn_as<T, E: From<StoreError>>(
        &self,
        f: impl FnOnce(&mut DbConn) -> Result<T, E>,
    ) -> Result<T, E> {
        let mut conn = self.pool.get().map_err(StoreError::from)?;
        f(&mut conn)
    }

    /// Runs `f` in a write transaction (see [`db::write_tx`]).
    pub fn write<T>(&self, f: impl FnOnce(&mut DbConn) -> StoreResult<T>) -> StoreResult<T> {
        self.write_as(f)
    }

    /// [`Store::write`] for work with its own error type.
    pub fn write_as<T, E>(&self, f: impl FnOnce(&mut DbConn) -> Result<T, E>) -> Result<T, E>
    where
        E: From<StoreError> + From<diesel::result::Error>,
    {
        let mut conn = self.pool.get().map_err(StoreError::from)?;
        self.write_on(&mut conn, f)
    }

    /// Runs `f` in a write transaction on a connection the caller holds.
    pub fn write_on<T, E>(
        &self,
        conn: &mut DbConn,
        f: impl FnOnce(&mut DbConn) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<diesel::result::Error>,
    {
        // A poisoned lock only means another writer panicked; the database itself rolled back.
        let _turn = self
            .sqlite_writer
            .as_ref()
            .map(|m| m.lock().unwrap_or_else(std::sync::PoisonError::into_inner));
        db::write_tx(conn, f)
    }

    /// Refreshes the planner's statistics (after a bulk load).
    pub fn analyze(&self) -> StoreResult<()> {
        use diesel::connection::SimpleConnection;
        self.with_conn(|c| c.batch_execute("ANALYZE").map_err(StoreError::from))
    }

    /// Whether the database answers now.
    pub fn ping(&self) -> StoreResult<()> {
        use diesel::connection::SimpleConnection;
        self.with_conn(|c| c.batch_execute("SELECT 1").map_err(StoreError::from))
    }
}

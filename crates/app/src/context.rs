//! The application's handle: storage and what the use cases cache, and how blocking database work
//! runs off the async executor.

use std::sync::Arc;

use vigie_store::{DbConn, Store, StoreError};

use crate::access_journal::JournalWrite;
use crate::directory::RoutingCache;
use crate::error::{AppError, AppResult};
use crate::group_commit::GroupCommit;
use crate::login_brake::LoginBrake;
use crate::revocation::Revocations;

/// The operator's security settings, shared by every entry point.
#[derive(Debug, Clone)]
pub struct Security {
    /// The longest lifetime of a token this deployment accepts, Vigie's own or an identity
    /// provider's: a revocation is kept that long.
    pub token_lifetime: std::time::Duration,
    /// How old a process's copy of the revocations may be before a request reloads it.
    pub revocation_refresh: std::time::Duration,
    /// The per-account brake on password guessing.
    pub login_brake: LoginBrake,
    /// Whether webhooks may target private, loopback and link-local addresses (on-premises ERPs,
    /// tests). Off by default.
    pub webhook_allow_private: bool,
    /// Whether reads of personal offence data are journaled (always in service; off only to
    /// measure what the journal costs, `make bench`).
    pub access_journal: bool,
}

impl Default for Security {
    fn default() -> Self {
        Self {
            token_lifetime: std::time::Duration::from_secs(24 * 3600),
            revocation_refresh: std::time::Duration::from_secs(2),
            login_brake: LoginBrake::default(),
            webhook_allow_private: false,
            access_journal: true,
        }
    }
}

/// Connections of the pool: open, idle, and the most it opens.
#[derive(Debug, Clone, Copy)]
pub struct PoolStats {
    pub connections: u32,
    pub idle: u32,
    pub max: u32,
}

/// Everything a use case needs besides its caller and input. Cheap to clone.
#[derive(Clone)]
pub struct App {
    pub(crate) store: Store,
    /// What incidents' routing reads often: recent contacts, commune and circonscription names.
    pub(crate) routing: Arc<RoutingCache>,
    pub(crate) security: Arc<Security>,
    /// This process's copy of the token revocations.
    pub(crate) revocations: Arc<Revocations>,
    /// The access journal's entries of concurrent reads, committed together.
    pub(crate) journal: Arc<GroupCommit<JournalWrite>>,
}

impl App {
    pub fn new(store: Store, routing_ttl: std::time::Duration) -> Self {
        Self {
            journal: Arc::new(crate::access_journal::group_commit(store.clone())),
            store,
            routing: Arc::new(RoutingCache::new(routing_ttl)),
            revocations: Arc::new(Revocations::new(Security::default().revocation_refresh)),
            security: Arc::new(Security::default()),
        }
    }

    /// The same application with the operator's security settings.
    pub fn with_security(self, security: Security) -> Self {
        Self {
            revocations: Arc::new(Revocations::new(security.revocation_refresh)),
            security: Arc::new(security),
            ..self
        }
    }

    /// The security settings in force.
    pub fn security(&self) -> &Security {
        &self.security
    }

    /// Which database this is (`sqlite` or `postgres`).
    pub fn backend(&self) -> &'static str {
        self.store.backend()
    }

    /// The storage handle, for the process's own plumbing (pool gauges, maintenance jobs).
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Runs blocking database work on the runtime's blocking pool.
    pub(crate) async fn db<T, F>(&self, f: F) -> AppResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> AppResult<T> + Send + 'static,
    {
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = store.pool().get().map_err(StoreError::from)?;
            f(&mut conn)
        })
        .await
        .map_err(|e| {
            if e.is_panic() {
                AppError::internal_because(format!("a database task panicked: {e}"))
            } else {
                AppError::unavailable("the server is shutting down; retry shortly")
            }
        })?
    }

    /// Runs `f` in a write transaction on the blocking pool; any error rolls everything back.
    pub(crate) async fn tx<T, F>(&self, f: F) -> AppResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> AppResult<T> + Send + 'static,
    {
        let store = self.store.clone();
        self.db(move |conn| store.write_on(conn, f)).await
    }

    /// The connection pool's state, for the metrics.
    pub fn pool_stats(&self) -> PoolStats {
        let pool = self.store.pool();
        let s = pool.state();
        PoolStats {
            connections: s.connections,
            idle: s.idle_connections,
            max: pool.max_size(),
        }
    }

    /// Whether the database answers now.
    pub async fn ping(&self) -> AppResult<()> {
        let store = self.store.clone();
        self.db(move |_| Ok(store.ping()?)).await
    }
}

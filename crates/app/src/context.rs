//! The application's handle: storage and what the use cases cache, and how blocking database work
//! runs off the async executor.

use std::sync::Arc;

use vigie_store::{DbConn, Store, StoreError};

use crate::directory::RoutingCache;
use crate::error::{AppError, AppResult};

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
}

impl App {
    pub fn new(store: Store, routing_ttl: std::time::Duration) -> Self {
        Self {
            store,
            routing: Arc::new(RoutingCache::new(routing_ttl)),
        }
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

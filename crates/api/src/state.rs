//! What every request handler shares: storage, token keys, limits.

use actix_web::web;
use vigie_store::{DbConn, Store, StoreError};

use crate::auth::TokenKeys;
use crate::error::{ApiError, ApiResult};
use crate::rate_limit::RateLimiter;

#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest JSON body accepted (413 above).
    pub max_body_bytes: usize,
    /// Largest CSV upload accepted (NATINF list), 413 above.
    pub max_import_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_body_bytes: 1024 * 1024,
            max_import_bytes: 64 * 1024 * 1024,
        }
    }
}

pub struct AppState {
    pub store: Store,
    pub tokens: TokenKeys,
    /// Authenticated requests, per principal.
    pub rate_limiter: RateLimiter,
    /// Token requests, per client address (slows down password guessing).
    pub token_rate_limiter: RateLimiter,
    pub limits: Limits,
    pub cors_origins: Vec<String>,
    /// Request counts and latencies by route and status, plus the pool gauges (`/metrics`).
    pub metrics: actix_web_prom::PrometheusMetrics,
    /// The use cases.
    pub app: vigie_app::App,
}

impl From<diesel::result::Error> for ApiError {
    fn from(e: diesel::result::Error) -> Self {
        StoreError::from(e).into()
    }
}

impl AppState {
    /// Runs blocking database work on actix's blocking pool.
    pub async fn db<T, F>(&self, f: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> ApiResult<T> + Send + 'static,
    {
        let store = self.store.clone();
        web::block(move || {
            let mut conn = store.pool().get().map_err(StoreError::from)?;
            f(&mut conn)
        })
        .await?
    }

    /// Runs `f` in a write transaction on the blocking pool; any error rolls everything back.
    pub async fn tx<T, F>(&self, f: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> ApiResult<T> + Send + 'static,
    {
        let store = self.store.clone();
        self.db(move |conn| store.write_on(conn, f)).await
    }
}

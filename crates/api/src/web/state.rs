//! What every request handler shares: the use cases, token keys, limits.

use crate::auth::TokenKeys;
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
    pub tokens: TokenKeys,
    /// Authenticated requests, per principal.
    pub rate_limiter: RateLimiter,
    /// Token requests, per client address (slows down password guessing).
    pub token_rate_limiter: RateLimiter,
    pub limits: Limits,
    pub cors_origins: Vec<String>,
    /// Where problem `type` URIs point: `{public_url}/problems/{code}`, or `/problems/{code}`
    /// (resolved against the request's own URL) when no public URL is set.
    pub problem_base: std::sync::Arc<str>,
    /// Request counts and latencies by route and status, plus the pool gauges (`/metrics`).
    pub metrics: actix_web_prom::PrometheusMetrics,
    /// The use cases.
    pub app: vigie_app::App,
}

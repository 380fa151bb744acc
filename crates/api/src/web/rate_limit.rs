//! Per-principal rate limiting (token bucket). Limits are per server process: behind N replicas a
//! principal gets up to N times the rate, which is fine for its purpose (protecting each replica).

use std::num::NonZeroU32;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter as Governor};

use crate::error::ApiError;

pub struct RateLimiter {
    inner: Option<DefaultKeyedRateLimiter<String>>,
    clock: DefaultClock,
}

impl RateLimiter {
    /// `per_second` = 0 disables limiting.
    pub fn new(per_second: u32, burst: u32) -> Self {
        let inner = NonZeroU32::new(per_second).map(|rate| {
            let burst = NonZeroU32::new(burst).unwrap_or(rate);
            Governor::keyed(Quota::per_second(rate).allow_burst(burst))
        });
        Self {
            inner,
            clock: DefaultClock::default(),
        }
    }

    pub fn check(&self, key: &str) -> Result<(), ApiError> {
        let Some(limiter) = &self.inner else {
            return Ok(());
        };
        limiter.check_key(&key.to_owned()).map_err(|not_until| {
            let wait = not_until.wait_time_from(self.clock.now());
            let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            let mut e = ApiError::new(
                actix_web::http::StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                format!("too many requests; retry in {} s", secs.max(1)),
            );
            e.retry_after = Some(secs.max(1));
            e
        })
    }

    /// Drops the state of keys that are back to a full bucket (called periodically).
    pub fn shrink(&self) {
        if let Some(l) = &self.inner {
            l.retain_recent();
            l.shrink_to_fit();
        }
    }
}

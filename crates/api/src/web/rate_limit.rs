//! Per-principal rate limiting (token bucket). Limits are per server process: behind N replicas a
//! principal gets up to N times the rate, which is fine for its purpose (protecting each replica).

use std::num::NonZeroU32;

use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter as Governor};

use crate::error::ApiError;

pub struct RateLimiter {
    inner: Option<DefaultKeyedRateLimiter<String, StateInformationMiddleware>>,
    clock: DefaultClock,
    per_second: u32,
    burst: u32,
}

/// Where a principal stands against its limit after a request, for the `RateLimit` headers
/// (draft-ietf-httpapi-ratelimit-headers): the policy's quota and window, what remains of it, and
/// when the bucket is full again.
#[derive(Debug, Clone, Copy)]
pub struct RateState {
    pub quota: u32,
    pub window_secs: u64,
    pub remaining: u32,
    pub reset_secs: u64,
}

impl RateState {
    /// `RateLimit-Policy` and `RateLimit` header values.
    pub fn headers(&self) -> (String, String) {
        (
            format!("\"principal\";q={};w={}", self.quota, self.window_secs),
            format!("\"principal\";r={};t={}", self.remaining, self.reset_secs),
        )
    }
}

impl RateLimiter {
    /// `per_second` = 0 disables limiting.
    pub fn new(per_second: u32, burst: u32) -> Self {
        let inner = NonZeroU32::new(per_second).map(|rate| {
            let burst = NonZeroU32::new(burst).unwrap_or(rate);
            Governor::keyed(Quota::per_second(rate).allow_burst(burst))
                .with_middleware::<StateInformationMiddleware>()
        });
        Self {
            inner,
            clock: DefaultClock::default(),
            per_second,
            burst: burst.max(per_second),
        }
    }

    /// Counts a request of `key`: where it stands (`None` when limiting is off), or a 429.
    pub fn check(&self, key: &str) -> Result<Option<RateState>, ApiError> {
        let Some(limiter) = &self.inner else {
            return Ok(None);
        };
        // Seconds for an empty bucket to fill up again at the sustained rate.
        let window = u64::from(self.burst.div_ceil(self.per_second.max(1)));
        limiter
            .check_key(&key.to_owned())
            .map(|snapshot| {
                let remaining = snapshot.remaining_burst_capacity();
                let missing = self.burst.saturating_sub(remaining);
                Some(RateState {
                    quota: self.burst,
                    window_secs: window.max(1),
                    remaining,
                    reset_secs: u64::from(missing.div_ceil(self.per_second.max(1))),
                })
            })
            .map_err(|not_until| {
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

    /// The state of a principal refused for `retry_after` seconds.
    pub fn exhausted(&self, retry_after: u64) -> Option<RateState> {
        self.inner.as_ref()?;
        Some(RateState {
            quota: self.burst,
            window_secs: u64::from(self.burst.div_ceil(self.per_second.max(1))).max(1),
            remaining: 0,
            reset_secs: retry_after,
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

//! The per-account brake on password guessing. After a few consecutive failures an account name is
//! locked for a while, growing with each further failure; while it is locked every attempt, even
//! with the right password, answers 429 with `Retry-After`. Names that do not exist are braked the
//! same way, so the brake tells nothing about which logins exist. The per-address brake of the
//! token endpoint stays in front of it.

use std::time::Duration;

/// The brake's settings.
#[derive(Debug, Clone, Copy)]
pub struct LoginBrake {
    /// Consecutive failures allowed before the first lock (0 disables the brake).
    pub free_failures: i64,
    /// The first lock; it doubles with each failure after it.
    pub first_lock: Duration,
    /// The longest lock.
    pub longest_lock: Duration,
    /// A streak of failures is forgotten this long after its last failure.
    pub forget_after: Duration,
}

impl Default for LoginBrake {
    fn default() -> Self {
        Self {
            free_failures: 5,
            first_lock: Duration::from_secs(30),
            longest_lock: Duration::from_secs(15 * 60),
            forget_after: Duration::from_secs(24 * 3600),
        }
    }
}

impl LoginBrake {
    /// How long an account is locked after its `failures`-th consecutive failure, if at all.
    pub fn lock_after(&self, failures: i64) -> Option<Duration> {
        if self.free_failures <= 0 || failures < self.free_failures {
            return None;
        }
        let doublings = u32::try_from(failures - self.free_failures)
            .unwrap_or(u32::MAX)
            .min(20);
        Some(
            self.first_lock
                .saturating_mul(2u32.saturating_pow(doublings))
                .min(self.longest_lock),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_start_after_the_free_failures_double_and_are_capped() {
        let b = LoginBrake::default();
        assert_eq!(b.lock_after(4), None);
        assert_eq!(b.lock_after(5), Some(Duration::from_secs(30)));
        assert_eq!(b.lock_after(6), Some(Duration::from_secs(60)));
        assert_eq!(b.lock_after(8), Some(Duration::from_secs(240)));
        assert_eq!(b.lock_after(10), Some(Duration::from_secs(900)));
        assert_eq!(b.lock_after(i64::MAX), Some(Duration::from_secs(900)));
        let off = LoginBrake {
            free_failures: 0,
            ..b
        };
        assert_eq!(off.lock_after(1000), None);
    }
}

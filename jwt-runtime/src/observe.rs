//! What the library tells operators through `tracing`, all under the target `axum_jwt_guard`:
//! one INFO event per refused request (its reason, status, method and route, and where known
//! the token's `alg`, `kid`, `iss` and, for a verified token, the identity), a DEBUG span
//! around each admission, and rate-limited WARN events when the revocation store or an
//! identity provider fails. Never a token, a signature, a secret or a cookie value.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// The `tracing` target of every event and span of the library.
pub(crate) const TARGET: &str = "axum_jwt_guard";

/// The longest header or claim value written to a log line (they come from the request).
#[cfg(feature = "axum")]
const MAX_HINT_CHARS: usize = 64;

/// What a refused token says about itself, read unverified for the log line only: its
/// header's `alg` and `kid` and its payload's `iss`, each cut to 64 characters.
#[cfg(feature = "axum")]
#[derive(Default)]
pub(crate) struct Hints {
    pub(crate) alg: Option<String>,
    pub(crate) kid: Option<String>,
    pub(crate) iss: Option<String>,
}

/// A value from a token, bounded for a log line.
#[cfg(feature = "axum")]
pub(crate) fn bounded(value: &str) -> String {
    value.chars().take(MAX_HINT_CHARS).collect()
}

/// At most one event per second from one place; the ones held back are counted into the
/// next, so a store that is down for an hour writes an hour of lines, not millions.
pub(crate) struct RateLimit {
    last_second: AtomicU64,
    held_back: AtomicU64,
}

impl RateLimit {
    pub(crate) const fn new() -> Self {
        Self {
            last_second: AtomicU64::new(0),
            held_back: AtomicU64::new(0),
        }
    }

    /// `Some(held back since the last one)` when an event may be written now.
    pub(crate) fn allow(&self) -> Option<u64> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let last = self.last_second.load(Ordering::Relaxed);
        if now > last
            && self
                .last_second
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            return Some(self.held_back.swap(0, Ordering::Relaxed));
        }
        self.held_back.fetch_add(1, Ordering::Relaxed);
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_event_a_second_and_the_rest_counted() {
        let limit = RateLimit::new();
        assert_eq!(limit.allow(), Some(0));
        for _ in 0..5 {
            assert_eq!(limit.allow(), None);
        }
        // A second later (simulated), the next one says how many were held back.
        limit.last_second.fetch_sub(1, Ordering::Relaxed);
        assert_eq!(limit.allow(), Some(5));
    }

    #[cfg(feature = "axum")]
    #[test]
    fn values_from_a_token_are_bounded() {
        assert_eq!(bounded(&"é".repeat(100)).chars().count(), 64);
        assert_eq!(bounded("k1"), "k1");
    }
}

//! [`Clock`]: the one clock a handle reads for every time check and every new token, so that
//! tests can replace it (feature `testing`: [`ManualClock`]).

use std::time::{SystemTime, UNIX_EPOCH};

#[cfg(any(test, feature = "testing"))]
use std::sync::{Arc, atomic::AtomicU64, atomic::Ordering};

/// Milliseconds since the Unix epoch of the system clock (0 before 1970: nothing panics).
fn system_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// The clock of one handle: the system clock, or (feature `testing`) a [`ManualClock`].
#[derive(Clone, Debug, Default)]
pub(crate) enum Clock {
    #[default]
    System,
    #[cfg(any(test, feature = "testing"))]
    Manual(ManualClock),
}

impl Clock {
    /// Milliseconds since the Unix epoch.
    pub(crate) fn now_ms(&self) -> u64 {
        match self {
            Clock::System => system_ms(),
            #[cfg(any(test, feature = "testing"))]
            Clock::Manual(clock) => clock.now_ms(),
        }
    }

    /// Seconds since the Unix epoch: what `iat`, `exp` and `nbf` hold.
    pub(crate) fn now(&self) -> u64 {
        self.now_ms() / 1000
    }
}

/// A clock that stands still until a test moves it; hand it to
/// `JwtBuilder::clock` and every time check of that handle (expiry, `nbf`, `iat`, refresh
/// lifetimes, the refresh grace window, "log out everywhere") reads it instead of the system
/// clock, so that tests need not sleep.
///
/// ```
/// use std::time::Duration;
/// use axum_jwt_guard_runtime::{AuthError, Jwt, testing::ManualClock};
///
/// let clock = ManualClock::starting_now();
/// let jwt = Jwt::builder().secret([7u8; 32]).clock(clock.clone()).build()?;
/// let token = jwt.access_token("alice").expires_in(Duration::from_secs(60)).sign()?;
/// clock.advance(Duration::from_secs(61 + 5)); // the lifetime and the default leeway
/// assert_eq!(jwt.verify_access::<()>(&token).err(), Some(AuthError::Expired));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[cfg(any(test, feature = "testing"))]
#[derive(Clone, Debug)]
pub struct ManualClock {
    ms: Arc<AtomicU64>,
}

#[cfg(any(test, feature = "testing"))]
impl ManualClock {
    /// A clock reading the system time now, then standing still.
    pub fn starting_now() -> Self {
        Self::at_millis(system_ms())
    }

    /// A clock reading `ms` milliseconds since the Unix epoch.
    pub fn at_millis(ms: u64) -> Self {
        Self {
            ms: Arc::new(AtomicU64::new(ms)),
        }
    }

    /// Moves the clock forward (every clone of it moves).
    pub fn advance(&self, by: std::time::Duration) {
        let by = u64::try_from(by.as_millis()).unwrap_or(u64::MAX);
        // Relaxed: tests move the clock between steps, never race it.
        let _ = self
            .ms
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |ms| {
                Some(ms.saturating_add(by))
            });
    }

    /// Milliseconds since the Unix epoch.
    pub fn now_ms(&self) -> u64 {
        self.ms.load(Ordering::Relaxed)
    }
}

//! Keys fetched over HTTP (feature `oidc`): a JWKS URL or OpenID discovery, refreshed in the
//! background, single-flight, rate-limited by a cooldown, and held through an outage for a
//! bounded time (`SECURITY.md` J3-J5).
//!
//! Requests read the current key set through a read lock that is never held across an
//! `await`; a fetch runs in its own task, so a request that stops waiting does not cancel it.

use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

/// Key-fetch failures: warnings, at most one a second.
static FETCH_WARNINGS: crate::observe::RateLimit = crate::observe::RateLimit::new();

use jsonwebtoken::Algorithm;
use reqwest::header::{ACCEPT, CACHE_CONTROL};
use serde::Deserialize;
use tokio::sync::watch;

use super::clock::Clock;
use super::jwks::{JwksError, KeySet};
use super::provider::{IdentityProvider, Keys, RefreshPolicy};
use crate::error::ConfigError;

/// Why keys could not be fetched. The last good keys stay in use (up to the outage limit).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeysError {
    /// The URL is not `https` (and not plain `http` to loopback, unless allowed).
    #[error(
        "refusing to fetch keys from {0}: https only (plain http to loopback, or allow_plain_http)"
    )]
    InsecureUrl(String),
    /// The connection failed or timed out.
    #[error("fetching {url} failed: {reason}")]
    Unreachable {
        /// The URL.
        url: String,
        /// What the client said.
        reason: String,
    },
    /// The server answered with a status other than 2xx.
    #[error("{url} answered {status}")]
    Status {
        /// The URL.
        url: String,
        /// The status code.
        status: u16,
    },
    /// The document is larger than the configured maximum.
    #[error("{url} sent more than {max} bytes")]
    TooLarge {
        /// The URL.
        url: String,
        /// The maximum.
        max: usize,
    },
    /// The discovery document is not JSON, lacks `jwks_uri`, or names another issuer.
    #[error("discovery at {url}: {reason}")]
    Discovery {
        /// The discovery URL.
        url: String,
        /// What is wrong.
        reason: String,
    },
    /// The key document was refused.
    #[error("{url}: {error}")]
    Jwks {
        /// The JWKS URL.
        url: String,
        /// Why.
        error: JwksError,
    },
}

/// Where the keys are fetched from.
enum Target {
    Jwks(String),
    Discovery {
        issuer: String,
        /// The `jwks_uri` of the last successful discovery; cleared when a fetch fails, so
        /// that the next attempt discovers again.
        jwks_uri: RwLock<Option<String>>,
    },
}

/// A fetch result: the document and its `Cache-Control: max-age`.
struct Fetched {
    body: Vec<u8>,
    max_age: Option<Duration>,
}

struct Fetcher {
    client: reqwest::Client,
    target: Target,
    policy: RefreshPolicy,
}

/// Whether `url` may be fetched: `https`, or `http` to loopback (or with the opt-in).
fn check_url(url: &str, allow_plain_http: bool) -> Result<reqwest::Url, KeysError> {
    let insecure = || KeysError::InsecureUrl(url.to_owned());
    let parsed = reqwest::Url::parse(url).map_err(|_| insecure())?;
    match parsed.scheme() {
        "https" => Ok(parsed),
        "http" if allow_plain_http => Ok(parsed),
        "http" => {
            let host = parsed.host_str().unwrap_or_default();
            let host = host.trim_start_matches('[').trim_end_matches(']');
            let loopback = host.eq_ignore_ascii_case("localhost")
                || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback());
            if loopback {
                Ok(parsed)
            } else {
                Err(insecure())
            }
        }
        _ => Err(insecure()),
    }
}

/// `max-age` of a `Cache-Control` value; `no-store`/`no-cache` count as zero.
fn max_age(value: &str) -> Option<Duration> {
    let mut age = None;
    for directive in value.split(',').map(str::trim) {
        let (name, arg) = match directive.split_once('=') {
            Some((n, a)) => (n.trim(), Some(a.trim().trim_matches('"'))),
            None => (directive, None),
        };
        if name.eq_ignore_ascii_case("no-store") || name.eq_ignore_ascii_case("no-cache") {
            return Some(Duration::ZERO);
        }
        if name.eq_ignore_ascii_case("max-age") {
            age = arg
                .and_then(|a| a.parse::<u64>().ok())
                .map(Duration::from_secs);
        }
    }
    age
}

/// A client error with its causes ("error sending request" alone says little).
fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        return "timed out".to_owned();
    }
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[derive(Deserialize)]
struct Discovery {
    issuer: String,
    jwks_uri: String,
}

impl Fetcher {
    async fn get(&self, url: &str) -> Result<Fetched, KeysError> {
        let parsed = check_url(url, self.policy.allow_plain_http)?;
        let unreachable = |e: reqwest::Error| KeysError::Unreachable {
            url: url.to_owned(),
            reason: describe(&e),
        };
        let max = self.policy.max_bytes;
        let too_large = || KeysError::TooLarge {
            url: url.to_owned(),
            max,
        };
        let request = async {
            let mut response = self
                .client
                .get(parsed)
                .header(ACCEPT, "application/json")
                .send()
                .await
                .map_err(unreachable)?;
            let status = response.status();
            if !status.is_success() {
                return Err(KeysError::Status {
                    url: url.to_owned(),
                    status: status.as_u16(),
                });
            }
            if response
                .content_length()
                .is_some_and(|len| len > max as u64)
            {
                return Err(too_large());
            }
            let max_age = response
                .headers()
                .get(CACHE_CONTROL)
                .and_then(|v| v.to_str().ok())
                .and_then(max_age);
            let mut body = Vec::new();
            while let Some(chunk) = response.chunk().await.map_err(unreachable)? {
                if body.len() + chunk.len() > max {
                    return Err(too_large());
                }
                body.extend_from_slice(&chunk);
            }
            Ok(Fetched { body, max_age })
        };
        tokio::time::timeout(self.policy.fetch_timeout, request)
            .await
            .unwrap_or_else(|_| {
                Err(KeysError::Unreachable {
                    url: url.to_owned(),
                    reason: "timed out".to_owned(),
                })
            })
    }

    /// The OpenID discovery document's URL, when the keys come from discovery.
    #[cfg_attr(not(feature = "utoipa"), allow(dead_code))]
    pub(crate) fn discovery_url(&self) -> Option<String> {
        match &self.target {
            Target::Jwks(_) => None,
            Target::Discovery { issuer, .. } => Some(discovery_url(issuer)),
        }
    }

    /// The JWKS URL: given, or from discovery (J3: the document's `issuer` must equal the
    /// configured issuer byte for byte).
    async fn jwks_uri(&self) -> Result<String, KeysError> {
        let (issuer, cached) = match &self.target {
            Target::Jwks(url) => return Ok(url.clone()),
            Target::Discovery { issuer, jwks_uri } => (issuer, jwks_uri),
        };
        if let Some(uri) = cached.read().ok().and_then(|c| c.clone()) {
            return Ok(uri);
        }
        let url = discovery_url(issuer);
        let fetched = self.get(&url).await?;
        let bad = |reason: String| KeysError::Discovery {
            url: url.clone(),
            reason,
        };
        let doc: Discovery = serde_json::from_slice(&fetched.body)
            .map_err(|_| bad("not a JSON object with `issuer` and `jwks_uri`".into()))?;
        if doc.issuer != *issuer {
            return Err(bad(format!(
                "it names the issuer {:?}, not the configured {issuer:?}",
                doc.issuer
            )));
        }
        check_url(&doc.jwks_uri, self.policy.allow_plain_http)?;
        if let Ok(mut c) = cached.write() {
            *c = Some(doc.jwks_uri.clone());
        }
        Ok(doc.jwks_uri)
    }

    async fn fetch(&self) -> Result<(String, Fetched), KeysError> {
        let uri = self.jwks_uri().await?;
        let result = self.get(&uri).await;
        if result.is_err()
            && let Target::Discovery { jwks_uri, .. } = &self.target
            && let Ok(mut c) = jwks_uri.write()
        {
            *c = None;
        }
        result.map(|f| (uri, f))
    }
}

/// What requests read: the keys and until when they may be used.
#[derive(Default)]
struct State {
    set: Option<Arc<KeySet>>,
    /// Refresh in the background from this instant on (ms).
    fresh_until_ms: u64,
    /// Fail closed from this instant on (ms): the outage limit after the last success.
    usable_until_ms: u64,
    /// When the last fetch started (ms), for the cooldown.
    last_start_ms: Option<u64>,
    /// The error of the last fetch, if it failed.
    last_error: Option<KeysError>,
}

/// Ends a fetch: clears the in-flight flag and wakes the requests waiting for it.
struct Finish<'a>(&'a RemoteKeys);

impl Drop for Finish<'_> {
    fn drop(&mut self) {
        self.0.in_flight.store(false, Ordering::Release);
        self.0.done.send_modify(|n| *n = n.wrapping_add(1));
    }
}

/// A provider's fetched keys and the machinery that refreshes them.
pub(crate) struct RemoteKeys {
    fetcher: Fetcher,
    algorithms: Vec<Algorithm>,
    clock: Clock,
    state: RwLock<State>,
    in_flight: AtomicBool,
    /// Counts finished fetches; waiters watch it change.
    done: watch::Sender<u64>,
}

fn ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

impl RemoteKeys {
    /// The OpenID discovery document's URL, when the keys come from discovery.
    #[cfg_attr(not(feature = "utoipa"), allow(dead_code))]
    pub(crate) fn discovery_url(&self) -> Option<String> {
        self.fetcher.discovery_url()
    }

    pub(crate) fn new(provider: &IdentityProvider, clock: Clock) -> Result<Self, ConfigError> {
        let policy = provider.refresh.clone();
        let invalid = |reason: String| ConfigError::invalid("identity_provider", reason);
        let target = match &provider.keys {
            Keys::Url(url) => {
                check_url(url, policy.allow_plain_http).map_err(|e| invalid(e.to_string()))?;
                Target::Jwks(url.clone())
            }
            Keys::Discovery => {
                let issuer = provider.issuer.clone().unwrap_or_default();
                check_url(&issuer, policy.allow_plain_http).map_err(|e| invalid(e.to_string()))?;
                Target::Discovery {
                    issuer,
                    jwks_uri: RwLock::new(None),
                }
            }
            Keys::Document(_) | Keys::Secret(_) => {
                return Err(invalid("not a remote key source".into()));
            }
        };
        let client = match &provider.client {
            Some(client) => client.clone(),
            None => reqwest::Client::builder()
                .connect_timeout(policy.fetch_timeout.min(Duration::from_secs(2)))
                .timeout(policy.fetch_timeout)
                .redirect(reqwest::redirect::Policy::none())
                .user_agent(concat!("axum-jwt-guard/", env!("CARGO_PKG_VERSION")))
                .build()
                .map_err(|e| invalid(format!("the HTTP client cannot be built: {e}")))?,
        };
        Ok(Self {
            fetcher: Fetcher {
                client,
                target,
                policy,
            },
            algorithms: provider.algorithms.clone(),
            clock,
            state: RwLock::new(State::default()),
            in_flight: AtomicBool::new(false),
            done: watch::Sender::new(0),
        })
    }

    fn policy(&self) -> &RefreshPolicy {
        &self.fetcher.policy
    }

    /// The keys as of now: `None` before the first fetch and past the outage limit. Past
    /// their max age, a background refresh starts and the keys stay in use meanwhile.
    pub(crate) fn current(self: &Arc<Self>) -> Option<Arc<KeySet>> {
        let now = self.clock.now_ms();
        let (set, fresh_until, usable_until) = match self.state.read() {
            Ok(st) => (st.set.clone(), st.fresh_until_ms, st.usable_until_ms),
            Err(_) => return None,
        };
        if now >= fresh_until {
            self.start(now);
        }
        set.filter(|_| now < usable_until)
    }

    /// Whether the cooldown since the last fetch started has passed at `now`.
    fn cooled_down(st: &State, now: u64, cooldown: u64) -> bool {
        st.last_start_ms
            .is_none_or(|last| now >= last.saturating_add(cooldown))
    }

    /// Starts a fetch in the background unless one is in flight or the cooldown since the
    /// last one has not passed. Returns whether a fetch is now in flight. Requests that find
    /// the cooldown running pay one read lock, never the write lock.
    fn start(self: &Arc<Self>, now: u64) -> bool {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return false;
        };
        let cooldown = ms(self.policy().cooldown);
        if self.in_flight.load(Ordering::Acquire) {
            return true;
        }
        if !self
            .state
            .read()
            .is_ok_and(|st| Self::cooled_down(&st, now, cooldown))
        {
            return false;
        }
        if self
            .in_flight
            .compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
            .is_err()
        {
            return true;
        }
        let allowed = match self.state.write() {
            Ok(mut st) => {
                let allowed = Self::cooled_down(&st, now, cooldown);
                if allowed {
                    st.last_start_ms = Some(now);
                }
                allowed
            }
            Err(_) => false,
        };
        if !allowed {
            self.in_flight.store(false, Ordering::Release);
            return false;
        }
        let this = Arc::clone(self);
        runtime.spawn(async move { this.run().await });
        true
    }

    async fn run(self: Arc<Self>) {
        // Whatever happens to this task (even a panic), the flight ends and waiters wake.
        let _finish = Finish(&self);
        let result = self.fetcher.fetch().await;
        // Keys are parsed outside the lock; unchanged keys keep their identity.
        let previous = self.state.read().ok().and_then(|st| st.set.clone());
        let parsed = result.and_then(|(url, fetched)| {
            KeySet::parse(&fetched.body, &self.algorithms, previous.as_deref())
                .map(|set| (set, fetched.max_age))
                .map_err(|error| KeysError::Jwks { url, error })
        });
        let now = self.clock.now_ms();
        let policy = self.policy();
        if let Ok(mut st) = self.state.write() {
            match parsed {
                Ok((set, max_age)) => {
                    let age = max_age
                        .unwrap_or(policy.max_age)
                        .clamp(policy.cooldown, policy.max_age);
                    tracing::debug!(target: crate::observe::TARGET, "identity provider keys loaded");
                    st.set = Some(Arc::new(set));
                    st.fresh_until_ms = now.saturating_add(ms(age));
                    st.usable_until_ms = now.saturating_add(ms(policy.outage_limit));
                    st.last_error = None;
                }
                Err(error) => {
                    if let Some(held_back) = FETCH_WARNINGS.allow() {
                        tracing::warn!(
                            target: crate::observe::TARGET,
                            %error,
                            held_back,
                            "identity provider keys could not be refreshed; the last good keys stay in use until the outage limit"
                        );
                    }
                    // Retry after the cooldown, not at the next max age.
                    st.fresh_until_ms = now;
                    st.last_error = Some(error);
                }
            }
        }
    }

    /// Starts a refresh if the cooldown allows (or joins the one in flight) and waits for it,
    /// at most the configured wait.
    pub(crate) async fn refresh_and_wait(self: &Arc<Self>) {
        let mut finished = self.done.subscribe();
        if self.start(self.clock.now_ms()) {
            let _ = tokio::time::timeout(self.policy().wait, finished.changed()).await;
        }
    }

    /// Starts a refresh without waiting.
    pub(crate) fn kick(self: &Arc<Self>) {
        self.start(self.clock.now_ms());
    }

    /// Fetches now, whatever the cooldown (joining a fetch in flight), and waits for it up to
    /// the fetch timeout: for start-up, where an application wants to know.
    pub(crate) async fn load(self: &Arc<Self>) -> Result<(), KeysError> {
        let mut finished = self.done.subscribe();
        if let Ok(mut st) = self.state.write() {
            st.last_start_ms = None;
        }
        if self.start(self.clock.now_ms()) {
            let bound = self.policy().fetch_timeout.saturating_mul(2);
            let _ = tokio::time::timeout(bound, finished.changed()).await;
        }
        let st = self.state.read().map_err(|_| KeysError::Unreachable {
            url: String::new(),
            reason: "poisoned".into(),
        })?;
        match (&st.last_error, &st.set) {
            (Some(error), _) => Err(error.clone()),
            (None, Some(_)) => Ok(()),
            (None, None) => Err(KeysError::Unreachable {
                url: String::new(),
                reason: "no fetch could start (no async runtime)".into(),
            }),
        }
    }
}

/// Where an issuer publishes its OpenID discovery document.
fn discovery_url(issuer: &str) -> String {
    format!(
        "{}/.well-known/openid-configuration",
        issuer.trim_end_matches('/')
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_or_loopback_http() {
        for ok in [
            "https://idp.example.com/jwks",
            "http://127.0.0.1:8080/jwks",
            "http://localhost/x",
            "http://[::1]:9/x",
            "http://127.3.4.5/x",
        ] {
            assert!(check_url(ok, false).is_ok(), "{ok}");
        }
        for bad in [
            "http://idp.example.com/jwks",
            "http://10.0.0.1/x",
            "ftp://127.0.0.1/x",
            "file:///etc/passwd",
            "not a url",
            "http://localhost.evil.com/x",
        ] {
            assert!(check_url(bad, false).is_err(), "{bad}");
        }
        assert!(check_url("http://idp.example.com/jwks", true).is_ok());
    }

    #[test]
    fn cache_control() {
        assert_eq!(
            max_age("public, max-age=600"),
            Some(Duration::from_secs(600))
        );
        assert_eq!(max_age("max-age=\"60\""), Some(Duration::from_secs(60)));
        assert_eq!(max_age("no-store"), Some(Duration::ZERO));
        assert_eq!(max_age("max-age=60, no-cache"), Some(Duration::ZERO));
        assert_eq!(max_age("public"), None);
        assert_eq!(max_age("max-age=-1"), None);
    }
}

//! The token lifecycle under abuse and faults, over HTTP through the `/auth` routes: the state
//! one login can create is bounded, one account cannot deny refresh or logout to another, an
//! evicting Redis never lets a revoked or spent token through, a refresh that timed out is
//! retried without logging anyone out, "log out everywhere" covers tokens stamped within the
//! leeway, and a refresh re-reads the user.
//!
//! Time moves by a `ManualClock`, never by sleeping. The Redis scenarios start a redis-server
//! of their own (to count its keys, give it an evicting policy, or pause it).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::common::*;
use axum::Router;
use axum::routing::{get, post};
use axum_jwt_guard::testing::ManualClock;
use axum_jwt_guard::{
    AuthError, Authenticator, Jwt, JwtBuilder, MemoryStore, OnRefresh, RevocationStore, Token,
    jwt_required, scoped,
};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
struct Credentials {
    username: String,
}

#[derive(Clone)]
struct Account {
    role: &'static str,
    scopes: Vec<&'static str>,
}

/// A user database the test changes while tokens are alive (demote, delete).
#[derive(Clone, Default)]
struct Users(Arc<Mutex<HashMap<String, Account>>>);

impl Users {
    fn with(names: &[&str]) -> Self {
        let users = Users::default();
        for name in names {
            users.set(name, "USER", &["user:read"]);
        }
        users
    }

    fn set(&self, name: &str, role: &'static str, scopes: &[&'static str]) {
        let account = Account {
            role,
            scopes: scopes.to_vec(),
        };
        if let Ok(mut users) = self.0.lock() {
            users.insert(name.to_owned(), account);
        }
    }

    fn remove(&self, name: &str) {
        if let Ok(mut users) = self.0.lock() {
            users.remove(name);
        }
    }

    fn get(&self, name: &str) -> Option<(String, Account)> {
        let users = self.0.lock().ok()?;
        users.get(name).map(|a| (name.to_owned(), a.clone()))
    }
}

impl Authenticator for Users {
    type Credentials = Credentials;
    type User = (String, Account);
    type UserView = String;
    type Claims = ();

    async fn authenticate(&self, c: Credentials) -> Result<Self::User, AuthError> {
        self.get(&c.username).ok_or(AuthError::AuthenticationFailed)
    }

    fn identity(&self, user: &Self::User) -> String {
        user.0.clone()
    }

    fn scopes(&self, user: &Self::User) -> Vec<String> {
        user.1.scopes.iter().map(|s| s.to_string()).collect()
    }

    fn role(&self, user: &Self::User) -> Option<String> {
        Some(user.1.role.to_owned())
    }

    async fn retrieve_user(&self, token: &Token) -> Option<String> {
        Some(token.identity().to_owned())
    }

    async fn on_refresh(&self, token: &Token) -> Result<OnRefresh<Self::User>, AuthError> {
        Ok(match self.get(token.identity()) {
            Some(user) => OnRefresh::Reissue(user),
            None => OnRefresh::Refuse,
        })
    }
}

#[jwt_required]
async fn protected(token: Token) -> axum::Json<Value> {
    axum::Json(json!({ "identity": token.identity(), "role": token.role() }))
}

#[scoped("admin")]
async fn admin() -> &'static str {
    "admin"
}

#[jwt_required]
async fn logout_everywhere(jwt: Jwt, token: Token) -> axum::response::Response {
    use axum::response::IntoResponse;
    match jwt.revoke_all_for(token.identity()).await {
        Ok(()) => "done".into_response(),
        Err(e) => jwt.error_response(&e),
    }
}

/// An access token minted outside a login (a service token, an impersonation).
async fn mint(jwt: Jwt) -> String {
    jwt.access_token("alice").sign().unwrap_or_default()
}

fn builder(clock: &ManualClock) -> JwtBuilder {
    Jwt::builder().secret(SECRET).clock(clock.clone())
}

fn app(jwt: &Jwt, users: &Users) -> Router {
    Router::new()
        .route("/protected", get(protected))
        .route("/admin", get(admin))
        .route("/logout-everywhere", post(logout_everywhere))
        .route("/mint", post(mint))
        .layer(jwt.layer())
        .merge(jwt.auth_routes(users.clone()))
}

struct Client {
    s: Server,
}

impl Client {
    async fn start(jwt: &Jwt, users: &Users) -> Client {
        Client {
            s: serve_router(app(jwt, users)).await,
        }
    }

    async fn login(&self, name: &str) -> (String, String) {
        self.s
            .token_pair("/auth", &json!({ "username": name }))
            .await
    }

    async fn refresh(&self, refresh: &str) -> Reply {
        self.s
            .post_json("/auth/refresh", &[], &json!({ "refresh_token": refresh }))
            .await
    }

    async fn refresh_ok(&self, refresh: &str) -> (String, String) {
        self.s
            .token_pair("/auth/refresh", &json!({ "refresh_token": refresh }))
            .await
    }

    async fn logout(&self, access: &str, refresh: &str) -> Reply {
        self.s
            .post_json(
                "/auth/logout",
                &[("authorization", &format!("Bearer {access}"))],
                &json!({ "refresh_token": refresh }),
            )
            .await
    }

    async fn status(&self, path: &str, access: &str) -> Reply {
        self.s.get_bearer(path, access).await
    }
}

/// Finding 1: every refresh used to write an entry living as long as the refresh token.
#[tokio::test]
async fn ten_thousand_refreshes_of_one_login_leave_one_entry_in_memory() {
    let clock = ManualClock::starting_now();
    let store = Arc::new(MemoryStore::new());
    let jwt = builder(&clock)
        .shared_revocation_store(store.clone())
        .build()
        .unwrap();
    ten_thousand_refreshes(&jwt).await;
    assert_eq!(store.len(), 1, "one login, one entry");
}

/// One login refreshed 10,000 times in a chain (100 over HTTP, the rest through the handle,
/// for time), after which its newest tokens still work over HTTP.
async fn ten_thousand_refreshes(jwt: &Jwt) {
    let users = Users::with(&["alice"]);
    let c = Client::start(jwt, &users).await;
    let (_, mut refresh) = c.login("alice").await;
    for _ in 0..100 {
        refresh = c.refresh_ok(&refresh).await.1;
    }
    for _ in 0..9_899 {
        refresh = jwt.refresh(&refresh).await.unwrap().refresh_token.unwrap();
    }
    let (access, _) = c.refresh_ok(&refresh).await;
    assert_eq!(c.status("/protected", &access).await.status, 200);
}

#[cfg(feature = "redis")]
#[tokio::test]
async fn ten_thousand_refreshes_of_one_login_leave_one_key_in_redis() {
    let Some(redis) = OwnRedis::start(free_port(), &[]).await else {
        return;
    };
    let store = axum_jwt_guard::RedisStore::connect(&redis.url())
        .await
        .unwrap();
    let jwt = builder(&ManualClock::starting_now())
        .revocation_store(store)
        .build()
        .unwrap();
    ten_thousand_refreshes(&jwt).await;
    // The login's hash holds one field; beside it only the log of changes (bounded by time,
    // and gone after two minutes without a write) and its counter.
    let keys = redis_command(&redis.url(), &["KEYS", "*"]).await;
    let mut names: Vec<&str> = keys.lines().filter(|l| l.starts_with('{')).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "{axum-jwt-guard}:acct:0::alice",
            "{axum-jwt-guard}:log",
            "{axum-jwt-guard}:seq"
        ]
    );
    let fields = redis_command(&redis.url(), &["HLEN", "{axum-jwt-guard}:acct:0::alice"]).await;
    assert_eq!(fields, ":1\r\n");
    let ttl = redis_command(&redis.url(), &["PTTL", "{axum-jwt-guard}:log"]).await;
    let ttl: i64 = ttl.trim().trim_start_matches(':').parse().expect("a TTL");
    assert!((1..=120_000).contains(&ttl), "{ttl}");
    redis.stop().await;
}

/// Finding 1: one account looping logins and refreshes holds a bounded number of entries, and
/// a store full of other accounts' logins still serves refresh and logout of existing ones.
#[tokio::test]
async fn one_account_cannot_deny_refresh_or_logout_to_another() {
    let clock = ManualClock::starting_now();
    let store = Arc::new(MemoryStore::with_capacity(72));
    let jwt = builder(&clock)
        .shared_revocation_store(store.clone())
        .max_logins_per_identity(64)
        .build()
        .unwrap();
    let users = Users::with(&["mallory", "bob", "carol", "dave"]);
    let c = Client::start(&jwt, &users).await;
    // Mallory logs in 300 times and refreshes each login twice; each login beyond her
    // allowance ends her oldest.
    for _ in 0..300 {
        let (_, refresh) = c.login("mallory").await;
        let (_, refresh) = c.refresh_ok(&refresh).await;
        c.refresh_ok(&refresh).await;
    }
    assert_eq!(
        store.len(),
        64,
        "mallory holds at most her allowance of logins"
    );
    for _ in 0..7 {
        c.login("bob").await;
    }
    let (carol_access, carol_refresh) = c.login("carol").await;
    assert_eq!(store.len(), 72, "the store is full");
    // A new login into a full store is refused (503, retry later)...
    let r =
        c.s.post_json("/auth", &[], &json!({ "username": "dave" }))
            .await;
    assert_eq!(r.status, 503, "{r:?}");
    assert_eq!(r.reason(), "revocation_unavailable");
    assert_eq!(r.header_values("retry-after"), ["1"]);
    // ...but refresh and logout of an existing login change its entry in place.
    let (carol_access2, carol_refresh2) = c.refresh_ok(&carol_refresh).await;
    assert_eq!(c.status("/protected", &carol_access2).await.status, 200);
    assert_eq!(c.logout(&carol_access2, &carol_refresh2).await.status, 200);
    for token in [&carol_access, &carol_access2] {
        c.status("/protected", token)
            .await
            .assert_invalid_token("revoked");
    }
    c.refresh(&carol_refresh2)
        .await
        .assert_invalid_token("revoked");
}

/// A Redis of 4 MB that evicts keys with a TTL, least recently used first: a common managed
/// Redis default.
#[cfg(feature = "redis")]
async fn evicting_redis() -> Option<OwnRedis> {
    OwnRedis::start(
        free_port(),
        &["--maxmemory", "4mb", "--maxmemory-policy", "volatile-lru"],
    )
    .await
}

/// Finding 2: an evicting `maxmemory-policy` is refused at connect, naming `noeviction`.
#[cfg(feature = "redis")]
#[tokio::test]
async fn an_evicting_redis_policy_is_refused_at_connect() {
    let Some(redis) = evicting_redis().await else {
        return;
    };
    let refused = axum_jwt_guard::RedisStore::connect(&redis.url()).await;
    let message = refused.expect_err("volatile-lru is refused").0;
    assert!(message.contains("volatile-lru"), "{message}");
    assert!(message.contains("noeviction"), "{message}");
    let accepted = axum_jwt_guard::RedisStore::options()
        .allow_evicting_policy()
        .connect(&redis.url())
        .await;
    assert!(accepted.is_ok());
    redis.stop().await;
}

/// Finding 2: under `volatile-lru` with the opt-out, a flood of logins makes Redis evict the
/// store's keys; no logged-out and no spent token is accepted afterwards.
#[cfg(feature = "redis")]
#[tokio::test]
async fn an_evicting_redis_never_lets_a_revoked_or_spent_token_through() {
    let Some(redis) = evicting_redis().await else {
        return;
    };
    let url = redis.url();
    let store = axum_jwt_guard::RedisStore::options()
        .allow_evicting_policy()
        .connect(&url)
        .await
        .unwrap();
    let clock = ManualClock::starting_now();
    let jwt = builder(&clock).revocation_store(store).build().unwrap();
    let users = Users::with(&["bob", "carol"]);
    let c = Client::start(&jwt, &users).await;
    // Bob logs out; carol's first refresh token is spent (and the grace window passes).
    let (bob_access, bob_refresh) = c.login("bob").await;
    assert_eq!(c.logout(&bob_access, &bob_refresh).await.status, 200);
    let (carol_access, carol_spent) = c.login("carol").await;
    let (_, carol_current) = c.refresh_ok(&carol_spent).await;
    clock.advance(axum_jwt_guard::DEFAULT_REFRESH_GRACE);
    // Flood: logins of fresh identities until Redis has evicted carol's login.
    let carol_key = "{axum-jwt-guard}:acct:0::carol";
    assert_eq!(redis_command(&url, &["EXISTS", carol_key]).await, ":1\r\n");
    let started = std::time::Instant::now();
    let mut logins = 0;
    while redis_command(&url, &["EXISTS", carol_key]).await == ":1\r\n" {
        assert!(
            logins < 200_000 && started.elapsed() < Duration::from_secs(60),
            "no eviction after {logins} logins"
        );
        for _ in 0..500 {
            jwt.login(format!("flood{logins}")).sign().await.unwrap();
            logins += 1;
        }
    }
    let info = redis_command(&url, &["INFO", "stats"]).await;
    let evicted = info
        .lines()
        .find_map(|l| l.strip_prefix("evicted_keys:"))
        .and_then(|v| v.trim().parse::<u64>().ok())
        .unwrap_or(0);
    assert!(evicted > 0, "{info}");
    eprintln!("{logins} logins, {evicted} keys evicted");
    // Nothing revoked or spent passes; carol's evicted login is logged out, not let through.
    for token in [&bob_access, &carol_access] {
        let r = c.status("/protected", token).await;
        assert_eq!(r.status, 401, "{r:?}");
    }
    for token in [&bob_refresh, &carol_spent, &carol_current] {
        let r = c.refresh(token).await;
        assert_eq!(r.status, 401, "{r:?}");
    }
    redis.stop().await;
}

/// Finding 3: the store call of a refresh times out (503, `Retry-After: 1`) but its write
/// lands later; the client's retry, as told, gets tokens instead of a theft verdict.
#[cfg(feature = "redis")]
#[tokio::test]
async fn a_timed_out_refresh_is_retried_without_logging_anyone_out() {
    let Some(redis) = OwnRedis::start(free_port(), &[]).await else {
        return;
    };
    let url = redis.url();
    let store = axum_jwt_guard::RedisStore::connect(&url).await.unwrap();
    let jwt = Jwt::builder()
        .secret(SECRET)
        .revocation_store(store)
        .build()
        .unwrap();
    let users = Users::with(&["alice"]);
    let c = Client::start(&jwt, &users).await;
    let (access, refresh) = c.login("alice").await;
    assert_eq!(
        redis_command(&url, &["CLIENT", "PAUSE", "1500", "WRITE"]).await,
        "+OK\r\n"
    );
    let started = std::time::Instant::now();
    let r = c.refresh(&refresh).await;
    assert_eq!(r.status, 503, "{r:?}");
    assert_eq!(r.header_values("retry-after"), ["1"]);
    assert!(
        started.elapsed() < Duration::from_millis(1400),
        "gave up at the timeout"
    );
    // The client retries as told until it gets an answer other than 503.
    let mut retry = r;
    for _ in 0..5 {
        if retry.status != 503 {
            break;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
        retry = c.refresh(&refresh).await;
    }
    assert_eq!(retry.status, 200, "{retry:?}");
    let new_access = retry.body["access_token"].as_str().unwrap();
    let new_refresh = retry.body["refresh_token"].as_str().unwrap();
    for token in [&access, new_access] {
        assert_eq!(c.status("/protected", token).await.status, 200);
    }
    assert_eq!(c.refresh(new_refresh).await.status, 200);
    redis.stop().await;
}

/// Finding 3: outside the window, the previous refresh token is theft again: the login ends.
#[tokio::test]
async fn reuse_after_the_grace_window_ends_the_login() {
    let clock = ManualClock::starting_now();
    let jwt = builder(&clock).build().unwrap();
    let users = Users::with(&["alice"]);
    let c = Client::start(&jwt, &users).await;
    let (_, first) = c.login("alice").await;
    let (access, current) = c.refresh_ok(&first).await;
    clock.advance(axum_jwt_guard::DEFAULT_REFRESH_GRACE - Duration::from_millis(1));
    assert_eq!(
        c.refresh(&first).await.status,
        200,
        "a retry, in the window"
    );
    clock.advance(Duration::from_millis(1));
    c.refresh(&first)
        .await
        .assert_invalid_token("refresh_token_reused");
    c.status("/protected", &access)
        .await
        .assert_invalid_token("revoked");
    c.refresh(&current).await.assert_invalid_token("revoked");
}

/// Finding 4: "log out everywhere" on one instance covers the tokens another instance, whose
/// clock runs ahead within the leeway, stamped a moment before; a login right after it works.
#[tokio::test]
async fn log_out_everywhere_covers_tokens_stamped_ahead_within_the_leeway() {
    let here = ManualClock::starting_now();
    let ahead = ManualClock::at_millis(here.now_ms() + 4_000);
    let store: Arc<dyn RevocationStore> = Arc::new(MemoryStore::new());
    let users = Users::with(&["alice"]);
    let build = |clock: &ManualClock| {
        builder(clock)
            .shared_revocation_store(store.clone())
            .build()
            .unwrap()
    };
    let (a, b) = (
        Client::start(&build(&here), &users).await,
        Client::start(&build(&ahead), &users).await,
    );
    let (login_access, login_refresh) = b.login("alice").await;
    let outside = b.s.post_json("/mint", &[], &json!({})).await;
    let outside = outside.body.as_str().map(str::to_owned).unwrap_or_default();
    assert_eq!(a.status("/protected", &outside).await.status, 200);
    assert_eq!(a.status("/protected", &login_access).await.status, 200);
    let r =
        a.s.post_json(
            "/logout-everywhere",
            &[("authorization", &format!("Bearer {login_access}"))],
            &json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    for token in [&outside, &login_access] {
        a.status("/protected", token)
            .await
            .assert_invalid_token("revoked");
    }
    a.refresh(&login_refresh)
        .await
        .assert_invalid_token("revoked");
    // Not a second to wait: a new login is accepted at once.
    let (again, _) = a.login("alice").await;
    assert_eq!(a.status("/protected", &again).await.status, 200);
}

/// A refresh re-reads the user: a promotion or demotion reaches the new tokens, a deleted
/// user's refresh is 401 `account_unavailable` and ends the login.
#[tokio::test]
async fn a_refresh_re_reads_the_user() {
    let clock = ManualClock::starting_now();
    let jwt = builder(&clock).build().unwrap();
    let users = Users::with(&["alice"]);
    let c = Client::start(&jwt, &users).await;
    let (access, refresh) = c.login("alice").await;
    assert_eq!(c.status("/admin", &access).await.status, 403);
    users.set("alice", "ADMIN", &["admin"]);
    let (promoted, refresh) = c.refresh_ok(&refresh).await;
    assert_eq!(c.status("/admin", &promoted).await.status, 200);
    assert_eq!(
        c.status("/protected", &promoted).await.body["role"],
        "ADMIN"
    );
    users.set("alice", "USER", &["user:read"]);
    let (demoted, refresh) = c.refresh_ok(&refresh).await;
    assert_eq!(c.status("/admin", &demoted).await.status, 403);
    users.remove("alice");
    let r = c.refresh(&refresh).await;
    r.assert_invalid_token("account_unavailable");
    c.status("/protected", &demoted)
        .await
        .assert_invalid_token("revoked");
}

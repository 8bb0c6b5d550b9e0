//! Token lifecycle over HTTP, for the memory store and for Redis: revocation, logout, refresh
//! rotation, reuse detection, log out everywhere, expiry of entries, several instances,
//! Redis going down and coming back, and revocations racing 2,000 requests.
//!
//! The Redis scenarios need the `redis` feature (scripts/test enables it) and `REDIS_URL`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::common::*;
use axum::routing::{get, post};
use axum::{Json, Router};
use axum_jwt_guard::{Jwt, JwtBuilder, MemoryStore, Token, TokenPair, jwt_required};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
struct Login {
    identity: String,
}

#[derive(Deserialize, Default)]
struct RefreshBody {
    refresh_token: Option<String>,
}

async fn login(
    jwt: Jwt,
    Json(body): Json<Login>,
) -> Result<Json<TokenPair>, axum_jwt_guard::SignError> {
    Ok(Json(
        jwt.login(body.identity)
            .role("USER")
            .scopes(["user:read"])
            .sign()
            .await?,
    ))
}

async fn refresh(
    jwt: Jwt,
    Json(body): Json<RefreshBody>,
) -> Result<Json<TokenPair>, axum::response::Response> {
    let raw = body.refresh_token.unwrap_or_default();
    jwt.refresh(&raw)
        .await
        .map(Json)
        .map_err(|e| jwt.error_response(&e))
}

#[jwt_required]
async fn logout(
    jwt: Jwt,
    token: Token,
    body: Option<Json<RefreshBody>>,
) -> Result<Json<Value>, axum::response::Response> {
    let refresh = body.and_then(|Json(b)| b.refresh_token);
    jwt.logout(&token, refresh.as_deref())
        .await
        .map_err(|e| jwt.error_response(&e))?;
    Ok(Json(json!({ "logged_out": true })))
}

#[jwt_required]
async fn logout_everywhere(
    jwt: Jwt,
    token: Token,
) -> Result<Json<Value>, axum::response::Response> {
    jwt.revoke_all_for(token.identity())
        .await
        .map_err(|e| jwt.error_response(&e))?;
    Ok(Json(json!({ "logged_out_everywhere": true })))
}

#[jwt_required]
async fn revoke(jwt: Jwt, token: Token) -> Result<Json<Value>, axum::response::Response> {
    jwt.revoke(&token)
        .await
        .map_err(|e| jwt.error_response(&e))?;
    Ok(Json(json!({ "revoked": true })))
}

#[jwt_required]
async fn protected(token: Token) -> Json<Value> {
    Json(json!({ "identity": token.identity(), "fresh": token.fresh() }))
}

#[jwt_required(skip_revocation_check = true)]
async fn cheap(token: Token) -> String {
    token.identity().to_owned()
}

fn app(jwt: &Jwt) -> Router {
    Router::new()
        .route("/login", post(login))
        .route("/refresh", post(refresh))
        .route("/logout", post(logout))
        .route("/logout-everywhere", post(logout_everywhere))
        .route("/revoke", post(revoke))
        .route("/protected", get(protected))
        .route("/cheap", get(cheap))
        .layer(jwt.layer())
}

/// A unique Redis key namespace per test, so tests sharing one Redis do not meet.
fn namespace() -> String {
    format!("axum-jwt-test-{}-{}", std::process::id(), now_nanos())
}

fn now_nanos() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default()
}

fn builder() -> JwtBuilder {
    Jwt::builder().secret(SECRET).issuer("https://auth.test")
}

#[derive(Clone, Copy, Debug)]
enum Store {
    Memory,
    #[cfg(feature = "redis")]
    Redis,
}

/// The stores to run a scenario on: always memory; Redis when `REDIS_URL` is set.
fn stores() -> Vec<Store> {
    #[allow(unused_mut)]
    let mut all = vec![Store::Memory];
    #[cfg(feature = "redis")]
    if redis_url().is_some() {
        all.push(Store::Redis);
    }
    all
}

async fn jwt_for(store: Store, ns: &str, b: JwtBuilder) -> Jwt {
    let _ = ns;
    match store {
        Store::Memory => b.build().expect("config"),
        #[cfg(feature = "redis")]
        Store::Redis => {
            let url = redis_url().expect("checked by stores()");
            let redis = axum_jwt_guard::RedisStore::connect_with_namespace(&url, ns)
                .await
                .expect("redis connects");
            b.revocation_store(redis).build().expect("config")
        }
    }
}

struct App {
    s: Server,
}

impl App {
    async fn login(&self, identity: &str) -> (String, String) {
        self.s.login(identity).await
    }

    async fn post_bearer(&self, path: &str, token: &str, body: Value) -> Reply {
        self.s
            .post_json(
                path,
                &[("authorization", &format!("Bearer {token}"))],
                &body,
            )
            .await
    }

    async fn refresh(&self, refresh: &str) -> Reply {
        self.s
            .post_json("/refresh", &[], &json!({ "refresh_token": refresh }))
            .await
    }
}

async fn start(store: Store) -> App {
    let jwt = jwt_for(store, &namespace(), builder()).await;
    App {
        s: serve_router(app(&jwt)).await,
    }
}

#[tokio::test]
async fn revoked_access_tokens_are_refused() {
    for store in stores() {
        let a = start(store).await;
        let (access, _) = a.login("alice").await;
        assert_eq!(a.s.get_bearer("/protected", &access).await.status, 200);
        let r = a.post_bearer("/revoke", &access, json!({})).await;
        assert_eq!(r.status, 200, "{store:?} {r:?}");
        a.s.get_bearer("/protected", &access)
            .await
            .assert_invalid_token("revoked");
        // A route that opted out of revocation checks still accepts it.
        assert_eq!(
            a.s.get_bearer("/cheap", &access).await.status,
            200,
            "{store:?}"
        );
        // Another login of the same user is unaffected.
        let (other, _) = a.login("alice").await;
        assert_eq!(a.s.get_bearer("/protected", &other).await.status, 200);
    }
}

#[tokio::test]
async fn logout_then_reuse() {
    for store in stores() {
        let a = start(store).await;
        let (access, refresh) = a.login("alice").await;
        let r = a.post_bearer("/logout", &access, json!({})).await;
        assert_eq!(r.status, 200, "{store:?} {r:?}");
        a.s.get_bearer("/protected", &access)
            .await
            .assert_invalid_token("revoked");
        // The paired refresh token went with it.
        a.refresh(&refresh).await.assert_invalid_token("revoked");
        // Logging out twice: the token is already revoked.
        a.post_bearer("/logout", &access, json!({}))
            .await
            .assert_invalid_token("revoked");
    }
}

#[tokio::test]
async fn refresh_rotates_and_reuse_revokes_the_family() {
    for store in stores() {
        let a = start(store).await;
        let (access, refresh1) = a.login("alice").await;
        let r = a.s.get_bearer("/protected", &access).await;
        assert_eq!(r.body["fresh"], true, "a login token is fresh");

        let r = a.refresh(&refresh1).await;
        assert_eq!(r.status, 200, "{store:?} {r:?}");
        let access2 = r.body["access_token"].as_str().unwrap().to_owned();
        let refresh2 = r.body["refresh_token"].as_str().unwrap().to_owned();
        assert_ne!(refresh1, refresh2);
        let r = a.s.get_bearer("/protected", &access2).await;
        assert_eq!(
            (r.status, &r.body["fresh"]),
            (200, &json!(false)),
            "refreshed tokens are not fresh"
        );

        // Rotation: refresh2 works once.
        let r = a.refresh(&refresh2).await;
        assert_eq!(r.status, 200);
        let access3 = r.body["access_token"].as_str().unwrap().to_owned();
        let refresh3 = r.body["refresh_token"].as_str().unwrap().to_owned();

        // Reuse of a spent refresh token: theft. The whole family is revoked.
        a.refresh(&refresh1)
            .await
            .assert_invalid_token("refresh_token_reused");
        a.refresh(&refresh3).await.assert_invalid_token("revoked");
        for token in [&access, &access2, &access3] {
            a.s.get_bearer("/protected", token)
                .await
                .assert_invalid_token("revoked");
        }
        // An access token is not a refresh token.
        let (fresh_access, _) = a.login("bob").await;
        a.refresh(&fresh_access)
            .await
            .assert_invalid_token("wrong_token_type");
    }
}

/// Two tabs (or a retry racing the original) refreshing one token at once: every one gets
/// working tokens of the same login, and none of them revokes another's.
#[tokio::test]
async fn concurrent_refreshes_of_one_token_all_get_working_tokens() {
    for store in stores() {
        let a = Arc::new(start(store).await);
        let (_, refresh) = a.login("alice").await;
        let mut tasks = Vec::new();
        for _ in 0..8 {
            let a = a.clone();
            let refresh = refresh.clone();
            tasks.push(tokio::spawn(async move { a.refresh(&refresh).await }));
        }
        let mut access_tokens = Vec::new();
        for t in tasks {
            let r = t.await.expect("task");
            assert_eq!(r.status, 200, "{store:?}: {r:?}");
            access_tokens.push(r.body["access_token"].as_str().unwrap().to_owned());
        }
        for token in &access_tokens {
            let r = a.s.get_bearer("/protected", token).await;
            assert_eq!(r.status, 200, "{store:?}: {r:?}");
        }
    }
}

/// With the grace window off, rotation is strict: exactly one of concurrent refreshes of one
/// token wins; the others are reuse, and end the login.
#[tokio::test]
async fn without_a_grace_window_concurrent_refreshes_let_exactly_one_through() {
    for store in stores() {
        let jwt = jwt_for(store, &namespace(), builder().refresh_grace(Duration::ZERO)).await;
        let a = Arc::new(App {
            s: serve_router(app(&jwt)).await,
        });
        let (_, refresh) = a.login("alice").await;
        let mut tasks = Vec::new();
        for _ in 0..8 {
            let a = a.clone();
            let refresh = refresh.clone();
            tasks.push(tokio::spawn(
                async move { a.refresh(&refresh).await.status },
            ));
        }
        let mut ok = 0;
        for t in tasks {
            match t.await.expect("task") {
                200 => ok += 1,
                401 => {}
                other => panic!("{store:?}: unexpected status {other}"),
            }
        }
        assert_eq!(ok, 1, "{store:?}: exactly one refresh may spend the token");
    }
}

#[tokio::test]
async fn log_out_everywhere() {
    for store in stores() {
        let a = start(store).await;
        let (phone, phone_refresh) = a.login("alice").await;
        let (laptop, _) = a.login("alice").await;
        let (bob, _) = a.login("bob").await;
        let r = a.post_bearer("/logout-everywhere", &phone, json!({})).await;
        assert_eq!(r.status, 200, "{store:?} {r:?}");
        for t in [&phone, &laptop] {
            a.s.get_bearer("/protected", t)
                .await
                .assert_invalid_token("revoked");
        }
        a.refresh(&phone_refresh)
            .await
            .assert_invalid_token("revoked");
        assert_eq!(a.s.get_bearer("/protected", &bob).await.status, 200);
        // Logins end by what the store holds, not by their `iat`: a login right after the
        // call, in the same second, is accepted.
        let (again, _) = a.login("alice").await;
        assert_eq!(
            a.s.get_bearer("/protected", &again).await.status,
            200,
            "{store:?}"
        );
    }
}

/// A memory store full of revocations whose tokens have expired takes new ones: expired
/// entries are forgotten a few at each write, never by a sweep of the whole store.
#[tokio::test]
async fn memory_entries_leave_when_their_tokens_expire() {
    let clock = axum_jwt_guard::testing::ManualClock::starting_now();
    let store = Arc::new(MemoryStore::with_capacity(500));
    let jwt = builder()
        .leeway(Duration::ZERO)
        .clock(clock.clone())
        .shared_revocation_store(store.clone())
        .build()
        .unwrap();
    let revoke_one = |identity: String| {
        let jwt = jwt.clone();
        async move {
            let raw = jwt
                .access_token(identity)
                .expires_in(Duration::from_secs(1))
                .sign()
                .unwrap();
            let token = jwt.verify_access::<()>(&raw).unwrap();
            jwt.revoke(&token).await
        }
    };
    for i in 0..500 {
        revoke_one(format!("user{i}")).await.unwrap();
    }
    assert_eq!(store.len(), 500);
    assert_eq!(
        revoke_one("one-too-many".into()).await,
        Err(axum_jwt_guard::AuthError::RevocationUnavailable),
        "a full store of live entries refuses rather than evicting one"
    );
    // Entries live until exp + leeway + 1 s; after that each write makes room for itself.
    clock.advance(Duration::from_secs(3));
    for i in 0..500 {
        revoke_one(format!("later{i}")).await.unwrap();
    }
    assert_eq!(store.len(), 500);
}

#[cfg(feature = "redis")]
#[tokio::test]
async fn redis_entries_carry_the_token_lifetime_as_ttl() {
    let Some(url) = redis_url() else { return };
    let ns = namespace();
    let jwt = jwt_for(Store::Redis, &ns, builder().leeway(Duration::ZERO)).await;
    let raw = jwt
        .access_token("alice")
        .expires_in(Duration::from_secs(60))
        .sign()
        .unwrap();
    jwt.revoke(&jwt.verify_access::<()>(&raw).unwrap())
        .await
        .unwrap();
    // Every key starts with the hash tag `{namespace}` (one Redis Cluster slot).
    let keys = redis_command(&url, &["KEYS", &format!("{{{ns}}}:jti:*")]).await;
    let key = keys
        .lines()
        .find(|l| l.starts_with(&format!("{{{ns}}}")))
        .expect("one revoked token under the namespace")
        .to_owned();
    assert!(
        key.starts_with(&format!("{{{ns}}}:jti:17:https://auth.test:")),
        "{key}"
    );
    let ttl: i64 = redis_command(&url, &["TTL", &key])
        .await
        .trim()
        .trim_start_matches(':')
        .parse()
        .expect("integer TTL");
    assert!(
        (55..=62).contains(&ttl),
        "TTL {ttl} should be the token's remaining lifetime"
    );
    // A short-lived token's entry disappears with it.
    let short = jwt
        .access_token("alice")
        .expires_in(Duration::from_secs(1))
        .sign()
        .unwrap();
    let short = jwt.verify_access::<()>(&short).unwrap();
    jwt.revoke(&short).await.unwrap();
    let key = format!("{{{ns}}}:jti:17:https://auth.test:{}", short.jti());
    // Its TTL ends with the token (exp + leeway 0 + 1 s): Redis forgets it by itself.
    let ttl = redis_command(&url, &["TTL", &key]).await;
    assert!(matches!(ttl.trim(), ":1" | ":2"), "{ttl}");
}

#[cfg(feature = "redis")]
#[tokio::test]
async fn two_instances_share_revocations_through_redis() {
    let Some(_) = redis_url() else { return };
    let ns = namespace();
    let clock = axum_jwt_guard::testing::ManualClock::starting_now();
    let a_jwt = jwt_for(Store::Redis, &ns, builder().clock(clock.clone())).await;
    let b_jwt = jwt_for(Store::Redis, &ns, builder().clock(clock.clone())).await;
    let a = App {
        s: serve_router(app(&a_jwt)).await,
    };
    let b = App {
        s: serve_router(app(&b_jwt)).await,
    };
    let (access, refresh) = a.login("alice").await;
    assert_eq!(b.s.get_bearer("/protected", &access).await.status, 200);
    let r = a.post_bearer("/revoke", &access, json!({})).await;
    assert_eq!(r.status, 200);
    // On A at once (its write waits for its own view); on B within the propagation bound,
    // whatever B's view is doing: after it, B's view holds the revocation or B asks Redis.
    a.s.get_bearer("/protected", &access)
        .await
        .assert_invalid_token("revoked");
    tokio::time::sleep(axum_jwt_guard::DEFAULT_PROPAGATION_BOUND).await;
    b.s.get_bearer("/protected", &access)
        .await
        .assert_invalid_token("revoked");
    // Refresh spent on B: on A within the grace window it is a retry, after it reuse.
    assert_eq!(b.refresh(&refresh).await.status, 200);
    assert_eq!(a.refresh(&refresh).await.status, 200);
    clock.advance(axum_jwt_guard::DEFAULT_REFRESH_GRACE);
    a.refresh(&refresh)
        .await
        .assert_invalid_token("refresh_token_reused");
    // A restart (a new handle) still refuses the revoked token.
    let restarted = App {
        s: serve_router(app(&jwt_for(Store::Redis, &ns, builder()).await)).await,
    };
    restarted
        .s
        .get_bearer("/protected", &access)
        .await
        .assert_invalid_token("revoked");
}

#[cfg(feature = "redis")]
#[tokio::test]
async fn redis_down_fails_closed_and_recovers_without_restart() {
    let port = free_port();
    let Some(redis) = OwnRedis::start(port, &[]).await else {
        return;
    };
    let url = redis.url();
    let store = axum_jwt_guard::RedisStore::connect(&url)
        .await
        .expect("connects");
    let jwt = builder()
        .revocation_store(store)
        .revocation_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let a = App {
        s: serve_router(app(&jwt)).await,
    };
    let (access, refresh) = a.login("alice").await;
    assert_eq!(a.s.get_bearer("/protected", &access).await.status, 200);

    redis.stop().await;
    // Nothing can be revoked while Redis is down, so the local view may answer for what is
    // left of its lease (the propagation bound); after it, every request asks Redis.
    tokio::time::sleep(axum_jwt_guard::DEFAULT_PROPAGATION_BOUND).await;
    for _ in 0..5 {
        let r = a.s.get_bearer("/protected", &access).await;
        assert_eq!(r.status, 503, "never a pass while Redis is down: {r:?}");
        assert_eq!(r.reason(), "revocation_unavailable");
        assert_eq!(r.header_values("retry-after"), ["1"]);
    }
    assert_eq!(a.refresh(&refresh).await.status, 503);
    assert_eq!(
        jwt.revoke_all_for("alice").await,
        Err(axum_jwt_guard::AuthError::RevocationUnavailable)
    );

    // This Redis keeps nothing across a restart: the login it held is gone, and a login
    // Redis does not hold is refused (logged out), never let through.
    let _redis = OwnRedis::start(port, &[]).await.expect("redis restarts");
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let r = a.s.get_bearer("/protected", &access).await;
        if r.status != 503 {
            r.assert_invalid_token("revoked");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the app did not reconnect to Redis"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    a.refresh(&refresh).await.assert_invalid_token("revoked");
    // Reconnected without a restart of the app: a new login works at once.
    let (again, _) = a.login("alice").await;
    assert_eq!(a.s.get_bearer("/protected", &again).await.status, 200);
}

/// 2,000 requests over 64 keep-alive connections while tokens are revoked one by one: no
/// request that started after a token's revocation returned may be accepted with it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revocations_race_two_thousand_requests() {
    for store in stores() {
        let jwt = jwt_for(store, &namespace(), builder()).await;
        let s = Arc::new(serve_router(app(&jwt)).await);
        let tokens: Arc<Vec<String>> = Arc::new(
            (0..100)
                .map(|i| jwt.access_token(format!("user{i}")).sign().unwrap())
                .collect(),
        );
        let revoked_at: Arc<std::sync::Mutex<Vec<Option<Instant>>>> =
            Arc::new(std::sync::Mutex::new(vec![None; tokens.len()]));

        let revoker = {
            let (jwt, tokens, revoked_at) = (jwt.clone(), tokens.clone(), revoked_at.clone());
            tokio::spawn(async move {
                for (i, raw) in tokens.iter().enumerate().filter(|(i, _)| i % 2 == 0) {
                    let token = jwt.verify_access::<()>(raw).expect("valid");
                    jwt.revoke(&token).await.expect("revoked");
                    revoked_at.lock().expect("lock")[i] = Some(Instant::now());
                    tokio::time::sleep(Duration::from_millis(2)).await;
                }
            })
        };
        let mut workers = Vec::new();
        for w in 0..64usize {
            let (s, tokens) = (s.clone(), tokens.clone());
            workers.push(tokio::spawn(async move {
                let stream = tokio::net::TcpStream::connect(s.addr)
                    .await
                    .expect("connect");
                let (mut sender, conn) =
                    hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
                        .await
                        .expect("handshake");
                tokio::spawn(conn);
                let mut seen = Vec::new();
                for n in 0..32usize {
                    if w * 32 + n >= 2000 {
                        break;
                    }
                    let i = (w * 7 + n * 13) % tokens.len();
                    let req = axum::http::Request::get("/protected")
                        .header("host", "localhost")
                        .header("authorization", format!("Bearer {}", tokens[i]))
                        .body(http_body_util::Empty::<axum::body::Bytes>::new())
                        .expect("request");
                    let started = Instant::now();
                    let status = sender.send_request(req).await.expect("response").status();
                    seen.push((i, started, status.as_u16()));
                }
                seen
            }));
        }
        let mut all = Vec::new();
        for w in workers {
            all.extend(w.await.expect("worker"));
        }
        revoker.await.expect("revoker");
        assert_eq!(all.len(), 2000);
        let revoked_at = revoked_at.lock().expect("lock").clone();
        let mut accepted_after_revocation = 0;
        for (i, started, status) in &all {
            assert!(
                *status == 200 || *status == 401,
                "{store:?}: unexpected status {status}"
            );
            if *status == 200
                && let Some(at) = revoked_at[*i]
                && *started > at
            {
                accepted_after_revocation += 1;
            }
            if *status == 401 {
                assert!(
                    revoked_at[*i].is_some(),
                    "{store:?}: a live token was refused"
                );
            }
        }
        assert_eq!(accepted_after_revocation, 0, "{store:?}");
        let refused = all.iter().filter(|(_, _, s)| *s == 401).count();
        assert!(refused > 0, "{store:?}: the race saw no revocation at all");
    }
}

/// `RedisStore`'s local view: guarded requests answered without a round trip, revocations
/// seen by every instance within the propagation bound, and a fallback to Redis (so a 503
/// when Redis cannot answer) whenever an instance cannot be sure its view is current: real
/// Redis faults, each on a Redis of the test's own, stopped by process id.
#[cfg(feature = "redis")]
mod view {
    use super::*;
    use axum_jwt_guard::{DEFAULT_PROPAGATION_BOUND, RedisStore};

    async fn store(url: &str, ns: &str) -> RedisStore {
        RedisStore::options()
            .namespace(ns)
            .connect(url)
            .await
            .expect("redis connects")
    }

    /// Waits (boundedly) until the store answers from its view.
    pub(super) async fn until_current(store: &RedisStore) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !store.view_is_current() {
            assert!(Instant::now() < deadline, "the view never became current");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    fn jwt_with(store: RedisStore) -> Jwt {
        builder()
            .revocation_store(store)
            .revocation_timeout(Duration::from_millis(300))
            .build()
            .expect("config")
    }

    /// Calls of one Redis command so far (`INFO commandstats`).
    async fn calls(url: &str, command: &str) -> u64 {
        let info = redis_command(url, &["INFO", "commandstats"]).await;
        info.lines()
            .find_map(|l| l.strip_prefix(&format!("cmdstat_{command}:calls=")))
            .and_then(|rest| rest.split(',').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    }

    #[tokio::test]
    async fn guarded_requests_make_no_round_trip_and_strict_mode_makes_one() {
        let Some(url) = redis_url() else { return };
        let ns = namespace();
        let store = store(&url, &ns).await;
        until_current(&store).await;
        let a = App {
            s: serve_router(app(&jwt_with(store))).await,
        };
        let (access, _) = a.login("alice").await;
        let before = (calls(&url, "get").await, calls(&url, "hget").await);
        for _ in 0..200 {
            assert_eq!(a.s.get_bearer("/protected", &access).await.status, 200);
        }
        let after = (calls(&url, "get").await, calls(&url, "hget").await);
        // Other tests share this Redis: far fewer than one call per request.
        assert!(after.1 - before.1 < 50, "{before:?} -> {after:?}");

        let strict = RedisStore::options()
            .namespace(&ns)
            .strict()
            .connect(&url)
            .await
            .expect("connects");
        assert!(!strict.view_is_current());
        let b = App {
            s: serve_router(app(&jwt_with(strict))).await,
        };
        let before = calls(&url, "hget").await;
        for _ in 0..200 {
            assert_eq!(b.s.get_bearer("/protected", &access).await.status, 200);
        }
        assert!(calls(&url, "hget").await - before >= 200);
        // Both see a logout through either.
        let r = b.post_bearer("/logout", &access, json!({})).await;
        assert_eq!(r.status, 200);
        tokio::time::sleep(DEFAULT_PROPAGATION_BOUND).await;
        for s in [&a.s, &b.s] {
            s.get_bearer("/protected", &access)
                .await
                .assert_invalid_token("revoked");
        }
    }

    /// A login or a refresh made on one instance works on another at once: the view answers
    /// only passes, and asks Redis before refusing (it may not hold the new login yet).
    #[tokio::test]
    async fn a_login_on_one_instance_works_on_another_at_once() {
        let Some(url) = redis_url() else { return };
        let ns = namespace();
        let (a_store, b_store) = (store(&url, &ns).await, store(&url, &ns).await);
        until_current(&a_store).await;
        until_current(&b_store).await;
        let a = App {
            s: serve_router(app(&jwt_with(a_store))).await,
        };
        let b = App {
            s: serve_router(app(&jwt_with(b_store))).await,
        };
        for i in 0..20 {
            let (access, refresh) = a.login(&format!("user{i}")).await;
            assert_eq!(b.s.get_bearer("/protected", &access).await.status, 200);
            let r = a.refresh(&refresh).await;
            assert_eq!(r.status, 200);
            let newer = r.body["refresh_token"].as_str().expect("a refresh token");
            assert_eq!(b.refresh(newer).await.status, 200, "round {i}");
        }
    }

    /// A view over its size limit is dropped: the instance asks Redis for every request
    /// (correct answers, no local memory) and holds nothing.
    #[tokio::test]
    async fn a_view_over_its_limit_asks_redis() {
        let Some(url) = redis_url() else { return };
        let ns = namespace();
        let a_jwt = jwt_with(store(&url, &ns).await);
        let tokens: Vec<String> = (0..12)
            .map(|i| a_jwt.access_token(format!("u{i}")).sign().expect("signs"))
            .collect();
        for t in &tokens[..10] {
            a_jwt
                .revoke(&a_jwt.verify_access::<()>(t).expect("valid"))
                .await
                .expect("revoked");
        }
        let small = RedisStore::options()
            .namespace(&ns)
            .max_local_entries(5)
            .connect(&url)
            .await
            .expect("connects");
        let view = small.clone();
        let b = App {
            s: serve_router(app(&jwt_with(small))).await,
        };
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(!view.view_is_current());
        assert_eq!(view.local_view_entries(), Some(0));
        b.s.get_bearer("/protected", &tokens[0])
            .await
            .assert_invalid_token("revoked");
        assert_eq!(b.s.get_bearer("/protected", &tokens[11]).await.status, 200);
    }

    /// A new instance answers from Redis until its copy is done: a revoked token and an
    /// ended login are refused by its very first request, however many keys it copies.
    #[tokio::test]
    async fn an_instance_that_starts_never_answers_from_an_empty_view() {
        let Some(url) = redis_url() else { return };
        let ns = namespace();
        let a_jwt = jwt_with(store(&url, &ns).await);
        let a = App {
            s: serve_router(app(&a_jwt)).await,
        };
        // Enough keys that the copy takes a while.
        for i in 0..300 {
            let t = a_jwt.access_token(format!("u{i}")).sign().expect("signs");
            a_jwt
                .revoke(&a_jwt.verify_access::<()>(&t).expect("valid"))
                .await
                .expect("revoked");
        }
        let (access, _) = a.login("alice").await;
        assert_eq!(
            a.post_bearer("/logout", &access, json!({})).await.status,
            200
        );
        let revoked = a_jwt.access_token("bob").sign().expect("signs");
        a_jwt
            .revoke(&a_jwt.verify_access::<()>(&revoked).expect("valid"))
            .await
            .expect("revoked");
        for _ in 0..10 {
            let b = App {
                s: serve_router(app(&jwt_with(store(&url, &ns).await))).await,
            };
            b.s.get_bearer("/protected", &access)
                .await
                .assert_invalid_token("revoked");
            b.s.get_bearer("/protected", &revoked)
                .await
                .assert_invalid_token("revoked");
        }
    }

    /// `CLIENT KILL` of the connection that reads the log, and a numbering gap (an entry
    /// this instance never saw): it copies again, and meanwhile asks Redis. Revocations made
    /// in between are refused within the bound, and after the copy.
    #[tokio::test]
    async fn a_killed_reader_and_a_gap_in_the_log_copy_again() {
        let Some(own) = OwnRedis::start(free_port(), &[]).await else {
            return;
        };
        let url = own.url();
        let ns = namespace();
        let a_jwt = jwt_with(store(&url, &ns).await);
        let b_store = store(&url, &ns).await;
        until_current(&b_store).await;
        let b_view = b_store.clone();
        let a = App {
            s: serve_router(app(&a_jwt)).await,
        };
        let b = App {
            s: serve_router(app(&jwt_with(b_store))).await,
        };
        let mut logins = Vec::new();
        for i in 0..4 {
            logins.push(a.login(&format!("user{i}")).await.0);
        }

        // Kill every connection blocked on the log (both instances' readers).
        let list = redis_command(&url, &["CLIENT", "LIST"]).await;
        let readers: Vec<String> = list
            .lines()
            .filter(|l| l.contains("cmd=xread"))
            .filter_map(|l| l.split(' ').find_map(|f| f.strip_prefix("id=")))
            .map(str::to_owned)
            .collect();
        assert!(!readers.is_empty(), "{list}");
        for id in &readers {
            redis_command(&url, &["CLIENT", "KILL", "ID", id]).await;
        }
        assert_eq!(
            a.post_bearer("/logout", &logins[0], json!({})).await.status,
            200
        );
        tokio::time::sleep(DEFAULT_PROPAGATION_BOUND).await;
        b.s.get_bearer("/protected", &logins[0])
            .await
            .assert_invalid_token("revoked");
        until_current(&b_view).await;
        b.s.get_bearer("/protected", &logins[0])
            .await
            .assert_invalid_token("revoked");
        assert_eq!(b.s.get_bearer("/protected", &logins[1]).await.status, 200);

        // A gap: a change this instance never saw. user2's login is deleted by hand (no log
        // entry), and the counter moves past a number, as a trimmed log or a lost entry
        // would leave it; the next entry shows the gap, and the copy made then holds the
        // change.
        let family = decode_part(&logins[2], 1)["jti"]
            .as_str()
            .and_then(|jti| jti.split('.').next())
            .expect("a login's jti")
            .to_owned();
        let account = format!("{{{ns}}}:acct:17:https://auth.test:user2");
        redis_command(&url, &["HDEL", &account, &family]).await;
        redis_command(&url, &["INCR", &format!("{{{ns}}}:seq")]).await;
        assert_eq!(b.s.get_bearer("/protected", &logins[2]).await.status, 200);
        assert_eq!(
            a.post_bearer("/logout", &logins[1], json!({})).await.status,
            200
        );
        tokio::time::sleep(DEFAULT_PROPAGATION_BOUND).await;
        until_current(&b_view).await;
        for token in [&logins[1], &logins[2]] {
            b.s.get_bearer("/protected", token)
                .await
                .assert_invalid_token("revoked");
        }
        assert_eq!(b.s.get_bearer("/protected", &logins[3]).await.status, 200);
        own.stop().await;
    }

    /// `CLIENT PAUSE`: the log cannot be read, so after the bound the view stops answering;
    /// Redis cannot answer either, so guarded requests fail closed (503), never a 200 from
    /// the stale view. When the pause ends, the view is current again.
    #[tokio::test]
    async fn client_pause_fails_closed_and_recovers() {
        let Some(own) = OwnRedis::start(free_port(), &[]).await else {
            return;
        };
        let url = own.url();
        let ns = namespace();
        let b_store = store(&url, &ns).await;
        until_current(&b_store).await;
        let b_view = b_store.clone();
        let b = App {
            s: serve_router(app(&jwt_with(b_store))).await,
        };
        let (access, _) = b.login("alice").await;
        assert_eq!(b.s.get_bearer("/protected", &access).await.status, 200);

        redis_command(&url, &["CLIENT", "PAUSE", "1500", "ALL"]).await;
        tokio::time::sleep(DEFAULT_PROPAGATION_BOUND).await;
        assert!(!b_view.view_is_current());
        let r = b.s.get_bearer("/protected", &access).await;
        assert_eq!(
            (r.status, r.reason()),
            (503, "revocation_unavailable"),
            "{r:?}"
        );
        tokio::time::sleep(Duration::from_millis(1500)).await;
        until_current(&b_view).await;
        assert_eq!(b.s.get_bearer("/protected", &access).await.status, 200);
        own.stop().await;
    }

    /// Stopped and restarted by process id: 503 while down, then the empty Redis's answer
    /// (the login it lost is refused), from the view once it is current again.
    #[tokio::test]
    async fn a_restarted_redis_is_copied_again() {
        let port = free_port();
        let Some(own) = OwnRedis::start(port, &[]).await else {
            return;
        };
        let ns = namespace();
        let b_store = store(&own.url(), &ns).await;
        until_current(&b_store).await;
        let b_view = b_store.clone();
        let b = App {
            s: serve_router(app(&jwt_with(b_store))).await,
        };
        let (access, _) = b.login("alice").await;
        own.stop().await;
        tokio::time::sleep(DEFAULT_PROPAGATION_BOUND).await;
        assert!(!b_view.view_is_current());
        assert_eq!(b.s.get_bearer("/protected", &access).await.status, 503);
        let own = OwnRedis::start(port, &[]).await.expect("restarts");
        until_current(&b_view).await;
        b.s.get_bearer("/protected", &access)
            .await
            .assert_invalid_token("revoked");
        let (again, _) = b.login("alice").await;
        assert_eq!(b.s.get_bearer("/protected", &again).await.status, 200);
        own.stop().await;
    }
}

/// `RedisStore` on a real Redis Cluster (3 masters, 3 replicas, started by `scripts/test`):
/// the same lifecycle across two instances, and a failover of the master serving the store's
/// slot in the middle, during which no revoked token is accepted.
#[cfg(feature = "redis-cluster")]
mod cluster {
    use super::view::until_current;
    use super::*;
    use axum_jwt_guard::{DEFAULT_PROPAGATION_BOUND, RedisStore};

    /// `REDIS_CLUSTER_URLS` (comma-separated nodes); a failure under `CI=true` when unset.
    fn cluster_urls() -> Option<Vec<String>> {
        let urls = service_from_env("REDIS_CLUSTER_URLS", "a Redis Cluster")?;
        Some(urls.split(',').map(str::to_owned).collect())
    }

    async fn store(urls: &[String], ns: &str) -> RedisStore {
        RedisStore::options()
            .namespace(ns)
            .connect_cluster(urls)
            .await
            .expect("the cluster connects")
    }

    fn jwt_with(store: RedisStore) -> Jwt {
        builder()
            .revocation_store(store)
            .revocation_timeout(Duration::from_millis(1500))
            .build()
            .expect("config")
    }

    /// The text of a RESP bulk-string answer.
    fn bulk(answer: &str) -> String {
        answer
            .split_once("\r\n")
            .map_or("", |(_, rest)| rest)
            .to_owned()
    }

    /// The node URLs of the master serving `key`'s slot, and of its replica.
    async fn master_and_replica(urls: &[String], key: &str) -> (String, String) {
        let slot: u32 = redis_command(&urls[0], &["CLUSTER", "KEYSLOT", key])
            .await
            .trim()
            .trim_start_matches(':')
            .parse()
            .expect("a slot");
        let nodes = bulk(&redis_command(&urls[0], &["CLUSTER", "NODES"]).await);
        let mut master = None;
        for line in nodes.lines() {
            let fields: Vec<&str> = line.split(' ').collect();
            if fields.len() < 9 || !fields[2].contains("master") {
                continue;
            }
            let serves = fields[8..].iter().any(|range| {
                let mut ends = range.split('-').filter_map(|n| n.parse::<u32>().ok());
                match (ends.next(), ends.next()) {
                    (Some(a), Some(b)) => (a..=b).contains(&slot),
                    (Some(a), None) => a == slot,
                    _ => false,
                }
            });
            if serves {
                master = Some((fields[0].to_owned(), fields[1].to_owned()));
            }
        }
        let (id, addr) = master.expect("a master serves the slot");
        let replica = nodes
            .lines()
            .map(|l| l.split(' ').collect::<Vec<_>>())
            .find(|f| f.len() > 3 && f[2].contains("slave") && f[3] == id)
            .map(|f| f[1].to_owned())
            .expect("the master has a replica");
        let url = |addr: &str| format!("redis://{}/", addr.split('@').next().unwrap_or(addr));
        (url(&addr), url(&replica))
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_lifecycle_holds_through_a_failover() {
        let Some(urls) = cluster_urls() else { return };
        let ns = namespace();
        let (a_store, b_store) = (store(&urls, &ns).await, store(&urls, &ns).await);
        let b_view = b_store.clone();
        until_current(&b_view).await;
        let a = App {
            s: serve_router(app(&jwt_with(a_store))).await,
        };
        let b = App {
            s: serve_router(app(&jwt_with(b_store))).await,
        };
        let (kept, kept_refresh) = a.login("alice").await;
        let (gone, _) = a.login("bob").await;
        assert_eq!(b.s.get_bearer("/protected", &gone).await.status, 200);
        assert_eq!(a.post_bearer("/logout", &gone, json!({})).await.status, 200);
        tokio::time::sleep(DEFAULT_PROPAGATION_BOUND).await;
        b.s.get_bearer("/protected", &gone)
            .await
            .assert_invalid_token("revoked");
        assert_eq!(b.s.get_bearer("/protected", &kept).await.status, 200);

        // The replica of the master serving `{ns}` takes over (a coordinated failover: it
        // waits until it holds everything the master acknowledged).
        let (master, replica) = master_and_replica(&urls, &format!("{{{ns}}}")).await;
        let answer = redis_command(&replica, &["CLUSTER", "FAILOVER"]).await;
        assert_eq!(answer, "+OK\r\n");
        // Requests through both instances for at least a second, and until both nodes have
        // switched roles: a logged-out token never passes.
        let started = Instant::now();
        let deadline = started + Duration::from_secs(20);
        let mut requests = 0;
        loop {
            for s in [&a.s, &b.s] {
                let r = s.get_bearer("/protected", &gone).await;
                assert_ne!(
                    r.status, 200,
                    "a logged-out token passed during the failover"
                );
                requests += 1;
            }
            let swapped = redis_command(&replica, &["ROLE"]).await.contains("master")
                && redis_command(&master, &["ROLE"]).await.contains("slave");
            if swapped && started.elapsed() > Duration::from_secs(1) {
                break;
            }
            assert!(Instant::now() < deadline, "no failover within 20 s");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert!(requests > 20, "{requests}");

        // After it: what was revoked stays revoked, what was live stays live, and new
        // writes reach both instances.
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let r = b.s.get_bearer("/protected", &kept).await;
            if r.status == 200 {
                break;
            }
            assert_eq!(r.status, 503, "{r:?}");
            assert!(
                Instant::now() < deadline,
                "the store did not recover: {r:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        for s in [&a.s, &b.s] {
            s.get_bearer("/protected", &gone)
                .await
                .assert_invalid_token("revoked");
        }
        assert_eq!(a.refresh(&kept_refresh).await.status, 200);
        let (carol, _) = b.login("carol").await;
        assert_eq!(a.s.get_bearer("/protected", &carol).await.status, 200);
        assert_eq!(
            b.post_bearer("/logout", &carol, json!({})).await.status,
            200
        );
        tokio::time::sleep(DEFAULT_PROPAGATION_BOUND).await;
        a.s.get_bearer("/protected", &carol)
            .await
            .assert_invalid_token("revoked");
        // The view follows the log on the new master again.
        until_current(&b_view).await;
    }
}

//! In-process cost of a request through the router (no network): an open route against the
//! same route behind `#[jwt_required]` and `#[scoped]`, so the figure is the guard's own cost.
//! Group `router` is the default configuration, where the repeated token is found in the
//! verified-token cache; group `router_token_cache_off` verifies it in full every time.
//!
//! `cargo bench --bench router`

use std::hint::black_box;

use axum::Router;
use axum::body::Body;
use axum::http::Request;
use axum::routing::get;
use axum_jwt_guard::{DEFAULT_TOKEN_CACHE, Jwt, Token, jwt_required, scoped};
use criterion::{Criterion, criterion_group, criterion_main};
use tower_service::Service;

async fn open() -> &'static str {
    "ok"
}

#[jwt_required]
async fn guarded() -> &'static str {
    "ok"
}

#[jwt_required]
async fn with_token(token: Token) -> String {
    token.identity().to_owned()
}

#[scoped("user:read")]
async fn scoped_route() -> &'static str {
    "ok"
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    // `router`: a token minted outside a login, an empty revocation store. `router_login`: the
    // token of a login, in a store holding 10,000 other logins (what a service sees).
    for (group, capacity, login) in [
        ("router", DEFAULT_TOKEN_CACHE, false),
        ("router_token_cache_off", 0, false),
        ("router_login", DEFAULT_TOKEN_CACHE, true),
    ] {
        let jwt = Jwt::builder()
            .secret(b"a-benchmark-secret-of-at-least-32-bytes!")
            .token_cache(capacity)
            .build()
            .expect("config");
        let token = if login {
            rt.block_on(async {
                for i in 0..10_000 {
                    jwt.login(format!("user{i}")).sign().await.expect("login");
                }
                jwt.login("alice").scopes(["user:read"]).sign().await
            })
            .expect("login")
            .access_token
        } else {
            jwt.access_token("alice")
                .scopes(["user:read"])
                .sign()
                .expect("sign")
        };
        let auth = format!("Bearer {token}");
        let mut router: Router = Router::new()
            .route("/open", get(open))
            .route("/guarded", get(guarded))
            .route("/token", get(with_token))
            .route("/scoped", get(scoped_route))
            .layer(jwt.layer());
        let mut g = c.benchmark_group(group);
        for path in ["/open", "/guarded", "/token", "/scoped"] {
            g.bench_function(path.trim_start_matches('/'), |b| {
                b.iter(|| {
                    let req = Request::get(path)
                        .header("authorization", &auth)
                        .body(Body::empty())
                        .expect("request");
                    let res = rt.block_on(router.call(req)).expect("infallible");
                    assert!(res.status().is_success());
                    black_box(res)
                })
            });
        }
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);

//! Instruction counts of one guarded request through the router (no network) with each
//! revocation store, for `bench/revocation_instructions.sh`: the memory store against Redis's
//! local view (and strict mode, whose Redis round trip shows only as the client's share).
//! Under callgrind, counts are deterministic where wall time on a busy machine is not.
//!
//! `REVOCATION_MODE=memory|view|strict REVOCATION_COUNT=n` sends `n` requests to
//! `GET /guarded` (`#[jwt_required]`) with the access token of a login, in a store holding
//! 1,000 other logins; `view` and `strict` need `REDIS_URL`. The script runs two counts and
//! divides the difference, so set-up cancels out.

use std::hint::black_box;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::Request;
use axum::routing::get;
use axum_jwt_guard::{Jwt, RedisStore, jwt_required};
use tower_service::Service;

#[jwt_required]
async fn guarded() -> &'static str {
    "ok"
}

fn main() {
    let mode = std::env::var("REVOCATION_MODE").unwrap_or_else(|_| "memory".into());
    let count: usize = std::env::var("REVOCATION_COUNT")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let (mut router, auth) = rt.block_on(async {
        let mut builder = Jwt::builder().secret(b"a-benchmark-secret-of-at-least-32-bytes!");
        if mode != "memory" {
            let url = std::env::var("REDIS_URL").expect("REDIS_URL for the Redis modes");
            // A fresh namespace per run. The bound is long because callgrind runs the program
            // some fifty times slower: with the default 100 ms the view's lease could lapse
            // between two reads of the log, and a request would then ask Redis. The bound
            // changes how often the log is read, not what a check costs.
            let namespace = format!("bench-{}-{}", mode, std::process::id());
            let mut options = RedisStore::options()
                .namespace(namespace)
                .propagation_bound(Duration::from_secs(5));
            if mode == "strict" {
                options = options.strict();
            }
            let store = options.connect(&url).await.expect("redis");
            builder = builder.revocation_store(store);
        }
        let jwt = builder.build().expect("config");
        for i in 0..1_000 {
            jwt.login(format!("user{i}")).sign().await.expect("login");
        }
        let token = jwt.login("alice").sign().await.expect("login").access_token;
        let router: Router = Router::new()
            .route("/guarded", get(guarded))
            .layer(jwt.layer());
        (router, format!("Bearer {token}"))
    });
    for _ in 0..count {
        serve(&rt, &mut router, &auth);
    }
}

/// One request, start to answer. The script counts only what runs inside this function
/// (`--toggle-collect`), so the view's reader, which runs on its own timer in wall time (and
/// callgrind slows wall time down some fifty times), is left out of the figure.
#[inline(never)]
fn serve(rt: &tokio::runtime::Runtime, router: &mut Router, auth: &str) {
    let req = Request::get("/guarded")
        .header("authorization", auth)
        .body(Body::empty())
        .expect("request");
    let res = rt.block_on(router.call(req)).expect("infallible");
    assert!(res.status().is_success(), "{}", res.status());
    black_box(res);
}

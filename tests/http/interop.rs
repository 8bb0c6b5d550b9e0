//! Tokens of the Python libraries, read during a migration: the fixtures under
//! `tests/fixtures/interop/` were recorded once by `tests/interop/generate.sh` from a real
//! sanic-jwt 1.8 service and a real sanic-jwt-extended 1.0 service (PyJWT, from PyPI): the
//! tokens they mint, tokens PyJWT signs with their secrets, and the status each of their
//! protected routes answered. The same guards here answer as they did, route for route.

use std::time::Duration;

use axum::routing::get;
use axum::{Json, Router};
use axum_jwt_guard::testing::ManualClock;
use axum_jwt_guard::{
    ClaimProfile, IdentityProvider, Jwt, PrivateClaims, Token, fresh_jwt_required, jwt_required,
    scoped,
};
use serde_json::{Value, json};

use crate::common::{Server, serve_router};

fn load(name: &str) -> Value {
    let path = format!(
        "{}/tests/fixtures/interop/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_slice(&std::fs::read(&path).expect("fixture")).expect("fixture JSON")
}

/// Where the Python service's status differs from ours on purpose, and why.
enum Expect {
    /// The same status class: 200, 401 (sanic-jwt-extended says 422 for a bad token), 403.
    Same,
    /// sanic-jwt answered 500 (a malformed claim crashed it): a rejection here.
    Rejected,
    /// Python accepted a token our security bar refuses (SECURITY D1: `exp` is required and
    /// a number): 401.
    Refused(&'static str),
}

fn expectation(python: u64, case: &str) -> Expect {
    match (python, case) {
        (500, _) => Expect::Rejected,
        (_, "no exp" | "exp as a string") => Expect::Refused("exp must be a number (D1)"),
        _ => Expect::Same,
    }
}

/// A clock at the moment the fixture was recorded: every case is replayed as the Python
/// service saw it (its "expired" tokens expired, its fresh `nbf` just ahead).
fn recorded_clock(fixture: &Value) -> ManualClock {
    let at = fixture["recorded_at"].as_u64().expect("recorded_at");
    ManualClock::at_millis(at * 1000 + 500)
}

/// Replays every case of a fixture against `server` and compares route for route.
async fn replay(server: &Server, fixture: &Value) -> usize {
    let mut compared = 0;
    for case in fixture["cases"].as_array().expect("cases") {
        let name = case["name"].as_str().expect("name");
        let token = case["token"].as_str().expect("token");
        for (route, python) in case["statuses"].as_object().expect("statuses") {
            let python = python.as_u64().expect("status");
            let ours = server.get_bearer(route, token).await;
            let what = format!("{name} at {route}: python {python}, ours {ours:?}");
            match expectation(python, name) {
                Expect::Same => {
                    let python = if python == 422 { 401 } else { python };
                    assert_eq!(u64::from(ours.status), python, "{what}");
                }
                Expect::Rejected => assert!([401, 403].contains(&ours.status), "{what}"),
                Expect::Refused(why) => assert_eq!(ours.status, 401, "{what}: {why}"),
            }
            compared += 1;
        }
    }
    compared
}

// sanic-jwt: `@protected()`, `@scoped("user:read")`, `@scoped("admin")`.

#[jwt_required]
async fn protected(token: Token) -> String {
    token.identity().to_owned()
}

#[scoped("user:read")]
async fn users() -> &'static str {
    "users"
}

#[scoped("admin")]
async fn admin() -> &'static str {
    "admin"
}

/// What sanic-jwt's `extend_payload` wrote, read typed (top-level claims: no prefix).
#[derive(PrivateClaims)]
struct Tenant {
    tenant: String,
}

async fn tenant(token: Token<Tenant>) -> Json<Value> {
    Json(json!({ "identity": token.identity(), "tenant": token.private_claims().tenant }))
}

/// Our own service during the migration: its own key, and the Python service's secret for
/// the tokens that service keeps issuing.
async fn sanic_jwt_service(fixture: &Value) -> (Jwt, Server) {
    // sanic-jwt's leeway: its `nbf` is that far ahead of the time of issue.
    let leeway = Duration::from_secs(fixture["leeway"].as_u64().expect("leeway"));
    let mut legacy = IdentityProvider::secret(fixture["secret"].as_str().expect("secret"))
        .profile(ClaimProfile::SanicJwt)
        .leeway(leeway);
    if let Some(iss) = fixture["issuer"].as_str() {
        legacy = legacy.issuer(iss);
    }
    if let Some(aud) = fixture["audience"].as_str() {
        legacy = legacy.audience(aud);
    }
    let jwt = Jwt::builder()
        .secret([9u8; 32])
        .issuer("https://new.example")
        .clock(recorded_clock(fixture))
        .identity_provider(legacy)
        .build()
        .expect("configuration");
    let router = Router::new()
        .route("/protected", get(protected))
        .route("/users", get(users))
        .route("/admin", get(admin))
        .route("/tenant", get(tenant))
        .layer(jwt.layer());
    (jwt.clone(), serve_router(router).await)
}

#[tokio::test]
async fn sanic_jwt_tokens_with_its_default_claims_answer_as_sanic_jwt_did() {
    let fixture = load("sanic_jwt_defaults");
    let (jwt, s) = sanic_jwt_service(&fixture).await;
    assert!(replay(&s, &fixture).await >= 50);
    // Its tokens' claims, typed, and its integer and string identities.
    let cases = fixture["cases"].as_array().expect("cases");
    let issued = |name: &str| {
        cases
            .iter()
            .find(|c| c["name"] == name)
            .and_then(|c| c["token"].as_str())
            .expect("case")
    };
    let r = s.get_bearer("/tenant", issued("issued to alice")).await;
    assert_eq!(r.body, json!({"identity": "1", "tenant": "acme"}), "{r:?}");
    let r = s.get_bearer("/tenant", issued("issued to carol")).await;
    assert_eq!(
        r.body,
        json!({"identity": "c-3", "tenant": "acme"}),
        "{r:?}"
    );
    // Our own tokens keep working next to them.
    let ours = jwt.access_token("dave").scopes(["admin"]).sign().unwrap();
    assert_eq!(s.get_bearer("/admin", &ours).await.status, 200);
}

#[tokio::test]
async fn sanic_jwt_tokens_with_iat_nbf_iss_aud_answer_as_sanic_jwt_did() {
    let fixture = load("sanic_jwt_claims");
    let (_, s) = sanic_jwt_service(&fixture).await;
    assert!(replay(&s, &fixture).await >= 60);
}

/// Our own tokens still come to us next to a source without issuer: by their header bytes,
/// or, for a header we do not write byte for byte, by our `iss`.
#[tokio::test]
async fn our_tokens_route_to_us_next_to_a_source_without_issuer() {
    use crate::common::{decode_part, forge};
    use jsonwebtoken::{Algorithm, EncodingKey};
    let fixture = load("sanic_jwt_defaults");
    let legacy = || {
        IdentityProvider::secret(fixture["secret"].as_str().expect("secret"))
            .profile(ClaimProfile::SanicJwt)
    };
    let ours = [9u8; 32];
    let serve = |b: axum_jwt_guard::JwtBuilder| {
        let jwt = b.secret(ours).build().unwrap();
        let router = Router::new()
            .route("/protected", get(protected))
            .layer(jwt.layer());
        async move { (jwt, serve_router(router).await) }
    };
    // Signed with our key, under a header in another member order than ours (another
    // library minting with our key), with or without an `iss`.
    let kid = decode_part(
        &Jwt::builder()
            .secret(ours)
            .build()
            .unwrap()
            .access_token("x")
            .sign()
            .unwrap(),
        0,
    )["kid"]
        .clone();
    let header = json!({"typ": "at+jwt", "kid": kid, "alg": "HS256"}).to_string();
    let now = crate::common::now();
    let reordered = |iss: Option<&str>| {
        let mut claims =
            json!({"sub": "erin", "type": "access", "jti": "j", "iat": now, "exp": now + 60});
        if let Some(iss) = iss {
            claims["iss"] = json!(iss);
        }
        let key = EncodingKey::from_secret(&ours);
        forge(&header, &claims.to_string(), &key, Algorithm::HS256)
    };

    // No issuer of our own: the header bytes decide.
    let (jwt, s) = serve(Jwt::builder().identity_provider(legacy())).await;
    let token = jwt.access_token("dave").sign().unwrap();
    let r = s.get_bearer("/protected", &token).await;
    assert_eq!((r.status, r.body), (200, json!("dave")));
    // With our issuer, a header not ours byte for byte comes to us by its `iss`.
    let with_issuer = Jwt::builder()
        .issuer("https://new.example")
        .identity_provider(legacy());
    let (_, s) = serve(with_issuer).await;
    let r = s
        .get_bearer("/protected", &reordered(Some("https://new.example")))
        .await;
    assert_eq!((r.status, r.body), (200, json!("erin")));
    // No issuer of our own, and only named sources: a token no source names is ours to check.
    let named = Jwt::builder().identity_provider(legacy().issuer("https://legacy.example"));
    let (_, s) = serve(named).await;
    let r = s.get_bearer("/protected", &reordered(None)).await;
    assert_eq!((r.status, r.body), (200, json!("erin")));
}

/// Without `jti`, a Python token is revoked by the digest of its payload (F3).
#[tokio::test]
async fn a_sanic_jwt_token_without_jti_can_be_revoked() {
    let fixture = load("sanic_jwt_defaults");
    let (jwt, s) = sanic_jwt_service(&fixture).await;
    let token = fixture["cases"][0]["token"].as_str().expect("token");
    assert_eq!(s.get_bearer("/protected", token).await.status, 200);
    let verified = jwt.verify_access::<()>(token).unwrap();
    assert!(verified.jti().starts_with('#'));
    jwt.revoke(&verified).await.unwrap();
    s.get_bearer("/protected", token)
        .await
        .assert_invalid_token("revoked");
}

// sanic-jwt-extended: `@jwt_required`, `allow=["ADMIN"]`, `deny=["GUEST"]`,
// `fresh_required=True`.

#[derive(PrivateClaims)]
struct Legacy {
    user_id: u64,
}

#[jwt_required]
async fn extended_protected(token: Token<Legacy>) -> Json<Value> {
    Json(json!({ "identity": token.identity(), "user_id": token.private_claims().user_id }))
}

#[jwt_required(allow = ["ADMIN"])]
async fn extended_admin() -> &'static str {
    "admin"
}

#[jwt_required(deny = ["GUEST"])]
async fn staff() -> &'static str {
    "staff"
}

#[fresh_jwt_required]
async fn fresh() -> &'static str {
    "fresh"
}

#[tokio::test]
async fn sanic_jwt_extended_tokens_answer_as_sanic_jwt_extended_did() {
    let fixture = load("sanic_jwt_extended");
    let jwt = Jwt::builder()
        .secret([9u8; 32])
        .clock(recorded_clock(&fixture))
        .identity_provider(
            IdentityProvider::secret(fixture["secret"].as_str().expect("secret"))
                .profile(ClaimProfile::SanicJwtExtended)
                .private_claim_prefix(fixture["private_claim_prefix"].as_str().expect("prefix")),
        )
        .build()
        .expect("configuration");
    let router = Router::new()
        .route("/protected", get(extended_protected))
        .route("/admin", get(extended_admin))
        .route("/staff", get(staff))
        .route("/fresh", get(fresh))
        .layer(jwt.layer());
    let s = serve_router(router).await;
    assert!(replay(&s, &fixture).await >= 40);
    // The private claims it wrote under its prefix, read typed, as it read them.
    for case in fixture["cases"].as_array().expect("cases") {
        let Some(private) = case["private_claims"].as_object() else {
            continue;
        };
        let r = s
            .get_bearer("/protected", case["token"].as_str().expect("token"))
            .await;
        assert_eq!(r.body["user_id"], private["user_id"], "{}", case["name"]);
    }
}

//! What an operator sees: one `tracing` event per refused request, with the reason, status,
//! method, route and what is known of the token (`alg`, `kid`, `iss`, the identity once it
//! verified), inside an `admit` span; never the token or any part of it.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::routing::get;
use axum_jwt_guard::{Jwt, Token, scoped};
use serde_json::json;
use tracing::field::{Field, Visit};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::registry::Registry;

use crate::common::{SECRET, b64, claims, forge_hs256, serve_router};

/// One captured event or span: its name or message, target, level and fields as text.
#[derive(Debug, Clone, Default)]
struct Record {
    kind: &'static str,
    name: String,
    target: String,
    level: String,
    fields: BTreeMap<String, String>,
}

struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl Visit for Fields<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
}

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<Record>>>);

impl<S: tracing::Subscriber> Layer<S> for Capture {
    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        let mut r = Record {
            kind: "event",
            target: event.metadata().target().to_owned(),
            level: event.metadata().level().to_string(),
            ..Record::default()
        };
        event.record(&mut Fields(&mut r.fields));
        r.name = r.fields.get("message").cloned().unwrap_or_default();
        self.0.lock().unwrap().push(r);
    }
    fn on_new_span(
        &self,
        attrs: &tracing::span::Attributes<'_>,
        _: &tracing::span::Id,
        _: Context<'_, S>,
    ) {
        let mut r = Record {
            kind: "span",
            name: attrs.metadata().name().to_owned(),
            target: attrs.metadata().target().to_owned(),
            level: attrs.metadata().level().to_string(),
            ..Record::default()
        };
        attrs.record(&mut Fields(&mut r.fields));
        self.0.lock().unwrap().push(r);
    }
}

impl Capture {
    /// The refusal events captured so far, and forgets them.
    fn refusals(&self) -> Vec<Record> {
        let mut all = self.0.lock().unwrap();
        let out = all
            .iter()
            .filter(|r| r.kind == "event" && r.name == "request refused")
            .cloned()
            .collect();
        all.clear();
        out
    }

    /// The one refusal event captured since the last call (fails if there is not exactly
    /// one), and forgets what was captured.
    fn the_refusal(&self) -> Record {
        let mut events = self.refusals();
        assert_eq!(events.len(), 1, "{events:?}");
        events.remove(0)
    }

    /// Everything captured, as one string.
    fn text(&self) -> String {
        format!("{:?}", self.0.lock().unwrap())
    }
}

#[scoped("admin")]
async fn admin(token: Token) -> String {
    token.identity().to_owned()
}

#[tokio::test]
async fn every_refusal_is_one_event_with_its_reason_and_no_token_bytes() {
    let capture = Capture::default();
    // The test runtime is single-threaded: the server's tasks run under this subscriber.
    let _guard = tracing::subscriber::set_default(Registry::default().with(capture.clone()));
    let jwt = Jwt::builder()
        .secret(SECRET)
        .issuer("https://auth.example.com")
        .build()
        .unwrap();
    let router = Router::new()
        .route("/orders/{id}", get(admin))
        .layer(jwt.layer());
    let s = serve_router(router).await;
    let mut seen = Vec::new();

    // No token: the reason, status, method and the route template.
    let r = s.get_with("/orders/7", &[]).await;
    assert_eq!(r.status, 401);
    let e = &capture.the_refusal();
    assert_eq!(
        (e.target.as_str(), e.level.as_str()),
        ("axum_jwt_guard", "INFO")
    );
    let field = |e: &Record, k: &str| e.fields.get(k).cloned();
    assert_eq!(field(e, "reason").as_deref(), Some("missing_token"));
    assert_eq!(field(e, "status").as_deref(), Some("401"));
    assert_eq!(field(e, "method").as_deref(), Some("GET"));
    assert_eq!(field(e, "route").as_deref(), Some("/orders/{id}"));
    assert_eq!(field(e, "kid"), None);

    // A token that does not verify: what its header and `iss` say, as sent (the subscriber
    // escapes it), and no identity (nothing of it was verified).
    let forged = {
        let header = r#"{"alg":"HS256","typ":"at+jwt","kid":"evil\"\nkid"}"#;
        forge_hs256(header, &claims(json!({"iss": "https://elsewhere.example"})))
    };
    s.get_bearer("/orders/7", &forged)
        .await
        .assert_invalid_token("unknown_key");
    seen.push(forged.clone());
    let e = &capture.the_refusal();
    assert_eq!(field(e, "reason").as_deref(), Some("unknown_key"));
    assert_eq!(field(e, "alg").as_deref(), Some("HS256"));
    assert_eq!(field(e, "kid").as_deref(), Some("evil\"\nkid"));
    assert_eq!(
        field(e, "iss").as_deref(),
        Some("https://elsewhere.example")
    );
    assert_eq!(field(e, "identity"), None);

    // A verified token refused by the route's scope: its identity too, and a 403.
    let user = jwt
        .access_token("alice")
        .scopes(["user:read"])
        .sign()
        .unwrap();
    let r = s.get_bearer("/orders/7", &user).await;
    assert_eq!(r.status, 403);
    seen.push(user.clone());
    let e = &capture.the_refusal();
    assert_eq!(field(e, "reason").as_deref(), Some("insufficient_scope"));
    assert_eq!(field(e, "status").as_deref(), Some("403"));
    assert_eq!(field(e, "identity").as_deref(), Some("alice"));
    assert_eq!(field(e, "iss").as_deref(), Some("https://auth.example.com"));
    assert!(field(e, "kid").is_some_and(|k| !k.is_empty()));

    // Revoked: the identity, reason `revoked`.
    let admin_token = jwt.access_token("root").scopes(["admin"]).sign().unwrap();
    let verified = jwt.verify_access::<()>(&admin_token).unwrap();
    jwt.revoke(&verified).await.unwrap();
    s.get_bearer("/orders/7", &admin_token)
        .await
        .assert_invalid_token("revoked");
    seen.push(admin_token.clone());
    assert_eq!(
        field(&capture.the_refusal(), "identity").as_deref(),
        Some("root")
    );

    // An accepted request writes no refusal, and runs in an `admit` span.
    let fine = jwt.access_token("root2").scopes(["admin"]).sign().unwrap();
    assert_eq!(s.get_bearer("/orders/7", &fine).await.status, 200);
    seen.push(fine.clone());
    let text = capture.text();
    assert!(capture.refusals().is_empty());
    assert!(text.contains("name: \"admit\""), "{text}");

    // No token, signature or payload bytes anywhere in what was captured.
    let _ = s.get_bearer("/orders/7", &forged).await;
    let _ = s.get_bearer("/orders/7", &user).await;
    let text = capture.text();
    for token in &seen {
        let parts: Vec<&str> = token.split('.').collect();
        for part in [token.as_str(), parts[1], parts[2]] {
            assert!(!text.contains(part), "token bytes in the logs: {part}");
        }
    }
    assert!(!text.contains(&b64(SECRET)) && !text.contains(SECRET));
}

/// The size limit (`max_token_bytes`) includes its bound, and a token beyond it is refused
/// before any of it is read: its refusal names no `alg`, `kid` or `iss`. A token at the bound
/// is read as any other (SECURITY.md A5).
#[tokio::test]
async fn a_token_beyond_the_size_limit_is_refused_unread_and_one_at_it_is_read() {
    let capture = Capture::default();
    let _guard = tracing::subscriber::set_default(Registry::default().with(capture.clone()));
    let limited = |max: usize| {
        Jwt::builder()
            .secret(SECRET)
            .max_token_bytes(max)
            .build()
            .unwrap()
    };
    let serve_limited = |max: usize| {
        let router = Router::new()
            .route("/orders/{id}", get(admin))
            .layer(limited(max).layer());
        serve_router(router)
    };
    let field = |e: &Record, k: &str| e.fields.get(k).cloned();
    let valid = limited(4096)
        .access_token("alice")
        .scopes(["admin"])
        .sign()
        .unwrap();

    // Exactly at the limit: verified and served.
    let s = serve_limited(valid.len()).await;
    let r = s.get_bearer("/orders/7", &valid).await;
    assert_eq!((r.status, &r.body), (200, &json!("alice")));
    assert!(capture.refusals().is_empty());

    // One byte over: refused by size, and nothing of it is in the refusal.
    let s = serve_limited(valid.len() - 1).await;
    s.get_bearer("/orders/7", &valid)
        .await
        .assert_invalid_token("token_too_large");
    let e = &capture.the_refusal();
    assert_eq!(field(e, "reason").as_deref(), Some("token_too_large"));
    for hint in ["alg", "kid", "iss"] {
        assert_eq!(field(e, hint), None, "{hint} read from an oversized token");
    }

    // A forged token exactly at the limit is read: refused for its key, with its hints.
    let forged = forge_hs256(
        r#"{"alg":"HS256","typ":"at+jwt","kid":"other"}"#,
        &claims(json!({"iss": "https://elsewhere.example"})),
    );
    let s = serve_limited(forged.len()).await;
    s.get_bearer("/orders/7", &forged)
        .await
        .assert_invalid_token("unknown_key");
    let e = &capture.the_refusal();
    assert_eq!(field(e, "alg").as_deref(), Some("HS256"));
    assert_eq!(field(e, "kid").as_deref(), Some("other"));
    assert_eq!(
        field(e, "iss").as_deref(),
        Some("https://elsewhere.example")
    );
}

#[derive(serde::Deserialize)]
struct Credentials {
    username: String,
    password: String,
}

struct OneUser;

impl axum_jwt_guard::Authenticator for OneUser {
    type Credentials = Credentials;
    type User = String;
    type UserView = String;
    type Claims = ();

    async fn authenticate(&self, c: Credentials) -> Result<String, axum_jwt_guard::AuthError> {
        if c.username == "alice" && c.password == "correct horse" {
            Ok(c.username)
        } else {
            Err(axum_jwt_guard::AuthError::AuthenticationFailed)
        }
    }
    fn identity(&self, user: &String) -> String {
        user.clone()
    }
    async fn retrieve_user(&self, token: &Token) -> Option<String> {
        Some(token.identity().to_owned())
    }
}

/// The `/auth` endpoints' own refusals: a failed login (never the password), a spent refresh
/// token presented again (with the identity it was for).
#[tokio::test]
async fn the_auth_endpoints_refusals_are_events_too() {
    let capture = Capture::default();
    let _guard = tracing::subscriber::set_default(Registry::default().with(capture.clone()));
    let jwt = Jwt::builder()
        .secret(SECRET)
        .refresh_grace(std::time::Duration::ZERO)
        .build()
        .unwrap();
    let s = serve_router(jwt.auth_routes(OneUser)).await;
    let r = s
        .post_json(
            "/auth",
            &[],
            &json!({"username": "alice", "password": "wrong horse"}),
        )
        .await;
    assert_eq!(r.status, 401);
    let e = &capture.the_refusal();
    assert_eq!(e.fields["reason"], "authentication_failed");
    assert_eq!(
        (e.fields["method"].as_str(), e.fields["route"].as_str()),
        ("POST", "/auth")
    );

    let (_, refresh) = s
        .token_pair(
            "/auth",
            &json!({"username": "alice", "password": "correct horse"}),
        )
        .await;
    let body = json!({ "refresh_token": refresh });
    assert_eq!(s.post_json("/auth/refresh", &[], &body).await.status, 200);
    assert!(capture.refusals().is_empty());
    let r = s.post_json("/auth/refresh", &[], &body).await;
    r.assert_invalid_token("refresh_token_reused");
    let e = &capture.the_refusal();
    assert_eq!(e.fields["reason"], "refresh_token_reused");
    assert_eq!(e.fields["identity"], "alice");
    let text = capture.text();
    assert!(!text.contains("horse") && !text.contains(refresh.rsplit('.').next().unwrap()));
}

/// Turning expiry checks off is said once, as a warning, when the handle is built; a handle
/// that checks expiry says nothing of the kind.
#[test]
fn disabling_expiry_checks_warns_at_build_time_and_only_then() {
    let capture = Capture::default();
    let _guard = tracing::subscriber::set_default(Registry::default().with(capture.clone()));
    let warnings = || {
        capture
            .0
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.kind == "event" && r.level == "WARN" && r.name.contains("expiry"))
            .count()
    };
    Jwt::builder().secret(SECRET).build().unwrap();
    assert_eq!(warnings(), 0);
    Jwt::builder()
        .secret(SECRET)
        .dangerously_disable_expiry_verification()
        .build()
        .unwrap();
    assert_eq!(warnings(), 1);
}

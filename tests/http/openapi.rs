//! OpenAPI (feature `utoipa`): each guarded operation's security requirement comes from its
//! attribute, with `#[utoipa::path]` above or below it; the document is valid OpenAPI 3.1
//! (checked by openapi-spec-validator, see `common::openapi`).

use axum_jwt_guard::openapi::SecurityScheme;
use axum_jwt_guard::{
    IdentityProvider, Jwt, fresh_jwt_required, jwt_optional, jwt_required, refresh_jwt_required,
    scoped,
};
use serde_json::{Value, json};
use utoipa::OpenApi;

use crate::common::*;

/// Ours below utoipa's.
#[utoipa::path(get, path = "/users", responses((status = 200, description = "the users")))]
#[scoped("user:read")]
async fn users() -> &'static str {
    "alice"
}

/// Ours above utoipa's.
#[scoped("admin")]
#[utoipa::path(get, path = "/admin", responses((status = 200, description = "admins only")))]
async fn admin() -> &'static str {
    "admin"
}

#[utoipa::path(get, path = "/health", responses((status = 200, description = "up")))]
async fn health() -> &'static str {
    "ok"
}

/// Any one of two scopes, and a role allow-list.
#[utoipa::path(get, path = "/reports", responses((status = 200, description = "reports")))]
#[scoped("reports:read", "admin", require_all = false)]
#[jwt_required(allow = ["ADMIN", "STAFF"])]
async fn reports() -> &'static str {
    "reports"
}

/// Every listed scope: one requirement holding them all.
#[utoipa::path(get, path = "/orders", responses((status = 200, description = "orders")))]
#[scoped("orders:read", "audit")]
async fn orders() -> &'static str {
    "orders"
}

/// Any one action of a scope is enough: said in the extension.
#[utoipa::path(post, path = "/orders", responses((status = 200, description = "changed")))]
#[scoped("orders:read:write", require_all_actions = false)]
async fn change_order() -> &'static str {
    "changed"
}

#[jwt_optional]
#[utoipa::path(get, path = "/greeting", responses((status = 200, description = "hello")))]
async fn greeting() -> &'static str {
    "hello"
}

/// A 403 the path declares itself is kept.
#[utoipa::path(
    post,
    path = "/account/password",
    responses((status = 204, description = "changed"), (status = 403, description = "mine"))
)]
#[fresh_jwt_required]
async fn password() -> &'static str {
    "changed"
}

#[utoipa::path(post, path = "/session", responses((status = 200, description = "renewed")))]
#[refresh_jwt_required]
async fn session() -> &'static str {
    "renewed"
}

/// Guarded, not documented: the glue compiles and stays out of the way.
#[jwt_required]
async fn undocumented() -> &'static str {
    "hidden"
}

#[derive(OpenApi)]
#[openapi(
    paths(users, admin, health, reports, orders, change_order, greeting, password, session),
    modifiers(&SecurityScheme)
)]
struct Api;

fn operation<'a>(doc: &'a Value, path: &str, method: &str) -> &'a Value {
    &doc["paths"][path][method]
}

#[test]
fn requirements_come_from_the_attributes_in_either_order() {
    let doc = serde_json::to_value(Api::openapi()).expect("serialises");
    assert_eq!(
        operation(&doc, "/users", "get")["security"],
        json!([{"jwt": ["user:read"]}])
    );
    assert_eq!(
        operation(&doc, "/admin", "get")["security"],
        json!([{"jwt": ["admin"]}])
    );
    assert_eq!(operation(&doc, "/health", "get").get("security"), None);
    assert_eq!(
        operation(&doc, "/greeting", "get")["security"],
        json!([{}, {"jwt": []}])
    );
    // Any one scope: one requirement per scope; roles in the extension.
    let reports = operation(&doc, "/reports", "get");
    assert_eq!(
        reports["security"],
        json!([{"jwt": ["reports:read"]}, {"jwt": ["admin"]}])
    );
    assert_eq!(
        reports["x-jwt-requirement"],
        json!({"allow_roles": ["ADMIN", "STAFF"]})
    );
    let orders = operation(&doc, "/orders", "get");
    assert_eq!(
        orders["security"],
        json!([{"jwt": ["orders:read", "audit"]}])
    );
    assert_eq!(orders.get("x-jwt-requirement"), None);
    let change = operation(&doc, "/orders", "post");
    assert_eq!(change["security"], json!([{"jwt": ["orders:read:write"]}]));
    assert_eq!(change["x-jwt-requirement"], json!({"any_action": true}));
    let password = operation(&doc, "/account/password", "post");
    assert_eq!(password["x-jwt-requirement"], json!({"fresh": true}));
    assert_eq!(password["responses"]["403"]["description"], "mine");
    assert!(password["responses"]["401"]["description"].is_string());
    let session = operation(&doc, "/session", "post");
    assert_eq!(session["x-jwt-requirement"], json!({"token": "refresh"}));
    // 401 on every guarded operation, 403 only where something can be forbidden.
    assert!(operation(&doc, "/users", "get")["responses"]["403"].is_object());
    assert!(operation(&doc, "/greeting", "get")["responses"]["401"].is_object());
    assert_eq!(
        operation(&doc, "/greeting", "get")["responses"].get("403"),
        None
    );
    assert_eq!(
        operation(&doc, "/health", "get")["responses"].get("401"),
        None
    );
    assert_eq!(
        doc["components"]["securitySchemes"]["jwt"],
        json!({"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
               "description": doc["components"]["securitySchemes"]["jwt"]["description"]})
    );
    assert_valid_openapi(&doc);
}

#[test]
fn a_handle_with_a_discovered_provider_offers_openid_connect_too() {
    let jwt = Jwt::builder()
        .secret(SECRET)
        .identity_provider(
            IdentityProvider::discover("https://idp.example.com/realms/shop").audience("api"),
        )
        .build()
        .expect("builds");
    let doc = serde_json::to_value(jwt.openapi_document(Api::openapi())).expect("serialises");
    assert_eq!(
        doc["components"]["securitySchemes"]["oidc"],
        json!({"type": "openIdConnect",
               "openIdConnectUrl": "https://idp.example.com/realms/shop/.well-known/openid-configuration"})
    );
    assert_eq!(
        operation(&doc, "/users", "get")["security"],
        json!([{"jwt": ["user:read"]}, {"oidc": ["user:read"]}])
    );
    assert_eq!(
        operation(&doc, "/greeting", "get")["security"],
        json!([{}, {"jwt": []}, {"oidc": []}])
    );
    assert_eq!(operation(&doc, "/health", "get").get("security"), None);
    assert_valid_openapi(&doc);

    // Our own tokens only: the bearer scheme alone.
    let doc = serde_json::to_value(hs256_jwt().openapi_document(Api::openapi())).expect("json");
    let schemes = doc["components"]["securitySchemes"]
        .as_object()
        .expect("schemes");
    assert_eq!(schemes.keys().collect::<Vec<_>>(), ["jwt"]);
}

/// The validity check can fail: a document without `info` or with a broken security
/// requirement is refused.
#[test]
fn the_validator_refuses_an_invalid_document() {
    let mut doc = serde_json::to_value(Api::openapi()).expect("serialises");
    doc.as_object_mut().map(|d| d.remove("info"));
    if let Some(verdict) = openapi_verdict(&doc) {
        assert!(verdict.is_err(), "a document without info passed");
    }
    let mut doc = serde_json::to_value(Api::openapi()).expect("serialises");
    doc["paths"]["/users"]["get"]["security"] = json!([{"jwt": "user:read"}]);
    if let Some(verdict) = openapi_verdict(&doc) {
        assert!(verdict.is_err(), "a scope string instead of a list passed");
    }
}

/// The served routes answer what their operations document: 401 without a token where the
/// document lists one, 403 for a missing scope, 200 where no token is needed.
#[tokio::test]
async fn the_served_routes_answer_as_documented() {
    use axum::routing::{get, post};
    let jwt = hs256_jwt();
    let doc = serde_json::to_value(jwt.openapi_document(Api::openapi())).expect("json");
    let router = axum::Router::new()
        .route("/users", get(users))
        .route("/admin", get(admin))
        .route("/health", get(health))
        .route("/reports", get(reports))
        .route("/orders", get(orders).post(change_order))
        .route("/greeting", get(greeting))
        .route("/account/password", post(password))
        .route("/session", post(session))
        .route("/undocumented", get(undocumented))
        .layer(jwt.layer());
    let server = serve_router(router).await;
    let reader = jwt
        .access_token("alice")
        .scopes(["user:read"])
        .sign()
        .expect("signs");
    for (method, path) in [("get", "/users"), ("get", "/admin"), ("get", "/reports")] {
        assert!(operation(&doc, path, method)["responses"]["401"].is_object());
        let r = server.get_with(path, &[]).await;
        assert_eq!((r.status, r.reason()), (401, "missing_token"), "{path}");
    }
    for path in ["/session", "/account/password"] {
        let r = server.post_json(path, &[], &json!({})).await;
        assert_eq!(r.status, 401, "{path}");
    }
    assert_eq!(server.get_bearer("/users", &reader).await.status, 200);
    let r = server.get_bearer("/admin", &reader).await;
    assert_eq!((r.status, r.reason()), (403, "insufficient_scope"));
    assert_eq!(server.get_with("/health", &[]).await.status, 200);
    assert_eq!(server.get_with("/greeting", &[]).await.status, 200);
    assert_eq!(server.get_with("/undocumented", &[]).await.status, 401);
    // `/orders`: one requirement with both scopes (GET), any one action (POST).
    let with = |scopes: &[&str]| {
        jwt.access_token("alice")
            .scopes(scopes.iter().copied())
            .sign()
            .expect("signs")
    };
    let one = with(&["orders:read"]);
    let r = server.get_bearer("/orders", &one).await;
    assert_eq!((r.status, r.reason()), (403, "insufficient_scope"));
    assert_eq!(
        server
            .get_bearer("/orders", &with(&["orders:read", "audit"]))
            .await
            .status,
        200
    );
    let bearer = format!("Bearer {one}");
    let r = server
        .post_json("/orders", &[("authorization", &bearer)], &json!({}))
        .await;
    assert_eq!(r.status, 200);
}

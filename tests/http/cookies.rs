//! Cookie transport and double-submit CSRF over HTTP (SECURITY.md H2, H4, H5).

use crate::common::*;
use axum::routing::{get, post};
use axum::{Json, Router};
use axum_jwt_guard::{
    AuthError, Authenticator, CookieConfig, Jwt, JwtBuilder, SameSite, Token, TokenLocation,
    jwt_required,
};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
struct Credentials {
    username: String,
    password: String,
}

struct Users;

impl Authenticator for Users {
    type Credentials = Credentials;
    type User = String;
    type UserView = Value;
    type Claims = ();

    async fn authenticate(&self, c: Credentials) -> Result<String, AuthError> {
        if c.username == "alice" && c.password == "alice-password" {
            Ok(c.username)
        } else {
            Err(AuthError::AuthenticationFailed)
        }
    }
    fn identity(&self, user: &String) -> String {
        user.clone()
    }
    async fn retrieve_user(&self, token: &Token) -> Option<Value> {
        Some(json!({ "username": token.identity() }))
    }
}

#[jwt_required]
async fn read(token: Token) -> String {
    token.identity().to_owned()
}

#[jwt_required]
async fn write(token: Token, Json(body): Json<Value>) -> Json<Value> {
    Json(json!({ "identity": token.identity(), "body": body }))
}

fn builder(locations: &[TokenLocation]) -> JwtBuilder {
    Jwt::builder()
        .secret(SECRET)
        .token_locations(locations.iter().copied())
}

async fn start(b: JwtBuilder) -> (Jwt, Server) {
    let jwt = b.build().expect("config");
    let app = Router::new()
        .route("/read", get(read))
        .route("/write", post(write).put(write).patch(write).delete(write))
        .layer(jwt.layer())
        .merge(jwt.auth_routes(Users));
    (jwt.clone(), serve_router(app).await)
}

/// The cookies a response sets: name -> (value, attributes).
fn set_cookies(r: &Reply) -> Vec<(String, String, String)> {
    r.header_values("set-cookie")
        .into_iter()
        .map(|line| {
            let (pair, attrs) = line.split_once(';').unwrap_or((&line, ""));
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (name.to_owned(), value.to_owned(), attrs.trim().to_owned())
        })
        .collect()
}

fn cookie<'a>(all: &'a [(String, String, String)], name: &str) -> &'a (String, String, String) {
    all.iter()
        .find(|(n, _, _)| n == name)
        .unwrap_or_else(|| panic!("no {name} cookie in {all:?}"))
}

struct Session {
    access: String,
    csrf_access: String,
    refresh: String,
    csrf_refresh: String,
}

/// `POST /auth` as alice, asserting a 200.
async fn post_login(s: &Server) -> Reply {
    let r = s
        .post_json(
            "/auth",
            &[],
            &json!({"username": "alice", "password": "alice-password"}),
        )
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    r
}

async fn login(s: &Server) -> (Reply, Session) {
    let r = post_login(s).await;
    let all = set_cookies(&r);
    let session = Session {
        access: cookie(&all, "access_token_cookie").1.clone(),
        csrf_access: cookie(&all, "csrf_access_token").1.clone(),
        refresh: cookie(&all, "refresh_token_cookie").1.clone(),
        csrf_refresh: cookie(&all, "csrf_refresh_token").1.clone(),
    };
    (r, session)
}

#[tokio::test]
async fn login_sets_httponly_token_cookies_and_readable_csrf_cookies() {
    let (jwt, s) = start(builder(&[TokenLocation::Cookie])).await;
    let (r, session) = login(&s).await;
    let all = set_cookies(&r);
    assert_eq!(all.len(), 4, "{all:?}");
    let access = cookie(&all, "access_token_cookie");
    for attr in [
        "HttpOnly",
        "Secure",
        "SameSite=Lax",
        "Path=/",
        "Max-Age=900",
    ] {
        assert!(access.2.contains(attr), "{attr} missing: {}", access.2);
    }
    let csrf = cookie(&all, "csrf_access_token");
    assert!(
        !csrf.2.contains("HttpOnly"),
        "scripts must read the CSRF cookie"
    );
    assert!(csrf.2.contains("Secure") && csrf.2.contains("SameSite=Lax"));
    let refresh = cookie(&all, "refresh_token_cookie");
    assert!(refresh.2.contains("HttpOnly") && refresh.2.contains("Max-Age=2592000"));
    // The CSRF value is bound to the token (signed double submit).
    let token = jwt.verify_access::<()>(&session.access).unwrap();
    assert_eq!(token.csrf(), Some(session.csrf_access.as_str()));
    let refresh = jwt.verify_refresh::<()>(&session.refresh).unwrap();
    assert_eq!(refresh.csrf(), Some(session.csrf_refresh.as_str()));
    assert_ne!(session.csrf_access, session.csrf_refresh);
    // The JSON body still carries the tokens.
    assert_eq!(r.body["access_token"], session.access.as_str());
}

#[tokio::test]
async fn csrf_rows() {
    let (_, s) = start(builder(&[TokenLocation::Cookie])).await;
    let (_, session) = login(&s).await;
    let cookie = format!("access_token_cookie={}", session.access);
    // GET needs no CSRF header.
    let r = s.get_with("/read", &[("cookie", &cookie)]).await;
    assert_eq!((r.status, r.body.clone()), (200, json!("alice")));
    // That GET left the token in the verified-token cache (on by default), so every check
    // below runs on a cache hit: CSRF is checked per request, never cached.
    // POST without the header.
    let r = s
        .post_json("/write", &[("cookie", &cookie)], &json!({"x": 1}))
        .await;
    r.assert_invalid_token("csrf_missing");
    // Wrong header.
    let r = s
        .post_json(
            "/write",
            &[("cookie", &cookie), ("x-csrf-token", "wrong")],
            &json!({"x": 1}),
        )
        .await;
    r.assert_invalid_token("csrf_mismatch");
    // The CSRF value of the refresh token is not the access token's.
    let r = s
        .post_json(
            "/write",
            &[("cookie", &cookie), ("x-csrf-token", &session.csrf_refresh)],
            &json!({"x": 1}),
        )
        .await;
    r.assert_invalid_token("csrf_mismatch");
    // Right header.
    let r = s
        .post_json(
            "/write",
            &[("cookie", &cookie), ("X-CSRF-TOKEN", &session.csrf_access)],
            &json!({"x": 1}),
        )
        .await;
    assert_eq!(
        (r.status, r.body.clone()),
        (200, json!({"identity": "alice", "body": {"x": 1}}))
    );
    // PUT, PATCH and DELETE are protected too.
    let body = Some(br#"{"x":1}"#.to_vec());
    for method in ["PUT", "PATCH", "DELETE"] {
        let json = ("content-type", "application/json");
        let r = s
            .request(method, "/write", &[("cookie", &cookie), json], body.clone())
            .await;
        r.assert_invalid_token("csrf_missing");
        let r = s
            .request(
                method,
                "/write",
                &[
                    ("cookie", &cookie),
                    json,
                    ("x-csrf-token", &session.csrf_access),
                ],
                body.clone(),
            )
            .await;
        assert_eq!(r.status, 200, "{method}: {r:?}");
    }
}

#[tokio::test]
async fn an_attacker_planted_cookie_and_header_pair_is_refused() {
    let (_, s) = start(builder(&[TokenLocation::Cookie])).await;
    let (_, session) = login(&s).await;
    // The attacker can write a CSRF cookie and a matching header, but not the token's claim.
    let planted = format!(
        "access_token_cookie={}; csrf_access_token=planted",
        session.access
    );
    let r = s
        .post_json(
            "/write",
            &[("cookie", &planted), ("x-csrf-token", "planted")],
            &json!({}),
        )
        .await;
    r.assert_invalid_token("csrf_mismatch");
    // A token cookie given twice (cookie tossing) is refused outright.
    let tossed = format!(
        "access_token_cookie={}; access_token_cookie={}",
        session.access, session.access
    );
    let r = s.get_with("/read", &[("cookie", &tossed)]).await;
    assert_eq!((r.status, r.reason()), (400, "invalid_request"));
}

/// A cookie with bytes outside ASCII (`pref=café`, or one planted from a sibling domain) does
/// not hide the token cookie beside it, and does not hide a duplicate either.
#[tokio::test]
async fn a_cookie_of_any_bytes_does_not_hide_the_token_cookie() {
    let (_, s) = start(builder(&[TokenLocation::Cookie])).await;
    let (_, session) = login(&s).await;
    let mut line = b"Cookie: pref=caf\xc3\xa9; theme=\xff; access_token_cookie=".to_vec();
    line.extend_from_slice(session.access.as_bytes());
    let (status, text) = s.raw_get("/read", &line).await;
    assert_eq!(status, 200, "{text}");
    // The same token cookie again in a second header that also holds a non-ASCII byte.
    let mut line = format!("Cookie: access_token_cookie={}\r\n", session.access).into_bytes();
    line.extend_from_slice(b"Cookie: pref=caf\xc3\xa9; access_token_cookie=");
    line.extend_from_slice(session.access.as_bytes());
    let (status, text) = s.raw_get("/read", &line).await;
    assert_eq!(status, 400, "{text}");
    assert!(text.contains("\"reason\":\"invalid_request\""), "{text}");
}

#[tokio::test]
async fn header_tokens_need_no_csrf_and_location_order_decides() {
    // Two instances of one service: they share the revocation store that holds the login.
    let store: std::sync::Arc<dyn axum_jwt_guard::RevocationStore> =
        std::sync::Arc::new(axum_jwt_guard::MemoryStore::new());
    let (jwt, s) = start(
        builder(&[TokenLocation::Header, TokenLocation::Cookie])
            .shared_revocation_store(store.clone()),
    )
    .await;
    let (_, session) = login(&s).await;
    let header = format!("Bearer {}", session.access);
    let r = s
        .post_json("/write", &[("authorization", &header)], &json!({"y": 2}))
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    // Header first: a bad header token is not rescued by a good cookie.
    let cookie = format!("access_token_cookie={}", session.access);
    let r = s
        .get_with(
            "/read",
            &[("authorization", "Bearer x.y.z"), ("cookie", &cookie)],
        )
        .await;
    r.assert_invalid_token("malformed");
    // Cookie first: the cookie is used (and the header ignored).
    let (_, s2) = start(
        builder(&[TokenLocation::Cookie, TokenLocation::Header]).shared_revocation_store(store),
    )
    .await;
    let r = s2
        .get_with(
            "/read",
            &[("authorization", "Bearer x.y.z"), ("cookie", &cookie)],
        )
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    // An emptied cookie (`access_token_cookie=`, `=""`) is no token: with the cookie first,
    // the header's token is the request's; alone, the request carries no token at all.
    let good_header = format!("Bearer {}", session.access);
    for empty in ["access_token_cookie=", "access_token_cookie=\"\""] {
        let r = s2
            .get_with(
                "/read",
                &[("authorization", &good_header), ("cookie", empty)],
            )
            .await;
        assert_eq!((r.status, &r.body), (200, &json!("alice")), "{empty}");
        let r = s2.get_with("/read", &[("cookie", empty)]).await;
        assert_eq!(r.status, 401, "{empty}: {r:?}");
        assert_eq!(r.www_authenticate.as_deref(), Some("Bearer"), "{empty}");
        assert_eq!(r.reason(), "missing_token", "{empty}");
    }
    // Nothing anywhere: the message names every place looked in.
    let r = s.get_with("/read", &[]).await;
    let m = r.body["message"].as_str().unwrap();
    assert!(
        m.contains("authorization header") && m.contains("`access_token_cookie` cookie"),
        "{m}"
    );
    // Cookies get identical validation: alg none through a cookie fails.
    let none = format!("{}.{}.", b64(r#"{"alg":"none"}"#), b64(claims(json!({}))));
    s.get_with(
        "/read",
        &[("cookie", &format!("access_token_cookie={none}"))],
    )
    .await
    .assert_invalid_token("wrong_algorithm");
    drop(jwt);
}

/// A service that reads tokens from the header alone neither writes cookies nor reads them:
/// its login sets none and binds no CSRF value into the tokens, its refresh endpoint ignores
/// a refresh cookie, and its logout clears none.
#[tokio::test]
async fn a_header_only_service_sets_and_reads_no_cookies() {
    let (_, s) = start(builder(&[TokenLocation::Header])).await;
    let r = post_login(&s).await;
    assert_eq!(r.header_values("set-cookie"), Vec::<String>::new());
    let access = r.body["access_token"].as_str().unwrap().to_owned();
    let refresh = r.body["refresh_token"].as_str().unwrap().to_owned();
    assert_eq!(decode_part(&access, 1).get("csrf"), None);
    let cookie = format!("refresh_token_cookie={refresh}");
    let r = s
        .request("POST", "/auth/refresh", &[("cookie", &cookie)], None)
        .await;
    assert_eq!((r.status, r.reason()), (401, "missing_token"), "{r:?}");
    let bearer = format!("Bearer {access}");
    let r = s
        .request("POST", "/auth/logout", &[("authorization", &bearer)], None)
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.header_values("set-cookie"), Vec::<String>::new());
}

#[tokio::test]
async fn refresh_and_logout_through_cookies() {
    let (_, s) = start(builder(&[TokenLocation::Cookie])).await;
    let (_, session) = login(&s).await;
    let refresh_cookie = format!("refresh_token_cookie={}", session.refresh);
    // Without the CSRF header: refused.
    let r = s
        .request(
            "POST",
            "/auth/refresh",
            &[("cookie", &refresh_cookie)],
            None,
        )
        .await;
    r.assert_invalid_token("csrf_missing");
    let r = s
        .request(
            "POST",
            "/auth/refresh",
            &[
                ("cookie", &refresh_cookie),
                ("x-csrf-token", &session.csrf_refresh),
            ],
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    let all = set_cookies(&r);
    let new_access = cookie(&all, "access_token_cookie").1.clone();
    let new_csrf = cookie(&all, "csrf_access_token").1.clone();
    assert_ne!(new_access, session.access);
    let new_refresh = cookie(&all, "refresh_token_cookie").1.clone();
    // Logout with every cookie a browser sends (the refresh cookie too, with only the access
    // token's CSRF value): every cookie is cleared, both tokens are revoked.
    let cookies = format!("access_token_cookie={new_access}; refresh_token_cookie={new_refresh}");
    let r = s
        .request(
            "POST",
            "/auth/logout",
            &[("cookie", &cookies), ("x-csrf-token", &new_csrf)],
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    let cleared = set_cookies(&r);
    assert_eq!(cleared.len(), 4);
    assert!(
        cleared
            .iter()
            .all(|(_, v, a)| v.is_empty() && a.contains("Max-Age=0")),
        "{cleared:?}"
    );
    // The revoked cookie token is refused on every transport.
    let r = s.get_with("/read", &[("cookie", &cookies)]).await;
    r.assert_invalid_token("revoked");
    let r = s
        .request(
            "POST",
            "/auth/refresh",
            &[
                ("cookie", &format!("refresh_token_cookie={new_refresh}")),
                ("x-csrf-token", "any"),
            ],
            None,
        )
        .await;
    assert_eq!(r.status, 401, "{r:?}");
}

#[tokio::test]
async fn cookie_attributes_are_configurable() {
    let config = CookieConfig {
        access_cookie: "__Host-at".into(),
        csrf_access_cookie: "csrf_at".into(),
        same_site: SameSite::Strict,
        domain: None,
        csrf_header: "x-xsrf".into(),
        ..CookieConfig::default()
    };
    let (_, s) = start(builder(&[TokenLocation::Cookie]).cookie_config(config)).await;
    let r = post_login(&s).await;
    let all = set_cookies(&r);
    let at = cookie(&all, "__Host-at");
    assert!(
        at.2.contains("SameSite=Strict") && at.2.contains("Path=/"),
        "{at:?}"
    );
    let csrf = cookie(&all, "csrf_at").1.clone();
    let c = format!("__Host-at={}", at.1);
    let r = s
        .post_json("/write", &[("cookie", &c), ("x-xsrf", &csrf)], &json!({}))
        .await;
    assert_eq!(r.status, 200, "{r:?}");
}

/// What `build()` refuses in a cookie configuration, naming the setting, and what it allows.
#[test]
fn cookie_configuration_is_checked_at_build() {
    let build = |config: CookieConfig| {
        Jwt::builder()
            .secret(SECRET)
            .token_locations([TokenLocation::Cookie])
            .cookie_config(config)
            .build()
            .map(drop)
            .map_err(|e| e.to_string())
    };
    // SameSite=None needs Secure; Secure off (plain HTTP in development) is fine otherwise.
    let err = build(CookieConfig {
        same_site: SameSite::None,
        secure: false,
        ..CookieConfig::default()
    })
    .unwrap_err();
    assert!(err.contains("cookie_config.same_site"), "{err}");
    for (same_site, secure) in [
        (SameSite::None, true),
        (SameSite::Lax, false),
        (SameSite::Strict, false),
    ] {
        assert_eq!(
            build(CookieConfig {
                same_site,
                secure,
                ..CookieConfig::default()
            }),
            Ok(()),
            "{same_site:?}, secure {secure}"
        );
    }
    // Cookie names: letters, digits, `-`, `_`, `.`; never empty.
    type Field = fn(&mut CookieConfig) -> &mut String;
    let fields: [(&str, Field); 4] = [
        ("cookie_config.access_cookie", |c| &mut c.access_cookie),
        ("cookie_config.refresh_cookie", |c| &mut c.refresh_cookie),
        ("cookie_config.csrf_access_cookie", |c| {
            &mut c.csrf_access_cookie
        }),
        ("cookie_config.csrf_refresh_cookie", |c| {
            &mut c.csrf_refresh_cookie
        }),
    ];
    for (setting, field) in fields {
        for bad in ["", "a b", "a;b", "a=b", "caf\u{e9}"] {
            let mut config = CookieConfig::default();
            *field(&mut config) = bad.into();
            let err = build(config).unwrap_err();
            assert!(err.contains(setting), "{setting} = {bad:?}: {err}");
        }
        let mut config = CookieConfig::default();
        *field(&mut config) = "__Host-my_cookie.v2".into();
        assert_eq!(build(config), Ok(()), "{setting}");
    }
    // The CSRF header must be a header name.
    let err = build(CookieConfig {
        csrf_header: "x csrf".into(),
        ..CookieConfig::default()
    })
    .unwrap_err();
    assert!(err.contains("cookie_config.csrf_header"), "{err}");
}

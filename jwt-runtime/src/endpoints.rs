//! sanic-jwt's built-in endpoints, typed: `POST /auth`, `GET /auth/verify`, `GET /auth/me`,
//! `POST /auth/refresh`, `POST /auth/logout`.

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

use crate::claims::PrivateClaims;
use crate::config::Jwt;
use crate::error::AuthError;
use crate::issue::{LoginBuilder, TokenPair};
use crate::token::Token;

/// The application side of the built-in endpoints: how to check credentials and what goes
/// into a token. sanic-jwt's `authenticate`, `add_scopes_to_payload`, `extend_payload` and
/// `retrieve_user`, typed.
///
/// ```
/// use jwt_runtime::{AuthError, Authenticator, Payload, Token};
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Deserialize)]
/// struct Credentials { username: String, password: String }
///
/// struct User { name: String, admin: bool }
///
/// #[derive(Serialize)]
/// struct UserView { name: String }
///
/// struct Users;
///
/// impl Authenticator for Users {
///     type Credentials = Credentials;
///     type User = User;
///     type UserView = UserView;
///     type Claims = ();
///
///     async fn authenticate(&self, c: Credentials) -> Result<User, AuthError> {
///         if c.username == "alice" && c.password == "secret" {
///             Ok(User { name: c.username, admin: false })
///         } else {
///             Err(AuthError::AuthenticationFailed)
///         }
///     }
///     fn identity(&self, user: &User) -> String { user.name.clone() }
///     fn scopes(&self, user: &User) -> Vec<String> {
///         if user.admin { vec!["admin".into()] } else { vec!["user:read".into()] }
///     }
///     async fn retrieve_user(&self, token: &Token) -> Option<UserView> {
///         Some(UserView { name: token.identity().to_owned() })
///     }
/// }
/// # let jwt = jwt_runtime::Jwt::builder().secret([7u8; 32]).build().unwrap();
/// let app: axum::Router = axum::Router::new().merge(jwt.auth_routes(Users));
/// ```
pub trait Authenticator: Send + Sync + 'static {
    /// The JSON body of `POST /auth`.
    type Credentials: DeserializeOwned + Send;
    /// The authenticated user.
    type User: Send;
    /// What `GET /auth/me` shows.
    type UserView: Serialize + Send;
    /// The private claims read by `retrieve_user` (`()` for none).
    type Claims: PrivateClaims;

    /// Checks credentials. Answer [`AuthError::AuthenticationFailed`] for every wrong
    /// credential, whether or not the user exists, and take the same time for both (compare
    /// passwords in constant time, hash a dummy password for unknown users).
    fn authenticate(
        &self,
        credentials: Self::Credentials,
    ) -> impl Future<Output = Result<Self::User, AuthError>> + Send;

    /// The identity written into the token (`sub`).
    fn identity(&self, user: &Self::User) -> String;

    /// The user's scopes (sanic-jwt's `add_scopes_to_payload`).
    fn scopes(&self, _user: &Self::User) -> Vec<String> {
        Vec::new()
    }

    /// The user's role.
    fn role(&self, _user: &Self::User) -> Option<String> {
        None
    }

    /// Adds public or private claims to both tokens (sanic-jwt's `extend_payload`).
    fn extend_payload(&self, _user: &Self::User, _payload: &mut Payload<'_>) {}

    /// The user behind a token, for `GET /auth/me` (`{"me": null}` when `None`).
    fn retrieve_user(
        &self,
        token: &Token<Self::Claims>,
    ) -> impl Future<Output = Option<Self::UserView>> + Send;
}

/// The claims of a login being built, handed to [`Authenticator::extend_payload`].
pub struct Payload<'a> {
    builder: Option<LoginBuilder<'a>>,
}

impl Payload<'_> {
    /// Adds a public claim (its key must not be a registered or library claim).
    pub fn public_claim(&mut self, key: impl Into<String>, value: impl Serialize) -> &mut Self {
        self.builder = self.builder.take().map(|b| b.public_claim(key, value));
        self
    }

    /// Sets the private claims, written as `{prefix}_{field}`.
    pub fn private_claims<C: PrivateClaims>(&mut self, claims: &C) -> &mut Self {
        self.builder = self.builder.take().map(|b| b.private_claims(claims));
        self
    }
}

struct AuthState<A> {
    jwt: Jwt,
    auth: A,
}

impl Jwt {
    /// The built-in endpoints under the configured prefix (default `/auth`), to `merge` into
    /// the application's router:
    ///
    /// | route | does |
    /// |---|---|
    /// | `POST /auth` | JSON credentials → `{"access_token", "refresh_token"}` (+ cookies in cookie mode) |
    /// | `GET /auth/verify` | `{"valid": true}`, or 401 `{"valid": false, ...}` |
    /// | `GET /auth/me` | `{"me": ...}` from [`Authenticator::retrieve_user`] |
    /// | `POST /auth/refresh` | refresh token from the JSON body `{"refresh_token"}`, `Authorization: Bearer`, or the refresh cookie → new tokens, rotated |
    /// | `POST /auth/logout` | revokes the access token and its login (optional JSON `{"refresh_token"}`) |
    pub fn auth_routes<A: Authenticator>(&self, authenticator: A) -> Router {
        let prefix = self.inner.endpoints.prefix.clone();
        let state = Arc::new(AuthState {
            jwt: self.clone(),
            auth: authenticator,
        });
        Router::new()
            .route(&prefix, post(login::<A>))
            .route(&format!("{prefix}/verify"), get(verify::<A>))
            .route(&format!("{prefix}/me"), get(me::<A>))
            .route(&format!("{prefix}/refresh"), post(refresh::<A>))
            .route(&format!("{prefix}/logout"), post(logout::<A>))
            .with_state(state)
            .layer(self.layer())
    }

    fn tokens_response(&self, tokens: &TokenPair) -> Response {
        let e = &self.inner.endpoints;
        let mut body = Map::new();
        body.insert(
            e.access_token_name.clone(),
            Value::from(tokens.access_token.as_str()),
        );
        if let Some(refresh) = &tokens.refresh_token {
            body.insert(e.refresh_token_name.clone(), Value::from(refresh.as_str()));
        }
        let mut response = json_response(StatusCode::OK, &Value::Object(body));
        if self.inner.cookie_transport {
            self.set_cookies(response.headers_mut(), tokens);
        }
        response
    }

    /// Reads a required JSON body; see [`optional_json_body`](Self::optional_json_body).
    async fn json_body<T: DeserializeOwned>(
        &self,
        parts: &Parts,
        body: Body,
    ) -> Result<T, AuthError> {
        self.optional_json_body(parts, body)
            .await?
            .ok_or_else(|| AuthError::InvalidBody("a JSON body is required".into()))
    }

    /// Reads a JSON body: content type, size limit and syntax checked, each with its own
    /// message. An empty body is `Ok(None)`.
    async fn optional_json_body<T: DeserializeOwned>(
        &self,
        parts: &Parts,
        body: Body,
    ) -> Result<Option<T>, AuthError> {
        let limit = self.inner.endpoints.body_limit;
        let declared = parts
            .headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        if declared.is_some_and(|n| n > limit) {
            return Err(AuthError::PayloadTooLarge);
        }
        let bytes = axum::body::to_bytes(body, limit)
            .await
            .map_err(|_| AuthError::PayloadTooLarge)?;
        if bytes.is_empty() {
            return Ok(None);
        }
        let content_type = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let essence = content_type.split(';').next().unwrap_or("").trim();
        if !essence.eq_ignore_ascii_case("application/json") {
            return Err(AuthError::InvalidBody(
                format!(
                    "expected a JSON body with `Content-Type: application/json`, got {}",
                    if content_type.is_empty() {
                        "no content type".to_owned()
                    } else {
                        format!("`{essence}`")
                    }
                )
                .into(),
            ));
        }
        serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| AuthError::InvalidBody(format!("the JSON body is invalid: {e}").into()))
    }
}

fn json_response(status: StatusCode, body: &Value) -> Response {
    let mut response = (status, body.to_string()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

async fn login<A: Authenticator>(
    State(state): State<Arc<AuthState<A>>>,
    request: Request,
) -> Response {
    let jwt = &state.jwt;
    let (parts, body) = request.into_parts();
    let credentials = match jwt.json_body::<A::Credentials>(&parts, body).await {
        Ok(c) => c,
        Err(e) => return jwt.error_response(&e),
    };
    let user = match state.auth.authenticate(credentials).await {
        Ok(user) => user,
        Err(e) => return jwt.error_response(&e),
    };
    let mut builder = jwt
        .login(state.auth.identity(&user))
        .scopes(state.auth.scopes(&user));
    if let Some(role) = state.auth.role(&user) {
        builder = builder.role(role);
    }
    let mut payload = Payload {
        builder: Some(builder),
    };
    state.auth.extend_payload(&user, &mut payload);
    let Some(builder) = payload.builder else {
        return jwt.error_response(&AuthError::AuthenticationFailed);
    };
    match builder.sign() {
        Ok(tokens) => jwt.tokens_response(&tokens),
        Err(e) => e.into_response(),
    }
}

async fn verify<A: Authenticator>(
    State(state): State<Arc<AuthState<A>>>,
    request: Request,
) -> Response {
    let jwt = &state.jwt;
    let (mut parts, _) = request.into_parts();
    let result = match jwt.access_token_of::<()>(&mut parts).await {
        Ok(Some(_)) => Ok(()),
        Ok(None) => Err(jwt.missing_token()),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => json_response(StatusCode::OK, &json!({ "valid": true })),
        Err(e) => {
            let mut response = jwt.error_response(&e);
            // sanic-jwt's shape: the error body plus `"valid": false`.
            let body = json!({
                "valid": false,
                "error": e.rfc6750_code().unwrap_or(e.reason()),
                "reason": e.reason(),
                "message": e.message(),
            });
            if jwt.inner.render.mapper.is_none() {
                *response.body_mut() = Body::from(body.to_string());
                response.headers_mut().remove(header::CONTENT_LENGTH);
            }
            response
        }
    }
}

async fn me<A: Authenticator>(
    State(state): State<Arc<AuthState<A>>>,
    request: Request,
) -> Response {
    let jwt = &state.jwt;
    let (mut parts, _) = request.into_parts();
    let token = match jwt.access_token_of::<A::Claims>(&mut parts).await {
        Ok(Some(token)) => token,
        Ok(None) => return jwt.error_response(&jwt.missing_token()),
        Err(e) => return jwt.error_response(&e),
    };
    let view = state.auth.retrieve_user(&token).await;
    match serde_json::to_value(view) {
        Ok(me) => json_response(StatusCode::OK, &json!({ "me": me })),
        Err(_) => json_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            &json!({"error": "server_error", "reason": "user_view_not_serializable",
                    "message": "the user view could not be serialized"}),
        ),
    }
}

/// Where a refresh token is read from, and for what.
#[derive(Clone, Copy, PartialEq, Eq)]
enum RefreshUse {
    /// `/refresh`: the header may hold it, and a refresh cookie needs its own CSRF value.
    Exchange,
    /// `/logout`: the header holds the access token. The browser sends the refresh cookie
    /// along with the access cookie, whose CSRF check already passed; logout only revokes, so
    /// the refresh cookie needs no second CSRF value.
    Revoke,
}

/// The refresh token of a refresh or logout request: the `Authorization` header (refresh
/// only), then the JSON body, then (cookie mode) the refresh cookie.
async fn refresh_token_of(
    jwt: &Jwt,
    parts: &Parts,
    body: Body,
    use_: RefreshUse,
) -> Result<Option<String>, AuthError> {
    if use_ == RefreshUse::Exchange
        && let Some(value) = parts.headers.get(header::AUTHORIZATION)
    {
        let value = value.to_str().map_err(|_| {
            AuthError::Malformed("the authorization header holds characters a token cannot contain")
        })?;
        if let Some((scheme, token)) = value.split_once(' ')
            && scheme.eq_ignore_ascii_case("bearer")
        {
            return Ok(Some(token.trim().to_owned()));
        }
    }
    let field = &jwt.inner.endpoints.refresh_token_name;
    if let Some(Value::Object(body)) = jwt.optional_json_body::<Value>(parts, body).await? {
        match body.get(field) {
            Some(Value::String(token)) => return Ok(Some(token.clone())),
            Some(_) => {
                return Err(AuthError::InvalidBody(
                    format!("`{field}` must be a string").into(),
                ));
            }
            None => {}
        }
    }
    if jwt.inner.cookie_transport
        && let Some(token) =
            crate::cookies::find_cookie(&parts.headers, &jwt.inner.cookies.refresh_cookie)?
    {
        if use_ == RefreshUse::Exchange {
            let verified = jwt.verify_refresh::<()>(token)?;
            crate::cookies::check_csrf(
                &jwt.inner.cookies,
                &parts.method,
                &parts.headers,
                verified.csrf(),
            )?;
        }
        return Ok(Some(token.to_owned()));
    }
    Ok(None)
}

async fn refresh<A: Authenticator>(
    State(state): State<Arc<AuthState<A>>>,
    request: Request,
) -> Response {
    let jwt = &state.jwt;
    let (parts, body) = request.into_parts();
    let raw = match refresh_token_of(jwt, &parts, body, RefreshUse::Exchange).await {
        Ok(Some(raw)) => raw,
        Ok(None) => {
            return jwt.error_response(&AuthError::MissingToken {
                looked_in: "the Authorization header, the JSON body and the refresh cookie".into(),
            });
        }
        Err(e) => return jwt.error_response(&e),
    };
    match jwt.refresh(&raw).await {
        Ok(tokens) => jwt.tokens_response(&tokens),
        Err(e) => jwt.error_response(&e),
    }
}

async fn logout<A: Authenticator>(
    State(state): State<Arc<AuthState<A>>>,
    request: Request,
) -> Response {
    let jwt = &state.jwt;
    let (mut parts, body) = request.into_parts();
    let access = match jwt.access_token_of::<()>(&mut parts).await {
        Ok(Some(token)) => token,
        Ok(None) => return jwt.error_response(&jwt.missing_token()),
        Err(e) => return jwt.error_response(&e),
    };
    let refresh = match refresh_token_of(jwt, &parts, body, RefreshUse::Revoke).await {
        Ok(refresh) => refresh,
        Err(e) => return jwt.error_response(&e),
    };
    if let Err(e) = jwt.logout(&access, refresh.as_deref()).await {
        return jwt.error_response(&e);
    }
    let mut response = json_response(StatusCode::OK, &json!({ "logged_out": true }));
    if jwt.inner.cookie_transport {
        jwt.unset_cookies(response.headers_mut());
    }
    response
}

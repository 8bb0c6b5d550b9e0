//! sanic-jwt's built-in endpoints, typed: `POST /auth`, `GET /auth/verify`, `GET /auth/me`,
//! `POST /auth/refresh`, `POST /auth/logout`.

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

use super::admit::ACCESS;
use super::admit::{admit, admit_found, refused};
use crate::error::AuthError;
use crate::handle::{Components, Jwt};
use crate::requirement::Requirement;
use crate::revocation;
use crate::revocation::LoginBuilder;
use crate::token::Token;
use crate::token::claims::PrivateClaims;
use crate::token::issue::TokenPair;
use crate::transport::EndpointSettings;
use crate::transport::response::{json, respond, respond_with, server_error};

/// The application side of the built-in endpoints: how to check credentials and what goes
/// into a token. sanic-jwt's `authenticate`, `add_scopes_to_payload`, `extend_payload` and
/// `retrieve_user`, typed.
///
/// ```
/// use axum_jwt_guard_runtime::{AuthError, Authenticator, Payload, Token};
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
/// # let jwt = axum_jwt_guard_runtime::Jwt::builder().secret([7u8; 32]).build().unwrap();
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

    /// Consulted on every `POST /auth/refresh`, with the verified refresh token, before new
    /// tokens are minted: answer [`OnRefresh::Reissue`] with the user as they are now (their
    /// current [`role`](Self::role), [`scopes`](Self::scopes) and
    /// [`extend_payload`](Self::extend_payload) go into the new tokens), or
    /// [`OnRefresh::Refuse`] for a deleted or disabled user (the login ends and the answer is
    /// 401 `account_unavailable`). An error (the user database is down) is answered as it is,
    /// and nothing is spent.
    ///
    /// The default answers [`OnRefresh::KeepClaims`]: the new tokens copy the role, scopes and
    /// claims of the refresh token, as sanic-jwt does, so a demoted user keeps their
    /// privileges until they log in again or [`Jwt::revoke_all_for`](crate::Jwt::revoke_all_for)
    /// is called. Override it when users can be demoted or deleted.
    fn on_refresh(
        &self,
        _refresh_token: &Token,
    ) -> impl Future<Output = Result<OnRefresh<Self::User>, AuthError>> + Send {
        std::future::ready(Ok(OnRefresh::KeepClaims))
    }
}

/// The answer of [`Authenticator::on_refresh`].
#[derive(Debug)]
pub enum OnRefresh<U> {
    /// Copy the role, scopes and claims of the refresh token (the default).
    KeepClaims,
    /// Mint the new tokens from this user, as a login would (same identity).
    Reissue(U),
    /// The user is gone or disabled: end the login, answer 401 `account_unavailable`.
    Refuse,
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

/// The routes of [`Jwt::auth_routes`](crate::Jwt::auth_routes).
pub(crate) fn routes<A: Authenticator>(jwt: &Jwt, authenticator: A) -> Router {
    let prefix = jwt.inner.http.endpoints.prefix.clone();
    let state = Arc::new(AuthState {
        jwt: jwt.clone(),
        auth: authenticator,
    });
    Router::new()
        .route(&prefix, post(login::<A>))
        .route(&format!("{prefix}/verify"), get(verify::<A>))
        .route(&format!("{prefix}/me"), get(me::<A>))
        .route(&format!("{prefix}/refresh"), post(refresh::<A>))
        .route(&format!("{prefix}/logout"), post(logout::<A>))
        .with_state(state)
        .layer(jwt.layer())
        .merge(well_known(jwt))
}

/// The published key set and discovery document, as serialised at build, cacheable for
/// [`PUBLISHED_KEYS_MAX_AGE`](crate::PUBLISHED_KEYS_MAX_AGE).
pub(crate) fn well_known(jwt: &Jwt) -> Router {
    let cache_control = format!(
        "public, max-age={}",
        crate::PUBLISHED_KEYS_MAX_AGE.as_secs()
    );
    let published = |body: Option<&str>| {
        let cache_control = cache_control.clone();
        body.map(|body| {
            let body = axum::body::Bytes::copy_from_slice(body.as_bytes());
            get(move || {
                let headers = [
                    (header::CONTENT_TYPE, "application/json".to_owned()),
                    (header::CACHE_CONTROL, cache_control.clone()),
                ];
                let body = body.clone();
                async move { (headers, body) }
            })
        })
    };
    let mut router = Router::new();
    if let Some(route) = published(jwt.jwks()) {
        router = router.route("/.well-known/jwks.json", route);
    }
    if let Some(route) = published(jwt.openid_configuration()) {
        router = router.route("/.well-known/openid-configuration", route);
    }
    router
}

/// The tokens of a login or refresh: the JSON body, and the cookies in cookie mode.
fn tokens_response(c: &Components, tokens: &TokenPair) -> Response {
    let e = &c.http.endpoints;
    let mut body = Map::new();
    body.insert(
        e.access_token_name.clone(),
        Value::from(tokens.access_token.as_str()),
    );
    if let Some(refresh) = &tokens.refresh_token {
        body.insert(e.refresh_token_name.clone(), Value::from(refresh.as_str()));
    }
    let mut response = json(StatusCode::OK, &Value::Object(body));
    if c.http.cookie_transport() {
        c.http
            .cookies
            .set_cookies(response.headers_mut(), tokens, c.issuer.lifetimes());
    }
    response
}

/// Reads a required JSON body; see [`optional_json_body`].
async fn json_body<T: DeserializeOwned>(
    settings: &EndpointSettings,
    parts: &Parts,
    body: Body,
) -> Result<T, AuthError> {
    optional_json_body(settings, parts, body)
        .await?
        .ok_or_else(|| AuthError::InvalidBody("a JSON body is required".into()))
}

/// Reads a JSON body: content type, size limit and syntax checked, each with its own
/// message. An empty body is `Ok(None)`.
async fn optional_json_body<T: DeserializeOwned>(
    settings: &EndpointSettings,
    parts: &Parts,
    body: Body,
) -> Result<Option<T>, AuthError> {
    let limit = settings.body_limit;
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

/// Answers an error the way the configuration does.
fn reject(c: &Components, error: &AuthError) -> Response {
    respond(Some(&c.http.render), error)
}

/// The access token of an endpoint request, admitted like any guarded route's.
async fn access<C: PrivateClaims>(c: &Components, parts: &Parts) -> Result<Token<C>, AuthError> {
    match admit::<C>(c, parts, &ACCESS).await? {
        Some(token) => Ok(token),
        None => Err(c.http.missing_token()),
    }
}

async fn login<A: Authenticator>(
    State(state): State<Arc<AuthState<A>>>,
    request: Request,
) -> Response {
    let c = &*state.jwt.inner;
    let (parts, body) = request.into_parts();
    let failed = |e: AuthError| {
        refused(c, &parts, None, None, &e);
        reject(c, &e)
    };
    let credentials = match json_body::<A::Credentials>(&c.http.endpoints, &parts, body).await {
        Ok(credentials) => credentials,
        Err(e) => return failed(e),
    };
    let user = match state.auth.authenticate(credentials).await {
        Ok(user) => user,
        Err(e) => return failed(e),
    };
    let Some(builder) = login_of(&state.auth, &state.jwt, &user) else {
        return failed(AuthError::AuthenticationFailed);
    };
    match builder.sign().await {
        Ok(tokens) => tokens_response(c, &tokens),
        Err(e) => e.into_response(),
    }
}

/// The claims a login of `user` carries: identity, scopes, role and `extend_payload`.
fn login_of<'a, A: Authenticator>(
    auth: &A,
    jwt: &'a Jwt,
    user: &A::User,
) -> Option<LoginBuilder<'a>> {
    let mut builder = jwt.login(auth.identity(user)).scopes(auth.scopes(user));
    if let Some(role) = auth.role(user) {
        builder = builder.role(role);
    }
    let mut payload = Payload {
        builder: Some(builder),
    };
    auth.extend_payload(user, &mut payload);
    payload.builder
}

async fn verify<A: Authenticator>(
    State(state): State<Arc<AuthState<A>>>,
    request: Request,
) -> Response {
    let c = &*state.jwt.inner;
    let (parts, _) = request.into_parts();
    match access::<()>(c, &parts).await {
        Ok(_) => json(StatusCode::OK, &json!({ "valid": true })),
        // sanic-jwt's shape: the error body plus `"valid": false`.
        Err(e) => {
            let extra = Map::from_iter([("valid".to_owned(), Value::Bool(false))]);
            respond_with(Some(&c.http.render), &e, extra)
        }
    }
}

async fn me<A: Authenticator>(
    State(state): State<Arc<AuthState<A>>>,
    request: Request,
) -> Response {
    let c = &*state.jwt.inner;
    let (parts, _) = request.into_parts();
    let token = match access::<A::Claims>(c, &parts).await {
        Ok(token) => token,
        Err(e) => return reject(c, &e),
    };
    let view = state.auth.retrieve_user(&token).await;
    match serde_json::to_value(view) {
        Ok(me) => json(StatusCode::OK, &json!({ "me": me })),
        Err(_) => server_error(
            "user_view_not_serializable",
            "the user view could not be serialized",
        ),
    }
}

/// A refresh token found in a refresh or logout request.
struct RefreshToken {
    raw: String,
    /// Sent by the browser in the refresh cookie: CSRF applies.
    from_cookie: bool,
}

/// The refresh token of a refresh or logout request: the bearer header (refresh only; the
/// same parser as every guarded route), the JSON body, then (cookie mode) the refresh cookie.
/// The header and the body are two RFC 6750 methods: a token in both is `invalid_request`,
/// never one of them picked silently. At logout the header holds the access token, and the
/// refresh cookie rides along with the access cookie whose CSRF check already passed.
async fn refresh_token_of(
    c: &Components,
    parts: &Parts,
    body: Body,
    exchange: bool,
) -> Result<Option<RefreshToken>, AuthError> {
    let header = match exchange {
        true => c.http.locations.in_header(parts)?,
        false => None,
    };
    let body = match optional_json_body::<Value>(&c.http.endpoints, parts, body).await {
        Ok(body) => body,
        // With a token in the header, a body that cannot be read is not searched for another.
        Err(_) if header.is_some() => None,
        Err(e) => return Err(e),
    };
    let field = &c.http.endpoints.refresh_token_name;
    let in_body = match body
        .as_ref()
        .and_then(Value::as_object)
        .and_then(|b| b.get(field))
    {
        Some(Value::String(token)) => Some(token),
        Some(_) => {
            return Err(AuthError::InvalidBody(
                format!("`{field}` must be a string").into(),
            ));
        }
        None => None,
    };
    let raw = match (header, in_body) {
        (Some(_), Some(_)) => {
            return Err(AuthError::InvalidRequest(
                "the request carries a refresh token in the header and in the body; send exactly one",
            ));
        }
        (Some(token), None) => Some(token.to_owned()),
        (None, Some(token)) => Some(token.clone()),
        (None, None) => None,
    };
    if let Some(raw) = raw {
        return Ok(Some(RefreshToken {
            raw,
            from_cookie: false,
        }));
    }
    if c.http.cookie_transport()
        && let Some(token) =
            crate::transport::cookies::find_cookie(&parts.headers, &c.http.cookies.refresh_cookie)?
    {
        return Ok(Some(RefreshToken {
            raw: token.to_owned(),
            from_cookie: exchange,
        }));
    }
    Ok(None)
}

/// What the refresh endpoint admits: a refresh token, whose store verdict the lifecycle reads
/// itself (a spent token is theft, not merely revoked).
const REFRESH: Requirement = Requirement::refresh().skip_revocation_check();

async fn refresh<A: Authenticator>(
    State(state): State<Arc<AuthState<A>>>,
    request: Request,
) -> Response {
    let c = &*state.jwt.inner;
    let (parts, body) = request.into_parts();
    let found = match refresh_token_of(c, &parts, body, true).await {
        Ok(Some(found)) => found,
        Ok(None) => {
            let e = AuthError::MissingToken {
                looked_in: "the Authorization header, the JSON body and the refresh cookie".into(),
            };
            refused(c, &parts, None, None, &e);
            return reject(c, &e);
        }
        Err(e) => {
            refused(c, &parts, None, None, &e);
            return reject(c, &e);
        }
    };
    // A refusal by admission is logged there; one by the lifecycle (a spent token, a user
    // gone) here, with the identity.
    let exchanged =
        match admit_found::<()>(c, &parts, &found.raw, found.from_cookie, &REFRESH).await {
            Ok(old) => exchange(&state, &old).await.inspect_err(|e| {
                refused(c, &parts, Some(&found.raw), Some(old.identity()), e);
            }),
            Err(e) => Err(e),
        };
    match exchanged {
        Ok(tokens) => tokens_response(c, &tokens),
        Err(e) => reject(c, &e),
    }
}

/// The refresh itself: the application's verdict on the user, then the lifecycle.
async fn exchange<A: Authenticator>(
    state: &AuthState<A>,
    old: &Token,
) -> Result<TokenPair, AuthError> {
    let c = &*state.jwt.inner;
    let claims = match state.auth.on_refresh(old).await? {
        OnRefresh::KeepClaims => None,
        OnRefresh::Reissue(user) => {
            if state.auth.identity(&user) != old.identity() {
                tracing::error!(
                    target: crate::observe::TARGET,
                    "Authenticator::on_refresh answered a user of another identity; \
                    refusing the refresh"
                );
                return Err(AuthError::AccountUnavailable);
            }
            match login_of(&state.auth, &state.jwt, &user) {
                Some(login) => Some(login.into_template()),
                None => return Err(AuthError::AccountUnavailable),
            }
        }
        OnRefresh::Refuse => {
            c.revocation.revoke_login(old).await?;
            return Err(AuthError::AccountUnavailable);
        }
    };
    revocation::refresh(&c.issuer, &c.revocation, old, claims).await
}

async fn logout<A: Authenticator>(
    State(state): State<Arc<AuthState<A>>>,
    request: Request,
) -> Response {
    let c = &*state.jwt.inner;
    let (parts, body) = request.into_parts();
    let access = match access::<()>(c, &parts).await {
        Ok(token) => token,
        Err(e) => return reject(c, &e),
    };
    let refresh = match refresh_token_of(c, &parts, body, false).await {
        Ok(refresh) => refresh.map(|r| r.raw),
        Err(e) => {
            refused(c, &parts, None, Some(access.identity()), &e);
            return reject(c, &e);
        }
    };
    if let Err(e) =
        revocation::logout(&c.verifier, &c.revocation, &access, refresh.as_deref()).await
    {
        refused(c, &parts, refresh.as_deref(), Some(access.identity()), &e);
        return reject(c, &e);
    }
    let mut response = json(StatusCode::OK, &json!({ "logged_out": true }));
    if c.http.cookie_transport() {
        c.http.cookies.unset_cookies(response.headers_mut());
    }
    response
}

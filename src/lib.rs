//! # axum-jwt-guard
//!
//! Declarative JWT authentication for axum 0.8. A handler says what it needs with an
//! attribute; the compiler checks what can be checked; a small runtime verifies tokens in one
//! pass and answers every failure with the right status and an RFC 6750 error.
//!
//! ```
//! use axum::{Router, routing::{get, post}};
//! use axum_jwt_guard::{
//!     AuthError, Authenticator, Jwt, Payload, PrivateClaims, Token, fresh_jwt_required,
//!     jwt_required, scoped,
//! };
//! use serde::{Deserialize, Serialize};
//!
//! /// Application claims, written as `app_user_id` and read back typed.
//! #[derive(PrivateClaims)]
//! struct Profile {
//!     user_id: u64,
//! }
//!
//! #[jwt_required]
//! async fn me(token: Token<Profile>) -> String {
//!     format!("{} is user {}", token.identity(), token.private_claims().user_id)
//! }
//!
//! #[scoped("admin")]
//! async fn admin() -> &'static str {
//!     "admins only"
//! }
//!
//! #[fresh_jwt_required]
//! async fn change_password(token: Token) -> String {
//!     format!("password of {} changed", token.identity())
//! }
//!
//! #[derive(Deserialize)]
//! struct Credentials { username: String, password: String }
//!
//! #[derive(Serialize)]
//! struct View { username: String }
//!
//! /// `POST /auth`, `/auth/refresh`, `/auth/logout`, `/auth/verify`, `/auth/me`.
//! struct Users;
//!
//! impl Authenticator for Users {
//!     type Credentials = Credentials;
//!     type User = (String, u64);
//!     type UserView = View;
//!     type Claims = ();
//!
//!     async fn authenticate(&self, c: Credentials) -> Result<(String, u64), AuthError> {
//!         // Look the user up and compare password hashes here.
//!         if c.username == "alice" && c.password == "alice-password" {
//!             Ok((c.username, 1))
//!         } else {
//!             Err(AuthError::AuthenticationFailed)
//!         }
//!     }
//!     fn identity(&self, user: &(String, u64)) -> String { user.0.clone() }
//!     fn scopes(&self, _: &(String, u64)) -> Vec<String> { vec!["user:read".into()] }
//!     fn extend_payload(&self, user: &(String, u64), payload: &mut Payload<'_>) {
//!         payload.private_claims(&Profile { user_id: user.1 });
//!     }
//!     async fn retrieve_user(&self, token: &Token) -> Option<View> {
//!         Some(View { username: token.identity().to_owned() })
//!     }
//! }
//!
//! # fn main() -> Result<(), axum_jwt_guard::ConfigError> {
//! let jwt = Jwt::builder()
//!     .secret("a secret of at least thirty-two bytes!!")
//!     .private_claim_prefix("app")
//!     .build()?;
//! let app: Router = Router::new()
//!     .route("/me", get(me))
//!     .route("/admin", get(admin))
//!     .route("/account/password", post(change_password))
//!     .layer(jwt.layer())
//!     .merge(jwt.auth_routes(Users));
//! # Ok(()) }
//! ```
//!
//! - The attributes: [`jwt_required`], [`jwt_optional`], [`fresh_jwt_required`],
//!   [`refresh_jwt_required`], [`scoped`], and [`PrivateClaims`](macro@PrivateClaims).
//! - Configuration: [`Jwt::builder`] and [`Jwt::from_env`]; every mistake is a
//!   [`ConfigError`] at start-up.
//! - Without macros: the [`Token`] extractor, `Option<Token>`, and [`Jwt::require`] for whole
//!   routers.
//! - Lifecycle: [`Jwt::login`], [`Jwt::refresh`], [`Jwt::logout`], [`Jwt::revoke`],
//!   [`Jwt::revoke_all_for`], with a [`MemoryStore`] or (feature `redis`) a `RedisStore`.
//! - Errors: [`AuthError`], one stable `reason` per failure.
//! - Features: `redis` (`RedisStore`), `oidc` (identity providers' keys over HTTP), `utoipa`
//!   (the `openapi` module: each guarded `#[utoipa::path]` operation's requirement, from its
//!   attribute), `testing` (the `testing` module: `ManualClock`, `TokenMint`, `TestIssuer`).
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]

pub use axum_jwt_guard_runtime::*;

/// Requires a valid access token; optionally a role allow-list or deny-list (403 otherwise).
///
/// The handler keeps its signature; the guard is fused with its first extractor, so it runs
/// before any other extractor (a `Json` body is never read for a rejected request) and the
/// handler's `Token<C>` argument receives the verified token without a second decode.
///
/// ```
/// use axum_jwt_guard::{Token, jwt_required};
///
/// #[jwt_required(allow = ["ADMIN", "STAFF"])]
/// async fn staff(token: Token) -> String {
///     format!("hello {}", token.identity())
/// }
///
/// #[jwt_required(deny = ["BANNED"])]
/// async fn everyone_else(token: Token) -> String {
///     token.identity().to_owned()
/// }
/// # let _: axum::routing::MethodRouter = axum::routing::get(staff).post(everyone_else);
/// ```
///
/// An optional token needs `#[jwt_optional]`:
///
/// ```compile_fail
/// use axum_jwt_guard::{Token, jwt_required};
///
/// #[jwt_required]
/// async fn greet(token: Option<Token>) -> String { String::new() }
/// ```
pub use axum_jwt_guard_macros::jwt_required;

/// The handler runs with `Option<Token<C>>`: `None` when the request carries no token; a
/// present but invalid token is still rejected (sanic-jwt-extended's `jwt_optional`).
///
/// ```
/// use axum_jwt_guard::{Token, jwt_optional};
///
/// #[jwt_optional]
/// async fn greeting(token: Option<Token>) -> String {
///     format!("hello, {}", token.as_ref().map_or("anonymous", |t| t.identity()))
/// }
/// # let _: axum::routing::MethodRouter = axum::routing::get(greeting);
/// ```
///
/// The token argument must be optional:
///
/// ```compile_fail
/// use axum_jwt_guard::{Token, jwt_optional};
///
/// #[jwt_optional]
/// async fn greeting(token: Token) -> String { String::new() }
/// ```
pub use axum_jwt_guard_macros::jwt_optional;

/// Requires an access token whose `fresh` claim is true (minted from a login, not a
/// refresh); otherwise 401 with reason `not_fresh`. Takes `allow` / `deny` like
/// [`jwt_required`].
///
/// ```
/// use axum_jwt_guard::{Token, fresh_jwt_required};
///
/// #[fresh_jwt_required]
/// async fn change_password(token: Token) -> &'static str {
///     "changed"
/// }
/// # let _: axum::routing::MethodRouter = axum::routing::post(change_password);
/// ```
///
/// Refresh tokens are never fresh, so the two attributes do not stack:
///
/// ```compile_fail
/// use axum_jwt_guard::{fresh_jwt_required, refresh_jwt_required};
///
/// #[fresh_jwt_required]
/// #[refresh_jwt_required]
/// async fn nonsense() {}
/// ```
pub use axum_jwt_guard_macros::fresh_jwt_required;

/// Only refresh tokens pass (access tokens get 401 `wrong_token_type`). Takes `allow` /
/// `deny` like [`jwt_required`].
///
/// ```
/// use axum_jwt_guard::{Token, refresh_jwt_required};
///
/// #[refresh_jwt_required]
/// async fn refresh(token: Token) -> String {
///     token.identity().to_owned()
/// }
/// # let _: axum::routing::MethodRouter = axum::routing::post(refresh);
/// ```
///
/// ```compile_fail
/// use axum_jwt_guard::refresh_jwt_required;
///
/// #[refresh_jwt_required(allow = [])]
/// async fn refresh() {}
/// ```
pub use axum_jwt_guard_macros::refresh_jwt_required;

/// Requires sanic-jwt scopes (implies a valid access token). Scopes are `namespace:action`
/// strings checked by the compiler; `require_all = false` accepts any listed scope,
/// `require_all_actions = false` any action of a scope. A token without them gets 403 with
/// `WWW-Authenticate: Bearer error="insufficient_scope", scope="..."`.
///
/// | required | token scopes | passes |
/// |---|---|---|
/// | `user:read` | `user` | yes (a namespace grants all its actions) |
/// | `user` | `user:read` | no |
/// | `user:read:write` | `user:read` | no (unless `require_all_actions = false`) |
/// | `:read` | `admin` | yes (an empty namespace matches any) |
///
/// ```
/// use axum_jwt_guard::{Token, jwt_required, scoped};
///
/// #[scoped("user:read", "admin", require_all = false)]
/// #[jwt_required(allow = ["ADMIN"])]
/// async fn users(token: Token) -> String {
///     token.identity().to_owned()
/// }
/// # let _: axum::routing::MethodRouter = axum::routing::get(users);
/// ```
///
/// Malformed scopes are compile errors:
///
/// ```compile_fail
/// use axum_jwt_guard::scoped;
///
/// #[scoped("user::read")]
/// async fn users() {}
/// ```
pub use axum_jwt_guard_macros::scoped;

/// Derives [`PrivateClaims`]: each named field is written as a `{prefix}_{field}` claim under
/// the configured prefix and read back typed, in the same single parse as the registered
/// claims. `Option<T>` fields are optional; a missing or mistyped required field is a 401
/// `invalid_private_claims`.
///
/// Field attributes: `#[claim(rename = "perm")]`, `#[claim(default)]` (missing means
/// `Default::default()`), `#[claim(skip_serializing_if_none)]`. Container attribute:
/// `#[private_claims(crate = "path")]` for a renamed dependency.
///
/// ```
/// use axum_jwt_guard::{PrivateClaims, Token, jwt_required};
///
/// #[derive(PrivateClaims)]
/// struct Profile {
///     user_id: u64,
///     #[claim(rename = "perm")]
///     permission_level: u8,
///     #[claim(skip_serializing_if_none)]
///     nickname: Option<String>,
/// }
///
/// #[jwt_required]
/// async fn me(token: Token<Profile>) -> String {
///     format!("user {}", token.private_claims().user_id)
/// }
/// # let _: axum::routing::MethodRouter = axum::routing::get(me);
/// ```
///
/// Registered claim names are refused:
///
/// ```compile_fail
/// #[derive(axum_jwt_guard::PrivateClaims)]
/// struct Profile {
///     #[claim(rename = "exp")]
///     expires: u64,
/// }
/// ```
pub use axum_jwt_guard_macros::PrivateClaims;

/// The README's examples compile.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

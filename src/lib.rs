//! # axum-jwt
//!
//! Declarative JWT authentication for axum 0.8.
//!
//! ```
//! use axum::{Json, Router, routing::{get, post}};
//! use axum_jwt::{Jwt, Token};
//! use serde_json::{Value, json};
//!
//! async fn login(jwt: Jwt) -> Result<Json<Value>, axum_jwt::SignError> {
//!     let access = jwt.access_token("alice").role("USER").fresh(true).sign()?;
//!     Ok(Json(json!({ "access_token": access })))
//! }
//!
//! async fn protected(token: Token) -> String {
//!     format!("hello {}", token.identity())
//! }
//!
//! # fn main() -> Result<(), axum_jwt::ConfigError> {
//! let jwt = Jwt::builder().secret("a secret of at least thirty-two bytes!!").build()?;
//! let app: Router = Router::new()
//!     .route("/auth", post(login))
//!     .route("/protected", get(protected))
//!     .layer(jwt.layer());
//! # Ok(()) }
//! ```
#![warn(missing_docs)]

pub use jwt_runtime::*;

/// Requires a valid access token; optionally a role allow-list or deny-list (403 otherwise).
///
/// The handler keeps its signature; the guard is fused with its first extractor, so it runs
/// before any other extractor (a `Json` body is never read for a rejected request) and the
/// handler's `Token<C>` argument receives the verified token without a second decode.
///
/// ```
/// use axum_jwt::{Token, jwt_required};
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
/// use axum_jwt::{Token, jwt_required};
///
/// #[jwt_required]
/// async fn greet(token: Option<Token>) -> String { String::new() }
/// ```
pub use jwt_macros::jwt_required;

/// The handler runs with `Option<Token<C>>`: `None` when the request carries no token; a
/// present but invalid token is still rejected (sanic-jwt-extended's `jwt_optional`).
///
/// ```
/// use axum_jwt::{Token, jwt_optional};
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
/// use axum_jwt::{Token, jwt_optional};
///
/// #[jwt_optional]
/// async fn greeting(token: Token) -> String { String::new() }
/// ```
pub use jwt_macros::jwt_optional;

/// Requires an access token whose `fresh` claim is true (minted from a login, not a
/// refresh); otherwise 401 with reason `not_fresh`. Takes `allow` / `deny` like
/// [`jwt_required`].
///
/// ```
/// use axum_jwt::{Token, fresh_jwt_required};
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
/// use axum_jwt::{fresh_jwt_required, refresh_jwt_required};
///
/// #[fresh_jwt_required]
/// #[refresh_jwt_required]
/// async fn nonsense() {}
/// ```
pub use jwt_macros::fresh_jwt_required;

/// Only refresh tokens pass (access tokens get 401 `wrong_token_type`). Takes `allow` /
/// `deny` like [`jwt_required`].
///
/// ```
/// use axum_jwt::{Token, refresh_jwt_required};
///
/// #[refresh_jwt_required]
/// async fn refresh(token: Token) -> String {
///     token.identity().to_owned()
/// }
/// # let _: axum::routing::MethodRouter = axum::routing::post(refresh);
/// ```
///
/// ```compile_fail
/// use axum_jwt::refresh_jwt_required;
///
/// #[refresh_jwt_required(allow = [])]
/// async fn refresh() {}
/// ```
pub use jwt_macros::refresh_jwt_required;

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
/// use axum_jwt::{Token, jwt_required, scoped};
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
/// use axum_jwt::scoped;
///
/// #[scoped("user::read")]
/// async fn users() {}
/// ```
pub use jwt_macros::scoped;

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
/// use axum_jwt::{PrivateClaims, Token, jwt_required};
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
/// #[derive(axum_jwt::PrivateClaims)]
/// struct Profile {
///     #[claim(rename = "exp")]
///     expires: u64,
/// }
/// ```
pub use jwt_macros::PrivateClaims;

/// The README's examples compile.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

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

/// The README's examples compile.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

//! Procedural macros of `axum-jwt`. Depend on the `axum-jwt` crate, which re-exports them.
//!
//! The attribute macros (`#[jwt_required]`, `#[scoped]`, ...) and `#[derive(PrivateClaims)]`
//! arrive here; this crate only parses, checks and emits code, all behaviour lives in
//! `jwt-runtime`.

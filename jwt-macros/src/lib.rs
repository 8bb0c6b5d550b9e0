//! Procedural macros of `axum-jwt-guard`. Depend on the `axum-jwt-guard` crate, which re-exports them
//! with their documentation.
//!
//! This crate only parses, checks and emits, as serde's derive does: every entry point hands
//! its input to a module that works on `proc_macro2` tokens and is unit-tested without a
//! compiler run. Behaviour lives in `axum-jwt-guard-runtime`; the rules both crates check (the scope
//! grammar, the reserved claim names) live once, in `axum-jwt-guard-grammar`.
//!
//! - attributes: `guard.rs` runs `attr.rs` (parse the arguments), `check.rs` (check the
//!   handler, plan) and `emit.rs`;
//! - derive: `derive/` runs `parse.rs`, `emit.rs`, and `fallback.rs` on a mistake;
//! - `ctxt.rs` collects every error of one call, `scope.rs` words scope errors.
#![warn(missing_docs)]

use proc_macro::TokenStream;

mod attr;
mod check;
mod ctxt;
mod derive;
mod emit;
mod guard;
mod scope;

use attr::Kind;

/// Requires a valid access token; see the `axum-jwt-guard` crate.
#[proc_macro_attribute]
pub fn jwt_required(args: TokenStream, item: TokenStream) -> TokenStream {
    attribute(Kind::JwtRequired, args, item)
}

/// Runs with `Option<Token>`; see the `axum-jwt-guard` crate.
#[proc_macro_attribute]
pub fn jwt_optional(args: TokenStream, item: TokenStream) -> TokenStream {
    attribute(Kind::JwtOptional, args, item)
}

/// Requires a fresh access token; see the `axum-jwt-guard` crate.
#[proc_macro_attribute]
pub fn fresh_jwt_required(args: TokenStream, item: TokenStream) -> TokenStream {
    attribute(Kind::FreshJwtRequired, args, item)
}

/// Requires a refresh token; see the `axum-jwt-guard` crate.
#[proc_macro_attribute]
pub fn refresh_jwt_required(args: TokenStream, item: TokenStream) -> TokenStream {
    attribute(Kind::RefreshJwtRequired, args, item)
}

/// Requires sanic-jwt scopes; see the `axum-jwt-guard` crate.
#[proc_macro_attribute]
pub fn scoped(args: TokenStream, item: TokenStream) -> TokenStream {
    attribute(Kind::Scoped, args, item)
}

/// Derives `PrivateClaims`; see the `axum-jwt-guard` crate.
#[proc_macro_derive(PrivateClaims, attributes(claim, private_claims))]
pub fn derive_private_claims(input: TokenStream) -> TokenStream {
    derive::expand(input.into()).into()
}

fn attribute(kind: Kind, args: TokenStream, item: TokenStream) -> TokenStream {
    guard::expand(kind, args.into(), item.into()).into()
}

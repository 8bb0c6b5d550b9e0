//! Procedural macros of `axum-jwt`. Depend on the `axum-jwt` crate, which re-exports them
//! with their documentation.
//!
//! This crate only parses, checks and emits: every entry point hands its input to a module
//! that works on `proc_macro2` tokens and is unit-tested without a compiler run. Behaviour
//! lives in `jwt-runtime`.
#![warn(missing_docs)]

use proc_macro::TokenStream;

mod attr;
mod derive;
mod errors;
mod expand;
mod handler;
mod scope;

use attr::Kind;

/// Requires a valid access token; see the `axum-jwt` crate.
#[proc_macro_attribute]
pub fn jwt_required(args: TokenStream, item: TokenStream) -> TokenStream {
    attribute(Kind::JwtRequired, args, item)
}

/// Runs with `Option<Token>`; see the `axum-jwt` crate.
#[proc_macro_attribute]
pub fn jwt_optional(args: TokenStream, item: TokenStream) -> TokenStream {
    attribute(Kind::JwtOptional, args, item)
}

/// Requires a fresh access token; see the `axum-jwt` crate.
#[proc_macro_attribute]
pub fn fresh_jwt_required(args: TokenStream, item: TokenStream) -> TokenStream {
    attribute(Kind::FreshJwtRequired, args, item)
}

/// Requires a refresh token; see the `axum-jwt` crate.
#[proc_macro_attribute]
pub fn refresh_jwt_required(args: TokenStream, item: TokenStream) -> TokenStream {
    attribute(Kind::RefreshJwtRequired, args, item)
}

/// Requires sanic-jwt scopes; see the `axum-jwt` crate.
#[proc_macro_attribute]
pub fn scoped(args: TokenStream, item: TokenStream) -> TokenStream {
    attribute(Kind::Scoped, args, item)
}

/// Derives `PrivateClaims`; see the `axum-jwt` crate.
#[proc_macro_derive(PrivateClaims, attributes(claim, private_claims))]
pub fn derive_private_claims(input: TokenStream) -> TokenStream {
    derive::expand(input.into()).into()
}

fn attribute(kind: Kind, args: TokenStream, item: TokenStream) -> TokenStream {
    handler::expand(kind, args.into(), item.into()).into()
}

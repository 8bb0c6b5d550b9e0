//! Runtime of [axum-jwt](https://docs.rs/axum-jwt): configuration, token creation,
//! verification and the axum extractors. Depend on `axum-jwt`, which re-exports this crate.
//!
//! The core (configuration, keys, claims, creation, verification) knows nothing of HTTP and
//! is tested without a server; the axum ring (locations, extractors, layer, error responses)
//! is tested over real HTTP.
#![warn(missing_docs)]

mod claims;
mod config;
mod cookies;
mod custom;
mod endpoints;
mod error;
mod extract;
mod issue;
mod keys;
mod layer;
mod lifecycle;
mod locate;
mod requirement;
mod revocation;
mod scope;
mod token;
mod tokencache;
mod verify;

pub use claims::{ClaimNames, ClaimWriter, ClaimsError, PrivateClaims, TokenKind};
pub use config::{
    ConfigError, DEFAULT_ACCESS_TTL, DEFAULT_LEEWAY, DEFAULT_MAX_TOKEN_BYTES, DEFAULT_REFRESH_TTL,
    DEFAULT_REVOCATION_TIMEOUT, DEFAULT_TOKEN_CACHE, Jwt, JwtBuilder,
};
pub use cookies::{CookieConfig, SameSite};
pub use custom::CustomClaim;
pub use endpoints::{Authenticator, Payload};
pub use error::{AuthError, AuthRejection, ErrorMapper};
pub use extract::{Guard, StaticRequirement, WithGuard};
pub use issue::{LoginBuilder, SignError, TokenBuilder, TokenPair};
pub use jsonwebtoken::Algorithm;
pub use layer::{JwtLayer, JwtService, RequireLayer, RequireService};
pub use locate::TokenLocation;
pub use requirement::{Requirement, Roles};
#[cfg(feature = "redis")]
pub use revocation::RedisStore;
pub use revocation::{
    MemoryStore, RevocationStore, StoreError, StoreFuture, TokenRef, TokenStatus,
};
pub use scope::{RequiredScope, ScopeError, ScopeRule};
pub use token::Token;

/// Support for the macros of `axum-jwt`. Not public API: it changes without notice.
#[doc(hidden)]
pub mod __private {
    pub use crate::claims::{ClaimWriter, ClaimsError, PrivateClaims, TokenKind};
    pub use crate::extract::{Guard, StaticRequirement, WithGuard, assert_private_claims};
    pub use crate::requirement::{Requirement, Roles};
    pub use crate::scope::{RequiredScope, ScopeRule};
    pub use serde;
}

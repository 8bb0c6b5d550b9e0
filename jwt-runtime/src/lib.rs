//! Runtime of [axum-jwt-guard](https://docs.rs/axum-jwt-guard): configuration, token creation,
//! verification, revocation and the axum integration. Depend on `axum-jwt-guard`, which re-exports
//! this crate.
//!
//! Two rings (see `ARCHITECTURE.md` in the repository):
//! - the **core** knows nothing of HTTP and builds without the `axum` feature: the token core
//!   (`token/`: claims, keys, issuing, verifying, the verified-token cache), scopes and
//!   requirements, revocation and the token lifecycle, the configuration and the [`Jwt`]
//!   handle;
//! - the **HTTP ring** (feature `axum`, on by default): where a request carries its token,
//!   cookies and CSRF, error responses (`transport/`), and the admission pipeline with the
//!   extractors, layers and `/auth` routes that run it (`http/`).
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]

mod config;
mod custom_claim;
mod error;
mod handle;
#[cfg(feature = "axum")]
mod http;
mod jwt;
mod observe;
#[cfg(feature = "utoipa")]
#[cfg_attr(docsrs, doc(cfg(feature = "utoipa")))]
pub mod openapi;
mod requirement;
mod revocation;
mod scope;
mod token;
#[cfg(feature = "axum")]
mod transport;

pub use config::JwtBuilder;
pub use custom_claim::CustomClaim;
pub use error::{AuthError, ConfigError};
pub use handle::Jwt;
pub use jsonwebtoken::Algorithm;
pub use requirement::{Requirement, Roles};
#[cfg(feature = "redis")]
pub use revocation::{
    DEFAULT_MAX_LOCAL_ENTRIES, DEFAULT_PROPAGATION_BOUND, RedisOptions, RedisStore,
};
pub use revocation::{
    DEFAULT_MAX_LOGINS_PER_IDENTITY, DEFAULT_REFRESH_GRACE, DEFAULT_REVOCATION_TIMEOUT,
    LoginBuilder, MemoryStore, NewLogin, RevocationStore, Rotation, StoreError, StoreFuture,
    TokenRef, TokenStatus,
};
pub use scope::{RequiredScope, ScopeError, ScopeRule};
pub use token::Token;
pub use token::cache::DEFAULT_TOKEN_CACHE;
pub use token::claims::{ClaimNames, ClaimWriter, ClaimsError, PrivateClaims, TokenKind};
pub use token::issue::{
    DEFAULT_ACCESS_TTL, DEFAULT_REFRESH_TTL, SignError, TokenBuilder, TokenPair,
};
pub use token::jwks::JwksError;
pub use token::keys::VerifyOnlyKey;
pub use token::provider::{
    ClaimProfile, DEFAULT_JWKS_COOLDOWN, DEFAULT_JWKS_FETCH_TIMEOUT, DEFAULT_JWKS_MAX_AGE,
    DEFAULT_JWKS_MAX_BYTES, DEFAULT_JWKS_OUTAGE_LIMIT, DEFAULT_JWKS_WAIT, IdentityProvider,
};
pub use token::publish::PUBLISHED_KEYS_MAX_AGE;
#[cfg(feature = "oidc")]
pub use token::remote::KeysError;
pub use token::rules::DEFAULT_LEEWAY;
pub use token::verify::DEFAULT_MAX_TOKEN_BYTES;

#[cfg(feature = "axum")]
pub use http::endpoints::{Authenticator, OnRefresh, Payload};
#[cfg(feature = "axum")]
pub use http::layer::{JwtLayer, JwtService, RequireLayer, RequireService};
#[cfg(feature = "axum")]
pub use transport::cookies::{CookieConfig, SameSite};
#[cfg(feature = "axum")]
pub use transport::locate::TokenLocation;
#[cfg(feature = "axum")]
pub use transport::response::{AuthRejection, ErrorMapper};

#[cfg(feature = "testing")]
#[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
pub mod testing;

/// Support for the macros of `axum-jwt-guard`. Not public API: it changes without notice.
#[doc(hidden)]
pub mod __private {
    #[cfg(feature = "axum")]
    pub use crate::http::extract::{Guard, WithGuard, assert_private_claims};
    pub use crate::requirement::{Requirement, Roles};
    pub use crate::requirement::{RequirementParts, RoleParts, StaticRequirement, requirement};
    pub use crate::scope::{
        RequiredScope, ScopeParts, ScopeRule, ScopeRuleParts, required_scope, scope_rule,
    };
    pub use crate::token::claims::{ClaimWriter, ClaimsError, PrivateClaims, TokenKind};
    pub use serde;

    #[cfg(feature = "utoipa")]
    pub use crate::openapi::__private as openapi;
}

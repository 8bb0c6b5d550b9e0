//! The [`Jwt`] handle's data: one component per job, each built and checked on its own by
//! the builder. The public methods are in `jwt.rs`; each step of the pipeline takes only the
//! component it needs.

use std::fmt;
use std::sync::Arc;

use crate::revocation::Revocation;
use crate::token::clock::Clock;
use crate::token::issue::Issuer;
use crate::token::publish::PublishedKeys;
use crate::token::verify::Verifier;
#[cfg(feature = "axum")]
use crate::transport::HttpSettings;

/// The axum-jwt-guard handle: keys, validation rules, lifetimes, the revocation store and (with
/// the `axum` feature) where tokens travel in a request.
///
/// Cheap to clone (an `Arc` inside). Build it once with [`Jwt::builder`] or [`Jwt::from_env`],
/// install it on the router with `Jwt::layer`, and take it as an extractor in handlers that
/// create tokens.
///
/// ```
/// use axum_jwt_guard_runtime::Jwt;
///
/// let jwt = Jwt::builder()
///     .secret("a secret of at least thirty-two bytes!!")
///     .issuer("https://auth.example.com")
///     .build()?;
/// let token = jwt.access_token("alice").role("ADMIN").scopes(["user:read"]).sign()?;
/// let verified = jwt.verify_access::<()>(&token)?;
/// assert_eq!(verified.identity(), "alice");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Jwt {
    pub(crate) inner: Arc<Components>,
}

/// What a [`Jwt`] is made of.
pub(crate) struct Components {
    pub(crate) verifier: Verifier,
    pub(crate) issuer: Issuer,
    pub(crate) revocation: Revocation,
    pub(crate) published: PublishedKeys,
    pub(crate) clock: Clock,
    #[cfg(feature = "axum")]
    pub(crate) http: HttpSettings,
}

impl fmt::Debug for Jwt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = &self.inner;
        let rules = c.verifier.rules();
        let lifetimes = c.issuer.lifetimes();
        f.debug_struct("Jwt")
            .field("algorithm", &c.verifier.alg())
            .field("identity_providers", &c.verifier.providers().len())
            .field("issuer", &rules.issuer)
            .field("audience", &rules.audience)
            .field("access_ttl", &lifetimes.access)
            .field("refresh_ttl", &lifetimes.refresh)
            .field("leeway_secs", &rules.leeway_secs())
            .field("private_claim_prefix", &rules.prefix)
            .finish_non_exhaustive()
    }
}

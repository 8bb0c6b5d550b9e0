//! Every public method of the [`Jwt`] handle, in one place. Each one hands its work to the
//! component that owns it: the verifier, the issuer, the revocation side, or (feature `axum`)
//! the HTTP ring.

use jsonwebtoken::Algorithm;

use crate::config::JwtBuilder;
use crate::error::{AuthError, ConfigError};
use crate::handle::Jwt;
use crate::requirement::Requirement;
use crate::revocation;
use crate::revocation::LoginBuilder;
use crate::token::Token;
use crate::token::claims::{ClaimNames, PrivateClaims, TokenKind};
use crate::token::issue::{TokenBuilder, TokenPair};

impl Jwt {
    /// Starts a configuration. HS256 unless [`JwtBuilder::algorithm`] says otherwise.
    pub fn builder() -> JwtBuilder {
        JwtBuilder::default()
    }

    /// Builds the configuration from the environment; see [`JwtBuilder::from_env`].
    pub fn from_env() -> Result<Jwt, ConfigError> {
        JwtBuilder::from_env()?.build()
    }

    /// The configured algorithm.
    pub fn algorithm(&self) -> Algorithm {
        self.inner.verifier.alg()
    }

    /// The configured claim names.
    pub fn claim_names(&self) -> &ClaimNames {
        &self.inner.verifier.rules().names
    }

    /// The private claim prefix, if any.
    pub fn private_claim_prefix(&self) -> Option<&str> {
        self.inner.verifier.rules().prefix.as_deref()
    }

    /// Verifies an access token and reads its claims, with private claims of type `C`.
    ///
    /// This checks the token itself (signature, algorithm, type, times, issuer, audience,
    /// custom claims), not the revocation store: the extractors and attributes do both, and
    /// [`refresh`](Jwt::refresh) consults the store on its own.
    pub fn verify_access<C: PrivateClaims>(&self, token: &str) -> Result<Token<C>, AuthError> {
        self.verify(token, TokenKind::Access)
    }

    /// Verifies a refresh token and reads its claims.
    pub fn verify_refresh<C: PrivateClaims>(&self, token: &str) -> Result<Token<C>, AuthError> {
        self.verify(token, TokenKind::Refresh)
    }

    /// Verifies a token that must be of `kind`.
    pub fn verify<C: PrivateClaims>(
        &self,
        token: &str,
        kind: TokenKind,
    ) -> Result<Token<C>, AuthError> {
        self.inner
            .verifier
            .verify(token, kind, self.inner.clock.now())
    }

    /// Admits a token without HTTP (a gRPC call, a WebSocket handshake, a CLI): verifies it
    /// as the kind `requirement` asks for, asks the revocation store, then checks freshness,
    /// roles and scopes. The guards of the HTTP ring run the same steps, with the token's
    /// location and CSRF around them.
    ///
    /// ```
    /// # async fn f() -> Result<(), Box<dyn std::error::Error>> {
    /// use axum_jwt_guard_runtime::{AuthError, Jwt, Requirement};
    ///
    /// let jwt = Jwt::builder().secret([7u8; 32]).build()?;
    /// let token = jwt.access_token("alice").scopes(["user:read"]).sign()?;
    /// let admin = Requirement::access().scopes(["admin"])?;
    /// let refused = jwt.authorize::<()>(&token, &admin).await;
    /// assert!(matches!(refused, Err(AuthError::InsufficientScope { .. })));
    /// let reader = Requirement::access().scopes(["user:read"])?;
    /// assert_eq!(jwt.authorize::<()>(&token, &reader).await?.identity(), "alice");
    /// # Ok(()) }
    /// ```
    pub async fn authorize<C: PrivateClaims>(
        &self,
        token: &str,
        requirement: &Requirement,
    ) -> Result<Token<C>, AuthError> {
        let c = &self.inner;
        let token = c
            .verifier
            .verify_now(token, requirement.kind(), &c.clock)
            .await?;
        revocation::authorize(&c.revocation, &token, requirement).await?;
        Ok(token)
    }

    /// Fetches the keys of every identity provider now (OpenID discovery, then the JWKS), and
    /// waits for them: call it once at start-up to log a misconfiguration early. Not
    /// required: keys are also fetched on the first request that needs them. A provider that
    /// is down does not stop the service: its guarded routes answer 503 `keys_unavailable`
    /// (with `Retry-After`) until a fetch succeeds.
    #[cfg(feature = "oidc")]
    pub async fn load_keys(&self) -> Result<(), crate::KeysError> {
        for provider in self.inner.verifier.providers() {
            provider.load().await?;
        }
        Ok(())
    }

    /// Starts an access token for `identity`. Access tokens are not fresh unless
    /// [`fresh(true)`](TokenBuilder::fresh) says so.
    pub fn access_token(&self, identity: impl Into<String>) -> TokenBuilder<'_> {
        self.inner.issuer.token(TokenKind::Access, identity.into())
    }

    /// Starts a refresh token for `identity`.
    pub fn refresh_token(&self, identity: impl Into<String>) -> TokenBuilder<'_> {
        self.inner.issuer.token(TokenKind::Refresh, identity.into())
    }

    /// Starts a login: a fresh access token and a refresh token of one new login, with the
    /// same role, scopes and claims. Signing records the login in the revocation store (one
    /// entry, whatever number of refreshes follow), so it is `async`.
    ///
    /// ```
    /// # async fn f() -> Result<(), Box<dyn std::error::Error>> {
    /// # let jwt = axum_jwt_guard_runtime::Jwt::builder().secret([7u8; 32]).build()?;
    /// let pair = jwt.login("alice").role("USER").scopes(["user:read"]).sign().await?;
    /// assert!(pair.refresh_token.is_some());
    /// # Ok(()) }
    /// ```
    pub fn login(&self, identity: impl Into<String>) -> LoginBuilder<'_> {
        let c = &*self.inner;
        LoginBuilder::new(&c.issuer, &c.revocation, identity.into())
    }

    /// Revokes one token until it would have expired. Every instance that shares the store
    /// refuses it from the next request on.
    pub async fn revoke<C>(&self, token: &Token<C>) -> Result<(), AuthError> {
        self.inner.revocation.revoke(token).await
    }

    /// Revokes every token of one login (the access token, its refresh token and every
    /// token refreshed from them).
    pub async fn revoke_login<C>(&self, token: &Token<C>) -> Result<(), AuthError> {
        self.inner.revocation.revoke_login(token).await
    }

    /// "Log out everywhere": ends every login of `identity` the store holds (its access and
    /// refresh tokens, whatever instance minted them), and revokes its tokens minted outside a
    /// login with `iat` up to now plus the leeway, on every instance sharing the store. A login
    /// made right after the call is not touched.
    pub async fn revoke_all_for(&self, identity: &str) -> Result<(), AuthError> {
        self.inner.revocation.revoke_all_for(identity).await
    }

    /// Logs out: ends the access token's login, which holds the paired refresh token (and any
    /// token refreshed from it); a token minted outside a login is revoked alone. A refresh
    /// token of the same identity given as well ends its login too.
    pub async fn logout<C>(
        &self,
        access: &Token<C>,
        refresh: Option<&str>,
    ) -> Result<(), AuthError> {
        let c = &self.inner;
        revocation::logout(&c.verifier, &c.revocation, access, refresh).await
    }

    /// Exchanges a refresh token for a new access token (never fresh) and, with rotation (the
    /// default), a new refresh token; the presented refresh token is spent. Within the grace
    /// window ([`JwtBuilder::refresh_grace`], 30 s) the token just spent may be exchanged again
    /// for tokens of the same login (a retry, a second tab); after it, or for any older token,
    /// presenting a spent refresh token is treated as theft: every token of its login is
    /// revoked and the answer is 401 `refresh_token_reused`. New tokens copy the old token's
    /// claims; the `/auth/refresh` route asks `Authenticator::on_refresh` first.
    pub async fn refresh(&self, refresh_token: &str) -> Result<TokenPair, AuthError> {
        let c = &self.inner;
        let old = c
            .verifier
            .verify_now(refresh_token, TokenKind::Refresh, &c.clock)
            .await?;
        revocation::refresh(&c.issuer, &c.revocation, &old, None).await
    }

    /// The JWKS of this service's public keys (the current key and every verify-only key):
    /// what other services need to verify its tokens, with public members only. `None` with
    /// an HMAC algorithm, whose secret is never published. With the `axum` feature,
    /// `Jwt::well_known_routes` serves it.
    pub fn jwks(&self) -> Option<&str> {
        self.inner.published.jwks()
    }

    /// A minimal OpenID discovery document (`issuer`, `jwks_uri`), when the configured issuer
    /// is an `http(s)` URL and there are public keys to publish: the `jwks_uri` is
    /// `{issuer}/.well-known/jwks.json`.
    pub fn openid_configuration(&self) -> Option<&str> {
        self.inner.published.discovery()
    }
}

/// The HTTP ring: layers, the `/auth` routes, error responses and cookies.
#[cfg(feature = "axum")]
impl Jwt {
    /// `GET /.well-known/jwks.json` ([`Jwt::jwks`]) and, when an issuer URL is configured,
    /// `GET /.well-known/openid-configuration` ([`Jwt::openid_configuration`]), with
    /// `Cache-Control: public, max-age=300` ([`PUBLISHED_KEYS_MAX_AGE`]). Empty with an HMAC
    /// algorithm. [`auth_routes`](Jwt::auth_routes) includes them.
    ///
    /// [`PUBLISHED_KEYS_MAX_AGE`]: crate::PUBLISHED_KEYS_MAX_AGE
    pub fn well_known_routes(&self) -> axum::Router {
        crate::http::endpoints::well_known(self)
    }

    /// The layer that makes this handle available to [`Token`], `Jwt` and the guards of every
    /// route below it: `Router::new().route(..).layer(jwt.layer())`.
    pub fn layer(&self) -> crate::http::layer::JwtLayer {
        crate::http::layer::JwtLayer::new(self.clone())
    }

    /// A layer that applies `requirement` to every route below it, without macros:
    ///
    /// ```
    /// use axum::{Router, routing::get};
    /// use axum_jwt_guard_runtime::{Jwt, Requirement};
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let jwt = Jwt::builder().secret([7u8; 32]).build()?;
    /// let admin: Router = Router::new()
    ///     .route("/users", get(|| async { "all users" }))
    ///     .route_layer(jwt.require(Requirement::access().scopes(["admin"])?));
    /// let app: Router = Router::new().nest("/admin", admin).layer(jwt.layer());
    /// # Ok(()) }
    /// ```
    ///
    /// Rejected requests never reach the routes; accepted ones can still take `Token` (the
    /// token is not decoded again for `Token<()>`).
    pub fn require(&self, requirement: Requirement) -> crate::http::layer::RequireLayer {
        crate::http::layer::RequireLayer::new(self.clone(), requirement)
    }

    /// The built-in endpoints under the configured prefix (default `/auth`), to `merge` into
    /// the application's router:
    ///
    /// | route | does |
    /// |---|---|
    /// | `POST /auth` | JSON credentials → `{"access_token", "refresh_token"}` (+ cookies in cookie mode) |
    /// | `GET /auth/verify` | `{"valid": true}`, or 401 `{"valid": false, ...}` |
    /// | `GET /auth/me` | `{"me": ...}` from [`Authenticator::retrieve_user`](crate::Authenticator::retrieve_user) |
    /// | `POST /auth/refresh` | refresh token from the JSON body `{"refresh_token"}`, `Authorization: Bearer`, or the refresh cookie → new tokens, rotated |
    /// | `POST /auth/logout` | revokes the access token and its login (optional JSON `{"refresh_token"}`) |
    /// | `GET /.well-known/jwks.json` | the public keys ([`well_known_routes`](Jwt::well_known_routes)) |
    /// | `GET /.well-known/openid-configuration` | `issuer` and `jwks_uri`, with an issuer URL |
    pub fn auth_routes<A: crate::Authenticator>(&self, authenticator: A) -> axum::Router {
        crate::http::endpoints::routes(self, authenticator)
    }

    /// Answers `error` the way this configuration does (realm, custom mapping).
    pub fn error_response(&self, error: &AuthError) -> axum::response::Response {
        crate::transport::response::respond(Some(&self.inner.http.render), error)
    }

    /// Adds the `Set-Cookie` headers of a login or refresh: HttpOnly token cookies and
    /// readable CSRF cookies. Tokens minted while the cookie location is enabled carry a
    /// `csrf` claim equal to their CSRF cookie.
    pub fn set_cookies(&self, headers: &mut axum::http::HeaderMap, tokens: &TokenPair) {
        let c = &self.inner;
        c.http
            .cookies
            .set_cookies(headers, tokens, c.issuer.lifetimes());
    }

    /// Adds `Set-Cookie` headers that delete the four cookies (logout).
    pub fn unset_cookies(&self, headers: &mut axum::http::HeaderMap) {
        self.inner.http.cookies.unset_cookies(headers);
    }
}

//! The HTTP side of tokens, without the handle: where a request carries its token
//! ([`locate`]), cookies and CSRF ([`cookies`]), and how an error is answered ([`response`]).
//! The settings of this ring ([`HttpSettings`]) validate themselves here. The axum ring
//! (`http/`) puts these pieces together into the admission pipeline.

pub(crate) mod cookies;
pub(crate) mod locate;
pub(crate) mod response;

use cookies::CookieConfig;
use locate::{Locations, TokenLocation};
use response::{ErrorMapper, Render};

use crate::error::{AuthError, ConfigError};

/// Default largest request body of the built-in login and refresh endpoints: 64 KiB.
pub(crate) const DEFAULT_AUTH_BODY_LIMIT: usize = 64 * 1024;
/// The smallest body limit accepted: a login body is longer.
const MIN_AUTH_BODY_LIMIT: usize = 64;

/// Settings of [`Jwt::auth_routes`](crate::Jwt::auth_routes).
#[derive(Debug, Clone)]
pub(crate) struct EndpointSettings {
    pub(crate) prefix: String,
    pub(crate) access_token_name: String,
    pub(crate) refresh_token_name: String,
    pub(crate) body_limit: usize,
}

impl Default for EndpointSettings {
    fn default() -> Self {
        Self {
            prefix: "/auth".into(),
            access_token_name: "access_token".into(),
            refresh_token_name: "refresh_token".into(),
            body_limit: DEFAULT_AUTH_BODY_LIMIT,
        }
    }
}

impl EndpointSettings {
    fn validate(&self) -> Result<(), ConfigError> {
        if !self.prefix.starts_with('/') || self.prefix.len() < 2 || self.prefix.ends_with('/') {
            return Err(ConfigError::invalid(
                "auth_prefix",
                "a path like `/auth` (leading `/`, no trailing `/`)",
            ));
        }
        if self.access_token_name.is_empty()
            || self.refresh_token_name.is_empty()
            || self.access_token_name == self.refresh_token_name
        {
            return Err(ConfigError::invalid(
                "access_token_name",
                "two different, non-empty field names",
            ));
        }
        if self.body_limit < MIN_AUTH_BODY_LIMIT {
            return Err(ConfigError::invalid("auth_body_limit", "at least 64 bytes"));
        }
        Ok(())
    }
}

/// The HTTP settings as the builder collects them.
#[derive(Clone)]
pub(crate) struct HttpOptions {
    pub(crate) locations: Vec<TokenLocation>,
    pub(crate) header_name: String,
    pub(crate) header_scheme: String,
    pub(crate) query_param: String,
    pub(crate) realm: Option<String>,
    pub(crate) mapper: Option<ErrorMapper>,
    pub(crate) cookies: CookieConfig,
    pub(crate) endpoints: EndpointSettings,
}

impl Default for HttpOptions {
    fn default() -> Self {
        Self {
            locations: vec![TokenLocation::Header],
            header_name: "authorization".to_owned(),
            header_scheme: "Bearer".to_owned(),
            query_param: "access_token".to_owned(),
            realm: None,
            mapper: None,
            cookies: CookieConfig::default(),
            endpoints: EndpointSettings::default(),
        }
    }
}

impl HttpOptions {
    /// Checks each group and assembles the settings.
    pub(crate) fn build(self) -> Result<HttpSettings, ConfigError> {
        let render = Render::new(self.realm, self.mapper)?;
        let locations = Locations::new(
            &self.locations,
            &self.header_name,
            &self.header_scheme,
            &self.query_param,
            &self.cookies.access_cookie,
        )?;
        self.cookies.validate()?;
        self.endpoints.validate()?;
        Ok(HttpSettings {
            locations,
            cookies: self.cookies,
            render,
            endpoints: self.endpoints,
        })
    }
}

/// Where tokens are looked for, the cookie transport, how errors are answered, and the
/// built-in endpoints.
pub(crate) struct HttpSettings {
    pub(crate) locations: Locations,
    pub(crate) cookies: CookieConfig,
    pub(crate) render: Render,
    pub(crate) endpoints: EndpointSettings,
}

impl HttpSettings {
    /// Whether tokens travel in cookies (they then carry a CSRF value).
    pub(crate) fn cookie_transport(&self) -> bool {
        self.locations.uses_cookies()
    }

    /// The error of a request that carries no token.
    pub(crate) fn missing_token(&self) -> AuthError {
        AuthError::MissingToken {
            looked_in: self.locations.looked_in().to_owned().into(),
        }
    }
}

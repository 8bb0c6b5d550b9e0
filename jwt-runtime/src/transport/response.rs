//! The one place where an [`AuthError`] becomes an HTTP response (RFC 6750 §3): status,
//! `WWW-Authenticate` challenge, `Retry-After`, and the JSON body. Extractors, layers and the
//! `/auth` endpoints all answer through [`respond`].

use std::fmt;
use std::sync::Arc;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

use crate::error::{AuthError, ConfigError};
use crate::token::issue::SignError;

impl AuthError {
    /// The HTTP status this error answers with.
    pub fn status(&self) -> StatusCode {
        match self {
            AuthError::InvalidRequest(_) | AuthError::InvalidBody(_) => StatusCode::BAD_REQUEST,
            AuthError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AuthError::RoleNotAllowed | AuthError::InsufficientScope { .. } => {
                StatusCode::FORBIDDEN
            }
            AuthError::LayerMissing => StatusCode::INTERNAL_SERVER_ERROR,
            AuthError::RevocationUnavailable | AuthError::KeysUnavailable => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            _ => StatusCode::UNAUTHORIZED,
        }
    }

    /// The `WWW-Authenticate` challenge for this error (401, 403, and the 400 of a malformed
    /// request for a protected resource), with an optional realm.
    pub fn challenge(&self, realm: Option<&str>) -> Option<String> {
        let status = self.status();
        // RFC 6750 §3.1: a malformed request to a protected resource (two tokens, ...) is
        // challenged too; a malformed login body is not a request for a protected resource.
        let challenged = status == StatusCode::UNAUTHORIZED
            || status == StatusCode::FORBIDDEN
            || matches!(self, AuthError::InvalidRequest(_));
        if !challenged {
            return None;
        }
        let mut params: Vec<String> = Vec::with_capacity(4);
        if let Some(realm) = realm {
            params.push(format!("realm=\"{realm}\""));
        }
        if let Some(code) = self.rfc6750_code() {
            params.push(format!("error=\"{code}\""));
            params.push(format!("error_description=\"{}\"", self.description()));
        }
        if let AuthError::InsufficientScope { required } = self {
            // Scope characters are checked (RFC 6749 §3.3, no `"` or `\\`) when parsed.
            params.push(format!("scope=\"{required}\""));
        }
        Some(if params.is_empty() {
            "Bearer".to_owned()
        } else {
            format!("Bearer {}", params.join(", "))
        })
    }

    /// Builds the default response: status, `WWW-Authenticate` and the JSON body
    /// `{"error", "reason", "message"}`. The error also rides in the response's extensions,
    /// so a logging middleware can read `response.extensions().get::<AuthError>()`.
    pub fn to_response(&self, realm: Option<&str>) -> Response {
        default_response(self, realm, Map::new())
    }

    /// The `error` member of the JSON body: the RFC 6750 code, or a code of the same kind for
    /// the errors RFC 6750 has none for.
    fn body_code(&self) -> &'static str {
        self.rfc6750_code().unwrap_or(match self {
            AuthError::LayerMissing => "server_error",
            AuthError::RevocationUnavailable | AuthError::KeysUnavailable => {
                "temporarily_unavailable"
            }
            _ => self.reason(),
        })
    }
}

impl IntoResponse for AuthError {
    fn into_response(self) -> Response {
        respond(None, &self)
    }
}

/// A function that turns an [`AuthError`] into the application's own response; see
/// [`JwtBuilder::error_response`](crate::JwtBuilder::error_response).
pub type ErrorMapper = Arc<dyn Fn(&AuthError) -> Response + Send + Sync>;

/// How a configuration answers errors: the challenge's realm and the application's mapper.
#[derive(Clone, Default)]
pub(crate) struct Render {
    pub(crate) realm: Option<Arc<str>>,
    pub(crate) mapper: Option<ErrorMapper>,
}

impl Render {
    pub(crate) fn new(
        realm: Option<String>,
        mapper: Option<ErrorMapper>,
    ) -> Result<Self, ConfigError> {
        if let Some(realm) = &realm
            && !realm.bytes().all(is_quoted_string_byte)
        {
            return Err(ConfigError::invalid(
                "realm",
                "only printable ASCII without `\"` and `\\`",
            ));
        }
        Ok(Self {
            realm: realm.map(Into::into),
            mapper,
        })
    }
}

/// The characters RFC 6750 §3 allows in auth-param values.
fn is_quoted_string_byte(b: u8) -> bool {
    matches!(b, 0x20..=0x21 | 0x23..=0x5B | 0x5D..=0x7E)
}

/// Answers `error` the way `render` says (the default response with its realm, or the
/// application's mapper); without a configuration (`None`), the default response.
pub(crate) fn respond(render: Option<&Render>, error: &AuthError) -> Response {
    respond_with(render, error, Map::new())
}

/// [`respond`], with `extra` members put before the default body's own (sanic-jwt's
/// `/auth/verify` answers `{"valid": false, ...}`). A custom mapper's response is kept as it
/// is.
pub(crate) fn respond_with(
    render: Option<&Render>,
    error: &AuthError,
    extra: Map<String, Value>,
) -> Response {
    match render {
        Some(Render {
            mapper: Some(mapper),
            ..
        }) => {
            let mut response = mapper(error);
            response.extensions_mut().insert(error.clone());
            response
        }
        Some(Render { realm, .. }) => default_response(error, realm.as_deref(), extra),
        None => default_response(error, None, extra),
    }
}

fn default_response(
    error: &AuthError,
    realm: Option<&str>,
    mut body: Map<String, Value>,
) -> Response {
    body.insert("error".into(), Value::from(error.body_code()));
    body.insert("reason".into(), Value::from(error.reason()));
    body.insert("message".into(), Value::from(error.message().into_owned()));
    let mut response = json(error.status(), &Value::Object(body));
    response.extensions_mut().insert(error.clone());
    let headers = response.headers_mut();
    if matches!(
        error,
        AuthError::RevocationUnavailable | AuthError::KeysUnavailable
    ) {
        headers.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    }
    if let Some(challenge) = error.challenge(realm) {
        // The challenge is built from fixed texts and a realm checked at build time.
        if let Ok(value) = HeaderValue::from_str(&challenge) {
            headers.insert(header::WWW_AUTHENTICATE, value);
        }
    }
    response
}

/// A JSON response.
pub(crate) fn json(status: StatusCode, body: &Value) -> Response {
    let mut response = (status, body.to_string()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// A 500 for a failure of the server itself: the JSON body names a stable reason, the detail
/// goes to the log, not to the client.
pub(crate) fn server_error(reason: &'static str, message: &'static str) -> Response {
    json(
        StatusCode::INTERNAL_SERVER_ERROR,
        &serde_json::json!({"error": "server_error", "reason": reason, "message": message}),
    )
}

/// A token that could not be created is a server-side problem: 500 with a JSON body whose
/// `reason` is `token_creation_failed`; a login the revocation store could not record is the
/// store's 503 `revocation_unavailable` with `Retry-After`.
impl IntoResponse for SignError {
    fn into_response(self) -> Response {
        if self == SignError::StoreUnavailable {
            return respond(None, &AuthError::RevocationUnavailable);
        }
        tracing::error!(
            target: crate::observe::TARGET,
            error = %self, "a token could not be created"
        );
        server_error(
            "token_creation_failed",
            "the server could not create a token",
        )
    }
}

/// The rejection of the extractors: an [`AuthError`] plus the way the configured
/// [`Jwt`](crate::Jwt) answers it (realm, custom mapping).
#[derive(Clone)]
pub struct AuthRejection {
    error: AuthError,
    render: Option<Render>,
}

impl AuthRejection {
    pub(crate) fn new(error: AuthError, render: Option<Render>) -> Self {
        Self { error, render }
    }

    /// The error behind this rejection.
    pub fn error(&self) -> &AuthError {
        &self.error
    }

    /// Consumes the rejection, returning the error.
    pub fn into_error(self) -> AuthError {
        self.error
    }
}

impl fmt::Debug for AuthRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("AuthRejection").field(&self.error).finish()
    }
}

impl fmt::Display for AuthRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.error.fmt(f)
    }
}

impl std::error::Error for AuthRejection {}

impl From<AuthError> for AuthRejection {
    fn from(error: AuthError) -> Self {
        Self::new(error, None)
    }
}

impl IntoResponse for AuthRejection {
    fn into_response(self) -> Response {
        respond(self.render.as_ref(), &self.error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_token_has_a_bare_challenge() {
        let e = AuthError::MissingToken {
            looked_in: "the Authorization header".into(),
        };
        assert_eq!(e.challenge(None).as_deref(), Some("Bearer"));
        assert_eq!(
            e.challenge(Some("api")).as_deref(),
            Some("Bearer realm=\"api\"")
        );
    }

    #[test]
    fn only_a_request_for_a_protected_resource_is_challenged_with_400() {
        let two_tokens = AuthError::InvalidRequest("two tokens");
        assert_eq!(two_tokens.status(), StatusCode::BAD_REQUEST);
        assert_eq!(
            two_tokens.challenge(None).as_deref(),
            Some(
                "Bearer error=\"invalid_request\", error_description=\"The request is malformed\""
            )
        );
        assert_eq!(
            AuthError::InvalidBody("not JSON".into()).challenge(None),
            None
        );
        assert_eq!(AuthError::PayloadTooLarge.challenge(None), None);
        assert_eq!(AuthError::RevocationUnavailable.challenge(None), None);
    }

    #[test]
    fn insufficient_scope_names_the_scope() {
        let e = AuthError::InsufficientScope {
            required: "user:read admin".into(),
        };
        assert_eq!(e.status(), StatusCode::FORBIDDEN);
        assert_eq!(
            e.challenge(None).as_deref(),
            Some(
                "Bearer error=\"insufficient_scope\", error_description=\"The token lacks the required scope\", scope=\"user:read admin\""
            )
        );
    }
}

//! Custom claims, sanic-jwt's `Claim` classes: a key, a value written when a token is
//! issued, and a check run on every request.

use serde_json::Value;

/// A claim the application writes into every token and verifies on every request.
///
/// ```
/// use axum_jwt_guard_runtime::{CustomClaim, Jwt};
/// use serde_json::{Value, json};
///
/// /// Tokens are only valid for this deployment.
/// struct Deployment(&'static str);
///
/// impl CustomClaim for Deployment {
///     fn key(&self) -> &str { "deployment" }
///     fn setup(&self, _identity: &str) -> Value { json!(self.0) }
///     fn verify(&self, value: Option<&Value>) -> bool { value == Some(&json!(self.0)) }
/// }
///
/// let jwt = Jwt::builder().secret([7u8; 32]).custom_claim(Deployment("eu-1")).build()?;
/// # Ok::<(), axum_jwt_guard_runtime::ConfigError>(())
/// ```
pub trait CustomClaim: Send + Sync + 'static {
    /// The claim's key. It must not be a registered or library claim.
    fn key(&self) -> &str;
    /// The value written when a token for `identity` is issued.
    fn setup(&self, identity: &str) -> Value;
    /// Whether the token's value (`None` when absent) is acceptable; `false` answers 401
    /// `invalid_claim` naming the key.
    fn verify(&self, value: Option<&Value>) -> bool;
}

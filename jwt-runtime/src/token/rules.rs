//! [`ClaimRules`]: what every token of one configuration says and must say, shared by the
//! verifier and the issuer so that the two can never disagree.

use std::sync::Arc;
use std::time::Duration;

use super::claims::ClaimNames;
use crate::custom_claim::CustomClaim;
use crate::error::ConfigError;

/// Default leeway for `exp`, `nbf` and `iat`: 5 seconds of clock skew between instances.
pub const DEFAULT_LEEWAY: Duration = Duration::from_secs(5);
/// The largest leeway accepted: RFC 7519 speaks of "a few minutes" at most.
const MAX_LEEWAY: Duration = Duration::from_secs(300);

/// Claim names, private claim prefix, issuer, audience, clock skew and custom claims.
#[derive(Clone)]
pub(crate) struct ClaimRules {
    pub(crate) names: ClaimNames,
    pub(crate) prefix: Option<String>,
    pub(crate) leeway: Duration,
    pub(crate) issuer: Option<String>,
    pub(crate) audience: Vec<String>,
    pub(crate) verify_exp: bool,
    pub(crate) custom: Vec<Arc<dyn CustomClaim>>,
}

impl Default for ClaimRules {
    fn default() -> Self {
        Self {
            names: ClaimNames::default(),
            prefix: None,
            leeway: DEFAULT_LEEWAY,
            issuer: None,
            audience: Vec::new(),
            verify_exp: true,
            custom: Vec::new(),
        }
    }
}

impl ClaimRules {
    /// Checks every rule on its own and against the others.
    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        if self.leeway > MAX_LEEWAY {
            return Err(ConfigError::invalid(
                "leeway",
                "at most 300 seconds (RFC 7519: a few minutes)",
            ));
        }
        self.names.validate()?;
        if self.prefix.as_deref() == Some("") {
            return Err(ConfigError::invalid(
                "private_claim_prefix",
                "must not be empty",
            ));
        }
        if self.issuer.as_deref() == Some("") {
            return Err(ConfigError::invalid("issuer", "must not be empty"));
        }
        if self.audience.iter().any(String::is_empty) {
            return Err(ConfigError::invalid("audience", "must not be empty"));
        }
        let mut keys: Vec<&str> = Vec::new();
        for claim in &self.custom {
            let key = claim.key();
            if key.is_empty() || self.names.is_reserved(key) || keys.contains(&key) {
                return Err(ConfigError::invalid(
                    "custom_claim",
                    format!("`{key}` is empty, a registered or library claim, or given twice"),
                ));
            }
            keys.push(key);
        }
        if !self.verify_exp {
            tracing::warn!(
                target: crate::observe::TARGET,
                "expiry verification is DISABLED (dangerously_disable_expiry_verification); \
                expired tokens will be accepted"
            );
        }
        Ok(())
    }

    /// The leeway in whole seconds, as the time claims are compared.
    pub(crate) fn leeway_secs(&self) -> u64 {
        self.leeway.as_secs()
    }
}

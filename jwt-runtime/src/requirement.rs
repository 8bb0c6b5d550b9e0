//! What a route needs from its token: kind, freshness, roles and scopes, as data.

use std::borrow::Cow;

use crate::error::AuthError;
use crate::scope::{ScopeError, ScopeRule, ScopeRuleParts, scope_rule};
use crate::token::Token;
use crate::token::claims::TokenKind;

/// Role allow-list or deny-list (sanic-jwt-extended's `allow=` / `deny=`; both at once is a
/// configuration error there too, so the type holds one or the other).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Roles {
    /// Any role, or none.
    Any,
    /// The token's role must be one of these (a provider's token with several roles: any
    /// one of them).
    Allow(Cow<'static, [Cow<'static, str>]>),
    /// The token's role must not be one of these (a token without a role passes; a
    /// provider's token with several roles is refused when any one is denied).
    Deny(Cow<'static, [Cow<'static, str>]>),
}

/// The requirement of a route: produced at compile time by the attribute macros, or built at
/// run time for a whole router with `Jwt::require` (feature `axum`), or for any token with
/// [`Jwt::authorize`](crate::Jwt::authorize).
///
/// ```
/// use axum_jwt_guard_runtime::Requirement;
///
/// let admin_only = Requirement::access().scopes(["admin"])?.allow_roles(["ADMIN"]);
/// # Ok::<(), axum_jwt_guard_runtime::ScopeError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    pub(crate) kind: TokenKind,
    pub(crate) fresh: bool,
    pub(crate) optional: bool,
    pub(crate) roles: Roles,
    pub(crate) scopes: Option<ScopeRule>,
    pub(crate) skip_revocation: bool,
}

/// A requirement known at compile time. The attribute macros implement it on a hidden unit
/// struct per handler; not meant to be implemented by hand.
pub trait StaticRequirement: Send + Sync + 'static {
    /// The requirement.
    const REQUIREMENT: &'static Requirement;
}

/// The roles of a [`RequirementParts`]: static lists only, so that the parts can be taken
/// apart in a `const fn`. Not public API.
#[derive(Clone, Copy)]
pub enum RoleParts {
    /// Any role, or none.
    Any,
    /// An allow-list.
    Allow(&'static [Cow<'static, str>]),
    /// A deny-list.
    Deny(&'static [Cow<'static, str>]),
}

/// The parts of a requirement the attribute macros checked at compile time, by name. Not
/// public API: reached only through `__private`.
pub struct RequirementParts {
    /// Access or refresh.
    pub kind: TokenKind,
    /// `#[fresh_jwt_required]`.
    pub fresh: bool,
    /// `#[jwt_optional]`.
    pub optional: bool,
    /// `allow = [..]` or `deny = [..]`.
    pub roles: RoleParts,
    /// `#[scoped(..)]`.
    pub scopes: Option<ScopeRuleParts>,
    /// `skip_revocation_check = true`.
    pub skip_revocation: bool,
}

/// A requirement from parts the macros checked. Not public API: reached only through
/// `__private`.
pub const fn requirement(parts: RequirementParts) -> Requirement {
    Requirement {
        kind: parts.kind,
        fresh: parts.fresh,
        optional: parts.optional,
        roles: match parts.roles {
            RoleParts::Any => Roles::Any,
            RoleParts::Allow(roles) => Roles::Allow(Cow::Borrowed(roles)),
            RoleParts::Deny(roles) => Roles::Deny(Cow::Borrowed(roles)),
        },
        scopes: match parts.scopes {
            Some(rule) => Some(scope_rule(rule)),
            None => None,
        },
        skip_revocation: parts.skip_revocation,
    }
}

impl Requirement {
    /// A valid access token (what `#[jwt_required]` asks).
    pub const fn access() -> Self {
        Self {
            kind: TokenKind::Access,
            fresh: false,
            optional: false,
            roles: Roles::Any,
            scopes: None,
            skip_revocation: false,
        }
    }

    /// A valid refresh token (what `#[refresh_jwt_required]` asks).
    pub const fn refresh() -> Self {
        Self {
            kind: TokenKind::Refresh,
            fresh: false,
            optional: false,
            roles: Roles::Any,
            scopes: None,
            skip_revocation: false,
        }
    }

    /// Does not consult the revocation store (flask-jwt-extended's `skip_revocation_check`):
    /// for cheap, low-value routes that may accept a revoked but unexpired token.
    pub const fn skip_revocation_check(mut self) -> Self {
        self.skip_revocation = true;
        self
    }

    /// Requires the token to be fresh (minted from a login).
    pub fn fresh(mut self) -> Self {
        self.fresh = true;
        self
    }

    /// Only these roles pass (403 otherwise).
    pub fn allow_roles<I, S>(mut self, roles: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.roles = Roles::Allow(roles.into_iter().map(|r| Cow::Owned(r.into())).collect());
        self
    }

    /// These roles are refused (403).
    pub fn deny_roles<I, S>(mut self, roles: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.roles = Roles::Deny(roles.into_iter().map(|r| Cow::Owned(r.into())).collect());
        self
    }

    /// Requires sanic-jwt scopes (all of them, with all their actions; see
    /// [`scope_rule`](Self::scope_rule) for the other modes).
    pub fn scopes<I, S>(self, scopes: I) -> Result<Self, ScopeError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        Ok(self.scope_rule(ScopeRule::parse(scopes)?))
    }

    /// Requires a [`ScopeRule`] (with `require_all` / `require_all_actions` as set on it).
    pub fn scope_rule(mut self, rule: ScopeRule) -> Self {
        self.scopes = Some(rule);
        self
    }

    /// The token kind this requirement accepts.
    pub fn kind(&self) -> TokenKind {
        self.kind
    }

    /// Whether the revocation store is skipped.
    pub fn skips_revocation(&self) -> bool {
        self.skip_revocation
    }

    /// Whether a request without any token passes (`#[jwt_optional]`).
    pub fn is_optional(&self) -> bool {
        self.optional
    }

    /// Checks a verified token against freshness, roles and scopes.
    pub fn check<C>(&self, token: &Token<C>) -> Result<(), AuthError> {
        if self.fresh && !token.fresh() {
            return Err(AuthError::NotFresh);
        }
        // A token of ours has one role, a provider's token any number: allowed when any
        // role is allowed, refused when any is denied.
        let mut roles = token.roles();
        let role_ok = match &self.roles {
            Roles::Any => true,
            Roles::Allow(allowed) => roles.any(|r| allowed.iter().any(|a| a == r)),
            Roles::Deny(denied) => !roles.any(|r| denied.iter().any(|d| d == r)),
        };
        if !role_ok {
            return Err(AuthError::RoleNotAllowed);
        }
        if let Some(rule) = &self.scopes
            && !rule.is_satisfied_by(token.scopes())
        {
            return Err(AuthError::InsufficientScope {
                required: rule.challenge().clone(),
            });
        }
        Ok(())
    }
}

//! sanic-jwt's scope language: `namespace(:action)*`.
//!
//! A token scope with no actions grants every action of its namespace; a required scope with
//! an empty namespace (`:read`) matches any namespace; a required scope with no actions needs a
//! token scope with no actions. Namespaces and actions compare as exact, case-sensitive
//! strings. Checking allocates nothing.

use std::borrow::Cow;
use std::fmt;

/// One required scope, parsed once (by the macro at compile time, or by
/// [`Requirement::scopes`](crate::Requirement::scopes) when a router is built).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequiredScope {
    raw: Cow<'static, str>,
    namespace: Cow<'static, str>,
    actions: Cow<'static, [Cow<'static, str>]>,
}

/// A scope string that is not `namespace(:action)*` over RFC 6749 scope characters.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid scope {scope:?}: {reason}")]
pub struct ScopeError {
    /// The scope as written.
    pub scope: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

impl RequiredScope {
    /// Parses a scope string at run time.
    /// Parses a scope string at run time, with the grammar the macros check at compile
    /// time.
    pub fn parse(scope: &str) -> Result<Self, ScopeError> {
        let parts = axum_jwt_guard_grammar::parse_scope(scope).map_err(|e| ScopeError {
            scope: scope.to_owned(),
            reason: e.reason(),
        })?;
        Ok(Self {
            raw: Cow::Owned(scope.to_owned()),
            namespace: Cow::Owned(parts.namespace.to_owned()),
            actions: Cow::Owned(parts.actions().map(|a| Cow::Owned(a.to_owned())).collect()),
        })
    }

    /// The scope as written.
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// Whether one token scope satisfies this required scope (sanic-jwt's
    /// `validate_single_scope` for a single user scope).
    fn satisfied_by(&self, token_scope: &str, require_all_actions: bool) -> bool {
        let mut parts = token_scope.split(':');
        let token_namespace = parts.next().unwrap_or_default();
        if !self.namespace.is_empty() && self.namespace != token_namespace {
            return false;
        }
        let token_has_actions = token_scope.len() > token_namespace.len();
        if self.actions.is_empty() {
            return !token_has_actions;
        }
        if !token_has_actions {
            // A namespace-wide scope grants every action.
            return true;
        }
        let has = |action: &str| token_scope.split(':').skip(1).any(|a| a == action);
        if require_all_actions {
            self.actions.iter().all(|a| has(a))
        } else {
            self.actions.iter().any(|a| has(a))
        }
    }

    /// Whether any of the token's scopes satisfies this required scope.
    pub fn satisfied_by_any<S: AsRef<str>>(
        &self,
        token_scopes: &[S],
        require_all_actions: bool,
    ) -> bool {
        token_scopes
            .iter()
            .any(|s| self.satisfied_by(s.as_ref(), require_all_actions))
    }
}

impl fmt::Display for RequiredScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

/// A set of required scopes with sanic-jwt's `require_all` and `require_all_actions`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopeRule {
    scopes: Cow<'static, [RequiredScope]>,
    require_all: bool,
    require_all_actions: bool,
    /// The scopes joined by spaces: the `scope` parameter of the 403 challenge.
    challenge: Cow<'static, str>,
}

impl ScopeRule {
    /// Parses scope strings at run time; `require_all` and `require_all_actions` default to
    /// true.
    pub fn parse<I, S>(scopes: I) -> Result<Self, ScopeError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let scopes = scopes
            .into_iter()
            .map(|s| RequiredScope::parse(s.as_ref()))
            .collect::<Result<Vec<_>, _>>()?;
        if scopes.is_empty() {
            return Err(ScopeError {
                scope: String::new(),
                reason: "at least one scope is required",
            });
        }
        let challenge = scopes
            .iter()
            .map(RequiredScope::as_str)
            .collect::<Vec<_>>()
            .join(" ");
        Ok(Self {
            scopes: Cow::Owned(scopes),
            require_all: true,
            require_all_actions: true,
            challenge: Cow::Owned(challenge),
        })
    }

    /// Any one listed scope is enough (sanic-jwt's `require_all=False`).
    pub fn require_all(mut self, all: bool) -> Self {
        self.require_all = all;
        self
    }

    /// Any one action of a scope is enough (sanic-jwt's `require_all_actions=False`).
    pub fn require_all_actions(mut self, all: bool) -> Self {
        self.require_all_actions = all;
        self
    }

    /// The required scopes.
    pub fn scopes(&self) -> &[RequiredScope] {
        &self.scopes
    }

    /// Whether every listed scope is needed (not just one).
    #[cfg_attr(not(feature = "utoipa"), allow(dead_code))]
    pub(crate) fn requires_all(&self) -> bool {
        self.require_all
    }

    /// Whether every listed action of a scope is needed (not just one).
    #[cfg_attr(not(feature = "utoipa"), allow(dead_code))]
    pub(crate) fn requires_all_actions(&self) -> bool {
        self.require_all_actions
    }

    /// The `scope` parameter of the challenge: the required scopes joined by spaces.
    pub(crate) fn challenge(&self) -> &Cow<'static, str> {
        &self.challenge
    }

    /// sanic-jwt's `validate_scopes`.
    pub fn is_satisfied_by<S: AsRef<str>>(&self, token_scopes: &[S]) -> bool {
        let one = |r: &RequiredScope| r.satisfied_by_any(token_scopes, self.require_all_actions);
        if self.require_all {
            self.scopes.iter().all(one)
        } else {
            self.scopes.iter().any(one)
        }
    }
}

/// A scope the attribute macros parsed at compile time, by name. Not public API: reached
/// only through `__private`.
pub struct ScopeParts {
    /// The scope as written.
    pub raw: &'static str,
    /// The part before the first colon.
    pub namespace: &'static str,
    /// The actions.
    pub actions: &'static [Cow<'static, str>],
}

/// A [`RequiredScope`] from checked parts. Not public API.
pub const fn required_scope(parts: ScopeParts) -> RequiredScope {
    RequiredScope {
        raw: Cow::Borrowed(parts.raw),
        namespace: Cow::Borrowed(parts.namespace),
        actions: Cow::Borrowed(parts.actions),
    }
}

/// The scope rule of a `#[scoped]` attribute, by name. Not public API.
#[derive(Clone, Copy)]
pub struct ScopeRuleParts {
    /// The required scopes.
    pub scopes: &'static [RequiredScope],
    /// sanic-jwt's `require_all`.
    pub require_all: bool,
    /// sanic-jwt's `require_all_actions`.
    pub require_all_actions: bool,
    /// The scopes joined by spaces.
    pub challenge: &'static str,
}

/// A [`ScopeRule`] from checked parts. Not public API.
pub const fn scope_rule(parts: ScopeRuleParts) -> ScopeRule {
    ScopeRule {
        scopes: Cow::Borrowed(parts.scopes),
        require_all: parts.require_all,
        require_all_actions: parts.require_all_actions,
        challenge: Cow::Borrowed(parts.challenge),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(required: &str, user: &[&str], all_actions: bool) -> bool {
        RequiredScope::parse(required)
            .unwrap()
            .satisfied_by_any(user, all_actions)
    }

    /// A required scope displays as written, as its `as_str` does.
    #[test]
    fn a_required_scope_displays_as_written() {
        for raw in ["user", "user:read", "orders:read:write", ":read"] {
            let scope = RequiredScope::parse(raw).unwrap();
            assert_eq!(scope.to_string(), raw);
            assert_eq!(scope.as_str(), raw);
        }
    }

    /// Every row of sanic-jwt's documented table, and its validator's own cases.
    #[test]
    fn sanic_jwt_table() {
        let rows: &[(&str, &[&str], bool)] = &[
            ("user", &["something"], false),
            ("user", &["user"], true),
            ("user:read", &["user"], true),
            ("user:read", &["user:read"], true),
            ("user:read", &["user:write"], false),
            ("user:read", &["user:read:write"], true),
            ("user", &["user:read"], false),
            ("user:read:write", &["user:read"], false),
            ("user:read:write", &["user:read:write"], true),
            ("user:read:write", &["user:write:read"], true),
            ("user", &["something", "else"], false),
            ("user", &["something", "else", "user"], true),
            ("user:read", &["something:else", "user:read"], true),
            ("user:read", &["user:read", "something:else"], true),
            (":read", &[":read"], true),
            (":read", &["admin"], true),
        ];
        for (required, user, expected) in rows {
            assert_eq!(
                check(required, user, true),
                *expected,
                "{required} vs {user:?}"
            );
        }
        // Case 11 of the validator: any action is enough when asked.
        assert!(check("user:read:write", &["user:read"], false));
        assert!(!check("user:read:write", &["user:delete"], false));
        assert!(!check("user", &[], true));
    }

    #[test]
    fn exact_comparison_only() {
        for user in [
            "administrator",
            "superadmin",
            "user:admin",
            "admin:read",
            "Admin",
            "аdmin",
            "ａｄｍｉｎ",
            "admin\u{200b}",
            "admin\u{0}",
            "admin ",
            "*",
            "",
        ] {
            assert!(!check("admin", &[user], true), "{user:?}");
        }
    }

    #[test]
    fn require_all_and_any() {
        let rule = ScopeRule::parse(["user:read", "admin"]).unwrap();
        assert!(!rule.is_satisfied_by(&["user:read"]));
        assert!(rule.is_satisfied_by(&["user:read", "admin"]));
        let any = rule.clone().require_all(false);
        assert!(any.is_satisfied_by(&["admin"]));
        assert!(!any.is_satisfied_by(&["other"]));
        let actions = ScopeRule::parse([":read:write"]).unwrap();
        assert!(!actions.is_satisfied_by(&["user:read"]));
        assert!(
            actions
                .clone()
                .require_all_actions(false)
                .is_satisfied_by(&["user:read"])
        );
        assert_eq!(rule.challenge(), "user:read admin");
    }

    #[test]
    fn run_time_parsing_uses_the_shared_grammar() {
        let s = RequiredScope::parse("user:read:write").unwrap();
        assert_eq!((&*s.namespace, s.actions.len()), ("user", 2));
        let err = RequiredScope::parse("user::read").unwrap_err();
        assert_eq!(
            err.reason,
            axum_jwt_guard_grammar::ScopeSyntaxError::EmptyAction.reason()
        );
        assert!(ScopeRule::parse(Vec::<&str>::new()).is_err());
    }
}

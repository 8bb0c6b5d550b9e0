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

/// Checks the grammar (the macros check the same at compile time): non-empty, printable ASCII scope characters (RFC 6749 §3.3) without
/// spaces, `"` or `\`; actions are non-empty. Returns the namespace and the actions.
pub(crate) fn parse_scope(scope: &str) -> Result<(&str, Vec<&str>), &'static str> {
    if scope.is_empty() {
        return Err("a scope cannot be empty");
    }
    if !scope.is_ascii() {
        return Err(
            "scopes are ASCII only (non-ASCII look-alikes such as Cyrillic or fullwidth letters are refused)",
        );
    }
    if scope.bytes().any(|b| b == b' ') {
        return Err("a scope cannot contain spaces; list several scopes as separate strings");
    }
    if scope
        .bytes()
        .any(|b| !matches!(b, 0x21 | 0x23..=0x5B | 0x5D..=0x7E))
    {
        return Err("a scope may only contain printable ASCII other than `\"` and `\\`");
    }
    let mut parts = scope.split(':');
    let namespace = parts.next().unwrap_or_default();
    let actions: Vec<&str> = parts.collect();
    if actions.iter().any(|a| a.is_empty()) {
        return Err("empty action: write `namespace:action`, with no `::` and no trailing `:`");
    }
    if namespace.is_empty() && actions.is_empty() {
        return Err("a scope needs a namespace or an action");
    }
    Ok((namespace, actions))
}

impl RequiredScope {
    /// Parses a scope string at run time.
    pub fn parse(scope: &str) -> Result<Self, ScopeError> {
        let (namespace, actions) = parse_scope(scope).map_err(|reason| ScopeError {
            scope: scope.to_owned(),
            reason,
        })?;
        Ok(Self {
            raw: Cow::Owned(scope.to_owned()),
            namespace: Cow::Owned(namespace.to_owned()),
            actions: Cow::Owned(
                actions
                    .into_iter()
                    .map(|a| Cow::Owned(a.to_owned()))
                    .collect(),
            ),
        })
    }

    /// A scope parsed at compile time. Not public API: the macros call it with parts they
    /// have already checked.
    #[doc(hidden)]
    pub const fn __from_parts(
        raw: &'static str,
        namespace: &'static str,
        actions: &'static [Cow<'static, str>],
    ) -> Self {
        Self {
            raw: Cow::Borrowed(raw),
            namespace: Cow::Borrowed(namespace),
            actions: Cow::Borrowed(actions),
        }
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

    /// Scopes checked at compile time. Not public API.
    #[doc(hidden)]
    pub const fn __from_parts(
        scopes: &'static [RequiredScope],
        require_all: bool,
        require_all_actions: bool,
        challenge: &'static str,
    ) -> Self {
        Self {
            scopes: Cow::Borrowed(scopes),
            require_all,
            require_all_actions,
            challenge: Cow::Borrowed(challenge),
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn check(required: &str, user: &[&str], all_actions: bool) -> bool {
        RequiredScope::parse(required)
            .unwrap()
            .satisfied_by_any(user, all_actions)
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
    fn grammar() {
        for ok in [
            "admin",
            "user:read",
            "user:read:write",
            ":read",
            ":read:write",
            "a-b_c.d",
        ] {
            assert!(parse_scope(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            ":",
            "user::read",
            "user:",
            "a b",
            "user:read:",
            "аdmin",
            "a\"b",
            "a\\b",
            "a\tb",
        ] {
            assert!(parse_scope(bad).is_err(), "{bad:?}");
        }
        assert!(ScopeRule::parse(Vec::<&str>::new()).is_err());
    }
}

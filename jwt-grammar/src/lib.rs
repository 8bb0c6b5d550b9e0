//! The rules that `axum-jwt-guard` checks in two places, written once: at compile time in its
//! attribute and derive macros, and at run time when a router or a token is built. Depend on
//! the `axum-jwt-guard` crate; this one has no public API of its own and changes with it.
//!
//! - [`parse_scope`]: sanic-jwt's scope grammar, `namespace(:action)*` over the scope
//!   characters of RFC 6749 §3.3.
//! - [`LIBRARY_CLAIMS`], [`CSRF_CLAIM`] and [`DEFAULT_CLAIM_NAMES`]: the claim names the
//!   library writes itself, which private and public claims may not take.
#![no_std]
#![warn(missing_docs)]

/// Claims the library writes under fixed names: the registered time, issuer, audience and id
/// claims, and sanic-jwt-extended's `fresh`.
pub const LIBRARY_CLAIMS: [&str; 7] = ["exp", "iat", "nbf", "iss", "aud", "jti", "fresh"];

/// The claim that binds a token to its CSRF value in cookie mode.
pub const CSRF_CLAIM: &str = "csrf";

/// The default names of the four claims whose name is configurable: identity, token type,
/// role and scopes.
pub const DEFAULT_CLAIM_NAMES: ClaimNameDefaults = ClaimNameDefaults {
    identity: "sub",
    token_type: "type",
    role: "role",
    scopes: "scopes",
};

/// The default names of the configurable claims; see [`DEFAULT_CLAIM_NAMES`].
#[derive(Debug, Clone, Copy)]
pub struct ClaimNameDefaults {
    /// The identity claim.
    pub identity: &'static str,
    /// The token type claim (`access` / `refresh`).
    pub token_type: &'static str,
    /// The role claim.
    pub role: &'static str,
    /// The scopes claim.
    pub scopes: &'static str,
}

impl ClaimNameDefaults {
    /// The four names, in a fixed order.
    pub const fn all(&self) -> [&'static str; 4] {
        [self.identity, self.token_type, self.role, self.scopes]
    }
}

/// Whether the library writes `name` itself under the default claim names (what a private
/// claim field, checked at compile time, may not be called).
pub fn is_reserved_by_default(name: &str) -> bool {
    LIBRARY_CLAIMS.contains(&name)
        || name == CSRF_CLAIM
        || DEFAULT_CLAIM_NAMES.all().contains(&name)
}

/// Every name [`is_reserved_by_default`] refuses, for messages.
pub const RESERVED_BY_DEFAULT: [&str; 12] = [
    "exp", "iat", "nbf", "iss", "aud", "jti", "sub", "type", "role", "scopes", "fresh", "csrf",
];

/// Why a string is not a scope. Each caller words the message for its audience: the macros
/// name the offending character and suggest a fix, the run-time parser answers a short
/// [`reason`](ScopeSyntaxError::reason).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeSyntaxError {
    /// The empty string.
    Empty,
    /// A character outside ASCII (look-alikes such as Cyrillic or fullwidth letters).
    NonAscii(char),
    /// A space, tab or other whitespace: several scopes are several strings.
    Whitespace,
    /// `"`, `\` or a control character (RFC 6749 §3.3 leaves them out).
    Forbidden(char),
    /// Neither a namespace nor an action (`:`).
    NoNamespaceOrAction,
    /// An empty action: `::` or a trailing `:`.
    EmptyAction,
}

impl ScopeSyntaxError {
    /// A short explanation.
    pub fn reason(self) -> &'static str {
        match self {
            ScopeSyntaxError::Empty => "a scope cannot be empty",
            ScopeSyntaxError::NonAscii(_) => {
                "scopes are ASCII only (non-ASCII look-alikes such as Cyrillic or fullwidth letters are refused)"
            }
            ScopeSyntaxError::Whitespace => {
                "a scope cannot contain whitespace; list several scopes as separate strings"
            }
            ScopeSyntaxError::Forbidden(_) => {
                "a scope may only contain printable ASCII other than `\"` and `\\`"
            }
            ScopeSyntaxError::NoNamespaceOrAction => "a scope needs a namespace or an action",
            ScopeSyntaxError::EmptyAction => {
                "empty action: write `namespace:action`, with no `::` and no trailing `:`"
            }
        }
    }
}

/// A scope split at its colons: the namespace (empty for `:read`) and the actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScopeParts<'a> {
    /// The part before the first colon.
    pub namespace: &'a str,
    /// The part after it, the actions separated by colons (empty when there are none).
    pub actions: &'a str,
}

impl<'a> ScopeParts<'a> {
    /// The actions, in order.
    pub fn actions(&self) -> impl Iterator<Item = &'a str> + 'a {
        let actions = self.actions;
        actions.split(':').filter(move |_| !actions.is_empty())
    }
}

/// Checks sanic-jwt's grammar: a non-empty string of printable ASCII other than space, `"`
/// and `\` (RFC 6749 §3.3), split at colons into a namespace and non-empty actions, with a
/// namespace or at least one action.
pub fn parse_scope(scope: &str) -> Result<ScopeParts<'_>, ScopeSyntaxError> {
    if scope.is_empty() {
        return Err(ScopeSyntaxError::Empty);
    }
    if let Some(c) = scope.chars().find(|c| !c.is_ascii()) {
        return Err(ScopeSyntaxError::NonAscii(c));
    }
    if scope.bytes().any(|b| b.is_ascii_whitespace() || b == 0x0B) {
        return Err(ScopeSyntaxError::Whitespace);
    }
    if let Some(b) = scope
        .bytes()
        .find(|b| !matches!(b, 0x21 | 0x23..=0x5B | 0x5D..=0x7E))
    {
        return Err(ScopeSyntaxError::Forbidden(char::from(b)));
    }
    let (namespace, actions) = scope.split_once(':').unwrap_or((scope, ""));
    if namespace.is_empty() && actions.bytes().all(|b| b == b':') {
        return Err(ScopeSyntaxError::NoNamespaceOrAction);
    }
    let has_colon = scope.len() > namespace.len();
    if has_colon && actions.split(':').any(str::is_empty) {
        return Err(ScopeSyntaxError::EmptyAction);
    }
    Ok(ScopeParts { namespace, actions })
}

#[cfg(test)]
mod tests {
    extern crate std;
    use std::vec::Vec;

    use super::*;

    /// The corpus both crates rely on: what parses, into which parts, and what does not.
    #[test]
    fn corpus() {
        let ok: &[(&str, &str, &[&str])] = &[
            ("admin", "admin", &[]),
            ("user:read", "user", &["read"]),
            ("user:read:write", "user", &["read", "write"]),
            (":read", "", &["read"]),
            (":read:write", "", &["read", "write"]),
            ("a-b_c.d", "a-b_c.d", &[]),
            ("client1", "client1", &[]),
            ("x!#$%&'()*+,-./", "x!#$%&'()*+,-./", &[]),
            ("x;<=>?@[]^_`{|}~", "x;<=>?@[]^_`{|}~", &[]),
        ];
        for (scope, namespace, actions) in ok {
            let parts = parse_scope(scope).unwrap_or_else(|e| panic!("{scope}: {e:?}"));
            assert_eq!(parts.namespace, *namespace, "{scope}");
            assert_eq!(parts.actions().collect::<Vec<_>>(), *actions, "{scope}");
        }
        use ScopeSyntaxError::*;
        let bad: &[(&str, ScopeSyntaxError)] = &[
            ("", Empty),
            (":", NoNamespaceOrAction),
            ("::", NoNamespaceOrAction),
            ("user::read", EmptyAction),
            ("user:", EmptyAction),
            ("user:read:", EmptyAction),
            (":read:", EmptyAction),
            ("a b", Whitespace),
            ("a\tb", Whitespace),
            ("admin\n", Whitespace),
            ("\u{430}dmin", NonAscii('\u{430}')),
            ("\u{ff41}dmin", NonAscii('\u{ff41}')),
            ("admin\u{200b}", NonAscii('\u{200b}')),
            ("a\"b", Forbidden('"')),
            ("a\\b", Forbidden('\\')),
            ("admin\u{0}", Forbidden('\u{0}')),
            ("a\u{7f}", Forbidden('\u{7f}')),
        ];
        for (scope, error) in bad {
            assert_eq!(parse_scope(scope), Err(*error), "{scope:?}");
        }
    }

    #[test]
    fn reserved_names() {
        for name in RESERVED_BY_DEFAULT {
            assert!(is_reserved_by_default(name), "{name}");
        }
        let count = LIBRARY_CLAIMS.len() + 1 + DEFAULT_CLAIM_NAMES.all().len();
        assert_eq!(RESERVED_BY_DEFAULT.len(), count);
        for name in ["user_id", "Exp", "subject", "app_role", ""] {
            assert!(!is_reserved_by_default(name), "{name}");
        }
    }
}

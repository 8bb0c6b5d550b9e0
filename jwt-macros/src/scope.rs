//! The scope grammar at compile time: `axum-jwt-guard-grammar` decides (the same rules the runtime
//! applies to scopes given at run time); this module words the error for the macro user,
//! naming the character at fault and suggesting a fix.

use axum_jwt_guard_grammar::ScopeSyntaxError;

/// A scope split into namespace and actions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ParsedScope {
    pub(crate) raw: String,
    pub(crate) namespace: String,
    pub(crate) actions: Vec<String>,
}

/// Parses one scope, or says what is wrong and what to write instead.
pub(crate) fn parse_scope(scope: &str) -> Result<ParsedScope, String> {
    match axum_jwt_guard_grammar::parse_scope(scope) {
        Ok(parts) => Ok(ParsedScope {
            raw: scope.to_owned(),
            namespace: parts.namespace.to_owned(),
            actions: parts.actions().map(str::to_owned).collect(),
        }),
        Err(e) => Err(message(scope, e)),
    }
}

fn message(scope: &str, error: ScopeSyntaxError) -> String {
    match error {
        ScopeSyntaxError::Empty => {
            "a scope cannot be empty; write a scope such as \"admin\" or \"user:read\"".into()
        }
        ScopeSyntaxError::NonAscii(c) => format!(
            "scopes are ASCII only, and {c:?} (U+{:04X}) is not: retype the scope (non-ASCII look-alikes such as Cyrillic or fullwidth letters are refused)",
            c as u32
        ),
        ScopeSyntaxError::Whitespace => {
            "a scope cannot contain whitespace; list several scopes as separate strings: #[scoped(\"a\", \"b\")]"
                .into()
        }
        ScopeSyntaxError::Forbidden(c) => format!(
            "a scope may only contain printable ASCII other than `\"` and `\\`; remove {c:?}"
        ),
        ScopeSyntaxError::NoNamespaceOrAction => {
            "a scope needs a namespace or an action, e.g. \"admin\" or \":read\"".into()
        }
        ScopeSyntaxError::EmptyAction => {
            let fixed: Vec<&str> = scope.split(':').filter(|part| !part.is_empty()).collect();
            let fixed = if scope.starts_with(':') {
                format!(":{}", fixed.join(":"))
            } else {
                fixed.join(":")
            };
            format!(
                "empty action in scope {scope:?}: actions are separated by single colons, with none at the end; did you mean {fixed:?}?"
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The grammar itself is tested once, in `axum-jwt-guard-grammar`; here, the messages.
    #[test]
    fn malformed_scopes_say_what_to_write() {
        let cases = [
            ("", "cannot be empty"),
            (":", "namespace or an action"),
            ("user::read", "did you mean \"user:read\""),
            ("user:", "did you mean \"user\""),
            ("user:read:", "did you mean \"user:read\""),
            (":read:", "did you mean \":read\""),
            ("a b", "whitespace"),
            ("a\tb", "whitespace"),
            ("\u{430}dmin", "U+0430"),
            ("\u{ff41}dmin", "ASCII only"),
            ("admin\u{200b}", "ASCII only"),
            ("a\"b", "printable ASCII"),
            ("a\\b", "printable ASCII"),
        ];
        for (scope, message) in cases {
            let err = parse_scope(scope).expect_err(scope);
            assert!(err.contains(message), "{scope:?}: {err}");
        }
        let s = parse_scope("user:read:write").unwrap();
        assert_eq!((s.namespace.as_str(), s.actions.len()), ("user", 2));
    }
}

//! The scope grammar, checked at compile time: `namespace(:action)*` over RFC 6749 §3.3 scope
//! characters. jwt-runtime checks the same grammar for scopes given at run time.

/// A scope split into namespace and actions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ParsedScope {
    pub(crate) raw: String,
    pub(crate) namespace: String,
    pub(crate) actions: Vec<String>,
}

/// Parses one scope, or says what is wrong and what to write instead.
pub(crate) fn parse_scope(scope: &str) -> Result<ParsedScope, String> {
    if scope.is_empty() {
        return Err(
            "a scope cannot be empty; write a scope such as \"admin\" or \"user:read\"".into(),
        );
    }
    if let Some(c) = scope.chars().find(|c| !c.is_ascii()) {
        return Err(format!(
            "scopes are ASCII only, and {c:?} (U+{:04X}) is not: retype the scope (non-ASCII look-alikes such as Cyrillic or fullwidth letters are refused)",
            c as u32
        ));
    }
    if scope.contains(char::is_whitespace) {
        return Err(
            "a scope cannot contain whitespace; list several scopes as separate strings: #[scoped(\"a\", \"b\")]"
                .into(),
        );
    }
    if let Some(c) = scope
        .chars()
        .find(|c| !matches!(*c as u32, 0x21 | 0x23..=0x5B | 0x5D..=0x7E))
    {
        return Err(format!(
            "a scope may only contain printable ASCII other than `\"` and `\\`; remove {c:?}"
        ));
    }
    let mut parts = scope.split(':');
    let namespace = parts.next().unwrap_or_default().to_owned();
    let actions: Vec<String> = parts.map(str::to_owned).collect();
    if namespace.is_empty() && actions.iter().all(String::is_empty) {
        return Err("a scope needs a namespace or an action, e.g. \"admin\" or \":read\"".into());
    }
    if actions.iter().any(String::is_empty) {
        let fixed: Vec<&str> = std::iter::once(namespace.as_str())
            .chain(actions.iter().map(String::as_str).filter(|a| !a.is_empty()))
            .collect();
        return Err(format!(
            "empty action in scope {scope:?}: actions are separated by single colons, with none at the end; did you mean {:?}?",
            fixed.join(":")
        ));
    }
    Ok(ParsedScope {
        raw: scope.to_owned(),
        namespace,
        actions,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_scopes_split_like_sanic_jwt() {
        let s = parse_scope("user:read:write").unwrap();
        assert_eq!(s.namespace, "user");
        assert_eq!(s.actions, ["read", "write"]);
        let s = parse_scope(":read").unwrap();
        assert_eq!((s.namespace.as_str(), s.actions.len()), ("", 1));
        let s = parse_scope("admin").unwrap();
        assert!(s.actions.is_empty());
        for ok in [
            "a-b_c.d",
            "client1",
            ":read:write",
            "x!#$%&'()*+,-./;<=>?@[]^_`{|}~",
        ] {
            assert!(parse_scope(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn malformed_scopes_say_what_to_write() {
        let cases = [
            ("", "cannot be empty"),
            (":", "namespace or an action"),
            ("user::read", "did you mean \"user:read\""),
            ("user:", "did you mean \"user\""),
            ("user:read:", "did you mean \"user:read\""),
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
    }
}

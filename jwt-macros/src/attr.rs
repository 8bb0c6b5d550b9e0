//! Arguments of the attribute macros: `allow = [..]`, `deny = [..]`, scopes,
//! `require_all`, `require_all_actions`, `crate = ".."`.

use proc_macro2::{Span, TokenStream};
use syn::parse::{ParseStream, Parser};
use syn::{Expr, Ident, Lit, LitStr, Token};

use crate::ctxt::{Ctxt, Once};
use crate::scope::{ParsedScope, parse_scope};

/// The five attributes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    JwtRequired,
    JwtOptional,
    FreshJwtRequired,
    RefreshJwtRequired,
    Scoped,
}

impl Kind {
    pub(crate) const ALL: [Kind; 5] = [
        Kind::JwtRequired,
        Kind::JwtOptional,
        Kind::FreshJwtRequired,
        Kind::RefreshJwtRequired,
        Kind::Scoped,
    ];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Kind::JwtRequired => "jwt_required",
            Kind::JwtOptional => "jwt_optional",
            Kind::FreshJwtRequired => "fresh_jwt_required",
            Kind::RefreshJwtRequired => "refresh_jwt_required",
            Kind::Scoped => "scoped",
        }
    }

    pub(crate) fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// The named arguments this attribute takes.
    fn keys(self) -> &'static [&'static str] {
        match self {
            Kind::JwtRequired | Kind::FreshJwtRequired | Kind::RefreshJwtRequired => {
                &["allow", "deny", "skip_revocation_check", "crate"]
            }
            Kind::JwtOptional => &["skip_revocation_check", "crate"],
            Kind::Scoped => &["require_all", "require_all_actions", "crate"],
        }
    }
}

/// A role allow-list or deny-list.
#[derive(Debug, Clone)]
pub(crate) struct RoleList {
    pub(crate) allow: bool,
    pub(crate) roles: Vec<String>,
}

/// Where an attribute is, for mistakes about the attribute as a whole: the attribute being
/// expanded is the call site; a stacked one is its own tokens (so the error underlines all of
/// it, not only its `#`).
#[derive(Debug, Clone)]
pub(crate) struct AttrLoc(Option<TokenStream>);

impl AttrLoc {
    pub(crate) fn call_site() -> Self {
        AttrLoc(None)
    }

    pub(crate) fn of(tokens: impl quote::ToTokens) -> Self {
        AttrLoc(Some(tokens.into_token_stream()))
    }

    pub(crate) fn error(&self, message: impl std::fmt::Display) -> syn::Error {
        match &self.0 {
            Some(tokens) => syn::Error::new_spanned(tokens, message),
            None => syn::Error::new(Span::call_site(), message),
        }
    }
}

/// The parsed arguments of one attribute. (`Debug` for the tests only: `syn::Path` has it
/// with syn's `extra-traits`, which only the tests turn on.)
#[derive(Clone)]
#[cfg_attr(test, derive(Debug))]
pub(crate) struct Args {
    pub(crate) kind: Kind,
    pub(crate) loc: AttrLoc,
    pub(crate) roles: Option<RoleList>,
    pub(crate) scopes: Vec<ParsedScope>,
    pub(crate) require_all: Option<bool>,
    pub(crate) require_all_actions: Option<bool>,
    pub(crate) skip_revocation_check: Option<bool>,
    pub(crate) krate: Option<syn::Path>,
}

fn one_of(keys: &[&str]) -> String {
    keys.iter()
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The named arguments of one attribute, each given at most once.
struct Named {
    allow: Once<Vec<String>>,
    deny: Once<Vec<String>>,
    require_all: Once<bool>,
    require_all_actions: Once<bool>,
    skip_revocation_check: Once<bool>,
    krate: Once<syn::Path>,
}

impl Named {
    fn new() -> Self {
        Named {
            allow: Once::new("argument", "allow"),
            deny: Once::new("argument", "deny"),
            require_all: Once::new("argument", "require_all"),
            require_all_actions: Once::new("argument", "require_all_actions"),
            skip_revocation_check: Once::new("argument", "skip_revocation_check"),
            krate: Once::new("argument", "crate"),
        }
    }
}

/// Parses the arguments of `kind`, reporting every mistake.
pub(crate) fn parse_args(
    kind: Kind,
    tokens: TokenStream,
    loc: AttrLoc,
) -> Result<Args, syn::Error> {
    let mut cx = Ctxt::new();
    let mut scopes: Vec<ParsedScope> = Vec::new();
    let mut named = Named::new();
    let parser = |input: ParseStream<'_>| -> syn::Result<()> {
        parse_into(kind, &mut scopes, &mut named, &mut cx, input)
    };
    if let Err(e) = parser.parse2(tokens) {
        cx.push(e);
    }
    if kind == Kind::Scoped && scopes.is_empty() && !cx.has_errors() {
        cx.push(loc.error(
            "#[scoped] needs at least one scope, e.g. #[scoped(\"admin\")] or #[scoped(\"user:read\", \"user:write\")]",
        ));
    }
    cx.check()?;
    let roles = match (named.allow.get(), named.deny.get()) {
        (Some(roles), _) => Some(RoleList { allow: true, roles }),
        (None, Some(roles)) => Some(RoleList {
            allow: false,
            roles,
        }),
        (None, None) => None,
    };
    Ok(Args {
        kind,
        loc,
        roles,
        scopes,
        require_all: named.require_all.get(),
        require_all_actions: named.require_all_actions.get(),
        skip_revocation_check: named.skip_revocation_check.get(),
        krate: named.krate.get(),
    })
}

fn parse_into(
    kind: Kind,
    scopes: &mut Vec<ParsedScope>,
    named: &mut Named,
    cx: &mut Ctxt,
    input: ParseStream<'_>,
) -> syn::Result<()> {
    let mut named_seen = false;
    while !input.is_empty() {
        if input.peek(LitStr) {
            let lit: LitStr = input.parse()?;
            if kind != Kind::Scoped {
                let hint = match kind {
                    Kind::JwtOptional => String::new(),
                    _ => format!(
                        "; for roles write #[{}(allow = [{}])]",
                        kind.name(),
                        lit.token()
                    ),
                };
                cx.spanned(
                    &lit,
                    format!(
                        "#[{}] takes no positional argument; scopes go in #[scoped({})]{hint}",
                        kind.name(),
                        lit.token()
                    ),
                );
            } else if named_seen {
                cx.spanned(
                    &lit,
                    "scopes come first: write #[scoped(\"a\", \"b\", require_all = false)]",
                );
            } else {
                match parse_scope(&lit.value()) {
                    Err(message) => cx.spanned(&lit, message),
                    Ok(scope) if scopes.iter().any(|s| s.raw == scope.raw) => cx.spanned(
                        &lit,
                        format!("duplicate scope {:?}; list each scope once", scope.raw),
                    ),
                    Ok(scope) => scopes.push(scope),
                }
            }
        } else if input.peek(Token![crate]) {
            named_seen = true;
            let kw: Token![crate] = input.parse()?;
            input.parse::<Token![=]>()?;
            let lit: LitStr = input.parse()?;
            if named.krate.first(cx, kw) {
                match lit.parse::<syn::Path>() {
                    Ok(path) => named.krate.put(path),
                    Err(_) => cx.spanned(
                        &lit,
                        "`crate` takes the path of the axum-jwt-guard crate, e.g. crate = \"::my_axum_jwt\"",
                    ),
                }
            }
        } else if input.peek(Ident) {
            named_seen = true;
            let key: Ident = input.parse()?;
            let name = key.to_string();
            if kind == Kind::Scoped
                && !kind.keys().contains(&name.as_str())
                && !input.peek(Token![=])
            {
                // `#[scoped(admin)]` or `#[scoped(user:read)]`: a scope written as code.
                let mut scope = name.clone();
                while input.peek(Token![:]) && !input.peek(Token![::]) {
                    input.parse::<Token![:]>()?;
                    scope.push(':');
                    if input.peek(Ident) {
                        scope.push_str(&input.parse::<Ident>()?.to_string());
                    }
                }
                cx.spanned(
                    &key,
                    format!("scopes are string literals: write #[scoped(\"{scope}\")]"),
                );
            } else if !kind.keys().contains(&name.as_str()) {
                cx.spanned(
                    &key,
                    format!(
                        "unknown argument `{name}` for #[{}]; expected one of: {}",
                        kind.name(),
                        one_of(kind.keys())
                    ),
                );
                if input.peek(Token![=]) {
                    input.parse::<Token![=]>()?;
                    input.parse::<Expr>()?;
                }
            } else {
                input.parse::<Token![=]>()?;
                let value: Expr = input.parse()?;
                match name.as_str() {
                    "allow" | "deny" => {
                        let other_seen = if name == "allow" {
                            named.deny.seen()
                        } else {
                            named.allow.seen()
                        };
                        let slot = if name == "allow" {
                            &mut named.allow
                        } else {
                            &mut named.deny
                        };
                        if other_seen && !slot.seen() {
                            cx.spanned(
                                &key,
                                "`allow` and `deny` cannot be used together (sanic-jwt-extended refuses it too); keep one list",
                            );
                        } else if slot.first(cx, &key)
                            && let Some(roles) = parse_roles(&value, cx)
                        {
                            slot.put(roles);
                        }
                    }
                    _ => {
                        let slot = match name.as_str() {
                            "require_all" => &mut named.require_all,
                            "require_all_actions" => &mut named.require_all_actions,
                            _ => &mut named.skip_revocation_check,
                        };
                        if slot.first(cx, &key) {
                            match bool_literal(&value) {
                                Some(b) => slot.put(b),
                                None => cx.spanned(
                                    &value,
                                    format!(
                                        "`{name}` takes `true` or `false`, e.g. {name} = false"
                                    ),
                                ),
                            }
                        }
                    }
                }
            }
        } else {
            return Err(input.error(format!(
                "expected {}{}",
                if kind == Kind::Scoped {
                    "a scope string or "
                } else {
                    ""
                },
                one_of(kind.keys())
            )));
        }
        if !input.is_empty() {
            input.parse::<Token![,]>()?;
        }
    }
    Ok(())
}

fn bool_literal(value: &Expr) -> Option<bool> {
    match value {
        Expr::Lit(syn::ExprLit {
            lit: Lit::Bool(b), ..
        }) => Some(b.value),
        _ => None,
    }
}

/// `["ADMIN", "STAFF"]`: non-empty, string literals, no duplicates, no empty role.
fn parse_roles(value: &Expr, errors: &mut Ctxt) -> Option<Vec<String>> {
    let Expr::Array(array) = value else {
        errors.spanned(
            value,
            "roles are a list of string literals, e.g. allow = [\"ADMIN\", \"STAFF\"]",
        );
        return None;
    };
    if array.elems.is_empty() {
        errors.at(
            array.bracket_token.span.join(),
            "the role list is empty; name at least one role, e.g. [\"ADMIN\"], or remove the argument",
        );
        return None;
    }
    let mut roles: Vec<String> = Vec::new();
    let mut ok = true;
    for elem in &array.elems {
        match elem {
            Expr::Lit(syn::ExprLit {
                lit: Lit::Str(s), ..
            }) => {
                let role = s.value();
                if role.is_empty() {
                    errors.spanned(s, "a role cannot be an empty string");
                    ok = false;
                } else if roles.contains(&role) {
                    errors.spanned(s, format!("duplicate role {role:?}; list each role once"));
                    ok = false;
                } else {
                    roles.push(role);
                }
            }
            other => {
                errors.spanned(other, "roles are string literals, e.g. \"ADMIN\"");
                ok = false;
            }
        }
    }
    ok.then_some(roles)
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn parse(kind: Kind, tokens: TokenStream) -> Result<Args, String> {
        parse_args(kind, tokens, AttrLoc::call_site()).map_err(|e| {
            e.into_iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join(" | ")
        })
    }

    #[test]
    fn roles() {
        let a = parse(Kind::JwtRequired, quote!(allow = ["ADMIN", "STAFF"])).unwrap();
        let r = a.roles.unwrap();
        assert!(r.allow);
        assert_eq!(r.roles, ["ADMIN", "STAFF"]);
        let a = parse(
            Kind::FreshJwtRequired,
            quote!(deny = ["BANNED"], crate = "::x"),
        )
        .unwrap();
        assert!(!a.roles.unwrap().allow);
        assert!(a.krate.is_some());
        assert!(parse(Kind::JwtRequired, quote!()).unwrap().roles.is_none());
    }

    #[test]
    fn role_mistakes() {
        let cases: [(TokenStream, &str); 8] = [
            (
                quote!(allow = ["A"], deny = ["B"]),
                "cannot be used together",
            ),
            (quote!(allow = []), "the role list is empty"),
            (quote!(allow = [1]), "roles are string literals"),
            (quote!(allow = ["A", "A"]), "duplicate role \"A\""),
            (quote!(allow = [""]), "empty string"),
            (quote!(allow = "A"), "list of string literals"),
            (
                quote!(allow = ["A"], allow = ["B"]),
                "duplicate argument `allow`",
            ),
            (
                quote!(roles = ["A"]),
                "unknown argument `roles` for #[jwt_required]; expected one of: `allow`, `deny`, `skip_revocation_check`, `crate`",
            ),
        ];
        for (tokens, message) in cases {
            let err = parse(Kind::JwtRequired, tokens.clone()).unwrap_err();
            assert!(err.contains(message), "{tokens}: {err}");
        }
    }

    #[test]
    fn scoped_arguments() {
        let a = parse(
            Kind::Scoped,
            quote!(
                "user:read",
                "admin",
                require_all = false,
                require_all_actions = true
            ),
        )
        .unwrap();
        assert_eq!(a.scopes.len(), 2);
        assert_eq!(
            (a.require_all, a.require_all_actions),
            (Some(false), Some(true))
        );
        let cases: [(TokenStream, &str); 10] = [
            (
                quote!(admin),
                "scopes are string literals: write #[scoped(\"admin\")]",
            ),
            (
                quote!(user:read:write),
                "scopes are string literals: write #[scoped(\"user:read:write\")]",
            ),
            (
                quote!("a", admin, require_all = false),
                "write #[scoped(\"admin\")]",
            ),
            (quote!(), "needs at least one scope"),
            (quote!(""), "cannot be empty"),
            (quote!("a", "a"), "duplicate scope"),
            (quote!("a", require_all = "no"), "takes `true` or `false`"),
            (quote!(require_all = false, "a"), "scopes come first"),
            (
                quote!("a", allow = ["X"]),
                "unknown argument `allow` for #[scoped]",
            ),
            (
                quote!("a", require_all = true, require_all = true),
                "duplicate argument",
            ),
        ];
        for (tokens, message) in cases {
            let err = parse(Kind::Scoped, tokens.clone()).unwrap_err();
            assert!(err.contains(message), "{tokens}: {err}");
        }
    }

    #[test]
    fn every_mistake_is_reported_at_once() {
        let err = parse(Kind::Scoped, quote!("user::read", "a b", bogus = 1)).unwrap_err();
        assert_eq!(err.matches(" | ").count(), 2, "{err}");
    }

    #[test]
    fn positional_arguments_outside_scoped() {
        let err = parse(Kind::JwtRequired, quote!("admin")).unwrap_err();
        assert!(err.contains("#[scoped(\"admin\")]"), "{err}");
        let err = parse(Kind::JwtOptional, quote!(allow = ["A"])).unwrap_err();
        assert!(
            err.contains("expected one of: `skip_revocation_check`, `crate`"),
            "{err}"
        );
        let err = parse(Kind::JwtRequired, quote!(crate = "not a path!")).unwrap_err();
        assert!(err.contains("path of the axum-jwt-guard crate"), "{err}");
    }
}

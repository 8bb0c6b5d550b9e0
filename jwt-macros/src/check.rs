//! Checks an annotated handler and plans its expansion: merges stacked attributes, finds the
//! token argument, and decides where the guard goes. The emitter (`emit.rs`) decides nothing.

use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::{Attribute, FnArg, GenericArgument, ItemFn, Meta, PathArguments, Type};

use crate::attr::{Args, AttrLoc, Kind, RoleList, parse_args};
use crate::ctxt::Ctxt;
use crate::scope::ParsedScope;

/// axum implements `Handler` for functions of at most 16 arguments.
pub(crate) const MAX_HANDLER_ARGS: usize = 16;

/// Everything the emitter needs; it decides nothing.
pub(crate) struct Plan {
    pub(crate) func: ItemFn,
    pub(crate) krate: syn::Path,
    pub(crate) refresh: bool,
    pub(crate) fresh: bool,
    pub(crate) optional: bool,
    pub(crate) roles: Option<RoleList>,
    pub(crate) scopes: Option<ScopeSpec>,
    pub(crate) skip_revocation: bool,
    /// The private claims type of the handler's token argument (`()` without one).
    pub(crate) claims: Type,
    /// Whether `claims` was written by the user (and so deserves a trait check at its span).
    pub(crate) claims_from_user: bool,
    /// The argument the guard wraps, or `None` to add a guard argument.
    pub(crate) wrap_index: Option<usize>,
    /// The paths of the stacked attributes this expansion consumed: still referenced, so
    /// that the user's imports of them are not reported unused.
    pub(crate) stacked_paths: Vec<syn::Path>,
}

pub(crate) struct ScopeSpec {
    pub(crate) scopes: Vec<ParsedScope>,
    pub(crate) require_all: bool,
    pub(crate) require_all_actions: bool,
}

/// The last path segment of an attribute, if it is one of ours.
fn our_kind(attr: &Attribute) -> Option<Kind> {
    let last = attr.path().segments.last()?;
    Kind::from_name(&last.ident.to_string())
}

/// The attribute's arguments as tokens (`#[scoped]` has none).
fn attr_tokens(attr: &Attribute) -> Result<TokenStream, syn::Error> {
    match &attr.meta {
        Meta::Path(_) => Ok(TokenStream::new()),
        Meta::List(list) => Ok(list.tokens.clone()),
        Meta::NameValue(nv) => Err(syn::Error::new_spanned(
            nv,
            "write the arguments in parentheses, e.g. #[scoped(\"admin\")]",
        )),
    }
}

/// Removes our stacked attributes from the function, so the emitted code never expands them
/// twice.
pub(crate) fn strip_our_attrs(func: &mut ItemFn) -> Vec<Attribute> {
    let (ours, theirs) = func.attrs.drain(..).partition(|a| our_kind(a).is_some());
    func.attrs = theirs;
    ours
}

/// The token argument: `Token<C>` or `Option<Token<C>>`.
struct TokenArg {
    optional: bool,
    claims: Option<Type>,
    ty: Type,
}

fn last_segment(ty: &Type) -> Option<&syn::PathSegment> {
    match ty {
        Type::Path(p) if p.qself.is_none() => p.path.segments.last(),
        _ => None,
    }
}

fn first_type_arg(segment: &syn::PathSegment) -> Option<&Type> {
    match &segment.arguments {
        PathArguments::AngleBracketed(args) => args.args.iter().find_map(|a| match a {
            GenericArgument::Type(t) => Some(t),
            _ => None,
        }),
        _ => None,
    }
}

fn token_arg(ty: &Type) -> Option<TokenArg> {
    let segment = last_segment(ty)?;
    if segment.ident == "Token" {
        return Some(TokenArg {
            optional: false,
            claims: first_type_arg(segment).cloned(),
            ty: ty.clone(),
        });
    }
    if segment.ident == "Option" {
        let inner = first_type_arg(segment)?;
        let inner_segment = last_segment(inner)?;
        if inner_segment.ident == "Token" {
            return Some(TokenArg {
                optional: true,
                claims: first_type_arg(inner_segment).cloned(),
                ty: ty.clone(),
            });
        }
    }
    None
}

fn is_state(ty: &Type) -> bool {
    last_segment(ty).is_some_and(|s| s.ident == "State")
}

/// Checks the handler under `kind` (the attribute being expanded, with `args`) and every
/// stacked attribute of ours, and plans the expansion.
pub(crate) fn plan(kind: Kind, args: TokenStream, mut func: ItemFn) -> Result<Plan, syn::Error> {
    let mut errors = Ctxt::new();
    let mut all: Vec<Args> = Vec::new();
    match parse_args(kind, args, AttrLoc::call_site()) {
        Ok(a) => all.push(a),
        Err(e) => errors.push(e),
    }
    let stacked = strip_our_attrs(&mut func);
    let stacked_paths = stacked.iter().map(|a| a.path().clone()).collect();
    for attr in stacked {
        let Some(k) = our_kind(&attr) else { continue };
        match attr_tokens(&attr).and_then(|t| parse_args(k, t, AttrLoc::of(&attr))) {
            Ok(a) => all.push(a),
            Err(e) => errors.push(e),
        }
    }

    // Stacking rules.
    let mut base: Option<&Args> = None;
    let mut scoped: Option<&Args> = None;
    let mut krate: Option<&syn::Path> = None;
    for a in &all {
        let name = a.kind.name();
        if all
            .iter()
            .take_while(|b| !std::ptr::eq(*b, a))
            .any(|b| b.kind == a.kind)
        {
            errors.push(a.loc.error(format!(
                "#[{name}] is given twice; merge its arguments into one attribute"
            )));
            continue;
        }
        if a.kind == Kind::Scoped {
            scoped = Some(a);
        } else if let Some(first) = base {
            let message = match (first.kind, a.kind) {
                (Kind::JwtOptional, _) | (_, Kind::JwtOptional) => format!(
                    "#[jwt_optional] cannot be combined with #[{}]: an optional token cannot also be required; keep one of them",
                    if a.kind == Kind::JwtOptional { first.kind.name() } else { name }
                ),
                (Kind::RefreshJwtRequired, Kind::FreshJwtRequired)
                | (Kind::FreshJwtRequired, Kind::RefreshJwtRequired) => {
                    "#[refresh_jwt_required] cannot be combined with #[fresh_jwt_required]: freshness is a property of access tokens, and refresh tokens are never fresh".to_owned()
                }
                _ => format!(
                    "#[{name}] cannot be stacked on #[{}]: use one of them (#[fresh_jwt_required] and #[refresh_jwt_required] already require a valid token)",
                    first.kind.name()
                ),
            };
            errors.push(a.loc.error(message));
            continue;
        } else {
            base = Some(a);
        }
        if let Some(path) = &a.krate {
            match krate {
                Some(k)
                    if k.to_token_stream().to_string() != path.to_token_stream().to_string() =>
                {
                    errors.push(
                        a.loc
                            .error("the attributes name different `crate` paths; give one path"),
                    )
                }
                _ => krate = Some(path),
            }
        }
    }
    if let Some(s) = scoped {
        if let Some(path) = &s.krate {
            krate.get_or_insert(path);
        }
        match base.map(|b| b.kind) {
            Some(Kind::JwtOptional) => errors.push(s.loc.error(
                "#[jwt_optional] cannot be combined with #[scoped]: a request without a token would pass a route that requires a scope",
            )),
            Some(Kind::RefreshJwtRequired) => errors.push(s.loc.error(
                "#[scoped] cannot be combined with #[refresh_jwt_required]: scopes are checked on access tokens",
            )),
            _ => {}
        }
    }
    let roles = base.and_then(|b| b.roles.clone());
    let base_kind = base.map_or(Kind::JwtRequired, |b| b.kind);
    let optional = base_kind == Kind::JwtOptional;
    let what = all.first().map_or(kind, |a| a.kind).name();

    // The function itself.
    if func.sig.asyncness.is_none() {
        errors.spanned(
            func.sig.fn_token,
            format!(
                "#[{what}] handlers must be `async fn`: write `async fn {}(..)`",
                func.sig.ident
            ),
        );
    }
    let mut token: Option<TokenArg> = None;
    let mut wrap_index = None;
    for (i, input) in func.sig.inputs.iter().enumerate() {
        let ty = match input {
            FnArg::Receiver(r) => {
                errors.spanned(
                    r,
                    format!(
                        "#[{what}] goes on a free `async fn` handler, not on a method taking `self`"
                    ),
                );
                continue;
            }
            FnArg::Typed(t) => &*t.ty,
        };
        if let Some(found) = token_arg(ty) {
            if token.is_some() {
                errors.spanned(
                    ty,
                    "a handler receives one token; remove this second token argument",
                );
            } else if optional && !found.optional {
                errors.spanned(
                    &found.ty,
                    format!(
                        "#[jwt_optional] hands the handler an optional token: write `Option<{}>` (it is `None` when the request has no token)",
                        found.ty.to_token_stream()
                    ),
                );
            } else if !optional && found.optional {
                errors.spanned(
                    &found.ty,
                    format!(
                        "#[{what}] always provides a token: take `Token<..>` instead of `Option<..>`, or use #[jwt_optional] for an optional token"
                    ),
                );
            }
            token.get_or_insert(found);
        }
        if wrap_index.is_none() && !is_state(ty) {
            wrap_index = Some(i);
        }
    }
    let count = func.sig.inputs.len();
    let limit = if wrap_index.is_some() {
        MAX_HANDLER_ARGS
    } else {
        MAX_HANDLER_ARGS - 1
    };
    if count > limit {
        let extra = func.sig.inputs.iter().nth(limit);
        let guard_note = if wrap_index.is_some() {
            String::new()
        } else {
            format!(", and the guard #[{what}] adds takes one")
        };
        errors.spanned(
            extra,
            format!(
                "axum handlers take at most {MAX_HANDLER_ARGS} arguments{guard_note}; this one has {count}: group extractors into a struct that derives `FromRequestParts`"
            ),
        );
    }
    errors.check()?;

    let (claims, claims_from_user) = match token.and_then(|t| t.claims) {
        Some(c) => (c, true),
        None => (syn::parse_quote!(()), false),
    };
    let scopes = scoped.map(|s| ScopeSpec {
        scopes: s.scopes.clone(),
        require_all: s.require_all.unwrap_or(true),
        require_all_actions: s.require_all_actions.unwrap_or(true),
    });
    Ok(Plan {
        krate: krate
            .cloned()
            .unwrap_or_else(|| syn::parse_quote!(::axum_jwt_guard)),
        refresh: base_kind == Kind::RefreshJwtRequired,
        fresh: base_kind == Kind::FreshJwtRequired,
        optional,
        roles,
        scopes,
        skip_revocation: all.iter().any(|a| a.skip_revocation_check == Some(true)),
        claims,
        claims_from_user,
        wrap_index,
        stacked_paths,
        func,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn plan_of(kind: Kind, args: TokenStream, func: TokenStream) -> Result<Plan, String> {
        let func: ItemFn = syn::parse2(func).map_err(|e| e.to_string())?;
        plan(kind, args, func).map_err(|e| {
            e.into_iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join(" | ")
        })
    }

    #[test]
    fn stacked_attributes_merge() {
        let p = plan_of(
            Kind::Scoped,
            quote!("admin"),
            quote! {
                #[jwt_required(allow = ["ADMIN"])]
                #[doc = "kept"]
                async fn h(token: Token<Profile>, body: Json<Value>) {}
            },
        )
        .unwrap();
        assert!(p.scopes.is_some());
        assert!(p.roles.is_some_and(|r| r.allow));
        assert_eq!(p.claims.to_token_stream().to_string(), "Profile");
        assert_eq!(
            p.func.attrs.len(),
            1,
            "our attribute is removed, others are kept"
        );
        assert_eq!(p.wrap_index, Some(0));
    }

    #[test]
    fn state_is_not_wrapped_and_no_argument_means_a_new_one() {
        let p = plan_of(
            Kind::JwtRequired,
            quote!(),
            quote!(
                async fn h(State(s): State<App>, Path(id): Path<u32>) {}
            ),
        )
        .unwrap();
        assert_eq!(p.wrap_index, Some(1));
        let p = plan_of(
            Kind::JwtRequired,
            quote!(),
            quote!(
                async fn h() {}
            ),
        )
        .unwrap();
        assert_eq!(p.wrap_index, None);
        assert!(!p.claims_from_user);
    }

    #[test]
    fn signature_mistakes() {
        let cases: [(Kind, TokenStream, &str); 8] = [
            (
                Kind::JwtRequired,
                quote!(
                    fn h() {}
                ),
                "must be `async fn`",
            ),
            (
                Kind::JwtOptional,
                quote!(
                    async fn h(t: Token) {}
                ),
                "write `Option<Token>`",
            ),
            (
                Kind::JwtRequired,
                quote!(
                    async fn h(t: Option<Token>) {}
                ),
                "or use #[jwt_optional]",
            ),
            (
                Kind::JwtRequired,
                quote!(
                    async fn h(a: Token, b: Token) {}
                ),
                "second token argument",
            ),
            (
                Kind::JwtRequired,
                quote!(
                    async fn h(&self) {}
                ),
                "not on a method",
            ),
            (
                Kind::JwtRequired,
                quote!(
                    #[jwt_optional]
                    async fn h() {}
                ),
                "#[jwt_optional] cannot be combined with #[jwt_required]",
            ),
            (
                Kind::RefreshJwtRequired,
                quote!(
                    #[fresh_jwt_required]
                    async fn h() {}
                ),
                "refresh tokens are never fresh",
            ),
            (
                Kind::Scoped,
                quote!(
                    #[scoped("b")]
                    async fn h() {}
                ),
                "#[scoped] is given twice",
            ),
        ];
        for (kind, func, message) in cases {
            let args = if kind == Kind::Scoped {
                quote!("a")
            } else {
                quote!()
            };
            let err = plan_of(kind, args, func.clone()).err().unwrap_or_default();
            assert!(err.contains(message), "{func}: {err}");
        }
    }

    #[test]
    fn argument_limit() {
        let args: Vec<TokenStream> = (0..17)
            .map(|i| {
                let name = quote::format_ident!("a{i}");
                quote!(#name: HeaderMap)
            })
            .collect();
        let err = plan_of(
            Kind::JwtRequired,
            quote!(),
            quote!(async fn h(#(#args),*) {}),
        )
        .err()
        .unwrap_or_default();
        assert!(
            err.contains("at most 16 arguments; this one has 17"),
            "{err}"
        );
        let ok: Vec<TokenStream> = args[..16].to_vec();
        assert!(plan_of(Kind::JwtRequired, quote!(), quote!(async fn h(#(#ok),*) {})).is_ok());
    }
}

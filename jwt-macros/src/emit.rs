//! Emits a planned handler: the requirement as static data, and the guard wrapped around the
//! first extractor. Decides nothing; every choice was made in `check.rs`.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{FnArg, Ident};

use crate::check::Plan;

fn cow_str_slice(items: &[String]) -> TokenStream {
    quote!(&[#(::std::borrow::Cow::Borrowed(#items)),*])
}

/// The `impl StaticRequirement` block: the requirement is built by the runtime's `const`
/// constructors from parts named field by field; every slice is its own `const` item, because
/// a borrowed temporary inside a call would not live long enough in a const context.
fn requirement(plan: &Plan, name: &Ident) -> TokenStream {
    let krate = &plan.krate;
    let p = quote!(#krate::__private);
    let kind = if plan.refresh {
        quote!(#p::TokenKind::Refresh)
    } else {
        quote!(#p::TokenKind::Access)
    };
    let (fresh, optional, skip) = (plan.fresh, plan.optional, plan.skip_revocation);
    let (roles_const, roles) = match &plan.roles {
        None => (quote!(), quote!(#p::RoleParts::Any)),
        Some(list) => {
            let slice = cow_str_slice(&list.roles);
            let variant = if list.allow {
                quote!(Allow)
            } else {
                quote!(Deny)
            };
            (
                quote!(const ROLES: &[::std::borrow::Cow<'static, str>] = #slice;),
                quote!(#p::RoleParts::#variant(ROLES)),
            )
        }
    };
    let (scope_consts, scopes) = match &plan.scopes {
        None => (quote!(), quote!(::core::option::Option::None)),
        Some(spec) => {
            let mut consts = TokenStream::new();
            let mut entries = Vec::new();
            for (i, scope) in spec.scopes.iter().enumerate() {
                let actions = format_ident!("ACTIONS_{i}");
                let slice = cow_str_slice(&scope.actions);
                consts
                    .extend(quote!(const #actions: &[::std::borrow::Cow<'static, str>] = #slice;));
                let (raw, namespace) = (&scope.raw, &scope.namespace);
                entries.push(quote!(#p::required_scope(#p::ScopeParts {
                    raw: #raw,
                    namespace: #namespace,
                    actions: #actions,
                })));
            }
            let challenge = spec
                .scopes
                .iter()
                .map(|s| s.raw.as_str())
                .collect::<Vec<_>>()
                .join(" ");
            let (all, all_actions) = (spec.require_all, spec.require_all_actions);
            consts.extend(quote!(const SCOPES: &[#p::RequiredScope] = &[#(#entries),*];));
            (
                consts,
                quote!(::core::option::Option::Some(#p::ScopeRuleParts {
                    scopes: SCOPES,
                    require_all: #all,
                    require_all_actions: #all_actions,
                    challenge: #challenge,
                })),
            )
        }
    };
    quote! {
        impl #p::StaticRequirement for #name {
            const REQUIREMENT: &'static #p::Requirement = {
                #roles_const
                #scope_consts
                &#p::requirement(#p::RequirementParts {
                    kind: #kind,
                    fresh: #fresh,
                    optional: #optional,
                    roles: #roles,
                    scopes: #scopes,
                    skip_revocation: #skip,
                })
            };
        }
    }
}

/// References the paths of stacked attributes this expansion consumed, so that the user's
/// imports of them are not reported as unused.
pub(crate) fn keep_imports_used(paths: &[syn::Path]) -> TokenStream {
    paths
        .iter()
        .map(|path| quote!(#[allow(unused_imports)] use #path as _;))
        .collect()
}

pub(crate) fn emit(plan: Plan) -> TokenStream {
    let krate = &plan.krate;
    let p = quote!(#krate::__private);
    let mut func = plan.func.clone();
    let vis = &func.vis;
    let name = format_ident!(
        "__axum_jwt_requirement_{}",
        func.sig.ident,
        span = Span::call_site()
    );
    let claims = &plan.claims;
    let requirement = requirement(&plan, &name);

    match plan.wrap_index {
        Some(i) => {
            if let Some(FnArg::Typed(arg)) = func.sig.inputs.iter_mut().nth(i) {
                let pat = arg.pat.clone();
                let ty = arg.ty.clone();
                *arg.pat = syn::parse_quote!(#p::WithGuard(#pat, _));
                *arg.ty = syn::parse_quote!(#p::WithGuard<#name, #claims, #ty>);
            }
        }
        None => {
            func.sig.inputs.insert(
                0,
                syn::parse_quote!(__axum_jwt_guard: #p::Guard<#name, #claims>),
            );
        }
    }

    // E0277 at the user's type when it is not `PrivateClaims` (the trait carries an
    // `on_unimplemented` note saying what to derive).
    let claims_check = if plan.claims_from_user && func.sig.generics.params.is_empty() {
        let span = claims.span();
        quote_spanned! {span=>
            const _: fn() = || {
                #p::assert_private_claims::<#claims>();
            };
        }
    } else {
        quote!()
    };

    let doc = format!(
        "The requirement of the `{}` handler, generated by axum-jwt-guard.",
        func.sig.ident
    );
    let stacked = keep_imports_used(&plan.stacked_paths);
    let openapi = openapi(&plan, &func.sig.ident, &name);
    let mut out = quote! {
        #stacked
        #[doc = #doc]
        #[doc(hidden)]
        #[allow(non_camel_case_types)]
        #vis struct #name;
        #requirement
        #claims_check
        #openapi
    };
    func.to_tokens(&mut out);
    out
}

/// Feature `utoipa`: documents the handler's requirement in its OpenAPI operation, whether
/// `#[utoipa::path]` is above this attribute (already expanded: its `__path_{handler}` struct
/// exists) or below it (expanded next), without seeing it in the first case.
///
/// An inherent `operation()` on `__path_{handler}` wins over `utoipa::Path::operation`, which
/// utoipa's `OpenApi` derive and utoipa-axum's `routes!` call as `__path_{handler}::operation()`.
/// The struct may not exist (no `#[utoipa::path]`): a stand-in of the same name comes from a
/// glob import, which an item of that name in the module shadows; on the stand-in, the probe
/// finds no `utoipa::Path` and nothing calls the function.
#[cfg(feature = "utoipa")]
fn openapi(plan: &Plan, handler: &Ident, requirement: &Ident) -> TokenStream {
    use syn::ext::IdentExt;
    let krate = &plan.krate;
    let p = quote!(#krate::__private);
    let handler = handler.unraw();
    let path = format_ident!("__path_{}", handler, span = Span::call_site());
    let module = format_ident!("__axum_jwt_path_{}", handler, span = Span::call_site());
    quote! {
        #[doc(hidden)]
        #[allow(non_snake_case, dead_code)]
        mod #module {
            #[allow(non_camel_case_types)]
            pub struct #path;
        }
        #[allow(unused_imports)]
        use #module::*;
        #[allow(non_camel_case_types)]
        impl #path {
            /// The `#[utoipa::path]` operation with the handler's requirement written in.
            #[doc(hidden)]
            pub fn operation() -> #p::openapi::Operation {
                #[allow(unused_imports)]
                use #p::openapi::{NoPath as _, ViaPath as _};
                (&#p::openapi::Probe::<#path>::new()).guarded_operation(
                    <#requirement as #p::StaticRequirement>::REQUIREMENT,
                )
            }
        }
    }
}

#[cfg(not(feature = "utoipa"))]
fn openapi(_: &Plan, _: &Ident, _: &Ident) -> TokenStream {
    TokenStream::new()
}

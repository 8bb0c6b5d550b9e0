//! The attribute macros (`#[jwt_required]`, `#[scoped]`, ...): parse the arguments
//! (`attr.rs`), check the handler and plan (`check.rs`), emit (`emit.rs`). On a mistake the
//! user's function is emitted unchanged next to the errors.

use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::ItemFn;
use syn::spanned::Spanned;

use crate::attr::Kind;
use crate::check::{plan, strip_our_attrs};
use crate::emit::{emit, keep_imports_used};

/// Expands one attribute. On a mistake the user's item is emitted unchanged (without our
/// attributes) next to the errors, so the compiler reports those and nothing else.
pub(crate) fn expand(kind: Kind, args: TokenStream, item: TokenStream) -> TokenStream {
    let func: ItemFn = match syn::parse2(item.clone()) {
        Ok(func) => func,
        Err(_) => return not_a_function(kind, item),
    };
    let mut fallback = func.clone();
    match plan(kind, args, func) {
        Ok(plan) => emit(plan),
        Err(errors) => {
            let stacked: Vec<syn::Path> = strip_our_attrs(&mut fallback)
                .iter()
                .map(|a| a.path().clone())
                .collect();
            let mut out = errors.to_compile_error();
            out.extend(keep_imports_used(&stacked));
            fallback.to_tokens(&mut out);
            out
        }
    }
}

fn not_a_function(kind: Kind, item: TokenStream) -> TokenStream {
    let what = kind.name();
    let (span, noun) = match syn::parse2::<syn::Item>(item.clone()) {
        Ok(syn::Item::Struct(s)) => (s.struct_token.span, "a struct"),
        Ok(syn::Item::Enum(e)) => (e.enum_token.span, "an enum"),
        Ok(syn::Item::Impl(i)) => (i.impl_token.span, "an impl block"),
        Ok(syn::Item::Trait(t)) => (t.trait_token.span, "a trait"),
        Ok(syn::Item::Mod(m)) => (m.mod_token.span, "a module"),
        Ok(syn::Item::Const(c)) => (c.const_token.span, "a constant"),
        Ok(syn::Item::Static(s)) => (s.static_token.span, "a static"),
        Ok(other) => (other.span(), "this item"),
        Err(_) => (item.span(), "this item"),
    };
    let mut out = syn::Error::new(
        span,
        format!("#[{what}] goes on an `async fn` handler, not on {noun}"),
    )
    .to_compile_error();
    out.extend(item);
    out
}

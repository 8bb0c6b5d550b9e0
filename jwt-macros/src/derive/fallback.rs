//! What a derive with mistakes emits besides its errors: a stand-in implementation, so that
//! `Token<Name>` elsewhere adds no second error about the missing trait.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{DeriveInput, LitStr};

/// The `crate = ".."` path if it can be read despite the mistakes, else the default.
fn crate_path(input: &DeriveInput) -> syn::Path {
    let mut found = None;
    for attr in input
        .attrs
        .iter()
        .filter(|a| a.path().is_ident("private_claims"))
    {
        // Mistakes were reported by the parser; here only a readable path matters.
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("crate") {
                let lit: LitStr = meta.value()?.parse()?;
                found = found.take().or_else(|| lit.parse::<syn::Path>().ok());
            } else if meta.input.peek(syn::Token![=]) {
                meta.value()?.parse::<syn::Expr>()?;
            }
            Ok(())
        });
    }
    found.unwrap_or_else(super::default_crate)
}

/// A stand-in implementation emitted next to the errors, so that `Token<Name>` elsewhere
/// does not add a second error about the missing trait.
pub(crate) fn stub(input: &DeriveInput) -> TokenStream {
    if !input.generics.params.is_empty() {
        return TokenStream::new();
    }
    let name = &input.ident;
    let krate = crate_path(input);
    let p = quote!(#krate::__private);
    quote! {
        impl #p::PrivateClaims for #name {
            type Partial = ();
            const FIELDS: &'static [&'static str] = &[];
            fn read_field<'de, D: #p::serde::Deserializer<'de>>(
                _: &mut (), _: &str, _: D,
            ) -> ::core::result::Result<bool, D::Error> {
                ::core::result::Result::Ok(false)
            }
            fn finish(_: ()) -> ::core::result::Result<Self, #p::ClaimsError> {
                ::core::unreachable!()
            }
            fn write(&self, _: &mut #p::ClaimWriter<'_>)
                -> ::core::result::Result<(), #p::ClaimsError> {
                ::core::result::Result::Ok(())
            }
        }
    }
}

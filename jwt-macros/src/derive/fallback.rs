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

#[cfg(test)]
mod tests {
    use super::*;

    fn stub_of(input: proc_macro2::TokenStream) -> String {
        stub(&syn::parse2(input).unwrap()).to_string()
    }

    #[test]
    fn the_stand_in_names_the_renamed_crate() {
        // A mistake in a field, a readable crate path: the stand-in uses that path.
        let out = stub_of(quote!(
            #[private_claims(crate = "::my_jwt")]
            struct C {
                #[claim(bogus)]
                a: u8,
            }
        ));
        assert!(
            out.contains("impl :: my_jwt :: __private :: PrivateClaims for C"),
            "{out}"
        );
        // An unknown argument before it does not hide the path.
        let out = stub_of(quote!(
            #[private_claims(rename_all = "x", crate = "::my_jwt")]
            struct C {
                a: u8,
            }
        ));
        assert!(out.contains(":: my_jwt :: __private"), "{out}");
        let out = stub_of(quote!(
            struct C {
                a: u8,
            }
        ));
        assert!(
            out.contains("impl :: axum_jwt_guard :: __private :: PrivateClaims for C"),
            "{out}"
        );
        assert!(
            stub_of(quote!(
                struct G<T> {
                    a: T,
                }
            ))
            .is_empty()
        );
    }
}

//! Emits the `PrivateClaims` implementation of a checked struct: the one-pass reader
//! (`read_field`, `finish`) and the writer. Decides nothing.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::Type;
use syn::spanned::Spanned;

use super::parse::Claims;

pub(crate) fn emit(claims: &Claims) -> TokenStream {
    let Claims {
        name,
        krate,
        fields,
    } = claims;
    let p = quote!(#krate::__private);
    let slots: Vec<_> = (0..fields.len()).map(|i| format_ident!("f{i}")).collect();
    let types: Vec<&Type> = fields.iter().map(|f| &f.ty).collect();
    let keys: Vec<&String> = fields.iter().map(|f| &f.key).collect();
    let finish = fields.iter().zip(&slots).map(|(f, slot)| {
        let (ident, key) = (&f.ident, &f.key);
        if f.optional {
            quote!(#ident: partial.#slot.flatten())
        } else if f.default {
            quote!(#ident: partial.#slot.unwrap_or_default())
        } else {
            quote!(#ident: match partial.#slot {
                ::core::option::Option::Some(value) => value,
                ::core::option::Option::None => {
                    return ::core::result::Result::Err(#p::ClaimsError::missing(#key));
                }
            })
        }
    });
    // Spanned at the field's type, so a type that is not `Serialize` is reported there.
    let write = fields.iter().map(|f| {
        let (ident, key) = (&f.ident, &f.key);
        let span = f.ty.span();
        if f.skip_if_none {
            quote_spanned!(span=> if let ::core::option::Option::Some(value) = &self.#ident {
                out.field(#key, value)?;
            })
        } else {
            quote_spanned!(span=> out.field(#key, &self.#ident)?;)
        }
    });
    quote! {
        const _: () = {
            #[doc(hidden)]
            pub struct __AxumJwtPartial {
                #(#slots: ::core::option::Option<#types>,)*
            }

            impl ::core::default::Default for __AxumJwtPartial {
                fn default() -> Self {
                    Self { #(#slots: ::core::option::Option::None,)* }
                }
            }

            impl #p::PrivateClaims for #name {
                type Partial = __AxumJwtPartial;
                const FIELDS: &'static [&'static str] = &[#(#keys),*];

                fn read_field<'de, D: #p::serde::Deserializer<'de>>(
                    partial: &mut Self::Partial,
                    field: &str,
                    value: D,
                ) -> ::core::result::Result<bool, D::Error> {
                    match field {
                        #(#keys => {
                            if partial.#slots.is_some() {
                                return ::core::result::Result::Err(
                                    <D::Error as #p::serde::de::Error>::duplicate_field(#keys),
                                );
                            }
                            partial.#slots = ::core::option::Option::Some(
                                <#types as #p::serde::Deserialize>::deserialize(value)?,
                            );
                            ::core::result::Result::Ok(true)
                        })*
                        _ => {
                            let _ = (partial, value);
                            ::core::result::Result::Ok(false)
                        }
                    }
                }

                fn finish(
                    partial: Self::Partial,
                ) -> ::core::result::Result<Self, #p::ClaimsError> {
                    let _ = &partial;
                    ::core::result::Result::Ok(Self { #(#finish,)* })
                }

                fn write(
                    &self,
                    out: &mut #p::ClaimWriter<'_>,
                ) -> ::core::result::Result<(), #p::ClaimsError> {
                    let _ = &out;
                    #(#write)*
                    ::core::result::Result::Ok(())
                }
            }
        };
    }
}

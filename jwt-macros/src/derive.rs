//! `#[derive(PrivateClaims)]`: parse the struct and its `#[claim(..)]` attributes, check them,
//! emit the one-pass reader and the writer.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields, LitStr, Type};

use crate::errors::Errors;

/// Claims the library writes itself: a private claim may not take their name (with no
/// prefix configured it would be written top-level and collide).
pub(crate) const RESERVED: [&str; 12] = [
    "exp", "iat", "nbf", "iss", "aud", "jti", "sub", "type", "role", "scopes", "fresh", "csrf",
];

const FIELD_KEYS: [&str; 3] = ["rename", "default", "skip_serializing_if_none"];

struct Field {
    ident: syn::Ident,
    ty: Type,
    key: String,
    optional: bool,
    default: bool,
    skip_if_none: bool,
}

struct Claims {
    name: syn::Ident,
    krate: syn::Path,
    fields: Vec<Field>,
}

fn is_option(ty: &Type) -> bool {
    match ty {
        Type::Path(p) if p.qself.is_none() => {
            p.path.segments.last().is_some_and(|s| s.ident == "Option")
        }
        _ => false,
    }
}

fn parse(input: &DeriveInput) -> Result<Claims, syn::Error> {
    let mut errors = Errors::default();
    let mut krate: Option<syn::Path> = None;
    for attr in input
        .attrs
        .iter()
        .filter(|a| a.path().is_ident("private_claims"))
    {
        let result = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("crate") {
                if krate.is_some() {
                    return Err(meta.error("duplicate argument `crate`"));
                }
                let lit: LitStr = meta.value()?.parse()?;
                krate = Some(lit.parse().map_err(|_| {
                    syn::Error::new_spanned(
                        &lit,
                        "`crate` takes a path, e.g. crate = \"::my_axum_jwt\"",
                    )
                })?);
                Ok(())
            } else {
                Err(meta
                    .error("unknown argument; #[private_claims(..)] takes only `crate = \"path\"`"))
            }
        });
        if let Err(e) = result {
            errors.push(e);
        }
    }
    if !input.generics.params.is_empty() {
        errors.spanned(
            &input.generics,
            "PrivateClaims cannot be derived for a generic struct; use concrete field types",
        );
    }
    let named = match &input.data {
        Data::Struct(s) => match &s.fields {
            Fields::Named(named) => Some(named),
            Fields::Unnamed(f) => {
                errors.spanned(
                    f,
                    "PrivateClaims needs named fields (each becomes a `{prefix}_{field}` claim): write `struct Name { field: Type }`",
                );
                None
            }
            Fields::Unit => {
                errors.spanned(
                    &input.ident,
                    "PrivateClaims needs named fields; a unit struct has no claims (use `Token` without private claims)",
                );
                None
            }
        },
        Data::Enum(e) => {
            errors.at(
                e.enum_token.span,
                "PrivateClaims can only be derived for a struct with named fields, not for an enum",
            );
            None
        }
        Data::Union(u) => {
            errors.at(
                u.union_token.span,
                "PrivateClaims can only be derived for a struct with named fields, not for a union",
            );
            None
        }
    };
    let mut fields: Vec<Field> = Vec::new();
    for f in named.map(|n| n.named.iter()).into_iter().flatten() {
        let Some(ident) = f.ident.clone() else {
            continue;
        };
        let mut rename: Option<LitStr> = None;
        let mut default = false;
        let mut skip_if_none: Option<Span> = None;
        for attr in f.attrs.iter().filter(|a| a.path().is_ident("claim")) {
            let result = attr.parse_nested_meta(|meta| {
                let key = meta
                    .path
                    .get_ident()
                    .map(ToString::to_string)
                    .unwrap_or_default();
                let duplicate = || meta.error(format!("duplicate claim attribute `{key}`"));
                match key.as_str() {
                    "rename" => {
                        if rename.is_some() {
                            return Err(duplicate());
                        }
                        rename = Some(meta.value()?.parse()?);
                    }
                    "default" => {
                        if default {
                            return Err(duplicate());
                        }
                        default = true;
                    }
                    "skip_serializing_if_none" => {
                        if skip_if_none.is_some() {
                            return Err(duplicate());
                        }
                        skip_if_none = Some(meta.path.span());
                    }
                    _ => {
                        return Err(meta.error(format!(
                            "unknown claim attribute `{}`; expected one of: {}",
                            meta.path
                                .get_ident()
                                .map(ToString::to_string)
                                .unwrap_or_else(|| "?".into()),
                            FIELD_KEYS.map(|k| format!("`{k}`")).join(", ")
                        )));
                    }
                }
                Ok(())
            });
            if let Err(e) = result {
                errors.push(e);
            }
        }
        let raw_name = ident.to_string();
        let field_name = raw_name.strip_prefix("r#").unwrap_or(&raw_name).to_owned();
        let key = rename.as_ref().map_or(field_name, LitStr::value);
        let key_span = rename.as_ref().map_or(ident.span(), LitStr::span);
        if key.is_empty() {
            errors.at(key_span, "a claim name cannot be empty");
        } else if RESERVED.contains(&key.as_str()) {
            let how = if rename.is_some() {
                "choose another name"
            } else {
                "rename it with #[claim(rename = \"...\")]"
            };
            errors.at(
                key_span,
                format!(
                    "`{key}` is a registered or library claim (reserved: {}); {how}",
                    RESERVED.join(", ")
                ),
            );
        } else if fields.iter().any(|other| other.key == key) {
            errors.at(
                key_span,
                format!(
                    "two fields are written as the claim `{key}`; give each field its own name"
                ),
            );
        }
        let optional = is_option(&f.ty);
        if let Some(span) = skip_if_none
            && !optional
        {
            errors.at(
                span,
                "`skip_serializing_if_none` applies to `Option<T>` fields only",
            );
        }
        fields.push(Field {
            ident,
            ty: f.ty.clone(),
            key,
            optional,
            default,
            skip_if_none: skip_if_none.is_some(),
        });
    }
    errors.finish()?;
    Ok(Claims {
        name: input.ident.clone(),
        krate: krate.unwrap_or_else(|| syn::parse_quote!(::axum_jwt)),
        fields,
    })
}

fn emit(claims: &Claims) -> TokenStream {
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

/// A stand-in implementation emitted next to the errors, so that `Token<Name>` elsewhere
/// does not add a second error about the missing trait.
fn stub(input: &DeriveInput) -> TokenStream {
    if !input.generics.params.is_empty() {
        return TokenStream::new();
    }
    let name = &input.ident;
    quote! {
        impl ::axum_jwt::__private::PrivateClaims for #name {
            type Partial = ();
            const FIELDS: &'static [&'static str] = &[];
            fn read_field<'de, D: ::axum_jwt::__private::serde::Deserializer<'de>>(
                _: &mut (), _: &str, _: D,
            ) -> ::core::result::Result<bool, D::Error> {
                ::core::result::Result::Ok(false)
            }
            fn finish(_: ()) -> ::core::result::Result<Self, ::axum_jwt::__private::ClaimsError> {
                ::core::unreachable!()
            }
            fn write(&self, _: &mut ::axum_jwt::__private::ClaimWriter<'_>)
                -> ::core::result::Result<(), ::axum_jwt::__private::ClaimsError> {
                ::core::result::Result::Ok(())
            }
        }
    }
}

pub(crate) fn expand(input: TokenStream) -> TokenStream {
    let input: DeriveInput = match syn::parse2(input) {
        Ok(input) => input,
        Err(e) => return e.to_compile_error(),
    };
    match parse(&input) {
        Ok(claims) => emit(&claims),
        Err(e) => {
            let mut out = e.to_compile_error();
            out.extend(stub(&input));
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn errors_of(input: TokenStream) -> String {
        let input: DeriveInput = syn::parse2(input).unwrap();
        match parse(&input) {
            Ok(_) => String::new(),
            Err(e) => e
                .into_iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join(" | "),
        }
    }

    #[test]
    fn every_reserved_name_is_refused() {
        for name in RESERVED {
            let err = errors_of(quote!(
                struct C {
                    #[claim(rename = #name)]
                    x: u8,
                }
            ));
            assert!(err.contains("registered or library claim"), "{name}: {err}");
        }
        let err = errors_of(quote!(
            struct C {
                jti: String,
            }
        ));
        assert!(err.contains("rename it with #[claim(rename"), "{err}");
    }

    #[test]
    fn shapes_and_attributes() {
        let cases = [
            (
                quote!(
                    enum C {
                        A,
                    }
                ),
                "not for an enum",
            ),
            (
                quote!(
                    struct C(u8);
                ),
                "needs named fields",
            ),
            (
                quote!(
                    struct C;
                ),
                "a unit struct has no claims",
            ),
            (quote!(union C { a: u8 }), "not for a union"),
            (
                quote!(
                    struct C<T> {
                        a: T,
                    }
                ),
                "generic struct",
            ),
            (
                quote!(
                    struct C {
                        #[claim(rename = "x")]
                        a: u8,
                        x: u8,
                    }
                ),
                "two fields are written as the claim `x`",
            ),
            (
                quote!(
                    struct C {
                        #[claim(flatten)]
                        a: u8,
                    }
                ),
                "unknown claim attribute `flatten`; expected one of: `rename`, `default`, `skip_serializing_if_none`",
            ),
            (
                quote!(
                    struct C {
                        #[claim(skip_serializing_if_none)]
                        a: u8,
                    }
                ),
                "`Option<T>` fields only",
            ),
            (
                quote!(
                    #[private_claims(rename_all = "x")]
                    struct C {
                        a: u8,
                    }
                ),
                "takes only `crate",
            ),
            (
                quote!(
                    struct C {
                        #[claim(rename = "")]
                        a: u8,
                    }
                ),
                "cannot be empty",
            ),
        ];
        for (input, message) in cases {
            let err = errors_of(input.clone());
            assert!(err.contains(message), "{input}: {err}");
        }
    }

    #[test]
    fn valid_structs_parse() {
        let input: DeriveInput = syn::parse2(quote!(
            #[private_claims(crate = "::my_jwt")]
            struct Profile {
                user_id: u64,
                #[claim(rename = "perm", default)]
                permission_level: u8,
                #[claim(skip_serializing_if_none)]
                nickname: Option<String>,
            }
        ))
        .unwrap();
        let c = parse(&input).unwrap();
        let keys: Vec<_> = c.fields.iter().map(|f| f.key.as_str()).collect();
        assert_eq!(keys, ["user_id", "perm", "nickname"]);
        assert!(c.fields[2].optional && c.fields[2].skip_if_none);
        assert!(emit(&c).to_string().contains(":: my_jwt :: __private"));
    }
}

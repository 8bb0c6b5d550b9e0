//! Parses and checks the struct and its `#[claim(..)]` / `#[private_claims(..)]` attributes
//! into [`Claims`], reporting every mistake at once.

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields, LitStr, Type};

use axum_jwt_guard_grammar::{RESERVED_BY_DEFAULT, is_reserved_by_default};

use crate::ctxt::{Ctxt, Once};

const FIELD_KEYS: [&str; 3] = ["rename", "default", "skip_serializing_if_none"];

pub(crate) struct Field {
    pub(crate) ident: syn::Ident,
    pub(crate) ty: Type,
    pub(crate) key: String,
    pub(crate) optional: bool,
    pub(crate) default: bool,
    pub(crate) skip_if_none: bool,
}

pub(crate) struct Claims {
    pub(crate) name: syn::Ident,
    pub(crate) krate: syn::Path,
    pub(crate) fields: Vec<Field>,
}

fn is_option(ty: &Type) -> bool {
    match ty {
        Type::Path(p) if p.qself.is_none() => {
            p.path.segments.last().is_some_and(|s| s.ident == "Option")
        }
        _ => false,
    }
}

pub(crate) fn parse(input: &DeriveInput) -> Result<Claims, syn::Error> {
    let mut errors = Ctxt::new();
    let mut krate = Once::new("argument", "crate");
    for attr in input
        .attrs
        .iter()
        .filter(|a| a.path().is_ident("private_claims"))
    {
        let result = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("crate") {
                let lit: LitStr = meta.value()?.parse()?;
                if krate.first(&mut errors, &meta.path) {
                    krate.put(lit.parse().map_err(|_| {
                        syn::Error::new_spanned(
                            &lit,
                            "`crate` takes a path, e.g. crate = \"::my_axum_jwt\"",
                        )
                    })?);
                }
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
        let mut rename: Once<LitStr> = Once::new("claim attribute", "rename");
        let mut default: Once<()> = Once::new("claim attribute", "default");
        let mut skip_if_none: Once<Span> = Once::new("claim attribute", "skip_serializing_if_none");
        for attr in f.attrs.iter().filter(|a| a.path().is_ident("claim")) {
            let result = attr.parse_nested_meta(|meta| {
                let key = meta
                    .path
                    .get_ident()
                    .map(ToString::to_string)
                    .unwrap_or_default();
                match key.as_str() {
                    "rename" => {
                        let value: LitStr = meta.value()?.parse()?;
                        rename.set(&mut errors, &meta.path, value);
                    }
                    "default" => default.set(&mut errors, &meta.path, ()),
                    "skip_serializing_if_none" => {
                        skip_if_none.set(&mut errors, &meta.path, meta.path.span())
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
        let (rename, default, skip_if_none) =
            (rename.get(), default.get().is_some(), skip_if_none.get());
        let raw_name = ident.to_string();
        let field_name = raw_name.strip_prefix("r#").unwrap_or(&raw_name).to_owned();
        let key = rename.as_ref().map_or(field_name, LitStr::value);
        let key_span = rename.as_ref().map_or(ident.span(), LitStr::span);
        if key.is_empty() {
            errors.at(key_span, "a claim name cannot be empty");
        } else if is_reserved_by_default(&key) {
            let how = if rename.is_some() {
                "choose another name"
            } else {
                "rename it with #[claim(rename = \"...\")]"
            };
            errors.at(
                key_span,
                format!(
                    "`{key}` is a registered or library claim (reserved: {}); {how}",
                    RESERVED_BY_DEFAULT.join(", ")
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
    errors.check()?;
    Ok(Claims {
        name: input.ident.clone(),
        krate: krate.get().unwrap_or_else(super::default_crate),
        fields,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proc_macro2::TokenStream;
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
        for name in RESERVED_BY_DEFAULT {
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
        assert!(
            super::super::emit::emit(&c)
                .to_string()
                .contains(":: my_jwt :: __private")
        );
    }
}

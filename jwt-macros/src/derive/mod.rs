//! `#[derive(PrivateClaims)]`: parse and check the struct (`parse.rs`), emit the one-pass
//! reader and the writer (`emit.rs`); on a mistake, the errors and a stand-in implementation
//! (`fallback.rs`).

use proc_macro2::TokenStream;
use syn::DeriveInput;

mod emit;
mod fallback;
mod parse;

/// The path of the facade crate when no `crate = ".."` is given.
fn default_crate() -> syn::Path {
    syn::parse_quote!(::axum_jwt_guard)
}

pub(crate) fn expand(input: TokenStream) -> TokenStream {
    let input: DeriveInput = match syn::parse2(input) {
        Ok(input) => input,
        Err(e) => return e.to_compile_error(),
    };
    match parse::parse(&input) {
        Ok(claims) => emit::emit(&claims),
        Err(e) => {
            let mut out = e.to_compile_error();
            out.extend(fallback::stub(&input));
            out
        }
    }
}

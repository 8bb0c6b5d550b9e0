//! [`Ctxt`]: collects every mistake of one macro call so the user sees them all in one
//! compile, and [`Once`]: the one rule for a setting given twice.
//!
//! As serde's `Ctxt`, it must be consumed by [`Ctxt::check`]: dropping one unchecked is a bug
//! in this crate (errors would be lost), and it panics at compile time to say so.

use std::fmt::Display;

use proc_macro2::Span;
use quote::ToTokens;

pub(crate) struct Ctxt {
    /// `None` once checked.
    errors: Option<Vec<syn::Error>>,
}

impl Ctxt {
    pub(crate) fn new() -> Self {
        Ctxt {
            errors: Some(Vec::new()),
        }
    }

    pub(crate) fn push(&mut self, error: syn::Error) {
        if let Some(errors) = &mut self.errors {
            errors.push(error);
        }
    }

    /// An error at `span`.
    pub(crate) fn at(&mut self, span: Span, message: impl Display) {
        self.push(syn::Error::new(span, message));
    }

    /// An error spanning `tokens`.
    pub(crate) fn spanned(&mut self, tokens: impl ToTokens, message: impl Display) {
        self.push(syn::Error::new_spanned(tokens, message));
    }

    pub(crate) fn has_errors(&self) -> bool {
        self.errors.as_ref().is_some_and(|e| !e.is_empty())
    }

    /// Consumes the context: every error collected, combined into one.
    pub(crate) fn check(mut self) -> Result<(), syn::Error> {
        let mut errors = self.errors.take().unwrap_or_default().into_iter();
        let Some(mut combined) = errors.next() else {
            return Ok(());
        };
        for error in errors {
            combined.combine(error);
        }
        Err(combined)
    }
}

impl Drop for Ctxt {
    fn drop(&mut self) {
        // A programming error of this crate, caught at compile time like serde's: never on a
        // path that handles user input at run time.
        if self.errors.is_some() && !std::thread::panicking() {
            panic!("axum-jwt-guard macros: a Ctxt was dropped without being checked");
        }
    }
}

/// A setting that may be given once. A second occurrence is reported at its own span as
/// "duplicate {what} `{name}`" (e.g. "duplicate argument `allow`"), the same rule for every
/// attribute and derive argument; it counts even when the first one's value was refused.
pub(crate) struct Once<T> {
    what: &'static str,
    name: &'static str,
    seen: bool,
    value: Option<T>,
}

impl<T> Once<T> {
    pub(crate) fn new(what: &'static str, name: &'static str) -> Self {
        Once {
            what,
            name,
            seen: false,
            value: None,
        }
    }

    /// Records an occurrence at `at`: `true` for the first, an error and `false` after.
    pub(crate) fn first(&mut self, cx: &mut Ctxt, at: impl ToTokens) -> bool {
        if self.seen {
            cx.spanned(at, format!("duplicate {} `{}`", self.what, self.name));
            return false;
        }
        self.seen = true;
        true
    }

    /// Whether the setting occurred (its value may have been refused).
    pub(crate) fn seen(&self) -> bool {
        self.seen
    }

    /// The value of the first occurrence.
    pub(crate) fn put(&mut self, value: T) {
        self.value = Some(value);
    }

    /// [`first`](Self::first), then [`put`](Self::put).
    pub(crate) fn set(&mut self, cx: &mut Ctxt, at: impl ToTokens, value: T) {
        if self.first(cx, at) {
            self.put(value);
        }
    }

    pub(crate) fn get(self) -> Option<T> {
        self.value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_combined_in_order() {
        let mut cx = Ctxt::new();
        assert!(!cx.has_errors());
        cx.at(Span::call_site(), "first");
        cx.at(Span::call_site(), "second");
        assert!(cx.has_errors());
        let all: Vec<String> = cx
            .check()
            .err()
            .into_iter()
            .flatten()
            .map(|e| e.to_string())
            .collect();
        assert_eq!(all, ["first", "second"]);
        assert!(Ctxt::new().check().is_ok());
    }

    #[test]
    #[should_panic(expected = "dropped without being checked")]
    fn an_unchecked_context_is_a_bug() {
        let _cx = Ctxt::new();
    }

    #[test]
    fn a_second_value_is_a_duplicate() {
        let mut cx = Ctxt::new();
        let mut once = Once::new("argument", "allow");
        once.set(&mut cx, quote::quote!(allow), 1);
        once.set(&mut cx, quote::quote!(allow), 2);
        assert_eq!(once.get(), Some(1));
        let err = cx.check().err().map(|e| e.to_string());
        assert_eq!(err.as_deref(), Some("duplicate argument `allow`"));
    }
}

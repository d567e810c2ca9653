//! Error collection: every misuse found in one expansion is reported in the
//! same compile, not only the first.

use std::cell::RefCell;
use std::fmt::Display;

use proc_macro2::Span;
use quote::ToTokens;

/// Collects the errors of one macro expansion while it is parsed and
/// validated; [`Ctxt::check`] combines them into one `syn::Error`.
///
/// As in serde_derive, dropping a context that was never checked panics,
/// so an expansion cannot forget to report what it found.
#[derive(Debug)]
pub struct Ctxt {
    /// The errors so far, in the order they were found; `None` once checked.
    errors: RefCell<Option<Vec<syn::Error>>>,
}

impl Ctxt {
    /// A context with no errors yet.
    pub fn new() -> Self {
        Self {
            errors: RefCell::new(Some(Vec::new())),
        }
    }

    /// Records an error pointing at the tokens of `tokens`.
    pub fn error_spanned_by<T: ToTokens, M: Display>(&self, tokens: T, message: M) {
        self.push(syn::Error::new_spanned(tokens.into_token_stream(), message));
    }

    /// Records an error pointing at `span`.
    pub fn error_at<M: Display>(&self, span: Span, message: M) {
        self.push(syn::Error::new(span, message));
    }

    /// Records an error built elsewhere, such as one of syn's parse errors.
    pub fn push(&self, error: syn::Error) {
        if let Some(errors) = self.errors.borrow_mut().as_mut() {
            errors.push(error);
        }
    }

    /// True when no error has been recorded so far.
    pub fn is_clean(&self) -> bool {
        self.errors.borrow().as_ref().is_none_or(Vec::is_empty)
    }

    /// Every recorded error combined into one, or `Ok` when there is none.
    pub fn check(self) -> syn::Result<()> {
        let mut errors = self.errors.take().unwrap_or_default().into_iter();
        match errors.next() {
            None => Ok(()),
            Some(mut combined) => {
                for error in errors {
                    combined.combine(error);
                }
                Err(combined)
            }
        }
    }
}

impl Drop for Ctxt {
    fn drop(&mut self) {
        if self.errors.get_mut().is_some() && !std::thread::panicking() {
            panic!("a macro expansion forgot to check its errors");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_context_without_errors_checks_ok() {
        assert!(Ctxt::new().check().is_ok());
    }

    #[test]
    fn every_recorded_error_is_kept() {
        let cx = Ctxt::new();
        cx.error_at(Span::call_site(), "first");
        cx.error_at(Span::call_site(), "second");
        assert!(!cx.is_clean());
        let messages: Vec<String> = match cx.check() {
            Ok(()) => Vec::new(),
            Err(error) => error.into_iter().map(|e| e.to_string()).collect(),
        };
        assert_eq!(messages, ["first", "second"]);
    }
}

//! OpenAPI documents (feature `utoipa`): the security scheme of our tokens, and each guarded
//! operation's security requirement taken from its attribute.
//!
//! With the feature on, a handler with `#[utoipa::path(..)]` and one of our attributes (above
//! or below it, in any order) gets its requirement in the document: `security` with the
//! scopes its attribute names (one requirement holding all of them, or one per scope when any
//! one is enough), `{}` first when the token is optional, and `401` / `403` responses unless
//! the path declares its own. [`SecurityScheme`] (`#[openapi(modifiers(&SecurityScheme))]`)
//! declares the scheme; a [`Jwt`] handle, as a modifier applied at run time, declares it as
//! configured: an OpenID Connect scheme next to the bearer one for each identity provider
//! found by discovery, offered as an alternative on every guarded operation.
//!
//! ```
//! use axum_jwt_guard_runtime::{Requirement, openapi};
//! use utoipa::openapi::path::Operation;
//!
//! // What `#[scoped("user:read")]` writes into its operation:
//! let mut operation = Operation::new();
//! openapi::document(&mut operation, &Requirement::access().scopes(["user:read"])?);
//! let op = serde_json::to_value(&operation)?;
//! assert_eq!(op["security"], serde_json::json!([{ "jwt": ["user:read"] }]));
//! assert!(op["responses"]["401"].is_object() && op["responses"]["403"].is_object());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::btree_map::Entry;

use serde_json::Value;
use utoipa::Modify;
use utoipa::openapi::extensions::ExtensionsBuilder;
use utoipa::openapi::path::Operation;
use utoipa::openapi::response::Response;
use utoipa::openapi::security::{
    Http, HttpAuthScheme, OpenIdConnect, SecurityRequirement, SecurityScheme as Scheme,
};
use utoipa::openapi::{Components, OpenApi, RefOr};

use crate::Jwt;
use crate::requirement::{Requirement, Roles};
use crate::token::claims::TokenKind;

/// The name of the bearer-token security scheme in the document.
pub const SCHEME: &str = "jwt";

/// The name of the first identity provider's OpenID Connect scheme (`oidc`, then `oidc_2`,
/// `oidc_3`, ...).
pub const OIDC_SCHEME: &str = "oidc";

/// The operation extension that says what a requirement asks beyond scopes (token kind,
/// freshness, roles), which OpenAPI has no words for.
pub const EXTENSION: &str = "x-jwt-requirement";

/// Writes `requirement` into `operation`: its security requirement under [`SCHEME`], the
/// [`EXTENSION`] when it asks for more than scopes, and `401` / `403` responses unless the
/// operation has its own. The attribute macros call it; call it for a route guarded by a
/// layer (`Jwt::require`).
pub fn document(operation: &mut Operation, requirement: &Requirement) {
    let scopes: Vec<&str> = requirement
        .scopes
        .as_ref()
        .map(|rule| rule.scopes().iter().map(|s| s.as_str()).collect())
        .unwrap_or_default();
    let mut security = Vec::new();
    if requirement.optional {
        security.push(SecurityRequirement::default());
    }
    match &requirement.scopes {
        Some(rule) if !rule.requires_all() && scopes.len() > 1 => {
            security.extend(
                scopes
                    .iter()
                    .map(|s| SecurityRequirement::new(SCHEME, [*s])),
            );
        }
        _ => security.push(SecurityRequirement::new(SCHEME, scopes.iter().copied())),
    }
    operation.security = Some(security);

    let mut extra = serde_json::Map::new();
    if requirement.kind == TokenKind::Refresh {
        extra.insert("token".into(), Value::from("refresh"));
    }
    if requirement.fresh {
        extra.insert("fresh".into(), Value::Bool(true));
    }
    match &requirement.roles {
        Roles::Any => {}
        Roles::Allow(roles) => {
            extra.insert("allow_roles".into(), Value::from(roles.to_vec()));
        }
        Roles::Deny(roles) => {
            extra.insert("deny_roles".into(), Value::from(roles.to_vec()));
        }
    }
    if let Some(rule) = &requirement.scopes
        && scopes.iter().any(|s| s.contains(':'))
        && !rule.requires_all_actions()
    {
        extra.insert("any_action".into(), Value::Bool(true));
    }
    if !extra.is_empty() {
        let ext = ExtensionsBuilder::new()
            .add(EXTENSION, Value::Object(extra))
            .build();
        match &mut operation.extensions {
            Some(existing) => existing.merge(ext),
            None => operation.extensions = Some(ext),
        }
    }

    let responses = &mut operation.responses.responses;
    add_response(
        responses,
        "401",
        "No valid token: missing, malformed, expired, revoked or of the wrong kind \
         (RFC 6750 `invalid_token` or `invalid_request`, with `WWW-Authenticate: Bearer`).",
    );
    let forbidden = requirement.scopes.is_some()
        || requirement.fresh
        || !matches!(requirement.roles, Roles::Any);
    if forbidden {
        add_response(
            responses,
            "403",
            "The token lacks a required scope (`insufficient_scope`), role or freshness.",
        );
    }
}

fn add_response(
    responses: &mut std::collections::BTreeMap<String, RefOr<Response>>,
    status: &str,
    description: &str,
) {
    if let Entry::Vacant(slot) = responses.entry(status.to_owned()) {
        slot.insert(RefOr::T(Response::new(description)));
    }
}

/// Declares the bearer scheme [`SCHEME`] (HTTP `bearer`, format `JWT`). Use it in
/// `#[openapi(modifiers(&SecurityScheme))]`; a [`Jwt`] handle declares it too, with its
/// identity providers.
#[derive(Debug, Clone, Copy, Default)]
pub struct SecurityScheme;

impl Modify for SecurityScheme {
    fn modify(&self, openapi: &mut OpenApi) {
        let mut http = Http::new(HttpAuthScheme::Bearer);
        http.bearer_format = Some("JWT".to_owned());
        http.description = Some(
            "A JWT access token in `Authorization: Bearer`, or where the service reads it \
             (cookie, query)."
                .to_owned(),
        );
        components(openapi).add_security_scheme(SCHEME, Scheme::Http(http));
    }
}

fn components(openapi: &mut OpenApi) -> &mut Components {
    openapi.components.get_or_insert_with(Components::new)
}

/// The handle as a modifier: `Jwt::openapi_document`'s work, for a document built elsewhere
/// (`let mut doc = Api::openapi(); jwt.modify(&mut doc);`).
impl Modify for Jwt {
    fn modify(&self, openapi: &mut OpenApi) {
        SecurityScheme.modify(openapi);
        let urls: Vec<String> = self
            .inner
            .verifier
            .providers()
            .iter()
            .filter_map(|p| p.discovery_url())
            .collect();
        if urls.is_empty() {
            return;
        }
        let names: Vec<String> = (1..=urls.len())
            .map(|i| match i {
                1 => OIDC_SCHEME.to_owned(),
                n => format!("{OIDC_SCHEME}_{n}"),
            })
            .collect();
        for (name, url) in names.iter().zip(&urls) {
            let scheme = Scheme::OpenIdConnect(OpenIdConnect::new(url));
            components(openapi).add_security_scheme(name, scheme);
        }
        // Every operation that takes our bearer token takes each provider's.
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.options,
                &mut item.head,
                &mut item.patch,
                &mut item.trace,
            ];
            for operation in operations.into_iter().flatten() {
                let Some(security) = &mut operation.security else {
                    continue;
                };
                let mut alternatives = Vec::new();
                for requirement in security.iter() {
                    if let Some(scopes) = scopes_under(requirement, SCHEME) {
                        for name in &names {
                            alternatives.push(SecurityRequirement::new(name, scopes.clone()));
                        }
                    }
                }
                security.extend(alternatives);
            }
        }
    }
}

/// The scopes `requirement` lists under `scheme`, if it names it (utoipa keeps them
/// private: read back through serde).
fn scopes_under(requirement: &SecurityRequirement, scheme: &str) -> Option<Vec<String>> {
    let value = serde_json::to_value(requirement).ok()?;
    let scopes = value.get(scheme)?.as_array()?;
    Some(
        scopes
            .iter()
            .filter_map(|s| s.as_str().map(str::to_owned))
            .collect(),
    )
}

impl Jwt {
    /// `doc` with this handle's security schemes: the bearer scheme, and an OpenID Connect
    /// scheme per identity provider found by discovery, offered on every guarded operation.
    pub fn openapi_document(&self, mut doc: OpenApi) -> OpenApi {
        self.modify(&mut doc);
        doc
    }
}

/// What the attribute macros emit calls. Not public API.
#[doc(hidden)]
pub mod __private {
    use std::marker::PhantomData;

    pub use utoipa::openapi::path::Operation;

    use crate::requirement::Requirement;

    /// Asks, for a concrete type, whether it is a utoipa path (autoref specialisation: the
    /// by-value impl needs `T: utoipa::Path`, the by-reference one needs nothing).
    pub struct Probe<T>(PhantomData<T>);

    impl<T> Probe<T> {
        /// A probe of `T`.
        #[allow(clippy::new_without_default)]
        pub const fn new() -> Self {
            Probe(PhantomData)
        }
    }

    /// `T` is the `__path_{handler}` struct of `#[utoipa::path]`: its operation, documented.
    pub trait ViaPath {
        /// The operation with `requirement` written in.
        fn guarded_operation(&self, requirement: &Requirement) -> Operation;
    }

    impl<T: utoipa::Path> ViaPath for Probe<T> {
        fn guarded_operation(&self, requirement: &Requirement) -> Operation {
            let mut operation = T::operation();
            super::document(&mut operation, requirement);
            operation
        }
    }

    /// `T` is the stand-in the macro declares when the handler has no `#[utoipa::path]`:
    /// nothing calls it.
    pub trait NoPath {
        /// An empty operation.
        fn guarded_operation(&self, requirement: &Requirement) -> Operation;
    }

    impl<T> NoPath for &Probe<T> {
        fn guarded_operation(&self, _: &Requirement) -> Operation {
            Operation::new()
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use utoipa::openapi::extensions::ExtensionsBuilder;

    use super::*;
    use crate::ScopeRule;

    fn documented(requirement: &Requirement, mut operation: Operation) -> Value {
        document(&mut operation, requirement);
        serde_json::to_value(&operation).unwrap_or_default()
    }

    #[test]
    fn scopes_kinds_and_roles() -> Result<(), crate::ScopeError> {
        let op = documented(&Requirement::access(), Operation::new());
        assert_eq!(op["security"], json!([{"jwt": []}]));
        assert!(op.get("x-jwt-requirement").is_none());
        assert!(op["responses"].get("403").is_none());

        let any = Requirement::access()
            .scope_rule(ScopeRule::parse(["a", "b:read:write"])?.require_all(false))
            .deny_roles(["GUEST"]);
        let op = documented(&any, Operation::new());
        assert_eq!(
            op["security"],
            json!([{"jwt": ["a"]}, {"jwt": ["b:read:write"]}])
        );
        assert_eq!(op["x-jwt-requirement"], json!({"deny_roles": ["GUEST"]}));

        let any_action = Requirement::access()
            .scope_rule(ScopeRule::parse(["b:read:write"])?.require_all_actions(false));
        let op = documented(&any_action, Operation::new());
        assert_eq!(op["x-jwt-requirement"], json!({"any_action": true}));
        assert_eq!(op["security"], json!([{"jwt": ["b:read:write"]}]));

        let refresh = Requirement::refresh();
        let op = documented(&refresh, Operation::new());
        assert_eq!(op["x-jwt-requirement"], json!({"token": "refresh"}));
        Ok(())
    }

    #[test]
    fn what_the_path_declares_is_kept() -> Result<(), crate::ScopeError> {
        let mut operation = Operation::new();
        operation
            .responses
            .responses
            .insert("401".to_owned(), RefOr::T(Response::new("log in first")));
        operation.extensions = Some(ExtensionsBuilder::new().add("x-team", "auth").build());
        let op = documented(&Requirement::access().fresh(), operation);
        assert_eq!(op["responses"]["401"]["description"], "log in first");
        assert!(op["responses"]["403"].is_object());
        assert_eq!(op["x-team"], "auth");
        assert_eq!(op["x-jwt-requirement"], json!({"fresh": true}));
        Ok(())
    }
}

//! The shape the attribute macros emit: a requirement built in a `const` context from parts
//! named field by field, through the macro support module.

use std::borrow::Cow;

use axum_jwt_guard_runtime::__private::{
    RequirementParts, RoleParts, ScopeParts, ScopeRuleParts, StaticRequirement, TokenKind,
    required_scope, requirement,
};
use axum_jwt_guard_runtime::Requirement;

struct AdminOnly;

impl StaticRequirement for AdminOnly {
    // Every slice is its own `const` item: a borrowed temporary inside a call argument
    // would not live long enough in a const context.
    const REQUIREMENT: &'static Requirement = {
        const ROLES: &[Cow<'static, str>] = &[Cow::Borrowed("ADMIN")];
        const ACTIONS_0: &[Cow<'static, str>] = &[Cow::Borrowed("read")];
        const SCOPES: &[axum_jwt_guard_runtime::RequiredScope] = &[required_scope(ScopeParts {
            raw: "user:read",
            namespace: "user",
            actions: ACTIONS_0,
        })];
        &requirement(RequirementParts {
            kind: TokenKind::Access,
            fresh: false,
            optional: false,
            roles: RoleParts::Allow(ROLES),
            scopes: Some(ScopeRuleParts {
                scopes: SCOPES,
                require_all: true,
                require_all_actions: true,
                challenge: "user:read",
            }),
            skip_revocation: false,
        })
    };
}

#[test]
fn static_requirements_equal_their_runtime_twins() {
    let runtime = Requirement::access()
        .scopes(["user:read"])
        .unwrap()
        .allow_roles(["ADMIN"]);
    assert_eq!(AdminOnly::REQUIREMENT, &runtime);
}

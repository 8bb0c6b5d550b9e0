//! The shape the attribute macros emit: a requirement built in a `const` context.

use std::borrow::Cow;

use jwt_runtime::{RequiredScope, Requirement, Roles, ScopeRule, StaticRequirement, TokenKind};

struct AdminOnly;

impl StaticRequirement for AdminOnly {
    // Every slice is its own `const` item: a borrowed temporary inside a call argument
    // would not live long enough in a const context.
    const REQUIREMENT: &'static Requirement = {
        const ROLES: &[Cow<'static, str>] = &[Cow::Borrowed("ADMIN")];
        const ACTIONS_0: &[Cow<'static, str>] = &[Cow::Borrowed("read")];
        const SCOPES: &[RequiredScope] =
            &[RequiredScope::__from_parts("user:read", "user", ACTIONS_0)];
        &Requirement::__from_parts(
            TokenKind::Access,
            false,
            false,
            Roles::Allow(Cow::Borrowed(ROLES)),
            Some(ScopeRule::__from_parts(SCOPES, true, true, "user:read")),
            false,
        )
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

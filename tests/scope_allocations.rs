//! Scope and role checks allocate nothing at request time: the required scopes are static
//! data made by the macro, and a token's scopes are walked in place. A counting global
//! allocator proves it.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use axum_jwt::{Jwt, Requirement, ScopeRule, StaticRequirement, Token, scoped};

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::SeqCst);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::SeqCst);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

// The requirement below is the one the macro emits for this handler.
#[scoped("orders:read", "user:read:write", ":audit", require_all = false)]
async fn handler(token: Token) -> String {
    token.identity().to_owned()
}

fn allocations_during(f: impl Fn()) -> usize {
    let before = ALLOCATIONS.load(Ordering::SeqCst);
    f();
    ALLOCATIONS.load(Ordering::SeqCst) - before
}

#[test]
fn scope_checks_allocate_nothing() {
    let _ = handler;
    let jwt = Jwt::builder().secret([9u8; 32]).build().unwrap();
    let passing = jwt
        .verify_access::<()>(
            &jwt.access_token("alice")
                .role("USER")
                .scopes(["billing", "user:write:read", "orders"])
                .sign()
                .unwrap(),
        )
        .unwrap();
    let failing = jwt
        .verify_access::<()>(
            &jwt.access_token("bob")
                .scopes(["user:read", "billing:audit:x"])
                .sign()
                .unwrap(),
        )
        .unwrap();
    let from_macro = <__axum_jwt_requirement_handler as StaticRequirement>::REQUIREMENT;
    let built_at_start = Requirement::access()
        .scope_rule(
            ScopeRule::parse(["orders:read", "admin"])
                .unwrap()
                .require_all(false),
        )
        .allow_roles(["USER", "ADMIN"]);

    let count = allocations_during(|| {
        for _ in 0..1000 {
            assert!(from_macro.check(&passing).is_ok());
            assert!(built_at_start.check(&passing).is_ok());
        }
    });
    assert_eq!(count, 0, "a passing scope check allocated");
    // `:audit` (any namespace) is matched by `billing:audit:x`.
    let count = allocations_during(|| {
        for _ in 0..1000 {
            assert!(from_macro.check(&failing).is_ok());
        }
    });
    assert_eq!(count, 0, "a passing scope check allocated");
    // A refusal allocates nothing either: the 403's `scope` text is static, made by the macro.
    let refused = jwt
        .verify_access::<()>(
            &jwt.access_token("eve")
                .scopes(["user:read"])
                .sign()
                .unwrap(),
        )
        .unwrap();
    let count = allocations_during(|| {
        for _ in 0..1000 {
            assert!(from_macro.check(&refused).is_err());
        }
    });
    assert_eq!(count, 0, "a refused scope check allocated");
}

//! What allocates at request time, counted by a global allocator (per thread, so tests
//! running in parallel do not disturb each other):
//! - scope and role checks allocate nothing: the required scopes are static data made by the
//!   macro, and a token's scopes are walked in place;
//! - verifying a token allocates a fixed number of times, not once per claim: claim names are
//!   read in place from the decoded payload;
//! - a hit of the verified-token cache allocates nothing.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use axum_jwt_guard::__private::StaticRequirement;
use axum_jwt_guard::{Jwt, PrivateClaims, Requirement, ScopeRule, Token, scoped};

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

fn count_one() {
    // `try_with`: the thread's counter may already be gone while the thread shuts down.
    let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count_one();
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count_one();
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations_during(f: impl FnOnce()) -> usize {
    let before = ALLOCATIONS.with(Cell::get);
    f();
    ALLOCATIONS.with(Cell::get) - before
}

// The requirement below is the one the macro emits for this handler.
#[scoped("orders:read", "user:read:write", ":audit", require_all = false)]
async fn handler(token: Token) -> String {
    token.identity().to_owned()
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

#[derive(PrivateClaims)]
struct OneClaim {
    a: u64,
}

#[derive(PrivateClaims)]
struct EightClaims {
    a: u64,
    b: u64,
    c: u64,
    d: u64,
    e: u64,
    f: u64,
    g: u64,
    h: u64,
}

/// Allocations of 100 verifications of `token`, read with private claims `C` (a total, so an
/// allocation made only now and then still shows).
fn per_100_verifications<C: PrivateClaims>(jwt: &Jwt, token: &str) -> usize {
    drop(jwt.verify_access::<C>(token).unwrap());
    allocations_during(|| {
        for _ in 0..100 {
            drop(jwt.verify_access::<C>(token).unwrap());
        }
    })
}

#[test]
fn verification_allocates_per_token_not_per_claim() {
    // The token cache off: every verification is a full one. An issuer and a role, so that
    // the one buffer holds every kind of string claim.
    let jwt = Jwt::builder()
        .secret([9u8; 32])
        .issuer("https://issuer.test")
        .private_claim_prefix("app")
        .token_cache(0)
        .build()
        .unwrap();
    let one = jwt
        .access_token("alice")
        .role("USER")
        .private_claims(&OneClaim { a: 1 })
        .sign()
        .unwrap();
    let eight = jwt
        .access_token("alice")
        .role("USER")
        .private_claims(&EightClaims {
            a: 1,
            b: 2,
            c: 3,
            d: 4,
            e: 5,
            f: 6,
            g: 7,
            h: 8,
        })
        .sign()
        .unwrap();
    let few = per_100_verifications::<OneClaim>(&jwt, &one);
    let many = per_100_verifications::<EightClaims>(&jwt, &eight);
    assert_eq!(few, many, "seven more claims cost allocations");
    // The shared claims, and one buffer for the token string and every string claim.
    assert_eq!(few, 200, "allocations of 100 verifications");
}

#[test]
fn the_token_cache_allocates_nothing_of_its_own() {
    // On by default.
    let jwt = Jwt::builder().secret([9u8; 32]).build().unwrap();
    let token = jwt
        .access_token("alice")
        .scopes(["user:read"])
        .sign()
        .unwrap();
    // A hit shares the claims of the first verification.
    assert_eq!(per_100_verifications::<()>(&jwt, &token), 0);
    // A miss stores the claims it made anyway: 100 new tokens cost what they cost without
    // the cache, the claims and their buffer.
    let tokens: Vec<String> = (0..100)
        .map(|i| jwt.access_token(format!("user{i}")).sign().unwrap())
        .collect();
    let count = allocations_during(|| {
        for token in &tokens {
            drop(jwt.verify_access::<()>(token).unwrap());
        }
    });
    assert_eq!(count, 200, "allocations of 100 first verifications");
}

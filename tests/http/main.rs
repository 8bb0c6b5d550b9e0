//! The HTTP suites, one module per feature area, linked into one test binary: each test
//! starts its own server on 127.0.0.1:0 with a real client, and asserts what a user sees
//! (status, headers, JSON body). `allocations.rs` (a counting global allocator) and `ui.rs`
//! (trybuild) stay binaries of their own.

mod common;

mod algorithms;
mod attributes;
mod browser;
mod claims;
mod cookies;
mod endpoints;
mod errors;
mod examples;
mod hostile_input;
mod identity_providers;
mod interop;
mod key_rotation;
mod lifecycle;
mod locations;
mod openapi;
mod quickstart;
mod revocation;
mod token_cache;
mod tracing_events;

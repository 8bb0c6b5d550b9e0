//! Shared helpers of the HTTP suites, one module per job.

mod app;
mod client;
mod examples;
mod fixtures;
mod forge;
mod oidc;
mod openapi;
#[cfg(feature = "redis")]
mod redis;

pub use app::*;
pub use client::*;
pub use examples::*;
pub use fixtures::*;
pub use forge::*;
pub use oidc::*;
pub use openapi::*;
#[cfg(feature = "redis")]
pub use redis::*;

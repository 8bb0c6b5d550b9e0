//! What the local view of `RedisStore` costs in memory: bytes per revoked token, measured by a
//! counting allocator while 100,000 revocations made through another instance reach this
//! one's view, and the figure for one million.
//!
//! `cargo bench --features redis --bench revocation_memory` with `REDIS_URL` set, or without
//! it: the bench starts a redis-server of its own on a loopback port and stops it by process
//! id.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};
use std::time::{Duration, Instant};

use axum_jwt_guard::{Jwt, RedisStore};

/// Counts the bytes live on the heap.
struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(
            new_size as isize - layout.size() as isize,
            Ordering::Relaxed,
        );
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const REVOCATIONS: usize = 100_000;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut own = None;
    let url = match std::env::var("REDIS_URL") {
        Ok(url) if !url.is_empty() => url,
        _ => {
            let port = free_port();
            let child = std::process::Command::new("redis-server")
                .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
                .args(["--save", "", "--appendonly", "no"])
                .stdout(std::process::Stdio::null())
                .spawn()?;
            own = Some(child);
            tokio::time::sleep(Duration::from_millis(300)).await;
            format!("redis://127.0.0.1:{port}/")
        }
    };
    let namespace = format!("memory-bench-{}", std::process::id());
    let reader = RedisStore::options()
        .namespace(&namespace)
        .connect(&url)
        .await?;
    let writer = RedisStore::options()
        .namespace(&namespace)
        .strict()
        .connect(&url)
        .await?;
    let deadline = Instant::now() + Duration::from_secs(10);
    while !reader.view_is_current() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let jwt = Jwt::builder()
        .secret("a secret of at least thirty-two bytes, for the bench")
        .issuer("https://auth.example.com")
        .revocation_store(writer)
        .build()?;
    // Tokens as the service mints them outside a login: a 22-character jti, its issuer.
    let tokens: Vec<_> = (0..REVOCATIONS)
        .map(|i| {
            let raw = jwt.access_token(format!("user{i}")).sign()?;
            Ok(jwt.verify_access::<()>(&raw)?)
        })
        .collect::<Result<_, Box<dyn std::error::Error>>>()?;
    let before = LIVE.load(Ordering::Relaxed);
    let started = Instant::now();
    for token in &tokens {
        jwt.revoke(token).await?;
    }
    let written = started.elapsed();
    let deadline = Instant::now() + Duration::from_secs(60);
    while reader.local_view_entries() < Some(REVOCATIONS) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let entries = reader.local_view_entries().unwrap_or(0);
    let after = LIVE.load(Ordering::Relaxed);
    let per_entry = (after - before) as f64 / entries.max(1) as f64;
    println!(
        "{entries} revocations written in {:.1} s through another instance, held by this one's view",
        written.as_secs_f64()
    );
    println!(
        "local view: {per_entry:.0} bytes per revoked token (heap, counted by the allocator); \
         one million: {:.0} MB",
        per_entry * 1e6 / 1e6
    );
    drop(tokens);
    if let Some(mut child) = own {
        child.kill()?;
        child.wait()?;
    }
    Ok(())
}

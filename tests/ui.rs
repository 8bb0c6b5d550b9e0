//! The macros' compile-time checks (trybuild): `tests/ui/<macro>/fail/*.rs` must fail with
//! exactly the reviewed `.stderr`, and `tests/ui/<macro>/pass/*.rs` must compile under
//! `#![deny(warnings)]`.
//!
//! The `.stderr` text depends on the compiler: the snapshots are written for the toolchain
//! pinned in `rust-toolchain.toml` (1.95.0). On another compiler this test is skipped with a
//! message, except in CI (`CI=true`), where it fails.

const PINNED: &str = "1.95.0";

fn rustc_version() -> String {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_owned());
    std::process::Command::new(rustc)
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default()
}

#[test]
fn ui() {
    let version = rustc_version();
    if !version.starts_with(&format!("rustc {PINNED} ")) {
        let message = format!(
            "the UI snapshots are for rustc {PINNED}, this is {:?}",
            version.trim()
        );
        assert!(std::env::var("CI").is_err(), "{message}");
        eprintln!("SKIPPED: {message}");
        return;
    }
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/*/pass/*.rs");
    t.compile_fail("tests/ui/*/fail/*.rs");
}

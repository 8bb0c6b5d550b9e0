//! A real browser walks the cookie flow of `examples/cookies.rs`: headless Chromium (Debian's
//! `chromium`, installed by scripts/test) loads the page, which logs in with cookies, calls a
//! protected POST with and without the CSRF header read from the CSRF cookie, and logs out.
//! The test asserts what the page shows.
//!
//! Without Chromium the test is skipped with a message, except under `CI=true`, where it
//! fails: the browser check is part of what CI proves.

use std::process::Command;

fn chromium() -> Option<String> {
    ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|name| {
            Command::new(name)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .map(str::to_owned)
}

fn text_of<'a>(dom: &'a str, id: &str) -> &'a str {
    let open = format!("id=\"{id}\">");
    dom.split(&open)
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .unwrap_or("")
}

#[test]
fn headless_chromium_walks_the_cookie_flow() {
    let Some(browser) = chromium() else {
        assert!(
            std::env::var("CI").is_err(),
            "Chromium is not installed under CI=true: scripts/test installs Debian's chromium"
        );
        eprintln!("SKIPPED: Chromium is not installed (scripts/test installs it)");
        return;
    };
    let server = crate::common::spawn_example("cookies", &[]);
    let addr = server.addr;
    let profile = std::env::temp_dir().join(format!("axum-jwt-chromium-{}", std::process::id()));
    // `localhost` (not 127.0.0.1): browsers treat it as a secure context, so the Secure
    // cookies are kept over plain HTTP.
    let url = format!("http://localhost:{}/", addr.port());
    let output = Command::new(&browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--virtual-time-budget=15000",
            "--timeout=30000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(&url)
        .output();
    drop(server);
    let _ = std::fs::remove_dir_all(&profile);
    let output = output.expect("chromium runs");
    let dom = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && dom.contains("id=\"done\""),
        "chromium failed: {}\n{dom}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(text_of(&dom, "done"), "done", "{dom}");
    assert_eq!(text_of(&dom, "login"), "login: 200 token cookie hidden");
    assert_eq!(text_of(&dom, "whoami"), "whoami: 200 alice");
    assert_eq!(
        text_of(&dom, "without-csrf"),
        "without csrf: 401 csrf_missing"
    );
    assert!(
        text_of(&dom, "with-csrf").starts_with("with csrf: 200 "),
        "{}",
        text_of(&dom, "with-csrf")
    );
    assert_eq!(text_of(&dom, "logout"), "logout: 200 cookies left: none");
    assert_eq!(text_of(&dom, "after-logout"), "after logout: 401");
}

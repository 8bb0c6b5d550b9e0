//! OpenAPI 3.1 validity, checked by a real validator: openapi-spec-validator (Python), which
//! `scripts/test` installs when missing and names in `OPENAPI_VALIDATOR_PYTHON`.

use serde_json::Value;

/// The validator's verdict on `doc`: `Ok(())`, `Err(its message)`, or `None` when the
/// validator is not installed (a failure under `CI=true`).
pub fn openapi_verdict(doc: &Value) -> Option<Result<(), String>> {
    let python = std::env::var("OPENAPI_VALIDATOR_PYTHON").unwrap_or_else(|_| "python3".into());
    let present = std::process::Command::new(&python)
        .args(["-c", "import openapi_spec_validator"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !present {
        assert!(
            std::env::var("CI").is_err(),
            "openapi-spec-validator is missing under CI=true: scripts/test installs it"
        );
        eprintln!("SKIPPED: openapi-spec-validator is not installed (run scripts/test)");
        return None;
    }
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let path =
        std::env::temp_dir().join(format!("axum-jwt-openapi-{}-{n}.json", std::process::id()));
    std::fs::write(&path, doc.to_string()).expect("write the document");
    let out = std::process::Command::new(&python)
        .args(["-m", "openapi_spec_validator"])
        .arg(&path)
        .output()
        .expect("the validator runs");
    let _ = std::fs::remove_file(&path);
    Some(if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    })
}

/// Fails unless `doc` is valid OpenAPI 3.1 (skips without the validator outside CI).
pub fn assert_valid_openapi(doc: &Value) {
    assert_eq!(doc["openapi"], "3.1.0");
    if let Some(verdict) = openapi_verdict(doc) {
        assert_eq!(verdict, Ok(()), "{doc:#}");
    }
}

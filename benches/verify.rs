//! Verification and signing cost, side by side with what a user would otherwise write: a
//! hand-written `jsonwebtoken::decode::<Claims>` with an equivalent `Validation` and the same
//! typed claims, and (the floor) the signature check of the same signing input alone.
//! `floor_decoding_only` is the rest of what any verifier must do (base64 and a typed parse of
//! the payload, with the same base64 and serde_json crates), so the two floors together are
//! the least a full check built on them can cost.
//!
//! `axum_jwt_guard` is the full check of every token (the verified-token cache off);
//! `axum_jwt_token_cache_hit` is the default configuration, where the same token string
//! verified before (the cache is on by default); `axum_jwt_token_cache_hit_1000_tokens` reads
//! 1,000 cached tokens in turn.
//!
//! `verify_rs256_jwks` verifies an identity provider's token with keys from a JWKS URL, next
//! to our own RS256 token with a static key.
//!
//! `cargo bench --bench verify`; the ratios are printed by `bench/ratios.py`.

use std::hint::black_box;

use axum_jwt_guard::{Algorithm, DEFAULT_TOKEN_CACHE, Jwt, PrivateClaims, Requirement};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use criterion::{Criterion, criterion_group, criterion_main};
use jsonwebtoken::{DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

/// The private claims of a typical access token.
#[derive(PrivateClaims)]
struct Profile {
    user_id: u64,
    permission_level: u8,
}

/// The same token, as a jsonwebtoken user would type it.
#[derive(Deserialize, Serialize)]
struct Claims {
    sub: String,
    #[serde(rename = "type")]
    kind: String,
    iat: u64,
    exp: u64,
    jti: String,
    iss: String,
    aud: String,
    role: String,
    scopes: Vec<String>,
    fresh: bool,
    app_user_id: u64,
    app_permission_level: u8,
}

/// The cheapest typed reading of the same claims: every string borrowed from the payload.
#[derive(Deserialize)]
#[allow(dead_code)] // read by serde only: the floor measures the parse
struct BorrowedClaims<'a> {
    sub: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
    iat: u64,
    exp: u64,
    jti: &'a str,
    iss: &'a str,
    aud: &'a str,
    role: &'a str,
    #[serde(borrow)]
    scopes: Vec<&'a str>,
    fresh: bool,
    app_user_id: u64,
    app_permission_level: u8,
}

/// What any verifier must do besides the signature check: decode the signature and the
/// payload from base64url and parse the payload into typed claims (borrowed, so no string is
/// copied). The signature check plus this is the least a full verification built on these
/// crates can cost.
fn decode_floor(token: &str) -> u64 {
    let (rest, signature) = token.rsplit_once('.').expect("three parts");
    let (_, payload) = rest.split_once('.').expect("three parts");
    let mut sig = [0u8; 1024];
    let n = URL_SAFE_NO_PAD
        .decode_slice(signature, &mut sig)
        .expect("b64");
    let mut buf = [0u8; 2048];
    let m = URL_SAFE_NO_PAD
        .decode_slice(payload, &mut buf)
        .expect("b64");
    let claims: BorrowedClaims<'_> = serde_json::from_slice(&buf[..m]).expect("claims");
    claims.app_user_id + u64::from(sig[n - 1])
}

const SECRET: &[u8] = b"a-benchmark-secret-of-at-least-32-bytes!";
const ISSUER: &str = "https://auth.example.com";
const AUDIENCE: &str = "api";

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("fixture")
}

/// Our handle for `alg`; `token_cache` 0 for the full check, the default for repeat tokens.
fn ours(alg: Algorithm, stem: Option<&str>, token_cache: usize) -> Jwt {
    let b = Jwt::builder()
        .algorithm(alg)
        .issuer(ISSUER)
        .audience(AUDIENCE)
        .private_claim_prefix("app")
        .token_cache(token_cache);
    let b = match stem {
        None => b.secret(SECRET),
        Some(stem) => b
            .private_key_pem(fixture(&format!("{stem}_private.pem")))
            .public_key_pem(fixture(&format!("{stem}_public.pem"))),
    };
    b.build().expect("config")
}

fn validation(alg: Algorithm) -> Validation {
    let mut v = Validation::new(alg);
    v.set_issuer(&[ISSUER]);
    v.set_audience(&[AUDIENCE]);
    v.validate_nbf = true;
    v.leeway = 5;
    v.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    v
}

fn token(jwt: &Jwt) -> String {
    jwt.access_token("alice")
        .role("USER")
        .scopes(["user:read", "orders:read:write"])
        .fresh(true)
        .private_claims(&Profile {
            user_id: 42,
            permission_level: 3,
        })
        .sign()
        .expect("sign")
}

/// The hand-written baseline: decode, then the kind check the library also makes.
fn baseline(token: &str, key: &DecodingKey, validation: &Validation) -> Claims {
    let data = jsonwebtoken::decode::<Claims>(token, key, validation).expect("valid");
    assert_eq!(data.claims.kind, "access");
    data.claims
}

fn bench_hs256(c: &mut Criterion) {
    let jwt = ours(Algorithm::HS256, None, 0);
    let token = token(&jwt);
    let key = DecodingKey::from_secret(SECRET);
    let validation = validation(Algorithm::HS256);
    let (input, signature) = token.rsplit_once('.').expect("three parts");
    let signature = URL_SAFE_NO_PAD.decode(signature).expect("b64");
    let mac = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, SECRET);
    let scopes = Requirement::access()
        .scopes(["orders:read"])
        .expect("scope");

    let mut g = c.benchmark_group("verify_hs256");
    g.bench_function("axum_jwt_guard", |b| {
        b.iter(|| {
            let t = jwt
                .verify_access::<Profile>(black_box(&token))
                .expect("valid");
            scopes.check(&t).expect("scope");
            black_box(t.private_claims().user_id)
        })
    });
    let cached = ours(Algorithm::HS256, None, DEFAULT_TOKEN_CACHE);
    g.bench_function("axum_jwt_token_cache_hit", |b| {
        b.iter(|| {
            let t = cached
                .verify_access::<Profile>(black_box(&token))
                .expect("valid");
            scopes.check(&t).expect("scope");
            black_box(t.private_claims().user_id)
        })
    });
    // 1,000 different tokens read in turn, all in the cache: what a hit costs when the
    // entries no longer sit in the nearest CPU caches.
    let many: Vec<String> = (0..1000).map(|_| self::token(&cached)).collect();
    for t in &many {
        cached.verify_access::<Profile>(t).expect("valid");
    }
    let mut next = many.iter().cycle();
    g.bench_function("axum_jwt_token_cache_hit_1000_tokens", |b| {
        b.iter(|| {
            let token = next.next().expect("cycle");
            let t = cached
                .verify_access::<Profile>(black_box(token))
                .expect("valid");
            scopes.check(&t).expect("scope");
            black_box(t.private_claims().user_id)
        })
    });
    g.bench_function("jsonwebtoken_decode", |b| {
        b.iter(|| black_box(baseline(black_box(&token), &key, &validation).app_user_id))
    });
    g.bench_function("floor_hmac_only", |b| {
        b.iter(|| {
            aws_lc_rs::hmac::verify(&mac, black_box(input.as_bytes()), &signature).expect("mac")
        })
    });
    g.bench_function("floor_decoding_only", |b| {
        b.iter(|| black_box(decode_floor(black_box(&token))))
    });
    g.finish();
}

fn bench_asymmetric(c: &mut Criterion) {
    use aws_lc_rs::signature as s;
    let cases: [(Algorithm, &str, &'static dyn s::VerificationAlgorithm); 4] = [
        (Algorithm::RS256, "rsa", &s::RSA_PKCS1_2048_8192_SHA256),
        (Algorithm::PS256, "rsa", &s::RSA_PSS_2048_8192_SHA256),
        (Algorithm::ES256, "ec256", &s::ECDSA_P256_SHA256_FIXED),
        (Algorithm::EdDSA, "ed25519", &s::ED25519),
    ];
    for (alg, stem, floor_alg) in cases {
        let jwt = ours(alg, Some(stem), 0);
        let token = token(&jwt);
        let public = fixture(&format!("{stem}_public.pem"));
        let key = match stem {
            "rsa" => DecodingKey::from_rsa_pem(&public),
            "ec256" => DecodingKey::from_ec_pem(&public),
            _ => DecodingKey::from_ed_pem(&public),
        }
        .expect("key");
        let validation = validation(alg);
        let (input, signature) = token.rsplit_once('.').expect("three parts");
        let signature = URL_SAFE_NO_PAD.decode(signature).expect("b64");
        let der = match key.kind() {
            jsonwebtoken::DecodingKeyKind::SecretOrDer(der) => der.clone(),
            _ => unreachable!("PEM keys are DER"),
        };
        let parsed = s::ParsedPublicKey::new(floor_alg, &der).expect("parsed");

        let cached = ours(alg, Some(stem), DEFAULT_TOKEN_CACHE);

        let mut g = c.benchmark_group(format!("verify_{alg:?}").to_lowercase());
        g.bench_function("axum_jwt_guard", |b| {
            b.iter(|| {
                let t = jwt
                    .verify_access::<Profile>(black_box(&token))
                    .expect("valid");
                black_box(t.private_claims().user_id)
            })
        });
        g.bench_function("axum_jwt_token_cache_hit", |b| {
            b.iter(|| {
                let t = cached
                    .verify_access::<Profile>(black_box(&token))
                    .expect("valid");
                black_box(t.private_claims().user_id)
            })
        });
        g.bench_function("jsonwebtoken_decode", |b| {
            b.iter(|| black_box(baseline(black_box(&token), &key, &validation).app_user_id))
        });
        g.bench_function("floor_signature_only", |b| {
            b.iter(|| {
                parsed
                    .verify_sig(black_box(input.as_bytes()), &signature)
                    .expect("sig")
            })
        });
        g.bench_function("floor_decoding_only", |b| {
            b.iter(|| black_box(decode_floor(black_box(&token))))
        });
        g.finish();
    }
}

fn bench_sign_rs256(c: &mut Criterion) {
    let jwt = ours(Algorithm::RS256, Some("rsa"), 0);
    let key = EncodingKey::from_rsa_pem(&fixture("rsa_private.pem")).expect("key");
    let header = Header::new(Algorithm::RS256);
    let claims = Claims {
        sub: "alice".into(),
        kind: "access".into(),
        iat: 1_800_000_000,
        exp: 1_800_000_900,
        jti: "f.j".into(),
        iss: ISSUER.into(),
        aud: AUDIENCE.into(),
        role: "USER".into(),
        scopes: vec!["user:read".into(), "orders:read:write".into()],
        fresh: true,
        app_user_id: 42,
        app_permission_level: 3,
    };
    // The floor: the RSA signature of the same signing input alone, with a parsed key.
    let pem = String::from_utf8(fixture("rsa_private.pem")).expect("PEM text");
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(body)
        .expect("PKCS#8 DER");
    let pair = aws_lc_rs::signature::RsaKeyPair::from_pkcs8(&der).expect("RSA key");
    let rng = aws_lc_rs::rand::SystemRandom::new();
    let sample = token(&jwt);
    let (input, _) = sample.rsplit_once('.').expect("three parts");
    let mut out = vec![0u8; pair.public_modulus_len()];

    let mut g = c.benchmark_group("sign_rs256");
    g.sample_size(30);
    g.bench_function("axum_jwt_guard", |b| b.iter(|| black_box(token(&jwt))));
    g.bench_function("jsonwebtoken_encode", |b| {
        b.iter(|| black_box(jsonwebtoken::encode(&header, black_box(&claims), &key).expect("sign")))
    });
    g.bench_function("floor_signature_only", |b| {
        b.iter(|| {
            pair.sign(
                &aws_lc_rs::signature::RSA_PKCS1_SHA256,
                &rng,
                black_box(input.as_bytes()),
                &mut out,
            )
            .expect("sign")
        })
    });
    g.finish();
}

/// An identity provider's RS256 access token (RFC 9068 shape, a `kid`), verified with keys
/// fetched from a JWKS URL (a loopback server of the bench's own), next to our own RS256
/// token verified with a static key in the same group: what choosing the key by `kid` from a
/// refreshed set costs.
fn bench_jwks_rs256(c: &mut Criterion) {
    let jwks = fixture("jwks.json");
    let (tx, rx) = std::sync::mpsc::channel();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let server = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind");
            tx.send(listener.local_addr().expect("addr")).expect("send");
            let app = axum::Router::new().route(
                "/jwks",
                axum::routing::get(move || async move { jwks.clone() }),
            );
            // Serves until the process ends.
            let _ = axum::serve(listener, app).await;
        })
    });
    let addr = rx.recv().expect("server address");
    let provider = |cache| {
        let jwt = Jwt::builder()
            .identity_provider(
                axum_jwt_guard::IdentityProvider::jwks_url(format!("http://{addr}/jwks"))
                    .issuer("https://idp.test")
                    .audience(AUDIENCE)
                    .roles_claim("/realm_access/roles")
                    .max_age(std::time::Duration::from_secs(3600))
                    .outage_limit(std::time::Duration::from_secs(3600)),
            )
            .token_cache(cache)
            .build()
            .expect("config");
        runtime.block_on(jwt.load_keys()).expect("keys");
        jwt
    };
    let (jwks_jwt, jwks_cached) = (provider(0), provider(DEFAULT_TOKEN_CACHE));
    let key = EncodingKey::from_rsa_pem(&fixture("rsa_private.pem")).expect("key");
    let mut header = Header::new(Algorithm::RS256);
    header.typ = Some("at+jwt".into());
    header.kid = Some("rsa-sig".into());
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    let claims = serde_json::json!({
        "iss": "https://idp.test", "sub": "alice", "aud": AUDIENCE, "iat": now,
        "exp": now + 7200, "jti": "f.j", "scope": "user:read orders:read:write",
        "realm_access": {"roles": ["USER"]},
    });
    let provider_token = jsonwebtoken::encode(&header, &claims, &key).expect("sign");
    let static_jwt = ours(Algorithm::RS256, Some("rsa"), 0);
    let own_token = token(&static_jwt);

    let static_cached = ours(Algorithm::RS256, Some("rsa"), DEFAULT_TOKEN_CACHE);
    let mut g = c.benchmark_group("verify_rs256_jwks");
    g.bench_function("static_key", |b| {
        b.iter(|| {
            black_box(
                static_jwt
                    .verify_access::<()>(black_box(&own_token))
                    .expect("valid"),
            )
        })
    });
    g.bench_function("static_key_cache_hit", |b| {
        b.iter(|| {
            black_box(
                static_cached
                    .verify_access::<()>(black_box(&own_token))
                    .expect("valid"),
            )
        })
    });
    g.bench_function("jwks_url_key", |b| {
        b.iter(|| {
            black_box(
                jwks_jwt
                    .verify_access::<()>(black_box(&provider_token))
                    .expect("valid"),
            )
        })
    });
    g.bench_function("jwks_url_key_cache_hit", |b| {
        b.iter(|| {
            black_box(
                jwks_cached
                    .verify_access::<()>(black_box(&provider_token))
                    .expect("valid"),
            )
        })
    });
    g.finish();
    drop(server);
}

criterion_group!(
    benches,
    bench_hs256,
    bench_asymmetric,
    bench_sign_rs256,
    bench_jwks_rs256
);
criterion_main!(benches);

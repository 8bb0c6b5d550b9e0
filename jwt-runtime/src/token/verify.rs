//! [`Verifier`]: one pass from a compact JWS string to a verified, typed [`Token`], in the
//! order `SECURITY.md` lists (size, segments, header, signature, claims, then every claim
//! rule). It reads no request and no store: revocation and CSRF are the callers' steps.

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::cache::TokenCache;
use super::claims::{Claims, Header, ParseError, PrivateClaims, TokenKind, parse_claims};
use super::keys::VerifyingKey;
use super::rules::ClaimRules;
use super::{OwnHeaders, Token};
use crate::error::{AuthError, ConfigError};

/// Default largest accepted token: 8 KiB, checked before any decoding.
pub const DEFAULT_MAX_TOKEN_BYTES: usize = 8 * 1024;
/// The smallest `max_token_bytes` accepted: no real token is shorter.
const MIN_TOKEN_BYTES: usize = 64;

/// The length of `bytes` bytes in unpadded base64url.
const fn encoded_len(bytes: usize) -> usize {
    (bytes * 4).div_ceil(3)
}

/// The largest signature: RSA-8192, 1,024 bytes, decoded on the stack.
const MAX_SIGNATURE_BYTES: usize = 8192 / 8;
/// Its base64url length (1,366): a longer signature segment cannot verify.
const MAX_SIGNATURE_B64: usize = encoded_len(MAX_SIGNATURE_BYTES);
/// Payloads up to this size (most tokens) are decoded on the stack, larger ones on the heap.
const STACK_PAYLOAD_BYTES: usize = 2048;
/// The base64url length of [`STACK_PAYLOAD_BYTES`] (2,731).
const STACK_PAYLOAD_B64: usize = encoded_len(STACK_PAYLOAD_BYTES);

/// Checks tokens: the verifying key, the claim rules, the size limit and the verified-token
/// cache of one configuration.
pub(crate) struct Verifier {
    key: VerifyingKey,
    rules: Arc<ClaimRules>,
    headers: OwnHeaders,
    max_token_bytes: usize,
    cache: Option<TokenCache>,
}

impl Verifier {
    /// `cache_capacity` 0 turns the verified-token cache off.
    pub(crate) fn new(
        key: VerifyingKey,
        rules: Arc<ClaimRules>,
        max_token_bytes: usize,
        cache_capacity: usize,
    ) -> Result<Self, ConfigError> {
        if max_token_bytes < MIN_TOKEN_BYTES {
            return Err(ConfigError::invalid("max_token_bytes", "at least 64 bytes"));
        }
        if cache_capacity > super::cache::MAX_CAPACITY {
            return Err(ConfigError::invalid(
                "token_cache",
                "at most 1048576 tokens (its tables are sized at build)",
            ));
        }
        Ok(Self {
            headers: OwnHeaders::new(key.alg_name()),
            key,
            rules,
            max_token_bytes,
            cache: (cache_capacity > 0).then(|| TokenCache::new(cache_capacity)),
        })
    }

    pub(crate) fn key(&self) -> &VerifyingKey {
        &self.key
    }

    pub(crate) fn rules(&self) -> &ClaimRules {
        &self.rules
    }

    #[cfg(test)]
    pub(crate) fn cache(&self) -> Option<&TokenCache> {
        self.cache.as_ref()
    }

    /// Verifies `token` as a token of `kind` at the time `now`.
    pub(crate) fn verify<C: PrivateClaims>(
        &self,
        token: &str,
        kind: TokenKind,
        now: u64,
    ) -> Result<Token<C>, AuthError> {
        // A5: size first, before any base64 or JSON work (or hashing for the cache).
        if token.len() > self.max_token_bytes {
            return Err(AuthError::TokenTooLarge);
        }
        // This exact string verified before: what follows from the string alone holds again;
        // what depends on the moment or the route is checked below as for any token.
        let pending = match &self.cache {
            Some(cache) => match cache.get::<Claims<C>>(token) {
                Ok(claims) => {
                    check_claims(&self.rules, &claims, None, kind, now)?;
                    return Ok(Token { inner: claims });
                }
                Err(miss) => Some((cache, miss)),
            },
            None => None,
        };
        // A1: exactly three segments.
        let mut segments = token.split('.');
        let (Some(header_b64), Some(payload_b64), Some(signature_b64), None) = (
            segments.next(),
            segments.next(),
            segments.next(),
            segments.next(),
        ) else {
            return Err(AuthError::Malformed(
                "a token has exactly three dot-separated parts",
            ));
        };
        if header_b64.is_empty() || payload_b64.is_empty() {
            return Err(AuthError::Malformed("the token header or payload is empty"));
        }
        // Our own header (the same bytes for every token we issue) needs no decoding: compared
        // byte for byte, its `alg` and `typ` are known. Any other header is decoded and checked.
        let header_kind = match self.headers.kind_of(header_b64) {
            Some(kind) => Some(kind),
            None => check_header(self.key.alg_name(), header_b64)?,
        };
        // B3/B4: the signature over `header.payload`, with the configured key and algorithm.
        if signature_b64.is_empty() || signature_b64.len() > MAX_SIGNATURE_B64 {
            return Err(AuthError::BadSignature);
        }
        let mut signature = [0u8; MAX_SIGNATURE_BYTES];
        let signature_len = URL_SAFE_NO_PAD
            .decode_slice(signature_b64, &mut signature)
            .map_err(|_| AuthError::BadSignature)?;
        let signing_input = &token[..header_b64.len() + 1 + payload_b64.len()];
        if !self.key.verify(
            signature_b64,
            &signature[..signature_len],
            signing_input.as_bytes(),
        ) {
            return Err(AuthError::BadSignature);
        }
        // B7: claims are read only after the signature holds, in one pass (A4).
        let mut stack = [0u8; STACK_PAYLOAD_BYTES];
        let heap;
        let payload_json: &[u8] = if payload_b64.len() <= STACK_PAYLOAD_B64 {
            let n = URL_SAFE_NO_PAD
                .decode_slice(payload_b64, &mut stack)
                .map_err(|_| AuthError::Malformed("the token payload is not base64url"))?;
            &stack[..n]
        } else {
            heap = URL_SAFE_NO_PAD
                .decode(payload_b64)
                .map_err(|_| AuthError::Malformed("the token payload is not base64url"))?;
            &heap
        };
        let rules = &*self.rules;
        let claims = parse_claims::<C>(payload_json, &rules.names, rules.prefix.as_deref(), token)
            .map_err(|e| match e {
                ParseError::Malformed => {
                    AuthError::Malformed("the token payload is not a valid JSON object of claims")
                }
                ParseError::Claim(name) => AuthError::InvalidClaims(name),
                ParseError::Private => AuthError::InvalidPrivateClaims,
            })?;
        check_claims(rules, &claims, header_kind, kind, now)?;
        let claims = Arc::new(claims);
        if let Some((cache, miss)) = pending {
            cache.insert(miss, claims.clone());
        }
        Ok(Token { inner: claims })
    }
}

/// The kind a `typ` header names (`at+jwt`, `refresh+jwt`, with or without
/// `application/`), if any.
fn typ_kind(typ: &str) -> Option<TokenKind> {
    let t = media_subtype(typ);
    [TokenKind::Access, TokenKind::Refresh]
        .into_iter()
        .find(|k| t.eq_ignore_ascii_case(k.typ()))
}

/// A `typ` or `cty` value without its optional `application/` prefix (RFC 7515 §4.1.9 and
/// §4.1.10: the prefix may be omitted, and media types compare case-insensitively).
fn media_subtype(value: &str) -> &str {
    match value.split_at_checked(12) {
        Some((prefix, rest)) if prefix.eq_ignore_ascii_case("application/") => rest,
        _ => value,
    }
}

/// Checks a header that is not our own: strict base64url, a JSON object without duplicate
/// members, the configured `alg`, no `crit`, `zip` or nested token. Returns the kind its
/// `typ` names, if it names one.
fn check_header(alg_name: &str, header_b64: &str) -> Result<Option<TokenKind>, AuthError> {
    // A2: strict base64url (no padding, no `+` `/`, canonical trailing bits).
    let header_json = URL_SAFE_NO_PAD
        .decode(header_b64)
        .map_err(|_| AuthError::Malformed("the token header is not base64url"))?;
    // A3, A4: a JSON object, duplicate members refused by serde's derive.
    let header: Header<'_> = serde_json::from_slice(&header_json)
        .map_err(|_| AuthError::Malformed("the token header is not a JSON object"))?;
    // B1: the configured algorithm only, compared exactly.
    if header.alg.as_deref() != Some(alg_name) {
        return Err(AuthError::WrongAlgorithm);
    }
    // C1: no JWS extension is implemented, so any `crit` is refused.
    if header.crit {
        return Err(AuthError::UnsupportedHeader(
            "the token header has critical extensions (crit) this service does not implement",
        ));
    }
    // C5: compression is JWE-only.
    if header.zip {
        return Err(AuthError::UnsupportedHeader(
            "compressed tokens (zip) are not supported",
        ));
    }
    // B7: nested tokens are not supported.
    if header
        .cty
        .as_deref()
        .is_some_and(|c| media_subtype(c).eq_ignore_ascii_case("jwt"))
    {
        return Err(AuthError::UnsupportedHeader(
            "nested tokens (cty: JWT) are not supported",
        ));
    }
    Ok(header.typ.as_deref().and_then(typ_kind))
}

/// Every claim check of a decoded token (the kind asked for, the clock, issuer, audience and
/// the application's custom claims): done for every token, including a cached one
/// (`header_kind` is then `None`: it was found consistent with the type claim when the token
/// was cached).
fn check_claims<C>(
    cfg: &ClaimRules,
    claims: &Claims<C>,
    header_kind: Option<TokenKind>,
    kind: TokenKind,
    now: u64,
) -> Result<(), AuthError> {
    // E1, E2: the type claim, and the `typ` header must not contradict it.
    if claims.kind != kind || header_kind.is_some_and(|h| h != kind) {
        return Err(AuthError::WrongTokenType);
    }
    // D1-D4, with saturating arithmetic for extreme values (D5).
    let leeway = cfg.leeway_secs();
    if cfg.verify_exp && claims.exp.saturating_add(leeway) < now {
        return Err(AuthError::Expired);
    }
    if claims
        .nbf
        .is_some_and(|nbf| nbf > now.saturating_add(leeway))
    {
        return Err(AuthError::NotYetValid);
    }
    if claims
        .iat
        .is_some_and(|iat| iat > now.saturating_add(leeway))
    {
        return Err(AuthError::IssuedInFuture);
    }
    // D6: the issuer is required and byte-equal when configured.
    if let Some(issuer) = &cfg.issuer
        && claims.iss() != Some(issuer.as_str())
    {
        return Err(AuthError::WrongIssuer);
    }
    // D7: the audience is required when configured; one of ours must be listed.
    if !cfg.audience.is_empty() && !claims.aud.iter().any(|a| cfg.audience.contains(a)) {
        return Err(AuthError::WrongAudience);
    }
    for custom in &cfg.custom {
        if !custom.verify(claims.public.get(custom.key())) {
            return Err(AuthError::InvalidClaim(custom.key().to_owned().into()));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Jwt;

    #[test]
    fn typ_headers_name_kinds() {
        assert_eq!(typ_kind("refresh+jwt"), Some(TokenKind::Refresh));
        assert_eq!(
            typ_kind("application/refresh+JWT"),
            Some(TokenKind::Refresh)
        );
        assert_eq!(typ_kind("at+jwt"), Some(TokenKind::Access));
        assert_eq!(typ_kind("JWT"), None);
        assert_eq!(typ_kind("application/"), None);
        assert_eq!(media_subtype("APPLICATION/JWT"), "JWT");
        assert_eq!(media_subtype("jwt"), "jwt");
        assert_eq!(media_subtype("applicationéé/x"), "applicationéé/x");
    }

    #[test]
    fn expiry_and_leeway_edges() {
        let jwt = Jwt::builder()
            .secret([1u8; 32])
            .leeway(std::time::Duration::from_secs(10))
            .build()
            .unwrap();
        let t = jwt.access_token("a").sign().unwrap();
        let exp = jwt.verify_access::<()>(&t).unwrap().expires_at();
        let at = |now| {
            jwt.inner
                .verifier
                .verify::<()>(&t, TokenKind::Access, now)
                .map(|_| ())
        };
        assert_eq!(at(exp + 10), Ok(()));
        assert_eq!(at(exp + 11), Err(AuthError::Expired));
        assert_eq!(at(u64::MAX), Err(AuthError::Expired));
    }
}

#[cfg(test)]
mod token_cache {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    use serde_json::Value;

    use super::*;
    use crate::{CustomClaim, Jwt};

    /// A custom claim whose verdict the test changes after the token was cached.
    struct Switch(Arc<AtomicBool>);

    impl CustomClaim for Switch {
        fn key(&self) -> &str {
            "tenant"
        }
        fn setup(&self, _: &str) -> Value {
            Value::from("t1")
        }
        fn verify(&self, value: Option<&Value>) -> bool {
            self.0.load(Ordering::SeqCst) && value == Some(&Value::from("t1"))
        }
    }

    #[test]
    fn a_cached_token_is_still_checked_against_the_clock_the_kind_and_custom_claims() {
        let accept = Arc::new(AtomicBool::new(true));
        let jwt = Jwt::builder()
            .secret([3u8; 32])
            .leeway(std::time::Duration::ZERO)
            .custom_claim(Switch(accept.clone()))
            .token_cache(100)
            .build()
            .unwrap();
        let t = jwt.access_token("alice").sign().unwrap();
        let first = jwt.verify_access::<()>(&t).unwrap();
        let (exp, iat) = (first.expires_at(), first.issued_at().unwrap());
        let at = |kind, now| {
            jwt.inner
                .verifier
                .verify::<()>(&t, kind, now)
                .map(|t| t.jti().to_owned())
        };
        // A hit shares the data of the first verification.
        let again = jwt.verify_access::<()>(&t).unwrap();
        assert!(Arc::ptr_eq(&first.inner, &again.inner));
        assert_eq!(at(TokenKind::Access, exp), Ok(first.jti().to_owned()));
        assert_eq!(at(TokenKind::Access, exp + 1), Err(AuthError::Expired));
        assert_eq!(
            at(TokenKind::Access, iat - 1),
            Err(AuthError::IssuedInFuture)
        );
        assert_eq!(at(TokenKind::Refresh, iat), Err(AuthError::WrongTokenType));
        accept.store(false, Ordering::SeqCst);
        assert_eq!(
            at(TokenKind::Access, iat),
            Err(AuthError::InvalidClaim("tenant".into()))
        );
        accept.store(true, Ordering::SeqCst);
        assert!(at(TokenKind::Access, iat).is_ok());
    }

    #[test]
    fn only_tokens_that_verified_are_kept_and_other_claim_types_miss() {
        let jwt = Jwt::builder()
            .secret([3u8; 32])
            .token_cache(100)
            .build()
            .unwrap();
        let t = jwt.access_token("alice").sign().unwrap();
        let (input, _) = t.rsplit_once('.').unwrap();
        let forged = format!("{input}.{}", URL_SAFE_NO_PAD.encode([0u8; 32]));
        for _ in 0..2 {
            assert_eq!(
                jwt.verify_access::<()>(&forged).err(),
                Some(AuthError::BadSignature)
            );
        }
        let cache = jwt.inner.verifier.cache().unwrap();
        let cached = |token: &str| cache.get::<Claims<()>>(token).is_ok();
        assert!(!cached(&forged));
        // Validly signed but refused by a claim check (issued in the future at that moment):
        // not kept either.
        let iat = jwt.verify_access::<()>(&t).unwrap().issued_at().unwrap();
        let early = jwt.access_token("bob").sign().unwrap();
        assert_eq!(
            jwt.inner
                .verifier
                .verify::<()>(&early, TokenKind::Access, iat - 10)
                .err(),
            Some(AuthError::IssuedInFuture)
        );
        assert!(!cached(&early));
        assert!(cached(&t));
        // Read with another private-claims type, the same token is a miss.
        assert!(cache.get::<Claims<u8>>(&t).is_err());
    }
}

#[cfg(test)]
mod buffers {
    use super::*;

    /// The largest signature and the largest stack-decoded payload fit their buffers.
    #[test]
    fn the_largest_inputs_decode_on_the_stack() {
        assert_eq!((MAX_SIGNATURE_B64, STACK_PAYLOAD_B64), (1366, 2731));
        for (bytes, limit) in [
            (MAX_SIGNATURE_BYTES, MAX_SIGNATURE_B64),
            (STACK_PAYLOAD_BYTES, STACK_PAYLOAD_B64),
        ] {
            let encoded = URL_SAFE_NO_PAD.encode(vec![0xA5u8; bytes]);
            assert_eq!(encoded.len(), limit);
            let mut buffer = vec![0u8; bytes];
            assert_eq!(
                URL_SAFE_NO_PAD.decode_slice(&encoded, &mut buffer),
                Ok(bytes)
            );
        }
    }
}

//! [`Verifier`]: one pass from a compact JWS string to a verified, typed [`Token`], in the
//! order `SECURITY.md` lists (size, segments, header, signature, claims, then every claim
//! rule). It reads no request and no store: revocation and CSRF are the callers' steps.

use std::borrow::Cow;
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::Algorithm;

use super::cache::TokenCache;
use super::claims::{
    Claims, Header, ParseError, PrivateClaims, Shape, TokenKind, parse_claims, parse_shaped,
    roles_at,
};
use super::clock::Clock;
use super::jwks::{KeySet, Pick, SetKey};
use super::keys::VerifyingKey;
use super::provider::{Missing, ProviderVerifier};
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

/// Our own keys: the current one first, then the verify-only ones, each with the header
/// bytes of the tokens it signs, as a key set picked from by `kid` like a provider's.
struct OwnKeys {
    alg: Algorithm,
    alg_name: &'static str,
    set: KeySet,
    /// Each key's headers, the current key's first: the tokens we sign carry exactly these.
    headers: Vec<(OwnHeaders, Arc<SetKey>)>,
    /// The headers without `kid` of earlier versions, while one key is configured.
    unnamed: Option<(OwnHeaders, Arc<SetKey>)>,
}

impl OwnKeys {
    fn new(alg: Algorithm, keys: Vec<(String, VerifyingKey)>) -> Option<Self> {
        let alg_name = super::keys::alg_name(alg)?;
        let keys: Vec<Arc<SetKey>> = keys
            .into_iter()
            .map(|(kid, key)| Arc::new(SetKey::configured(Some(kid), key)))
            .collect();
        let headers: Vec<_> = keys
            .iter()
            .map(|k| (OwnHeaders::new(alg_name, k.kid()), k.clone()))
            .collect();
        let unnamed = match keys.as_slice() {
            [one] => Some((OwnHeaders::new(alg_name, None), one.clone())),
            _ => None,
        };
        (!keys.is_empty()).then(|| Self {
            alg,
            alg_name,
            set: KeySet::of(keys),
            headers,
            unnamed,
        })
    }

    /// The kind and key of a header that is byte for byte one we write.
    fn recognise(&self, header_b64: &str) -> Option<(TokenKind, &SetKey)> {
        self.headers
            .iter()
            .chain(&self.unnamed)
            .find_map(|(headers, key)| Some((headers.kind_of(header_b64)?, &**key)))
    }

    /// Any other header: decoded and checked (B1, C1, C5), the key chosen by exact `kid`
    /// (C3); without `kid`, only when one key is configured.
    fn check_header(&self, header_b64: &str) -> Result<(Option<TokenKind>, &SetKey), AuthError> {
        let json = decode_header(header_b64)?;
        let header = parse_header(&json)?;
        // B1: the configured algorithm only, compared exactly.
        if header.alg.as_deref() != Some(self.alg_name) {
            return Err(AuthError::WrongAlgorithm);
        }
        let kind = check_extensions(&header)?;
        match self.set.pick(header.kid.as_deref(), self.alg) {
            Pick::Key(key) => Ok((kind, key)),
            Pick::Unknown | Pick::Ambiguous => Err(AuthError::UnknownKey),
        }
    }
}

/// Why an attempt at verification stopped: a final error, or keys a provider may still get
/// by a refresh (the asynchronous path waits for it and tries once more).
pub(crate) enum Stop {
    Error(AuthError),
    Keys(usize, Missing),
}

impl From<AuthError> for Stop {
    fn from(e: AuthError) -> Self {
        Stop::Error(e)
    }
}

/// Which configuration a token is checked against, chosen from its header and its `iss`
/// before any key is used.
enum Route<'a> {
    /// Ours; the kind and key our exact header bytes name, if they are ours.
    Own(Option<(TokenKind, &'a SetKey)>),
    /// The provider at this index.
    Provider(usize),
}

/// Checks tokens: our verifying key (absent when only identity providers are trusted), the
/// identity providers, the claim rules, the size limit and the verified-token cache.
pub(crate) struct Verifier {
    alg: Algorithm,
    own: Option<OwnKeys>,
    rules: Arc<ClaimRules>,
    providers: Vec<ProviderVerifier>,
    max_token_bytes: usize,
    cache: Option<TokenCache>,
}

impl Verifier {
    /// `own` holds our keys and their ids, the current key first (none when only identity
    /// providers are trusted). `cache_capacity` 0 turns the verified-token cache off.
    pub(crate) fn new(
        alg: Algorithm,
        own: Vec<(String, VerifyingKey)>,
        rules: Arc<ClaimRules>,
        providers: Vec<ProviderVerifier>,
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
        // Routing by `iss` must be unambiguous: one provider per issuer, and at most one
        // without issuer (it takes the tokens no other source claims).
        let invalid = |reason| ConfigError::invalid("identity_provider", reason);
        let unnamed = providers
            .iter()
            .filter(|p| p.rules.issuer.is_none())
            .count();
        if unnamed > 1 {
            return Err(invalid(
                "at most one provider may leave out .issuer(..): name the issuer of the others",
            ));
        }
        let has_own = !own.is_empty();
        for (i, p) in providers.iter().enumerate() {
            let issuer = p.rules.issuer.as_deref();
            if issuer.is_some()
                && (providers[..i]
                    .iter()
                    .any(|q| q.rules.issuer.as_deref() == issuer)
                    || (has_own && issuer == rules.issuer.as_deref()))
            {
                return Err(invalid("two token sources share one issuer"));
            }
        }
        Ok(Self {
            alg,
            own: OwnKeys::new(alg, own),
            rules,
            providers,
            max_token_bytes,
            cache: (cache_capacity > 0).then(|| TokenCache::new(cache_capacity)),
        })
    }

    /// The algorithm of our own tokens.
    pub(crate) fn alg(&self) -> Algorithm {
        self.alg
    }

    pub(crate) fn rules(&self) -> &ClaimRules {
        &self.rules
    }

    /// What a refused token says about itself, for the log line (never the token): the
    /// header's `alg` and `kid` and the payload's `iss`, unverified, bounded.
    #[cfg(feature = "axum")]
    pub(crate) fn hints(&self, token: &str) -> crate::observe::Hints {
        use crate::observe::bounded;
        let mut hints = crate::observe::Hints::default();
        if token.len() > self.max_token_bytes {
            return hints;
        }
        let mut segments = token.split('.');
        let (Some(header_b64), Some(payload_b64)) = (segments.next(), segments.next()) else {
            return hints;
        };
        if let Ok(json) = decode_header(header_b64)
            && let Ok(header) = parse_header(&json)
        {
            hints.alg = header.alg.as_deref().map(bounded);
            hints.kid = header.kid.as_deref().map(bounded);
        }
        hints.iss = peek_issuer(payload_b64, |iss| iss.map(bounded))
            .ok()
            .flatten();
        hints
    }

    /// The configured identity providers.
    pub(crate) fn providers(&self) -> &[ProviderVerifier] {
        &self.providers
    }

    #[cfg(test)]
    pub(crate) fn cache(&self) -> Option<&TokenCache> {
        self.cache.as_ref()
    }

    /// Verifies `token` as a token of `kind` at the time `now`, with the keys held now. A
    /// provider's key that is missing starts a refresh in the background (for the next
    /// request) and answers `unknown_key` or `keys_unavailable`.
    pub(crate) fn verify<C: PrivateClaims>(
        &self,
        token: &str,
        kind: TokenKind,
        now: u64,
    ) -> Result<Token<C>, AuthError> {
        self.attempt(token, kind, now).map_err(|stop| match stop {
            Stop::Error(e) => e,
            Stop::Keys(i, missing) => {
                if let Some(p) = self.providers.get(i) {
                    p.kick();
                }
                missing.error()
            }
        })
    }

    /// Verifies `token`; when a provider's key is missing, waits (boundedly) for the refresh
    /// that starts, single-flight, and tries once more. Requests whose keys are known never
    /// wait.
    pub(crate) async fn verify_now<C: PrivateClaims>(
        &self,
        token: &str,
        kind: TokenKind,
        clock: &Clock,
    ) -> Result<Token<C>, AuthError> {
        let first = self.attempt(token, kind, clock.now());
        let Err(Stop::Keys(i, _)) = first else {
            return first.map_err(Stop::into_error);
        };
        if let Some(p) = self.providers.get(i) {
            p.refresh().await;
        }
        self.attempt(token, kind, clock.now())
            .map_err(Stop::into_error)
    }

    fn attempt<C: PrivateClaims>(
        &self,
        token: &str,
        kind: TokenKind,
        now: u64,
    ) -> Result<Token<C>, Stop> {
        // A5: size first, before any base64 or JSON work (or hashing for the cache).
        if token.len() > self.max_token_bytes {
            return Err(AuthError::TokenTooLarge.into());
        }
        // This exact string verified before: what follows from the string alone holds again;
        // what depends on the moment, the route or a provider's current keys is checked
        // below as for any token.
        let pending = match &self.cache {
            Some(cache) => match cache.get::<Claims<C>>(token) {
                Ok(claims) => {
                    let rules = match &claims.key {
                        None => Some(&*self.rules),
                        // J5: a key that left its provider's set no longer verifies.
                        Some((i, key)) => self
                            .providers
                            .get(*i)
                            .filter(|p| p.still_holds(key))
                            .map(|p| &*p.rules),
                    };
                    if let Some(rules) = rules {
                        check_claims(rules, &claims, None, kind, now)?;
                        return Ok(Token { inner: claims });
                    }
                    None
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
            return Err(
                AuthError::Malformed("a token has exactly three dot-separated parts").into(),
            );
        };
        if header_b64.is_empty() || payload_b64.is_empty() {
            return Err(AuthError::Malformed("the token header or payload is empty").into());
        }
        let signing_input = &token[..header_b64.len() + 1 + payload_b64.len()];
        let claims = match self.route(header_b64, payload_b64)? {
            Route::Own(hit) => {
                let own = self.own.as_ref().ok_or(AuthError::WrongIssuer)?;
                // Our own headers (the same bytes for every token a key signs) need no
                // decoding; any other header is decoded and checked.
                let (header_kind, key) = match hit {
                    Some((kind, key)) => (Some(kind), key),
                    None => own.check_header(header_b64)?,
                };
                let mut buffer = [0u8; MAX_SIGNATURE_BYTES];
                let signature = decode_signature(signature_b64, &mut buffer)?;
                let verified = key
                    .verifier_for(own.alg)
                    .is_some_and(|v| v.verify(signature_b64, signature, signing_input.as_bytes()));
                if !verified {
                    return Err(AuthError::BadSignature.into());
                }
                // B7: claims are read only after the signature holds, in one pass (A4).
                let claims = decode_payload(payload_b64, |json| {
                    parse_claims::<C>(json, &self.rules.names, self.rules.prefix.as_deref(), token)
                })?;
                check_claims(&self.rules, &claims, header_kind, kind, now)?;
                claims
            }
            Route::Provider(i) => self.provider_claims(
                i,
                token,
                (header_b64, payload_b64, signature_b64),
                kind,
                now,
            )?,
        };
        let claims = Arc::new(claims);
        if let Some((cache, miss)) = pending {
            cache.insert(miss, claims.clone());
        }
        Ok(Token { inner: claims })
    }

    /// Chooses the configuration for a token: ours when its header is byte for byte one we
    /// write, or when no provider is configured; the provider when it is the only source of
    /// tokens (its `iss` is checked after the signature, and before any refresh a missing key
    /// would start); otherwise by its `iss`, read (unverified, for this choice only: B7) from
    /// the payload: the provider of that issuer, else ours if it is our issuer or we have
    /// keys, else the provider without issuer. An unknown `iss` never reaches a named
    /// provider's keys or network.
    fn route(&self, header_b64: &str, payload_b64: &str) -> Result<Route<'_>, AuthError> {
        if let Some(own) = &self.own {
            if let Some(hit) = own.recognise(header_b64) {
                return Ok(Route::Own(Some(hit)));
            }
            if self.providers.is_empty() {
                return Ok(Route::Own(None));
            }
        } else if self.providers.len() == 1 {
            return Ok(Route::Provider(0));
        }
        let found = peek_issuer(payload_b64, |iss| {
            let named = self
                .providers
                .iter()
                .position(|p| p.rules.issuer.is_some() && p.accepts_issuer(iss));
            let ours = self.own.is_some() && iss.is_some() && iss == self.rules.issuer.as_deref();
            (named, ours)
        })?;
        let unnamed = || self.providers.iter().position(|p| p.rules.issuer.is_none());
        // Without keys of our own, `Own` answers `wrong_issuer`.
        match found {
            (Some(i), _) => Ok(Route::Provider(i)),
            (None, true) => Ok(Route::Own(None)),
            (None, false) => Ok(unnamed().map_or(Route::Own(None), Route::Provider)),
        }
    }

    /// A provider's token: its header, its key by `kid` (J1, J2), the signature, then the
    /// claims in the provider's shape (RFC 9068) and every claim rule.
    fn provider_claims<C: PrivateClaims>(
        &self,
        i: usize,
        token: &str,
        (header_b64, payload_b64, signature_b64): (&str, &str, &str),
        kind: TokenKind,
        now: u64,
    ) -> Result<Claims<C>, Stop> {
        let provider = self.providers.get(i).ok_or(AuthError::WrongIssuer)?;
        let header_json = decode_header(header_b64)?;
        let header = parse_header(&header_json)?;
        // B1: an algorithm of the provider's configured set, named exactly.
        let alg = header
            .alg
            .as_deref()
            .and_then(|a| a.parse::<Algorithm>().ok())
            .filter(|a| provider.algorithms.contains(a))
            .ok_or(AuthError::WrongAlgorithm)?;
        let header_kind = check_extensions(&header)?;
        // sanic-jwt-extended names the token type in its header; only access tokens pass.
        if provider.shape == Shape::SanicJwtExtended && header.class.as_deref() != Some("access") {
            return Err(AuthError::WrongTokenType.into());
        }
        // C2: `jwk`, `jku`, `x5u`, `x5c` are never read; the key comes from the set only.
        let key = match provider.pick(header.kid.as_deref(), alg) {
            Ok(key) => key,
            // A refresh costs the provider a request: only for a token that names it. (A
            // fixed key set's refresh does nothing, and the retry answers the same.)
            Err(missing) => {
                if !peek_issuer(payload_b64, |iss| provider.accepts_issuer(iss))? {
                    return Err(AuthError::WrongIssuer.into());
                }
                return Err(Stop::Keys(i, missing));
            }
        };
        let mut buffer = [0u8; MAX_SIGNATURE_BYTES];
        let signature = decode_signature(signature_b64, &mut buffer)?;
        let verified = key.verifier_for(alg).is_some_and(|v| {
            v.verify(
                signature_b64,
                signature,
                &token.as_bytes()[..header_b64.len() + 1 + payload_b64.len()],
            )
        });
        if !verified {
            return Err(AuthError::BadSignature.into());
        }
        let rules = &*provider.rules;
        let mut claims = decode_payload(payload_b64, |json| {
            parse_shaped::<C>(
                json,
                provider.shape,
                &rules.names,
                rules.prefix.as_deref(),
                token,
            )
        })?;
        // A source's `jti` never names a login of ours, and its refresh tokens are its own
        // business: only access tokens are accepted from it.
        claims.foreign = true;
        if claims.kind != TokenKind::Access {
            return Err(AuthError::WrongTokenType.into());
        }
        // J6: an ID token is not an access token.
        let at_jwt = header_kind == Some(TokenKind::Access);
        let id_token_claims =
            claims.public.contains_key("nonce") || claims.public.contains_key("at_hash");
        if !at_jwt && (provider.require_at_jwt || id_token_claims) {
            return Err(AuthError::WrongTokenType.into());
        }
        if let Some(pointer) = &provider.roles_pointer {
            claims.roles = roles_at(&claims.public, pointer)
                .map_err(|()| AuthError::InvalidClaims(Cow::Owned(pointer.clone())))?;
        }
        check_claims(rules, &claims, header_kind, kind, now)?;
        claims.key = Some((i, key));
        Ok(claims)
    }
}

impl Stop {
    fn into_error(self) -> AuthError {
        match self {
            Stop::Error(e) => e,
            Stop::Keys(_, missing) => missing.error(),
        }
    }
}

/// B3/B4: the signature segment, decoded into `buffer` (on the stack); a segment longer than
/// the largest signature cannot verify.
fn decode_signature<'b>(
    signature_b64: &str,
    buffer: &'b mut [u8; MAX_SIGNATURE_BYTES],
) -> Result<&'b [u8], AuthError> {
    if signature_b64.is_empty() || signature_b64.len() > MAX_SIGNATURE_B64 {
        return Err(AuthError::BadSignature);
    }
    let len = URL_SAFE_NO_PAD
        .decode_slice(signature_b64, buffer)
        .map_err(|_| AuthError::BadSignature)?;
    Ok(&buffer[..len])
}

/// The `iss` of a payload, read to choose a provider (and nothing else).
#[derive(serde::Deserialize)]
struct IssuerOnly<'a> {
    #[serde(borrow, default)]
    iss: Option<Cow<'a, str>>,
}

/// The `iss` of a payload, unverified: only to choose a provider.
/// `with` sees it in place (no copy of the string).
fn peek_issuer<T>(payload_b64: &str, with: impl FnOnce(Option<&str>) -> T) -> Result<T, AuthError> {
    decode_payload(payload_b64, |json| {
        serde_json::from_slice::<IssuerOnly>(json)
            .map(|p| with(p.iss.as_deref()))
            .map_err(|_| ParseError::Malformed)
    })
}

/// Decodes the payload (on the stack when small) and hands its JSON to `parse`.
fn decode_payload<T>(
    payload_b64: &str,
    parse: impl FnOnce(&[u8]) -> Result<T, ParseError>,
) -> Result<T, AuthError> {
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
    parse(payload_json).map_err(|e| match e {
        ParseError::Malformed => {
            AuthError::Malformed("the token payload is not a valid JSON object of claims")
        }
        ParseError::Claim(name) => AuthError::InvalidClaims(name),
        ParseError::Private => AuthError::InvalidPrivateClaims,
    })
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

/// A2: strict base64url (no padding, no `+` `/`, canonical trailing bits).
fn decode_header(header_b64: &str) -> Result<Vec<u8>, AuthError> {
    URL_SAFE_NO_PAD
        .decode(header_b64)
        .map_err(|_| AuthError::Malformed("the token header is not base64url"))
}

/// A3, A4: a JSON object, duplicate members refused by serde's derive.
fn parse_header(json: &[u8]) -> Result<Header<'_>, AuthError> {
    serde_json::from_slice(json)
        .map_err(|_| AuthError::Malformed("the token header is not a JSON object"))
}

/// No `crit`, `zip` or nested token; returns the kind the `typ` names, if any.
fn check_extensions(header: &Header<'_>) -> Result<Option<TokenKind>, AuthError> {
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
        // Only `application/` is optional: another 12-byte prefix is part of the type.
        assert_eq!(media_subtype("example.com/jwt"), "example.com/jwt");
        assert_eq!(typ_kind("example.com/refresh+jwt"), None);
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

    /// A provider's token is kept too, and a hit is a hit while its key is in the set.
    #[test]
    fn a_provider_s_token_is_served_from_the_cache() {
        use jsonwebtoken::{EncodingKey, Header};
        let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/");
        let jwt = Jwt::builder()
            .identity_provider(
                crate::IdentityProvider::jwks_file(format!("{fixtures}jwks.json"))
                    .issuer("https://idp.test")
                    .audience("api"),
            )
            .token_cache(100)
            .build()
            .unwrap();
        let mut header = Header::new(jsonwebtoken::Algorithm::RS256);
        header.kid = Some("rsa-sig".into());
        let exp = jwt.inner.clock.now() + 300;
        let claims =
            serde_json::json!({"iss": "https://idp.test", "sub": "svc", "aud": "api", "exp": exp});
        let pem = std::fs::read(format!("{fixtures}rsa_private.pem")).unwrap();
        let key = EncodingKey::from_rsa_pem(&pem).unwrap();
        let t = jsonwebtoken::encode(&header, &claims, &key).unwrap();
        let first = jwt.verify_access::<()>(&t).unwrap();
        let again = jwt.verify_access::<()>(&t).unwrap();
        assert!(Arc::ptr_eq(&first.inner, &again.inner));
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

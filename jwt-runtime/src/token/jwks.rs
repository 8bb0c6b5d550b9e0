//! [`KeySet`]: the public keys of a JWKS document (RFC 7517), each usable only for what it
//! declares, chosen by `kid` and the token's algorithm.
//!
//! jsonwebtoken reads each JWK; this module decides which keys may verify which algorithm
//! (`SECURITY.md` J1, J2): the key type and curve must fit the algorithm, `use` must be `sig`
//! (or absent), `key_ops` must include `verify` (or be absent), the key's own `alg` (when
//! present) must equal the token's, and the algorithm must be one the service accepts.
//! Symmetric (`oct`) keys are never taken from a key set, RSA keys under 2048 bits are
//! skipped, and a key the document holds but this library cannot use is skipped, not fatal.

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::{
    AlgorithmParameters, EllipticCurve, Jwk, KeyAlgorithm, KeyOperations, PublicKeyUse,
};
use jsonwebtoken::{Algorithm, AlgorithmFamily, DecodingKey};
use serde::Deserialize;

use super::keys::{VerifyingKey, bits_of};

/// The most keys read from one document: real providers publish a handful.
const MAX_KEYS: usize = 100;

/// One public key of a set, pre-keyed for every accepted algorithm it may verify.
pub(crate) struct SetKey {
    kid: Option<String>,
    /// The key's bytes (PKCS#1 DER for RSA, the point for EC and OKP): a key whose `kid` and
    /// bytes are unchanged by a refresh stays the same `Arc`, so tokens it verified stay in
    /// the verified-token cache.
    material: Vec<u8>,
    verifiers: Vec<VerifyingKey>,
}

impl SetKey {
    /// The pre-keyed verifier of this key for `alg`, if the key may verify it.
    pub(crate) fn verifier_for(&self, alg: Algorithm) -> Option<&VerifyingKey> {
        self.verifiers.iter().find(|v| v.alg() == alg)
    }

    /// A configured key (ours, or a provider's secret): its id, if it has one, and its
    /// verifier. Such a set is never refreshed, so no material is kept for comparison.
    pub(crate) fn configured(kid: Option<String>, verifier: VerifyingKey) -> Self {
        Self {
            kid,
            material: Vec::new(),
            verifiers: vec![verifier],
        }
    }

    /// The key id, if the key has one.
    pub(crate) fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }
}

/// The usable keys of one JWKS document.
#[derive(Default)]
pub(crate) struct KeySet {
    keys: Vec<Arc<SetKey>>,
}

/// The key a token's header chose.
pub(crate) enum Pick<'a> {
    /// The one key that fits.
    Key(&'a Arc<SetKey>),
    /// No key has this `kid` for this algorithm (or, without a `kid`, no key fits it).
    Unknown,
    /// Several keys fit and the header does not say which: never try them all.
    Ambiguous,
}

/// Why a JWKS document was refused as a whole (the keys held before stay in use).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JwksError {
    /// Not a JSON object with a `keys` array.
    #[error("the JWKS document is not a JSON object with a `keys` array")]
    NotJwks,
    /// The document holds no key this service may use for its algorithms.
    #[error(
        "the JWKS document holds no usable signing key for the accepted algorithms ({skipped} keys skipped)"
    )]
    NoUsableKey {
        /// Keys present but unusable (wrong type, `use`, `key_ops`, `alg`, size).
        skipped: usize,
    },
}

#[derive(Deserialize)]
struct Document {
    keys: Vec<serde_json::Value>,
}

impl KeySet {
    /// A set of configured keys (their ids are unique: the builder checks).
    pub(crate) fn of(keys: Vec<Arc<SetKey>>) -> Self {
        Self { keys }
    }

    /// Reads `document`, keeping only the keys that may verify one of `accepted`. Keys that
    /// did not change since `previous` keep their identity.
    pub(crate) fn parse(
        document: &[u8],
        accepted: &[Algorithm],
        previous: Option<&KeySet>,
    ) -> Result<KeySet, JwksError> {
        let doc: Document = serde_json::from_slice(document).map_err(|_| JwksError::NotJwks)?;
        let mut keys = Vec::new();
        let mut skipped = 0;
        for value in doc.keys.into_iter().take(MAX_KEYS) {
            let key = serde_json::from_value::<Jwk>(value)
                .ok()
                .and_then(|jwk| usable(&jwk, accepted));
            let Some(key) = key else {
                skipped += 1;
                continue;
            };
            let same = previous.and_then(|p| {
                p.keys
                    .iter()
                    .find(|k| k.kid == key.kid && k.material == key.material)
            });
            keys.push(match same {
                Some(old) if old.verifiers.len() == key.verifiers.len() => old.clone(),
                _ => Arc::new(key),
            });
        }
        if keys.is_empty() {
            return Err(JwksError::NoUsableKey { skipped });
        }
        Ok(KeySet { keys })
    }

    /// The key for a token whose header names `kid` (or none) and `alg`. A `kid` is an exact
    /// key into this set, nothing else (C3); without one, exactly one key may fit.
    pub(crate) fn pick(&self, kid: Option<&str>, alg: Algorithm) -> Pick<'_> {
        let mut found = None;
        for key in &self.keys {
            if kid.is_some() && key.kid.as_deref() != kid {
                continue;
            }
            if key.verifier_for(alg).is_some() {
                if found.is_some() {
                    return Pick::Ambiguous;
                }
                found = Some(key);
            }
        }
        match found {
            Some(key) => Pick::Key(key),
            None => Pick::Unknown,
        }
    }

    /// Whether `key` (from an earlier verification) is still in this set.
    pub(crate) fn holds(&self, key: &Arc<SetKey>) -> bool {
        self.keys.iter().any(|k| Arc::ptr_eq(k, key))
    }

    /// The number of usable keys.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.keys.len()
    }
}

/// The key type and curve a JWK declares.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Rsa,
    P256,
    P384,
    Ed25519,
}

/// Whether a key of `kind` may verify `alg` (J2: `kty`/`crv` fit the algorithm).
fn fits(kind: Kind, alg: Algorithm) -> bool {
    match alg.family() {
        AlgorithmFamily::Rsa => kind == Kind::Rsa,
        AlgorithmFamily::Ec => matches!(
            (kind, alg),
            (Kind::P256, Algorithm::ES256) | (Kind::P384, Algorithm::ES384)
        ),
        AlgorithmFamily::Ed => kind == Kind::Ed25519,
        _ => false,
    }
}

fn b64(field: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(field).ok()
}

/// The key as this service may use it, or `None` when it may not verify any of `accepted`.
fn usable(jwk: &Jwk, accepted: &[Algorithm]) -> Option<SetKey> {
    let common = &jwk.common;
    if common
        .public_key_use
        .as_ref()
        .is_some_and(|u| *u != PublicKeyUse::Signature)
    {
        return None;
    }
    if common
        .key_operations
        .as_ref()
        .is_some_and(|ops| !ops.contains(&KeyOperations::Verify))
    {
        return None;
    }
    let (kind, material, decoding) = match &jwk.algorithm {
        AlgorithmParameters::RSA(rsa) => {
            let (n, e) = (b64(&rsa.n)?, b64(&rsa.e)?);
            if bits_of(&n) < 2048 {
                return None;
            }
            let der = rsa_public_key_der(&n, &e);
            let decoding = DecodingKey::from_rsa_der(&der);
            (Kind::Rsa, der, decoding)
        }
        AlgorithmParameters::EllipticCurve(ec) => {
            let (kind, len) = match ec.curve {
                EllipticCurve::P256 => (Kind::P256, 32),
                EllipticCurve::P384 => (Kind::P384, 48),
                _ => return None,
            };
            let (x, y) = (b64(&ec.x)?, b64(&ec.y)?);
            if x.len() != len || y.len() != len {
                return None;
            }
            let mut point = Vec::with_capacity(1 + 2 * len);
            point.push(0x04);
            point.extend_from_slice(&x);
            point.extend_from_slice(&y);
            let decoding = DecodingKey::from_ec_der(&point);
            (kind, point, decoding)
        }
        AlgorithmParameters::OctetKeyPair(okp) if okp.curve == EllipticCurve::Ed25519 => {
            let x = b64(&okp.x)?;
            if x.len() != 32 {
                return None;
            }
            let decoding = DecodingKey::from_ed_der(&x);
            (Kind::Ed25519, x, decoding)
        }
        // Symmetric keys never come from a key set; unknown key types are skipped.
        _ => return None,
    };
    let declared = match common.key_algorithm {
        None => None,
        Some(alg) => Some(declared_algorithm(alg)?),
    };
    let verifiers: Vec<VerifyingKey> = accepted
        .iter()
        .copied()
        .filter(|alg| fits(kind, *alg) && declared.is_none_or(|d| d == *alg))
        .filter_map(|alg| VerifyingKey::public(alg, decoding.clone()))
        .collect();
    if verifiers.is_empty() {
        return None;
    }
    Some(SetKey {
        kid: common.key_id.clone(),
        material,
        verifiers,
    })
}

/// The signature algorithm a JWK's `alg` names; encryption algorithms and unknown names are
/// none, so such a key is skipped.
fn declared_algorithm(alg: KeyAlgorithm) -> Option<Algorithm> {
    Some(match alg {
        KeyAlgorithm::RS256 => Algorithm::RS256,
        KeyAlgorithm::RS384 => Algorithm::RS384,
        KeyAlgorithm::RS512 => Algorithm::RS512,
        KeyAlgorithm::PS256 => Algorithm::PS256,
        KeyAlgorithm::PS384 => Algorithm::PS384,
        KeyAlgorithm::PS512 => Algorithm::PS512,
        KeyAlgorithm::ES256 => Algorithm::ES256,
        KeyAlgorithm::ES384 => Algorithm::ES384,
        KeyAlgorithm::EdDSA => Algorithm::EdDSA,
        _ => return None,
    })
}

/// A DER length.
fn der_length(len: usize, out: &mut Vec<u8>) {
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
}

/// A DER INTEGER holding the unsigned big-endian `value`.
fn der_uint(value: &[u8], out: &mut Vec<u8>) {
    let value = match value.iter().position(|b| *b != 0) {
        Some(i) => &value[i..],
        None => &[0],
    };
    let pad = value[0] & 0x80 != 0;
    out.push(0x02);
    der_length(value.len() + usize::from(pad), out);
    if pad {
        out.push(0);
    }
    out.extend_from_slice(value);
}

/// PKCS#1 `RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }`: the form
/// the backends parse once (jsonwebtoken's modulus-and-exponent keys are parsed per call).
fn rsa_public_key_der(n: &[u8], e: &[u8]) -> Vec<u8> {
    let mut body = Vec::with_capacity(n.len() + e.len() + 16);
    der_uint(n, &mut body);
    der_uint(e, &mut body);
    let mut out = Vec::with_capacity(body.len() + 4);
    out.push(0x30);
    der_length(body.len(), &mut out);
    out.extend_from_slice(&body);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::token::keys::rsa_modulus_bits;

    const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/");

    fn jwks() -> Vec<u8> {
        std::fs::read(format!("{FIXTURES}jwks.json")).unwrap()
    }

    #[test]
    fn rsa_der_round_trips_through_the_modulus_reader() {
        let n = [0x80u8; 256];
        let der = rsa_public_key_der(&n, &[1, 0, 1]);
        assert_eq!(rsa_modulus_bits(&der), Some(2048));
        let small = rsa_public_key_der(&[0, 0, 0x7f], &[3]);
        assert_eq!(small, [0x30, 0x06, 0x02, 0x01, 0x7f, 0x02, 0x01, 0x03]);
        for (len, encoded) in [
            (0x7f, &[0x7f][..]),
            (0x80, &[0x81, 0x80]),
            (0xff, &[0x81, 0xff]),
            (0x100, &[0x82, 0x01, 0x00]),
            (0x1234, &[0x82, 0x12, 0x34]),
        ] {
            let mut out = Vec::new();
            der_length(len, &mut out);
            assert_eq!(out, encoded, "{len:#x}");
        }
        // A leading zero is dropped, and one is added when the high bit is set.
        let mut out = Vec::new();
        der_uint(&[0, 0, 0x80, 1], &mut out);
        assert_eq!(out, [0x02, 0x03, 0x00, 0x80, 0x01]);
        let mut out = Vec::new();
        der_uint(&[0, 0], &mut out);
        assert_eq!(out, [0x02, 0x01, 0x00]);
    }

    /// A JWKS holding the fixture key `stem` once per declared algorithm.
    fn declaring(kty: serde_json::Value, algs: &[&str]) -> Vec<u8> {
        let keys: Vec<serde_json::Value> = algs
            .iter()
            .map(|alg| {
                let mut key = kty.clone();
                key["kid"] = (*alg).into();
                key["alg"] = (*alg).into();
                key
            })
            .collect();
        serde_json::json!({ "keys": keys }).to_string().into_bytes()
    }

    #[test]
    fn every_declared_algorithm_is_honoured() {
        let doc: serde_json::Value = serde_json::from_slice(&jwks()).unwrap();
        let by_kid = |kid: &str| {
            doc["keys"]
                .as_array()
                .unwrap()
                .iter()
                .find(|k| k["kid"] == kid)
                .unwrap()
                .clone()
        };
        let all = [
            Algorithm::RS256,
            Algorithm::RS384,
            Algorithm::RS512,
            Algorithm::PS256,
            Algorithm::PS384,
            Algorithm::PS512,
            Algorithm::ES256,
            Algorithm::ES384,
            Algorithm::EdDSA,
        ];
        for (kid, algs) in [
            (
                "rsa-any",
                &["RS256", "RS384", "RS512", "PS256", "PS384", "PS512"][..],
            ),
            ("ec-p256", &["ES256"]),
            ("ec-p384", &["ES384"]),
            ("ed", &["EdDSA"]),
        ] {
            let set = KeySet::parse(&declaring(by_kid(kid), algs), &all, None).unwrap();
            assert_eq!(set.len(), algs.len(), "{kid}");
            for declared in algs {
                for alg in all {
                    let name = crate::token::keys::alg_name(alg).unwrap();
                    let found = matches!(set.pick(Some(declared), alg), Pick::Key(_));
                    assert_eq!(
                        found,
                        name == *declared,
                        "{kid} declaring {declared}, {name}"
                    );
                }
            }
        }
        // An EC key of one curve never verifies the other curve's algorithm, undeclared.
        let p384 = format!(r#"{{"keys":[{}]}}"#, by_kid("ec-p384"));
        let set = KeySet::parse(p384.as_bytes(), &all, None).unwrap();
        assert!(matches!(set.pick(None, Algorithm::ES384), Pick::Key(_)));
        assert!(matches!(set.pick(None, Algorithm::ES256), Pick::Unknown));
        // An EC key whose coordinates have the other curve's length is skipped.
        let mut wrong = by_kid("ec-p384");
        wrong["crv"] = "P-256".into();
        let doc = format!(r#"{{"keys":[{wrong}]}}"#);
        assert!(KeySet::parse(doc.as_bytes(), &all, None).is_err());
        // One coordinate of the wrong length is enough to skip the key.
        for coordinate in ["x", "y"] {
            let mut short = by_kid("ec-p256");
            let other = if coordinate == "x" { "y" } else { "x" };
            let half = short[other].as_str().unwrap()[..20].to_owned(); // 15 bytes
            short[coordinate] = half.into();
            let doc = format!(r#"{{"keys":[{short}]}}"#);
            assert!(
                KeySet::parse(doc.as_bytes(), &all, None).is_err(),
                "{coordinate}"
            );
        }
        // An OKP key is Ed25519 only when its curve says so, whatever the length of `x`.
        let mut okp_p256 = by_kid("ed");
        okp_p256["crv"] = "P-256".into();
        let doc = format!(r#"{{"keys":[{okp_p256}]}}"#);
        assert!(KeySet::parse(doc.as_bytes(), &all, None).is_err());
        // Ed25519 under the EC key type is not an OKP key.
        let mut ec_ed = by_kid("ed");
        ec_ed["kty"] = "EC".into();
        ec_ed["y"] = ec_ed["x"].clone();
        let doc = format!(r#"{{"keys":[{ec_ed}]}}"#);
        assert!(KeySet::parse(doc.as_bytes(), &all, None).is_err());
    }

    #[test]
    fn a_refresh_that_changes_a_key_or_its_algorithms_replaces_it() {
        let first = KeySet::parse(&jwks(), &[Algorithm::RS256], None).unwrap();
        let Pick::Key(old) = first.pick(Some("rsa-any"), Algorithm::RS256) else {
            panic!("rsa-any")
        };
        // Same kid and bytes, but now also PS256: a new key (new verifiers).
        let wider =
            KeySet::parse(&jwks(), &[Algorithm::RS256, Algorithm::PS256], Some(&first)).unwrap();
        assert!(!wider.holds(old));
        // Same kid, other bytes: a new key.
        let doc: serde_json::Value = serde_json::from_slice(&jwks()).unwrap();
        let mut swapped = doc.clone();
        swapped["keys"][1]["n"] = doc["keys"][0]["n"].clone();
        let swapped = KeySet::parse(
            swapped.to_string().as_bytes(),
            &[Algorithm::RS256],
            Some(&first),
        )
        .unwrap();
        assert!(!swapped.holds(old));
        // Other kid, same bytes: a new key.
        let mut renamed = doc.clone();
        renamed["keys"][1]["kid"] = "renamed".into();
        let renamed = KeySet::parse(
            renamed.to_string().as_bytes(),
            &[Algorithm::RS256],
            Some(&first),
        )
        .unwrap();
        assert!(!renamed.holds(old));
    }

    #[test]
    fn keys_are_used_only_for_what_they_declare() {
        let all = [
            Algorithm::RS256,
            Algorithm::PS256,
            Algorithm::ES256,
            Algorithm::ES384,
            Algorithm::EdDSA,
        ];
        let set = KeySet::parse(&jwks(), &all, None).unwrap();
        let found = |kid, alg| matches!(set.pick(Some(kid), alg), Pick::Key(..));
        // rsa-sig declares RS256: not PS256.
        assert!(found("rsa-sig", Algorithm::RS256));
        assert!(!found("rsa-sig", Algorithm::PS256));
        // rsa-any declares nothing: any accepted RSA algorithm.
        assert!(found("rsa-any", Algorithm::RS256) && found("rsa-any", Algorithm::PS256));
        assert!(!found("rsa-any", Algorithm::ES256));
        assert!(found("ec-p256", Algorithm::ES256) && !found("ec-p256", Algorithm::ES384));
        assert!(found("ed", Algorithm::EdDSA));
        // use: enc, key_ops without verify, an oct key, a 1024-bit RSA key, an encryption
        // alg: never usable.
        for kid in ["rsa-enc", "rsa-sign-only", "oct", "rsa-1024", "rsa-oaep"] {
            for alg in all {
                assert!(!found(kid, alg), "{kid} {alg:?}");
            }
        }
        // Without a kid: ambiguous between the two RS256 keys, unique for EdDSA.
        assert!(matches!(set.pick(None, Algorithm::RS256), Pick::Ambiguous));
        assert!(matches!(set.pick(None, Algorithm::EdDSA), Pick::Key(..)));
        assert!(matches!(
            set.pick(Some("nope"), Algorithm::RS256),
            Pick::Unknown
        ));
        // Only accepted algorithms are pre-keyed.
        let rs_only = KeySet::parse(&jwks(), &[Algorithm::RS256], None).unwrap();
        assert!(matches!(
            rs_only.pick(Some("ec-p256"), Algorithm::ES256),
            Pick::Unknown
        ));
        assert_eq!(rs_only.len(), 2);
    }

    #[test]
    fn jwks_keys_are_parsed_once_on_the_default_backend() {
        let all = [Algorithm::RS256, Algorithm::ES256, Algorithm::EdDSA];
        let set = KeySet::parse(&jwks(), &all, None).unwrap();
        for (kid, alg) in [
            ("rsa-sig", Algorithm::RS256),
            ("ec-p256", Algorithm::ES256),
            ("ed", Algorithm::EdDSA),
        ] {
            let Pick::Key(key) = set.pick(Some(kid), alg) else {
                panic!("{kid}")
            };
            let verifier = key.verifier_for(alg).unwrap();
            assert_eq!(verifier.is_prekeyed(), cfg!(feature = "aws-lc-rs"), "{kid}");
        }
    }

    #[test]
    fn unchanged_keys_keep_their_identity_across_a_refresh() {
        let algs = [Algorithm::RS256];
        let first = KeySet::parse(&jwks(), &algs, None).unwrap();
        let second = KeySet::parse(&jwks(), &algs, Some(&first)).unwrap();
        let Pick::Key(a) = first.pick(Some("rsa-sig"), Algorithm::RS256) else {
            panic!("rsa-sig")
        };
        assert!(second.holds(a));
        let fresh = KeySet::parse(&jwks(), &algs, None).unwrap();
        assert!(!fresh.holds(a));
    }

    #[test]
    fn bad_documents() {
        let algs = [Algorithm::RS256];
        for doc in [&b"[]"[..], b"{}", b"{\"keys\":{}}", b"nope", b""] {
            assert_eq!(
                KeySet::parse(doc, &algs, None).err(),
                Some(JwksError::NotJwks)
            );
        }
        assert_eq!(
            KeySet::parse(br#"{"keys":[{"kty":"oct","k":"AAAA"},7]}"#, &algs, None).err(),
            Some(JwksError::NoUsableKey { skipped: 2 })
        );
    }
}

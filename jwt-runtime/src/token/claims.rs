//! Registered claims, the [`PrivateClaims`] trait, and the one-pass parse of a payload into
//! typed claims.

use std::borrow::Cow;
use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::ConfigError;

pub(crate) use axum_jwt_guard_grammar::{CSRF_CLAIM, LIBRARY_CLAIMS};

/// Whether a token is an access token or a refresh token (the `type` claim).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenKind {
    /// An access token: accepted by guarded routes.
    Access,
    /// A refresh token: accepted only where a new access token is minted.
    Refresh,
}

impl TokenKind {
    /// The value of the type claim: `"access"` or `"refresh"`.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenKind::Access => "access",
            TokenKind::Refresh => "refresh",
        }
    }

    /// The JOSE `typ` header written for this kind (RFC 9068 `at+jwt` for access tokens).
    pub(crate) fn typ(self) -> &'static str {
        match self {
            TokenKind::Access => "at+jwt",
            TokenKind::Refresh => "refresh+jwt",
        }
    }
}

impl fmt::Display for TokenKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whose tokens a parse reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    /// Ours: the type claim and `jti` are required, scopes are a JSON array, the role is one
    /// string, `fresh` and `csrf` are library claims.
    Own,
    /// An identity provider's access tokens (RFC 9068): no type claim (every token is an
    /// access token), `jti` optional, scopes in the `scope` string or the `scp` array or
    /// string, roles at a JSON pointer (read after the parse, from the public claims).
    Provider,
    /// sanic-jwt's tokens: no type claim, `jti` optional, the scopes claim a list whose
    /// `null` items are skipped.
    SanicJwt,
    /// sanic-jwt-extended's: the type in the JOSE header (checked by the verifier), `jti`
    /// optional, `role` and `fresh` as ours.
    SanicJwtExtended,
}

impl Shape {
    /// Whether `fresh` and the role claim are library claims of this shape.
    fn has_role_and_fresh(self) -> bool {
        matches!(self, Shape::Own | Shape::SanicJwtExtended)
    }
}

/// The names of the claims whose name is configurable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimNames {
    /// The identity claim (default `sub`; sanic-jwt writes `user_id`).
    pub identity: String,
    /// The scopes claim (default `scopes`), a JSON array of strings.
    pub scopes: String,
    /// The role claim (default `role`).
    pub role: String,
    /// The token type claim (default `type`): `"access"` or `"refresh"`.
    pub token_type: String,
}

impl Default for ClaimNames {
    fn default() -> Self {
        let d = axum_jwt_guard_grammar::DEFAULT_CLAIM_NAMES;
        Self {
            identity: d.identity.to_owned(),
            scopes: d.scopes.to_owned(),
            role: d.role.to_owned(),
            token_type: d.token_type.to_owned(),
        }
    }
}

impl ClaimNames {
    /// Whether `key` is a claim the library writes or reads itself.
    pub(crate) fn is_reserved(&self, key: &str) -> bool {
        LIBRARY_CLAIMS.contains(&key) || key == CSRF_CLAIM || self.all().contains(&key)
    }

    fn all(&self) -> [&str; 4] {
        [&self.identity, &self.scopes, &self.role, &self.token_type]
    }

    /// Checks the names: none empty, none a library claim, all four different.
    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        for (setting, name) in [
            ("identity_claim", &self.identity),
            ("scopes_claim", &self.scopes),
            ("role_claim", &self.role),
            ("token_type_claim", &self.token_type),
        ] {
            if name.is_empty() {
                return Err(ConfigError::invalid(setting, "must not be empty"));
            }
            if LIBRARY_CLAIMS.contains(&name.as_str()) || name == CSRF_CLAIM {
                return Err(ConfigError::invalid(
                    setting,
                    format!("`{name}` is a registered claim"),
                ));
            }
        }
        let mut all = self.all();
        all.sort_unstable();
        if all.windows(2).any(|w| w[0] == w[1]) {
            return Err(ConfigError::invalid(
                "claim names",
                "identity, scopes, role and type claims must differ",
            ));
        }
        Ok(())
    }
}

/// A struct of application claims written into the token under the configured prefix
/// (`{prefix}_{field}`) and read back typed with
/// [`Token::private_claims`](crate::Token::private_claims).
///
/// The claims are read in the same single pass over the payload as the registered claims:
/// for every claim whose key carries the prefix, [`read_field`](PrivateClaims::read_field) is
/// handed the field name and a deserializer positioned on its value. `#[derive(PrivateClaims)]`
/// writes this implementation; by hand it looks like this:
///
/// ```
/// use axum_jwt_guard_runtime::{PrivateClaims, ClaimWriter, ClaimsError};
/// use serde::Deserialize;
///
/// struct Profile { user_id: u64 }
///
/// impl PrivateClaims for Profile {
///     type Partial = Option<u64>;
///     const FIELDS: &'static [&'static str] = &["user_id"];
///
///     fn read_field<'de, D: serde::Deserializer<'de>>(
///         partial: &mut Self::Partial,
///         field: &str,
///         value: D,
///     ) -> Result<bool, D::Error> {
///         match field {
///             "user_id" if partial.is_some() => Err(serde::de::Error::duplicate_field("user_id")),
///             "user_id" => { *partial = Some(u64::deserialize(value)?); Ok(true) }
///             _ => Ok(false),
///         }
///     }
///
///     fn finish(partial: Self::Partial) -> Result<Self, ClaimsError> {
///         Ok(Profile { user_id: partial.ok_or(ClaimsError::missing("user_id"))? })
///     }
///
///     fn write(&self, out: &mut ClaimWriter<'_>) -> Result<(), ClaimsError> {
///         out.field("user_id", &self.user_id)
///     }
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be used as the private claims of a token",
    label = "`{Self}` does not implement `PrivateClaims`",
    note = "add `#[derive(axum_jwt_guard::PrivateClaims)]` to the struct, or use `Token` (no private claims)"
)]
pub trait PrivateClaims: Sized + Send + Sync + 'static {
    /// The claims read so far, filled in one field at a time.
    type Partial: Default;
    /// The field names (without prefix) this type reads and writes.
    const FIELDS: &'static [&'static str];

    /// Reads one field from `value`. Returns `Ok(false)` when `field` is not one of this
    /// type's fields (the claim is then kept as a public claim), and an error when the value
    /// has the wrong type or the field was already read.
    fn read_field<'de, D: Deserializer<'de>>(
        partial: &mut Self::Partial,
        field: &str,
        value: D,
    ) -> Result<bool, D::Error>;

    /// Completes the claims once the whole payload was read (missing fields are an error
    /// unless optional).
    fn finish(partial: Self::Partial) -> Result<Self, ClaimsError>;

    /// Writes every field into `out` (which adds the prefix).
    fn write(&self, out: &mut ClaimWriter<'_>) -> Result<(), ClaimsError>;
}

/// No private claims: every non-registered claim is a public claim.
impl PrivateClaims for () {
    type Partial = ();
    const FIELDS: &'static [&'static str] = &[];

    fn read_field<'de, D: Deserializer<'de>>(_: &mut (), _: &str, _: D) -> Result<bool, D::Error> {
        Ok(false)
    }

    fn finish(_: ()) -> Result<(), ClaimsError> {
        Ok(())
    }

    fn write(&self, _: &mut ClaimWriter<'_>) -> Result<(), ClaimsError> {
        Ok(())
    }
}

/// Where [`PrivateClaims::write`] puts its fields: adds the configured prefix and refuses keys
/// that collide with a registered, library or already written claim.
pub struct ClaimWriter<'a> {
    prefix: Option<&'a str>,
    names: &'a ClaimNames,
    out: &'a mut Map<String, Value>,
}

impl<'a> ClaimWriter<'a> {
    pub(crate) fn new(
        prefix: Option<&'a str>,
        names: &'a ClaimNames,
        out: &'a mut Map<String, Value>,
    ) -> Self {
        Self { prefix, names, out }
    }

    /// Writes one field as `{prefix}_{name}` (or `name` without prefix).
    pub fn field<T: Serialize + ?Sized>(
        &mut self,
        name: &str,
        value: &T,
    ) -> Result<(), ClaimsError> {
        let key = match self.prefix {
            Some(prefix) => format!("{prefix}_{name}"),
            None => name.to_owned(),
        };
        if self.names.is_reserved(&key) {
            return Err(ClaimsError::Reserved(key));
        }
        let value = serde_json::to_value(value)
            .map_err(|_| ClaimsError::NotSerializable(name.to_owned()))?;
        if self.out.contains_key(&key) {
            return Err(ClaimsError::Duplicate(key));
        }
        self.out.insert(key, value);
        Ok(())
    }
}

/// An error in the application's claims, at creation or when they are read back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ClaimsError {
    /// A required private claim is missing from the token.
    #[error("private claim `{0}` is missing")]
    Missing(Cow<'static, str>),
    /// The key is a registered or library claim (`exp`, `sub`, `type`, ...).
    #[error("claim `{0}` collides with a registered or library claim")]
    Reserved(String),
    /// The same key was written twice.
    #[error("claim `{0}` is written twice")]
    Duplicate(String),
    /// The value could not be serialized to JSON.
    #[error("claim `{0}` cannot be serialized to JSON")]
    NotSerializable(String),
}

impl ClaimsError {
    /// A missing required field.
    pub fn missing(field: &'static str) -> Self {
        ClaimsError::Missing(Cow::Borrowed(field))
    }
}

/// A NumericDate (RFC 7519 §2): any non-negative JSON number, floored to whole seconds and
/// saturated at `u64::MAX`. Strings, booleans, `null` and negative numbers are refused.
pub(crate) struct NumericDate(pub(crate) u64);

impl<'de> Deserialize<'de> for NumericDate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = NumericDate;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a non-negative number of seconds")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<NumericDate, E> {
                Ok(NumericDate(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<NumericDate, E> {
                u64::try_from(v)
                    .map(NumericDate)
                    .map_err(|_| E::custom("negative NumericDate"))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<NumericDate, E> {
                if v.is_finite() && v >= 0.0 {
                    // `as` saturates: 1e300 becomes u64::MAX.
                    Ok(NumericDate(v.floor() as u64))
                } else {
                    Err(E::custom("invalid NumericDate"))
                }
            }
        }
        d.deserialize_any(V)
    }
}

/// `aud`: a string or a non-empty array of strings.
pub(crate) struct Audience(pub(crate) Vec<String>);

impl<'de> Deserialize<'de> for Audience {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Audience;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string or a non-empty array of strings")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Audience, E> {
                Ok(Audience(vec![v.to_owned()]))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Audience, A::Error> {
                let mut all = Vec::new();
                while let Some(s) = seq.next_element::<String>()? {
                    all.push(s);
                }
                if all.is_empty() {
                    return Err(de::Error::custom("empty aud"));
                }
                Ok(Audience(all))
            }
        }
        d.deserialize_any(V)
    }
}

/// A provider's scopes: the space-separated `scope` string of RFC 9068 / RFC 6749 §3.3, or an
/// array of strings (`scp` of Okta; Entra writes `scp` as a string). Split on spaces only,
/// never searched as a substring; empty elements of a doubled space are dropped.
pub(crate) struct ScopeList(pub(crate) Vec<String>);

impl<'de> Deserialize<'de> for ScopeList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ScopeList;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a space-separated string or an array of strings")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<ScopeList, E> {
                Ok(ScopeList(
                    v.split(' ')
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned)
                        .collect(),
                ))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<ScopeList, A::Error> {
                let mut all = Vec::new();
                while let Some(s) = seq.next_element::<String>()? {
                    all.push(s);
                }
                Ok(ScopeList(all))
            }
        }
        d.deserialize_any(V)
    }
}

/// The scopes of a sanic-jwt token: a list of strings, whose `null` items sanic-jwt skips.
/// Any other value (a string, an object, a list holding numbers) makes sanic-jwt's scope
/// check fail with a 500 while its other routes accept the token: here it grants no scope,
/// so scoped routes answer 403 and the others accept it, as there (G2: never 200).
fn sanic_scopes(value: Value) -> Vec<String> {
    let Value::Array(items) = value else {
        return Vec::new();
    };
    let mut scopes = Vec::with_capacity(items.len());
    for item in items {
        match item {
            Value::String(s) => scopes.push(s),
            Value::Null => {}
            _ => return Vec::new(),
        }
    }
    scopes
}

/// The identity claim: a string; for claim names other than `sub`, an integer too (sanic-jwt
/// writes `user_id` as a number), kept as its decimal text.
struct IdentitySeed {
    allow_integer: bool,
}

impl<'de> DeserializeSeed<'de> for IdentitySeed {
    type Value = Text<'de>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Text<'de>, D::Error> {
        d.deserialize_any(TextVisitor {
            integers: self.allow_integer,
        })
    }
}

/// A byte range of [`Claims::text`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Span {
    start: usize,
    end: usize,
}

/// Every claim of a verified token, read in one pass. No `Debug`: the buffer holds the token.
pub(crate) struct Claims<C> {
    /// The token as it was sent, then the identity, `jti`, `iss`, role and `csrf`: one
    /// allocation for all of them, which the spans below point into.
    text: Box<str>,
    raw: Span,
    identity: Span,
    jti: Span,
    iss: Option<Span>,
    role: Option<Span>,
    csrf: Option<Span>,
    /// A provider's token (not one of ours): its `jti` names no login of ours.
    pub(crate) foreign: bool,
    /// The roles of a provider's token, read at the configured JSON pointer (ours have
    /// one role, in `role`).
    pub(crate) roles: Vec<String>,
    /// The provider and key that verified a provider's token, so that a cached token is
    /// refused once its key leaves the provider's set.
    pub(crate) key: Option<(usize, std::sync::Arc<super::jwks::SetKey>)>,
    pub(crate) kind: TokenKind,
    pub(crate) exp: u64,
    pub(crate) iat: Option<u64>,
    pub(crate) nbf: Option<u64>,
    pub(crate) aud: Vec<String>,
    pub(crate) scopes: Vec<String>,
    pub(crate) fresh: bool,
    pub(crate) public: Map<String, Value>,
    pub(crate) private: C,
}

impl<C> Claims<C> {
    fn text(&self, span: Span) -> &str {
        // Spans are made by `State::finish` at `str` boundaries; `get` keeps this panic-free.
        self.text.get(span.start..span.end).unwrap_or_default()
    }

    /// The token string these claims were read from.
    pub(crate) fn raw(&self) -> &str {
        self.text(self.raw)
    }

    pub(crate) fn identity(&self) -> &str {
        self.text(self.identity)
    }

    pub(crate) fn jti(&self) -> &str {
        self.text(self.jti)
    }

    pub(crate) fn iss(&self) -> Option<&str> {
        self.iss.map(|s| self.text(s))
    }

    pub(crate) fn role(&self) -> Option<&str> {
        match self.role {
            Some(s) => Some(self.text(s)),
            None => self.roles.first().map(String::as_str),
        }
    }

    /// Every role: the one `role` of our tokens, the list of a provider's.
    pub(crate) fn roles(&self) -> impl Iterator<Item = &str> {
        self.role
            .map(|s| self.text(s))
            .into_iter()
            .chain(self.roles.iter().map(String::as_str))
    }

    pub(crate) fn csrf(&self) -> Option<&str> {
        self.csrf.map(|s| self.text(s))
    }
}

impl<C: Send + Sync + 'static> super::cache::Verified for Claims<C> {
    fn token(&self) -> &str {
        self.raw()
    }
}

/// The roles at the JSON pointer `pointer` (RFC 6901, e.g. `/realm_access/roles`) of a
/// provider's claims: a list of strings, or one string. Absent is no role; any other shape
/// is an error (the caller names the pointer).
pub(crate) fn roles_at(public: &Map<String, Value>, pointer: &str) -> Result<Vec<String>, ()> {
    let rest = pointer.strip_prefix('/').ok_or(())?;
    let (first, inner) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let first = first.replace("~1", "/").replace("~0", "~");
    let value = match public.get(&first) {
        None => return Ok(Vec::new()),
        Some(top) if inner.is_empty() => top,
        Some(top) => match top.pointer(inner) {
            Some(v) => v,
            None => return Ok(Vec::new()),
        },
    };
    match value {
        Value::String(role) => Ok(vec![role.clone()]),
        Value::Array(items) => items
            .iter()
            .map(|v| v.as_str().map(str::to_owned).ok_or(()))
            .collect(),
        _ => Err(()),
    }
}

/// Why a payload did not parse into [`Claims`].
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ParseError {
    /// Not a JSON object, duplicate member, trailing data, ...
    Malformed,
    /// The named claim is missing or of the wrong type.
    Claim(Cow<'static, str>),
    /// Private claims missing or of the wrong type.
    Private,
}

/// Parses the payload JSON of the token `raw` into typed claims: one pass, no intermediate
/// `Value` for the registered and private claims.
pub(crate) fn parse_claims<C: PrivateClaims>(
    json: &[u8],
    names: &ClaimNames,
    prefix: Option<&str>,
    raw: &str,
) -> Result<Claims<C>, ParseError> {
    parse_shaped(json, Shape::Own, names, prefix, raw)
}

/// [`parse_claims`] for tokens of either [`Shape`].
pub(crate) fn parse_shaped<C: PrivateClaims>(
    json: &[u8],
    shape: Shape,
    names: &ClaimNames,
    prefix: Option<&str>,
    raw: &str,
) -> Result<Claims<C>, ParseError> {
    // One UTF-8 check of the whole payload (a fast ASCII pass) instead of one per string.
    let Ok(json) = std::str::from_utf8(json) else {
        return Err(ParseError::Malformed);
    };
    let mut state = State::<C>::default();
    let mut failure = None;
    let seed = ClaimsSeed {
        names,
        shape,
        prefix,
        state: &mut state,
        failure: &mut failure,
    };
    let mut de = serde_json::Deserializer::from_str(json);
    let parsed = seed.deserialize(&mut de).and_then(|()| de.end());
    if let Err(e) = parsed {
        // Broken JSON is malformed wherever it breaks; a well-formed value of the wrong type
        // names its claim.
        return Err(match e.classify() {
            serde_json::error::Category::Data => failure.unwrap_or(ParseError::Malformed),
            _ => ParseError::Malformed,
        });
    }
    match shape {
        Shape::Own => state.finish(names, raw),
        Shape::Provider | Shape::SanicJwt | Shape::SanicJwtExtended => {
            // No type claim: these shapes are read for access tokens only.
            let mut state = state;
            state.kind = Some(TokenKind::Access);
            // F3: a token without `jti` is known to the revocation store by the digest of
            // its payload as decoded (a re-encoded token has the same payload).
            if state.jti.is_none() {
                let digest = super::keys::sha256(json.as_bytes());
                state.jti = Some(Cow::Owned(format!("#{}", URL_SAFE_NO_PAD.encode(digest))));
            }
            state.finish(names, raw)
        }
    }
}

/// The claims read so far; strings borrow from the payload unless they held escapes.
struct State<'de, C: PrivateClaims> {
    identity: Option<Cow<'de, str>>,
    kind: Option<TokenKind>,
    exp: Option<u64>,
    iat: Option<u64>,
    nbf: Option<u64>,
    jti: Option<Cow<'de, str>>,
    iss: Option<Cow<'de, str>>,
    aud: Option<Vec<String>>,
    role: Option<Cow<'de, str>>,
    scopes: Option<Vec<String>>,
    fresh: Option<bool>,
    csrf: Option<Cow<'de, str>>,
    public: Map<String, Value>,
    private: C::Partial,
}

impl<C: PrivateClaims> Default for State<'_, C> {
    fn default() -> Self {
        Self {
            identity: None,
            kind: None,
            exp: None,
            iat: None,
            nbf: None,
            jti: None,
            iss: None,
            aud: None,
            role: None,
            scopes: None,
            fresh: None,
            csrf: None,
            public: Map::new(),
            private: C::Partial::default(),
        }
    }
}

impl<C: PrivateClaims> State<'_, C> {
    fn finish(self, names: &ClaimNames, raw: &str) -> Result<Claims<C>, ParseError> {
        let claim = |n: &str| ParseError::Claim(Cow::Owned(n.to_owned()));
        let identity = self.identity.ok_or_else(|| claim(&names.identity))?;
        let kind = self.kind.ok_or_else(|| claim(&names.token_type))?;
        let exp = self.exp.ok_or(ParseError::Claim(Cow::Borrowed("exp")))?;
        let jti = self.jti.ok_or(ParseError::Claim(Cow::Borrowed("jti")))?;
        let private = C::finish(self.private).map_err(|_| ParseError::Private)?;
        let optional = [&self.iss, &self.role, &self.csrf];
        let len = raw.len()
            + identity.len()
            + jti.len()
            + optional
                .iter()
                .map(|s| s.as_ref().map_or(0, |s| s.len()))
                .sum::<usize>();
        let mut text = String::with_capacity(len);
        let mut push = |s: &str| {
            let start = text.len();
            text.push_str(s);
            Span {
                start,
                end: text.len(),
            }
        };
        let raw = push(raw);
        let identity = push(&identity);
        let jti = push(&jti);
        let iss = self.iss.as_deref().map(&mut push);
        let role = self.role.as_deref().map(&mut push);
        let csrf = self.csrf.as_deref().map(&mut push);
        Ok(Claims {
            text: text.into_boxed_str(),
            raw,
            identity,
            jti,
            iss,
            role,
            csrf,
            foreign: false,
            roles: Vec::new(),
            key: None,
            kind,
            exp,
            iat: self.iat,
            nbf: self.nbf,
            aud: self.aud.unwrap_or_default(),
            scopes: self.scopes.unwrap_or_default(),
            fresh: self.fresh.unwrap_or(false),
            public: self.public,
            private,
        })
    }
}

struct ClaimsSeed<'a, 'de, C: PrivateClaims> {
    names: &'a ClaimNames,
    shape: Shape,
    prefix: Option<&'a str>,
    state: &'a mut State<'de, C>,
    failure: &'a mut Option<ParseError>,
}

impl<'de, C: PrivateClaims> DeserializeSeed<'de> for ClaimsSeed<'_, 'de, C> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

/// A JSON string borrowed from the payload when it holds no escapes (the usual case), owned
/// when it does. serde's own `Cow<str>` always allocates, which cost one allocation per claim.
struct Text<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for Text<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(TextVisitor { integers: false })
    }
}

/// Reads a [`Text`]; with `integers`, an integer too, as its decimal text.
struct TextVisitor {
    integers: bool,
}

impl<'de> Visitor<'de> for TextVisitor {
    type Value = Text<'de>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.integers {
            "a string or an integer"
        } else {
            "a string"
        })
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Text<'de>, E> {
        Ok(Text(Cow::Borrowed(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Text<'de>, E> {
        Ok(Text(Cow::Owned(v.to_owned())))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Text<'de>, E> {
        if self.integers {
            Ok(Text(Cow::Owned(v.to_string())))
        } else {
            Err(E::invalid_type(de::Unexpected::Unsigned(v), &self))
        }
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Text<'de>, E> {
        if self.integers {
            Ok(Text(Cow::Owned(v.to_string())))
        } else {
            Err(E::invalid_type(de::Unexpected::Signed(v), &self))
        }
    }
}

/// Sets a slot once; a second occurrence of a claim is a malformed payload (RFC 7519 §4:
/// we reject duplicates rather than pick one).
fn set_once<T, E: de::Error>(slot: &mut Option<T>, value: T) -> Result<(), E> {
    if slot.is_some() {
        return Err(E::custom("duplicate claim"));
    }
    *slot = Some(value);
    Ok(())
}

impl<'de, C: PrivateClaims> Visitor<'de> for ClaimsSeed<'_, 'de, C> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object of claims")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let st = self.state;
        let names = self.names;
        let shape = self.shape;
        let own = shape == Shape::Own;
        let role_and_fresh = shape.has_role_and_fresh();
        while let Some(key) = map.next_key::<Text<'de>>()? {
            let key: &str = &key.0;
            // Records which claim failed, so the error names it.
            macro_rules! typed {
                ($slot:expr, $ty:ty, $name:expr) => {
                    typed!($slot, $ty, $name, |v| v)
                };
                ($slot:expr, $ty:ty, $name:expr, $map:expr) => {{
                    let v = map.next_value::<$ty>().inspect_err(|_| {
                        *self.failure = Some(ParseError::Claim(Cow::Owned($name.to_owned())));
                    })?;
                    set_once(&mut $slot, $map(v))?;
                }};
            }
            match key {
                "exp" => typed!(st.exp, NumericDate, "exp", |v: NumericDate| v.0),
                "iat" => typed!(st.iat, NumericDate, "iat", |v: NumericDate| v.0),
                "nbf" => typed!(st.nbf, NumericDate, "nbf", |v: NumericDate| v.0),
                "jti" => typed!(st.jti, Text<'de>, "jti", |v: Text<'de>| v.0),
                "iss" => typed!(st.iss, Text<'de>, "iss", |v: Text<'de>| v.0),
                "aud" => typed!(st.aud, Audience, "aud", |v: Audience| v.0),
                "fresh" if role_and_fresh => typed!(st.fresh, bool, "fresh"),
                CSRF_CLAIM if own => typed!(st.csrf, Text<'de>, CSRF_CLAIM, |v: Text<'de>| v.0),
                "scope" | "scp" if shape == Shape::Provider => {
                    typed!(st.scopes, ScopeList, key, |v: ScopeList| v.0)
                }
                k if shape == Shape::SanicJwt && k == names.scopes => {
                    typed!(st.scopes, Value, names.scopes, sanic_scopes)
                }
                k if k == names.identity => {
                    let seed = IdentitySeed {
                        allow_integer: names.identity != "sub",
                    };
                    let v = map.next_value_seed(seed).inspect_err(|_| {
                        *self.failure = Some(ParseError::Claim(Cow::Owned(names.identity.clone())));
                    })?;
                    set_once(&mut st.identity, v.0)?;
                }
                k if own && k == names.token_type => {
                    let v = map
                        .next_value::<Text<'de>>()
                        .ok()
                        .and_then(|t| match &*t.0 {
                            "access" => Some(TokenKind::Access),
                            "refresh" => Some(TokenKind::Refresh),
                            _ => None,
                        });
                    match v {
                        Some(kind) => set_once(&mut st.kind, kind)?,
                        None => {
                            *self.failure =
                                Some(ParseError::Claim(Cow::Owned(names.token_type.clone())));
                            return Err(de::Error::custom("bad token type"));
                        }
                    }
                }
                k if role_and_fresh && k == names.role => {
                    typed!(st.role, Text<'de>, names.role, |v: Text<'de>| v.0)
                }
                k if own && k == names.scopes => typed!(st.scopes, Vec<String>, names.scopes),
                k => {
                    let field = match self.prefix {
                        Some(p) => k.strip_prefix(p).and_then(|rest| rest.strip_prefix('_')),
                        None => Some(k),
                    };
                    let mut taken = false;
                    if let Some(field) = field.filter(|f| C::FIELDS.contains(f)) {
                        let seed = PrivateSeed::<C> {
                            partial: &mut st.private,
                            field,
                        };
                        taken = map.next_value_seed(seed).inspect_err(|_| {
                            *self.failure = Some(ParseError::Private);
                        })?;
                    }
                    if !taken {
                        let v: Value = map.next_value()?;
                        if st.public.insert(k.to_owned(), v).is_some() {
                            return Err(de::Error::custom("duplicate claim"));
                        }
                    }
                }
            }
        }
        Ok(())
    }
}

struct PrivateSeed<'a, C: PrivateClaims> {
    partial: &'a mut C::Partial,
    field: &'a str,
}

impl<'de, C: PrivateClaims> DeserializeSeed<'de> for PrivateSeed<'_, C> {
    type Value = bool;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        C::read_field(self.partial, self.field, d)
    }
}

/// Header parameters the verifier looks at; everything else is ignored (RFC 7515 §4).
#[derive(Deserialize)]
pub(crate) struct Header<'a> {
    #[serde(borrow)]
    pub(crate) alg: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub(crate) typ: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub(crate) cty: Option<Cow<'a, str>>,
    /// Used only as an exact key into a configured key set (C3).
    #[serde(borrow, default)]
    pub(crate) kid: Option<Cow<'a, str>>,
    /// sanic-jwt-extended's token type (`access`, `refresh`), read for its profile only.
    #[serde(borrow, default)]
    pub(crate) class: Option<Cow<'a, str>>,
    /// Present at all, `null` included: no JWS extension is implemented (C1).
    #[serde(default, deserialize_with = "present")]
    pub(crate) crit: bool,
    /// Present at all, `null` included: compression is JWE-only (C5).
    #[serde(default, deserialize_with = "present")]
    pub(crate) zip: bool,
}

/// A header parameter that counts by being there, whatever its value: `Option<_>` would read
/// `"crit": null` as absent.
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    IgnoredAny::deserialize(d).map(|_| true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Result<Claims<()>, ParseError> {
        parse_claims::<()>(json.as_bytes(), &ClaimNames::default(), None, "h.p.s")
    }

    const BASE: &str = r#""sub":"alice","type":"access","jti":"j","exp":10"#;

    #[test]
    fn reads_registered_claims() {
        let c = parse(&format!(
            r#"{{{BASE},"iat":5,"nbf":6.7,"iss":"me","aud":["a","b"],"role":"ADMIN","scopes":["x"],"fresh":true,"other":1}}"#
        ))
        .unwrap();
        assert_eq!(c.identity(), "alice");
        assert_eq!(c.kind, TokenKind::Access);
        assert_eq!((c.exp, c.iat, c.nbf), (10, Some(5), Some(6)));
        assert_eq!(c.aud, ["a", "b"]);
        assert!(c.fresh);
        assert_eq!(c.public.get("other"), Some(&Value::from(1)));
    }

    #[test]
    fn wrong_types_name_the_claim() {
        for (extra, claim) in [
            (r#""exp":"10""#, "exp"),
            (r#""nbf":null"#, "nbf"),
            (r#""iat":-1"#, "iat"),
            (r#""iss":["me"]"#, "iss"),
            (r#""aud":[]"#, "aud"),
            (r#""aud":3"#, "aud"),
            (r#""scopes":"admin""#, "scopes"),
            (r#""scopes":[["admin"]]"#, "scopes"),
            (r#""fresh":"yes""#, "fresh"),
        ] {
            let json = format!(r#"{{"sub":"alice","type":"access","jti":"j",{extra}}}"#);
            let err = parse(&json).err();
            assert_eq!(err, Some(ParseError::Claim(claim.into())), "{json}");
        }
    }

    #[test]
    fn missing_and_bad_type_claims() {
        assert_eq!(
            parse(r#"{"sub":"a","type":"access","jti":"j"}"#).err(),
            Some(ParseError::Claim("exp".into()))
        );
        for t in [r#""Access""#, r#""access ""#, r#"["access"]"#, "null"] {
            let json = format!(r#"{{"sub":"a","type":{t},"jti":"j","exp":1}}"#);
            assert_eq!(
                parse(&json).err(),
                Some(ParseError::Claim("type".into())),
                "{json}"
            );
        }
        assert_eq!(
            parse(r#"{"sub":7,"type":"access","jti":"j","exp":1}"#).err(),
            Some(ParseError::Claim("sub".into()))
        );
    }

    #[test]
    fn duplicates_and_non_objects_are_malformed() {
        assert_eq!(
            parse(&format!(r#"{{{BASE},"exp":11}}"#)).err(),
            Some(ParseError::Malformed)
        );
        assert_eq!(
            parse(&format!(r#"{{{BASE},"x":1,"x":2}}"#)).err(),
            Some(ParseError::Malformed)
        );
        for bad in ["[]", "null", "\"s\"", "{} x", &format!("{{{BASE}}} {{}}")] {
            assert_eq!(parse(bad).err(), Some(ParseError::Malformed), "{bad}");
        }
    }

    #[test]
    fn string_claims_share_one_buffer_with_the_raw_token() {
        let c = parse(
            r#"{"sub":"alice","type":"access","jti":"f.u","exp":1,"iss":"me","role":"ADMIN","csrf":"c\u0073rf"}"#,
        )
        .unwrap();
        assert_eq!(c.raw(), "h.p.s");
        assert_eq!((c.identity(), c.jti()), ("alice", "f.u"));
        assert_eq!(
            (c.iss(), c.role(), c.csrf()),
            (Some("me"), Some("ADMIN"), Some("csrf"))
        );
        let c = parse(r#"{"sub":"","type":"access","jti":"j","exp":1}"#).unwrap();
        assert_eq!(
            (c.identity(), c.iss(), c.role(), c.csrf()),
            ("", None, None, None)
        );
    }

    #[test]
    fn escaped_keys_and_values_are_read_like_plain_ones() {
        // Keys are borrowed from the payload when they hold no escape; escaped ones still work.
        let c = parse(r#"{"\u0073ub":"al\u0069ce","typ\u0065":"acc\u0065ss","jti":"j","exp":10}"#)
            .unwrap();
        assert_eq!(c.identity(), "alice");
        assert_eq!(c.kind, TokenKind::Access);
        assert_eq!(
            parse(r#"{"sub":"a","\u0074ype":"access","jti":"j","exp":1,"e\u0078p":2}"#).err(),
            Some(ParseError::Malformed)
        );
    }

    #[test]
    fn huge_numbers_saturate() {
        let c = parse(r#"{"sub":"a","type":"access","jti":"j","exp":1e300}"#).unwrap();
        assert_eq!(c.exp, u64::MAX);
        let c = parse(r#"{"sub":"a","type":"access","jti":"j","exp":18446744073709551616}"#);
        // serde_json reads integers beyond u64 as f64.
        assert_eq!(c.unwrap().exp, u64::MAX);
    }

    fn provider(json: &str) -> Result<Claims<()>, ParseError> {
        parse_shaped::<()>(
            json.as_bytes(),
            Shape::Provider,
            &ClaimNames::default(),
            None,
            "h.p.s",
        )
    }

    #[test]
    fn provider_tokens_need_no_type_or_jti_and_read_scope_strings() {
        let c = provider(r#"{"sub":"svc","exp":10,"scope":"orders:read  user:read","type":"x","role":"r","fresh":true}"#)
            .unwrap();
        assert_eq!(c.kind, TokenKind::Access);
        assert_eq!(c.scopes, ["orders:read", "user:read"]);
        assert!(!c.fresh && c.role().is_none());
        // The library claims of our tokens are public claims of a provider's.
        assert!(
            ["type", "role", "fresh"]
                .iter()
                .all(|k| c.public.contains_key(*k))
        );
        // No jti: the digest of the payload as decoded, the same for a re-encoded token.
        assert!(c.jti().starts_with('#') && c.jti().len() == 44);
        let again = provider(r#"{"sub":"svc","exp":10,"scope":"orders:read  user:read","type":"x","role":"r","fresh":true}"#).unwrap();
        assert_eq!(c.jti(), again.jti());
        let other = provider(r#"{"sub":"svc","exp":11}"#).unwrap();
        assert_ne!(c.jti(), other.jti());
        assert_eq!(
            provider(r#"{"sub":"s","exp":1,"jti":"a.b.c"}"#)
                .unwrap()
                .jti(),
            "a.b.c"
        );
        assert_eq!(
            provider(r#"{"sub":"s","exp":1,"scp":["a","b c"]}"#)
                .unwrap()
                .scopes,
            ["a", "b c"]
        );
        for bad in [
            r#"{"sub":"s","exp":1,"scope":7}"#,
            r#"{"sub":"s","exp":1,"scp":[["a"]]}"#,
        ] {
            assert!(matches!(provider(bad), Err(ParseError::Claim(_))), "{bad}");
        }
        assert_eq!(
            provider(r#"{"sub":"s","exp":1,"scope":"a","scp":["b"]}"#).err(),
            Some(ParseError::Malformed)
        );
        assert_eq!(
            provider(r#"{"exp":1}"#).err(),
            Some(ParseError::Claim("sub".into()))
        );
    }

    #[test]
    fn roles_at_a_json_pointer() {
        let c = provider(
            r#"{"sub":"s","exp":1,"realm_access":{"roles":["staff","x"]},"groups":"admins","a/b":{"c":[1]},"resource_access":{"my-client":{"roles":["r"]}}}"#,
        )
        .unwrap();
        let at = |p| roles_at(&c.public, p);
        assert_eq!(
            at("/realm_access/roles"),
            Ok(vec!["staff".into(), "x".into()])
        );
        assert_eq!(at("/resource_access/my-client/roles"), Ok(vec!["r".into()]));
        assert_eq!(at("/groups"), Ok(vec!["admins".into()]));
        assert_eq!(at("/missing/roles"), Ok(vec![]));
        assert_eq!(at("/realm_access/missing"), Ok(vec![]));
        assert_eq!(at("/realm_access"), Err(()));
        assert_eq!(at("/a~1b/c"), Err(()));
        assert_eq!(at("realm_access"), Err(()));
    }

    #[test]
    fn integer_identity_for_foreign_claim_names() {
        let names = ClaimNames {
            identity: "user_id".into(),
            ..ClaimNames::default()
        };
        let c = parse_claims::<()>(
            br#"{"user_id":42,"type":"access","jti":"j","exp":1}"#,
            &names,
            None,
            "h.p.s",
        )
        .unwrap();
        assert_eq!(c.identity(), "42");
    }
}

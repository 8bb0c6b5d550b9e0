//! Cookie transport with signed double-submit CSRF (flask-jwt-extended's names): HttpOnly
//! token cookies, readable CSRF cookies whose value is also the token's `csrf` claim, and the
//! check of the `X-CSRF-TOKEN` header on unsafe methods.

use std::time::Duration;

use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, HeaderValue, Method};
use cookie::Cookie;
use subtle::ConstantTimeEq;

use crate::error::{AuthError, ConfigError};
use crate::token::issue::{Lifetimes, TokenPair};

/// `SameSite` of the cookies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SameSite {
    /// Sent on same-site requests only.
    Strict,
    /// Sent on same-site requests and top-level navigations (default).
    Lax,
    /// Sent everywhere; needs `Secure`.
    None,
}

/// Cookie names and attributes, the CSRF header and the methods it protects. The defaults
/// are flask-jwt-extended's names, `Path=/`, `Secure`, `SameSite=Lax`, and a `Max-Age` equal
/// to the token lifetime.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CookieConfig {
    /// Access token cookie (HttpOnly), default `access_token_cookie`.
    pub access_cookie: String,
    /// Refresh token cookie (HttpOnly), default `refresh_token_cookie`.
    pub refresh_cookie: String,
    /// CSRF value of the access token (readable by scripts), default `csrf_access_token`.
    pub csrf_access_cookie: String,
    /// CSRF value of the refresh token, default `csrf_refresh_token`.
    pub csrf_refresh_cookie: String,
    /// `Path` of the access cookies, default `/`.
    pub access_path: String,
    /// `Path` of the refresh cookies, default `/`.
    pub refresh_path: String,
    /// `Domain`, default none (host-only).
    pub domain: Option<String>,
    /// `Secure`, default true. Browsers accept Secure cookies from `http://localhost`.
    pub secure: bool,
    /// `SameSite`, default `Lax`.
    pub same_site: SameSite,
    /// `Max-Age`; `None` (default) uses each token's lifetime.
    pub max_age: Option<Duration>,
    /// The header that must echo the CSRF value, default `X-CSRF-TOKEN`.
    pub csrf_header: String,
    /// The methods that need it, default POST, PUT, PATCH, DELETE.
    pub csrf_methods: Vec<Method>,
    /// Whether cookie-borne tokens need the CSRF header at all (default true).
    pub csrf_protect: bool,
}

impl Default for CookieConfig {
    fn default() -> Self {
        Self {
            access_cookie: "access_token_cookie".into(),
            refresh_cookie: "refresh_token_cookie".into(),
            csrf_access_cookie: "csrf_access_token".into(),
            csrf_refresh_cookie: "csrf_refresh_token".into(),
            access_path: "/".into(),
            refresh_path: "/".into(),
            domain: None,
            secure: true,
            same_site: SameSite::Lax,
            max_age: None,
            csrf_header: "x-csrf-token".into(),
            csrf_methods: vec![Method::POST, Method::PUT, Method::PATCH, Method::DELETE],
            csrf_protect: true,
        }
    }
}

/// The value of cookie `name` in the request, if any. Two cookies of that name, in one
/// `Cookie` header or several, are refused (cookie tossing: never pick one silently). Other
/// cookies may hold any bytes (`pref=café`): they are skipped, not a reason to miss this one.
pub(crate) fn find_cookie<'a>(
    headers: &'a HeaderMap,
    name: &str,
) -> Result<Option<&'a str>, AuthError> {
    let mut found: Option<&[u8]> = None;
    for value in headers.get_all(axum::http::header::COOKIE) {
        for pair in value.as_bytes().split(|&b| b == b';') {
            let pair = pair.trim_ascii();
            let (k, v) = match pair.iter().position(|&b| b == b'=') {
                Some(i) => (&pair[..i], &pair[i + 1..]),
                None => (pair, &b""[..]),
            };
            if k != name.as_bytes() {
                continue;
            }
            if found.is_some() {
                return Err(AuthError::InvalidRequest(
                    "the request carries the token cookie more than once",
                ));
            }
            found = Some(v.trim_ascii());
        }
    }
    let Some(value) = found else {
        return Ok(None);
    };
    let value = value
        .strip_prefix(b"\"")
        .and_then(|v| v.strip_suffix(b"\""))
        .unwrap_or(value);
    match std::str::from_utf8(value) {
        Ok("") => Ok(None),
        Ok(value) if value.is_ascii() => Ok(Some(value)),
        _ => Err(AuthError::Malformed(
            "the token cookie holds characters a token cannot contain",
        )),
    }
}

impl CookieConfig {
    /// Checks the names, the CSRF header and the `SameSite`/`Secure` pair.
    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        for (setting, name) in [
            ("cookie_config.access_cookie", &self.access_cookie),
            ("cookie_config.refresh_cookie", &self.refresh_cookie),
            ("cookie_config.csrf_access_cookie", &self.csrf_access_cookie),
            (
                "cookie_config.csrf_refresh_cookie",
                &self.csrf_refresh_cookie,
            ),
        ] {
            if name.is_empty()
                || !name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
            {
                return Err(ConfigError::invalid(
                    setting,
                    "a cookie name of letters, digits, `-`, `_`, `.`",
                ));
            }
        }
        if axum::http::HeaderName::try_from(self.csrf_header.as_str()).is_err() {
            return Err(ConfigError::invalid(
                "cookie_config.csrf_header",
                "not a valid header name",
            ));
        }
        if self.same_site == SameSite::None && !self.secure {
            return Err(ConfigError::invalid(
                "cookie_config.same_site",
                "SameSite=None needs Secure",
            ));
        }
        Ok(())
    }

    /// Compares the CSRF header with the token's `csrf` claim in constant time, on the
    /// methods that need it.
    pub(crate) fn check_csrf(
        &self,
        method: &Method,
        headers: &HeaderMap,
        claim: Option<&str>,
    ) -> Result<(), AuthError> {
        if !self.csrf_protect || !self.csrf_methods.contains(method) {
            return Ok(());
        }
        let Some(sent) = headers.get(self.csrf_header.as_str()) else {
            return Err(AuthError::CsrfMissing);
        };
        let Some(expected) = claim else {
            // A token minted without a CSRF value cannot be used from a cookie on unsafe
            // methods.
            return Err(AuthError::CsrfMismatch);
        };
        if bool::from(sent.as_bytes().ct_eq(expected.as_bytes())) {
            Ok(())
        } else {
            Err(AuthError::CsrfMismatch)
        }
    }

    fn cookie<'c>(
        &self,
        name: &'c str,
        value: String,
        path: &'c str,
        http_only: bool,
        max_age: Duration,
    ) -> Cookie<'c> {
        let mut builder = Cookie::build((name, value))
            .path(path)
            .http_only(http_only)
            .secure(self.secure)
            .same_site(match self.same_site {
                SameSite::Strict => cookie::SameSite::Strict,
                SameSite::Lax => cookie::SameSite::Lax,
                SameSite::None => cookie::SameSite::None,
            })
            .max_age(cookie::time::Duration::seconds(
                i64::try_from(self.max_age.unwrap_or(max_age).as_secs()).unwrap_or(i64::MAX),
            ));
        if let Some(domain) = &self.domain {
            builder = builder.domain(domain.clone());
        }
        builder.build()
    }

    fn append(headers: &mut HeaderMap, cookie: &Cookie<'_>) {
        // Cookie renders names and values we produced (base64url and configured names).
        if let Ok(value) = HeaderValue::from_str(&cookie.to_string()) {
            headers.append(SET_COOKIE, value);
        }
    }

    /// Adds the `Set-Cookie` headers of a login or refresh: HttpOnly token cookies and
    /// readable CSRF cookies, each living as long as its token.
    pub(crate) fn set_cookies(
        &self,
        headers: &mut HeaderMap,
        tokens: &TokenPair,
        lifetimes: &Lifetimes,
    ) {
        let (access_ttl, refresh_ttl) = (lifetimes.access, lifetimes.refresh);
        let access = tokens.access_token.clone();
        let mut cookies = vec![self.cookie(
            &self.access_cookie,
            access,
            &self.access_path,
            true,
            access_ttl,
        )];
        if let Some(csrf) = &tokens.csrf_access {
            cookies.push(self.cookie(
                &self.csrf_access_cookie,
                csrf.clone(),
                &self.access_path,
                false,
                access_ttl,
            ));
        }
        if let Some(refresh) = &tokens.refresh_token {
            cookies.push(self.cookie(
                &self.refresh_cookie,
                refresh.clone(),
                &self.refresh_path,
                true,
                refresh_ttl,
            ));
            if let Some(csrf) = &tokens.csrf_refresh {
                cookies.push(self.cookie(
                    &self.csrf_refresh_cookie,
                    csrf.clone(),
                    &self.refresh_path,
                    false,
                    refresh_ttl,
                ));
            }
        }
        for cookie in &cookies {
            Self::append(headers, cookie);
        }
    }

    /// Adds `Set-Cookie` headers that delete the four cookies (logout).
    pub(crate) fn unset_cookies(&self, headers: &mut HeaderMap) {
        for (name, path, http_only) in [
            (&self.access_cookie, &self.access_path, true),
            (&self.csrf_access_cookie, &self.access_path, false),
            (&self.refresh_cookie, &self.refresh_path, true),
            (&self.csrf_refresh_cookie, &self.refresh_path, false),
        ] {
            Self::append(
                headers,
                &self.cookie(name, String::new(), path, http_only, Duration::ZERO),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(
                axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        h
    }

    #[test]
    fn other_cookies_may_hold_any_bytes() {
        let mut h = HeaderMap::new();
        h.append(
            "cookie",
            HeaderValue::from_bytes("pref=café; access_token_cookie=x.y.z".as_bytes()).unwrap(),
        );
        assert_eq!(find_cookie(&h, "access_token_cookie"), Ok(Some("x.y.z")));
        // A duplicate in another header is still seen.
        h.append(
            "cookie",
            HeaderValue::from_bytes(b"\xc3\xa9=\xff; access_token_cookie=a.b.c").unwrap(),
        );
        assert!(matches!(
            find_cookie(&h, "access_token_cookie"),
            Err(AuthError::InvalidRequest(_))
        ));
        let mut h = HeaderMap::new();
        h.append(
            "cookie",
            HeaderValue::from_bytes(b"access_token_cookie=caf\xc3\xa9").unwrap(),
        );
        assert!(matches!(
            find_cookie(&h, "access_token_cookie"),
            Err(AuthError::Malformed(_))
        ));
    }

    #[test]
    fn cookies_are_found_once() {
        let h = headers(&[("cookie", "a=1; access_token_cookie=x.y.z; b=2")]);
        assert_eq!(find_cookie(&h, "access_token_cookie"), Ok(Some("x.y.z")));
        assert_eq!(find_cookie(&h, "missing"), Ok(None));
        let h = headers(&[("cookie", "t=1"), ("cookie", "t=2")]);
        assert!(find_cookie(&h, "t").is_err());
    }

    #[test]
    fn csrf_rules() {
        let c = CookieConfig::default();
        let none = HeaderMap::new();
        assert_eq!(c.check_csrf(&Method::GET, &none, Some("v")), Ok(()));
        assert_eq!(
            c.check_csrf(&Method::POST, &none, Some("v")),
            Err(AuthError::CsrfMissing)
        );
        let wrong = headers(&[("x-csrf-token", "w")]);
        assert_eq!(
            c.check_csrf(&Method::DELETE, &wrong, Some("v")),
            Err(AuthError::CsrfMismatch)
        );
        let right = headers(&[("X-CSRF-TOKEN", "v")]);
        assert_eq!(c.check_csrf(&Method::PUT, &right, Some("v")), Ok(()));
        assert_eq!(
            c.check_csrf(&Method::PATCH, &right, None),
            Err(AuthError::CsrfMismatch)
        );
    }
}

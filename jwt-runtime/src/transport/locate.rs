//! Where a request carries its token: the `Authorization` header, a cookie, or a query
//! parameter.

use axum::http::HeaderName;
use axum::http::request::Parts;

use crate::error::{AuthError, ConfigError};

/// A place a token may be found. The configured list is searched in order and the first
/// place holding a token is used; a bad token there is not retried elsewhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TokenLocation {
    /// `Authorization: Bearer <token>` (name and scheme configurable).
    Header,
    /// `?access_token=<token>` (RFC 6750 §2.3). Off by default: query strings end up in
    /// logs, browser history and `Referer` headers.
    Query,
    /// The access token cookie (see [`CookieConfig`](crate::CookieConfig)); unsafe methods
    /// then need the CSRF header.
    Cookie,
}

/// The parsed token-location configuration.
#[derive(Debug, Clone)]
pub(crate) struct Locations {
    order: Vec<TokenLocation>,
    header: HeaderName,
    scheme: String,
    query: String,
    cookie: String,
    looked_in: String,
}

/// A token found in a request, and where.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Located<'a> {
    pub(crate) token: &'a str,
    pub(crate) location: TokenLocation,
}

impl Locations {
    pub(crate) fn new(
        order: &[TokenLocation],
        header: &str,
        scheme: &str,
        query: &str,
        cookie: &str,
    ) -> Result<Self, ConfigError> {
        let invalid = |setting, reason: &str| ConfigError::Invalid {
            setting,
            reason: reason.to_owned(),
        };
        if order.is_empty() {
            return Err(invalid(
                "token_locations",
                "at least one location is needed",
            ));
        }
        let mut seen = Vec::new();
        for l in order {
            if seen.contains(l) {
                return Err(invalid("token_locations", "a location is listed twice"));
            }
            seen.push(*l);
        }
        if scheme.contains(|c: char| !c.is_ascii_graphic()) {
            return Err(invalid(
                "header_scheme",
                "must be a single token without spaces",
            ));
        }
        if query.is_empty() || query.contains(['&', '=', '#', ' ']) {
            return Err(invalid("query_param", "must be a plain parameter name"));
        }
        let header = header_name(header)?;
        let looked_in = order
            .iter()
            .map(|l| match l {
                TokenLocation::Header => format!("the {} header", header.as_str()),
                TokenLocation::Query => format!("the `{query}` query parameter"),
                TokenLocation::Cookie => format!("the `{cookie}` cookie"),
            })
            .collect::<Vec<_>>()
            .join(", then ");
        Ok(Self {
            order: order.to_vec(),
            header,
            scheme: scheme.to_owned(),
            query: query.to_owned(),
            cookie: cookie.to_owned(),
            looked_in,
        })
    }

    /// Whether tokens may travel in cookies (they then carry a CSRF value).
    pub(crate) fn uses_cookies(&self) -> bool {
        self.order.contains(&TokenLocation::Cookie)
    }

    /// A human description of where tokens are looked for, for `missing_token` messages.
    pub(crate) fn looked_in(&self) -> &str {
        &self.looked_in
    }

    /// Finds the request's token. `Ok(None)`: no token anywhere. RFC 6750 §2 allows one
    /// method per request, so a header token together with a query token, two headers or two
    /// query parameters are `invalid_request`.
    pub(crate) fn locate<'a>(&self, parts: &'a Parts) -> Result<Option<Located<'a>>, AuthError> {
        let mut header = None;
        let mut query = None;
        let mut cookie = None;
        for location in &self.order {
            match location {
                TokenLocation::Header => header = self.in_header(parts)?,
                TokenLocation::Query => query = self.in_query(parts)?,
                TokenLocation::Cookie => {
                    cookie = super::cookies::find_cookie(&parts.headers, &self.cookie)?
                }
            }
        }
        if header.is_some() && query.is_some() {
            return Err(AuthError::InvalidRequest(
                "the request carries a token in more than one place (header and query); send exactly one",
            ));
        }
        Ok(self.order.iter().find_map(|location| {
            let token = match location {
                TokenLocation::Header => header,
                TokenLocation::Query => query,
                TokenLocation::Cookie => cookie,
            }?;
            Some(Located {
                token,
                location: *location,
            })
        }))
    }

    /// The token of the configured header (`Authorization: Bearer <token>` by default), with
    /// the one-token rule: the only bearer parser of the crate.
    pub(crate) fn in_header<'a>(&self, parts: &'a Parts) -> Result<Option<&'a str>, AuthError> {
        let mut values = parts.headers.get_all(&self.header).iter();
        let Some(value) = values.next() else {
            return Ok(None);
        };
        if values.next().is_some() {
            return Err(AuthError::InvalidRequest(
                "the request has more than one authorization header; send exactly one",
            ));
        }
        // Bytes outside visible ASCII (and tab) cannot be a compact JWS. Checked in one
        // branch-free pass the compiler vectorises: `HeaderValue::to_str` tests a byte at a time.
        let bytes = value.as_bytes();
        let visible = bytes.iter().fold(true, |ok, &b| {
            ok & (matches!(b, 0x20..=0x7e) | (b == b'\t'))
        });
        let (true, Ok(value)) = (visible, std::str::from_utf8(bytes)) else {
            return Err(AuthError::Malformed(
                "the authorization header holds characters a token cannot contain",
            ));
        };
        if self.scheme.is_empty() {
            return if value.is_empty() {
                Ok(None)
            } else {
                Ok(Some(value))
            };
        }
        let (scheme, rest) = value.split_once(' ').unwrap_or((value, ""));
        if !scheme.eq_ignore_ascii_case(&self.scheme) {
            // Another scheme (`Basic ...`) is no bearer token at all.
            return Ok(None);
        }
        let token = rest.trim_start_matches(' ');
        if token.is_empty() {
            return Err(AuthError::Malformed(
                "the bearer scheme is not followed by a token",
            ));
        }
        let separators = token.as_bytes().iter().fold(0u8, |found, &b| {
            found | u8::from(b == b' ') | u8::from(b == b'\t') | u8::from(b == b',')
        });
        if separators != 0 {
            return Err(AuthError::Malformed(
                "the authorization header must hold exactly one token after the scheme",
            ));
        }
        Ok(Some(token))
    }

    fn in_query<'a>(&self, parts: &'a Parts) -> Result<Option<&'a str>, AuthError> {
        let Some(query) = parts.uri.query() else {
            return Ok(None);
        };
        let mut found = None;
        for pair in query.split('&') {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            if key != self.query {
                continue;
            }
            if found.is_some() {
                return Err(AuthError::InvalidRequest(
                    "the token query parameter appears more than once; send exactly one",
                ));
            }
            found = Some(value);
        }
        match found {
            Some("") => Err(AuthError::Malformed("the token query parameter is empty")),
            other => Ok(other),
        }
    }
}

/// Parses a header name for the configuration.
pub(crate) fn header_name(name: &str) -> Result<HeaderName, ConfigError> {
    HeaderName::try_from(name).map_err(|_| {
        ConfigError::invalid(
            "header_name",
            format!("{name:?} is not a valid header name"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Request;

    fn parts(uri: &str, headers: &[(&str, &[u8])]) -> Parts {
        let mut b = Request::builder().uri(uri);
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        b.body(()).unwrap().into_parts().0
    }

    fn header_only() -> Locations {
        Locations::new(
            &[TokenLocation::Header],
            "authorization",
            "Bearer",
            "access_token",
            "c",
        )
        .unwrap()
    }

    fn both() -> Locations {
        Locations::new(
            &[TokenLocation::Header, TokenLocation::Query],
            "authorization",
            "Bearer",
            "access_token",
            "c",
        )
        .unwrap()
    }

    #[test]
    fn bearer_scheme_is_case_insensitive() {
        for v in [
            "Bearer a.b.c",
            "bearer a.b.c",
            "BEARER a.b.c",
            "Bearer  a.b.c",
        ] {
            let p = parts("/", &[("authorization", v.as_bytes())]);
            let got = header_only().locate(&p).unwrap().map(|l| l.token);
            assert_eq!(got, Some("a.b.c"), "{v}");
        }
    }

    #[test]
    fn other_schemes_are_no_token_and_junk_is_malformed() {
        for v in ["Basic dXNlcjpwYXNz", "a.b.c", "Token a.b.c"] {
            let p = parts("/", &[("authorization", v.as_bytes())]);
            assert_eq!(header_only().locate(&p), Ok(None), "{v}");
        }
        for v in [
            "Bearer",
            "Bearer ",
            "Bearer a.b.c extra",
            "Bearer a.b.c,d.e.f",
        ] {
            let p = parts("/", &[("authorization", v.as_bytes())]);
            assert!(
                matches!(header_only().locate(&p), Err(AuthError::Malformed(_))),
                "{v}"
            );
        }
        let p = parts("/", &[("authorization", b"Bearer \xff\xfe")]);
        assert!(matches!(
            header_only().locate(&p),
            Err(AuthError::Malformed(_))
        ));
    }

    #[test]
    fn one_token_per_request() {
        let p = parts(
            "/",
            &[
                ("authorization", b"Bearer a.b.c"),
                ("authorization", b"Bearer d.e.f"),
            ],
        );
        assert!(matches!(
            header_only().locate(&p),
            Err(AuthError::InvalidRequest(_))
        ));
        let p = parts(
            "/?access_token=a.b.c",
            &[("authorization", b"Bearer a.b.c")],
        );
        assert!(matches!(
            both().locate(&p),
            Err(AuthError::InvalidRequest(_))
        ));
        let p = parts("/?access_token=a.b.c&access_token=d.e.f", &[]);
        assert!(matches!(
            both().locate(&p),
            Err(AuthError::InvalidRequest(_))
        ));
        // With the query location off, the parameter is only a parameter.
        let p = parts(
            "/?access_token=x.y.z",
            &[("authorization", b"Bearer a.b.c")],
        );
        assert_eq!(
            header_only().locate(&p).unwrap().map(|l| l.token),
            Some("a.b.c")
        );
    }

    #[test]
    fn query_tokens_when_enabled() {
        let p = parts("/path?x=1&access_token=a.b.c", &[]);
        let got = both().locate(&p).unwrap();
        assert_eq!(
            got,
            Some(Located {
                token: "a.b.c",
                location: TokenLocation::Query
            })
        );
        assert_eq!(header_only().locate(&p), Ok(None));
        assert_eq!(header_only().looked_in(), "the authorization header");
        assert_eq!(
            both().looked_in(),
            "the authorization header, then the `access_token` query parameter"
        );
    }

    #[test]
    fn custom_header_without_scheme() {
        let l = Locations::new(
            &[TokenLocation::Header],
            "x-auth-token",
            "",
            "access_token",
            "c",
        )
        .unwrap();
        let p = parts("/", &[("x-auth-token", b"a.b.c")]);
        assert_eq!(l.locate(&p).unwrap().map(|l| l.token), Some("a.b.c"));
    }
}

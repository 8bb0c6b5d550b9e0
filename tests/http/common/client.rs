//! A real HTTP/1.1 client (hyper's) and a raw TCP client for requests no well-behaved client
//! sends, with what a test looks at in a response.

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::Server;

/// What a test looks at in a response.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub www_authenticate: Option<String>,
    pub headers: axum::http::HeaderMap,
    pub body: Value,
}

impl Reply {
    pub fn reason(&self) -> &str {
        self.body["reason"].as_str().unwrap_or("<no reason>")
    }

    /// Asserts a 401 `invalid_token` with the given reason.
    #[track_caller]
    pub fn assert_invalid_token(&self, reason: &str) {
        assert_eq!(self.status, 401, "{self:?}");
        assert_eq!(self.reason(), reason, "{self:?}");
        assert_eq!(self.body["error"], "invalid_token", "{self:?}");
        let challenge = self.www_authenticate.as_deref().unwrap_or("");
        assert!(
            challenge.starts_with("Bearer ") && challenge.contains("error=\"invalid_token\""),
            "{self:?}"
        );
    }
}

impl Reply {
    /// All values of a response header.
    pub fn header_values(&self, name: &str) -> Vec<String> {
        self.headers
            .get_all(name)
            .iter()
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            .collect()
    }
}

impl Server {
    /// Sends one request over a new HTTP/1.1 connection with hyper's client.
    pub async fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<Vec<u8>>,
    ) -> Reply {
        use http_body_util::{BodyExt, Full};
        let stream = TcpStream::connect(self.addr).await.expect("connect");
        let (mut sender, connection) =
            hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
                .await
                .expect("handshake");
        tokio::spawn(connection);
        let mut req = axum::http::Request::builder()
            .method(method)
            .uri(path)
            .header("host", self.addr.to_string());
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let req = req
            .body(Full::new(axum::body::Bytes::from(body.unwrap_or_default())))
            .expect("request");
        let response = sender.send_request(req).await.expect("response");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Reply {
            status,
            www_authenticate: headers
                .get("www-authenticate")
                .map(|v| v.to_str().expect("ascii challenge").to_owned()),
            headers,
            body,
        }
    }

    /// POST a JSON body.
    pub async fn post_json(&self, path: &str, headers: &[(&str, &str)], body: &Value) -> Reply {
        let mut all = vec![("content-type", "application/json")];
        all.extend_from_slice(headers);
        self.request("POST", path, &all, Some(body.to_string().into_bytes()))
            .await
    }

    /// GET with `Authorization: Bearer <token>`.
    pub async fn get_bearer(&self, path: &str, token: &str) -> Reply {
        self.get_with(path, &[("authorization", &format!("Bearer {token}"))])
            .await
    }

    pub async fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> Reply {
        self.request("GET", path, headers, None).await
    }

    pub async fn login(&self, identity: &str) -> (String, String) {
        self.token_pair("/login", &json!({ "identity": identity }))
            .await
    }

    /// POSTs `body` to a login route and returns `(access_token, refresh_token)`.
    pub async fn token_pair(&self, path: &str, body: &Value) -> (String, String) {
        let r = self.post_json(path, &[], body).await;
        assert_eq!(r.status, 200, "{r:?}");
        (
            r.body["access_token"].as_str().expect("access").to_owned(),
            r.body["refresh_token"]
                .as_str()
                .expect("refresh")
                .to_owned(),
        )
    }

    /// Sends raw bytes as an HTTP/1.1 request and returns (status, whole response text).
    pub async fn raw(&self, request: &[u8]) -> (u16, String) {
        let mut stream = TcpStream::connect(self.addr).await.expect("connect");
        // The server may answer and close before it read everything (431): ignore write errors.
        let _ = stream.write_all(request).await;
        let mut buf = Vec::new();
        let _ = stream.read_to_end(&mut buf).await;
        let text = String::from_utf8_lossy(&buf).into_owned();
        let status = text
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        (status, text)
    }

    /// GET `path` with one raw header line (any bytes) and `Connection: close`.
    pub async fn raw_get(&self, path: &str, header_line: &[u8]) -> (u16, String) {
        let mut req =
            format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n").into_bytes();
        req.extend_from_slice(header_line);
        req.extend_from_slice(b"\r\n\r\n");
        self.raw(&req).await
    }
}

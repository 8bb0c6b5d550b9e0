//! [`JwtLayer`]: installs a [`Jwt`] on a router.

use std::task::{Context, Poll};

use axum::http::Request;
use tower_layer::Layer;
use tower_service::Service;

use crate::config::Jwt;

impl Jwt {
    /// The layer that makes this handle available to [`Token`](crate::Token), `Jwt` and the
    /// guards of every route below it: `Router::new().route(..).layer(jwt.layer())`.
    pub fn layer(&self) -> JwtLayer {
        JwtLayer { jwt: self.clone() }
    }
}

/// The layer returned by [`Jwt::layer`].
#[derive(Clone, Debug)]
pub struct JwtLayer {
    jwt: Jwt,
}

impl<S> Layer<S> for JwtLayer {
    type Service = JwtService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        JwtService {
            inner,
            jwt: self.jwt.clone(),
        }
    }
}

/// The service of [`JwtLayer`]: adds the [`Jwt`] to each request's extensions.
#[derive(Clone, Debug)]
pub struct JwtService<S> {
    inner: S,
    jwt: Jwt,
}

impl<S, B> Service<Request<B>> for JwtService<S>
where
    S: Service<Request<B>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<B>) -> Self::Future {
        request.extensions_mut().insert(self.jwt.clone());
        self.inner.call(request)
    }
}

//! [`JwtLayer`] installs a [`Jwt`] on a router; [`RequireLayer`] admits every request of a
//! router under one requirement. Each is a layer and its service, side by side.

use std::sync::Arc;
use std::task::{Context, Poll};

use axum::http::Request;
use axum::response::Response;
use tower_layer::Layer;
use tower_service::Service;

use super::admit::admit;
use super::extract::keep_guarded;
use crate::handle::Jwt;
use crate::requirement::Requirement;
use crate::transport::response::respond;

/// The layer returned by [`Jwt::layer`].
#[derive(Clone, Debug)]
pub struct JwtLayer {
    jwt: Jwt,
}

impl JwtLayer {
    pub(crate) fn new(jwt: Jwt) -> Self {
        Self { jwt }
    }
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

/// The layer returned by [`Jwt::require`].
#[derive(Clone, Debug)]
pub struct RequireLayer {
    jwt: Jwt,
    requirement: Arc<Requirement>,
}

impl RequireLayer {
    pub(crate) fn new(jwt: Jwt, requirement: Requirement) -> Self {
        Self {
            jwt,
            requirement: Arc::new(requirement),
        }
    }
}

impl<S> Layer<S> for RequireLayer {
    type Service = RequireService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RequireService {
            inner,
            jwt: self.jwt.clone(),
            requirement: self.requirement.clone(),
        }
    }
}

/// The service of [`RequireLayer`].
#[derive(Clone, Debug)]
pub struct RequireService<S> {
    inner: S,
    jwt: Jwt,
    requirement: Arc<Requirement>,
}

impl<S, B> Service<Request<B>> for RequireService<S>
where
    S: Service<Request<B>, Response = Response> + Clone + Send + 'static,
    S::Future: Send + 'static,
    B: Send + 'static,
{
    type Response = Response;
    type Error = S::Error;
    type Future = std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<Self::Response, Self::Error>> + Send>,
    >;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        // The clone that was polled ready serves this request; the fresh clone stays behind.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let jwt = self.jwt.clone();
        let requirement = self.requirement.clone();
        Box::pin(async move {
            let (mut parts, body) = request.into_parts();
            match admit::<()>(&jwt.inner, &parts, &requirement).await {
                Ok(token) => keep_guarded(&mut parts, token),
                Err(e) => return Ok(respond(Some(&jwt.inner.http.render), &e)),
            }
            parts.extensions.insert(jwt);
            inner.call(Request::from_parts(parts, body)).await
        })
    }
}

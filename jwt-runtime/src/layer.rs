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

impl Jwt {
    /// A layer that applies `requirement` to every route below it, without macros:
    ///
    /// ```
    /// use axum::{Router, routing::get};
    /// use jwt_runtime::{Jwt, Requirement};
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let jwt = Jwt::builder().secret([7u8; 32]).build()?;
    /// let admin: Router = Router::new()
    ///     .route("/users", get(|| async { "all users" }))
    ///     .route_layer(jwt.require(Requirement::access().scopes(["admin"])?));
    /// let app: Router = Router::new().nest("/admin", admin).layer(jwt.layer());
    /// # Ok(()) }
    /// ```
    ///
    /// Rejected requests never reach the routes; accepted ones can still take `Token` (the
    /// token is not decoded again for `Token<()>`).
    pub fn require(&self, requirement: crate::Requirement) -> RequireLayer {
        RequireLayer {
            jwt: self.clone(),
            requirement: std::sync::Arc::new(requirement),
        }
    }
}

/// The layer returned by [`Jwt::require`].
#[derive(Clone, Debug)]
pub struct RequireLayer {
    jwt: Jwt,
    requirement: std::sync::Arc<crate::Requirement>,
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
    requirement: std::sync::Arc<crate::Requirement>,
}

impl<S, B> Service<Request<B>> for RequireService<S>
where
    S: Service<Request<B>, Response = axum::response::Response> + Clone + Send + 'static,
    S::Future: Send + 'static,
    B: Send + 'static,
{
    type Response = axum::response::Response;
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
            match jwt.admit::<()>(&parts, &requirement).await {
                Ok(token) => crate::extract::keep_guarded(&mut parts, token),
                Err(e) => return Ok(jwt.error_response(&e)),
            }
            parts.extensions.insert(jwt);
            inner.call(Request::from_parts(parts, body)).await
        })
    }
}

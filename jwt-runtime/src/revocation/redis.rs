//! [`RedisStore`]: revocation shared by every instance of a service.

use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use super::{StoreError, StoreFuture, TokenRef, TokenStatus, combine};
use crate::token::clock::now;

/// Revocation in Redis, through a connection manager that reconnects by itself.
///
/// Every entry is a key under a configurable namespace whose TTL is the remaining lifetime of
/// the tokens it revokes, so Redis forgets it when it no longer matters. There is no
/// in-process cache: a token revoked through one instance is refused by every other instance
/// on its next request. When Redis cannot answer, guarded requests fail closed (503).
#[derive(Clone)]
pub struct RedisStore {
    connection: ConnectionManager,
    namespace: String,
}

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStore")
            .field("namespace", &self.namespace)
            .finish_non_exhaustive()
    }
}

fn error(e: redis::RedisError) -> StoreError {
    StoreError(format!("redis: {e}"))
}

/// Seconds until `until`, at least one (Redis refuses a zero TTL).
fn ttl(until: u64) -> u64 {
    until.saturating_sub(now()).max(1)
}

impl RedisStore {
    /// Connects to `url` (`redis://127.0.0.1:6379/0`) with the key namespace `axum-jwt`.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        Self::connect_with_namespace(url, "axum-jwt").await
    }

    /// Connects with a key namespace of your choice (several services can share a Redis).
    pub async fn connect_with_namespace(url: &str, namespace: &str) -> Result<Self, StoreError> {
        let client = redis::Client::open(url).map_err(error)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(2)))
            .set_response_timeout(Some(Duration::from_secs(2)))
            .set_number_of_retries(2)
            .set_max_delay(Duration::from_millis(500));
        let connection = client
            .get_connection_manager_with_config(config)
            .await
            .map_err(error)?;
        Ok(Self {
            connection,
            namespace: namespace.to_owned(),
        })
    }

    /// `SET key r EX ttl`: a revocation that lives as long as the tokens it revokes.
    async fn set_revoked(&self, key: String, until: u64) -> Result<(), StoreError> {
        let mut conn = self.connection.clone();
        redis::cmd("SET")
            .arg(key)
            .arg("r")
            .arg("EX")
            .arg(ttl(until))
            .query_async::<()>(&mut conn)
            .await
            .map_err(error)
    }

    /// `{namespace}:{kind}:{len(iss)}:{iss}:{id}`: the issuer's length keeps issuers that
    /// contain `:` (URLs) from colliding with ids.
    fn key(&self, kind: &str, issuer: &str, id: &str) -> String {
        format!("{}:{kind}:{}:{issuer}:{id}", self.namespace, issuer.len())
    }
}

/// Raises the "revoked before" instant of an identity, never lowers it, and keeps the
/// longest TTL.
const RAISE_BEFORE: &str = r"
local old = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) > old then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
else
  redis.call('EXPIRE', KEYS[1], ARGV[2], 'GT')
end
return 1
";

impl super::RevocationStore for RedisStore {
    fn status<'a>(&'a self, token: TokenRef<'a>) -> StoreFuture<'a, TokenStatus> {
        Box::pin(async move {
            let mut keys = vec![
                self.key("jti", token.issuer, token.jti),
                self.key("sub", token.issuer, token.identity),
            ];
            if let Some(family) = token.family {
                keys.push(self.key("fam", token.issuer, family));
            }
            let mut conn = self.connection.clone();
            let values: Vec<Option<String>> = redis::cmd("MGET")
                .arg(&keys)
                .query_async(&mut conn)
                .await
                .map_err(error)?;
            let jti = match values.first().and_then(Option::as_deref) {
                Some("u") => Some(TokenStatus::Used),
                Some(_) => Some(TokenStatus::Revoked),
                None => None,
            };
            // A value we cannot read counts as "everything before the end of time".
            let before = values
                .get(1)
                .and_then(Option::as_deref)
                .map(|v| v.parse::<u64>().unwrap_or(u64::MAX));
            let family = values.get(2).is_some_and(Option::is_some);
            Ok(combine(jti, family, before, token.issued_at))
        })
    }

    fn revoke<'a>(&'a self, issuer: &'a str, jti: &'a str, until: u64) -> StoreFuture<'a, ()> {
        Box::pin(self.set_revoked(self.key("jti", issuer, jti), until))
    }

    fn consume<'a>(&'a self, issuer: &'a str, jti: &'a str, until: u64) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            let mut conn = self.connection.clone();
            let set: Option<String> = redis::cmd("SET")
                .arg(self.key("jti", issuer, jti))
                .arg("u")
                .arg("NX")
                .arg("EX")
                .arg(ttl(until))
                .query_async(&mut conn)
                .await
                .map_err(error)?;
            Ok(set.is_some())
        })
    }

    fn revoke_family<'a>(
        &'a self,
        issuer: &'a str,
        family: &'a str,
        until: u64,
    ) -> StoreFuture<'a, ()> {
        Box::pin(self.set_revoked(self.key("fam", issuer, family), until))
    }

    fn revoke_identity<'a>(
        &'a self,
        issuer: &'a str,
        identity: &'a str,
        before: u64,
        until: u64,
    ) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let mut conn = self.connection.clone();
            redis::cmd("EVAL")
                .arg(RAISE_BEFORE)
                .arg(1)
                .arg(self.key("sub", issuer, identity))
                .arg(before)
                .arg(ttl(until))
                .query_async::<i64>(&mut conn)
                .await
                .map(drop)
                .map_err(error)
        })
    }
}

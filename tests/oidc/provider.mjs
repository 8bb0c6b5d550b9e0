// A real OpenID provider for the identity-provider tests: panva's oidc-provider (a certified
// implementation), issuing RFC 9068 JWT access tokens to clients by the client-credentials
// grant, with discovery and a JWKS.
//
//   PORT=0 KEYS=keys.json node provider.mjs
//
// PORT: the port to listen on, on 127.0.0.1 (0: the OS picks; the line "listening <port>" on
// stdout says which). KEYS: a JSON file holding {"keys": [private JWKs]}; the first signs, all
// are published (so a restart with [new, old] and then [new] rotates the keys). KEYS_OUT: if
// KEYS does not exist, a new RSA key is generated and written there.
//
// Clients (secret = "<id>-secret"): `reader` (scopes user:read orders:read, roles USER),
// `admin` (scopes admin user:read, roles ADMIN and USER), `nobody` (orders:read only, no role).
// Every access token has the audience of its resource, https://api.test by default
// (RESOURCE), and Keycloak-shaped roles in realm_access.roles.
//
// GENERATE=<kid>: only write a new key with that kid to KEYS, and exit.
//
// GET /test/counts answers how many discovery and JWKS documents were served.

import { generateKeyPairSync } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import Provider from 'oidc-provider';

const port = Number(process.env.PORT ?? 0);
const resource = process.env.RESOURCE ?? 'https://api.test';
const keysFile = process.env.KEYS ?? 'keys.json';

function newKey(kid) {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid, use: 'sig', alg: 'RS256' };
}

if (process.env.GENERATE) {
  // Only write a new key to KEYS, for a test that rotates keys.
  writeFileSync(keysFile, JSON.stringify({ keys: [newKey(process.env.GENERATE)] }));
  process.exit(0);
}

let jwks;
if (existsSync(keysFile)) {
  jwks = JSON.parse(readFileSync(keysFile, 'utf8'));
} else {
  jwks = { keys: [newKey(`k-${Date.now()}`)] };
  writeFileSync(process.env.KEYS_OUT ?? keysFile, JSON.stringify(jwks));
}

const clients = {
  reader: { scope: 'user:read orders:read', roles: ['USER'] },
  admin: { scope: 'admin user:read', roles: ['ADMIN', 'USER'] },
  nobody: { scope: 'orders:read', roles: [] },
};

const counts = { discovery: 0, jwks: 0, tokens: 0 };

// The issuer must be known before listening; with PORT=0 the port is known only after, so
// the server binds first and the provider is made for the port it got.
const { createServer } = await import('node:http');
const server = createServer();
await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
const actual = server.address().port;
const issuer = process.env.ISSUER ?? `http://127.0.0.1:${actual}`;

const provider = new Provider(issuer, {
  jwks,
  clients: Object.entries(clients).map(([id, c]) => ({
    client_id: id,
    client_secret: `${id}-secret`,
    grant_types: ['client_credentials'],
    redirect_uris: [],
    response_types: [],
    scope: c.scope,
  })),
  scopes: ['openid', 'user:read', 'orders:read', 'admin'],
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => resource,
      useGrantedResource: () => true,
      getResourceServerInfo: () => ({
        scope: 'user:read orders:read admin',
        audience: resource,
        accessTokenTTL: 300,
        accessTokenFormat: 'jwt',
        jwt: { sign: { alg: 'RS256' } },
      }),
    },
  },
  extraTokenClaims: (ctx, token) => {
    const client = clients[token.clientId];
    return client ? { realm_access: { roles: client.roles } } : undefined;
  },
});

provider.use(async (ctx, next) => {
  if (ctx.path === '/test/counts') {
    ctx.body = counts;
    return;
  }
  if (ctx.path === '/.well-known/openid-configuration') counts.discovery += 1;
  if (ctx.path === '/jwks') counts.jwks += 1;
  if (ctx.path === '/token') counts.tokens += 1;
  await next();
});

server.on('request', provider.callback());
process.stdout.write(`listening ${actual}\n`);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}

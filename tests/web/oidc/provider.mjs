// A real OpenID Connect provider for the browser tests: panva's oidc-provider (node_modules),
// configured as a state's identity provider would be for peernet.
//
//   node tests/web/oidc/provider.mjs            (tests/web/conftest.py starts it)
//
// Environment:
//   PEERNET_TEST_OIDC_PORT           port on 127.0.0.1 (or the first argument); the issuer is http://127.0.0.1:<port>
//   PEERNET_TEST_CLIENT_SECRET       the secret of the one confidential client, peernet-web
//   PEERNET_TEST_REDIRECT_URIS       JSON list: the web app's <web url>/auth/callback
//   PEERNET_TEST_POST_LOGOUT_URIS    JSON list: the web app's <web url>/
//   PEERNET_TEST_ACCOUNTS            JSON map login -> claims, e.g. {"maria": {"role": "person"}}
//   PEERNET_TEST_AUDIENCE            the access tokens' audience (default peernet)
//
// Sign-in is the provider's own built-in pages (devInteractions): any login name is the
// account id, any password passes. The account's claims (role, organization_id, name) come
// from the map; an unknown login has none. The map grows at run time through
// POST /test/accounts (JSON map, "Authorization: Bearer <client secret>"), so each test
// signs in as a fresh user.
//
// Access tokens are JWTs signed RS256 for the resource "urn:peernet:gateway" whose audience
// is "peernet" (the gateway checks iss, aud and the signature from jwks_uri), carrying role
// and organization_id. Authorization code flow only, PKCE S256 required. RP-initiated logout
// is on. Prints "oidc-provider ready <issuer>" once listening.
import crypto from 'node:crypto';

import Provider from 'oidc-provider';

const env = (name, fallback) => {
  const value = process.env[name];
  if (value === undefined || value === '') {
    if (fallback === undefined) throw new Error(`${name} must be set`);
    return fallback;
  }
  return value;
};

const port = Number(process.argv[2] || env('PEERNET_TEST_OIDC_PORT'));
const issuer = `http://127.0.0.1:${port}`;
const clientSecret = env('PEERNET_TEST_CLIENT_SECRET');
const redirectUris = JSON.parse(env('PEERNET_TEST_REDIRECT_URIS'));
const postLogoutUris = JSON.parse(env('PEERNET_TEST_POST_LOGOUT_URIS', '[]'));
const accounts = new Map(Object.entries(JSON.parse(env('PEERNET_TEST_ACCOUNTS', '{}'))));
const audience = env('PEERNET_TEST_AUDIENCE', 'peernet');
const RESOURCE = 'urn:peernet:gateway';
const CLAIMS = ['role', 'organization_id', 'name'];

function claimsOf(login) {
  const known = accounts.get(login) || {};
  return Object.fromEntries(CLAIMS.filter((name) => known[name] != null).map((name) => [name, known[name]]));
}

// A fresh signing key per run: the gateway reads it from jwks_uri, as from a real provider.
const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: crypto.randomUUID(), use: 'sig', alg: 'RS256' };

const configuration = {
  clients: [{
    client_id: 'peernet-web',
    client_secret: clientSecret,
    client_name: 'peernet',
    redirect_uris: redirectUris,
    post_logout_redirect_uris: postLogoutUris,
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
    id_token_signed_response_alg: 'RS256',
  }],
  jwks: { keys: [signingKey] },
  cookies: { keys: [crypto.randomBytes(32).toString('base64url')] },
  scopes: ['openid', 'profile'],
  claims: { openid: ['sub'], profile: CLAIMS },
  // The ID token carries the profile claims too, so the web app needs no userinfo call
  // (its access token is for the gateway, not for userinfo).
  conformIdTokenClaims: false,
  pkce: { required: () => true },
  async findAccount(ctx, sub) {
    return {
      accountId: sub,
      async claims() {
        return { sub, ...claimsOf(sub) };
      },
    };
  },
  async extraTokenClaims(ctx, token) {
    if (token.kind !== 'AccessToken' || !token.accountId) return undefined;
    const { role, organization_id: organizationId } = claimsOf(token.accountId);
    const extra = {};
    if (role) extra.role = role;
    if (organizationId) extra.organization_id = organizationId;
    return extra;
  },
  features: {
    devInteractions: { enabled: true },
    rpInitiatedLogout: { enabled: true },
    introspection: { enabled: false },
    revocation: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: async () => RESOURCE,
      // The code's resource is the token's, even though openid is asked for too.
      useGrantedResource: async () => true,
      async getResourceServerInfo(ctx, resourceIndicator) {
        if (resourceIndicator !== RESOURCE) throw new Provider.errors.InvalidTarget();
        return {
          scope: 'openid profile',
          audience,
          accessTokenTTL: 3600,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'RS256' } },
        };
      },
    },
  },
  ttl: {
    AccessToken: 3600,
    AuthorizationCode: 120,
    IdToken: 3600,
    Interaction: 600,
    Session: 8 * 3600,
    Grant: 8 * 3600,
  },
  renderError(ctx, out, error) {
    ctx.type = 'html';
    const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
    ctx.body = `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Sign-in error</title></head>`
      + `<body><main><h1>Sign-in error</h1><pre>${escape(JSON.stringify(out, null, 2))}</pre></main></body></html>`;
    console.error('oidc-provider error', error);
  },
};

const provider = new Provider(issuer, configuration);

// The built-in pages @import Roboto from fonts.googleapis.com; the tests allow no request
// beyond the web app and this provider, and the machine has no network: drop it.
provider.use(async (ctx, next) => {
  await next();
  if (typeof ctx.body === 'string' && ctx.body.includes('fonts.googleapis.com')) {
    ctx.body = ctx.body.replace(/@import url\(https:\/\/fonts\.googleapis\.com[^)]*\);?/g, '');
  }
});

// Test-only: add or replace accounts while running.
provider.use(async (ctx, next) => {
  if (ctx.path !== '/test/accounts') return next();
  if (ctx.method !== 'POST') ctx.throw(405);
  if (ctx.get('authorization') !== `Bearer ${clientSecret}`) ctx.throw(401);
  const chunks = [];
  for await (const chunk of ctx.req) chunks.push(chunk);
  const added = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
  for (const [login, claims] of Object.entries(added)) accounts.set(login, claims);
  ctx.status = 204;
  return undefined;
});

provider.on('server_error', (ctx, error) => console.error('server_error', error));

const server = provider.listen(port, '127.0.0.1', () => {
  console.log(`oidc-provider ready ${issuer}`);
});

const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

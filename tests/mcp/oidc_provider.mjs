// A local OpenID provider for the OAuth tests: the certified npm package oidc-provider, one
// confidential client (`invoicer-tests`) with the client_credentials grant, and resource
// indicators (RFC 8707), so a token request with `resource=URL` gets a JWT access token
// (RS256, key at /jwks) whose `aud` is that URL and whose `scope` holds the granted scopes.
//
// Usage: node oidc_provider.mjs [PORT]   (0 or none: any free port)
// Env:   ACCESS_TTL  access token lifetime in seconds (default 300)
// Prints one line when ready: `listening http://127.0.0.1:PORT` (the issuer).
import * as http from 'node:http';
import * as crypto from 'node:crypto';
import Provider, { errors } from 'oidc-provider';

const port = Number.parseInt(process.argv[2] ?? '0', 10) || 0;
const ACCESS_TTL = Number.parseInt(process.env.ACCESS_TTL ?? '300', 10) || 300;
const SCOPES = 'invoices:read invoices:write';

// A fresh RS256 key per process; its public half is served at /jwks.
const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = {
  ...privateKey.export({ format: 'jwk' }),
  kid: `test-${crypto.randomBytes(4).toString('hex')}`,
  alg: 'RS256',
  use: 'sig',
};

function isHttpUrl(value) {
  try {
    const { protocol } = new URL(value);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}

// Bound first, so that port 0 is a real port before the issuer is fixed.
let handler = (_req, res) => { res.statusCode = 503; res.end(); };
const server = http.createServer((req, res) => handler(req, res));
server.listen(port, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, {
    clients: [{
      client_id: 'invoicer-tests',
      client_secret: 'test-secret-0123456789',
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_basic',
      scope: SCOPES,
    }],
    scopes: ['openid', 'offline_access', 'invoices:read', 'invoices:write'],
    jwks: { keys: [signingKey] },
    ttl: { AccessToken: ACCESS_TTL, ClientCredentials: ACCESS_TTL },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: async (_ctx, _client, oneOf) => oneOf,
        useGrantedResource: async () => true,
        getResourceServerInfo: async (_ctx, resource) => {
          if (!isHttpUrl(resource)) {
            throw new errors.InvalidTarget('resource must be an http(s) URL');
          }
          return {
            scope: SCOPES,
            audience: resource,
            accessTokenTTL: ACCESS_TTL,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'RS256' } },
          };
        },
      },
    },
  });
  provider.on('server_error', (_ctx, err) => console.error('server_error', err));
  handler = provider.callback();
  process.stdout.write(`listening ${issuer}\n`);
});

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => process.exit(0));
}

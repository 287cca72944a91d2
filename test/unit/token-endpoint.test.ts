import { decodeJwt, decodeProtectedHeader } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../shared/http/app.ts';
import { tokenApp } from '../support/apps.ts';
import {
  basic,
  CONFIDENTIAL_SECRET,
  form,
  ISSUER,
  POST_SECRET,
  runApp,
  testEnv,
} from '../support/fixtures.ts';

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);
let app: App;
beforeAll(async () => {
  app = await tokenApp(await testEnv(), { now: () => NOW });
});

async function call(req: Request) {
  const { res, log } = await runApp(app, req);
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined, log };
}

const cc = { grant_type: 'client_credentials' };
const auth = { authorization: basic('confidential', CONFIDENTIAL_SECRET) };

describe('POST /token, client_credentials', () => {
  it('issues a bearer token with client_secret_basic', async () => {
    const r = await call(form(cc, auth));
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      access_token: expect.any(String),
      token_type: 'Bearer',
      expires_in: 300,
      scope: 'read write',
    });
    expect(r.headers.get('cache-control')).toBe('no-store');
    expect(r.headers.get('pragma')).toBe('no-cache');
    const claims = decodeJwt(r.body.access_token);
    expect(claims).toMatchObject({
      iss: ISSUER,
      sub: 'confidential',
      client_id: 'confidential',
      scope: 'read write',
    });
    expect(claims.exp! - claims.iat!).toBe(300);
    expect(decodeProtectedHeader(r.body.access_token)).toMatchObject({ alg: 'RS256', typ: 'at+jwt' });
    expect(r.log.clientId).toBe('confidential');
  });

  it('issues a token with client_secret_post', async () => {
    const r = await call(form({ ...cc, client_id: 'poster', client_secret: POST_SECRET }));
    expect(r.status).toBe(200);
    expect(r.body.scope).toBe('read');
  });

  it('narrows to the requested scope', async () => {
    const r = await call(form({ ...cc, scope: 'read' }, auth));
    expect(r.body.scope).toBe('read');
  });

  it('accepts a media type with a charset parameter', async () => {
    const r = await call(
      form(cc, { ...auth, 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }),
    );
    expect(r.status).toBe(200);
  });

  it('decodes Basic credentials form-urlencoded before base64 (RFC 6749 §2.3.1)', async () => {
    const special = 'sp3cial:sécret+with/chars&=%';
    const clients = JSON.stringify([
      {
        client_id: 'id:with space',
        client_secret: special,
        grant_types: ['client_credentials'],
        scope: 'read',
      },
    ]);
    const other = await tokenApp(await testEnv({ OAUTH_CLIENTS: clients }), { now: () => NOW });
    const { res } = await runApp(other, form(cc, { authorization: basic('id:with space', special) }));
    expect(res.status).toBe(200);
  });
});

describe('POST /token errors (RFC 6749 §5.2)', () => {
  it.each([
    [
      'a JSON body',
      form('{"grant_type":"client_credentials"}', { ...auth, 'content-type': 'application/json' }),
    ],
    [
      'no content type',
      new Request(`${ISSUER}/token`, {
        method: 'POST',
        headers: auth,
        body: 'grant_type=client_credentials',
      }),
    ],
    ['a missing grant_type', form({}, auth)],
    ['a repeated parameter', form('grant_type=client_credentials&grant_type=client_credentials', auth)],
    ['a repeated scope', form('grant_type=client_credentials&scope=read&scope=write', auth)],
    ['invalid UTF-8 in the body', form('grant_type=client_credentials&scope=%C3%28', auth)],
    ['a malformed percent-escape', form('grant_type=client_credentials&scope=%zz', auth)],
    ['Basic credentials that are not base64', form(cc, { authorization: 'Basic !!!' })],
    [
      'Basic credentials without a colon',
      form(cc, { authorization: `Basic ${Buffer.from('nocolon').toString('base64')}` }),
    ],
    ['two authentication methods', form({ ...cc, client_secret: CONFIDENTIAL_SECRET }, auth)],
    ['a client_id differing from Basic', form({ ...cc, client_id: 'poster' }, auth)],
  ])('invalid_request for %s', async (_name, req) => {
    const r = await call(req);
    expect({ status: r.status, error: r.body.error }).toEqual({ status: 400, error: 'invalid_request' });
    expect(r.headers.get('cache-control')).toBe('no-store');
  });

  it('invalid_client (401 + WWW-Authenticate: Basic) for a wrong secret with Basic', async () => {
    const r = await call(form(cc, { authorization: basic('confidential', 'wrong-secret-wrong-secret') }));
    expect({ status: r.status, error: r.body.error }).toEqual({ status: 401, error: 'invalid_client' });
    expect(r.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
  });

  it.each([
    ['an unknown client with Basic', form(cc, { authorization: basic('nobody', 'whatever-whatever') })],
    ['an unknown client with post', form({ ...cc, client_id: 'nobody', client_secret: 'x' })],
    ['a wrong secret with post', form({ ...cc, client_id: 'poster', client_secret: 'wrong' })],
    [
      'a basic client using post',
      form({ ...cc, client_id: 'confidential', client_secret: CONFIDENTIAL_SECRET }),
    ],
    ['a post client using Basic', form(cc, { authorization: basic('poster', POST_SECRET) })],
    ['a confidential client with no credentials', form({ ...cc, client_id: 'confidential' })],
    ['no client at all', form(cc)],
    ['a Bearer Authorization header', form(cc, { authorization: 'Bearer abc' })],
  ])('invalid_client (401) for %s', async (_name, req) => {
    const r = await call(req);
    expect({ status: r.status, error: r.body.error }).toEqual({ status: 401, error: 'invalid_client' });
  });

  it('unauthorized_client for a client not registered for client_credentials', async () => {
    const r = await call(form(cc, { authorization: basic('code-only', CONFIDENTIAL_SECRET) }));
    expect({ status: r.status, error: r.body.error }).toEqual({ status: 400, error: 'unauthorized_client' });
  });

  it.each(['password', 'implicit', 'urn:ietf:params:oauth:grant-type:device_code', 'nonsense'])(
    'unsupported_grant_type for %s',
    async (grant) => {
      const r = await call(form({ grant_type: grant }, auth));
      expect({ status: r.status, error: r.body.error }).toEqual({
        status: 400,
        error: 'unsupported_grant_type',
      });
    },
  );

  it('invalid_scope for a scope the client is not registered for', async () => {
    const r = await call(form({ ...cc, scope: 'read admin' }, auth));
    expect({ status: r.status, error: r.body.error }).toEqual({ status: 400, error: 'invalid_scope' });
  });

  it('405 with Allow for GET /token', async () => {
    const r = await call(new Request(`${ISSUER}/token`));
    expect(r.status).toBe(405);
    expect(r.headers.get('allow')).toBe('POST');
  });

  it('413 for an oversized body', async () => {
    const r = await call(form(`grant_type=client_credentials&x=${'a'.repeat(70_000)}`, auth));
    expect(r.status).toBe(413);
  });

  it('never returns a stack trace or the secret', async () => {
    const r = await call(form({ ...cc, client_id: 'poster', client_secret: 'guess' }));
    expect(JSON.stringify(r.body)).not.toMatch(/at |Error:|guess|secret-0123/);
  });
});

describe('well-known documents', () => {
  it('serve the JWKS with the signing key', async () => {
    const r = await call(new Request(`${ISSUER}/.well-known/jwks.json`));
    expect(r.status).toBe(200);
    expect(r.body.keys).toHaveLength(1);
    expect(r.body.keys[0]).not.toHaveProperty('d');
  });

  it('serve RFC 8414 metadata listing what is served', async () => {
    const r = await call(new Request(`${ISSUER}/.well-known/oauth-authorization-server`));
    expect(r.body).toMatchObject({
      issuer: ISSUER,
      token_endpoint: `${ISSUER}/token`,
      jwks_uri: `${ISSUER}/.well-known/jwks.json`,
    });
    expect(r.body.grant_types_supported).toContain('client_credentials');
  });

  it('answer 404 for an unknown path', async () => {
    const r = await call(new Request(`${ISSUER}/nope`));
    expect({ status: r.status, error: r.body.error }).toEqual({ status: 404, error: 'not_found' });
  });
});

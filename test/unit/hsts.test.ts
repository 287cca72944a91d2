import { describe, expect, it } from 'vitest';
import { OAuthError } from '../../shared/errors.ts';
import type { App, RequestContext } from '../../shared/http/app.ts';
import { HSTS, withHsts } from '../../shared/http/hsts.ts';
import { LiteRequest, LiteResponse } from '../../shared/http/web.ts';

const ctx = (): RequestContext => ({ requestId: 'r', route: 'GET /x', log: {} });
const req = () => new LiteRequest('https://auth.example/x');

describe('withHsts', () => {
  it.each([
    ['a light response', () => new LiteResponse('ok', { headers: { 'x-a': '1' } })],
    ['a global Response', () => new Response('ok', { headers: { 'x-a': '1' } })],
  ])('sets Strict-Transport-Security on %s, the rest unchanged', async (_, answer) => {
    const app: App = async () => answer();
    const res = await withHsts(app, 'https://auth.example')(req(), ctx());
    expect(res.headers.get('strict-transport-security')).toBe(HSTS);
    expect(res.headers.get('x-a')).toBe('1');
    expect(await res.text()).toBe('ok');
  });

  it('renders an OAuthError the app throws with the header, and leaves an http issuer’s app as it is', async () => {
    const app: App = async () => {
      throw new OAuthError('invalid_request', 'no');
    };
    const res = await withHsts(app, 'https://auth.example')(req(), ctx());
    expect(res.status).toBe(400);
    expect(res.headers.get('strict-transport-security')).toBe(HSTS);
    expect(withHsts(app, 'http://localhost:8080')).toBe(app);
  });

  it('answers a response whose headers are immutable as it is, rather than failing', async () => {
    const app: App = async () => Response.redirect('https://client.example/cb', 302);
    const res = await withHsts(app, 'https://auth.example')(req(), ctx());
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('https://client.example/cb');
    expect(res.headers.get('strict-transport-security')).toBeNull();
  });
});

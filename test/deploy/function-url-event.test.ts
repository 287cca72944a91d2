// The function URL event (SCF doc 583/96099): the API Gateway event without headerParameters,
// isBase64Encoded, pathParameters, queryStringParameters and requestContext; the client address in
// x-scf-remote-addr. The one SCF adapter reads both shapes.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventToRequest } from '../../shared/http/scf.ts';

const event = (name: string) =>
  JSON.parse(readFileSync(join(resolve(import.meta.dirname, '../fixtures/events'), `${name}.json`), 'utf8'));

describe('function URL events', () => {
  it('POST /token: method, path, host, form body read as UTF-8 with no isBase64Encoded flag', async () => {
    const req = eventToRequest(event('function-url-post-token'));
    expect(req.method).toBe('POST');
    expect(new URL(req.url).pathname).toBe('/token');
    expect(new URL(req.url).host).toBe('1250000000-abcd1234ef.ap-guangzhou.tencentscf.com');
    expect(req.headers.get('content-type')).toBe('application/x-www-form-urlencoded');
    expect(await req.text()).toBe('grant_type=client_credentials&scope=read');
  });

  it('GET /work: query string from queryString, https assumed (function URLs are https)', () => {
    const req = eventToRequest(event('function-url-get-work'));
    expect(req.url).toBe('https://1250000000-wxyz5678gh.ap-guangzhou.tencentscf.com/work?probe=1');
    expect(req.headers.get('x-scf-remote-addr')).toBe('203.0.113.7');
  });

  it('reads the same request from the API Gateway event of the same call', async () => {
    const fromGateway = eventToRequest(event('apigw-post-token'));
    const fromUrl = eventToRequest(event('function-url-post-token'));
    expect(fromGateway.method).toBe(fromUrl.method);
    expect(new URL(fromGateway.url).pathname).toBe(new URL(fromUrl.url).pathname);
    expect(await fromGateway.text()).toBe(await fromUrl.text());
  });
});

// Response helpers and the routing errors every function shares.
import { OAuthError } from '../errors.ts';
import { type HttpRequest, type HttpResponse, LiteResponse, requestUrl } from './web.ts';

const JSON_TYPE = 'application/json;charset=UTF-8';

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): HttpResponse {
  return new LiteResponse(JSON.stringify(body), {
    status,
    headers: { 'content-type': JSON_TYPE, ...headers },
  });
}

/** RFC 6749 §5.1: token responses and anything carrying credentials must not be cached. */
export const NO_STORE = Object.freeze({ 'cache-control': 'no-store', pragma: 'no-cache' });

export function notFound(): never {
  throw new OAuthError('not_found', 'no such endpoint');
}

export function methodNotAllowed(allowed: readonly string[]): never {
  throw new OAuthError('method_not_allowed', `use ${allowed.join(' or ')}`, {
    headers: { allow: allowed.join(', ') },
  });
}

/** The path relative to the function's mount point: SCF may prefix the service path. */
export function routePath(req: HttpRequest): string {
  const path = requestUrl(req).pathname;
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}

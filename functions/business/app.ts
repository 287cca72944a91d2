// The mock business backend of the seed: GET /work answers "hello world" to a valid access token.
// It verifies the token itself, so it is safe with no gateway in front.
import type { BusinessConfig } from '../../shared/config.ts';
import { extractAccessToken, invalidToken } from '../../shared/http/bearer.ts';
import { methodNotAllowed, notFound, routePath } from '../../shared/http/respond.ts';
import type { App } from '../../shared/http/scf.ts';
import { createAccessTokenVerifier, TokenRejected } from '../../shared/jwt/verify.ts';

export interface BusinessAppOptions {
  now?: () => number;
}

export function createBusinessApp(config: Readonly<BusinessConfig>, options: BusinessAppOptions = {}): App {
  const verify = createAccessTokenVerifier({
    keys: config.publicKeys,
    issuer: config.issuer,
    audience: config.audience,
    clockToleranceSeconds: config.clockTolerance,
    ...(options.now ? { now: options.now } : {}),
  });

  return async (req, ctx) => {
    if (routePath(req) !== '/work') return notFound();
    if (req.method !== 'GET' && req.method !== 'HEAD') methodNotAllowed(['GET']);
    const token = extractAccessToken(req);
    try {
      const claims = await verify(token);
      ctx.log.clientId = claims.client_id;
    } catch (error) {
      if (error instanceof TokenRejected) {
        ctx.log.detail = error.reason;
        throw invalidToken();
      }
      throw error;
    }
    return new Response('hello world', {
      headers: { 'content-type': 'text/plain;charset=UTF-8', 'cache-control': 'no-store' },
    });
  };
}

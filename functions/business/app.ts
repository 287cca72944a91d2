// The mock business backend of the seed: GET /work answers "hello world" to a valid access token.
// It verifies the token itself, so it is safe with no gateway in front.
import type { BusinessConfig } from '../../shared/config.ts';
import { extractAccessToken, invalidToken } from '../../shared/http/bearer.ts';
import { methodNotAllowed, notFound, routePath } from '../../shared/http/respond.ts';
import type { App } from '../../shared/http/scf.ts';
import { LiteResponse } from '../../shared/http/web.ts';
import { createAccessTokenVerifier, TokenRejected } from '../../shared/jwt/verify.ts';
import { isAccessTokenRevoked, requireStore } from '../../shared/revocation.ts';
import { openStore } from '../../shared/store/open.ts';
import type { Store } from '../../shared/store/store.ts';

export interface BusinessAppOptions {
  now?: () => number;
  /** Default: the one OAUTH_STORE names, opened only when OAUTH_CHECK_REVOCATION is on. */
  store?: Store;
}

export function createBusinessApp(config: Readonly<BusinessConfig>, options: BusinessAppOptions = {}): App {
  const verify = createAccessTokenVerifier({
    keys: config.publicKeys,
    issuer: config.issuer,
    audience: config.audience,
    clockToleranceSeconds: config.clockTolerance,
    accessTokenTyp: config.accessTokenTyp,
    ...(options.now ? { now: options.now } : {}),
  });
  const store = config.checkRevocation ? (options.store ?? openStore(config.store)) : undefined;
  // A store handed in belongs to the caller; one opened here is closed with the app.
  const ownStore = store !== undefined && options.store === undefined ? store : undefined;

  const app: App = async (req, ctx) => {
    if (routePath(req) !== '/work') return notFound();
    if (req.method !== 'GET' && req.method !== 'HEAD') methodNotAllowed(['GET']);
    const token = extractAccessToken(req, config.bearerCookie);
    try {
      const claims = await verify(token);
      ctx.log.clientId = claims.client_id;
      // RFC 7009 §2: a revoked access token is refused here too, when the deployment shares its store.
      if (store && (await requireStore(() => isAccessTokenRevoked(store, claims)))) {
        throw new TokenRejected('revoked');
      }
    } catch (error) {
      if (error instanceof TokenRejected) {
        ctx.log.detail = error.reason;
        throw invalidToken();
      }
      throw error;
    }
    return new LiteResponse('hello world', {
      headers: { 'content-type': 'text/plain;charset=UTF-8', 'cache-control': 'no-store' },
    });
  };
  if (ownStore) app.dispose = () => ownStore.close();
  return app;
}

// The mock business backend of the seed: GET /work answers "hello world" to a valid access token.
// It verifies the token itself, with the resource-server kit's guard (shared/resource-server), so it is
// safe with no gateway in front and there is one verifier for it and for users' own functions.

import { methodNotAllowed, notFound, routePath } from '../../shared/http/respond.ts';
import type { App } from '../../shared/http/scf.ts';
import { LiteResponse } from '../../shared/http/web.ts';
import { createGuard } from '../../shared/resource-server/guard.ts';
import { authenticateBearer } from '../../shared/revocation.ts';
import { openStore } from '../../shared/store/open.ts';
import type { Store } from '../../shared/store/store.ts';
import type { BusinessConfig } from './config.ts';

export interface BusinessAppOptions {
  now?: () => number;
  /** Default: the one OAUTH_STORE names, opened only when OAUTH_CHECK_REVOCATION is on. */
  store?: Store;
}

export function createBusinessApp(config: Readonly<BusinessConfig>, options: BusinessAppOptions = {}): App {
  const guard = createGuard({
    keys: config.publicKeys,
    issuer: config.issuer,
    audience: config.audience,
    scopes: [],
    clockTolerance: config.clockTolerance,
    accessTokenTyp: config.accessTokenTyp,
    ...(options.now ? { now: options.now } : {}),
    resourceMetadata: false,
    // RFC 6750 §2: the Authorization header only, unless OAUTH_BEARER_COOKIE names a cookie too.
    ...(config.bearerCookie === undefined ? {} : { cookie: config.bearerCookie }),
  });
  const store = config.checkRevocation ? (options.store ?? openStore(config.store)) : undefined;
  // A store handed in belongs to the caller; one opened here is closed with the app.
  const ownStore = store !== undefined && options.store === undefined ? store : undefined;

  const app: App = async (req, ctx) => {
    if (routePath(req) !== '/work') return notFound();
    if (req.method !== 'GET' && req.method !== 'HEAD') methodNotAllowed(['GET']);
    // RFC 7009 §2: a revoked access token is refused here too, when the deployment shares its store.
    await authenticateBearer(guard, req, ctx.log, store);
    return new LiteResponse('hello world', {
      headers: { 'content-type': 'text/plain;charset=UTF-8', 'cache-control': 'no-store' },
    });
  };
  if (ownStore) app.dispose = () => ownStore.close();
  return app;
}

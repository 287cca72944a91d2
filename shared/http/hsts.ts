// HTTP Strict Transport Security (RFC 6797) on every answer of a function whose issuer is https: the
// pages with their password form and session cookie, and the token endpoint with its credentials.
import { OAuthError } from '../errors.ts';
import { type App, renderError } from './scf.ts';

/** One year (RFC 6797 §6.1.1); no includeSubDomains: the issuer's host may share a parent domain. */
export const HSTS = 'max-age=31536000';

/**
 * `app`, with Strict-Transport-Security on its answers when `issuer` is https (an http issuer is a
 * loopback development setup, where the header would be ignored). Errors the app throws are rendered
 * here so that they carry the header too; anything else still reaches the adapter's boundary.
 */
export function withHsts(app: App, issuer: string): App {
  if (new URL(issuer).protocol !== 'https:') return app;
  const secured: App = async (req, ctx) => {
    let res: Awaited<ReturnType<App>>;
    try {
      res = await app(req, ctx);
    } catch (error) {
      if (!(error instanceof OAuthError)) throw error;
      res = renderError(error, ctx);
    }
    try {
      res.headers.set('strict-transport-security', HSTS);
    } catch (error) {
      // A response whose headers are immutable (the runtime's Response.redirect or Response.error):
      // answered as it is. The functions build their answers themselves, whose headers never are.
      if (!(error instanceof TypeError)) throw error;
    }
    return res;
  };
  if (app.dispose) secured.dispose = app.dispose;
  return secured;
}

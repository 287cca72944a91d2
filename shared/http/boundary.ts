// The one error boundary of every entry: the event is translated and the app run inside it; known
// errors render themselves, anything else is a logged `server_error` that reveals nothing.
import { ConfigError, OAuthError } from '../errors.ts';
import type { RequestContext } from './app.ts';
import type { Instance } from './instance.ts';
import type { HttpRequest, HttpResponse } from './web.ts';

/**
 * Starts the instance's app if need be, translates the event (an OAuthError for an event no client
 * could have sent correctly) and runs the app on it. Never throws.
 */
export async function answer<E>(
  instance: Instance,
  translate: (event: E) => HttpRequest,
  event: E,
  ctx: RequestContext,
): Promise<HttpResponse> {
  try {
    const app = instance.ready ?? (await instance.start());
    return await app(translate(event), ctx);
  } catch (error) {
    return renderError(error, ctx);
  }
}

/** Known errors render themselves, anything else is a logged `server_error`. */
export function renderError(error: unknown, ctx: RequestContext): HttpResponse {
  if (error instanceof OAuthError) {
    ctx.log.error = error.error;
    if (error.cause !== undefined) ctx.log.detail = describeCause(error.cause);
    return error.toResponse();
  }
  ctx.log.error = 'server_error';
  if (error instanceof ConfigError) {
    ctx.log.detail = error.message;
  } else {
    ctx.log.detail =
      error instanceof Error ? `${error.name}: ${error.message}\n${error.stack ?? ''}` : 'non-error thrown';
  }
  const description =
    error instanceof ConfigError
      ? 'the server is not configured correctly'
      : 'the server could not complete the request';
  return new OAuthError('server_error', description).toResponse();
}

function describeCause(cause: unknown): string {
  return cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
}

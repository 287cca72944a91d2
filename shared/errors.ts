// The one protocol error type (RFC 6749 §5.2, §4.1.2.1; RFC 6750 §3.1) and the configuration error.
import { type HttpResponse, LiteResponse } from './http/web.ts';

export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'invalid_target'
  | 'access_denied'
  | 'unsupported_response_type'
  | 'server_error'
  | 'temporarily_unavailable'
  | 'invalid_token'
  | 'insufficient_scope'
  | 'not_found'
  | 'method_not_allowed'
  | 'unsupported_media_type'
  | 'payload_too_large'
  // OIDC Core §3.1.2.6: prompt=none could not be honoured.
  | 'login_required'
  | 'consent_required'
  | 'interaction_required'
  // RFC 7591 §3.2.2: dynamic registration errors.
  | 'invalid_redirect_uri'
  | 'invalid_client_metadata';

/** The status of each error that is not a 400 (RFC 6749 §5.2: 400 unless said otherwise). */
const defaultStatus: Partial<Record<OAuthErrorCode, number>> = {
  invalid_client: 401,
  access_denied: 403,
  server_error: 500,
  temporarily_unavailable: 503,
  invalid_token: 401,
  insufficient_scope: 403,
  not_found: 404,
  method_not_allowed: 405,
  unsupported_media_type: 415,
  payload_too_large: 413,
};

export interface OAuthErrorOptions {
  status?: number;
  /** Extra response headers, e.g. `WWW-Authenticate` or `Allow`. */
  headers?: Record<string, string>;
  /** Private detail: logged, never sent. */
  cause?: unknown;
}

export class OAuthError extends Error {
  override readonly name = 'OAuthError';
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    readonly error: OAuthErrorCode,
    /** Public, human-readable; safe to return to the caller. */
    readonly description: string,
    options: OAuthErrorOptions = {},
  ) {
    super(description, options.cause === undefined ? undefined : { cause: options.cause });
    this.status = options.status ?? defaultStatus[error] ?? 400;
    this.headers = options.headers ?? {};
  }

  toJSON(): { error: OAuthErrorCode; error_description: string } {
    return { error: this.error, error_description: this.description };
  }

  toResponse(): HttpResponse {
    return new LiteResponse(JSON.stringify(this.toJSON()), {
      status: this.status,
      headers: {
        'content-type': 'application/json;charset=UTF-8',
        'cache-control': 'no-store',
        pragma: 'no-cache',
        ...this.headers,
      },
    });
  }
}

/** Bad deployment configuration. The message names every variable at fault and never a secret value. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration: ${problems.join('; ')}`);
  }
}

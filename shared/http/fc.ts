// The Alibaba Cloud Function Compute 3.0 adapter: HTTP trigger events of the built-in Node.js
// runtime (the event arrives as a JSON Buffer) ⇄ request/response `{statusCode, headers, body,
// isBase64Encoded}`. Only translation lives here; the error boundary, the access log and the
// instance lifecycle are shared by all entries.
// Format: https://www.alibabacloud.com/help/en/functioncompute/fc-3-0/user-guide/http-trigger-invoking-function
import { OAuthError } from '../errors.ts';
import { logAccess, requestContext } from './access-log.ts';
import { answer } from './boundary.ts';
import {
  appendHeaders,
  encodeQuery,
  type IntegratedResponse,
  isTrue,
  readMethod,
  requestFromParts,
  responseToIntegrated,
} from './event.ts';
import type { Instance } from './instance.ts';
import { LiteHeaders, type LiteRequest } from './web.ts';

/** The HTTP trigger event, once parsed; fields beyond these are ignored. */
export interface FcHttpEvent {
  version?: string;
  /** URL-encoded, as the client sent it. */
  rawPath?: string;
  /** Header names capitalised by FC; several values of one name comma-joined. */
  headers?: Record<string, string>;
  /** Decoded values; a repeated parameter arrives as one comma-joined value. */
  queryParameters?: Record<string, string>;
  body?: string;
  isBase64Encoded?: boolean;
  requestContext?: { requestId?: string; http?: { method?: string; path?: string; sourceIp?: string } };
}

export interface FcContext {
  requestId?: string;
}

export type FcHandler = (event: unknown, context?: FcContext) => Promise<IntegratedResponse>;

/** The event as FC hands it over (a Buffer or a string of JSON), parsed; undefined when it is not JSON. */
export function parseFcEvent(event: unknown): FcHttpEvent | undefined {
  let parsed: unknown = event;
  if (typeof event === 'string' || event instanceof Uint8Array) {
    try {
      // A Buffer is read in place; another Uint8Array is viewed as one, never copied.
      const text =
        typeof event === 'string'
          ? event
          : (Buffer.isBuffer(event)
              ? event
              : Buffer.from(event.buffer, event.byteOffset, event.byteLength)
            ).toString('utf8');
      parsed = JSON.parse(text);
    } catch {
      return undefined;
    }
  }
  return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
    ? (parsed as FcHttpEvent)
    : undefined;
}

/** Builds the request from a parsed event; throws OAuthError for an event no client could have sent. */
export function fcEventToRequest(event: FcHttpEvent | undefined): LiteRequest {
  if (!event) throw new OAuthError('invalid_request', 'malformed request');
  const method = readMethod(event.requestContext?.http?.method);
  const headers = new LiteHeaders();
  appendHeaders(headers, event.headers);
  const query = encodeQuery(event.queryParameters);
  return requestFromParts(method, event.rawPath, query, headers, event.body, isTrue(event.isBase64Encoded));
}

/** FC's handler (`index.fcHandler`) over an instance shared with the function's other entries. */
export function fcEntry(instance: Instance): FcHandler {
  return async (raw, context) => {
    const started = process.hrtime.bigint();
    const event = parseFcEvent(raw);
    const ctx = requestContext({
      ids: [context?.requestId, event?.requestContext?.requestId],
      method: event?.requestContext?.http?.method,
      path: event?.rawPath,
      sourceIp: event?.requestContext?.http?.sourceIp,
    });
    const out = await responseToIntegrated(await answer(instance, fcEventToRequest, event, ctx));
    logAccess(ctx, out.statusCode, started);
    return out;
  };
}

// The AWS Lambda adapter: API Gateway REST (payload 1.0), HTTP API (payload 2.0) and function URL
// (2.0 format) events ⇄ request/response, each answered in its own response format. Only translation
// lives here; the error boundary, the access log and the instance lifecycle are shared by all entries.
// Formats: https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html
// https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
// https://docs.aws.amazon.com/lambda/latest/dg/urls-invocation.html
import { OAuthError } from '../errors.ts';
import { logAccess, requestContext } from './access-log.ts';
import { answer } from './boundary.ts';
import {
  appendHeader,
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

type Values = Record<string, string | string[] | undefined>;

/** Payload 1.0 (API Gateway REST API, or an HTTP API set to 1.0); fields beyond these are ignored. */
export interface LambdaV1Event {
  version?: '1.0';
  httpMethod?: string;
  path?: string;
  headers?: Values | null;
  multiValueHeaders?: Values | null;
  queryStringParameters?: Values | null;
  multiValueQueryStringParameters?: Values | null;
  body?: string | null;
  isBase64Encoded?: boolean;
  requestContext?: { requestId?: string; identity?: { sourceIp?: string } };
}

/** Payload 2.0 (HTTP API) and function URL events; fields beyond these are ignored. */
export interface LambdaV2Event {
  version: '2.0';
  rawPath?: string;
  rawQueryString?: string;
  cookies?: string[];
  headers?: Values;
  body?: string;
  isBase64Encoded?: boolean;
  requestContext?: { requestId?: string; http?: { method?: string; sourceIp?: string } };
}

export interface LambdaContext {
  awsRequestId?: string;
}

/** Payload 1.0's answer: a second `Set-Cookie` goes in `multiValueHeaders`. */
export interface LambdaV1Result extends IntegratedResponse {
  multiValueHeaders?: Record<string, string[]>;
}

/** Payload 2.0's answer: every `Set-Cookie` in `cookies`, none in `headers`. */
export interface LambdaV2Result extends IntegratedResponse {
  cookies: string[];
}

export type LambdaHandler = (
  event: unknown,
  context?: LambdaContext,
) => Promise<LambdaV1Result | LambdaV2Result>;

function isV2(event: unknown): event is LambdaV2Event {
  return (event as { version?: unknown } | null)?.version === '2.0';
}

/** Builds the request from either payload; throws OAuthError for an event no client could have sent. */
export function lambdaEventToRequest(event: unknown): LiteRequest {
  if (!event || typeof event !== 'object') throw new OAuthError('invalid_request', 'malformed request');
  const headers = new LiteHeaders();
  if (isV2(event)) {
    const method = readMethod(event.requestContext?.http?.method);
    appendHeaders(headers, event.headers);
    // Payload 2.0 moves the Cookie header into `cookies`, one entry per cookie.
    if (Array.isArray(event.cookies)) {
      const cookies = event.cookies.filter((c): c is string => typeof c === 'string');
      if (cookies.length > 0) appendHeader(headers, 'cookie', cookies.join('; '));
    }
    const query = typeof event.rawQueryString === 'string' ? event.rawQueryString : '';
    return requestFromParts(
      method,
      event.rawPath,
      query,
      headers,
      event.body,
      event.isBase64Encoded === true,
    );
  }
  const e = event as LambdaV1Event;
  const method = readMethod(e.httpMethod);
  // multiValueHeaders holds every header, headers only the last value of each: one of them, not both.
  appendHeaders(headers, isMap(e.multiValueHeaders) ? e.multiValueHeaders : e.headers);
  const query = encodeQuery(
    isMap(e.multiValueQueryStringParameters) ? e.multiValueQueryStringParameters : e.queryStringParameters,
  );
  return requestFromParts(method, e.path, query, headers, e.body, isTrue(e.isBase64Encoded));
}

function isMap(value: unknown): value is Values {
  return value !== null && typeof value === 'object';
}

/** Lambda's `handler` over an instance shared with the function's other entries. */
export function lambdaEntry(instance: Instance): LambdaHandler {
  return async (event, context) => {
    const started = process.hrtime.bigint();
    const v2 = isV2(event);
    const e = (event && typeof event === 'object' ? event : {}) as LambdaV1Event & Partial<LambdaV2Event>;
    const ctx = requestContext({
      ids: [context?.awsRequestId, e.requestContext?.requestId],
      method: v2 ? e.requestContext?.http?.method : e.httpMethod,
      path: v2 ? e.rawPath : e.path,
      sourceIp: v2 ? e.requestContext?.http?.sourceIp : e.requestContext?.identity?.sourceIp,
    });
    const res = await answer(instance, lambdaEventToRequest, event, ctx);
    const cookies = res.headers.getSetCookie();
    const out: LambdaV1Result | LambdaV2Result = await responseToIntegrated(res);
    if (v2) {
      delete out.headers['set-cookie'];
      (out as LambdaV2Result).cookies = cookies;
    } else if (cookies.length > 1) {
      (out as LambdaV1Result).multiValueHeaders = { 'set-cookie': cookies };
      delete out.headers['set-cookie'];
    }
    logAccess(ctx, out.statusCode, started);
    return out;
  };
}

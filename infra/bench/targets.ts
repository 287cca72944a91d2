// What the bench calls: each function of the project with the event API Gateway would send it, and
// access tokens exactly as the token endpoint issues them.
import { basename, join } from 'node:path';
import { signAccessToken } from '../../shared/jwt/sign.ts';
import { loadProject } from '../serverless/project.ts';
import { BENCH_CLIENT_ID, BENCH_SCOPE, type BenchSetup, basicAuth } from './setup.ts';

export interface FunctionTarget {
  name: string;
  /** The bundle. */
  file: string;
  env: Record<string, string>;
  /** One API Gateway event this function answers 200 to. */
  event: ScfEvent;
}

export interface ScfEvent {
  httpMethod: string;
  path: string;
  headers: Record<string, string>;
  queryString: Record<string, string>;
  isBase64Encoded: boolean;
  body?: string;
}

/** Tokens exactly as the token endpoint issues them, signed here with the bench key. */
export async function mintTokens(setup: BenchSetup, count: number): Promise<string[]> {
  const tokens: string[] = [];
  for (let i = 0; i < count; i++) {
    const { token } = await signAccessToken(setup.signingKey, {
      issuer: setup.issuer,
      audience: setup.audience,
      subject: BENCH_CLIENT_ID,
      clientId: BENCH_CLIENT_ID,
      scope: BENCH_SCOPE,
      ttlSeconds: 300,
      now: Date.now(),
      typ: 'at+jwt',
    });
    tokens.push(token);
  }
  return tokens;
}

/** The event of `base` with another body (a token request) or another bearer token (/work). */
export function withBody(event: ScfEvent, body: string): ScfEvent {
  return { ...event, body };
}

export function withBearer(event: ScfEvent, token: string): ScfEvent {
  return { ...event, headers: { ...event.headers, authorization: `Bearer ${token}` } };
}

export function functionTargets(setup: BenchSetup, workToken: string): FunctionTarget[] {
  const project = loadProject(setup.root, { env: setup.env });
  const host = new URL(setup.issuer).host;
  const base = { headers: { host, 'x-forwarded-proto': 'http' }, queryString: {}, isBase64Encoded: false };
  const events: Record<string, ScfEvent> = {
    token: {
      ...base,
      httpMethod: 'POST',
      path: '/token',
      headers: {
        ...base.headers,
        'content-type': 'application/x-www-form-urlencoded',
        authorization: basicAuth(BENCH_CLIENT_ID, setup.clientSecret),
      },
      body: 'grant_type=client_credentials&scope=read',
    },
    business: withBearer({ ...base, httpMethod: 'GET', path: '/work' }, workToken),
    authorize: {
      ...base,
      httpMethod: 'GET',
      path: '/authorize',
      queryString: {
        response_type: 'code',
        client_id: BENCH_CLIENT_ID,
        redirect_uri: setup.redirectUri,
        scope: 'read',
        state: 'bench',
        code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
        code_challenge_method: 'S256',
      },
    },
  };
  return project.functions.map((fn) => {
    const name = basename(fn.src);
    return {
      name,
      file: join(fn.src, 'index.js'),
      env: fn.environment,
      event: events[name] ?? { ...base, httpMethod: 'GET', path: '/' },
    };
  });
}

export function findTarget(targets: readonly FunctionTarget[], name: string): FunctionTarget {
  const target = targets.find((t) => t.name === name);
  if (!target) throw new Error(`no ${name} function to measure`);
  return target;
}

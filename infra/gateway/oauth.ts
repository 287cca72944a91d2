// What API Gateway does for an OAuth 2.0 business API before calling the backend: find the token in
// the configured location and verify it with the related authorization API's public key.
import type { KeyObject } from 'node:crypto';
import { readCookie } from '../../shared/http/cookies.ts';
import { decodeClaims, parseCompactJws, verifyRs256 } from '../../shared/jwt/compact.ts';
import { importGatewayPublicKey } from '../../shared/jwt/keys.ts';

/** The gateway's own messages (API Gateway error-code page); the body format is our assumption. */
export const GATEWAY_MESSAGES = {
  noHeader: 'Oauth found no authorization header',
  headerFormat: 'Oauth authorization header format error',
  noToken: 'Oauth found no id_token',
  verify: 'Oauth id_token verify error',
  noRelatedApi: 'Oauth found no related Oauth api',
  publicKey: 'Oauth public key error',
  noPublicKey: 'Oauth found no public key',
  location: 'Oauth id_token location forbidden',
} as const;

export interface GatewayRefusal {
  status: 401 | 481;
  message: string;
}

export interface GatewayVerifier {
  check(headers: Record<string, string>, nowMs: number): Promise<GatewayRefusal | undefined>;
}

/** The request header limit of the local gateway: no token can be longer. */
const MAX_TOKEN_LENGTH = 16 * 1024;
const BEARER_ID_TOKEN = /^Bearer\s+id_token="([^"]+)"\s*$/i;
const BEARER = /^Bearer\s+([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)\s*$/i;

export function createGatewayVerifier(config: {
  publicKey?: string;
  tokenLocation?: string;
}): GatewayVerifier {
  // The key is read by the module every function reads keys with; a key it refuses is the gateway's
  // "public key error" on every request.
  const keyRead: Promise<{ key: KeyObject } | { problem: string }> = config.publicKey
    ? importGatewayPublicKey(config.publicKey).then(
        (k) => ({ key: k.publicKey }),
        () => ({ problem: GATEWAY_MESSAGES.publicKey }),
      )
    : Promise.resolve({ problem: GATEWAY_MESSAGES.noPublicKey });
  const location = (config.tokenLocation ?? 'authorization').toLowerCase();

  return {
    async check(headers, nowMs) {
      const read = await keyRead;
      if ('problem' in read) return { status: 481, message: read.problem };
      const { key } = read;
      let token: string | undefined;
      if (location === 'authorization') {
        const header = headers.authorization;
        if (!header) return { status: 401, message: GATEWAY_MESSAGES.noHeader };
        // The documented form is `Bearer id_token="<jwt>"`; a plain `Bearer <jwt>` is accepted too.
        const match = BEARER_ID_TOKEN.exec(header) ?? BEARER.exec(header);
        if (!/^Bearer\s/i.test(header)) return { status: 401, message: GATEWAY_MESSAGES.headerFormat };
        if (!match) return { status: 401, message: GATEWAY_MESSAGES.noToken };
        token = match[1];
      } else if (location === 'cookie') {
        token = readCookie(headers.cookie, 'id_token');
        if (!token) return { status: 401, message: GATEWAY_MESSAGES.noToken };
      } else {
        return { status: 481, message: GATEWAY_MESSAGES.location };
      }
      try {
        // RS256 with the configured key; no extension (`crit`) is understood. node:crypto rather than
        // jose: the emulator's own CPU is part of what `npm run bench` measures for /work.
        const jws = parseCompactJws(token!, MAX_TOKEN_LENGTH);
        if (!jws) return { status: 401, message: GATEWAY_MESSAGES.verify };
        if (jws.header.alg !== 'RS256' || 'crit' in jws.header || !verifyRs256(jws, key)) {
          return { status: 401, message: GATEWAY_MESSAGES.verify };
        }
        const claims = decodeClaims(jws);
        // The gateway requires iat and exp and refuses an expired token.
        if (typeof claims.exp !== 'number' || typeof claims.iat !== 'number') {
          return { status: 401, message: GATEWAY_MESSAGES.verify };
        }
        if (claims.exp * 1000 <= nowMs) return { status: 401, message: GATEWAY_MESSAGES.verify };
        if (typeof claims.nbf === 'number' && claims.nbf * 1000 > nowMs + 60_000) {
          return { status: 401, message: GATEWAY_MESSAGES.verify };
        }
        return undefined;
      } catch {
        return { status: 401, message: GATEWAY_MESSAGES.verify };
      }
    },
  };
}

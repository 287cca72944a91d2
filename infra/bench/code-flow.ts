// code_flow_cpu_us: one full authorization-code exchange (code + PKCE verifier → access and refresh
// token) at POST /token through the gateway, memory store. Codes are single use, so each request
// redeems its own: sealed here with OAUTH_SECRET exactly as the authorize function seals them after
// login and consent (which are not part of the exchange and not measured).
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createCodeSealer } from '../../shared/authorization-code.ts';
import { computeS256Challenge } from '../../shared/pkce.ts';
import { deriveSealKeys } from '../../shared/seal.ts';
import { newTokenId } from '../../shared/token-id.ts';
import { BENCH_CLIENT_ID, type BenchSetup } from './setup.ts';

/** The authorize function's default code lifetime: the codes are used within it. */
const CODE_TTL_SECONDS = 60;

/** Writes `count` token-request bodies, each redeeming a fresh code, one a line. */
export async function writeCodeExchanges(setup: BenchSetup, count: number, file: string): Promise<void> {
  writeFileSync(file, `${(await codeExchanges(setup, count)).join('\n')}\n`);
}

/** `count` token-request bodies, each redeeming a fresh code. */
export async function codeExchanges(setup: BenchSetup, count: number): Promise<string[]> {
  const secret = new Uint8Array(Buffer.from(setup.env.OAUTH_SECRET!, 'base64url'));
  const sealer = createCodeSealer(deriveSealKeys(secret, ['authorization code']));
  const verifier = randomBytes(32).toString('base64url');
  const challenge = computeS256Challenge(verifier);
  const now = Date.now();
  const form = (value: string) => encodeURIComponent(value);
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const code = await sealer.seal(
      {
        jti: newTokenId(),
        cid: BENCH_CLIENT_ID,
        ruri: setup.redirectUri,
        rsent: true,
        sub: 'user-bench',
        scope: 'read',
        cc: challenge,
        auth_time: Math.floor(now / 1000),
      },
      CODE_TTL_SECONDS,
      now,
    );
    lines.push(
      `grant_type=authorization_code&code=${form(code)}&redirect_uri=${form(setup.redirectUri)}&code_verifier=${verifier}`,
    );
  }
  return lines;
}

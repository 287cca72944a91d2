// Negative catalogue: grants presented after the signing key's switch time (OAUTH_SIGNING_KEY_NOT_AFTER)
// and before the next key is deployed. The 503 tells the client to retry: nothing may be spent by it.
import { describe, expect, it } from 'vitest';
import { tokenApp } from '../support/apps.ts';
import {
  bodyOf,
  CONFIDENTIAL_REDIRECT,
  FIXED_NOW,
  type Harness,
  makeHarness,
  redeem,
  runAuthorization,
  standardParams,
  VERIFIER,
  wrap,
} from '../support/authorize-flow.ts';

// Within the code's 60 s lifetime, so the code is still good when the new key arrives.
const SWITCH_AT = Math.floor(FIXED_NOW / 1000) + 20;

/** The token function as deployed with `env`, on the harness's clock and store. */
async function tokenFunction(h: Harness, env: Record<string, string>) {
  const now = () => h.clock.now;
  return wrap(await tokenApp(env, { now, store: h.store }));
}

/** A code from the authorize function, and a refresh token from an earlier redemption. */
async function grants(h: Harness) {
  const code = (await runAuthorization(h, standardParams())).searchParams.get('code')!;
  const first = (await runAuthorization(h, standardParams())).searchParams.get('code')!;
  const issued = await bodyOf(
    await redeem(h, {
      grant_type: 'authorization_code',
      code: first,
      redirect_uri: CONFIDENTIAL_REDIRECT,
      code_verifier: VERIFIER,
    }),
  );
  return { code, refreshToken: issued.refresh_token as string };
}

describe('grants presented after the signing key switch time', () => {
  it('a code and a refresh token refused with 503 are not spent: the retry after the new key works', async () => {
    const h = await makeHarness({ OAUTH_SIGNING_KEY_NOT_AFTER: String(SWITCH_AT) });
    const { code, refreshToken } = await grants(h);
    h.clock.now = (SWITCH_AT + 1) * 1000;
    const stale = { ...h.env, OAUTH_SIGNING_KEY_NOT_AFTER: String(SWITCH_AT) };
    const codeFields = {
      grant_type: 'authorization_code',
      code,
      redirect_uri: CONFIDENTIAL_REDIRECT,
      code_verifier: VERIFIER,
    };
    const refreshFields = { grant_type: 'refresh_token', refresh_token: refreshToken };

    const during = await tokenFunction(h, stale);
    for (const fields of [codeFields, refreshFields]) {
      const r = await redeem({ ...h, token: during }, fields);
      expect(r.status).toBe(503);
      expect(r.headers.get('retry-after')).toBe('5');
    }
    // The next key is deployed (the same secret and store; no switch time any more).
    const { OAUTH_SIGNING_KEY_NOT_AFTER: _, ...rotated } = stale;
    const after = await tokenFunction(h, rotated);
    const byCode = await redeem({ ...h, token: after }, codeFields);
    expect(byCode.status).toBe(200);
    const byRefresh = await redeem({ ...h, token: after }, refreshFields);
    expect(byRefresh.status).toBe(200);
    expect(await bodyOf(byRefresh)).toHaveProperty('refresh_token');
  });
});

import { decodeJwt, decodeProtectedHeader } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadBusinessConfig } from '../../functions/business/config.ts';
import { loadTokenConfig } from '../../functions/token/config.ts';
import { type GeneratedKeys, generateSigningKeys } from '../../infra/keys/generate.ts';
import { planRotation } from '../../infra/keys/rotate.ts';
import { ConfigError } from '../../shared/errors.ts';
import type { App } from '../../shared/http/app.ts';
import { parseInstant } from '../../shared/instant.ts';
import { importSigningKey } from '../../shared/jwt/keys.ts';
import { signAccessToken } from '../../shared/jwt/sign.ts';
import { MemoryStore } from '../../shared/store/memory.ts';
import { businessApp, tokenApp } from '../support/apps.ts';
import {
  AUDIENCE,
  basic,
  CONFIDENTIAL_SECRET,
  form,
  ISSUER,
  runApp,
  testEnv,
  testKeys,
} from '../support/fixtures.ts';

const START = Date.UTC(2026, 0, 1, 12, 0, 0);
const T = START / 1000 + 120; // the planned switch time, two minutes ahead
const clock = { now: START };
const now = () => clock.now;

let oldKeys: GeneratedKeys;
let newKeys: GeneratedKeys;
let phase1: Record<string, string>;
let phase2: Record<string, string>;

beforeAll(async () => {
  oldKeys = await testKeys();
  newKeys = await generateSigningKeys();
  const plan = planRotation(await importSigningKey(oldKeys.privatePem), newKeys, T);
  phase1 = await testEnv(plan.publish);
  phase2 = await testEnv({ ...plan.switch });
});

async function tokenFunction(env: Record<string, string>) {
  return tokenApp(env, { now, store: new MemoryStore({ now }) });
}

async function issue(app: App) {
  const { res } = await runApp(
    app,
    form({ grant_type: 'client_credentials' }, { authorization: basic('confidential', CONFIDENTIAL_SECRET) }),
  );
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text), headers: res.headers };
}

async function work(env: Record<string, string>, token: string) {
  const app = await businessApp(env, { now });
  const { res } = await runApp(
    app,
    new Request(`${ISSUER}/work`, { headers: { authorization: `Bearer ${token}` } }),
  );
  return res.status;
}

describe('OAUTH_SIGNING_KEY_NOT_AFTER', () => {
  it.each([
    ['1767268800', 1_767_268_800],
    ['2026-01-01T12:00:00Z', 1_767_268_800],
    ['2026-01-01T20:00:00+08:00', 1_767_268_800],
  ])('reads %s', (text, seconds) => {
    expect(parseInstant(text)).toEqual({ seconds });
  });

  it.each(['tomorrow', '2026-01-01', '2026-01-01T12:00:00', '2026-13-01T00:00:00Z', '-5'])(
    'refuses %s by name, saying which forms it takes',
    async (value) => {
      const error = await loadTokenConfig(await testEnv({ OAUTH_SIGNING_KEY_NOT_AFTER: value })).catch(
        (e) => e,
      );
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems).toEqual([
        expect.stringMatching(
          /^OAUTH_SIGNING_KEY_NOT_AFTER (must be Unix seconds or an ISO 8601 time with a zone|is not a valid date)/,
        ),
      ]);
    },
  );

  it('cuts the lifetime of tokens so none outlives the switch time, and says so in expires_in', async () => {
    const app = await tokenFunction(phase1);
    clock.now = START;
    const early = await issue(app);
    expect(early.body.expires_in).toBe(120);
    expect(decodeJwt(early.body.access_token).exp).toBe(T);
    clock.now = START + 100_000;
    const late = await issue(app);
    expect(late.body.expires_in).toBe(20);
    expect(decodeJwt(late.body.access_token).exp).toBe(T);
  });

  it('leaves the lifetime alone while the switch is far away', async () => {
    const app = await tokenFunction({ ...phase1, OAUTH_SIGNING_KEY_NOT_AFTER: String(T + 86_400) });
    clock.now = START;
    expect((await issue(app)).body.expires_in).toBe(300);
  });

  it('answers 503 temporarily_unavailable once the switch time has passed, signing nothing', async () => {
    const app = await tokenFunction(phase1);
    clock.now = T * 1000;
    const r = await issue(app);
    expect({ status: r.status, error: r.body.error }).toEqual({
      status: 503,
      error: 'temporarily_unavailable',
    });
    expect(r.headers.get('retry-after')).toBe('5');
  });
});

describe('the JWKS through a rotation', () => {
  async function kids(env: Record<string, string>) {
    const { res } = await runApp(await tokenFunction(env), new Request(`${ISSUER}/.well-known/jwks.json`));
    return ((await res.json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid);
  }

  it('step 1 publishes the next key after the current one', async () => {
    expect(await kids(phase1)).toEqual([oldKeys.kid, newKeys.kid]);
  });

  it('step 2 signs with the new key and keeps the old one published', async () => {
    expect(await kids(phase2)).toEqual([newKeys.kid, oldKeys.kid]);
    clock.now = T * 1000;
    const r = await issue(await tokenFunction(phase2));
    expect(decodeProtectedHeader(r.body.access_token).kid).toBe(newKeys.kid);
  });
});

describe('the business function through a rotation', () => {
  it('accepts tokens of both keys while both are listed, and the old one until it expires', async () => {
    clock.now = START;
    const old = (await issue(await tokenFunction(phase1))).body.access_token;
    clock.now = T * 1000;
    const fresh = (await issue(await tokenFunction(phase2))).body.access_token;
    clock.now = T * 1000 - 1000;
    expect(await work(phase1, old)).toBe(200);
    clock.now = T * 1000 + 1000;
    // After the switch, within the clock tolerance: the old key is still listed, the token still good.
    expect(await work(phase2, old)).toBe(200);
    expect(await work(phase2, fresh)).toBe(200);
    clock.now = (T + 31) * 1000;
    expect(await work(phase2, old)).toBe(401);
  });
});

describe('typ (RFC 9068 §2.1, §4)', () => {
  async function tokenWithTyp(typ: 'at+jwt' | 'JWT') {
    const key = await importSigningKey((await testKeys()).privatePem);
    return (
      await signAccessToken(key, {
        issuer: ISSUER,
        audience: AUDIENCE,
        subject: 's',
        clientId: 'confidential',
        scope: 'read',
        ttlSeconds: 300,
        now: START,
        typ,
      })
    ).token;
  }

  it('by default the business function accepts at+jwt only', async () => {
    clock.now = START;
    const env = await testEnv();
    expect(await work(env, await tokenWithTyp('at+jwt'))).toBe(200);
    expect(await work(env, await tokenWithTyp('JWT'))).toBe(401);
  });

  it('with OAUTH_ACCESS_TOKEN_TYP=JWT it accepts JWT, and at+jwt still', async () => {
    clock.now = START;
    const env = await testEnv({ OAUTH_ACCESS_TOKEN_TYP: 'JWT' });
    expect(await work(env, await tokenWithTyp('JWT'))).toBe(200);
    expect(await work(env, await tokenWithTyp('at+jwt'))).toBe(200);
  });

  it('the token function writes the configured typ', async () => {
    clock.now = START;
    const r = await issue(await tokenFunction(await testEnv({ OAUTH_ACCESS_TOKEN_TYP: 'JWT' })));
    expect(decodeProtectedHeader(r.body.access_token).typ).toBe('JWT');
  });
});

describe('OAUTH_CHECK_REVOCATION', () => {
  const problems = async (env: Record<string, string>) =>
    loadBusinessConfig(await testEnv(env)).then(
      () => [],
      (e: ConfigError) => e.problems,
    );

  it('is on by default with Redis and off with memory', async () => {
    expect(
      (await loadBusinessConfig(await testEnv({ OAUTH_STORE: 'redis://127.0.0.1:6379' }))).checkRevocation,
    ).toBe(true);
    expect((await loadBusinessConfig(await testEnv({ OAUTH_STORE: 'memory' }))).checkRevocation).toBe(false);
    expect(
      (
        await loadBusinessConfig(
          await testEnv({ OAUTH_STORE: 'redis://127.0.0.1:6379', OAUTH_CHECK_REVOCATION: 'false' }),
        )
      ).checkRevocation,
    ).toBe(false);
  });

  it('refuses to be turned on with a memory store, which never hears of a revocation', async () => {
    expect(await problems({ OAUTH_STORE: 'memory', OAUTH_CHECK_REVOCATION: 'true' })).toEqual([
      'OAUTH_CHECK_REVOCATION needs OAUTH_STORE to be the redis:// URL the token function uses (memory is per instance)',
    ]);
  });

  it('names a value that is not a boolean', async () => {
    expect(await problems({ OAUTH_CHECK_REVOCATION: 'yes' })).toEqual([
      'OAUTH_CHECK_REVOCATION must be true or false, got "yes"',
    ]);
  });
});

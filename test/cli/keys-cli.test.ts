import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateSigningKeys } from '../../infra/keys/generate.ts';
import { importPublicKeys, importSigningKey } from '../../shared/jwt/keys.ts';
import { deriveKey } from '../../shared/seal.ts';
import { runTool } from '../support/run.ts';

const dir = mkdtempSync(join(tmpdir(), 'keys-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('npm run keys', () => {
  it('writes the private PEM, public PEM and gateway JWK, and prints the environment lines', async () => {
    const out = join(dir, 'k');
    const r = runTool('infra/keys/cli.ts', ['--out', out]);
    expect(r.status).toBe(0);
    const privatePem = readFileSync(join(out, 'private.pem'), 'utf8');
    expect(privatePem.startsWith(`-----BEGIN ${'PRIVATE'} KEY-----`)).toBe(true); // spelled apart so secret scanners do not take this file for a key
    expect(statSync(join(out, 'private.pem')).mode & 0o777).toBe(0o600);
    const key = await importSigningKey(privatePem);
    const [pub] = await importPublicKeys(readFileSync(join(out, 'public.pem'), 'utf8'));
    expect(pub?.kid).toBe(key.kid);
    const gateway = JSON.parse(readFileSync(join(out, 'public.json'), 'utf8'));
    expect(gateway).toMatchObject({ kty: 'RSA', e: 'AQAB', n: key.publicJwk.n, alg: 'RS256', kid: key.kid });
    const lines = Object.fromEntries(
      r.stdout
        .split('\n')
        .filter((l) => /^OAUTH_[A-Z_]+=/.test(l))
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1).replace(/^'|'$/g, '')]),
    );
    expect(Object.keys(lines).sort()).toEqual([
      'OAUTH_CODE_KEY',
      'OAUTH_CSRF_KEY',
      'OAUTH_GATEWAY_PUBLIC_KEY',
      'OAUTH_PRIVATE_KEY',
      'OAUTH_PUBLIC_KEYS',
      'OAUTH_REFRESH_TOKEN_KEY',
      'OAUTH_SECRET',
      'OAUTH_SESSION_KEY',
    ]);
    // Each function's own keys are those its configuration derives from the one secret.
    const secret = new Uint8Array(Buffer.from(lines.OAUTH_SECRET!, 'base64url'));
    expect(lines.OAUTH_REFRESH_TOKEN_KEY).toBe(
      Buffer.from(deriveKey(secret, 'refresh token')).toString('base64url'),
    );
    expect(lines.OAUTH_CODE_KEY).toBe(
      Buffer.from(deriveKey(secret, 'authorization code')).toString('base64url'),
    );
    expect((await importSigningKey(lines.OAUTH_PRIVATE_KEY!)).kid).toBe(key.kid);
    expect((await importPublicKeys(lines.OAUTH_PUBLIC_KEYS!))[0]?.kid).toBe(key.kid);
  });

  it('refuses to overwrite existing keys unless told to', () => {
    const out = join(dir, 'twice');
    expect(runTool('infra/keys/cli.ts', ['--out', out]).status).toBe(0);
    const before = readFileSync(join(out, 'private.pem'), 'utf8');
    const again = runTool('infra/keys/cli.ts', ['--out', out]);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/refusing to overwrite .*private\.pem.*--force/);
    expect(readFileSync(join(out, 'private.pem'), 'utf8')).toBe(before);
    expect(runTool('infra/keys/cli.ts', ['--out', out, '--force']).status).toBe(0);
    expect(readFileSync(join(out, 'private.pem'), 'utf8')).not.toBe(before);
  });

  it('refuses an unknown key size', () => {
    const r = runTool('infra/keys/cli.ts', ['--out', join(dir, 'b'), '--bits', '1024']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--bits must be 2048, 3072 or 4096/);
  });

  describe('--rotate', () => {
    // Run from the temporary folder: a developer's own .env must not feed the current key.
    const blocks = (stdout: string) =>
      stdout
        .split(/^# Step \d[^\n]*\n(?:#[^\n]*\n)*/m)
        .slice(1)
        .map((block) =>
          Object.fromEntries(
            block
              .split('\n')
              .filter((l) => /^OAUTH_[A-Z_]+=/.test(l))
              .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1).replace(/^'|'$/g, '')]),
          ),
        );

    it('replaces the key, retires the old public key and prints each step', async () => {
      const out = join(dir, 'rotate');
      expect(runTool('infra/keys/cli.ts', ['--out', out], { cwd: dir }).status).toBe(0);
      const old = await importSigningKey(readFileSync(join(out, 'private.pem'), 'utf8'));
      const r = runTool(
        'infra/keys/cli.ts',
        ['--rotate', '--out', out, '--switch-at', '2099-01-01T00:00:00Z'],
        { cwd: dir },
      );
      expect(r.status).toBe(0);
      const next = await importSigningKey(readFileSync(join(out, 'private.pem'), 'utf8'));
      expect(next.kid).not.toBe(old.kid);
      expect(r.stdout).toContain(`from key ${old.kid}`);
      const retiredFile = await importPublicKeys(readFileSync(join(out, 'retired.json'), 'utf8'));
      expect(retiredFile.map((k) => k.kid)).toEqual([old.kid]);

      const [publish, change, retire] = blocks(r.stdout);
      const kids = async (v: string | undefined) => (await importPublicKeys(v!)).map((k) => k.kid);
      expect(publish!.OAUTH_SIGNING_KEY_NOT_AFTER).toBe('2099-01-01T00:00:00Z');
      expect(await kids(publish!.OAUTH_NEXT_PUBLIC_KEYS)).toEqual([next.kid]);
      expect(await kids(publish!.OAUTH_PUBLIC_KEYS)).toEqual([old.kid, next.kid]);
      expect((await importSigningKey(change!.OAUTH_PRIVATE_KEY!)).kid).toBe(next.kid);
      expect(await kids(change!.OAUTH_RETIRED_PUBLIC_KEYS)).toEqual([old.kid]);
      expect(await kids(change!.OAUTH_PUBLIC_KEYS)).toEqual([next.kid, old.kid]);
      expect(JSON.parse(change!.OAUTH_GATEWAY_PUBLIC_KEY!)).toMatchObject({
        kid: next.kid,
        n: next.publicJwk.n,
      });
      expect(change!.OAUTH_SIGNING_KEY_NOT_AFTER).toBe('');
      expect(retire!.OAUTH_RETIRED_PUBLIC_KEYS).toBe('');
      expect(await kids(retire!.OAUTH_PUBLIC_KEYS)).toEqual([next.kid]);
    });

    it('takes the current key from OAUTH_PRIVATE_KEY before the keys folder', async () => {
      const deployed = await generateSigningKeys();
      const out = join(dir, 'rotate-env');
      const r = runTool('infra/keys/cli.ts', ['--rotate', '--out', out, '--switch-at', '4102444800'], {
        cwd: dir,
        env: { OAUTH_PRIVATE_KEY: Buffer.from(deployed.privatePem).toString('base64') },
      });
      expect(r.status).toBe(0);
      expect(r.stdout).toContain(`from key ${deployed.kid} (read from OAUTH_PRIVATE_KEY)`);
    });

    it('refuses a switch time that leaves issued tokens no time to expire, or that it cannot read', () => {
      const soon = runTool('infra/keys/cli.ts', ['--rotate', '--out', join(dir, 'x'), '--switch-at', '1'], {
        cwd: dir,
      });
      expect(soon.status).toBe(2);
      expect(soon.stderr).toMatch(/--switch-at must be at least 300 s/);
      const bad = runTool('infra/keys/cli.ts', ['--rotate', '--out', join(dir, 'x'), '--switch-at', 'soon'], {
        cwd: dir,
      });
      expect(bad.status).toBe(2);
      expect(bad.stderr).toMatch(/--switch-at must be Unix seconds or an ISO 8601 time/);
    });

    it('says so when there is no current key', () => {
      const r = runTool(
        'infra/keys/cli.ts',
        ['--rotate', '--out', join(dir, 'empty'), '--switch-at', '4102444800'],
        { cwd: dir },
      );
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/no current key: set OAUTH_PRIVATE_KEY or keep it in .*private\.pem/);
    });
  });
});

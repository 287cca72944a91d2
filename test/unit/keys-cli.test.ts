import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { importPublicKeys, importSigningKey } from '../../shared/jwt/keys.ts';
import { runTool } from '../support/run.ts';

const dir = mkdtempSync(join(tmpdir(), 'keys-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('npm run keys', () => {
  it('writes the private PEM, public PEM and gateway JWK, and prints the environment lines', async () => {
    const out = join(dir, 'k');
    const r = runTool('infra/keys/cli.ts', ['--out', out]);
    expect(r.status).toBe(0);
    const privatePem = readFileSync(join(out, 'private.pem'), 'utf8');
    expect(privatePem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
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
      'OAUTH_GATEWAY_PUBLIC_KEY',
      'OAUTH_PRIVATE_KEY',
      'OAUTH_PUBLIC_KEYS',
      'OAUTH_SECRET',
    ]);
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
});

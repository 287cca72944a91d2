// The one .env reader of the tools (infra/env-file.ts): node:util.parseEnv, so a file reads as
// `node --env-file` reads it, and every tool that reads .env reads it through this module.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { updateEnvFile } from '../../infra/deploy/rotate-keys.ts';
import { loadEnv, parseEnvFile, readEnvFile } from '../../infra/env-file.ts';
import { importSigningKey } from '../../shared/jwt/keys.ts';
import { testKeys } from '../support/fixtures.ts';
import { ROOT } from '../support/run.ts';

const dir = mkdtempSync(join(tmpdir(), 'scf-oauth2-env-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('parseEnvFile', () => {
  it('reads A="line1\\nline2" as two lines, whether the \\n is escaped or a real line break', () => {
    expect(parseEnvFile('A="line1\\nline2"')).toEqual({ A: 'line1\nline2' });
    expect(parseEnvFile('A="line1\nline2"\nB=2')).toEqual({ A: 'line1\nline2', B: '2' });
  });

  it('reads comments, export, single quotes (no escapes) and trailing comments', () => {
    expect(parseEnvFile('# c\nexport A=1\r\nB=\'{"x":"y\\\\n"}\'\nC=plain # comment\nD=\n')).toEqual({
      A: '1',
      B: '{"x":"y\\\\n"}',
      C: 'plain',
      D: '',
    });
  });

  it('reads a PEM quoted over several lines whole: the signing key imports', async () => {
    const { privatePem } = await testKeys();
    const read = parseEnvFile(`OAUTH_ISSUER=https://a.example\nOAUTH_PRIVATE_KEY="${privatePem}"\nX=1\n`);
    expect(read.X).toBe('1');
    expect((await importSigningKey(read.OAUTH_PRIVATE_KEY!)).privateKey.type).toBe('private');
  });
});

describe('readEnvFile and loadEnv', () => {
  it('reads what the key rotation writes, and the process environment wins', () => {
    const file = join(dir, '.env');
    writeFileSync(file, 'OAUTH_ISSUER=https://a.example\n');
    updateEnvFile(file, { OAUTH_PUBLIC_KEYS: '{"keys":[{"kty":"RSA","n":"x","e":"AQAB"}]}' });
    expect(readEnvFile(file)).toEqual({
      OAUTH_ISSUER: 'https://a.example',
      OAUTH_PUBLIC_KEYS: '{"keys":[{"kty":"RSA","n":"x","e":"AQAB"}]}',
    });
    expect(loadEnv(file, { OAUTH_ISSUER: 'https://b.example', UNSET: undefined })).toEqual({
      OAUTH_ISSUER: 'https://b.example',
      OAUTH_PUBLIC_KEYS: '{"keys":[{"kty":"RSA","n":"x","e":"AQAB"}]}',
    });
    expect(readEnvFile(join(dir, 'none.env'))).toEqual({});
  });

  it('is the only .env reader of the tools: no other module of infra/ parses one', () => {
    const files = (function walk(d: string): string[] {
      return readdirSync(d).flatMap((n) => {
        const p = join(d, n);
        return statSync(p).isDirectory() ? walk(p) : p.endsWith('.ts') ? [p] : [];
      });
    })(join(ROOT, 'infra'));
    const readers = files.filter((f) => /\bparseEnv\s*\(/.test(readFileSync(f, 'utf8')));
    expect(readers.map((f) => relative(ROOT, f))).toEqual(['infra/env-file.ts']);
  });
});

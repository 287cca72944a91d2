// The bench's deployment: a fresh key and client, production bundles, and a project root whose
// serverless.yml files point at those bundles (the repository's dist/ is left alone).
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gatewayPublicKey, importSigningKey, type SigningKey } from '../../shared/jwt/keys.ts';
import { hashPassword } from '../../shared/password.ts';
import { VENDOR_PACKAGES } from '../build/build.ts';
import { type BundleResult, bundleFunctions } from '../build/bundle.ts';
import { functionInstanceFiles } from '../serverless/project.ts';

export const BENCH_CLIENT_ID = 'bench-client';
export const BENCH_SCOPE = 'read write';
export const BENCH_USERNAME = 'bench-user';

export interface BenchSetup {
  /** Temporary project root: serverless.yml files and dist/<function>/index.js. */
  root: string;
  bundles: BundleResult[];
  env: Record<string, string>;
  issuer: string;
  audience: string;
  signingKey: SigningKey;
  clientSecret: string;
  userPassword: string;
  redirectUri: string;
}

/** Copies a tree's serverless.yml files into a fresh root and builds its production bundles there. */
async function buildTree(repoRoot: string): Promise<{ root: string; bundles: BundleResult[] }> {
  const root = mkdtempSync(join(tmpdir(), 'scf-oauth2-bench-'));
  copyFileSync(join(repoRoot, 'serverless.yml'), join(root, 'serverless.yml'));
  for (const file of functionInstanceFiles(repoRoot)) {
    const name = file.split(/[\\/]/).at(-2)!;
    mkdirSync(join(root, 'functions', name), { recursive: true });
    copyFileSync(file, join(root, 'functions', name, 'serverless.yml'));
  }
  // Minified, optional packages apart, as `npm run build` makes them for deployment
  // (BENCH_NO_MINIFY=1: readable function names in --profile output).
  const bundles = await bundleFunctions({
    root: repoRoot,
    outdir: join(root, 'dist'),
    minify: !process.env.BENCH_NO_MINIFY,
    vendor: VENDOR_PACKAGES,
  });
  return { root, bundles };
}

/**
 * `base` given: the same deployment (key, secret, client, issuer) built from another tree, so that
 * tokens and codes made for one are valid for the other and the two can be compared side by side.
 */
export async function prepareBench(repoRoot: string, port: number, base?: BenchSetup): Promise<BenchSetup> {
  const { root, bundles } = await buildTree(repoRoot);
  if (base) return { ...base, root, bundles };

  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const signingKey = await importSigningKey(privatePem);
  const publicPem = signingKey.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const clientSecret = randomBytes(24).toString('base64url');
  const userPassword = randomBytes(12).toString('base64url');
  const redirectUri = 'https://client.example/cb';
  const issuer = `http://127.0.0.1:${port}`;
  const audience = `${issuer}/work`;
  const env: Record<string, string> = {
    OAUTH_ISSUER: issuer,
    OAUTH_AUDIENCE: audience,
    OAUTH_PRIVATE_KEY: privatePem,
    OAUTH_PUBLIC_KEYS: publicPem,
    OAUTH_GATEWAY_PUBLIC_KEY: gatewayPublicKey(signingKey.publicJwk),
    OAUTH_SECRET: randomBytes(32).toString('base64url'),
    OAUTH_CLIENTS: JSON.stringify([
      {
        client_id: BENCH_CLIENT_ID,
        client_secret: clientSecret,
        redirect_uris: [redirectUri],
        grant_types: ['client_credentials', 'authorization_code', 'refresh_token'],
        scope: BENCH_SCOPE,
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ]),
    OAUTH_USERS: JSON.stringify([
      { username: BENCH_USERNAME, password_hash: await hashPassword(userPassword), sub: 'user-bench' },
    ]),
    OAUTH_STORE: 'memory',
  };
  return { root, bundles, env, issuer, audience, signingKey, clientSecret, userPassword, redirectUri };
}

export function basicAuth(clientId: string, secret: string): string {
  const form = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${form(clientId)}:${form(secret)}`).toString('base64')}`;
}

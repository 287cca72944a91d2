// Offline checks of serverless.yml: the real configuration passes; deliberately broken copies fail, each
// with a message naming the file and the input.
import { createPrivateKey } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { generateSigningKeys } from '../../infra/keys/generate.ts';
import { checkDeployConfig, environmentBytes, SCF_ENV_LIMIT_BYTES } from '../../infra/serverless/check.ts';
import { functionInstanceFiles, loadProject } from '../../infra/serverless/project.ts';
import { gatewayPublicKey, importPublicKeys, importSigningKey } from '../../shared/jwt/keys.ts';
import { realisticDeployEnv } from '../support/deploy-env.ts';
import { editedCopy } from '../support/deploy-root.ts';

const ROOT = resolve(import.meta.dirname, '../..');
/** A serverless.yml variable reference, e.g. ref('env:X') is the text $, {, env:X, }. */
const ref = (inner: string) => `$${'{'}${inner}}`;
let env: Record<string, string>;
const copies: string[] = [];

beforeAll(async () => {
  env = await realisticDeployEnv();
});
afterEach(() => {
  for (const dir of copies.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A copy of every serverless.yml of the project, with `edit` applied to one of them. */
function brokenCopy(file: string, edit: (text: string) => string): string {
  return editedCopy([join(ROOT, 'serverless.yml'), ...functionInstanceFiles(ROOT)], file, edit, copies);
}

describe('the deploy configuration', () => {
  it('passes every check with a real generated key and a realistic client list', async () => {
    expect(await checkDeployConfig(ROOT, { env })).toEqual([]);
  });

  it('fits SCF 4 KB per function even while a retired public key is published during rotation', async () => {
    const project = loadProject(ROOT, { env });
    const retired = await generateSigningKeys();
    for (const fn of project.functions) {
      const vars = { ...fn.environment };
      if ('OAUTH_PRIVATE_KEY' in vars) {
        const [key] = await importPublicKeys(retired.publicPem);
        vars.OAUTH_RETIRED_PUBLIC_KEYS = gatewayPublicKey(key!.publicJwk);
      }
      expect(environmentBytes(vars), fn.functionName).toBeLessThanOrEqual(SCF_ENV_LIMIT_BYTES);
    }
  });

  it('passes on an unmodified copy (the copies below fail for their edit alone)', async () => {
    const dir = brokenCopy('serverless.yml', (t) => t.replace('apiName: jwks', 'apiName: jwks2'));
    expect(await checkDeployConfig(dir, { env })).toEqual([]);
  });

  const cases: [string, string, (t: string) => string, RegExp][] = [
    [
      'YAML that does not parse',
      'serverless.yml',
      (t) => `${t}\n  - : [unclosed\n`,
      /serverless\.yml: does not parse/,
    ],
    [
      'a token location the schema does not allow',
      'serverless.yml',
      (t) => t.replace('tokenLocation: authorization', 'tokenLocation: method.req.header.authorization'),
      /oauthConfig\.tokenLocation must be one of authorization, cookie/,
    ],
    [
      'a runtime without Node 18 globals',
      'functions/token/serverless.yml',
      (t) => t.replace('runtime: Nodejs18.15', 'runtime: Nodejs16.13'),
      /functions\/token\/serverless\.yml: inputs\.runtime must be one of Nodejs18\.15, got "Nodejs16\.13"/,
    ],
    [
      'a business type the schema does not know',
      'serverless.yml',
      (t) => t.replace('businessType: NORMAL', 'businessType: BUSINESS'),
      /businessType must be one of NORMAL, OAUTH/,
    ],
    [
      'authRelationApi pointing at no authorization API',
      'serverless.yml',
      (t) => t.replace(/authRelationApi:\n(\s+)path: \/token/, 'authRelationApi:\n$1path: /tokens'),
      /authRelationApi \(POST \/tokens\) is not an authorization API of this service/,
    ],
    [
      'an input the component does not know',
      'serverless.yml',
      (t) => t.replace('serviceDesc:', 'description:'),
      /inputs\.description is not an input the component knows/,
    ],
    [
      'an env reference that is not set',
      'functions/business/serverless.yml',
      (t) => t.replace(ref('env:OAUTH_AUDIENCE'), ref('env:OAUTH_AUDIENCES')),
      /functions\/business\/serverless\.yml: \$\{env:OAUTH_AUDIENCES\} is not set/,
    ],
    [
      'an output reference naming no instance',
      'serverless.yml',
      (t) => t.replace('oauth-business.functionName', 'oauth-busines.functionName'),
      /\$\{output:dev:scf-oauth2:oauth-busines\.functionName\} names no instance/,
    ],
    [
      'an output reference naming an output the component does not have',
      'serverless.yml',
      (t) => t.replace('oauth-business.functionName', 'oauth-business.functionArn'),
      /scf has no output functionArn/,
    ],
    [
      'a variable with a reserved prefix',
      'functions/business/serverless.yml',
      (t) => t.replace('      OAUTH_ISSUER:', '      SCF_OAUTH_ISSUER: x\n      OAUTH_ISSUER:'),
      /SCF_OAUTH_ISSUER: the prefix SCF_ is reserved by SCF/,
    ],
    [
      'a variable name SCF refuses',
      'functions/business/serverless.yml',
      (t) => t.replace('      OAUTH_ISSUER:', '      OAUTH-MODE: x\n      OAUTH_ISSUER:'),
      /OAUTH-MODE: name must match/,
    ],
    [
      'a missing authorization API',
      'serverless.yml',
      (t) => t.replace('businessType: OAUTH', 'businessType: NORMAL'),
      /an authorization API needs|oauthConfig belongs on the authorization API only/,
    ],
    [
      'a bundle folder that is not the function’s',
      'functions/business/serverless.yml',
      (t) => t.replace('dist/business', 'dist/token'),
      /src must be the bundle folder \.\.\/\.\.\/dist\/business/,
    ],
    [
      'a missing route of the contract',
      'serverless.yml',
      (t) => t.replace('path: /revoke', 'path: /revocation'),
      /the route POST \/revoke of design\.md is missing/,
    ],
    [
      'a region written in one serverless.yml instead of read from TENCENTCLOUD_REGION',
      'functions/token/serverless.yml',
      (t) => t.replace(`region: ${ref('env:TENCENTCLOUD_REGION')}`, 'region: ap-shanghai'),
      /functions\/token\/serverless\.yml: inputs\.region is "ap-shanghai" but TENCENTCLOUD_REGION is "ap-guangzhou": write region: \$\{env:TENCENTCLOUD_REGION\}/,
    ],
    [
      'an instance without a region (the component would pick ap-guangzhou itself)',
      'serverless.yml',
      (t) => t.replace(`  region: ${ref('env:TENCENTCLOUD_REGION')}\n`, ''),
      /^serverless\.yml: inputs\.region is missing but TENCENTCLOUD_REGION is "ap-guangzhou"/m,
    ],
    [
      'a service id the apigateway schema refuses',
      'serverless.yml',
      (t) => t.replace(ref('env:TENCENTCLOUD_APIGW_SERVICE_ID'), 'svc-1'),
      /serverless\.yml: inputs\.serviceId must match \^service-/,
    ],
  ];

  for (const [title, file, edit, expected] of cases) {
    it(`fails on ${title}`, async () => {
      const problems = await checkDeployConfig(brokenCopy(file, edit), { env });
      expect(problems.join('\n')).toMatch(expected);
    });
  }

  it('requires TENCENTCLOUD_REGION, the one region of every instance and of the SDK calls', async () => {
    expect(await checkDeployConfig(ROOT, { env: { ...env, TENCENTCLOUD_REGION: '' } })).toEqual([
      'TENCENTCLOUD_REGION is not set: the region every function and the API Gateway service deploys to, e.g. ap-guangzhou (set in .env)',
    ]);
    expect(await checkDeployConfig(ROOT, { env: { ...env, TENCENTCLOUD_REGION: 'Guangzhou' } })).toContain(
      'TENCENTCLOUD_REGION must be a region such as ap-guangzhou, got "Guangzhou"',
    );
  });

  it('requires an existing API Gateway service for the gateway, and nothing of it without one', async () => {
    const unset = { ...env, TENCENTCLOUD_APIGW_SERVICE_ID: '' };
    const problems = await checkDeployConfig(ROOT, { env: unset });
    expect(problems).toEqual([
      'serverless.yml: inputs.serviceId: TENCENTCLOUD_APIGW_SERVICE_ID is not set. API Gateway sells no new services since 2024-07-01, so the apigateway component must reuse an existing one: set TENCENTCLOUD_APIGW_SERVICE_ID to its id (service-…, in the API Gateway console), or deploy with --profile function-url',
    ]);
    expect(await checkDeployConfig(ROOT, { env: unset, profile: 'function-url' })).toEqual([]);
  });

  it('checks the functions alone for the function-url profile: a broken gateway file does not matter', async () => {
    const dir = brokenCopy('serverless.yml', (t) =>
      t.replace('tokenLocation: authorization', 'tokenLocation: x'),
    );
    expect(await checkDeployConfig(dir, { env })).not.toEqual([]);
    expect(await checkDeployConfig(dir, { env, profile: 'function-url' })).toEqual([]);
    const { OAUTH_USERS: _, ...withoutUsers } = env;
    expect(await checkDeployConfig(ROOT, { env: withoutUsers, profile: 'function-url' })).toContain(
      `functions/authorize/serverless.yml: \${env:OAUTH_USERS} is not set`,
    );
  });

  it('fails when the gateway public key is not the signing key', async () => {
    const other = await generateSigningKeys();
    const problems = await checkDeployConfig(ROOT, {
      env: { ...env, OAUTH_GATEWAY_PUBLIC_KEY: other.gatewayJson },
    });
    expect(problems).toContain(
      "serverless.yml: POST /token oauthConfig.publicKey is not the public key of the token function's OAUTH_PRIVATE_KEY",
    );
  });

  // The check reads OAUTH_PRIVATE_KEY with the token function's own reader (shared/jwt/keys.ts): every
  // form the function accepts passes, a PEM written on one line with `\n` escapes included.
  it.each([
    ['a PKCS#8 PEM', (pem: string) => pem],
    ['a PEM on one line with \\n escapes', (pem: string) => pem.trim().replace(/\n/g, '\\n')],
    ['base64 of the PEM (as npm run keys prints it)', (pem: string) => Buffer.from(pem).toString('base64')],
    [
      'a PKCS#1 PEM',
      (pem: string) => createPrivateKey(pem).export({ type: 'pkcs1', format: 'pem' }).toString(),
    ],
  ])('accepts the signing key as %s, as the token function does', async (_, form) => {
    const value = form(Buffer.from(env.OAUTH_PRIVATE_KEY!, 'base64').toString('utf8'));
    const accepted = await importSigningKey(value);
    expect(accepted.kid).toBe((await importSigningKey(env.OAUTH_PRIVATE_KEY!)).kid);
    expect(await checkDeployConfig(ROOT, { env: { ...env, OAUTH_PRIVATE_KEY: value } })).toEqual([]);
  });

  it('accepts the signing key as a private JWK, as the token function does', async () => {
    const jwk = JSON.stringify(
      createPrivateKey(Buffer.from(env.OAUTH_PRIVATE_KEY!, 'base64').toString('utf8')).export({
        format: 'jwk',
      }),
    );
    await importSigningKey(jwk);
    const problems = await checkDeployConfig(ROOT, { env: { ...env, OAUTH_PRIVATE_KEY: jwk } });
    // A private JWK is larger than its PEM: only SCF's 4 KB may object, never the key checks.
    expect(problems.filter((p) => !/environment: \d+ bytes, over SCF's 4096/.test(p))).toEqual([]);
  });

  it('fails when the business function cannot verify tokens of the signing key', async () => {
    const other = await generateSigningKeys();
    const problems = await checkDeployConfig(ROOT, {
      env: { ...env, OAUTH_PUBLIC_KEYS: JSON.stringify({ keys: [other.publicJwk] }) },
    });
    expect(problems).toContain(
      'functions/business/serverless.yml: OAUTH_PUBLIC_KEYS does not hold the public key of OAUTH_PRIVATE_KEY',
    );
  });

  it('fails when a function environment is over 4 KB, listing each variable size', async () => {
    const many = Array.from({ length: 12 }, (_, i) => ({
      client_id: `client-${i}`,
      client_secret: 'x'.repeat(43),
      grant_types: ['client_credentials'],
      scope: 'read',
      token_endpoint_auth_method: 'client_secret_basic',
    }));
    const problems = await checkDeployConfig(ROOT, { env: { ...env, OAUTH_CLIENTS: JSON.stringify(many) } });
    expect(problems.join('\n')).toMatch(
      /functions\/token\/serverless\.yml: inputs\.environment: \d+ bytes, over SCF's 4096 \(.*OAUTH_CLIENTS \d+/,
    );
  });
});

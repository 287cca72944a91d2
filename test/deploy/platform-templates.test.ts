// Offline checks of the AWS SAM template and the Alibaba Cloud Serverless Devs project (no cloud
// account): the real files pass against freshly built bundles; broken copies fail, each naming what
// is wrong. Also: the Dockerfile and systemd unit of docs/self-hosting.md name files that exist.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAll } from '../../infra/build/build.ts';
import {
  checkSamTemplate,
  checkServerlessDevs,
  SAM_TEMPLATE,
  SERVERLESS_DEVS_PROJECT,
} from '../../infra/platforms/check.ts';
import { functionInstanceFiles } from '../../infra/serverless/project.ts';
import { editedCopy } from '../support/deploy-root.ts';
import { ROOT } from '../support/run.ts';

/** A Serverless Devs variable reference, e.g. envRef('X') is the text $, {, env('X'), }. */
const envRef = (name: string) => `$${'{'}env('${name}')}`;
let bundles: string;
const dirs: string[] = [];
beforeAll(async () => {
  bundles = mkdtempSync(join(tmpdir(), 'scf-oauth2-platform-dist-'));
  dirs.push(bundles);
  const { problems } = await buildAll(ROOT, bundles);
  expect(problems).toEqual([]);
}, 120_000);
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A copy of the configuration files with `edit` applied to `file`. */
function brokenCopy(file: string, edit: (text: string) => string): string {
  const files = [
    join(ROOT, 'serverless.yml'),
    ...functionInstanceFiles(ROOT),
    join(ROOT, SAM_TEMPLATE),
    join(ROOT, SERVERLESS_DEVS_PROJECT),
  ];
  return editedCopy(files, file, edit, dirs);
}

describe('deploy/aws/template.yaml (AWS SAM)', () => {
  it('passes every check, with each function built exporting handler', () => {
    expect(checkSamTemplate(ROOT, { bundles })).toEqual([]);
  });

  it.each([
    [
      'the Lambda handler renamed',
      (t: string) => t.replace('Handler: index.handler', 'Handler: index.main_handler'),
      'Handler must be index.handler',
    ],
    [
      'a function given a variable it does not need',
      (t: string) =>
        t.replace(
          /(FunctionName: oauth-business[\s\S]*?Variables:\n)/,
          '$1          OAUTH_PRIVATE_KEY:\n            Ref: OauthPrivateKey\n',
        ),
      'BusinessFunction: Environment.Variables must be exactly',
    ],
    [
      'a secret parameter shown',
      (t: string) => t.replace(/(OauthRefreshTokenKey:\n {4}Type: String\n) {4}NoEcho: true\n/, '$1'),
      'OauthRefreshTokenKey holds a secret and must be NoEcho',
    ],
    [
      'a route dropped',
      (t: string) => t.replace(/ {8}PostRevoke:[\s\S]*?PayloadFormatVersion: "2.0"\n/, ''),
      'TokenFunction: the events must be exactly the routes',
    ],
    [
      'an old runtime',
      (t: string) => t.replace('Runtime: nodejs20.x', 'Runtime: nodejs16.x'),
      'Runtime must be nodejs20.x or newer',
    ],
    [
      'a memory size unlike serverless.yml',
      (t: string) => t.replace('MemorySize: 64', 'MemorySize: 512'),
      'MemorySize must be 64',
    ],
    [
      'a function missing',
      (t: string) => t.replace('CodeUri: ../../dist/authorize', 'CodeUri: ../../dist/token'),
      'no AWS::Serverless::Function for functions/authorize',
    ],
  ])('fails with %s', (_name, edit, message) => {
    const dir = brokenCopy(SAM_TEMPLATE, edit);
    expect(checkSamTemplate(dir).join('\n')).toContain(message);
  });
});

describe('deploy/aliyun/s.yaml (Serverless Devs, FC 3.0)', () => {
  it('passes every check, with each function built exporting fcHandler', () => {
    expect(checkServerlessDevs(ROOT, { bundles })).toEqual([]);
  });

  it.each([
    [
      'the FC handler renamed',
      (t: string) => t.replace('handler: index.fcHandler', 'handler: index.handler'),
      'handler must be index.fcHandler',
    ],
    [
      'a secret written into the file',
      (t: string) => t.replace(`OAUTH_CODE_KEY: ${envRef('OAUTH_CODE_KEY')}`, 'OAUTH_CODE_KEY: abc'),
      `OAUTH_CODE_KEY must be ${envRef('OAUTH_CODE_KEY')}`,
    ],
    [
      'a variable missing',
      (t: string) => t.replace(`        OAUTH_USERS: ${envRef('OAUTH_USERS')}\n`, ''),
      'oauth-authorize: environmentVariables must be exactly',
    ],
    [
      'a signed trigger',
      (t: string) => t.replace('authType: anonymous', 'authType: function'),
      "the http trigger's authType must be anonymous",
    ],
    [
      'a route sent to the wrong function',
      (t: string) => t.replace(/(- path: \/work\n\s+functionName: )oauth-business/, '$1oauth-token'),
      'routeConfig.routes must send exactly',
    ],
    ['an old edition', (t: string) => t.replace('edition: 3.0.0', 'edition: 1.0.0'), 'edition must be 3.0.0'],
  ])('fails with %s', (_name, edit, message) => {
    const dir = brokenCopy(SERVERLESS_DEVS_PROJECT, edit);
    expect(checkServerlessDevs(dir).join('\n')).toContain(message);
  });
});

describe('docs/self-hosting.md', () => {
  const text = readFileSync(join(ROOT, 'docs/self-hosting.md'), 'utf8');
  const block = (lang: string) => new RegExp(`\`\`\`${lang}\\n([\\s\\S]*?)\`\`\``).exec(text)?.[1] ?? '';

  it('the Dockerfile copies files that exist and runs the serve command', () => {
    const dockerfile = block('dockerfile');
    const copied = [...dockerfile.matchAll(/^COPY (.+) \S+$/gm)].flatMap((m) => m[1]!.split(' '));
    expect(copied.length).toBeGreaterThan(3);
    for (const source of copied) expect(existsSync(join(ROOT, source)), source).toBe(true);
    expect(dockerfile).toContain('CMD ["node", "--import", "tsx", "infra/serve/cli.ts"]');
    expect(readFileSync(join(ROOT, 'infra/serve/cli.ts'), 'utf8')).toContain('startServer');
  });

  it('the systemd unit starts the same command', () => {
    expect(block('ini')).toContain('ExecStart=/usr/bin/node --import tsx infra/serve/cli.ts');
    const scripts = (
      JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
    ).scripts;
    expect(scripts.serve).toBe('tsx infra/serve/cli.ts');
  });
});

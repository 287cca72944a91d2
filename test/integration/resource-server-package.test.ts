// The scf-oauth2-resource-server package as users get it: built, packed with `npm pack`, installed
// into a project of its own (it has no dependencies, so offline), and protecting a handler there with
// keys it fetches from a running `npm start`'s jwks_uri. The handler is the five lines of
// docs/protect-your-api.md, as written, and its serverless.yml is checked against the scf schema.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { buildResourceServerPackage, KIT_PACKAGE_NAME } from '../../infra/build/package.ts';
import { SCF_INPUTS, validate } from '../../infra/serverless/schema.ts';
import { gatewayEvent } from '../support/events.ts';
import { type NpmStart, printedSecret, startNpmStart } from '../support/npm-start.ts';
import { ROOT } from '../support/run.ts';

let work: string;
let project: string;
let server: NpmStart;
let issuer: string;

const DOC = readFileSync(join(ROOT, 'docs/protect-your-api.md'), 'utf8');

/** The fenced block that follows `<!-- marker -->` in the doc. */
function docBlock(marker: string): string {
  const match = new RegExp(`<!-- ${marker} -->\\n\`\`\`\\w+\\n([\\s\\S]*?)\`\`\``).exec(DOC);
  if (!match) throw new Error(`docs/protect-your-api.md has no block after <!-- ${marker} -->`);
  return match[1]!;
}

function run(command: string, args: string[], cwd: string, input?: string, env?: NodeJS.ProcessEnv) {
  const r = spawnSync(command, args, { cwd, encoding: 'utf8', input, env, timeout: 120_000 });
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** Calls the installed project's main_handler with each event in a fresh Node process. */
function invoke(events: unknown[]): { statusCode: number; headers: Record<string, string>; body: string }[] {
  const script = `
    const { main_handler } = require('./index.js');
    const events = JSON.parse(require('fs').readFileSync(0, 'utf8'));
    (async () => {
      const out = [];
      for (const e of events) out.push(await main_handler(e, { request_id: 'r' }));
      process.stdout.write('@@' + JSON.stringify(out));
    })();`;
  const stdout = run(process.execPath, ['-e', script], project, JSON.stringify(events), {
    PATH: process.env.PATH ?? '',
    OAUTH_ISSUER: issuer,
    OAUTH_AUDIENCE: `${issuer}/work`,
  });
  return JSON.parse(stdout.slice(stdout.indexOf('@@') + 2));
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'scf-oauth2-kit-'));
  const version = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version as string;
  const built = await buildResourceServerPackage(ROOT, join(work, 'dist'), version);
  expect(built.problems).toEqual([]);
  const packed = run('npm', ['pack', '--json', '--pack-destination', work], built.dir);
  const tarball = join(work, (JSON.parse(packed) as { filename: string }[])[0]!.filename);
  project = join(work, 'my-function');
  run('mkdir', ['-p', project], work);
  writeFileSync(join(project, 'package.json'), '{"name":"my-function","version":"1.0.0","private":true}\n');
  run('npm', ['install', '--offline', '--no-audit', '--no-fund', tarball], project);
  server = await startNpmStart();
  issuer = `http://127.0.0.1:${server.port}`;
  writeFileSync(join(project, 'index.js'), docBlock('protect-example'));
}, 180_000);
afterAll(() => {
  server?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

async function clientCredentialsToken(scope: string): Promise<string> {
  const res = await fetch(`${issuer}/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`demo-client:${printedSecret(server)}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope }),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
}

describe('docs/protect-your-api.md', () => {
  it('protects a function in five lines', () => {
    expect(docBlock('protect-example').trim().split('\n')).toHaveLength(5);
  });

  it('gives a serverless.yml the scf component accepts, with the variables the kit reads', () => {
    const yml = parse(docBlock('protect-serverless')) as {
      component: string;
      inputs: Record<string, unknown>;
    };
    expect(yml.component).toBe('scf');
    expect(validate(SCF_INPUTS, yml.inputs, 'inputs')).toEqual([]);
    const variables = (yml.inputs.environment as { variables: Record<string, string> }).variables;
    expect(Object.keys(variables).sort()).toEqual(['OAUTH_AUDIENCE', 'OAUTH_ISSUER']);
  });
});

describe('the packed scf-oauth2-resource-server in a project of its own', () => {
  it('installs with no dependencies and declares its types', () => {
    const installed = join(project, 'node_modules', KIT_PACKAGE_NAME);
    const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8'));
    expect(manifest.dependencies).toBeUndefined();
    // A TypeScript user of the package type-checks against its index.d.ts alone.
    writeFileSync(
      join(project, 'check.ts'),
      `import { protect, createVerifier, OAuthError, type Auth } from '${KIT_PACKAGE_NAME}';
const verify = createVerifier({ issuer: 'https://auth.example', audience: 'https://api.example' });
export const main_handler = protect({ scopes: ['read'] }, async (_e: unknown, _c: unknown, auth: Auth) => ({
  isBase64Encoded: false, statusCode: 200, headers: {}, body: auth.sub + auth.clientId + auth.scopes.join(),
}));
export async function check(token: string): Promise<string> {
  try { return (await verify(token)).client_id; } catch (e) { return e instanceof OAuthError ? e.error : 'bug'; }
}
`,
    );
    run(
      process.execPath,
      [
        join(ROOT, 'node_modules/typescript/bin/tsc'),
        '--noEmit',
        '--strict',
        '--module',
        'nodenext',
        '--moduleResolution',
        'nodenext',
        '--types',
        'node',
        '--typeRoots',
        join(ROOT, 'node_modules/@types'),
        'check.ts',
      ],
      project,
    );
  }, 120_000);

  it('protects a handler with keys fetched from npm start: 200, 401, 403 and the metadata', async () => {
    const url = `${issuer}/work`;
    const [ok, none, narrow, metadata] = invoke([
      gatewayEvent(url, { authorization: `Bearer ${await clientCredentialsToken('read')}` }),
      gatewayEvent(url),
      gatewayEvent(url, { authorization: `Bearer id_token="${await clientCredentialsToken('write')}"` }),
      gatewayEvent(`${issuer}/.well-known/oauth-protected-resource/work`),
    ]);
    expect(ok!.statusCode).toBe(200);
    expect(JSON.parse(ok!.body)).toEqual({ hello: 'demo-client', scopes: ['read'] });
    expect(none!.statusCode).toBe(401);
    expect(none!.headers['www-authenticate']).toBe(
      `Bearer resource_metadata="${issuer}/.well-known/oauth-protected-resource/work"`,
    );
    expect(narrow!.statusCode).toBe(403);
    expect(narrow!.headers['www-authenticate']).toContain('scope="read", error="insufficient_scope"');
    expect(JSON.parse(metadata!.body)).toMatchObject({ resource: url, authorization_servers: [issuer] });
  });
});

// What `npm run deploy` would create or update, per function and per gateway route, printed by --dry-run
// (after every offline check has passed) and before a real deploy. Nothing here calls the cloud.
import { statSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { kb } from '../build/build.ts';
import { environmentBytes, SCF_ENV_LIMIT_BYTES } from '../serverless/check.ts';
import {
  type FunctionInstance,
  loadProject,
  REGION_VARIABLE,
  readYaml,
  SERVICE_ID_VARIABLE,
} from '../serverless/project.ts';
import { componentsPlan } from './components.ts';
import type { DeployProfile } from './console.ts';
import { cnameTarget, domainEndpoints, HTTP_TRIGGER_DESC, QUALIFIER } from './function-url.ts';

export interface PlanOptions {
  root: string;
  env: Readonly<Record<string, string | undefined>>;
  profile: DeployProfile;
  domain?: string;
  certificateId?: string;
}

/** The plan as printed lines; `warnings` are what deploys but works less well than it should. */
export function deployPlan(options: PlanOptions): { lines: string[]; warnings: string[] } {
  const { root, env, profile } = options;
  const project = loadProject(root, { env, lenient: true });
  const region = env[REGION_VARIABLE]?.trim() ?? '';
  const lines = [`Plan for profile ${profile} in ${region} (nothing has been sent):`];
  const steps = new Map(componentsPlan(root).map((s) => [s.cwd, s]));
  const at = (dir: string) => relative(root, dir) || '.';
  const run = (dir: string) => {
    const step = steps.get(dir)!;
    return `${step.command} ${step.args.join(' ')} (in ${at(dir)})`;
  };

  for (const fn of project.functions) {
    lines.push(
      `  function ${fn.functionName} (${relative(root, fn.file)}${profile === 'components' ? `, scf instance ${fn.instance}` : ''})`,
      `    code      ${relative(root, fn.src)}${bundleSize(fn)}`,
      `    runtime   ${fn.runtime}, ${fn.memorySize} MB, timeout ${fn.timeout} s`,
      `    env       ${variablesOf(fn)}`,
    );
    if (profile === 'components') {
      lines.push(`    action    ${run(dirname(fn.file))}`);
    } else {
      const desc = JSON.parse(HTTP_TRIGGER_DESC) as { AuthType: string };
      lines.push(
        `    action    create it, or update its code and then its configuration (its deployed runtime must be ${fn.runtime})`,
        `    URL       its http trigger on ${QUALIFIER}, created if missing (AuthType ${desc.AuthType}, on the Internet)`,
      );
    }
  }

  if (profile === 'components') {
    const inputs = (readYaml(join(root, 'serverless.yml')).inputs ?? {}) as { environment?: string };
    const serviceId = env[SERVICE_ID_VARIABLE]?.trim();
    lines.push(
      `  API Gateway service ${serviceId} (serverless.yml, apigateway instance ${String(readYaml(join(root, 'serverless.yml')).name)}), reused, environment ${inputs.environment ?? 'release'}`,
    );
    const width = Math.max(...project.endpoints.map((e) => `${e.method} ${e.path}`.length));
    const nameWidth = Math.max(...project.endpoints.map((e) => e.functionName.length));
    for (const e of project.endpoints) {
      const role =
        e.businessType === 'OAUTH'
          ? '  OAuth 2.0 authorization API'
          : e.businessType === 'NORMAL'
            ? `  OAuth 2.0 business API, tied to ${e.authRelationApi?.method} ${e.authRelationApi?.path}`
            : '';
      const target = role ? e.functionName.padEnd(nameWidth) : e.functionName;
      lines.push(`    ${`${e.method} ${e.path}`.padEnd(width)} → ${target}${role}`);
    }
    lines.push(
      `    action    ${run(root)}`,
      `  issuer    the gateway's url output without its trailing slash: OAUTH_ISSUER=https://service-…/release (not …/release/)`,
    );
  } else if (options.domain) {
    const https = Boolean(options.certificateId);
    lines.push(
      `  custom domain ${options.domain} (${https ? `HTTPS, certificate ${options.certificateId}` : 'HTTP'})`,
      '    action    create it, or update it',
      `    DNS       ${options.domain} CNAME ${cnameTarget(region)}, before deploying`,
      ...domainEndpoints(
        project.functions.map((f) => ({
          folder: basename(dirname(f.file)),
          functionName: f.functionName,
          action: 'created' as const,
          url: '',
        })),
      ).map((e) => `    route     ${e.PathMatch} → ${e.FunctionName}`),
      `  issuer    OAUTH_ISSUER=${https ? 'https' : 'http'}://${options.domain}`,
    );
  } else {
    lines.push(
      "  issuer    OAUTH_ISSUER=the token function's URL, printed by the deploy (each function has its own host)",
    );
  }

  const warnings: string[] = [];
  const store = env.OAUTH_STORE?.trim();
  if (!store || store === 'memory') {
    warnings.push(
      'OAUTH_STORE is not set: SCF runs several instances of each function, and each would keep its own authorization codes, refresh tokens and revocations in memory (a code could be redeemed twice, a revocation seen by one instance only). Set OAUTH_STORE=redis://… (TencentDB for Redis)',
    );
  }
  return { lines, warnings };
}

function bundleSize(fn: FunctionInstance): string {
  try {
    return ` (index.js ${kb(statSync(join(fn.src, 'index.js')).size)})`;
  } catch {
    return ' (not built)';
  }
}

/** The variable names a function receives (values are secrets) and their size against SCF's 4 KB. */
function variablesOf(fn: FunctionInstance): string {
  const set = Object.entries(fn.environment).filter(([, v]) => v !== '');
  const names = set.map(([k]) => k).join(' ');
  return `${names || '(none)'} (${environmentBytes(fn.environment)} of ${SCF_ENV_LIMIT_BYTES} bytes)`;
}

// Which function serves a path, from serverless.yml's routes (the one list of them), and each
// function's own environment: the variables its serverless.yml passes, nothing else.
import { basename } from 'node:path';
import { type FunctionInstance, loadProject } from '../serverless/project.ts';

export interface ServedFunction {
  /** The function folder (functions/<folder>). */
  folder: string;
  /** Only the variables the function's serverless.yml passes it, unset ones empty (= missing). */
  env: Record<string, string>;
}

export interface RouteTable {
  /** Path → function folder. A path is served by one function, whatever the method. */
  paths: Map<string, string>;
  functions: ServedFunction[];
  /** The functions as serverless.yml declares them (for the configuration check). */
  instances: FunctionInstance[];
}

export function readRoutes(root: string, env: Readonly<Record<string, string | undefined>>): RouteTable {
  const project = loadProject(root, { env, lenient: true });
  const folderOf = new Map(project.functions.map((f) => [f.functionName, basename(f.src)]));
  const paths = new Map<string, string>();
  for (const e of project.endpoints) {
    const folder = folderOf.get(e.functionName);
    if (folder) paths.set(e.path, folder);
  }
  return {
    paths,
    functions: project.functions.map((f) => ({ folder: basename(f.src), env: f.environment })),
    instances: project.functions,
  };
}

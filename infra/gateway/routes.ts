// The gateway's routing table: each serverless.yml endpoint to the function instance behind it, and
// for an OAuth 2.0 business API the verifier of its related authorization API (the public key API
// Gateway checks tokens with before calling the backend).
import type { Endpoint, Project } from '../serverless/project.ts';
import type { FunctionHost } from './function-host.ts';
import { createGatewayVerifier, GATEWAY_MESSAGES, type GatewayVerifier } from './oauth.ts';

export interface Route {
  endpoint: Endpoint;
  host: FunctionHost;
  oauth?: GatewayVerifier;
}

/** How a route is found: method and path, as API Gateway matches them. */
export const routeKey = (method: string, path: string) => `${method.toUpperCase()} ${path}`;

export function buildRoutes(project: Project, hosts: ReadonlyMap<string, FunctionHost>): Map<string, Route> {
  const routes = new Map<string, Route>();
  for (const endpoint of project.endpoints) {
    const host = hosts.get(endpoint.functionName);
    if (!host)
      throw new Error(`${endpoint.method} ${endpoint.path}: no function named ${endpoint.functionName}`);
    routes.set(routeKey(endpoint.method, endpoint.path), { endpoint, host });
  }
  // A business API is verified with the public key of its related authorization API.
  for (const route of routes.values()) {
    const { endpoint } = route;
    if (endpoint.authType !== 'OAUTH' || endpoint.businessType !== 'NORMAL') continue;
    const relation = endpoint.authRelationApi;
    const related = relation ? routes.get(routeKey(relation.method, relation.path)) : undefined;
    route.oauth =
      related?.endpoint.businessType === 'OAUTH'
        ? createGatewayVerifier(related.endpoint.oauthConfig ?? { publicKey: '' })
        : { check: async () => ({ status: 401, message: GATEWAY_MESSAGES.noRelatedApi }) };
  }
  return routes;
}

/**
 * Function URLs: a custom domain routes each path of the contract, whatever the method, and every
 * /.well-known/ path to the function that serves the documents (infra/deploy/function-url.ts).
 * No OAuth 2.0 check: the functions answer every request themselves.
 */
export function functionUrlRoutes(routes: ReadonlyMap<string, Route>): Map<string, Route> {
  const byPath = new Map<string, Route>();
  for (const route of routes.values()) {
    const key = functionUrlKey(route.endpoint.path);
    if (!byPath.has(key)) byPath.set(key, { endpoint: route.endpoint, host: route.host });
  }
  return byPath;
}

/** How a function URL route is found: the path alone, every /.well-known/ document under one key. */
export const functionUrlKey = (path: string) => (path.startsWith('/.well-known/') ? '/.well-known/*' : path);

// The pages of one authorization request: the sign-in and consent forms, each carrying the request
// forward to the next step.
import { splitScope } from '../../shared/clients.ts';
import type { HttpRequest, HttpResponse } from '../../shared/http/web.ts';
import type { StringKey } from '../../shared/i18n/locales.ts';
import type { User } from '../../shared/users.ts';
import type { AuthorizeDeps } from './deps.ts';
import { htmlResponse, type PageText, renderConsentPage, renderLoginPage } from './pages.ts';
import { type AuthorizationRequest, type RawParams, REQUEST_PARAMETERS } from './request.ts';
import type { Session } from './session.ts';

export class PageContext {
  readonly fields: Record<string, string | readonly string[]> = {};
  constructor(
    private readonly deps: Pick<AuthorizeDeps, 'config' | 'sessions'>,
    readonly req: HttpRequest,
    readonly params: RawParams,
    readonly request: AuthorizationRequest,
    readonly text: PageText,
  ) {
    for (const name of REQUEST_PARAMETERS) {
      const values = params.get(name);
      // RFC 8707 §2: every resource is carried forward; other parameters occur once.
      if (values !== undefined) this.fields[name] = name === 'resource' ? values : values[0]!;
    }
  }

  get action(): string {
    return new URL(this.req.url).pathname;
  }

  /**
   * This request again, as a GET, after a sign-in: without what asked for it. prompt=login (or
   * select_account) and max_age are met by the sign-in that just happened, and would ask again for ever.
   * Every `resource` is carried forward (RFC 8707 §2).
   */
  afterSignInUrl(): string {
    const fields = new URLSearchParams(
      Object.entries(this.fields).flatMap(([name, value]) =>
        (typeof value === 'string' ? [value] : value).map((v): [string, string] => [name, v]),
      ),
    );
    fields.delete('max_age');
    const prompt = splitScope(fields.get('prompt') ?? undefined).filter(
      (p) => p !== 'login' && p !== 'select_account',
    );
    if (prompt.length > 0) fields.set('prompt', prompt.join(' '));
    else fields.delete('prompt');
    return `${this.action}?${fields.toString()}`;
  }

  login(
    state: Session | { session: Session; cookie: string },
    error?: StringKey,
    status = 200,
    username?: string,
    errorValues?: Readonly<Record<string, string>>,
  ): HttpResponse {
    const { session, cookie } = 'sid' in state ? { session: state, cookie: undefined } : state;
    const body = renderLoginPage(this.text, {
      action: this.action,
      clientId: this.request.client.clientId,
      fields: { ...this.fields, csrf_token: this.deps.sessions.csrfToken(session) },
      ...(username !== undefined ? { username } : {}),
      ...(error !== undefined ? { error } : {}),
      ...(errorValues !== undefined ? { errorValues } : {}),
    });
    return htmlResponse(this.text, 'signInTitle', body, {
      status,
      ...(cookie ? { setCookie: cookie } : {}),
    });
  }

  consent(session: Session, user: User): HttpResponse {
    const { config, sessions } = this.deps;
    const { client, redirectUri } = this.request;
    const body = renderConsentPage(this.text, {
      action: this.action,
      clientId: client.clientId,
      username: user.username,
      scopes: splitScope(this.request.scope),
      descriptions: config.scopeDescriptions,
      // A client known only by its Client ID Metadata Document: the page names where it is published.
      ...(config.registry.metadataDocuments &&
      !config.clients.has(client.clientId) &&
      /^https?:/.test(client.clientId)
        ? {
            published: {
              host: new URL(client.clientId).host,
              redirectHost: new URL(redirectUri).host,
            },
          }
        : {}),
      fields: { ...this.fields, csrf_token: sessions.csrfToken(session) },
    });
    // The consent form's POST is answered with a redirect to the client: CSP form-action must allow it.
    return htmlResponse(this.text, 'consentTitle', body, {
      formTargets: [new URL(redirectUri).origin],
    });
  }
}

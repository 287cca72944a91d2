// The login, consent, sign-out and error pages: plain, accessible HTML with one inline style sheet
// (allowed by its CSP hash), no scripts and no external assets, in the person's language.
import { createHash } from 'node:crypto';
import { type HttpResponse, LiteHeaders, LiteResponse } from '../../shared/http/web.ts';
import { LOCALES, type Locale, type StringKey } from '../../shared/i18n/locales.ts';
import { describeScope, type ScopeDescriptions } from '../../shared/i18n/scopes.ts';

const CSS = `*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f4f5f7;color:#1b1f24}
main{max-width:26rem;margin:2rem auto;padding:1.5rem;background:#fff;border-radius:.5rem;box-shadow:0 1px 3px rgba(0,0,0,.15)}
h1{font-size:1.35rem;margin:0 0 1rem}
label{display:block;font-weight:600;margin:.75rem 0 .25rem}
input[type=text],input[type=password]{width:100%;padding:.6rem;font:inherit;border:1px solid #8a929c;border-radius:.3rem}
input:focus,button:focus{outline:3px solid #7aa7ff;outline-offset:1px}
.actions{display:flex;gap:.75rem;margin-top:1.25rem;flex-wrap:wrap}
button{flex:1;min-width:8rem;padding:.65rem 1rem;font:inherit;font-weight:600;border-radius:.3rem;border:1px solid #1a56db;background:#1a56db;color:#fff;cursor:pointer}
button.secondary{background:#fff;color:#1a56db}
.origin{font-size:1.1rem;background:#fff7e0;padding:.6rem .8rem;border-radius:.3rem}
.error{background:#fde8e8;color:#8a1c1c;padding:.6rem .8rem;border-radius:.3rem}
ul{padding-left:1.25rem}
li{margin:.25rem 0}
code{font-size:.95em}
.scope{display:block;color:#4a5260;font-size:.9em}
@media (max-width:30rem){main{margin:0;border-radius:0;box-shadow:none;min-height:100vh}}`;

const STYLE_HASH = `sha256-${createHash('sha256').update(CSS).digest('base64')}`;

export function escapeHtml(value: string): string {
  return value.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

/** A page's text in one language: `t(key)` escaped, `t(key, values)` with each value escaped and bold. */
export class PageText {
  constructor(readonly locale: Locale) {}

  /** Plain text of `key` (for a title or a log), unescaped. */
  plain(key: StringKey): string {
    return LOCALES[this.locale][key];
  }

  /** HTML of `key`: the text escaped, each `{name}` replaced by its value, escaped, in <strong>. */
  t(key: StringKey, values: Readonly<Record<string, string>> = {}): string {
    return LOCALES[this.locale][key]
      .split(/(\{[a-z]+\})/)
      .map((part) => {
        const name = /^\{([a-z]+)\}$/.exec(part)?.[1];
        return name !== undefined && Object.hasOwn(values, name)
          ? `<strong>${escapeHtml(values[name]!)}</strong>`
          : escapeHtml(part);
      })
      .join('');
  }
}

export interface PageOptions {
  status?: number;
  /** Extra origins forms may submit to or be redirected to (the client's redirect URI). */
  formTargets?: readonly string[];
  setCookie?: string;
  /** Seconds, for a 503 or 429 (RFC 9110 §10.2.3). */
  retryAfter?: number;
}

/** RFC 9700 §4.16: no framing (clickjacking); CSP allows only our own style sheet and form posts. */
export function htmlResponse(
  text: PageText,
  title: StringKey,
  body: string,
  options: PageOptions = {},
): HttpResponse {
  const targets = ["'self'", ...(options.formTargets ?? [])].join(' ');
  const html = `<!doctype html>
<html lang="${text.locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${text.t(title)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
  const headers = new LiteHeaders({
    'content-type': 'text/html;charset=utf-8',
    'content-language': text.locale,
    // The page depends on the browser's languages: caches (there should be none: no-store) must key on them.
    vary: 'Accept-Language',
    'cache-control': 'no-store',
    pragma: 'no-cache',
    'content-security-policy': `default-src 'none'; style-src '${STYLE_HASH}'; form-action ${targets}; frame-ancestors 'none'; base-uri 'none'`,
    'x-frame-options': 'DENY',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  });
  if (options.setCookie) headers.set('set-cookie', options.setCookie);
  if (options.retryAfter !== undefined) headers.set('retry-after', String(options.retryAfter));
  return new LiteResponse(html, { status: options.status ?? 200, headers });
}

/**
 * A yes-or-no form: the request's hidden fields, and two buttons that post `decision`, the first the
 * primary action. Each button is `[value, label]`.
 */
function decisionForm(
  text: PageText,
  action: string,
  fields: Readonly<Record<string, string | readonly string[]>>,
  primary: readonly [string, StringKey],
  secondary: readonly [string, StringKey],
): string {
  return `<form method="post" action="${escapeHtml(action)}">
${hiddenFields(fields)}
<div class="actions">
<button type="submit" name="decision" value="${primary[0]}">${text.t(primary[1])}</button>
<button type="submit" name="decision" value="${secondary[0]}" class="secondary">${text.t(secondary[1])}</button>
</div>
</form>`;
}

function hiddenFields(fields: Readonly<Record<string, string | readonly string[]>>): string {
  return Object.entries(fields)
    .flatMap(([name, value]) =>
      (typeof value === 'string' ? [value] : value).map(
        (v) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(v)}">`,
      ),
    )
    .join('\n');
}

export interface LoginPageInput {
  action: string;
  clientId: string;
  fields: Readonly<Record<string, string | readonly string[]>>;
  username?: string;
  error?: StringKey;
  /** The values of the error's `{name}`s. */
  errorValues?: Readonly<Record<string, string>>;
}

export function renderLoginPage(text: PageText, input: LoginPageInput): string {
  const error = input.error
    ? `<p class="error" role="alert" id="login-error">${text.t(input.error, input.errorValues)}</p>`
    : '';
  const describedBy = input.error ? ' aria-describedby="login-error"' : '';
  return `<h1>${text.t('signInTitle')}</h1>
<p>${text.t('signInIntro', { client: input.clientId })}</p>
${error}
<form method="post" action="${escapeHtml(input.action)}">
${hiddenFields(input.fields)}
<label for="username">${text.t('username')}</label>
<input type="text" id="username" name="username" autocomplete="username" autocapitalize="none" spellcheck="false" required${describedBy} value="${escapeHtml(input.username ?? '')}">
<label for="password">${text.t('password')}</label>
<input type="password" id="password" name="password" autocomplete="current-password" required${describedBy}>
<div class="actions"><button type="submit">${text.t('signInButton')}</button></div>
</form>`;
}

export interface ConsentPageInput {
  action: string;
  clientId: string;
  username: string;
  scopes: readonly string[];
  /** The deployment's own scope descriptions (OAUTH_SCOPE_DESCRIPTIONS). */
  descriptions: ScopeDescriptions;
  fields: Readonly<Record<string, string | readonly string[]>>;
  /**
   * For a client known only by its metadata document: the host that published it, and the host the
   * browser goes back to, shown prominently (the name in the document is the client's own claim).
   */
  published?: { host: string; redirectHost: string };
}

export function renderConsentPage(text: PageText, input: ConsentPageInput): string {
  const item = (scope: string) => {
    const description = describeScope(scope, text.locale, input.descriptions);
    const detail = description ? `<span class="scope">${escapeHtml(description)}</span>` : '';
    return `<li><code>${escapeHtml(scope)}</code>${detail}</li>`;
  };
  const scopes =
    input.scopes.length > 0
      ? `<p>${text.t('consentScopes')}</p>\n<ul>${input.scopes.map(item).join('')}</ul>`
      : `<p>${text.t('consentNoScopes')}</p>`;
  return `<h1>${text.t('consentTitle')}</h1>
<p>${text.t('consentIntro', { client: input.clientId, user: input.username })}</p>
${input.published ? publishedBy(text, input.published) : ''}${scopes}
${decisionForm(text, input.action, input.fields, ['allow', 'allow'], ['deny', 'deny'])}`;
}

/** `message` is already HTML (from `text.t`). */
export function renderErrorPage(text: PageText, message: string): string {
  return `<h1>${text.t('errorHeading')}</h1>
<p class="error" role="alert">${message}</p>
<p>${text.t('errorAdvice')}</p>`;
}

export interface SignOutPageInput {
  action: string;
  username: string;
  /** The client that asked, when known. */
  clientId?: string;
  fields: Readonly<Record<string, string>>;
}

/** RP-Initiated Logout 1.0 §2: the person confirms, so no page of another site can sign them out. */
export function renderSignOutPage(text: PageText, input: SignOutPageInput): string {
  const from = input.clientId ? `<p>${text.t('signOutFrom', { client: input.clientId })}</p>\n` : '';
  return `<h1>${text.t('signOutTitle')}</h1>
${from}<p>${text.t('signOutQuestion', { user: input.username })}</p>
${decisionForm(text, input.action, input.fields, ['logout', 'signOutButton'], ['stay', 'stayButton'])}`;
}

export function renderSignedOutPage(text: PageText, message: 'signedOutText' | 'notSignedOutText'): string {
  return `<h1>${text.t(message === 'signedOutText' ? 'signedOutTitle' : 'signOutTitle')}</h1>
<p role="status">${text.t(message)}</p>`;
}

function publishedBy(text: PageText, published: { host: string; redirectHost: string }): string {
  const line = text.t('consentPublishedBy', { host: published.host, redirect: published.redirectHost });
  return `<p class="origin">${line}</p>\n`;
}

// The login, consent and error pages: plain, accessible HTML with one inline style sheet (allowed by
// its CSP hash), no scripts and no external assets.
import { createHash } from 'node:crypto';
import { type HttpResponse, LiteHeaders, LiteResponse } from '../../shared/http/web.ts';

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
code{font-size:.95em}
@media (max-width:30rem){main{margin:0;border-radius:0;box-shadow:none;min-height:100vh}}`;

const STYLE_HASH = `sha256-${createHash('sha256').update(CSS).digest('base64')}`;

export function escapeHtml(value: string): string {
  return value.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
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
export function htmlResponse(title: string, body: string, options: PageOptions = {}): HttpResponse {
  const targets = ["'self'", ...(options.formTargets ?? [])].join(' ');
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)}</title>
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
  error?: string;
}

export function renderLoginPage(input: LoginPageInput): string {
  const error = input.error
    ? `<p class="error" role="alert" id="login-error">${escapeHtml(input.error)}</p>`
    : '';
  const describedBy = input.error ? ' aria-describedby="login-error"' : '';
  return `<h1>Sign in</h1>
<p>Sign in to continue to <strong>${escapeHtml(input.clientId)}</strong>.</p>
${error}
<form method="post" action="${escapeHtml(input.action)}">
${hiddenFields(input.fields)}
<label for="username">Username</label>
<input type="text" id="username" name="username" autocomplete="username" autocapitalize="none" spellcheck="false" required${describedBy} value="${escapeHtml(input.username ?? '')}">
<label for="password">Password</label>
<input type="password" id="password" name="password" autocomplete="current-password" required${describedBy}>
<div class="actions"><button type="submit">Sign in</button></div>
</form>`;
}

export interface ConsentPageInput {
  action: string;
  clientId: string;
  username: string;
  scopes: readonly string[];
  fields: Readonly<Record<string, string | readonly string[]>>;
  /**
   * For a client known only by its metadata document: the host that published it, and the host the
   * browser goes back to, shown prominently (the name in the document is the client's own claim).
   */
  published?: { host: string; redirectHost: string };
}

export function renderConsentPage(input: ConsentPageInput): string {
  const scopes =
    input.scopes.length > 0
      ? `<p>It asks for these permissions:</p>\n<ul>${input.scopes.map((s) => `<li><code>${escapeHtml(s)}</code></li>`).join('')}</ul>`
      : '<p>It asks for no specific permissions.</p>';
  return `<h1>Allow access?</h1>
<p><strong>${escapeHtml(input.clientId)}</strong> wants to access your account <strong>${escapeHtml(input.username)}</strong>.</p>
${input.published ? publishedBy(input.published) : ''}${scopes}
<form method="post" action="${escapeHtml(input.action)}">
${hiddenFields(input.fields)}
<div class="actions">
<button type="submit" name="decision" value="allow">Allow</button>
<button type="submit" name="decision" value="deny" class="secondary">Deny</button>
</div>
</form>`;
}

function publishedBy(published: { host: string; redirectHost: string }): string {
  return `<p class="origin">This application is described by <strong>${escapeHtml(published.host)}</strong>. If you allow, you will be sent to <strong>${escapeHtml(published.redirectHost)}</strong>.</p>
`;
}

export function renderErrorPage(description: string): string {
  return `<h1>This request cannot continue</h1>
<p class="error" role="alert">${escapeHtml(description)}</p>
<p>Go back to the application and try again. If this keeps happening, tell the application's owner.</p>`;
}

// What the authorize function's handlers share: built once by createAuthorizeApp and passed to each.
import type { CodeSealer } from '../../shared/authorization-code.ts';
import type { Client } from '../../shared/clients.ts';
import type { IdTokenHintReader } from '../../shared/jwt/id-token-hint.ts';
import type { UserLookup } from '../../shared/registry.ts';
import type { Throttle } from '../../shared/throttle.ts';
import type { AuthorizeConfig } from './config.ts';
import type { Session, SessionManager } from './session.ts';

export interface AuthorizeDeps {
  config: Readonly<AuthorizeConfig>;
  now: () => number;
  sessions: SessionManager;
  codes: CodeSealer;
  /** Users from OAUTH_USERS then the registry; a disabled user is not found. */
  users: UserLookup;
  /** Clients from OAUTH_CLIENTS, then the registry or a Client ID Metadata Document. */
  findClient: (clientId: string) => Promise<Client | undefined>;
  /** The sign-in limits, per username and per address. */
  throttle: Throttle;
  readIdTokenHint: IdTokenHintReader;
  /** The hash checked for a username that does not exist (`sign-in.ts`). */
  decoyHash: string;
}

/** A new anonymous session, and its cookie to set. */
export async function freshSession({
  sessions,
  now,
}: Pick<AuthorizeDeps, 'sessions' | 'now'>): Promise<{ session: Session; cookie: string }> {
  const session = sessions.newSession();
  return { session, cookie: await sessions.cookie(session, now()) };
}

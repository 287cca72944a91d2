// Authorization codes (RFC 6749 §4.1.2): sealed, so they travel from the authorize function to the
// token function with no shared database; single use is enforced by the token function's store.
import { createSealer, type Sealer, type SealKeys } from './seal.ts';

/** What a code is bound to (RFC 9700 §4.5; OAuth 2.1 §4.1.3). Short names: the code travels in a URL. */
export interface CodeClaims {
  [claim: string]: unknown;
  /** Unique id: the single-use key, and the id of the refresh-token family issued from the code. */
  jti: string;
  /** client_id */
  cid: string;
  /** The redirect URI the response went to. */
  ruri: string;
  /** Whether redirect_uri was sent on the authorization request (RFC 6749 §4.1.3). */
  rsent: boolean;
  sub: string;
  scope: string;
  /** PKCE S256 code_challenge, when the request had one. */
  cc?: string;
  /** RFC 8707: the resources the authorization request named, when it named any. */
  res?: string[];
  auth_time: number;
}

export type CodeSealer = Sealer<CodeClaims>;

export function createCodeSealer(keys: SealKeys): CodeSealer {
  return createSealer<CodeClaims>(keys, 'authorization code');
}

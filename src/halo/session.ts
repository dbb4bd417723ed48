import { createHash } from 'node:crypto';
import { Redactor } from './errors';

/** Where tokens come from: learnt from `/api/authinfo`, else `{base}/auth`. */
export interface AuthEndpoint {
  /** Auth server base, e.g. `https://acme.halopsa.com/auth`. */
  authUrl: string;
  tenant?: string;
  /** `authinfo` = announced by Halo; `default` = `{base}/auth` fallback. */
  source: 'authinfo' | 'default';
  /** HTTP status of `/api/authinfo` (diagnostics: 404/HTML there hints the URL is not a Halo instance). */
  authInfoStatus?: number;
}

export interface CachedToken {
  accessToken: string;
  /** When we stop using it (Halo's expiry minus the refresh skew). */
  expiresAt: number;
}

/** What identifies one set of credentials: a session is only ever shared between transports that agree on all of it. */
export interface SessionIdentity {
  apiUrl: string;
  clientId: string;
  clientSecret: string;
  tenant?: string;
  scopes: string;
}

/** A one-way fingerprint of the credentials (the secret never leaves this function in the clear). */
export function sessionKey(id: SessionIdentity): string {
  return createHash('sha256')
    .update([id.apiUrl.toLowerCase(), id.clientId, id.clientSecret, id.tenant ?? '', id.scopes].join('\u0000'))
    .digest('base64url');
}

/**
 * What one set of Halo credentials has learnt: the auth server (`/api/authinfo`), the access token, the scopes that
 * worked. Every transport built with the same session shares them, so a process asks Halo for discovery once and
 * for a token once per token lifetime, however many clients, sync runs or callers use those credentials, and at most
 * one token request is in flight for them at a time (single flight).
 *
 * Holds a live access token: it lives in process memory only, is never logged (the {@link Redactor} knows the
 * token and the secret) and is dropped with the credentials (`HaloAccess.forget`).
 */
export class HaloSession {
  auth?: AuthEndpoint;
  authPending?: Promise<AuthEndpoint>;
  token?: CachedToken;
  tokenPending?: Promise<CachedToken>;
  /** The scopes that worked, once the default scopes were refused and `all` was not (see DEFAULT_SCOPES). */
  scopes?: string;
  readonly redactor = new Redactor();

  constructor(readonly key: string) {}

  static for(id: SessionIdentity): HaloSession {
    const session = new HaloSession(sessionKey(id));
    session.redactor.add(id.clientSecret);
    return session;
  }

  /** Forget the token (it was refused, or the credentials changed); discovery is kept. */
  dropToken(accessToken?: string): void {
    if (!accessToken || this.token?.accessToken === accessToken) this.token = undefined;
  }
}

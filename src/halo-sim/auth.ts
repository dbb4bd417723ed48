/**
 * Halo's authorisation server (OpenIddict-based, HALO-API.md §1) and the resource server's bearer checks.
 *
 * How the simulator plays the three misconfigurations the product's setup guide warns about (Halo documents
 * none of them; these are the likeliest readings, applied consistently):
 * - Wrong login type ("User" instead of "Agent"): the token is issued — the credentials are valid — but it acts
 *   as an end user, so every agent endpoint (`/api/Agent/me`, `/api/Client`, …) answers 403; only
 *   `/api/Users/me` works.
 * - Inactive API agent: the token request fails with 400 `invalid_grant` ("the agent … is inactive"), because the
 *   client-credentials flow logs in as that agent. Tokens issued before the agent was deactivated are
 *   rejected with 401 from then on.
 * - Missing scopes: a token request asking for a scope the application lacks fails with 400 `invalid_scope`;
 *   without `scope` the token carries the application's scopes, and an endpoint the token's scopes do not
 *   cover answers 403 (webhook endpoints need `admin:webhooks`, `/api/Team` needs `all:teams`, the rest
 *   `all:standard`; `all` covers everything, `read:/edit:<area>` cover their area).
 */
import { randomBytes } from 'node:crypto';
import { HaloState } from './state';

export interface SimAppInput {
  clientId: string;
  clientSecret: string;
  scopes: string[];
  loginType: 'agent' | 'user';
  /** Whether the agent the app logs in as is active (default true). */
  agentActive?: boolean;
  /** The agent to log in as; created as an API-only agent when it does not exist. */
  agentId?: number;
  /** For loginType 'user': the user the app acts as (default: the first contact). */
  userId?: number;
}

export interface SimApp {
  clientId: string;
  clientSecret: string;
  scopes: string[];
  loginType: 'agent' | 'user';
  agentId: number;
  userId?: number;
}

interface IssuedToken {
  clientId: string;
  scopes: Set<string>;
  expiresAt: number;
  /** API requests it may still make (tests: `setTokenUses`); undefined = no such limit. */
  usesLeft?: number;
}

export type ScopeArea = 'customers' | 'items' | 'tickets' | 'crm' | 'quotes' | 'sos' | 'standard' | 'teams' | 'webhooks';

export type TokenCheck =
  | { ok: true; app: SimApp; scopes: Set<string> }
  | { ok: false; status: 401; description: string };

export interface OAuthResult {
  status: number;
  body: Record<string, unknown>;
}

const oauthError = (status: number, error: string, description: string): OAuthResult => ({
  status,
  body: { error, error_description: description },
});

export class AuthServer {
  private readonly apps = new Map<string, SimApp>();
  private readonly tokens = new Map<string, IssuedToken>();

  constructor(
    private readonly state: HaloState,
    private readonly tenant: string,
    private readonly lifetimeSeconds: number,
  ) {}

  addApp(input: SimAppInput): SimApp {
    const agentId = input.agentId ?? this.nextAgentId();
    const agent = this.state.get('agents', agentId);
    const disabled = input.agentActive === false;
    if (!agent) {
      this.state.load('agents', {
        id: agentId, name: `API Agent ${input.clientId.slice(0, 8)}`, firstname: 'API', surname: 'Agent',
        email: `api-${agentId}@acme.example`, isdisabled: disabled, is_agent: true, isapiagent: true, team: 'Service Desk',
      });
    } else if (input.agentActive !== undefined) {
      agent.isdisabled = disabled;
      this.state.touch('agents');
    }
    const app: SimApp = {
      clientId: input.clientId, clientSecret: input.clientSecret, scopes: [...input.scopes], loginType: input.loginType, agentId,
      ...(input.userId !== undefined ? { userId: input.userId } : {}),
    };
    this.apps.set(app.clientId, app);
    return app;
  }

  getApp(clientId: string): SimApp | undefined {
    return this.apps.get(clientId);
  }

  private usesPerToken: number | undefined;

  expireAll(): void {
    for (const token of this.tokens.values()) token.expiresAt = 0;
  }

  /**
   * Tests: every token (those already issued and those to come) is good for `uses` more API requests, then
   * answers 401 as expired; undefined lifts the limit.
   */
  setTokenUses(uses: number | undefined): void {
    this.usesPerToken = uses;
    for (const token of this.tokens.values()) token.usesLeft = uses;
  }

  /** POST /auth/token with the form fields already parsed; `tenant` is whichever the quirks let through. */
  issue(form: URLSearchParams, tenant: string | undefined): OAuthResult {
    if (form.get('grant_type') !== 'client_credentials') {
      return oauthError(400, 'unsupported_grant_type', 'The specified grant_type is not supported.');
    }
    if (this.tenant && tenant !== this.tenant) {
      return oauthError(400, 'invalid_request', tenant ? `Unknown tenant '${tenant}'.` : 'The tenant parameter is missing.');
    }
    const app = this.apps.get(form.get('client_id') ?? '');
    if (!app || app.clientSecret !== form.get('client_secret')) {
      return oauthError(401, 'invalid_client', 'The specified client credentials are invalid.');
    }
    const requested = (form.get('scope') ?? '').split(/\s+/).filter(Boolean);
    const missing = requested.filter((s) => !app.scopes.includes(s));
    if (missing.length) {
      return oauthError(400, 'invalid_scope', `The application is not allowed to request the scope(s): ${missing.join(' ')}.`);
    }
    if (app.loginType === 'agent' && this.state.get('agents', app.agentId)?.isdisabled === true) {
      return oauthError(400, 'invalid_grant', 'The agent this application logs in as is inactive.');
    }
    const scopes = requested.length ? requested : app.scopes;
    const accessToken = fakeJwt(app.clientId, this.state.clock.peek() + this.lifetimeSeconds * 1000);
    this.tokens.set(accessToken, { clientId: app.clientId, scopes: new Set(scopes), expiresAt: this.state.clock.peek() + this.lifetimeSeconds * 1000, usesLeft: this.usesPerToken });
    return {
      status: 200,
      body: { access_token: accessToken, token_type: 'Bearer', expires_in: this.lifetimeSeconds, scope: scopes.join(' ') },
    };
  }

  check(authorization: string | undefined): TokenCheck {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
    if (!match) return { ok: false, status: 401, description: 'The access token is missing.' };
    const token = this.tokens.get(match[1] as string);
    if (!token) return { ok: false, status: 401, description: 'The access token is invalid.' };
    if (token.expiresAt <= this.state.clock.peek() || token.usesLeft === 0) return { ok: false, status: 401, description: 'The access token is no longer valid.' };
    if (token.usesLeft !== undefined) token.usesLeft--;
    const app = this.apps.get(token.clientId);
    if (!app) return { ok: false, status: 401, description: 'The access token is invalid.' };
    if (app.loginType === 'agent' && this.state.get('agents', app.agentId)?.isdisabled === true) {
      return { ok: false, status: 401, description: 'The agent this token acts as is inactive.' };
    }
    return { ok: true, app, scopes: token.scopes };
  }

  /** Why the token may not call an endpoint of this area and method, or undefined when it may. */
  denied(check: { app: SimApp; scopes: Set<string> }, area: ScopeArea, method: string, path: string): string | undefined {
    if (check.app.loginType === 'user' && !/^\/api\/users\/me$/i.test(path)) {
      return 'This application logs in as a user; agent endpoints are not available to it.';
    }
    const s = check.scopes;
    if (s.has('all')) return undefined;
    if (area === 'webhooks') return s.has('admin') || s.has('admin:webhooks') ? undefined : 'requires the admin:webhooks scope';
    if (area === 'teams') return s.has('all:teams') ? undefined : 'requires the all:teams scope';
    if (s.has('all:standard')) return undefined;
    if (area !== 'standard' && (s.has(`edit:${area}`) || (method === 'GET' && s.has(`read:${area}`)))) return undefined;
    return area === 'standard' ? 'requires the all:standard scope' : `requires the all:standard or ${method === 'GET' ? 'read' : 'edit'}:${area} scope`;
  }

  private nextAgentId(): number {
    let max = 0;
    for (const id of this.state.tables.agents.keys()) max = Math.max(max, Number(id));
    return max + 1;
  }
}

/** Looks like the JWT Halo issues; nothing in a client should depend on its contents. */
function fakeJwt(clientId: string, expiresAt: number): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'RS256', typ: 'at+jwt' })}.${part({ client_id: clientId, exp: Math.floor(expiresAt / 1000), jti: randomBytes(8).toString('hex') })}.${randomBytes(32).toString('base64url')}`;
}

/**
 * A stateful HaloPSA simulator for tests, the demo and benchmarks (issue 3; behaviour after
 * ../shared/halo/HALO-API.md). Production code never imports this folder.
 */
import { createHash } from 'node:crypto';
import { HaloApi } from './api';
import { AuthServer } from './auth';
import { SimClock } from './clock';
import { Control, SimControl, controlHttpHandler } from './control';
import { FaultInjector, RateLimit, RollingRateLimiter } from './faults';
import { SimQuirks, resolveQuirks } from './quirks';
import { API_AGENT_ID, SimScale, seedTenant } from './seed';
import { SimServer } from './server';
import { HaloState } from './state';
import { StatePersister, restoreState } from './persist';
import { SimTruth, truthFor } from './truth';
import { WebhookDispatcher } from './webhooks';

export interface HaloSimOptions {
  /** Default 0: a random free port on 127.0.0.1. */
  port?: number;
  /** Default 'demo'. */
  scale?: SimScale;
  /** Default 1; the data is a pure function of scale and seed. */
  seed?: number;
  /**
   * Seed of the answers the evidence does not give (`truth.ts`: non-ticket event numbers and names, country/region/
   * pipeline-stage lookup ids, quote-line field names, payload_type meaning). Default: `seed`.
   */
  truthSeed?: number;
  /** Hosted tenant name (default 'acme'); the token endpoint requires it. '' for an on-premise Halo. */
  tenant?: string;
  /** Default 3600, as Halo issues them. */
  tokenLifetimeSeconds?: number;
  /** Default Halo's hosted limit, 300 requests per rolling 5 minutes; false turns it off. */
  rateLimit?: RateLimit | false;
  quirks?: Partial<SimQuirks>;
  /** Requests `control.requests()` keeps, the most recent (default 100,000); `requestCount()` counts all. */
  requestLogLimit?: number;
  /**
   * Keep the tenant across restarts (the demo): restored from this JSON file when it holds the same scale and seeds,
   * else seeded and written there; saved shortly after every change (persist.ts) and on `stop()`.
   */
  stateFile?: string;
}

export interface HaloSim {
  /** e.g. http://127.0.0.1:PORT; the API is at `${url}/api`, the authorisation server at `${url}/auth`. */
  url: string;
  /** The default application: scopes all:standard all:teams admin:webhooks, login type agent, active API agent. */
  clientId: string;
  clientSecret: string;
  tenant: string;
  control: SimControl;
  /** What this Halo answers where the evidence does not say (drawn from `truthSeed`): for tests to judge by. */
  truth: SimTruth;
  stop(): Promise<void>;
}

export const DEFAULT_SCOPES = ['all:standard', 'all:teams', 'admin:webhooks'];
export const DEFAULT_RATE_LIMIT: RateLimit = { max: 300, windowMs: 300_000 };

/** Deterministic GUID-shaped credentials, so a standalone simulator's JSON line is stable across restarts. */
function guid(seed: number, label: string): string {
  const h = createHash('sha256').update(`${label}:${seed}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export async function startHaloSim(opts: HaloSimOptions = {}): Promise<HaloSim> {
  const seed = opts.seed ?? 1;
  const tenant = opts.tenant ?? 'acme';
  const quirks = resolveQuirks(opts.quirks);
  const truth = truthFor(opts.truthSeed ?? seed);
  const clock = new SimClock();
  const state = new HaloState(clock, truth);
  const identity = { scale: opts.scale ?? 'demo', seed, truthSeed: opts.truthSeed ?? seed };
  if (!opts.stateFile || !restoreState(opts.stateFile, identity, state, clock)) seedTenant(state, identity.scale, seed);
  const persister = opts.stateFile ? new StatePersister(opts.stateFile, identity, state, clock) : undefined;
  persister?.saveNow();

  const auth = new AuthServer(state, tenant, opts.tokenLifetimeSeconds ?? 3600);
  const clientId = guid(seed, 'client');
  const clientSecret = guid(seed, 'secret');
  auth.addApp({ clientId, clientSecret, scopes: DEFAULT_SCOPES, loginType: 'agent', agentId: API_AGENT_ID });

  const faults = new FaultInjector();
  const limiter = new RollingRateLimiter(opts.rateLimit === undefined ? DEFAULT_RATE_LIMIT : opts.rateLimit);
  const webhooks = new WebhookDispatcher(state, quirks);
  let control: Control | undefined;
  const server = new SimServer({
    state, auth, faults, limiter, quirks, tenant, requestLogLimit: opts.requestLogLimit,
    api: new HaloApi(state, quirks),
    control: (req, url, body) => controlHttpHandler(control as Control)(req, url, body),
  });
  control = new Control(state, auth, server, faults, limiter, webhooks);
  const url = await server.listen(opts.port ?? 0);

  return {
    url, clientId, clientSecret, tenant, control, truth,
    async stop() {
      webhooks.stop();
      await server.close();
      await persister?.close();
    },
  };
}

export type { SimControl, PageChange, EditOptions, AdminEventChoice } from './control';
export type { SimAppInput, SimApp } from './auth';
export type { FaultSpec, RateLimit, EndpointPattern, RequestMatch } from './faults';
export type { RequestLogEntry } from './server';
export type { WebhookDelivery, WebhookFaultSpec, WebhookEventDef } from './webhooks';
export type { SimQuirks } from './quirks';
export type { SimScale } from './seed';
export type { SimTruth, SimEventDef, PayloadKind } from './truth';
export { truthFor, CONFIRMED_TICKET_EVENTS, CONFIRMED_LOOKUP_IDS, TECH_STATUS_LOOKUP_ID } from './truth';
export type { TableName, RecordId } from './tables';
export type { HaloRecord } from './wire';
export { AUTH_TYPES } from './webhooks';
export { DEFAULT_QUIRKS } from './quirks';
export { PRIMARY_CLIENT, API_AGENT_ID, QUOTE_STATUS, CUSTOMER_TYPES } from './seed';
export { BILLING_PERIODS, CLOSED_STATUS_ID } from './tables';
export { EMPTY_DATE } from './clock';

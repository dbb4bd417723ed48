import type { EntityManager } from '@mikro-orm/postgresql';
import { HaloClient, newHaloSession, type HaloSession, type HaloClientOptions, type HaloLogger, type RetryPolicy } from '../halo';
import type { SecretBox } from '../crypto/secret-box';
import { HaloConnectionRow } from '../db/entities';
import { CachedHaloCatalog } from './halo-catalog';
import type { HaloCatalog, HaloItemInfo } from './validate';

/** How a tenant's Halo connection is reached: the settings every client for it shares. */
export interface HaloAccessOptions {
  box: SecretBox;
  logger?: HaloLogger;
  rateBudgetPer5Min: number;
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  /** How requests reach Halo (egress.ts: only public addresses in production mode); default global fetch. */
  fetch?: typeof fetch;
}

export class NotConnectedError extends Error {
  readonly code = 'HALO_NOT_CONNECTED';
  constructor() {
    super('This tenant is not connected to Halo: run connectHalo first');
  }
}

/** The sealed secret is bound to its tenant: a row copied onto another tenant does not open. */
export const secretContext = (tenantId: string) => `halo-connection:${tenantId}`;

/**
 * Builds HaloClients for tenants from their stored connection, one per tenant while the connection is unchanged,
 * so every caller in this process shares its token cache. Every client of a tenant's credentials, the per-run
 * counting clients of sync runs included, shares one {@link HaloSession}: discovery (`/api/authinfo`) and the
 * token are asked for once and reused across runs while valid, and never logged.
 */
export class HaloAccess {
  private readonly cache = new Map<string, { stamp: string; client: HaloClient }>();
  private readonly sessions = new Map<string, HaloSession>();

  constructor(private readonly opts: HaloAccessOptions) {}

  clientOptions(input: { baseUrl: string; clientId: string; clientSecret: string; tenant?: string | null }): HaloClientOptions {
    return {
      baseUrl: input.baseUrl,
      clientId: input.clientId,
      clientSecret: input.clientSecret,
      tenant: input.tenant ?? undefined,
      timeoutMs: this.opts.timeoutMs,
      rateBudget: { max: this.opts.rateBudgetPer5Min, windowMs: 300_000 },
      retry: this.opts.retry,
      logger: this.opts.logger,
      ...(this.opts.fetch ? { fetch: this.opts.fetch } : {}),
    };
  }

  /**
   * The tenant's live connection with its client options, the secret opened; NotConnectedError without one. The
   * options carry no session: a connection test must ask Halo for a token of its own.
   */
  async stored(em: EntityManager, tenantId: string): Promise<{ row: HaloConnectionRow; options: HaloClientOptions }> {
    const row = await em.findOne(HaloConnectionRow, { tenantId, status: { $ne: 'DISCONNECTED' } });
    if (!row) throw new NotConnectedError();
    const clientSecret = this.opts.box.open({ keyId: row.secretKeyId, sealed: row.secretSealed }, secretContext(tenantId));
    return { row, options: this.clientOptions({ baseUrl: row.baseUrl, clientId: row.clientId, clientSecret, tenant: row.haloTenant }) };
  }

  /** The tenant's session for these credentials; new credentials get a new one (the old token is not theirs). */
  private sessionFor(tenantId: string, options: HaloClientOptions): HaloSession {
    const fresh = newHaloSession(options);
    const known = this.sessions.get(tenantId);
    if (known?.key === fresh.key) return known;
    this.sessions.set(tenantId, fresh);
    return fresh;
  }

  async clientFor(em: EntityManager, tenantId: string): Promise<HaloClient> {
    const { row, options } = await this.stored(em, tenantId);
    const stamp = `${row.baseUrl}|${row.clientId}|${row.secretSealed}|${row.haloTenant ?? ''}`;
    const cached = this.cache.get(tenantId);
    if (cached?.stamp === stamp) return cached.client;
    const client = new HaloClient({ ...options, session: this.sessionFor(tenantId, options) });
    this.cache.set(tenantId, { stamp, client });
    return client;
  }

  private readonly catalogs = new WeakMap<HaloClient, CachedHaloCatalog>();

  /** The tenant's cached view of Halo's lookups (admin screens, mapping validation). */
  async catalogFor(em: EntityManager, tenantId: string): Promise<CachedHaloCatalog> {
    const client = await this.clientFor(em, tenantId);
    let catalog = this.catalogs.get(client);
    if (!catalog) {
      catalog = new CachedHaloCatalog(client);
      this.catalogs.set(client, catalog);
    }
    return catalog;
  }

  /**
   * The catalog as one request's validators see it: items we hold come from Postgres, only the others from Halo, and
   * nothing more is asked of Halo once `signal` (the caller gone) aborts.
   */
  async requestCatalog(em: EntityManager, tenantId: string, signal?: AbortSignal): Promise<HaloCatalog> {
    const halo = await this.catalogFor(em, tenantId);
    const go = <T>(read: () => Promise<T>): Promise<T> => {
      signal?.throwIfAborted();
      return read();
    };
    return {
      client: (id) => go(() => halo.client(id)),
      assetGroups: () => go(() => halo.assetGroups()),
      opportunityTypes: () => go(() => halo.opportunityTypes()),
      statuses: () => go(() => halo.statuses()),
      quoteStatuses: () => go(() => halo.quoteStatuses()),
      customerTypes: () => go(() => halo.customerTypes()),
      itemsById: (ids) => go(() => storedFirst(em, tenantId, ids, (rest) => halo.itemsById(rest, signal))),
    };
  }

  /**
   * A client of its own for one sync run, counting every request it sends to Halo (API, token and discovery alike;
   * the run's history reports them). It shares the tenant's session (token, discovery) and the instance's rate
   * governor with every other client, so the budget holds and a valid token is reused.
   */
  async countingClientFor(em: EntityManager, tenantId: string, onRequest: () => void): Promise<HaloClient> {
    const { options } = await this.stored(em, tenantId);
    const send = this.opts.fetch ?? fetch;
    const counted: typeof fetch = (input, init) => {
      onRequest();
      return send(input, init);
    };
    return new HaloClient({ ...options, fetch: counted, session: this.sessionFor(tenantId, options) });
  }

  /** The connection changed or went: its clients and its token are dropped. */
  forget(tenantId: string): void {
    this.cache.delete(tenantId);
    this.sessions.delete(tenantId);
  }
}

/** Items we synced and still hold (not deleted in Halo) answer from Postgres; Halo is asked only for the rest. */
async function storedFirst(
  em: EntityManager,
  tenantId: string,
  ids: number[],
  fromHalo: (ids: number[]) => Promise<Map<number, HaloItemInfo>>,
): Promise<Map<number, HaloItemInfo>> {
  const wanted = [...new Set(ids)];
  const found = new Map<number, HaloItemInfo>();
  if (!wanted.length) return found;
  const rows = await em
    .getConnection()
    .execute<{ halo_id: number; name: string; halo_group_id: number | null }[]>(
      `select halo_id, name, halo_group_id from item where tenant_id = ? and deleted_at is null and halo_id = any(array[?]::int[])`,
      [tenantId, wanted],
    );
  for (const r of rows) found.set(Number(r.halo_id), { id: Number(r.halo_id), name: r.name, groupId: r.halo_group_id ?? null });
  const rest = wanted.filter((id) => !found.has(id));
  if (rest.length) for (const [id, item] of await fromHalo(rest)) found.set(id, item);
  return found;
}

import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { classifyDbError, errorForLog } from '../db/errors';
import { HaloError, createHaloLoaders, formatHaloDate, type HaloClient, type HaloLoaders } from '../halo';
import type { HaloAccess } from '../integration/halo-access';
import type { SettingsService } from '../integration/settings.service';
import type { Logger } from '../log';
import type { SyncEngine } from '../sync/engine';
import { ENTITY_DEFS, SYNC_ENTITIES, isSkip, loadMapContext, type MapContext, type SyncEntity } from '../sync/entities';
import type { Mapped } from '../sync/mappers';

export interface ProcessorDeps {
  orm: MikroORM;
  access: HaloAccess;
  settings: SettingsService;
  engine: SyncEngine;
  log: Logger;
  /** Deliveries claimed per batch (default 500). */
  batchSize?: number;
  /** Gather a burst this long before the first batch (default 10 ms). */
  debounceMs?: number;
  /** A PROCESSING claim older than this belongs to a dead worker and is released (default 60 s). */
  staleClaimMs?: number;
}

interface Claimed {
  id: string;
  entity: SyncEntity;
  halo_object_id: number;
  event_at: Date | null;
  attempts: number;
}

interface Verdict {
  id: string;
  status: 'RECEIVED' | 'PROCESSED' | 'FAILED' | 'DUPLICATE' | 'STALE' | 'IGNORED';
  outcome?: string | null;
  error?: string | null;
  dup?: string | null;
  next?: string | null;
}

/** A batch larger than this per entity is refetched with one incremental list instead of one GET per record. */
const BY_ID_MAX = 8;
/** Halo's last-update stamps and its event times come from one clock, but not in one instant. */
const LIST_OVERLAP_MS = 2 * 60_000;
const MAX_ATTEMPTS = 5;
const RESOURCE_LOADER: Record<SyncEntity, keyof HaloLoaders | null> = {
  productGroups: null,
  companies: 'clients',
  sites: 'sites',
  contacts: 'users',
  items: 'items',
  opportunities: 'opportunities',
  quotes: 'quotations',
};

const at = (d: Date | string | null) => (d ? new Date(d).getTime() : null);
const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * Turns stored deliveries into record updates. Workers claim RECEIVED rows with SKIP LOCKED (any number of
 * processes), group them by record, drop what is already covered (a newer event for the record was applied:
 * STALE; the same change twice: DUPLICATE), refetch each remaining record once from Halo — tickets through one
 * `ticketids` call per 100, other resources by id, or one incremental list when many of a kind arrive — and
 * write them through the sync engine's own upsert path in one transaction with the deliveries' outcomes. The
 * payload is never trusted: only what Halo returns now is written, and the upsert never lets an older Halo
 * state replace a newer one.
 */
export class WebhookProcessor {
  private readonly loops = new Map<string, { again: boolean; done: Promise<void> }>();
  private readonly contexts = new Map<string, { at: number; ctx: MapContext }>();
  private stopped = false;

  constructor(private readonly deps: ProcessorDeps) {}

  /** Processes the tenant's waiting deliveries soon, in this process; a kick during a run makes it go round again. */
  kick(tenantId: string): Promise<void> {
    if (this.stopped) return Promise.resolve();
    const running = this.loops.get(tenantId);
    if (running) {
      running.again = true;
      return running.done;
    }
    const state = { again: false, done: Promise.resolve() };
    state.done = (async () => {
      await new Promise((r) => setTimeout(r, this.deps.debounceMs ?? 10));
      try {
        do {
          state.again = false;
          while (!this.stopped && (await this.processBatch(tenantId)) > 0) {
            // keep going while there is work
          }
        } while (state.again && !this.stopped);
      } catch (err) {
        this.deps.log.warn({ tenantId, err: errorForLog(err) }, 'webhook processing failed; the sweep retries');
      } finally {
        this.loops.delete(tenantId);
      }
    })();
    this.loops.set(tenantId, state);
    return state.done;
  }

  /** Releases claims of dead workers, then processes every tenant with due deliveries. */
  async sweep(): Promise<void> {
    const conn = this.deps.orm.em.getConnection();
    await conn.execute(
      `update webhook_delivery set status = 'RECEIVED', claimed_at = null where status = 'PROCESSING' and claimed_at < now() - make_interval(secs => ?)`,
      [(this.deps.staleClaimMs ?? 60_000) / 1000],
    );
    const tenants = await conn.execute<{ tenant_id: string }[]>(
      `select distinct tenant_id from webhook_delivery where status = 'RECEIVED' and (next_attempt_at is null or next_attempt_at <= now())`,
    );
    await Promise.all(tenants.map((t) => this.kick(t.tenant_id)));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.allSettled([...this.loops.values()].map((l) => l.done));
  }

  /** One batch: claim, decide, refetch, write. Returns how many deliveries it claimed. */
  async processBatch(tenantId: string): Promise<number> {
    const em = this.deps.orm.em.fork();
    const conn = em.getConnection();
    const claimed = await conn.execute<Claimed[]>(
      `update webhook_delivery set status = 'PROCESSING', claimed_at = now(), attempts = attempts + 1
        where id in (select id from webhook_delivery
                      where tenant_id = ? and status = 'RECEIVED' and (next_attempt_at is null or next_attempt_at <= now())
                      order by received_at limit ? for update skip locked)
        returning id, entity, halo_object_id, event_at, attempts`,
      [tenantId, this.deps.batchSize ?? 500],
    );
    if (!claimed.length) return 0;
    try {
      await this.process(em, tenantId, claimed);
    } catch (err) {
      // Nothing of this batch was written (one transaction): every delivery goes back for a later attempt.
      this.deps.log.warn({ tenantId, deliveries: claimed.length, err: errorForLog(err) }, 'webhook batch failed');
      await this.settle(em, claimed.map((c) => this.failure(c, err)));
    }
    return claimed.length;
  }

  private async process(em: EntityManager, tenantId: string, claimed: Claimed[]): Promise<void> {
    const conn = em.getConnection();
    const groups = new Map<string, Claimed[]>();
    for (const c of claimed) {
      const key = `${c.entity}:${c.halo_object_id}`;
      groups.set(key, [...(groups.get(key) ?? []), c]);
    }
    // The newest event already applied per record: anything older is covered by that refetch.
    const applied = new Map<string, number>();
    const rows = await conn.execute<{ entity: string; halo_object_id: number; at: Date }[]>(
      `select entity, halo_object_id, max(event_at) as at from webhook_delivery
        where tenant_id = ? and status = 'PROCESSED' and event_at is not null and halo_object_id = any(array[?]::int[])
        group by entity, halo_object_id`,
      [tenantId, [...new Set(claimed.map((c) => c.halo_object_id))]],
    );
    for (const r of rows) applied.set(`${r.entity}:${r.halo_object_id}`, new Date(r.at).getTime());

    const verdicts: Verdict[] = [];
    const leads = new Map<SyncEntity, Claimed[]>();
    const followers = new Map<string, Claimed[]>();
    for (const [key, list] of groups) {
      // Newest first; an event without a time cannot be ordered, so it always counts as new.
      list.sort((a, b) => (at(b.event_at) ?? Infinity) - (at(a.event_at) ?? Infinity));
      const lead = list[0];
      const leadAt = at(lead.event_at);
      const appliedAt = applied.get(key);
      if (leadAt !== null && appliedAt !== undefined && appliedAt > leadAt) {
        for (const c of list) verdicts.push({ id: c.id, status: 'STALE', error: `a newer event for this record (${new Date(appliedAt).toISOString()}) was already applied` });
        continue;
      }
      leads.set(lead.entity, [...(leads.get(lead.entity) ?? []), lead]);
      followers.set(lead.id, list.slice(1));
    }

    const client = await this.deps.access.clientFor(em, tenantId);
    const ctx = await this.mapContext(em, client, tenantId);
    const loaders = createHaloLoaders(client);
    const fetched = new Map<SyncEntity, Map<number, Record<string, unknown> | null | Error>>();
    await Promise.all(
      [...leads].map(async ([entity, list]) => {
        try {
          fetched.set(entity, await this.refetch(client, loaders, ctx, entity, list));
        } catch (err) {
          fetched.set(entity, new Map(list.map((c) => [c.halo_object_id, err instanceof Error ? err : new Error(String(err))])));
        }
      }),
    );

    const write = (subset: Map<SyncEntity, Claimed[]>, settled: Verdict[]) =>
      em.transactional(async (tx) => this.settle(tx, [...settled, ...(await this.apply(tx, tenantId, ctx, subset, fetched, followers))]));
    try {
      await write(leads, verdicts);
    } catch (err) {
      // One record whose data the database refuses (a value that does not fit its column) must not fail the
      // others: each record is written in a transaction of its own, and only the refused one fails.
      const db = classifyDbError(err);
      const count = [...leads.values()].reduce((n, l) => n + l.length, 0);
      if (!db || db.transient || count < 2) throw err;
      this.deps.log.warn({ tenantId, deliveries: claimed.length, err: db.log }, 'a record of a webhook batch was refused; writing each on its own');
      await this.settle(em, verdicts);
      for (const entity of SYNC_ENTITIES) {
        for (const lead of leads.get(entity) ?? []) {
          try {
            await write(new Map([[entity, [lead]]]), []);
          } catch (one) {
            this.deps.log.warn({ tenantId, delivery: lead.id, entity, haloId: lead.halo_object_id, err: errorForLog(one) }, 'webhook delivery failed');
            const failed: Verdict[] = [];
            this.decide(failed, lead, followers, this.failure(lead, one));
            await this.settle(em, failed);
          }
        }
      }
    }
  }

  /** Writes the refetched records of `leads` and returns the verdicts of their deliveries (and followers). */
  private async apply(
    tx: EntityManager,
    tenantId: string,
    ctx: MapContext,
    leads: Map<SyncEntity, Claimed[]>,
    fetched: Map<SyncEntity, Map<number, Record<string, unknown> | null | Error>>,
    followers: Map<string, Claimed[]>,
  ): Promise<Verdict[]> {
    const verdicts: Verdict[] = [];
    const now = new Date();
    for (const entity of SYNC_ENTITIES) {
      const list = leads.get(entity);
      if (!list) continue;
      const def = ENTITY_DEFS[entity];
      const records = fetched.get(entity)!;
      const mapped: Mapped<object>[] = [];
      const gone: number[] = [];
      const leadOf = new Map<number, Claimed>();
      for (const lead of list) {
        leadOf.set(lead.halo_object_id, lead);
        const rec = records.get(lead.halo_object_id);
        if (rec instanceof Error) {
          this.decide(verdicts, lead, followers, this.failure(lead, rec));
        } else if (!rec) {
          gone.push(lead.halo_object_id);
        } else {
          const m = def.map(rec, ctx);
          if (isSkip(m)) this.decide(verdicts, lead, followers, { id: lead.id, status: 'IGNORED', error: `${m.skip.code}: ${m.skip.message}` });
          else mapped.push(m);
        }
      }
      if (mapped.length) {
        const result = await this.deps.engine.write(tx, entity, tenantId, mapped, now);
        for (const m of mapped) {
          const lead = leadOf.get(m.haloId)!;
          this.decide(verdicts, lead, followers, { id: lead.id, status: 'PROCESSED', outcome: result.written.has(m.haloId) ? 'WRITTEN' : 'UNCHANGED' });
        }
      }
      if (gone.length) {
        const known = await tx
          .getConnection()
          .execute<{ halo_id: number }[]>(`select halo_id from "${def.table}" where tenant_id = ? and halo_id = any(array[?]::int[])`, [tenantId, gone]);
        const knownIds = new Set(known.map((k) => Number(k.halo_id)));
        await this.deps.engine.markDeleted(tx, entity, tenantId, gone);
        for (const id of gone) {
          const lead = leadOf.get(id)!;
          this.decide(verdicts, lead, followers, { id: lead.id, status: 'PROCESSED', outcome: knownIds.has(id) ? 'DELETED' : 'NOT_FOUND' });
        }
      }
    }
    return verdicts;
  }

  /** The lead's verdict; its followers are covered by the same refetch (or fail with it). */
  private decide(verdicts: Verdict[], lead: Claimed, followers: Map<string, Claimed[]>, v: Verdict): void {
    verdicts.push(v);
    for (const f of followers.get(lead.id) ?? []) {
      if (v.status === 'RECEIVED' || v.status === 'FAILED') verdicts.push({ ...this.failure(f, new Error(v.error ?? 'failed')), status: v.status, next: v.next });
      else if (at(f.event_at) !== null && at(f.event_at)! < (at(lead.event_at) ?? Infinity)) {
        verdicts.push({ id: f.id, status: 'STALE', error: 'a newer event for this record arrived in the same batch', dup: lead.id });
      } else verdicts.push({ id: f.id, status: 'DUPLICATE', error: 'the same change arrived in another delivery', dup: lead.id });
    }
  }

  /**
   * Transient trouble (Halo's, or a busy database) waits and tries again (up to 5 attempts); anything else fails
   * now, retryable by hand. A database error is stored classified, never with its statement and row values.
   */
  private failure(c: Claimed, err: unknown): Verdict {
    const db = classifyDbError(err);
    const transient = db ? db.transient : !(err instanceof HaloError) || err.retryable;
    const error = db ? db.message : message(err);
    if (transient && c.attempts < MAX_ATTEMPTS) {
      const delay = Math.min(2000 * 2 ** (c.attempts - 1), 300_000);
      return { id: c.id, status: 'RECEIVED', error, next: new Date(Date.now() + delay).toISOString() };
    }
    return { id: c.id, status: 'FAILED', error };
  }

  private async settle(em: EntityManager, verdicts: Verdict[]): Promise<void> {
    if (!verdicts.length) return;
    await em.getConnection().execute(
      `update webhook_delivery d
          set status = v.status, outcome = v.outcome, error = v.error, duplicate_of = coalesce(v.dup, d.duplicate_of), next_attempt_at = v.next,
              claimed_at = null, processed_at = case when v.status = 'RECEIVED' then null else now() end
         from jsonb_to_recordset(?::jsonb) as v(id uuid, status text, outcome text, error text, dup uuid, next timestamptz)
        where d.id = v.id`,
      [JSON.stringify(verdicts.map((v) => ({ outcome: null, error: null, dup: null, next: null, ...v })))],
    );
  }

  private async refetch(
    client: HaloClient,
    loaders: HaloLoaders,
    ctx: MapContext,
    entity: SyncEntity,
    list: Claimed[],
  ): Promise<Map<number, Record<string, unknown> | null | Error>> {
    const def = ENTITY_DEFS[entity];
    const ids = list.map((c) => c.halo_object_id);
    const out = new Map<number, Record<string, unknown> | null | Error>();
    let remaining = ids;
    const times = list.map((c) => at(c.event_at)).filter((t): t is number => t !== null);
    if (ids.length > BY_ID_MAX && def.lastUpdateFilter && entity !== 'opportunities' && times.length === list.length) {
      const wanted = new Set(ids);
      const since = formatHaloDate(new Date(Math.min(...times) - LIST_OVERLAP_MS));
      for await (const page of client.listPages(def.resource, { ...def.filter(ctx), lastupdatefromdate: since }, { pageSize: 100 })) {
        for (const rec of page) if (wanted.has(Number(rec.id))) out.set(Number(rec.id), rec as Record<string, unknown>);
      }
      // Not listed: deleted, inactive or filtered out – ask for each by id.
      remaining = ids.filter((id) => !out.has(id));
    }
    const loaderName = RESOURCE_LOADER[entity];
    if (!loaderName || !remaining.length) return out;
    const loaded = await (loaders[loaderName] as { loadMany(ids: number[]): Promise<Array<unknown>> }).loadMany(remaining);
    remaining.forEach((id, i) => {
      const r = loaded[i];
      out.set(id, r instanceof Error ? r : ((r as Record<string, unknown> | null) ?? null));
    });
    return out;
  }

  /** The mappers' context (settings and asset groups), kept briefly: a burst must not re-read it per batch. */
  private async mapContext(em: EntityManager, client: HaloClient, tenantId: string): Promise<MapContext> {
    const hit = this.contexts.get(tenantId);
    if (hit && Date.now() - hit.at < 30_000) return hit.ctx;
    const ctx = await loadMapContext(client, await this.deps.settings.get(em, tenantId));
    this.contexts.set(tenantId, { at: Date.now(), ctx });
    return ctx;
  }
}

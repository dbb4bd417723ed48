import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { LockMode, type EntityClass, type FilterQuery } from '@mikro-orm/core';
import type PgBoss from 'pg-boss';
import { HaloError, HaloOutcomeUnknownError, type HaloClient } from '../halo';
import { OutboxRow, type SyncedRecord } from '../db/entities';
import type { HaloAccess } from '../integration/halo-access';
import type { SettingsService } from '../integration/settings.service';
import type { IntegrationSettingsDoc } from '../integration/settings';
import { QUEUES } from '../jobs/queue';
import type { Logger } from '../log';
import { describeDifferences, type StoredDifference } from './read-back';

export interface PushContext {
  em: EntityManager;
  client: HaloClient;
  row: OutboxRow;
  settings: IntegrationSettingsDoc;
  /**
   * An earlier attempt may have reached Halo (its answer was lost, or its worker died mid-push): look the record up
   * by our reference before writing again.
   */
  mayHaveApplied: boolean;
}

/** One kind of write to Halo. `push` must be safe to run again after a crash at any point. */
export interface PushHandler {
  kind: string;
  push(ctx: PushContext): Promise<{ haloId?: number | null }>;
  /** Records the outcome on the target record (push state, error) inside the outbox transaction. */
  settle(em: EntityManager, row: OutboxRow, outcome: SettleOutcome): Promise<void>;
}

export type SettleOutcome = { ok: true } | { ok: false; error: string; final: boolean };

export interface OutboxOptions {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** How long a worker holds a row; a row still IN_PROGRESS after it belonged to a dead worker. */
  leaseMs: number;
}

export const DEFAULT_OUTBOX_OPTIONS: OutboxOptions = { maxAttempts: 8, baseDelayMs: 1_000, maxDelayMs: 5 * 60_000, leaseMs: 2 * 60_000 };

/** Errors that will not go away by trying again: a person must act (fix data, permissions, mapping). */
function isFinal(err: unknown): boolean {
  if (err instanceof HaloError) return ['validation', 'not_found', 'permission', 'bad_credentials', 'bad_url'].includes(err.kind);
  return (err as { code?: string })?.code === 'HALO_NOT_CONNECTED' || err instanceof PushRejected || err instanceof HaloStoredDifferently;
}

/** A push that cannot be made as asked (e.g. the company is not in Halo yet): fails at once with this message. */
export class PushRejected extends Error {}

/**
 * Halo saved the record but, read back, holds something other than what was sent (`read-back.ts`). Final: trying
 * the same write again would store the same thing. The record stays linked to its Halo id, so a retry after the
 * cause is fixed updates it rather than creating a copy.
 */
/** A push error lists this many differences; a quotation of hundreds of lines would otherwise fill pages. */
const MAX_DIFFERENCES_SHOWN = 20;

export class HaloStoredDifferently extends Error {
  readonly code = 'HALO_STORED_DIFFERENTLY';

  constructor(
    what: string,
    /** The record in Halo: kept on the push, so `pushes` shows which one. */
    readonly haloId: number,
    readonly differences: StoredDifference[],
    fix: string,
  ) {
    const shown = differences.slice(0, MAX_DIFFERENCES_SHOWN);
    const more = differences.length - shown.length;
    super(`Halo stored ${what} ${haloId} differently from what was sent: ${describeDifferences(shown)}${more > 0 ? ` (and ${more} more)` : ''}. ${fix}`);
  }
}

function errorCode(err: unknown): string {
  if (err instanceof HaloError) return `HALO_${err.kind.toUpperCase()}`;
  if (err instanceof HaloStoredDifferently) return err.code;
  return err instanceof PushRejected ? 'REJECTED' : 'INTERNAL';
}

/**
 * What every handler's `settle` does: a record's push state follows its outbox. A failure sets FAILED (final) or
 * PENDING with the error; a success sets PUSHED unless another push of the record is unfinished (`openPushes` says
 * which rows are its pushes: by default those targeting it), and keeps FAILED while another one has failed for good. The record is read fresh and locked first: two pushes
 * of one record finishing at once would otherwise each count the other as unfinished (neither has committed) and
 * leave it PENDING for good; with the lock the second waits for the first to commit, then counts.
 */
export async function settlePushState(
  em: EntityManager,
  entity: EntityClass<SyncedRecord>,
  id: string,
  row: OutboxRow,
  outcome: SettleOutcome,
  openPushes: FilterQuery<OutboxRow> = { targetId: id },
): Promise<void> {
  const record = await em.findOne(entity, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
  if (!record) return;
  if (!outcome.ok) {
    record.pushState = outcome.final ? 'FAILED' : 'PENDING';
    record.pushError = outcome.error || null;
    return;
  }
  // Another push of the record that failed for good still needs a person: its failure stands.
  const failed = await em.findOne(OutboxRow, { $and: [openPushes, { state: 'FAILED', id: { $ne: row.id } }] }, { orderBy: { seq: 'desc' } });
  if (failed) {
    record.pushState = 'FAILED';
    record.pushError = failed.lastError ?? null;
    return;
  }
  const open = await em.count(OutboxRow, { $and: [openPushes, { state: { $ne: 'DONE' }, id: { $ne: row.id } }] });
  record.pushState = open ? 'PENDING' : 'PUSHED';
  record.pushError = null;
  record.pushedAt = new Date();
}

/**
 * The transactional outbox: a change that must reach Halo adds a row in its own transaction; workers (any
 * process) claim rows one at a time per record, in order, with a lease, retry with backoff, and stop with a clear
 * per-record error when a push keeps failing or cannot succeed. Nothing is dropped; a push whose answer was lost
 * is looked up before it is written again, so nothing is doubled.
 */
export class Outbox {
  private readonly handlers = new Map<string, PushHandler>();

  constructor(
    private readonly deps: { orm: MikroORM; boss: PgBoss; access: HaloAccess; settings: SettingsService; log: Logger },
    private readonly opts: OutboxOptions = DEFAULT_OUTBOX_OPTIONS,
  ) {}

  register(handler: PushHandler): void {
    this.handlers.set(handler.kind, handler);
  }

  /** Adds a push inside the caller's unit of work; call `dispatch` after the transaction commits. */
  add(em: EntityManager, input: { tenantId: string; kind: string; targetId: string; payload?: Record<string, unknown> }): OutboxRow {
    if (!this.handlers.has(input.kind)) throw new Error(`no push handler for ${input.kind}`);
    return em.create(OutboxRow, { ...input, payload: input.payload ?? null });
  }

  /**
   * Wakes a worker to drain the tenant of each row. A lost wake-up is harmless (the sweeper finds due rows), and so
   * is an extra one (drains claim rows with SKIP LOCKED).
   */
  async dispatch(rows: Pick<OutboxRow, 'tenantId'>[]): Promise<void> {
    for (const tenantId of new Set(rows.map((r) => r.tenantId))) {
      await this.deps.boss.send(QUEUES.push, { tenantId });
    }
  }

  /** Tenants with pushes that are due but have no live worker (crash between commit and dispatch, a dead lease, a backoff that ended). */
  async sweep(): Promise<number> {
    const rows = await this.deps.orm.em
      .fork()
      .getConnection()
      .execute<{ tenantId: string }[]>(
        `select distinct tenant_id as "tenantId" from outbox where (state = 'PENDING' and next_attempt_at <= now()) or (state = 'IN_PROGRESS' and locked_until < now())`,
      );
    await this.dispatch(rows);
    return rows.length;
  }

  /**
   * Works through a tenant's due pushes: claims a few at a time (the oldest unfinished push of each record only, so
   * each record's pushes run in order), runs them side by side, and waits for retries that are due soon.
   */
  async drain(tenantId: string, opts: { concurrency?: number; maxMs?: number } = {}): Promise<number> {
    const concurrency = opts.concurrency ?? 4;
    const until = Date.now() + (opts.maxMs ?? 60_000);
    let done = 0;
    while (Date.now() < until) {
      const ids = await this.claim(tenantId, concurrency);
      if (ids.length) {
        await Promise.all(ids.map((id) => this.run(id)));
        done += ids.length;
        continue;
      }
      // Nothing due: wait for a retry due within a few seconds, else leave it to the sweeper.
      const next = await this.deps.orm.em
        .fork()
        .getConnection()
        .execute<{ at: Date | null }[]>(`select min(next_attempt_at) as at from outbox where tenant_id = ? and state = 'PENDING'`, [tenantId]);
      const wait = next[0]?.at ? new Date(next[0].at).getTime() - Date.now() : Infinity;
      if (wait > 5_000) break;
      await new Promise((r) => setTimeout(r, Math.max(10, wait)));
    }
    return done;
  }

  private async claim(tenantId: string, limit: number): Promise<string[]> {
    const rows = await this.deps.orm.em
      .fork()
      .getConnection()
      .execute<{ id: string }[]>(
        `with next as (
           select o.id from outbox o
            where o.tenant_id = ?
              and ((o.state = 'PENDING' and o.next_attempt_at <= now()) or (o.state = 'IN_PROGRESS' and o.locked_until < now()))
              and not exists (select 1 from outbox p where p.tenant_id = o.tenant_id and p.target_id = o.target_id and p.seq < o.seq and p.state <> 'DONE')
            order by o.seq limit ? for update skip locked)
         update outbox o set state = 'IN_PROGRESS', attempts = o.attempts + 1, locked_until = now() + make_interval(secs => ?), updated_at = now()
           from next where o.id = next.id returning o.id`,
        [tenantId, limit, this.opts.leaseMs / 1000],
      );
    return rows.map((r) => r.id);
  }

  /** Puts a FAILED push back in the queue (the `retry` mutation). */
  async retry(em: EntityManager, tenantId: string, id: string): Promise<OutboxRow | null> {
    const rows = await em.getConnection().execute<{ id: string }[]>(
      `update outbox set state = 'PENDING', attempts = 0, next_attempt_at = now(), last_error = null, last_error_code = null, updated_at = now()
        where id = ? and tenant_id = ? and state = 'FAILED' returning id`,
      [id, tenantId],
    );
    if (!rows.length) return null;
    const row = await em.findOneOrFail(OutboxRow, { id }, { refresh: true });
    const handler = this.handlers.get(row.kind);
    if (handler) {
      await em.transactional(async (tx) => {
        await handler.settle(tx, row, { ok: false, error: '', final: false });
      });
    }
    await this.dispatch([row]);
    return row;
  }

  /** Runs one claimed push and records its outcome. */
  private async run(outboxId: string): Promise<void> {
    const em = this.deps.orm.em.fork();
    const row = await em.findOneOrFail(OutboxRow, { id: outboxId }, { refresh: true });
    const handler = this.handlers.get(row.kind);
    if (!handler) {
      await this.finish(em, row, undefined, { ok: false, error: `no handler for ${row.kind}`, final: true, code: 'INTERNAL' });
      return;
    }
    try {
      const client = await this.deps.access.clientFor(em, row.tenantId);
      const settings = await this.deps.settings.get(em, row.tenantId);
      const result = await handler.push({ em, client, row, settings, mayHaveApplied: row.attempts > 1 || row.outcomeUnknown });
      row.haloId = result.haloId ?? row.haloId ?? null;
      await this.finish(em, row, handler, { ok: true });
    } catch (err) {
      const unknown = err instanceof HaloOutcomeUnknownError;
      if (unknown) row.outcomeUnknown = true;
      if (err instanceof HaloStoredDifferently) row.haloId = err.haloId;
      const final = !unknown && (isFinal(err) || row.attempts >= this.opts.maxAttempts);
      const exhausted = row.attempts >= this.opts.maxAttempts;
      const message = err instanceof Error ? err.message : String(err);
      this.deps.log.warn({ outboxId, kind: row.kind, attempt: row.attempts, err: message }, final ? 'push failed' : 'push will be retried');
      await this.finish(em, row, handler, {
        ok: false,
        error: exhausted && !isFinal(err) ? `${message} (gave up after ${row.attempts} attempts; retry when Halo is healthy)` : message,
        final: final || exhausted,
        code: errorCode(err),
      });
    }
  }

  private async finish(
    em: EntityManager,
    row: OutboxRow,
    handler: PushHandler | undefined,
    outcome: { ok: true } | { ok: false; error: string; final: boolean; code: string },
  ): Promise<void> {
    await em.transactional(async (tx) => {
      const r = tx.merge(row);
      r.lockedUntil = null;
      if (outcome.ok) {
        r.state = 'DONE';
        r.doneAt = new Date();
        r.lastError = null;
        r.lastErrorCode = null;
      } else {
        r.lastError = outcome.error;
        r.lastErrorCode = outcome.code;
        if (outcome.final) r.state = 'FAILED';
        else {
          r.state = 'PENDING';
          const backoff = Math.min(this.opts.maxDelayMs, this.opts.baseDelayMs * 2 ** (r.attempts - 1));
          // Equal jitter: spread retries of many failed pushes so they do not hit Halo together.
          r.nextAttemptAt = new Date(Date.now() + backoff / 2 + Math.random() * (backoff / 2));
        }
      }
      await handler?.settle(tx, r, outcome.ok ? { ok: true } : { ok: false, error: outcome.error, final: outcome.final });
    });
  }
}

export async function startPushWorker(opts: {
  boss: PgBoss;
  outbox: Outbox;
  log: Logger;
  pollSeconds?: number;
  sweepEveryMs?: number;
  concurrency?: number;
}): Promise<{ stop(): Promise<void> }> {
  const ids: string[] = [];
  // Each wake-up drains one tenant; two loops let two tenants drain side by side in this process.
  for (let i = 0; i < 2; i++) {
    ids.push(
      await opts.boss.work<{ tenantId: string }>(QUEUES.push, { batchSize: 1, pollingIntervalSeconds: opts.pollSeconds ?? 1 }, async ([job]) => {
        await opts.outbox.drain(job.data.tenantId, { concurrency: opts.concurrency ?? 4 });
      }),
    );
  }
  await opts.outbox.sweep();
  const timer = setInterval(() => {
    opts.outbox.sweep().catch((err) => opts.log.warn({ err: String(err) }, 'outbox sweep failed'));
  }, opts.sweepEveryMs ?? 15_000);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      for (const id of ids) await opts.boss.offWork({ id }).catch(() => undefined);
    },
  };
}

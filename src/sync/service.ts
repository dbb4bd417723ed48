import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type PgBoss from 'pg-boss';
import { HaloConnectionRow, SyncRecordError, SyncRun, type SyncKind } from '../db/entities';
import { QUEUES } from '../jobs/queue';
import type { Logger } from '../log';
import { emptyProgress, type SyncEngine } from './engine';
import { SYNC_ENTITIES, type SyncEntity } from './entities';

export class SyncInputError extends Error {
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
  }
}

export interface SyncServiceOptions {
  /** A RUNNING run whose heartbeat is older than this was abandoned by a dead process and is resumed. */
  staleAfterMs: number;
}

/**
 * Starting and inspecting sync runs. Starting only records the run and enqueues it: a worker (any process)
 * executes it, so the request that asked returns at once.
 */
export class SyncService {
  constructor(
    private readonly orm: MikroORM,
    private readonly boss: PgBoss,
    private readonly log: Logger,
    private readonly opts: SyncServiceOptions,
  ) {}

  /** Returns the new run, or the tenant's run already queued or in progress. */
  async start(em: EntityManager, tenantId: string, input: { kind: SyncKind; entities?: string[] | null; trigger?: string }): Promise<SyncRun> {
    const entities = input.entities?.length ? [...new Set(input.entities)] : [...SYNC_ENTITIES];
    const unknown = entities.filter((e) => !SYNC_ENTITIES.includes(e as SyncEntity));
    if (unknown.length) throw new SyncInputError(`unknown entities: ${unknown.join(', ')} (known: ${SYNC_ENTITIES.join(', ')})`, 'entities');
    if (!(await em.findOne(HaloConnectionRow, { tenantId, status: { $ne: 'DISCONNECTED' } }))) {
      throw new SyncInputError('connect Halo before syncing (connectHalo)', 'tenant');
    }
    const ordered = SYNC_ENTITIES.filter((e) => entities.includes(e));
    const progress = Object.fromEntries(ordered.map((e) => [e, emptyProgress()]));
    // The partial unique index allows one active run per tenant: a concurrent start from any process loses here.
    const inserted = await em.getConnection().execute<{ id: string }[]>(
      `insert into sync_run (id, tenant_id, kind, entities, status, trigger, progress, halo_requests, attempts, created_at)
       values (gen_random_uuid(), ?, ?, ?::jsonb, 'QUEUED', ?, ?::jsonb, 0, 0, now())
       on conflict do nothing returning id`,
      [tenantId, input.kind, JSON.stringify(ordered), input.trigger ?? 'manual', JSON.stringify(progress)],
    );
    if (inserted.length) {
      await this.enqueue(inserted[0].id);
      return em.findOneOrFail(SyncRun, { id: inserted[0].id });
    }
    const active = await em.findOneOrFail(SyncRun, { tenantId, status: { $in: ['QUEUED', 'RUNNING'] } }, { refresh: true });
    if (this.isAbandoned(active)) await this.enqueue(active.id);
    return active;
  }

  private isAbandoned(run: SyncRun): boolean {
    const beat = run.heartbeatAt ?? run.createdAt;
    return Date.now() - beat.getTime() > this.opts.staleAfterMs;
  }

  async enqueue(runId: string): Promise<void> {
    // Enqueueing a run twice is harmless: a worker claims a run atomically (see SyncEngine.execute).
    await this.boss.send(QUEUES.syncRun, { runId });
  }

  /** Re-enqueues runs whose worker died (no heartbeat): they resume from their last finished entity. */
  async resumeAbandoned(): Promise<number> {
    const em = this.orm.em.fork();
    const stale = new Date(Date.now() - this.opts.staleAfterMs);
    const runs = await em.find(SyncRun, {
      status: { $in: ['QUEUED', 'RUNNING'] },
      $or: [{ heartbeatAt: { $lt: stale } }, { heartbeatAt: null, createdAt: { $lt: stale } }],
    });
    for (const run of runs) {
      this.log.info({ runId: run.id, tenantId: run.tenantId }, 'resuming abandoned sync run');
      await this.enqueue(run.id);
    }
    return runs.length;
  }

  get(em: EntityManager, tenantId: string, id: string): Promise<SyncRun | null> {
    return em.findOne(SyncRun, { id, tenantId });
  }

  list(em: EntityManager, tenantId: string, first: number): Promise<SyncRun[]> {
    return em.find(SyncRun, { tenantId }, { orderBy: { createdAt: 'desc', id: 'desc' }, limit: first });
  }

  recordErrors(em: EntityManager, tenantId: string, runId: string, first: number): Promise<SyncRecordError[]> {
    return em.find(SyncRecordError, { tenantId, runId }, { orderBy: { at: 'asc', id: 'asc' }, limit: first });
  }

  async lastFullSyncAt(em: EntityManager, tenantId: string): Promise<Date | null> {
    const run = await em.findOne(SyncRun, { tenantId, kind: 'FULL', status: { $in: ['SUCCEEDED', 'PARTIAL'] } }, { orderBy: { finishedAt: 'desc' } });
    return run?.finishedAt ?? null;
  }
}

/** Runs sync jobs in this process. Any number of processes may do so; each job runs in one of them. */
export async function startSyncWorker(opts: {
  boss: PgBoss;
  engine: SyncEngine;
  service: SyncService;
  log: Logger;
  pollSeconds?: number;
  resumeEveryMs?: number;
}): Promise<{ stop(): Promise<void> }> {
  const controller = new AbortController();
  const workerId = await opts.boss.work<{ runId: string }>(
    QUEUES.syncRun,
    { batchSize: 1, pollingIntervalSeconds: opts.pollSeconds ?? 1 },
    async ([job]) => {
      await opts.engine.execute(job.data.runId, controller.signal);
    },
  );
  await opts.service.resumeAbandoned();
  const timer = setInterval(() => {
    opts.service.resumeAbandoned().catch((err) => opts.log.warn({ err: String(err) }, 'resume check failed'));
  }, opts.resumeEveryMs ?? 30_000);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      controller.abort();
      await opts.boss.offWork({ id: workerId }).catch(() => undefined);
    },
  };
}

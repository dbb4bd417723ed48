import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { HaloError, formatHaloDate, type HaloAssetGroup, type HaloClient } from '../halo';
import { SyncCursor, SyncRecordError, SyncRun, type EntityProgress } from '../db/entities';
import { classifyDbError, errorForLog } from '../db/errors';
import type { HaloAccess } from '../integration/halo-access';
import type { SettingsService } from '../integration/settings.service';
import type { Logger } from '../log';
import { ENTITY_DEFS, SYNC_ENTITIES, assetGroupMap, isSkip, type MapContext, type SyncEntity } from './entities';
import { KEEP_ON_SKIP, type Mapped, type OpportunityRow, type QuoteLineRow, type QuoteRow } from './mappers';
import { writeOpportunities } from '../opportunities/reconcile';
import { markDeleted, markSeen, markUnseenDeleted, upsertPage, type UpsertResult } from './store';
import { prefetched } from './prefetch';

/** Incremental windows start this long before the last run started: Halo's clock and ours may differ. */
export const INCREMENTAL_OVERLAP_MS = 5 * 60_000;
const PAGE_SIZE = 100;

export const emptyProgress = (): EntityProgress => ({
  state: 'pending',
  done: 0,
  total: null,
  pages: 0,
  created: 0,
  updated: 0,
  unchanged: 0,
  deleted: 0,
  skipped: 0,
  errors: 0,
});

export interface SyncEngineDeps {
  orm: MikroORM;
  access: HaloAccess;
  settings: SettingsService;
  log: Logger;
  /** A RUNNING run without a heartbeat for this long belongs to a dead worker and may be taken over. */
  staleAfterMs: number;
}

/** Stops a run from the outside (a worker shutting down); the run resumes from its last checkpoint later. */
export class RunInterrupted extends Error {}

/**
 * Executes sync runs: for each entity, streams Halo's pages, maps them with the pure mappers, upserts a page per
 * statement and checkpoints progress after every page. A run started again after a crash skips the entities it
 * finished and redoes the one it was in: every write is an idempotent upsert keyed by (tenant, Halo id), so
 * nothing is lost or doubled.
 */
export class SyncEngine {
  constructor(private readonly deps: SyncEngineDeps) {}

  async execute(runId: string, signal?: AbortSignal): Promise<SyncRun | null> {
    const em = this.deps.orm.em.fork();
    // Claim the run atomically: one worker at a time, and a run whose worker died (no heartbeat) can be taken over.
    const claimed = await em.getConnection().execute<{ attempts: number }[]>(
      `update sync_run set status = 'RUNNING', attempts = attempts + 1, started_at = coalesce(started_at, now()), heartbeat_at = now()
        where id = ? and (status = 'QUEUED' or (status = 'RUNNING' and heartbeat_at < now() - make_interval(secs => ?)))
        returning attempts`,
      [runId, this.deps.staleAfterMs / 1000],
    );
    if (!claimed.length) return em.findOne(SyncRun, { id: runId });
    const attempt = claimed[0].attempts;
    const run = await em.findOneOrFail(SyncRun, { id: runId }, { refresh: true });
    const attemptStarted = new Date();
    for (const e of run.entities) run.progress[e] ??= emptyProgress();

    // Keeps the claim alive through slow Halo pages; stops this attempt if another worker took the run over.
    const lost = new AbortController();
    const beat = setInterval(() => {
      em.getConnection()
        .execute<{ id: string }[]>(`update sync_run set heartbeat_at = now() where id = ? and attempts = ? and status = 'RUNNING' returning id`, [runId, attempt])
        .then((rows) => rows.length || lost.abort())
        .catch(() => undefined);
    }, Math.max(500, this.deps.staleAfterMs / 3));
    const abort = signal ? AbortSignal.any([signal, lost.signal]) : lost.signal;
    try {
      return await this.executeClaimed(em, run, attemptStarted, abort);
    } finally {
      clearInterval(beat);
    }
  }

  private async executeClaimed(em: EntityManager, run: SyncRun, attemptStarted: Date, signal: AbortSignal): Promise<SyncRun> {
    const runId = run.id;
    // Requests of earlier attempts of this run count too.
    let requests = run.haloRequests;
    let firstFailure: string | undefined;
    try {
      const client = await this.deps.access.countingClientFor(em, run.tenantId, () => requests++);
      const ctx: MapContext = { settings: await this.deps.settings.get(em, run.tenantId), assetGroups: new Map() };
      // The asset groups are read at most once a run, by the first entity that needs them (a failure is shared too).
      let groups: Promise<HaloAssetGroup[]> | undefined;
      const assetGroups = () => {
        if (!groups) {
          groups = client.assetGroups.all({}, { signal }).then((rows) => {
            ctx.assetGroups = assetGroupMap(rows);
            return rows;
          });
          groups.catch(() => undefined);
        }
        return groups;
      };
      for (const entity of SYNC_ENTITIES) {
        if (!run.entities.includes(entity) || run.progress[entity].state === 'done') continue;
        if (signal.aborted) throw new RunInterrupted();
        try {
          await this.syncEntity(em, run, entity, client, ctx, assetGroups, attemptStarted, () => requests, signal);
        } catch (err) {
          if (err instanceof RunInterrupted || signal.aborted || isFatal(err)) throw err;
          run.progress[entity].state = 'failed';
          run.progress[entity].errors += 1;
          em.create(SyncRecordError, { runId: run.id, tenantId: run.tenantId, entity, code: codeOf(err), message: messageOf(err), hint: hintOf(err) });
          firstFailure ??= `${entity}: ${messageOf(err)}`;
          this.deps.log.warn({ runId, entity, err: errorForLog(err) }, 'sync entity failed');
          await em.flush();
        }
      }
      const outcome = runOutcome(run.entities.map((e) => run.progress[e]?.state ?? 'pending'));
      run.status = outcome;
      if (outcome === 'FAILED') run.error = `Every entity of the run failed (first, ${firstFailure ?? 'unknown'}); see the run's record errors.`;
    } catch (err) {
      if (err instanceof RunInterrupted || signal.aborted) {
        // Another attempt owns the run now (or this worker is stopping): leave its state to that attempt.
        return run;
      }
      run.status = 'FAILED';
      run.error = messageOf(err);
      this.deps.log.warn({ runId, err: errorForLog(err) }, 'sync run failed');
    }
    run.haloRequests = requests;
    run.finishedAt = new Date();
    run.heartbeatAt = run.finishedAt;
    await em.flush();
    return run;
  }

  private async syncEntity(
    em: EntityManager,
    run: SyncRun,
    entity: SyncEntity,
    client: HaloClient,
    ctx: MapContext,
    assetGroups: () => Promise<HaloAssetGroup[]>,
    attemptStarted: Date,
    requestsSoFar: () => number,
    signal: AbortSignal,
  ): Promise<void> {
    const def = ENTITY_DEFS[entity];
    // A resumed entity starts over: its pages may have shifted in Halo since the crash, and upserts are idempotent.
    const progress: EntityProgress = { ...emptyProgress(), state: 'running' };
    run.progress[entity] = progress;
    const groups = def.usesAssetGroups ? await assetGroups() : undefined;
    const cursor = def.lastUpdateFilter ? await em.findOne(SyncCursor, { tenantId: run.tenantId, entity }) : null;
    // A full pass lists every record Halo has, so the ones it did not list can be marked deleted: full runs, and an
    // incremental run of an entity that has no cursor yet (it lists without a date filter anyway).
    const full = run.kind === 'FULL' || (def.lastUpdateFilter && !cursor);

    let pages: AsyncIterable<object[]>;
    if (def.resource === 'assetGroups') {
      pages = onePage(groups ?? []); // the run's one read of the asset groups, no request of its own
    } else {
      const listFilter = def.filter(ctx);
      if (!listFilter) pages = onePage([]);
      else {
        const filter = { ...listFilter };
        if (!full && cursor) filter.lastupdatefromdate = formatHaloDate(new Date(cursor.syncedFrom.getTime() - INCREMENTAL_OVERLAP_MS));
        const onRecordCount = (n: number) => (progress.total = n);
        pages = prefetched(client.listPages(def.resource, filter, { pageSize: PAGE_SIZE, signal, onRecordCount }));
      }
    }

    for await (const page of pages) {
      const now = new Date();
      const rows: Mapped<object>[] = [];
      const errors: Partial<SyncRecordError>[] = [];
      const kept: number[] = [];
      for (const record of page as Record<string, unknown>[]) {
        const m = def.map(record, ctx);
        if (isSkip(m)) {
          progress.skipped += 1;
          if (KEEP_ON_SKIP.has(m.skip.code)) kept.push(Number(record.id));
          if (m.skip.code !== 'GROUP_NOT_FOR_ITEMS' && m.skip.code !== 'OPPORTUNITY_TYPE_NOT_IMPORTED') {
            errors.push({ runId: run.id, tenantId: run.tenantId, entity, haloId: Number(record.id), name: typeof record.name === 'string' ? record.name : null, ...m.skip });
            progress.errors += 1;
          }
        } else rows.push(m);
      }
      if (signal.aborted) throw new RunInterrupted();
      // One transaction a page: the rows, their record errors and the checkpoint commit together.
      await em.transactional(async (tx) => {
        for (const e of errors) tx.create(SyncRecordError, e as SyncRecordError);
        if (full) await markSeen(tx, def.table, run.tenantId, run.id, kept);
        const result = await this.write(tx, entity, run.tenantId, rows, now, full ? run.id : undefined);
        progress.created += result.created;
        progress.updated += result.updated;
        progress.unchanged += result.unchanged;
        progress.done += page.length;
        progress.pages += 1;
        await tx.getConnection().execute(`update sync_run set progress = ?::jsonb, halo_requests = ?, heartbeat_at = now() where id = ?`, [
          JSON.stringify(run.progress),
          requestsSoFar(),
          run.id,
        ]);
      });
    }

    if (full) progress.deleted = await markUnseenDeleted(em, def.table, run.tenantId, run.id, new Date());
    progress.total = progress.done;
    progress.state = 'done';
    await em.getConnection().execute(
      `insert into sync_cursor (id, tenant_id, entity, synced_from) values (gen_random_uuid(), ?, ?, ?)
       on conflict (tenant_id, entity) do update set synced_from = excluded.synced_from`,
      [run.tenantId, entity, attemptStarted],
    );
    await this.checkpoint(em, run, requestsSoFar());
  }

  private async checkpoint(em: EntityManager, run: SyncRun, requests: number): Promise<void> {
    run.heartbeatAt = new Date();
    run.haloRequests = requests;
    await em.flush();
  }

  /**
   * Writes mapped rows of one entity, links included: the same path for sync pages and for webhook refetches.
   * `seenRunId` (full runs) stamps the rows Halo still lists.
   */
  async write(em: EntityManager, entity: SyncEntity, tenantId: string, rows: Mapped<object>[], now: Date, seenRunId?: string): Promise<UpsertResult> {
    const def = ENTITY_DEFS[entity];
    const opts = { links: def.links, seenRunId };
    // Opportunities may hold local edits not yet in Halo: merged field by field, conflicts recorded (src/opportunities).
    if (entity === 'opportunities') return writeOpportunities(em, tenantId, rows as Mapped<OpportunityRow>[], now, opts);
    if (entity !== 'quotes') return upsertPage(em, def.table, tenantId, rows, now, opts);
    const quotes = rows as Mapped<QuoteRow>[];
    const headers = quotes.map(({ row: { lines: _lines, ...header }, ...rest }) => ({ ...rest, row: header }));
    const result = await upsertPage(em, 'quote', tenantId, headers, now, opts);
    // Lines are rewritten only for quotes whose content (lines included) changed, and never for quotes made here:
    // their lines (bundles, custom products) are ours, and already carry Halo's line ids from the push.
    const changedIds = [...result.changed].map((haloId) => result.written.get(haloId)!).filter(Boolean);
    const local = new Set(
      changedIds.length
        ? (await em.getConnection().execute<{ id: string }[]>(`select id from quote where id in (${changedIds.map(() => '?').join(', ')}) and origin = 'LOCAL'`, changedIds)).map((r) => r.id)
        : [],
    );
    const lineRows: Mapped<QuoteLineRow & { quoteId: string }>[] = [];
    for (const q of quotes) {
      const quoteId = result.changed.has(q.haloId) ? result.written.get(q.haloId) : undefined;
      if (!quoteId || local.has(quoteId)) continue;
      for (const l of q.row.lines) lineRows.push({ haloId: l.haloId, haloUpdatedAt: null, contentHash: JSON.stringify(l), row: { ...l, quoteId } });
    }
    const rewritten = changedIds.filter((id) => !local.has(id));
    if (rewritten.length) {
      const keep = lineRows.map((l) => l.haloId);
      await em.getConnection().execute(
        `delete from quote_line where tenant_id = ? and quote_id in (${rewritten.map(() => '?').join(', ')})${keep.length ? ` and not (halo_id = any(array[?]::int[]))` : ''}`,
        keep.length ? [tenantId, ...rewritten, keep] : [tenantId, ...rewritten],
      );
      const lines = lineRows.map(({ row: { haloId: _h, ...line }, ...rest }) => ({ ...rest, row: line }));
      await upsertPage(em, 'quote_line', tenantId, lines, now, { links: [{ column: 'item_id', haloField: 'haloItemId', target: 'item' }] });
    }
    return result;
  }

  /** Marks records Halo deleted (webhook deletes, refetches that 404). */
  async markDeleted(em: EntityManager, entity: SyncEntity, tenantId: string, haloIds: number[]): Promise<number> {
    return markDeleted(em, ENTITY_DEFS[entity].table, tenantId, haloIds, new Date());
  }
}

/**
 * Errors no other entity of the run can get past: credentials, permissions, a missing connection, and any failure
 * to get a token (every entity would ask again and meet it again).
 */
function isFatal(err: unknown): boolean {
  if (err instanceof HaloError) return err.duringAuth || err.kind === 'bad_credentials' || err.kind === 'permission' || err.kind === 'bad_url';
  return (err as { code?: string })?.code === 'HALO_NOT_CONNECTED';
}

/** A run succeeds when every entity did, is partial when some did, and failed when none did. */
export function runOutcome(states: EntityProgress['state'][]): 'SUCCEEDED' | 'PARTIAL' | 'FAILED' {
  const done = states.filter((s) => s === 'done').length;
  if (done === states.length) return 'SUCCEEDED';
  return done === 0 ? 'FAILED' : 'PARTIAL';
}

async function* onePage<T>(rows: T[]): AsyncGenerator<T[]> {
  if (rows.length) yield rows;
}

// A database error is stored and shown classified (src/db/errors.ts): its driver message holds the SQL and row values.
const codeOf = (err: unknown) => (err instanceof HaloError ? `HALO_${err.kind.toUpperCase()}` : (classifyDbError(err)?.code ?? 'INTERNAL'));
const messageOf = (err: unknown) => classifyDbError(err)?.message ?? (err instanceof Error ? err.message : String(err));
const hintOf = (err: unknown) =>
  err instanceof HaloError && err.retryable
    ? 'Halo failed or timed out; the next run retries it.'
    : err instanceof HaloError
      ? undefined
      : (classifyDbError(err)?.hint ?? 'An internal error; see the service logs.');

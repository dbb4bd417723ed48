import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type PgBoss from 'pg-boss';
import { HaloWebhookConfig, WebhookDelivery, type WebhookDeliveryStatus } from '../db/entities';
import { QUEUES } from '../jobs/queue';
import type { Logger } from '../log';
import { InputError } from '../common/input-error';
import { describeCoverage, entitiesNeedingPolling, pairKey, missingRealtimeFix, validateToldEvents, type ToldEvent } from './coverage';
import { summary, type WebhookInstaller, type WebhookStatusReport } from './install';
import type { WebhookProcessor } from './processor';
import { KNOWN_GAPS, WEBHOOK_ENTITY_NAMES, type SyncSchedules, type WebhookEntity } from './spec';

/** How old the stored coverage may be before the scheduler asks Halo again. */
const COVERAGE_MAX_AGE_MS = 3600_000;

/** The checklist's view of the webhooks: null when they were never installed. */
export interface WebhookChecklistFacts {
  ok: boolean;
  detail: string;
  realtime: string[];
  polled: string[];
  /** What to tick in Halo (or the mutation to call) to make the rest real time; null when nothing is missing. */
  missingRealtime: string | null;
}

export interface WebhookServiceDeps {
  orm: MikroORM;
  boss: PgBoss;
  installer: WebhookInstaller;
  /** Present when this process processes deliveries itself. */
  processor?: WebhookProcessor;
  schedule: SyncSchedules;
  log: Logger;
  /** The receiver's replay window (shown with the counts). */
  window: { maxAgeMs: number; maxFutureMs: number };
}

/** Replayed and refused deliveries of a tenant, and the replay window (`haloWebhooks.receipt`). */
export interface WebhookReceipt {
  replays: number;
  refused: number;
  lastRefusedAt: Date | null;
  lastRefusal: string | null;
  maxAgeSeconds: number;
  maxFutureSeconds: number;
}

/**
 * What GraphQL and the checklist need: install/verify/repair, the delivery listing and retries, and the signal
 * that stored deliveries are waiting. With a processor in this process the signal is a local kick (no queue round
 * trip); otherwise a pg-boss job, one queued per tenant at most, wakes a worker elsewhere. Either way the rows in
 * Postgres are the truth, and a worker's sweep finds any that a lost signal left behind.
 */
export class WebhookService {
  constructor(private readonly deps: WebhookServiceDeps) {}

  status(em: EntityManager, tenantId: string): Promise<WebhookStatusReport> {
    return this.deps.installer.status(em, tenantId);
  }

  install(em: EntityManager, tenantId: string): Promise<WebhookStatusReport> {
    return this.deps.installer.converge(em, tenantId, { force: false });
  }

  repair(em: EntityManager, tenantId: string): Promise<WebhookStatusReport> {
    return this.deps.installer.converge(em, tenantId, { force: true });
  }

  uninstall(em: EntityManager, tenantId: string): Promise<number> {
    return this.deps.installer.uninstall(em, tenantId);
  }

  /**
   * Event numbers an admin knows for their Halo: validated (InputError names each bad field), stored in place of
   * the earlier list, subscribed on the next install/repair and shown in `haloWebhooks`.
   */
  async setToldEvents(em: EntityManager, tenantId: string, input: { entity: string; action: string; eventNumber: number }[]): Promise<ToldEvent[]> {
    const { told, errors } = validateToldEvents(input);
    if (errors.length) throw new InputError(errors);
    return this.deps.installer.setToldEvents(em, tenantId, told);
  }

  /**
   * The entities (of companies, sites, contacts, items) whose changes are not all real time, from the last
   * verification (refreshed from Halo when older than an hour): the scheduler polls them more often. Never
   * installed, or Halo cannot be asked and nothing is stored: all of them. Opportunities have their own schedule.
   */
  async entitiesToPoll(em: EntityManager, tenantId: string): Promise<WebhookEntity[]> {
    const all = WEBHOOK_ENTITY_NAMES.filter((e) => e !== 'opportunities');
    const config = await em.findOne(HaloWebhookConfig, { tenantId }, { refresh: true });
    if (!config?.installedAt) return all;
    let rows = config.lastCoverage?.rows ?? null;
    const at = config.lastCoverage ? new Date(config.lastCoverage.at).getTime() : 0;
    if (!rows || Date.now() - at > COVERAGE_MAX_AGE_MS) {
      rows = await this.status(em, tenantId).then(
        (r) => r.coverage,
        (err: unknown) => {
          this.deps.log.warn({ tenantId, err: err instanceof Error ? err.message : String(err) }, 'could not verify webhook coverage; polling by the last known one');
          return rows;
        },
      );
    }
    if (!rows) return all;
    return entitiesNeedingPolling(rows).filter((e) => e !== 'opportunities');
  }

  async receipt(em: EntityManager, tenantId: string): Promise<WebhookReceipt> {
    const [row] = await em
      .getConnection()
      .execute<{ replayed_deliveries: number; refused_deliveries: number; last_refused_at: Date | null; last_refusal: string | null }[]>(
        'select replayed_deliveries, refused_deliveries, last_refused_at, last_refusal from halo_webhook_config where tenant_id = ?',
        [tenantId],
      );
    return {
      replays: Number(row?.replayed_deliveries ?? 0),
      refused: Number(row?.refused_deliveries ?? 0),
      lastRefusedAt: row?.last_refused_at ? new Date(row.last_refused_at) : null,
      lastRefusal: row?.last_refusal ?? null,
      maxAgeSeconds: this.deps.window.maxAgeMs / 1000,
      maxFutureSeconds: this.deps.window.maxFutureMs / 1000,
    };
  }

  signal(tenantId: string): void {
    if (this.deps.processor) {
      void this.deps.processor.kick(tenantId);
      return;
    }
    this.deps.boss
      .send(QUEUES.webhookDeliveries, { tenantId }, { singletonKey: tenantId })
      .catch((err: unknown) => this.deps.log.warn({ tenantId, err: String(err) }, 'could not enqueue webhook processing; the sweep picks it up'));
  }

  deliveries(em: EntityManager, tenantId: string, opts: { first: number; status?: WebhookDeliveryStatus | null; before?: Date | null }): Promise<WebhookDelivery[]> {
    return em.find(
      WebhookDelivery,
      { tenantId, ...(opts.status ? { status: opts.status } : {}), ...(opts.before ? { receivedAt: { $lt: opts.before } } : {}) },
      { orderBy: { receivedAt: 'desc', id: 'desc' }, limit: opts.first, exclude: ['body'] as never },
    );
  }

  async delivery(em: EntityManager, tenantId: string, id: string): Promise<WebhookDelivery | null> {
    return em.findOne(WebhookDelivery, { id, tenantId });
  }

  /** Puts FAILED deliveries (all, or the given ones) back in line. Returns how many. */
  async retry(em: EntityManager, tenantId: string, ids?: string[] | null): Promise<number> {
    const rows = await em.getConnection().execute<{ id: string }[]>(
      `update webhook_delivery set status = 'RECEIVED', next_attempt_at = null, error = null, attempts = 0, processed_at = null
        where tenant_id = ? and status = 'FAILED' ${ids ? 'and id = any(array[?]::uuid[])' : ''} returning id`,
      ids ? [tenantId, ids] : [tenantId],
    );
    if (rows.length) this.signal(tenantId);
    return rows.length;
  }

  /**
   * For the checklist: a live check when Halo answers, else the last one we stored. null: never installed.
   */
  async checklistFacts(em: EntityManager, tenantId: string): Promise<WebhookChecklistFacts | null> {
    const config = await em.findOne(HaloWebhookConfig, { tenantId });
    if (!config?.installedAt) return null;
    try {
      const report = await this.status(em, tenantId);
      const usable = !!report.webhook?.active && !report.webhook.disabled;
      return { ok: report.ok, detail: summary(report), realtime: report.realtime, polled: report.polled, missingRealtime: missingRealtimeFix(report.coverage, report.webhookName, usable) };
    } catch (err) {
      const last = config.lastVerification;
      const rows = config.lastCoverage?.rows ?? [];
      return {
        ok: last?.ok ?? false,
        detail: `${last?.detail ?? 'Never verified.'} (Halo could not be asked just now: ${err instanceof Error ? err.message : String(err)})`,
        ...describeCoverage(rows, this.deps.schedule),
        missingRealtime: rows.some((r) => r.state === 'MISSING' && !KNOWN_GAPS[pairKey(r.entity, r.action) as keyof typeof KNOWN_GAPS]) ? 'Check again when Halo answers (haloWebhooks): it says what to tick in Halo.' : null,
      };
    }
  }
}

/** Runs webhook processing in this process: pg-boss wake-ups from API-only processes, plus a periodic sweep. */
export async function startWebhookWorker(opts: {
  boss: PgBoss;
  processor: WebhookProcessor;
  log: Logger;
  pollSeconds?: number;
  sweepEveryMs?: number;
}): Promise<{ stop(): Promise<void> }> {
  const workerId = await opts.boss.work<{ tenantId: string }>(
    QUEUES.webhookDeliveries,
    { batchSize: 1, pollingIntervalSeconds: opts.pollSeconds ?? 1 },
    async ([job]) => {
      await opts.processor.kick(job.data.tenantId);
    },
  );
  const sweep = () => opts.processor.sweep().catch((err: unknown) => opts.log.warn({ err: String(err) }, 'webhook sweep failed'));
  // Deliveries stored while no processor ran (or whose signal was lost) are processed now, without holding up start.
  void sweep();
  const timer = setInterval(() => void sweep(), opts.sweepEveryMs ?? 5_000);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await opts.boss.offWork({ id: workerId }).catch(() => undefined);
      await opts.processor.stop();
    },
  };
}

import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type PgBoss from 'pg-boss';
import { HaloWebhookConfig, WebhookDelivery, type WebhookDeliveryStatus } from '../db/entities';
import { QUEUES } from '../jobs/queue';
import type { Logger } from '../log';
import { summary, type WebhookInstaller, type WebhookStatusReport } from './install';
import type { WebhookProcessor } from './processor';
import { coverage } from './spec';

export interface WebhookServiceDeps {
  orm: MikroORM;
  boss: PgBoss;
  installer: WebhookInstaller;
  /** Present when this process processes deliveries itself. */
  processor?: WebhookProcessor;
  schedule: { sync: string; opportunities: string };
  log: Logger;
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
  async checklistFacts(em: EntityManager, tenantId: string): Promise<{ ok: boolean; detail: string; realtime: string[]; polled: string[] } | null> {
    const config = await em.findOne(HaloWebhookConfig, { tenantId });
    if (!config?.installedAt) return null;
    try {
      const report = await this.status(em, tenantId);
      return { ok: report.ok, detail: summary(report), realtime: report.realtime, polled: report.polled };
    } catch (err) {
      const last = config.lastVerification;
      const ok = last?.ok ?? false;
      return {
        ok,
        detail: `${last?.detail ?? 'Never verified.'} (Halo could not be asked just now: ${err instanceof Error ? err.message : String(err)})`,
        ...coverage(this.deps.schedule, ok),
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

import PgBoss from 'pg-boss';
import type { Logger } from '../log';

/**
 * The Postgres-backed job queue (pg-boss) every background job goes through, so any number of worker processes
 * on any number of machines share the work and API processes stay stateless.
 */
export const QUEUES = {
  syncRun: 'sync-run',
  /** A wake-up for one tenant's stored webhook deliveries (the rows are the work; at most one queued per tenant). */
  webhookDeliveries: 'webhook-deliveries',
  /** A wake-up to drain one tenant's outbox (the rows are the work: see push/outbox.ts). */
  push: 'push',
} as const;

export interface JobQueue {
  boss: PgBoss;
  stop(): Promise<void>;
}

export async function startJobQueue(opts: { url: string; log: Logger; pollSeconds?: number }): Promise<JobQueue> {
  const boss = new PgBoss({
    connectionString: opts.url,
    schema: 'pgboss',
    max: 4,
    // Maintenance and cron run from whichever process wins pg-boss's own lock: safe with several processes.
    supervise: true,
    schedule: false,
  });
  boss.on('error', (err) => opts.log.warn({ err: err.message }, 'job queue error'));
  await boss.start();
  await boss.createQueue(QUEUES.syncRun, { name: QUEUES.syncRun, retryLimit: 3, retryDelay: 5, retryBackoff: true, expireInSeconds: 3600 }).catch(() => undefined);
  await boss
    .createQueue(QUEUES.webhookDeliveries, { name: QUEUES.webhookDeliveries, policy: 'stately', retryLimit: 3, retryDelay: 2, expireInSeconds: 600 })
    .catch(() => undefined);
  // No pg-boss retries: the outbox row carries attempts and backoff itself.
  // Standard policy on purpose: a drain job whose worker died stays "active" until it expires, and a policy that
  // allows one active job per tenant would block that tenant's pushes until then. Drains claim rows safely side by side.
  await boss.createQueue(QUEUES.push, { name: QUEUES.push, retryLimit: 0, expireInSeconds: 900 }).catch(() => undefined);
  return {
    boss,
    async stop() {
      await boss.stop({ graceful: true, timeout: 10_000, wait: true });
    },
  };
}

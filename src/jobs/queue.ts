import PgBoss from 'pg-boss';
import type { Logger } from '../log';

/**
 * The Postgres-backed job queue (pg-boss) every background job goes through, so any number of worker processes
 * on any number of machines share the work and API processes stay stateless.
 */
export const QUEUES = {
  syncRun: 'sync-run',
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
  return {
    boss,
    async stop() {
      await boss.stop({ graceful: true, timeout: 10_000, wait: true });
    },
  };
}

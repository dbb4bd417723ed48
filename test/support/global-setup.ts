import { createLogger } from '../../src/log';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/db/embedded';

/**
 * Tests run on the server in DATABASE_URL when set (CI: the machine's PostgreSQL) and on an embedded PostgreSQL
 * otherwise. Every test file then works in a database of its own (see db.ts), so files never see each other's rows.
 */
let embedded: EmbeddedPostgres | undefined;

export async function setup(): Promise<void> {
  if (process.env.DATABASE_URL) return;
  embedded = await startEmbeddedPostgres({
    dir: '.data/test-pg',
    port: Number(process.env.TEST_EMBEDDED_PG_PORT ?? 54339),
    log: createLogger('warn'),
  });
  // Forked test workers inherit this environment.
  process.env.DATABASE_URL = embedded.url;
}

export async function teardown(): Promise<void> {
  await embedded?.stop();
}

import { rmSync } from 'node:fs';
import { createLogger } from '../../src/log';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/db/embedded';
import { freePort } from './demo-process';

/**
 * Tests run on the server in DATABASE_URL when set (CI: the machine's PostgreSQL) and on an embedded PostgreSQL
 * otherwise. Every test file then works in a database of its own (see db.ts), so files never see each other's rows.
 * The embedded server is this run's own (own folder, free port): two test runs at once do not share it.
 */
let embedded: EmbeddedPostgres | undefined;
const dir = `.data/test-pg-${process.pid}`;


export async function setup(): Promise<void> {
  if (process.env.DATABASE_URL) return;
  embedded = await startEmbeddedPostgres({ dir, port: await freePort(), log: createLogger('warn') });
  // Forked test workers inherit this environment.
  process.env.DATABASE_URL = embedded.url;
}

export async function teardown(): Promise<void> {
  if (!embedded) return;
  await embedded.stop();
  rmSync(dir, { recursive: true, force: true });
  rmSync(`${dir}.password`, { force: true });
}

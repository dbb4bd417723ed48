import { Writable } from 'node:stream';
import { createApp, type App } from '../../src/app';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/log';
import { createTenant } from '../../src/tenants/tenants';
import { createTestDatabase } from './db';
import { graphqlClient } from './gql';

export const TEST_ENCRYPTION_KEYS = `t1:${Buffer.alloc(32, 1).toString('base64')}`;

export interface TestApp {
  app: App;
  url: string;
  /** Every log line the app wrote, as text (tests assert no secret leaks into them). */
  logLines: string[];
  /** SQL statements seen since the last reset. */
  sql: string[];
  /** Every GraphQL field resolved, as "Type.field" (proves a rejected request ran no resolver). */
  resolved: string[];
  newTenant(name?: string, website?: string): Promise<{ tenantId: string; apiKey: string; gql: ReturnType<typeof graphqlClient> }>;
  stop(): Promise<void>;
}

/** The real app (real HTTP, real Postgres in a database of its own), booted with test overrides. */
export async function startTestApp(env: Record<string, string> = {}, opts: { databaseUrl?: string } = {}): Promise<TestApp> {
  // A database of its own, unless the test shares one between two app instances on purpose.
  const db = opts.databaseUrl ? { url: opts.databaseUrl, drop: async () => undefined } : await createTestDatabase();
  const config = loadConfig({
    DATABASE_URL: db.url,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'debug',
    ENCRYPTION_KEYS: TEST_ENCRYPTION_KEYS,
    DEMO: 'false',
    NODE_ENV: 'test',
    ...env,
  });
  const logLines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      logLines.push(String(chunk));
      cb();
    },
  });
  const sql: string[] = [];
  const resolved: string[] = [];
  const app = await createApp(config, {
    logger: createLogger(config.logLevel, sink),
    onQuery: (msg) => sql.push(msg),
    onResolve: (field) => resolved.push(field),
  });
  await app.start();
  let n = 0;
  return {
    app,
    url: app.url,
    logLines,
    sql,
    resolved,
    async newTenant(name = `Tenant ${++n}`, website = `tenant${n}.example`) {
      const { tenant, apiKey } = await createTenant(app.orm.em.fork(), { name, website });
      return { tenantId: tenant.id, apiKey, gql: graphqlClient(app.url, apiKey) };
    },
    async stop() {
      await app.stop();
      await db.drop();
    },
  };
}

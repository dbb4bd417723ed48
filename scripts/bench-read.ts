/**
 * Benchmark (not a test): the read API under load.
 *
 *   npm run bench:read                       # DATABASE_URL's server (default postgresql://postgres@127.0.0.1:5432/postgres)
 *   BENCH_SECONDS=30 BENCH_CLIENTS=20 npm run bench:read
 *   BENCH_KEEP_DB=1 npm run bench:read       # keep the synced database to study plans (EXPLAIN) afterwards
 *   BENCH_PROFILE=read.cpuprofile npm run bench:read   # CPU profile of the server during the first phase
 *
 * Syncs the simulator's large data set into a fresh database, then 20 concurrent clients read `companies(first:
 * 100)` with sites, contacts and opportunities for N seconds in each of four phases, all in the same run:
 *   graphql    the real app (createApp, API role, production mode): the compiled read path (graphql/sql-read);
 *   resolvers  a second app on the same database with SQL_READS=false: graphql-js, resolvers and DataLoaders;
 *   http+sql   the baseline over HTTP: a bare node:http server running the hand-written SQL (4 statements) and
 *              answering the same JSON, no GraphQL, no auth;
 *   sql        the hand-written SQL alone, from a pg pool in the load thread (no HTTP, no JSON answer to parse).
 * The load runs in a worker thread, so it does not share the servers' event loop; every phase is measured there.
 * Target: GraphQL p99 under 100 ms.
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import http from 'node:http';
import { Client, Pool } from 'pg';
import { createApp } from '../src/app';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/log';
import { createTenant } from '../src/tenants/tenants';
import { DEMO_SETTINGS } from '../src/demo/defaults';
import type { IntegrationSettingsDoc, SettingsSection } from '../src/integration/settings';
import { startProfile } from './support/profile';

const QUERY = `{ companies(first: 100) { nodes { id name sites { id name city } contacts { id name email } opportunities { id title status } } } }`;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 20);
const ADMIN_URL = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

interface LoadJob {
  kind: 'graphql' | 'resolvers' | 'http+sql' | 'sql';
  url: string;
  apiKey?: string;
  tenantId?: string;
  seconds: number;
  clients: number;
}

interface LoadResult {
  kind: string;
  requests: number;
  errors: number;
  seconds: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  /** p50 with a single client (no queueing). */
  aloneP50: number;
  companies: number;
  children: number;
  firstError?: string;
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

// ---------------------------------------------------------------------------------------------------------------
// Load generator (worker thread)

type Shape = { companies: number; children: number };

async function sqlRead(pool: Pool, tenantId: string): Promise<Shape & { json: string }> {
  // What the resolvers read, by hand: the page, then each child list for all its companies at once.
  const companies = await pool.query<{ id: string; name: string }>(
    `select id, name from company where tenant_id = $1 and deleted_at is null order by name asc, id asc limit 101`,
    [tenantId],
  );
  const ids = companies.rows.slice(0, 100).map((c) => c.id);
  const [sites, contacts, opps] = await Promise.all([
    pool.query(`select id, name, city, company_id from site where tenant_id = $1 and company_id = any($2) and deleted_at is null order by name, id`, [tenantId, ids]),
    pool.query(`select id, name, email, company_id from contact where tenant_id = $1 and company_id = any($2) and deleted_at is null order by name, id`, [tenantId, ids]),
    pool.query(`select id, title, status, company_id from opportunity where tenant_id = $1 and company_id = any($2) and deleted_at is null order by title, id`, [tenantId, ids]),
  ]);
  // Shape it like the GraphQL answer so both sides do comparable work.
  const by = new Map<string, { sites: unknown[]; contacts: unknown[]; opportunities: unknown[] }>(ids.map((id) => [id, { sites: [], contacts: [], opportunities: [] }]));
  for (const r of sites.rows) by.get(r.company_id)?.sites.push(r);
  for (const r of contacts.rows) by.get(r.company_id)?.contacts.push(r);
  for (const r of opps.rows) by.get(r.company_id)?.opportunities.push(r);
  const json = JSON.stringify({ data: { companies: { nodes: companies.rows.slice(0, 100).map((c) => ({ ...c, ...by.get(c.id) })) } } });
  return { companies: ids.length, children: sites.rowCount! + contacts.rowCount! + opps.rowCount!, json };
}

/** The `http+sql` phase's server: the hand-written read behind a bare node:http server (main thread, like the app). */
async function startHandWrittenServer(dbUrl: string, tenantId: string): Promise<{ url: string; stop(): Promise<void> }> {
  const pool = new Pool({ connectionString: dbUrl, max: 10 });
  const server = http.createServer((req, res) => {
    req.resume();
    sqlRead(pool, tenantId).then(
      ({ json }) => {
        const body = Buffer.from(json);
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length }).end(body);
      },
      (err) => res.writeHead(500).end(String(err)),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}/graphql`, stop: async () => (server.close(), await pool.end()) };
}

async function graphqlRead(url: string, apiKey: string): Promise<Shape> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
    body: JSON.stringify({ query: QUERY }),
  });
  const body = (await res.json()) as { data?: { companies: { nodes: { sites: unknown[]; contacts: unknown[]; opportunities: unknown[] }[] } }; errors?: unknown };
  if (!res.ok || body.errors || !body.data) throw new Error(`HTTP ${res.status}: ${JSON.stringify(body.errors ?? body).slice(0, 500)}`);
  const nodes = body.data.companies.nodes;
  return { companies: nodes.length, children: nodes.reduce((s, n) => s + n.sites.length + n.contacts.length + n.opportunities.length, 0) };
}

async function runLoad(job: LoadJob): Promise<LoadResult> {
  const pool = job.kind === 'sql' ? new Pool({ connectionString: job.url, max: job.clients }) : undefined;
  const once = () => (pool ? sqlRead(pool, job.tenantId!) : graphqlRead(job.url, job.apiKey ?? 'none'));
  // Warm up (connections, plans, JIT), then one client alone: the service time without queueing.
  for (let i = 0; i < 20; i++) await once();
  const alone: number[] = [];
  for (let i = 0; i < 30; i++) {
    const start = performance.now();
    await once();
    alone.push(performance.now() - start);
  }
  alone.sort((a, b) => a - b);
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  let shape: Shape = { companies: 0, children: 0 };
  const until = performance.now() + job.seconds * 1000;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: job.clients }, async () => {
      while (performance.now() < until) {
        const start = performance.now();
        try {
          const { companies, children } = await once();
          shape = { companies, children };
          latencies.push(performance.now() - start);
        } catch (err) {
          errors++;
          firstError ??= String(err);
        }
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  await pool?.end();
  latencies.sort((a, b) => a - b);
  return {
    kind: job.kind,
    requests: latencies.length,
    errors,
    seconds,
    p50: pct(latencies, 50),
    p90: pct(latencies, 90),
    p99: pct(latencies, 99),
    max: latencies[latencies.length - 1] ?? NaN,
    aloneP50: pct(alone, 50),
    companies: shape.companies,
    children: shape.children,
    firstError,
  };
}

if (!isMainThread) {
  void runLoad(workerData as LoadJob).then((r) => parentPort!.postMessage(r));
}

function load(job: LoadJob): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const w = new Worker(__filename, { workerData: job });
    w.once('message', (r) => {
      resolve(r as LoadResult);
      void w.terminate();
    });
    w.once('error', reject);
  });
}


// ---------------------------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const name = `bench_read_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const dbUrl = new URL(ADMIN_URL);
  dbUrl.pathname = `/${name}`;

  const { startHaloSim } = await import('../src/halo-sim/index.js');
  const sim = await startHaloSim({ scale: 'large', seed: 1, rateLimit: false });
  const env = {
    DATABASE_URL: dbUrl.toString(),
    ENCRYPTION_KEYS: `bench:${randomBytes(32).toString('base64')}`,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    ROLES: 'api',
    HALO_RATE_LIMIT_PER_5MIN: '100000', // the simulator runs without a limit; only the data matters here
    NODE_ENV: 'production',
    // The production surface (masked errors, no introspection): what the platform's frontend meets.
  } as NodeJS.ProcessEnv;
  const config = loadConfig(env);
  const app = await createApp(config, { logger: createLogger('warn') });
  try {
    await app.start();
    const em = app.orm.em.fork();
    const { tenant, apiKey } = await createTenant(em, { name: 'Bench MSP', website: 'acme.example' });
    const connected = await app.integration.connections.connect(em, tenant.id, tenant.id, { baseUrl: sim.url, clientId: sim.clientId, clientSecret: sim.clientSecret, tenant: sim.tenant });
    if (!connected.ok) throw new Error(`connect failed: ${JSON.stringify(connected.failedStep)}`);
    for (const section of Object.keys(DEMO_SETTINGS) as SettingsSection[]) {
      await app.integration.settings.save(em, tenant.id, tenant.id, section, DEMO_SETTINGS[section] as IntegrationSettingsDoc[typeof section], []);
    }
    const t = performance.now();
    const run = await app.sync.service.start(em, tenant.id, { kind: 'FULL', trigger: 'bench' });
    const done = await app.sync.engine.execute(run.id);
    const counts = Object.entries(done?.progress ?? {}).map(([e, p]) => `${e} ${p.done}`).join(', ');
    console.log(`bench:read — data: large simulator data set synced in ${((performance.now() - t) / 1000).toFixed(0)} s (${done?.status}; ${counts})`);
    await app.orm.em.getConnection().execute('analyze');

    const graphqlUrl = `${app.url.replace('localhost', '127.0.0.1')}/graphql`;
    console.log(`query: ${QUERY}`);
    console.log(`${CLIENTS} concurrent clients, ${SECONDS} s each phase, node ${process.version}, load generator in a worker thread\n`);
    const profiling = process.env.BENCH_PROFILE ? await startProfile() : undefined;
    const gql = await load({ kind: 'graphql', url: graphqlUrl, apiKey, seconds: SECONDS, clients: CLIENTS });
    if (profiling) console.log(`CPU profile of the server during the GraphQL phase: ${await profiling.stop(process.env.BENCH_PROFILE!)}`);

    const viaResolvers = await createApp(loadConfig({ ...env, SQL_READS: 'false' }), { logger: createLogger('warn') });
    await viaResolvers.start();
    const resolvers = await load({ kind: 'resolvers', url: `${viaResolvers.url.replace('localhost', '127.0.0.1')}/graphql`, apiKey, seconds: SECONDS, clients: CLIENTS });
    await viaResolvers.stop();

    const handWritten = await startHandWrittenServer(dbUrl.toString(), tenant.id);
    const httpSql = await load({ kind: 'http+sql', url: handWritten.url, seconds: SECONDS, clients: CLIENTS });
    await handWritten.stop();

    const sql = await load({ kind: 'sql', url: dbUrl.toString(), tenantId: tenant.id, seconds: SECONDS, clients: CLIENTS });
    const rate = (r: LoadResult) => r.requests / r.seconds;
    const row = (r: LoadResult) =>
      `${r.kind.padEnd(10)} ${r.requests.toString().padStart(7)} ${rate(r).toFixed(0).padStart(7)} ${r.p50.toFixed(1).padStart(8)} ${r.p90.toFixed(1).padStart(8)} ${r.p99.toFixed(1).padStart(8)} ${r.max.toFixed(1).padStart(8)} ${String(r.errors).padStart(6)} ${r.aloneP50.toFixed(1).padStart(13)}   ${r.companies} companies, ${r.children} children`;
    console.log(`phase      requests   req/s  p50 ms   p90 ms   p99 ms   max ms  errors  1-client p50   per answer`);
    for (const r of [gql, resolvers, httpSql, sql]) console.log(row(r));
    for (const r of [gql, resolvers, httpSql]) if (r.firstError) console.log(`first ${r.kind} error: ${r.firstError}`);
    const ok = gql.errors === 0 && gql.p99 < 100;
    console.log(`\nGraphQL p99 ${gql.p99.toFixed(1)} ms, target < 100 ms  ${ok ? 'PASS' : 'MISS'}`);
    console.log(
      `throughput: GraphQL ×${(rate(gql) / rate(resolvers)).toFixed(2)} the resolvers, ×${(rate(gql) / rate(httpSql)).toFixed(2)} hand-written SQL over HTTP, ` +
        `×${(rate(gql) / rate(sql)).toFixed(2)} hand-written SQL alone; hand-written SQL over HTTP: p99 ${httpSql.p99.toFixed(1)} ms ${httpSql.p99 < 100 ? '(< 100)' : '(also ≥ 100)'}`,
    );
  } finally {
    await app.stop();
    await sim.stop();
    if (process.env.BENCH_KEEP_DB) {
      console.log(`database kept: ${dbUrl.toString()}`);
      return;
    }
    const a = new Client({ connectionString: ADMIN_URL });
    await a.connect();
    await a.query(`drop database if exists ${name} with (force)`);
    await a.end();
  }
}

if (isMainThread) {
  main().then(
    () => process.exit(0),
    (err) => {
      process.stderr.write(`bench:read failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}

/**
 * Benchmark (not a test): a full sync of the Halo simulator's large data set into a fresh database.
 *
 *   npm run bench:sync                      # uses DATABASE_URL's server (default postgresql://postgres@127.0.0.1:5432/postgres)
 *   BENCH_FLOOR_SECONDS=60 npm run bench:sync
 *
 * Prints records/s, Halo requests used per endpoint against the minimum per endpoint, peak RSS and, with the
 * simulator's rate limit on, elapsed time against the rate-limit floor; beside them a baseline from the same run:
 * paging the simulator with the same client and page size without writing anything.
 *
 * The simulator runs in a child process (Halo is remote; sharing this event loop would bill its JSON work to the
 * sync). Every list endpoint is capped at 100 rows a page there: Halo documents that cap for tickets and
 * opportunities and leaves the others unsure (HALO-API.md §2.1).
 *
 * The minimum per endpoint, for the first run of a process (no token yet):
 *   POST /auth/token 1, GET /api/authinfo 1 (both reused by later runs while the token is valid);
 *   GET /api/AssetGroup 1 (unpaged; one read serves product groups and the typing of items);
 *   every paged list max(1, ceil(rows / 100)), rows = Halo's record_count for the list the sync asks for (its
 *   filters: users without General Users, items of the product groups only), 0 for a list with nothing to ask.
 * Used = every request the simulator logged during the run, 429 answers included (a 429 is a request Halo saw);
 * the bench asserts used − 429s = minimum per endpoint and that the run's own count (haloRequests) = used.
 */
import 'reflect-metadata';
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { createLogger } from '../src/log';
import { createOrm, migrate } from '../src/db/orm';
import { SyncRun } from '../src/db/entities';
import { SecretBox } from '../src/crypto/secret-box';
import { HaloAccess, type HaloAccessOptions } from '../src/integration/halo-access';
import { ConnectionService } from '../src/integration/connection.service';
import { SettingsService } from '../src/integration/settings.service';
import { startJobQueue } from '../src/jobs/queue';
import { SyncEngine } from '../src/sync/engine';
import { SyncService } from '../src/sync/service';
import { ENTITY_DEFS, SYNC_ENTITIES, assetGroupMap } from '../src/sync/entities';
import { createTenant } from '../src/tenants/tenants';
import { HaloClient, HALO_RESOURCES, type HaloClientOptions, type RateBudget } from '../src/halo';
import type { HaloSimOptions } from '../src/halo-sim';
import { DEMO_SETTINGS } from '../src/demo/defaults';
import type { IntegrationSettingsDoc, SettingsSection } from '../src/integration/settings';
import { startProfile } from './support/profile';

const PAGE_CAP = 100;
const SIM_QUIRKS = { pageSizeCaps: Object.fromEntries(['Client', 'Site', 'Users', 'Item', 'Quotation', 'Tickets', 'Opportunities'].map((p) => [p, PAGE_CAP])) };
// The sync pages this simulator at ~12 requests/s unthrottled (~80 s for the large set): a 60 s floor would not bind,
// so the default floor is 120 s (the budget is then below the unthrottled request rate and the governor paces).
const FLOOR_SECONDS = Number(process.env.BENCH_FLOOR_SECONDS ?? 120);
const ADMIN_URL = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const log = createLogger(process.env.LOG_LEVEL ?? 'warn');

interface SimHandle {
  url: string;
  clientId: string;
  clientSecret: string;
  tenant: string;
  child: ChildProcess;
}

// ---------------------------------------------------------------------------------------------------------------
// The simulator, in a child process of this script.

if (process.argv[2] === '--sim-child') {
  const opts = JSON.parse(process.argv[3]) as HaloSimOptions;
  void import('../src/halo-sim/index.js').then(async ({ startHaloSim }) => {
    const sim = await startHaloSim(opts);
    process.send!({ url: sim.url, clientId: sim.clientId, clientSecret: sim.clientSecret, tenant: sim.tenant });
    process.on('disconnect', () => void sim.stop().then(() => process.exit(0)));
  });
} else {
  main().then(
    () => process.exit(process.exitCode ?? 0),
    (err) => {
      process.stderr.write(`bench:sync failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}

function startSimChild(opts: HaloSimOptions): Promise<SimHandle> {
  const child = fork(__filename, ['--sim-child', JSON.stringify(opts)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('message', (m) => resolve({ ...(m as Omit<SimHandle, 'child'>), child }));
    child.once('exit', (code) => reject(new Error(`simulator exited with ${code}`)));
  });
}

async function simControl<T>(sim: SimHandle, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${sim.url}/_sim/${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  if (!res.ok) throw new Error(`/_sim/${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

interface LogEntry {
  method: string;
  path: string;
  status: number;
}

interface Requests {
  total: number;
  /** `METHOD /path` → requests, and of them 429 answers. */
  byEndpoint: Map<string, { n: number; limited: number }>;
  status429: number;
}

/** Every request the simulator received since the last reset (auth included; its control routes are not logged). */
async function loggedRequests(sim: SimHandle): Promise<Requests> {
  const entries = await simControl<LogEntry[]>(sim, 'GET', 'requests');
  const byEndpoint = new Map<string, { n: number; limited: number }>();
  let status429 = 0;
  for (const e of entries) {
    const key = `${e.method} ${e.path}`;
    const k = byEndpoint.get(key) ?? { n: 0, limited: 0 };
    k.n++;
    if (e.status === 429) (k.limited++, status429++);
    byEndpoint.set(key, k);
  }
  return { total: entries.length, byEndpoint, status429 };
}

// ---------------------------------------------------------------------------------------------------------------

/** A HaloAccess whose clients use the benchmark's budget (the service's is per 5 minutes, too long for a bench). */
class BenchAccess extends HaloAccess {
  constructor(
    opts: HaloAccessOptions,
    private readonly budget: RateBudget | false,
  ) {
    super(opts);
  }

  override clientOptions(input: Parameters<HaloAccess['clientOptions']>[0]): HaloClientOptions {
    return { ...super.clientOptions(input), rateBudget: this.budget };
  }
}

interface Endpoint {
  /** `METHOD /path` as the simulator logs it. */
  key: string;
  what: string;
  rows: number | null;
  min: number;
}

/** What the first sync of a process must ask, endpoint by endpoint, and the fewest requests that can ask it. */
async function minimumRequests(sim: SimHandle): Promise<Endpoint[]> {
  const client = new HaloClient({ baseUrl: sim.url, clientId: sim.clientId, clientSecret: sim.clientSecret, tenant: sim.tenant, rateBudget: false });
  const ctx = { settings: DEMO_SETTINGS, assetGroups: assetGroupMap(await client.assetGroups.all()) };
  const out: Endpoint[] = [
    { key: 'POST /auth/token', what: 'token', rows: null, min: 1 },
    { key: 'GET /api/authinfo', what: 'discovery', rows: null, min: 1 },
  ];
  for (const entity of SYNC_ENTITIES) {
    const def = ENTITY_DEFS[entity];
    const res = HALO_RESOURCES[def.resource];
    const key = `GET /api${res.path}`;
    if (def.usesAssetGroups && entity !== 'productGroups' && out.some((e) => e.key === key)) continue;
    const filter = def.filter(ctx);
    if (!res.paginated) {
      const rows = (await client.request<unknown[]>('GET', res.path, { query: (filter ?? {}) as never })).length;
      out.push({ key, what: entity === 'productGroups' ? 'asset groups (product groups + items)' : entity, rows, min: 1 });
      continue;
    }
    if (!filter) {
      out.push({ key, what: `${entity} (nothing to list)`, rows: 0, min: 0 });
      continue;
    }
    const body = await client.request<{ record_count: number }>('GET', res.path, { query: { ...filter, pageinate: true, page_size: 1, page_no: 1 } as never });
    out.push({ key, what: entity, rows: body.record_count, min: Math.max(1, Math.ceil(body.record_count / PAGE_CAP)) });
  }
  return out;
}

/** Time this process spends waiting on Halo list responses (wall clock, overlapping calls counted once). */
const haloWait = { ms: 0, inFlight: 0, since: 0 };
const realFetch = globalThis.fetch;
globalThis.fetch = async (input, init) => {
  const url = String(typeof input === 'string' || input instanceof URL ? input : input.url);
  if (!url.includes('/api/')) return realFetch(input, init);
  if (haloWait.inFlight++ === 0) haloWait.since = performance.now();
  try {
    const res = await realFetch(input, init);
    const body = await res.arrayBuffer(); // the whole answer, as the client reads it
    return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
  } finally {
    if (--haloWait.inFlight === 0) haloWait.ms += performance.now() - haloWait.since;
  }
};

/** SQL time by kind of statement, from MikroORM's query log ("… [took N ms …]"). */
const SQL_KINDS: [string, RegExp][] = [
  ['upsert page', /^insert into "(?!sync_|pgboss)\w+" .* on conflict/s],
  ['link foreign keys', /^update "\w+" t set "\w+_id" =/],
  ['mark seen', /set "last_seen_run_id"/],
  ['record errors', /insert into "sync_record_error"/],
  ['checkpoint (sync_run)', /^update "sync_run"/],
  ['begin/commit', /^(begin|commit|savepoint|release)/],
];
const sqlStats = {
  on: false,
  byKind: new Map<string, { n: number; ms: number }>(),
  record(msg: string) {
    if (!sqlStats.on) return;
    const m = /^\[query\] (.*) \[took (\d+) ms/s.exec(msg);
    if (!m) return;
    const kind = SQL_KINDS.find(([, re]) => re.test(m[1]))?.[0] ?? 'other';
    const k = sqlStats.byKind.get(kind) ?? { n: 0, ms: 0 };
    k.n++;
    k.ms += Number(m[2]);
    sqlStats.byKind.set(kind, k);
  },
};

interface SyncResult {
  sql: Map<string, { n: number; ms: number }>;
  haloWaitMs: number;
  elapsedMs: number;
  run: SyncRun;
  requests: Requests;
  peakRssMb: number;
  records: number;
  written: number;
}

async function freshDatabase(label: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `bench_${label}_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const a = new Client({ connectionString: ADMIN_URL });
      await a.connect();
      await a.query(`drop database if exists ${name} with (force)`);
      await a.end();
    },
  };
}

async function fullSync(sim: SimHandle, budget: RateBudget | false, label: string): Promise<SyncResult> {
  const db = await freshDatabase(label);
  const orm = await createOrm({ url: db.url, poolMax: 4, onQuery: sqlStats.record });
  const queue = await startJobQueue({ url: db.url, log });
  try {
    await migrate(orm);
    const box = new SecretBox([{ id: 'bench', key: randomBytes(32) }]);
    const access = new BenchAccess({ box, rateBudgetPer5Min: 300 }, budget);
    const settings = new SettingsService();
    const em = orm.em.fork();
    const { tenant } = await createTenant(em, { name: 'Bench MSP', website: 'acme.example' });
    const connected = await new ConnectionService(access, box).connect(em, tenant.id, tenant.id, { baseUrl: sim.url, clientId: sim.clientId, clientSecret: sim.clientSecret, tenant: sim.tenant });
    if (!connected.ok) throw new Error(`connect failed: ${JSON.stringify(connected.failedStep)}`);
    for (const section of Object.keys(DEMO_SETTINGS) as SettingsSection[]) {
      await settings.save(em, tenant.id, tenant.id, section, DEMO_SETTINGS[section] as IntegrationSettingsDoc[typeof section], []);
    }
    const engine = new SyncEngine({ orm, access, settings, log, staleAfterMs: 60_000 });
    const service = new SyncService(orm, queue.boss, log, { staleAfterMs: 60_000 });
    const run = await service.start(em, tenant.id, { kind: 'FULL', trigger: 'bench' });

    // Connecting ran the diagnostics: count only what the sync itself asks for, in a fresh rate-limit window.
    await simControl(sim, 'DELETE', 'requests');
    await simControl(sim, 'PUT', 'rate-limit', budget ? { max: budget.max, windowMs: budget.windowMs } : {});
    await new Promise((r) => setTimeout(r, budget ? budget.windowMs + 1500 : 0)); // the client's own window too
    await simControl(sim, 'DELETE', 'requests');

    global.gc?.();
    let peak = process.memoryUsage.rss();
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 50);
    const t0 = performance.now();
    haloWait.ms = 0;
    sqlStats.byKind = new Map();
    sqlStats.on = true;
    let lastReport = 0;
    const reporter = setInterval(async () => {
      const r = await orm.em.fork().findOne(SyncRun, { id: run.id });
      const done = r ? Object.values(r.progress).reduce((s, p) => s + p.done, 0) : 0;
      if (performance.now() - lastReport > 10_000) {
        lastReport = performance.now();
        process.stderr.write(`  [${label}] ${((performance.now() - t0) / 1000).toFixed(0)} s: ${done} records, ${r?.haloRequests ?? 0} requests\n`);
      }
    }, 2000);
    const profiling = process.env.BENCH_PROFILE && !budget ? await startProfile() : undefined;
    const finished = await engine.execute(run.id);
    if (profiling) process.stderr.write(`  CPU profile of the sync process (run 1): ${await profiling.stop(process.env.BENCH_PROFILE!)}\n`);
    const elapsedMs = performance.now() - t0;
    sqlStats.on = false;
    clearInterval(sampler);
    clearInterval(reporter);
    if (!finished) throw new Error('run vanished');
    const records = Object.values(finished.progress).reduce((s, p) => s + p.done, 0);
    const written = Object.values(finished.progress).reduce((s, p) => s + p.created + p.updated, 0);
    return { sql: sqlStats.byKind, haloWaitMs: haloWait.ms, elapsedMs, run: finished, requests: await loggedRequests(sim), peakRssMb: peak / 2 ** 20, records, written };
  } finally {
    await queue.stop().catch(() => undefined);
    await orm.close(true);
    if (!process.env.BENCH_KEEP_DB) await db.drop();
  }
}


/** Baseline: the same lists paged with the same client, filters and page size, rows counted and dropped. */
async function pagingBaseline(sim: SimHandle): Promise<{ elapsedMs: number; rows: number }> {
  const client = new HaloClient({ baseUrl: sim.url, clientId: sim.clientId, clientSecret: sim.clientSecret, tenant: sim.tenant, rateBudget: false });
  const t0 = performance.now();
  const groups = await client.assetGroups.all();
  const ctx = { settings: DEMO_SETTINGS, assetGroups: assetGroupMap(groups) };
  let rows = groups.length;
  for (const entity of SYNC_ENTITIES) {
    const def = ENTITY_DEFS[entity];
    const filter = def.filter(ctx);
    if (entity === 'productGroups' || !filter) continue;
    for await (const page of client.listPages(def.resource, filter, { pageSize: PAGE_CAP })) rows += page.length;
  }
  return { elapsedMs: performance.now() - t0, rows };
}

const n = (x: number) => Math.round(x).toLocaleString('en-US');
const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const verdict = (ok: boolean) => (ok ? 'PASS' : 'MISS');

function printRun(title: string, r: SyncResult, endpoints: Endpoint[], minTotal: number): boolean {
  console.log(`\n${title}`);
  console.log(`  status ${r.run.status}, ${n(r.records)} records listed, ${n(r.written)} written (created/updated) in ${s(r.elapsedMs)}`);
  console.log(`  endpoint                   rows   min req  used req  (429s)`);
  let allEqual = true;
  for (const e of endpoints) {
    const used = r.requests.byEndpoint.get(e.key) ?? { n: 0, limited: 0 };
    const equal = used.n - used.limited === e.min;
    allEqual &&= equal;
    console.log(
      `  ${e.key.padEnd(22)} ${(e.rows === null ? '–' : n(e.rows)).padStart(8)} ${n(e.min).padStart(9)} ${n(used.n).padStart(9)}  ${used.limited ? `(${used.limited})` : '    '}  ${equal ? '=' : '≠'} ${e.what}`,
    );
  }
  const other = [...r.requests.byEndpoint].filter(([k]) => !endpoints.some((e) => e.key === k));
  if (other.length) {
    allEqual = false;
    console.log(`  beyond the minimum: ${other.map(([k, c]) => `${k} ×${c.n}`).join(', ')}`);
  }
  const counted = r.run.haloRequests === r.requests.total;
  console.log(
    `  Halo requests: ${n(r.requests.total)} logged by the simulator (${n(r.requests.status429)} of them 429s), minimum ${n(minTotal)}; every endpoint at its minimum: ${verdict(allEqual)}`,
  );
  console.log(`  the run's own count (haloRequests) ${n(r.run.haloRequests)} = simulator's ${n(r.requests.total)}: ${verdict(counted)}`);
  const own = r.elapsedMs - r.haloWaitMs;
  console.log(`  time: ${s(r.haloWaitMs)} waiting on Halo HTTP answers, ${s(own)} everything else (mapping, SQL, checkpoints; rate-governor waits in run 2) = ${n((r.records * 1000) / own)} records/s of sync-side work`);
  const sqlTotal = [...r.sql.values()].reduce((a, k) => a + k.ms, 0);
  console.log(`  SQL: ${s(sqlTotal)} in ${n([...r.sql.values()].reduce((a, k) => a + k.n, 0))} statements — ${[...r.sql].sort((a, b) => b[1].ms - a[1].ms).map(([kind, k]) => `${kind} ${s(k.ms)} (${n(k.n)}×, ${(k.ms / k.n).toFixed(1)} ms)`).join(', ')}`);
  const rssOk = r.peakRssMb < 1024;
  console.log(`  peak RSS during the sync: ${n(r.peakRssMb)} MB (process max ${n(process.resourceUsage().maxRSS / 1024)} MB), target < 1,024 MB  ${verdict(rssOk)}`);
  return allEqual && counted && rssOk;
}

async function main(): Promise<void> {
  console.log(`bench:sync — full sync of the simulator's large data set (seed 1), page cap ${PAGE_CAP} on every list endpoint`);
  console.log(`node ${process.version}, ${(await import('node:os')).cpus().length} CPUs, Postgres at ${new URL(ADMIN_URL).host}`);

  // 1. No rate limit: throughput.
  const t = performance.now();
  const fast = await startSimChild({ scale: 'large', seed: 1, rateLimit: false, quirks: SIM_QUIRKS });
  console.log(`simulator (large) seeded in ${s(performance.now() - t)}`);
  const endpoints = await minimumRequests(fast);
  const minTotal = endpoints.reduce((a, e) => a + e.min, 0);
  const totalRows = endpoints.reduce((a, e) => a + (e.rows ?? 0), 0);
  console.log(`data: ${endpoints.filter((e) => e.rows !== null).map((e) => `${e.what} ${n(e.rows!)}`).join(', ')} = ${n(totalRows)} rows; minimum requests ${n(minTotal)}`);

  const unlimited = await fullSync(fast, false, 'unlimited');
  const okUnlimited = printRun('Run 1 — rate limit off (throughput)', unlimited, endpoints, minTotal);
  const rate = (unlimited.records * 1000) / unlimited.elapsedMs;
  const rateOk = rate >= 5000;
  console.log(`  records/s: ${n(rate)} listed and stored (${n((unlimited.written * 1000) / unlimited.elapsedMs)} written/s), target ≥ 5,000  ${verdict(rateOk)}`);

  const base = await pagingBaseline(fast);
  console.log(`  baseline, paging the simulator without writing: ${n(base.rows)} rows in ${s(base.elapsedMs)} = ${n((base.rows * 1000) / base.elapsedMs)} rows/s`);
  console.log(`  → the sync spends ${s(unlimited.elapsedMs - base.elapsedMs)} beyond paging (mapping + SQL + checkpoints): ${((100 * (unlimited.elapsedMs - base.elapsedMs)) / unlimited.elapsedMs).toFixed(0)}% of its time`);
  fast.child.disconnect();

  // 2. Rate limit on, scaled so the floor is ~FLOOR_SECONDS: a short rolling window with the same request rate.
  const windowMs = 10_000;
  const max = Math.max(1, Math.round((minTotal * windowMs) / (FLOOR_SECONDS * 1000)));
  const budget: RateBudget = { max, windowMs };
  const floorMs = (minTotal / max) * windowMs;
  const limited = await startSimChild({ scale: 'large', seed: 1, rateLimit: budget, quirks: SIM_QUIRKS });
  const throttled = await fullSync(limited, budget, 'limited');
  const okLimited = printRun(`Run 2 — rate limit on: ${max} requests per ${windowMs / 1000} s rolling window (simulator and client)`, throttled, endpoints, minTotal);
  const target = 1.15 * floorMs + 30_000;
  const floorOk = throttled.elapsedMs <= target;
  console.log(`  elapsed ${s(throttled.elapsedMs)} vs floor ${s(floorMs)} (minimum requests ÷ budget = ${n(minTotal)} ÷ ${max}/${windowMs / 1000} s): ${(throttled.elapsedMs / floorMs).toFixed(2)}× floor; target ≤ 1.15 × floor + 30 s = ${s(target)}  ${verdict(floorOk)}`);
  limited.child.disconnect();

  console.log(`\nsummary: requests ${verdict(okUnlimited && okLimited)}, records/s ${verdict(rateOk)}, rate-limit floor ${verdict(floorOk)}, memory ${verdict(unlimited.peakRssMb < 1024 && throttled.peakRssMb < 1024)}`);
  // Requests are exact, so they are asserted; times depend on the machine and are only reported.
  if (!(okUnlimited && okLimited)) process.exitCode = 1;
}

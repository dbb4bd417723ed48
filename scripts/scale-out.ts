/**
 * Scale-out check (not a test): 2 API processes and 2 workers against one database, one of each SIGKILLed mid-way.
 *
 *   npm run scale-out                                   # DATABASE_URL's server (default: local Postgres)
 *   SCALE_TENANTS=5 SCALE_EDITS=600 SCALE_QUOTES=6 SCALE_DEADLINE_SECONDS=300 npm run scale-out
 *
 * What it does, all on loopback:
 * - creates a scratch database on DATABASE_URL's server (dropped at the end);
 * - starts one Halo simulator per tenant in this process (demo data, no rate limit, a little latency per request
 *   so that a sync lasts long enough to be interrupted);
 * - starts a small load balancer in this process (round robin over the API processes; a request whose backend
 *   refuses the connection goes to the next one, and a webhook delivery whose backend dies before answering is sent
 *   again, as a proxy's "next upstream" rule would — deliveries are idempotent by Halo's delivery id). Halo's
 *   webhooks point at it (PUBLIC_BASE_URL), and every GraphQL call of this script goes through it;
 * - spawns 2 × `ROLES=api` and 2 × `ROLES=worker,scheduler` (`node dist/src/main.js`, NODE_ENV=production,
 *   PORT=0: each process's URL is read from its `halo-sync listening` log line); each has its own PGAPPNAME, and
 *   triggers on the scratch database record which process wrote each sync_run / outbox / webhook_delivery change;
 * - creates the tenants, connects each to its simulator through GraphQL, sets the mappings, installs webhooks and
 *   starts a full sync for each; meanwhile it edits records in the simulators (each edit makes the simulator send
 *   a signed webhook delivery) and, as each tenant's full sync ends, creates quotes and approves them (pushes);
 * - when a worker is in the middle of a sync run, SIGKILLs that worker and one API process; then goes on with the
 *   survivors: more edits, more approved quotes, an incremental sync for every tenant;
 * - waits (bounded) for everything to settle and checks: every sync run finished once and never ran in two
 *   processes at a time; every delivery Halo sent stored once and processed; every edit visible through GraphQL on
 *   a surviving API process; every approved quote created in Halo exactly once; no outbox row left behind.
 * Prints a report with PASS/FAIL per check; exits 1 on any FAIL, 2 when the deadline stops it.
 */
import 'reflect-metadata';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdtempSync, type WriteStream } from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { Client } from 'pg';
import { createOrm } from '../src/db/orm';
import { createTenant } from '../src/tenants/tenants';
import { startHaloSim, type HaloSim } from '../src/halo-sim';

const ADMIN_URL = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const TENANTS = Number(process.env.SCALE_TENANTS ?? 5);
const EDITS = Number(process.env.SCALE_EDITS ?? 600);
const QUOTES_PER_TENANT = Number(process.env.SCALE_QUOTES ?? 6);
const DEADLINE_MS = Number(process.env.SCALE_DEADLINE_SECONDS ?? 300) * 1000;
/** Per Halo request: stretches a demo-sized full sync over a few seconds, so a kill lands inside one. */
const HALO_LATENCY_MS = Number(process.env.SCALE_HALO_LATENCY_MS ?? 250);
/** How long to wait for a worker that is in a sync run and a push at once, before killing one in a sync run alone. */
const KILL_PATIENCE_MS = 15_000;
const STALE_SECONDS = 3;
const LEASE_SECONDS = 3;
const MAIN = path.resolve(__dirname, '../src/main.js');
const started = Date.now();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)}s`;
const say = (msg: string) => process.stderr.write(`[${elapsed().padStart(6)}] ${msg}\n`);

// ───────────────────────────── processes ─────────────────────────────

interface Proc {
  name: string;
  roles: string;
  child: ChildProcess;
  url: string;
  killedAt?: number;
  exit?: { code: number | null; signal: string | null };
  errors: string[];
  warnings: number;
}

function spawnProc(name: string, roles: string, env: Record<string, string>, logDir: string): Promise<Proc> {
  const log: WriteStream = createWriteStream(path.join(logDir, `${name}.log`));
  const child = spawn(process.execPath, [MAIN], {
    env: { PATH: process.env.PATH ?? '', ...env, ROLES: roles, PGAPPNAME: `halo-sync:${name}` },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const proc: Proc = { name, roles, child, url: '', errors: [], warnings: 0 };
  child.once('exit', (code, signal) => {
    proc.exit = { code, signal };
    log.end();
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start within 30 s`)), 30_000);
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code} before listening (log: ${logDir}/${name}.log)`)));
    createInterface({ input: child.stderr! }).on('line', (line) => {
      log.write(`${line}\n`);
      let entry: { level?: number; msg?: string; url?: string } | undefined;
      try {
        entry = JSON.parse(line);
      } catch {
        proc.errors.push(line.slice(0, 300)); // not pino: a crash or a start-up failure
        return;
      }
      if (entry?.msg === 'halo-sync listening' && entry.url) {
        proc.url = entry.url.replace('localhost', '127.0.0.1');
        clearTimeout(timer);
        resolve(proc);
      }
      if ((entry?.level ?? 0) >= 50) proc.errors.push(line.slice(0, 300));
      else if ((entry?.level ?? 0) >= 40) proc.warnings++;
    });
  });
}

// ───────────────────────────── load balancer ─────────────────────────────

interface Lb {
  url: string;
  backends: string[];
  stats: { requests: number; retriedConnect: number; retriedWebhook: number; failed: number; byBackend: Record<string, number> };
  close(): Promise<void>;
}

async function startLoadBalancer(): Promise<Lb> {
  const backends: string[] = [];
  const down = new Map<string, number>();
  const stats: Lb['stats'] = { requests: 0, retriedConnect: 0, retriedWebhook: 0, failed: 0, byBackend: {} };
  let next = 0;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

  const forward = (backend: string, req: IncomingMessage, body: Buffer) =>
    new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
      const target = new URL(req.url ?? '/', backend);
      const out = http.request(target, { method: req.method, headers: { ...req.headers, host: target.host }, agent, timeout: 30_000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      });
      out.on('timeout', () => out.destroy(new Error('timeout')));
      out.on('error', reject);
      out.end(body);
    });

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    stats.requests++;
    const webhook = (req.url ?? '').startsWith('/webhooks/');
    for (let tries = 0; tries < backends.length * 2; tries++) {
      const candidates = backends.filter((b) => (down.get(b) ?? 0) < Date.now());
      const backend = (candidates.length ? candidates : backends)[next++ % (candidates.length || backends.length)];
      try {
        const r = await forward(backend, req, body);
        stats.byBackend[backend] = (stats.byBackend[backend] ?? 0) + 1;
        const headers = { ...r.headers };
        delete headers['transfer-encoding'];
        delete headers.connection;
        res.writeHead(r.status, { ...headers, 'content-length': r.body.length });
        res.end(r.body);
        return;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        down.set(backend, Date.now() + 5_000);
        // Never connected: safe to send anywhere. Connected but no answer: only the idempotent webhook deliveries.
        if (code === 'ECONNREFUSED') {
          stats.retriedConnect++;
          continue;
        }
        if (webhook) {
          stats.retriedWebhook++;
          continue;
        }
        break;
      }
    }
    stats.failed++;
    res.writeHead(502, { 'content-type': 'text/plain' });
    res.end('bad gateway');
  };
  const server = http.createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(502).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    backends,
    stats,
    close: () =>
      new Promise<void>((r) => {
        agent.destroy();
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

// ───────────────────────────── GraphQL ─────────────────────────────

class GqlError extends Error {}
/** No GraphQL answer at all (the load balancer's 502 when a process died under the request). */
class TransportError extends Error {}

async function gql<T = Record<string, any>>(url: string, apiKey: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(20_000),
  });
  const text = await res.text();
  let body: { data?: T; errors?: unknown };
  try {
    body = JSON.parse(text);
  } catch {
    throw new TransportError(`HTTP ${res.status}: ${text.slice(0, 200)}`);
  }
  if (body.errors || !body.data) throw new GqlError(`GraphQL: ${JSON.stringify(body.errors).slice(0, 400)}`);
  return body.data;
}

/** Reads and other idempotent calls: tried again a few times (a process may be dying under them). */
async function gqlRetry<T = Record<string, any>>(url: string, apiKey: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await gql<T>(url, apiKey, query, variables);
    } catch (err) {
      if (i >= 4 || err instanceof GqlError) throw err;
      await sleep(300);
    }
  }
}

async function readAll<N>(url: string, apiKey: string, field: string, selection: string): Promise<N[]> {
  const out: N[] = [];
  let after: string | null = null;
  for (;;) {
    const data: Record<string, { nodes: N[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } }> = await gqlRetry(
      url,
      apiKey,
      `query($after: String) { ${field}(first: 200, after: $after) { nodes { ${selection} } pageInfo { hasNextPage endCursor } } }`,
      { after },
    );
    out.push(...data[field].nodes);
    if (!data[field].pageInfo.hasNextPage) return out;
    after = data[field].pageInfo.endCursor;
  }
}

const SETUP = {
  setPrimaryClient: 'mutation { setPrimaryClient(haloClientId: 12) { __typename } }',
  setProductGroupMappings: `mutation { setProductGroupMappings(mappings: [
    { haloGroupId: 1, productType: HARDWARE }, { haloGroupId: 2, productType: LICENSE }, { haloGroupId: 3, productType: SERVICE },
    { haloGroupId: 4, productType: LABOR }, { haloGroupId: 7, productType: SOFTWARE }, { haloGroupId: 8, productType: HARDWARE }]) { __typename } }`,
  setOpportunityMapping: `mutation { setOpportunityMapping(input: { defaultTypeId: 32, importTypeIds: [32, 33],
    toHalo: [{ status: OPEN, haloStatusId: 20 }, { status: WON, haloStatusId: 24 }, { status: LOST, haloStatusId: 25 }],
    fromHalo: [{ haloStatusId: 20, status: OPEN }, { haloStatusId: 21, status: OPEN }, { haloStatusId: 22, status: OPEN },
               { haloStatusId: 23, status: OPEN }, { haloStatusId: 24, status: WON }, { haloStatusId: 25, status: LOST }] }) { __typename } }`,
  setCompanyImport: `mutation { setCompanyImport(input: { prospectTypeId: 2,
    address: { street: line1, street2: line2, city: line3, state: line4, postalCode: postcode } }) { __typename } }`,
  setQuoteStatusMapping: `mutation { setQuoteStatusMapping(mappings: [
    { status: DRAFT, haloQuoteStatusId: 1, haloOpportunityStatusId: 20, haloPipelineStageId: 2 },
    { status: SENT, haloQuoteStatusId: 2, haloOpportunityStatusId: 22, haloPipelineStageId: 3 },
    { status: APPROVED, haloQuoteStatusId: 3, haloOpportunityStatusId: 24, haloPipelineStageId: 5 },
    { status: DECLINED, haloQuoteStatusId: 4, haloOpportunityStatusId: 25, haloPipelineStageId: 6 }]) { __typename } }`,
};

// ───────────────────────────── the run ─────────────────────────────

interface Tenant {
  n: number;
  id: string;
  apiKey: string;
  sim: HaloSim;
  fullRunId?: string;
  users: number[];
  clients: number[];
  opps: number[];
  edited: { users: Set<number>; clients: Set<number>; opps: Set<number> };
  quotesCreated: number;
  quotesApproved: number;
  quoteErrors: string[];
}

interface Check {
  name: string;
  pass: boolean;
  detail: string;
}

async function main(): Promise<number> {
  const runId = randomBytes(4).toString('hex');
  const dbName = `halo_scale_out_${runId}`;
  const logDir = mkdtempSync(path.join(tmpdir(), 'halo-scale-out-'));
  const admin = new Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`create database "${dbName}"`);
  const dbUrlObj = new URL(ADMIN_URL);
  dbUrlObj.pathname = `/${dbName}`;
  const dbUrl = dbUrlObj.toString();
  say(`scratch database ${dbName}; process logs in ${logDir}`);

  const procs: Proc[] = [];
  const sims: HaloSim[] = [];
  let lb: Lb | undefined;
  let db: Client | undefined;
  let orm: Awaited<ReturnType<typeof createOrm>> | undefined;
  let timedOut = false;
  const deadline = setTimeout(() => {
    timedOut = true;
    say(`DEADLINE: ${DEADLINE_MS / 1000} s passed; stopping`);
    for (const p of procs) if (!p.exit) p.child.kill('SIGKILL');
    // Clean-up normally follows at once; should anything hang, leave anyway.
    setTimeout(() => process.exit(2), 60_000).unref();
  }, DEADLINE_MS);
  // Whatever way this script ends (even a stray exception), it leaves no process of its own behind.
  process.once('exit', () => {
    for (const p of procs) if (!p.exit) p.child.kill('SIGKILL');
  });
  // Ctrl-C: no orphaned processes (the scratch database is left behind then; its name is printed above).
  process.once('SIGINT', () => {
    for (const p of procs) if (!p.exit) p.child.kill('SIGKILL');
    process.exit(130);
  });
  deadline.unref();
  const checkDeadline = () => {
    if (timedOut) throw new Error('deadline reached');
  };

  try {
    lb = await startLoadBalancer();
    const env = {
      DATABASE_URL: dbUrl,
      ENCRYPTION_KEYS: `so:${randomBytes(32).toString('base64')}`,
      NODE_ENV: 'production',
      DEMO: 'false',
      PORT: '0',
      HOST: '127.0.0.1',
      PUBLIC_BASE_URL: lb.url,
      LOG_LEVEL: 'info',
      SYNC_STALE_AFTER_SECONDS: String(STALE_SECONDS),
      PUSH_LEASE_SECONDS: String(LEASE_SECONDS),
      JOB_POLL_SECONDS: '0.5',
      PUSH_RETRY_BASE_MS: '100',
      HALO_RATE_LIMIT_PER_5MIN: '100000',
      HALO_RETRY_BASE_MS: '50',
      // The schedules fire during the run too (each slot claimed by one of the two schedulers).
      SYNC_SCHEDULE: '*/20 * * * * *',
      OPPORTUNITY_SYNC_SCHEDULE: '*/10 * * * * *',
    };
    // All four at once against the empty database: they take turns migrating it.
    const spawned = await Promise.all([
      spawnProc('api-1', 'api', env, logDir),
      spawnProc('api-2', 'api', env, logDir),
      spawnProc('worker-1', 'worker,scheduler', env, logDir),
      spawnProc('worker-2', 'worker,scheduler', env, logDir),
    ]);
    procs.push(...spawned);
    const [api1, api2, worker1, worker2] = spawned;
    lb.backends.push(api1.url, api2.url);
    say(`started ${procs.map((p) => `${p.name} (${p.roles}) ${p.url} pid ${p.child.pid}`).join(', ')}; load balancer ${lb.url}`);

    db = new Client({ connectionString: dbUrl });
    await db.connect();
    await installAudit(db);
    orm = await createOrm({ url: dbUrl, poolMax: 2 });

    // Tenants, each with its own Halo.
    const tenants: Tenant[] = [];
    for (let n = 1; n <= TENANTS; n++) {
      const sim = await startHaloSim({ scale: 'demo', rateLimit: false });
      sims.push(sim);
      const { tenant, apiKey } = await createTenant(orm.em.fork(), { name: `Scale-out MSP ${n}`, website: 'acme.example' });
      tenants.push({
        n,
        id: tenant.id,
        apiKey,
        sim,
        users: sim.control.list('users', (u) => u.inactive !== true).map((u) => u.id as number),
        clients: sim.control.list('clients', (c) => c.id !== sim.control.primaryClientId && c.inactive !== true).map((c) => c.id as number),
        opps: sim.control.list('tickets', (t) => t.tickettype_id === 32 && t.deleted !== true).map((t) => t.id as number),
        edited: { users: new Set(), clients: new Set(), opps: new Set() },
        quotesCreated: 0,
        quotesApproved: 0,
        quoteErrors: [],
      });
    }
    await Promise.all(
      tenants.map(async (t) => {
        const c = await gql(lb!.url, t.apiKey, 'mutation($i: ConnectHaloInput!) { connectHalo(input: $i) { ok failedStep { step message fix } } }', {
          i: { baseUrl: t.sim.url, clientId: t.sim.clientId, clientSecret: t.sim.clientSecret },
        });
        if (!c.connectHalo.ok) throw new Error(`tenant ${t.n}: connectHalo failed: ${JSON.stringify(c.connectHalo.failedStep)}`);
        for (const m of Object.values(SETUP)) await gql(lb!.url, t.apiKey, m);
        const shipping = Number(t.sim.control.list('items', (i) => i.assetgroup_id === 4)[0].id);
        await gql(lb!.url, t.apiKey, 'mutation($s: Int!) { setProductDefaults(input: { shippingItemId: $s, defaultGroupId: 4 }) { __typename } }', { s: shipping });
        const w = await gql(lb!.url, t.apiKey, 'mutation { installHaloWebhooks { ok expectedUrl } }');
        if (!w.installHaloWebhooks.ok) throw new Error(`tenant ${t.n}: installHaloWebhooks failed`);
        if (!String(w.installHaloWebhooks.expectedUrl).startsWith(lb!.url)) throw new Error(`webhook URL ${w.installHaloWebhooks.expectedUrl} is not behind the load balancer`);
        // We subscribe only to the evidenced ticket events: the admin ticks the contact and customer updates in Halo.
        const hookId = String(t.sim.control.list('webhooks')[0]!.id);
        for (const table of ['users', 'clients'] as const) t.sim.control.adminSubscribe(hookId, { table, trigger: 'updated' });
        t.sim.control.setFault({ kind: 'latency', ms: HALO_LATENCY_MS, count: Infinity, match: { path: '/api/**' } });
        // A scheduled incremental run may have started since connecting: the full run starts once it is over.
        for (;;) {
          const s = await gql(lb!.url, t.apiKey, 'mutation { startSync(input: { full: true }) { id kind } }');
          if (s.startSync.kind === 'FULL') {
            t.fullRunId = s.startSync.id;
            break;
          }
          checkDeadline();
          await sleep(250);
        }
      }),
    );
    say(`${TENANTS} tenants connected, configured, webhooks installed (→ ${lb.url}); full syncs started`);

    // Edits in Halo: each makes the simulator send a signed delivery to the load balancer.
    const openStatuses = [20, 21, 22, 23];
    let edits = 0;
    const edit = (t: Tenant, i: number) => {
      const kind = i % 10;
      if (kind < 5) {
        const id = t.users[i % t.users.length];
        t.sim.control.update('users', id, { phonenumber: `+1 555 ${String(i).padStart(6, '0')}` });
        t.edited.users.add(id);
      } else if (kind < 8) {
        const id = t.clients[i % t.clients.length];
        t.sim.control.update('clients', id, { name: `Scale-out Client ${id} v${i}` });
        t.edited.clients.add(id);
      } else {
        const id = t.opps[i % t.opps.length];
        const current = t.sim.control.get('tickets', id)?.status_id;
        t.sim.control.update('tickets', id, { status_id: openStatuses.filter((s) => s !== current)[i % 3] });
        t.edited.opps.add(id);
      }
      edits++;
    };
    /** Spreads `count` edits over the tenants at about `perSecond`. */
    const editBurst = async (count: number, perSecond: number) => {
      const end = edits + count;
      while (edits < end) {
        checkDeadline();
        for (let k = 0; k < Math.max(1, Math.round(perSecond / 20)) && edits < end; k++) edit(tenants[edits % tenants.length], edits);
        await sleep(50);
      }
    };

    const quoteRefs = new Map<string, { tenant: Tenant; id: string }>();
    const makeQuotes = async (t: Tenant, count: number): Promise<void> => {
      try {
        await makeQuotesOrThrow(t, count);
      } catch (err) {
        t.quoteErrors.push(String(err).slice(0, 200));
      }
    };
    const makeQuotesOrThrow = async (t: Tenant, count: number) => {
      const c = await gqlRetry(lb!.url, t.apiKey, '{ companies(first: 20, active: true, prospect: false) { nodes { id haloId } } items(first: 5) { nodes { id } } }');
      const companies = c.companies.nodes.filter((x: { haloId: number | null }) => x.haloId);
      for (let q = 0; q < count; q++) {
        try {
          const created = await gql(lb!.url, t.apiKey, 'mutation($i: QuoteInput!) { createQuote(input: $i) { id reference } }', {
            i: {
              companyId: companies[q % companies.length].id,
              title: `Scale-out quote ${t.n}.${t.quotesCreated + 1}`,
              lines: [
                { itemId: c.items.nodes[q % c.items.nodes.length].id, quantity: String(q + 1) },
                { productName: 'Onboarding (custom)', quantity: '1', unitPrice: '150.00' },
              ],
            },
          });
          t.quotesCreated++;
          quoteRefs.set(created.createQuote.reference, { tenant: t, id: created.createQuote.id });
          await gql(lb!.url, t.apiKey, 'mutation($id: ID!) { setQuoteStatus(id: $id, status: APPROVED) { id } }', { id: created.createQuote.id });
          t.quotesApproved++;
        } catch (err) {
          // A process killed under the request: what happened is read back from the database at the end.
          t.quoteErrors.push(String(err).slice(0, 200));
        }
      }
    };

    // Phase 1: full syncs running, deliveries flowing; quotes as each tenant's full sync ends. Kill when a worker
    // holds a running sync (the audit says which worker last wrote it).
    const firstQuotes = Math.ceil(QUOTES_PER_TENANT / 2);
    const quoted = new Set<number>();
    const quoting: Promise<void>[] = [];
    let victim: { runId: string; worker: Proc; pushes: number } | undefined;
    const phase1Started = Date.now();
    const editsBeforeKill = Math.floor(EDITS / 2);
    const phase1Edits = editBurst(editsBeforeKill, 60);
    for (;;) {
      checkDeadline();
      const runs = (await db.query<{ id: string; tenant_id: string; status: string; app: string | null }>(
        `select r.id, r.tenant_id, r.status,
                (select a.app from scaleout_audit a where a.tbl = 'sync_run' and a.row_id = r.id order by a.seq desc limit 1) as app
           from sync_run r where r.kind = 'FULL'`,
      )).rows;
      for (const t of tenants) {
        const run = runs.find((r) => r.id === t.fullRunId);
        if (run && !['QUEUED', 'RUNNING'].includes(run.status) && !quoted.has(t.n)) {
          quoted.add(t.n);
          quoting.push(makeQuotes(t, firstQuotes));
        }
      }
      // Pushes in flight, and which worker holds each (the last process to claim the row).
      const pushing = (
        await db.query<{ app: string }>(
          `select (select a.app from scaleout_audit a where a.tbl = 'outbox' and a.row_id = o.id and a.new_status = 'IN_PROGRESS' order by a.seq desc limit 1) as app
             from outbox o where o.state = 'IN_PROGRESS'`,
        )
      ).rows.map((r) => r.app);
      const candidates = [worker1, worker2]
        .map((w) => ({ w, run: runs.find((r) => r.status === 'RUNNING' && r.app === `halo-sync:${w.name}`), pushes: pushing.filter((a) => a === `halo-sync:${w.name}`).length }))
        .filter((c) => c.run);
      // Best: a worker in the middle of a sync run *and* of a push; after a while, a sync run alone will do.
      const best = candidates.find((c) => c.pushes > 0) ?? (Date.now() - phase1Started > KILL_PATIENCE_MS ? candidates[0] : undefined);
      if (best && edits >= editsBeforeKill / 2) {
        victim = { runId: best.run!.id, worker: best.w, pushes: best.pushes };
        break;
      }
      if (runs.every((r) => !['QUEUED', 'RUNNING'].includes(r.status)) && runs.length >= TENANTS) {
        say('every full sync ended before a kill point was found (raise SCALE_HALO_LATENCY_MS)');
        break;
      }
      await sleep(100);
    }
    const killedWorker = victim?.worker ?? worker1;
    const killedApi = api1;
    for (const p of [killedWorker, killedApi]) {
      p.killedAt = Date.now();
      p.child.kill('SIGKILL');
    }
    say(`SIGKILL ${killedWorker.name} (pid ${killedWorker.child.pid}, mid-way through sync run ${victim?.runId ?? '—'} and ${victim?.pushes ?? 0} push(es)) and ${killedApi.name} (pid ${killedApi.child.pid}); ${edits} edits so far, ${[...tenants].reduce((s, t) => s + t.quotesApproved, 0)} quotes approved`);
    const survivorApi = killedApi === api1 ? api2 : api1;
    const survivorWorker = killedWorker === worker1 ? worker2 : worker1;

    // Phase 2: the survivors carry on.
    await phase1Edits;
    const phase2Edits = editBurst(EDITS - editsBeforeKill, 60);
    while (quoted.size < TENANTS) {
      checkDeadline();
      for (const t of tenants) {
        if (quoted.has(t.n)) continue;
        const r = await db.query<{ status: string }>('select status from sync_run where id = $1', [t.fullRunId]);
        if (!['QUEUED', 'RUNNING'].includes(r.rows[0].status)) {
          quoted.add(t.n);
          quoting.push(makeQuotes(t, firstQuotes));
        }
      }
      await sleep(200);
    }
    await Promise.all(quoting);
    await Promise.all(tenants.map((t) => makeQuotes(t, QUOTES_PER_TENANT - firstQuotes)));
    await phase2Edits;
    // An incremental sync for every tenant, through the survivors (or the tenant's active run, when one is going).
    await Promise.all(tenants.map((t) => gqlRetry(lb!.url, t.apiKey, 'mutation { startSync(input: { full: false }) { id } }')));
    say(`${edits} edits made, ${tenants.reduce((s, t) => s + t.quotesApproved, 0)} quotes approved; waiting for everything to settle`);

    // Settle: Halo has sent everything, and nothing is queued, running, being processed or pushed.
    let settled = false;
    for (;;) {
      checkDeadline();
      await Promise.all(sims.map((s) => s.control.webhooksIdle()));
      const [{ runs, deliveries, pushes }] = (
        await db.query<{ runs: number; deliveries: number; pushes: number }>(
          `select (select count(*)::int from sync_run where status in ('QUEUED', 'RUNNING')) as runs,
                  (select count(*)::int from webhook_delivery where status in ('RECEIVED', 'PROCESSING')) as deliveries,
                  (select count(*)::int from outbox where state in ('PENDING', 'IN_PROGRESS')) as pushes`,
        )
      ).rows;
      if (runs + deliveries + pushes === 0) {
        settled = true;
        break;
      }
      if (Date.now() - started > DEADLINE_MS - 30_000) {
        say(`not settled 30 s before the deadline: ${runs} runs, ${deliveries} deliveries, ${pushes} pushes still open`);
        break;
      }
      await sleep(250);
    }
    say(settled ? 'settled; checking' : 'checking what there is');

    // ─────────── checks ───────────
    const checks: Check[] = [];
    const check = (name: string, pass: boolean, detail: string) => checks.push({ name, pass, detail });

    // Processes.
    check(
      'processes',
      killedWorker.exit?.signal === 'SIGKILL' && killedApi.exit?.signal === 'SIGKILL' && !survivorApi.exit && !survivorWorker.exit,
      procs.map((p) => `${p.name}: ${p.exit ? `killed (${p.exit.signal ?? p.exit.code})` : 'alive'}`).join(', '),
    );

    // Sync runs: every one finished once, SUCCEEDED, never written by two processes at once.
    const runs = (
      await db.query<{ id: string; tenant_id: string; kind: string; trigger: string; status: string; attempts: number; created_at: Date; started_at: Date; finished_at: Date | null }>(
        'select id, tenant_id, kind, trigger, status, attempts, created_at, started_at, finished_at from sync_run order by created_at',
      )
    ).rows;
    const audit = (
      await db.query<{ seq: number; row_id: string; app: string; old_status: string | null; new_status: string; attempts: number; at: Date; heartbeat_at: Date | null }>(
        `select seq, row_id, app, old_status, new_status, attempts, at, heartbeat_at from scaleout_audit where tbl = 'sync_run' order by seq`,
      )
    ).rows;
    const overlapping: string[] = [];
    const finishedTwice: string[] = [];
    const takeovers: string[] = [];
    for (const run of runs) {
      const rows = audit.filter((a) => a.row_id === run.id);
      // The writers of a run must form contiguous blocks (A…A B…B), each handover only after the previous
      // writer went quiet for the stale period (or died).
      const blocks: { app: string; first: Date; last: Date }[] = [];
      for (const r of rows) {
        const b = blocks[blocks.length - 1];
        if (b && b.app === r.app) b.last = r.at;
        else blocks.push({ app: r.app, first: r.at, last: r.at });
      }
      const apps = blocks.map((b) => b.app);
      if (new Set(apps).size !== apps.length) overlapping.push(`${run.id.slice(0, 8)}: ${apps.join(' → ')}`);
      for (let i = 1; i < blocks.length; i++) {
        const gapMs = blocks[i].first.getTime() - blocks[i - 1].last.getTime();
        const prev = procs.find((p) => `halo-sync:${p.name}` === blocks[i - 1].app);
        takeovers.push(`${run.id.slice(0, 8)} ${blocks[i - 1].app.replace('halo-sync:', '')} → ${blocks[i].app.replace('halo-sync:', '')} after ${(gapMs / 1000).toFixed(1)} s quiet`);
        if (gapMs < STALE_SECONDS * 1000 - 250 || !prev?.killedAt) overlapping.push(`${run.id.slice(0, 8)}: handed over after ${gapMs} ms (${prev?.name} ${prev?.killedAt ? 'killed' : 'alive'})`);
      }
      const finishes = rows.filter((r) => ['SUCCEEDED', 'PARTIAL', 'FAILED'].includes(r.new_status) && !['SUCCEEDED', 'PARTIAL', 'FAILED'].includes(r.old_status ?? ''));
      if (finishes.length > 1) finishedTwice.push(run.id.slice(0, 8));
    }
    const byStatus = countBy(runs, (r) => r.status);
    const byTrigger = countBy(runs, (r) => `${r.kind.toLowerCase()}/${r.trigger}`);
    const retried = runs.filter((r) => r.attempts > 1);
    const fullRunsOk = tenants.every((t) => runs.find((r) => r.id === t.fullRunId)?.status === 'SUCCEEDED');
    check(
      'sync runs: all SUCCEEDED, each finished once',
      runs.every((r) => r.status === 'SUCCEEDED') && fullRunsOk && finishedTwice.length === 0 && runs.every((r) => r.finished_at),
      `${runs.length} runs (${fmt(byTrigger)}); status ${fmt(byStatus)}; finished twice: ${finishedTwice.length}`,
    );
    check(
      'sync runs: never in two processes at once',
      overlapping.length === 0,
      `attempts>1: ${retried.length} (${retried.map((r) => `${r.id.slice(0, 8)}×${r.attempts}`).join(', ') || 'none'}); handovers: ${takeovers.join('; ') || 'none'}${overlapping.length ? `; OVERLAPS: ${overlapping.join('; ')}` : ''}`,
    );
    check(
      'the killed worker’s sync run was taken over and finished',
      !victim || (runs.find((r) => r.id === victim!.runId)?.status === 'SUCCEEDED' && (runs.find((r) => r.id === victim!.runId)?.attempts ?? 0) >= 2),
      victim ? `run ${victim.runId.slice(0, 8)}: ${runs.find((r) => r.id === victim!.runId)?.status}, attempts ${runs.find((r) => r.id === victim!.runId)?.attempts}` : 'no run was mid-way at the kill',
    );
    const slots = (await db.query<{ n: number }>('select count(*)::int as n from schedule_slot')).rows[0].n;

    // Webhook deliveries: what Halo sent vs what we stored and processed.
    let sent = 0;
    let sentFailed = 0;
    const missing: string[] = [];
    const storedTwice: string[] = [];
    const deliveryRows = (
      await db.query<{ tenant_id: string; halo_delivery_id: string; status: string; n: number }>(
        'select tenant_id, halo_delivery_id, status, count(*)::int as n from webhook_delivery group by 1, 2, 3',
      )
    ).rows;
    const stored = new Map<string, number>();
    // One row per Halo delivery id (a replay stores nothing): every row counts, whatever became of it.
    for (const r of deliveryRows) stored.set(`${r.tenant_id}/${r.halo_delivery_id}`, (stored.get(`${r.tenant_id}/${r.halo_delivery_id}`) ?? 0) + r.n);
    for (const t of tenants) {
      for (const d of t.sim.control.webhookDeliveries()) {
        sent++;
        if (d.outcome !== 'delivered') sentFailed++;
        const n = stored.get(`${t.id}/${d.id}`) ?? 0;
        if (n === 0) missing.push(`${t.n}/${d.id.slice(0, 8)} (${d.outcome} ${d.responseStatus ?? d.error ?? ''})`);
        if (n > 1) storedTwice.push(`${t.n}/${d.id.slice(0, 8)}`);
      }
    }
    const deliveryStatus = countBy(deliveryRows, (r) => r.status, (r) => r.n);
    check(
      'webhook deliveries: every one Halo sent stored exactly once',
      sentFailed === 0 && missing.length === 0 && storedTwice.length === 0,
      `Halo sent ${sent} (${sentFailed} not answered 2xx); stored ${[...stored.values()].reduce((a, b) => a + b, 0)} (${deliveryStatus.DUPLICATE ?? 0} coalesced as DUPLICATE); missing ${missing.length}${missing.length ? ` [${missing.slice(0, 5).join(', ')}]` : ''}; stored twice ${storedTwice.length}; load balancer re-sent ${lb.stats.retriedWebhook} after a backend died, ${lb.stats.retriedConnect} after a refused connection, ${lb.stats.failed} failed`,
    );
    const reclaimed = (
      await db.query<{ n: number }>(
        `select count(*)::int as n from (select row_id from scaleout_audit where tbl = 'webhook_delivery' and new_status = 'PROCESSING' group by 1 having count(distinct app) > 1) x`,
      )
    ).rows[0].n;
    check(
      'webhook deliveries: all processed',
      !deliveryStatus.RECEIVED && !deliveryStatus.PROCESSING && !deliveryStatus.FAILED,
      `status ${fmt(deliveryStatus)}; claimed by the killed worker and processed by the survivor: ${reclaimed}`,
    );

    // Every edit visible through GraphQL on the surviving API process.
    const notVisible: string[] = [];
    let compared = 0;
    for (const t of tenants) {
      const [companies, contacts, opps] = await Promise.all([
        readAll<{ haloId: number; name: string }>(survivorApi.url, t.apiKey, 'companies', 'haloId name'),
        readAll<{ haloId: number; phone: string | null }>(survivorApi.url, t.apiKey, 'contacts', 'haloId phone'),
        readAll<{ haloId: number; haloStatusId: number | null }>(survivorApi.url, t.apiKey, 'opportunities', 'haloId haloStatusId'),
      ]);
      const byHalo = <T extends { haloId: number }>(xs: T[]) => new Map(xs.map((x) => [x.haloId, x]));
      const [cm, um, om] = [byHalo(companies), byHalo(contacts), byHalo(opps)];
      for (const id of t.edited.clients) {
        compared++;
        if (cm.get(id)?.name !== t.sim.control.get('clients', id)?.name) notVisible.push(`t${t.n} company ${id}: ${cm.get(id)?.name} ≠ ${t.sim.control.get('clients', id)?.name}`);
      }
      for (const id of t.edited.users) {
        compared++;
        if ((um.get(id)?.phone ?? null) !== ((t.sim.control.get('users', id)?.phonenumber as string) || null)) notVisible.push(`t${t.n} contact ${id}: ${um.get(id)?.phone} ≠ ${t.sim.control.get('users', id)?.phonenumber}`);
      }
      for (const id of t.edited.opps) {
        compared++;
        if (om.get(id)?.haloStatusId !== t.sim.control.get('tickets', id)?.status_id) notVisible.push(`t${t.n} opportunity ${id}: ${om.get(id)?.haloStatusId} ≠ ${t.sim.control.get('tickets', id)?.status_id}`);
      }
    }
    check('every edit visible through GraphQL (surviving API process)', notVisible.length === 0, `${edits} edits to ${compared} records; not as in Halo: ${notVisible.length}${notVisible.length ? ` [${notVisible.slice(0, 5).join('; ')}]` : ''}`);

    // Pushes: every approved quote exactly once in Halo, by our reference; the synced copy is the same row.
    const ours = (
      await db.query<{ tenant_id: string; reference: string; status: string; halo_id: number | null }>(`select tenant_id, reference, status, halo_id from quote where reference like 'QS-%'`)
    ).rows;
    const approved = ours.filter((q) => q.status === 'APPROVED');
    const wrong: string[] = [];
    let inHalo = 0;
    for (const t of tenants) {
      const haloQuotes = t.sim.control.list('quotes', (q) => typeof q.third_party_number === 'string' && (q.third_party_number as string).startsWith('QS-'));
      inHalo += haloQuotes.length;
      const count = countBy(haloQuotes, (q) => q.third_party_number as string);
      for (const q of approved.filter((x) => x.tenant_id === t.id)) {
        const n = count[q.reference] ?? 0;
        if (n !== 1) wrong.push(`${q.reference}: ${n} in Halo`);
        else if (Number(haloQuotes.find((h) => h.third_party_number === q.reference)!.id) !== q.halo_id) wrong.push(`${q.reference}: halo id not recorded`);
      }
      for (const ref of Object.keys(count)) if (!approved.some((q) => q.reference === ref && q.tenant_id === t.id)) wrong.push(`${ref}: in Halo, not an approved quote of tenant ${t.n}`);
    }
    const dupQuoteRows = (await db.query<{ n: number }>('select count(*)::int as n from (select tenant_id, halo_id from quote where halo_id is not null group by 1, 2 having count(*) > 1) d')).rows[0].n;
    const approvedByScript = tenants.reduce((s, t) => s + t.quotesApproved, 0);
    const quoteStates = countBy(ours, (q) => q.status);
    const quoteErrors = tenants.flatMap((t) => t.quoteErrors);
    check(
      'pushed quotes: each approved quote created in Halo exactly once',
      wrong.length === 0 && dupQuoteRows === 0 && approved.length >= approvedByScript && approved.length > 0,
      `${approved.length} approved (${approvedByScript} confirmed to the script; our quotes: ${fmt(quoteStates)}; calls cut off by the kill: ${quoteErrors.length}${quoteErrors.length ? ` [${quoteErrors[0]}]` : ''}); ${inHalo} quotations in Halo with our reference; wrong: ${wrong.length}${wrong.length ? ` [${wrong.slice(0, 5).join('; ')}]` : ''}; quote rows sharing a Halo id: ${dupQuoteRows}`,
    );
    const outbox = (await db.query<{ state: string; n: number }>('select state, count(*)::int as n from outbox group by 1')).rows;
    const outboxState = countBy(outbox, (r) => r.state, (r) => r.n);
    const work = (
      await db.query<{ app: string; tbl: string; n: number }>(
        `select app, tbl, count(distinct row_id)::int as n from scaleout_audit
          where (tbl = 'sync_run' and new_status = 'RUNNING') or (tbl = 'outbox' and new_status = 'IN_PROGRESS') or (tbl = 'webhook_delivery' and new_status = 'PROCESSING')
          group by 1, 2 order by 1, 2`,
      )
    ).rows;
    const workLine = procs
      .filter((p) => p.roles !== 'api')
      .map((p) => {
        const n = (tbl: string) => work.find((w) => w.app === `halo-sync:${p.name}` && w.tbl === tbl)?.n ?? 0;
        return `${p.name}: ${n('sync_run')} sync runs, ${n('outbox')} pushes, ${n('webhook_delivery')} deliveries`;
      })
      .join('; ');
    const pushAudit = (
      await db.query<{ row_id: string; apps: number }>(`select row_id, count(distinct app)::int as apps from scaleout_audit where tbl = 'outbox' and new_status = 'IN_PROGRESS' group by 1`)
    ).rows;
    check(
      'outbox: nothing stuck',
      !outboxState.PENDING && !outboxState.IN_PROGRESS && !outboxState.FAILED,
      `state ${fmt(outboxState)}; rows claimed by more than one process: ${pushAudit.filter((r) => r.apps > 1).length}`,
    );
    check(
      'surviving processes logged no errors',
      survivorApi.errors.length === 0 && survivorWorker.errors.length === 0,
      procs.map((p) => `${p.name}: ${p.errors.length} errors, ${p.warnings} warnings`).join('; ') + (survivorApi.errors.concat(survivorWorker.errors).length ? ` [${survivorApi.errors.concat(survivorWorker.errors)[0]}]` : ''),
    );
    check('finished within the deadline', settled && !timedOut, `settled after ${elapsed()} (deadline ${DEADLINE_MS / 1000} s)`);

    // ─────────── report ───────────
    const lines = [
      '',
      `halo-sync scale-out report — ${new Date().toISOString()}`,
      `  setup: ${TENANTS} tenants (one Halo simulator each, ${HALO_LATENCY_MS} ms per Halo request), 2 × ROLES=api + 2 × ROLES=worker,scheduler on one PostgreSQL database,`,
      `         webhooks and GraphQL through a round-robin load balancer; SYNC_STALE_AFTER_SECONDS=${STALE_SECONDS}, PUSH_LEASE_SECONDS=${LEASE_SECONDS}, JOB_POLL_SECONDS=0.5`,
      `  killed (SIGKILL) at ${killedApi.killedAt ? ((killedApi.killedAt - started) / 1000).toFixed(1) : '?'} s: ${killedWorker.name} (mid-way through sync run ${victim?.runId.slice(0, 8) ?? '—'}) and ${killedApi.name}`,
      `  work claimed per worker: ${workLine}`,
      `  load: ${edits} edits in Halo → ${sent} webhook deliveries; ${approvedByScript} quotes approved; ${runs.length} sync runs; ${slots} schedule slots fired; load balancer: ${lb.stats.requests} requests`,
      '',
      ...checks.map((c) => `  ${c.pass ? 'PASS' : 'FAIL'}  ${c.name}\n        ${c.detail}`),
      '',
      `  ${checks.every((c) => c.pass) ? 'PASS' : 'FAIL'}: ${checks.filter((c) => c.pass).length}/${checks.length} checks; ${elapsed()}; process logs: ${logDir}`,
      '',
    ];
    process.stdout.write(lines.join('\n'));
    return checks.every((c) => c.pass) ? 0 : 1;
  } finally {
    clearTimeout(deadline);
    await Promise.all(
      procs.map(async (p) => {
        if (p.exit) return;
        const exited = new Promise((r) => p.child.once('exit', r));
        p.child.kill('SIGTERM');
        const t = setTimeout(() => p.child.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(t);
      }),
    );
    await orm?.close(true).catch(() => undefined);
    await db?.end().catch(() => undefined);
    await lb?.close();
    await Promise.all(sims.map((s) => s.stop().catch(() => undefined)));
    await admin.query(`drop database if exists "${dbName}" with (force)`).catch((err) => say(`could not drop ${dbName}: ${err}`));
    await admin.end();
  }
}

/** Records which process (PGAPPNAME) wrote each change of the rows the checks reason about. */
async function installAudit(db: Client): Promise<void> {
  await db.query(`
    create table scaleout_audit (
      seq bigserial primary key, tbl text not null, row_id uuid not null, app text not null,
      old_status text, new_status text, attempts int, heartbeat_at timestamptz, at timestamptz not null default clock_timestamp());
    create function scaleout_audit_sync_run() returns trigger language plpgsql as $$ begin
      insert into scaleout_audit (tbl, row_id, app, old_status, new_status, attempts, heartbeat_at)
        values ('sync_run', new.id, current_setting('application_name'), old.status, new.status, new.attempts, new.heartbeat_at);
      return new; end $$;
    create trigger scaleout_audit after update on sync_run for each row execute function scaleout_audit_sync_run();
    create function scaleout_audit_outbox() returns trigger language plpgsql as $$ begin
      insert into scaleout_audit (tbl, row_id, app, old_status, new_status, attempts)
        values ('outbox', new.id, current_setting('application_name'), old.state, new.state, new.attempts);
      return new; end $$;
    create trigger scaleout_audit after update on outbox for each row execute function scaleout_audit_outbox();
    create function scaleout_audit_webhook() returns trigger language plpgsql as $$ begin
      if new.status is distinct from old.status then
        insert into scaleout_audit (tbl, row_id, app, old_status, new_status, attempts)
          values ('webhook_delivery', new.id, current_setting('application_name'), old.status, new.status, new.attempts);
      end if;
      return new; end $$;
    create trigger scaleout_audit after update on webhook_delivery for each row execute function scaleout_audit_webhook();
  `);
}

function countBy<T>(xs: T[], key: (x: T) => string, weight: (x: T) => number = () => 1): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of xs) out[key(x)] = (out[key(x)] ?? 0) + weight(x);
  return out;
}

const fmt = (o: Record<string, number>) =>
  Object.entries(o)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ') || 'none';

main()
  .then((code) => process.exit(code))
  .catch((err) => {
    process.stderr.write(`scale-out failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(2);
  });

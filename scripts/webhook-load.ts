/**
 * Load check (not a test): a burst of signed Halo webhook deliveries against the real app.
 *
 *   npx tsc -p . && node dist/scripts/webhook-load.js              # DATABASE_URL's server (default local Postgres)
 *   DELIVERIES=5000 CONCURRENCY=128 node dist/scripts/webhook-load.js
 *
 * Boots the app (API + worker) on a fresh database and the Halo simulator, connects, runs a full sync and installs
 * the webhooks (then removes the simulator's copy, so the only deliveries are ours). Then, DELIVERIES times, from
 * CONCURRENCY parallel senders: make a real edit in the simulator (a contact's phone, a company's name or an
 * opportunity's status) and POST the signed delivery Halo would send for it. It waits until every delivery is
 * settled and checks: every one stored exactly once (no Halo delivery id twice), none left RECEIVED/PROCESSING
 * or FAILED, and every edited record in Postgres equal to the simulator's final state. Prints deliveries/s
 * accepted (first request → last 2xx) and receipt → visible percentiles (received_at → processed_at: a delivery's
 * row is settled in the same transaction that writes the refetched record, so settled means visible).
 *
 * The app (API and worker, as one deployment runs them) is a child process; this process plays Halo (the
 * simulator) and the load generator, so neither bills its work to the app's event loop.
 */
import 'reflect-metadata';
import { fork } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { createApp } from '../src/app';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/log';
import { createOrm } from '../src/db/orm';
import { createTenant } from '../src/tenants/tenants';
import { haloWebhookSignature } from '../src/halo';
import { startHaloSim } from '../src/halo-sim';

const DELIVERIES = Number(process.env.DELIVERIES ?? 2000);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 64);
const ADMIN_URL = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

async function main(): Promise<void> {
  const dbName = `halo_webhook_load_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`create database "${dbName}"`);
  const dbUrl = new URL(ADMIN_URL);
  dbUrl.pathname = `/${dbName}`;

  const sim = await startHaloSim({ scale: 'demo', rateLimit: false });
  const child = fork(__filename, [], {
    env: {
      ...process.env,
      WEBHOOK_LOAD_ROLE: 'app',
      DATABASE_URL: dbUrl.toString(),
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      NODE_ENV: 'development',
      DEMO: 'false',
      ENCRYPTION_KEYS: `load:${randomBytes(32).toString('base64')}`,
      JOB_POLL_SECONDS: '0.5',
    },
  });
  const appUrl = await new Promise<string>((resolve, reject) => {
    child.once('message', (m) => resolve((m as { url: string }).url));
    child.once('exit', (code) => reject(new Error(`app exited with ${code}`)));
  });
  const orm = await createOrm({ url: dbUrl.toString() });
  const app = { url: appUrl, orm };
  try {
    const { tenant, apiKey } = await createTenant(app.orm.em.fork(), { name: 'Acme Managed Services', website: 'acme.example' });
    const gql = async (query: string, variables: Record<string, unknown> = {}) => {
      const res = await fetch(`${app.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` }, body: JSON.stringify({ query, variables }) });
      const body = (await res.json()) as { data?: Record<string, any>; errors?: unknown };
      if (body.errors || !body.data) throw new Error(`GraphQL failed: ${JSON.stringify(body.errors)}`);
      return body.data;
    };
    await gql('mutation($i: ConnectHaloInput!) { connectHalo(input: $i) { ok } }', { i: { baseUrl: sim.url, clientId: sim.clientId, clientSecret: sim.clientSecret } });
    const { startSync } = await gql('mutation { startSync(input: { full: true }) { id } }');
    for (;;) {
      const { syncRun } = await gql('query($id: ID!) { syncRun(id: $id) { status } }', { id: startSync.id });
      if (!['QUEUED', 'RUNNING'].includes(syncRun.status)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const { installHaloWebhooks } = await gql('mutation { installHaloWebhooks { ok expectedUrl } }');
    if (!installHaloWebhooks.ok) throw new Error('webhook install failed');
    const hookUrl: string = installHaloWebhooks.expectedUrl;
    const hook = sim.control.list('webhooks')[0];
    const secret = String(hook.basic_password);
    sim.control.delete('webhooks', hook.id as string);

    // Active records only: inactive ones are not synced, so Halo answering 404 for them is the expected outcome.
    const users = sim.control.list('users', (u) => u.inactive !== true).map((u) => u.id as number);
    const clients = sim.control.list('clients', (c) => c.id !== sim.control.primaryClientId && c.inactive !== true).map((c) => c.id as number);
    const opps = sim.control.list('tickets', (t) => t.tickettype_id === 32 && t.deleted !== true).map((t) => t.id as number);
    const openStatuses = [20, 21, 22, 23];

    /** One real edit in Halo and the delivery Halo would send for it. */
    const edit = (i: number): string => {
      const at = new Date().toISOString().replace(/\.(\d{3})Z$/, '.$10000Z');
      const base = { id: randomUUID(), webhook_id: hook.id, notification_id: 1, escmsg_id: randomUUID(), agent_id: 2, timestamp: at };
      const kind = i % 20;
      if (kind < 12) {
        const id = users[i % users.length];
        sim.control.update('users', id, { phonenumber: `+1 555 ${String(i).padStart(6, '0')}` });
        return JSON.stringify({ ...base, event: 'user updated', object_id: id, message: 'load' });
      }
      if (kind < 17) {
        const id = clients[i % clients.length];
        sim.control.update('clients', id, { name: `Load Client ${id} v${i}` });
        return JSON.stringify({ ...base, event: 'customer updated', object_id: id, message: 'load' });
      }
      const id = opps[i % opps.length];
      sim.control.update('tickets', id, { status_id: openStatuses[i % openStatuses.length] });
      return JSON.stringify({ ...base, event: 'ticket status changed', object_id: id, message: 'load' });
    };

    sim.control.resetCounts();
    let next = 0;
    let editMs = 0;
    let accepted = 0;
    const rejected: string[] = [];
    const started = performance.now();
    let lastAccepted = started;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        for (let i = next++; i < DELIVERIES; i = next++) {
          const e0 = performance.now();
          const body = edit(i);
          editMs += performance.now() - e0;
          const res = await fetch(hookUrl, { method: 'POST', headers: { 'content-type': 'application/json', token: haloWebhookSignature(secret, body) }, body });
          await res.arrayBuffer();
          if (res.status === 202) {
            accepted++;
            lastAccepted = performance.now();
          } else rejected.push(`${res.status}`);
        }
      }),
    );
    const acceptSeconds = (lastAccepted - started) / 1000;
    process.stderr.write(`accepted ${accepted} in ${acceptSeconds.toFixed(2)} s (${Math.round(accepted / acceptSeconds)}/s; ${Math.round(editMs)} ms of it editing the simulator); waiting for processing…\n`);

    const conn = app.orm.em.getConnection();
    const waitStarted = Date.now();
    for (;;) {
      const [{ n }] = await conn.execute<{ n: string }[]>(`select count(*) as n from webhook_delivery where tenant_id = ? and status in ('RECEIVED', 'PROCESSING')`, [tenant.id]);
      if (Number(n) === 0) break;
      if (Date.now() - waitStarted > 120_000) throw new Error(`${n} deliveries still unprocessed after 2 minutes`);
      await new Promise((r) => setTimeout(r, 100));
    }

    const statuses = await conn.execute<{ status: string; n: string }[]>(`select status, count(*) as n from webhook_delivery where tenant_id = ? group by status order by status`, [tenant.id]);
    const [{ total, distinct_ids }] = await conn.execute<{ total: string; distinct_ids: string }[]>(
      `select count(*) as total, count(distinct halo_delivery_id) as distinct_ids from webhook_delivery where tenant_id = ?`,
      [tenant.id],
    );
    const [lat] = await conn.execute<{ p50: number; p95: number; p99: number; max: number }[]>(
      `select percentile_cont(0.5) within group (order by ms) as p50, percentile_cont(0.95) within group (order by ms) as p95,
              percentile_cont(0.99) within group (order by ms) as p99, max(ms) as max
         from (select extract(epoch from processed_at - received_at) * 1000 as ms from webhook_delivery where tenant_id = ?) x`,
      [tenant.id],
    );
    // Every edited record must now hold the simulator's final state.
    const mismatches: string[] = [];
    for (const id of users) {
      const [row] = await conn.execute<{ phone: string | null }[]>('select phone from contact where tenant_id = ? and halo_id = ?', [tenant.id, id]);
      if ((row?.phone ?? null) !== ((sim.control.get('users', id)?.phonenumber as string) || null)) mismatches.push(`contact ${id}`);
    }
    for (const id of clients) {
      const [row] = await conn.execute<{ name: string }[]>('select name from company where tenant_id = ? and halo_id = ?', [tenant.id, id]);
      if (row && row.name !== sim.control.get('clients', id)?.name) mismatches.push(`company ${id}`);
    }
    for (const id of opps) {
      const [row] = await conn.execute<{ halo_status_id: number }[]>('select halo_status_id from opportunity where tenant_id = ? and halo_id = ?', [tenant.id, id]);
      if (row && row.halo_status_id !== sim.control.get('tickets', id)?.status_id) mismatches.push(`opportunity ${id}`);
    }
    const haloRequests = sim.control.requestCount({ method: 'GET' });

    const counts = Object.fromEntries(statuses.map((s) => [s.status, Number(s.n)]));
    const ok = accepted === DELIVERIES && Number(total) === DELIVERIES && Number(distinct_ids) === DELIVERIES && !counts.FAILED && !mismatches.length;
    const out = {
      deliveries: DELIVERIES,
      concurrency: CONCURRENCY,
      accepted,
      rejected: rejected.length,
      acceptedPerSecond: Math.round(accepted / acceptSeconds),
      stored: Number(total),
      distinctHaloDeliveryIds: Number(distinct_ids),
      statuses: counts,
      receiptToVisibleMs: { p50: Math.round(lat.p50), p95: Math.round(lat.p95), p99: Math.round(lat.p99), max: Math.round(lat.max) },
      haloRefetchRequests: haloRequests,
      stateMismatches: mismatches,
      targets: { acceptedPerSecond: '>= 500', p99ReceiptToVisibleMs: '< 2000' },
      pass: ok && accepted / acceptSeconds >= 500 && lat.p99 < 2000,
    };
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    if (!ok) process.exitCode = 1;
  } finally {
    await orm.close(true);
    child.send('stop');
    await new Promise((r) => child.once('exit', r));
    await sim.stop();
    await admin.query(`drop database if exists "${dbName}" with (force)`);
    await admin.end();
  }
}

/** The child: the app under test, until told to stop. */
async function runApp(): Promise<void> {
  const app = await createApp(loadConfig(process.env), { logger: createLogger('warn') });
  await app.start();
  process.on('message', () => {
    void app.stop().then(() => process.exit(0));
  });
  process.send?.({ url: app.url });
}

(process.env.WEBHOOK_LOAD_ROLE === 'app' ? runApp() : main()).catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});

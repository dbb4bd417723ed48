import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import cron from 'node-cron';
import { loadConfig } from '../../src/config';
import { startHaloSim, type HaloSim } from '../../src/halo-sim';
import { demoProcessEnv, freePort, startDemoProcess, type DemoProcess } from '../support/demo-process';

/** The demo process as a user meets it: GraphQL with the printed key, nothing else. */
async function query<T>(demo: DemoProcess, q: string): Promise<T> {
  const res = await fetch(demo.graphiqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${demo.apiKey}` },
    body: JSON.stringify({ query: q }),
  });
  const body = (await res.json()) as { data?: T; errors?: unknown };
  expect(body.errors, `${q}\n${JSON.stringify(body.errors)}`).toBeUndefined();
  return body.data as T;
}

interface Overview {
  companies: { nodes: { name: string }[] };
  contacts: { nodes: { id: string }[] };
  items: { nodes: { id: string }[] };
  opportunities: { nodes: { id: string }[] };
  quotes: { nodes: { id: string }[] };
  integrationSettings: { primaryClient: { haloClientId: number } | null; productGroups: unknown[] };
  setupChecklist: { id: string; status: string }[];
  syncRuns: { status: string; trigger: string; kind: string }[];
  configHistory: { section: string }[];
}

const OVERVIEW = `{
  companies(first: 200) { nodes { name } }
  contacts(first: 200) { nodes { id } }
  items(first: 200) { nodes { id } }
  opportunities(first: 200) { nodes { id } }
  quotes(first: 200) { nodes { id } }
  integrationSettings { primaryClient { haloClientId } productGroups { haloGroupId } }
  setupChecklist { id status }
  syncRuns { status trigger kind }
  configHistory(first: 200) { section }
}`;

/** The overview once the start's own sync finished (it does not block start-up once data exists). */
async function settled(demo: DemoProcess): Promise<Overview> {
  for (let i = 0; ; i++) {
    const o = await query<Overview>(demo, OVERVIEW);
    if (!o.syncRuns.some((r) => r.status === 'QUEUED' || r.status === 'RUNNING') || i > 150) return o;
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('demo mode: simulator, default mappings and a first full sync', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'halo-sync-demo-data-'));
  chmodSync(root, 0o755); // the embedded server runs as the postgres user
  const dataDir = path.join(root, 'pg');
  const running: DemoProcess[] = [];
  // The same seed the demo uses: the data it must show.
  let sim: HaloSim;
  let pgPort: number;

  beforeAll(async () => {
    [sim, pgPort] = await Promise.all([startHaloSim({ scale: 'demo', seed: 1, rateLimit: false }), freePort()]);
  });
  afterAll(async () => {
    for (const p of running) p.child.kill('SIGKILL');
    await sim?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('runs its demo processes with schedules that cannot fire during a test (the test decides when syncs run)', () => {
    const { schedule } = loadConfig(demoProcessEnv({ dataDir, pgPort: 54329 }));
    const minute = Math.floor(Date.now() / 60_000) * 60_000;
    for (const [name, expression] of Object.entries(schedule)) {
      const task = cron.createTask(expression, () => undefined);
      const firesWithin2Days = Array.from({ length: 2 * 24 * 60 }, (_, m) => new Date(minute + m * 60_000)).filter((at) => task.match(at));
      expect(firesWithin2Days, `${name}: ${expression}`).toEqual([]);
    }
  });

  it('shows the simulator’s data as soon as its lines are printed', async () => {
    const demo = await startDemoProcess({ dataDir, pgPort });
    running.push(demo);
    const o = await query<Overview>(demo, OVERVIEW);

    expect(o.syncRuns).toEqual([{ status: 'SUCCEEDED', trigger: 'demo', kind: 'FULL' }]);
    const activeClients = sim.control.list('clients', (c) => c.inactive !== true);
    expect(o.companies.nodes.map((c) => c.name).sort()).toEqual(activeClients.map((c) => String(c.name)).sort());
    const generalUsers = new Set(sim.control.generalUserIds());
    expect(o.contacts.nodes.length).toBe(sim.control.list('users', (u) => u.inactive !== true && !generalUsers.has(u.id as number)).length);
    expect(o.items.nodes.length).toBeGreaterThan(0);
    expect(o.opportunities.nodes.length).toBeGreaterThan(0);
    expect(o.quotes.nodes.length).toBeGreaterThan(0);
    expect(o.integrationSettings.primaryClient?.haloClientId).toBe(12);

    const status = Object.fromEntries(o.setupChecklist.map((c) => [c.id, c.status]));
    // The lookup ids too: the demo confirms them from its simulator's truth, as an admin who found them in Halo would.
    for (const id of ['connection', 'primary_client', 'product_groups', 'opportunity_mapping', 'quote_status_mapping', 'shipping_product', 'default_category', 'first_full_sync', 'lookup_countryCode', 'lookup_regionCode', 'lookup_pipelineStage']) {
      expect(status[id], id).toBe('OK');
    }

    demo.child.kill('SIGTERM');
    expect(await demo.exited).toBe(0);
  }, 120_000);

  it('after a kill -9, reconnects to the new simulator without re-saving unchanged settings', async () => {
    const before = await startDemoProcess({ dataDir, pgPort });
    running.push(before);
    const history = (await settled(before)).configHistory.map((c) => c.section);
    before.child.kill('SIGKILL');
    await before.exited;

    const after = await startDemoProcess({ dataDir, pgPort });
    running.push(after);
    const o = await settled(after);
    // Only the connection changed (the simulator's port is new on every start).
    expect(o.configHistory.map((c) => c.section)).toEqual(['connection', ...history]);
    expect(o.syncRuns[0]).toEqual({ status: 'SUCCEEDED', trigger: 'demo', kind: 'FULL' });
    expect(o.syncRuns.filter((r) => r.trigger !== 'demo')).toEqual([]);
    expect(o.companies.nodes.length).toBe(sim.control.list('clients', (c) => c.inactive !== true).length);

    after.child.kill('SIGTERM');
    expect(await after.exited).toBe(0);
  }, 120_000);
});

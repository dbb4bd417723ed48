import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HaloSim } from '../../src/halo-sim';
import { SyncRun } from '../../src/db/entities';
import { StartSyncDocument, SyncRunDocument } from '../generated/graphql';
import { startTestApp, TEST_ENCRYPTION_KEYS, type TestApp } from '../support/app';
import { createTestDatabase } from '../support/db';
import { startSim } from '../support/halo';
import { configureDefaults, GROUPS, useHalosQuoteLineNames } from '../support/mappings';
import { connect, waitForRun } from '../support/sync';

const MAIN = path.resolve(__dirname, '../../dist/src/main.js');

describe('sync durability across processes', () => {
  let sim: HaloSim;
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let api: TestApp;
  let tenant: Awaited<ReturnType<TestApp['newTenant']>>;
  const others: TestApp[] = [];

  beforeAll(async () => {
    [sim, db] = await Promise.all([startSim(), createTestDatabase()]);
    // This instance serves GraphQL only: the runs are executed by the worker processes the tests start.
    api = await startTestApp({ ROLES: 'api', SYNC_STALE_AFTER_SECONDS: '2' }, { databaseUrl: db.url });
    tenant = await api.newTenant('Acme Managed Services', 'acme.example');
    await connect(tenant.gql, sim);
    await configureDefaults(tenant.gql, Number(sim.control.list('items', (i) => i.assetgroup_id === GROUPS.services)[0].id), sim.truth.lookupIds);
    await useHalosQuoteLineNames(tenant.gql, sim.truth);
  });
  afterAll(async () => {
    for (const o of others) await o.app.stop();
    await api?.app.stop();
    await db?.drop();
    await sim?.stop();
  });

  const count = async (table: string) => {
    const rows = await api.app.orm.em
      .getConnection()
      .execute(`select count(*)::int as n, count(distinct halo_id)::int as d from "${table}" where tenant_id = ? and deleted_at is null`, [tenant.tenantId]);
    return rows[0] as { n: number; d: number };
  };

  it('a worker killed with SIGKILL mid-run is taken over by another, which finishes with no lost and no doubled record', async () => {
    // Slow Halo down so the kill lands mid-run.
    sim.control.setFault({ kind: 'latency', ms: 400 });
    const child = spawn(process.execPath, [MAIN], {
      env: {
        PATH: process.env.PATH,
        DATABASE_URL: db.url,
        ROLES: 'worker',
        PORT: '0',
        HOST: '127.0.0.1',
        ENCRYPTION_KEYS: TEST_ENCRYPTION_KEYS,
        DEMO: 'false',
        LOG_LEVEL: 'warn',
        SYNC_STALE_AFTER_SECONDS: '2',
        JOB_POLL_SECONDS: '0.5',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (c) => (stderr += String(c)));
    const exited = new Promise((r) => child.once('exit', r));
    try {
      const { startSync } = await tenant.gql.expectData(StartSyncDocument, { input: { full: true } });
      // Wait until the child has finished at least one entity and is inside another.
      for (let i = 0; ; i++) {
        const { syncRun } = await tenant.gql.expectData(SyncRunDocument, { id: startSync.id });
        const done = syncRun!.progress.filter((p) => p.state === 'done').length;
        if (syncRun!.status === 'RUNNING' && done >= 2) break;
        if (i > 300) throw new Error(`the worker never got going: ${JSON.stringify(syncRun)}\n${stderr}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      child.kill('SIGKILL');
      await exited;
      sim.control.clearFaults();

      const mid = await api.app.orm.em.fork().findOneOrFail(SyncRun, { id: startSync.id });
      expect(mid.status).toBe('RUNNING');

      // A new worker (another process in production) takes the abandoned run over once its heartbeat is stale.
      const worker = await startTestApp({ ROLES: 'worker', SYNC_STALE_AFTER_SECONDS: '2', JOB_POLL_SECONDS: '0.5' }, { databaseUrl: db.url });
      others.push(worker);
      const run = await waitForRun(tenant.gql, startSync.id, 30_000);
      expect(run.status).toBe('SUCCEEDED');
      expect(run.attempts).toBe(2);

      const activeClients = sim.control.list('clients', (c) => c.inactive !== true).length;
      const generalUsers = new Set(sim.control.generalUserIds());
      const activeUsers = sim.control.list('users', (u) => u.inactive !== true && !generalUsers.has(u.id as number)).length;
      expect(await count('company')).toEqual({ n: activeClients, d: activeClients });
      expect(await count('contact')).toEqual({ n: activeUsers, d: activeUsers });
      expect(await count('quote')).toEqual({ n: sim.control.count('quotes'), d: sim.control.count('quotes') });
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      sim.control.clearFaults();
    }
  }, 90_000);

  it('two processes on the same schedule start one run per slot', async () => {
    const a = await startTestApp({ ROLES: 'scheduler' }, { databaseUrl: db.url });
    const b = await startTestApp({ ROLES: 'scheduler' }, { databaseUrl: db.url });
    others.push(a, b);
    const spec = { name: 'all', cron: '*/15 * * * *', entities: null };
    const before = await a.app.orm.em.fork().count(SyncRun, { tenantId: tenant.tenantId });
    const slot = new Date('2026-11-28T12:15:00.000Z');
    const results = await Promise.all([a.app.sync.scheduler.fire(spec, slot), b.app.sync.scheduler.fire(spec, slot), a.app.sync.scheduler.fire(spec, slot)]);
    expect(results.filter((r) => r.claimed)).toHaveLength(1);
    const after = await a.app.orm.em.fork().count(SyncRun, { tenantId: tenant.tenantId });
    expect(after - before).toBe(1);
    // The next slot is claimed again, by exactly one of them.
    const next = await Promise.all([a.app.sync.scheduler.fire(spec, new Date(slot.getTime() + 900_000)), b.app.sync.scheduler.fire(spec, new Date(slot.getTime() + 900_000))]);
    expect(next.filter((r) => r.claimed)).toHaveLength(1);
  });
});

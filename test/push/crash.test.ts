import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HaloSim } from '../../src/halo-sim';
import { Company, Item, Quote } from '../../src/db/entities';
import { CreateQuoteDocument, QuoteDetailDocument, SetQuoteStatusDocument } from '../generated/graphql';
import { startTestApp, TEST_ENCRYPTION_KEYS, type TestApp } from '../support/app';
import { createTestDatabase } from '../support/db';
import { startSim } from '../support/halo';
import { configureDefaults, GROUPS, useHalosQuoteLineNames } from '../support/mappings';
import { until } from '../support/wait';
import { connect } from '../support/sync';

const MAIN = path.resolve(__dirname, '../../dist/src/main.js');
const WORKER_ENV = { PUSH_LEASE_SECONDS: '2', JOB_POLL_SECONDS: '0.5', HALO_RATE_LIMIT_PER_5MIN: '100000', PUSH_RETRY_BASE_MS: '50' };


describe('a worker killed mid-push', () => {
  let sim: HaloSim;
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let api: TestApp;
  let worker: TestApp | undefined;
  let tenant: Awaited<ReturnType<TestApp['newTenant']>>;

  beforeAll(async () => {
    [sim, db] = await Promise.all([startSim(), createTestDatabase()]);
    // Serves GraphQL only: pushes are left to the worker processes the test starts and kills.
    api = await startTestApp({ ROLES: 'api' }, { databaseUrl: db.url });
    tenant = await api.newTenant('Acme Managed Services', 'acme.example');
    await connect(tenant.gql, sim);
    await configureDefaults(tenant.gql, Number(sim.control.list('items', (i) => i.assetgroup_id === GROUPS.services)[0].id), sim.truth.lookupIds);
    // The quotation is read back after the push: the tenant names the line fields this seed's Halo reads.
    await useHalosQuoteLineNames(tenant.gql, sim.truth);
    const run = await api.app.sync.service.start(api.app.orm.em.fork(), tenant.tenantId, { kind: 'FULL', entities: ['productGroups', 'companies', 'items'] });
    await api.app.sync.engine.execute(run.id);
  });
  afterAll(async () => {
    await worker?.app.stop();
    await api?.app.stop();
    await db?.drop();
    await sim?.stop();
  });

  it('after Halo applied the quotation but before we recorded it: the next worker finds it, no loss, no duplicate', async () => {
    const em = api.app.orm.em.fork();
    const company = (await em.find(Company, { tenantId: tenant.tenantId, haloId: { $ne: null } }, { limit: 1 }))[0];
    const item = (await em.find(Item, { tenantId: tenant.tenantId }, { limit: 1 }))[0];
    const { createQuote } = await tenant.gql.expectData(CreateQuoteDocument, {
      input: { companyId: company.id, title: 'Crash test', lines: [{ itemId: item.id, quantity: '3' }] },
    });
    await tenant.gql.expectData(SetQuoteStatusDocument, { id: createQuote.id, status: 'APPROVED' });
    const ours = () => sim.control.list('quotes', (q) => q.third_party_number === createQuote.reference);

    // Halo saves the quotation, then sits on the answer: the worker is killed while it waits.
    sim.control.setFault({ kind: 'timeoutAfterApply', match: { method: 'POST', path: '/api/Quotation' }, count: 1, ms: 10_000 });
    const child = spawn(process.execPath, [MAIN], {
      env: { PATH: process.env.PATH, DATABASE_URL: db.url, ROLES: 'worker', PORT: '0', HOST: '127.0.0.1', ENCRYPTION_KEYS: TEST_ENCRYPTION_KEYS, DEMO: 'false', LOG_LEVEL: 'warn', ...WORKER_ENV },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const exited = new Promise((r) => child.once('exit', r));
    try {
      await until('Halo to save the quotation', () => ours().length === 1);
      child.kill('SIGKILL');
      await exited;
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      sim.control.clearFaults();
    }
    expect((await em.fork().findOneOrFail(Quote, { id: createQuote.id })).haloId).toBeNull();

    // Another worker takes the push over once the dead worker's lease ends, and looks the quotation up first.
    worker = await startTestApp({ ROLES: 'worker', ...WORKER_ENV }, { databaseUrl: db.url });
    const done = await until('push settled', async () => {
      const { quote } = await tenant.gql.expectData(QuoteDetailDocument, { id: createQuote.id });
      return quote?.pushState === 'PUSHED' ? quote : null;
    });
    expect(ours()).toHaveLength(1);
    expect(done.haloId).toBe(Number(ours()[0].id));
  }, 60_000);
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HaloSim } from '../../src/halo-sim';
import { startTestApp, type TestApp } from '../support/app';
import { startSim } from '../support/halo';
import { connect, syncAndWait } from '../support/sync';

describe('full sync of the demo data', () => {
  let t: TestApp;
  let sim: HaloSim;
  let tenant: Awaited<ReturnType<TestApp['newTenant']>>;
  beforeAll(async () => {
    [t, sim] = await Promise.all([startTestApp({ JOB_POLL_SECONDS: '0.5' }), startSim()]);
    tenant = await t.newTenant('Acme Managed Services', 'acme.example');
    await connect(tenant.gql, sim);
  });
  afterAll(async () => {
    await t?.stop();
    await sim?.stop();
  });

  it('runs', async () => {
    const run = await syncAndWait(tenant.gql, { full: true });
    console.log(JSON.stringify(run, null, 1).slice(0, 4000));
    expect(run.status).toBe('SUCCEEDED');
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HaloSim } from '../../src/halo-sim';
import { DisconnectHaloDocument, HaloConnectionDocument, InstallHaloWebhooksDocument } from '../generated/graphql';
import { startTestApp, type TestApp } from '../support/app';
import { startSim } from '../support/halo';
import { connect } from '../support/sync';

describe('disconnecting from Halo', () => {
  let t: TestApp;
  let sim: HaloSim;
  beforeAll(async () => {
    [t, sim] = await Promise.all([startTestApp(), startSim()]);
  });
  afterAll(async () => {
    await t?.stop();
    await sim?.stop();
  });

  it('removes our webhook from Halo and refuses what Halo still sends to the old address', async () => {
    const { gql } = await t.newTenant('Acme Managed Services', 'acme.example');
    await connect(gql, sim);
    await gql.expectData(InstallHaloWebhooksDocument);
    const hooks = sim.control.list('webhooks');
    expect(hooks).toHaveLength(1);
    const oldUrl = String(hooks[0].url);

    expect((await gql.expectData(DisconnectHaloDocument, {})).disconnectHalo).toBe(true);
    expect(sim.control.list('webhooks')).toHaveLength(0);
    expect(sim.control.list('notifications')).toHaveLength(0);
    expect((await gql.expectData(HaloConnectionDocument)).haloConnection).toBeNull();

    const late = await fetch(oldUrl, { method: 'POST', headers: { 'content-type': 'application/json', Token: 'forged' }, body: '{"id":"x"}' });
    expect([401, 404]).toContain(late.status);
  });
});

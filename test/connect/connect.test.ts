import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HaloSim } from '../../src/halo-sim';
import { ConnectHaloDocument, DisconnectHaloDocument, HaloConnectionDocument, HaloLookupsDocument, TestHaloConnectionDocument } from '../generated/graphql';
import { startTestApp, type TestApp } from '../support/app';
import { connectInput, startSim } from '../support/halo';

describe('connecting a tenant to Halo', () => {
  let t: TestApp;
  let sim: HaloSim;
  beforeAll(async () => {
    [t, sim] = await Promise.all([startTestApp(), startSim()]);
  });
  afterAll(async () => {
    await t?.stop();
    await sim?.stop();
  });

  it('connects with good credentials, in any URL form a user types, and reports the acting agent', async () => {
    const { gql } = await t.newTenant();
    const host = new URL(sim.url).host;
    for (const baseUrl of [sim.url, `${sim.url}/`, `${sim.url}/api`, host]) {
      const res = await gql.expectData(ConnectHaloDocument, { input: connectInput(sim, { baseUrl }) });
      expect(res.connectHalo.failedStep, baseUrl).toBeNull();
      expect(res.connectHalo.ok).toBe(true);
      expect(res.connectHalo.steps.map((s) => s.step)).toEqual(['url', 'auth_server', 'token', 'agent', 'list_clients', 'teams', 'webhooks', 'pipeline_stages']);
    }
    const { haloConnection } = await gql.expectData(HaloConnectionDocument);
    expect(haloConnection).toMatchObject({ status: 'CONNECTED', baseUrl: sim.url, clientId: sim.clientId, agentName: 'Quoting Integration', pipelineStagesEnabled: true });
    expect(haloConnection?.lastCheckedAt).toBeTruthy();

    const lookups = await gql.expectData(HaloLookupsDocument, { search: 'Acme' });
    expect(lookups.haloLookups.clients.some((c) => c.website === 'acme.example')).toBe(true);
    expect(lookups.haloLookups.productGroups.map((g) => g.name)).not.toContain('Workstations');
    expect(lookups.haloLookups.productGroups.map((g) => g.name)).toContain('Hardware');
    expect(lookups.haloLookups.opportunityTypes.map((x) => x.name)).toContain('Opportunity');
    // Quote statuses come from the confirmed lookup 39, with Halo's closed flag (value3 = '1'); test/connect/lookups.test.ts
    // covers the lookups whose ids are unknown (countries, regions, pipeline stages).
    expect(lookups.haloLookups.quoteStatuses.map((x) => x.name)).toEqual(expect.arrayContaining(['Draft', 'Sent', 'Approved', 'Declined']));
    expect(lookups.haloLookups.quoteStatuses.find((x) => x.name === 'Draft')?.closed).toBe(false);
    expect(lookups.haloLookups.quoteStatuses.find((x) => x.name === 'Declined')?.closed).toBe(true);
  });

  it('stops at the URL step for an address that is not Halo or not reachable', async () => {
    const { gql } = await t.newTenant();
    for (const baseUrl of ['not a url at all', 'http://127.0.0.1:1']) {
      const res = await gql.expectData(ConnectHaloDocument, { input: connectInput(sim, { baseUrl }) });
      expect(res.connectHalo.ok, baseUrl).toBe(false);
      expect(res.connectHalo.failedStep?.step, baseUrl).toBe('url');
      expect(res.connectHalo.failedStep?.fix, baseUrl).toMatch(/halopsa\.com/);
    }
    expect((await gql.expectData(HaloConnectionDocument)).haloConnection).toBeNull();
  });

  it('stops at the token step for a wrong secret and says where to find the right one', async () => {
    const { gql } = await t.newTenant();
    const res = await gql.expectData(ConnectHaloDocument, { input: connectInput(sim, { clientSecret: 'wrong-secret' }) });
    expect(res.connectHalo.ok).toBe(false);
    expect(res.connectHalo.failedStep?.step).toBe('token');
    expect(res.connectHalo.failedStep?.fix).toMatch(/Client Secret/);
    expect((await gql.expectData(HaloConnectionDocument)).haloConnection).toBeNull();
  });

  it('names the missing permission when the application lacks admin:webhooks, all:teams or all:standard', async () => {
    for (const missing of ['admin:webhooks', 'all:teams', 'all:standard']) {
      const { gql } = await t.newTenant();
      const app = { clientId: `app-without-${missing}`, clientSecret: `secret-${missing}` };
      sim.control.addApp({ ...app, scopes: ['all:standard', 'all:teams', 'admin:webhooks'].filter((s) => s !== missing), loginType: 'agent' });
      const res = await gql.expectData(ConnectHaloDocument, { input: connectInput(sim, app) });
      expect(res.connectHalo.ok, missing).toBe(false);
      expect(res.connectHalo.failedStep?.fix, missing).toContain(missing);
      expect((await gql.expectData(HaloConnectionDocument)).haloConnection, missing).toBeNull();
    }
  });

  it('fails at the agent step for the wrong login type and for an inactive agent', async () => {
    const { gql } = await t.newTenant();
    sim.control.addApp({ clientId: 'user-login', clientSecret: 'user-login-secret', scopes: ['all:standard', 'all:teams', 'admin:webhooks'], loginType: 'user' });
    const wrongType = await gql.expectData(ConnectHaloDocument, { input: connectInput(sim, { clientId: 'user-login', clientSecret: 'user-login-secret' }) });
    expect(wrongType.connectHalo.ok).toBe(false);
    expect(wrongType.connectHalo.failedStep?.fix).toMatch(/Login Type: Agent/);

    sim.control.addApp({ clientId: 'inactive-agent', clientSecret: 'inactive-secret', scopes: ['all:standard', 'all:teams', 'admin:webhooks'], loginType: 'agent', agentActive: false, agentId: 40 });
    const inactive = await gql.expectData(ConnectHaloDocument, { input: connectInput(sim, { clientId: 'inactive-agent', clientSecret: 'inactive-secret' }) });
    expect(inactive.connectHalo.ok).toBe(false);
    expect(inactive.connectHalo.failedStep?.fix).toMatch(/active/);
  });

  it('re-tests the stored connection, marks it failing when Halo changes, and disconnects keeping data', async () => {
    const { gql } = await t.newTenant();
    await gql.expectData(ConnectHaloDocument, { input: connectInput(sim) });
    expect((await gql.expectData(TestHaloConnectionDocument)).testHaloConnection.ok).toBe(true);

    sim.control.updateSettings({ show_pipeline_stages: false });
    try {
      const res = await gql.expectData(TestHaloConnectionDocument);
      // Pipeline stages off is reported but does not break the connection.
      expect(res.testHaloConnection.ok).toBe(true);
      expect((await gql.expectData(HaloConnectionDocument)).haloConnection?.pipelineStagesEnabled).toBe(false);
    } finally {
      sim.control.updateSettings({ show_pipeline_stages: true });
    }

    expect((await gql.expectData(DisconnectHaloDocument, {})).disconnectHalo).toBe(true);
    expect((await gql.expectData(HaloConnectionDocument)).haloConnection).toBeNull();
    const lookups = await gql.request(HaloLookupsDocument, {});
    expect(lookups.errors?.[0].extensions?.code).toBe('HALO_NOT_CONNECTED');
  });
});

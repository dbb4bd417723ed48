import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HaloSim } from '../../src/halo-sim';
import { startTestApp, type TestApp } from '../support/app';
import { startSim } from '../support/halo';
import { graphqlClient } from '../support/gql';
import { connect, syncAndWait } from '../support/sync';
import { HaloWebhookDeliveriesDocument, InstallHaloWebhooksDocument, RepairHaloWebhooksDocument, WebhookContactDocument } from '../generated/graphql';
import { ourId, waitFor } from './helpers';

/**
 * Nothing is lost while no processor runs: an API-only process stores and acknowledges deliveries, and a worker
 * started later (here after the API process is gone) processes them.
 */
describe('Halo webhooks while the processor is down', () => {
  let first: TestApp;
  let sim: HaloSim;
  let tenantId: string;
  let apiKey: string;
  const apps: TestApp[] = [];

  beforeAll(async () => {
    [first, sim] = await Promise.all([startTestApp({ JOB_POLL_SECONDS: '0.5' }), startSim()]);
    const tenant = await first.newTenant('Acme Managed Services', 'acme.example');
    ({ tenantId, apiKey } = tenant);
    await connect(tenant.gql, sim);
    expect((await syncAndWait(tenant.gql, { full: true })).status).toBe('SUCCEEDED');
    expect((await tenant.gql.expectData(InstallHaloWebhooksDocument)).installHaloWebhooks.ok).toBe(true);
    // Contact events are real time only once an admin ticks them for our webhook in Halo.
    sim.control.adminSubscribe(String(sim.control.list('webhooks')[0]!.id), { table: 'users', trigger: 'updated' });
    await first.app.stop();
  });
  afterAll(async () => {
    for (const a of apps) await a.app.stop();
    await first?.stop();
    await sim?.stop();
  });

  it('processes after restart what arrived while no processor ran', async () => {
    const databaseUrl = first.app.config.database.url!;
    const apiOnly = await startTestApp({ ROLES: 'api', JOB_POLL_SECONDS: '0.5' }, { databaseUrl });
    apps.push(apiOnly);
    const gqlApi = graphqlClient(apiOnly.url, apiKey);
    // The API process listens elsewhere: point the webhook at it.
    expect((await gqlApi.expectData(RepairHaloWebhooksDocument)).repairHaloWebhooks.ok).toBe(true);

    const user = sim.control.list('users')[2];
    const id = (await ourId(apiOnly.app.orm, 'contact', tenantId, user.id as number))!;
    sim.control.update('users', user.id as number, { phonenumber: '+1 555 7777' });
    await sim.control.webhooksIdle();
    const delivered = sim.control.webhookDeliveries().filter((d) => d.objectId === user.id);
    expect(delivered.map((d) => [d.outcome, d.responseStatus])).toEqual([['delivered', 202]]);

    await new Promise((r) => setTimeout(r, 1_500));
    const { haloWebhookDeliveries } = await gqlApi.expectData(HaloWebhookDeliveriesDocument, { first: 1 });
    expect(haloWebhookDeliveries[0]).toMatchObject({ haloObjectId: user.id, status: 'RECEIVED' });
    expect((await gqlApi.expectData(WebhookContactDocument, { id })).contact?.phone).not.toBe('+1 555 7777');
    await apiOnly.app.stop();

    const worker = await startTestApp({ ROLES: 'api,worker', JOB_POLL_SECONDS: '0.5' }, { databaseUrl });
    apps.push(worker);
    const gql = graphqlClient(worker.url, apiKey);
    await waitFor('processed after restart', async () => (await gql.expectData(WebhookContactDocument, { id })).contact?.phone === '+1 555 7777', 10_000);
    // The record is written first, then its delivery marked processed: wait for the mark too.
    const ours = async () => (await gql.expectData(HaloWebhookDeliveriesDocument, { first: 5 })).haloWebhookDeliveries.filter((d) => d.haloObjectId === user.id);
    await waitFor('delivery marked processed', async () => (await ours()).every((d) => d.status !== 'RECEIVED' && d.status !== 'PROCESSING'), 10_000);
    expect(await ours()).toMatchObject([{ status: 'PROCESSED', outcome: 'WRITTEN' }]);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HaloSim } from '../../src/halo-sim';
import { startTestApp, type TestApp } from '../support/app';
import { startSim } from '../support/halo';
import { connect, syncAndWait } from '../support/sync';
import {
  HaloWebhookDeliveriesDocument,
  HaloWebhooksDocument,
  InstallHaloWebhooksDocument,
  RepairHaloWebhooksDocument,
  RetryHaloWebhookDeliveriesDocument,
  WebhookChecklistDocument,
  WebhookCompanyDocument,
  WebhookContactDocument,
  WebhookItemsDocument,
  WebhookOpportunityDocument,
} from '../generated/graphql';
import { deliveryCount, haloPayload, ourId, signed, waitFor, webhookPath } from './helpers';

/** Halo's real-time path end to end: simulator edits → signed deliveries → our receiver → refetch → GraphQL. */
describe('Halo webhooks', () => {
  let t: TestApp;
  let sim: HaloSim;
  let tenant: Awaited<ReturnType<TestApp['newTenant']>>;
  let hookUrl: string;
  let secret: string;
  const visibleWithin = 2_000;

  const contactPhone = async (haloId: number) => {
    const id = await ourId(t.app.orm, 'contact', tenant.tenantId, haloId);
    return id ? (await tenant.gql.expectData(WebhookContactDocument, { id })).contact : null;
  };

  beforeAll(async () => {
    [t, sim] = await Promise.all([startTestApp({ JOB_POLL_SECONDS: '0.5' }), startSim()]);
    tenant = await t.newTenant('Acme Managed Services', 'acme.example');
    await connect(tenant.gql, sim);
    const run = await syncAndWait(tenant.gql, { full: true });
    expect(run.status).toBe('SUCCEEDED');
  });
  afterAll(async () => {
    await t?.stop();
    await sim?.stop();
  });

  it('reports nothing installed before the install', async () => {
    const { haloWebhooks } = await tenant.gql.expectData(HaloWebhooksDocument);
    expect(haloWebhooks).toMatchObject({ ok: false, installed: false, issues: [{ code: 'NOT_INSTALLED' }] });
    const { setupChecklist } = await tenant.gql.expectData(WebhookChecklistDocument);
    expect(setupChecklist.find((c) => c.id === 'webhooks')?.status).toBe('ACTION_NEEDED');
  });

  it('installs exactly one webhook with one subscription per event of the four groups; a second install changes nothing', async () => {
    sim.control.resetCounts();
    const { installHaloWebhooks: first } = await tenant.gql.expectData(InstallHaloWebhooksDocument);
    expect(first.ok, JSON.stringify(first.issues)).toBe(true);
    expect(first.changes.length).toBeGreaterThan(0);
    const hooks = sim.control.list('webhooks');
    expect(hooks).toHaveLength(1);
    expect(hooks[0]).toMatchObject({ url: first.expectedUrl, authentication_type: 3, authentication_header: 'Token', active: true });
    const subs = sim.control.list('notifications', (n) => n.webhook_id === hooks[0].id);
    expect(subs.map((n) => Number(n.eventno)).sort((a, b) => a - b)).toEqual([1, 3, 61, 62, 201, 202, 203, 211, 212, 213, 221, 222, 223, 231, 233]);
    expect(new Set(first.subscriptions.map((s) => s.group))).toEqual(new Set(['companies', 'products', 'opportunities', 'contacts']));
    expect(first.polled.join(' ')).toMatch(/item edits/);
    hookUrl = first.expectedUrl!;
    secret = String(hooks[0].basic_password);

    sim.control.resetCounts();
    const { installHaloWebhooks: again } = await tenant.gql.expectData(InstallHaloWebhooksDocument);
    expect(again.ok).toBe(true);
    expect(again.changes).toEqual([]);
    expect(sim.control.requestCount({ method: 'POST' })).toBe(0);
    expect(sim.control.requestCount({ method: 'DELETE' })).toBe(0);
    expect(sim.control.list('webhooks')).toHaveLength(1);
    expect(sim.control.list('notifications')).toHaveLength(15);

    const { setupChecklist } = await tenant.gql.expectData(WebhookChecklistDocument);
    expect(setupChecklist.find((c) => c.id === 'webhooks')?.status).toBe('OK');
    const coverage = setupChecklist.find((c) => c.id === 'realtime_coverage')!;
    expect(coverage.status).toBe('OK');
    expect(coverage.detail).toMatch(/Real time.*contacts.*Polled.*item edits.*opportunity edits other than status/s);
  });

  it('shows a contact phone change within 2 seconds', async () => {
    const user = sim.control.list('users')[0];
    const phone = `+44 20 7946 ${String(Date.now()).slice(-4)}`;
    sim.control.update('users', user.id as number, { phonenumber: phone });
    const { ms } = await waitFor('phone visible', async () => (await contactPhone(user.id as number))?.phone === phone, visibleWithin);
    expect(ms).toBeLessThan(visibleWithin);
    const { haloWebhookDeliveries } = await tenant.gql.expectData(HaloWebhookDeliveriesDocument, { first: 5 });
    expect(haloWebhookDeliveries[0]).toMatchObject({ event: 'user updated', entity: 'contacts', action: 'updated', haloObjectId: user.id, status: 'PROCESSED', outcome: 'WRITTEN' });
  });

  it('shows a company rename within 2 seconds', async () => {
    const client = sim.control.list('clients', (c) => c.id !== sim.control.primaryClientId && c.inactive !== true)[0];
    const id = (await ourId(t.app.orm, 'company', tenant.tenantId, client.id as number))!;
    sim.control.update('clients', client.id as number, { name: 'Renamed Webhook Ltd' });
    const { ms } = await waitFor('name visible', async () => (await tenant.gql.expectData(WebhookCompanyDocument, { id })).company?.name === 'Renamed Webhook Ltd', visibleWithin);
    expect(ms).toBeLessThan(visibleWithin);
  });

  it('shows an opportunity status change within 2 seconds', async () => {
    const opp = sim.control.list('tickets', (r) => r.tickettype_id === 32 && r.deleted !== true && r.status_id !== 24)[0];
    const id = (await ourId(t.app.orm, 'opportunity', tenant.tenantId, opp.id as number))!;
    sim.control.update('tickets', opp.id as number, { status_id: 24 });
    const { ms } = await waitFor('status visible', async () => (await tenant.gql.expectData(WebhookOpportunityDocument, { id })).opportunity?.haloStatusId === 24, visibleWithin);
    expect(ms).toBeLessThan(visibleWithin);
  });

  it('shows a new item within 2 seconds', async () => {
    sim.control.create('items', { name: 'Webhook Widget', assetgroup_id: 1, baseprice: 10, costprice: 5 });
    const { ms } = await waitFor('item visible', async () => (await tenant.gql.expectData(WebhookItemsDocument, { search: 'Webhook Widget' })).items.nodes.length === 1, visibleWithin);
    expect(ms).toBeLessThan(visibleWithin);
  });

  it('marks a contact deleted in Halo within 2 seconds', async () => {
    const user = sim.control.list('users')[3];
    sim.control.delete('users', user.id as number);
    const { ms } = await waitFor('delete visible', async () => !!(await contactPhone(user.id as number))?.deletedAt, visibleWithin);
    expect(ms).toBeLessThan(visibleWithin);
  });

  it('keeps the newest state through duplicated and reordered deliveries', async () => {
    const user = sim.control.list('users')[5];
    sim.control.setWebhookFault({ kind: 'duplicate', match: { eventno: 222 } });
    sim.control.update('users', user.id as number, { phonenumber: '+1 555 0101' });
    await sim.control.webhooksIdle();
    await waitFor('first edit', async () => (await contactPhone(user.id as number))?.phone === '+1 555 0101', visibleWithin);

    // The older of two edits is held back until the newer one has been delivered.
    sim.control.setWebhookFault({ kind: 'reorder', match: { eventno: 222 } });
    sim.control.update('users', user.id as number, { phonenumber: '+1 555 0202' });
    sim.control.update('users', user.id as number, { phonenumber: '+1 555 0303' });
    await sim.control.webhooksIdle();
    const sent = sim.control.webhookDeliveries().filter((d) => d.objectId === user.id);
    expect(sent.map((d) => d.fault)).toEqual(['duplicate', 'duplicate', 'reorder', undefined]);
    await waitFor('all processed', async () => {
      const { haloWebhookDeliveries: ds } = await tenant.gql.expectData(HaloWebhookDeliveriesDocument, { first: 20 });
      const mine = ds.filter((d) => d.haloObjectId === user.id);
      return mine.length === 4 && mine.every((d) => d.status !== 'RECEIVED' && d.status !== 'PROCESSING') && mine;
    });
    expect((await contactPhone(user.id as number))?.phone).toBe('+1 555 0303');
    const { haloWebhookDeliveries } = await tenant.gql.expectData(HaloWebhookDeliveriesDocument, { first: 20 });
    const mine = haloWebhookDeliveries.filter((d) => d.haloObjectId === user.id);
    expect(mine.filter((d) => d.status === 'DUPLICATE')).toHaveLength(1);
    // The held-back older event is STALE: a newer one for the record was applied before or with it.
    const older = mine.find((d) => d.haloDeliveryId === sent[2].id)!;
    expect(older.status).toBe('STALE');
    // Halo was asked at most once per processed delivery, never for the duplicate or the stale one.
    expect(mine.filter((d) => d.status === 'PROCESSED').length).toBeLessThanOrEqual(2);
  });

  it('never lets an old delivery for a record bring back an older state', async () => {
    const user = sim.control.list('users')[6];
    sim.control.update('users', user.id as number, { phonenumber: '+1 555 0404' });
    await waitFor('edit', async () => (await contactPhone(user.id as number))?.phone === '+1 555 0404', visibleWithin);
    const before = await deliveryCount(t.app.orm, tenant.tenantId);
    const body = haloPayload({ event: 'user updated', objectId: user.id as number, at: new Date(Date.now() - 3_600_000) });
    const res = await fetch(hookUrl, { method: 'POST', headers: signed(secret, body), body });
    expect(res.status).toBe(202);
    await waitFor('stale recorded', async () => {
      const { haloWebhookDeliveries: ds } = await tenant.gql.expectData(HaloWebhookDeliveriesDocument, { first: 1 });
      return ds[0]?.status === 'STALE';
    });
    expect(await deliveryCount(t.app.orm, tenant.tenantId)).toBe(before + 1);
    expect((await contactPhone(user.id as number))?.phone).toBe('+1 555 0404');
  });

  it('rejects unsigned, forged and wrongly addressed deliveries with 401 and stores nothing', async () => {
    const user = sim.control.list('users')[7];
    const body = haloPayload({ event: 'user deleted', objectId: user.id as number });
    const before = await deliveryCount(t.app.orm, tenant.tenantId);
    const { pathKey } = await webhookPath(t.app.orm, tenant.tenantId);
    const attempts: [string, Record<string, string>][] = [
      [hookUrl, { 'content-type': 'application/json' }],
      [hookUrl, signed('not-the-secret', body)],
      [hookUrl, { ...signed(secret, body), token: signed(secret, `${body} `).token }],
      [hookUrl, { 'content-type': 'application/json', authorization: `Basic ${Buffer.from('halo:guess').toString('base64')}` }],
      [hookUrl.replace(pathKey, pathKey.split('').reverse().join('')), signed(secret, body)],
      [hookUrl.replace(pathKey, 'short'), signed(secret, body)],
    ];
    for (const [url, headers] of attempts) {
      const res = await fetch(url, { method: 'POST', headers, body });
      expect(res.status, `${url} ${JSON.stringify(headers)}`).toBe(401);
    }
    await new Promise((r) => setTimeout(r, 200));
    expect(await deliveryCount(t.app.orm, tenant.tenantId)).toBe(before);
    expect((await contactPhone(user.id as number))?.deletedAt).toBeNull();
  });

  it('answers malformed and oversized bodies with a clear 4xx and keeps serving', async () => {
    const before = await deliveryCount(t.app.orm, tenant.tenantId);
    const post = (body: string, headers = signed(secret, body)) => fetch(hookUrl, { method: 'POST', headers, body });
    const notJson = await post('{"id": ');
    expect(notJson.status).toBe(400);
    expect(await notJson.json()).toMatchObject({ error: 'bad_payload', message: 'the body is not valid JSON' });
    const noObject = await post(JSON.stringify({ id: 'x', event: 'user updated' }));
    expect(noObject.status).toBe(400);
    expect((await noObject.json()).message).toMatch(/object_id/);
    expect((await post('[]')).status).toBe(400);
    expect((await post('"text"')).status).toBe(400);
    const big = JSON.stringify({ event: 'user updated', object_id: 1, pad: 'x'.repeat(1_100_000) });
    expect((await post(big)).status).toBe(413);
    const wrongType = await post('a=b', { ...signed(secret, 'a=b'), 'content-type': 'application/x-www-form-urlencoded' });
    expect(wrongType.status).toBe(415);
    expect(await deliveryCount(t.app.orm, tenant.tenantId)).toBe(before);
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
  });

  it('stores events it does not sync as IGNORED, and accepts a batched delivery', async () => {
    const user = sim.control.list('users')[8];
    const body = JSON.stringify([JSON.parse(haloPayload({ event: 'ticket reassigned', objectId: 5 })), JSON.parse(haloPayload({ event: 'user updated', objectId: user.id as number }))]);
    const res = await fetch(hookUrl, { method: 'POST', headers: signed(secret, body), body });
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ accepted: 2 });
    const { haloWebhookDeliveries } = await tenant.gql.expectData(HaloWebhookDeliveriesDocument, { first: 10, status: 'IGNORED' });
    expect(haloWebhookDeliveries[0]).toMatchObject({ event: 'ticket reassigned', entity: null });
  });

  it('reports a disabled webhook and repairs it', async () => {
    const hook = sim.control.list('webhooks')[0];
    sim.control.update('webhooks', hook.id as string, { active: false });
    const { haloWebhooks } = await tenant.gql.expectData(HaloWebhooksDocument);
    expect(haloWebhooks.ok).toBe(false);
    expect(haloWebhooks.issues.map((i) => i.code)).toContain('DISABLED');
    const { setupChecklist } = await tenant.gql.expectData(WebhookChecklistDocument);
    expect(setupChecklist.find((c) => c.id === 'webhooks')).toMatchObject({ status: 'ACTION_NEEDED' });
    expect(setupChecklist.find((c) => c.id === 'realtime_coverage')).toMatchObject({ status: 'WARNING' });

    const { repairHaloWebhooks } = await tenant.gql.expectData(RepairHaloWebhooksDocument);
    expect(repairHaloWebhooks.ok, JSON.stringify(repairHaloWebhooks.issues)).toBe(true);
    expect(repairHaloWebhooks.changes.join(' ')).toMatch(/inactive/);
    expect(sim.control.get('webhooks', hook.id as string)?.active).toBe(true);
  });

  it('reports a deleted webhook and a wrong URL, and repairs them', async () => {
    const hook = sim.control.list('webhooks')[0];
    sim.control.delete('webhooks', hook.id as string);
    const { haloWebhooks: gone } = await tenant.gql.expectData(HaloWebhooksDocument);
    expect(gone.issues.map((i) => i.code)).toEqual(['MISSING']);
    const { repairHaloWebhooks } = await tenant.gql.expectData(RepairHaloWebhooksDocument);
    expect(repairHaloWebhooks.ok).toBe(true);
    expect(sim.control.list('webhooks')).toHaveLength(1);
    expect(sim.control.list('notifications')).toHaveLength(15);

    const again = sim.control.list('webhooks')[0];
    sim.control.update('webhooks', again.id as string, { url: 'https://elsewhere.example/hook' });
    const { haloWebhooks: moved } = await tenant.gql.expectData(HaloWebhooksDocument);
    expect(moved.issues.map((i) => i.code)).toContain('WRONG_URL');
    expect((await tenant.gql.expectData(RepairHaloWebhooksDocument)).repairHaloWebhooks.ok).toBe(true);

    // Real time works again after the repair.
    const user = sim.control.list('users')[9];
    sim.control.update('users', user.id as number, { phonenumber: '+1 555 0909' });
    await waitFor('phone after repair', async () => (await contactPhone(user.id as number))?.phone === '+1 555 0909', visibleWithin);
  });

  it('records a delivery whose refetch fails as FAILED with the reason, and retries it on request', async () => {
    const user = sim.control.list('users')[10];
    sim.control.setFault({ kind: 'error5xx', status: 400, match: { method: 'GET', path: `/api/Users/${String(user.id)}` }, count: 20 });
    try {
      sim.control.update('users', user.id as number, { phonenumber: '+1 555 1111' });
      const { value: failed } = await waitFor('failed', async () => {
        const { haloWebhookDeliveries: ds } = await tenant.gql.expectData(HaloWebhookDeliveriesDocument, { first: 5, status: 'FAILED' });
        return ds.find((d) => d.haloObjectId === user.id);
      });
      expect(failed.error).toBeTruthy();
    } finally {
      sim.control.clearFaults();
    }
    expect((await tenant.gql.expectData(RetryHaloWebhookDeliveriesDocument, {})).retryHaloWebhookDeliveries).toBeGreaterThanOrEqual(1);
    await waitFor('retried', async () => (await contactPhone(user.id as number))?.phone === '+1 555 1111');
  });
});

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HaloSim } from '../../src/halo-sim';
import { loadConfig } from '../../src/config';
import { startTestApp, TEST_ENCRYPTION_KEYS, type TestApp } from '../support/app';
import { startSim } from '../support/halo';
import { connect } from '../support/sync';
import { HaloWebhookDeliveriesDocument, HaloWebhookReceiptDocument, InstallHaloWebhooksDocument } from '../generated/graphql';
import { deliveryCount, haloPayload, signed, waitFor, webhookPath } from './helpers';

const HOUR = 3_600_000;

/**
 * What the receiver does with deliveries that are not simply new and well-formed (issue 14): paths that are not
 * a path key at all, ids beyond Halo's, replays of what it already holds, events outside the replay window, and
 * records the database refuses. Every answer is a 2xx or a clear 4xx, never a 500; no log line carries a body, a
 * statement or a stack; no API answer carries SQL or row values.
 */
describe('webhook receipt: malformed paths, replays, the replay window, refused records', () => {
  let t: TestApp;
  let sim: HaloSim;
  let tenant: Awaited<ReturnType<TestApp['newTenant']>>;
  let hookUrl: string;
  let secret: string;
  const post = (body: string, url = hookUrl) => fetch(url, { method: 'POST', headers: signed(secret, body), body });
  const receipt = async () => (await tenant.gql.expectData(HaloWebhookReceiptDocument)).haloWebhooks.receipt;
  const logSince = (from: number) => t.logLines.slice(from);
  const deliveries = async (first = 50) => (await tenant.gql.expectData(HaloWebhookDeliveriesDocument, { first })).haloWebhookDeliveries;

  beforeAll(async () => {
    [t, sim] = await Promise.all([startTestApp({ JOB_POLL_SECONDS: '0.5' }), startSim()]);
    tenant = await t.newTenant('Receipt MSP', 'receipt.example');
    await connect(tenant.gql, sim);
    const { installHaloWebhooks } = await tenant.gql.expectData(InstallHaloWebhooksDocument);
    expect(installHaloWebhooks.ok, JSON.stringify(installHaloWebhooks.issues)).toBe(true);
    hookUrl = installHaloWebhooks.expectedUrl!;
    secret = String(sim.control.list('webhooks')[0]!.basic_password);
  });
  afterAll(async () => {
    await t?.stop();
    await sim?.stop();
  });

  it('answers a path with a malformed percent-escape like an unknown path key (401), with no stack in the log', async () => {
    const { pathKey } = await webhookPath(t.app.orm, tenant.tenantId);
    const body = haloPayload({ event: 'user updated', objectId: 1 });
    const from = t.logLines.length;
    for (const path of ['%ZZ', '%', '%E0%A4%A', `${pathKey}%ZZ`, `%${pathKey}`]) {
      const res = await fetch(`${t.url}/webhooks/halo/${path}`, { method: 'POST', headers: signed(secret, body), body });
      expect(res.status, path).toBe(401);
      expect(await res.json()).toEqual({ error: 'unauthorized', message: 'Unknown webhook path or bad signature.' });
    }
    const lines = logSince(from);
    expect(lines.join('\n')).not.toMatch(/URIError|"stack"|\bat .*\.(js|ts):\d+/);
    // At most the one-line request log per request, at debug level: nothing worth a warning.
    expect(lines.filter((l) => /"level":(40|50|60)/.test(l))).toEqual([]);
    expect(lines.length).toBeLessThanOrEqual(5);
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
  });

  it('refuses an object_id beyond Halo’s record ids with 400, stores nothing, and keeps the body out of the log', async () => {
    const before = await deliveryCount(t.app.orm, tenant.tenantId);
    const from = t.logLines.length;
    const marker = randomUUID();
    const single = haloPayload({ event: 'user updated', objectId: 99_999_999_999, id: marker });
    const res = await post(single);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'bad_payload', message: 'the event has an "object_id" larger than any Halo record id (2147483647)' });
    const batch = JSON.stringify([JSON.parse(haloPayload({ event: 'user updated', objectId: 5 })), JSON.parse(haloPayload({ event: 'user updated', objectId: 2 ** 31, id: marker }))]);
    const batched = await post(batch);
    expect(batched.status).toBe(400);
    expect((await batched.json()).message).toBe('event [1] has an "object_id" larger than any Halo record id (2147483647)');
    expect(await deliveryCount(t.app.orm, tenant.tenantId)).toBe(before);
    expect(logSince(from).filter((l) => l.includes(marker))).toEqual([]);
    expect(logSince(from).filter((l) => /"level":(50|60)/.test(l))).toEqual([]);
  });

  it('stores a delivery whose strings hold characters Postgres text cannot (NUL, a lone surrogate) instead of failing', async () => {
    const before = await deliveryCount(t.app.orm, tenant.tenantId);
    const body = haloPayload({ event: 'user updated\u0000', objectId: 3, id: `nul\u0000-${randomUUID()}\ud800` });
    const res = await post(body);
    expect(res.status).toBe(202);
    expect(await deliveryCount(t.app.orm, tenant.tenantId)).toBe(before + 1);
    // The same delivery again is recognised as a replay by its (cleaned) id.
    expect((await post(body)).status).toBe(200);
    expect(await deliveryCount(t.app.orm, tenant.tenantId)).toBe(before + 1);
  });

  it('stores an exact replay of a stored delivery nowhere, answers it 200, and counts it', async () => {
    const start = await receipt();
    const user = sim.control.list('users')[0]!;
    const body = haloPayload({ event: 'user updated', objectId: user.id as number });
    const first = await post(body);
    expect(first.status).toBe(202);
    expect(await first.json()).toEqual({ accepted: 1, replays: 0 });
    const stored = await deliveryCount(t.app.orm, tenant.tenantId);
    for (let i = 0; i < 3; i++) {
      const again = await post(body);
      expect(again.status).toBe(200);
      expect(await again.json()).toEqual({ accepted: 0, replays: 1 });
    }
    expect(await deliveryCount(t.app.orm, tenant.tenantId)).toBe(stored);
    expect((await deliveries()).filter((d) => d.haloDeliveryId === JSON.parse(body).id)).toHaveLength(1);

    // A batch holding a stored event, one event twice, and a new one: only the new one is stored.
    const fresh = JSON.parse(haloPayload({ event: 'user updated', objectId: user.id as number }));
    const twice = JSON.parse(haloPayload({ event: 'user updated', objectId: user.id as number }));
    const batch = JSON.stringify([JSON.parse(body), twice, twice, fresh]);
    const res = await post(batch);
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ accepted: 2, replays: 2 });
    expect(await deliveryCount(t.app.orm, tenant.tenantId)).toBe(stored + 2);
    expect((await receipt()).replays).toBe(start.replays + 5);
  });

  it('stores one row when the same new delivery arrives several times at once', async () => {
    const user = sim.control.list('users')[1]!;
    const body = haloPayload({ event: 'user updated', objectId: user.id as number });
    const before = await deliveryCount(t.app.orm, tenant.tenantId);
    const answers = await Promise.all(Array.from({ length: 6 }, () => post(body)));
    expect(answers.map((a) => a.status).every((s) => s === 200 || s === 202)).toBe(true);
    expect(answers.filter((a) => a.status === 202)).toHaveLength(1);
    expect(await deliveryCount(t.app.orm, tenant.tenantId)).toBe(before + 1);
  });

  it('refuses, does not store, and counts a new delivery raised more than 24 h ago or more than 5 min ahead', async () => {
    const start = await receipt();
    expect(start).toMatchObject({ maxAgeSeconds: 86_400, maxFutureSeconds: 300 });
    const user = sim.control.list('users')[2]!;
    const before = await deliveryCount(t.app.orm, tenant.tenantId);
    const old = await post(haloPayload({ event: 'user updated', objectId: user.id as number, at: new Date(Date.now() - 25 * HOUR) }));
    expect(old.status).toBe(400);
    const oldBody = await old.json();
    expect(oldBody.error).toBe('outside_replay_window');
    expect(oldBody.message).toMatch(/^the event was raised at .*, more than 24 h ago: refused as a possible replay \(WEBHOOK_MAX_AGE_SECONDS\)$/);
    const ahead = await post(haloPayload({ event: 'user updated', objectId: user.id as number, at: new Date(Date.now() + 10 * 60_000) }));
    expect(ahead.status).toBe(400);
    expect((await ahead.json()).message).toMatch(/more than 5 min ahead of our clock/);
    // One stale event refuses the whole batch: nothing of it is stored.
    const mixed = JSON.stringify([JSON.parse(haloPayload({ event: 'user updated', objectId: user.id as number })), JSON.parse(haloPayload({ event: 'user updated', objectId: 7, at: new Date(Date.now() - 48 * HOUR) }))]);
    const mixedRes = await post(mixed);
    expect(mixedRes.status).toBe(400);
    expect((await mixedRes.json()).message).toMatch(/^event \[1\] was raised at/);
    expect(await deliveryCount(t.app.orm, tenant.tenantId)).toBe(before);

    const after = await receipt();
    expect(after.refused).toBe(start.refused + 4);
    expect(after.lastRefusal).toMatch(/^event \[1\] was raised at .*more than 24 h ago/);
    expect(after.lastRefusedAt).toBeTruthy();

    // Inside the window: accepted (an hour-old event is processed, or found stale, as before).
    expect((await post(haloPayload({ event: 'user updated', objectId: user.id as number, at: new Date(Date.now() - 23 * HOUR) }))).status).toBe(202);
    expect((await post(haloPayload({ event: 'user updated', objectId: user.id as number, at: new Date(Date.now() + 60_000) }))).status).toBe(202);
    expect(await deliveryCount(t.app.orm, tenant.tenantId)).toBe(before + 2);
  });

  it('answers an exact replay of a stored delivery 200 even when it is older than the window', async () => {
    const user = sim.control.list('users')[3]!;
    const body = haloPayload({ event: 'user updated', objectId: user.id as number, at: new Date(Date.now() - 23 * HOUR) });
    expect((await post(body)).status).toBe(202);
    // The same delivery (by its id) whose event time is outside the window by now: we hold it, so 200, nothing stored.
    const before = await deliveryCount(t.app.orm, tenant.tenantId);
    const later = JSON.stringify({ ...JSON.parse(body), timestamp: new Date(Date.now() - 47 * HOUR).toISOString() });
    expect((await post(later)).status).toBe(200);
    expect(await deliveryCount(t.app.orm, tenant.tenantId)).toBe(before);
  });

  it('fails only the delivery whose record the database refuses, with a classified message and no SQL, and does not retry it', async () => {
    // A price no numeric(18,4) column holds: Halo's record is fine by Halo, and our database refuses it.
    const good = sim.control.create('items', { name: 'Receipt Widget', assetgroup_id: 1, baseprice: 12.5, costprice: 5 });
    const bad = sim.control.create('items', { name: 'Receipt Gadget', assetgroup_id: 1, baseprice: 1e20, costprice: 5 });
    const goodBody = JSON.parse(haloPayload({ event: 'item updated', objectId: good.id as number }));
    const badBody = JSON.parse(haloPayload({ event: 'item updated', objectId: bad.id as number }));
    const from = t.logLines.length;
    const res = await post(JSON.stringify([goodBody, badBody]));
    expect(res.status).toBe(202);
    const { value: settled } = await waitFor('both settled', async () => {
      const ds = (await deliveries()).filter((d) => d.haloDeliveryId === goodBody.id || d.haloDeliveryId === badBody.id);
      return ds.length === 2 && ds.every((d) => d.status === 'PROCESSED' || d.status === 'FAILED') && ds;
    });
    const ofGood = settled.find((d) => d.haloDeliveryId === goodBody.id)!;
    const ofBad = settled.find((d) => d.haloDeliveryId === badBody.id)!;
    expect(ofGood).toMatchObject({ status: 'PROCESSED', outcome: 'WRITTEN', error: null });
    expect(ofBad).toMatchObject({
      status: 'FAILED',
      attempts: 1,
      error: 'The record could not be saved: a value is out of range for its column (code NUMERIC_OUT_OF_RANGE)',
    });
    const listing = JSON.stringify(await deliveries(200));
    expect(listing).not.toMatch(/insert into|select |100000000000000000000|Receipt Gadget/i);
    // The details are in the log: where, and which SQLSTATE; never the statement, the row values or the body.
    const lines = logSince(from).join('\n');
    expect(lines).toMatch(/a record of a webhook batch was refused; writing each on its own/);
    expect(lines).toMatch(/"sqlstate":"22003"/);
    expect(lines).toMatch(/"code":"NUMERIC_OUT_OF_RANGE"/);
    expect(lines).not.toMatch(/insert into|100000000000000000000|Receipt Gadget/i);
  });

  it('reads the replay window from the environment, and names a bad value', () => {
    const base = { DATABASE_URL: 'postgresql://x@h/db', ENCRYPTION_KEYS: TEST_ENCRYPTION_KEYS, DEMO: 'false' };
    expect(loadConfig(base).webhooks).toEqual({ maxAgeMs: 24 * HOUR, maxFutureMs: 5 * 60_000 });
    expect(loadConfig({ ...base, WEBHOOK_MAX_AGE_SECONDS: '7200', WEBHOOK_MAX_FUTURE_SECONDS: '0' }).webhooks).toEqual({ maxAgeMs: 2 * HOUR, maxFutureMs: 0 });
    expect(() => loadConfig({ ...base, WEBHOOK_MAX_AGE_SECONDS: 'a day', WEBHOOK_MAX_FUTURE_SECONDS: '-1' })).toThrow(/WEBHOOK_MAX_AGE_SECONDS[\s\S]*WEBHOOK_MAX_FUTURE_SECONDS/);
  });
});

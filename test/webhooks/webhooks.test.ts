import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HaloSim } from '../../src/halo-sim';
import { startTestApp, type TestApp } from '../support/app';
import { startSim } from '../support/halo';
import { connect, syncAndWait, waitForRun } from '../support/sync';
import {
  HaloWebhookDeliveriesDocument,
  HaloWebhooksDocument,
  InstallHaloWebhooksDocument,
  RepairHaloWebhooksDocument,
  RetryHaloWebhookDeliveriesDocument,
  SetHaloWebhookEventsDocument,
  WebhookChecklistDocument,
  WebhookCompanyDocument,
  WebhookContactDocument,
  WebhookItemsDocument,
  WebhookOpportunityDocument,
  type HaloWebhooksReportFragment,
} from '../generated/graphql';
import { coverageMap, deliveryCount, haloPayload, nonTicketEventNumbers, ourId, signed, truthEvent, waitFor, webhookPath } from './helpers';

const TICKET_EVENTS = [3, 61, 76, 1072];
/** Changes made in Halo must be visible through our API within this (a deadline, not a measurement). */
const VISIBLE_WITHIN = 2_000;

/**
 * Halo's real-time path end to end, judged by what Halo holds: simulator edits → signed deliveries → our receiver →
 * refetch → GraphQL. The simulator's non-ticket event numbers and names come from its seed (HALO_SIM_SEED), so
 * nothing here can pass because the product and the simulator share a guess.
 */
describe('Halo webhooks', () => {
  let t: TestApp;
  let sim: HaloSim;
  let tenant: Awaited<ReturnType<TestApp['newTenant']>>;
  let hookUrl: string;
  let secret: string;
  const hookId = () => String(sim.control.list('webhooks')[0]!.id);
  const report = async () => (await tenant.gql.expectData(HaloWebhooksDocument)).haloWebhooks;
  const checklist = async () => Object.fromEntries((await tenant.gql.expectData(WebhookChecklistDocument)).setupChecklist.map((c) => [c.id, c]));
  const coverageRow = (r: HaloWebhooksReportFragment, entity: string, action: string) => r.coverage.find((c) => c.entity === entity && c.action === action)!;
  /** The event numbers Halo holds on our webhook. */
  const heldNumbers = () => sim.control.list('notifications', (n) => n.webhook_id === hookId()).map((n) => Number(n.eventno));

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

  it('reports nothing installed before the install, and nothing as real time', async () => {
    const haloWebhooks = await report();
    expect(haloWebhooks).toMatchObject({ ok: false, installed: false, issues: [{ code: 'NOT_INSTALLED' }] });
    expect(haloWebhooks.coverage.every((c) => c.state === 'MISSING')).toBe(true);
    expect(haloWebhooks.realtime).toEqual([]);
    expect((await checklist()).webhooks?.status).toBe('ACTION_NEEDED');
  });

  it('installs one webhook subscribed only to the evidenced ticket events; companies, contacts and items are MISSING with what to tick', async () => {
    sim.control.resetCounts();
    const { installHaloWebhooks: first } = await tenant.gql.expectData(InstallHaloWebhooksDocument);
    expect(first.ok, JSON.stringify(first.issues)).toBe(true);
    expect(first.changes.length).toBeGreaterThan(0);
    const hooks = sim.control.list('webhooks');
    expect(hooks).toHaveLength(1);
    expect(hooks[0]).toMatchObject({ url: first.expectedUrl, authentication_type: 3, authentication_header: 'Token', active: true });
    expect(heldNumbers().sort((a, b) => a - b)).toEqual(TICKET_EVENTS);
    // No non-ticket event number of this Halo (drawn from the seed) is subscribed to without being told.
    const unknown = nonTicketEventNumbers(sim);
    expect(heldNumbers().filter((n) => unknown.has(n))).toEqual([]);
    expect(first.subscriptions.map((s) => [s.eventno, s.origin, s.entity, s.installed])).toEqual([
      [3, 'KNOWN_EVENT', 'OPPORTUNITIES', true],
      [61, 'KNOWN_EVENT', 'OPPORTUNITIES', true],
      [76, 'KNOWN_EVENT', 'OPPORTUNITIES', true],
      [1072, 'KNOWN_EVENT', 'OPPORTUNITIES', true],
    ]);

    const coverage = coverageMap(first.coverage);
    for (const action of ['created', 'updated', 'deleted']) {
      expect(coverage[`opportunities:${action}`]).toBe('SUBSCRIBED');
      for (const entity of ['companies', 'sites', 'contacts', 'items']) expect(coverage[`${entity}:${action}`], `${entity} ${action}`).toBe('MISSING');
    }
    const contactsUpdated = coverageRow(first, 'CONTACTS', 'UPDATED');
    expect(contactsUpdated.fix).toContain(`Configuration > Integrations > Webhooks > "${first.webhookName}" > Events: tick the event for a user (contact) being updated`);
    expect(contactsUpdated.fix).toContain('setHaloWebhookEvents(events: [{ entity: CONTACTS, action: UPDATED, eventNumber: <number> }])');
    expect(coverageRow(first, 'ITEMS', 'UPDATED').gap).toMatch(/item-update/);
    expect(first.realtime).toEqual(['opportunities: created, status changes, deleted (subscribed in Halo, no delivery seen yet: created, updated, deleted)']);
    expect(first.polled.join('; ')).toMatch(/contacts created, updated: incremental sync of the entities without real-time coverage, every 5 minutes \("2-59\/5 \* \* \* \*"\)/);
    expect(first.polled.join('; ')).toMatch(/opportunity edits other than status/);
    hookUrl = first.expectedUrl!;
    secret = String(hooks[0]!.basic_password);

    sim.control.resetCounts();
    const { installHaloWebhooks: again } = await tenant.gql.expectData(InstallHaloWebhooksDocument);
    expect(again.ok).toBe(true);
    expect(again.changes).toEqual([]);
    expect(sim.control.requestCount({ method: 'POST' })).toBe(0);
    expect(sim.control.requestCount({ method: 'DELETE' })).toBe(0);
    expect(sim.control.list('webhooks')).toHaveLength(1);
    expect(sim.control.list('notifications')).toHaveLength(4);

    // The checklist: webhooks are OK for what Halo holds, and say nothing of contacts being real time.
    const byId = await checklist();
    expect(byId.webhooks?.status).toBe('OK');
    expect(byId.webhooks?.detail).toMatch(/covering opportunities created\/updated\/deleted; everything else is polled/);
    expect(byId.webhooks?.detail).not.toMatch(/contact/i);
    const rt = byId.realtime_coverage!;
    expect(rt.status).toBe('WARNING');
    const [realtimePart, polledPart] = rt.detail.split('Polled (scheduled sync):');
    expect(realtimePart).toMatch(/opportunities/);
    expect(realtimePart).not.toMatch(/contact|compan|item/i);
    expect(polledPart).toMatch(/contacts created, updated/);
    expect(rt.fix).toMatch(/Configuration > Integrations > Webhooks > ".*" > Events, tick the events for a customer \(client\) being created, updated, deleted; a site being created, updated, deleted; a user \(contact\) being created, updated, deleted; an item \(product\) being created, deleted/);
    expect(rt.fix).toMatch(/setHaloWebhookEvents/);
  });

  it('adopts the contact events an admin ticks in Halo: SUBSCRIBED, then REALTIME_CONFIRMED once a phone edit arrives', async () => {
    for (const trigger of ['created', 'updated', 'deleted'] as const) sim.control.adminSubscribe(hookId(), { table: 'users', trigger });
    const before = await report();
    expect(before.ok, JSON.stringify(before.issues)).toBe(true);
    expect(coverageMap(before.coverage)).toMatchObject({ 'contacts:created': 'SUBSCRIBED', 'contacts:updated': 'SUBSCRIBED', 'contacts:deleted': 'SUBSCRIBED', 'companies:updated': 'MISSING' });
    const adopted = before.subscriptions.filter((s) => s.origin === 'ADOPTED');
    expect(adopted.map((s) => [s.eventno, s.event, s.entity, s.action, s.learnedFrom])).toEqual(
      (['created', 'updated', 'deleted'] as const).map((a) => {
        const e = truthEvent(sim, 'users', a);
        return [e.eventno, e.name, 'CONTACTS', a.toUpperCase(), 'NAME'];
      }),
    );

    const user = sim.control.list('users')[0]!;
    const phone = `+44 20 7946 ${String(Date.now()).slice(-4)}`;
    sim.control.update('users', user.id as number, { phonenumber: phone });
    await waitFor('phone visible', async () => (await contactPhone(user.id as number))?.phone === phone, VISIBLE_WITHIN);
    const { haloWebhookDeliveries } = await tenant.gql.expectData(HaloWebhookDeliveriesDocument, { first: 5 });
    expect(haloWebhookDeliveries[0]).toMatchObject({
      event: truthEvent(sim, 'users', 'updated').name.toLowerCase(),
      eventno: truthEvent(sim, 'users', 'updated').eventno,
      entity: 'contacts',
      action: 'updated',
      haloObjectId: user.id,
      status: 'PROCESSED',
      outcome: 'WRITTEN',
    });

    const after = await report();
    expect(coverageMap(after.coverage)).toMatchObject({ 'contacts:updated': 'REALTIME_CONFIRMED', 'contacts:created': 'SUBSCRIBED' });
    expect(coverageRow(after, 'CONTACTS', 'UPDATED').lastDeliveryAt).toBeTruthy();
    expect(after.realtime.join('; ')).toMatch(/contacts: created, updated, deleted/);
    const rt = (await checklist()).realtime_coverage!;
    expect(rt.detail.split('Polled')[0]).toMatch(/contacts/);
    expect(rt.fix).not.toMatch(/user \(contact\)/);
  });

  it('polls the entities without real-time coverage more often, and only those', async () => {
    expect(t.app.config.schedule.uncovered).toBe('2-59/5 * * * *');
    const em = t.app.orm.em.fork();
    expect(await t.app.webhooks.service.entitiesToPoll(em, tenant.tenantId)).toEqual(['companies', 'sites', 'items']);
    const spec = { name: 'uncovered-test', cron: '* * * * *', entities: (e: typeof em, id: string) => t.app.webhooks.service.entitiesToPoll(e, id) };
    const active = async () =>
      (await em.getConnection().execute<{ id: string }[]>(`select id from sync_run where tenant_id = ? and status in ('QUEUED', 'RUNNING')`, [tenant.tenantId]))[0]?.id;
    const ours = async () =>
      (await em.getConnection().execute<{ id: string; entities: string[] }[]>(`select id, entities from sync_run where tenant_id = ? and trigger = 'schedule:uncovered-test'`, [tenant.tenantId]))[0];
    // One run per tenant at a time: a run the app's own schedules started in the meantime would take the slot.
    let run: Awaited<ReturnType<typeof ours>> | undefined;
    for (let attempt = 0; attempt < 3 && !run; attempt++) {
      const busy = await active();
      if (busy) await waitForRun(tenant.gql, busy);
      expect(await t.app.sync.scheduler.fire(spec, new Date(Date.now() + attempt * 1000))).toEqual({ claimed: true, started: 1 });
      run = await ours();
    }
    const { id, entities } = run!;
    expect(entities).toEqual(['companies', 'sites', 'items']);
    expect((await waitForRun(tenant.gql, id)).status).toBe('SUCCEEDED');
  });

  it('takes event numbers an admin tells us: validated, stored, subscribed on repair, then real time', async () => {
    const bad = await tenant.gql.request(SetHaloWebhookEventsDocument, {
      events: [
        { entity: 'COMPANIES', action: 'UPDATED', eventNumber: 0 },
        { entity: 'CONTACTS', action: 'CREATED', eventNumber: 61 },
        { entity: 'SITES', action: 'CREATED', eventNumber: 4242 },
        { entity: 'SITES', action: 'DELETED', eventNumber: 4242 },
        { entity: 'SITES', action: 'CREATED', eventNumber: 4243 },
      ],
    });
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const fieldErrors = bad.errors?.[0]?.extensions?.fieldErrors as { path: string; code: string; message: string }[];
    expect(fieldErrors.map((e) => [e.path, e.code])).toEqual([
      ['events.0.eventNumber', 'INVALID_EVENT_NUMBER'],
      ['events.1.eventNumber', 'KNOWN_TICKET_EVENT'],
      ['events.3.eventNumber', 'DUPLICATE_EVENT_NUMBER'],
      ['events.4', 'DUPLICATE_ENTITY_ACTION'],
    ]);
    expect(fieldErrors[1]!.message).toMatch(/Ticket updated/);
    expect((await report()).toldEvents).toEqual([]);

    const clientsCreated = truthEvent(sim, 'clients', 'created');
    const clientsUpdated = truthEvent(sim, 'clients', 'updated');
    const told = [
      { entity: 'COMPANIES' as const, action: 'CREATED' as const, eventNumber: clientsCreated.eventno },
      { entity: 'COMPANIES' as const, action: 'UPDATED' as const, eventNumber: clientsUpdated.eventno },
    ];
    expect((await tenant.gql.expectData(SetHaloWebhookEventsDocument, { events: told })).setHaloWebhookEvents).toEqual(told);

    // Stored and shown, not yet in Halo: the report says so and what to do.
    const pending = await report();
    expect(pending.toldEvents).toEqual(told);
    expect(pending.ok).toBe(false);
    expect(pending.issues.map((i) => i.code)).toEqual(['MISSING_SUBSCRIPTION']);
    expect(coverageRow(pending, 'COMPANIES', 'UPDATED')).toMatchObject({ state: 'MISSING', fix: expect.stringMatching(/^Repair the webhooks \(repairHaloWebhooks\) to subscribe to event \d+/) });
    expect(heldNumbers()).not.toContain(clientsUpdated.eventno);

    const { repairHaloWebhooks } = await tenant.gql.expectData(RepairHaloWebhooksDocument);
    expect(repairHaloWebhooks.ok, JSON.stringify(repairHaloWebhooks.issues)).toBe(true);
    expect(repairHaloWebhooks.changes.join(' ')).toContain(`subscribed to ${clientsCreated.eventno} halo-sync: companies created, ${clientsUpdated.eventno} halo-sync: companies updated`);
    expect(heldNumbers()).toEqual(expect.arrayContaining([clientsCreated.eventno, clientsUpdated.eventno]));
    // Every non-ticket number we hold now is one we were told (the admin's own ticks aside).
    const ours = repairHaloWebhooks.subscriptions.filter((s) => s.origin !== 'ADOPTED').map((s) => s.eventno!);
    expect(ours.filter((n) => nonTicketEventNumbers(sim).has(n)).sort()).toEqual([clientsCreated.eventno, clientsUpdated.eventno].sort());
    expect(coverageMap(repairHaloWebhooks.coverage)).toMatchObject({ 'companies:created': 'SUBSCRIBED', 'companies:updated': 'SUBSCRIBED', 'companies:deleted': 'MISSING' });
    expect(repairHaloWebhooks.subscriptions.find((s) => s.eventno === clientsUpdated.eventno)).toMatchObject({ origin: 'TOLD', entity: 'COMPANIES', action: 'UPDATED', learnedFrom: 'TOLD' });

    const client = sim.control.list('clients', (c) => c.id !== sim.control.primaryClientId && c.inactive !== true)[0]!;
    const id = (await ourId(t.app.orm, 'company', tenant.tenantId, client.id as number))!;
    sim.control.update('clients', client.id as number, { name: 'Renamed Webhook Ltd' });
    await waitFor('name visible', async () => (await tenant.gql.expectData(WebhookCompanyDocument, { id })).company?.name === 'Renamed Webhook Ltd', VISIBLE_WITHIN);
    expect(coverageMap((await report()).coverage)['companies:updated']).toBe('REALTIME_CONFIRMED');
  });

  it('learns what an unrecognisable subscription is from its first delivery, and recognises later ones by notification id', async () => {
    const sitesUpdated = truthEvent(sim, 'sites', 'updated');
    // An admin's own rule with a name that says nothing.
    const rule = sim.control.create('notifications', { webhook_id: hookId(), eventno: sitesUpdated.eventno, name: 'Ops rule 7', type: -2, delivery_method: 6 });
    const unknown = await report();
    expect(unknown.subscriptions.find((s) => s.notificationId === rule.id)).toMatchObject({ origin: 'UNRECOGNISED', entity: null, action: null });
    expect(coverageMap(unknown.coverage)['sites:updated']).toBe('MISSING');

    const site = sim.control.list('sites', (s) => s.inactive !== true)[0]!;
    sim.control.update('sites', site.id as number, { phonenumber: '+1 555 3030' });
    await sim.control.webhooksIdle();
    await waitFor('site delivery processed', async () => {
      const { haloWebhookDeliveries: ds } = await tenant.gql.expectData(HaloWebhookDeliveriesDocument, { first: 5 });
      return ds.find((d) => d.haloObjectId === site.id && d.entity === 'sites' && d.status === 'PROCESSED');
    });
    const learned = await report();
    expect(learned.subscriptions.find((s) => s.notificationId === rule.id)).toMatchObject({ origin: 'ADOPTED', entity: 'SITES', action: 'UPDATED', learnedFrom: 'DELIVERY' });
    expect(coverageMap(learned.coverage)['sites:updated']).toBe('REALTIME_CONFIRMED');

    // A later delivery through it whose name and payload tell nothing is still recognised by its notification.
    const body = haloPayload({ event: 'ops rule 7 fired', objectId: site.id as number, notificationId: rule.id as number });
    expect((await fetch(hookUrl, { method: 'POST', headers: signed(secret, body), body })).status).toBe(202);
    const { haloWebhookDeliveries } = await tenant.gql.expectData(HaloWebhookDeliveriesDocument, { first: 1 });
    expect(haloWebhookDeliveries[0]).toMatchObject({ event: 'ops rule 7 fired', entity: 'sites', action: 'updated', eventno: sitesUpdated.eventno });
    expect(haloWebhookDeliveries[0]!.status).not.toBe('IGNORED');
  });

  it('reports subscriptions an earlier version made up, never counts them, and removes them on repair', async () => {
    const legacy = sim.control.create('notifications', { webhook_id: hookId(), eventno: 201, name: 'Customer created', type: -2, delivery_method: 6 });
    const r = await report();
    expect(r.ok).toBe(false);
    expect(r.issues.map((i) => i.code)).toEqual(['OBSOLETE_SUBSCRIPTION']);
    expect(r.subscriptions.find((s) => s.notificationId === legacy.id)).toMatchObject({ origin: 'OBSOLETE', entity: null });
    const { repairHaloWebhooks } = await tenant.gql.expectData(RepairHaloWebhooksDocument);
    expect(repairHaloWebhooks.ok, JSON.stringify(repairHaloWebhooks.issues)).toBe(true);
    expect(repairHaloWebhooks.changes.join(' ')).toMatch(/deleted obsolete subscription 201 "Customer created"/);
    expect(sim.control.get('notifications', legacy.id as number)).toBeUndefined();
  });

  it('shows an opportunity status change within 2 seconds (ticket events)', async () => {
    const opp = sim.control.list('tickets', (r) => r.tickettype_id === 32 && r.deleted !== true && r.status_id !== 24)[0]!;
    const id = (await ourId(t.app.orm, 'opportunity', tenant.tenantId, opp.id as number))!;
    sim.control.update('tickets', opp.id as number, { status_id: 24 });
    await waitFor('status visible', async () => (await tenant.gql.expectData(WebhookOpportunityDocument, { id })).opportunity?.haloStatusId === 24, VISIBLE_WITHIN);
  });

  it('shows a new item within 2 seconds once an admin ticks the item events', async () => {
    sim.control.adminSubscribe(hookId(), { table: 'items', trigger: 'created' });
    sim.control.create('items', { name: 'Webhook Widget', assetgroup_id: 1, baseprice: 10, costprice: 5 });
    await waitFor('item visible', async () => (await tenant.gql.expectData(WebhookItemsDocument, { search: 'Webhook Widget' })).items.nodes.length === 1, VISIBLE_WITHIN);
  });

  it('marks a contact deleted in Halo within 2 seconds', async () => {
    const user = sim.control.list('users')[3]!;
    sim.control.delete('users', user.id as number);
    await waitFor('delete visible', async () => !!(await contactPhone(user.id as number))?.deletedAt, VISIBLE_WITHIN);
  });

  it('keeps the newest state through duplicated and reordered deliveries', async () => {
    const user = sim.control.list('users')[5]!;
    const eventno = truthEvent(sim, 'users', 'updated').eventno;
    sim.control.setWebhookFault({ kind: 'duplicate', match: { eventno } });
    sim.control.update('users', user.id as number, { phonenumber: '+1 555 0101' });
    await sim.control.webhooksIdle();
    await waitFor('first edit', async () => (await contactPhone(user.id as number))?.phone === '+1 555 0101', VISIBLE_WITHIN);

    // The older of two edits is held back until the newer one has been delivered.
    sim.control.setWebhookFault({ kind: 'reorder', match: { eventno } });
    sim.control.update('users', user.id as number, { phonenumber: '+1 555 0202' });
    sim.control.update('users', user.id as number, { phonenumber: '+1 555 0303' });
    await sim.control.webhooksIdle();
    const sent = sim.control.webhookDeliveries().filter((d) => d.objectId === user.id);
    expect(sent.map((d) => d.fault)).toEqual(['duplicate', 'duplicate', 'reorder', undefined]);
    // Halo saw every copy succeed (nothing to retry), and the second copy of the duplicated one was not stored again.
    expect(sent.map((d) => d.outcome)).toEqual(['delivered', 'delivered', 'delivered', 'delivered']);
    expect(sent.map((d) => d.responseStatus)).toEqual([202, 200, 202, 202]);
    await waitFor('all processed', async () => {
      const { haloWebhookDeliveries: ds } = await tenant.gql.expectData(HaloWebhookDeliveriesDocument, { first: 20 });
      const mine = ds.filter((d) => d.haloObjectId === user.id);
      return mine.length === 3 && mine.every((d) => d.status !== 'RECEIVED' && d.status !== 'PROCESSING') && mine;
    });
    expect((await contactPhone(user.id as number))?.phone).toBe('+1 555 0303');
    const { haloWebhookDeliveries } = await tenant.gql.expectData(HaloWebhookDeliveriesDocument, { first: 20 });
    const mine = haloWebhookDeliveries.filter((d) => d.haloObjectId === user.id);
    expect(mine.filter((d) => d.haloDeliveryId === sent[0]!.id)).toHaveLength(1);
    // The held-back older event is STALE: a newer one for the record was applied before or with it.
    const older = mine.find((d) => d.haloDeliveryId === sent[2]!.id)!;
    expect(older.status).toBe('STALE');
    // Halo was asked at most once per processed delivery, never for the duplicate or the stale one.
    expect(mine.filter((d) => d.status === 'PROCESSED').length).toBeLessThanOrEqual(2);
  });

  it('never lets an old delivery for a record bring back an older state', async () => {
    const user = sim.control.list('users')[6]!;
    sim.control.update('users', user.id as number, { phonenumber: '+1 555 0404' });
    await waitFor('edit', async () => (await contactPhone(user.id as number))?.phone === '+1 555 0404', VISIBLE_WITHIN);
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
    const user = sim.control.list('users')[7]!;
    const body = haloPayload({ event: 'user deleted', objectId: user.id as number });
    const before = await deliveryCount(t.app.orm, tenant.tenantId);
    const { pathKey } = await webhookPath(t.app.orm, tenant.tenantId);
    const attempts: [string, Record<string, string>][] = [
      [hookUrl, { 'content-type': 'application/json' }],
      [hookUrl, signed('not-the-secret', body)],
      [hookUrl, { ...signed(secret, body), token: signed(secret, `${body} `).token! }],
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

  it('stores events it cannot recognise as IGNORED, and accepts a batched delivery', async () => {
    const user = sim.control.list('users')[8]!;
    const body = JSON.stringify([JSON.parse(haloPayload({ event: 'ticket reassigned', objectId: 5 })), JSON.parse(haloPayload({ event: 'user updated', objectId: user.id as number }))]);
    const res = await fetch(hookUrl, { method: 'POST', headers: signed(secret, body), body });
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ accepted: 2 });
    const { haloWebhookDeliveries } = await tenant.gql.expectData(HaloWebhookDeliveriesDocument, { first: 10, status: 'IGNORED' });
    expect(haloWebhookDeliveries[0]).toMatchObject({ event: 'ticket reassigned', entity: null });
    // A notification id outside Halo's int range is not remembered, and does not fail the delivery.
    const odd = haloPayload({ event: 'user updated', objectId: user.id as number, notificationId: 1e12 });
    expect((await fetch(hookUrl, { method: 'POST', headers: signed(secret, odd), body: odd })).status).toBe(202);
  });

  it('reports a disabled webhook (nothing real time) and repairs it', async () => {
    const hook = sim.control.list('webhooks')[0]!;
    sim.control.update('webhooks', hook.id as string, { active: false });
    const haloWebhooks = await report();
    expect(haloWebhooks.ok).toBe(false);
    expect(haloWebhooks.issues.map((i) => i.code)).toContain('DISABLED');
    expect(haloWebhooks.coverage.every((c) => c.state === 'MISSING')).toBe(true);
    const byId = await checklist();
    expect(byId.webhooks).toMatchObject({ status: 'ACTION_NEEDED' });
    expect(byId.realtime_coverage).toMatchObject({ status: 'WARNING' });

    const { repairHaloWebhooks } = await tenant.gql.expectData(RepairHaloWebhooksDocument);
    expect(repairHaloWebhooks.ok, JSON.stringify(repairHaloWebhooks.issues)).toBe(true);
    expect(repairHaloWebhooks.changes.join(' ')).toMatch(/inactive/);
    expect(sim.control.get('webhooks', hook.id as string)?.active).toBe(true);
  });

  it('reports a deleted webhook and a wrong URL, and repairs them; what the admin ticked must be ticked again', async () => {
    const hook = sim.control.list('webhooks')[0]!;
    sim.control.delete('webhooks', hook.id as string);
    const gone = await report();
    expect(gone.issues.map((i) => i.code)).toEqual(['MISSING']);
    const { repairHaloWebhooks } = await tenant.gql.expectData(RepairHaloWebhooksDocument);
    expect(repairHaloWebhooks.ok).toBe(true);
    expect(sim.control.list('webhooks')).toHaveLength(1);
    // The ticket events and the two numbers we were told; the admin's ticks went with the old webhook.
    expect(sim.control.list('notifications')).toHaveLength(6);
    expect(coverageMap(repairHaloWebhooks.coverage)).toMatchObject({ 'contacts:updated': 'MISSING', 'companies:updated': 'REALTIME_CONFIRMED', 'opportunities:updated': 'REALTIME_CONFIRMED' });

    const again = sim.control.list('webhooks')[0]!;
    sim.control.update('webhooks', again.id as string, { url: 'https://elsewhere.example/hook' });
    const moved = await report();
    expect(moved.issues.map((i) => i.code)).toContain('WRONG_URL');
    expect((await tenant.gql.expectData(RepairHaloWebhooksDocument)).repairHaloWebhooks.ok).toBe(true);

    // Real time works again once the admin ticks the contact event for the new webhook.
    sim.control.adminSubscribe(hookId(), { table: 'users', trigger: 'updated' });
    const user = sim.control.list('users')[9]!;
    sim.control.update('users', user.id as number, { phonenumber: '+1 555 0909' });
    await waitFor('phone after repair', async () => (await contactPhone(user.id as number))?.phone === '+1 555 0909', VISIBLE_WITHIN);
  });

  it('records a delivery whose refetch fails as FAILED with the reason, and retries it on request', async () => {
    const user = sim.control.list('users')[10]!;
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

  it('forgets told numbers on an empty list, and repair removes the subscriptions made for them', async () => {
    expect((await tenant.gql.expectData(SetHaloWebhookEventsDocument, { events: [] })).setHaloWebhookEvents).toEqual([]);
    const r = await report();
    expect(r.toldEvents).toEqual([]);
    expect(r.issues.map((i) => i.code)).toEqual(['OBSOLETE_SUBSCRIPTION']);
    const { repairHaloWebhooks } = await tenant.gql.expectData(RepairHaloWebhooksDocument);
    expect(repairHaloWebhooks.ok, JSON.stringify(repairHaloWebhooks.issues)).toBe(true);
    const unknown = nonTicketEventNumbers(sim);
    const adopted = new Set(repairHaloWebhooks.subscriptions.filter((s) => s.origin === 'ADOPTED').map((s) => s.eventno));
    expect(heldNumbers().filter((n) => unknown.has(n) && !adopted.has(n))).toEqual([]);
    expect(coverageMap(repairHaloWebhooks.coverage)).toMatchObject({ 'companies:updated': 'MISSING', 'contacts:updated': 'REALTIME_CONFIRMED' });
  });
});

import { createHmac } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HaloRecord, WEBHOOK_EVENTS } from '../../src/halo-sim';
import { SimFixture, simFixture, webhookReceiver } from './helpers';

type Receiver = Awaited<ReturnType<typeof webhookReceiver>>;
const eventno = (table: string, trigger: string) => (WEBHOOK_EVENTS.find((e) => e.table === table && e.trigger === trigger) as { eventno: number }).eventno;

describe('Halo simulator: outbound webhooks', () => {
  let f: SimFixture;
  let rx: Receiver;
  let hookId: string;
  beforeAll(async () => {
    f = await simFixture();
  });
  afterAll(() => f.stop());
  beforeEach(async () => {
    rx = await webhookReceiver();
  });
  afterEach(async () => {
    f.sim.control.clearWebhookFaults();
    for (const hook of f.sim.control.list('webhooks')) f.sim.control.delete('webhooks', hook.id as string);
    await rx.close();
  });
  const control = () => f.sim.control;
  const bodies = () => rx.received.map((r) => JSON.parse(r.body) as HaloRecord);

  /** Registers a webhook and its subscriptions the way DJPSA does (note the string-typed numbers). */
  async function register(hook: HaloRecord, events: number[]): Promise<string> {
    const created = await f.post<HaloRecord>('/api/Webhook', [{
      name: 'Quoter – callback', url: rx.url, type: 0, method: 0, content_type: 'application/json', active: true, algorithm: 0,
      certificate_id: 0, inbound_authentication_type: 0, runbook_start_type: 0, ...hook,
    }]);
    expect(created.status).toBe(200);
    const id = created.json.id as string;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    for (const no of events) {
      const n = await f.post('/api/Notification', [{ webhook_id: id, type: '-2', delivery_method: '6', eventno: String(no), name: `event ${no}`, filter_type: '2', restriction_type: '0', conditions: [] }]);
      expect(n.status).toBe(200);
    }
    return id;
  }

  it('stores webhooks (GUID ids) and their notification subscriptions, listed as the webhook\'s events', async () => {
    hookId = await register({}, [61, 3]);
    const hooks = (await f.get<HaloRecord[]>('/api/Webhook')).json;
    expect(hooks).toHaveLength(1);
    expect((hooks[0]?.events as HaloRecord[]).map((e) => e.eventno)).toEqual([61, 3]);
    const subs = (await f.get<HaloRecord[]>(`/api/Notification?webhook_id=${hookId}`)).json;
    expect(subs.map((s) => s.type)).toEqual([-2, -2]);
    expect((await f.get<HaloRecord>(`/api/Webhook/${hookId}`)).json.url).toBe(rx.url);
  });

  it('turns events posted inline with a webhook into subscriptions', async () => {
    const created = await f.post<HaloRecord>('/api/Webhook', [{ name: 'inline', url: rx.url, events: [{ eventno: 61, type: -2, delivery_method: 6 }] }]);
    expect(created.json.events).toMatchObject([{ eventno: 61, webhook_id: created.json.id }]);
    expect(control().list('notifications', (n) => n.webhook_id === created.json.id)).toHaveLength(1);
  });

  it('posts the §4.2 envelope with the ticket under "ticket" when a person changes a ticket\'s status', async () => {
    hookId = await register({}, [61]);
    control().update('tickets', 1, { status_id: 22 });
    await control().webhooksIdle();
    expect(rx.received).toHaveLength(1);
    const body = bodies()[0] as HaloRecord;
    expect(body).toMatchObject({
      webhook_id: hookId, event: 'ticket updated', object_id: 1, agent_id: 2,
      id: expect.stringMatching(/^[0-9a-f-]{36}$/), escmsg_id: expect.any(String), notification_id: expect.any(Number),
      ticket: { id: 1, status_id: 22 },
    });
    expect(body.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$/);
    expect(rx.received[0]?.headers['content-type']).toBe('application/json');
  });

  it('fires no ticket update for changes other than the status (Halo\'s gap)', async () => {
    await register({}, [61, eventno('tickets', 'statusChanged')]);
    control().update('tickets', 2, { summary: 'renamed', agent_id: 5, team: 'Sales', pipeline_stage_id: 2 });
    await control().webhooksIdle();
    expect(rx.received).toHaveLength(0);
    control().update('tickets', 2, { status_id: 21 });
    await control().webhooksIdle();
    expect(bodies().map((b) => b.event).sort()).toEqual(['ticket status changed', 'ticket updated']);
  });

  it('fires for API writes too, attributed to the API agent', async () => {
    await register({}, [eventno('tickets', 'created')]);
    const created = (await f.post<HaloRecord>('/api/Opportunities', [{ summary: 'From the API', client_id: 12 }])).json;
    await control().webhooksIdle();
    expect(bodies()).toMatchObject([{ object_id: created.id, agent_id: control().apiAgentId, event: 'new ticket logged' }]);
  });

  it('fires create, update and delete for clients, sites and users', async () => {
    const tables = ['clients', 'sites', 'users'] as const;
    await register({}, tables.flatMap((t) => ['created', 'updated', 'deleted'].map((k) => eventno(t, k))));
    const client = control().create('clients', { name: 'Hooked Ltd' });
    const site = control().create('sites', { name: 'Annex', client_id: client.id });
    const user = control().create('users', { name: 'Hook User', site_id: site.id });
    control().update('users', user.id as number, { emailaddress: 'hook@hooked.example' });
    control().update('sites', site.id as number, { phonenumber: '1' });
    control().update('clients', client.id as number, { website: 'hooked.example' });
    control().delete('users', user.id as number);
    await control().webhooksIdle();
    const seen = bodies().map((b) => `${String(b.event)}:${String(b.object_id)}`);
    // A new customer always gets its main site, as in Halo.
    expect(seen).toEqual([
      `customer created:${String(client.id)}`, `site created:${String(client.main_site_id)}`, `site created:${String(site.id)}`, `user created:${String(user.id)}`,
      `user updated:${String(user.id)}`, `site updated:${String(site.id)}`, `customer updated:${String(client.id)}`, `user deleted:${String(user.id)}`,
    ]);
    expect(bodies().find((b) => b.event === 'user created')).toMatchObject({ user: { id: user.id, name: 'Hook User' } });
    expect(bodies()[0]).toMatchObject({ client: { id: client.id } });
  });

  it('fires item create and delete but never item update (Halo\'s gap)', async () => {
    await register({}, WEBHOOK_EVENTS.filter((e) => e.table === 'items').map((e) => e.eventno));
    expect(WEBHOOK_EVENTS.some((e) => e.table === 'items' && e.trigger === 'updated')).toBe(false);
    const item = control().create('items', { name: 'Hooked item' });
    control().update('items', item.id as number, { baseprice: 99 });
    control().delete('items', item.id as number);
    await control().webhooksIdle();
    expect(bodies().map((b) => b.event)).toEqual(['item created', 'item deleted']);
  });

  it('signs the raw body with HMAC-SHA256 in the Token header for authentication_type 3', async () => {
    await register({ authentication_type: 3, authentication_header: 'Token', basic_password: 's3cret' }, [eventno('clients', 'updated')]);
    control().update('clients', 3, { notes: 'sign me' });
    await control().webhooksIdle();
    const got = rx.received[0];
    expect(got?.headers.token).toBe(createHmac('sha256', 's3cret').update(got?.body ?? '').digest('base64'));
  });

  it('sends Basic credentials for authentication_type 1 and nothing for 0', async () => {
    await register({ authentication_type: 1, basic_username: 'halo', basic_password: 'pw' }, [eventno('clients', 'updated')]);
    await register({ authentication_type: 0 }, [eventno('clients', 'updated')]);
    control().update('clients', 3, { notes: 'basic' });
    await control().webhooksIdle();
    const auths = rx.received.map((r) => r.headers.authorization);
    expect(auths).toContain(`Basic ${Buffer.from('halo:pw').toString('base64')}`);
    expect(auths).toContain(undefined);
  });

  it('sends key fields only for payload_type 0 and no entity for payload_type 2', async () => {
    await register({ payload_type: 0 }, [eventno('clients', 'updated')]);
    await register({ payload_type: 2 }, [eventno('clients', 'updated')]);
    control().update('clients', 3, { notes: 'payloads' });
    await control().webhooksIdle();
    const [small, eventOnly] = bodies();
    expect(Object.keys(small?.client as HaloRecord).sort()).toEqual(['alastupdate', 'id', 'inactive', 'name', 'website']);
    expect(eventOnly?.client).toBeUndefined();
    expect(eventOnly?.object_id).toBe(3);
  });

  it('delivers nothing to inactive webhooks', async () => {
    const id = await register({ active: false }, [eventno('clients', 'updated')]);
    control().update('clients', 3, { notes: 'silent' });
    await control().webhooksIdle();
    expect(rx.received).toHaveLength(0);
    expect(control().get('webhooks', id)?.active).toBe(false);
  });

  it('logs each delivery as a WebhookEvent with request and response', async () => {
    const id = await register({}, [eventno('clients', 'updated')]);
    control().update('clients', 3, { notes: 'logged' });
    await control().webhooksIdle();
    const log = (await f.get<HaloRecord[]>(`/api/WebhookEvent?webhook_id=${id}`)).json;
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({ webhook_id: id, entity_id: 3, responsestatus: 200, responsebody: 'ok', error: false, requestbody: rx.received[0]?.body });
    const paged = await f.get<HaloRecord>(`/api/WebhookEvent?webhook_id=${id}&pageinate=true&page_size=10`);
    expect(paged.json).toMatchObject({ record_count: 1, webhookevents: [{ webhook_id: id }] });
  });

  it('logs a failed delivery with error set and does not retry', async () => {
    const failing = await webhookReceiver(500);
    try {
      const created = await f.post<HaloRecord>('/api/Webhook', [{ name: 'failing', url: failing.url }]);
      await f.post('/api/Notification', [{ webhook_id: created.json.id, eventno: eventno('clients', 'updated') }]);
      control().update('clients', 3, { notes: 'fails' });
      await control().webhooksIdle();
      expect(failing.received).toHaveLength(1);
      expect(control().webhookDeliveries().at(-1)).toMatchObject({ outcome: 'failed', responseStatus: 500 });
      expect(control().list('webhookEvents', (e) => e.webhook_id === created.json.id)).toMatchObject([{ error: true, responsestatus: 500 }]);
    } finally {
      await failing.close();
    }
  });

  it('drops, duplicates, delays and reorders deliveries on request', async () => {
    await register({}, [eventno('clients', 'updated')]);
    control().setWebhookFault({ kind: 'drop' });
    control().update('clients', 3, { notes: 'dropped' });
    await control().webhooksIdle();
    expect(rx.received).toHaveLength(0);
    expect(control().webhookDeliveries().at(-1)?.outcome).toBe('dropped');

    control().setWebhookFault({ kind: 'duplicate' });
    control().update('clients', 3, { notes: 'twice' });
    await control().webhooksIdle();
    expect(bodies().map((b) => b.id)).toEqual([bodies()[0]?.id, bodies()[0]?.id]);

    rx.received.length = 0;
    control().setWebhookFault({ kind: 'reorder' });
    control().update('clients', 3, { notes: 'first' });
    control().update('clients', 4, { notes: 'second' });
    await control().webhooksIdle();
    expect(bodies().map((b) => b.object_id)).toEqual([4, 3]);

    rx.received.length = 0;
    control().setWebhookFault({ kind: 'delay', ms: 150 });
    const started = Date.now();
    control().update('clients', 5, { notes: 'late' });
    control().update('clients', 6, { notes: 'on time' });
    await control().webhooksIdle();
    expect(bodies().map((b) => b.object_id)).toEqual([6, 5]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('sends a held-back reordered delivery last when nothing overtakes it', async () => {
    await register({}, [eventno('clients', 'updated')]);
    control().setWebhookFault({ kind: 'reorder' });
    control().update('clients', 3, { notes: 'alone' });
    await control().webhooksIdle();
    expect(bodies().map((b) => b.object_id)).toEqual([3]);
  });

  it('puts every entity under "object" when the nested-key switch says so', async () => {
    const g = await simFixture({ quirks: { webhookEntityKey: 'object' } });
    try {
      const created = await g.post<HaloRecord>('/api/Webhook', [{ name: 'obj', url: rx.url }]);
      await g.post('/api/Notification', [{ webhook_id: created.json.id, eventno: 61 }]);
      g.sim.control.update('tickets', 1, { status_id: 21 });
      await g.sim.control.webhooksIdle();
      expect(bodies()[0]).toMatchObject({ object: { id: 1, status_id: 21 } });
      expect(bodies()[0]?.ticket).toBeUndefined();
    } finally {
      await g.stop();
    }
  });
});

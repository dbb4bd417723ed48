import { createHmac } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CONFIRMED_TICKET_EVENTS, HaloRecord, PayloadKind, SimEventDef, truthFor } from '../../src/halo-sim';
import { SimFixture, simFixture, webhookReceiver } from './helpers';

type Receiver = Awaited<ReturnType<typeof webhookReceiver>>;

/** The seeds the webhook tests of the product run under (vitest.config.mts), so the simulator is checked under each. */
const SEEDS = [1, 4, 12];

describe('Halo simulator: the event catalogue', () => {
  it('holds the evidenced ticket events, and draws every other number and name from the seed', () => {
    for (const seed of SEEDS) {
      const { events } = truthFor(seed);
      expect(events.filter((e) => e.table === 'tickets').map((e) => [e.eventno, e.name, e.trigger])).toEqual([
        [3, 'New Ticket Logged', 'created'],
        [61, 'Ticket updated', 'updated'],
        [76, 'Ticket Status Changed', 'statusChanged'],
        [1072, 'Ticket Deleted', 'deleted'],
      ]);
      // Halo's gap: no item-update event.
      expect(events.some((e) => e.table === 'items' && e.trigger === 'updated')).toBe(false);
      const others = events.filter((e) => e.table !== 'tickets');
      expect(others).toHaveLength(11);
      expect(new Set(events.map((e) => e.eventno)).size).toBe(events.length);
      expect(others.every((e) => e.grade === 'unknown' && !CONFIRMED_TICKET_EVENTS.some((c) => c.eventno === e.eventno))).toBe(true);
    }
    const numbers = (seed: number) => truthFor(seed).events.filter((e) => e.table !== 'tickets').map((e) => e.eventno);
    expect(numbers(1)).not.toEqual(numbers(4));
    expect(numbers(4)).not.toEqual(numbers(12));
    // The same seed always answers the same.
    expect(truthFor(4)).toEqual(truthFor(4));
  });
});

describe.each(SEEDS)('Halo simulator: outbound webhooks (truth seed %i)', (seed) => {
  let f: SimFixture;
  let rx: Receiver;
  let hookId: string;
  const event = (table: string, trigger: string) => f.sim.truth.events.find((e) => e.table === table && e.trigger === trigger) as SimEventDef;
  const eventno = (table: string, trigger: string) => event(table, trigger).eventno;
  /** The `payload_type` value that means `kind` in this Halo (its meaning is unknown, drawn from the seed). */
  const payloadType = (kind: PayloadKind) => Number(Object.entries(f.sim.truth.payloadTypes).find(([, k]) => k === kind)![0]);
  beforeAll(async () => {
    f = await simFixture({ truthSeed: seed });
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
      certificate_id: 0, inbound_authentication_type: 0, runbook_start_type: 0, payload_type: payloadType('full'), ...hook,
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
    await register({}, [61, 76]);
    control().update('tickets', 2, { summary: 'renamed', agent_id: 5, team: 'Sales', pipeline_stage_id: 2 });
    await control().webhooksIdle();
    expect(rx.received).toHaveLength(0);
    // A status change fires both "Ticket updated" (61) and "Ticket Status Changed" (76).
    control().update('tickets', 2, { status_id: 21 });
    await control().webhooksIdle();
    expect(bodies().map((b) => b.event).sort()).toEqual(['ticket status changed', 'ticket updated']);
  });

  it('fires for API writes too, attributed to the API agent', async () => {
    await register({}, [3]);
    const created = (await f.post<HaloRecord>('/api/Opportunities', [{ summary: 'From the API', client_id: 12 }])).json;
    await control().webhooksIdle();
    expect(bodies()).toMatchObject([{ object_id: created.id, agent_id: control().apiAgentId, event: 'new ticket logged' }]);
  });

  it('fires create, update and delete for clients, sites and users, named as this Halo names them', async () => {
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
    const name = (t: string, k: string) => event(t, k).name.toLowerCase();
    // A new customer always gets its main site, as in Halo.
    expect(seen).toEqual([
      `${name('clients', 'created')}:${String(client.id)}`, `${name('sites', 'created')}:${String(client.main_site_id)}`, `${name('sites', 'created')}:${String(site.id)}`,
      `${name('users', 'created')}:${String(user.id)}`, `${name('users', 'updated')}:${String(user.id)}`, `${name('sites', 'updated')}:${String(site.id)}`,
      `${name('clients', 'updated')}:${String(client.id)}`, `${name('users', 'deleted')}:${String(user.id)}`,
    ]);
    expect(bodies().find((b) => b.event === name('users', 'created'))).toMatchObject({ user: { id: user.id, name: 'Hook User' } });
    expect(bodies()[0]).toMatchObject({ client: { id: client.id } });
  });

  it('fires item create and delete but never item update (Halo\'s gap)', async () => {
    await register({}, f.sim.truth.events.filter((e) => e.table === 'items').map((e) => e.eventno));
    const item = control().create('items', { name: 'Hooked item' });
    control().update('items', item.id as number, { baseprice: 99 });
    control().delete('items', item.id as number);
    await control().webhooksIdle();
    expect(bodies().map((b) => b.event)).toEqual([event('items', 'created').name.toLowerCase(), event('items', 'deleted').name.toLowerCase()]);
  });

  it('accepts a subscription to a number it has no event for, and never delivers through it', async () => {
    const unused = [201, 202, 221, 222, 231].find((n) => !f.sim.truth.events.some((e) => e.eventno === n))!;
    await register({}, [unused]);
    control().update('users', 1, { phonenumber: '+1 555 0000' });
    control().update('clients', 3, { notes: 'nobody hears' });
    await control().webhooksIdle();
    expect(rx.received).toHaveLength(0);
  });

  it('lets an admin tick an event for a webhook as in Halo\'s UI: a Notification named after the event', async () => {
    const id = await register({}, []);
    const users = control().webhookEventCatalogue().filter((e) => e.table === 'users');
    expect(users.map((e) => e.trigger)).toEqual(['created', 'updated', 'deleted']);
    const n = control().adminSubscribe(id, { table: 'users', trigger: 'updated' });
    expect(n).toMatchObject({ webhook_id: id, eventno: event('users', 'updated').eventno, name: event('users', 'updated').name, type: -2, delivery_method: 6 });
    // Ticking it again changes nothing; by number works too.
    expect(control().adminSubscribe(id, { eventno: event('users', 'updated').eventno }).id).toBe(n.id);
    expect(() => control().adminSubscribe(id, { table: 'items', trigger: 'updated' })).toThrow(/no event for items updated/);
    expect(() => control().adminSubscribe('00000000-0000-4000-8000-000000000000', { table: 'users', trigger: 'created' })).toThrow(/does not exist/);
    const listed = (await f.get<HaloRecord[]>(`/api/Notification?webhook_id=${id}`)).json;
    expect(listed).toMatchObject([{ id: n.id, eventno: n.eventno, name: n.name }]);

    control().update('users', 1, { phonenumber: '+1 555 0001' });
    await control().webhooksIdle();
    expect(bodies()).toMatchObject([{ event: event('users', 'updated').name.toLowerCase(), object_id: 1, notification_id: n.id, user: { id: 1 } }]);
  });

  it('mirrors the catalogue and the admin\'s tick over /_sim', async () => {
    const id = await register({}, []);
    const sim = (path: string, init?: RequestInit) => fetch(`${f.sim.url}/_sim/${path}`, init).then(async (r) => ({ status: r.status, json: (await r.json()) as any }));
    expect((await sim('webhooks/events')).json).toEqual(f.sim.truth.events);
    const ticked = await sim(`webhooks/${id}/events`, { method: 'POST', body: JSON.stringify({ table: 'clients', trigger: 'deleted' }) });
    expect(ticked).toMatchObject({ status: 200, json: { webhook_id: id, eventno: eventno('clients', 'deleted'), name: event('clients', 'deleted').name } });
    const byNumber = await sim(`webhooks/${id}/events`, { method: 'POST', body: JSON.stringify({ eventno: 61 }) });
    expect(byNumber.json).toMatchObject({ eventno: 61, name: 'Ticket updated' });
    expect((await sim(`webhooks/${id}/events`, { method: 'POST', body: JSON.stringify({ table: 'items', trigger: 'updated' }) })).status).toBe(400);
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

  it('sends key fields only, the full record or the event only, as this Halo reads payload_type', async () => {
    await register({ payload_type: payloadType('keyFields') }, [eventno('clients', 'updated')]);
    await register({ payload_type: payloadType('eventOnly') }, [eventno('clients', 'updated')]);
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
    const g = await simFixture({ truthSeed: seed, quirks: { webhookEntityKey: 'object' } });
    try {
      const created = await g.post<HaloRecord>('/api/Webhook', [{ name: 'obj', url: rx.url, payload_type: payloadType('full') }]);
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

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HaloError, createHaloLoaders, formatHaloDate, parseHaloDate } from '../../src/halo';
import { clientFor, collect, startSim, type Sim } from './helpers';

describe('paging to the minimum number of requests', () => {
  let sim: Sim;
  beforeAll(async () => {
    sim = await startSim({ scale: 'empty' });
    const type = sim.control.list('ticketTypes', (t) => t.use === 'reqs')[0] ?? sim.control.list('ticketTypes')[0];
    for (let i = 1; i <= 250; i++) sim.control.create('tickets', { summary: `Ticket ${i}`, tickettype_id: type.id });
  });
  afterAll(() => sim.stop());

  const ticketCount = () => sim.control.list('tickets', (t) => t.deleted !== true).length;

  it.each([100, 500, 1000])('N tickets with page_size %i → ceil(N / 100) requests (Halo caps tickets at 100)', async (pageSize) => {
    const client = clientFor(sim);
    await client.me();
    sim.control.resetCounts();
    const n = ticketCount();
    const rows = await client.tickets.all({}, { pageSize });
    expect(rows).toHaveLength(n);
    expect(new Set(rows.map((r) => r.id)).size).toBe(n);
    expect(sim.control.requestCount('GET /api/Tickets')).toBe(Math.ceil(n / 100));
  });

  it('stops on record_count when N is an exact multiple of the page (no empty trailing page)', async () => {
    const client = clientFor(sim);
    const type = sim.control.list('ticketTypes')[0];
    while (ticketCount() % 100 !== 0) sim.control.create('tickets', { summary: 'filler', tickettype_id: type.id });
    await client.me();
    sim.control.resetCounts();
    const rows = await client.tickets.all({}, { pageSize: 100 });
    expect(rows).toHaveLength(ticketCount());
    expect(sim.control.requestCount('GET /api/Tickets')).toBe(ticketCount() / 100);
  });
});

describe('lists, envelopes and filters', () => {
  let sim: Sim;
  beforeAll(async () => {
    sim = await startSim();
  });
  afterAll(() => sim.stop());

  it('reads envelope lists (clients) and bare arrays (statuses, asset groups, ticket types)', async () => {
    const client = clientFor(sim);
    const clients = await client.clients.all({ includeinactive: true });
    expect(clients).toHaveLength(sim.control.count('clients'));
    expect(typeof clients[0].name).toBe('string');
    expect(await client.statuses.all()).toHaveLength(sim.control.count('statuses'));
    expect(await client.assetGroups.all()).toHaveLength(sim.control.count('assetGroups'));
    expect((await client.productGroups()).every((g) => g.showasitem === true)).toBe(true);
    expect((await client.opportunityTypes()).length).toBeGreaterThan(0);
  });

  it('stops when Halo ignores page_no and sends the same page again', async () => {
    const client = clientFor(sim);
    await client.me();
    sim.control.resetCounts();
    // /Status has no paging: asked to paginate, Halo returns the whole list every time.
    const rows = await client.listAll('statuses', {}, { paginate: true, pageSize: 3 });
    expect(rows).toHaveLength(sim.control.count('statuses'));
    expect(sim.control.requestCount('GET /api/Status')).toBe(2);
  });

  it('idonly returns every id in one request', async () => {
    const client = clientFor(sim);
    await client.me();
    sim.control.resetCounts();
    const ids = await client.clients.all({ idonly: true, includeinactive: true });
    expect(ids).toHaveLength(sim.control.count('clients'));
    expect(sim.control.requestCount('GET /api/Client')).toBe(1);
    const ticketIds = await client.tickets.all({ ticketidonly: true });
    expect(ticketIds.length).toBeGreaterThan(0);
  });

  it('lastupdatefromdate sends a zone-less UTC time and finds records changed since', async () => {
    const client = clientFor(sim);
    const since = parseHaloDate(sim.control.now())!;
    const target = sim.control.list('clients')[3];
    sim.control.update('clients', target.id as number, { notes: 'changed' });
    sim.control.resetCounts();
    const changed = await client.clients.all({ lastupdatefromdate: since });
    expect(changed.map((c) => c.id)).toEqual([target.id]);
    expect(sim.control.requests('GET /api/Client')[0].query.lastupdatefromdate).toBe(formatHaloDate(since));
    expect(parseHaloDate(changed[0].alastupdate)!.getTime()).toBeGreaterThanOrEqual(since.getTime());
  });

  it('upsert returns an array whether Halo answers an object or an array', async () => {
    const client = clientFor(sim);
    const one = await client.clients.upsert([{ name: 'Solo Ltd' }]);
    expect(one).toHaveLength(1);
    expect(one[0]).toMatchObject({ name: 'Solo Ltd' });
    expect(one[0].id).toBeGreaterThan(0);
    const two = await client.clients.upsert([{ name: 'Pair A Ltd' }, { id: one[0].id, name: 'Solo Renamed Ltd' }]);
    expect(two.map((c) => c.name)).toEqual(['Pair A Ltd', 'Solo Renamed Ltd']);
    expect(sim.control.get('clients', one[0].id)?.name).toBe('Solo Renamed Ltd');
  });

  it('getById returns null for an unknown id, the record otherwise; delete removes', async () => {
    const client = clientFor(sim);
    expect(await client.items.get(999_999)).toBeNull();
    await expect(client.mustGetById('items', 999_999)).rejects.toMatchObject({ kind: 'not_found' });
    const [item] = await client.items.upsert([{ name: 'Disposable widget', assetgroup_id: Number(sim.control.list('assetGroups')[0].id) }]);
    expect((await client.items.get(item.id))?.name).toBe('Disposable widget');
    await client.items.delete(item.id);
    expect(await client.items.get(item.id)).toBeNull();
  });

  it('quotations come with lines through includedetails', async () => {
    const client = clientFor(sim);
    const quote = sim.control.list('quotes').find((q) => Array.isArray(q.lines) && (q.lines as unknown[]).length > 0)!;
    const summary = (await client.quotations.all()).find((q) => q.id === quote.id)!;
    expect(summary.lines ?? undefined).toBeUndefined();
    const full = await client.quotationWithLines(Number(quote.id));
    expect(full?.lines?.length).toBe((quote.lines as unknown[]).length);
  });

  it('settings, agent, lookups, webhooks, teams, categories, taxes, sales orders, users, sites are typed reads', async () => {
    const client = clientFor(sim);
    expect((await client.settings()).show_pipeline_stages).toBe(true);
    expect((await client.me()).id).toBe(sim.control.apiAgentId);
    const lookupId = Number(sim.control.list('lookups')[0].lookupid);
    expect((await client.lookupCodes(lookupId)).every((l) => l.lookupid === lookupId)).toBe(true);
    for (const r of ['webhooks', 'teams', 'categories', 'taxes', 'notifications', 'webhookEvents', 'salesOrders', 'users', 'sites', 'opportunities'] as const) {
      const rows = await client.listAll(r, r === 'users' || r === 'sites' ? { includeinactive: true } : {});
      expect(Array.isArray(rows), r).toBe(true);
    }
  });

  it('a validation error from a bad write carries Halo field messages', async () => {
    const client = clientFor(sim);
    const err = (await client.clients.upsert([{ id: 'abc' as unknown as number, name: 'x' }]).catch((e: unknown) => e)) as HaloError;
    expect(err).toBeInstanceOf(HaloError);
    expect(err.kind).toBe('validation');
    expect(err.fieldErrors[0]?.field).toBe('[0].id');
    const rule = (await client.tickets.upsert([{ summary: '' }]).catch((e: unknown) => e)) as HaloError;
    expect(rule).toMatchObject({ kind: 'validation', haloMessage: 'Please enter a Summary' });
  });
});

describe('DataLoader batching', () => {
  let sim: Sim;
  beforeAll(async () => {
    sim = await startSim();
  });
  afterAll(() => sim.stop());

  it('loads many tickets in one ticketids call, de-duplicated, missing ones as null', async () => {
    const client = clientFor(sim);
    await client.me();
    const loaders = createHaloLoaders(client);
    const ids = sim.control.list('tickets', (t) => t.deleted !== true).slice(0, 6).map((t) => Number(t.id));
    sim.control.resetCounts();
    const got = await Promise.all([...ids, ids[0], ids[1], 987_654].map((id) => loaders.tickets.load(id)));
    expect(got.slice(0, 6).map((t) => t?.id)).toEqual(ids);
    expect(got[8]).toBeNull();
    const calls = sim.control.requests('GET /api/Tickets');
    expect(calls).toHaveLength(1);
    expect(calls[0].query.ticketids.split(',').map(Number).sort()).toEqual([...ids, 987_654].sort());
  });

  it('fans out by-id loads with bounded concurrency where Halo has no multi-id filter', async () => {
    const client = clientFor(sim);
    await client.me();
    const loaders = createHaloLoaders(client, { concurrency: 2 });
    const ids = sim.control.list('clients').slice(0, 6).map((c) => Number(c.id));
    sim.control.setFault({ kind: 'latency', ms: 100, match: { method: 'GET', path: '/api/Client/*' }, count: 6 });
    sim.control.resetCounts();
    const t0 = Date.now();
    const got = await loaders.clients.loadMany([...ids, ids[0]]);
    const elapsed = Date.now() - t0;
    expect(got.map((c) => (c as { id: number }).id)).toEqual([...ids, ids[0]]);
    expect(sim.control.requestCount('GET /api/Client/*')).toBe(6);
    // 6 requests of 100 ms, 2 at a time → ≥ 300 ms
    expect(elapsed).toBeGreaterThanOrEqual(290);
  });
});

describe('the other envelope readings (simulator quirks)', () => {
  let sim: Sim;
  beforeAll(async () => {
    sim = await startSim({ quirks: { listEnvelopes: { Client: null, Category: 'categories', Tax: 'taxes', Team: 'teams', Status: 'statuses' } } });
  });
  afterAll(() => sim.stop());

  it('a paginated list sent as a bare array pages by short page', async () => {
    const client = clientFor(sim);
    await client.me();
    sim.control.resetCounts();
    const n = sim.control.count('clients');
    const rows = await client.clients.all({ includeinactive: true }, { pageSize: 10 });
    expect(rows).toHaveLength(n);
    // No record_count: the first page shorter than 10 ends it; an exact multiple costs one empty page.
    expect(sim.control.requestCount('GET /api/Client')).toBe(n % 10 === 0 ? n / 10 + 1 : Math.ceil(n / 10));
  });

  it('non-paginated lists wrapped in an envelope (keys unverified in Halo) still read', async () => {
    const client = clientFor(sim);
    expect(await client.categories.all()).toHaveLength(sim.control.count('categories'));
    expect(await client.taxes.all()).toHaveLength(sim.control.count('taxes'));
    expect(await client.teams.all()).toHaveLength(sim.control.count('teams'));
    expect(await client.statuses.all()).toHaveLength(sim.control.count('statuses'));
  });
});

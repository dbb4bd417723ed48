import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HaloRecord, startHaloSim } from '../../src/halo-sim';
import { SimFixture, simFixture, tokenFor } from './helpers';

type Envelope = { record_count: number; page_no?: number; page_size?: number } & Record<string, any>;

/**
 * Lists keep their filtered, ordered rows between requests of the same query (paging a large tenant would
 * otherwise re-filter and re-sort the whole table per page). These check that every kind of change still shows.
 */
describe('Halo simulator: cached list results follow every change', () => {
  let f: SimFixture;
  beforeAll(async () => {
    f = await simFixture();
  });
  afterAll(() => f.stop());
  const control = () => f.sim.control;
  const names = (rows: HaloRecord[]) => rows.map((r) => r.name);

  it('serves the same rows for repeated and re-paged queries', async () => {
    const all = (await f.get<Envelope>('/api/Users?pageinate=true&page_size=100')).json.users as HaloRecord[];
    for (const n of [1, 2, 3]) {
      const page = await f.get<Envelope>(`/api/Users?pageinate=true&page_size=7&page_no=${n}`);
      expect(page.json.users.map((u: HaloRecord) => u.id)).toEqual(all.slice((n - 1) * 7, n * 7).map((u) => u.id));
      expect(page.json.record_count).toBe(all.length);
    }
  });

  it('picks up created, renamed, inactivated and deleted records on the next request of a query', async () => {
    const search = async () => (await f.get<Envelope>('/api/Client?search=zebracache')).json;
    expect((await search()).record_count).toBe(0);
    const created = control().create('clients', { name: 'ZebraCache One' });
    expect(names((await search()).clients)).toEqual(['ZebraCache One']);
    control().create('clients', { name: 'Aardvark ZebraCache' });
    expect(names((await search()).clients)).toEqual(['Aardvark ZebraCache', 'ZebraCache One']);
    control().update('clients', created.id as number, { name: 'AAA ZebraCache' });
    expect(names((await search()).clients)).toEqual(['AAA ZebraCache', 'Aardvark ZebraCache']);
    control().inactivate('clients', created.id as number);
    expect(names((await search()).clients)).toEqual(['Aardvark ZebraCache']);
    expect((await f.get<Envelope>('/api/Client?search=zebracache&includeinactive=true')).json.record_count).toBe(2);
    control().delete('clients', created.id as number);
    expect((await f.get<Envelope>('/api/Client?search=zebracache&includeinactive=true')).json.record_count).toBe(1);
  });

  it('shows current field values on a cached page', async () => {
    const first = (await f.get<Envelope>('/api/Item?count=1')).json.items[0] as HaloRecord;
    control().update('items', first.id as number, { description: 'cache-fresh description' });
    const again = (await f.get<Envelope>('/api/Item?count=1')).json.items[0] as HaloRecord;
    expect(again.id).toBe(first.id);
    expect(again.description).toBe('cache-fresh description');
  });

  it('follows soft deletes and restores of tickets', async () => {
    const open = (await f.get<Envelope>('/api/Tickets?count=1')).json;
    const ticket = open.tickets[0] as HaloRecord;
    const deletedBefore = (await f.get<Envelope>('/api/Tickets?deleted=true')).json.record_count;
    control().delete('tickets', ticket.id as number);
    expect((await f.get<Envelope>('/api/Tickets?count=1')).json.record_count).toBe(open.record_count - 1);
    expect((await f.get<Envelope>('/api/Tickets?deleted=true')).json.record_count).toBe(deletedBefore + 1);
    control().update('tickets', ticket.id as number, { _recover: true });
    expect((await f.get<Envelope>('/api/Tickets?count=1')).json.record_count).toBe(open.record_count);
  });

  it('follows changes to the tables filters consult: ticket types for opportunities, agents switched off', async () => {
    const opps = async () => (await f.get<Envelope>('/api/Opportunities?count=1')).json.record_count as number;
    const before = await opps();
    const renewals = control().list('tickets', (t) => t.tickettype_id === 33 && t.deleted !== true).length;
    expect(renewals).toBeGreaterThan(0);
    control().update('ticketTypes', 33, { use: 'reqs' });
    expect(await opps()).toBe(before - renewals);
    control().update('ticketTypes', 33, { use: 'opps' });
    expect(await opps()).toBe(before);

    const agents = async () => ((await f.get<HaloRecord[]>('/api/Agent')).json).map((a) => a.id);
    expect(await agents()).toContain(2);
    control().setAgentActive(2, false);
    expect(await agents()).not.toContain(2);
    control().setAgentActive(2, true);
    expect(await agents()).toContain(2);
  });

  it('keeps a page change between pages visible on the next page', async () => {
    const page = async (n: number) =>
      ((await f.get<Envelope>(`/api/Users?pageinate=true&page_size=5&page_no=${n}`)).json.users as HaloRecord[]).map((u) => u.id);
    const before = [...(await page(1)), ...(await page(2))];
    control().changeBetweenPages({ match: 'GET /api/Users', afterPage: 1, change: (c) => c.create('users', { name: '00 First User', site_id: 1 }) });
    const first = await page(1);
    const second = await page(2);
    expect(first).toEqual(before.slice(0, 5));
    expect(second[0]).toBe(before[4]);
  });
});

describe('Halo simulator: bounded request log', () => {
  it('keeps the most recent entries but counts every request exactly', async () => {
    const f = await simFixture({ scale: 'empty', requestLogLimit: 3 });
    try {
      const c = f.sim.control;
      c.resetCounts();
      for (const n of [1, 2, 3, 4, 5]) await f.get(`/api/Client?pageinate=true&page_no=${n}`);
      await f.get('/api/Status');
      expect(c.requestCount()).toBe(6);
      expect(c.requestCount('GET /api/Client')).toBe(5);
      expect(c.requestCount(/status/i)).toBe(1);
      expect(c.requests().map((r) => r.query.page_no ?? r.path)).toEqual(['4', '5', '/api/Status']);
      expect(c.requests('GET /api/Client').map((r) => r.query.page_no)).toEqual(['4', '5']);
      c.resetCounts();
      expect(c.requestCount()).toBe(0);
      expect(c.requests()).toEqual([]);
      await f.get('/api/Status');
      expect(c.requests()).toHaveLength(1);
      expect(c.requestCount('GET /api/Status')).toBe(1);
    } finally {
      await f.stop();
    }
  });
});

describe('Halo simulator: paging a large tenant', () => {
  // Speed is the benchmark's business (npm run bench:sync prints the paging baseline); this pins the behaviour.
  it('pages the large data set through the list cache without repeats or gaps', async () => {
    const sim = await startHaloSim({ scale: 'large', rateLimit: false });
    try {
      const token = await tokenFor(sim);
      const get = async (n: number) => {
        const r = await fetch(`${sim.url}/api/Users?pageinate=true&page_size=100&page_no=${n}`, { headers: { authorization: `Bearer ${token}` } });
        return (await r.json()) as Envelope;
      };
      const first = await get(1);
      const pages = 40;
      const seen = new Set<unknown>(first.users.map((u: HaloRecord) => u.id));
      for (let n = 2; n <= pages + 1; n++) for (const u of (await get(n)).users as HaloRecord[]) seen.add(u.id);
      expect(seen.size).toBe((pages + 1) * 100);
      expect(first.record_count).toBe(sim.control.list('users', (u) => u.inactive !== true).length);
    } finally {
      await sim.stop();
    }
  });
});

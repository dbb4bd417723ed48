import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFIRMED_LOOKUP_IDS, HaloRecord, QUOTE_STATUS, TECH_STATUS_LOOKUP_ID, startHaloSim, truthFor } from '../../src/halo-sim';
import { SimFixture, simFixture, tokenFor } from './helpers';

type Envelope = { record_count: number; page_no?: number; page_size?: number } & Record<string, any>;

describe('Halo simulator: lists, envelopes, paging and filters', () => {
  let f: SimFixture;
  beforeAll(async () => {
    f = await simFixture();
  });
  afterAll(() => f.stop());

  const control = () => f.sim.control;
  const ids = (rows: HaloRecord[]) => rows.map((r) => r.id);

  it.each([
    ['/api/Client', 'clients'],
    ['/api/Site', 'sites'],
    ['/api/Users', 'users'],
    ['/api/Item', 'items'],
    ['/api/Tickets', 'tickets'],
    ['/api/Opportunities', 'tickets'],
    ['/api/Quotation', 'quotes'],
    ['/api/SalesOrder', 'salesorders'],
  ])('wraps %s in {record_count, %s}', async (path, key) => {
    const r = await f.get<Envelope>(path);
    expect(r.status).toBe(200);
    expect(Object.keys(r.json)).toContain('record_count');
    expect(Array.isArray(r.json[key])).toBe(true);
    expect(r.json[key].length).toBeGreaterThan(0);
  });

  it('adds include_children to the ticket envelope', async () => {
    expect((await f.get<Envelope>('/api/Tickets')).json.include_children).toBe(false);
  });

  it.each(['/api/AssetGroup', '/api/TicketType', '/api/Status', '/api/Category', '/api/Tax', '/api/Webhook', '/api/Team', '/api/Notification', '/api/Agent', '/api/Lookup?lookupid=49'])(
    'returns %s as a bare array that ignores paging parameters',
    async (path) => {
      const sep = path.includes('?') ? '&' : '?';
      const plain = await f.get<unknown[]>(path);
      const paged = await f.get<unknown[]>(`${path}${sep}page_size=1&page_no=2&count=1`);
      expect(Array.isArray(plain.json)).toBe(true);
      expect(paged.json).toEqual(plain.json);
    },
  );

  it('returns the default 50 rows without pageinate=true, ignoring page_size and page_no, with the true record_count', async () => {
    const users = control().list('users', (u) => u.inactive !== true).length;
    const r = await f.get<Envelope>('/api/Users?page_size=5&page_no=3');
    expect(r.json.record_count).toBe(users);
    expect(r.json.users).toHaveLength(50);
    const first = await f.get<Envelope>('/api/Users');
    expect(ids(r.json.users)).toEqual(ids(first.json.users));
  });

  it('honours count when not paginating', async () => {
    expect((await f.get<Envelope>('/api/Users?count=7')).json.users).toHaveLength(7);
  });

  it('pages with pageinate=true, page_size and 1-based page_no, echoing them', async () => {
    const all = (await f.get<Envelope>('/api/Users?pageinate=true&page_size=100')).json.users as HaloRecord[];
    const p2 = await f.get<Envelope>('/api/Users?pageinate=true&page_size=10&page_no=2');
    expect(p2.json).toMatchObject({ page_no: 2, page_size: 10, record_count: all.length });
    expect(ids(p2.json.users)).toEqual(ids(all.slice(10, 20)));
    const beyond = await f.get<Envelope>('/api/Users?pageinate=true&page_size=10&page_no=99');
    expect(beyond.json.users).toEqual([]);
  });

  it('caps page_size at 100 on tickets and opportunities but reports the full record_count', async () => {
    const big = await startHaloSim({ scale: 'large', rateLimit: false });
    try {
      const token = await tokenFor(big);
      for (const path of ['/api/Tickets', '/api/Opportunities']) {
        const r = await fetch(`${big.url}${path}?pageinate=true&page_size=1000`, { headers: { authorization: `Bearer ${token}` } });
        const body = (await r.json()) as Envelope;
        expect(body.tickets).toHaveLength(100);
        expect(body.record_count).toBeGreaterThan(1000);
      }
      const clients = await fetch(`${big.url}/api/Client?pageinate=true&page_size=999`, { headers: { authorization: `Bearer ${token}` } });
      expect(((await clients.json()) as Envelope).clients).toHaveLength(999);
    } finally {
      await big.stop();
    }
  });

  it('returns every matching id, unpaged, for idonly and ticketidonly', async () => {
    const clients = await f.get<Envelope>('/api/Client?idonly=true&pageinate=true&page_size=2');
    expect(clients.json.clients.length).toBe(clients.json.record_count);
    expect(Object.keys(clients.json.clients[0])).toEqual(['id']);
    const tickets = await f.get<Envelope>('/api/Tickets?ticketidonly=true');
    expect(tickets.json.tickets.every((t: HaloRecord) => Object.keys(t).length === 1)).toBe(true);
    expect(tickets.json.tickets.length).toBe(control().list('tickets', (t) => t.deleted !== true).length);
  });

  it('hides inactive clients unless includeinactive or activeinactive asks for them', async () => {
    const all = control().list('clients');
    const inactive = all.filter((c) => c.inactive === true);
    expect(inactive.length).toBeGreaterThan(0);
    const count = async (q: string) => (await f.get<Envelope>(`/api/Client?${q}`)).json.record_count;
    expect(await count('')).toBe(all.length - inactive.length);
    expect(await count('includeinactive=true')).toBe(all.length);
    expect(await count('includeinactive=true&includeactive=false')).toBe(inactive.length);
    expect(await count('activeinactive=inactive')).toBe(inactive.length);
    expect(await count('activeinactive=true,false')).toBe(all.length);
  });

  it('searches names case-insensitively', async () => {
    const r = await f.get<Envelope>('/api/Client?search=ACME');
    expect(r.json.clients.map((c: HaloRecord) => c.name)).toContain('Acme Managed Services');
    const user = control().list('users', (u) => u.inactive !== true && String(u.emailaddress).includes('@'))[0] as HaloRecord;
    const byEmail = await f.get<Envelope>(`/api/Users?search=${encodeURIComponent(String(user.emailaddress).toUpperCase())}`);
    expect(ids(byEmail.json.users)).toContain(user.id);
  });

  it('filters by lastupdatefromdate/lastupdatetodate where Halo has them', async () => {
    const from = control().now();
    // The edit must land strictly after `from`: on a fast machine it would share its millisecond.
    control().advanceTime(5);
    const client = control().list('clients', (c) => c.inactive !== true)[3] as HaloRecord;
    control().update('clients', client.id as number, { notes: 'touched' });
    const since = await f.get<Envelope>(`/api/Client?lastupdatefromdate=${from}`);
    expect(ids(since.json.clients)).toEqual([client.id]);
    const before = await f.get<Envelope>(`/api/Client?lastupdatetodate=${from}&count=500`);
    expect(ids(before.json.clients)).not.toContain(client.id);
    const tickets = await f.get<Envelope>(`/api/Tickets?lastupdatefromdate=${from}`);
    expect(tickets.json.record_count).toBe(0);
  });

  it('silently ignores lastupdatefromdate on items, quotes and sales orders', async () => {
    const future = '2099-01-01T00:00:00';
    for (const [path, key] of [['/api/Item', 'items'], ['/api/Quotation', 'quotes'], ['/api/SalesOrder', 'salesorders']] as const) {
      const r = await f.get<Envelope>(`${path}?lastupdatefromdate=${future}`);
      expect(r.status).toBe(200);
      expect(r.json[key].length, path).toBeGreaterThan(0);
    }
  });

  it('lists only opportunity-area tickets on /api/Opportunities and with domain=opps', async () => {
    const opps = await f.get<Envelope>('/api/Opportunities?count=500');
    const oppTypes = new Set(control().list('ticketTypes', (t) => t.use === 'opps').map((t) => t.id));
    expect(opps.json.tickets.every((t: HaloRecord) => oppTypes.has(t.tickettype_id))).toBe(true);
    const viaTickets = await f.get<Envelope>('/api/Tickets?domain=opps&count=500');
    expect(viaTickets.json.record_count).toBe(opps.json.record_count);
    const all = await f.get<Envelope>('/api/Tickets?count=500');
    expect(all.json.record_count).toBeGreaterThan(opps.json.record_count);
  });

  it('hides soft-deleted tickets and lists only them with deleted=true', async () => {
    const deleted = control().list('tickets', (t) => t.deleted === true);
    expect(deleted.length).toBeGreaterThan(0);
    const r = await f.get<Envelope>('/api/Tickets?deleted=true&count=500');
    expect(ids(r.json.tickets).sort()).toEqual(ids(deleted).sort());
    const live = await f.get<Envelope>('/api/Tickets?count=500');
    expect(ids(live.json.tickets)).not.toContain(deleted[0]?.id);
  });

  it('loads several tickets at once with the ticketids csv filter', async () => {
    const r = await f.get<Envelope>('/api/Tickets?ticketids=2,5,7');
    expect(ids(r.json.tickets).sort()).toEqual([2, 5, 7]);
  });

  it('filters sites and users by client and site, items by group and recurrence', async () => {
    const client = control().primaryClientId;
    const sites = (await f.get<Envelope>(`/api/Site?client_id=${client}`)).json.sites as HaloRecord[];
    expect(sites.length).toBeGreaterThan(0);
    expect(sites.every((s) => s.client_id === client)).toBe(true);
    const users = (await f.get<Envelope>(`/api/Users?site_id=${String(sites[0]?.id)}`)).json.users as HaloRecord[];
    expect(users.every((u) => u.site_id === sites[0]?.id)).toBe(true);
    const grouped = (await f.get<Envelope>('/api/Item?assetgroup_id=3&count=500')).json.items as HaloRecord[];
    expect(grouped.length).toBeGreaterThan(0);
    expect(grouped.every((i) => i.assetgroup_id === 3)).toBe(true);
    const recurring = (await f.get<Envelope>('/api/Item?recurringonly=true&count=500')).json.items as HaloRecord[];
    expect(recurring.every((i) => i.isrecurringitem === true)).toBe(true);
    const oneOff = (await f.get<Envelope>('/api/Item?excluderecurring=true&count=500')).json.items as HaloRecord[];
    expect(oneOff.every((i) => i.isrecurringitem === false)).toBe(true);
    const csv = (await f.get<Envelope>('/api/Item?assetgroups=1,4&count=500')).json.items as HaloRecord[];
    expect(new Set(csv.map((i) => i.assetgroup_id))).toEqual(new Set([1, 4]));
  });

  it('omits site addresses unless includeaddress=true', async () => {
    const plain = (await f.get<Envelope>('/api/Site?count=1')).json.sites[0];
    expect(plain.delivery_address).toBeUndefined();
    const full = (await f.get<Envelope>('/api/Site?count=1&includeaddress=true')).json.sites[0];
    expect(full.delivery_address).toMatchObject({ line1: expect.any(String) });
  });

  it('lists only opportunity ticket types with domain=opps, hiding invisible ones unless showinactive', async () => {
    const opps = (await f.get<HaloRecord[]>('/api/TicketType?domain=opps')).json;
    expect(opps.map((t) => t.id)).toEqual([32, 33]);
    const withInactive = (await f.get<HaloRecord[]>('/api/TicketType?domain=opps&showinactive=true')).json;
    expect(withInactive.map((t) => t.id)).toEqual([32, 33, 34]);
  });

  it('serves quote statuses at the confirmed lookup 39, the closed flag as value3 = "1", and tech statuses at 49', async () => {
    expect(f.sim.truth.lookupIds).toMatchObject({ customerType: 33, quoteStatus: 39 });
    expect(CONFIRMED_LOOKUP_IDS).toEqual({ customerType: 33, quoteStatus: 39 });
    const statuses = (await f.get<HaloRecord[]>('/api/Lookup?lookupid=39')).json;
    expect(statuses.map((s) => [s.name, s.value3])).toEqual([['Draft', '0'], ['Sent', '0'], ['Approved', '1'], ['Declined', '1'], ['Expired', '1']]);
    // 49 is Halo's tech-status table: reading quote statuses there gives wrong names for the same ids, not a 404.
    const tech = (await f.get<HaloRecord[]>(`/api/Lookup?lookupid=${TECH_STATUS_LOOKUP_ID}`)).json;
    expect(tech.map((s) => s.id)).toEqual([1, 2, 3, 4, 5]);
    expect(tech.map((s) => s.name)).not.toContain('Draft');
    // A quote's open/closed filters follow value3.
    const approved = control().list('quotes')[0]!;
    control().update('quotes', approved.id as number, { status: QUOTE_STATUS.approved });
    const closed = (await f.get<Envelope>('/api/Quotation?closed=true')).json.quotes as HaloRecord[];
    const open = (await f.get<Envelope>('/api/Quotation?open=true')).json.quotes as HaloRecord[];
    expect(ids(closed)).toContain(approved.id);
    expect(ids(open)).not.toContain(approved.id);
    expect(open.every((q) => q.status === QUOTE_STATUS.draft || q.status === QUOTE_STATUS.sent)).toBe(true);
  });

  it('serves countries, regions (filtered by country) and pipeline stages at the lookup ids of its truth', async () => {
    const { countryCode, regionCode, pipelineStage } = f.sim.truth.lookupIds;
    const countries = (await f.get<HaloRecord[]>(`/api/Lookup?lookupid=${countryCode}`)).json;
    const gb = countries.find((c) => c.value2 === 'GB') as HaloRecord;
    expect(gb).toMatchObject({ name: 'United Kingdom', value3: 'GBR' });
    const regions = (await f.get<HaloRecord[]>(`/api/Lookup?lookupid=${regionCode}&country_code_id=${String(gb.id)}`)).json;
    expect(regions.map((r) => r.name)).toEqual(['England', 'Scotland', 'Wales', 'Northern Ireland']);
    const stages = (await f.get<HaloRecord[]>(`/api/Lookup?lookupid=${pipelineStage}`)).json;
    expect(stages.map((s) => s.name)).toContain('Qualified');
    // Halo-resolved names on records come from the same tables.
    const site = control().list('sites', (x) => typeof x.region_code === 'number' && x.region_code > 0)[0]!;
    expect(site.region_code_name).toBe(control().list('lookups', (l) => l.lookupid === regionCode && l.id === site.region_code)[0]?.name);
    // An id no table has answers an empty list.
    expect((await f.get<HaloRecord[]>('/api/Lookup?lookupid=4999')).json).toEqual([]);
  });

  it('draws the unknown lookup ids from the truth seed, never a confirmed or the tech-status id', async () => {
    const seen = new Set<string>();
    for (const seed of [1, 2, 3, 4, 5, 12]) {
      const { countryCode, regionCode, pipelineStage } = truthFor(seed).lookupIds;
      expect(new Set([countryCode, regionCode, pipelineStage, 33, 39, 49]).size, `seed ${seed}`).toBe(6);
      seen.add(`${countryCode}/${regionCode}/${pipelineStage}`);
    }
    expect(seen.size).toBeGreaterThan(1);
    const other = await startHaloSim({ truthSeed: 4, rateLimit: false });
    try {
      expect(other.control.list('lookups', (l) => l.lookupid === truthFor(4).lookupIds.countryCode).length).toBeGreaterThan(5);
    } finally {
      await other.stop();
    }
  });

  it('exposes the pipeline-stages setting through /api/Control', async () => {
    expect((await f.get<HaloRecord>('/api/Control')).json).toMatchObject({ show_pipeline_stages: true, default_opp_tickettype_id: 32 });
  });

  it('pages agents under "results" with pageinate=true and hides disabled and API agents by default', async () => {
    const bare = (await f.get<HaloRecord[]>('/api/Agent')).json;
    expect(bare.some((a) => a.isdisabled === true || a.isapiagent === true)).toBe(false);
    const paged = await f.get<Envelope>('/api/Agent?pageinate=true&page_size=2');
    expect(paged.json.results).toHaveLength(2);
    expect(paged.json.record_count).toBe(bare.length);
  });

  it('orders by the order parameter, descending with orderdesc', async () => {
    const r = (await f.get<Envelope>('/api/Item?order=baseprice&orderdesc=true&count=5')).json.items as HaloRecord[];
    const prices = r.map((i) => i.baseprice as number);
    expect(prices).toEqual([...prices].sort((a, b) => b - a));
  });
});

describe('Halo simulator: envelope and cap switches', () => {
  it('wraps Category, Tax and Team in envelopes when the quirk says so', async () => {
    const f = await simFixture({ scale: 'empty', quirks: { listEnvelopes: { Category: 'categories', Tax: 'taxes', Team: 'teams' } } });
    try {
      for (const [path, key] of [['/api/Category', 'categories'], ['/api/Tax', 'taxes'], ['/api/Team', 'teams']]) {
        const r = await f.get<Envelope>(path as string);
        expect(r.json.record_count).toBeGreaterThan(0);
        expect(r.json[key as string]).toHaveLength(r.json.record_count);
      }
    } finally {
      await f.stop();
    }
  });

  it('caps item pages when a cap is configured', async () => {
    const f = await simFixture({ quirks: { pageSizeCaps: { Item: 20 } } });
    try {
      const r = await f.get<Envelope>('/api/Item?pageinate=true&page_size=100');
      expect(r.json.items).toHaveLength(20);
      expect(r.json.page_size).toBe(20);
    } finally {
      await f.stop();
    }
  });
});

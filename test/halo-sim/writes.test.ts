import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMPTY_DATE, HaloRecord } from '../../src/halo-sim';
import { SimFixture, simFixture } from './helpers';

describe('Halo simulator: reads by id and writes', () => {
  let f: SimFixture;
  beforeAll(async () => {
    f = await simFixture();
  });
  afterAll(() => f.stop());
  const control = () => f.sim.control;

  it('returns a record by id as a bare object, and 404 for an unknown id', async () => {
    const r = await f.get<HaloRecord>(`/api/Client/${control().primaryClientId}`);
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ id: 12, name: 'Acme Managed Services', website: 'acme.example' });
    expect((await f.get('/api/Client/99999')).status).toBe(404);
    expect((await f.get('/api/Item/99999')).status).toBe(404);
  });

  it('creates from a one-element array and answers with the saved object and its new id', async () => {
    const r = await f.post<HaloRecord>('/api/Item', [{ name: 'Managed Workstation Gold', assetgroup_id: 3, baseprice: 35, isrecurringitem: true, recurringprice: 35, item_default_billing_period: 2, taxcode: 1, nominalcode: '4200' }]);
    expect(r.status).toBe(200);
    expect(Array.isArray(r.json)).toBe(false);
    expect(r.json).toMatchObject({ name: 'Managed Workstation Gold', assetgroup_name: 'Managed Services', taxcode_name: 'Standard VAT' });
    expect(r.json.id).toBeGreaterThan(0);
    expect((await f.get<HaloRecord>(`/api/Item/${String(r.json.id)}`)).json.name).toBe('Managed Workstation Gold');
  });

  it('answers a several-element array with an array, creating and updating in one call', async () => {
    const r = await f.post<HaloRecord[]>('/api/Client', [{ name: 'New Co A' }, { name: 'New Co B' }, { id: 3, notes: 'updated in batch' }]);
    expect(r.status).toBe(200);
    expect(r.json.map((c) => c.name)).toEqual(['New Co A', 'New Co B', control().get('clients', 3)?.name]);
    expect(control().get('clients', 3)?.notes).toBe('updated in batch');
  });

  it('treats id 0 as a create', async () => {
    const r = await f.post<HaloRecord>('/api/Client', [{ id: 0, name: 'Zero Id Ltd' }]);
    expect(r.json.id).toBeGreaterThan(25);
  });

  it('updates partially: omitted fields keep their values and the last-update time moves', async () => {
    const before = control().get('users', 5) as HaloRecord;
    const r = await f.post<HaloRecord>('/api/Users', [{ id: 5, phonenumber: '+31 20 555 0100' }]);
    expect(r.json).toMatchObject({ id: 5, phonenumber: '+31 20 555 0100', emailaddress: before.emailaddress, name: before.name, site_id: before.site_id });
    expect(Date.parse(`${String(r.json.ulastupdate)}Z`)).toBeGreaterThan(Date.parse(`${String(before.ulastupdate)}Z`));
  });

  it('refuses an update of an id that does not exist with 400', async () => {
    const r = await f.post('/api/Client', [{ id: 424242, name: 'Ghost' }]);
    expect(r.status).toBe(400);
    expect(typeof r.json).toBe('string');
  });

  it('answers a wrong field type with a 400 keyed by JSON path, as ASP.NET model binding does', async () => {
    const r = await f.post<Record<string, string[]>>('/api/Site', [{ name: 'Bad', client_id: 12, region_code: 'north' }]);
    expect(r.status).toBe(400);
    expect(Object.keys(r.json)).toEqual(['[0].region_code']);
    expect(r.json['[0].region_code']?.[0]).toMatch(/integer/);
    const nested = await f.post<Record<string, string[]>>('/api/Quotation', [{ client_id: 12, lines: [{ item_id: 1 }, { item_id: 'abc' }] }]);
    expect(Object.keys(nested.json)).toEqual(['[0].lines[1].item_id']);
    const bool = await f.post<Record<string, string[]>>('/api/Item', [{ name: 'x' }, { name: 'y', isrecurringitem: 'sometimes' }]);
    expect(Object.keys(bool.json)).toEqual(['[1].isrecurringitem']);
    expect(control().list('items', (i) => i.name === 'x')).toHaveLength(0);
  });

  it('refuses fractional numbers for integer fields and objects for strings', async () => {
    const r = await f.post<Record<string, string[]>>('/api/Tickets', [{ summary: { text: 'x' }, client_id: 12.5 }]);
    expect(Object.keys(r.json).sort()).toEqual(['[0].client_id', '[0].summary']);
  });

  it('coerces numeric and boolean strings the way Newtonsoft does (DJPSA posts "61" for eventno)', async () => {
    const r = await f.post<HaloRecord>('/api/Item', [{ name: 'Coerced', baseprice: '12.50', taxcode: '1', isrecurringitem: 'false' }]);
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ baseprice: 12.5, taxcode: 1, isrecurringitem: false });
  });

  it('ignores unknown properties', async () => {
    const r = await f.post<HaloRecord>('/api/Client', [{ name: 'Unknowns Ltd', favourite_colour: 'teal' }]);
    expect(r.status).toBe(200);
    expect(r.json.favourite_colour).toBeUndefined();
  });

  it('refuses a body that is not an array, and invalid JSON, with 400', async () => {
    expect((await f.post('/api/Client', { name: 'Object Ltd' })).status).toBe(400);
    expect((await f.post('/api/Client', '[{"name":')).status).toBe(400);
  });

  it('answers a missing required field with a bare-string 400', async () => {
    const r = await f.post('/api/Users', [{ name: 'No Site' }]);
    expect(r.status).toBe(400);
    expect(r.json).toBe('Please select a Site for this User');
    expect((await f.post('/api/Client', [{ website: 'nameless.example' }])).json).toMatch(/name/);
    expect((await f.post('/api/Site', [{ name: 'Orphan', client_id: 99999 }])).status).toBe(400);
  });

  it('derives a contact\'s client from its site', async () => {
    const site = control().list('sites', (s) => s.client_id === 12)[0] as HaloRecord;
    const r = await f.post<HaloRecord>('/api/Users', [{ firstname: 'Nina', surname: 'New', emailaddress: 'nina@acme.example', site_id: site.id }]);
    expect(r.json).toMatchObject({ name: 'Nina New', client_id: 12, client_name: 'Acme Managed Services', site_name: site.name });
  });

  it('creates a main site (and a contact) with a new client', async () => {
    const r = await f.post<HaloRecord>('/api/Client', [{ name: 'Contoso Ltd', website: 'https://contoso.example', newclient_sitename: 'Head Office', newclient_contactname: 'Jane Doe', newclient_contactemail: 'jane@contoso.example', newclient_countrycode: 'GB' }]);
    expect(r.json.main_site_name).toBe('Head Office');
    const site = control().get('sites', r.json.main_site_id as number) as HaloRecord;
    expect(site).toMatchObject({ client_id: r.json.id, country_code: 'GB', country_code_name: 'United Kingdom' });
    expect(control().list('users', (u) => u.site_id === site.id)).toMatchObject([{ name: 'Jane Doe', emailaddress: 'jane@contoso.example' }]);
  });

  it('deletes with DELETE, answering with the record\'s id, after which GET is 404', async () => {
    const created = (await f.post<HaloRecord>('/api/Item', [{ name: 'Doomed' }])).json;
    const r = await f.del<HaloRecord>(`/api/Item/${String(created.id)}`);
    expect(r.status).toBe(200);
    expect(r.json.id).toBe(created.id);
    expect((await f.get(`/api/Item/${String(created.id)}`)).status).toBe(404);
    expect((await f.del(`/api/Item/${String(created.id)}`)).status).toBe(404);
  });

  it('soft-deletes tickets, which come back with _recover', async () => {
    const id = 4;
    expect((await f.del(`/api/Tickets/${id}?reason=duplicate`)).status).toBe(200);
    expect((await f.get(`/api/Tickets/${id}`)).status).toBe(404);
    expect(control().get('tickets', id)?.deleted).toBe(true);
    const ids = ((await f.get<{ tickets: HaloRecord[] }>('/api/Tickets?deleted=true&count=500')).json.tickets).map((t) => t.id);
    expect(ids).toContain(id);
    const restored = await f.post<HaloRecord>('/api/Tickets', [{ id, _recover: true, _validate_updates: true }]);
    expect(restored.json.deleted).toBe(false);
    expect((await f.get(`/api/Tickets/${id}`)).status).toBe(200);
  });

  it('names the ticket last-update "lastupdate" in POST responses and "last_update" in GETs', async () => {
    const posted = (await f.post<HaloRecord>('/api/Tickets', [{ id: 6, details: 'note' }])).json;
    expect(posted.lastupdate).toEqual(expect.any(String));
    expect(posted.last_update).toBeUndefined();
    const got = (await f.get<HaloRecord>('/api/Tickets/6')).json;
    expect(got.last_update).toBe(posted.lastupdate);
    expect(got.lastupdate).toBeUndefined();
  });

  it('creates opportunities with the default opportunity type, team as a name and pipeline stage names', async () => {
    const r = await f.post<HaloRecord>('/api/Opportunities', [{ summary: 'Contoso renewal', client_id: 12, team: 'Sales', pipeline_stage_id: 3, oppvalue: 4200 }]);
    expect(r.json).toMatchObject({ tickettype_id: 32, team: 'Sales', status_id: 20, pipeline_stage_id: 3, pipeline_stage_name: 'Proposal', client_name: 'Acme Managed Services' });
    const byName = await f.get<{ tickets: HaloRecord[] }>('/api/Tickets?team=Sales&count=500');
    expect(byName.json.tickets.map((t) => t.id)).toContain(r.json.id);
  });

  it('ignores pipeline stages while "Enable Pipeline Stages" is off', async () => {
    control().updateSettings({ show_pipeline_stages: false });
    try {
      const r = await f.post<HaloRecord>('/api/Opportunities', [{ summary: 'No stages', client_id: 12, pipeline_stage_id: 3 }]);
      expect(r.json).toMatchObject({ pipeline_stage_id: 0, pipeline_stage_name: '' });
    } finally {
      control().updateSettings({ show_pipeline_stages: true });
    }
  });

  it('closes a ticket when it moves to a closed status, stamping dateclosed', async () => {
    const open = (await f.post<HaloRecord>('/api/Opportunities', [{ summary: 'Will win', client_id: 12 }])).json;
    expect(open).toMatchObject({ hasbeenclosed: false, dateclosed: EMPTY_DATE });
    const won = (await f.post<HaloRecord>('/api/Opportunities', [{ id: open.id, status_id: 24 }])).json;
    expect(won.hasbeenclosed).toBe(true);
    expect(won.dateclosed).not.toBe(EMPTY_DATE);
  });

  it('stores quote lines, totals them, and returns them with includedetails (by id) or includelines (list)', async () => {
    // Seed 1's Halo reads the quantity from `quantity` and the unit price from `price` (truth.ts).
    expect(f.sim.truth).toMatchObject({ quoteLineQuantityField: 'quantity', quoteLineUnitPriceField: 'price' });
    const r = await f.post<HaloRecord>('/api/Quotation', [{
      title: 'Managed services – Acme', client_id: 12, ticket_id: 1, date: '2026-03-01T00:00:00', note: 'Prices ex VAT',
      lines: [
        { item_id: 1, name: 'Managed Workstation', quantity: 25, price: 35.0, costprice: 12.5, item_tax_code: 1, nominal_code: '4000', item_recurring: true, billingperiod: 2, sort_seq: 1 },
        { item_id: 2, name: 'Onboarding', quantity: 1, price: 1500.0, costprice: 0, item_tax_code: 1, sort_seq: 2 },
      ],
    }]);
    expect(r.status).toBe(200);
    const id = r.json.id as number;
    expect(r.json).toMatchObject({ total: (875 + 1500) * 1.2, tax_total: (875 + 1500) * 0.2, date: '2026-03-01T00:00:00' });
    expect((await f.get<HaloRecord>(`/api/Quotation/${id}`)).json.lines).toBeUndefined();
    const detailed = (await f.get<HaloRecord>(`/api/Quotation/${id}?includedetails=true`)).json;
    expect(detailed.lines).toMatchObject([{ qhid: id, quantity: 25, price: 35, billingperiod: 2, net_total: 875 }, { qhid: id, net_total: 1500 }]);
    const listed = (await f.get<{ quotes: HaloRecord[] }>(`/api/Quotation?ticket_id=1&includelines=true`)).json.quotes.find((q) => q.id === id);
    expect(listed?.lines).toHaveLength(2);
    const firstLine = (detailed.lines as HaloRecord[])[0] as HaloRecord;
    const updated = (await f.post<HaloRecord>('/api/Quotation', [{ id, lines: [{ id: firstLine.id, quantity: 10 }] }])).json;
    expect(updated.total).toBe(350 * 1.2);
  });

  it('creates a sales order from a quote with _create_so', async () => {
    const quote = (await f.post<HaloRecord>('/api/Quotation', [{ client_id: 12, title: 'To order', lines: [{ item_id: 1, quantity: 2, price: 10 }], _create_so: true }])).json;
    expect(quote.salesorder_id).toBeGreaterThan(0);
    const order = (await f.get<HaloRecord>(`/api/SalesOrder/${String(quote.salesorder_id)}?includedetails=true`)).json;
    expect(order).toMatchObject({ quotation_id: quote.id, client_id: 12 });
    expect(order.lines).toMatchObject([{ quantity: 2, price: 10 }]);
  });

  it('saves a POST with other values under a storeDifferently fault, as when a Halo rule overrides what was sent', async () => {
    control().setFault({ kind: 'storeDifferently', match: 'POST /api/Item', set: { baseprice: 1 } });
    const saved = (await f.post<HaloRecord>('/api/Item', [{ name: 'Overridden price', assetgroup_id: 1, baseprice: 99 }])).json;
    expect(saved.baseprice).toBe(1);
    expect(control().get('items', saved.id as number)?.baseprice).toBe(1);
    const next = (await f.post<HaloRecord>('/api/Item', [{ name: 'Kept price', assetgroup_id: 1, baseprice: 99 }])).json;
    expect(next.baseprice).toBe(99);
  });

  it('answers 405 for methods an endpoint lacks and 404 for unknown endpoints', async () => {
    expect((await f.del('/api/Client')).status).toBe(405);
    expect((await f.post('/api/WebhookEvent', [{}])).status).toBe(405);
    expect((await f.get('/api/NoSuchThing')).status).toBe(404);
  });

  it('updates settings through POST /api/Control', async () => {
    const r = await f.post<HaloRecord>('/api/Control', [{ quoteexpirydays: 45 }]);
    expect(r.json.quoteexpirydays).toBe(45);
    expect(control().settings().quoteexpirydays).toBe(45);
  });
});

describe('Halo simulator: validation error shape switch', () => {
  it('wraps field errors in ProblemDetails when asked', async () => {
    const f = await simFixture({ scale: 'empty', quirks: { validationErrorShape: 'problemdetails' } });
    try {
      const r = await f.post<HaloRecord>('/api/Item', [{ name: 'x', baseprice: 'cheap' }]);
      expect(r.status).toBe(400);
      expect(r.json).toMatchObject({ status: 400, title: expect.any(String), errors: { '[0].baseprice': [expect.stringMatching(/double/)] } });
    } finally {
      await f.stop();
    }
  });
});

describe('Halo simulator: quote-line quantity and unit-price names (unknown in Halo: drawn from the seed)', () => {
  // Seeds 1, 4 and 12 read different names (truth.ts); each reads one quantity and one unit-price name only.
  for (const truthSeed of [1, 4, 12]) {
    it(`honours only its own names under truth seed ${truthSeed}, defaulting an ignored quantity to 1 and price to 0`, async () => {
      const f = await simFixture({ scale: 'empty', truthSeed });
      try {
        const { quoteLineQuantityField: qty, quoteLineUnitPriceField: price } = f.sim.truth;
        const all = { quantity: 2, qty: 3, count: 4, baseprice: 10, price: 20, unit_price: 30 };
        const client = (await f.post<HaloRecord>('/api/Client', [{ name: 'Line Names Ltd' }])).json;
        const q = (await f.post<HaloRecord>('/api/Quotation', [{
          client_id: client.id,
          lines: [
            { name: 'Every name', ...all, sort_seq: 1 },
            { name: 'Other names only', ...Object.fromEntries(Object.entries(all).filter(([k]) => k !== qty && k !== price)), sort_seq: 2 },
          ],
        }])).json;
        const lines = (await f.get<HaloRecord>(`/api/Quotation/${String(q.id)}?includedetails=true`)).json.lines as HaloRecord[];
        const others = Object.keys(all).filter((k) => k !== qty && k !== price);
        expect(lines[0]).toMatchObject({ [qty]: all[qty], [price]: all[price] });
        expect(lines[1]).toMatchObject({ [qty]: 1, [price]: 0, net_total: 0 });
        for (const line of lines) for (const k of others) expect(line, `"${k}" is not this Halo's name`).not.toHaveProperty(k);
        expect(q.total).toBe(Math.round(all[qty] * all[price] * 100) / 100);
      } finally {
        await f.stop();
      }
    });
  }
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMPTY_DATE, HaloRecord } from '../../src/halo-sim';
import { SimFixture, simFixture } from './helpers';

describe('Halo simulator: serialisation quirks', () => {
  let f: SimFixture;
  beforeAll(async () => {
    f = await simFixture();
  });
  afterAll(() => f.stop());

  const zoneless = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,7})?$/;

  it('writes datetimes as ISO-8601 without a zone', async () => {
    const client = (await f.get<HaloRecord>('/api/Client/12')).json;
    expect(client.alastupdate).toMatch(zoneless);
    expect(client.datecreated).toMatch(zoneless);
    const posted = (await f.post<HaloRecord>('/api/Quotation', [{ client_id: 12, date: '2026-03-01T10:00:00Z', expiry_date: '2026-03-31T00:00:00+02:00' }])).json;
    expect(posted).toMatchObject({ date: '2026-03-01T10:00:00', expiry_date: '2026-03-30T22:00:00' });
  });

  it('writes empty dates as 1900-01-01T00:00:00', async () => {
    const open = (await f.get<{ tickets: HaloRecord[] }>('/api/Opportunities?open_only=true&count=1')).json.tickets[0] as HaloRecord;
    expect(open.dateclosed).toBe(EMPTY_DATE);
    const posted = (await f.post<HaloRecord>('/api/Quotation', [{ client_id: 12, expiry_date: null }])).json;
    expect(posted.expiry_date).toBe(EMPTY_DATE);
  });

  it('writes Site.client_id and Users.site_id as doubles (12.0) in the raw body', async () => {
    const site = await f.get('/api/Site?client_id=12');
    expect(site.text).toMatch(/"client_id":12\.0[,}]/);
    const users = await f.get('/api/Users?client_id=12');
    expect(users.text).toMatch(/"site_id":\d+\.0[,}]/);
    expect(users.text).toMatch(/"client_id":12[,}]/);
  });

  it('writes integral prices as doubles and leaves integer ids alone', async () => {
    const item = await f.post('/api/Item', [{ name: 'Round price', baseprice: 100, taxcode: 1 }]);
    expect(item.text).toMatch(/"baseprice":100\.0[,}]/);
    expect(item.text).toMatch(/"taxcode":1[,}]/);
    expect(item.text).toMatch(/"id":\d+[,}]/);
  });

  it('can write doubles as plain JSON numbers when the switch is off', async () => {
    const plain = await simFixture({ quirks: { doublesAsFloats: false } });
    try {
      expect((await plain.get('/api/Site?client_id=12')).text).toMatch(/"client_id":12[,}]/);
    } finally {
      await plain.stop();
    }
  });

  it('carries a ticket\'s team as its name', async () => {
    const ticket = (await f.get<HaloRecord>('/api/Tickets/1')).json;
    expect(typeof ticket.team).toBe('string');
    expect(['Sales', 'Account Management']).toContain(ticket.team);
  });

  it('stores a team id posted into the team field as the string it becomes', async () => {
    const r = (await f.post<HaloRecord>('/api/Tickets', [{ id: 2, team: 2 }])).json;
    expect(r.team).toBe('2');
  });
});

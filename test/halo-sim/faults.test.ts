import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HaloRecord } from '../../src/halo-sim';
import { SimFixture, simFixture, tokenFor } from './helpers';

describe('Halo simulator: faults', () => {
  let f: SimFixture;
  beforeAll(async () => {
    f = await simFixture();
  });
  afterAll(() => f.stop());
  afterEach(() => {
    f.sim.control.clearFaults();
    f.sim.control.setRateLimit(false);
  });
  const control = () => f.sim.control;

  it('delays matching requests by the given latency', async () => {
    control().setFault({ kind: 'latency', ms: 200, match: { method: 'GET', path: '/api/Client' } });
    const started = Date.now();
    expect((await f.get('/api/Client?count=1')).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    const quick = Date.now();
    await f.get('/api/Client?count=1');
    expect(Date.now() - quick).toBeLessThan(150);
  });

  it('answers a burst of 5xx for the given count, then recovers, without touching state', async () => {
    control().setFault({ kind: 'error5xx', status: 503, count: 2, match: { path: '/api/Item' } });
    expect((await f.post('/api/Item', [{ name: 'never stored' }])).status).toBe(503);
    expect((await f.get('/api/Item')).status).toBe(503);
    expect((await f.get('/api/Item')).status).toBe(200);
    expect(control().list('items', (i) => i.name === 'never stored')).toHaveLength(0);
    expect((await f.get('/api/Client?count=1')).status).toBe(200);
  });

  it('hangs and then answers 504 like the gateway in front of Halo', async () => {
    control().setFault({ kind: 'hang', ms: 150, match: '/api/Tickets/*' });
    const started = Date.now();
    const r = await f.get('/api/Tickets/1');
    expect(r.status).toBe(504);
    expect(r.text).toContain('504 Gateway Time-out');
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('lets a client give up on a hanging request', async () => {
    control().setFault({ kind: 'hang', ms: 5_000 });
    await expect(fetch(`${f.sim.url}/api/Client`, { headers: { authorization: `Bearer ${f.token}` }, signal: AbortSignal.timeout(100) })).rejects.toThrow();
  });

  it('applies a write whose response then times out (did it go through?)', async () => {
    control().setFault({ kind: 'timeoutAfterApply', ms: 50, match: 'POST /api/Client' });
    const r = await f.post('/api/Client', [{ name: 'Applied But Unanswered Ltd' }]);
    expect(r.status).toBe(504);
    expect(control().list('clients', (c) => c.name === 'Applied But Unanswered Ltd')).toHaveLength(1);
  });

  it('answers 429 with Halo\'s text for a rateLimit fault', async () => {
    control().setFault({ kind: 'rateLimit' });
    const r = await f.get('/api/Client');
    expect(r.status).toBe(429);
    expect(r.text).toBe('Rate Limit Reached - 300 Requests per rolling 5 minute window');
  });

  it('enforces a rolling-window rate limit that frees up as the window slides', async () => {
    control().setRateLimit({ max: 5, windowMs: 60_000 });
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await f.get('/api/Status')).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
    const limited = await f.get('/api/Status');
    expect(limited.text).toBe('Rate Limit Reached - 5 Requests per rolling 1 minute window');
    expect(limited.headers.get('retry-after')).toBeNull();
    control().advanceTime(61_000);
    expect((await f.get('/api/Status')).status).toBe(200);
  });

  it('rate-limits at 300 requests per 5 minutes by default', async () => {
    const g = await simFixture({ scale: 'empty', rateLimit: undefined });
    try {
      const results = await Promise.all(Array.from({ length: 305 }, () => g.get('/api/Tax')));
      // The token request that the fixture made counts too.
      expect(results.filter((r) => r.status === 429)).toHaveLength(6);
    } finally {
      await g.stop();
    }
  });

  it('sends Retry-After when that switch is on', async () => {
    const g = await simFixture({ scale: 'empty', rateLimit: { max: 1, windowMs: 30_000 }, quirks: { rateLimitRetryAfter: true } });
    try {
      const r = await g.get('/api/Tax');
      expect(r.status).toBe(429);
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
    } finally {
      await g.stop();
    }
  });

  it('expires tokens mid-run so the next call gets 401 and a re-issued token succeeds', async () => {
    const token = await tokenFor(f.sim);
    expect((await f.get('/api/Users?count=1', token)).status).toBe(200);
    control().expireTokens();
    expect((await f.get('/api/Users?count=1', token)).status).toBe(401);
    expect((await f.get('/api/Users?count=1', await tokenFor(f.sim))).status).toBe(200);
  });

  it('changes a record between two page fetches, shifting the pages a client walks', async () => {
    const token = await tokenFor(f.sim);
    const page = async (n: number) =>
      ((await f.get<{ clients: HaloRecord[] }>(`/api/Client?pageinate=true&page_size=5&page_no=${n}`, token)).json.clients).map((c) => c.name as string);
    const before = [...(await page(1)), ...(await page(2))];
    control().changeBetweenPages({ match: 'GET /api/Client', afterPage: 1, change: (c) => c.create('clients', { name: '0000 Inserted First' }) });
    const first = await page(1);
    const second = await page(2);
    expect(first).toEqual(before.slice(0, 5));
    expect(second[0]).toBe(before[4]);
    expect(control().list('clients', (c) => c.name === '0000 Inserted First')).toHaveLength(1);
  });
});

describe('Halo simulator: request counting and the HTTP control API', () => {
  let f: SimFixture;
  beforeAll(async () => {
    f = await simFixture();
  });
  afterAll(() => f.stop());
  const control = () => f.sim.control;

  it('counts requests per endpoint with method, path and query', async () => {
    control().resetCounts();
    await f.get('/api/Client?pageinate=true&page_no=1');
    await f.get('/api/Client?pageinate=true&page_no=2');
    await f.get('/api/Client/12');
    await f.post('/api/Client', [{ id: 12, notes: 'x' }]);
    expect(control().requestCount()).toBe(4);
    expect(control().requestCount('GET /api/Client')).toBe(2);
    expect(control().requestCount('/api/Client/*')).toBe(1);
    expect(control().requestCount({ method: 'POST' })).toBe(1);
    expect(control().requestCount(/\/api\/client/i)).toBe(4);
    expect(control().requests('GET /api/Client').map((r) => r.query.page_no)).toEqual(['1', '2']);
    expect(control().requests()[3]).toMatchObject({ method: 'POST', path: '/api/Client', status: 200 });
    control().resetCounts();
    expect(control().requestCount()).toBe(0);
  });

  it('exposes state, counts, faults and time over /_sim for standalone use', async () => {
    const sim = (path: string, init?: RequestInit) => fetch(`${f.sim.url}/_sim/${path}`, init).then(async (r) => ({ status: r.status, json: (await r.json()) as any }));
    const send = (method: string, path: string, body: unknown) =>
      sim(path, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

    expect((await sim('tables/clients/12')).json).toMatchObject({ name: 'Acme Managed Services' });
    const updated = await send('PATCH', 'tables/users/3', { phonenumber: '+1 555 0100' });
    expect(updated.json.phonenumber).toBe('+1 555 0100');
    const created = await send('POST', 'tables/items', { name: 'Scripted item' });
    expect(created.json.id).toBeGreaterThan(0);
    expect((await sim('tables/nope')).status).toBe(404);
    expect((await send('PATCH', 'tables/users/3', { site_id: 'abc' })).status).toBe(400);

    await sim('requests', { method: 'DELETE' });
    await f.get('/api/Item?count=1');
    expect((await sim('requests/count?path=/api/Item')).json).toEqual({ count: 1 });

    await send('POST', 'faults', { kind: 'error5xx', status: 502 });
    expect((await f.get('/api/Item')).status).toBe(502);
    await send('PUT', 'rate-limit', { max: 1, windowMs: 60_000 });
    await f.get('/api/Item');
    expect((await f.get('/api/Item')).status).toBe(429);
    await send('PUT', 'rate-limit', false);

    await send('POST', 'page-change', { match: 'GET /api/Item', afterPage: 1, change: { kind: 'update', table: 'items', id: 1, fields: { name: 'Changed between pages' } } });
    await f.get('/api/Item?pageinate=true&page_size=5&page_no=1');
    expect(control().get('items', 1)?.name).toBe('Changed between pages');

    await sim('tokens/expire', { method: 'POST' });
    expect((await f.get('/api/Item')).status).toBe(401);
    const token = await tokenFor(f.sim);
    await send('POST', 'apps', { clientId: 'scripted', clientSecret: 's', scopes: ['all'], loginType: 'agent' });
    expect(await tokenFor(f.sim, 'scripted', 's')).toEqual(expect.any(String));
    const before = control().now();
    await send('POST', 'time/advance', { ms: 3_600_000 });
    expect(control().now() > before).toBe(true);
    expect((await f.get('/api/Item', token)).status).toBe(401);
    expect((await sim('webhooks/deliveries')).json).toEqual([]);
    expect((await sim('unknown')).status).toBe(404);
  });
});

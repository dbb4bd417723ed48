import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HaloError, createHaloClient } from '../../src/halo';
import { clientFor, collect, startSim, type Sim } from './helpers';

describe('connecting to Halo (simulator)', () => {
  let sim: Sim;
  beforeAll(async () => {
    sim = await startSim();
  });
  afterAll(() => sim.stop());

  it('works from every URL form a person types', async () => {
    const u = new URL(sim.url);
    const forms = [sim.url, `${sim.url}/`, `${sim.url}/api`, `${sim.url}/api/`, `${sim.url}/auth`, `  ${sim.url}/API  `, `${u.host}`, `${u.host}/api`];
    for (const baseUrl of forms) {
      const client = clientFor(sim, { baseUrl });
      const me = await client.me();
      expect(me.id, baseUrl).toBe(sim.control.apiAgentId);
    }
  });

  it('discovers the auth server and tenant through /api/authinfo', async () => {
    const client = clientFor(sim);
    const auth = await client.authEndpoint();
    expect(auth).toMatchObject({ authUrl: `${sim.url}/auth`, tenant: sim.tenant, source: 'authinfo' });
    sim.control.resetCounts();
    await client.clients.all();
    const tokenCalls = sim.control.requests('POST /auth/token');
    expect(tokenCalls).toHaveLength(1);
    expect(tokenCalls[0].query.tenant).toBe(sim.tenant);
  });

  it('falls back to {base}/auth when /api/authinfo is unavailable', async () => {
    sim.control.setFault({ kind: 'error5xx', match: { method: 'GET', path: '/api/authinfo' }, count: 10, status: 404 });
    try {
      const client = clientFor(sim, { tenant: sim.tenant });
      expect(await client.authEndpoint()).toMatchObject({ authUrl: `${sim.url}/auth`, source: 'default' });
      expect((await client.me()).id).toBe(sim.control.apiAgentId);
    } finally {
      sim.control.clearFaults();
    }
  });

  it('a 5xx from /api/authinfo is transient (not a silent fallback that would drop the tenant)', async () => {
    sim.control.setFault({ kind: 'error5xx', status: 502, match: { method: 'GET', path: '/api/authinfo' }, count: 3 });
    try {
      const client = clientFor(sim, { retry: { maxAttempts: 2 } });
      const err = (await client.me().catch((e: unknown) => e)) as HaloError;
      expect(err).toMatchObject({ kind: 'transient', status: 502, path: '/api/authinfo' });
      // The next call discovers again and succeeds.
      expect((await client.me()).id).toBe(sim.control.apiAgentId);
    } finally {
      sim.control.clearFaults();
    }
  });

  it('a wrong tenant is a credentials problem, not a crash', async () => {
    const client = clientFor(sim, { tenant: 'someone-else' });
    const err = (await client.me().catch((e: unknown) => e)) as HaloError;
    expect(err).toBeInstanceOf(HaloError);
    expect(err.kind).toBe('bad_credentials');
  });

  it('requests one token however many callers wait for it', async () => {
    const client = clientFor(sim);
    sim.control.resetCounts();
    await Promise.all(Array.from({ length: 25 }, () => client.statuses.all()));
    expect(sim.control.requestCount('POST /auth/token')).toBe(1);
    expect(sim.control.requestCount('GET /api/authinfo')).toBe(1);
  });

  it('renews the token mid-pagination and finishes the list', async () => {
    const client = clientFor(sim);
    const expected = sim.control.list('clients').length;
    await client.me(); // token issued
    sim.control.resetCounts();
    sim.control.changeBetweenPages({ match: 'GET /api/Client', afterPage: 2, change: (c) => c.expireTokens() });
    const rows = await collect(client.clients.list({ includeinactive: true }, { pageSize: 5 }));
    expect(rows).toHaveLength(expected);
    expect(new Set(rows.map((r) => r.id)).size).toBe(expected);
    expect(sim.control.requestCount('POST /auth/token')).toBe(1);
    const statuses = sim.control.requests('GET /api/Client').map((r) => r.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(1);
  });

  it('renews a token that expires by lifetime, before Halo rejects it', async () => {
    const short = await startSim({ scale: 'empty', tokenLifetimeSeconds: 2 });
    try {
      const client = clientFor(short);
      await client.me();
      short.control.advanceTime(3_000);
      // Halo's clock moved on; our cache thinks the token is fine, Halo answers 401, we renew once.
      await client.me();
      expect(short.control.requestCount('POST /auth/token')).toBe(2);
    } finally {
      await short.stop();
    }
  });

  it('renews early, before Halo would reject the token (no 401 on the way)', async () => {
    const short = await startSim({ scale: 'empty', tokenLifetimeSeconds: 2 });
    try {
      const client = clientFor(short);
      await client.me();
      await new Promise((r) => setTimeout(r, 1_600)); // past 2 s − min(60 s, lifetime / 4)
      await client.me();
      expect(short.control.requestCount('POST /auth/token')).toBe(2);
      expect(short.control.requests('GET /api/Agent/me').map((r) => r.status)).toEqual([200, 200]);
    } finally {
      await short.stop();
    }
  });

  it('repeated 401 after renewal is bad_credentials, not a loop', async () => {
    const app = { clientId: 'app-deactivated', clientSecret: 'secret-deactivated-123', scopes: ['all'], loginType: 'agent' as const };
    sim.control.addApp(app);
    const client = createHaloClient({ baseUrl: sim.url, ...app, scopes: 'all', rateBudget: false, retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2 } });
    await client.me();
    const me = await client.me();
    sim.control.setAgentActive(me.id, false);
    sim.control.resetCounts();
    const err = (await client.me().catch((e: unknown) => e)) as HaloError;
    expect(err.kind).toBe('bad_credentials');
    expect(sim.control.requestCount('GET /api/Agent/me')).toBeLessThanOrEqual(2);
  });
});

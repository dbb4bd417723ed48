import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HaloError, HaloOutcomeUnknownError, createHaloClient, resetRateGovernors } from '../../src/halo';
import { clientFor, startSim, type Sim } from './helpers';

describe('resilience (simulator faults)', () => {
  let sim: Sim;
  beforeAll(async () => {
    sim = await startSim();
  });
  afterAll(() => sim.stop());

  it('rides out a 429 storm', async () => {
    const client = clientFor(sim);
    await client.me();
    sim.control.resetCounts();
    sim.control.setFault({ kind: 'rateLimit', match: { method: 'GET', path: '/api/Client' }, count: 3 });
    const rows = await client.clients.all();
    expect(rows.length).toBeGreaterThan(0);
    expect(sim.control.requests('GET /api/Client').filter((r) => r.status === 429)).toHaveLength(3);
  });

  it('rides out a 5xx burst on reads', async () => {
    const client = clientFor(sim);
    sim.control.setFault({ kind: 'error5xx', status: 502, match: { method: 'GET', path: '/api/Item' }, count: 3 });
    expect((await client.items.all({ includeinactive: true })).length).toBe(sim.control.count('items'));
  });

  it('times out a hanging read and retries it', async () => {
    const client = clientFor(sim, { timeoutMs: 200 });
    await client.me();
    sim.control.setFault({ kind: 'hang', ms: 1_500, match: { method: 'GET', path: '/api/Tax' }, count: 1 });
    const t0 = Date.now();
    expect((await client.taxes.all()).length).toBe(sim.control.count('taxes'));
    expect(Date.now() - t0).toBeLessThan(1_000);
  });

  it('gives up on a read that keeps hanging with a transient error', async () => {
    const client = clientFor(sim, { timeoutMs: 150, retry: { maxAttempts: 2 } });
    await client.me();
    sim.control.setFault({ kind: 'hang', ms: 1_000, match: { method: 'GET', path: '/api/Category' }, count: 2 });
    const err = (await client.categories.all().catch((e: unknown) => e)) as HaloError;
    expect(err).toBeInstanceOf(HaloError);
    expect(err).toMatchObject({ kind: 'transient', reason: 'timeout', method: 'GET', path: '/Category', attempts: 2 });
    sim.control.clearFaults();
  });

  it('a POST that times out after Halo applied it → outcome unknown with the body, and no duplicate', async () => {
    const client = clientFor(sim, { timeoutMs: 200 });
    await client.me();
    sim.control.resetCounts();
    sim.control.setFault({ kind: 'timeoutAfterApply', ms: 1_000, match: { method: 'POST', path: '/api/Client' }, count: 1 });
    const record = { name: 'Outcome Unknown Ltd', website: 'https://ou.example' };
    const err = await client.clients.upsert([record]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HaloOutcomeUnknownError);
    const e = err as HaloOutcomeUnknownError;
    expect(e).toMatchObject({ kind: 'outcome_unknown', method: 'POST', path: '/Client', reason: 'timeout' });
    expect(e.sent).toEqual([record]);
    expect(sim.control.requestCount('POST /api/Client')).toBe(1);
    expect(sim.control.list('clients', (c) => c.name === record.name)).toHaveLength(1);
  });

  it('a POST answered by a gateway 504 → outcome unknown, not retried', async () => {
    const client = clientFor(sim);
    await client.me();
    sim.control.resetCounts();
    sim.control.setFault({ kind: 'timeoutAfterApply', ms: 10, match: { method: 'POST', path: '/api/Client' }, count: 1 });
    const err = await client.clients.upsert([{ name: 'Gateway 504 Ltd' }]).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'outcome_unknown', status: 504 });
    expect(sim.control.requestCount('POST /api/Client')).toBe(1);
    expect(sim.control.list('clients', (c) => c.name === 'Gateway 504 Ltd')).toHaveLength(1);
  });

  it('secrets in a sent body are blanked in the outcome-unknown error', async () => {
    const client = clientFor(sim, { timeoutMs: 200 });
    sim.control.setFault({ kind: 'timeoutAfterApply', ms: 1_000, match: { method: 'POST', path: '/api/Webhook' }, count: 1 });
    const err = (await client.webhooks
      .upsert([{ name: 'hook', url: 'https://example.com/h', basic_password: 'hook-shared-secret-999' }])
      .catch((e: unknown) => e)) as HaloOutcomeUnknownError;
    expect(err.kind).toBe('outcome_unknown');
    expect(JSON.stringify(err)).not.toContain('hook-shared-secret-999');
    expect(err.sent).toEqual([{ name: 'hook', url: 'https://example.com/h', basic_password: '[redacted]' }]);
  });

  it('a POST refused with 503 or 429 before processing is retried and saved once', async () => {
    const client = clientFor(sim);
    await client.me();
    sim.control.resetCounts();
    sim.control.setFault({ kind: 'error5xx', status: 503, match: { method: 'POST', path: '/api/Client' }, count: 1 });
    sim.control.setFault({ kind: 'rateLimit', match: { method: 'POST', path: '/api/Client' }, count: 1 });
    const [saved] = await client.clients.upsert([{ name: 'Retried Once Ltd' }]);
    expect(saved.id).toBeGreaterThan(0);
    expect(sim.control.requestCount('POST /api/Client')).toBe(3);
    expect(sim.control.list('clients', (c) => c.name === 'Retried Once Ltd')).toHaveLength(1);
  });

  it('a POST that got a 500 is not retried (Halo may have saved part of it)', async () => {
    const client = clientFor(sim);
    await client.me();
    sim.control.resetCounts();
    sim.control.setFault({ kind: 'error5xx', status: 500, match: { method: 'POST', path: '/api/Client' }, count: 1 });
    const err = await client.clients.upsert([{ name: 'Five Hundred Ltd' }]).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'outcome_unknown', status: 500, haloMessage: 'An unexpected error occurred.' });
    expect(sim.control.requestCount('POST /api/Client')).toBe(1);
  });
});

describe('rate governor against a rate-limited Halo', () => {
  const budget = { max: 20, windowMs: 2_000 };
  let sim: Sim;
  beforeAll(async () => {
    sim = await startSim({ rateLimit: budget });
  });
  afterAll(() => sim.stop());

  it('a burst costing more than the budget finishes at the budget pace with (almost) no 429s', async () => {
    resetRateGovernors();
    // Two independent clients for the same instance share one governor.
    const a = clientFor(sim, { rateBudget: budget });
    const b = clientFor(sim, { rateBudget: budget });
    const ids = sim.control.list('clients').map((c) => Number(c.id));
    const work = Array.from({ length: 45 }, (_, i) => ids[i % ids.length]);
    sim.control.resetCounts();
    sim.control.resetRateLimit();
    const t0 = Date.now();
    const results = await Promise.all(work.map((id, i) => (i % 2 ? a : b).clients.get(id)));
    const elapsed = Date.now() - t0;
    expect(results.every((r) => r !== null)).toBe(true);
    const all = sim.control.requests();
    const total = all.length;
    const tooMany = all.filter((r) => r.status === 429).length;
    // 45 reads + 2×(authinfo + token) = 49 requests → 3 windows of 20 → the last starts ~4 s in.
    const windows = Math.ceil(total / budget.max);
    console.info(`[governor] ${total} requests, ${tooMany} × 429, ${elapsed} ms (ideal ≥ ${(windows - 1) * budget.windowMs} ms)`);
    expect(tooMany).toBeLessThanOrEqual(3);
    expect(elapsed).toBeGreaterThanOrEqual((windows - 1) * budget.windowMs - 100);
    expect(elapsed).toBeLessThan((windows - 1) * budget.windowMs + 2_500);
  });

  it('without the governor the same burst meets a wall of 429s', async () => {
    await new Promise((r) => setTimeout(r, budget.windowMs + 100));
    sim.control.resetRateLimit();
    // maxRateLimitWaitMs 0: fail on the first 429 instead of waiting for the window (429s spend no attempts).
    const c = createHaloClient({ baseUrl: sim.url, clientId: sim.clientId, clientSecret: sim.clientSecret, rateBudget: false, retry: { maxAttempts: 1, maxRateLimitWaitMs: 0 } });
    const ids = sim.control.list('clients').map((x) => Number(x.id));
    await c.me();
    const outcomes = await Promise.allSettled(Array.from({ length: 45 }, (_, i) => c.clients.get(ids[i % ids.length])));
    const limited = outcomes.filter((o) => o.status === 'rejected' && (o.reason as HaloError).kind === 'rate_limited').length;
    console.info(`[no governor] ${limited} of 45 reads refused with 429`);
    expect(limited).toBeGreaterThan(20);
  });
});

describe('Retry-After (simulator quirk: Halo is not known to send it)', () => {
  let sim: Sim;
  beforeAll(async () => {
    sim = await startSim({ rateLimit: { max: 4, windowMs: 1_500 }, quirks: { rateLimitRetryAfter: true } });
  });
  afterAll(() => sim.stop());

  it('waits as long as Halo says, then completes', async () => {
    const client = clientFor(sim, { retry: { maxAttempts: 5, baseDelayMs: 1, maxDelayMs: 2 } });
    await client.me(); // authinfo + token + me = 3 of 4
    const t0 = Date.now();
    const results = await Promise.all([client.statuses.all(), client.taxes.all(), client.teams.all()]);
    expect(results.every((r) => r.length > 0)).toBe(true);
    // Backoff alone would be ≤ 2 ms; the wait came from Retry-After (≥ 1 s).
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
    expect(sim.control.requests().filter((r) => r.status === 429).length).toBeGreaterThan(0);
  });

  it('fails fast with rate_limited when Retry-After is longer than we are willing to wait', async () => {
    const client = clientFor(sim, { retry: { maxRetryAfterMs: 5_000 } });
    await new Promise((r) => setTimeout(r, 1_600));
    await client.me();
    sim.control.setFault({ kind: 'rateLimit', match: 'GET /api/Item', count: 1 }); // Retry-After: 60
    const t0 = Date.now();
    const err = (await client.items.all().catch((e: unknown) => e)) as HaloError;
    expect(err).toMatchObject({ kind: 'rate_limited', retryAfterMs: 60_000, status: 429 });
    expect(Date.now() - t0).toBeLessThan(500);
  });
});

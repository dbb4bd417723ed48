import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HaloError, createHaloClient, newHaloSession, type HaloClientOptions, type RateGovernor } from '../../src/halo';
import { startSim, type Sim } from './helpers';

/**
 * Issue 13: the token request got a 429 and went through the generic 0.5 s backoff (no governor penalty, no 5 s
 * doubling), spending its attempts, so every entity of a sync asked for a token of its own and failed. Token and
 * discovery requests now take the same 429 path as API requests: the governor is told, the waits double from
 * `rateLimitDelayMs`, and a 429 spends no attempt.
 */
describe('token and authinfo requests under a full rate window (simulator)', () => {
  const window = { max: 3, windowMs: 600 };
  let sim: Sim;
  beforeAll(async () => {
    sim = await startSim({ rateLimit: window });
  });
  afterAll(() => sim.stop());

  /** A governor that lets everything through and records the penalties it is given. */
  const recording = () => {
    const penalties: number[] = [];
    const governor: RateGovernor = { acquire: () => Promise.resolve(), penalize: (ms) => penalties.push(ms) };
    return { governor, penalties };
  };

  const options = (governor: RateGovernor, extra: Partial<HaloClientOptions> = {}): HaloClientOptions => ({
    baseUrl: sim.url,
    clientId: sim.clientId,
    clientSecret: sim.clientSecret,
    rateGovernor: governor,
    timeoutMs: 2_000,
    ...extra,
    // One attempt only: the generic backoff path would give up at the first 429. The rate-limit path starts at
    // 100 ms and doubles (equal jitter: each wait is between half and all of 100·2^(n-1) ms).
    retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 10_000, rateLimitDelayMs: 100, ...extra.retry },
  });

  /** Uses up the simulator's window with requests of our own, so the next request meets a 429. */
  const fillWindow = async () => {
    sim.control.resetRateLimit();
    for (let i = 0; i < window.max; i++) await fetch(`${sim.url}/api/instanceinfo`);
    expect((await fetch(`${sim.url}/api/instanceinfo`)).status).toBe(429);
  };

  const expectRateLimitPath = (penalties: number[]) => {
    expect(penalties.length).toBeGreaterThan(0);
    penalties.forEach((ms, i) => {
      const cap = 100 * 2 ** i;
      expect(ms, `wait ${i + 1} of ${penalties.join(', ')}`).toBeGreaterThanOrEqual(cap / 2);
      expect(ms).toBeLessThanOrEqual(cap + 1);
    });
  };

  it('a 429 on the token request penalises the governor, doubles from the rate-limit delay and spends no attempt', async () => {
    const { governor, penalties } = recording();
    const client = createHaloClient(options(governor));
    await client.authEndpoint(); // discovery first: the 429s below are the token request's alone
    await fillWindow();
    sim.control.resetCounts();
    const sentBefore = client.transport.stats.apiRequests;

    await client.transport.getToken();

    const tokenRequests = sim.control.requests('POST /auth/token');
    expect(tokenRequests.filter((r) => r.status === 429).length).toBe(penalties.length);
    expect(tokenRequests.at(-1)?.status).toBe(200);
    expectRateLimitPath(penalties);
    expect(client.transport.stats.rateLimited).toBe(penalties.length);
    // Every try is a request Halo saw, and the transport counted it.
    expect(client.transport.stats.apiRequests - sentBefore).toBe(sim.control.requestCount());
  });

  it('so does a 429 on /api/authinfo', async () => {
    const { governor, penalties } = recording();
    const client = createHaloClient(options(governor));
    await fillWindow();
    sim.control.resetCounts();

    const auth = await client.authEndpoint();

    expect(auth.source).toBe('authinfo');
    expect(sim.control.requests('GET /api/authinfo').filter((r) => r.status === 429).length).toBe(penalties.length);
    expectRateLimitPath(penalties);
  });

  it('gives up with rate_limited only once its 429 waits would pass maxRateLimitWaitMs', async () => {
    const { governor, penalties } = recording();
    const client = createHaloClient(options(governor, { retry: { maxRateLimitWaitMs: 0 } }));
    await client.authEndpoint();
    await fillWindow();
    const err = (await client.transport.getToken().catch((e: unknown) => e)) as HaloError;
    expect(err).toBeInstanceOf(HaloError);
    expect(err).toMatchObject({ kind: 'rate_limited', status: 429, duringAuth: true });
    expect(penalties).toEqual([]);
  });

  it('goes through the instance governor: a token request waits for a slot like any request', async () => {
    sim.control.resetRateLimit();
    sim.control.resetCounts();
    const order: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const governor: RateGovernor = {
      acquire: async () => {
        order.push('acquire');
        await gate;
      },
    };
    const client = createHaloClient(options(governor));
    const token = client.transport.getToken();
    await new Promise((r) => setTimeout(r, 50));
    expect(sim.control.requestCount()).toBe(0); // authinfo is held at the governor
    release();
    await token;
    expect(order).toEqual(['acquire', 'acquire']); // authinfo, token
  });
});

describe('a session shared between clients of the same credentials', () => {
  let sim: Sim;
  beforeAll(async () => {
    sim = await startSim();
  });
  afterAll(() => sim.stop());

  const opts = (): HaloClientOptions => ({ baseUrl: sim.url, clientId: sim.clientId, clientSecret: sim.clientSecret, rateBudget: false });

  it('asks for discovery and a token once, however many clients and concurrent callers', async () => {
    const session = newHaloSession(opts());
    const clients = Array.from({ length: 4 }, () => createHaloClient({ ...opts(), session }));
    sim.control.resetCounts();
    await Promise.all(clients.flatMap((c) => [c.me(), c.statuses.all()]));
    expect(sim.control.requestCount('GET /api/authinfo')).toBe(1);
    expect(sim.control.requestCount('POST /auth/token')).toBe(1);
    // A later client of the same session reuses the valid token.
    sim.control.resetCounts();
    await createHaloClient({ ...opts(), session }).me();
    expect(sim.control.requestCount()).toBe(1);
  });

  it('renews once for everyone when Halo refuses the token', async () => {
    const session = newHaloSession(opts());
    const clients = Array.from({ length: 3 }, () => createHaloClient({ ...opts(), session }));
    await clients[0].me();
    sim.control.expireTokens();
    sim.control.resetCounts();
    await Promise.all(clients.map((c) => c.me()));
    expect(sim.control.requestCount('POST /auth/token')).toBe(1);
    expect(sim.control.requestCount('GET /api/authinfo')).toBe(0);
  });

  it('a caller that gives up does not take the shared token request down with it', async () => {
    const session = newHaloSession(opts());
    const a = createHaloClient({ ...opts(), session });
    const b = createHaloClient({ ...opts(), session });
    sim.control.setFault({ kind: 'latency', ms: 200, match: 'POST /auth/token', count: 1 });
    const gaveUp = new AbortController();
    const first = a.transport.getToken(gaveUp.signal);
    const second = b.transport.getToken();
    gaveUp.abort(new Error('worker stopping'));
    await expect(first).rejects.toThrow('worker stopping');
    expect(typeof (await second)).toBe('string');
  });

  it('refuses a session made for other credentials', () => {
    const session = newHaloSession(opts());
    expect(() => createHaloClient({ ...opts(), clientSecret: `${sim.clientSecret}x`, session })).toThrow(/other credentials/);
  });
});

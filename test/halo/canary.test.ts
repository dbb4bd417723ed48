import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HaloError, createHaloClient, diagnose, type HaloClient, type HaloClientOptions } from '../../src/halo';
import { captureLogger, startSim, type Sim } from './helpers';

/**
 * No error message, stack, cause, JSON form or log line may ever contain the client secret or an access token,
 * whatever fails. A distinctive canary secret and every token Halo issued are searched for in all of them.
 */
const CANARY = 'CANARY-s3cr3t-7f1e9c2b-do-not-leak';

describe('canary secret never leaks', () => {
  let sim: Sim;
  const tokens = new Set<string>();
  const log = captureLogger();
  const errors: unknown[] = [];

  // Wraps the real fetch only to learn which tokens Halo issued, so we can search for them.
  const spyFetch: typeof fetch = async (input, init) => {
    const res = await fetch(input, init);
    if (String(input).includes('/auth/token') && res.ok) {
      const body = (await res.clone().json()) as { access_token?: string };
      if (body.access_token) tokens.add(body.access_token);
    }
    return res;
  };

  beforeAll(async () => {
    sim = await startSim();
    sim.control.addApp({ clientId: 'canary-app', clientSecret: CANARY, scopes: ['all:standard'], loginType: 'agent' });
  });
  afterAll(() => sim.stop());

  const make = (extra: Partial<HaloClientOptions> = {}): HaloClient =>
    createHaloClient({
      baseUrl: sim.url,
      clientId: 'canary-app',
      clientSecret: CANARY,
      scopes: 'all:standard',
      rateBudget: false,
      timeoutMs: 300,
      logger: log,
      fetch: spyFetch,
      ...extra,
      retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 5, ...extra.retry },
    });

  const expectFail = async (p: Promise<unknown>) => {
    const e = await p.then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(HaloError);
    errors.push(e);
  };

  it('provokes every failure mode', async () => {
    const ok = make();
    await ok.me(); // a token exists from here on
    expect(tokens.size).toBe(1);

    await expectFail(make({ clientSecret: `${CANARY}-wrong` }).me()); // bad secret (invalid_client)
    await expectFail(make({ scopes: 'all:standard admin:webhooks' }).me()); // invalid_scope
    await expectFail(ok.teams.all()); // 403
    await expectFail(ok.items.upsert([{ id: 'x' as unknown as number }])); // validation
    await expectFail(ok.mustGetById('clients', 424242)); // not found
    sim.control.setFault({ kind: 'error5xx', status: 503, match: 'GET /api/Site', count: 5 });
    await expectFail(ok.sites.all()); // transient after retries
    sim.control.setFault({ kind: 'rateLimit', match: 'GET /api/Users', count: 1 });
    await expectFail(make({ retry: { maxRateLimitWaitMs: 0 } }).users.all()); // rate limited (429s wait; this client will not)
    sim.control.setFault({ kind: 'hang', ms: 1_000, match: 'GET /api/Tax', count: 2 });
    await expectFail(ok.taxes.all()); // timeout
    sim.control.setFault({ kind: 'timeoutAfterApply', ms: 1_000, match: 'POST /api/Client', count: 1 });
    await expectFail(ok.clients.upsert([{ name: 'Leak Test Ltd', notes: `token ${[...tokens][0]} secret ${CANARY}` }])); // outcome unknown; body even names them
    await expectFail(make({ baseUrl: 'http://127.0.0.1:1' }).me()); // unreachable
    sim.control.expireTokens();
    sim.control.setAgentActive(sim.control.list('agents', (a) => String(a.name).includes('canary'))[0]?.id as number ?? 0, false);
    await expectFail(ok.me()); // 401 → renewal refused (inactive agent)
    const steps = await diagnose({ baseUrl: sim.url, clientId: 'canary-app', clientSecret: CANARY, logger: log, fetch: spyFetch, rateBudget: false });
    errors.push(steps);
    expect(errors.length).toBeGreaterThanOrEqual(12);
  });

  it('no secret or token in any error or log line', () => {
    expect(tokens.size).toBeGreaterThan(0);
    expect(log.lines.length).toBeGreaterThan(10);
    const needles = [CANARY, encodeURIComponent(CANARY), ...tokens];
    for (const e of errors) {
      const views = [inspect(e, { depth: 20, showHidden: true }), JSON.stringify(e), String(e)];
      if (e instanceof Error) views.push(e.message, e.stack ?? '', inspect(e.cause, { depth: 20 }));
      for (const v of views) for (const n of needles) expect(v.includes(n), `${n.slice(0, 12)}… in ${v.slice(0, 200)}`).toBe(false);
    }
    for (const line of log.lines) for (const n of needles) expect(line.includes(n), line).toBe(false);
  });
});

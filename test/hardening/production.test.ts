import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Company } from '../../src/db/entities';
import { loadConfig } from '../../src/config';
import { startTestApp, TEST_ENCRYPTION_KEYS, type TestApp } from '../support/app';
import { codes, expectNothingRan, gqlBody, send } from './helpers';

describe('production mode: settings', () => {
  const base = { DATABASE_URL: 'postgresql://x@127.0.0.1/x', ENCRYPTION_KEYS: TEST_ENCRYPTION_KEYS };

  it('is the default with NODE_ENV=production: introspection and GraphiQL off', () => {
    const c = loadConfig({ ...base, NODE_ENV: 'production' });
    expect(c).toMatchObject({ productionMode: true, introspection: false, graphiql: false });
  });

  it('is off by default elsewhere, and each part can be switched explicitly', () => {
    expect(loadConfig({ ...base, NODE_ENV: 'development' })).toMatchObject({ productionMode: false, introspection: true, graphiql: true });
    expect(loadConfig({ ...base, NODE_ENV: 'test', PRODUCTION_MODE: 'true' })).toMatchObject({ productionMode: true, introspection: false, graphiql: false });
    expect(loadConfig({ ...base, NODE_ENV: 'production', INTROSPECTION: 'true', GRAPHIQL: 'true' })).toMatchObject({
      productionMode: true,
      introspection: true,
      graphiql: true,
    });
    expect(loadConfig({ ...base, NODE_ENV: 'production', PRODUCTION_MODE: 'false' })).toMatchObject({ productionMode: false, introspection: true });
  });
});

describe('production mode: the public surface', () => {
  let t: TestApp;
  let dev: TestApp;
  let apiKey: string;
  let devKey: string;
  const post = (query: string, variables?: Record<string, unknown>) => send(t.url, { apiKey, body: gqlBody(query, variables) });

  beforeAll(async () => {
    // API only: a worker's background sweeps would show up as SQL in the "nothing ran" checks.
    [t, dev] = await Promise.all([startTestApp({ PRODUCTION_MODE: 'true', ROLES: 'api' }), startTestApp()]);
    const tenant = await t.newTenant();
    apiKey = tenant.apiKey;
    devKey = (await dev.newTenant()).apiKey;
    const em = t.app.orm.em.fork();
    em.create(Company, { tenantId: tenant.tenantId, haloId: 1, name: 'Contoso' });
    await em.flush();
  });
  afterAll(async () => {
    await Promise.all([t?.stop(), dev?.stop()]);
  });

  it('refuses introspection before any resolver runs', async () => {
    for (const q of ['{ __schema { types { name } } }', '{ __type(name: "Company") { fields { name } } }']) {
      const res = await expectNothingRan(t, () => post(q));
      expect(res.status, q).toBe(400);
      expect(codes(res), q).toEqual(['GRAPHQL_VALIDATION_FAILED']);
      expect(res.text).toMatch(/introspection/i);
    }
    // Routers still compose from _service { sdl }, which is not introspection.
    const sdl = await post('{ _service { sdl } }');
    expect(sdl.status).toBe(200);
    expect(JSON.stringify(sdl.json)).toContain('@key');
  });

  it('suggests no field, argument or enum names', async () => {
    const typos = [
      '{ companiez { nodes { id } } }',
      '{ companies { nodes { nam } } }',
      '{ companies(frist: 1) { nodes { id } } }',
    ];
    for (const q of typos) {
      const prod = await expectNothingRan(t, () => post(q));
      expect(prod.status, q).toBe(400);
      expect(prod.text, q).not.toMatch(/did you mean/i);
      // The same mistake in development gets the hint: the test would pass vacuously otherwise.
      const hint = await send(dev.url, { apiKey: devKey, body: gqlBody(q) });
      expect(hint.text, q).toMatch(/did you mean/i);
    }
    const enumTypo = 'mutation M($s: [QuoteStatusMappingInput!]!) { setQuoteStatusMapping(mappings: $s) { __typename } }';
    const variables = { s: [{ status: 'DRAFTT', haloQuoteStatusId: 1 }] };
    const prod = await expectNothingRan(t, () => send(t.url, { apiKey, body: JSON.stringify({ query: enumTypo, variables, operationName: 'M' }) }));
    expect(codes(prod)).toEqual(['BAD_USER_INPUT']);
    expect(prod.text).not.toMatch(/did you mean/i);
    const devRes = await send(dev.url, { apiKey: devKey, body: JSON.stringify({ query: enumTypo, variables, operationName: 'M' }) });
    expect(devRes.text).toMatch(/did you mean/i);
  });

  it('masks an unexpected error: fixed message, INTERNAL_SERVER_ERROR, the request id; the log has the rest', async () => {
    // A real failure, not a mock: the table a resolver reads is gone for a moment.
    const conn = t.app.orm.em.getConnection();
    await conn.execute('alter table company rename to company_away');
    let res;
    try {
      res = await send(t.url, { apiKey, body: gqlBody('{ companies { nodes { id } } }'), headers: { 'x-request-id': 'req-masking-test-1' } });
    } finally {
      await conn.execute('alter table company_away rename to company');
    }
    expect(res.status).toBe(200);
    expect(res.json?.errors).toEqual([
      { message: 'Internal server error', path: ['companies'], extensions: { code: 'INTERNAL_SERVER_ERROR', requestId: 'req-masking-test-1' } },
    ]);
    expect(res.text).not.toMatch(/company|relation|select|stack|at /i);
    expect(res.headers.get('x-request-id')).toBe('req-masking-test-1');
    const logged = t.logLines.filter((l) => l.includes('req-masking-test-1') && l.includes('unexpected GraphQL error'));
    expect(logged.join('\n')).toMatch(/company/);
  });

  it('keeps deliberate errors: BAD_USER_INPUT with its field, HALO_* codes, UNAUTHENTICATED', async () => {
    const page = await post('{ companies(first: 0) { nodes { id } } }');
    expect(page.json?.errors?.[0]).toMatchObject({ message: '`first` must be between 1 and 200', extensions: { code: 'BAD_USER_INPUT', field: 'first' } });
    expect(page.json?.errors?.[0].extensions?.requestId).toEqual(expect.any(String));

    const cursor = await post('{ companies(after: "bm90IGEgY3Vyc29y") { nodes { id } } }');
    expect(cursor.json?.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });

    const halo = await post('{ haloLookups { statuses { id } } }');
    expect(halo.json?.errors?.[0]).toMatchObject({ extensions: { code: 'HALO_NOT_CONNECTED' } });
    expect(halo.json?.errors?.[0].message).toMatch(/connectHalo/);

    const noKey = await send(t.url, { body: gqlBody('{ __typename }') });
    expect(noKey.status).toBe(401);
    expect(codes(noKey)).toEqual(['UNAUTHENTICATED']);
  });

  it('never includes a stack trace', async () => {
    for (const q of ['{ nope }', '{ companies(first: 0) { nodes { id } } }', 'query {']) {
      const res = await post(q);
      expect(res.text, q).not.toMatch(/stacktrace|\.ts:\d+|\.js:\d+/);
    }
  });

  it('serves no GraphiQL page and no Apollo landing page', async () => {
    for (const key of [undefined, apiKey]) {
      const res = await send(t.url, { method: 'GET', apiKey: key, headers: { accept: 'text/html' } });
      expect(res.headers.get('content-type') ?? '').not.toMatch(/html/);
      expect(res.text).not.toMatch(/<html|<script|graphiql/i);
    }
  });

  describe('CSRF: a request a browser could send cross-site without a preflight executes nothing', () => {
    const simple: { name: string; init: Parameters<typeof send>[1] }[] = [
      { name: 'GET with a query', init: { method: 'GET', search: `?query=${encodeURIComponent('{ companies { nodes { id } } }')}` } },
      { name: 'POST text/plain', init: { body: gqlBody('{ companies { nodes { id } } }'), headers: { 'content-type': 'text/plain' } } },
      {
        name: 'POST form-urlencoded',
        init: { body: `query=${encodeURIComponent('{ companies { nodes { id } } }')}`, headers: { 'content-type': 'application/x-www-form-urlencoded' } },
      },
      {
        name: 'POST multipart',
        init: { body: '--x\r\nContent-Disposition: form-data; name="query"\r\n\r\n{ __typename }\r\n--x--\r\n', headers: { 'content-type': 'multipart/form-data; boundary=x' } },
      },
      { name: 'POST without content-type', init: { body: gqlBody('{ __typename }'), headers: { 'content-type': '' } } },
    ];
    for (const { name, init } of simple) {
      it(name, async () => {
        const res = await expectNothingRan(t, () => send(t.url, { ...init, apiKey }));
        expect(res.status).toBe(400);
        expect(res.text).toMatch(/CSRF|preflight|content-type|POST body missing/i);
      });
    }

    it('a GET with a preflight-forcing header runs a query', async () => {
      const res = await send(t.url, {
        method: 'GET',
        apiKey,
        search: `?query=${encodeURIComponent('{ companies { nodes { name } } }')}`,
        headers: { 'apollo-require-preflight': 'true' },
      });
      expect(res.status).toBe(200);
      expect(res.json?.data).toEqual({ companies: { nodes: [{ name: 'Contoso' }] } });
    });

    it('a GET can never run a mutation, even with the preflight header', async () => {
      const res = await expectNothingRan(t, () =>
        send(t.url, {
          method: 'GET',
          apiKey,
          search: `?query=${encodeURIComponent('mutation { disconnectHalo(deleteSyncedData: true) }')}`,
          headers: { 'apollo-require-preflight': 'true' },
        }),
      );
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toBe('POST');
    });
  });
});

describe('production mode with introspection and GraphiQL switched back on', () => {
  let t: TestApp;
  let apiKey: string;
  beforeAll(async () => {
    t = await startTestApp({ PRODUCTION_MODE: 'true', INTROSPECTION: 'true', GRAPHIQL: 'true' });
    apiKey = (await t.newTenant()).apiKey;
  });
  afterAll(() => t?.stop());

  it('answers introspection and serves GraphiQL, and still masks and hides suggestions', async () => {
    const res = await send(t.url, { apiKey, body: gqlBody('{ __schema { queryType { name } } }') });
    expect(res.json).toEqual({ data: { __schema: { queryType: { name: 'Query' } } } });
    const page = await send(t.url, { method: 'GET', headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const typo = await send(t.url, { apiKey, body: gqlBody('{ companiez { nodes { id } } }') });
    expect(typo.text).not.toMatch(/did you mean/i);
  });
});

import { describe, expect, it } from 'vitest';
import {
  HaloError,
  InMemoryRateGovernor,
  classifyHttpError,
  extractListPage,
  formatHaloDate,
  isLastPage,
  normalizeHaloUrl,
  parseHaloDate,
  parseHaloErrorBody,
  redactBody,
  scopeForPath,
  Redactor,
} from '../../src/halo';

describe('normalizeHaloUrl accepts what people paste', () => {
  const expected = { appUrl: 'https://acme.halopsa.com', apiUrl: 'https://acme.halopsa.com/api', defaultAuthUrl: 'https://acme.halopsa.com/auth' };
  it.each([
    'acme.halopsa.com',
    'ACME.halopsa.com',
    '  acme.halopsa.com  ',
    'https://acme.halopsa.com',
    'https://acme.halopsa.com/',
    'https://acme.halopsa.com/api',
    'https://acme.halopsa.com/api/',
    'acme.halopsa.com/api',
    'https://acme.halopsa.com/auth',
    'https://acme.halopsa.com/api/Client?pageinate=true#x',
  ])('%s', (input) => {
    expect(normalizeHaloUrl(input)).toMatchObject(expected);
  });

  it('keeps an on-prem path prefix and a port', () => {
    expect(normalizeHaloUrl('https://support.example.com:8443/halo/api').apiUrl).toBe('https://support.example.com:8443/halo/api');
  });

  it('allows plain http only for a local simulator', () => {
    expect(normalizeHaloUrl('http://localhost:1234/api').apiUrl).toBe('http://localhost:1234/api');
    expect(normalizeHaloUrl('http://127.0.0.1:9/').appUrl).toBe('http://127.0.0.1:9');
    expect(() => normalizeHaloUrl('http://acme.halopsa.com')).toThrow(/https/);
  });

  it.each(['', '   ', 'not a url at all', 'ftp://acme.halopsa.com', 'https://user:pw@acme.halopsa.com', 'acme'])('rejects %j as bad_url', (input) => {
    try {
      normalizeHaloUrl(input);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(HaloError);
      expect((e as HaloError).kind).toBe('bad_url');
    }
  });
});

describe('Halo dates', () => {
  it('reads zone-less values as UTC', () => {
    expect(parseHaloDate('2026-02-10T06:30:00')?.toISOString()).toBe('2026-02-10T06:30:00.000Z');
    expect(parseHaloDate('2026-02-10T06:30:00.1234567')?.toISOString()).toBe('2026-02-10T06:30:00.123Z');
    expect(parseHaloDate('2026-09-25T06:41:08.7895915Z')?.toISOString()).toBe('2026-09-25T06:41:08.789Z');
    expect(parseHaloDate('2026-02-10T07:30:00+01:00')?.toISOString()).toBe('2026-02-10T06:30:00.000Z');
    expect(parseHaloDate('2026-02-10')?.toISOString()).toBe('2026-02-10T00:00:00.000Z');
  });
  it('maps the 1900 sentinel and junk to null', () => {
    for (const v of ['1900-01-01T00:00:00', '0001-01-01T00:00:00', '', null, undefined, 'soon', 42]) expect(parseHaloDate(v)).toBeNull();
  });
  it('formats for lastupdatefromdate: UTC, no zone, no ms', () => {
    expect(formatHaloDate(new Date('2026-08-01T08:30:00.456+02:00'))).toBe('2026-08-01T06:30:00');
  });
});

describe('error bodies (HALO-API.md §5.2)', () => {
  it('OAuth error', () => {
    expect(parseHaloErrorBody('{"error":"invalid_client","error_description":"The client application is not known"}')).toMatchObject({
      oauthError: 'invalid_client',
      message: 'The client application is not known',
    });
  });
  it('bare JSON string', () => {
    expect(parseHaloErrorBody('"An Outcome must be entered for this Action"').message).toBe('An Outcome must be entered for this Action');
  });
  it('{error:"text"} and {error:{error_description}}', () => {
    expect(parseHaloErrorBody('{"error":"Invalid advanced search parameter"}').message).toBe('Invalid advanced search parameter');
    expect(parseHaloErrorBody('{"error":{"error_description":"Something broke"}}').message).toBe('Something broke');
  });
  it('.NET exception', () => {
    expect(parseHaloErrorBody('{"ClassName":"System.Exception","Message":"CODE:APP03/2 Please select the CAB members","StackTraceString":"at X"}').message).toBe(
      'CODE:APP03/2 Please select the CAB members',
    );
  });
  it('model binding keyed by JSON path, string or array values', () => {
    const a = parseHaloErrorBody('{"[0].id":["Could not convert string to integer: abc. Path \'[0].id\'."]}');
    expect(a.fieldErrors).toEqual([{ field: '[0].id', message: "Could not convert string to integer: abc. Path '[0].id'." }]);
    const b = parseHaloErrorBody('{"id":"Invalid id"}');
    expect(b.fieldErrors).toEqual([{ field: 'id', message: 'Invalid id' }]);
    const pd = parseHaloErrorBody('{"title":"One or more validation errors occurred.","status":400,"errors":{"[0].baseprice":["bad"]}}');
    expect(pd.fieldErrors).toEqual([{ field: '[0].baseprice', message: 'bad' }]);
  });
  it('empty, plain text and HTML', () => {
    expect(parseHaloErrorBody('')).toEqual({ fieldErrors: [] });
    expect(parseHaloErrorBody('Rate Limit Reached - 300 Requests per rolling 5 minute window').message).toMatch(/Rate Limit/);
    expect(parseHaloErrorBody('<!DOCTYPE html><html><body>IIS</body></html>').message).toBeUndefined();
  });

  it('classifies by status and body', () => {
    const c = (status: number, body = '', path = '/Client', isAuth = false) => classifyHttpError({ status, method: 'GET', path, bodyText: body, isAuth });
    expect(c(401).kind).toBe('bad_credentials');
    expect(c(400, '{"error":"invalid_client"}', '/auth/token', true).kind).toBe('bad_credentials');
    expect(c(400, '{"error":"invalid_scope"}', '/auth/token', true).kind).toBe('permission');
    expect(c(403, '', '/Webhook')).toMatchObject({ kind: 'permission', missingScope: 'admin:webhooks' });
    expect(c(403, '', '/Team')).toMatchObject({ kind: 'permission', missingScope: 'all:teams' });
    expect(c(403, '', '/Client?x=1')).toMatchObject({ kind: 'permission', missingScope: 'all:standard' });
    expect(c(404).kind).toBe('not_found');
    expect(c(400, '{"[0].id":["bad"]}').kind).toBe('validation');
    expect(c(400, '"You do not have permission to access this"').kind).toBe('permission');
    expect(c(429, 'Rate Limit Reached').kind).toBe('rate_limited');
    expect(c(502).kind).toBe('transient');
    expect(c(418).kind).toBe('unknown');
  });

  it('derives the probably-missing scope from the endpoint', () => {
    expect(scopeForPath('/api/Notification/3')).toBe('admin:webhooks');
    expect(scopeForPath('/WebhookEvent?webhook_id=x')).toBe('admin:webhooks');
    expect(scopeForPath('/Team')).toBe('all:teams');
    expect(scopeForPath('/Tickets')).toBe('all:standard');
  });
});

describe('redaction', () => {
  it('blanks secret-looking fields of a sent body', () => {
    expect(redactBody([{ name: 'hook', basic_password: 'p4ss', nested: { client_secret: 'x' } }])).toEqual([
      { name: 'hook', basic_password: '[redacted]', nested: { client_secret: '[redacted]' } },
    ]);
  });
  it('scrubs known secrets, bearer headers and form secrets from text', () => {
    const r = new Redactor();
    r.add('CANARY-secret-123456');
    expect(r.scrub('x CANARY-secret-123456 y CANARY-secret-123456')).toBe('x [redacted] y [redacted]');
    expect(r.scrub('Authorization: Bearer eyJabc.def')).toBe('Authorization: Bearer [redacted]');
    expect(r.scrub('client_secret=abc&x=1')).toBe('client_secret=[redacted]&x=1');
  });
});

describe('list envelopes and page decisions', () => {
  it('accepts envelopes, bare arrays and unknown keys', () => {
    expect(extractListPage([{ id: 1 }], null, 'x').rows).toHaveLength(1);
    expect(extractListPage({ record_count: 3, clients: [{ id: 1 }] }, 'clients', 'x')).toEqual({ rows: [{ id: 1 }], recordCount: 3 });
    expect(extractListPage({ record_count: 3, page_no: 1, whatever: [{ id: 1 }] }, 'clients', 'x').rows).toEqual([{ id: 1 }]);
    expect(extractListPage({ record_count: 0 }, 'clients', 'x').rows).toEqual([]);
    expect(() => extractListPage({ a: [], b: [] }, 'clients', 'x')).toThrow(/unexpected list shape/);
  });
  it('never stops because a capped page is shorter than the requested size', () => {
    // asked 500, Halo capped at 100, record_count 717 → keep going
    expect(isLastPage({ pageRows: 100, newRows: 100, recordCount: 717, state: { requestedSize: 500, fetched: 100, largestPage: 0 } })).toBe(false);
    // no record_count, asked 500, got 100 → unknown, keep going
    expect(isLastPage({ pageRows: 100, newRows: 100, state: { requestedSize: 500, fetched: 100, largestPage: 0 } })).toBe(false);
    // then a 17-row page → shorter than the largest seen → end
    expect(isLastPage({ pageRows: 17, newRows: 17, state: { requestedSize: 500, fetched: 717, largestPage: 100 } })).toBe(true);
    // asked 100, got 40, no record_count → end
    expect(isLastPage({ pageRows: 40, newRows: 40, state: { requestedSize: 100, fetched: 40, largestPage: 0 } })).toBe(true);
    // repeated page
    expect(isLastPage({ pageRows: 50, newRows: 0, state: { requestedSize: 50, fetched: 100, largestPage: 50 } })).toBe(true);
  });
});

describe('InMemoryRateGovernor', () => {
  it('admits at most max per rolling window, FIFO', async () => {
    const g = new InMemoryRateGovernor({ max: 5, windowMs: 300 });
    const t0 = Date.now();
    const times: number[] = [];
    await Promise.all(Array.from({ length: 12 }, () => g.acquire().then(() => times.push(Date.now() - t0))));
    times.sort((a, b) => a - b);
    // 5 immediately, 5 after ~300 ms, 2 after ~600 ms
    expect(times[4]).toBeLessThan(100);
    expect(times[5]).toBeGreaterThanOrEqual(290);
    expect(times[10]).toBeGreaterThanOrEqual(590);
    for (let i = 5; i < times.length; i++) expect(times[i] - times[i - 5]).toBeGreaterThanOrEqual(290);
  });
  it('holds a slot a window from when its answer arrived, not from when it was sent', async () => {
    let t = 0;
    const g = new InMemoryRateGovernor({ max: 5, windowMs: 100 }, () => t);
    const slow = await g.acquire();
    const fast = await g.acquire();
    fast.done();
    t = 150; // Halo answered the slow one only now: it may have counted it any time up to here
    slow.done();
    t = 200; // a window after the send, but not after the answer
    expect(g.inFlightWindow()).toBe(1);
    t = 260;
    expect(g.inFlightWindow()).toBe(0);
  });
  it('penalize holds everyone back', async () => {
    const g = new InMemoryRateGovernor({ max: 100, windowMs: 1000 });
    g.penalize(150);
    const t0 = Date.now();
    await g.acquire();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
  });
});

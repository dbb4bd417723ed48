import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HaloError, createHaloClient, type HaloClient } from '../../src/halo';
import { startStandIn, type StandIn } from './standin';

/** Every error body shape of HALO-API.md §5.2, through the whole client over HTTP, to its classified error. */
describe('classified errors from each Halo error body shape', () => {
  let halo: StandIn;
  let client: HaloClient;
  beforeAll(async () => {
    halo = await startStandIn();
    client = createHaloClient({ baseUrl: halo.url, clientId: 'id', clientSecret: 'standin-secret', rateBudget: false, retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 5 } });
  });
  afterAll(() => halo.close());

  const cases: Array<[string, number, string, Partial<HaloError> & { message?: RegExp }]> = [
    ['bare JSON string', 400, '"An Outcome must be entered for this Action"', { kind: 'validation', haloMessage: 'An Outcome must be entered for this Action' }],
    ['{error:"text"}', 400, '{"error":"Invalid advanced search parameter"}', { kind: 'validation', haloMessage: 'Invalid advanced search parameter' }],
    ['{error:{error_description}}', 400, '{"error":{"error_description":"Quote is locked"}}', { kind: 'validation', haloMessage: 'Quote is locked' }],
    ['.NET exception', 400, '{"ClassName":"System.Exception","Message":"CODE:APP03/2 Please select the CAB members to approve"}', { kind: 'validation', haloMessage: 'CODE:APP03/2 Please select the CAB members to approve' }],
    ['.NET exception as 500', 500, '{"ClassName":"System.NullReferenceException","Message":"Object reference not set"}', { kind: 'transient', haloMessage: 'Object reference not set' }],
    ['model binding (array)', 400, '{"[0].id":["Could not convert string to integer: x. Path \'[0].id\'."]}', { kind: 'validation' }],
    ['model binding (string)', 400, '{"id":"The id field is invalid"}', { kind: 'validation' }],
    ['empty 404', 404, '', { kind: 'not_found' }],
    ['plain 404', 404, 'Not Found', { kind: 'not_found', haloMessage: 'Not Found' }],
    ['429 text', 429, 'Rate Limit Reached - 300 Requests per rolling 5 minute window', { kind: 'rate_limited' }],
    ['403 on webhooks', 403, '', { kind: 'permission', missingScope: 'admin:webhooks' }],
    ['400 permission text', 400, '"You do not have permission to view this"', { kind: 'permission', missingScope: 'admin:webhooks' }],
  ];

  it.each(cases)('%s → %o', async (_name, status, body, expected) => {
    halo.queue = [{ status, body, headers: status === 429 ? { 'retry-after': '0' } : {} }];
    const err = await client.request('GET', '/Webhook').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HaloError);
    expect(err).toMatchObject(expected);
    const e = err as HaloError;
    expect(e.status).toBe(status);
    expect(e.method).toBe('GET');
    expect(e.path).toBe('/Webhook');
    if (body.includes('[0].id')) expect(e.fieldErrors[0]).toMatchObject({ field: '[0].id' });
    if (body.includes('"id":"')) expect(e.fieldErrors[0]).toMatchObject({ field: 'id', message: 'The id field is invalid' });
  });

  it('OAuth error from the token endpoint → bad_credentials', async () => {
    const locked = await startStandIn({ secret: 'right-secret-123' });
    try {
      const c = createHaloClient({ baseUrl: locked.url, clientId: 'id', clientSecret: 'wrong-secret-456', rateBudget: false, retry: { maxAttempts: 1 } });
      const err = (await c.request('GET', '/Client').catch((e: unknown) => e)) as HaloError;
      expect(err).toMatchObject({ kind: 'bad_credentials', oauthError: 'invalid_client', status: 401, path: '/auth/token' });
    } finally {
      await locked.close();
    }
  });
});

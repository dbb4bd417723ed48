import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app';

describe('a process without the api role', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ ROLES: 'worker' });
  });
  afterAll(() => t?.stop());

  it('answers health checks and nothing else: no GraphQL, no webhook receiver', async () => {
    const { apiKey } = await t.newTenant();
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${t.url}/readyz`)).status).toBe(200);
    const gql = await fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
      body: JSON.stringify({ query: '{ companies { nodes { id } } }' }),
    });
    expect(gql.status).toBe(404);
    expect((await fetch(`${t.url}/webhooks/halo/abc`, { method: 'POST', body: '{}' })).status).toBe(404);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HaloSim, startHaloSim } from '../../src/halo-sim';
import { SimFixture, simFixture, tokenFor, tokenRequest } from './helpers';

describe('Halo simulator: authentication and permissions', () => {
  let f: SimFixture;
  let sim: HaloSim;
  beforeAll(async () => {
    f = await simFixture();
    sim = f.sim;
  });
  afterAll(() => f.stop());

  const creds = () => ({ grant_type: 'client_credentials', client_id: sim.clientId, client_secret: sim.clientSecret });

  it('announces its authorisation server and tenant at /api/authinfo without a token', async () => {
    const r = await fetch(`${sim.url}/api/authinfo`);
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ auth_url: `${sim.url}/auth`, tenant_id: 'acme' });
  });

  it('also reports the authorisation server from /api/InstanceInfo', async () => {
    const r = await fetch(`${sim.url}/api/InstanceInfo`);
    expect(await r.json()).toMatchObject({ auth_url: `${sim.url}/auth` });
  });

  it('issues a bearer token for form-encoded client credentials with the tenant in the query', async () => {
    const r = await tokenRequest(sim, creds());
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: 'all:standard all:teams admin:webhooks' });
    expect(typeof r.json.access_token).toBe('string');
  });

  it('accepts the tenant as a form field too', async () => {
    const r = await tokenRequest(sim, { ...creds(), tenant: 'acme' }, '');
    expect(r.status).toBe(200);
  });

  it('rejects a missing or unknown tenant with invalid_request', async () => {
    expect((await tokenRequest(sim, creds(), '')).json).toMatchObject({ error: 'invalid_request' });
    expect((await tokenRequest(sim, creds(), '?tenant=other')).status).toBe(400);
  });

  it('answers bad credentials with 401 invalid_client and a description', async () => {
    const wrongSecret = await tokenRequest(sim, { ...creds(), client_secret: 'nope' });
    expect(wrongSecret.status).toBe(401);
    expect(wrongSecret.json).toEqual({ error: 'invalid_client', error_description: expect.any(String) });
    expect((await tokenRequest(sim, { ...creds(), client_id: 'unknown' })).status).toBe(401);
  });

  it('refuses other grant types and non-form bodies', async () => {
    expect((await tokenRequest(sim, { ...creds(), grant_type: 'password' })).json).toMatchObject({ error: 'unsupported_grant_type' });
    const json = await fetch(`${sim.url}/auth/token?tenant=acme`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(creds()) });
    expect(json.status).toBe(400);
  });

  it('refuses a requested scope the application was not granted, and narrows the token to requested scopes', async () => {
    const all = await tokenRequest(sim, { ...creds(), scope: 'all' });
    expect(all.status).toBe(400);
    expect(all.json).toMatchObject({ error: 'invalid_scope' });
    const narrow = await tokenRequest(sim, { ...creds(), scope: 'all:standard' });
    expect(narrow.json.scope).toBe('all:standard');
    const hooks = await f.get('/api/Webhook', narrow.json.access_token as string);
    expect(hooks.status).toBe(403);
  });

  it('answers 401 for a missing, malformed or unknown bearer token', async () => {
    expect((await fetch(`${sim.url}/api/Client`)).status).toBe(401);
    expect((await f.get('/api/Client', 'garbage')).status).toBe(401);
    const r = await fetch(`${sim.url}/api/Client`, { headers: { authorization: 'Basic abc' } });
    expect(r.status).toBe(401);
    expect(r.headers.get('www-authenticate')).toContain('invalid_token');
  });

  it('answers 401 once a token has expired, and a fresh token works again', async () => {
    const token = await tokenFor(sim);
    expect((await f.get('/api/Client?count=1', token)).status).toBe(200);
    sim.control.expireTokens();
    expect((await f.get('/api/Client?count=1', token)).status).toBe(401);
    expect((await f.get('/api/Client?count=1', await tokenFor(sim))).status).toBe(200);
  });

  it('lets tokens lapse after their lifetime in simulator time', async () => {
    const short = await startHaloSim({ tokenLifetimeSeconds: 60, rateLimit: false, scale: 'empty' });
    try {
      const token = await tokenFor(short);
      const call = () => fetch(`${short.url}/api/Agent/me`, { headers: { authorization: `Bearer ${token}` } });
      expect((await call()).status).toBe(200);
      short.control.advanceTime(61_000);
      expect((await call()).status).toBe(401);
    } finally {
      await short.stop();
    }
  });

  it('returns the API agent the token acts as from /api/Agent/me', async () => {
    const me = await f.get('/api/Agent/me', await tokenFor(sim));
    expect(me.status).toBe(200);
    expect(me.json).toMatchObject({ id: sim.control.apiAgentId, name: 'Quoting Integration', isdisabled: false });
  });

  it('requires admin:webhooks for webhooks, subscriptions and the delivery log, with 403', async () => {
    sim.control.addApp({ clientId: 'no-hooks', clientSecret: 's', scopes: ['all:standard', 'all:teams'], loginType: 'agent' });
    const token = await tokenFor(sim, 'no-hooks', 's');
    for (const path of ['/api/Webhook', '/api/Notification', '/api/WebhookEvent']) {
      const r = await f.get(path, token);
      expect(r.status, path).toBe(403);
      expect(r.headers.get('www-authenticate')).toContain('insufficient_scope');
    }
    expect((await f.get('/api/Client?count=1', token)).status).toBe(200);
  });

  it('requires all:teams for /api/Team and all:standard for everything else', async () => {
    sim.control.addApp({ clientId: 'hooks-only', clientSecret: 's', scopes: ['admin:webhooks'], loginType: 'agent' });
    const token = await tokenFor(sim, 'hooks-only', 's');
    expect((await f.get('/api/Team', token)).status).toBe(403);
    expect((await f.get('/api/Client', token)).status).toBe(403);
    expect((await f.get('/api/Webhook', token)).status).toBe(200);
  });

  it('lets a read scope read its area but not write it', async () => {
    sim.control.addApp({ clientId: 'reader', clientSecret: 's', scopes: ['read:customers'], loginType: 'agent' });
    const token = await tokenFor(sim, 'reader', 's');
    expect((await f.get('/api/Client?count=1', token)).status).toBe(200);
    expect((await f.post('/api/Client', [{ name: 'X' }], token)).status).toBe(403);
    expect((await f.get('/api/Item', token)).status).toBe(403);
  });

  it('issues a token to an app with login type user, but agent endpoints answer 403', async () => {
    sim.control.addApp({ clientId: 'as-user', clientSecret: 's', scopes: ['all:standard', 'all:teams', 'admin:webhooks'], loginType: 'user' });
    const token = await tokenFor(sim, 'as-user', 's');
    expect((await f.get('/api/Agent/me', token)).status).toBe(403);
    expect((await f.get('/api/Client', token)).status).toBe(403);
    expect((await f.get('/api/Users/me', token)).status).toBe(200);
  });

  it('refuses a token with invalid_grant while the API agent is inactive', async () => {
    sim.control.addApp({ clientId: 'inactive', clientSecret: 's', scopes: ['all:standard'], loginType: 'agent', agentActive: false, agentId: 50 });
    const r = await tokenRequest(sim, { grant_type: 'client_credentials', client_id: 'inactive', client_secret: 's' });
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ error: 'invalid_grant' });
    sim.control.setAgentActive(50, true);
    expect((await tokenRequest(sim, { grant_type: 'client_credentials', client_id: 'inactive', client_secret: 's' })).status).toBe(200);
  });

  it('rejects an issued token with 401 once its agent is deactivated', async () => {
    sim.control.addApp({ clientId: 'later-off', clientSecret: 's', scopes: ['all:standard'], loginType: 'agent', agentId: 51 });
    const token = await tokenFor(sim, 'later-off', 's');
    expect((await f.get('/api/Agent/me', token)).status).toBe(200);
    sim.control.setAgentActive(51, false);
    expect((await f.get('/api/Agent/me', token)).status).toBe(401);
  });
});

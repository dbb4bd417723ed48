import { describe, expect, it } from 'vitest';
import { DEFAULT_QUIRKS, HaloRecord } from '../../src/halo-sim';
import { simFixture, tokenRequest, webhookReceiver } from './helpers';

describe('Halo simulator: quirk switches', () => {
  it('defaults to the likeliest reading of HALO-API.md', () => {
    expect(DEFAULT_QUIRKS).toMatchObject({
      tenantFrom: 'query-or-form', doublesAsFloats: true, webhookEntityKey: 'entity', rateLimitRetryAfter: false,
      validationErrorShape: 'modelstate', ticketPostLastUpdateKey: 'lastupdate', ticketUpdateWebhookOnlyOnStatusChange: true,
      defaultPageSize: 50, pageSizeCaps: { Tickets: 100, Opportunities: 100 },
    });
  });

  it('reads the tenant only from the query when tenantFrom is "query"', async () => {
    const f = await simFixture({ scale: 'empty', quirks: { tenantFrom: 'query' } });
    try {
      const creds = { grant_type: 'client_credentials', client_id: f.sim.clientId, client_secret: f.sim.clientSecret };
      expect((await tokenRequest(f.sim, { ...creds, tenant: 'acme' }, '')).status).toBe(400);
      expect((await tokenRequest(f.sim, creds)).status).toBe(200);
    } finally {
      await f.stop();
    }
  });

  it('needs no tenant for an on-premise style simulator', async () => {
    const f = await simFixture({ scale: 'empty', tenant: '' });
    try {
      const r = await tokenRequest(f.sim, { grant_type: 'client_credentials', client_id: f.sim.clientId, client_secret: f.sim.clientSecret }, '');
      expect(r.status).toBe(200);
    } finally {
      await f.stop();
    }
  });

  it('keeps last_update in ticket POST responses when switched', async () => {
    const f = await simFixture({ quirks: { ticketPostLastUpdateKey: 'last_update' } });
    try {
      const r = await f.post<HaloRecord>('/api/Tickets', [{ id: 1, details: 'x' }]);
      expect(r.json.last_update).toEqual(expect.any(String));
      expect(r.json.lastupdate).toBeUndefined();
    } finally {
      await f.stop();
    }
  });

  it('fires ticket updates for any change when the status-only gap is switched off', async () => {
    const f = await simFixture({ quirks: { ticketUpdateWebhookOnlyOnStatusChange: false } });
    const rx = await webhookReceiver();
    try {
      const hook = await f.post<HaloRecord>('/api/Webhook', [{ name: 'all updates', url: rx.url }]);
      await f.post('/api/Notification', [{ webhook_id: hook.json.id, eventno: 61 }]);
      f.sim.control.update('tickets', 1, { summary: 'renamed' });
      await f.sim.control.webhooksIdle();
      expect(rx.received).toHaveLength(1);
    } finally {
      await rx.close();
      await f.stop();
    }
  });

  it('serves a different default page size when configured', async () => {
    const f = await simFixture({ quirks: { defaultPageSize: 10 } });
    try {
      expect((await f.get<{ users: unknown[] }>('/api/Users')).json.users).toHaveLength(10);
    } finally {
      await f.stop();
    }
  });
});

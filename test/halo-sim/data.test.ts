import { describe, expect, it } from 'vitest';
import { HaloRecord, PRIMARY_CLIENT, startHaloSim } from '../../src/halo-sim';
import { tokenFor } from './helpers';

async function snapshot(seed: number) {
  const sim = await startHaloSim({ seed, rateLimit: false });
  try {
    const c = sim.control;
    return { clients: c.list('clients'), users: c.list('users'), items: c.list('items'), tickets: c.list('tickets'), clientId: sim.clientId };
  } finally {
    await sim.stop();
  }
}

describe('Halo simulator: seed data', () => {
  it('generates the same tenant (and credentials) from the same seed, and a different one from another seed', async () => {
    const [a, b, c] = await Promise.all([snapshot(1), snapshot(1), snapshot(2)]);
    expect(b).toEqual(a);
    expect(c.clients.map((x) => x.name)).not.toEqual(a.clients.map((x) => x.name));
    expect(c.clientId).not.toBe(a.clientId);
  });

  it('includes the MSP itself as the primary client, with website acme.example', async () => {
    const { clients } = await snapshot(1);
    expect(clients.find((c) => c.id === PRIMARY_CLIENT.id)).toMatchObject({ name: 'Acme Managed Services', website: 'acme.example', inactive: false });
  });

  it('plants the pathologies real tenants have', async () => {
    const sim = await startHaloSim({ rateLimit: false });
    try {
      const c = sim.control;
      const groups = new Map(c.list('assetGroups').map((g) => [g.id, g]));
      const items = c.list('items');
      const users = c.list('users');
      const clients = c.list('clients');
      expect(items.some((i) => i.assetgroup_id === 0), 'items without a product group').toBe(true);
      expect(items.some((i) => groups.get(i.assetgroup_id)?.showasitem === false), 'items in groups not marked as items').toBe(true);
      expect([...groups.values()].some((g) => g.showasitem === false)).toBe(true);
      expect(clients.some((x) => x.inactive === true), 'inactive clients').toBe(true);
      expect(clients.some((x) => x.customertype === 2 && x.is_account === true), 'prospects').toBe(true);
      expect(users.some((u) => u.is_prospect === true), 'prospect contacts').toBe(true);
      // Halo's billing period enum (HALO-API.md §9): 2 Monthly, 3 Yearly, 4 Quarterly; 0 One Off.
      expect(items.some((i) => i.isrecurringitem === true && i.item_default_billing_period === 2), 'monthly recurring').toBe(true);
      expect(items.some((i) => i.isrecurringitem === true && i.item_default_billing_period === 3), 'yearly recurring').toBe(true);
      expect(items.some((i) => i.isrecurringitem === true && i.item_default_billing_period === 4), 'quarterly recurring').toBe(true);
      expect(items.every((i) => (i.isrecurringitem === true) === (i.item_default_billing_period !== 0)), 'one-off items only').toBe(true);
      expect(c.list('lookups').some((l) => l.lookupid === 150), 'no billing-period lookup table (Halo has none)').toBe(false);
      expect(items.some((i) => i.inactive === true), 'inactive items').toBe(true);
      const names = [...clients, ...items, ...users].map((r) => String(r.name));
      expect(names.some((n) => /[^\u0000-\u007f]/.test(n)), 'unicode names').toBe(true);
      expect(names.some((n) => n.length > 100), 'very long names').toBe(true);
      const emails = users.map((u) => u.emailaddress).filter(Boolean);
      expect(new Set(emails).size, 'duplicate contact emails').toBeLessThan(emails.length);
      expect(c.list('sites').some((s) => s.country_code === ''), 'sites without a country').toBe(true);
      expect(c.list('tickets').some((t) => t.deleted === true), 'soft-deleted opportunities').toBe(true);
      expect(c.count('quotes')).toBeGreaterThan(0);
      expect(c.count('salesOrders')).toBeGreaterThan(0);
    } finally {
      await sim.stop();
    }
  });

  it('starts an empty tenant with reference data only', async () => {
    const sim = await startHaloSim({ scale: 'empty', rateLimit: false });
    try {
      expect(sim.control.count('clients')).toBe(0);
      expect(sim.control.count('statuses')).toBeGreaterThan(0);
      expect(sim.control.count('ticketTypes')).toBeGreaterThan(0);
    } finally {
      await sim.stop();
    }
  });

  it('generates the large scale in seconds and answers paged requests over it', async () => {
    const started = Date.now();
    const sim = await startHaloSim({ scale: 'large', rateLimit: false });
    const elapsed = Date.now() - started;
    try {
      console.log(`large-scale halo-sim ready in ${elapsed} ms`);
      expect(elapsed).toBeLessThan(10_000);
      const c = sim.control;
      expect(c.count('clients')).toBeGreaterThanOrEqual(10_000);
      expect(c.count('users')).toBeGreaterThanOrEqual(50_000);
      expect(c.count('items')).toBeGreaterThanOrEqual(5_000);
      expect(c.list('tickets', (t) => t.tickettype_id === 32 || t.tickettype_id === 33 || t.tickettype_id === 34).length).toBeGreaterThanOrEqual(20_000);
      const token = await tokenFor(sim);
      const r = await fetch(`${sim.url}/api/Users?pageinate=true&page_size=100&page_no=400`, { headers: { authorization: `Bearer ${token}` } });
      const body = (await r.json()) as { record_count: number; users: HaloRecord[] };
      expect(body.users).toHaveLength(100);
      expect(body.record_count).toBeGreaterThan(45_000);
    } finally {
      await sim.stop();
    }
  });
});

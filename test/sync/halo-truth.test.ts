import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HaloSim } from '../../src/halo-sim';
import { DEFAULT_RETRY } from '../../src/halo';
import { mapUser } from '../../src/sync/mappers';
import { ContactsListDocument, StartSyncDocument } from '../generated/graphql';
import { startTestApp, type TestApp } from '../support/app';
import { startSim } from '../support/halo';
import { configureDefaults, GROUPS, useHalosQuoteLineNames } from '../support/mappings';
import { connect, syncAndWait, waitForRun, type Run } from '../support/sync';

/**
 * Issue 13 ("Halo truth"), seen against a Halo we did not write: a sync under a full rate window with the token
 * expiring mid-run ended PARTIAL with 0 records and counted 3 requests where Halo saw 39; every client's "General
 * User" was synced as a contact; AssetGroup was read twice a run, authinfo and a token on every run, items listed
 * unfiltered. Expectations come from the simulator's own tables and request log.
 */

type Gql = Awaited<ReturnType<TestApp['newTenant']>>['gql'];

const state = (run: Run) => Object.fromEntries(run.progress.map((p) => [p.entity, p.state]));

describe('sync against Halo as it is (issue 13)', () => {
  let t: TestApp;
  beforeAll(async () => {
    // No scheduler (its runs would add requests); short waits so rate limits and retries cost milliseconds.
    t = await startTestApp({ ROLES: 'api,worker', JOB_POLL_SECONDS: '0.5', HALO_RETRY_BASE_MS: '5', HALO_RATE_LIMIT_DELAY_MS: '100' });
  });
  afterAll(() => t?.stop());

  /** A tenant connected to a fresh simulator and configured like an admin would. */
  async function tenantWithSim(): Promise<{ sim: HaloSim; gql: Gql; tenantId: string }> {
    const sim = await startSim();
    const { gql, tenantId } = await t.newTenant('Acme Managed Services', 'acme.example');
    await connect(gql, sim);
    await configureDefaults(gql, Number(sim.control.list('items', (i) => i.assetgroup_id === GROUPS.services)[0].id), sim.truth.lookupIds);
    await useHalosQuoteLineNames(gql, sim.truth);
    return { sim, gql, tenantId };
  }

  const countRows = async (tenantId: string, table: string, where = 'deleted_at is null') =>
    Number((await t.app.orm.em.getConnection().execute(`select count(*)::int as n from "${table}" where tenant_id = ? and ${where}`, [tenantId]))[0].n);

  /** What Halo holds, from the simulator's tables: the records a full sync must bring. */
  function expected(sim: HaloSim) {
    const general = new Set(sim.control.generalUserIds());
    const productGroups = new Set(sim.control.list('assetGroups', (g) => g.showasitem === true).map((g) => g.id));
    return {
      companies: sim.control.list('clients', (c) => c.inactive !== true).length,
      sites: sim.control.list('sites', (s) => s.inactive !== true).length,
      contacts: sim.control.list('users', (u) => u.inactive !== true && !general.has(u.id as number)).map((u) => Number(u.id)),
      items: sim.control.list('items', (i) => productGroups.has(i.assetgroup_id as number) && i.inactive !== true).length,
      productGroups: [...productGroups].map(Number).sort((a, b) => a - b),
      opportunities: sim.control.list('tickets', (x) => [32, 33].includes(x.tickettype_id as number) && x.deleted !== true).length,
      quotes: sim.control.count('quotes'),
    };
  }

  describe('a full sync in a full rate window, the token expiring every 3 requests', () => {
    let sim: HaloSim;
    let tenantId: string;
    let run: Run;
    let logged: number;
    beforeAll(async () => {
      let gql: Gql;
      ({ sim, gql, tenantId } = await tenantWithSim());
      const window = { max: 4, windowMs: 1_000 };
      sim.control.setRateLimit(window);
      for (let i = 0; i < window.max; i++) await fetch(`${sim.url}/api/instanceinfo`); // the window is full
      sim.control.resetCounts();
      sim.control.setTokenUses(3); // also the token the configuration above left in the process
      const { startSync } = await gql.expectData(StartSyncDocument, { input: { full: true } });
      run = await waitForRun(gql, startSync.id, 120_000);
      logged = sim.control.requestCount();
      sim.control.setTokenUses(undefined);
      sim.control.setRateLimit(false);
    }, 150_000);
    afterAll(() => sim?.stop());

    it('succeeds with every record', async () => {
      expect(run.status, JSON.stringify(run.recordErrors)).toBe('SUCCEEDED');
      const want = expected(sim);
      expect(await countRows(tenantId, 'company')).toBe(want.companies);
      expect(await countRows(tenantId, 'site')).toBe(want.sites);
      expect(await countRows(tenantId, 'contact')).toBe(want.contacts.length);
      expect(await countRows(tenantId, 'item')).toBe(want.items);
      expect(await countRows(tenantId, 'opportunity')).toBe(want.opportunities);
      expect(await countRows(tenantId, 'quote')).toBe(want.quotes);
    });

    it('waited out the rate limit and renewed the token, one at a time', () => {
      const all = sim.control.requests();
      expect(all.filter((r) => r.status === 429).length).toBeGreaterThan(0);
      expect(all.filter((r) => r.status === 401).length).toBeGreaterThan(0);
      const issued = all.filter((r) => r.method === 'POST' && r.path === '/auth/token' && r.status === 200).length;
      // Each token serves 3 requests; one renewal per expiry, not one per entity or per waiting request.
      const served = all.filter((r) => r.path.startsWith('/api/') && r.path !== '/api/authinfo' && r.status !== 401 && r.status !== 429).length;
      expect(issued).toBeGreaterThan(1);
      expect(issued).toBeLessThanOrEqual(Math.ceil(served / 3) + 1);
    });

    it("counts every request Halo saw in haloRequests, token and authinfo requests included", () => {
      expect(run.haloRequests).toBe(logged);
    });
  });

  describe('failures', () => {
    let sim: HaloSim;
    let gql: Gql;
    beforeAll(async () => {
      ({ sim, gql } = await tenantWithSim());
    });
    afterAll(() => sim?.stop());

    it('a run in which every entity failed is FAILED, not PARTIAL', async () => {
      // Every list but the asset groups fails (Halo answers 503 whatever we do).
      const lists = /^GET \/api\/(Client|Site|Users|Opportunities|Quotation)$/i;
      sim.control.setFault({ kind: 'error5xx', status: 503, match: lists, count: Infinity });
      try {
        const run = await syncAndWait(gql, { full: true, entities: ['companies', 'sites', 'contacts', 'opportunities', 'quotes'] });
        expect(run.status).toBe('FAILED');
        expect(Object.values(state(run))).toEqual(['failed', 'failed', 'failed', 'failed', 'failed']);
        expect(run.error).toMatch(/every entity/i);
        expect(run.recordErrors.map((e) => e.code)).toEqual(Array(5).fill('HALO_TRANSIENT'));
      } finally {
        sim.control.clearFaults();
      }
    });

    it('the asset groups are read once a run: when that read fails, product groups and items fail with it', async () => {
      sim.control.setFault({ kind: 'error5xx', status: 503, match: 'GET /api/AssetGroup', count: Infinity });
      sim.control.resetCounts();
      try {
        const run = await syncAndWait(gql, { full: true });
        expect(state(run)).toMatchObject({ productGroups: 'failed', items: 'failed', companies: 'done', contacts: 'done' });
        expect(run.status).toBe('PARTIAL');
        // One read, with its retries; items did not ask again.
        expect(sim.control.requestCount('GET /api/AssetGroup')).toBe(DEFAULT_RETRY.maxAttempts);
        expect(sim.control.requestCount('GET /api/Item')).toBe(0);
      } finally {
        sim.control.clearFaults();
      }
    });
  });

  describe('contacts, and the requests a run needs', () => {
    let sim: HaloSim;
    let gql: Gql;
    let tenantId: string;
    let first: Run;
    let firstLog: { total: number; token: number; authinfo: number; assetGroups: number; items: { query: Record<string, string> }[]; users: { query: Record<string, string> }[] };
    beforeAll(async () => {
      ({ sim, gql, tenantId } = await tenantWithSim());
      sim.control.resetCounts();
      first = await syncAndWait(gql, { full: true });
      firstLog = {
        total: sim.control.requestCount(),
        token: sim.control.requestCount('POST /auth/token'),
        authinfo: sim.control.requestCount('GET /api/authinfo'),
        assetGroups: sim.control.requestCount('GET /api/AssetGroup'),
        items: sim.control.requests('GET /api/Item'),
        users: sim.control.requests('GET /api/Users'),
      };
    });
    afterAll(() => sim?.stop());

    it("contacts are Halo's users minus General Users minus inactive ones", async () => {
      expect(first.status).toBe('SUCCEEDED');
      const want = expected(sim).contacts.sort((a, b) => a - b);
      expect(sim.control.generalUserIds().length).toBe(sim.control.count('clients')); // one per client, in the data
      const stored = (await t.app.orm.em.getConnection().execute<{ halo_id: number }[]>(
        `select halo_id from contact where tenant_id = ? and deleted_at is null order by halo_id`,
        [tenantId],
      )).map((r) => Number(r.halo_id));
      expect(stored).toEqual(want);
      expect(firstLog.users.length).toBeGreaterThan(0);
      for (const r of firstLog.users) expect(r.query.exclude_generaluser).toBe('true');
    });

    it('General Users stored by an earlier version are marked deleted (hidden) by the next run', async () => {
      // What the old sync wrote: the General Users as contacts, and a contacts cursor (the migration drops it).
      const generals = sim.control.generalUserIds().slice(0, 3).map((id) => sim.control.get('users', id)!);
      const em = t.app.orm.em.fork();
      await t.app.sync.engine.write(em, 'contacts', tenantId, generals.map((u) => mapUser(u as never)), new Date());
      await em.getConnection().execute(`delete from sync_cursor where tenant_id = ? and entity = 'contacts'`, [tenantId]);
      const visible = async (includeDeleted: boolean) =>
        (await gql.expectData(ContactsListDocument, { search: 'General User', includeDeleted })).contacts.nodes.map((c) => c.haloId);
      expect(await visible(false)).toHaveLength(3);

      const run = await syncAndWait(gql, { entities: ['contacts'] });
      expect(run.kind).toBe('INCREMENTAL');
      expect(run.progress[0].deleted).toBe(3);
      expect(await visible(false)).toEqual([]);
      expect((await visible(true)).sort()).toEqual(generals.map((u) => Number(u.id)).sort());
      expect(await countRows(tenantId, 'contact')).toBe(expected(sim).contacts.length);
    });

    it('lists items from the product groups only, in one filtered list', () => {
      expect(firstLog.items.length).toBe(1); // the demo's product-group items fit in one page
      expect(firstLog.items[0].query.assetgroups?.split(',').map(Number)).toEqual(expected(sim).productGroups);
    });

    it('reads the asset groups once a run, and counts what Halo saw', () => {
      expect(firstLog.assetGroups).toBe(1);
      expect(first.haloRequests).toBe(firstLog.total);
      // Connecting asked with its own client; configuring may have fetched the process's token already.
      expect(firstLog.token).toBeLessThanOrEqual(1);
      expect(firstLog.authinfo).toBeLessThanOrEqual(1);
    });

    it('a second run reuses the token and authinfo: one request per list, nothing else', async () => {
      sim.control.resetCounts();
      const second = await syncAndWait(gql);
      expect(second.status).toBe('SUCCEEDED');
      const byEndpoint = new Map<string, number>();
      for (const r of sim.control.requests()) byEndpoint.set(`${r.method} ${r.path}`, (byEndpoint.get(`${r.method} ${r.path}`) ?? 0) + 1);
      expect(Object.fromEntries(byEndpoint)).toEqual({
        'GET /api/AssetGroup': 1,
        'GET /api/Client': 1,
        'GET /api/Site': 1,
        'GET /api/Users': 1,
        'GET /api/Item': 1,
        'GET /api/Opportunities': 1,
        'GET /api/Quotation': 1,
      });
      expect(second.haloRequests).toBe(7);
    });
  });
});

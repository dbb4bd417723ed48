import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HaloSim } from '../../src/halo-sim';
import {
  CreateOpportunityDocument,
  InstallHaloWebhooksDocument,
  PushedOpportunitiesDocument,
  PushedOpportunityByIdDocument,
  PushesDocument,
  RetryOpportunityPushDocument,
  SyncConflictsDocument,
  UpdateOpportunityDocument,
  type PushedOpportunityFragment,
} from '../generated/graphql';
import { startTestApp, type TestApp } from '../support/app';
import { startSim } from '../support/halo';
import { configureDefaults, GROUPS } from '../support/mappings';
import { connect, syncAndWait } from '../support/sync';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('opportunities both ways', () => {
  let t: TestApp;
  let sim: HaloSim;
  let gql: Awaited<ReturnType<TestApp['newTenant']>>['gql'];
  let tenantId: string;
  let company: { id: string; haloId: number; contactId: string; contactHaloId: number };

  /** Waits until the record's pushes are all finished (PUSHED) or one failed for good (FAILED). */
  async function settled(id: string, timeoutMs = 30_000): Promise<PushedOpportunityFragment> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const o = (await gql.expectData(PushedOpportunityByIdDocument, { id })).opportunity!;
      if (o.pushState === 'PUSHED' || o.pushState === 'FAILED') return o;
      if (Date.now() > until) throw new Error(`opportunity ${id} still ${o.pushState} (${o.pushError})`);
      await sleep(100);
    }
  }

  const ticketsNamed = (prefix: string) => sim.control.list('tickets', (x) => String(x.summary).startsWith(prefix) && x.deleted !== true);

  beforeAll(async () => {
    [t, sim] = await Promise.all([startTestApp({ JOB_POLL_SECONDS: '0.5', PUSH_RETRY_BASE_MS: '50' }), startSim()]);
    ({ gql, tenantId } = await t.newTenant('Acme Managed Services', 'acme.example'));
    await connect(gql, sim);
    const shipping = Number(sim.control.list('items', (i) => i.assetgroup_id === GROUPS.services)[0].id);
    await configureDefaults(gql, shipping, sim.truth.lookupIds);
    expect((await syncAndWait(gql, { full: true })).status).toBe('SUCCEEDED');
    const [row] = await t.app.orm.em.getConnection().execute(
      `select c.id, c.halo_id, ct.id as contact_id, ct.halo_id as contact_halo_id
         from company c join contact ct on ct.company_id = c.id and ct.deleted_at is null
        where c.tenant_id = ? and c.deleted_at is null and c.halo_id is not null and ct.halo_id is not null
        order by c.halo_id, ct.halo_id limit 1`,
      [tenantId],
    );
    company = { id: row.id, haloId: Number(row.halo_id), contactId: row.contact_id, contactHaloId: Number(row.contact_halo_id) };
  });
  afterAll(async () => {
    await t?.stop();
    await sim?.stop();
  });

  it('creates an opportunity made here in Halo as a ticket of the mapped type, status, client, contact and owner', async () => {
    const before = sim.control.count('tickets');
    const { createOpportunity: created } = await gql.expectData(CreateOpportunityDocument, {
      input: { companyId: company.id, contactId: company.contactId, title: 'Here: managed services', value: '1234.5', ownerAgentId: 4 },
    });
    expect(created).toMatchObject({ origin: 'LOCAL', pushState: 'PENDING', haloId: null, status: 'OPEN', value: '1234.5000', haloTypeId: 32 });

    const pushed = await settled(created.id);
    expect(pushed).toMatchObject({ pushState: 'PUSHED', pushError: null, title: 'Here: managed services', status: 'OPEN' });
    expect(pushed.haloId).toBeGreaterThan(0);
    expect(sim.control.count('tickets')).toBe(before + 1);
    const ticket = sim.control.get('tickets', pushed.haloId!)!;
    expect(ticket).toMatchObject({
      summary: 'Here: managed services',
      tickettype_id: 32,
      status_id: 20,
      client_id: company.haloId,
      user_id: company.contactHaloId,
      agent_id: 4,
      oppvalue: 1234.5,
    });
    expect(String(ticket.details)).toContain(created.id);

    const { createOpportunity: won } = await gql.expectData(CreateOpportunityDocument, {
      input: { companyId: company.id, title: 'Here: renewal already won', status: 'WON', haloTypeId: 33 },
    });
    const wonPushed = await settled(won.id);
    expect(sim.control.get('tickets', wonPushed.haloId!)).toMatchObject({ tickettype_id: 33, status_id: 24, client_id: company.haloId });
  });

  it('reads every write back: a value Halo stores differently fails the push with HALO_STORED_DIFFERENTLY, keeps the ticket, and a retry updates it', async () => {
    const before = sim.control.count('tickets');
    // A Halo rule overriding the value: the create and the corrective update both store 0.
    sim.control.setFault({ kind: 'storeDifferently', match: 'POST /api/Opportunities', set: { oppvalue: 0 }, count: 2 });
    const { createOpportunity: o } = await gql.expectData(CreateOpportunityDocument, { input: { companyId: company.id, title: 'Stored differently', value: '777' } });
    const failed = await settled(o.id);
    expect(failed).toMatchObject({ pushState: 'FAILED', pushError: expect.stringContaining('value: sent 777, Halo stored 0'), value: '777.0000' });
    expect(failed.haloId).toBeTruthy();
    const { pushes } = await gql.expectData(PushesDocument, { targetId: o.id });
    expect(pushes).toEqual([expect.objectContaining({ state: 'FAILED', lastErrorCode: 'HALO_STORED_DIFFERENTLY', attempts: 1 })]);
    expect(sim.control.count('tickets')).toBe(before + 1);
    expect(sim.control.get('tickets', failed.haloId!)).toMatchObject({ summary: 'Stored differently', oppvalue: 0 });

    // The rule is gone: the retry sends the value again to the same ticket (Halo's 0 is not taken as a newer edit).
    expect(sim.control.activeFaults()).toEqual([]);
    await gql.expectData(RetryOpportunityPushDocument, { id: o.id });
    expect(await settled(o.id)).toMatchObject({ pushState: 'PUSHED', pushError: null, value: '777.0000', haloId: failed.haloId });
    expect(sim.control.get('tickets', failed.haloId!)).toMatchObject({ oppvalue: 777 });
    expect(sim.control.count('tickets')).toBe(before + 1);
    expect((await gql.expectData(SyncConflictsDocument, { recordId: o.id })).syncConflicts).toEqual([]);
  });

  it('rejects bad input with codes and field paths', async () => {
    const res = await gql.request(CreateOpportunityDocument, {
      input: { companyId: '00000000-0000-0000-0000-000000000000', title: ' ', status: 'MAYBE', haloTypeId: 1 },
    });
    const ext = res.errors?.[0].extensions as { code: string; fieldErrors: { path: string; code: string }[] };
    expect(ext.code).toBe('BAD_USER_INPUT');
    expect(ext.fieldErrors.map((e) => `${e.path}:${e.code}`).sort()).toEqual([
      'input.companyId:NOT_FOUND',
      'input.haloTypeId:TYPE_NOT_IMPORTED',
      'input.status:UNKNOWN_STATUS',
      'input.title:REQUIRED',
    ]);
  });

  it('brings an opportunity created in Halo over with a sync', async () => {
    const ticket = sim.control.create('tickets', { tickettype_id: 32, summary: 'Halo: firewall refresh', client_id: company.haloId, status_id: 22, oppvalue: 4200, agent_id: 5 });
    await syncAndWait(gql, { entities: ['opportunities'] });
    const [opp] = (await gql.expectData(PushedOpportunitiesDocument, { search: 'Halo: firewall refresh' })).opportunities.nodes;
    expect(opp).toMatchObject({ haloId: ticket.id, origin: 'HALO', status: 'OPEN', haloStatusId: 22, value: '4200.0000', ownerAgentId: 5, companyId: company.id, pushState: null });
  });

  it('sends an edit made here to Halo, and brings an edit made in Halo back', async () => {
    const [halo] = (await gql.expectData(PushedOpportunitiesDocument, { search: 'Halo: firewall refresh' })).opportunities.nodes;
    await gql.expectData(UpdateOpportunityDocument, { id: halo.id, input: { title: 'Halo: firewall refresh (2 sites)', value: '5000' } });
    expect(await settled(halo.id)).toMatchObject({ pushState: 'PUSHED', title: 'Halo: firewall refresh (2 sites)', value: '5000.0000' });
    expect(sim.control.get('tickets', halo.haloId!)).toMatchObject({ summary: 'Halo: firewall refresh (2 sites)', oppvalue: 5000, status_id: 22, agent_id: 5 });

    const [here] = (await gql.expectData(PushedOpportunitiesDocument, { search: 'Here: managed services' })).opportunities.nodes;
    sim.control.update('tickets', here.haloId!, { summary: 'Here: managed services (edited in Halo)', status_id: 24 });
    await syncAndWait(gql, { entities: ['opportunities'] });
    const back = (await gql.expectData(PushedOpportunityByIdDocument, { id: here.id })).opportunity!;
    expect(back).toMatchObject({ title: 'Here: managed services (edited in Halo)', status: 'WON', haloStatusId: 24, value: '1234.5000' });
    expect((await gql.expectData(SyncConflictsDocument, { recordId: here.id })).syncConflicts).toEqual([]);
  });

  it('resolves a field changed on both sides by the latest edit, and records the conflict (our later edit wins, at push)', async () => {
    const { createOpportunity: o } = await gql.expectData(CreateOpportunityDocument, { input: { companyId: company.id, title: 'Both: original', value: '100' } });
    const pushed = await settled(o.id);
    // Halo first (no sync in between), then us: ours is the later edit of the title.
    sim.control.update('tickets', pushed.haloId!, { summary: 'Both: renamed in Halo', oppvalue: 150 });
    await sleep(20);
    await gql.expectData(UpdateOpportunityDocument, { id: o.id, input: { title: 'Both: renamed here' } });
    const after = await settled(o.id);
    expect(after).toMatchObject({ pushState: 'PUSHED', title: 'Both: renamed here', value: '150.0000' });
    expect(sim.control.get('tickets', pushed.haloId!)).toMatchObject({ summary: 'Both: renamed here', oppvalue: 150 });
    const conflicts = (await gql.expectData(SyncConflictsDocument, { recordId: o.id })).syncConflicts;
    expect(conflicts).toEqual([
      expect.objectContaining({ entity: 'opportunity', field: 'title', localValue: '"Both: renamed here"', haloValue: '"Both: renamed in Halo"', winner: 'LOCAL', rule: 'LATEST_EDIT_WINS' }),
    ]);
  });

  it('merges a sync meeting unpushed edits: Halo’s other changes apply, a conflict goes to the later edit (Halo) and is recorded, our other edit is kept and pushed', async () => {
    const { createOpportunity: o } = await gql.expectData(CreateOpportunityDocument, { input: { companyId: company.id, title: 'Sync: original', value: '100', ownerAgentId: 4 } });
    const haloId = (await settled(o.id)).haloId!;
    // Our pushes of this record fail for now (Halo refuses them), so our edits stay pending.
    const fault = sim.control.setFault({ kind: 'error5xx', status: 403, match: `GET /api/Opportunities/${haloId}`, count: Infinity });
    await gql.expectData(UpdateOpportunityDocument, { id: o.id, input: { value: '3000', ownerAgentId: 5 } });
    const failed = await settled(o.id);
    expect(failed.pushState).toBe('FAILED');
    expect(failed.pushError).toBeTruthy();
    await sleep(20);
    // Then Halo: a later edit of the same value, and of the title we did not touch.
    sim.control.update('tickets', haloId, { oppvalue: 777, summary: 'Sync: renamed in Halo' });
    await syncAndWait(gql, { entities: ['opportunities'] });

    const merged = (await gql.expectData(PushedOpportunityByIdDocument, { id: o.id })).opportunity!;
    expect(merged).toMatchObject({ title: 'Sync: renamed in Halo', value: '777.0000', ownerAgentId: 5 });
    const conflicts = (await gql.expectData(SyncConflictsDocument, { recordId: o.id })).syncConflicts;
    expect(conflicts).toEqual([expect.objectContaining({ field: 'value', localValue: '"3000.0000"', haloValue: '"777.0000"', winner: 'HALO' })]);

    sim.control.clearFaults(fault);
    await gql.expectData(RetryOpportunityPushDocument, { id: o.id });
    expect(await settled(o.id)).toMatchObject({ pushState: 'PUSHED', pushError: null, value: '777.0000', ownerAgentId: 5 });
    expect(sim.control.get('tickets', haloId)).toMatchObject({ oppvalue: 777, agent_id: 5, summary: 'Sync: renamed in Halo' });
    // Nothing left to decide: a further sync records no new conflict.
    await syncAndWait(gql, { entities: ['opportunities'] });
    expect((await gql.expectData(SyncConflictsDocument, { recordId: o.id })).syncConflicts).toHaveLength(1);
  });

  it('keeps one opportunity when a sync brings the new ticket in while the answer to its create is lost', async () => {
    const rows = async () =>
      (await t.app.orm.em.getConnection().execute(`select id, origin, halo_id from opportunity where tenant_id = ? and title = 'Race: lost answer'`, [tenantId])) as { id: string; origin: string }[];
    sim.control.setFault({ kind: 'timeoutAfterApply', ms: 3000, match: 'POST /api/Opportunities', count: 1 });
    const { createOpportunity: o } = await gql.expectData(CreateOpportunityDocument, { input: { companyId: company.id, title: 'Race: lost answer' } });
    while (ticketsNamed('Race: lost answer').length === 0) await sleep(20);
    await syncAndWait(gql, { entities: ['opportunities'] });
    // The sync met the ticket before the push knew its id: for now it is a second row.
    expect((await rows()).map((r) => r.origin).sort()).toEqual(['HALO', 'LOCAL']);

    const pushed = await settled(o.id);
    expect(pushed).toMatchObject({ pushState: 'PUSHED', haloId: ticketsNamed('Race: lost answer')[0].id });
    expect(ticketsNamed('Race: lost answer')).toHaveLength(1);
    expect(await rows()).toEqual([expect.objectContaining({ id: o.id, origin: 'LOCAL' })]);
  });

  it('creates exactly N tickets for N opportunities while Halo loses answers and sends 5xx and 429 bursts', async () => {
    const N = 30;
    const before = sim.control.count('tickets');
    sim.control.setFault({ kind: 'timeoutAfterApply', ms: 50, match: 'POST /api/Opportunities', count: 8 });
    sim.control.setFault({ kind: 'error5xx', status: 502, match: 'POST /api/Opportunities', count: 5 });
    sim.control.setFault({ kind: 'rateLimit', match: 'POST /api/Opportunities', count: 3 });
    sim.control.setFault({ kind: 'error5xx', status: 500, match: 'GET /api/Opportunities', count: 3 });
    const ids = await Promise.all(
      Array.from({ length: N }, async (_, i) => (await gql.expectData(CreateOpportunityDocument, { input: { companyId: company.id, title: `Burst ${String(i).padStart(2, '0')}` } })).createOpportunity.id),
    );
    const done = await Promise.all(ids.map((id) => settled(id, 60_000)));
    expect(done.every((o) => o.pushState === 'PUSHED')).toBe(true);
    // Every fault fired, and the lost answers were looked up rather than written again.
    expect(sim.control.activeFaults()).toEqual([]);
    const [lost] = await t.app.orm.em.getConnection().execute(`select count(*)::int as n from outbox where tenant_id = ? and kind = 'opportunity.push' and outcome_unknown`, [tenantId]);
    expect(lost.n).toBeGreaterThanOrEqual(8);

    const tickets = ticketsNamed('Burst ');
    expect(tickets).toHaveLength(N);
    expect(sim.control.count('tickets')).toBe(before + N);
    expect(new Set(tickets.map((x) => x.summary)).size).toBe(N);
    expect(new Set(done.map((o) => o.haloId)).size).toBe(N);
    for (const o of done) expect(sim.control.get('tickets', o.haloId!)?.summary).toBe(o.title);
  }, 120_000);

  it('merges a webhook refetch meeting an unpushed edit the same way, recording the conflict', async () => {
    const { installHaloWebhooks } = await gql.expectData(InstallHaloWebhooksDocument);
    expect(installHaloWebhooks.ok, JSON.stringify(installHaloWebhooks.issues)).toBe(true);
    const { createOpportunity: o } = await gql.expectData(CreateOpportunityDocument, { input: { companyId: company.id, title: 'Hook: original', value: '10' } });
    const haloId = (await settled(o.id)).haloId!;
    const fault = sim.control.setFault({ kind: 'error5xx', status: 403, match: `GET /api/Opportunities/${haloId}`, count: Infinity });
    await gql.expectData(UpdateOpportunityDocument, { id: o.id, input: { status: 'LOST', value: '20' } });
    expect((await settled(o.id)).pushState).toBe('FAILED');
    await sleep(20);
    // A person wins the deal in Halo afterwards: the status webhook brings it in, no sync run involved.
    sim.control.update('tickets', haloId, { status_id: 24 });
    await sim.control.webhooksIdle();
    const until = Date.now() + 10_000;
    let conflicts = (await gql.expectData(SyncConflictsDocument, { recordId: o.id })).syncConflicts;
    while (!conflicts.length && Date.now() < until) {
      await sleep(50);
      conflicts = (await gql.expectData(SyncConflictsDocument, { recordId: o.id })).syncConflicts;
    }
    expect(conflicts).toEqual([expect.objectContaining({ field: 'status', localValue: '"LOST"', haloValue: '"WON"', winner: 'HALO' })]);
    expect((await gql.expectData(PushedOpportunityByIdDocument, { id: o.id })).opportunity).toMatchObject({ status: 'WON', haloStatusId: 24, value: '20.0000' });

    sim.control.clearFaults(fault);
    await gql.expectData(RetryOpportunityPushDocument, { id: o.id });
    expect(await settled(o.id)).toMatchObject({ pushState: 'PUSHED', status: 'WON', value: '20.0000' });
    expect(sim.control.get('tickets', haloId)).toMatchObject({ status_id: 24, oppvalue: 20 });
  });
});

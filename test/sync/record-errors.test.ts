import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HaloSim } from '../../src/halo-sim';
import { startTestApp, type TestApp } from '../support/app';
import { startSim } from '../support/halo';
import { connect, syncAndWait } from '../support/sync';

/**
 * A record Halo holds whose value our database refuses (issue 14): the run's record error says what happened in
 * words and a code, while the statement (thousands of characters with other records' values) stays out of every
 * API answer and every log line; the log names the SQLSTATE, table and column instead.
 */
describe('sync: a record the database refuses', () => {
  let t: TestApp;
  let sim: HaloSim;

  beforeAll(async () => {
    [t, sim] = await Promise.all([startTestApp({ JOB_POLL_SECONDS: '0.5' }), startSim()]);
  });
  afterAll(async () => {
    await t?.stop();
    await sim?.stop();
  });

  it('stores and shows a classified record error, never the SQL or row values', async () => {
    const group = sim.control.list('assetGroups', (g) => g.showasitem === true)[0]!;
    // Valid for Halo (a double); beyond what numeric(18,4) holds.
    sim.control.create('items', { name: 'Overflowing Appliance', assetgroup_id: group.id, baseprice: 1e20, costprice: 1 });
    const tenant = await t.newTenant('Record Errors MSP', 'record-errors.example');
    await connect(tenant.gql, sim);
    const from = t.logLines.length;
    const run = await syncAndWait(tenant.gql, { full: true });

    expect(run.status).toBe('PARTIAL');
    const refused = run.recordErrors.filter((e) => e.code === 'NUMERIC_OUT_OF_RANGE');
    expect(refused.length).toBeGreaterThanOrEqual(1);
    for (const e of refused) {
      expect(e).toMatchObject({
        entity: 'items',
        message: 'The record could not be saved: a value is out of range for its column (code NUMERIC_OUT_OF_RANGE)',
        hint: expect.stringMatching(/does not fit our database/),
      });
    }
    const answer = JSON.stringify(run);
    expect(answer).not.toMatch(/insert into|values \(|on conflict|100000000000000000000|Overflowing Appliance/i);
    // Every other entity came across.
    expect(run.progress.filter((p) => p.state !== 'done').map((p) => p.entity)).toEqual(['items']);

    const lines = t.logLines.slice(from).join('\n');
    expect(lines).toMatch(/"sqlstate":"22003"/);
    expect(lines).not.toMatch(/insert into|100000000000000000000|Overflowing Appliance/i);
  });
});

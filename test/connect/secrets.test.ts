import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HaloSim } from '../../src/halo-sim';
import { ConnectHaloDocument, HaloConnectionDocument, HaloLookupsDocument, IntegrationSettingsDocument, TestHaloConnectionDocument } from '../generated/graphql';
import { startTestApp, TEST_ENCRYPTION_KEYS, type TestApp } from '../support/app';
import { connectInput, startSim } from '../support/halo';
import { graphqlClient } from '../support/gql';

const CANARY = `canary-${randomBytes(12).toString('hex')}`;
const NEW_KEY = `k2:${randomBytes(32).toString('base64')}`;

async function databaseText(url: string): Promise<string> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const tables = await c.query<{ table_name: string }>(`select table_name from information_schema.tables where table_schema = 'public'`);
    let all = '';
    for (const { table_name } of tables.rows) {
      const rows = await c.query(`select t::text as row from "${table_name}" t`);
      all += rows.rows.map((r) => r.row).join('\n');
    }
    return all;
  } finally {
    await c.end();
  }
}

describe('the Halo client secret', () => {
  let t: TestApp;
  let sim: HaloSim;
  let dbUrl: string;
  let apiKey: string;
  const responses: string[] = [];

  beforeAll(async () => {
    [t, sim] = await Promise.all([startTestApp(), startSim()]);
    dbUrl = t.app.config.database.url!;
    sim.control.addApp({ clientId: 'canary-app', clientSecret: CANARY, scopes: ['all:standard', 'all:teams', 'admin:webhooks'], loginType: 'agent' });
    const tenant = await t.newTenant();
    apiKey = tenant.apiKey;
    const input = connectInput(sim, { clientId: 'canary-app', clientSecret: CANARY });
    const record = async (p: Promise<{ raw: string }>) => responses.push((await p).raw);
    await record(tenant.gql.request(ConnectHaloDocument, { input: { ...input, baseUrl: 'http://127.0.0.1:1' } }));
    await record(tenant.gql.request(ConnectHaloDocument, { input: { ...input, clientId: 'nobody' } }));
    await record(tenant.gql.request(ConnectHaloDocument, { input }));
    await record(tenant.gql.request(HaloConnectionDocument));
    await record(tenant.gql.request(TestHaloConnectionDocument));
    await record(tenant.gql.request(HaloLookupsDocument, {}));
    await record(tenant.gql.request(IntegrationSettingsDocument));
  });
  afterAll(async () => {
    await t?.stop();
    await sim?.stop();
  });

  it('connects (the canary works)', () => {
    expect(JSON.parse(responses[2]).data.connectHalo.ok).toBe(true);
  });

  it('is nowhere in the database in plain text', async () => {
    const text = await databaseText(dbUrl);
    expect(text).toContain('canary-app');
    expect(text).not.toContain(CANARY);
  });

  it('is in no GraphQL response and no log line', () => {
    for (const r of responses) expect(r).not.toContain(CANARY);
    expect(t.logLines.length).toBeGreaterThan(0);
    for (const line of t.logLines) expect(line).not.toContain(CANARY);
  });

  it('still works after the encryption key is rotated and the old key removed', async () => {
    const rotate = execFileSync(process.execPath, [path.resolve(__dirname, '../../dist/src/cli/rotate-keys.js')], {
      env: { PATH: process.env.PATH, DATABASE_URL: dbUrl, ENCRYPTION_KEYS: `${NEW_KEY},${TEST_ENCRYPTION_KEYS}`, LOG_LEVEL: 'silent' },
      encoding: 'utf8',
    });
    expect(rotate).toContain('re-sealed 1 secret(s) with key "k2"');
    expect(await databaseText(dbUrl)).not.toContain(CANARY);

    const rotated = await startTestApp({ ENCRYPTION_KEYS: NEW_KEY }, { databaseUrl: dbUrl });
    try {
      const res = await graphqlClient(rotated.url, apiKey).expectData(TestHaloConnectionDocument);
      expect(res.testHaloConnection.ok).toBe(true);
    } finally {
      await rotated.app.stop();
    }
    // The old key alone no longer opens it.
    const stale = await startTestApp({}, { databaseUrl: dbUrl });
    try {
      const res = await graphqlClient(stale.url, apiKey).request(HaloLookupsDocument, {});
      expect(res.errors?.[0].message ?? '').not.toContain(CANARY);
      expect(res.errors?.length).toBeGreaterThan(0);
    } finally {
      await stale.app.stop();
    }
  });
});

import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HaloSim } from '../../src/halo-sim';
import { startTestApp, TEST_ENCRYPTION_KEYS, type TestApp } from '../support/app';
import { startSim } from '../support/halo';
import { connect } from '../support/sync';

const CLI = path.resolve(__dirname, '../../dist/src/cli/sync.js');

/** `npm run sync -- …` as a user runs it (the compiled CLI, stdout and stderr not a terminal). */
function sync(args: string[], databaseUrl: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { PATH: process.env.PATH, DATABASE_URL: databaseUrl, ENCRYPTION_KEYS: TEST_ENCRYPTION_KEYS, DEMO: 'false', NODE_ENV: 'test' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => (stdout += String(c)));
  child.stderr.on('data', (c) => (stderr += String(c)));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}

describe('npm run sync', () => {
  let t: TestApp;
  let sim: HaloSim;
  let db: string;
  beforeAll(async () => {
    // No worker in the app: the CLI executes the run itself.
    [t, sim] = await Promise.all([startTestApp({ ROLES: 'api' }), startSim()]);
    db = t.app.config.database.url!;
    const acme = await t.newTenant('Acme Managed Services', 'acme.example');
    await connect(acme.gql, sim);
    await t.newTenant('Not Connected Ltd', 'nc.example');
  });
  afterAll(async () => {
    await t?.stop();
    await sim?.stop();
  });

  it('runs a full sync, shows progress per entity on stderr and ends with the summary', async () => {
    const r = await sync(['--tenant', 'acme managed services', '--full'], db);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Sync run \S+ \(full, cli\): SUCCEEDED/);
    expect(r.stdout).toMatch(/^companies\s+done\s+\d+/m);
    expect(r.stdout).toMatch(/Halo requests: \d+ {3}duration: [\d.]+ s/);
    // Not a terminal: plain lines, no cursor movement.
    expect(r.stderr).toMatch(/^companies\s+done/m);
    expect(r.stderr).not.toContain('\x1b[');
  }, 60_000);

  it('limits the run to the entities asked for', async () => {
    const r = await sync(['--tenant', 'Acme Managed Services', '--entities', 'companies,contacts'], db);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/\(incremental, cli\)/);
    expect(r.stdout).toMatch(/^contacts\s+done/m);
    expect(r.stdout).not.toMatch(/^items\s/m);
  }, 60_000);

  it('says clearly what is wrong: unknown tenant, not connected, bad flags', async () => {
    const unknown = await sync(['--tenant', 'Nobody'], db);
    expect(unknown.code).toBe(67);
    expect(unknown.stderr).toContain('no tenant named "Nobody"; known tenants:');
    expect(unknown.stderr).toContain('Acme Managed Services');

    const notConnected = await sync(['--tenant', 'Not Connected Ltd'], db);
    expect(notConnected.code).toBe(69);
    expect(notConnected.stderr).toContain('is not connected to Halo');

    const badFlag = await sync(['--tenant', 'Acme Managed Services', '--fast'], db);
    expect(badFlag.code).toBe(64);
    expect(badFlag.stderr).toMatch(/Unknown option '--fast'[\s\S]*usage: npm run sync/);

    const badEntity = await sync(['--tenant', 'Acme Managed Services', '--entities', 'companies,widgets'], db);
    expect(badEntity.code).toBe(64);
    expect(badEntity.stderr).toContain('unknown entities: widgets');

    const noTenant = await sync(['--full'], db);
    expect(noTenant.code).toBe(64);
    expect(noTenant.stderr).toContain('--tenant is required');
  }, 60_000);
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKey, Company, Tenant } from '../../src/db/entities';
import { startTestApp, TEST_ENCRYPTION_KEYS, type TestApp } from '../support/app';
import { tenantCli } from '../support/cli';

const keyOf = (stdout: string) => /^API key: (hsk_\S+)$/m.exec(stdout)?.[1];

describe('tenant lifecycle: create, keys, delete (npm run tenant:*)', () => {
  let t: TestApp;
  let env: NodeJS.ProcessEnv;
  const status = async (key: string) =>
    (await fetch(`${t.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify({ query: '{ companies { nodes { id } } }' }) })).status;
  const run = (command: Parameters<typeof tenantCli>[0], args: string[], stdin?: string) => tenantCli(command, args, env, stdin);

  beforeAll(async () => {
    t = await startTestApp();
    env = { PATH: process.env.PATH, DATABASE_URL: t.app.config.database.url, ENCRYPTION_KEYS: TEST_ENCRYPTION_KEYS, NODE_ENV: 'test' };
  });
  afterAll(() => t?.stop());

  it('creates a tenant whose key works, then lists, adds and revokes keys', async () => {
    const created = await run('tenant-create', ['--name', 'Keys Ltd', '--website', 'keys.example']);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stderr).toMatch(/^Database: DATABASE_URL \(127\.0\.0\.1:\d+\/halo_test_\w+\)$/m);
    const first = keyOf(created.stdout)!;
    expect(await status(first)).toBe(200);

    const added = await run('tenant-keys', ['create', '--tenant', 'keys ltd', '--label', 'CI']);
    expect(added.code, added.stderr).toBe(0);
    const second = keyOf(added.stdout)!;
    expect(await status(second)).toBe(200);

    const list = await run('tenant-keys', ['list', '--tenant', 'Keys Ltd']);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toContain(`${first.slice(0, 10)}…`);
    expect(list.stdout).toMatch(new RegExp(`${second.slice(0, 10)}….*active.*"CI"`));
    expect(list.stdout).not.toContain(first); // never the key itself

    const revoked = await run('tenant-keys', ['revoke', '--tenant', 'Keys Ltd', '--key', first.slice(0, 10)]);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(await status(first)).toBe(401);
    expect(await status(second)).toBe(200);

    const unknown = await run('tenant-keys', ['revoke', '--tenant', 'Keys Ltd', '--key', 'hsk_nope']);
    expect(unknown.code).toBe(65);
    expect(unknown.stderr).toContain('no key matches "hsk_nope"');
    const usage = await run('tenant-keys', ['rotate', '--tenant', 'Keys Ltd']);
    expect(usage.code).toBe(64);
    expect(usage.stderr).toContain('usage:');
  }, 60_000);

  it('deletes a tenant with all its data after the name is typed; its keys answer 401 at once; others keep theirs', async () => {
    const doomed = await t.newTenant('Doomed Co', 'doomed.example');
    const kept = await t.newTenant('Kept Co', 'kept.example');
    const em = t.app.orm.em.fork();
    em.create(Company, { tenantId: doomed.tenantId, haloId: 1, name: 'Doomed customer' });
    em.create(Company, { tenantId: kept.tenantId, haloId: 1, name: 'Kept customer' });
    await em.flush();

    const wrongName = await run('tenant-delete', ['--tenant', 'Doomed Co'], 'Kept Co\n');
    expect(wrongName.code).toBe(1);
    expect(wrongName.stderr).toContain('Not deleted');
    expect(await status(doomed.apiKey)).toBe(200);

    const typed = await run('tenant-delete', ['--tenant', 'Doomed Co'], 'Doomed Co\n');
    expect(typed.code, typed.stderr).toBe(0);
    expect(typed.stdout).toMatch(/Deleted tenant Doomed Co \(.+\) and its rows: .*api_key 1.*company 1/);
    expect(await status(doomed.apiKey)).toBe(401);
    expect(await status(kept.apiKey)).toBe(200);
    const after = t.app.orm.em.fork();
    expect(await after.count(Company, { tenantId: doomed.tenantId })).toBe(0);
    expect(await after.count(ApiKey, { tenantId: doomed.tenantId })).toBe(0);
    expect(await after.count(Tenant, { id: doomed.tenantId })).toBe(0);
    expect(await after.count(Company, { tenantId: kept.tenantId })).toBe(1);

    const again = await t.newTenant('Gone Soon', 'gone.example');
    const yes = await run('tenant-delete', ['--tenant', again.tenantId, '--yes']);
    expect(yes.code, yes.stderr).toBe(0);
    expect(await status(again.apiKey)).toBe(401);
  }, 60_000);

  it('a key whose tenant row is gone (deleted by hand in SQL) answers 401', async () => {
    const orphan = await t.newTenant('Orphan Keys', 'orphan.example');
    expect(await status(orphan.apiKey)).toBe(200);
    await t.app.orm.em.getConnection().execute('delete from "tenant" where "id" = ?', [orphan.tenantId]);
    expect(await status(orphan.apiKey)).toBe(401);
  });
});

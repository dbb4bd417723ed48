import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoProcessEnv, freePort, MAIN, startDemoProcess, type DemoProcess } from '../support/demo-process';
import { tenantCli } from '../support/cli';

const postmasterPid = (dataDir: string) => Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);

/** The tenant commands in demo mode (no DATABASE_URL) while `npm start` runs on the embedded database. */
describe('tenant commands beside a running demo', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'halo-sync-tenant-demo-'));
  chmodSync(root, 0o755); // the embedded server runs as the postgres user
  const dataDir = path.join(root, 'pg');
  let demo: DemoProcess;
  let env: NodeJS.ProcessEnv;
  const status = async (key: string) =>
    (
      await fetch(demo.graphiqlUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify({ query: '{ companies(first: 1) { nodes { id } } }' }),
      })
    ).status;

  beforeAll(async () => {
    const pgPort = await freePort();
    demo = await startDemoProcess({ dataDir, pgPort });
    env = demoProcessEnv({ dataDir, pgPort });
  }, 120_000);
  afterAll(async () => {
    if (demo) {
      demo.child.kill('SIGTERM');
      await demo.exited;
    }
    rmSync(root, { recursive: true, force: true });
  });

  it('tenant:create uses the demo’s database without stopping it; the new key works at once', async () => {
    const pg = postmasterPid(dataDir);
    const created = await tenantCli('tenant-create', ['--name', 'Beside Demo', '--website', 'beside.example'], env);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stderr).toMatch(/^Database: the embedded PostgreSQL of the running npm start \(pid \d+, data in .+\)$/m);
    expect(created.stderr).not.toMatch(/stopping it/);
    const key = /^API key: (hsk_\S+)$/m.exec(created.stdout)![1];

    expect(postmasterPid(dataDir)).toBe(pg);
    expect(await status(demo.apiKey)).toBe(200);
    expect(await status(key)).toBe(200);

    const deleted = await tenantCli('tenant-delete', ['--tenant', 'Beside Demo', '--yes'], env);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(await status(key)).toBe(401);
    expect(await status(demo.apiKey)).toBe(200);
    expect(postmasterPid(dataDir)).toBe(pg);
  }, 60_000);

  it('a second npm start on the same folder says who holds it, and leaves the first running', async () => {
    const second = spawn(process.execPath, [MAIN], { env: { ...env, PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    second.stderr.on('data', (c) => (stderr += String(c)));
    const code = await new Promise<number | null>((resolve) => second.once('exit', resolve));
    expect(code).toBe(1);
    expect(stderr).toMatch(new RegExp(`in use by process ${demo.child.pid} \\(npm start\\)`));
    expect(await status(demo.apiKey)).toBe(200);
  }, 60_000);
});

import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, startDemoProcess, type DemoProcess } from '../support/demo-process';

const pidAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('npm start with no configuration (demo mode)', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'halo-sync-demo-'));
  // The embedded server runs as the postgres user, which must be able to enter the folder.
  chmodSync(root, 0o755);
  const dataDir = path.join(root, 'pg');
  const running: DemoProcess[] = [];
  afterAll(() => {
    for (const p of running) p.child.kill('SIGKILL');
    rmSync(root, { recursive: true, force: true });
  });

  const companies = async (demo: DemoProcess) =>
    fetch(demo.graphiqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${demo.apiKey}` },
      body: JSON.stringify({ query: '{ companies { nodes { id } } }' }),
    });

  it('serves GraphQL on embedded Postgres, survives a kill -9 and shuts down cleanly', async () => {
    const pgPort = await freePort();
    const first = await startDemoProcess({ dataDir, pgPort });
    running.push(first);
    expect(first.lines[0]).toMatch(/^GraphiQL: http:\/\/localhost:\d+\/graphql$/);
    expect(first.lines[1]).toMatch(/^API key: hsk_/);
    expect(first.lines[2]).toBe('Tenant: Acme IT (demo)');
    expect((await companies(first)).status).toBe(200);

    // A SIGKILL leaves the embedded postgres running; the next start must take over.
    const orphan = Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    first.child.kill('SIGKILL');
    await first.exited;
    expect(pidAlive(orphan)).toBe(true);

    const second = await startDemoProcess({ dataDir, pgPort });
    running.push(second);
    expect(second.apiKey).toBe(first.apiKey);
    expect((await companies(second)).status).toBe(200);
    expect(pidAlive(orphan)).toBe(false);

    const pg = Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    expect(pidAlive(pg)).toBe(false);
    expect(second.stderr()).not.toContain(second.apiKey);
  }, 120_000);
});

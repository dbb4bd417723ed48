import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '../..');
const VITEST = path.join(ROOT, 'node_modules/vitest/vitest.mjs');
const CONFIG = 'test/fixtures/failing-run/vitest.config.mts';

/** `vitest run` on one failing file, in a child process with the given environment: its exit code and output. */
function runFailingFixture(env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [VITEST, 'run', '--config', CONFIG], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c) => (output += String(c)));
    child.stderr.on('data', (c) => (output += String(c)));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, output }));
  });
}

describe('npm test exits non-zero when a test fails', () => {
  const { DATABASE_URL, ...withoutDatabase } = process.env;

  it('without DATABASE_URL (the global setup starts and stops an embedded PostgreSQL)', async () => {
    const run = await runFailingFixture({ ...withoutDatabase, HALO_SIM_SEED: undefined });
    expect(run.output).toMatch(/1 failed/);
    expect(run.code, run.output).toBe(1);
  }, 120_000);

  it('with DATABASE_URL', async () => {
    const run = await runFailingFixture({ ...process.env, DATABASE_URL });
    expect(run.output).toMatch(/1 failed/);
    expect(run.code, run.output).toBe(1);
  }, 60_000);
});

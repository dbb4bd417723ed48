import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';

export const MAIN = path.resolve(__dirname, '../../dist/src/main.js');

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export interface DemoProcess {
  child: ChildProcess;
  graphiqlUrl: string;
  apiKey: string;
  /** The demo tenant's name, as printed. */
  tenantName: string;
  /** The first three stdout lines, verbatim. */
  lines: string[];
  stderr: () => string;
  exited: Promise<number | null>;
}

/**
 * A cron schedule that cannot fire while a test runs: once a year, at midnight of the day that just passed. The
 * demo's own 5-minute opportunity schedule once fired in the middle of a test that counted sync runs.
 */
export function quietSchedule(now = new Date()): string {
  const yesterday = new Date(now.getTime() - 24 * 3600 * 1000);
  return `0 0 ${yesterday.getDate()} ${yesterday.getMonth() + 1} *`;
}

/**
 * The environment of `npm start` in a test: no configuration, as a user runs it, except for where it keeps its
 * embedded database and which ports it takes (so tests never collide with a developer's running demo), and schedules
 * that cannot fire during the test (the test decides when syncs run).
 */
export function demoProcessEnv(opts: { dataDir: string; pgPort: number }): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    PORT: '0',
    HOST: '127.0.0.1',
    EMBEDDED_PG_DIR: opts.dataDir,
    EMBEDDED_PG_PORT: String(opts.pgPort),
    SYNC_SCHEDULE: quietSchedule(),
    OPPORTUNITY_SYNC_SCHEDULE: quietSchedule(),
    UNCOVERED_SYNC_SCHEDULE: quietSchedule(),
  };
}

/** `npm start` as a user runs it (the compiled entry), in `demoProcessEnv`. */
export function startDemoProcess(opts: { dataDir: string; pgPort: number }): Promise<DemoProcess> {
  const child = spawn(process.execPath, [MAIN], {
    env: demoProcessEnv(opts),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr!.on('data', (c) => (err += String(c)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`demo did not print its three lines in 60 s\nstdout:\n${out}\nstderr:\n${err}`)), 60_000);
    child.stdout!.on('data', (c) => {
      out += String(c);
      const lines = out.split('\n').filter(Boolean);
      if (lines.length >= 3) {
        clearTimeout(timer);
        const url = /^GraphiQL: (http:\/\/localhost:\d+\/graphql)$/.exec(lines[0]);
        const key = /^API key: (hsk_\S+)$/.exec(lines[1]);
        const tenant = /^Tenant: (.+)$/.exec(lines[2]);
        if (!url || !key || !tenant) return reject(new Error(`unexpected demo output:\n${out}`));
        resolve({ child, graphiqlUrl: url[1], apiKey: key[1], tenantName: tenant[1], lines: lines.slice(0, 3), stderr: () => err, exited });
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`demo exited early with ${code}\nstdout:\n${out}\nstderr:\n${err}`));
    });
  });
}

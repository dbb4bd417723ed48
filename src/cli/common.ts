import path from 'node:path';
import type { MikroORM } from '@mikro-orm/postgresql';
import { ConfigError, loadConfig, type Config } from '../config';
import { createLogger, type Logger } from '../log';
import { createOrm, migrate } from '../db/orm';
import { TenantInputError } from '../tenants/tenants';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../db/embedded';
import { Tenant } from '../db/entities';

/** Exit codes shared by the commands (sysexits where one fits). */
export const EXIT = { ok: 0, failed: 1, usage: 64, dataErr: 65, noTenant: 67 } as const;

/** A command's expected failure: its message (no stack) and exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

export interface CliDatabase {
  url: string;
  /** Which database, in words, for the command's output (never the password). */
  where: string;
  embedded?: EmbeddedPostgres;
}

/**
 * The database a command works on: DATABASE_URL when set; otherwise the embedded one of demo mode, the running
 * `npm start`'s server when it runs (never stopped, never a second server on its folder), or one started for this
 * command and stopped after it.
 */
export async function openDatabase(config: Config, log: Logger, by: string): Promise<CliDatabase> {
  if (config.database.url) {
    const u = new URL(config.database.url);
    return { url: config.database.url, where: `DATABASE_URL (${u.hostname}:${u.port || 5432}${u.pathname})` };
  }
  const dir = path.relative(process.cwd(), path.resolve(config.database.embeddedDir)) || config.database.embeddedDir;
  const embedded = await startEmbeddedPostgres({ dir: config.database.embeddedDir, port: config.database.embeddedPort, log, whenInUse: 'attach', by });
  const where = embedded.attached
    ? `the embedded PostgreSQL of the running ${embedded.owner.by} (pid ${embedded.owner.pid}, data in ${dir})`
    : `the embedded PostgreSQL in ${dir} (started for this command, stopped after it)`;
  return { url: embedded.url, where, embedded };
}

/**
 * Runs `work` on the command's database (see openDatabase), migrated, and closes everything after it; a tenant input
 * error becomes the command's data error.
 */
export async function withMigratedOrm(by: string, work: (orm: MikroORM, db: CliDatabase) => Promise<number>): Promise<number> {
  const config = loadConfig();
  const log = createLogger(process.env.LOG_LEVEL ?? 'warn');
  const db = await openDatabase(config, log, by);
  try {
    const orm = await createOrm({ url: db.url });
    try {
      await migrate(orm);
      return await work(orm, db);
    } catch (err) {
      if (err instanceof TenantInputError) throw new CliError(err.message, EXIT.dataErr);
      throw err;
    } finally {
      await orm.close(true);
    }
  } finally {
    await db.embedded?.stop();
  }
}

/** A tenant by id or by name (any case); a clear error listing the tenants otherwise. */
export async function findTenant(orm: MikroORM, wanted: string): Promise<Tenant> {
  const em = orm.em.fork();
  const all = await em.find(Tenant, {}, { orderBy: { name: 'asc' } });
  const byId = all.find((t) => t.id === wanted);
  if (byId) return byId;
  const matches = all.filter((t) => t.name.toLowerCase() === wanted.toLowerCase());
  if (matches.length === 1) return matches[0];
  const list = all.map((t) => `  ${t.name} (${t.id})`).join('\n');
  if (matches.length > 1) throw new CliError(`${matches.length} tenants are named "${wanted}": pass the id instead\n${list}`, EXIT.usage);
  throw new CliError(all.length ? `no tenant named "${wanted}"; known tenants:\n${list}` : `no tenant named "${wanted}": there are no tenants yet (npm run tenant:create)`, EXIT.noTenant);
}

/** Runs a command's main and exits with its code; a CliError or a bad configuration prints its message only. */
export function runCli(name: string, main: () => Promise<number>): void {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      if (err instanceof CliError) {
        (err.exitCode === EXIT.ok ? process.stdout : process.stderr).write(`${err.message}\n`);
        process.exit(err.exitCode);
      }
      process.stderr.write(err instanceof ConfigError ? `${err.message}\n` : `${name} failed: ${(err as Error).message}\n`);
      process.exit(1);
    },
  );
}

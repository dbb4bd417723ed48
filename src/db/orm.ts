import { MikroORM, type Options } from '@mikro-orm/postgresql';
import { Client } from 'pg';
import { Migrator } from '@mikro-orm/migrations';
import { entities } from './entities';
import { migrationsList } from '../../migrations';

export interface OrmOptions {
  url: string;
  poolMax?: number;
  /** Sees every SQL statement; tests count statements with it. */
  onQuery?: (sql: string) => void;
}

export function ormConfig(opts: OrmOptions): Options {
  return {
    clientUrl: opts.url,
    entities,
    // Explicit `type:` on every property: no reflection, the same metadata under tsc and vitest.
    discovery: { disableDynamicFileAccess: true, requireEntitiesArray: true },
    pool: { min: 0, max: opts.poolMax ?? 10 },
    extensions: [Migrator],
    migrations: {
      // Listed statically so the same code runs compiled and under vitest (no glob, no dynamic import of .ts).
      migrationsList,
      tableName: 'mikro_orm_migrations',
      // Snapshots would be written beside the checked-in migrations on every run; the diff test replaces them.
      snapshot: false,
      transactional: true,
      allOrNothing: true,
    },
    allowGlobalContext: false,
    debug: opts.onQuery ? ['query'] : false,
    logger: opts.onQuery ? (msg: string) => opts.onQuery!(msg) : () => undefined,
    colors: false,
    forceUtcTimezone: true,
  };
}

export async function createOrm(opts: OrmOptions): Promise<MikroORM> {
  return MikroORM.init(ormConfig(opts));
}

/** Any fixed number: the advisory lock that lets one process at a time migrate a database. */
const MIGRATION_LOCK_KEY = 4_817_240_310;

/**
 * Applies the checked-in migrations; schema changes never happen any other way. Processes starting together against
 * one database (several API processes and workers) take turns under a session advisory lock: the first migrates,
 * the others then find nothing pending. The lock lives on its own connection, so it is released even if that
 * process dies.
 */
export async function migrate(orm: MikroORM): Promise<void> {
  const lock = new Client({ connectionString: orm.config.get('clientUrl') });
  await lock.connect();
  try {
    await lock.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    await orm.getMigrator().up();
  } finally {
    await lock.end().catch(() => undefined);
  }
}

export async function pendingMigrations(orm: MikroORM): Promise<number> {
  return (await orm.getMigrator().getPendingMigrations()).length;
}

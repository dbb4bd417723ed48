import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MikroORM } from '@mikro-orm/postgresql';
import { createOrm, migrate, pendingMigrations } from '../../src/db/orm';
import { pendingSchemaSql } from '../../src/db/schema-diff';
import { createTestDatabase } from '../support/db';

describe('migrations', () => {
  let orm: MikroORM;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    const db = await createTestDatabase();
    drop = db.drop;
    orm = await createOrm({ url: db.url });
  });
  afterAll(async () => {
    await orm?.close(true);
    await drop?.();
  });

  it('apply from empty, leave nothing pending, and re-run as a no-op', async () => {
    await migrate(orm);
    expect(await pendingMigrations(orm)).toBe(0);
    await migrate(orm);
  });

  it('build exactly the schema the entities describe (run `npm run migration:create -- Name` when this fails)', async () => {
    expect(await pendingSchemaSql(orm)).toEqual([]);
  });
});

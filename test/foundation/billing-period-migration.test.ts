import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MikroORM } from '@mikro-orm/postgresql';
import { createOrm } from '../../src/db/orm';
import { createTestDatabase } from '../support/db';

/**
 * Migration 20261203110000: billing periods stored as months (ours) or as Halo's raw integer (synced rows) become
 * names. Applied to a database holding rows of both kinds, migrated up to the migration before it.
 */
describe('billing period migration', () => {
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

  it('turns our months into names, decodes synced rows by Halo’s enum, and keeps anything else out', async () => {
    await orm.getMigrator().up({ to: 'Migration20261128211553Push' });
    const sql = orm.em.getConnection();
    const tenant = '00000000-0000-4000-8000-000000000001';
    const quote = '00000000-0000-4000-8000-0000000000aa';
    await sql.execute(`insert into tenant (id, name, website) values (?, 'T', 't.example')`, [tenant]);
    await sql.execute(`insert into quote (id, tenant_id, title, status, origin, content_hash) values (?, ?, 'Q', 'DRAFT', 'HALO', 'h')`, [quote, tenant]);
    const item = (name: string, origin: string, period: number | null) =>
      sql.execute(`insert into item (id, tenant_id, name, origin, billing_period, content_hash) values (gen_random_uuid(), ?, ?, ?, ?, 'h')`, [tenant, name, origin, period]);
    const line = (name: string, origin: string, period: number) =>
      sql.execute(
        `insert into quote_line (id, tenant_id, quote_id, position, description, quantity, unit_price, origin, billing_period, content_hash) values (gen_random_uuid(), ?, ?, 1, ?, 1, 1, ?, ?, 'h')`,
        [tenant, quote, name, origin, period],
      );
    for (const [name, months] of [['once', 0], ['monthly', 1], ['quarterly', 3], ['half-yearly', 6], ['yearly', 12], ['odd', 5]] as const) {
      await item(`local ${name}`, 'LOCAL', months);
      await line(`local ${name}`, 'LOCAL', months);
    }
    for (const [name, halo] of [['weekly', 1], ['monthly', 2], ['yearly', 3], ['quarterly', 4], ['4-yearly', 9], ['bad', 12]] as const) {
      await item(`halo ${name}`, 'HALO', halo);
      await line(`halo ${name}`, 'HALO', halo);
    }
    await item('local none', 'LOCAL', null);

    await orm.getMigrator().up();

    const items = Object.fromEntries(
      (await sql.execute<{ name: string; billing_period: string | null }[]>(`select name, billing_period from item`)).map((r) => [r.name, r.billing_period]),
    );
    expect(items).toEqual({
      'local once': 'ONE_OFF',
      'local monthly': 'MONTHLY',
      'local quarterly': 'QUARTERLY',
      'local half-yearly': 'SIX_MONTHLY',
      'local yearly': 'YEARLY',
      'local odd': null,
      'halo weekly': 'WEEKLY',
      'halo monthly': 'MONTHLY',
      'halo yearly': 'YEARLY',
      'halo quarterly': 'QUARTERLY',
      'halo 4-yearly': 'FOUR_YEARLY',
      'halo bad': null,
      'local none': null,
    });
    const lines = await sql.execute<{ description: string; billing_period: string | null }[]>(`select description, billing_period from quote_line order by description`);
    expect(Object.fromEntries(lines.map((r) => [r.description, r.billing_period]))).toMatchObject({ 'local monthly': 'MONTHLY', 'halo monthly': 'MONTHLY', 'local yearly': 'YEARLY', 'halo quarterly': 'QUARTERLY' });
    // Synced rows are rewritten from Halo by the next sync.
    expect(await sql.execute(`select origin, content_hash from item where content_hash is not null group by 1, 2`)).toEqual([{ origin: 'LOCAL', content_hash: 'h' }]);
    expect((await sql.execute(`select content_hash from quote`))[0].content_hash).toBeNull();
    await expect(sql.execute(`update item set billing_period = 'FORTNIGHTLY'`)).rejects.toThrow(/item_billing_period_check/);
  });
});

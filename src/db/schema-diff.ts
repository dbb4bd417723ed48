import type { MikroORM } from '@mikro-orm/postgresql';

/**
 * The SQL that would bring a database migrated to the latest checked-in migration in line with the entities.
 * Empty when migrations and entities agree; a test asserts that, and `npm run migration:create` writes it as the
 * next migration.
 */
/** Indexes the migrations create by hand because entities cannot express them (partial unique, trigram). */
export const MANUAL_INDEXES = [
  'sync_run_one_active_per_tenant',
  // Migration20261203140000SearchIndexes: `search` on the lists.
  'company_name_trgm',
  'contact_name_trgm',
  'contact_email_trgm',
  'item_name_trgm',
  'item_sku_trgm',
  'opportunity_title_trgm',
];

export async function pendingSchemaSql(orm: MikroORM): Promise<string[]> {
  const sql = await orm.schema.getUpdateSchemaSQL({ wrap: false, safe: false, dropTables: true });
  return sql
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('--'))
    .filter((l) => !MANUAL_INDEXES.some((name) => l.includes(`"${name}"`)));
}

import type { MikroORM } from '@mikro-orm/postgresql';

/**
 * The SQL that would bring a database migrated to the latest checked-in migration in line with the entities.
 * Empty when migrations and entities agree; a test asserts that, and `npm run migration:create` writes it as the
 * next migration.
 */
export async function pendingSchemaSql(orm: MikroORM): Promise<string[]> {
  const sql = await orm.schema.getUpdateSchemaSQL({ wrap: false, safe: false, dropTables: true });
  return sql
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('--'));
}

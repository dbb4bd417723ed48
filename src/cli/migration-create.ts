import 'reflect-metadata';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createOrm, migrate } from '../db/orm';
import { pendingSchemaSql } from '../db/schema-diff';

/**
 * Writes the next migration from the difference between the entities and the checked-in migrations, computed on
 * a scratch database (DATABASE_URL's server, or the local one), and registers it in migrations/index.ts.
 * usage: npm run migration:create -- AddSyncRuns
 */
const MIGRATIONS = path.resolve(__dirname, '../../../migrations');

async function main(): Promise<void> {
  const name = process.argv[2];
  if (!name || !/^[A-Z][A-Za-z0-9]+$/.test(name)) throw new Error('usage: npm run migration:create -- PascalCaseName');
  const server = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
  const scratch = `halo_migration_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  await admin.query(`create database "${scratch}"`);
  const url = new URL(server);
  url.pathname = `/${scratch}`;
  const orm = await createOrm({ url: url.toString() });
  try {
    await migrate(orm);
    const statements = await pendingSchemaSql(orm);
    if (!statements.length) {
      process.stdout.write('entities and migrations agree: nothing to write\n');
      return;
    }
    const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
    const className = `Migration${stamp}${name}`;
    const body = statements.map((s) => `    this.addSql(${JSON.stringify(s)});`).join('\n');
    writeFileSync(
      path.join(MIGRATIONS, `${className}.ts`),
      `import { Migration } from '@mikro-orm/migrations';\n\nexport class ${className} extends Migration {\n  override async up(): Promise<void> {\n${body}\n  }\n}\n`,
    );
    const indexPath = path.join(MIGRATIONS, 'index.ts');
    let index = readFileSync(indexPath, 'utf8');
    const lastImport = index.lastIndexOf('\nimport ');
    const afterImports = index.indexOf('\n', lastImport + 1);
    index = `${index.slice(0, afterImports)}\nimport { ${className} } from './${className}';${index.slice(afterImports)}`;
    index = index.replace(/\n\];\s*$/, `\n  { name: '${className}', class: ${className} },\n];\n`);
    writeFileSync(indexPath, index);
    process.stdout.write(`wrote migrations/${className}.ts (${statements.length} statements)\n`);
  } finally {
    await orm.close(true);
    await admin.query(`drop database "${scratch}" with (force)`);
    await admin.end();
  }
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});

import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config';
import { createLogger } from '../log';
import { createOrm, migrate } from '../db/orm';
import { createTenant, TenantInputError } from '../tenants/tenants';
import { CliError, EXIT, openDatabase, runCli } from './common';

const USAGE = 'usage: npm run tenant:create -- --name "Acme IT" --website acme.example';

/**
 * Creates a tenant and prints its API key once; only the key's hash is stored. In demo mode it writes to the
 * running demo's database when `npm start` runs (the key works there at once), else to the embedded one.
 */
async function main(): Promise<number> {
  let values: { name?: string; website?: string };
  try {
    ({ values } = parseArgs({ options: { name: { type: 'string' }, website: { type: 'string' } }, strict: true }));
  } catch (err) {
    throw new CliError(`${(err as Error).message}\n${USAGE}`, EXIT.usage);
  }
  if (!values.name || !values.website) throw new CliError(`both --name and --website are required\n${USAGE}`, EXIT.usage);
  const config = loadConfig();
  const log = createLogger(process.env.LOG_LEVEL ?? 'warn');
  const db = await openDatabase(config, log, 'npm run tenant:create');
  try {
    const orm = await createOrm({ url: db.url });
    try {
      await migrate(orm);
      const { tenant, apiKey } = await createTenant(orm.em.fork(), { name: values.name, website: values.website });
      process.stdout.write(`Tenant: ${tenant.name} (${tenant.id}), website ${tenant.website}\nAPI key: ${apiKey}\n`);
      process.stderr.write(`Database: ${db.where}\nStore the key now: it is not shown again and cannot be recovered.\n`);
      return EXIT.ok;
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

runCli('tenant:create', main);

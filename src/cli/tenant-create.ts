import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { createTenant } from '../tenants/tenants';
import { CliError, EXIT, runCli, withMigratedOrm } from './common';

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
  const { name, website } = values;
  return withMigratedOrm('npm run tenant:create', async (orm, db) => {
    const { tenant, apiKey } = await createTenant(orm.em.fork(), { name, website });
    process.stdout.write(`Tenant: ${tenant.name} (${tenant.id}), website ${tenant.website}\nAPI key: ${apiKey}\n`);
    process.stderr.write(`Database: ${db.where}\nStore the key now: it is not shown again and cannot be recovered.\n`);
    return EXIT.ok;
  });
}

runCli('tenant:create', main);

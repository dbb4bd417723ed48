import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config';
import { createLogger } from '../log';
import { createOrm, migrate } from '../db/orm';
import { startEmbeddedPostgres } from '../db/embedded';
import { createTenant, TenantInputError } from '../tenants/tenants';

const USAGE = 'usage: npm run tenant:create -- --name "Acme IT" --website acme.example';

/** Creates a tenant and prints its API key once; only the key's hash is stored. */
async function main(): Promise<number> {
  let values: { name?: string; website?: string };
  try {
    ({ values } = parseArgs({ options: { name: { type: 'string' }, website: { type: 'string' } }, strict: true }));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    return 64;
  }
  if (!values.name || !values.website) {
    process.stderr.write(`both --name and --website are required\n${USAGE}\n`);
    return 64;
  }
  const config = loadConfig();
  const log = createLogger(process.env.LOG_LEVEL ?? 'warn');
  const embedded = config.database.url
    ? undefined
    : await startEmbeddedPostgres({ dir: config.database.embeddedDir, port: config.database.embeddedPort, log });
  const orm = await createOrm({ url: config.database.url ?? embedded!.url });
  try {
    await migrate(orm);
    const { tenant, apiKey } = await createTenant(orm.em.fork(), { name: values.name, website: values.website });
    process.stdout.write(`Tenant: ${tenant.name} (${tenant.id}), website ${tenant.website}\nAPI key: ${apiKey}\n`);
    process.stderr.write('Store the key now: it is not shown again and cannot be recovered.\n');
    return 0;
  } catch (err) {
    if (err instanceof TenantInputError) {
      process.stderr.write(`${err.message}\n`);
      return 65;
    }
    throw err;
  } finally {
    await orm.close(true);
    await embedded?.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(err instanceof ConfigError ? `${err.message}\n` : `tenant:create failed: ${(err as Error).message}\n`);
    process.exit(1);
  },
);

import 'reflect-metadata';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config';
import { createLogger } from '../log';
import { createOrm, migrate } from '../db/orm';
import { HaloConnectionRow } from '../db/entities';
import { deleteTenant } from '../tenants/tenants';
import { CliError, EXIT, findTenant, openDatabase, runCli } from './common';

const USAGE = 'usage: npm run tenant:delete -- --tenant <name or id> [--yes]   (without --yes, type the tenant\'s name to confirm)';

/** One line from stdin (a terminal or a pipe); '' when stdin ends first. */
function readLine(prompt: string): Promise<string> {
  return new Promise((resolve) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: process.stdin.isTTY === true });
    let answered = false;
    rl.question(prompt, (answer) => {
      answered = true;
      rl.close();
      resolve(answer);
    });
    rl.once('close', () => {
      if (!answered) resolve('');
    });
  });
}

/**
 * Deletes a tenant with all its data (records, settings, history, keys): every key of it answers 401 at once. Asks
 * for the tenant's name first, unless --yes.
 */
async function main(): Promise<number> {
  let values: { tenant?: string; yes?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({ options: { tenant: { type: 'string' }, yes: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, strict: true }));
  } catch (err) {
    throw new CliError(`${(err as Error).message}\n${USAGE}`, EXIT.usage);
  }
  if (values.help) throw new CliError(USAGE, EXIT.ok);
  if (!values.tenant?.trim()) throw new CliError(`--tenant is required\n${USAGE}`, EXIT.usage);

  const config = loadConfig();
  const log = createLogger(process.env.LOG_LEVEL ?? 'warn');
  const db = await openDatabase(config, log, 'npm run tenant:delete');
  try {
    const orm = await createOrm({ url: db.url });
    try {
      await migrate(orm);
      const tenant = await findTenant(orm, values.tenant.trim());
      const connection = await orm.em.fork().findOne(HaloConnectionRow, { tenantId: tenant.id, status: { $ne: 'DISCONNECTED' } });
      process.stderr.write(`Database: ${db.where}\n`);
      if (connection) {
        // Our webhook in Halo is removed by disconnectHalo (it needs the stored credentials this deletes).
        process.stderr.write(
          `Note: ${tenant.name} is connected to Halo (${connection.baseUrl}). To remove our webhook from Halo as well, run the disconnectHalo mutation first; otherwise delete it in Halo yourself.\n`,
        );
      }
      if (!values.yes) {
        const typed = await readLine(`This deletes ${tenant.name} (${tenant.id}) and all its data, and revokes its keys. Type its name to confirm: `);
        if (typed.trim() !== tenant.name) throw new CliError('Not deleted: the name typed does not match.', EXIT.failed);
      }
      const deleted = await deleteTenant(orm.em.fork(), tenant.id);
      const rows = Object.entries(deleted)
        .filter(([table]) => table !== 'tenant')
        .map(([table, n]) => `${table} ${n}`)
        .join(', ');
      process.stdout.write(`Deleted tenant ${tenant.name} (${tenant.id})${rows ? ` and its rows: ${rows}` : ''}.\n`);
      return EXIT.ok;
    } finally {
      await orm.close(true);
    }
  } finally {
    await db.embedded?.stop();
  }
}

runCli('tenant:delete', main);

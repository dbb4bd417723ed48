import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { issueApiKey, listApiKeys, revokeApiKey } from '../tenants/tenants';
import { CliError, EXIT, findTenant, runCli, withMigratedOrm } from './common';

const USAGE = `usage:
  npm run tenant:keys -- list   --tenant <name or id>
  npm run tenant:keys -- create --tenant <name or id> [--label "CI"]     prints the new key once
  npm run tenant:keys -- revoke --tenant <name or id> --key <key id or prefix>`;

/** A tenant's API keys: list them (prefix, label, dates; never a key), add one, revoke one (401 from then on). */
async function main(): Promise<number> {
  let parsed: { values: { tenant?: string; label?: string; key?: string; help?: boolean }; positionals: string[] };
  try {
    parsed = parseArgs({
      options: { tenant: { type: 'string' }, label: { type: 'string' }, key: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: true,
    });
  } catch (err) {
    throw new CliError(`${(err as Error).message}\n${USAGE}`, EXIT.usage);
  }
  const { values, positionals } = parsed;
  if (values.help) throw new CliError(USAGE, EXIT.ok);
  const action = positionals[0];
  if (positionals.length !== 1 || !['list', 'create', 'revoke'].includes(action)) throw new CliError(`say list, create or revoke\n${USAGE}`, EXIT.usage);
  if (!values.tenant?.trim()) throw new CliError(`--tenant is required\n${USAGE}`, EXIT.usage);
  if (action === 'revoke' && !values.key?.trim()) throw new CliError(`revoke needs --key (an id or prefix from: npm run tenant:keys -- list)\n${USAGE}`, EXIT.usage);

  const wanted = values.tenant.trim();
  return withMigratedOrm('npm run tenant:keys', async (orm, db) => {
    const tenant = await findTenant(orm, wanted);
    const em = orm.em.fork();
    if (action === 'list') {
      const keys = await listApiKeys(em, tenant.id);
      process.stdout.write(`Keys of ${tenant.name} (${tenant.id}):\n`);
      for (const k of keys) {
        const state = k.revokedAt ? `revoked ${k.revokedAt.toISOString()}` : 'active';
        process.stdout.write(`  ${k.prefix}…  ${k.id}  created ${k.createdAt.toISOString()}  ${state}${k.label ? `  "${k.label}"` : ''}\n`);
      }
      if (!keys.length) process.stdout.write('  none\n');
    } else if (action === 'create') {
      const { key, row } = issueApiKey(em, tenant.id, values.label?.trim() || undefined);
      await em.flush();
      process.stdout.write(`Tenant: ${tenant.name} (${tenant.id})\nKey id: ${row.id}\nAPI key: ${key}\n`);
      process.stderr.write('Store the key now: it is not shown again and cannot be recovered.\n');
    } else {
      const revoked = await revokeApiKey(em, tenant.id, values.key!.trim());
      process.stdout.write(`Revoked ${revoked.prefix}… (${revoked.id}) of ${tenant.name}: requests with it now answer 401.\n`);
    }
    process.stderr.write(`Database: ${db.where}\n`);
    return EXIT.ok;
  });
}

runCli('tenant:keys', main);

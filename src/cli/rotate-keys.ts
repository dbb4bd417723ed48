import 'reflect-metadata';
import { ConfigError, loadConfig } from '../config';
import { createOrm, migrate } from '../db/orm';
import { createIntegrationServices } from '../integration';

/**
 * Re-seals every stored Halo secret with the first key in ENCRYPTION_KEYS. Rotation: put the new key first and
 * keep the old one after it, run this, then remove the old key.
 */
async function main(): Promise<number> {
  const config = loadConfig();
  if (!config.database.url) {
    process.stderr.write('keys:rotate needs DATABASE_URL (the demo database holds no real secrets)\n');
    return 64;
  }
  const orm = await createOrm({ url: config.database.url });
  try {
    await migrate(orm);
    const { connections, box } = createIntegrationServices(config);
    const count = await connections.rotateSecrets(orm.em.fork());
    process.stdout.write(`re-sealed ${count} secret(s) with key "${box.currentKeyId}"\n`);
    return 0;
  } finally {
    await orm.close(true);
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(err instanceof ConfigError ? `${err.message}\n` : `keys:rotate failed: ${(err as Error).message}\n`);
    process.exit(1);
  },
);

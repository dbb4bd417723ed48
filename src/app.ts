import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { ApolloServer } from '@apollo/server';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Config } from './config';
import { createLogger, type Logger } from './log';
import { createOrm, migrate, pendingMigrations } from './db/orm';
import { APP_OWNER, startEmbeddedPostgres, type EmbeddedPostgres } from './db/embedded';
import { readModelFor, sqlReadPlugin } from './graphql/sql-read';
import { buildFederatedSchema } from './graphql/schema';
import { apolloHardening } from './graphql/hardening';
import type { GraphQLContext } from './graphql/context';
import { createHttpServer, sendJson, type Route } from './http/server';
import { graphiqlPage } from './http/graphiql';
import { ensureDemoTenant } from './tenants/demo';
import { createIntegrationServices, type IntegrationServices } from './integration';
import { startJobQueue } from './jobs/queue';
import { SyncEngine } from './sync/engine';
import { SyncService, startSyncWorker } from './sync/service';
import { SyncScheduler } from './sync/scheduler';
import { createOutbox, startPushWorker } from './push';
import { WebhookInstaller } from './webhooks/install';
import { WebhookProcessor } from './webhooks/processor';
import { WebhookReceiver } from './webhooks/receiver';
import { WebhookService, startWebhookWorker } from './webhooks/service';
import { WEBHOOK_PATH_PREFIX } from './webhooks/spec';

const LOOPBACK_OR_ANY = new Set(['0.0.0.0', '::', '127.0.0.1', '::1', 'localhost']);

export interface AppOptions {
  logger?: Logger;
  /** Sees every SQL statement (tests count them). */
  onQuery?: (sql: string) => void;
  /** Sees every field resolution as "Type.field" (tests prove a rejected request ran no resolver). */
  onResolve?: (field: string) => void;
}

export interface App {
  readonly config: Config;
  readonly log: Logger;
  readonly orm: MikroORM;
  /** Base URL once started, e.g. http://127.0.0.1:4000 */
  readonly url: string;
  /** Only in demo mode: the demo tenant's API key. */
  readonly demoApiKey?: string;
  /** Only in demo mode: the demo tenant's name. */
  readonly demoTenantName?: string;
  readonly sync: { service: SyncService; engine: SyncEngine; scheduler: SyncScheduler };
  /** Connect/configure services (the demo setup and CLIs use them outside a request). */
  readonly integration: IntegrationServices;
  /** Halo webhooks: install/verify/repair, deliveries; `processor` only in worker processes. */
  readonly webhooks: { service: WebhookService; processor?: WebhookProcessor; receiver: WebhookReceiver };
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The one composition root: the only module that imports every layer and wires them together. Everything it
 * builds is torn down by stop(), in reverse order.
 */
export async function createApp(config: Config, opts: AppOptions = {}): Promise<App> {
  const log = opts.logger ?? createLogger(config.logLevel);
  let embedded: EmbeddedPostgres | undefined;
  let databaseUrl = config.database.url;
  if (!databaseUrl) {
    embedded = await startEmbeddedPostgres({ dir: config.database.embeddedDir, port: config.database.embeddedPort, log, by: APP_OWNER });
    databaseUrl = embedded.url;
    log.info({ port: config.database.embeddedPort, dir: config.database.embeddedDir }, 'embedded PostgreSQL started');
  }

  let orm: MikroORM;
  try {
    orm = await createOrm({ url: databaseUrl, poolMax: config.database.poolMax, onQuery: opts.onQuery });
    await migrate(orm);
  } catch (err) {
    await embedded?.stop();
    throw err;
  }

  const demoTenant = config.demo ? await ensureDemoTenant(orm.em.fork(), config.database.embeddedDir) : undefined;
  const demoApiKey = demoTenant?.apiKey;

  const integration = createIntegrationServices(config, log.child({ module: 'halo' }));
  const queue = await startJobQueue({ url: databaseUrl, log }).catch(async (err) => {
    await orm.close(true);
    await embedded?.stop();
    throw err;
  });
  const engine = new SyncEngine({ orm, access: integration.access, settings: integration.settings, log: log.child({ module: 'sync' }), staleAfterMs: config.jobs.staleAfterMs });
  const syncService = new SyncService(orm, queue.boss, log, { staleAfterMs: config.jobs.staleAfterMs });
  integration.checklist.syncFacts = syncService;
  const scheduler = new SyncScheduler(orm, syncService, log, [
    { name: 'all', cron: config.schedule.sync, entities: null },
    // Halo fires no webhook for most opportunity edits: poll them more often.
    { name: 'opportunities', cron: config.schedule.opportunities, entities: ['opportunities'] },
    // Per tenant, the entities whose changes Halo's webhook does not all bring (what Halo holds on our webhook).
    { name: 'uncovered', cron: config.schedule.uncovered, entities: (em, tenantId) => webhookService.entitiesToPoll(em, tenantId) },
  ]);
  // Where Halo reaches us: PUBLIC_BASE_URL, or (outside production) the address we listen on, for tests and demos.
  let listenUrl = '';
  const publicBaseUrl = () => config.publicBaseUrl ?? (config.env !== 'production' && listenUrl ? listenUrl : undefined);
  const webhookLog = log.child({ module: 'webhooks' });
  let webhookReceiver: WebhookReceiver | undefined;
  const installer = new WebhookInstaller({
    access: integration.access,
    box: integration.box,
    publicBaseUrl,
    schedule: config.schedule,
    onConfigChanged: (pathKey) => webhookReceiver?.forget(pathKey),
  });
  const webhookProcessor = config.roles.worker
    ? new WebhookProcessor({ orm, access: integration.access, settings: integration.settings, engine, log: webhookLog, staleClaimMs: config.jobs.staleAfterMs })
    : undefined;
  const webhookService = new WebhookService({ orm, boss: queue.boss, installer, processor: webhookProcessor, schedule: config.schedule, log: webhookLog, window: config.webhooks });
  webhookReceiver = new WebhookReceiver({ orm, box: integration.box, log: webhookLog, window: config.webhooks, onStored: (tenantId) => webhookService.signal(tenantId) });
  integration.checklist.webhookFacts = webhookService;
  const outbox = createOutbox(
    { orm, boss: queue.boss, access: integration.access, settings: integration.settings, log: log.child({ module: 'push' }) },
    config.push,
  );
  const services = { ...integration, sync: syncService, webhooks: webhookService, outbox };
  let worker: { stop(): Promise<void> } | undefined;
  let pushWorker: { stop(): Promise<void> } | undefined;
  let webhookWorker: { stop(): Promise<void> } | undefined;
  const schema = await buildFederatedSchema();
  // Production mode, CSRF prevention, no batching, abuse limits: all in graphql/hardening.ts.
  const hardening = apolloHardening(config, log, opts.onResolve);
  const apollo = new ApolloServer<GraphQLContext>({
    schema,
    ...hardening,
    plugins: [
      ...(hardening.plugins ?? []),
      // Plain reads answered by compiled, batched SQL (graphql/sql-read); everything else by the resolvers.
      ...(config.sqlReads ? [sqlReadPlugin(schema, readModelFor(schema, orm), log.child({ module: 'sql-read' }), opts.onResolve)] : []),
    ],
    // We own shutdown (see stop()): Apollo's own signal handler would race ours and hang.
    stopOnTerminationSignals: false,
    logger: { debug: () => undefined, info: () => undefined, warn: (m) => log.warn(m), error: (m) => log.error(m) },
  });

  let migrationsApplied = false;
  const routes: Route[] = [
    // A process without the api role (a worker) answers health checks only.
    ...(config.roles.api
      ? [{ method: 'POST', path: WEBHOOK_PATH_PREFIX, handle: (req, res, ctx) => webhookReceiver.handle(req, res, ctx) } satisfies Route]
      : []),
    {
      method: 'GET',
      path: '/healthz',
      handle: async (_req, res) => sendJson(res, 200, { status: 'ok' }),
    },
    {
      method: 'GET',
      path: '/readyz',
      handle: async (_req, res) => {
        try {
          await orm.em.getConnection().execute('select 1');
          migrationsApplied ||= (await pendingMigrations(orm)) === 0;
          sendJson(res, migrationsApplied ? 200 : 503, { status: migrationsApplied ? 'ready' : 'migrations pending', database: 'ok' });
        } catch {
          sendJson(res, 503, { status: 'unavailable', database: 'unreachable' });
        }
      },
    },
  ];

  const server: Server = createHttpServer({
    apollo,
    orm,
    log,
    routes,
    services,
    serveGraphQL: config.roles.api,
    graphiql: config.graphiql ? () => graphiqlPage({ apiKey: demoApiKey }) : undefined,
  });

  let url = '';
  let stopped = false;
  return {
    config,
    log,
    orm,
    demoApiKey,
    demoTenantName: demoTenant?.name,
    sync: { service: syncService, engine, scheduler },
    integration,
    webhooks: { service: webhookService, processor: webhookProcessor, receiver: webhookReceiver },
    get url() {
      return url;
    },
    async start() {
      await apollo.start();
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.port, config.host, () => resolve());
      });
      const { port } = server.address() as AddressInfo;
      url = `http://${LOOPBACK_OR_ANY.has(config.host) ? 'localhost' : config.host}:${port}`;
      listenUrl = `http://${config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
      log.info({ url }, 'halo-sync listening');
      if (config.roles.worker) {
        worker = await startSyncWorker({ boss: queue.boss, engine, service: syncService, log, pollSeconds: config.jobs.pollSeconds, resumeEveryMs: Math.min(30_000, config.jobs.staleAfterMs) });
      }
      if (webhookProcessor) {
        webhookWorker = await startWebhookWorker({ boss: queue.boss, processor: webhookProcessor, log: webhookLog, pollSeconds: config.jobs.pollSeconds });
      }
      if (config.roles.worker) {
        pushWorker = await startPushWorker({ boss: queue.boss, outbox, log, pollSeconds: config.jobs.pollSeconds, sweepEveryMs: Math.min(15_000, config.push.leaseMs) });
      }
      if (config.roles.scheduler) scheduler.start();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      // Stop taking requests, let the ones in flight finish (bounded), then release the database.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const timer = setTimeout(() => server.closeAllConnections(), 10_000);
      if (server.listening) await closed;
      clearTimeout(timer);
      await apollo.stop().catch(() => undefined);
      scheduler.stop();
      await worker?.stop();
      await webhookWorker?.stop();
      await pushWorker?.stop();
      await queue.stop().catch((err) => log.warn({ err: String(err) }, 'job queue did not stop cleanly'));
      await orm.close(true);
      await integration.egress.close();
      await embedded?.stop();
      log.info('halo-sync stopped');
    },
  };
}

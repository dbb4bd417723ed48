import { z } from 'zod';

/**
 * The whole service reads its environment through this one schema. `loadConfig` never throws one error at a
 * time: it collects every bad variable so an operator fixes them all in one go.
 */

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const cronExpr = z
  .string()
  .regex(/^(\S+\s+){4,5}\S+$/, 'must be a cron expression with 5 or 6 fields, e.g. "*/15 * * * *"');

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  HOST: z.string().min(1).default('0.0.0.0'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
  EMBEDDED_PG_DIR: z.string().min(1).default('.data/pg'),
  EMBEDDED_PG_PORT: z.coerce.number().int().min(1024).max(65535).default(54329),
  /** AES-256-GCM keys for stored Halo secrets: "keyId:base64key[,keyId:base64key…]"; the first one encrypts. */
  ENCRYPTION_KEYS: z
    .string()
    .regex(
      /^[A-Za-z0-9_-]+:[A-Za-z0-9+/]{43}=(,[A-Za-z0-9_-]+:[A-Za-z0-9+/]{43}=)*$/,
      'must be "keyId:base64(32 bytes)[,keyId:base64…]"; generate one with: node -e "console.log(\'k1:\'+require(\'crypto\').randomBytes(32).toString(\'base64\'))"',
    )
    .optional(),
  PUBLIC_BASE_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  SYNC_SCHEDULE: cronExpr.default('*/15 * * * *'),
  OPPORTUNITY_SYNC_SCHEDULE: cronExpr.default('*/5 * * * *'),
  /**
   * Incremental sync of the entities whose changes do not all reach us by webhook (what Halo holds decides). Every
   * 5 minutes, offset by 2 so it never shares a slot with the two schedules above (one run per tenant at a time).
   */
  UNCOVERED_SYNC_SCHEDULE: cronExpr.default('2-59/5 * * * *'),
  HALO_URL: z.string().min(1).optional(),
  HALO_CLIENT_ID: z.string().min(1).optional(),
  HALO_CLIENT_SECRET: z.string().min(1).optional(),
  HALO_TENANT: z.string().min(1).optional(),
  HALO_RATE_LIMIT_PER_5MIN: z.coerce.number().int().min(1).max(100_000).default(300),
  /** Let tenants' Halo addresses be loopback, private, link-local or multicast. Default: off in production mode. */
  HALO_ALLOW_PRIVATE_ADDRESSES: bool.optional(),
  /** Halo request retries: first backoff, and the wait after a 429 that names no Retry-After. */
  HALO_RETRY_BASE_MS: z.coerce.number().int().min(1).max(60_000).default(500),
  HALO_RATE_LIMIT_DELAY_MS: z.coerce.number().int().min(1).max(300_000).default(5_000),
  /** What this process does: serve the API, run background jobs, fire the schedules. Default: all three. */
  ROLES: z
    .string()
    .regex(/^(api|worker|scheduler)(,(api|worker|scheduler))*$/, 'must be a comma-separated list of api, worker, scheduler')
    .default('api,worker,scheduler'),
  /** A running sync whose worker has not reported for this long is taken as dead and resumed. */
  SYNC_STALE_AFTER_SECONDS: z.coerce.number().int().min(2).max(86_400).default(60),
  JOB_POLL_SECONDS: z.coerce.number().min(0.5).max(60).default(1),
  /** Pushes to Halo: how often to try before stopping with an error, the first retry delay, a worker's lease. */
  PUSH_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(8),
  PUSH_RETRY_BASE_MS: z.coerce.number().int().min(10).max(600_000).default(1000),
  PUSH_LEASE_SECONDS: z.coerce.number().int().min(2).max(3600).default(120),
  /**
   * The webhook replay window: a new delivery whose event time is older than this, or further ahead of our clock
   * than the second, is refused (400) and not stored. A replay of a stored delivery is recognised by its id whenever.
   */
  WEBHOOK_MAX_AGE_SECONDS: z.coerce.number().int().min(60).max(30 * 86_400).default(86_400),
  WEBHOOK_MAX_FUTURE_SECONDS: z.coerce.number().int().min(0).max(86_400).default(300),
  /** Demo mode: embedded Postgres, a demo tenant, the Halo simulator. Defaults on when nothing is configured. */
  DEMO: bool.optional(),
  /** Production hardening: masked errors, no introspection, no suggestions, no GraphiQL. Default: NODE_ENV=production. */
  PRODUCTION_MODE: bool.optional(),
  INTROSPECTION: bool.optional(),
  GRAPHIQL: bool.optional(),
  /** Answer plain reads (lists and records with nested relations) with compiled, batched SQL (src/graphql/sql-read). */
  SQL_READS: bool.default(true),
});

export type Env = z.infer<typeof envSchema>;

export interface Config {
  env: Env['NODE_ENV'];
  port: number;
  host: string;
  logLevel: Env['LOG_LEVEL'];
  demo: boolean;
  /** Hardened public surface (see src/graphql/hardening.ts). */
  productionMode: boolean;
  introspection: boolean;
  graphiql: boolean;
  /** The compiled read path (src/graphql/sql-read); off: every query runs through the resolvers. */
  sqlReads: boolean;
  database: { url?: string; poolMax: number; embeddedDir: string; embeddedPort: number };
  encryptionKeys: { id: string; key: Buffer }[];
  publicBaseUrl?: string;
  /** Cron schedules: everything, opportunities, and the entities without real-time webhook coverage. */
  schedule: { sync: string; opportunities: string; uncovered: string };
  halo?: { url: string; clientId: string; clientSecret: string; tenant?: string };
  haloRateLimitPer5Min: number;
  /** Halo may be at a non-public address (src/integration/egress.ts); off in production mode unless set. */
  haloAllowPrivateAddresses: boolean;
  haloRetry: { baseDelayMs: number; rateLimitDelayMs: number };
  roles: { api: boolean; worker: boolean; scheduler: boolean };
  jobs: { staleAfterMs: number; pollSeconds: number };
  push: { maxAttempts: number; baseDelayMs: number; leaseMs: number };
  /** Halo webhook receipt: the replay window around a delivery's event time. */
  webhooks: { maxAgeMs: number; maxFutureMs: number };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** A fixed, public key: only ever used in demo mode, where nothing real is stored. */
const DEMO_ENCRYPTION_KEY = { id: 'demo', key: Buffer.alloc(32, 7) };

export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  // Empty strings come from `.env` templates and mean "unset".
  const raw = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(raw);
  const problems: string[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      // Never echo the received value: it may be a secret.
      problems.push(`${issue.path.join('.')}: ${issue.message}`);
    }
    throw new ConfigError(problems);
  }
  const e = parsed.data;
  const haloVars = [e.HALO_URL, e.HALO_CLIENT_ID, e.HALO_CLIENT_SECRET];
  const haloSet = haloVars.filter(Boolean).length;
  if (haloSet > 0 && haloSet < 3) {
    for (const [name, v] of [
      ['HALO_URL', e.HALO_URL],
      ['HALO_CLIENT_ID', e.HALO_CLIENT_ID],
      ['HALO_CLIENT_SECRET', e.HALO_CLIENT_SECRET],
    ] as const) {
      if (!v) problems.push(`${name}: required when any of HALO_URL, HALO_CLIENT_ID, HALO_CLIENT_SECRET is set`);
    }
  }
  // Zero config: embedded Postgres and a demo tenant, connected to the Halo simulator, or to the Halo in HALO_*.
  const demo = e.DEMO ?? (e.NODE_ENV !== 'production' && !e.DATABASE_URL);
  if (!demo && !e.ENCRYPTION_KEYS) {
    problems.push('ENCRYPTION_KEYS: required outside demo mode (stored Halo secrets are encrypted with it)');
  }
  if (demo && haloSet === 3 && !e.ENCRYPTION_KEYS) {
    // The demo's built-in key is public: a real Halo secret is never stored under it.
    problems.push('ENCRYPTION_KEYS: required when HALO_CLIENT_SECRET is set (the demo key is public)');
  }
  if (e.NODE_ENV === 'production' && e.DEMO) {
    problems.push('DEMO: demo mode cannot run with NODE_ENV=production');
  }
  if (problems.length) throw new ConfigError(problems);
  const productionMode = e.PRODUCTION_MODE ?? e.NODE_ENV === 'production';

  const encryptionKeys = e.ENCRYPTION_KEYS
    ? e.ENCRYPTION_KEYS.split(',').map((pair) => {
        const [id, b64] = pair.split(':');
        return { id, key: Buffer.from(b64, 'base64') };
      })
    : [DEMO_ENCRYPTION_KEY];

  return {
    env: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    logLevel: e.LOG_LEVEL,
    demo,
    productionMode,
    introspection: e.INTROSPECTION ?? !productionMode,
    graphiql: e.GRAPHIQL ?? !productionMode,
    sqlReads: e.SQL_READS,
    database: {
      url: e.DATABASE_URL,
      poolMax: e.DATABASE_POOL_MAX,
      embeddedDir: e.EMBEDDED_PG_DIR,
      embeddedPort: e.EMBEDDED_PG_PORT,
    },
    encryptionKeys,
    publicBaseUrl: e.PUBLIC_BASE_URL,
    schedule: { sync: e.SYNC_SCHEDULE, opportunities: e.OPPORTUNITY_SYNC_SCHEDULE, uncovered: e.UNCOVERED_SYNC_SCHEDULE },
    halo:
      haloSet === 3
        ? { url: e.HALO_URL!, clientId: e.HALO_CLIENT_ID!, clientSecret: e.HALO_CLIENT_SECRET!, tenant: e.HALO_TENANT }
        : undefined,
    haloRateLimitPer5Min: e.HALO_RATE_LIMIT_PER_5MIN,
    // The demo's own simulator listens on loopback.
    haloAllowPrivateAddresses: e.HALO_ALLOW_PRIVATE_ADDRESSES ?? (demo || !productionMode),
    haloRetry: { baseDelayMs: e.HALO_RETRY_BASE_MS, rateLimitDelayMs: e.HALO_RATE_LIMIT_DELAY_MS },
    roles: {
      api: e.ROLES.split(',').includes('api'),
      worker: e.ROLES.split(',').includes('worker'),
      scheduler: e.ROLES.split(',').includes('scheduler'),
    },
    jobs: { staleAfterMs: e.SYNC_STALE_AFTER_SECONDS * 1000, pollSeconds: e.JOB_POLL_SECONDS },
    push: { maxAttempts: e.PUSH_MAX_ATTEMPTS, baseDelayMs: e.PUSH_RETRY_BASE_MS, leaseMs: e.PUSH_LEASE_SECONDS * 1000 },
    webhooks: { maxAgeMs: e.WEBHOOK_MAX_AGE_SECONDS * 1000, maxFutureMs: e.WEBHOOK_MAX_FUTURE_SECONDS * 1000 },
  };
}

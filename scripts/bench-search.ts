/**
 * `search` on the lists at scale: 50,000 contacts (and as many companies and items) in one tenant, beside another
 * tenant of the same size, searched through GraphQL with the trigram indexes of
 * Migration20261203140000SearchIndexes, then again with those indexes dropped, to show what they buy.
 *
 *   npm run bench:search -- [--rows 50000] [--repeat 30]
 *
 * Uses a scratch database on DATABASE_URL's server (default postgresql://postgres@127.0.0.1:5432/test), dropped
 * afterwards. Prints, per search term, the median and 95th percentile answer time over HTTP and the plan's top node.
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createApp } from '../src/app';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/log';
import { createTenant } from '../src/tenants/tenants';
import { MAX_SEARCH_LENGTH } from '../src/graphql/inputs';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i > 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive whole number`);
  return value;
}

const ROWS = arg('rows', 50_000);
const REPEAT = arg('repeat', 30);
const ADMIN_URL = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';
const TRGM_INDEXES = ['company_name_trgm', 'contact_name_trgm', 'contact_email_trgm', 'item_name_trgm', 'item_sku_trgm', 'opportunity_title_trgm'];

/** Realistic-ish names: 200 first names × 500 last names, emails at 2,000 domains. */
const FIRST = ['James', 'Mary', 'John', 'Patricia', 'Robert', 'Jennifer', 'Michael', 'Linda', 'William', 'Elizabeth', 'David', 'Barbara', 'Richard', 'Susan', 'Joseph', 'Jessica', 'Thomas', 'Sarah', 'Charles', 'Karen'];
const LAST = ['Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Rodriguez', 'Martinez', 'Hernandez', 'Lopez', 'Gonzalez', 'Wilson', 'Anderson', 'Thomas', 'Taylor', 'Moore', 'Jackson', 'Martin'];

const SEARCHES: { name: string; list: string; term: string }[] = [
  { name: 'contacts: common last name', list: 'contacts', term: 'smith' },
  { name: 'contacts: rare (11 rows)', list: 'contacts', term: '-4711' },
  { name: 'contacts: email part', list: 'contacts', term: '@domain17.example' },
  { name: 'contacts: no match', list: 'contacts', term: 'zzqx' },
  { name: 'contacts: 2 characters', list: 'contacts', term: 'jo' },
  { name: `contacts: ${MAX_SEARCH_LENGTH} characters`, list: 'contacts', term: 'smith'.repeat(MAX_SEARCH_LENGTH / 5) },
  { name: 'companies: rare', list: 'companies', term: 'company 4711' },
  { name: 'items: sku part', list: 'items', term: 'SKU-0471' },
];

async function admin(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: ADMIN_URL });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];

async function main(): Promise<void> {
  const dbName = `halo_bench_search_${randomBytes(4).toString('hex')}`;
  await admin(`create database "${dbName}"`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${dbName}`;
  const config = loadConfig({ DATABASE_URL: url.toString(), PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'error', ENCRYPTION_KEYS: `b:${randomBytes(32).toString('base64')}`, DEMO: 'false', ROLES: 'api' });
  const app = await createApp(config, { logger: createLogger('error') });
  await app.start();
  const base = app.url.replace('localhost', '127.0.0.1');
  try {
    const em = app.orm.em.fork();
    const { tenant, apiKey } = await createTenant(em, { name: 'Bench', website: 'bench.example' });
    const other = await createTenant(app.orm.em.fork(), { name: 'Other', website: 'other.example' });
    const conn = app.orm.em.getConnection();
    const loadStarted = Date.now();
    for (const t of [tenant.id, other.tenant.id]) {
      const firsts = `array[${FIRST.map((f) => `'${f}'`).join(',')}]`;
      const lasts = `array[${LAST.map((l) => `'${l}'`).join(',')}]`;
      await conn.execute(
        `insert into contact (id, tenant_id, halo_id, name, email, inactive, sync_errors, created_at, updated_at)
         select gen_random_uuid(), ?, i, (${firsts})[1 + i % 20] || ' ' || (${lasts})[1 + (i / 20) % 20] || '-' || i,
                lower((${firsts})[1 + i % 20]) || '.' || i || '@domain' || (i % 2000) || '.example', false, '[]', now(), now()
           from generate_series(1, ?) i`,
        [t, ROWS],
      );
      await conn.execute(
        `insert into company (id, tenant_id, halo_id, name, is_prospect, inactive, sync_errors, created_at, updated_at)
         select gen_random_uuid(), ?, i, 'Company ' || i, false, false, '[]', now(), now() from generate_series(1, ?) i`,
        [t, ROWS],
      );
      await conn.execute(
        `insert into item (id, tenant_id, halo_id, name, sku, recurring, sync_errors, created_at, updated_at)
         select gen_random_uuid(), ?, i, 'Item ' || i, 'SKU-' || lpad(i::text, 6, '0'), false, '[]', now(), now() from generate_series(1, ?) i`,
        [t, ROWS],
      );
    }
    await conn.execute('analyze');
    process.stdout.write(`loaded ${ROWS.toLocaleString('en-US')} contacts, companies and items in each of 2 tenants in ${((Date.now() - loadStarted) / 1000).toFixed(1)} s\n\n`);

    const run = async (label: string) => {
      process.stdout.write(`${label}\n${'search'.padEnd(34)} ${'rows'.padStart(5)} ${'median ms'.padStart(10)} ${'p95 ms'.padStart(8)}  plan\n`);
      for (const s of SEARCHES) {
        const query = `query($s: String) { ${s.list}(first: 50, search: $s) { nodes { id name } } }`;
        const times: number[] = [];
        let rows = 0;
        for (let i = 0; i < REPEAT + 3; i++) {
          const started = performance.now();
          const res = await fetch(`${base}/graphql`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
            body: JSON.stringify({ query, variables: { s: s.term } }),
          });
          const body = (await res.json()) as { data?: Record<string, { nodes: unknown[] }>; errors?: unknown };
          if (body.errors) throw new Error(`${s.name}: ${JSON.stringify(body.errors)}`);
          rows = body.data![s.list].nodes.length;
          if (i >= 3) times.push(performance.now() - started); // the first answers warm caches
        }
        times.sort((a, b) => a - b);
        // The statement the list runs (its listSpec's filter), for its plan.
        const [table, filter] = { contacts: ['contact', '(name ilike ? or email ilike ?)'], companies: ['company', 'name ilike ?'], items: ['item', '(name ilike ? or sku ilike ?)'] }[
          s.list as 'contacts'
        ];
        const pattern = `%${s.term}%`;
        const plan = (await conn.execute(
          `explain select id from "${table}" where tenant_id = ? and deleted_at is null and ${filter} order by name, id limit 51`,
          [tenant.id, pattern, ...(filter.includes(' or ') ? [pattern] : [])],
        )) as { 'QUERY PLAN': string }[];
        const scans = plan.map((p) => p['QUERY PLAN']).filter((l) => /Scan/.test(l)).map((l) => l.trim().replace(/\s+\(cost.*$/, '').replace(/^->\s*/, ''));
        process.stdout.write(
          `${s.name.padEnd(34)} ${String(rows).padStart(5)} ${percentile(times, 0.5).toFixed(1).padStart(10)} ${percentile(times, 0.95).toFixed(1).padStart(8)}  ${scans.join('; ')}\n`,
        );
      }
      process.stdout.write('\n');
    };

    await run('with the trigram indexes (as migrated)');
    for (const index of TRGM_INDEXES) await conn.execute(`drop index "${index}"`);
    await conn.execute('analyze');
    await run('without them (before Migration20261203140000SearchIndexes)');
  } finally {
    await app.stop();
    await admin(`drop database if exists "${dbName}" with (force)`);
  }
}

main().catch((err) => {
  process.stderr.write(`bench:search failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});

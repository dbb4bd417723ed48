import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { HaloSim } from '../../src/halo-sim';
import { buildFederatedSchema } from '../../src/graphql/schema';
import { readModelFor } from '../../src/graphql/sql-read';
import type { ReadModel } from '../../src/graphql/sql-read/model';
import { READ_TYPES } from '../../src/graphql/relations';
import { startTestApp, type TestApp } from '../support/app';
import { createTestDatabase } from '../support/db';
import { graphqlClient } from '../support/gql';
import { startSim } from '../support/halo';
import { configureDefaults, GROUPS, useHalosQuoteLineNames } from '../support/mappings';
import { connect, syncAndWait } from '../support/sync';

/**
 * The compiled read path (src/graphql/sql-read) must answer exactly what the resolvers answer. Two apps share one
 * database: `compiled` with SQL_READS on, `resolvers` with it off. Every query goes to both; the answers must be
 * equal byte for byte (key order included), and the probe of resolved fields says which path answered (the
 * compiled path reports "sql:Query.<field>", the resolvers "Type.field").
 */
describe('compiled reads', () => {
  let compiled: TestApp;
  let resolvers: TestApp;
  let sim: HaloSim;
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let model: ReadModel;
  let apiKey: string;
  let tenantId: string;
  let otherKey: string;

  const exec = (sql: string, params: unknown[] = []) => compiled.app.orm.em.getConnection().execute(sql, params);

  beforeAll(async () => {
    db = await createTestDatabase();
    [compiled, sim] = await Promise.all([startTestApp({ JOB_POLL_SECONDS: '0.5' }, { databaseUrl: db.url }), startSim()]);
    resolvers = await startTestApp({ ROLES: 'api', SQL_READS: 'false' }, { databaseUrl: db.url });
    const tenant = await compiled.newTenant('Acme Managed Services', 'acme.example');
    ({ apiKey, tenantId } = tenant);
    await connect(tenant.gql, sim);
    await configureDefaults(tenant.gql, Number(sim.control.list('items', (i) => i.assetgroup_id === GROUPS.services)[0].id), sim.truth.lookupIds);
    await useHalosQuoteLineNames(tenant.gql, sim.truth);
    expect((await syncAndWait(tenant.gql, { full: true })).status).toBe('SUCCEEDED');
    otherKey = (await compiled.newTenant('Other MSP', 'other.example')).apiKey;
    model = readModelFor(await buildFederatedSchema(), compiled.app.orm);

    // Edge cases the synced data lacks: quotes and LIKE wildcards in names, equal names (ties broken by id),
    // microsecond timestamps, deleted records inside nested lists, a contact without a company, push fields.
    const [a, b, c] = (await exec(`select id from company where tenant_id = ? order by name limit 3`, [tenantId])) as { id: string }[];
    await exec(`update company set name = ?, last_synced_at = '2026-01-02 03:04:05.678912+00' where id = ?`, [`O'Brien "IT" 100%_\\ Ünïcode`, a.id]);
    await exec(`update company set name = 'Twin Ltd', pushed_at = '1999-12-31 23:59:59.9999+00', push_state = 'PUSHED' where id in (?, ?)`, [b.id, c.id]);
    await exec(`update site set deleted_at = now() where id = (select id from site where company_id = ? limit 1)`, [b.id]);
    await exec(`update contact set deleted_at = now() where id = (select id from contact where company_id = ? limit 1)`, [b.id]);
    await exec(`update contact set company_id = null where id = (select id from contact where tenant_id = ? and company_id is not null order by name desc limit 1)`, [tenantId]);
    await exec(`update company set deleted_at = now() where id = (select id from company where tenant_id = ? order by name desc limit 1)`, [tenantId]);
  });
  afterAll(async () => {
    await resolvers?.stop();
    await compiled?.stop();
    await sim?.stop();
    await db?.drop();
  });

  /** Sends the query to both apps; returns the answer and whether the compiled path gave it (no resolver ran). */
  async function both(query: string, variables: Record<string, unknown> = {}, key = apiKey) {
    compiled.resolved.length = 0;
    const [c, r] = await Promise.all([graphqlClient(compiled.url, key).request(query, variables), graphqlClient(resolvers.url, key).request(query, variables)]);
    expect(c.status, c.raw).toBe(r.status);
    expect(JSON.stringify(c.data)).toBe(JSON.stringify(r.data));
    expect(c.errors?.map((e) => [e.message, e.extensions?.code, e.path])).toEqual(r.errors?.map((e) => [e.message, e.extensions?.code, e.path]));
    const wasCompiled = compiled.resolved.length > 0 && compiled.resolved.every((f) => f.startsWith('sql:Query.'));
    return { data: c.data as Record<string, unknown>, errors: c.errors, wasCompiled };
  }

  /** Every compiled field of a type, relations expanded `depth` levels. */
  function everything(typeName: string, depth: number): string {
    const parts = ['__typename'];
    for (const [name, field] of model.types.get(typeName)!.fields) {
      if (field.kind === 'column') parts.push(name);
      else if (depth > 0) parts.push(`${name} { ${everything(field.type, depth - 1)} }`);
    }
    return parts.join(' ');
  }

  const LIST_ROOTS = { companies: 'Company', contacts: 'Contact', opportunities: 'Opportunity', items: 'Item', quotes: 'Quote' };

  it('compiles every column and relation the read types declare; only computed and JSON fields are left to resolvers', async () => {
    const schema = await buildFederatedSchema();
    const left: string[] = [];
    for (const typeName of Object.keys(READ_TYPES)) {
      const fields = Object.keys((schema.getType(typeName) as unknown as { getFields(): Record<string, unknown> }).getFields());
      for (const f of fields) if (!model.types.get(typeName)!.fields.has(f)) left.push(`${typeName}.${f}`);
    }
    expect(left.filter((f) => !f.endsWith('.syncErrors'))).toEqual(['Quote.totals']);
    expect([...model.roots.keys()].sort()).toEqual(['companies', 'company', 'contact', 'contacts', 'item', 'items', 'opportunities', 'opportunity', 'quote', 'quotes']);
  });

  it.each(Object.entries(LIST_ROOTS))('answers %s with every field and its relations exactly as the resolvers do', async (root, type) => {
    // Every row (deleted ones too), page by page, with one level of relations; then a page with two levels.
    let after: string | null = null;
    let rows = 0;
    do {
      const res = await both(
        `query ($after: String) { ${root}(first: 50, after: $after, includeDeleted: true) { __typename nodes { ${everything(type, 1)} } pageInfo { __typename hasNextPage endCursor } } }`,
        { after },
      );
      expect(res.errors).toBeUndefined();
      expect(res.wasCompiled).toBe(true);
      const page = res.data[root] as { nodes: unknown[]; pageInfo: { hasNextPage: boolean; endCursor: string } };
      rows += page.nodes.length;
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    } while (after);
    expect(rows).toBeGreaterThan(0);
    const deep = await both(`{ ${root}(first: 8) { nodes { ${everything(type, 2)} } } }`);
    expect(deep.errors).toBeUndefined();
    expect(deep.wasCompiled).toBe(true);
  });

  it('answers records by id, null for an unknown id or another tenant\'s record, and BAD_USER_INPUT for a malformed id', async () => {
    for (const [root, type] of [['company', 'Company'], ['contact', 'Contact'], ['opportunity', 'Opportunity'], ['item', 'Item'], ['quote', 'Quote']]) {
      const table = root === 'company' ? 'company' : root;
      const [{ id }] = (await exec(`select id from "${table}" where tenant_id = ? order by id limit 1`, [tenantId])) as { id: string }[];
      const query = `query ($id: ID!) { ${root}(id: $id) { ${everything(type, 2)} } }`;
      const found = await both(query, { id });
      expect(found.wasCompiled).toBe(true);
      expect(found.data[root]).not.toBeNull();
      expect((await both(query, { id: '00000000-0000-4000-8000-000000000000' })).data[root]).toBeNull();
      // Not one of our ids: refused before either path runs (graphql/inputs.ts), the same on both.
      expect((await both(query, { id: 'not-an-id' })).errors?.map((e) => [e.extensions?.code, e.extensions?.field])).toEqual([['BAD_USER_INPUT', 'id']]);
      const foreign = await both(query, { id }, otherKey);
      expect(foreign.wasCompiled).toBe(true);
      expect(foreign.data[root]).toBeNull();
    }
  });

  it('pages through every company with cursors, page for page the same', async () => {
    let after: string | null = null;
    let pages = 0;
    const seen = new Set<string>();
    do {
      const res = await both(`query ($after: String) { companies(first: 7, after: $after) { nodes { id name } pageInfo { hasNextPage endCursor } } }`, { after });
      expect(res.wasCompiled).toBe(true);
      const page = res.data.companies as { nodes: { id: string }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
      for (const n of page.nodes) seen.add(n.id);
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
      pages++;
    } while (after);
    const [{ n }] = (await exec(`select count(*)::int as n from company where tenant_id = ? and deleted_at is null`, [tenantId])) as { n: number }[];
    expect(seen.size).toBe(n);
    expect(pages).toBe(Math.ceil(n / 7) + (n % 7 === 0 ? 1 : 0));
  });

  it('filters as the resolvers do (search with quotes and wildcards, flags, ids, status)', async () => {
    const [{ id: companyId }] = (await exec(`select company_id as id from contact where tenant_id = ? and company_id is not null limit 1`, [tenantId])) as { id: string }[];
    const [{ status }] = (await exec(`select status from opportunity where tenant_id = ? and status is not null limit 1`, [tenantId])) as { status: string }[];
    const queries: [string, Record<string, unknown>][] = [
      [`query ($s: String) { companies(search: $s) { nodes { id name } } }`, { s: `o'brien "it" 100%_\\` }],
      [`query ($s: String) { companies(search: $s) { nodes { id name } } }`, { s: '%' }],
      [`{ companies(search: "twin") { nodes { id name pushState pushedAt lastSyncedAt sites { id } contacts { id } } } }`, {}],
      [`{ companies(active: true, prospect: false, first: 30) { nodes { id inactive isProspect } } }`, {}],
      [`{ companies(prospect: true) { nodes { id isProspect } } }`, {}],
      [`query ($c: ID) { contacts(companyId: $c) { nodes { id name company { id name } } } }`, { c: companyId }],
      [`{ contacts(search: "@", active: true, first: 25) { nodes { id email } pageInfo { endCursor } } }`, {}],
      [`query ($s: String) { opportunities(status: $s, first: 40) { nodes { id status title company { name } contact { name } } } }`, { s: status }],
      [`{ items(productType: "HARDWARE") { nodes { id name productType productGroup { name productType } } } }`, {}],
      [`{ items(recurring: true) { nodes { id recurring recurringPrice billingPeriod } } }`, {}],
      [`{ quotes(status: "DRAFT") { nodes { id status } } }`, {}],
    ];
    for (const [query, variables] of queries) expect((await both(query, variables)).wasCompiled, query).toBe(true);
  });

  it('follows aliases, fragments, __typename, @skip/@include and several roots', async () => {
    compiled.sql.length = 0;
    const res = await both(
      `query Mixed($withSites: Boolean!, $noContacts: Boolean!) {
        __typename
        first: companies(first: 3) { ...Page }
        again: companies(first: 3) { nodes { id n: name } }
        items(first: 2) { nodes { ... on Item { id label: name } productGroup { __typename id } } }
      }
      fragment Page on CompanyConnection { nodes { id ...Named name sites @include(if: $withSites) { id } contacts @skip(if: $noContacts) { id } } pageInfo { hasNextPage } }
      fragment Named on Company { name website }`,
      { withSites: true, noContacts: true },
    );
    expect(res.wasCompiled).toBe(true);
    const nodes = (res.data.first as { nodes: Record<string, unknown>[] }).nodes;
    expect(Object.keys(nodes[0])).toEqual(['id', 'name', 'website', 'sites']);
    // The auth lookup, each root's page, and one statement per relation of each (first.sites, items.productGroup),
    // in three round trips: auth, the pages, the relations.
    const sent = compiled.sql.filter((s) => /\bselect\b/i.test(s));
    expect(sent.reduce((n, s) => n + 1 + (s.match(/;\s*select\b/gi)?.length ?? 0), 0)).toBe(6);
    expect(sent).toHaveLength(3);
  });

  /** A random selection on a type: any fields, aliases, repeats (merged), inline fragments and __typename. */
  function arbSelection(typeName: string, depth: number): fc.Arbitrary<string> {
    const fields = [...model.types.get(typeName)!.fields].filter(([, f]) => f.kind === 'column' || depth > 0);
    const one = fc.constantFrom(...fields).chain(([name, field]) =>
      fc
        .record({
          alias: fc.oneof({ arbitrary: fc.constant(undefined), weight: 6 }, { arbitrary: fc.constantFrom('a', 'b', 'x_1'), weight: 1 }),
          sub: field.kind === 'column' ? fc.constant('') : arbSelection(field.type, depth - 1).map((sel) => ` { ${sel} }`),
        })
        // An alias names this field only: a different field under the same key would be invalid GraphQL.
        .map(({ alias, sub }) => `${alias ? `${alias}_${name}: ` : ''}${name}${sub}`),
    );
    return fc
      .record({
        picks: fc.array(one, { minLength: 1, maxLength: 5 }),
        typename: fc.boolean(),
        fragment: fc.boolean(),
      })
      .map(({ picks, typename, fragment }) => {
        const body = [...(typename ? ['__typename'] : []), ...picks].join(' ');
        return fragment ? `... on ${typeName} { ${body} } id` : body;
      });
  }

  it('answers random selections on every root exactly as the resolvers do', async () => {
    let answered = 0;
    const roots = fc.oneof(
      ...Object.entries(LIST_ROOTS).map(([root, type]) =>
        fc
          .record({ sel: arbSelection(type, 2), first: fc.integer({ min: 1, max: 12 }), deleted: fc.boolean(), info: fc.boolean() })
          .map(({ sel, first, deleted, info }) => `{ ${root}(first: ${first}, includeDeleted: ${deleted}) { nodes { ${sel} }${info ? ' pageInfo { endCursor hasNextPage }' : ''} } }`),
      ),
    );
    await fc.assert(
      fc.asyncProperty(roots, async (query) => {
        const res = await both(query);
        if (res.errors) {
          // A large random query may meet an abuse limit: rejected alike by both, before either path ran.
          expect(res.errors.map((e) => e.extensions?.code), query).toEqual(expect.arrayContaining([expect.stringMatching(/^(TOO_MANY_|QUERY_TOO_)/)]));
        } else {
          answered++;
          expect(res.wasCompiled, query).toBe(true);
        }
      }),
      { numRuns: 60, seed: 4242 },
    );
    expect(answered).toBeGreaterThan(45);
  });

  it('leaves computed and JSON fields to the resolvers, with the same answer', async () => {
    for (const query of [
      `{ quotes(first: 5) { nodes { id totals { subtotal } } } }`,
      `{ companies(first: 5) { nodes { id syncErrors { code } } } }`,
      `{ companies(first: 2) { nodes { id } } syncRuns(first: 1) { id } }`,
    ]) {
      const res = await both(query);
      expect(res.wasCompiled, query).toBe(false);
    }
  });

  it('gives the resolvers\' errors for arguments they reject', async () => {
    for (const query of [`{ companies(first: 0) { nodes { id } } }`, `{ companies(after: "nonsense") { nodes { id } } }`, `{ contacts(companyId: "x") { nodes { id } } }`]) {
      const res = await both(query);
      expect(res.errors?.[0].extensions?.code, query).toBe('BAD_USER_INPUT');
    }
  });

  it('shows another tenant none of these records', async () => {
    const res = await both(`{ companies { nodes { id } } contacts { nodes { id } } items { nodes { id } } }`, {}, otherKey);
    expect(res.wasCompiled).toBe(true);
    expect(res.data).toEqual({ companies: { nodes: [] }, contacts: { nodes: [] }, items: { nodes: [] } });
  });
});

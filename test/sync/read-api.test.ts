import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Company, Contact, Opportunity, Site } from '../../src/db/entities';
import { CompaniesWithChildrenDocument } from '../generated/graphql';
import { startTestApp, type TestApp } from '../support/app';
import { createTestDatabase } from '../support/db';
import { graphqlClient } from '../support/gql';

describe('read API cost', () => {
  let t: TestApp;
  let viaResolvers: TestApp;
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let gql: Awaited<ReturnType<TestApp['newTenant']>>['gql'];
  let gqlResolvers: ReturnType<typeof graphqlClient>;

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await startTestApp({}, { databaseUrl: db.url });
    // The same data read with the compiled read path off: every field through resolvers and DataLoaders.
    viaResolvers = await startTestApp({ ROLES: 'api', SQL_READS: 'false' }, { databaseUrl: db.url });
    const tenant = await t.newTenant();
    gql = tenant.gql;
    gqlResolvers = graphqlClient(viaResolvers.url, tenant.apiKey);
    const em = t.app.orm.em.fork();
    for (let i = 0; i < 120; i++) {
      const c = em.create(Company, { tenantId: tenant.tenantId, haloId: i + 1, name: `Company ${String(i).padStart(3, '0')}` });
      em.create(Site, { tenantId: tenant.tenantId, haloId: i + 1, companyId: c.id, name: 'Main', city: 'London' });
      for (let k = 0; k < 2; k++) em.create(Contact, { tenantId: tenant.tenantId, haloId: i * 2 + k + 1, companyId: c.id, name: `Person ${i}-${k}`, email: `p${i}-${k}@x.example` });
      em.create(Opportunity, { tenantId: tenant.tenantId, haloId: i + 1, companyId: c.id, title: `Deal ${i}`, status: 'OPEN' });
    }
    await em.flush();
  });
  afterAll(async () => {
    await viaResolvers?.stop();
    await t?.stop();
    await db?.drop();
  });

  async function statementsFor(first: number, app = t, client = gql): Promise<{ statements: number; roundTrips: number; companies: number; contacts: number }> {
    app.sql.length = 0;
    const data = await client.expectData(CompaniesWithChildrenDocument, { first });
    const sent = app.sql.filter((s) => /\b(select|insert|update|delete)\b/i.test(s));
    return {
      // The compiled read path sends the statements of one level together (';'-separated): one round trip.
      statements: sent.reduce((n, s) => n + 1 + (s.match(/;\s*select\b/gi)?.length ?? 0), 0),
      roundTrips: sent.length,
      companies: data.companies.nodes.length,
      contacts: data.companies.nodes.reduce((n, c) => n + c.contacts.length, 0),
    };
  }

  it('costs the same number of SQL statements for 100 companies with contacts, sites and opportunities as for 10', async () => {
    const ten = await statementsFor(10);
    const hundred = await statementsFor(100);
    expect(ten.companies).toBe(10);
    expect(hundred.companies).toBe(100);
    expect(hundred.contacts).toBe(200);
    expect(hundred.statements).toBe(ten.statements);
    // The auth lookup, the page, and one statement per nested list for all the companies (graphql/sql-read), the
    // three lists sent together.
    expect(hundred.statements).toBe(5);
    expect(hundred.roundTrips).toBe(3);
  });

  it('costs the same through the resolvers: one statement per list, whatever the number of rows', async () => {
    const ten = await statementsFor(10, viaResolvers, gqlResolvers);
    const hundred = await statementsFor(100, viaResolvers, gqlResolvers);
    expect([ten.companies, hundred.companies, hundred.contacts]).toEqual([10, 100, 200]);
    expect(hundred.statements).toBe(ten.statements);
    // auth lookup + the page + one statement per nested list
    expect(hundred.statements).toBe(5);
    expect(hundred.roundTrips).toBe(5);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Company, Contact, Opportunity, Site } from '../../src/db/entities';
import { CompaniesWithChildrenDocument } from '../generated/graphql';
import { startTestApp, type TestApp } from '../support/app';

describe('read API cost', () => {
  let t: TestApp;
  let gql: Awaited<ReturnType<TestApp['newTenant']>>['gql'];

  beforeAll(async () => {
    t = await startTestApp();
    const tenant = await t.newTenant();
    gql = tenant.gql;
    const em = t.app.orm.em.fork();
    for (let i = 0; i < 120; i++) {
      const c = em.create(Company, { tenantId: tenant.tenantId, haloId: i + 1, name: `Company ${String(i).padStart(3, '0')}` });
      em.create(Site, { tenantId: tenant.tenantId, haloId: i + 1, companyId: c.id, name: 'Main', city: 'London' });
      for (let k = 0; k < 2; k++) em.create(Contact, { tenantId: tenant.tenantId, haloId: i * 2 + k + 1, companyId: c.id, name: `Person ${i}-${k}`, email: `p${i}-${k}@x.example` });
      em.create(Opportunity, { tenantId: tenant.tenantId, haloId: i + 1, companyId: c.id, title: `Deal ${i}`, status: 'OPEN' });
    }
    await em.flush();
  });
  afterAll(() => t?.stop());

  async function statementsFor(first: number): Promise<{ statements: number; companies: number; contacts: number }> {
    t.sql.length = 0;
    const data = await gql.expectData(CompaniesWithChildrenDocument, { first });
    const statements = t.sql.filter((s) => /\b(select|insert|update|delete)\b/i.test(s)).length;
    return {
      statements,
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
    // auth lookup + the page + one statement per nested list
    expect(hundred.statements).toBeLessThanOrEqual(5);
  });
});

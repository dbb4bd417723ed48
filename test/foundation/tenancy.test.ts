import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Company, Contact } from '../../src/db/entities';
import { CompaniesDocument, CompanyByIdDocument, ContactByIdDocument, ContactsDocument } from '../generated/graphql';
import { startTestApp, type TestApp } from '../support/app';
import { graphqlClient } from '../support/gql';

const ENTITIES_QUERY = `query($representations: [_Any!]!) {
  _entities(representations: $representations) { __typename ... on Company { id name } ... on Contact { id name } }
}`;
const SDL_QUERY = '{ _service { sdl } }';

describe('tenants and API keys', () => {
  let t: TestApp;
  let a: Awaited<ReturnType<TestApp['newTenant']>>;
  let b: Awaited<ReturnType<TestApp['newTenant']>>;
  let companyA: Company;
  let companyB: Company;
  let contactB: Contact;

  beforeAll(async () => {
    t = await startTestApp();
    a = await t.newTenant('Alpha IT', 'alpha.example');
    b = await t.newTenant('Beta IT', 'beta.example');
    const em = t.app.orm.em.fork();
    companyA = em.create(Company, { tenantId: a.tenantId, haloId: 10, name: 'Contoso (A)' });
    em.create(Company, { tenantId: a.tenantId, haloId: 11, name: 'Fabrikam (A)' });
    companyB = em.create(Company, { tenantId: b.tenantId, haloId: 10, name: 'Contoso (B)' });
    contactB = em.create(Contact, { tenantId: b.tenantId, haloId: 5, name: 'Bea', email: 'bea@b.example', companyId: companyB.id });
    await em.flush();
  });
  afterAll(() => t?.stop());

  it('answers 401 and runs nothing without an API key', async () => {
    const res = await graphqlClient(t.url).request(CompaniesDocument, {});
    expect(res.status).toBe(401);
    expect(res.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect(res.data).toBeUndefined();
  });

  it('answers 401 with a wrong or malformed key', async () => {
    for (const key of ['hsk_wrongwrongwrongwrongwrongwrongwrongwrongw', 'not-a-key', a.apiKey + 'x']) {
      const res = await graphqlClient(t.url, key).request(CompaniesDocument, {});
      expect(res.status, key).toBe(401);
    }
  });

  it('answers 401 before parsing a mutation or reading the body', async () => {
    const res = await fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{ this is not json',
    });
    expect(res.status).toBe(401);
  });

  it('lists only the caller’s own companies', async () => {
    const data = await a.gql.expectData(CompaniesDocument, {});
    expect(data.companies.nodes.map((c) => c.name)).toEqual(['Contoso (A)', 'Fabrikam (A)']);
    const dataB = await b.gql.expectData(CompaniesDocument, {});
    expect(dataB.companies.nodes.map((c) => c.name)).toEqual(['Contoso (B)']);
  });

  it('returns null for another tenant’s record by id', async () => {
    expect((await a.gql.expectData(CompanyByIdDocument, { id: companyB.id })).company).toBeNull();
    expect((await a.gql.expectData(ContactByIdDocument, { id: contactB.id })).contact).toBeNull();
    expect((await a.gql.expectData(CompanyByIdDocument, { id: companyA.id })).company?.name).toBe('Contoso (A)');
    expect((await a.gql.expectData(ContactsDocument, { companyId: companyB.id })).contacts.nodes).toEqual([]);
    expect((await a.gql.expectData(ContactsDocument, { search: 'bea' })).contacts.nodes).toEqual([]);
  });

  it('resolves _entities for its own tenant and null for another tenant’s id or a garbage id', async () => {
    const data = await a.gql.expectData<{ _entities: ({ __typename: string; id: string; name: string } | null)[] }, unknown>(
      ENTITIES_QUERY,
      {
        representations: [
          { __typename: 'Company', id: companyA.id },
          { __typename: 'Company', id: companyB.id },
          { __typename: 'Contact', id: contactB.id },
          { __typename: 'Company', id: 'not-a-uuid' },
        ],
      },
    );
    expect(data._entities).toEqual([{ __typename: 'Company', id: companyA.id, name: 'Contoso (A)' }, null, null, null]);
  });

  it('serves _service { sdl } with @key on the five entities', async () => {
    const data = await a.gql.expectData<{ _service: { sdl: string } }, unknown>(SDL_QUERY);
    for (const name of ['Company', 'Contact', 'Item', 'Opportunity', 'Quote']) {
      expect(data._service.sdl).toMatch(new RegExp(`type ${name}\\s+@key\\(fields: "id"\\)`));
    }
  });

  it('pages with a cursor and rejects a forged cursor or a page size out of range', async () => {
    const first = await a.gql.expectData(CompaniesDocument, { first: 1 });
    expect(first.companies.nodes.map((c) => c.name)).toEqual(['Contoso (A)']);
    expect(first.companies.pageInfo.hasNextPage).toBe(true);
    const second = await a.gql.expectData(CompaniesDocument, { first: 1, after: first.companies.pageInfo.endCursor });
    expect(second.companies.nodes.map((c) => c.name)).toEqual(['Fabrikam (A)']);
    expect(second.companies.pageInfo.hasNextPage).toBe(false);

    const forged = await a.gql.request(CompaniesDocument, { after: 'bm90IGEgY3Vyc29y' });
    expect(forged.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
    const tooBig = await a.gql.request(CompaniesDocument, { first: 10_000 });
    expect(tooBig.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
  });

  it('treats LIKE wildcards in a search as plain text', async () => {
    expect((await a.gql.expectData(CompaniesDocument, { search: '%' })).companies.nodes).toEqual([]);
    expect((await a.gql.expectData(CompaniesDocument, { search: 'fabri' })).companies.nodes.map((c) => c.name)).toEqual([
      'Fabrikam (A)',
    ]);
  });

  it('reports health and readiness', async () => {
    expect(await (await fetch(`${t.url}/healthz`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${t.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready' });
  });

  it('never writes the API key or the authorization header into a log line', async () => {
    expect(t.logLines.length).toBeGreaterThan(0);
    for (const line of t.logLines) {
      expect(line).not.toContain(a.apiKey);
      expect(line).not.toContain(b.apiKey);
    }
  });
});

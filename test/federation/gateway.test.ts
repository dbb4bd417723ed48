import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeServices } from '@apollo/composition';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { parse } from 'graphql';
import { Company, Quote } from '../../src/db/entities';
import { startTestApp, type TestApp } from '../support/app';
import { startNeighbour, type Neighbour } from './neighbour';

/**
 * Federation for real: our subgraph (the real app over HTTP) and a neighbour subgraph, composed by
 * @apollo/composition into a supergraph served by @apollo/gateway on loopback. The gateway is test-only
 * (Elastic License): nothing under src/ imports it.
 */
describe('federation through a real gateway', () => {
  let t: TestApp;
  let neighbour: Neighbour;
  let gateway: ApolloServer<{ authorization?: string }>;
  let gatewayUrl: string;
  let apiKey: string;
  const companies: Company[] = [];
  const quotes: Quote[] = [];

  const viaGateway = async (query: string, key = apiKey) => {
    const res = await fetch(gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ query }),
    });
    return { status: res.status, body: (await res.json()) as { data?: any; errors?: { message: string; extensions?: Record<string, unknown> }[] } };
  };

  beforeAll(async () => {
    t = await startTestApp();
    const tenant = await t.newTenant();
    apiKey = tenant.apiKey;
    const em = t.app.orm.em.fork();
    for (let i = 0; i < 100; i++) {
      const company = em.create(Company, { tenantId: tenant.tenantId, haloId: i + 1, name: `Company ${String(i).padStart(3, '0')}` });
      companies.push(company);
      quotes.push(em.create(Quote, { tenantId: tenant.tenantId, title: `Quote ${String(i).padStart(3, '0')}`, status: 'SENT', companyId: company.id }));
    }
    await em.flush();
    neighbour = await startNeighbour(new Map(companies.map((c, i) => [c.id, quotes[i].id])));

    // Our SDL exactly as a router gets it: `_service { sdl }` over HTTP, with a tenant key.
    const sdlRes = await tenant.gql.expectData<{ _service: { sdl: string } }, unknown>('{ _service { sdl } }');
    const composed = composeServices([
      { name: 'halo-sync', url: `${t.url}/graphql`, typeDefs: parse(sdlRes._service.sdl) },
      { name: 'neighbour', url: neighbour.url, typeDefs: neighbour.typeDefs },
    ]);
    expect(composed.errors ?? []).toEqual([]);

    gateway = new ApolloServer({
      gateway: new ApolloGateway({
        supergraphSdl: composed.supergraphSdl!,
        // The caller's key goes to every subgraph: halo-sync scopes each fetch to that key's tenant.
        buildService: ({ url }) =>
          new RemoteGraphQLDataSource<{ authorization?: string }>({
            url,
            willSendRequest({ request, context }) {
              if (context.authorization) request.http!.headers.set('authorization', context.authorization);
            },
          }),
      }),
      stopOnTerminationSignals: false,
    });
    ({ url: gatewayUrl } = await startStandaloneServer(gateway, {
      listen: { port: 0, host: '127.0.0.1' },
      context: async ({ req }) => ({ authorization: req.headers.authorization }),
    }));
  });

  afterAll(async () => {
    await gateway?.stop();
    await neighbour?.stop();
    await t?.stop();
  });

  it('composes our subgraph with the neighbour into one supergraph', async () => {
    const res = await viaGateway('{ __typename }');
    expect(res.body).toEqual({ data: { __typename: 'Query' } });
  });

  it('answers one query that joins both subgraphs (ours → neighbour → ours)', async () => {
    const res = await viaGateway(`{
      companies(first: 3) {
        nodes { name accountManager pinnedQuote { title status companyId } }
      }
    }`);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.companies.nodes).toEqual(
      companies.slice(0, 3).map((c, i) => ({
        name: c.name,
        accountManager: `manager-of-${c.id.slice(0, 8)}`,
        pinnedQuote: { title: quotes[i].title, status: 'SENT', companyId: c.id },
      })),
    );
    // The neighbour was asked for Company entities, by the gateway, in one batch.
    expect(neighbour.requests.some((q) => q.includes('_entities'))).toBe(true);
  });

  it('_entities for 100 Quote references from the neighbour costs one SQL statement (plus the key lookup)', async () => {
    const before = t.sql.length;
    const res = await viaGateway('{ pinnedQuotes { id title status } }');
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.pinnedQuotes).toHaveLength(100);
    expect(res.body.data.pinnedQuotes.map((q: { title: string }) => q.title)).toEqual(quotes.map((q) => q.title));
    const statements = t.sql.slice(before);
    const data = statements.filter((s) => !/"api_key"/.test(s));
    expect(data, statements.join('\n')).toHaveLength(1);
    expect(data[0]).toMatch(/from "quote"/);
  });

  it('_entities for 100 representations of each of two types: one statement per type', async () => {
    const representations = [
      ...companies.map((c) => ({ __typename: 'Company', id: c.id })),
      ...quotes.map((q) => ({ __typename: 'Quote', id: q.id })),
    ];
    const before = t.sql.length;
    const res = await fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
      body: JSON.stringify({
        query: 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Company { name } ... on Quote { title } } }',
        variables: { r: representations },
      }),
    });
    const body = (await res.json()) as { data: { _entities: ({ name?: string; title?: string } | null)[] }; errors?: unknown };
    expect(body.errors).toBeUndefined();
    expect(body.data._entities).toHaveLength(200);
    expect(body.data._entities.slice(0, 100).map((e) => e?.name)).toEqual(companies.map((c) => c.name));
    expect(body.data._entities.slice(100).map((e) => e?.title)).toEqual(quotes.map((q) => q.title));
    const data = t.sql.slice(before).filter((s) => !/"api_key"/.test(s));
    expect(data, data.join('\n')).toHaveLength(2);
    expect(data.some((s) => /from "company"/.test(s))).toBe(true);
    expect(data.some((s) => /from "quote"/.test(s))).toBe(true);
  });

  it('scopes every subgraph fetch to the caller’s tenant', async () => {
    const other = await t.newTenant();
    const res = await viaGateway('{ pinnedQuotes { id title } }', other.apiKey);
    // The neighbour still lists its pins; halo-sync resolves none of them for another tenant.
    expect(res.body.data?.pinnedQuotes ?? null).toBeNull();
    expect(JSON.stringify(res.body)).not.toContain('Quote 000');
  });

  it('a bad key through the gateway is an error, not data', async () => {
    const res = await viaGateway('{ companies(first: 1) { nodes { name } } }', 'hsk_wrong');
    expect(res.body.data?.companies ?? null).toBeNull();
    expect(res.body.errors?.length).toBeGreaterThan(0);
  });
});

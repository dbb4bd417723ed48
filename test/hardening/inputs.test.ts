import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GraphQLSchema } from 'graphql';
import { Company } from '../../src/db/entities';
import { buildFederatedSchema } from '../../src/graphql/schema';
import { MAX_SEARCH_LENGTH } from '../../src/graphql/inputs';
import { rootFieldCases, setAt } from '../../scripts/schema-cases';
import { startTestApp, type TestApp } from '../support/app';
import { codes, expectNothingRan, gqlBody, send, type RawResponse } from './helpers';

/**
 * Bad values in any argument of any root field are the client's mistake: BAD_USER_INPUT naming the field, before
 * any resolver or SQL runs; never INTERNAL_SERVER_ERROR, never a 5xx, never SQL in the message. The cases are
 * generated from the schema (scripts/schema-cases.ts), so a field added later is covered without touching this file.
 */

interface Case {
  name: string;
  query: string;
  variables: Record<string, unknown>;
  field: string;
}

/** One request per (root field, leaf of one of `scalars`, bad value), the rest of the arguments plausible. */
function casesFor(schema: GraphQLSchema, scalars: string[], badValues: unknown[]): Case[] {
  return rootFieldCases(schema, randomUUID).flatMap((c) =>
    c.leaves
      .filter((leaf) => scalars.includes(leaf.scalar))
      .flatMap((leaf) =>
        badValues.map((bad) => ({
          name: `${c.field} ${leaf.path.join('.')}=${JSON.stringify(bad)}`,
          query: c.query,
          variables: setAt(c.variables, leaf.path, bad),
          field: leaf.path.join('.'),
        })),
      ),
  );
}

const errorOf = (res: RawResponse) => res.json?.errors?.[0];

describe('bad input anywhere is BAD_USER_INPUT with the field, before anything runs', () => {
  let schema: GraphQLSchema;
  let prod: TestApp;
  let dev: TestApp;
  let prodKey: string;
  let devKey: string;
  let companyId: string;

  beforeAll(async () => {
    // API only: a worker's background sweeps would show up as SQL in the "nothing ran" checks.
    [schema, prod, dev] = await Promise.all([buildFederatedSchema(), startTestApp({ PRODUCTION_MODE: 'true', ROLES: 'api' }), startTestApp({ ROLES: 'api' })]);
    const tenant = await prod.newTenant();
    prodKey = tenant.apiKey;
    devKey = (await dev.newTenant()).apiKey;
    const em = prod.app.orm.em.fork();
    companyId = em.create(Company, { tenantId: tenant.tenantId, haloId: 1, name: 'Contoso' }).id;
    await em.flush();
  });
  afterAll(async () => {
    await Promise.all([prod?.stop(), dev?.stop()]);
  });

  const expectBadInput = async (t: TestApp, key: string, c: Case) => {
    const res = await expectNothingRan(t, () => send(t.url, { apiKey: key, body: gqlBody(c.query, c.variables) }));
    expect(res.status, c.name).toBeLessThan(500);
    expect(codes(res), `${c.name}\n${res.text}`).toEqual(['BAD_USER_INPUT']);
    expect(errorOf(res)?.extensions?.field, c.name).toBe(c.field);
    expect(res.text, c.name).not.toMatch(/select |insert |update "|uuid|syntax/i);
    return res;
  };

  it('an id that is not one of ours (abc, "", 36 dashes), in every argument and input of every query and mutation', async () => {
    const cases = casesFor(schema, ['ID'], ['abc', '', '-'.repeat(36)]);
    // The ones the issue names are among them.
    for (const name of ['updateQuote id=', 'syncConflicts recordId=', 'syncRun id=', 'retryPush id=', 'pushes targetId=', 'createQuote input.lines.0.itemId=']) {
      expect(cases.some((c) => c.name.startsWith(name)), name).toBe(true);
    }
    for (const c of cases) await expectBadInput(prod, prodKey, c);
    // Outside production mode the message is ours too, not the database's (it named the SQL).
    for (const c of cases.filter((_, i) => i % 3 === 0)) await expectBadInput(dev, devKey, c);
  });

  it('a NUL character in any string of any argument', async () => {
    const cases = casesFor(schema, ['String', 'ID'], ['a\u0000b']);
    expect(cases.length).toBeGreaterThan(20);
    for (const c of cases) {
      const res = await expectBadInput(prod, prodKey, c);
      expect(errorOf(res)?.message).toMatch(/NUL/);
    }
  });

  it(`a search longer than ${MAX_SEARCH_LENGTH} characters, on every list that takes one`, async () => {
    const lists = Object.values(schema.getQueryType()!.getFields()).filter((f) => f.args.some((a) => a.name === 'search'));
    expect(lists.map((f) => f.name).sort()).toEqual(['companies', 'contacts', 'items', 'opportunities']);
    for (const list of lists) {
      const query = `query($s: String) { ${list.name}(search: $s) { nodes { id } } }`;
      const long = await expectBadInput(prod, prodKey, { name: list.name, query, variables: { s: 'x'.repeat(MAX_SEARCH_LENGTH + 1) }, field: 'search' });
      expect(errorOf(long)?.message).toContain(String(MAX_SEARCH_LENGTH));
      const ok = await send(prod.url, { apiKey: prodKey, body: gqlBody(query, { s: 'x'.repeat(MAX_SEARCH_LENGTH) }) });
      expect(ok.json?.errors, list.name).toBeUndefined();
    }
  });

  it('a date-time outside years 1–9999 (receivedBefore: 0000-01-01T00:00:00Z)', async () => {
    const query = 'query($d: DateTimeISO) { haloWebhookDeliveries(receivedBefore: $d) { id } }';
    await expectBadInput(prod, prodKey, { name: 'receivedBefore', query, variables: { d: '0000-01-01T00:00:00Z' }, field: 'receivedBefore' });
    const ok = await send(prod.url, { apiKey: prodKey, body: gqlBody(query, { d: '0001-01-01T00:00:00Z' }) });
    expect(ok.json).toEqual({ data: { haloWebhookDeliveries: [] } });
  });

  const createQuote = 'mutation($input: QuoteInput!) { createQuote(input: $input) { id totals { total } } }';
  const line = (quantity: string, unitPrice: string) => ({ productName: 'Widget', quantity, unitPrice });

  it('a calendar date that does not exist (validUntil: 2026-02-31)', async () => {
    const input = { companyId, title: 'Q', validUntil: '2026-02-31', lines: [line('1', '10')] };
    const res = await send(prod.url, { apiKey: prodKey, body: gqlBody(createQuote, { input }) });
    expect(codes(res), res.text).toEqual(['BAD_USER_INPUT']);
    expect(errorOf(res)?.extensions?.field).toBe('input.validUntil');
    const ok = await send(prod.url, { apiKey: prodKey, body: gqlBody(createQuote, { input: { ...input, validUntil: '2028-02-29' } }) });
    expect(ok.json?.errors, ok.text).toBeUndefined();
  });

  it('totals that do not fit 14 digits (a 14-digit quantity × a 14-digit price)', async () => {
    const big = '99999999999999';
    const res = await send(prod.url, { apiKey: prodKey, body: gqlBody(createQuote, { input: { companyId, title: 'Q', lines: [line(big, big)] } }) });
    expect(codes(res), res.text).toEqual(['BAD_USER_INPUT']);
    expect(errorOf(res)?.extensions?.field).toBe('input.lines.0.unitPrice');
    // Two lines each below the limit whose sum is not.
    const half = '60000000000000';
    const sum = await send(prod.url, { apiKey: prodKey, body: gqlBody(createQuote, { input: { companyId, title: 'Q', lines: [line('1', half), line('1', half)] } }) });
    expect(codes(sum), sum.text).toEqual(['BAD_USER_INPUT']);
    expect(errorOf(sum)?.extensions?.field).toBe('input.lines');
    const ok = await send(prod.url, { apiKey: prodKey, body: gqlBody(createQuote, { input: { companyId, title: 'Q', lines: [line('2', '49999999999999.9999')] } }) });
    expect(ok.json?.errors, ok.text).toBeUndefined();
  });

  it('more than 50 bad variable values (graphql-js stops at 50 and says so): every error BAD_USER_INPUT', async () => {
    const lines = Array.from({ length: 60 }, () => line('NaN', 'NaN'));
    const res = await expectNothingRan(prod, () => send(prod.url, { apiKey: prodKey, body: gqlBody(createQuote, { input: { companyId, title: 'Q', lines } }) }));
    expect(res.status).toBe(400);
    expect(new Set(codes(res))).toEqual(new Set(['BAD_USER_INPUT']));
    expect(res.text).toMatch(/Too many errors processing variables/);
  });

  it('an automatic persisted query whose hash does not match its text', async () => {
    const body = JSON.stringify({ query: '{ __typename }', extensions: { persistedQuery: { version: 1, sha256Hash: 'ab'.repeat(32) } } });
    const res = await send(prod.url, { apiKey: prodKey, body });
    expect(res.status).toBe(400);
    expect(res.text).not.toContain('INTERNAL_SERVER_ERROR');
    expect(codes(res)).toEqual(['BAD_REQUEST']);
  });
});

describe('operation selection on the compiled read path', () => {
  let t: TestApp;
  let off: TestApp;
  let key: string;
  let offKey: string;
  beforeAll(async () => {
    [t, off] = await Promise.all([startTestApp(), startTestApp({ SQL_READS: 'false' })]);
    key = (await t.newTenant()).apiKey;
    offKey = (await off.newTenant()).apiKey;
  });
  afterAll(async () => {
    await Promise.all([t?.stop(), off?.stop()]);
  });

  const bodies = {
    'an unknown operationName': JSON.stringify({ query: 'query A { companies { nodes { id } } }', operationName: 'B' }),
    'several operations and no operationName': JSON.stringify({ query: 'query A { companies { nodes { id } } } query B { contacts { nodes { id } } }' }),
  };
  for (const [name, body] of Object.entries(bodies)) {
    it(`${name}: 400 with graphql-js's error, the same with and without compiled reads`, async () => {
      const compiled = await send(t.url, { apiKey: key, body });
      const resolvers = await send(off.url, { apiKey: offKey, body });
      expect(resolvers.status).toBe(400);
      expect(compiled.status, compiled.text).toBe(400);
      expect(compiled.json?.errors?.map((e) => e.message)).toEqual(resolvers.json?.errors?.map((e) => e.message));
      expect(compiled.json?.errors?.[0].message).toMatch(/operation/i);
    });
  }
});

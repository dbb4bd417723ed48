import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getIntrospectionQuery, getNamedType, isNonNullType, isObjectType, parse, type GraphQLObjectType } from 'graphql';
import { Company } from '../../src/db/entities';
import { DocumentCache, LIMITS, operationCost } from '../../src/graphql/limits';
import { buildFederatedSchema } from '../../src/graphql/schema';
import { MAX_BODY_BYTES } from '../../src/http/server';
import { startTestApp, type TestApp } from '../support/app';
import { codes, expectNothingRan, gqlBody, send } from './helpers';

const WIDE_COMPANY = 'id haloId name website isProspect inactive lastSyncedAt deletedAt syncErrors { code message hint at }';

describe('abuse limits: each rejected before any resolver runs, with its own code', () => {
  let t: TestApp;
  let apiKey: string;
  const post = (query: string, variables?: Record<string, unknown>) => send(t.url, { apiKey, body: gqlBody(query, variables) });

  beforeAll(async () => {
    // API only: a worker's background sweeps would show up as SQL in the "nothing ran" checks.
    t = await startTestApp({ ROLES: 'api' });
    const tenant = await t.newTenant();
    apiKey = tenant.apiKey;
    const em = t.app.orm.em.fork();
    for (let i = 0; i < 3; i++) em.create(Company, { tenantId: tenant.tenantId, haloId: i + 1, name: `Company ${i}` });
    await em.flush();
  });
  afterAll(() => t?.stop());

  it('answers an ordinary query (the probe counts its resolvers)', async () => {
    const before = t.resolved.length;
    const res = await post('{ companies(first: 2) { nodes { id name } } }');
    expect(res.status).toBe(200);
    expect(res.json?.errors).toBeUndefined();
    expect(t.resolved.length - before).toBeGreaterThan(0);
  });

  it(`depth: more than ${LIMITS.maxDepth} nested fields → QUERY_TOO_DEEP`, async () => {
    // __type is not skipped by the depth rule (only __schema is), so this is a valid document of depth 9.
    const deep = '{ __type(name: "Query") { fields { type { fields { type { fields { type { fields { name } } } } } } } } }';
    const res = await expectNothingRan(t, () => post(deep));
    expect(res.status).toBe(400);
    expect(codes(res)).toContain('QUERY_TOO_DEEP');
    const ok = await post('{ __type(name: "Query") { fields { type { fields { name } } } } }');
    expect(ok.json?.errors).toBeUndefined();
  });

  it(`cost: list sizes count (\`first\` × fields), over ${LIMITS.maxCost} → QUERY_TOO_COMPLEX`, async () => {
    const lists = (first: number, n: number) =>
      `{ ${Array.from({ length: n }, (_, i) => `c${i}: companies(first: ${first}) { nodes { ${WIDE_COMPANY} } }`).join(' ')} }`;
    const res = await expectNothingRan(t, () => post(lists(200, 6)));
    expect(res.status).toBe(400);
    expect(res.json?.errors?.[0].extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', maxCost: LIMITS.maxCost });
    // The same document with small pages is cheap: the page size is what made it expensive.
    const small = await post(lists(20, 6));
    expect(small.status).toBe(200);
    expect(small.json?.errors).toBeUndefined();
  });

  it('cost counts page sizes given through variables', async () => {
    const query = `query($n: Int) { ${Array.from({ length: 6 }, (_, i) => `c${i}: companies(first: $n) { nodes { ${WIDE_COMPANY} } }`).join(' ')} }`;
    const res = await expectNothingRan(t, () => post(query, { n: 200 }));
    expect(codes(res)).toEqual(['QUERY_TOO_COMPLEX']);
  });

  it(`aliases: more than ${LIMITS.maxAliases}, __typename aliases included → TOO_MANY_ALIASES`, async () => {
    const aliases = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: __typename`).join(' ')} }`;
    const res = await expectNothingRan(t, () => post(aliases(LIMITS.maxAliases + 1)));
    expect(res.status).toBe(400);
    expect(codes(res)).toEqual(['TOO_MANY_ALIASES']);
    const ok = await post(aliases(LIMITS.maxAliases));
    expect(ok.json?.errors).toBeUndefined();
  });

  it(`directives: more than ${LIMITS.maxDirectives} → TOO_MANY_DIRECTIVES (per operation, so also on one field)`, async () => {
    const fields = ['id', 'haloId', 'name', 'website', 'isProspect', 'inactive', 'lastSyncedAt', 'deletedAt', 'syncErrors { code }'];
    const spread = `{ companies(first: 1) @include(if: true) { nodes { ${fields.map((f) => f.replace(/^(\w+)/, '$1 @include(if: true)')).join(' ')} } } }`;
    const res = await expectNothingRan(t, () => post(spread));
    expect(res.status).toBe(400);
    expect(codes(res)).toEqual(['TOO_MANY_DIRECTIVES']);
    // Directive overloading on one field (unknown directives are reported too, but the limit is among the errors).
    const onOneField = await expectNothingRan(t, () => post(`{ __typename ${'@a '.repeat(10)}}`));
    expect(codes(onOneField)).toContain('TOO_MANY_DIRECTIVES');
    const ok = await post(`{ companies(first: 1) @include(if: true) { nodes { ${fields.slice(0, 8).map((f) => f.replace(/^(\w+)/, '$1 @include(if: true)')).join(' ')} } } }`);
    expect(ok.json?.errors).toBeUndefined();
  });

  it(`tokens: more than ${LIMITS.maxTokens} → TOO_MANY_TOKENS, parsing stops there`, async () => {
    const vars = Array.from({ length: LIMITS.maxTokens / 4 + 1 }, (_, i) => `$v${i}: Int`).join(', ');
    const res = await expectNothingRan(t, () => post(`query Q(${vars}) { __typename }`));
    expect(res.status).toBe(400);
    expect(codes(res)).toEqual(['TOO_MANY_TOKENS']);
  });

  it(`repeated fields: one name more than ${LIMITS.maxFieldRepeats} times in a selection set → TOO_MANY_REPEATED_FIELDS`, async () => {
    const res = await expectNothingRan(t, () => post(`{ companies(first: 1) { nodes { ${'id '.repeat(LIMITS.maxFieldRepeats + 1)}} } }`));
    expect(res.status).toBe(400);
    expect(codes(res)).toEqual(['TOO_MANY_REPEATED_FIELDS']);
    // Through fragments too: the same fragment spread over and over.
    const viaFragments = await expectNothingRan(t, () =>
      post(`{ companies(first: 1) { nodes { ${'...F '.repeat(LIMITS.maxFieldRepeats + 1)}} } } fragment F on Company { name }`),
    );
    expect(codes(viaFragments)).toEqual(['TOO_MANY_REPEATED_FIELDS']);
    const ok = await post(`{ companies(first: 1) { nodes { ${'id '.repeat(LIMITS.maxFieldRepeats)}} } }`);
    expect(ok.json?.errors).toBeUndefined();
  });

  it('page size: every field taking `first`, anywhere in the schema, rejects 0, 201 and -1 (literal or variable)', async () => {
    const schema = await buildFederatedSchema();
    const query = schema.getQueryType()!;
    const paged = new Set<string>();
    for (const type of Object.values(schema.getTypeMap())) {
      if (!isObjectType(type) || type.name.startsWith('__')) continue;
      for (const field of Object.values(type.getFields())) if (field.args.some((a) => a.name === 'first')) paged.add(`${type.name}.${field.name}`);
    }
    for (const records of ['companies', 'contacts', 'items', 'opportunities', 'quotes']) expect(paged).toContain(`Query.${records}`);

    // A document reaching each paged field: breadth-first from Query through object fields (nodes of a connection
    // included), so a paged list nested in a record (e.g. haloLookups { clients(first:) }) is reached too.
    const documents = new Map<string, (n: string) => string>();
    const seen = new Set<string>(['Query']);
    let frontier: { type: GraphQLObjectType; wrap: (inner: string) => string }[] = [{ type: query, wrap: (inner) => inner }];
    while (frontier.length) {
      const next: typeof frontier = [];
      for (const { type, wrap } of frontier) {
        for (const field of Object.values(type.getFields())) {
          const key = `${type.name}.${field.name}`;
          if (paged.has(key) && !documents.has(key)) documents.set(key, (n) => wrap(`${field.name}(first: ${n}) { __typename }`));
          const child = getNamedType(field.type);
          const required = field.args.filter((a) => isNonNullType(a.type) && a.defaultValue === undefined);
          if (!isObjectType(child) || seen.has(child.name) || required.length) continue;
          seen.add(child.name);
          const args = paged.has(key) ? '(first: 1)' : '';
          next.push({ type: child, wrap: (inner) => wrap(`${field.name}${args} { ${inner} }`) });
        }
      }
      frontier = next;
    }
    expect([...documents.keys()].sort()).toEqual([...paged].sort());

    for (const [name, doc] of documents) {
      for (const n of ['0', '201', '-1']) {
        const res = await expectNothingRan(t, () => post(`{ ${doc(n)} }`));
        expect(res.status, `${name} first: ${n}`).toBe(400);
        expect(res.json?.errors?.[0].extensions, `${name} first: ${n}`).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
      }
      const viaVariable = await expectNothingRan(t, () => post(`query($n: Int!) { ${doc('$n')} }`, { n: 500 }));
      expect(viaVariable.json?.errors?.[0].extensions, name).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
    }
  });

  it('_entities: a representation that is not an object naming one of our entity types → BAD_USER_INPUT, nothing runs', async () => {
    const query = 'query($r: [_Any!]!) { _entities(representations: $r) { __typename } }';
    for (const bad of [[[]], ['Company'], [{ id: '1' }], [{ __typename: 'Tenant', id: '1' }], [{ __typename: 'Company', id: '1' }, []]]) {
      const res = await expectNothingRan(t, () => post(query, { r: bad }));
      expect(res.status, JSON.stringify(bad)).toBe(400);
      expect(res.json?.errors?.[0].extensions, JSON.stringify(bad)).toMatchObject({ code: 'BAD_USER_INPUT' });
      expect(res.json?.errors?.[0].extensions?.field, JSON.stringify(bad)).toMatch(/^representations\.\d+\.__typename$/);
    }
    // A null among them fails variable coercion: BAD_USER_INPUT from graphql-js, also before execution.
    const withNull = await expectNothingRan(t, () => post(query, { r: [{ __typename: 'Company', id: '1' }, null] }));
    expect(codes(withNull)).toEqual(['BAD_USER_INPUT']);
  });

  it(`body size: more than ${MAX_BODY_BYTES} bytes → 413 before parsing`, async () => {
    const big = gqlBody(`{ __typename }`, { pad: 'x'.repeat(MAX_BODY_BYTES) });
    const res = await expectNothingRan(t, () => send(t.url, { apiKey, body: big }));
    expect(res.status).toBe(413);
    expect(res.json).toMatchObject({ error: 'PAYLOAD_TOO_LARGE' });
    // Just under the limit is read and answered.
    const fits = gqlBody(`{ __typename }`, { pad: 'x'.repeat(MAX_BODY_BYTES - 100) });
    expect((await send(t.url, { apiKey, body: fits })).status).toBe(200);
  });

  it('GraphiQL’s own introspection (every option of graphql-js’s getIntrospectionQuery) is answered', async () => {
    const all = { descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true, schemaDescription: true, inputValueDeprecation: true, oneOf: true };
    for (const options of [{}, { inputValueDeprecation: true }, all]) {
      const res = await post(getIntrospectionQuery(options));
      expect(res.json?.errors, JSON.stringify(options)).toBeUndefined();
      const types = (res.json?.data as { __schema: { types: { name: string; fields: { name: string }[] | null }[] } }).__schema.types;
      expect(types.find((x) => x.name === 'Query')?.fields?.map((f) => f.name)).toContain('companies');
    }
  });

  it('introspection has a budget of its own: many copies of it, or lists nested past what GraphiQL asks, → QUERY_TOO_COMPLEX', async () => {
    const full = getIntrospectionQuery({ inputValueDeprecation: true });
    const body = full.slice(full.indexOf('__schema'), full.indexOf('fragment FullType'));
    const fragments = full.slice(full.indexOf('fragment FullType'));
    const copies = `query IntrospectionQuery { ${Array.from({ length: 4 }, (_, i) => `s${i}: ${body.trim().slice(0, -1)}`).join(' ')} } ${fragments}`;
    const many = await expectNothingRan(t, () => post(copies));
    expect(codes(many), many.text).toEqual(['QUERY_TOO_COMPLEX']);
    // A cycle through types and fields, deeper than any introspection client asks (graphql-js's own rule).
    const cycle = '{ __schema { types { fields { type { fields { type { fields { type { fields { name } } } } } } } } } }';
    const cyclic = await expectNothingRan(t, () => post(cycle));
    expect(cyclic.status).toBe(400);
    expect(cyclic.text).toMatch(/introspection depth/);
    // Introspection beside data is no way around the data budget: the whole operation is priced as data.
    const lists = Array.from({ length: 6 }, (_, i) => `c${i}: companies(first: 200) { nodes { ${WIDE_COMPANY} } }`).join(' ');
    const mixed = await expectNothingRan(t, () => post(`{ __schema { queryType { name } } ${lists} }`));
    expect(codes(mixed), mixed.text).toEqual(['QUERY_TOO_COMPLEX']);
  });

  it('a body is not read before the caller is known: 401 (or 413 for a declared oversize) at once, then the connection closes', async () => {
    const declared = 50 * 1024 * 1024;
    const { port } = new URL(t.url);
    /** Sends headers announcing 50 MB, then the body in 256 KB chunks as fast as the server takes them. */
    const upload = (headers: string) =>
      new Promise<{ status: number; bytesWritten: number }>((resolve) => {
        const socket = connect(Number(port), '127.0.0.1');
        let response = '';
        let written = 0;
        let done = false;
        const finish = () => {
          if (done) return;
          done = true;
          socket.destroy();
          resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1] ?? 0), bytesWritten: written });
        };
        socket.on('data', (c) => (response += String(c)));
        socket.on('close', finish);
        socket.on('error', finish);
        socket.on('connect', () => {
          socket.write(`POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${declared}\r\n${headers}\r\n`);
          const chunk = Buffer.alloc(256 * 1024, 0x20);
          const pump = () => {
            while (!done && written < declared) {
              written += chunk.length;
              if (!socket.write(chunk)) return void socket.once('drain', pump);
            }
            // The whole body went through: the server read it all.
            setTimeout(finish, 2_000);
          };
          pump();
        });
      });
    for (const [name, headers, status] of [
      ['no key', '', 401],
      ['an unknown key', 'Authorization: Bearer hsk_unknown\r\n', 401],
      ['a valid key and a declared size over the limit', `Authorization: Bearer ${apiKey}\r\n`, 413],
    ] as const) {
      const res = await upload(headers);
      expect(res.status, name).toBe(status);
      expect(res.bytesWritten, name).toBeLessThan(declared / 5);
    }
  });

  it('batched (array) requests are refused, nothing in the batch runs', async () => {
    const batch = JSON.stringify([{ query: '{ companies { nodes { id } } }' }, { query: '{ __typename }' }]);
    const res = await expectNothingRan(t, () => send(t.url, { apiKey, body: batch }));
    expect(res.status).toBe(400);
    expect(res.text).toMatch(/batching/i);
  });
});

describe('parsed-document cache', () => {
  const doc = (chars: number) => parse(`{ __typename ${' '.repeat(Math.max(0, chars - 14))}}`);

  it('counts source characters, evicts the least recently used, and skips oversized documents', async () => {
    const cache = new DocumentCache(1_000, 400);
    await cache.set('a', doc(300));
    await cache.set('b', doc(300));
    await cache.set('c', doc(300));
    expect(await cache.get('a')).toBeDefined(); // a is now the most recently used
    await cache.set('d', doc(300));
    expect(await cache.get('b')).toBeUndefined();
    expect(await cache.get('a')).toBeDefined();
    expect(cache.size).toEqual({ entries: 3, chars: 900 });
    await cache.set('big', doc(401));
    expect(await cache.get('big')).toBeUndefined();
    expect(cache.size.chars).toBeLessThanOrEqual(1_000);
  });

  it('serves a repeated operation from the cache', async () => {
    const cache = new DocumentCache();
    await cache.set('q', parse('{ __typename }'));
    expect((await cache.get('q'))?.kind).toBe('Document');
  });
});

describe('cost model (pure)', () => {
  it('lets GraphiQL’s full introspection query and the largest single page through', async () => {
    const schema = await buildFederatedSchema();
    const cost = (q: string, v?: Record<string, unknown>) => {
      const doc = parse(q);
      const op = doc.definitions.find((d) => d.kind === 'OperationDefinition')!;
      return operationCost(schema, doc, op as never, v);
    };
    expect(cost(getIntrospectionQuery({ descriptions: true }))).toBeLessThan(LIMITS.maxCost);
    const page = cost(`{ quotes(first: 200) { nodes { id haloId lastSyncedAt deletedAt companyId opportunityId title status syncErrors { code message hint at } } pageInfo { hasNextPage endCursor } } }`);
    expect(page).toBeLessThan(LIMITS.maxCost / 4);
    // 100 router representations of a wide entity.
    const reps = Array.from({ length: 100 }, () => ({ __typename: 'Company', id: '00000000-0000-0000-0000-000000000000' }));
    expect(cost(`query($r: [_Any!]!) { _entities(representations: $r) { ... on Company { ${WIDE_COMPANY} } } }`, { r: reps })).toBeLessThan(LIMITS.maxCost);
    // Page size multiplies: first: 200 costs ten times first: 20.
    const at = (n: number) => cost(`{ companies(first: ${n}) { nodes { id name } } }`);
    expect(at(200) - 2).toBe(10 * (at(20) - 2));
  });
});

import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, startDemoProcess, type DemoProcess } from '../support/demo-process';

interface Gql<T> {
  data?: T;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

async function call<T>(demo: DemoProcess, query: string, variables: Record<string, unknown> = {}): Promise<Gql<T>> {
  const res = await fetch(demo.graphiqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${demo.apiKey}` },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as Gql<T>;
}

async function data<T>(demo: DemoProcess, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const body = await call<T>(demo, query, variables);
  expect(body.errors, `${query}\n${JSON.stringify(body.errors)}`).toBeUndefined();
  return body.data as T;
}

async function until<T>(what: string, probe: () => Promise<T | null | undefined> | T | null | undefined, tries = 300): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const v = await probe();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`gave up waiting for ${what}`);
}

type Runs = { syncRuns: { id: string; status: string; trigger: string; kind: string }[] };

/** Waits for the full sync the demo starts on every start, and returns it. */
const startSync = (demo: DemoProcess) =>
  until('the start-up sync', async () => {
    const { syncRuns } = await data<Runs>(demo, '{ syncRuns { id status trigger kind } }');
    const run = syncRuns.find((r) => r.trigger === 'demo');
    return run && run.status !== 'QUEUED' && run.status !== 'RUNNING' ? run : null;
  });

const STATE = `query ($id: ID!) {
  integrationSettings { productGroups { haloGroupId productType } }
  items(first: 200) { nodes { productType productGroup { haloId } } }
  quote(id: $id) { id haloId status origin pushState deletedAt }
  syncRuns { id status trigger kind }
}`;
interface State {
  integrationSettings: { productGroups: { haloGroupId: number; productType: string }[] };
  items: { nodes: { productType: string | null; productGroup: { haloId: number } | null }[] };
  quote: { id: string; haloId: number | null; status: string; origin: string; pushState: string | null; deletedAt: string | null } | null;
  syncRuns: Runs['syncRuns'];
}

/**
 * Issue 14 item 7: restarting the demo keeps what the user did. A changed mapping is not reverted, and a quote pushed
 * to the demo's simulator (with its Halo quotation) survives a clean restart and a kill -9, through the full sync
 * each start runs.
 */
describe('demo restarts keep what the user did', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'halo-sync-demo-restart-'));
  chmodSync(root, 0o755); // the embedded server runs as the postgres user
  const dataDir = path.join(root, 'pg');
  const simFile = path.join(root, 'halo-sim.json');
  const running: DemoProcess[] = [];
  afterAll(() => {
    for (const p of running) p.child.kill('SIGKILL');
    rmSync(root, { recursive: true, force: true });
  });

  const quotationsInFile = (): { id: number; title?: string }[] =>
    existsSync(simFile) ? ((JSON.parse(readFileSync(simFile, 'utf8')) as { data: { tables: { quotes: { id: number; title?: string }[] } } }).data.tables.quotes ?? []) : [];

  it('keeps a changed mapping and a pushed quote with its Halo quotation across a restart and a kill -9', async () => {
    const pgPort = await freePort();
    const first = await startDemoProcess({ dataDir, pgPort });
    running.push(first);
    await startSync(first);

    // The user maps Hardware to OTHER and sends a quote to "Halo".
    const { integrationSettings } = await data<State>(first, STATE, { id: '00000000-0000-0000-0000-000000000000' });
    const mappings = integrationSettings.productGroups.map((m) => (m.haloGroupId === 1 ? { ...m, productType: 'OTHER' } : m));
    await data(first, 'mutation ($m: [ProductGroupMappingInput!]!) { setProductGroupMappings(mappings: $m) { productGroups { haloGroupId } } }', { m: mappings });

    const { companies } = await data<{ companies: { nodes: { id: string; name: string }[] } }>(first, '{ companies(first: 50) { nodes { id name } } }');
    const company = companies.nodes.find((c) => c.name !== 'Acme Managed Services')!;
    const title = `Restart-proof quote ${Date.now()}`;
    const { createQuote } = await data<{ createQuote: { id: string } }>(first, 'mutation ($input: QuoteInput!) { createQuote(input: $input) { id } }', {
      input: { companyId: company.id, title, lines: [{ productName: 'Onboarding', quantity: '1', unitPrice: '250.00' }] },
    });
    await data(first, 'mutation ($id: ID!) { setQuoteStatus(id: $id, status: APPROVED) { id } }', { id: createQuote.id });
    const pushed = await until('the quote in Halo', async () => {
      const q = (await data<State>(first, STATE, { id: createQuote.id })).quote!;
      if (q.pushState === 'FAILED') throw new Error(`the push failed: ${JSON.stringify(q)}`);
      return q.pushState === 'PUSHED' && q.haloId ? q : null;
    });

    // The message a user meets next (issue 14 item 9: grammar).
    const final = await call(first, 'mutation ($id: ID!) { setQuoteStatus(id: $id, status: DRAFT) { id } }', { id: createQuote.id });
    expect(final.errors?.[0]?.message).toContain('An APPROVED quote cannot become DRAFT');

    // A clean restart.
    await until('the quotation saved', () => quotationsInFile().some((q) => q.id === pushed.haloId));
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    const second = await startDemoProcess({ dataDir, pgPort });
    running.push(second);
    await startSync(second);
    const afterRestart = await data<State>(second, STATE, { id: createQuote.id });
    expect(afterRestart.syncRuns.filter((r) => r.trigger === 'demo')).toHaveLength(2);
    expect(afterRestart.syncRuns.find((r) => r.trigger === 'demo')).toMatchObject({ status: 'SUCCEEDED', kind: 'FULL' });
    expect(afterRestart.integrationSettings.productGroups.find((m) => m.haloGroupId === 1)?.productType).toBe('OTHER');
    const hardware = afterRestart.items.nodes.filter((i) => i.productGroup?.haloId === 1);
    expect(hardware.length).toBeGreaterThan(0);
    expect(hardware.every((i) => i.productType === 'OTHER')).toBe(true);
    expect(afterRestart.quote).toMatchObject({ haloId: pushed.haloId, status: 'APPROVED', origin: 'LOCAL', deletedAt: null });

    // A kill -9 once the simulator saved: the same again.
    const quotation = quotationsInFile().find((q) => q.id === pushed.haloId);
    expect(quotation?.title).toBe(title);
    second.child.kill('SIGKILL');
    await second.exited;
    const third = await startDemoProcess({ dataDir, pgPort });
    running.push(third);
    await startSync(third);
    const afterKill = await data<State>(third, STATE, { id: createQuote.id });
    expect(afterKill.syncRuns.find((r) => r.trigger === 'demo')).toMatchObject({ status: 'SUCCEEDED', kind: 'FULL' });
    expect(afterKill.integrationSettings.productGroups.find((m) => m.haloGroupId === 1)?.productType).toBe('OTHER');
    expect(afterKill.quote).toMatchObject({ haloId: pushed.haloId, status: 'APPROVED', deletedAt: null });
    expect(quotationsInFile().some((q) => q.id === pushed.haloId)).toBe(true);

    third.child.kill('SIGTERM');
    expect(await third.exited).toBe(0);
  }, 240_000);
});

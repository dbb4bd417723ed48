import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startHaloSim, type HaloSim } from '../../src/halo-sim';

/** A simulator with a state file (the demo's) comes back as the same tenant after a restart. */
describe('simulator state file', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'halo-sim-state-'));
  const file = path.join(root, 'nested', 'halo-sim.json');
  const open: HaloSim[] = [];
  afterAll(async () => {
    for (const s of open) await s.stop().catch(() => undefined);
    rmSync(root, { recursive: true, force: true });
  });
  const start = async (opts: { seed?: number } = {}) => {
    const sim = await startHaloSim({ scale: 'demo', rateLimit: false, stateFile: file, ...opts });
    open.push(sim);
    return sim;
  };
  const saved = () => JSON.parse(readFileSync(file, 'utf8')) as { data: { tables: Record<string, { id: number; title?: string }[]> }; savedAt: string };

  it('restores records, settings, id counters and time, saving each change shortly after it happens', async () => {
    const first = await start();
    expect(existsSync(file)).toBe(true);
    const quote = first.control.create('quotes', { client_id: first.control.primaryClientId, title: 'Kept', lines: [{ name: 'Line', [first.truth.quoteLineQuantityField]: 1, [first.truth.quoteLineUnitPriceField]: 10 }] });
    first.control.updateSettings({ show_pipeline_stages: false });
    // Saved while running (a kill -9 loses at most the last moments), before any stop.
    for (let i = 0; i < 100 && !saved().data.tables.quotes!.some((q) => q.id === quote.id); i++) await new Promise((r) => setTimeout(r, 20));
    expect(saved().data.tables.quotes!.some((q) => q.id === quote.id)).toBe(true);
    const stamp = String(first.control.get('quotes', quote.id as number)!.last_update_time);
    await first.stop();

    const second = await start();
    expect(second.control.get('quotes', quote.id as number)).toMatchObject({ title: 'Kept', total: 10 });
    expect(second.control.settings().show_pipeline_stages).toBe(false);
    // New records take new ids, and time goes on from where it was.
    const next = second.control.create('quotes', { client_id: second.control.primaryClientId, title: 'Next', lines: [{ name: 'Line', [second.truth.quoteLineQuantityField]: 1, [second.truth.quoteLineUnitPriceField]: 5 }] });
    expect(Number(next.id)).toBeGreaterThan(Number(quote.id));
    expect(String(next.last_update_time) > stamp).toBe(true);
    const lineIds = [...(second.control.get('quotes', quote.id as number)!.lines as { id: number }[]), ...(next.lines as { id: number }[])].map((l) => l.id);
    expect(new Set(lineIds).size).toBe(lineIds.length);
    await second.stop();
  });

  it('does not restore a file of another world (other seed): it seeds afresh and replaces it', async () => {
    const other = await start({ seed: 2 });
    expect(other.control.list('quotes', (q) => q.title === 'Kept')).toEqual([]);
    await other.stop();
    expect(saved().data.tables.quotes!.some((q) => q.title === 'Kept')).toBe(false);
  });
});

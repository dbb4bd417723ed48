import { expect } from 'vitest';
import type { HaloSim } from '../../src/halo-sim';
import { ConnectHaloDocument, StartSyncDocument, SyncRunDocument, type SyncRunQuery } from '../generated/graphql';
import type { graphqlClient } from './gql';
import { connectInput } from './halo';

type Gql = ReturnType<typeof graphqlClient>;
export type Run = NonNullable<SyncRunQuery['syncRun']>;

export async function connect(gql: Gql, sim: HaloSim): Promise<void> {
  const res = await gql.expectData(ConnectHaloDocument, { input: connectInput(sim) });
  expect(res.connectHalo.ok, JSON.stringify(res.connectHalo.failedStep)).toBe(true);
}

/** Polls a run until it leaves QUEUED/RUNNING. */
export async function waitForRun(gql: Gql, id: string, timeoutMs = 30_000): Promise<Run> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const { syncRun } = await gql.expectData(SyncRunDocument, { id });
    if (syncRun && syncRun.status !== 'QUEUED' && syncRun.status !== 'RUNNING') return syncRun;
    if (Date.now() > until) throw new Error(`sync run ${id} still ${syncRun?.status} after ${timeoutMs} ms: ${JSON.stringify(syncRun?.progress)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Starts a sync and waits for it. A tenant runs one sync at a time and asking while one runs follows that run (e.g. a
 * sync a mapping change started): when the run followed began before this request, it cannot hold what the test just
 * changed in Halo, so a second run is started once it ends.
 */
export async function syncAndWait(gql: Gql, input: { full?: boolean; entities?: string[] } = {}): Promise<Run> {
  const start = async () => (await gql.expectData(StartSyncDocument, { input: { full: input.full ?? false, entities: input.entities as never } })).startSync.id;
  const requestedAt = Date.now();
  const run = await waitForRun(gql, await start());
  const began = run.startedAt ? Date.parse(run.startedAt) : Infinity;
  return began < requestedAt ? waitForRun(gql, await start()) : run;
}

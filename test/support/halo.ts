import { startHaloSim, type HaloSim, type HaloSimOptions } from '../../src/halo-sim';

/**
 * The seed of the simulator's unknowns (`src/halo-sim/truth.ts`) for this run: vitest's seed projects set
 * HALO_SIM_SEED (see vitest.config.mts), so the tests that touch Halo run against Halos that answer differently.
 */
export const TRUTH_SEED = process.env.HALO_SIM_SEED ? Number(process.env.HALO_SIM_SEED) : 1;

/** A simulator for one test file; no rate limit unless the test asks for one. Its unknowns come from TRUTH_SEED. */
export function startSim(opts: HaloSimOptions = {}): Promise<HaloSim> {
  return startHaloSim({ rateLimit: false, truthSeed: TRUTH_SEED, ...opts });
}

export const connectInput = (sim: HaloSim, overrides: Partial<{ baseUrl: string; clientId: string; clientSecret: string; tenant: string }> = {}) => ({
  baseUrl: sim.url,
  clientId: sim.clientId,
  clientSecret: sim.clientSecret,
  ...overrides,
});

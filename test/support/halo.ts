import { startHaloSim, type HaloSim, type HaloSimOptions } from '../../src/halo-sim';

/** A simulator for one test file; no rate limit unless the test asks for one. */
export function startSim(opts: HaloSimOptions = {}): Promise<HaloSim> {
  return startHaloSim({ rateLimit: false, ...opts });
}

export const connectInput = (sim: HaloSim, overrides: Partial<{ baseUrl: string; clientId: string; clientSecret: string; tenant: string }> = {}) => ({
  baseUrl: sim.url,
  clientId: sim.clientId,
  clientSecret: sim.clientSecret,
  ...overrides,
});

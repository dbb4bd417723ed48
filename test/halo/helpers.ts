import { TRUTH_SEED } from '../support/halo';
import { startHaloSim } from '../../src/halo-sim';
import { createHaloClient, type HaloClient, type HaloClientOptions, type HaloLogger } from '../../src/halo';

export type Sim = Awaited<ReturnType<typeof startHaloSim>>;
export type SimOptions = NonNullable<Parameters<typeof startHaloSim>[0]>;

/** A simulator with no rate limit unless asked: most tests are about something else. */
export function startSim(opts: SimOptions = {}): Promise<Sim> {
  return startHaloSim({ scale: 'demo', seed: 7, rateLimit: false, truthSeed: TRUTH_SEED, ...opts });
}

/** Fast retries and short timeouts so failure paths run in milliseconds. */
export function clientFor(sim: Sim, extra: Partial<HaloClientOptions> = {}): HaloClient {
  return createHaloClient({
    baseUrl: sim.url,
    clientId: sim.clientId,
    clientSecret: sim.clientSecret,
    rateBudget: false,
    timeoutMs: 2_000,
    ...extra,
    retry: { maxAttempts: 4, baseDelayMs: 5, maxDelayMs: 40, ...extra.retry },
  });
}

/** A pino-shaped logger that keeps every line as JSON text. */
export function captureLogger(): HaloLogger & { lines: string[] } {
  const lines: string[] = [];
  const rec = (level: string) => (obj: Record<string, unknown>, msg?: string) => lines.push(JSON.stringify({ level, ...obj, msg }));
  return { lines, debug: rec('debug'), info: rec('info'), warn: rec('warn'), error: rec('error') };
}

export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

/**
 * Standalone simulator: `node dist/src/halo-sim/main.js --scale demo|large --seed 1 [--truth-seed N] [--port N] [--no-rate-limit]`.
 * Prints one JSON line with the URL and credentials, then serves until SIGINT/SIGTERM.
 */
import { startHaloSim } from './index';
import { SimScale } from './seed';

function parseArgs(argv: string[]): { scale: SimScale; seed: number; truthSeed?: number; port: number; rateLimit: boolean } {
  const out: { scale: SimScale; seed: number; truthSeed?: number; port: number; rateLimit: boolean } = { scale: 'demo', seed: 1, port: 0, rateLimit: true };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${String(arg)} needs a value`);
      return v;
    };
    if (arg === '--scale') {
      const v = value();
      if (v !== 'empty' && v !== 'demo' && v !== 'large') throw new Error(`--scale must be empty, demo or large, not ${v}`);
      out.scale = v;
    } else if (arg === '--seed') out.seed = Number(value());
    else if (arg === '--truth-seed') out.truthSeed = Number(value());
    else if (arg === '--port') out.port = Number(value());
    else if (arg === '--no-rate-limit') out.rateLimit = false;
    else throw new Error(`unknown argument ${String(arg)}`);
  }
  return out;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const sim = await startHaloSim({ scale: args.scale, seed: args.seed, ...(args.truthSeed !== undefined ? { truthSeed: args.truthSeed } : {}), port: args.port, ...(args.rateLimit ? {} : { rateLimit: false }) });
  process.stdout.write(`${JSON.stringify({ url: sim.url, clientId: sim.clientId, clientSecret: sim.clientSecret, tenant: sim.tenant })}\n`);
  const shutdown = () => {
    sim.stop().then(() => process.exit(0), () => process.exit(1));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});

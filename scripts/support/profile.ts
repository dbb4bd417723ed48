import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';

/** BENCH_PROFILE=file.cpuprofile: this thread's CPU profile (open it in Chrome DevTools or speedscope). */
export async function startProfile(): Promise<{ stop(file: string): Promise<string> }> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return {
    async stop(file) {
      const { profile } = await session.post('Profiler.stop');
      writeFileSync(file, JSON.stringify(profile));
      session.disconnect();
      return file;
    },
  };
}

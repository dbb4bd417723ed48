import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildFederatedSchema, printFederatedSdl } from '../graphql/schema';

/** Writes the federation SDL to schema/schema.graphql; a test fails while the checked-in copy is stale. */
export const SDL_PATH = path.resolve(__dirname, '../../../schema/schema.graphql');

async function main(): Promise<void> {
  const sdl = printFederatedSdl(await buildFederatedSchema());
  writeFileSync(SDL_PATH, sdl);
  process.stdout.write(`wrote ${path.relative(process.cwd(), SDL_PATH)}\n`);
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});

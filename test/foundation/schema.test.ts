import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { generate } from '@graphql-codegen/cli';
import { buildFederatedSchema, printFederatedSdl } from '../../src/graphql/schema';
import codegenConfig from '../../codegen';

const root = path.resolve(__dirname, '../..');
const ENTITIES = ['Company', 'Contact', 'Item', 'Opportunity', 'Quote'];

describe('the federation schema', () => {
  it('matches the checked-in schema/schema.graphql (run `npm run schema` after changing the API)', async () => {
    const built = printFederatedSdl(await buildFederatedSchema());
    const checkedIn = readFileSync(path.join(root, 'schema/schema.graphql'), 'utf8');
    expect(checkedIn).toBe(built);
  });

  it('declares every product entity with @key(fields: "id")', async () => {
    const sdl = printFederatedSdl(await buildFederatedSchema());
    for (const name of ENTITIES) {
      expect(sdl).toMatch(new RegExp(`type ${name}\\s+@key\\(fields: "id"\\)`));
    }
  });

  it('has typed documents generated from the checked-in SDL that are up to date', async () => {
    const outputs = await generate({ ...codegenConfig, cwd: root, silent: true }, false);
    for (const file of outputs as { filename: string; content: string }[]) {
      const checkedIn = readFileSync(path.join(root, file.filename), 'utf8');
      expect(checkedIn, `${file.filename} is stale: run npm run schema`).toBe(file.content);
    }
  });
});

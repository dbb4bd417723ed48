import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * Typed documents for the tests (and any TypeScript consumer) from the checked-in SDL. Run `npm run schema`
 * after changing the GraphQL API: it emits the SDL first, then this.
 */
const config: CodegenConfig = {
  schema: 'schema/schema.graphql',
  documents: ['test/documents/**/*.graphql'],
  ignoreNoDocuments: false,
  generates: {
    'test/generated/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: { scalars: { DateTimeISO: 'string', Decimal: 'string' }, enumsAsTypes: true, useTypeImports: true },
    },
  },
};

export default config;

import 'reflect-metadata';
import { buildSchema, createResolversMap } from 'type-graphql';
import { buildSubgraphSchema, printSubgraphSchema } from '@apollo/subgraph';
import { printSchemaWithDirectives } from '@graphql-tools/utils';
import { parse, type GraphQLSchema } from 'graphql';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import type { GraphQLContext } from './context';
import type { Loaders } from './loaders';
import { CompanyResolver } from './company/company.resolver';
import { ContactResolver } from './contact/contact.resolver';
import { ItemResolver } from './item/item.resolver';
import { OpportunityResolver } from './opportunity/opportunity.resolver';
import { OpportunityMutationsResolver } from './push-opportunity/opportunity.mutations';
import { ProductResolver } from './product/product.resolver';
import { QuoteLineResolver, QuoteResolver } from './quote/quote.resolver';
import { QuoteMutations } from './quote/quote.mutations';
import { PushResolver } from './push/push.resolver';
import { ConnectionResolver } from './integration/connection.resolver';
import { SettingsResolver } from './integration/settings.resolver';
import { QuoteLineFieldsResolver } from './integration/quote-line-fields.resolver';
import { ChecklistResolver, LookupsResolver } from './integration/lookups.resolver';
import { LookupTablesResolver } from './integration/lookup-tables.resolver';
import { SyncResolver } from './sync/sync.resolver';
import { WebhooksResolver } from './webhooks/webhooks.resolver';

const FEDERATION_LINK = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable"])`;

/** Federation entities: GraphQL type name → the request's loader that resolves a `{ id }` reference. */
const ENTITY_LOADERS: Record<string, keyof Loaders> = {
  Company: 'company',
  Contact: 'contact',
  Item: 'item',
  Opportunity: 'opportunity',
  Quote: 'quote',
};

export const resolvers = [
  CompanyResolver,
  ContactResolver,
  ItemResolver,
  OpportunityResolver,
  OpportunityMutationsResolver,
  ProductResolver,
  QuoteResolver,
  QuoteLineResolver,
  QuoteMutations,
  PushResolver,
  ConnectionResolver,
  SettingsResolver,
  QuoteLineFieldsResolver,
  LookupsResolver,
  LookupTablesResolver,
  ChecklistResolver,
  SyncResolver,
  WebhooksResolver,
] as const;

/**
 * type-graphql has no federation support of its own: build its schema, print it with the @key directives, and
 * let @apollo/subgraph build the subgraph (adding `_service`, `_entities` and `_Any`) around the same resolvers.
 */
export async function buildFederatedSchema(): Promise<GraphQLSchema> {
  const base = await buildSchema({
    resolvers: [...resolvers],
    skipCheck: true,
    validate: false,
  });
  const map = createResolversMap(base) as GraphQLResolverMap<unknown>;
  for (const [typeName, loader] of Object.entries(ENTITY_LOADERS)) {
    map[typeName] = {
      ...(map[typeName] as object),
      __resolveReference: (ref: { id: string }, ctx: GraphQLContext) => ctx.loaders[loader].load(String(ref.id)),
    };
  }
  return buildSubgraphSchema({
    typeDefs: parse(`${FEDERATION_LINK}\n${printSchemaWithDirectives(base)}`),
    resolvers: map,
  });
}

/** The SDL checked in at schema/schema.graphql, and what routers receive through `_service { sdl }`. */
export function printFederatedSdl(schema: GraphQLSchema): string {
  return `${printSubgraphSchema(schema).trim()}\n`;
}

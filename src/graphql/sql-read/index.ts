import { HeaderMap, type ApolloServerPlugin } from '@apollo/server';
import type { GraphQLSchema } from 'graphql';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { Logger } from '../../log';
import type { GraphQLContext } from '../context';
import type { ListSpec } from '../common/records';
import { companiesList } from '../company/company.resolver';
import { contactsList } from '../contact/contact.resolver';
import { itemsList } from '../item/item.resolver';
import { opportunitiesList } from '../opportunity/opportunity.resolver';
import { quotesList } from '../quote/quote.resolver';
import { buildReadModel, type ReadModel } from './model';
import { compileRead, type SqlParts } from './compile';

/** The read API's top-level lists: Query field → its list (declared beside its resolver). */
const LISTS = {
  companies: companiesList,
  contacts: contactsList,
  items: itemsList,
  opportunities: opportunitiesList,
  quotes: quotesList,
} as unknown as Record<string, ListSpec<never, never>>;

export function readModelFor(schema: GraphQLSchema, orm: MikroORM): ReadModel {
  return buildReadModel(schema, orm.getMetadata(), LISTS);
}

function sqlParts(em: EntityManager): SqlParts {
  return {
    page: (entity, where, orderBy, limit) => em.createQueryBuilder(entity, 'p').select('*').where(where).orderBy(orderBy).limit(limit).getFormattedQuery(),
    literal: (value) => em.getPlatform().quoteValue(value),
  };
}

/**
 * The compiled read path: a query that only reads plain fields and declared relations is answered by one SQL
 * statement that returns the answer's JSON (compile.ts), before graphql-js would execute it. It runs after parsing,
 * validation and every abuse limit (they are earlier hooks), and any query it cannot compile, or whose statement
 * fails, goes on to the resolvers: the answer is the same either way, only cheaper here.
 */
export function sqlReadPlugin(
  schema: GraphQLSchema,
  model: ReadModel,
  log: Logger,
  /** Test probe (see hardening.ts `resolverProbe`): told "sql:Query.<field>" for each root field answered here. */
  onResolve?: (field: string) => void,
): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      return {
        async responseForOperation({ document, operation, request, contextValue }) {
          const compiled = compileRead(schema, model, sqlParts(contextValue.em), {
            document,
            operation,
            variables: request.variables,
            tenantId: contextValue.tenantId,
          });
          if (!compiled.ok) {
            log.debug({ requestId: contextValue.requestId, reason: compiled.reason }, 'read answered by the resolvers');
            return null;
          }
          let row: Record<string, unknown>;
          try {
            row = await contextValue.em.getConnection().execute(compiled.sql, [], 'get');
          } catch (err) {
            log.warn({ err, requestId: contextValue.requestId }, 'compiled read failed; answering through the resolvers');
            return null;
          }
          if (onResolve) for (const field of compiled.rootFields) onResolve(`sql:Query.${field}`);
          return { http: { headers: new HeaderMap(), status: undefined }, body: { kind: 'single', singleResult: { data: compiled.assemble(row) } } };
        },
      };
    },
  };
}

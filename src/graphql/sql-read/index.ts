import { HeaderMap, type ApolloServerPlugin } from '@apollo/server';
import DataLoader from 'dataloader';
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
import { compileRead, type Row, type RunSql, type SqlParts } from './compile';

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
 * Statements asked for in the same tick (a level of relations, or several roots' pages) go to Postgres as one
 * multi-statement query: one round trip per level instead of one per statement. On this kind of machine a round
 * trip costs more CPU (waking the server process) than the statement itself.
 */
function batched(execute: (sql: string) => Promise<unknown>): RunSql {
  // DataLoader's tick-batching without its cache: two equal statements of one request still run twice.
  const loader = new DataLoader<string, Row[]>(
    async (sqls) => {
      const result = await execute(sqls.join(';\n'));
      // One statement answers its rows; several answer one row list each.
      return (sqls.length === 1 ? [result] : result) as Row[][];
    },
    { cache: false },
  );
  return (sql) => loader.load(sql);
}

/**
 * The compiled read path: a query that only reads plain fields and declared relations is answered by batched SQL
 * statements assembled straight into the answer (compile.ts), before graphql-js would execute it. It runs after parsing,
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
          // No operation chosen (an unknown operationName, several operations and none named): graphql-js's execution
          // answers that with its standard 400.
          if (!operation) return null;
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
          let data: Record<string, unknown>;
          try {
            data = await compiled.run(batched((sql) => contextValue.em.getConnection().execute(sql, [], 'all')));
          } catch (err) {
            log.warn({ err, requestId: contextValue.requestId }, 'compiled read failed; answering through the resolvers');
            return null;
          }
          if (onResolve) for (const field of compiled.rootFields) onResolve(`sql:Query.${field}`);
          return { http: { headers: new HeaderMap(), status: undefined }, body: { kind: 'single', singleResult: { data } } };
        },
      };
    },
  };
}

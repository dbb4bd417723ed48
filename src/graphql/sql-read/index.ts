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

/** Rendered page statements by their inputs: the ORM's query builder costs more CPU than the statement itself. */
class PageSqlCache {
  private readonly entries = new Map<string, string>();

  constructor(private readonly max = 500) {}

  get(key: string, render: () => string): string {
    const hit = this.entries.get(key);
    if (hit !== undefined) {
      // Most recently used last: the first entry is the one to evict.
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    const sql = render();
    this.entries.set(key, sql);
    if (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value!);
    return sql;
  }
}

function sqlParts(em: EntityManager, pages: PageSqlCache): SqlParts {
  return {
    page: (entity, where, orderBy, limit) =>
      // The conditions hold the tenant, every filter and the cursor: equal inputs render the same statement.
      pages.get(`${entity.name}\u0000${JSON.stringify(where)}\u0000${JSON.stringify(orderBy)}\u0000${limit}`, () =>
        em.createQueryBuilder(entity, 'p').select('*').where(where).orderBy(orderBy).limit(limit).getFormattedQuery(),
      ),
    literal: (value) => em.getPlatform().quoteValue(value),
  };
}

/**
 * Statements asked for in the same tick (a level of relations, or several roots' pages) go to Postgres as one
 * multi-statement query: one round trip per level instead of one per statement. On this kind of machine a round
 * trip costs more CPU (waking the server process) than the statement itself.
 */
function batched(execute: (sql: string) => Promise<unknown>): RunSql {
  let queue: { sql: string; resolve: (rows: Row[]) => void; reject: (err: unknown) => void }[] = [];
  const flush = async () => {
    const batch = queue;
    queue = [];
    try {
      const result = await execute(batch.map((b) => b.sql).join(';\n'));
      // One statement answers its rows; several answer one row list each.
      const sets = (batch.length === 1 ? [result] : result) as Row[][];
      batch.forEach((b, i) => b.resolve(sets[i]));
    } catch (err) {
      for (const b of batch) b.reject(err);
    }
  };
  return (sql) =>
    new Promise((resolve, reject) => {
      queue.push({ sql, resolve, reject });
      // Like DataLoader: after the current promise jobs, so every sibling has asked.
      if (queue.length === 1) void Promise.resolve().then(() => process.nextTick(flush));
    });
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
  const pages = new PageSqlCache();
  return {
    async requestDidStart() {
      return {
        async responseForOperation({ document, operation, request, contextValue }) {
          const compiled = compileRead(schema, model, sqlParts(contextValue.em, pages), {
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
